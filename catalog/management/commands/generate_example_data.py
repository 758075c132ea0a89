"""`manage.py generate_example_data [--scale small|full] [--output DIR] [--now ISO]`"""

import time
from datetime import datetime

import duckdb
import psycopg
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from catalog.exampledata import SCALES, generate_example_data
from catalog.exampledata.base import S3_PREFIX


class Command(BaseCommand):
    help = (
        "Generate the example organization's data: files for the s3://data-products/ products, the "
        "finance.general_ledger table in the 'warehouse' data source, and a manifest of seeded problems."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=SCALES, default="full", help="small: <= 10k rows per product")
        parser.add_argument(
            "--output",
            help=f"Folder for {S3_PREFIX} (default: MESH_STORAGE_MAP[{S3_PREFIX!r}])",
        )
        parser.add_argument(
            "--now",
            type=datetime.fromisoformat,
            help="Anchor of every date, ISO 8601 in UTC (default: the current time); same value, same rows",
        )

    def handle(self, *args, scale, output, now, **options):
        storage_root = output or settings.MESH_STORAGE_MAP.get(S3_PREFIX)
        if not storage_root:
            raise CommandError(f"MESH_STORAGE_MAP has no folder for {S3_PREFIX}; pass --output")
        started = time.monotonic()
        try:
            manifest = generate_example_data(
                storage_root=storage_root, data_sources=settings.MESH_DATA_SOURCES, scale=scale, now=now
            )
        except (ValueError, OSError, duckdb.Error, psycopg.Error) as error:
            raise CommandError(str(error)) from error
        elapsed = time.monotonic() - started
        for key, product in manifest["products"].items():
            problems = ", ".join(f"{p['id']} ({p['count']})" for p in product["problems"]) or "clean"
            self.stdout.write(f"{key:34} {product['row_count']:>9,} rows  {problems}")
        self.stdout.write(
            self.style.SUCCESS(
                f"{len(manifest['products'])} products at scale {scale} in {elapsed:.1f} s; "
                f"manifest: {storage_root}/manifest.json"
            )
        )
