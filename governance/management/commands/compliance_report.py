import csv
import json

from django.core.management.base import BaseCommand, CommandError

from governance.compliance.selectors import latest_report, report_domains, report_products, report_summary
from governance.compliance.services import compliance_report_run
from governance.models import ComplianceTrigger

CSV_COLUMNS = [
    "product",
    "version",
    "version_status",
    "score",
    "compliant",
    "critical",
    "error",
    "warning",
    "info",
    "waived",
]


class Command(BaseCommand):
    help = (
        "Print the latest compliance report (organization, domains, products), or compute one now "
        "with --now. Score formula: docs/compliance.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["text", "json", "csv"], default="text")
        parser.add_argument(
            "--now", action="store_true", help="Evaluate every product now and store a new report."
        )

    def handle(self, *args, **options):
        if options["now"]:
            report = compliance_report_run(trigger=ComplianceTrigger.COMMAND)
        else:
            report = latest_report()
            if report is None:
                raise CommandError("there is no compliance report yet: run `compliance_report --now`")
        fmt = options["format"]
        if fmt == "json":
            document = {
                "report": report_summary(report),
                "domains": report_domains(report),
                "products": list(report_products(report, with_violations=True)),
            }
            self.stdout.write(json.dumps(document, indent=2))
        elif fmt == "csv":
            writer = csv.writer(self.stdout, lineterminator="\n")
            writer.writerow(CSV_COLUMNS)
            for p in report_products(report):
                s = p["by_severity"]
                writer.writerow(
                    [
                        p["product"],
                        p["version"],
                        p["version_status"],
                        p["score"],
                        p["compliant"],
                        s["critical"],
                        s["error"],
                        s["warning"],
                        s["info"],
                        p["waived"],
                    ]
                )
        else:
            self._text(report)

    def _text(self, report):
        summary = report_summary(report)
        out = self.stdout
        out.write(
            f"Compliance report {summary['id']} as of {summary['as_of']} (policies v{summary['policy_set_version']}): "
            f"score {summary['score']}, {summary['compliant']} of {summary['products']} products compliant, "
            f"{summary['open_violations']} open violations, {summary['waived']} waived"
        )
        for d in report_domains(report):
            out.write(f"  {d['domain']}: score {d['score']}, {d['compliant']}/{d['products']} compliant")
        for p in report_products(report, with_violations=True):
            out.write(f"{p['product']} {p['version']} ({p['version_status']}): score {p['score']:g}")
            for v in p["violations"]:
                mark = " [waived]" if v["waived"] else ""
                out.write(f"  {v['severity']} {v['policy']}{mark}: {v['message']}")
