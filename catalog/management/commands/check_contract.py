import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand

from catalog.services import contract_evaluate


class Command(BaseCommand):
    help = (
        "Run the publish gate on a contract without writing anything; exit 1 if publishing would be blocked."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args, **options):
        path = Path(options["file"])
        try:
            text = path.read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            violations = [_format_violation(f"{path}: {exc}")]
            return self._finish(options, False, violations)
        outcome = contract_evaluate(text=text, filename=str(path))
        violations = [_format_violation(str(p), field=p.path) for p in outcome.problems]
        violations += [
            {
                "policy": v["policy"],
                "severity": v["severity"],
                "message": v["message"],
                "field": v.get("field"),
            }
            for v in outcome.violations
        ]
        publishable = not outcome.problems and not outcome.blocking_violations
        return self._finish(options, publishable, violations)

    def _finish(self, options, publishable: bool, violations: list[dict]):
        if options["format"] == "json":
            self.stdout.write(json.dumps({"publishable": publishable, "violations": violations}, indent=2))
        else:
            for v in violations:
                field = f" [{v['field']}]" if v.get("field") else ""
                self.stdout.write(f"{v['severity']}: {v['policy']}{field}: {v['message']}")
            self.stdout.write("publishable" if publishable else "blocked: publishing would keep it a draft")
        if not publishable:
            sys.exit(1)


def _format_violation(message: str, field: str | None = None) -> dict:
    return {"policy": "contract_format", "severity": "error", "message": message, "field": field or None}
