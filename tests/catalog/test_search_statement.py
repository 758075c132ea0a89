"""The one-statement text search on PostgreSQL (catalog.search.statement) returns what the
queryset path returns for the same query: the same total, the same page in the same order and
the same facet counts, for words, typos, prefixes, phrases, filters (tags too), every sort,
pages (past the last one too), with and without facets, and for users who see different
products."""

import pytest

from catalog.models import DataProduct
from catalog.search import SearchQuery, product_search
from catalog.search import _search as queryset_search
from catalog.search.matching import _postgres_settings_set, _PostgresText, apply_filters
from tests.factories import make_user, publish

pytestmark = [pytest.mark.django_db, pytest.mark.pg]

TEAMS = {
    "sales": {"team": "sales-analytics", "contact": "sales@example.com"},
    "marketing": {"team": "marketing-analytics", "contact": "marketing@example.com"},
    "logistics": {"team": "logistics-core", "contact": "logistics@example.com"},
}
NAMES = [
    ("sales", "orders", ["orders", "core"], "internal"),
    ("sales", "order_items", ["orders"], "internal"),
    ("sales", "customer_orders", ["orders", "customers"], "confidential"),
    ("sales", "customer_order_lines", ["orders"], "internal"),
    ("sales", "refund_events", ["finance"], "confidential"),
    ("sales", "refund_reasons", ["finance", "core"], "public"),
    ("marketing", "orders", ["campaigns"], "public"),
    ("marketing", "web_sessions", ["web"], "internal"),
    ("marketing", "web_session_email", ["web", "email"], "confidential"),
    ("marketing", "customer_churn", ["customers"], "internal"),
    ("marketing", "campaign_orders", ["campaigns", "orders"], "internal"),
    ("logistics", "carrier_codes", ["shipping"], "public"),
    ("logistics", "late_deliveries", ["shipping", "core"], "internal"),
    ("logistics", "invoice_lines", ["finance"], "confidential"),
    ("logistics", "stock_levels", ["inventory"], "internal"),
    ("logistics", "order_shipments", ["shipping", "orders"], "restricted"),
]
QUERIES = [
    "orders",
    "order",
    "ord",
    "custmer_orders",
    "customer orders",
    '"late deliveries"',
    "refund*",
    "web_sesions",
    "sales/orders",
    "orders domain:sales",
    "orders tag:core",
    "orders tag:orders classification:internal",
    "order pii:no",
    "identifier",
    "nothing_matches_this",
]


def _product(domain, name, tags, classification):
    outcome = publish(
        name=name,
        domain=domain,
        owner=TEAMS[domain],
        tags=tags,
        classification=classification,
        description=f"The {name.replace('_', ' ')} of the {domain} domain, one row per order line.",
        **{
            "schema.fields": [
                {"name": f"{name}_id", "type": "string", "description": "Identifier", "is_primary_key": True},
                {"name": "amount", "type": "decimal(12,2)", "description": "Amount of the order"},
            ],
            "sla.quality_checks": [],
            "access.discovery": "restricted" if classification == "restricted" else "public",
            "access.write": [{"domain": domain}],
        },
    )
    assert outcome.published, (name, outcome.problems, outcome.violations)


@pytest.fixture
def catalog(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    for row in NAMES:
        _product(*row)


def _reference(user, query):
    """The queryset path: the text as a condition on the visible products, counted and paged by
    the ORM (what every browse and SQLite search runs)."""
    from django.db import transaction

    base = DataProduct.objects.for_user(user, resolved=True)
    filters = query.effective_filters
    with transaction.atomic():
        _postgres_settings_set()
        relevance = _PostgresText(query.parsed, base=apply_filters(base, filters))
        return queryset_search(base.filter(relevance.condition()), query, filters, relevance)


def _shape(result):
    facets = {
        key: [(v.value, v.count, v.selected) for v in f.values] for key, f in (result.facets or {}).items()
    }
    assert all(type(v[1]) is int for values in facets.values() for v in values), facets
    return result.total, result.page, [p.pk for p in result.results], facets


@pytest.mark.parametrize("facets", [True, False])
@pytest.mark.parametrize("sort", ["relevance", "name", "updated"])
def test_one_statement_matches_the_queryset_path(catalog, facets, sort):
    analyst = make_user("analyst-x", role="analyst")
    owner = make_user("logistics-owner", team="logistics-core")
    checked = 0
    for user in (analyst, owner):
        for text in QUERIES:
            for page, size in ((1, 20), (2, 3), (9, 4)):
                query = SearchQuery(text=text, sort=sort, page=page, page_size=size, with_facets=facets)
                got = _shape(product_search(user=user, query=query))
                assert got == _shape(_reference(user, query)), (user.username, text, sort, page, size)
                checked += got[0]
    assert checked > 100  # the queries found something


def test_past_the_last_page_gives_the_last_page(catalog):
    analyst = make_user("analyst-y", role="analyst")
    result = product_search(user=analyst, query=SearchQuery(text="orders", page=50, page_size=2))
    assert result.total >= 5
    assert result.page == -(-result.total // 2)
    assert len(result.results) == result.total - (result.page - 1) * 2
