from django.core.management.base import BaseCommand, CommandError

from catalog.contracts import document_to_yaml
from catalog.selectors import version_for_export


class Command(BaseCommand):
    help = "Print a product's contract as YAML: <domain>/<name>[@<version>] (default: the current version)."

    def add_arguments(self, parser):
        parser.add_argument("ref", help="<domain>/<name>[@<version>]")
        parser.add_argument("--format", choices=["seed"], default="seed")

    def handle(self, *args, **options):
        ref = options["ref"]
        product_ref, _, version = ref.partition("@")
        if product_ref.count("/") != 1:
            raise CommandError(f"{ref}: expected <domain>/<name>[@<version>]")
        domain, name = product_ref.split("/")
        found = version_for_export(domain=domain, name=name, version=version or None)
        if found is None:
            raise CommandError(f"{ref}: no such product or version")
        self.stdout.write(document_to_yaml(found.document), ending="")
