"""The monitoring API with the three users of every feature test: the owner, a teammate of
another team who may see the product (analyst), and a stranger to a restricted product."""

import jsonschema
import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from catalog.models import DataProduct
from governance.models import Alert, AlertEvent, AlertState, QualityRun
from governance.monitoring.alerts import Observation, alerts_apply
from governance.monitoring.services import run_process
from tests.factories import make_user, publish_ok
from tests.governance.monitoring_helpers import write_orders

pytestmark = pytest.mark.django_db

RESTRICTED = {"discovery": "restricted", "read": [{"role": "data_scientist"}], "write": [{"domain": "sales"}]}


@pytest.fixture
def people():
    owner = make_user("owner", role="product_owner", home_domain="sales", team="sales-analytics")
    analyst = make_user("analyst", role="analyst", home_domain="finance")
    stranger = make_user("stranger", role="analyst", home_domain="finance")
    publish_ok()
    publish_ok(name="ledger", access=RESTRICTED, **{"schema.location": "s3://data-products/sales/ledger/"})
    write_orders(100)
    return owner, analyst, stranger


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def orders() -> DataProduct:
    return DataProduct.objects.get(name="orders")


def open_alert(product, n: int) -> Alert:
    rule = {"type": "volume", "condition": f"row_count > {n}", "severity": "warning", "metric": "row_count"}
    rule |= {"op": ">", "value": float(n), "percent": False, "event": None}
    alerts_apply(
        product=product,
        rules=[rule],
        observation=Observation(values={"row_count": n + 1.0}),
        now=timezone.now(),
    )
    return Alert.objects.get(product=product, rule_key=f"volume:row_count > {n}")


def test_owner_starts_a_run_once_however_often_they_press(people):
    owner, analyst, _ = people
    first = api(owner).post("/api/v1/products/sales/orders/runs/")
    assert first.status_code == 202 and first.json()["created"] is True
    assert first.json()["run"]["status"] == "queued" and first.json()["run"]["trigger"] == "manual"
    again = api(owner).post("/api/v1/products/sales/orders/runs/")
    assert again.status_code == 200 and again.json()["run"]["id"] == first.json()["run"]["id"]
    assert QualityRun.objects.filter(product=orders(), trigger="manual").count() == 1


def test_analyst_who_sees_the_product_may_not_start_a_run(people):
    _, analyst, _ = people
    response = api(analyst).post("/api/v1/products/sales/orders/runs/")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_stranger_gets_the_same_404_for_a_hidden_product_as_for_a_missing_one(people):
    _, _, stranger = people
    hidden = api(stranger).post("/api/v1/products/sales/ledger/runs/")
    missing = api(stranger).post("/api/v1/products/sales/nothing/runs/")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()
    assert api(stranger).get("/api/v1/products/sales/ledger/alerts/").json() == missing.json()


def test_run_detail_lists_every_result_and_metric_and_history_follows_the_runs(people):
    owner, analyst, _ = people
    run_id = api(owner).post("/api/v1/products/sales/orders/runs/").json()["run"]["id"]
    run_process(run_id=run_id)
    write_orders(180)
    second = api(owner).post("/api/v1/products/sales/orders/runs/").json()["run"]["id"]
    run_process(run_id=second)

    detail = api(analyst).get(f"/api/v1/products/sales/orders/runs/{second}/").json()
    assert detail["status"] == "passed" and detail["finished_at"]
    assert {r["name"] for r in detail["results"]} >= {"order_id_unique", "completeness", "schema"}
    metrics = {(m["name"], m["column"]): m for m in detail["metrics"]}
    assert metrics[("row_count", "")]["value"] == 180
    assert metrics[("row_count_change", "")]["value"] == pytest.approx(80.0)
    assert metrics[("row_count_change", "")]["detail"]["basis"] == "previous_run"

    history = (
        api(analyst)
        .get("/api/v1/products/sales/orders/metrics/?name=row_count&name=row_count_change&check=completeness")
        .json()
    )
    assert [p["value"] for p in history["metrics"]["row_count"]] == [100, 180]
    assert [p["run"] for p in history["checks"]["completeness"]] == [run_id, second]
    assert "row_count" in history["available"]

    runs = api(analyst).get("/api/v1/products/sales/orders/runs/").json()
    assert [r["id"] for r in runs["results"]] == [second, run_id]
    assert runs["results"][0]["checks_failed"] == 0 and runs["results"][0]["checks_total"] > 3

    # The volume rule of the contract (row_count_change > 50%) opened a warning, and the product
    # row carries the state the search facets read.
    volume = Alert.objects.get(product=orders(), rule_type="volume")
    assert volume.state == AlertState.OPEN and volume.last_value == pytest.approx(80.0)
    product = orders()
    assert product.quality_health == "passing" and product.last_checked_at and product.next_check_at
    assert product.freshness_status == "fresh"  # no timestamp field: the file's modification time


