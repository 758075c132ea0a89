"""Search: what it finds and in which order, on SQLite and on PostgreSQL alike
(PostgreSQL-only checks are marked `pg`)."""

import datetime

import pytest
from django.db import connection

from catalog.models import DataProduct, SearchDocument
from catalog.search import SearchQuery, parse_text, product_search
from tests.factories import make_user, publish

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # make_user() sets a password; the default hasher is deliberately slow.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


SALES = {"team": "sales-analytics", "contact": "sales@example.com"}
MARKETING = {"team": "marketing-analytics", "contact": "marketing@example.com"}
LOGISTICS = {"team": "logistics-core", "contact": "logistics@example.com"}


def field(name, description="", **extra):
    return {"name": name, "type": "string", "description": description, **extra}


def product(name, *, domain="sales", owner=SALES, fields=None, **overrides):
    overrides.setdefault("tags", [])
    outcome = publish(
        name=name,
        domain=domain,
        owner=owner,
        **{"schema.fields": fields or [field(f"{name}_id", "Identifier", is_primary_key=True)]},
        **overrides,
    )
    assert outcome.published, (name, outcome.message, outcome.violations, outcome.problems)
    return outcome


@pytest.fixture
def catalog():
    product(
        "orders",
        description="Orders placed in the web shop.",
        tags=["orders", "core"],
        fields=[
            field("order_id", "Unique order identifier", is_primary_key=True),
            field("total_amount", "Order total"),
        ],
    )
    product(
        "order_items",
        description="Line items of every order.",
        tags=["orders"],
        fields=[
            field("order_item_id", "Line identifier", is_primary_key=True),
            field("sku", "Stock keeping unit"),
        ],
    )
    product(
        "returns",
        description="Returned orders: orders sent back, orders refunded, orders replaced.",
        fields=[
            field("return_id", "Return identifier", is_primary_key=True),
            field("refund_amount", "Refund"),
        ],
    )
    product(
        "customers",
        domain="marketing",
        owner=MARKETING,
        classification="confidential",
        tags=["master-data"],
        description="Everyone who bought something.",
        encryption_enabled=True,
        audit_logging_enabled=True,
        fields=[
            field("customer_id", "Customer identifier", is_primary_key=True),
            field("email", "E-mail address", is_pii=True, pii_category="contact"),
        ],
    )
    product(
        "customer_orders_summary",
        domain="marketing",
        owner=MARKETING,
        description="Per customer order counts.",
        fields=[
            field("customer_id", "Customer identifier", is_primary_key=True),
            field("order_count", "Orders"),
        ],
    )
    product(
        "shipments",
        domain="logistics",
        owner=LOGISTICS,
        description="Parcels handed to carriers.",
        readme="# Shipments\n\nJoin on `tracking_number`; the **carrier manifest** is the source.",
        fields=[
            field("shipment_id", "Shipment identifier", is_primary_key=True),
            field("tracking_number", "Carrier tracking number"),
        ],
    )


@pytest.fixture
def analyst():
    return make_user("analyst", role="analyst", home_domain="marketing")


def names(user, text="", **params):
    query = SearchQuery(text=text, filters={k: tuple(v) for k, v in params.items()})
    return [p.name for p in product_search(user=user, query=query).results]


# --- The query language -----------------------------------------------------------------


def test_query_text_is_split_into_words_phrases_prefixes_and_filters():
    parsed = parse_text('order_id "web shop" cust* domain:sales tag:"core" pii:YES owner:ops http://x')

    assert [(t.words, t.prefix, t.phrase) for t in parsed.terms] == [
        (("order", "id"), False, False),
        (("web", "shop"), False, True),
        (("cust",), True, False),
        (("http", "x"), False, False),
    ]
    assert parsed.filters == {"domain": ("sales",), "tag": ("core",), "pii": ("yes",), "team": ("ops",)}


def test_tsquery_syntax_in_the_text_is_only_words():
    from catalog.search.matching import _tsquery

    parsed = parse_text("a&b | !c:* <-> (d)")

    assert _tsquery(parsed.terms) == "(a <-> b) & (c:*) & (d)"  # one letter is no prefix


