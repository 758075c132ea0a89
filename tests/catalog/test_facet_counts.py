"""Browse facets from the counts kept by triggers (catalog.search.counts, PostgreSQL): after any
mix of writes (publishing, monitoring columns, discovery, tags added and removed, products
created and deleted, grants), before and after compaction, the counted facets and totals equal
those counted from the products themselves, for every kind of user."""

import pytest
from django.db import connection, transaction
from guardian.shortcuts import assign_perm

from catalog.models import DataProduct, Domain, FacetCount, Tag, TagCount, Team
from catalog.querysets import visibility_resolve
from catalog.search import SearchQuery, facet_counts_compact, product_search
from catalog.search import _search as queryset_search
from tests.factories import make_user, publish

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.pg]

OWNERS = {
    "sales": {"team": "sales-analytics", "contact": "sales@example.com"},
    "marketing": {"team": "marketing-analytics", "contact": "marketing@example.com"},
}
QUERIES = [
    {},
    {"domain": ("sales",)},
    {"classification": ("confidential", "internal")},
    {"pii": ("yes",)},
    {"quality": ("failing",), "domain": ("marketing",)},
    {"freshness": ("late", "stale")},
    {"status": ("published",), "team": ("sales-analytics",)},
    {"domain": ("nowhere",)},
]


def _publish(domain, name, *, classification="internal", tags=(), discovery="public", pii=False):
    fields = [{"name": f"{name}_id", "type": "string", "description": "Identifier", "is_primary_key": True}]
    extra = {}
    if pii:
        fields.append(
            {
                "name": "email",
                "type": "string",
                "description": "E-mail",
                "is_pii": True,
                "pii_category": "contact",
            }
        )
        extra = {"encryption_enabled": True, "audit_logging_enabled": True}
    outcome = publish(
        name=name,
        domain=domain,
        owner=OWNERS[domain],
        tags=list(tags),
        classification=classification,
        **{
            "schema.fields": fields,
            "sla.quality_checks": [],
            "access.discovery": discovery,
            "access.write": [{"domain": domain}],
            **extra,
        },
    )
    assert outcome.published, (name, outcome.problems, outcome.violations)
    return DataProduct.objects.get(domain__name=domain, name=name)


def _shape(result):
    facets = {key: [(v.value, v.count) for v in f.values] for key, f in (result.facets or {}).items()}
    # Counts are ints (JSON integers in the API), not the Decimal a SQL SUM of counts gives.
    assert all(type(n) is int for values in facets.values() for _, n in values), facets
    assert type(result.total) is int
    return result.total, [p.pk for p in result.results], facets


def _assert_counted_equals_counted_directly(users):
    checked = 0
    for user in users:
        visibility = visibility_resolve(user)
        base = DataProduct.objects.visible_by(visibility)
        for filters in QUERIES:
            for with_facets in (True, False):
                query = SearchQuery(filters=filters, with_facets=with_facets)
                counted = product_search(user=user, query=query)
                direct = queryset_search(base, query, query.effective_filters, None)
                assert _shape(counted) == _shape(direct), (user.username, filters, with_facets)
                checked += counted.total
    assert checked > 0


def _counts_match_products():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT listed, domain_id, owning_team_id, classification, version_status, contains_pii,"
            " quality_health, freshness_status, SUM(n) FROM catalog_facetcount GROUP BY 1, 2, 3, 4, 5, 6, 7, 8"
            " HAVING SUM(n) <> 0 ORDER BY 1, 2, 3, 4, 5, 6, 7, 8"
        )
        kept = cursor.fetchall()
        cursor.execute(
            "SELECT current_version_id IS NOT NULL AND discovery = 'public', domain_id, owning_team_id,"
            " classification, version_status, contains_pii, quality_health, freshness_status, COUNT(*)"
            " FROM catalog_dataproduct GROUP BY 1, 2, 3, 4, 5, 6, 7, 8 ORDER BY 1, 2, 3, 4, 5, 6, 7, 8"
        )
        assert kept == cursor.fetchall()
        cursor.execute(
            "SELECT listed, tag_id, SUM(n) FROM catalog_tagcount GROUP BY 1, 2 HAVING SUM(n) <> 0 ORDER BY 1, 2"
        )
        kept = cursor.fetchall()
        cursor.execute(
            "SELECT p.current_version_id IS NOT NULL AND p.discovery = 'public', l.tag_id, COUNT(*)"
            " FROM catalog_dataproduct_tags l JOIN catalog_dataproduct p ON p.id = l.dataproduct_id"
            " GROUP BY 1, 2 ORDER BY 1, 2"
        )
        assert kept == cursor.fetchall()


def test_counted_browse_facets_equal_the_products_through_every_kind_of_write(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    orders = _publish("sales", "orders", tags=["core", "orders"])
    _publish("sales", "refunds", classification="confidential", tags=["finance"], pii=True)
    vault = _publish("sales", "vault", classification="restricted", tags=["finance"], discovery="restricted")
    _publish("marketing", "campaigns", classification="public", tags=["core"])
    sessions = _publish("marketing", "sessions", tags=["web"], pii=True)
    secret = _publish("marketing", "secret_plans", classification="restricted", discovery="restricted")

    analyst = make_user("analyst", role="analyst")
    granted = make_user("granted", role="analyst")
    assign_perm("catalog.view_dataproduct", granted, vault)
    owner = make_user("marketing-owner", team="marketing-analytics")
    lead = make_user("lead", governance=True)
    users = [analyst, granted, owner, lead]
    _assert_counted_equals_counted_directly(users)

    # Monitoring columns, discovery, tags, a draft-only product and a deletion.
    DataProduct.objects.filter(pk=orders.pk).update(quality_health="failing", freshness_status="late")
    DataProduct.objects.filter(pk=sessions.pk).update(discovery="restricted")
    DataProduct.objects.filter(pk=secret.pk).update(discovery="public", freshness_status="stale")
    orders.tags.add(Tag.objects.create(name="new-tag"))
    orders.tags.remove(Tag.objects.get(name="core"))
    draft = DataProduct.objects.create(
        domain=Domain.objects.get(name="marketing"),
        name="draft_only",
        owning_team=Team.objects.get(name="marketing-analytics"),
        classification="internal",
    )
    draft.tags.add(Tag.objects.get(name="web"))
    gone = DataProduct.objects.create(
        domain=Domain.objects.get(name="sales"),
        name="gone",
        owning_team=Team.objects.get(name="sales-analytics"),
    )
    gone.tags.add(Tag.objects.get(name="finance"))
    gone.delete()
    _assert_counted_equals_counted_directly(users)
    _counts_match_products()

    rows_before = FacetCount.objects.count() + TagCount.objects.count()
    assert facet_counts_compact() is not None
    assert FacetCount.objects.count() + TagCount.objects.count() < rows_before
    assert not FacetCount.objects.filter(n=0).exists()
    _assert_counted_equals_counted_directly(users)
    _counts_match_products()

    # Inside a transaction a browse sees its own writes, and a rollback takes the counts back.
    with transaction.atomic():
        DataProduct.objects.filter(domain__name="sales").update(quality_health="passing")
        _assert_counted_equals_counted_directly(users)
        transaction.set_rollback(True)
    _counts_match_products()


def test_compaction_keeps_the_counts_when_nothing_changed():
    _publish("sales", "orders", tags=["core"])
    assert facet_counts_compact() is not None
    first = sorted(FacetCount.objects.values_list("listed", "domain_id", "classification", "n"))
    assert facet_counts_compact() is not None
    assert sorted(FacetCount.objects.values_list("listed", "domain_id", "classification", "n")) == first
    _counts_match_products()