def test_other_runs_of_other_products_are_404_under_this_product(people):
    owner, _, _ = people
    run_id = api(owner).post("/api/v1/products/sales/ledger/runs/").json()["run"]["id"]
    assert api(owner).get(f"/api/v1/products/sales/orders/runs/{run_id}/").status_code == 404


def test_owner_acknowledges_then_resolves_and_each_change_is_an_event(people):
    owner, analyst, _ = people
    alert = open_alert(orders(), 10)
    assert api(analyst).post(f"/api/v1/alerts/{alert.pk}/acknowledge/").status_code == 403
    acked = api(owner).post(f"/api/v1/alerts/{alert.pk}/acknowledge/", {"note": "on it"}, format="json")
    assert acked.status_code == 200
    assert acked.json()["state"] == "acknowledged" and acked.json()["acknowledged_by"] == "owner"
    twice = api(owner).post(f"/api/v1/alerts/{alert.pk}/acknowledge/")
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "conflict"
    resolved = api(owner).post(f"/api/v1/alerts/{alert.pk}/resolve/", {"note": "fixed"}, format="json")
    assert resolved.json()["state"] == "resolved" and resolved.json()["resolved_by"] == "owner"
    events = list(AlertEvent.objects.filter(alert=alert).values_list("kind", "actor__username", "note"))
    assert events == [
        ("opened", None, alert.message),
        ("acknowledged", "owner", "on it"),
        ("resolved", "owner", "fixed"),
    ]
    assert api(owner).post(f"/api/v1/alerts/{alert.pk}/resolve/").status_code == 409


def test_stranger_acting_on_a_hidden_products_alert_gets_404(people):
    _, _, stranger = people
    alert = open_alert(DataProduct.objects.get(name="ledger"), 5)
    for action in ("acknowledge", "resolve"):
        response = api(stranger).post(f"/api/v1/alerts/{alert.pk}/{action}/")
        assert response.status_code == 404
        assert response.json() == api(stranger).post(f"/api/v1/alerts/999999/{action}/").json()
    alert.refresh_from_db()
    assert alert.state == AlertState.OPEN


def test_my_alerts_lists_only_products_i_own_with_a_constant_number_of_queries(
    people, django_assert_num_queries
):
    owner, analyst, _ = people
    for n in range(3):
        open_alert(orders(), n)

    def client():  # a fresh user object each time: nothing cached between the two measurements
        return api(type(owner).objects.get(pk=owner.pk))

    first = client()
    with django_assert_num_queries(4) as captured:  # lead?, count, page, the events of the page
        small = first.get("/api/v1/alerts/")
    for n in range(3, 12):
        open_alert(DataProduct.objects.get(name="ledger"), n)
    second = client()
    with django_assert_num_queries(len(captured.captured_queries)):
        large = second.get("/api/v1/alerts/")
    assert small.json()["count"] == 3 and large.json()["count"] == 12
    assert api(analyst).get("/api/v1/alerts/").json()["count"] == 0
    bad = client().get("/api/v1/alerts/?state=sleeping")
    assert bad.status_code == 400 and bad.json()["error"]["details"][0]["field"] == "state"


def test_metric_history_refuses_a_bad_limit_with_the_field_named(people):
    owner, _, _ = people
    response = api(owner).get("/api/v1/products/sales/orders/metrics/?name=row_count&limit=0")
    assert response.status_code == 400
    assert response.json()["error"]["details"] == [{"field": "limit", "message": "between 1 and 1000"}]


def test_the_runs_list_answers_in_constant_queries(people, django_assert_num_queries):
    owner, _, _ = people
    product = orders()
    QualityRun.objects.create(product=product, version=product.current_version)
    client = api(type(owner).objects.get(pk=owner.pk))
    with django_assert_num_queries(4) as captured:  # lead?, product, count, page
        client.get("/api/v1/products/sales/orders/runs/")
    for _ in range(8):
        QualityRun.objects.create(product=product, version=product.current_version)
    client = api(type(owner).objects.get(pk=owner.pk))
    with django_assert_num_queries(len(captured.captured_queries)):
        response = client.get("/api/v1/products/sales/orders/runs/")
    assert response.json()["count"] == 9


# --- The answers are what /api/schema/ says (schemathesis meets no runs or alerts) --------------


