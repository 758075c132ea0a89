"""A text search on PostgreSQL as one statement: matches, total, facets and the page's ids.

The visible matching documents are found once (`m`, materialized: matching is the costly part),
with the product columns a search filters, counts and sorts by, which each search document
carries (copied by triggers, see SearchDocument), so no product row is read. The total, the
facets and the page are then computed from that in-memory set. Without facets the filters are
part of the match, served by the facet columns' GIN index.

Ranking the page needs each candidate's text rank, which reads its tsvector. Exact and prefix
name matches sort first (by tier, then by shortness), so when they fill the page only the ones
tied with the page's last are ranked by text (`thr`), not every match of a broad word.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import BooleanField, ExpressionWrapper
from django.db.models.expressions import RawSQL

from catalog.models import DataProduct, SearchDocument
from catalog.querysets import Visibility

from .facets import (
    FACET_ORDER,
    SCALAR_COLUMNS,
    rollup_selects,
    scalar_conditions,
    scalar_facets_from_rows,
    tag_counts_sql,
    tag_facet_from_counts,
)
from .matching import apply_filters, filter_condition
from .query import SearchQuery


def text_search(visibility: Visibility, query: SearchQuery, relevance, filters, *, offset: int):
    """(facets or None, total, the page's product ids) of the products `visibility` shows
    matching `relevance` (a `_PostgresText`) and `filters`, the page starting at `offset`."""
    documents = SearchDocument.objects.filter(relevance.condition(doc="", product="product__")).filter(
        visibility.document_condition()
    )
    columns = ["product_id", "tier", "closeness", "name", "updated_at", "domain_id"]
    if query.with_facets:
        # Every visible match, with the facets' columns and a flag per filter.
        conditions = scalar_conditions(filters)
        flags = {f"f_{key}": c for key, c in conditions.items()}
        if filters.get("tag"):
            flags["f_tag"] = filter_condition("tag", filters["tag"])
        documents = documents.annotate(
            **{name: ExpressionWrapper(c, output_field=BooleanField()) for name, c in flags.items()}
        )
        columns = [*dict.fromkeys([*columns, *SCALAR_COLUMNS.values()]), *flags]
        passing = " AND ".join(f'm."{name}"' for name in flags) or "TRUE"
    else:
        # Without facets no part needs the matches that fail a filter: the filters narrow the
        # index scan (the facet columns' GIN index).
        conditions, flags = {}, {}
        documents = apply_filters(documents, filters)
        passing = "TRUE"
    m_sql, m_params = (
        documents.order_by()
        .annotate(tier=relevance.tier(doc="", product="product__"), closeness=relevance.closeness(doc=""))
        .values(*columns)
        .query.sql_with_params()
    )

    # `r`: what passes every filter (the total and the page).
    ctes = [f"m AS MATERIALIZED ({m_sql})", f"r AS NOT MATERIALIZED (SELECT * FROM m WHERE {passing})"]
    params = list(m_params)
    selects = ["SELECT 'total' AS k, '' AS v, COUNT(*) AS n FROM r"]
    select_params: list = []

    page_qs, page_params = _page_sql(query, relevance, offset)
    if query.effective_sort == "relevance":
        ctes.append(
            f'thr AS (SELECT r."tier", r."closeness" FROM r ORDER BY r."tier" DESC, r."closeness" DESC'
            f" OFFSET {int(offset + query.page_size - 1)} LIMIT 1)"
        )
    ctes.append(f"page AS ({page_qs})")
    params += page_params
    selects.append('SELECT \'page\' AS k, page."product_id"::text AS v, page."pos" AS n FROM page')

    if query.with_facets:
        scalar_flags = list(conditions)
        # The scalar facets count the matches passing the tag filter (their own filters aside).
        source = "m"
        if "f_tag" in flags:
            ctes.append('s AS (SELECT * FROM m WHERE m."f_tag")')
            source = "s"
        selects += rollup_selects(scalar_flags, total=False, source=source, weight="1")
        tag_sql, tag_params = _tag_sql(filters, conditions)
        selects.append(f"SELECT 'tag' AS k, t.* FROM ({tag_sql}) t")
        select_params += tag_params

    sql = "WITH " + ", ".join(ctes) + " " + " UNION ALL ".join(f"({s})" for s in selects)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *select_params])
        rows = cursor.fetchall()

    total = 0
    page: list[tuple[int, int]] = []
    scalar_rows, tags = [], {}
    for key, value, n in rows:
        if key == "total":
            total = int(n)
        elif key == "page":
            page.append((int(n), int(value)))
        elif key == "tag":
            tags[value] = int(n)
        else:
            scalar_rows.append((key, value, n))
    facets = None
    if query.with_facets:
        facets, _ = scalar_facets_from_rows(scalar_rows, query, filters)
        facets["tag"] = tag_facet_from_counts(tags, query, filters)
        facets = {key: facets[key] for key in FACET_ORDER}
    return facets, total, [pk for _, pk in sorted(page)]


_DOMAIN_NAME = (
    '(SELECT "catalog_domain"."name" FROM "catalog_domain" WHERE "catalog_domain"."id" = r."domain_id")'
)


def _page_sql(query: SearchQuery, relevance, offset: int) -> tuple[str, list]:
    """The page's (product_id, pos) among `r`, in the search's order."""
    limit = f"LIMIT {int(query.page_size)} OFFSET {int(offset)}"
    if query.effective_sort != "relevance":
        order = (
            'r."updated_at" DESC, r."product_id" DESC'
            if query.effective_sort == "updated"
            else f'r."name", {_DOMAIN_NAME}'
        )
        return (
            f'SELECT r."product_id", ROW_NUMBER() OVER (ORDER BY {order}) AS pos FROM r ORDER BY pos {limit}',
            [],
        )
    # Only the candidates at or above the page's last in (tier, closeness) can be on the page:
    # they alone are ranked by text, which reads their search documents.
    score, params = relevance.score_sql("d")
    sql = (
        f'SELECT r."product_id", ROW_NUMBER() OVER (ORDER BY r."tier" DESC, r."closeness" DESC, {score} DESC,'
        f' r."name", {_DOMAIN_NAME}) AS pos'
        ' FROM r JOIN "catalog_searchdocument" d ON d."product_id" = r."product_id"'
        ' WHERE NOT EXISTS (SELECT 1 FROM thr) OR (r."tier", r."closeness") >= (SELECT thr."tier", thr."closeness" FROM thr)'
        f" ORDER BY pos {limit}"
    )
    return sql, params


def _tag_sql(filters, conditions) -> tuple[str, list]:
    """The most used tags among the matches of `m` passing every scalar filter."""
    # Only our own column names (flags of known facet keys) go into the SQL text.
    passing = " AND ".join(f'm."f_{key}"' for key in conditions) or "TRUE"
    links = DataProduct.tags.through.objects.filter(
        dataproduct_id__in=RawSQL(f'SELECT m."product_id" FROM m WHERE {passing}', ())  # noqa: S611
    )
    return tag_counts_sql(links, filters)
