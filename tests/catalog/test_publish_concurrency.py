"""Two first submissions of one new product at once (real PostgreSQL): one product, no 500."""

import threading

import pytest
from django.db import connection
from django.test import Client

from catalog.models import DataProduct, ProductVersion
from tests.factories import contract_text, make_user

pytestmark = [pytest.mark.pg, pytest.mark.django_db(transaction=True)]
THREADS = 8


def test_concurrent_first_submissions_create_the_product_once():
    owner = make_user("owner", role="product_owner", home_domain="sales", team="sales-analytics")
    text = contract_text(name="returns")
    barrier = threading.Barrier(THREADS)
    statuses = [None] * THREADS

    def submit(i):
        try:
            client = Client()
            client.force_login(owner)
            barrier.wait()
            statuses[i] = client.post(
                "/api/v1/products/sales/returns/versions/", data=text, content_type="application/yaml"
            ).status_code
        except Exception as exc:  # reported by the assertion below
            statuses[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)

    # One submission creates and publishes; the others find the identical version stored.
    assert sorted(statuses, key=str) == sorted([201] + [200] * (THREADS - 1), key=str), statuses
    assert DataProduct.objects.filter(domain__name="sales", name="returns").count() == 1
    assert ProductVersion.objects.filter(product__name="returns").count() == 1
