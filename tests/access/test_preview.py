"""The preview reads the product's own data, read-only, at most 100 rows: hive-partitioned
files, the DuckDB warehouse and PostgreSQL tables."""

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.conf import settings
from django.db import connection

from access.preview import PREVIEW_ROWS, product_preview
from catalog.models import DataProduct
from tests.factories import make_user, publish

pytestmark = pytest.mark.django_db

FIELDS = [
    {
        "name": "order_id",
        "type": "string",
        "description": "Id",
        "is_primary_key": True,
        "constraints": ["unique", "not_null"],
    },
    {"name": "total_amount", "type": "double", "description": "Total"},
    {"name": "order_date", "type": "date", "description": "Partition"},
]


@pytest.fixture
def owner(db):
    return make_user("owner", role="product_owner", home_domain="sales", team="sales-analytics")


def publish_table(location, **extra):
    outcome = publish(
        name="orders",
        **{"schema.location": location, "schema.fields": FIELDS, "sla.quality_checks": [], **extra},
    )
    assert outcome.published, (outcome.problems, outcome.violations)
    return DataProduct.objects.select_related("current_version").get(name="orders")


def test_hive_partitioned_files_are_read_with_the_partition_column_and_capped_at_100_rows(owner):
    root = next(iter(settings.MESH_STORAGE_MAP.values()))
    for day in ("2024-01-01", "2024-01-02"):
        folder = f"{root}/sales/orders/order_date={day}"
        import os

        os.makedirs(folder)
        pq.write_table(
            pa.table(
                {"order_id": [f"{day}-{i}" for i in range(80)], "total_amount": [float(i) for i in range(80)]}
            ),
            f"{folder}/part-0.parquet",
        )
    product = publish_table("s3://data-products/sales/orders/", **{"schema.partitioned_by": ["order_date"]})

    preview = product_preview(product)

    assert preview.error == ""
    assert set(preview.columns) == {"order_id", "total_amount", "order_date"}
    assert len(preview.rows) == PREVIEW_ROWS and preview.truncated
    date_index = preview.columns.index("order_date")
    assert {row[date_index] for row in preview.rows} <= {"2024-01-01", "2024-01-02"}


def test_the_duckdb_warehouse_is_attached_read_only(owner, tmp_path, settings):
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute(
            "CREATE SCHEMA sales; CREATE TABLE sales.orders AS SELECT 'o-' || i AS order_id, i * 1.5 AS total_amount, DATE '2024-01-01' AS order_date FROM range(5) t(i)"
        )
    settings.MESH_DATA_SOURCES = {**settings.MESH_DATA_SOURCES, "wh": f"duckdb://{path}"}
    product = publish_table("postgresql://wh/sales.orders")

    preview = product_preview(product)

    assert preview.error == "" and preview.columns == ["order_id", "total_amount", "order_date"]
    assert [r[0] for r in preview.rows] == [f"o-{i}" for i in range(5)] and not preview.truncated


def test_missing_data_is_an_error_message_not_a_crash(owner):
    product = publish_table("s3://data-products/sales/nowhere/")
    preview = product_preview(product)
    assert preview.rows == [] and "no data" in preview.error


@pytest.mark.pg
@pytest.mark.django_db(transaction=True)
def test_a_postgresql_table_is_read_in_a_read_only_transaction_with_a_limit_and_a_timeout(owner, settings):
    with connection.cursor() as cursor:
        cursor.execute("CREATE SCHEMA preview_src")
        cursor.execute(
            "CREATE TABLE preview_src.orders AS SELECT 'o-' || i AS order_id, i * 1.5 AS total_amount,"
            " DATE '2024-01-01' AS order_date FROM generate_series(1, 250) i"
        )
        cursor.execute(
            "CREATE VIEW preview_src.slow AS SELECT pg_sleep(5)::text AS order_id, 1.0 AS total_amount,"
            " DATE '2024-01-01' AS order_date"
        )
    try:
        db = connection.settings_dict
        url = f"postgresql://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
        settings.MESH_DATA_SOURCES = {**settings.MESH_DATA_SOURCES, "pgsrc": url}
        product = publish_table("postgresql://pgsrc/preview_src.orders")

        preview = product_preview(product)

        assert preview.error == "" and preview.columns == ["order_id", "total_amount", "order_date"]
        assert len(preview.rows) == PREVIEW_ROWS and preview.truncated
        assert preview.rows[0][1] == "1.5"  # numeric values come back as text, exactly

        slow = publish(
            name="slow",
            **{
                "schema.location": "postgresql://pgsrc/preview_src.slow",
                "schema.fields": FIELDS,
                "sla.quality_checks": [],
            },
        )
        assert slow.published
        started = __import__("time").monotonic()
        preview = product_preview(DataProduct.objects.get(name="slow"), timeout=0.5)
        assert "statement timeout" in preview.error and __import__("time").monotonic() - started < 4
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA preview_src CASCADE")
