"""Waivers: one policy, one product, until a date; hidden until that day and not a day longer
(tests move the clock by passing `now`); owners reminded a week before; everything audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from rest_framework.test import APIClient

from access.models import AuditEvent
from catalog.models import DataProduct
from governance.compliance.selectors import product_compliance_now
from governance.compliance.services import (
    WaiverConflict,
    WaiverError,
    compliance_report_run,
    waiver_create,
    waiver_revoke,
    waivers_sweep,
)
from governance.models import ComplianceViolation, ProductCompliance, Waiver

from .compliance_world import example_people, import_example_organization

pytestmark = pytest.mark.django_db

NOON = dt.time(12, 0)


def at(day: dt.date, time: dt.time = NOON) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, time))


TODAY = timezone.localdate()
LAST_DAY = TODAY + dt.timedelta(days=10)


@pytest.fixture
def world(db):
    import_example_organization()
    people = example_people()
    people["orders"] = DataProduct.objects.select_related("domain", "owning_team").get(
        name="sales_orders_analytical"
    )
    people["leads"] = DataProduct.objects.select_related("domain", "owning_team").get(name="lead_attribution")
    return people


def waive(world, *, product="orders", policy="schema_validation", last_day=LAST_DAY, now=None):
    return waiver_create(
        product=world[product],
        policy=policy,
        reason="The primary key lands with the Q1 migration.",
        expires_on=last_day,
        created_by=world["lead"],
        now=now or at(TODAY),
    )


def test_a_waived_violation_shows_as_waived_and_does_not_count_until_its_last_day(world):
    waiver = waive(world)

    for day in (TODAY, LAST_DAY - dt.timedelta(days=1), LAST_DAY):
        for time in (dt.time(0, 0), dt.time(23, 59, 59)):
            judged = product_compliance_now(product=world["orders"], now=at(day, time))
            waived = [v for v in judged.violations if v.waived]
            assert [(v.policy, v.waiver_id) for v in waived] == [("schema_validation", waiver.pk)], (
                day,
                time,
            )
            assert judged.score == 91.0  # three warnings count, the waived one does not
            assert judged.waived_count == 1


def test_the_day_after_its_last_day_the_violation_counts_again(world):
    waive(world)
    for time in (dt.time(0, 0), dt.time(12, 0)):
        judged = product_compliance_now(
            product=world["orders"], now=at(LAST_DAY + dt.timedelta(days=1), time)
        )
        assert not any(v.waived for v in judged.violations)
        assert judged.score == 88.0


def test_reports_with_a_moved_clock_hide_the_violation_on_the_last_day_and_not_a_day_longer(world):
    waive(world)
    on_last_day = compliance_report_run(now=at(LAST_DAY, dt.time(23, 30)))
    day_after = compliance_report_run(now=at(LAST_DAY + dt.timedelta(days=1), dt.time(0, 15)))

    row = ProductCompliance.objects.get(report=on_last_day, product=world["orders"])
    assert (row.score, row.warning_count, row.waived_count) == (91.0, 3, 1)
    assert ComplianceViolation.objects.get(report=on_last_day, policy="schema_validation").waived
    assert on_last_day.waived_count == 1 and on_last_day.by_policy.get("schema_validation") is None

    row = ProductCompliance.objects.get(report=day_after, product=world["orders"])
    assert (row.score, row.warning_count, row.waived_count) == (88.0, 4, 0)
    assert not ComplianceViolation.objects.get(report=day_after, policy="schema_validation").waived
    assert day_after.waived_count == 0 and day_after.by_policy["schema_validation"] == 1


def test_a_waiver_of_a_blocking_policy_makes_the_product_compliant_while_it_lasts(world):
    waive(world, product="leads", policy="pii_handling")
    judged = product_compliance_now(product=world["leads"], now=at(LAST_DAY))
    assert judged.compliant and judged.score == 100.0 and judged.waived_count == 2
    judged = product_compliance_now(product=world["leads"], now=at(LAST_DAY + dt.timedelta(days=1)))
    assert not judged.compliant and judged.score == 65.0


def test_a_waiver_covers_only_its_own_product_and_policy(world):
    waive(world, policy="observability_requirements")
    judged = product_compliance_now(product=world["orders"], now=at(TODAY))
    assert sorted(v.policy for v in judged.violations if v.waived) == ["observability_requirements"] * 2
    assert not any(v.waived for v in product_compliance_now(product=world["leads"], now=at(TODAY)).violations)


def test_a_revoked_waiver_stops_at_once_and_everything_is_audited(world):
    waiver = waive(world)
    waiver_revoke(waiver_id=waiver.pk, revoked_by=world["lead"], now=at(TODAY))
    assert not any(
        v.waived for v in product_compliance_now(product=world["orders"], now=at(TODAY)).violations
    )
    events = list(AuditEvent.objects.filter(action__startswith="waiver.").order_by("id"))
    assert [(e.action, e.actor_name, e.product_id) for e in events] == [
        ("waiver.create", "lead", world["orders"].pk),
        ("waiver.revoke", "lead", world["orders"].pk),
    ]
    assert events[0].after["expires_on"] == LAST_DAY.isoformat()
    assert events[1].after["end_reason"] == "revoked"
    with pytest.raises(WaiverConflict):
        waiver_revoke(waiver_id=waiver.pk, revoked_by=world["lead"])


def test_only_governance_leads_grant_or_revoke_waivers(world):
    with pytest.raises(PermissionDenied):
        waiver_create(
            product=world["leads"],
            policy="pii_handling",
            reason="x",
            expires_on=LAST_DAY,
            created_by=world["marketing_owner"],
        )
    waiver = waive(world)
    with pytest.raises(PermissionDenied):
        waiver_revoke(waiver_id=waiver.pk, revoked_by=world["marketing_owner"])
    assert (
        Waiver.objects.count() == 1 and AuditEvent.objects.filter(action__startswith="waiver.").count() == 1
    )


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"policy": "no_such_policy"}, "policy", "Unknown policy"),
        ({"reason": "   "}, "reason", "Say why"),
        ({"expires_on": TODAY - dt.timedelta(days=1)}, "expires_on", "in the past"),
        ({"expires_on": TODAY + dt.timedelta(days=400)}, "expires_on", "at most 366 days"),
    ],
)
def test_a_bad_waiver_is_refused_naming_the_field_and_writes_nothing(world, kwargs, field, message):
    args = {
        "product": world["orders"],
        "policy": "schema_validation",
        "reason": "Migration",
        "expires_on": LAST_DAY,
        "created_by": world["lead"],
        **kwargs,
    }
    with pytest.raises(WaiverError, match=message) as caught:
        waiver_create(**args)
    assert caught.value.field == field
    assert (
        not Waiver.objects.exists() and not AuditEvent.objects.filter(action__startswith="waiver.").exists()
    )


def test_a_second_live_waiver_of_the_same_policy_is_a_conflict_but_an_expired_one_is_replaced(world):
    waive(world, last_day=TODAY + dt.timedelta(days=1))
    with pytest.raises(WaiverConflict):
        waive(world)
    # Three days later the first has lapsed (not yet swept): a new one replaces it, audited as expired.
    later = at(TODAY + dt.timedelta(days=3))
    second = waive(world, last_day=TODAY + dt.timedelta(days=20), now=later)
    assert Waiver.objects.get(ended_at__isnull=True) == second
    assert list(
        AuditEvent.objects.filter(action__startswith="waiver.")
        .values_list("action", flat=True)
        .order_by("id")
    ) == [
        "waiver.create",
        "waiver.expire",
        "waiver.create",
    ]


def test_owners_are_told_a_week_before_the_waiver_ends_once_and_the_end_is_recorded(
    world, django_capture_on_commit_callbacks
):
    waiver = waive(world)  # its last day is in 10 days
    team = world["orders"].owning_team
    team.memberships.create(user=world["analyst"])  # analyst@example.com joins the owning team

    with django_capture_on_commit_callbacks(execute=True):
        assert waivers_sweep(now=at(LAST_DAY - dt.timedelta(days=8))) == {"expired": [], "reminded": []}
    assert mail.outbox == []

    with django_capture_on_commit_callbacks(execute=True):
        assert waivers_sweep(now=at(LAST_DAY - dt.timedelta(days=7))) == {
            "expired": [],
            "reminded": [waiver.pk],
        }
    assert sorted(m.to[0] for m in mail.outbox) == sorted({team.contact, "analyst@example.com"} - {""})
    assert "schema_validation" in mail.outbox[0].subject and LAST_DAY.isoformat() in mail.outbox[0].subject
    assert "7 days" in mail.outbox[0].body

    with django_capture_on_commit_callbacks(execute=True):
        assert waivers_sweep(now=at(LAST_DAY - dt.timedelta(days=6)))["reminded"] == []
        assert waivers_sweep(now=at(LAST_DAY))["expired"] == []  # still in force on its last day
    assert len(mail.outbox) == 2

    assert waivers_sweep(now=at(LAST_DAY + dt.timedelta(days=1), dt.time(0, 5)))["expired"] == [waiver.pk]
    waiver.refresh_from_db()
    assert waiver.end_reason == "expired" and waiver.ended_by is None
    assert list(
        AuditEvent.objects.filter(action__startswith="waiver.")
        .values_list("action", "actor_name")
        .order_by("id")
    ) == [("waiver.create", "lead"), ("waiver.remind", "system"), ("waiver.expire", "system")]


# --- the API -----------------------------------------------------------------------------------------


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_a_lead_grants_lists_and_revokes_waivers_through_the_api(world):
    body = {
        "product": "sales/sales_orders_analytical",
        "policy": "schema_validation",
        "reason": "Migration in Q1.",
        "expires_on": LAST_DAY.isoformat(),
    }
    created = api(world["lead"]).post("/api/v1/waivers/", body, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["in_force"] is True and created.json()["created_by"] == "lead"
    pk = created.json()["id"]

    again = api(world["lead"]).post("/api/v1/waivers/", body, format="json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"

    listed = api(world["analyst"]).get("/api/v1/waivers/?in_force=true")
    assert [w["id"] for w in listed.json()["results"]] == [pk]  # a public product: everyone sees it
    compliance = api(world["lead"]).get("/api/v1/products/sales/sales_orders_analytical/compliance/").json()
    assert compliance["score"] == 91.0 and compliance["waived"] == 1
    assert [v["policy"] for v in compliance["violations"] if v["waived"]] == ["schema_validation"]

    assert api(world["marketing_owner"]).delete(f"/api/v1/waivers/{pk}/").status_code == 403
    assert api(world["lead"]).delete(f"/api/v1/waivers/{pk}/").status_code == 204
    assert api(world["lead"]).delete(f"/api/v1/waivers/{pk}/").status_code == 409


def test_the_api_refuses_bad_waivers_with_the_error_shape(world):
    bad_date = api(world["lead"]).post(
        "/api/v1/waivers/",
        {
            "product": "sales/sales_orders_analytical",
            "policy": "schema_validation",
            "reason": "x",
            "expires_on": (TODAY - dt.timedelta(days=2)).isoformat(),
        },
        format="json",
    )
    assert bad_date.status_code == 400
    assert bad_date.json()["error"]["details"] == [
        {"field": "expires_on", "message": f"The end date {TODAY - dt.timedelta(days=2)} is in the past."}
    ]
    unknown = api(world["lead"]).post(
        "/api/v1/waivers/",
        {
            "product": "sales/nope",
            "policy": "schema_validation",
            "reason": "x",
            "expires_on": LAST_DAY.isoformat(),
        },
        format="json",
    )
    assert unknown.status_code == 404
    not_lead = api(world["marketing_owner"]).post(
        "/api/v1/waivers/",
        {
            "product": "marketing/lead_attribution",
            "policy": "pii_handling",
            "reason": "x",
            "expires_on": LAST_DAY.isoformat(),
        },
        format="json",
    )
    assert not_lead.status_code == 403
    assert not Waiver.objects.exists()


def test_a_waiver_of_a_product_you_may_not_see_answers_like_a_missing_one(world):
    waiver = waive(world, product="leads", policy="pii_handling")  # a draft: only its owners and leads see it
    assert api(world["analyst"]).get(f"/api/v1/waivers/{waiver.pk}/").status_code == 404
    assert api(world["analyst"]).get("/api/v1/waivers/").json()["results"] == []
    assert (
        api(world["analyst"]).get("/api/v1/waivers/999999/").json()
        == api(world["analyst"]).get(f"/api/v1/waivers/{waiver.pk}/").json()
    )
    assert api(world["marketing_owner"]).get(f"/api/v1/waivers/{waiver.pk}/").status_code == 200


# --- the pages -------------------------------------------------------------------------------------


def test_a_lead_grants_and_revokes_a_waiver_on_the_waivers_page(client, world):
    client.force_login(world["lead"])
    form = {
        "product": "sales/sales_orders_analytical",
        "policy": "schema_validation",
        "expires_on": LAST_DAY.isoformat(),
        "reason": "Migration in Q1.",
    }
    response = client.post("/governance/compliance/waivers/", form)
    assert response.status_code == 302
    waiver = Waiver.objects.get()
    assert (waiver.policy, waiver.expires_on, waiver.created_by) == (
        "schema_validation",
        LAST_DAY,
        world["lead"],
    )
    page = client.get("/governance/compliance/waivers/").content.decode()
    assert "sales/sales_orders_analytical" in page and "Migration in Q1." in page

    again = client.post("/governance/compliance/waivers/", form)
    assert again.status_code == 200 and "already has a live waiver" in again.content.decode()

    assert client.post(f"/governance/compliance/waivers/{waiver.pk}/revoke/").status_code == 302
    waiver.refresh_from_db()
    assert waiver.end_reason == "revoked" and waiver.ended_by == world["lead"]
    assert client.post("/governance/compliance/waivers/999999/revoke/").status_code == 404


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"product": "sales/nope"}, "There is no product sales/nope."),
        ({"product": "not a ref"}, "Write &lt;domain&gt;/&lt;name&gt;."),
        ({"expires_on": (TODAY - dt.timedelta(days=1)).isoformat()}, "is in the past"),
        ({"reason": ""}, "This field is required."),
    ],
)
def test_the_waiver_form_names_what_is_wrong_and_writes_nothing(client, world, change, message):
    client.force_login(world["lead"])
    form = {
        "product": "sales/sales_orders_analytical",
        "policy": "schema_validation",
        "expires_on": LAST_DAY.isoformat(),
        "reason": "Migration in Q1.",
        **change,
    }
    response = client.post("/governance/compliance/waivers/", form)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Waiver.objects.exists()
