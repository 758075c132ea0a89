"""Run the web server, a Celery worker and Celery beat together in the foreground.

Ctrl-C (or SIGTERM) stops all three and waits for them, so nothing is left behind.
"""

import contextlib
import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand

from catalog.demo import DEMO_PASSWORD, DEMO_USERS


class Command(BaseCommand):
    help = "Start web server, Celery worker and Celery beat; Ctrl-C stops them all."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("DEMO_HOST", "127.0.0.1"))
        parser.add_argument("--port", default=os.environ.get("DEMO_PORT", "8000"))

    def handle(self, *args, **options):
        python = sys.executable
        addr = f"{options['host']}:{options['port']}"
        commands = {
            "web": [python, "manage.py", "runserver", addr, "--noreload"],
            "worker": [
                python,
                "-m",
                "celery",
                "-A",
                "mesh_portal",
                "worker",
                "--loglevel=INFO",
                "--concurrency=2",
            ],
            "beat": [
                python,
                "-m",
                "celery",
                "-A",
                "mesh_portal",
                "beat",
                "--loglevel=INFO",
                "--schedule",
                settings.CELERY_BEAT_SCHEDULE_FILENAME,
            ],
        }
        processes: dict[str, subprocess.Popen] = {}
        stopping = False

        def stop(*_):
            nonlocal stopping
            stopping = True

        # Installed explicitly: a process started in the background inherits SIGINT ignored.
        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        try:
            for name, cmd in commands.items():
                # Each in its own process group so that stopping reaches their children too.
                processes[name] = subprocess.Popen(cmd, cwd=settings.BASE_DIR, start_new_session=True)  # noqa: S603 - our own argv
            self._banner(addr)
            while not stopping:
                for name, proc in processes.items():
                    if proc.poll() is not None:
                        self.stderr.write(f"{name} exited with code {proc.returncode}; stopping the demo")
                        stopping = True
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            self._stop_all(processes)

    def _banner(self, addr: str):
        broker = settings.CELERY_BROKER_URL.split("@")[-1]
        lines = [
            "",
            "Mesh Portal is running:",
            f"  web     http://{addr}/",
            f"  worker  Celery, broker {broker}",
            "  beat    Celery beat (heartbeat every minute: look for 'heartbeat ok' in the log)",
            "",
            f"Demo logins (password for all: {DEMO_PASSWORD}):",
        ]
        lines += [f"  {u.username:<16} {u.full_name} ({u.role.replace('_', ' ')})" for u in DEMO_USERS]
        lines += ["", "Press Ctrl-C to stop the web server, worker and beat.", ""]
        self.stdout.write("\n".join(lines))

    def _stop_all(self, processes: dict[str, subprocess.Popen]):
        # SIGTERM to each main process only: Celery's warm shutdown stops its own pool children.
        for proc in processes.values():
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    proc.terminate()
        deadline = time.monotonic() + 15
        for proc in processes.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            # Whatever is left in the process group (a stuck child) is killed.
            _signal_group(proc, signal.SIGKILL)
            proc.wait()
        self.stdout.write("stopped web server, worker and beat")


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, sig)
