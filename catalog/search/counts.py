"""Browsing facets from kept counts (PostgreSQL): `FacetCount` and `TagCount` rows, which
triggers keep in the transaction of every product and tag change (migration catalog 0005).

A browse (no text) of a user who sees the listed products plus a few of their own or granted
ones sums the listed products' counts (a few thousand rows, whatever the number of products)
and counts only those few others directly. A governance lead, who sees everything, sums every
count. The sums are exact at the transaction's snapshot: a count row becomes visible with the
product change that wrote it. The tag filter is not a column of the counts, so a browse with a
tag filter counts products directly (catalog.search.facets); so does the tag facet when a scalar
filter narrows it.

`facet_counts_compact()` folds the increments into one row per combination (a beat sweep), so
the rows a browse sums stay about the number of combinations in use.
"""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models import BooleanField, Count, ExpressionWrapper, Q, Sum

from catalog.models import DataProduct, FacetCount, TagCount

from .facets import (
    FACET_ORDER,
    SCALAR_COLUMNS,
    _tag_facet,
    rollup_selects,
    scalar_conditions,
    scalar_facets_from_rows,
    tag_facet_from_counts,
    tag_top_sql,
)
from .matching import apply_filters
from .query import Facet, SearchQuery

# pg_try_advisory_xact_lock key: one compaction at a time (a second one would find nothing left
# to fold and wait on the first one's rows).
_COMPACT_LOCK = 7_302_115_001
_COLUMNS = ", ".join(SCALAR_COLUMNS.values())


def counted_facets(base, query: SearchQuery, filters, *, visibility) -> tuple[dict[str, Facet] | None, int]:
    """(facets, or None without them, and the total) of a browse of `base`, the products of
    `visibility` (a catalog.querysets.Visibility). Not for a tag filter."""
    assert not filters.get("tag"), "the counts have no tags: count products for a tag filter"
    conditions = scalar_conditions(filters)
    flags = {f"f_{key}": ExpressionWrapper(c, output_field=BooleanField()) for key, c in conditions.items()}
    everything = visibility.everything
    counts = FacetCount.objects.all() if everything else FacetCount.objects.filter(listed=True)
    parts = [
        counts.order_by().annotate(**flags).values(*SCALAR_COLUMNS.values(), *flags).annotate(n=Sum("n"))
    ]
    unlisted = None if everything else visibility.unlisted()
    others = None if unlisted is None else DataProduct.objects.filter(unlisted)
    if others is not None:
        parts.append(
            others.order_by()
            .annotate(**flags)
            .values(*SCALAR_COLUMNS.values(), *flags)
            .annotate(n=Count("pk"))
        )
    sql, params = _union(parts)
    selects = rollup_selects(list(conditions), facets=query.with_facets)
    with connection.cursor() as cursor:
        cursor.execute(f"WITH c AS ({sql}) " + " UNION ALL ".join(selects), params)
        rows = cursor.fetchall()
    facets, total = scalar_facets_from_rows(rows, query, filters)
    if not query.with_facets:
        return None, total
    if conditions:
        # The tag counts are per tag only: with a scalar filter the tags are counted directly.
        passing = Q(dataproduct_id__in=apply_filters(base, filters).order_by().values("pk"))
        facets["tag"] = _tag_facet(passing, query, filters)
    else:
        facets["tag"] = _counted_tag_facet(others, query, filters, everything=everything)
    return {key: facets[key] for key in FACET_ORDER}, total


def _counted_tag_facet(others, query, filters, *, everything: bool) -> Facet:
    counts = TagCount.objects.all() if everything else TagCount.objects.filter(listed=True)
    parts = [counts.order_by().values("tag_id").annotate(n=Sum("n"))]
    if others is not None:
        links = DataProduct.tags.through.objects.filter(dataproduct_id__in=others.order_by().values("pk"))
        parts.append(links.order_by().values("tag_id").annotate(n=Count("*")))
    sql, params = _union(parts)
    grouped = f'SELECT u."tag_id", SUM(u."n") AS n FROM ({sql}) u GROUP BY u."tag_id" HAVING SUM(u."n") > 0'
    sql, params = tag_top_sql(grouped, params, filters)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        counts = dict(cursor.fetchall())
    return tag_facet_from_counts(counts, query, filters)


def _union(querysets) -> tuple[str, list]:
    sqls, params = [], []
    for qs in querysets:
        sql, qs_params = qs.query.sql_with_params()
        sqls.append(f"({sql})")
        params.extend(qs_params)
    return " UNION ALL ".join(sqls), params


_FOLD = """
WITH gone AS (DELETE FROM {table} RETURNING listed, {columns}, n)
INSERT INTO {table} (listed, {columns}, n)
SELECT listed, {columns}, SUM(n) FROM gone GROUP BY listed, {columns} HAVING SUM(n) <> 0
"""


def facet_counts_compact() -> tuple[int, int] | None:
    """Fold the facet and tag count increments into one row per combination; returns the rows
    left in each, or None when another compaction is running (or not on PostgreSQL). Atomic:
    a browse sees the rows before or after, both adding up to the same counts; increments
    written meanwhile by other transactions are not among the rows folded and stay as they are."""
    if connection.vendor != "postgresql":
        return None
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [_COMPACT_LOCK])
        if not cursor.fetchone()[0]:
            return None
        cursor.execute(_FOLD.format(table=FacetCount._meta.db_table, columns=_COLUMNS))
        cursor.execute(_FOLD.format(table=TagCount._meta.db_table, columns="tag_id"))
        cursor.execute(
            f"SELECT (SELECT COUNT(*) FROM {FacetCount._meta.db_table}), (SELECT COUNT(*) FROM {TagCount._meta.db_table})"
        )
        facets, tags = cursor.fetchone()
    return int(facets), int(tags)
