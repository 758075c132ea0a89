"""The product page, its tabs, contract downloads, domain pages and the home page."""

import re

import pytest

from catalog.models import ProductVersion
from tests.factories import contract_doc, make_user, publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def analyst(client):
    user = make_user("analyst", role="analyst", home_domain="marketing")
    client.force_login(user)
    return user


README = (
    "# Orders\n\nOne row per **order**.\n\n<script>alert(1)</script>\n\n[docs](https://docs.example/orders)"
)


def _fields(*extra):
    base = contract_doc()["schema"]["fields"]
    return [*base, {"name": "order_date", "type": "date", "description": "Day of the order"}, *extra]


@pytest.fixture
def orders():
    """sales/orders 1.0.0, then 2.0.0 (a breaking change: a field removed, one added, one changed)."""
    import datetime

    assert publish(
        readme=README,
        **{
            "schema.partitioned_by": ["order_date"],
            "schema.fields": _fields(
                {
                    "name": "email",
                    "type": "string",
                    "description": "Buyer e-mail",
                    "is_pii": True,
                    "pii_category": "contact",
                },
                {"name": "legacy_code", "type": "string", "description": "Old code"},
            ),
        },
        encryption_enabled=True,
        audit_logging_enabled=True,
    ).published, "1.0.0 must publish"
    today = datetime.date.today()
    fields = _fields(
        {
            "name": "email",
            "type": "string",
            "description": "Buyer e-mail address",
            "is_pii": True,
            "pii_category": "contact",
        },
        {"name": "channel", "type": "string", "description": "Sales channel"},
    )
    outcome = publish(
        version="2.0.0",
        readme=README,
        encryption_enabled=True,
        audit_logging_enabled=True,
        changelog=[
            {
                "version": "2.0.0",
                "date": str(today),
                "changes": ["legacy_code removed", "channel added"],
                "breaking": True,
            },
            {"version": "1.0.0", "date": "2024-01-15", "changes": ["First version"], "breaking": False},
        ],
        deprecation={
            "notice_date": str(today),
            "sunset_date": str(today + datetime.timedelta(days=45)),
            "migration_guide": "Use channel.",
        },
        **{"schema.fields": fields, "schema.partitioned_by": ["order_date"]},
    )
    assert outcome.published, outcome.violations
    return outcome


def test_the_product_page_header_shows_what_a_consumer_needs(client, analyst, orders):
    html = client.get("/products/sales/orders/").content.decode()

    assert '<h1 class="product-head__name">orders</h1>' in html
    assert 'href="/domains/sales/"' in html
    assert "v2.0.0" in html and "Published" in html and "Internal" in html
    assert "sales-analytics" in html and 'href="mailto:sales@example.com"' in html
    assert "Last updated" in html and "<time datetime=" in html
    assert "Breaking" in html


@pytest.mark.parametrize(
    ("tab", "needle"),
    [
        ("readme", "One row per <strong>order</strong>"),
        ("schema", 'data-field="order_id"'),
        ("sla", "not measured yet"),
        ("changelog", 'data-version="2.0.0"'),
        ("contract", "name: orders"),
    ],
)
def test_each_tab_has_its_own_url(client, analyst, orders, tab, needle):
    html = client.get(f"/products/sales/orders/{tab}/").content.decode()

    assert needle in html
    assert re.search(rf'class="tabs__tab is-active" href="/products/sales/orders/{tab}/"', html)
    assert 'aria-current="page"' in html


def test_an_htmx_tab_switch_gets_only_the_tabs(client, analyst, orders):
    response = client.get(
        "/products/sales/orders/schema/", headers={"HX-Request": "true", "HX-Target": "product-tabs"}
    )
    html = response.content.decode()

    assert html.lstrip().startswith('<div id="product-tabs"')
    assert "<html" not in html and "product-head" not in html
    assert 'data-field="order_id"' in html
    assert "HX-Request" in response["Vary"]


def test_an_htmx_history_restore_gets_the_whole_page(client, analyst, orders):
    response = client.get(
        "/products/sales/orders/schema/",
        headers={"HX-Request": "true", "HX-Target": "product-tabs", "HX-History-Restore-Request": "true"},
    )

    assert "<html" in response.content.decode()


def test_the_readme_is_rendered_safely_and_falls_back_to_the_description(client, analyst, orders):
    readme = client.get("/products/sales/orders/").content.decode()
    publish(name="plain", description="Just a *description*.")
    plain = client.get("/products/sales/plain/readme/").content.decode()

    assert "<script>alert(1)" not in readme and "&lt;script&gt;" in readme
    assert '<a href="https://docs.example/orders" rel="noopener noreferrer">docs</a>' in readme
    assert "Just a <em>description</em>." in plain and "has no README" in plain


def test_the_schema_tab_lists_every_field_with_badges_ports_and_partitioning(client, analyst, orders):
    html = client.get("/products/sales/orders/schema/").content.decode()

    for name in ("order_id", "total_amount", "email", "channel"):
        assert f'data-field="{name}"' in html
    assert 'title="Primary key">PK</span>' in html
    assert "PII: contact" in html
    assert "unique" in html and "not null" in html and "min 0" in html
    assert "decimal(12,2)" in html
    assert "Output ports" in html and "s3://data-products/sales/orders/" in html
    assert "Partitioned by" in html and "<code>order_date</code>" in html


