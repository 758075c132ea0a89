import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from catalog.services import Action, contract_version_submit

CONTRACT_SUFFIXES = {".yaml", ".yml"}


def contract_files(paths: list[str]) -> list[Path]:
    """Contract files named directly, and every *.yaml / *.yml under the named folders."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.suffix in CONTRACT_SUFFIXES and p.is_file())
        elif path.is_file():
            files.append(path)
        else:
            raise CommandError(f"{raw}: no such file or folder")
    return files


class Command(BaseCommand):
    help = "Import data product contracts from files and folders; each file is stored whole or not at all."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", help="Contract files or folders of them.")
        parser.add_argument("--dry-run", action="store_true", help="Validate and gate, write nothing.")
        parser.add_argument("--strict", action="store_true", help="Fail when a version is kept as a draft.")
        parser.add_argument("--quiet", action="store_true", help="Print only problems and the summary.")

    def handle(self, *paths, **options):
        started = time.perf_counter()
        counts: dict[str, int] = {}
        failed = drafts = 0
        # Upstream products first is not needed: an input port naming a product not imported yet
        # is a warning, and the port is linked when that product arrives.
        for path in contract_files(list(paths)):
            text = _read(path)
            if text is None:
                self.stderr.write(f"{path}: not UTF-8 text")
                failed += 1
                continue
            outcome = contract_version_submit(text=text, filename=str(path), dry_run=options["dry_run"])
            counts[outcome.action] = counts.get(outcome.action, 0) + 1
            for problem in outcome.problems:
                self.stderr.write(str(problem))
            for warning in outcome.warnings:
                self.stdout.write(f"{warning} (warning)")
            if not outcome.stored:
                failed += 1
                self.stderr.write(f"{path}: {outcome.message}")
                continue
            if outcome.status == "draft" and outcome.action != Action.UNCHANGED:
                drafts += 1
            if outcome.violations and outcome.action != Action.UNCHANGED:
                for v in outcome.violations:
                    where = f" [{v['field']}]" if v.get("field") else ""
                    self.stdout.write(f"{path}: {v['severity']}: {v['policy']}{where}: {v['message']}")
            if not options["quiet"] or outcome.status == "draft":
                self.stdout.write(f"{path}: {outcome.action}: {outcome.message}")
        elapsed = time.perf_counter() - started
        summary = ", ".join(f"{n} {a.replace('_', ' ')}" for a, n in sorted(counts.items())) or "no contracts"
        prefix = "dry run: " if options["dry_run"] else ""
        self.stdout.write(f"{prefix}{summary}; {drafts} kept as draft; {failed} failed ({elapsed:.2f}s)")
        if failed or (options["strict"] and drafts):
            raise CommandError(
                f"{failed} file(s) could not be stored" if failed else f"{drafts} version(s) kept as draft (--strict)"
            )


def _read(path: Path) -> str | None:
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        return None
