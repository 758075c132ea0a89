"""A product updated while its search document is being written (real PostgreSQL, two
connections): the document ends with the product's new columns. Writing a document locks its
product first, so the update waits and its trigger then finds the document to copy into;
without that lock the trigger would run before the new document is visible and leave it stale."""

import threading
import time

import pytest
from django.db import connection, transaction

from catalog.models import DataProduct, SearchDocument
from catalog.search import search_documents_rebuild
from tests.factories import publish_ok

pytestmark = [pytest.mark.pg, pytest.mark.django_db(transaction=True)]
WAIT = 30  # seconds, only ever reached on failure


def _wait_for(condition, what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


def _waiting_on_a_lock(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
        row = cursor.fetchone()
    return bool(row) and row[0] == "Lock"


def test_a_product_update_during_a_document_rebuild_reaches_the_document():
    publish_ok(name="orders")
    product = DataProduct.objects.get(name="orders")
    SearchDocument.objects.filter(product=product).delete()  # the rebuild will insert it anew
    written, release = threading.Event(), threading.Event()
    updater_pid: list[int] = []
    errors: list[BaseException] = []

    def rebuild():
        try:
            with transaction.atomic():
                assert search_documents_rebuild(product_ids=[product.pk]) == 1
                written.set()
                assert release.wait(WAIT)
        except BaseException as exc:  # reported below
            errors.append(exc)
            written.set()
        finally:
            connection.close()

    def update():
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                updater_pid.append(cursor.fetchone()[0])
            DataProduct.objects.filter(pk=product.pk).update(quality_health="failing")
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    rebuilder = threading.Thread(target=rebuild)
    rebuilder.start()
    assert written.wait(WAIT)
    updater = threading.Thread(target=update)
    updater.start()
    # The update waits for the rebuild's lock on the product (or, unlocked, would finish at once).
    _wait_for(
        lambda: updater_pid and (not updater.is_alive() or _waiting_on_a_lock(updater_pid[0])), "the update"
    )
    release.set()
    rebuilder.join(WAIT)
    updater.join(WAIT)
    assert not errors, errors
    assert SearchDocument.objects.get(product=product).quality_health == "failing"
