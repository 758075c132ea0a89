import time

from django.core.management.base import BaseCommand

from catalog.search.documents import search_documents_rebuild


class Command(BaseCommand):
    help = "Rebuild every product's search document (after a bulk load or an upgrade)."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=1000)

    def handle(self, *args, **options):
        started = time.perf_counter()
        count = search_documents_rebuild(batch_size=options["batch_size"])
        self.stdout.write(f"rebuilt {count} search documents in {time.perf_counter() - started:.1f}s")