def _fits(schema: dict, template: str, method: str, response) -> None:
    """The response's body validates against the schema the API publishes for it."""

    def nullable_as_json_schema(node):
        if isinstance(node, list):
            return [nullable_as_json_schema(item) for item in node]
        if not isinstance(node, dict):
            return node
        node = {key: nullable_as_json_schema(value) for key, value in node.items()}
        return {"anyOf": [node, {"type": "null"}]} if node.pop("nullable", False) else node

    documented = schema["paths"][template][method]["responses"]
    assert str(response.status_code) in documented, (template, response.status_code, sorted(documented))
    media = documented[str(response.status_code)]["content"]["application/json"]
    jsonschema.validate(
        response.json(),
        {
            **nullable_as_json_schema(media["schema"]),
            "components": nullable_as_json_schema(schema["components"]),
        },
    )


def test_every_monitoring_answer_is_the_shape_its_schema_documents(people):
    owner, analyst, _ = people
    schema = api(owner).get("/api/schema/", {"format": "json"}).json()
    product = "/api/v1/products/{domain}/{name}/"
    created = api(owner).post("/api/v1/products/sales/orders/runs/")
    again = api(owner).post("/api/v1/products/sales/orders/runs/")
    assert (created.status_code, again.status_code) == (202, 200)
    for response in (created, again, api(analyst).post("/api/v1/products/sales/orders/runs/")):
        _fits(schema, product + "runs/", "post", response)
    run_id = created.json()["run"]["id"]
    run_process(run_id=run_id)
    alert = open_alert(orders(), 10)

    reads = {
        product + "runs/": "/api/v1/products/sales/orders/runs/",
        product + "runs/{run_id}/": f"/api/v1/products/sales/orders/runs/{run_id}/",
        product + "metrics/": "/api/v1/products/sales/orders/metrics/?name=row_count&check=completeness",
        product + "alerts/": "/api/v1/products/sales/orders/alerts/",
        "/api/v1/alerts/": "/api/v1/alerts/",
    }
    for template, url in reads.items():
        response = api(owner).get(url)
        assert response.status_code == 200, (url, response.json())
        _fits(schema, template, "get", response)
        _fits(
            schema,
            template,
            "get",
            api(owner).get(url, {"page": 99} if "metrics" not in url else {"limit": 0}),
        )
    assert api(owner).get("/api/v1/alerts/").json()["results"][0]["events"][0]["kind"] == "opened"

    acknowledge, resolve = "/api/v1/alerts/{id}/acknowledge/", "/api/v1/alerts/{id}/resolve/"
    answers = [
        (acknowledge, api(analyst).post(f"/api/v1/alerts/{alert.pk}/acknowledge/")),
        (acknowledge, api(owner).post(f"/api/v1/alerts/{alert.pk}/acknowledge/", {"note": 7}, format="json")),
        (
            acknowledge,
            api(owner).post(f"/api/v1/alerts/{alert.pk}/acknowledge/", {"note": "on it"}, format="json"),
        ),
        (acknowledge, api(owner).post(f"/api/v1/alerts/{alert.pk}/acknowledge/")),
        (resolve, api(owner).post(f"/api/v1/alerts/{alert.pk}/resolve/", {"note": ""}, format="json")),
        (resolve, api(owner).post("/api/v1/alerts/999999/resolve/")),
    ]
    assert [response.status_code for _, response in answers] == [403, 400, 200, 409, 200, 404]
    for template, response in answers:
        _fits(schema, template, "post", response)


def test_bad_pages_and_nul_characters_are_refused_in_the_error_shape(people):
    owner, _, _ = people
    runs = "/api/v1/products/sales/orders/runs/"
    for page in ("0", "abc", "", "2"):
        response = api(owner).get(runs, {"page": page})
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found", page
    too_big = api(owner).get("/api/v1/alerts/", {"page_size": "201"})
    assert too_big.status_code == 400
    assert too_big.json()["error"]["details"] == [
        {"field": "page_size", "message": "a whole number from 1 to 200"}
    ]
    assert api(owner).get(runs, {"page": "1", "page_size": "200"}).status_code == 200

    metrics = "/api/v1/products/sales/orders/metrics/"
    for field in ("name", "check", "column"):
        response = api(owner).get(metrics, {field: "row\x00count"})
        assert response.status_code == 400, field
        assert response.json()["error"]["details"] == [{"field": field, "message": "contains NUL"}]
    many = api(owner).get(
        metrics, {"name": [f"m{i}" for i in range(11)], "check": [f"c{i}" for i in range(10)]}
    )
    assert many.status_code == 400 and many.json()["error"]["message"] == "at most 20 series at once"

    alert = open_alert(orders(), 10)
    nul = api(owner).post(f"/api/v1/alerts/{alert.pk}/acknowledge/", {"note": "on\x00it"}, format="json")
    assert nul.status_code == 400 and list(nul.json()["error"]["details"]) == ["note"]
    alert.refresh_from_db()
    assert alert.state == AlertState.OPEN
