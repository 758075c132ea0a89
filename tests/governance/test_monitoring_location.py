"""Every run checks that the product reads only its own files; that check reads location strings
only (10,000 products made loading every contract the largest cost of a run), and still finds
a location equal to, inside or around another product's."""

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.conf import settings

from catalog.models import DataProduct
from governance.checks.runner import run_checks
from tests.factories import publish_ok

pytestmark = pytest.mark.django_db


def write(folder: str) -> None:
    path = f"{settings.MESH_STORAGE_MAP['s3://data-products/']}/{folder}"
    import os

    os.makedirs(path, exist_ok=True)
    pq.write_table(pa.table({"order_id": ["a"], "total_amount": [1.0]}), f"{path}/part-0.parquet")


def error_of(name: str) -> str:
    product = DataProduct.objects.get(name=name)
    return run_checks(contract=product.current_version.contract, product=product).error


@pytest.mark.parametrize(
    "location",
    [
        "s3://data-products/sales/orders/",
        "s3://data-products/sales/orders/2025/",
        "s3://data-products/sales/",
    ],
)
def test_a_location_overlapping_another_products_data_is_refused(location):
    publish_ok()
    write("sales/orders")
    write("sales/orders/2025")
    publish_ok(name="copycat", **{"schema.location": location, "schema.table": "orders"})
    assert "overlaps the data of sales/orders" in error_of("copycat")


def test_neighbouring_folders_with_a_common_prefix_do_not_overlap():
    publish_ok()
    publish_ok(name="orders_eu", **{"schema.location": "s3://data-products/sales/orders_eu/"})
    write("sales/orders")
    write("sales/orders_eu")
    assert "overlaps" not in error_of("orders_eu")
    assert "overlaps" not in error_of("orders")
