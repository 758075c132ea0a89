import json

from django.core.management.base import BaseCommand, CommandError

from catalog.models import DataProduct
from governance.checks.service import quality_run_now
from governance.models import QualityRunTrigger


class Command(BaseCommand):
    help = "Run a data product's quality checks now, store the run, and print the results."

    def add_arguments(self, parser):
        parser.add_argument("product", help="<domain>/<name>")
        parser.add_argument("--format", choices=["text", "json"], default="text")
        parser.add_argument("--no-metrics", action="store_true", help="Skip the metrics (checks only).")

    def handle(self, *args, **options):
        domain, _, name = options["product"].partition("/")
        product = (
            DataProduct.objects.select_related("owning_team__domain", "domain")
            .filter(domain__name=domain, name=name)
            .first()
        )
        if product is None:
            raise CommandError(f"no data product {options['product']}")
        try:
            run, report = quality_run_now(
                product=product, trigger=QualityRunTrigger.MANUAL, metrics=not options["no_metrics"]
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if options["format"] == "json":
            self.stdout.write(json.dumps(report.as_seed_result(), indent=2))
        else:
            for o in report.outcomes:
                mark = "PASS" if o.passed else "FAIL"
                count = "-" if o.count is None else f"{o.count:g}"
                self.stdout.write(
                    f"{mark} {o.check.name} [{o.check.severity}] {count} (threshold {o.check.threshold:g}): {o.message}"
                )
            if report.error:
                self.stderr.write(f"error: {report.error}")
            self.stdout.write(f"run {run.pk}: {run.status}")
        if report.critical_failed:
            raise SystemExit(1)
