"""The alerts pages: a product's alerts, the alerts of all the products one looks after, the
owners' acknowledge and resolve (htmx and plain posts), and the navigation link."""

from __future__ import annotations

import re

import pytest

from catalog.models import DataProduct
from governance.models import Alert
from tests.factories import make_user
from tests.governance.monitoring_pages_data import alerts, as_user, make_orders, make_people, runs

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    return make_people()


@pytest.fixture
def orders(people, tmp_path):
    return make_orders(tmp_path)


# --- Alerts ---------------------------------------------------------------------------------


def test_the_product_alerts_page_lists_active_alerts_with_their_history(client, people, orders):
    made = alerts(orders, 6)

    html = (
        as_user(client, people["analyst"]).get("/governance/products/sales/orders/alerts/").content.decode()
    )

    shown = re.findall(r'data-alert="(\d+)" data-state="(\w+)"', html)
    assert {int(pk) for pk, _ in shown} == {a.pk for a in made if a.state != "resolved"}
    assert 'data-event="opened"' in html and 'data-event="acknowledged"' in html
    assert "by the monitoring" in html
    assert 'data-action="acknowledge"' not in html and 'data-action="resolve"' not in html  # not an owner
    counts = dict(re.findall(r'data-state-filter="(\w+)">\w+ <span class="state-filter__count">(\d+)', html))
    assert counts == {"active": "4", "open": "2", "acknowledged": "2", "resolved": "2", "all": "6"}


def test_the_resolved_filter_shows_who_resolved_or_that_it_resolved_itself(client, people, orders):
    alerts(orders, 3)

    html = (
        as_user(client, people["owner"])
        .get("/governance/products/sales/orders/alerts/?state=resolved")
        .content.decode()
    )

    assert re.findall(r'data-state="(\w+)"', html) == ["resolved"]
    assert "by itself (the condition cleared)" in html and 'data-action="resolve"' not in html


def test_an_owner_acknowledges_then_resolves_an_alert_and_each_step_is_an_event(client, people, orders):
    alert = alerts(orders, 1)[0]
    owner = as_user(client, people["owner"])
    page = owner.get("/governance/products/sales/orders/alerts/").content.decode()
    assert 'data-action="acknowledge"' in page and 'data-action="resolve"' in page

    card = owner.post(f"/governance/alerts/{alert.pk}/acknowledge/", headers={"HX-Request": "true"})
    assert card.status_code == 200 and 'data-state="acknowledged"' in card.content.decode()
    assert "by owner" in card.content.decode() and card["HX-Trigger"] == "alert-changed"
    done = owner.post(
        f"/governance/alerts/{alert.pk}/resolve/", {"next": "/governance/products/sales/orders/alerts/"}
    )

    assert done.status_code == 302 and done["Location"] == "/governance/products/sales/orders/alerts/"
    alert.refresh_from_db()
    assert alert.state == "resolved" and alert.resolved_by == people["owner"]
    assert list(alert.events.values_list("kind", "actor__username")) == [
        ("opened", None),
        ("acknowledged", "owner"),
        ("resolved", "owner"),
    ]


def test_acknowledging_a_resolved_alert_changes_nothing_and_says_why(client, people, orders):
    alert = alerts(orders, 3)[2]
    owner = as_user(client, people["owner"])

    card = owner.post(f"/governance/alerts/{alert.pk}/acknowledge/", headers={"HX-Request": "true"})

    assert "The alert is resolved; only an open alert can be acknowledged." in card.content.decode()
    assert alert.events.count() == 3


def test_only_owners_act_on_alerts_and_a_hidden_products_alert_is_not_found(client, people, orders):
    visible = alerts(orders, 1)[0]
    hidden = alerts(DataProduct.objects.get(name="hidden"), 1)[0]
    analyst = as_user(client, people["analyst"])

    assert analyst.post(f"/governance/alerts/{visible.pk}/acknowledge/").status_code == 403
    assert analyst.post(f"/governance/alerts/{visible.pk}/resolve/").status_code == 403
    not_visible = analyst.post(f"/governance/alerts/{hidden.pk}/resolve/")
    missing = analyst.post("/governance/alerts/999999/resolve/")
    assert not_visible.status_code == missing.status_code == 404 and not_visible.content == missing.content
    assert analyst.get("/governance/products/sales/hidden/alerts/").status_code == 404
    assert Alert.objects.filter(state="resolved").count() == 0


