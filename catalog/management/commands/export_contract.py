import json

from django.core.management.base import BaseCommand, CommandError

from catalog.contracts import document_to_yaml
from catalog.contracts.standards import contract_to_odcs, validate_odcs
from catalog.selectors import version_for_export


class Command(BaseCommand):
    help = (
        "Print a product's contract: <domain>/<name>[@<version>] (default: the current version), "
        "in the portal's format or as ODCS v3.1.0 (--format odcs)."
    )

    def add_arguments(self, parser):
        parser.add_argument("ref", help="<domain>/<name>[@<version>]")
        parser.add_argument(
            "--format",
            choices=["seed", "odcs"],
            default="seed",
            help="seed: the portal's contract format (default); odcs: Open Data Contract Standard v3.1.0 YAML.",
        )

    def handle(self, *args, **options):
        ref = options["ref"]
        product_ref, _, version = ref.partition("@")
        if product_ref.count("/") != 1:
            raise CommandError(f"{ref}: expected <domain>/<name>[@<version>]")
        domain, name = product_ref.split("/")
        found = version_for_export(domain=domain, name=name, version=version or None)
        if found is None:
            raise CommandError(f"{ref}: no such product or version")
        if options["format"] == "seed":
            self.stdout.write(document_to_yaml(found.document), ending="")
            return
        odcs = contract_to_odcs(found.document, found.contract, status=found.status)
        problems = validate_odcs(odcs)
        if problems:  # a bug of the export, never a user's fault: say so rather than print bad ODCS
            raise CommandError(f"{ref}: the ODCS export does not validate: {'; '.join(problems[:5])}")
        # JSON-safe values through a plain YAML dump: the ODCS document has no dates to restore.
        self.stdout.write(document_to_yaml(json.loads(json.dumps(odcs))), ending="")