def test_removing_a_filter_typed_in_the_box_removes_it_from_the_text():
    query = SearchQuery(text="orders domain:sales", filters={"tag": ("core",)})

    assert query.is_selected("domain", "sales") and query.is_selected("tag", "core")
    assert query.toggled("domain", "sales").text == "orders"
    assert query.toggled("tag", "core").filters == {"tag": ()}
    assert (
        query.toggled("domain", "marketing").querystring()
        == "q=orders+domain%3Asales&domain=marketing&tag=core"
    )


def test_the_querystring_holds_the_whole_query():
    query = SearchQuery(
        text="orders", filters={"domain": ("sales", "marketing"), "pii": ("yes",)}, sort="updated", page=3
    )

    qs = query.querystring()
    from django.http import QueryDict

    assert SearchQuery.from_params(QueryDict(qs)) == query


# --- Relevance ----------------------------------------------------------------------------


def test_exact_name_ranks_first_even_when_others_mention_the_word_more(catalog, analyst):
    assert names(analyst, "orders")[0] == "orders"


def test_name_prefix_ranks_the_product_first(catalog, analyst):
    assert names(analyst, "order_it")[0] == "order_items"
    assert names(analyst, "custo")[0] == "customers"
    assert names(analyst, "shipm")[0] == "shipments"


def test_domain_and_name_together_rank_that_product_first(catalog, analyst):
    assert names(analyst, "sales/returns")[0] == "returns"


@pytest.mark.parametrize(
    ("typo", "expected"),
    [("custmers", "customers"), ("shipmants", "shipments"), ("returnz", "returns"), ("ordrs", "orders")],
)
def test_a_one_letter_typo_still_finds_the_product(catalog, analyst, typo, expected):
    assert names(analyst, typo)[0] == expected


def test_a_typo_in_one_word_of_a_longer_name_finds_it(catalog, analyst):
    assert "customer_orders_summary" in names(analyst, "sumary")


def test_a_field_name_finds_the_products_with_that_field(catalog, analyst):
    assert names(analyst, "tracking_number") == ["shipments"]
    assert set(names(analyst, "customer_id")) == {"customers", "customer_orders_summary"}


def test_descriptions_field_descriptions_readmes_tags_and_teams_are_searched(catalog, analyst):
    assert names(analyst, "carriers") == ["shipments"]  # description
    assert names(analyst, "keeping") == ["order_items"]  # a field's description
    assert names(analyst, "manifest") == ["shipments"]  # README
    assert names(analyst, "master-data") == ["customers"]  # tag
    assert names(analyst, "logistics-core") == ["shipments"]  # owning team


def test_a_phrase_must_match_in_order(catalog, analyst):
    assert names(analyst, '"line items"') == ["order_items"]
    assert names(analyst, '"items line"') == []


def test_a_star_makes_a_prefix_query(catalog, analyst):
    assert names(analyst, "parc*") == ["shipments"]


def test_every_word_must_match(catalog, analyst):
    assert names(analyst, "orders refunded") == ["returns"]


def test_filters_typed_in_the_box_narrow_the_results(catalog, analyst):
    assert set(names(analyst, "domain:marketing")) == {"customers", "customer_orders_summary"}
    assert names(analyst, "tag:master-data") == ["customers"]
    assert names(analyst, "team:logistics-core") == ["shipments"]
    assert names(analyst, "classification:confidential") == ["customers"]
    assert names(analyst, "pii:yes") == ["customers"]
    assert "customers" not in names(analyst, "pii:no")
    assert len(names(analyst, "status:published")) == 6
    assert names(analyst, "status:draft") == []
    assert names(analyst, "customer domain:sales") == []


def test_values_of_one_filter_combine_with_or_and_different_filters_with_and(catalog, analyst):
    assert set(names(analyst, domain=["sales", "logistics"])) == {
        "orders",
        "order_items",
        "returns",
        "shipments",
    }
    assert names(analyst, domain=["sales", "logistics"], tag=["core"]) == ["orders"]


def test_without_text_results_are_sorted_by_name(catalog, analyst):
    assert names(analyst) == sorted(names(analyst))


