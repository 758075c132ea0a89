import json
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from catalog.demo import DEMO_PASSWORD, demo_users_create


class Command(BaseCommand):
    help = "Load the example organization: policies, contracts, data and demo users (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=["small", "full"], default="full")

    def handle(self, *args, **options):
        examples = Path(settings.BASE_DIR) / "examples"
        call_command("load_policies", str(examples / "governance_policy.yaml"))
        call_command("import_contracts", str(examples / "contracts"), quiet=True)
        manifest = Path(settings.MESH_STORAGE_MAP["s3://data-products/"]) / "manifest.json"
        if _manifest_scale(manifest) == options["scale"]:
            self.stdout.write(f"example data already generated ({options['scale']}): {manifest.parent}")
        else:
            call_command("generate_example_data", scale=options["scale"])
        users = demo_users_create()
        self.stdout.write(
            f"demo users ready: {', '.join(u.username for u in users)} (password {DEMO_PASSWORD})"
        )


def _manifest_scale(path: Path) -> str | None:
    try:
        return json.loads(path.read_text()).get("scale")
    except (OSError, ValueError):
        return None
