"""schemathesis against the real app: every operation of /api/schema/, as a product owner and
as an analyst, in-process over WSGI with pytest-django's database and real example products.

It fails on any server error (5xx) and on any response the schema does not describe (status,
content type, body shape, headers). Operations added on other branches are covered as soon as
they are in the schema: nothing here lists endpoints.

Bounded: the `mesh-schemathesis` Hypothesis profile below keeps the fuzzing phase small; the
examples phase (the schema's own examples, which name the products loaded here) and the coverage
phase (boundary values, invalid inputs) run in full. The whole file takes ~1-2 minutes.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django.test import override_settings
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis.specs.openapi.checks import positive_data_acceptance

from access import services
from catalog.models import DataProduct
from tests.access.conftest import grant_via_workflow, load_policies, publish_world_products
from tests.factories import make_user

pytestmark = [pytest.mark.slow]

# MESH_SCHEMATHESIS_MAX_EXAMPLES=200 makes a deeper, randomized run (locally, before a release).
DEEP = int(os.environ.get("MESH_SCHEMATHESIS_MAX_EXAMPLES", "0"))
settings.register_profile(
    "mesh-schemathesis",
    max_examples=DEEP or 8,
    deadline=None,
    derandomize=not DEEP,  # CI runs the same cases every time, so a failure reproduces locally
    suppress_health_check=list(HealthCheck),
    database=None,
)
PROFILE = settings.get_profile("mesh-schemathesis")
REAL_IDS: dict[str, list[int]] = {"request": [], "grant": []}  # filled by `mesh_data`
REAL_ID_PATHS = {"/api/v1/access-requests/": "request", "/api/v1/grants/": "grant"}


@pytest.fixture(scope="module")
def mesh_data(django_db_setup, django_db_blocker, tmp_path_factory):
    """Example products (public, restricted, invisible to analysts) with data files, the policy
    file, an owner, an analyst with an open request, a grant holder and a governance lead.

    Loaded once for the module inside a transaction that is rolled back at its end; each test
    runs in a savepoint within it (pytest-django's `db`), so what one test changes the next does
    not see. Loading it per test would cost more than the tests themselves."""
    storage = {"s3://data-products/": str(tmp_path_factory.mktemp("schemathesis-s3"))}
    with django_db_blocker.unblock(), override_settings(MESH_STORAGE_MAP=storage):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            owner = make_user("owner", role="product_owner", home_domain="sales", team="sales-analytics")
            analyst = make_user("analyst", role="analyst", home_domain="finance")
            holder = make_user("holder", role="analyst", home_domain="finance")
            lead = make_user("lead", governance=True)
            publish_world_products()
            load_policies()
            products = {p.name: p for p in DataProduct.objects.all()}
            grant = grant_via_workflow(product=products["secret"], user=holder, owner=owner, lead=lead)
            pending = services.access_request_create(
                product=products["secret"], requester=analyst, purpose="Quarterly margins report"
            )
            REAL_IDS["request"] = [pending.pk, grant.request_id]
            REAL_IDS["grant"] = [grant.pk]
            yield {"owner": owner, "analyst": analyst, "storage": storage}
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def mesh(mesh_data, db, settings):
    settings.MESH_STORAGE_MAP = mesh_data["storage"]  # the data files written with the products
    assert DataProduct.objects.count() == 3, "the module's example products are gone"
    return mesh_data


def _token_headers(user) -> dict:
    token, _ = Token.objects.get_or_create(user=user)
    return {"Authorization": f"Token {token.key}"}


@pytest.fixture
def owner_headers(mesh, _connection_kept_across_requests):
    return _token_headers(mesh["owner"])


@pytest.fixture
def analyst_headers(mesh, _connection_kept_across_requests):
    return _token_headers(mesh["analyst"])


@pytest.fixture
def _connection_kept_across_requests():
    """A real WSGI request ends with `close_old_connections`, which would close the connection
    holding the test's transaction; Django's test client disconnects it the same way."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


# Loaded once, at collection, from the app itself (no database needed to describe the API):
# one test per operation and persona.
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    # Besides the generated ids (mostly missing objects: 404), try the real ones loaded above.
    path = context.operation.path
    kind = next((k for prefix, k in REAL_ID_PATHS.items() if path.startswith(prefix)), None)
    if kind is None or not path_parameters or "id" not in path_parameters:
        return st.just(path_parameters)
    return st.sampled_from([path_parameters, *({**path_parameters, "id": pk} for pk in REAL_IDS[kind])])


def call_and_validate(case, headers: dict) -> None:
    """All of schemathesis's checks, except "schema-valid input is accepted" on an operation that
    documents (x-checked-beyond-schema) a rule no schema can state."""
    excluded = []
    if case.operation.definition.raw.get("x-checked-beyond-schema"):
        excluded.append(positive_data_acceptance)
    case.call_and_validate(headers=headers, excluded_checks=excluded)


# The owner sees drafts, findings, its grants and may approve; the analyst
# holds an open request and meets the 403/404 paths.
@schema.parametrize()
@settings(PROFILE)
def test_api_answers_a_product_owner_as_its_schema_says(case, owner_headers):
    call_and_validate(case, owner_headers)


@schema.parametrize()
@settings(PROFILE)
def test_api_answers_an_analyst_as_its_schema_says(case, analyst_headers):
    call_and_validate(case, analyst_headers)