def test_sort_by_recently_updated(catalog, analyst):
    product(
        "orders",
        version="1.1.0",
        description="Orders placed in the web shop, now with returns.",
        tags=["orders", "core"],
        fields=[
            field("order_id", "Unique order identifier", is_primary_key=True),
            field("total_amount", "Order total"),
        ],
    )

    result = product_search(user=analyst, query=SearchQuery(sort="updated"))

    assert result.results[0].name == "orders"


def test_results_are_paginated_with_a_total(catalog, analyst):
    first = product_search(user=analyst, query=SearchQuery(page_size=4))
    second = product_search(user=analyst, query=SearchQuery(page_size=4, page=2))
    beyond = product_search(user=analyst, query=SearchQuery(page_size=4, page=9))

    assert (first.total, first.pages, len(first.results), len(second.results)) == (6, 2, 4, 2)
    assert not {p.pk for p in first.results} & {p.pk for p in second.results}
    assert beyond.page == 2 and [p.pk for p in beyond.results] == [p.pk for p in second.results]


# --- Facets -------------------------------------------------------------------------------


def counts(result, key):
    return {v.value: v.count for v in result.facets[key].values}


def test_facets_count_the_matching_products(catalog, analyst):
    result = product_search(user=analyst, query=SearchQuery(text="order"))

    assert result.total == len(result.results)
    assert counts(result, "domain") == {"sales": 3, "marketing": 1}
    assert counts(result, "tag") == {"orders": 2, "core": 1}
    assert counts(result, "status") == {"published": 4}
    assert counts(result, "pii") == {"no": 4}
    assert counts(result, "quality") == {"unknown": 4}
    assert counts(result, "freshness") == {"unknown": 4}
    assert result.facets["quality"].values[0].label == "Not measured"


def test_quality_health_and_freshness_count_and_filter_by_what_monitoring_measured(catalog, analyst):
    DataProduct.objects.filter(name="orders").update(quality_health="failing", freshness_status="stale")
    DataProduct.objects.filter(name="returns").update(quality_health="passing", freshness_status="stale")
    DataProduct.objects.filter(name="order_items").update(quality_health="passing", freshness_status="fresh")

    everything = product_search(user=analyst, query=SearchQuery())
    failing_or_warning = product_search(
        user=analyst, query=SearchQuery(text="quality:failing quality:warning")
    )
    stale_and_passing = product_search(
        user=analyst, query=SearchQuery(filters={"freshness": ("stale",), "quality": ("passing",)})
    )

    assert counts(everything, "quality") == {"passing": 2, "failing": 1, "unknown": 3}
    assert [v.value for v in everything.facets["quality"].values] == ["passing", "failing", "unknown"]
    assert [v.label for v in everything.facets["freshness"].values] == ["Fresh", "Stale", "Not measured"]
    assert [p.name for p in failing_or_warning.results] == ["orders"]
    assert [p.name for p in stale_and_passing.results] == ["returns"]
    # Each facet is counted without its own filter, with the others.
    assert counts(stale_and_passing, "quality") == {"passing": 1, "failing": 1}
    assert counts(stale_and_passing, "freshness") == {"stale": 1, "fresh": 1}


def test_a_facet_is_counted_without_its_own_filter_so_values_can_be_combined(catalog, analyst):
    result = product_search(user=analyst, query=SearchQuery(filters={"domain": ("marketing",)}))

    assert result.total == 2
    assert counts(result, "domain") == {"marketing": 2, "sales": 3, "logistics": 1}
    assert counts(result, "classification") == {"confidential": 1, "internal": 1}
    assert counts(result, "pii") == {"yes": 1, "no": 1}
    assert [v.value for v in result.facets["domain"].values if v.selected] == ["marketing"]


def test_without_facets_the_search_still_counts(catalog, analyst):
    result = product_search(user=analyst, query=SearchQuery(text="order", with_facets=False))

    assert result.facets is None
    assert result.total == 4


# --- The search document follows publishing ------------------------------------------------


def test_publishing_a_new_version_refreshes_what_search_finds(catalog, analyst):
    assert names(analyst, "carrier_code") == []

    today = datetime.date.today()
    product(
        "shipments",
        domain="logistics",
        owner=LOGISTICS,
        version="2.0.0",
        fields=[
            field("shipment_id", "Shipment identifier", is_primary_key=True),
            field("carrier_code", "Carrier"),
        ],
        changelog=[
            {
                "version": "2.0.0",
                "date": str(today),
                "changes": ["carrier_code replaces tracking_number"],
                "breaking": True,
            }
        ],
        deprecation={
            "notice_date": str(today),
            "sunset_date": str(today + datetime.timedelta(days=60)),
            "migration_guide": "Read carrier_code.",
        },
    )

    assert names(analyst, "carrier_code") == ["shipments"]
    assert names(analyst, "tracking_number") == []


