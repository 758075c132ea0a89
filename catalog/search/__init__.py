"""Product search: one function, `product_search()`, serves the search page, the home page box,
the API and the benchmark, so ranking and facets are the same everywhere.

What is searched is each product's `SearchDocument` (catalog.models), rebuilt from the
product's current (else newest) version by `search_document_refresh()` when a version is
published: name (weight A); domain, team, tags and field names (B); description and field
descriptions (C); README (D).

Ranking, on every database:
1. an exact name match (also `domain/name`) first, then a name prefix match;
2. then by text relevance: on PostgreSQL `ts_rank` over the weighted tsvector plus the
   trigram word similarity of the name (so "custmer" finds `customer_orders`); on SQLite a
   weighted count of the texts each term occurs in, plus a difflib ratio on names;
3. then by name.

The query language: words (all must match; the last one also as a prefix while typing),
`"a phrase"`, `prefix*`, and filters `domain:`, `tag:`, `team:`, `classification:`, `status:`,
`pii:yes|no`. Filters may also come as URL parameters (the facets' links); both combine.

Every read starts from `DataProduct.objects.for_user(user)`, so what a user may not see is
absent from results, counts, facets and typo suggestions alike.
"""

from __future__ import annotations

import math
from dataclasses import replace

from django.db import connection, transaction
from django.db.models import BooleanField, Count, Exists, F, Func, OuterRef, Q, Subquery, Value

from catalog.models import DataProduct

from .documents import search_document_refresh, search_documents_rebuild
from .facets import _SCALAR_COLUMNS, _row_passes, _scalar_facets, _tag_facet, _with_placeholders
from .matching import (
    _pii_expr,
    _postgres_settings_set,
    _PostgresText,
    _SqliteText,
    _status_expr,
    apply_filters,
)
from .query import (
    DRAFT,
    FILTER_KEYS,
    MAX_FILTER_VALUES,
    PAGE_SIZE,
    SORTS,
    UNCLASSIFIED,
    Facet,
    FacetValue,
    SearchQuery,
    SearchResult,
    parse_text,
)
from .saved import saved_search_create, saved_search_delete, saved_searches_for

__all__ = [
    "DRAFT",
    "FILTER_KEYS",
    "MAX_FILTER_VALUES",
    "PAGE_SIZE",
    "SORTS",
    "UNCLASSIFIED",
    "Facet",
    "FacetValue",
    "SearchQuery",
    "SearchResult",
    "apply_filters",
    "parse_text",
    "product_search",
    "saved_search_create",
    "saved_search_delete",
    "saved_searches_for",
    "search_document_refresh",
    "search_documents_rebuild",
]


# Up to this many matches a text search is ranked and faceted from one query's rows.
MAX_CANDIDATES = 5000


def product_search(*, user, query: SearchQuery) -> SearchResult:
    """One page of the products `user` may see that match `query`, with total and facets.

    A constant number of SQL queries whatever the number of results: (set the trigram
    threshold on PostgreSQL,) find typo candidates (SQLite), count or facet combinations,
    the tag facet, the page, and the page's tags.
    """
    if connection.vendor == "postgresql":
        with transaction.atomic():
            _postgres_settings_set()
            return _product_search(user=user, query=query, postgres=True)
    return _product_search(user=user, query=query, postgres=False)


def _product_search(*, user, query: SearchQuery, postgres: bool) -> SearchResult:
    base = DataProduct.objects.for_user(user)
    parsed = query.parsed
    filters = query.effective_filters
    if not parsed.terms:
        return _search_in_sql(base, query, filters, relevance=None)
    narrowed = apply_filters(base, filters)
    matcher = _PostgresText(parsed, base=narrowed) if postgres else _SqliteText(parsed, base=narrowed)
    matching = base.filter(matcher.condition())
    # One query reads every visible match with what ranking, filters and facets need, and the
    # rest is done here: the text is matched once per search, not once per count, facet and
    # page. Facets count each facet without its own filter, which needs the matches before the
    # filters; when those are too many (a broad text), the filtered matches are used and the
    # facets of the filters in use count only the values chosen. When even those are too many,
    # counts and facets are GROUP BY queries.
    scalar_filters = any(filters.get(key) for key in _SCALAR_COLUMNS)
    if query.with_facets and scalar_filters:
        rows = _candidate_rows(matching, matcher, filters, filtered=False)
        if rows is not None:
            return _search_in_rows(base, rows, query, filters, postgres=postgres)
    rows = _candidate_rows(matching, matcher, filters, filtered=True)
    if rows is not None:
        return _search_in_rows(base, rows, query, filters, postgres=postgres)
    return _search_in_sql(matching, query, filters, relevance=matcher)


