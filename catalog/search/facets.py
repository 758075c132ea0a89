"""Facet counts: each facet counted without its own filter, so values can be combined."""

from __future__ import annotations

from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    Q,
    Value,
    When,
)

from catalog.models import (
    DataProduct,
    VersionStatus,
)

from .query import DRAFT, FACET_LABELS, NOT_MEASURED, UNCLASSIFIED, Facet, FacetValue, SearchQuery

TAG_FACET_LIMIT = 30
_SCALAR_COLUMNS = {
    "domain": "domain_name",
    "team": "team_name",
    "classification": "cls",
    "status": "st",
    "pii": "pii",
}


FACET_ORDER = ("domain", "classification", "status", "tag", "team", "pii", "quality", "freshness")


def _row_value(row: dict, key: str) -> str:
    raw = row[_SCALAR_COLUMNS[key]]
    if key == "classification":
        return raw or UNCLASSIFIED
    if key == "pii":
        return "yes" if raw else "no"
    return raw


def _row_passes(row: dict, filters, skip_key: str | None = None) -> bool:
    """Whether a row (a product, or a combination of facet values) passes the scalar filters."""
    for key in _SCALAR_COLUMNS:
        if key == skip_key or not filters.get(key):
            continue
        if key == "pii" and len(set(filters["pii"])) > 1:
            continue
        if _row_value(row, key) not in filters[key]:
            return False
    return True


def _scalar_facets(rows: list[dict], query: SearchQuery, filters) -> tuple[dict[str, Facet], int]:
    """Counts per value of domain, classification, status, team and PII from rows of facet
    values with a count `n`; each facet is counted without its own filter, so that several
    values of one facet can be combined. Also returns the total passing every filter."""
    total = sum(row["n"] for row in rows if _row_passes(row, filters))
    facets: dict[str, Facet] = {}
    for key in _SCALAR_COLUMNS:
        counts: dict[str, int] = {}
        for row in rows:
            if _row_passes(row, filters, skip_key=key):
                value = _row_value(row, key)
                counts[value] = counts.get(value, 0) + row["n"]
        for selected in filters.get(key, ()):
            counts.setdefault(selected, 0)
        ordered = sorted(counts.items(), key=_facet_order(key))
        facets[key] = Facet(
            key,
            FACET_LABELS[key],
            tuple(FacetValue(v, _facet_label(key, v), n, query.is_selected(key, v)) for v, n in ordered),
        )
    return facets, total


def _with_placeholders(facets: dict[str, Facet], total: int) -> dict[str, Facet]:
    """Quality health and freshness read "not measured" until checks and monitoring exist."""
    for key in ("quality", "freshness"):
        facets[key] = Facet(
            key, FACET_LABELS[key], (FacetValue(NOT_MEASURED, "Not measured", total, False),), measured=False
        )
    return {key: facets[key] for key in FACET_ORDER}


def _tag_facet(products: Q, query: SearchQuery, filters) -> Facet:
    """The most used tags among `products` (a condition on the tag table's dataproduct_id),
    selected tags first, as one grouped query."""
    selected = list(filters.get("tag", ()))
    rows = (
        DataProduct.tags.through.objects.filter(products)
        .values(value=F("tag__name"))
        .annotate(
            n=Count("pk"),
            pinned=Case(
                When(tag__name__in=selected, then=Value(0)), default=Value(1), output_field=IntegerField()
            ),
        )
        .order_by("pinned", "-n", "value")[:TAG_FACET_LIMIT]
    )
    counts = {row["value"]: row["n"] for row in rows}
    for value in selected:
        counts.setdefault(value, 0)
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return Facet(
        "tag",
        FACET_LABELS["tag"],
        tuple(FacetValue(v, v, n, query.is_selected("tag", v)) for v, n in ordered),
    )


_STATUS_ORDER = {
    s: i
    for i, s in enumerate([VersionStatus.PUBLISHED, VersionStatus.DEPRECATED, VersionStatus.RETIRED, DRAFT])
}


_CLASS_ORDER = {
    c: i for i, c in enumerate(["public", "internal", "confidential", "restricted", UNCLASSIFIED])
}


def _facet_order(key):
    if key == "status":
        return lambda kv: (_STATUS_ORDER.get(kv[0], 99), kv[0])
    if key == "classification":
        return lambda kv: (_CLASS_ORDER.get(kv[0], 98), kv[0])
    if key == "pii":
        return lambda kv: (kv[0] != "yes",)
    return lambda kv: (-kv[1], kv[0])


def _facet_label(key: str, value: str) -> str:
    if key == "pii":
        return "Contains PII" if value == "yes" else "No PII"
    if key in ("classification", "status"):
        return value.capitalize()
    return value