def test_a_draft_does_not_change_what_search_finds_for_a_published_product(catalog, analyst):
    outcome = publish(
        name="shipments",
        domain="logistics",
        owner=LOGISTICS,
        version="1.1.0",
        classification=None,
        **{
            "schema.fields": [
                field("shipment_id", "Shipment identifier", is_primary_key=True),
                field("draft_only_field", "New"),
            ]
        },
    )
    assert outcome.status == "draft"

    assert names(analyst, "draft_only_field") == []
    assert names(analyst, "tracking_number") == ["shipments"]


def test_each_product_has_one_search_document_with_its_texts(catalog):
    doc = SearchDocument.objects.get(product__name="customers")

    assert doc.name_words == "customers"
    assert doc.has_pii and doc.field_count == 2
    if connection.vendor == "postgresql":
        assert "'custom':1A" in doc.vector and "'analyt'" in doc.vector and doc.keywords == ""
    else:
        assert "customer id" in doc.keywords and "marketing analytics" in doc.keywords


@pytest.mark.pg
def test_on_postgres_the_vector_is_stored_and_indexed():
    product("orders")

    with connection.cursor() as cursor:
        cursor.execute("SELECT vector IS NOT NULL FROM catalog_searchdocument")
        assert cursor.fetchone() == (True,)
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'catalog_searchdocument'")
        indexes = {row[0] for row in cursor.fetchall()}
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        assert cursor.fetchone() == (1,)
    assert {
        "catalog_searchdoc_vector_gin",
        "catalog_searchdoc_name_trgm",
        "catalog_searchdoc_name_prefix",
    } <= indexes


@pytest.mark.pg
def test_on_postgres_stemming_matches_other_forms_of_a_word(catalog, analyst):
    assert "returns" in names(analyst, "refunding")


@pytest.mark.pg
@pytest.mark.django_db(transaction=True)
def test_on_postgres_the_trigram_threshold_is_local_to_the_search(catalog, analyst):
    names(analyst, "custmers")

    with connection.cursor() as cursor:
        cursor.execute("SHOW pg_trgm.word_similarity_threshold")
        assert cursor.fetchone() == ("0.6",)


def test_rebuilding_every_search_document_gives_the_same_search(catalog, analyst):
    from catalog.search import search_documents_rebuild

    before = {q: names(analyst, q) for q in ("orders", "custmers", "tracking_number", "manifest")}
    SearchDocument.objects.all().delete()
    assert names(analyst, "orders") == []

    assert search_documents_rebuild(batch_size=4) == 6
    assert {q: names(analyst, q) for q in before} == before


def test_the_tag_facet_keeps_the_most_used_tags_and_the_selected_ones():
    from catalog.search.facets import TAG_FACET_LIMIT

    tags = [f"t{i:02}" for i in range(35)]
    product("wide", tags=tags)  # every tag once
    product("middle", tags=tags[20:])  # t20..t34 twice
    product("narrow", tags=tags[30:])  # t30..t34 three times
    analyst = make_user("tagger", role="analyst")

    def facet(query):
        result = product_search(user=analyst, query=query)
        return [(v.value, v.count) for v in result.facets["tag"].values]

    expected = [(t, 3) for t in tags[30:]] + [(t, 2) for t in tags[20:30]] + [(t, 1) for t in tags[:15]]
    assert len(expected) == TAG_FACET_LIMIT
    assert facet(SearchQuery()) == expected
    assert facet(SearchQuery(text="wide")) == [(t, 1) for t in sorted(tags)][:TAG_FACET_LIMIT]
    # A selected tag is kept although 30 others are used more; the facet ignores its own filter.
    selected = facet(SearchQuery(filters={"tag": ("t19",)}))
    assert ("t19", 1) in selected and len(selected) == TAG_FACET_LIMIT
    assert selected[:15] == expected[:15]