def test_the_alerts_page_lists_the_alerts_of_my_teams_products_only(client, people, orders):
    mine = alerts(orders, 2) + alerts(DataProduct.objects.get(name="hidden"), 1)
    theirs = alerts(DataProduct.objects.get(name="campaigns"), 2)

    html = as_user(client, people["owner"]).get("/governance/alerts/").content.decode()
    shown = {int(pk) for pk in re.findall(r'data-alert="(\d+)"', html)}
    assert shown == {a.pk for a in mine}
    assert 'href="/governance/products/sales/hidden/alerts/"' in html

    stranger = as_user(client, people["stranger"]).get("/governance/alerts/").content.decode()
    assert {int(pk) for pk in re.findall(r'data-alert="(\d+)"', stranger)} == {a.pk for a in theirs}
    assert "sales/hidden" not in stranger

    analyst = as_user(client, people["analyst"]).get("/governance/alerts/").content.decode()
    assert "data-alert=" not in analyst and "No alert on your products yet." in analyst


def test_a_governance_lead_sees_every_products_alerts_and_may_act(client, people, orders):
    made = alerts(orders, 1) + alerts(DataProduct.objects.get(name="campaigns"), 1)
    lead = make_user("lead", governance=True)

    html = as_user(client, lead).get("/governance/alerts/").content.decode()

    assert {int(pk) for pk in re.findall(r'data-alert="(\d+)"', html)} == {a.pk for a in made}
    assert html.count('data-action="acknowledge"') == 2


def test_the_alerts_page_filters_by_severity_and_pages(client, people, orders):
    alerts(orders, 90)
    owner = as_user(client, people["owner"])

    first = owner.get("/governance/alerts/?state=all").content.decode()
    critical = owner.get("/governance/alerts/?state=all&severity=critical").content.decode()

    assert first.count('data-alert="') == 25 and "Page 1 of 4" in first
    assert 'href="?state=all&amp;page=2"' in first
    assert critical.count("badge--critical") == 25 and "badge--warning" not in critical
    assert "Page 1 of 2" in critical


@pytest.mark.parametrize(
    "url", ["/governance/alerts/?state=all", "/governance/products/sales/orders/alerts/?state=all"]
)
def test_the_alerts_pages_read_a_constant_number_of_queries(
    client, people, orders, django_assert_num_queries, url
):
    owner = as_user(client, people["owner"])
    alerts(orders, 3)
    owner.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        owner.get(url)
    alerts(orders, 30)

    with django_assert_num_queries(len(few)):
        response = owner.get(url)
    assert response.content.decode().count('data-alert="') >= 25


def test_team_members_get_an_alerts_link_in_the_navigation(client, people, orders):
    assert 'href="/governance/alerts/"' in as_user(client, people["owner"]).get("/").content.decode()
    assert 'href="/governance/alerts/"' not in as_user(client, people["analyst"]).get("/").content.decode()


def test_monitoring_pages_carry_no_inline_script_or_style(client, people, orders):
    runs(orders, 5)
    alerts(orders, 3)
    owner = as_user(client, people["owner"])
    for url in (
        "/products/sales/orders/sla/",
        "/governance/products/sales/orders/checks/no_negative_amounts/",
        "/governance/products/sales/orders/alerts/",
        "/governance/alerts/",
    ):
        response = owner.get(url)
        html = response.content.decode()
        assert response.status_code == 200, url
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), url
        assert " style=" not in html and "<style" not in html, url
        assert not re.search(r"\son[a-z]+=", html), url


@pytest.mark.parametrize("nxt", ["//evil.example/", "/\\evil.example/", "https://evil.example/"])
def test_an_action_never_redirects_off_the_site(client, people, orders, nxt):
    alert = alerts(orders, 1)[0]

    response = as_user(client, people["owner"]).post(
        f"/governance/alerts/{alert.pk}/acknowledge/", {"next": nxt}
    )

    assert response.status_code == 302 and response["Location"] == "/governance/alerts/"
