"""The one-statement text search on PostgreSQL (catalog.search.statement) returns what the
queryset path returns for the same query: the same total, the same page in the same order and
the same facet counts, for words, typos, prefixes, phrases, filters (tags too), every sort,
pages (past the last one too), with and without facets, and for users who see different
products. The search documents carry their products' columns (copied by triggers): after any
write they equal the product rows, so the statement, which reads only the documents, still
agrees with the queryset path, which reads the products."""

import pytest
from django.db import connection, transaction
from guardian.shortcuts import assign_perm

from catalog.models import DataProduct
from catalog.search import SearchQuery, product_search, search_documents_rebuild
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


# The product's columns its search document copies (migration catalog 0006), as the product has
# them and as the document has them.
_FROM_PRODUCT = (
    "SELECT p.id, p.current_version_id IS NOT NULL AND p.discovery = 'public', p.current_version_id IS NOT NULL,"
    " p.name, p.updated_at, p.domain_id, p.owning_team_id, p.classification, p.version_status, p.contains_pii,"
    " p.quality_health, p.freshness_status FROM catalog_dataproduct p"
    " WHERE p.id IN (SELECT product_id FROM catalog_searchdocument) ORDER BY 1"
)
_FROM_DOCUMENT = (
    "SELECT d.product_id, d.listed, d.published, d.name, d.updated_at, d.domain_id, d.owning_team_id,"
    " d.classification, d.version_status, d.contains_pii, d.quality_health, d.freshness_status"
    " FROM catalog_searchdocument d ORDER BY 1"
)
FOLLOW_QUERIES = [
    SearchQuery(text="orders", with_facets=True),
    SearchQuery(text="orders", filters={"quality": ("failing",)}),
    SearchQuery(text="order", filters={"freshness": ("late",), "domain": ("sales",)}, with_facets=True),
    SearchQuery(text="refund*", filters={"classification": ("restricted",)}, with_facets=True),
    SearchQuery(text="orders", sort="name", with_facets=True),
    SearchQuery(text="order", sort="updated"),
]


def _documents_copy_their_products():
    with connection.cursor() as cursor:
        cursor.execute(_FROM_PRODUCT)
        products = cursor.fetchall()
        cursor.execute(_FROM_DOCUMENT)
        assert cursor.fetchall() == products
    assert len(products) == len(NAMES)


def _statement_agrees(users):
    checked = 0
    for user in users:
        for query in FOLLOW_QUERIES:
            got = _shape(product_search(user=user, query=query))
            assert got == _shape(_reference(user, query)), (user.username, query)
            checked += got[0]
    assert checked > 0


def test_search_documents_follow_their_products(catalog):
    analyst = make_user("analyst-z", role="analyst")
    granted = make_user("granted-z", role="analyst")
    assign_perm("catalog.view_dataproduct", granted, DataProduct.objects.get(name="order_shipments"))
    owner = make_user("sales-owner-z", team="sales-analytics")
    lead = make_user("lead-z", governance=True)
    users = [analyst, granted, owner, lead]
    _documents_copy_their_products()
    _statement_agrees(users)

    # Monitoring columns, discovery and classification, a product saved (updated_at), a rebuild.
    DataProduct.objects.filter(name__startswith="customer").update(quality_health="failing")
    DataProduct.objects.filter(domain__name="sales").update(freshness_status="late")
    DataProduct.objects.filter(name="refund_events").update(
        discovery="restricted", classification="restricted"
    )
    DataProduct.objects.filter(name="order_shipments").update(discovery="public")
    product = DataProduct.objects.get(domain__name="marketing", name="orders")
    product.description = "Changed."
    product.save()
    _documents_copy_their_products()
    _statement_agrees(users)
    assert search_documents_rebuild() == len(NAMES)
    _documents_copy_their_products()

    # A rollback takes the documents' copies back with the products.
    with transaction.atomic():
        DataProduct.objects.update(quality_health="passing", classification="public")
        _documents_copy_their_products()
        _statement_agrees(users)
        transaction.set_rollback(True)
    _documents_copy_their_products()
    _statement_agrees(users)


def test_past_the_last_page_gives_the_last_page(catalog):
    analyst = make_user("analyst-y", role="analyst")
    result = product_search(user=analyst, query=SearchQuery(text="orders", page=50, page_size=2))
    assert result.total >= 5
    assert result.page == -(-result.total // 2)
    assert len(result.results) == result.total - (result.page - 1) * 2
