"""The search page: facets as links, the whole query in the URL, htmx partials, saved searches."""

import pytest

from catalog.models import SavedSearch
from tests.factories import make_user, publish_ok

pytestmark = pytest.mark.django_db


@pytest.fixture
def analyst(client):
    user = make_user("analyst", role="analyst", home_domain="marketing")
    client.force_login(user)
    return user


@pytest.fixture
def products():
    publish_ok(tags=["orders", "core"])
    publish_ok(name="order_items", description="Line items of every order.", tags=["orders"])
    publish_ok(
        name="campaigns",
        domain="marketing",
        owner={"team": "marketing-analytics"},
        tags=["ads"],
        description="Campaign spend.",
        classification="public",
        **{
            "schema.fields": [
                {"name": "campaign_id", "type": "string", "description": "Campaign", "is_primary_key": True}
            ]
        },
    )


def test_the_search_page_lists_matching_products_with_facets(client, analyst, products):
    html = client.get("/search/", {"q": "order"}).content.decode()

    assert "2 products" in html
    assert 'href="/products/sales/orders/"' in html and 'href="/products/sales/order_items/"' in html
    assert 'href="/products/marketing/campaigns/"' not in html
    # Each result shows its tags, in order.
    assert (
        '<ul class="tags" aria-label="Tags"><li class="tag">core</li><li class="tag">orders</li></ul>' in html
    )
    for facet in (
        "Domain",
        "Classification",
        "Status",
        "Tag",
        "Owning team",
        "Contains PII",
        "Quality health",
        "Freshness",
    ):
        assert f'<summary class="facet__title">{facet}</summary>' in html
    assert "Not measured" in html  # quality health and freshness, until monitoring measures them


def test_a_facet_link_adds_its_filter_to_the_url_and_removing_it_takes_it_away(client, analyst, products):
    page = client.get("/search/", {"q": "order"})
    tag_link = next(
        v["url"]
        for f in page.context["facets"]
        if f["key"] == "tag"
        for v in f["top"]
        if v["value"] == "core"
    )

    assert tag_link == "/search/?q=order&tag=core"
    filtered = client.get(tag_link)
    assert [p.name for p in filtered.context["result"].results] == ["orders"]
    remove = next(f["url"] for f in filtered.context["active_filters"] if f["value"] == "core")
    assert remove == "/search/?q=order"


def test_the_url_holds_the_whole_query(client, analyst, products):
    response = client.get("/search/?q=order&domain=sales&tag=orders&sort=name&page=1")

    assert [p.name for p in response.context["result"].results] == ["order_items", "orders"]
    assert response.context["querystring"] == "q=order&domain=sales&tag=orders&sort=name"
    assert '<option value="name" selected>' in response.content.decode()


def test_filters_typed_in_the_box_show_as_selected_facets(client, analyst, products):
    response = client.get("/search/", {"q": "domain:marketing"})

    assert [p.name for p in response.context["result"].results] == ["campaigns"]
    selected = [(f["key"], v["value"]) for f in response.context["facets"] for v in f["top"] if v["selected"]]
    assert selected == [("domain", "marketing")]


def test_typing_gets_only_the_results_region_and_leaves_the_box_alone(client, analyst, products):
    response = client.get(
        "/search/",
        {"q": "camp"},
        headers={"HX-Request": "true", "HX-Target": "search-results", "HX-Trigger": "q"},
    )
    html = response.content.decode()

    assert html.lstrip().startswith('<div id="search-results"')
    assert "<html" not in html and 'id="q"' not in html
    assert 'id="search-params" hx-swap-oob="true"' in html
    assert 'href="/products/marketing/campaigns/"' in html
    assert "HX-Request" in response["Vary"]


def test_a_facet_click_also_refreshes_the_search_box(client, analyst, products):
    response = client.get(
        "/search/", {"q": "order domain:sales"}, headers={"HX-Request": "true", "HX-Target": "search-results"}
    )

    assert 'id="q-wrap" hx-swap-oob="true"' in response.content.decode()


def test_results_are_paginated_with_links(client, analyst, products):
    response = client.get("/search/", {"page_size": 1, "sort": "name"})

    assert response.context["result"].pages == 3
    assert response.context["next_url"] == "/search/?sort=name&page=2"
    assert response.context["previous_url"] == ""


def test_an_empty_search_says_so(client, analyst, products):
    assert b"No products match" in client.get("/search/", {"q": "zzzzqqq"}).content


def test_saving_a_search_keeps_it_for_the_home_page(client, analyst, products):
    response = client.post(
        "/search/saved/", {"name": "Sales orders", "querystring": "q=order&domain=sales&page=3"}
    )

    saved = SavedSearch.objects.get(user=analyst)
    assert (saved.name, saved.query_string) == ("Sales orders", "q=order&domain=sales")
    assert response.status_code == 302 and response["Location"] == "/search/?q=order&domain=sales"
    assert b'href="/search/?q=order&amp;domain=sales">Sales orders</a>' in client.get("/").content


def test_saving_under_the_same_name_replaces_the_search(client, analyst, products):
    client.post("/search/saved/", {"name": "Mine", "querystring": "q=order"})
    client.post("/search/saved/", {"name": "Mine", "querystring": "q=campaign"})

    assert list(SavedSearch.objects.values_list("name", "query_string")) == [("Mine", "q=campaign")]


def test_a_user_deletes_their_saved_search_but_not_someone_elses(client, analyst, products):
    other = SavedSearch.objects.create(user=make_user("other"), name="Theirs", query_string="q=x")
    mine = SavedSearch.objects.create(user=analyst, name="Mine", query_string="q=y")

    assert client.post(f"/search/saved/{other.pk}/delete/").status_code == 404
    assert client.post(f"/search/saved/{mine.pk}/delete/", {"next": "/"})["Location"] == "/"
    assert list(SavedSearch.objects.values_list("name", flat=True)) == ["Theirs"]


def test_saved_searches_need_a_post(client, analyst):
    assert client.get("/search/saved/").status_code == 405


def test_quality_health_and_freshness_facets_are_links_that_filter_by_what_monitoring_measured(
    client, analyst, products
):
    from catalog.models import DataProduct

    DataProduct.objects.filter(name="orders").update(quality_health="failing", freshness_status="late")
    page = client.get("/search/", {"q": "order"})
    facets = {f["key"]: f for f in page.context["facets"]}
    failing = next(v for v in facets["quality"]["top"] if v["value"] == "failing")

    assert (failing["label"], failing["count"]) == ("Failing", 1)
    assert [(v["value"], v["count"]) for v in facets["freshness"]["top"]] == [("late", 1), ("unknown", 1)]
    assert failing["url"] == "/search/?q=order&quality=failing"
    filtered = client.get(failing["url"])
    assert [p.name for p in filtered.context["result"].results] == ["orders"]
    api = client.get("/api/v1/products/", {"search": "order", "freshness": "late"}).json()
    assert [r["name"] for r in api["results"]] == ["orders"]
    assert client.get("/api/v1/products/", {"quality": "excellent"}).status_code == 400
