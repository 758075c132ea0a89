"""Facet counts: each facet counted without its own filter, so values can be combined.

The scalar facets (domain, team, classification, status, PII, quality health, freshness) are
plain columns of the product row, so one statement counts them all: the matching products
(the tag filter applied) grouped by the combination of those columns and of each filter's
verdict, then rolled up once per facet, each sum skipping the rows that fail another facet's
filter. The database reads every matching product once; Python sees a few dozen rows. The
tag facet is a second grouped query over the tag table.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import BooleanField, Count, ExpressionWrapper, Q

from catalog.models import DataProduct, FreshnessStatus, QualityHealth, VersionStatus

from .matching import apply_filters, filter_condition
from .query import DRAFT, FACET_LABELS, UNCLASSIFIED, Facet, FacetValue, SearchQuery

TAG_FACET_LIMIT = 30
# Facet key -> the product column it counts.
SCALAR_COLUMNS = {
    "domain": "domain_id",
    "team": "owning_team_id",
    "classification": "classification",
    "status": "version_status",
    "pii": "contains_pii",
    "quality": "quality_health",
    "freshness": "freshness_status",
}
FACET_ORDER = ("domain", "classification", "status", "tag", "team", "pii", "quality", "freshness")

# Facet key -> the table whose `name` its values show (domain and team ids are grouped, then
# their few rows joined).
_NAME_TABLES = {"domain": "catalog_domain", "team": "catalog_team"}


def facets_count(matching, query: SearchQuery, filters) -> tuple[dict[str, Facet], int]:
    """All facets of the products of `matching` (visible, matching the text) and the number
    passing every filter. Two queries."""
    facets, total = _scalar_facets(matching, query, filters)
    passing = Q(dataproduct_id__in=apply_filters(matching, filters, skip=("tag",)).order_by().values("pk"))
    facets["tag"] = _tag_facet(passing, query, filters)
    return {key: facets[key] for key in FACET_ORDER}, total


def scalar_conditions(filters) -> dict[str, Q]:
    """The scalar facet filters that select something, by key: each becomes a flag column."""
    conditions = {}
    for key in SCALAR_COLUMNS:
        condition = filter_condition(key, filters[key]) if filters.get(key) else None
        if condition is not None:
            conditions[key] = condition
    return conditions


def rollup_selects(
    flags: list[str], *, facets: bool = True, total: bool = True, source: str = "c", weight: str = 'c."n"'
) -> list[str]:
    """SELECTs of (k, v, n) over `source`: with `facets` each facet's counts (a row counts when it
    passes every filter but the facet's own), with `total` the total (every filter). `source` has the
    scalar columns and the flags `f_<key>` of the scalar filters in `flags`; each of its rows
    weighs `weight`: `c`, the products grouped by all of those with their number `n`, or the
    products themselves with a weight of 1."""

    def passing(skip: str | None) -> str:
        kept = [f'{source}."f_{key}"' for key in flags if key != skip]
        return " AND ".join(kept) if kept else "1 = 1"

    selects = []
    for key, column in SCALAR_COLUMNS.items() if facets else ():
        grouped = (
            f'SELECT {source}."{column}" AS v, SUM(CASE WHEN {passing(key)} THEN {weight} ELSE 0 END) AS n'
            f' FROM {source} GROUP BY {source}."{column}"'
        )
        if key in _NAME_TABLES:
            selects.append(
                f'SELECT \'{key}\' AS k, t."name" AS v, g.n FROM ({grouped}) g JOIN "{_NAME_TABLES[key]}" t ON t."id" = g.v'
            )
        elif key == "pii":
            selects.append(
                f"SELECT 'pii' AS k, CASE WHEN g.v THEN 'yes' ELSE 'no' END AS v, g.n FROM ({grouped}) g"
            )
        else:
            selects.append(f"SELECT '{key}' AS k, g.v, g.n FROM ({grouped}) g")
    if total:
        selects.append(
            f"SELECT 'total' AS k, '' AS v, SUM(CASE WHEN {passing(None)} THEN {weight} ELSE 0 END) AS n FROM {source}"
        )
    return selects


def _scalar_facets(matching, query: SearchQuery, filters) -> tuple[dict[str, Facet], int]:
    conditions = scalar_conditions(filters)
    grouped = (
        apply_filters(matching, filters, skip=tuple(SCALAR_COLUMNS))  # the tag filter
        .order_by()
        .annotate(
            **{f"f_{key}": ExpressionWrapper(c, output_field=BooleanField()) for key, c in conditions.items()}
        )
        .values(*SCALAR_COLUMNS.values(), *(f"f_{key}" for key in conditions))
        .annotate(n=Count("pk"))
    )
    inner, params = grouped.query.sql_with_params()
    sql = f"WITH c AS ({inner}) " + " UNION ALL ".join(rollup_selects(list(conditions)))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return scalar_facets_from_rows(rows, query, filters)


def scalar_facets_from_rows(rows, query: SearchQuery, filters) -> tuple[dict[str, Facet], int]:
    """The scalar facets and the total from the (k, v, n) rows of `rollup_selects`."""
    counts: dict[str, dict[str, int]] = {key: {} for key in SCALAR_COLUMNS}
    total = 0
    for key, value, n in rows:
        n = int(n or 0)
        if key == "total":
            total = n
        elif n:
            if key == "classification":
                value = value or UNCLASSIFIED
            counts[key][value] = counts[key].get(value, 0) + n
    facets = {}
    for key, values in counts.items():
        for selected in filters.get(key, ()):
            values.setdefault(selected, 0)
        ordered = sorted(values.items(), key=_facet_order(key))
        facets[key] = Facet(
            key,
            FACET_LABELS[key],
            tuple(FacetValue(v, _facet_label(key, v), n, query.is_selected(key, v)) for v, n in ordered),
        )
    return facets, total


def _tag_facet(products: Q, query: SearchQuery, filters) -> Facet:
    """The most used tags among `products` (a condition on the tag table's dataproduct_id),
    selected tags first, as one grouped query."""
    sql, params = tag_counts_sql(DataProduct.tags.through.objects.filter(products), filters)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        counts = dict(cursor.fetchall())
    return tag_facet_from_counts(counts, query, filters)


def tag_counts_sql(links, filters) -> tuple[str, list]:
    """SQL for the (tag name, number of products) of the TAG_FACET_LIMIT most used tags among the
    product-tag links `links`, selected tags first. The links are counted by tag id and only the
    few tags kept are joined for their names, not every link."""
    # COUNT(*), not of the link id: the (product, tag) unique index then answers alone.
    inner, params = links.order_by().values("tag_id").annotate(n=Count("*")).query.sql_with_params()
    return tag_top_sql(inner, list(params), filters)


def tag_top_sql(grouped: str, params: list, filters) -> tuple[str, list]:
    """SQL for the (tag name, n) of the TAG_FACET_LIMIT largest n of `grouped`, a SELECT of
    (tag_id, n) with one row per tag, selected tags first."""
    selected = list(filters.get("tag", ()))
    order = 'g."n" DESC, t."name"'
    if selected:
        order = f'CASE WHEN t."name" IN ({", ".join(["%s"] * len(selected))}) THEN 0 ELSE 1 END, {order}'
    sql = (
        f'SELECT t."name", g."n" FROM ({grouped}) g JOIN "catalog_tag" t ON t."id" = g."tag_id"'
        f" ORDER BY {order} LIMIT {TAG_FACET_LIMIT}"
    )
    return sql, [*params, *selected]


def tag_facet_from_counts(counts: dict[str, int], query: SearchQuery, filters) -> Facet:
    """The tag facet from the counts of the most used tags (selected tags added at 0)."""
    counts = {name: int(n) for name, n in counts.items()}  # a SUM of counts comes as a Decimal
    selected = list(filters.get("tag", ()))
    for value in selected:
        counts.setdefault(value, 0)
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return Facet(
        "tag",
        FACET_LABELS["tag"],
        tuple(FacetValue(v, v, n, query.is_selected("tag", v)) for v, n in ordered),
    )


def _order_of(values) -> dict[str, int]:
    return {v: i for i, v in enumerate(values)}


_ORDERS = {
    "status": _order_of([VersionStatus.PUBLISHED, VersionStatus.DEPRECATED, VersionStatus.RETIRED, DRAFT]),
    "classification": _order_of(["public", "internal", "confidential", "restricted", UNCLASSIFIED]),
    "quality": _order_of(
        [*(c for c in QualityHealth.values if c != QualityHealth.UNKNOWN), QualityHealth.UNKNOWN]
    ),
    "freshness": _order_of(
        [*(c for c in FreshnessStatus.values if c != FreshnessStatus.UNKNOWN), FreshnessStatus.UNKNOWN]
    ),
}
_LABELS = {"quality": dict(QualityHealth.choices), "freshness": dict(FreshnessStatus.choices)}


def _facet_order(key):
    if key in _ORDERS:
        order = _ORDERS[key]
        return lambda kv: (order.get(kv[0], 99), kv[0])
    if key == "pii":
        return lambda kv: (kv[0] != "yes",)
    return lambda kv: (-kv[1], kv[0])


def _facet_label(key: str, value: str) -> str:
    if key == "pii":
        return "Contains PII" if value == "yes" else "No PII"
    if key in _LABELS:
        return _LABELS[key].get(value, value)
    if key in ("classification", "status"):
        return value.capitalize()
    return value
