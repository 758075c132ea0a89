"""Races on real PostgreSQL: threads, each with its own connection, hit the API at once."""

import threading

import pytest
from django.db import connection
from django.test import Client
from rest_framework.authtoken.models import Token

from access import services
from access.models import AccessGrant, AccessRequest, AuditEvent, DataProductUserObjectPermission
from catalog.models import DataProduct
from tests.factories import make_user

pytestmark = [pytest.mark.pg, pytest.mark.django_db(transaction=True)]
THREADS = 20


def run_at_once(calls):
    """Start every call on its own thread at the same instant; returns their results in order."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def worker(i, call):
        try:
            barrier.wait()
            results[i] = call()
        except Exception as exc:  # pragma: no cover - reported by the assertion below
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def token_header(user):
    token, _ = Token.objects.get_or_create(user=user)
    return {"HTTP_AUTHORIZATION": f"Token {token.key}"}


def test_twenty_concurrent_approve_and_reject_attempts_make_exactly_one_decision(world):
    orders = DataProduct.objects.get(name="orders")
    scientist = make_user("sci", role="data_scientist")
    req = services.access_request_create(product=orders, requester=scientist, purpose="Model")
    assert req.status == "pending_owner" and not req.needs_governance
    headers = token_header(world["owner"])

    def attempt(i):
        action = "approve" if i % 2 == 0 else "reject"
        return (
            Client()
            .post(
                f"/api/v1/access-requests/{req.pk}/{action}/",
                {"comment": "No"},
                content_type="application/json",
                **headers,
            )
            .status_code
        )

    statuses = run_at_once([lambda i=i: attempt(i) for i in range(THREADS)])

    assert sorted(statuses).count(200) == 1, statuses
    assert statuses.count(409) == THREADS - 1, statuses
    req.refresh_from_db()
    assert req.status in ("approved", "rejected")
    grants = AccessGrant.objects.filter(request=req).count()
    assert grants == (1 if req.status == "approved" else 0)
    decisions = AuditEvent.objects.filter(object_type="AccessRequest", object_id=str(req.pk)).exclude(
        action="access_request.create"
    )
    assert decisions.count() == 1
    assert (
        AuditEvent.objects.filter(
            action="access_grant.create", product=orders, details__grantee="sci"
        ).count()
        == grants
    )
    assert (
        DataProductUserObjectPermission.objects.filter(user=scientist, content_object=orders).count()
        == 2 * grants
    )


def test_twenty_concurrent_identical_requests_leave_one_open_request(world):
    headers = token_header(world["analyst"])
    body = {"product": "sales/secret", "purpose": "Report", "expires_at": None}

    def attempt():
        return Client().post("/api/v1/access-requests/", body, content_type="application/json", **headers)

    responses = run_at_once([attempt] * THREADS)

    statuses = [r.status_code for r in responses]
    assert statuses.count(201) == 1, statuses
    assert statuses.count(409) == THREADS - 1, statuses
    assert all(r.json()["error"]["code"] == "conflict" for r in responses if r.status_code == 409)
    assert AccessRequest.objects.open().filter(requester=world["analyst"]).count() == 1
    assert AuditEvent.objects.filter(action="access_request.create", actor=world["analyst"]).count() == 1


def test_twenty_concurrent_auto_approved_requests_make_one_grant(world):
    headers = token_header(world["analyst"])
    body = {"product": "sales/orders", "purpose": "Report"}

    responses = run_at_once(
        [lambda: Client().post("/api/v1/access-requests/", body, content_type="application/json", **headers)]
        * THREADS
    )

    statuses = [r.status_code for r in responses]
    assert statuses.count(201) == 1 and statuses.count(409) == THREADS - 1, statuses
    assert AccessGrant.objects.filter(user=world["analyst"], revoked_at__isnull=True).count() == 1


def test_approve_racing_cancel_ends_in_one_valid_state(world):
    orders = DataProduct.objects.get(name="orders")
    scientist = make_user("sci", role="data_scientist")
    for round_ in range(5):
        req = services.access_request_create(product=orders, requester=scientist, purpose=f"r{round_}")

        def approve(pk=req.pk):
            try:
                return services.access_request_approve(request_id=pk, decided_by=world["owner"]).status
            except services.AccessError as exc:
                return exc.code

        def cancel(pk=req.pk):
            try:
                return services.access_request_cancel(request_id=pk, cancelled_by=scientist).status
            except services.AccessError as exc:
                return exc.code

        results = run_at_once([approve, cancel] * 5)
        req.refresh_from_db()
        assert results.count("conflict") == 9, results
        assert req.status in ("approved", "cancelled")
        assert AccessGrant.objects.filter(request=req).count() == (1 if req.status == "approved" else 0)
        if req.status == "approved":
            services.access_grant_revoke(grant_id=req.grant.pk, revoked_by=world["owner"])


def test_concurrent_expiry_sweeps_end_each_grant_once(world):
    from datetime import timedelta

    from django.utils import timezone

    AccessGrant.objects.filter(pk=world["holder_grant"].pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )

    results = run_at_once([services.access_grants_expire] * 5)

    assert sorted(len(r) for r in results) == [0, 0, 0, 0, 1]
    assert AuditEvent.objects.filter(action="access_grant.expire").count() == 1
