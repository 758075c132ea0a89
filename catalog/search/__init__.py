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
`pii:yes|no`, `quality:passing|warning|failing|unknown`, `freshness:fresh|late|stale|unknown`.
Filters may also come as URL parameters (the facets' links); both combine.

Every read applies the user's visibility, resolved once (`catalog.querysets.Visibility`, the rule
of `DataProduct.objects.for_user()`), so what a user may not see is absent from results, counts,
facets and typo suggestions alike. A text search on PostgreSQL applies it, and its filters, to
the search documents, which carry the product columns they read (copied by triggers). Facets
group plain columns (catalog.search.facets), so counting them joins nothing per product.
"""

from __future__ import annotations

import math
from dataclasses import replace

from django.db import connection, transaction

from catalog.models import DataProduct, SearchDocument
from catalog.querysets import visibility_resolve

from .counts import counted_facets, facet_counts_compact
from .documents import search_document_refresh, search_documents_rebuild
from .facets import facets_count
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
from .statement import text_search

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
    "facet_counts_compact",
    "parse_text",
    "product_search",
    "saved_search_create",
    "saved_search_delete",
    "saved_searches_for",
    "search_document_refresh",
    "search_documents_rebuild",
]


def product_search(*, user, query: SearchQuery) -> SearchResult:
    """One page of the products `user` may see that match `query`, with total and facets.

    A constant number of SQL queries whatever the number of results: (set the search settings
    on PostgreSQL,) read the user's teams and grants, find which words are typos (text only);
    then a text search on PostgreSQL is one statement giving the total, the facets and the
    page's ids (catalog.search.statement); otherwise the facets and the total take one query
    and the tags a second (or one count without facets), and the page's ids a third. Last, the
    page's rows and their tags.
    """
    if connection.vendor == "postgresql":
        with transaction.atomic():
            _postgres_settings_set()
            return _product_search(user=user, query=query, postgres=True)
    return _product_search(user=user, query=query, postgres=False)


def _product_search(*, user, query: SearchQuery, postgres: bool) -> SearchResult:
    visibility = visibility_resolve(user)
    base = DataProduct.objects.none() if visibility is None else DataProduct.objects.visible_by(visibility)
    filters = query.effective_filters
    if query.parsed.terms and not base.query.is_empty():
        if postgres:
            # The visible documents passing the filters (they carry the columns both read).
            documents = apply_filters(SearchDocument.objects.filter(visibility.document_condition()), filters)
            relevance = _PostgresText(query.parsed, base=documents)
            return _postgres_text_search(visibility, query, relevance, filters)
        relevance = _SqliteText(query.parsed, base=apply_filters(base, filters))
        return _search(base.filter(relevance.condition()), query, filters, relevance)
    # A browse on PostgreSQL sums the kept facet counts (catalog.search.counts), but for a tag
    # filter, which they do not hold.
    counted = visibility if postgres and not filters.get("tag") else None
    return _search(base, query, filters, None, counted=counted)


def _postgres_text_search(visibility, query: SearchQuery, relevance, filters) -> SearchResult:
    """A text search on PostgreSQL: one statement (catalog.search.statement), then the page's rows."""
    offset = (query.page - 1) * query.page_size
    facets, total, page_ids = text_search(visibility, query, relevance, filters, offset=offset)
    pages = max(1, math.ceil(total / query.page_size))
    if query.page > pages and total:
        # Past the last page: the last page instead (rare, so a second statement).
        query = replace(query, page=pages)
        facets, total, page_ids = text_search(
            visibility, query, relevance, filters, offset=(pages - 1) * query.page_size
        )
    return SearchResult(
        query=replace(query, page=min(query.page, pages)),
        results=_page_rows(page_ids),
        total=total,
        facets=facets,
    )


def _search(base, query: SearchQuery, filters, relevance, *, counted=None) -> SearchResult:
    """A search with a queryset of the matching products: every browse (no text) and text on
    SQLite. `counted`, the Visibility that `base` has: the facets and the total from the kept
    counts."""
    matching = base
    facets = None
    if base.query.is_empty():
        total = 0
    elif counted is not None:
        facets, total = counted_facets(base, query, filters, visibility=counted)
    elif query.with_facets:
        facets, total = facets_count(matching, query, filters)
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
            qs = qs.order_by("-updated_at", "-id")
        else:
            qs = qs.order_by("name", "domain__name")
        # The page's ids first, then their rows with what a result shows: joining a product's
        # version, domain and team before the sort would join every match, not twenty.
        results = _page_rows(list(qs.values_list("pk", flat=True)[offset : offset + query.page_size]))
    return SearchResult(query=replace(query, page=page), results=results, total=total, facets=facets)


def _page_rows(page_ids: list[int]) -> list[DataProduct]:
    """The page's products, in `page_ids` order, with what a result shows (as `tag_names`, its
    tags' names in order). Two queries; only the columns a result shows, as most of a
    product's row and of its version's is for its own page."""
    if not page_ids:
        return []
    rows = (
        DataProduct.objects.filter(pk__in=page_ids)
        .annotate(status=_status_expr(), has_pii=_pii_expr())
        .select_related("domain", "owning_team", "current_version")
        .only(*RESULT_FIELDS)
    )
    by_pk = {p.pk: p for p in rows}
    tag_names: dict[int, list[str]] = {}
    links = DataProduct.tags.through.objects.filter(dataproduct_id__in=page_ids).order_by("tag__name")
    for product_id, name in links.values_list("dataproduct_id", "tag__name"):
        tag_names.setdefault(product_id, []).append(name)
    for pk, product in by_pk.items():
        product.tag_names = tag_names.get(pk, [])
    return [by_pk[pk] for pk in page_ids if pk in by_pk]


# What a search result shows (templates/includes/product_result.html, the API's summary).
RESULT_FIELDS = (
    "name",
    "description",
    "classification",
    "updated_at",
    "domain__name",
    "owning_team__name",
    "current_version__version",
)
