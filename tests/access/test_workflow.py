"""Requests, policy decisions, approvals, grants, renewal, expiry, revocation and their audit."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from access import services
from access.models import AccessGrant, AccessRequest, AuditEvent, DataProductUserObjectPermission
from access.selectors import active_grant, inbox_count, product_access_context, user_may_read_data
from catalog.models import DataProduct, Team
from catalog.people import team_member_add
from tests.access.conftest import _checks, grant_via_workflow, write_parquet
from tests.factories import make_user, publish

pytestmark = pytest.mark.django_db


FINANCE = {
    "name": "ledger",
    "domain": "finance",
    "classification": "confidential",
    "owner": {"team": "finance-team", "contact": "f@example.com"},
    "schema.location": "s3://data-products/finance/ledger/",
    "sla.completeness": {"min_threshold": "99.95%"},
    "sla.freshness": {"max_age_hours": 1, "update_schedule": "0 * * * *"},
    **_checks("ledger"),
}


def product(name):
    return DataProduct.objects.select_related("domain").get(name=name)


def user_perms(user, obj) -> set[str]:
    """The user's own permission rows (group rows from access.read are not the grant's)."""
    return set(
        DataProductUserObjectPermission.objects.filter(user=user, content_object=obj).values_list(
            "permission__codename", flat=True
        )
    )


def actions(obj):
    return list(
        AuditEvent.objects.filter(object_type=obj.__class__.__name__, object_id=str(obj.pk))
        .order_by("at", "id")
        .values_list("action", flat=True)
    )


def test_policy_approves_an_internal_product_at_once_when_access_read_lists_the_role(world):
    analyst = world["analyst"]

    req = services.access_request_create(product=product("orders"), requester=analyst, purpose="Dashboards")

    assert req.status == "approved"
    assert req.decided_rule == "auto: internal product, access.read lists role analyst"
    assert user_perms(analyst, product("orders")) == {"view_dataproduct", "read_data"}
    assert actions(req) == ["access_request.create", "access_request.approve"]
    assert actions(req.grant) == ["access_grant.create"]
    assert req.grant.granted_by is None


def test_policy_approves_when_the_home_domain_is_listed(world):
    user = make_user("fin", role="data_engineer", home_domain="finance")
    assert publish(name="ledger", access={"discovery": "public", "read": [{"domain": "finance"}]}).published

    req = services.access_request_create(product=product("ledger"), requester=user, purpose="Close")

    assert req.status == "approved" and "domain finance" in req.decided_rule


def test_unlisted_requester_of_an_internal_product_waits_for_the_owners_only(world):
    scientist = make_user("sci", role="data_scientist")

    req = services.access_request_create(product=product("orders"), requester=scientist, purpose="Model")
    assert (req.status, req.needs_governance) == ("pending_owner", False)
    req = services.access_request_approve(request_id=req.pk, decided_by=world["owner"])

    assert req.status == "approved"
    assert active_grant(user=scientist, product=product("orders")).granted_by == world["owner"]


def test_restricted_product_needs_the_owner_then_a_governance_lead(world):
    analyst = world["analyst"]
    req = services.access_request_create(product=product("secret"), requester=analyst, purpose="Audit")
    assert (req.status, req.needs_governance) == ("pending_owner", True)
    assert "restricted" in req.decided_rule

    with pytest.raises(services.AccessDenied):
        services.access_request_approve(request_id=req.pk, decided_by=world["lead"])  # not the owner stage
    req = services.access_request_approve(request_id=req.pk, decided_by=world["owner"])
    assert req.status == "pending_governance" and not user_may_read_data(
        user=analyst, product=product("secret")
    )
    with pytest.raises(services.AccessDenied):
        services.access_request_approve(request_id=req.pk, decided_by=world["owner"])
    req = services.access_request_approve(request_id=req.pk, decided_by=world["lead"])

    assert req.status == "approved" and user_may_read_data(user=analyst, product=product("secret"))
    assert actions(req) == [
        "access_request.create",
        "access_request.owner_approve",
        "access_request.approve",
    ]


def test_a_field_listed_under_approval_required_sends_the_request_to_governance(world):
    fields = [
        {
            "name": "order_id",
            "type": "string",
            "description": "Id",
            "is_primary_key": True,
            "constraints": ["unique", "not_null"],
        },
        {
            "name": "customer_ssn",
            "type": "string",
            "description": "SSN",
            "is_pii": True,
            "pii_category": "national_id",
        },
    ]
    outcome = publish(
        name="people",
        encryption_enabled=True,
        audit_logging_enabled=True,
        **{"schema.fields": fields, "schema.location": "s3://data-products/sales/people/"},
        **_checks("people"),
    )
    assert outcome.published, outcome.violations
    req = services.access_request_create(product=product("people"), requester=world["analyst"], purpose="x")

    assert req.needs_governance and "customer_ssn" in req.decided_rule and req.status == "pending_owner"


def test_purpose_is_required_and_the_end_date_must_be_in_the_future(world):
    with pytest.raises(services.AccessInvalid):
        services.access_request_create(product=product("secret"), requester=world["analyst"], purpose="  ")
    with pytest.raises(services.AccessInvalid):
        services.access_request_create(
            product=product("secret"),
            requester=world["analyst"],
            purpose="x",
            expires_at=timezone.now() - dt.timedelta(days=1),
        )
    assert not AccessRequest.objects.filter(requester=world["analyst"]).exists()


def test_no_second_open_request_and_none_for_access_already_held(world):
    services.access_request_create(product=product("secret"), requester=world["analyst"], purpose="x")
    with pytest.raises(services.AccessConflict):
        services.access_request_create(product=product("secret"), requester=world["analyst"], purpose="again")
    with pytest.raises(services.AccessConflict):
        services.access_request_create(product=product("secret"), requester=world["holder"], purpose="more")
    with pytest.raises(services.AccessConflict):
        services.access_request_create(product=product("secret"), requester=world["owner"], purpose="mine")


def test_an_invisible_product_cannot_be_requested(world):
    with pytest.raises(services.AccessNotFound):
        services.access_request_create(
            product=product("vault_ledger"), requester=world["analyst"], purpose="x"
        )


def test_reject_needs_a_comment_and_ends_the_request(world):
    req = services.access_request_create(product=product("secret"), requester=world["analyst"], purpose="x")
    with pytest.raises(services.AccessInvalid):
        services.access_request_reject(request_id=req.pk, decided_by=world["owner"], comment="")

    req = services.access_request_reject(
        request_id=req.pk, decided_by=world["owner"], comment="Use the aggregate"
    )

    assert (req.status, req.comment) == ("rejected", "Use the aggregate")
    with pytest.raises(services.AccessConflict):
        services.access_request_approve(request_id=req.pk, decided_by=world["owner"])
    assert not AccessGrant.objects.filter(request=req).exists()


def test_nobody_decides_their_own_request_even_after_joining_the_owning_team(world):
    analyst = world["analyst"]
    req = services.access_request_create(product=product("secret"), requester=analyst, purpose="x")
    team_member_add(team=Team.objects.get(name="sales-analytics"), user=analyst, role="data_engineer")

    with pytest.raises(services.AccessDenied):
        services.access_request_approve(request_id=req.pk, decided_by=analyst)
    with pytest.raises(services.AccessDenied):
        services.access_request_reject(request_id=req.pk, decided_by=analyst, comment="no")


def test_only_the_requester_cancels_and_a_cancelled_request_cannot_be_approved(world):
    req = services.access_request_create(product=product("secret"), requester=world["analyst"], purpose="x")
    with pytest.raises(services.AccessDenied):
        services.access_request_cancel(request_id=req.pk, cancelled_by=world["owner"])

    services.access_request_cancel(request_id=req.pk, cancelled_by=world["analyst"])

    with pytest.raises(services.AccessConflict):
        services.access_request_approve(request_id=req.pk, decided_by=world["owner"])
    # A new request may be opened after cancelling.
    assert services.access_request_create(
        product=product("secret"), requester=world["analyst"], purpose="y"
    ).is_open


def test_revoke_removes_the_permissions_and_is_audited(world):
    grant = world["holder_grant"]
    assert user_perms(world["holder"], product("secret")) == {"view_dataproduct", "read_data"}
    with pytest.raises(services.AccessDenied):
        services.access_grant_revoke(grant_id=grant.pk, revoked_by=world["holder"])

    services.access_grant_revoke(grant_id=grant.pk, revoked_by=world["owner"])

    assert user_perms(world["holder"], product("secret")) == set()
    assert not user_may_read_data(user=world["holder"], product=product("secret"))
    assert actions(grant) == ["access_grant.create", "access_grant.revoke"]
    with pytest.raises(services.AccessConflict):
        services.access_grant_revoke(grant_id=grant.pk, revoked_by=world["owner"])


def test_an_expired_grant_is_refused_before_the_sweep_and_the_sweep_is_idempotent(world):
    grant = world["holder_grant"]
    AccessGrant.objects.filter(pk=grant.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))

    # The permission rows are still there (no sweep yet), yet reading is refused.
    assert "read_data" in user_perms(world["holder"], product("secret"))
    assert not user_may_read_data(user=world["holder"], product=product("secret"))

    assert services.access_grants_expire() == [grant.pk]
    assert user_perms(world["holder"], product("secret")) == set()
    assert actions(grant).count("access_grant.expire") == 1
    assert services.access_grants_expire() == []
    assert actions(grant).count("access_grant.expire") == 1


def test_renewal_is_a_new_agreement_that_replaces_the_grant_and_keeps_the_permissions(world):
    holder, old = world["holder"], world["holder_grant"]
    req = services.access_request_create(
        product=product("secret"),
        requester=holder,
        purpose="Next quarter",
        renew=True,
        expires_at=timezone.now() + dt.timedelta(days=30),
    )
    assert req.status == "pending_owner" and req.renews_id == old.pk
    services.access_request_approve(request_id=req.pk, decided_by=world["owner"])
    services.access_request_approve(request_id=req.pk, decided_by=world["lead"])

    old.refresh_from_db()
    assert old.end_reason == "renewed" and old.revoked_at is not None
    new = active_grant(user=holder, product=product("secret"))
    assert new.request_id == req.pk and new.expires_at == req.expires_at
    assert user_perms(holder, product("secret")) == {"view_dataproduct", "read_data"}


def test_renewing_without_a_live_grant_is_refused(world):
    with pytest.raises(services.AccessConflict):
        services.access_request_create(
            product=product("secret"), requester=world["analyst"], purpose="x", renew=True
        )


def test_sox_domain_caps_the_end_date(world):
    fin_owner = make_user("fin_owner", role="product_owner", home_domain="finance", team="finance-team")
    assert publish(
        **FINANCE,
    ).published, "finance product"
    req = services.access_request_create(
        product=product("ledger"), requester=world["analyst"], purpose="Close"
    )

    assert req.expires_at is not None
    assert req.expires_at <= timezone.now() + dt.timedelta(days=services.SOX_MAX_GRANT_DAYS)
    assert fin_owner


def test_audit_all_access_domains_log_every_preview(world, client):
    fin_owner = make_user("fin_owner", role="product_owner", home_domain="finance", team="finance-team")
    assert publish(
        **FINANCE,
    ).published
    import pyarrow as pa

    write_parquet("finance/ledger", pa.table({"order_id": ["x"], "total_amount": [1.0]}))
    grant_via_workflow(product=product("ledger"), user=world["analyst"], owner=fin_owner, lead=world["lead"])
    client.force_login(world["analyst"])

    assert client.get("/api/v1/products/finance/ledger/preview/").status_code == 200
    assert client.get("/access/products/finance/ledger/preview/").status_code == 200
    client.force_login(world["holder"])
    assert client.get("/api/v1/products/sales/secret/preview/").status_code == 200

    logged = AuditEvent.objects.filter(action="data.preview")
    assert [e.details["via"] for e in logged.filter(domain_name="finance").order_by("id")] == ["api", "web"]
    assert not logged.filter(domain_name="sales").exists()


def test_every_step_emails_the_deciders_and_the_requester(
    world, django_capture_on_commit_callbacks, settings
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    from mesh_portal.celery import app

    app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            req = services.access_request_create(
                product=product("secret"), requester=world["analyst"], purpose="x"
            )
        requested = {tuple(m.to) for m in mail.outbox}
        with django_capture_on_commit_callbacks(execute=True):
            services.access_request_approve(request_id=req.pk, decided_by=world["owner"])
        with django_capture_on_commit_callbacks(execute=True):
            services.access_request_approve(request_id=req.pk, decided_by=world["lead"])
    finally:
        app.conf.task_always_eager = False

    assert ("owner@example.com",) in requested and ("analyst@example.com",) in requested
    subjects = [m.subject for m in mail.outbox]
    assert "Access requested: sales/secret" in subjects
    assert any(s.startswith("Access approved by the owners") for s in subjects)
    assert "Access granted: sales/secret" in subjects
    assert any(m.to == ["lead@example.com"] for m in mail.outbox)


def test_notifications_are_queued_only_after_commit(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        services.access_request_create(product=product("secret"), requester=world["analyst"], purpose="x")
    assert len(callbacks) == 1
    assert mail.outbox == []


def test_product_access_context_for_each_persona(world):
    secret = product("secret")

    analyst = product_access_context(user=world["analyst"], product=secret)
    holder = product_access_context(user=world["holder"], product=secret)
    owner = product_access_context(user=world["owner"], product=secret)

    assert analyst["can_request"] and not analyst["can_preview"] and analyst["consumption"] == []
    assert holder["active_grant"] and holder["can_preview"] and not holder["can_request"]
    assert holder["consumption"][0]["location"] == "s3://data-products/sales/secret/"
    assert owner["can_preview"] and not owner["can_request"] and owner["is_owner"]


def test_the_inbox_counts_what_the_user_may_decide(world, django_assert_num_queries):
    before = inbox_count(world["owner"])  # the world's scientist request on the hidden product
    services.access_request_create(product=product("secret"), requester=world["analyst"], purpose="x")
    with django_assert_num_queries(1):
        assert inbox_count(world["owner"]) == before + 1 == 2
    assert inbox_count(world["other_owner"]) == 0
    assert inbox_count(world["analyst"]) == 0


def test_the_beat_schedule_runs_the_expiry_sweep_task(world):
    from access.tasks import access_grants_expire_task
    from mesh_portal.celery import app

    entry = app.conf.beat_schedule["access-grants-expire"]
    assert entry["task"] == access_grants_expire_task.name
    AccessGrant.objects.filter(pk=world["holder_grant"].pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    assert access_grants_expire_task.run() == 1
    assert access_grants_expire_task.run() == 0


def test_audit_log_date_range_filter(client, world):
    client.force_login(world["lead"])
    today = timezone.localdate()
    tomorrow = today + dt.timedelta(days=1)
    assert b"access_grant.create" in client.get(f"/access/audit/?since={today}&until={today}").content
    assert b"access_grant.create" not in client.get(f"/access/audit/?since={tomorrow}").content