def _candidate_rows(matching, matcher, filters, *, filtered: bool) -> list[dict] | None:
    """The matching rows (with every filter applied in SQL if `filtered`, else none, with a
    `tagged` flag for the tag filter), or None if there are more than MAX_CANDIDATES."""
    columns = {
        "domain_name": F("domain__name"),
        "team_name": F("owning_team__name"),
        "cls": F("classification"),
        "st": _status_expr(),
        "pii": _pii_expr(),
        "tier": matcher.tier(),
        "closeness": matcher.closeness(),
        "score": matcher.score(),
    }
    qs = matching
    if filtered:
        qs = apply_filters(qs, filters)
    elif filters.get("tag"):
        columns["tagged"] = Exists(
            DataProduct.tags.through.objects.filter(
                dataproduct_id=OuterRef("pk"), tag__name__in=filters["tag"]
            )
        )
    rows = list(qs.values("pk", "name", "updated_at", **columns).order_by()[: MAX_CANDIDATES + 1])
    return None if len(rows) > MAX_CANDIDATES else rows


def _search_in_rows(base, rows: list[dict], query: SearchQuery, filters, *, postgres: bool) -> SearchResult:
    """Filters, facets, total and page order computed from the matching rows (text searches).
    A row without a `tagged` flag passed the tag filter in SQL already."""
    for row in rows:
        row["n"] = 1
    tagged = [r for r in rows if r.get("tagged", True)]
    facets = None
    if query.with_facets:
        facets, total = _scalar_facets(tagged, query, filters)
        ids = [r["pk"] for r in rows if _row_passes(r, filters)]
        facets["tag"] = _tag_facet(_ids_in("dataproduct_id", ids, postgres=postgres), query, filters)
        facets = _with_placeholders(facets, total)
    selected = [r for r in tagged if _row_passes(r, filters)]
    total = len(selected)
    sort = query.effective_sort
    if sort == "relevance":
        selected.sort(
            key=lambda r: (-r["tier"], -r["closeness"], -(r["score"] or 0.0), r["name"], r["domain_name"])
        )
    elif sort == "updated":
        selected.sort(key=lambda r: (r["updated_at"], r["pk"]), reverse=True)
    else:
        selected.sort(key=lambda r: (r["name"], r["domain_name"]))
    pages = max(1, math.ceil(total / query.page_size))
    page = min(query.page, pages)
    page_ids = [r["pk"] for r in selected[(page - 1) * query.page_size : page * query.page_size]]
    results = []
    if page_ids:
        by_pk = {p.pk: p for p in _page_queryset(base.filter(pk__in=page_ids))}
        results = [by_pk[pk] for pk in page_ids if pk in by_pk]
    return SearchResult(query=replace(query, page=page), results=results, total=total, facets=facets)


def _search_in_sql(matching, query: SearchQuery, filters, *, relevance) -> SearchResult:
    """Counts and facets as GROUP BY queries and the page as ORDER BY ... LIMIT (browsing,
    and texts too broad to rank in Python)."""
    facets = None
    if query.with_facets:
        combos = list(
            apply_filters(matching, filters, skip=("domain", "team", "classification", "status", "pii"))
            .values(
                domain_name=F("domain__name"),
                team_name=F("owning_team__name"),
                cls=F("classification"),
                st=_status_expr(),
                pii=_pii_expr(),
            )
            .annotate(n=Count("pk"))
            .order_by()
        )
        facets, total = _scalar_facets(combos, query, filters)
        ids = apply_filters(matching, filters, skip=("tag",)).order_by().values("pk")
        facets["tag"] = _tag_facet(Q(dataproduct_id__in=Subquery(ids)), query, filters)
        facets = _with_placeholders(facets, total)
    else:
        total = apply_filters(matching, filters).count()
    pages = max(1, math.ceil(total / query.page_size))
    page = min(query.page, pages)
    offset = (page - 1) * query.page_size
    results: list[DataProduct] = []
    if total:
        qs = apply_filters(matching, filters)
        sort = query.effective_sort
        if sort == "relevance" and relevance is not None:
            qs = qs.annotate(
                tier=relevance.tier(), closeness=relevance.closeness(), score=relevance.score()
            ).order_by("-tier", "-closeness", "-score", "name", "domain__name")
        elif sort == "updated":
            qs = qs.order_by("-updated_at", "-pk")
        else:
            qs = qs.order_by("name", "domain__name")
        results = list(_page_queryset(qs)[offset : offset + query.page_size])
    return SearchResult(query=replace(query, page=page), results=results, total=total, facets=facets)


def _page_queryset(qs):
    return (
        qs.annotate(status=_status_expr(), has_pii=_pii_expr())
        .select_related("domain", "owning_team", "current_version")
        .defer(*(f"current_version__{name}" for name in _HEAVY_VERSION_FIELDS))
        .prefetch_related("tags")
    )


class _AnyOf(Func):
    """`column = ANY(%s)` with the ids as one array parameter (PostgreSQL caps a statement at
    65,535 parameters; `IN (...)` would take one per id)."""

    arg_joiner = " = ANY("
    template = "(%(expressions)s))"
    output_field = BooleanField()


def _ids_in(column: str, ids: list[int], *, postgres: bool) -> Q:
    if postgres:
        return Q(_AnyOf(F(column), Value(list(ids))))
    return Q(**{f"{column}__in": ids})


_HEAVY_VERSION_FIELDS = ("contract_text", "document", "contract", "violations", "changelog_entry")
