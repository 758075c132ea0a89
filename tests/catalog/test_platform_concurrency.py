"""Concurrent registrations of one product on real PostgreSQL: exactly one wins, the rest are 409."""

import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from catalog.models import DataProduct, ProductVersion
from tests.catalog.test_platform_scaffold import spec
from tests.factories import make_user

pytestmark = [pytest.mark.pg, pytest.mark.django_db(transaction=True)]
THREADS = 8


def test_concurrent_registrations_of_one_product_create_it_once():
    owner = make_user("owner", role="product_owner", home_domain="sales", team="sales-analytics")
    barrier = threading.Barrier(THREADS)
    statuses = [None] * THREADS

    def register(i):
        try:
            client = APIClient()
            client.force_authenticate(owner)
            barrier.wait()
            statuses[i] = client.post("/api/v1/platform/products", spec(), format="json").status_code
        except Exception as exc:  # reported by the assertion below
            statuses[i] = repr(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=register, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)

    assert sorted(statuses, key=str) == [201] + [409] * (THREADS - 1)
    assert DataProduct.objects.filter(name="orders_daily").count() == 1
    assert ProductVersion.objects.filter(product__name="orders_daily").count() == 1