def test_the_schema_tab_links_upstream_and_downstream_products(client, analyst, orders):
    publish(
        name="order_report",
        input_ports=[{"product": "sales/orders", "table": "orders"}],
        **{"schema.location": "s3://data-products/sales/order_report/"},
    )

    upstream = client.get("/products/sales/order_report/schema/").content.decode()
    downstream = client.get("/products/sales/orders/schema/").content.decode()

    assert '<a href="/products/sales/orders/">sales/orders</a>' in upstream
    assert '<a href="/products/sales/order_report/">sales/order_report</a>' in downstream


def test_the_sla_tab_shows_each_target_beside_a_measured_column(client, analyst, orders):
    html = client.get("/products/sales/orders/sla/").content.decode()

    assert "Availability" in html and "99.9%" in html
    assert "Freshness" in html and "at most 24 h old" in html and "0 2 * * *" in html
    assert "Completeness" in html and "at least 99.5%" in html
    assert "no_negative_amounts" in html
    assert html.count("not measured yet") == 4


def test_the_changelog_lists_versions_and_diffs_the_schema(client, analyst, orders):
    html = client.get("/products/sales/orders/changelog/").content.decode()

    assert 'data-version="2.0.0"' in html and 'data-version="1.0.0"' in html
    assert "legacy_code removed" in html and "First version" in html
    assert "Breaking" in html
    diff = html[html.index("Schema differences") :]
    assert "From v1.0.0 to v2.0.0" in diff
    assert re.search(r'diff__added"><code>channel</code>', diff)
    assert re.search(r'diff__removed"><code>legacy_code</code>', diff)
    assert re.search(r'diff__changed"><code>email</code>', diff) and "Buyer e-mail address" in diff


def test_any_two_versions_can_be_compared(client, analyst, orders):
    html = client.get("/products/sales/orders/changelog/?from=2.0.0&to=1.0.0").content.decode()

    diff = html[html.index("Schema differences") :]
    assert "From v2.0.0 to v1.0.0" in diff
    assert re.search(r'diff__added"><code>legacy_code</code>', diff)


def test_the_contract_tab_shows_the_yaml_and_offers_a_download(client, analyst, orders):
    current = ProductVersion.objects.get(product__name="orders", version="2.0.0")
    html = client.get("/products/sales/orders/contract/").content.decode()

    assert "version: 2.0.0" in html
    assert 'href="/products/sales/orders/contract.yaml" download' in html
    for url in ("/products/sales/orders/contract/?download=1", "/products/sales/orders/contract.yaml"):
        response = client.get(url)
        assert response["Content-Type"] == "application/yaml; charset=utf-8"
        assert response["Content-Disposition"] == 'attachment; filename="sales-orders-2.0.0.yaml"'
        assert response.content.decode() == current.contract_text


def test_an_older_version_can_be_shown_and_downloaded(client, analyst, orders):
    page = client.get("/products/sales/orders/schema/?version=1.0.0").content.decode()
    download = client.get("/products/sales/orders/contract.yaml?version=1.0.0")

    assert 'data-field="legacy_code"' in page and 'data-field="channel"' not in page
    assert "You are looking at version 1.0.0" in page
    assert download["Content-Disposition"] == 'attachment; filename="sales-orders-1.0.0.yaml"'
    assert "version: 1.0.0" in download.content.decode()


def test_an_unknown_tab_is_not_found(client, analyst, orders):
    assert client.get("/products/sales/orders/secrets/").status_code == 404


def test_pages_carry_no_inline_script_or_style(client, analyst, orders):
    for url in (
        "/",
        "/search/?q=orders",
        "/domains/",
        "/domains/sales/",
        *(f"/products/sales/orders/{tab}/" for tab in ("readme", "schema", "sla", "changelog", "contract")),
    ):
        response = client.get(url)
        html = response.content.decode()
        assert response.status_code == 200, url
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), url
        assert " style=" not in html and "<style" not in html, url
        assert not re.search(r"\son[a-z]+=", html), url
        assert "script-src 'self'" in response["Content-Security-Policy"]


def test_the_domain_page_shows_context_teams_and_visible_products(client, analyst, orders):
    from catalog.models import Domain

    Domain.objects.filter(name="sales").update(bounded_context="Orders, invoices and the sales pipeline")
    html = client.get("/domains/sales/").content.decode()

    assert "Orders, invoices and the sales pipeline" in html
    assert "sales-analytics" in html and "mailto:sales@example.com" in html
    assert 'data-product="orders"' in html
    assert "published" in html and "not measured" in html
    assert client.get("/domains/nowhere/").status_code == 404


def test_the_domain_list_counts_visible_products(client, analyst, orders):
    html = client.get("/domains/").content.decode()

    assert 'href="/domains/sales/"' in html and "<strong>1</strong> product" in html


def test_the_home_page_groups_products_with_links_search_and_saved_searches(client, analyst, orders):
    from catalog.models import SavedSearch

    SavedSearch.objects.create(user=analyst, name="Sales PII", query_string="domain=sales&pii=yes")
    html = client.get("/").content.decode()

    assert 'href="/products/sales/orders/"' in html
    assert 'action="/search/"' in html and 'name="q"' in html
    assert 'href="/search/?domain=sales&amp;pii=yes">Sales PII</a>' in html


def test_the_home_page_works_for_a_user_without_a_profile(client, orders):
    client.force_login(make_user("newcomer"))

    response = client.get("/")

    assert response.status_code == 200 and b'href="/products/sales/orders/"' in response.content


def test_owners_get_a_link_to_publish_a_new_version(client, orders):
    client.force_login(make_user("owner", role="product_owner", home_domain="sales", team="sales-analytics"))

    assert b'href="/products/sales/orders/publish/"' in client.get("/products/sales/orders/").content
