"""The query: what the user typed and chose, parsed (`SearchQuery`), and what a search returns."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from functools import cached_property
from urllib.parse import urlencode

from catalog.models import (
    DataProduct,
)

FILTER_KEYS = ("domain", "classification", "status", "tag", "team", "pii", "quality", "freshness")
SORTS = ("relevance", "name", "updated")
PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
MAX_FILTER_VALUES = 20
MAX_TERMS = 12
UNCLASSIFIED = "unclassified"
DRAFT = "draft"
_WORD = re.compile(r"[^\W_]+")
_TOKEN = re.compile(
    r'(?P<key>[A-Za-z]+):(?:"(?P<qval>[^"]*)"?|(?P<val>\S+))|"(?P<phrase>[^"]*)"?|(?P<word>\S+)'
)


def normalize(text: str | None) -> str:
    """Lower-case words separated by single spaces: `Order_ID-x` -> `order id x`."""
    return " ".join(_WORD.findall((text or "").lower()))


@dataclass(frozen=True)
class Term:
    words: tuple[str, ...]
    prefix: bool = False
    phrase: bool = False

    @property
    def text(self) -> str:
        return " ".join(self.words)


@dataclass(frozen=True)
class Token:
    raw: str
    kind: str  # "filter" | "term"
    key: str = ""
    value: str = ""


@dataclass(frozen=True)
class ParsedText:
    terms: tuple[Term, ...]
    filters: dict[str, tuple[str, ...]]
    tokens: tuple[Token, ...]

    @property
    def words(self) -> str:
        """The free text as one normalized string, compared with names."""
        return " ".join(t.text for t in self.terms)


def parse_text(text: str) -> ParsedText:
    terms: list[Term] = []
    filters: dict[str, list[str]] = {}
    tokens: list[Token] = []
    for match in _TOKEN.finditer(text or ""):
        raw = match.group(0)
        key = (match.group("key") or "").lower()
        if key in FILTER_KEYS or key == "owner":
            key = "team" if key == "owner" else key
            value = _clean_filter_value(
                key, match.group("qval") if match.group("qval") is not None else match.group("val")
            )
            if value:
                filters.setdefault(key, [])
                if value not in filters[key]:
                    filters[key].append(value)
                tokens.append(Token(raw, "filter", key, value))
            continue
        if match.group("phrase") is not None:
            words = tuple(_WORD.findall(match.group("phrase").lower()))
            if words:
                terms.append(Term(words, phrase=len(words) > 1))
        else:
            word = raw
            prefix = word.endswith("*")
            words = tuple(_WORD.findall(word.lower()))
            if words:
                terms.append(Term(words, prefix=prefix))
        tokens.append(Token(raw, "term"))
    return ParsedText(
        terms=tuple(terms[:MAX_TERMS]),
        filters={k: tuple(v[:MAX_FILTER_VALUES]) for k, v in filters.items()},
        tokens=tuple(tokens),
    )


def _clean_filter_value(key: str, value: str | None) -> str:
    value = (value or "").strip().lower()
    if key == "pii":
        if value in {"yes", "true", "1", "y"}:
            return "yes"
        if value in {"no", "false", "0", "n"}:
            return "no"
        return ""
    return value[:150]


@dataclass(frozen=True)
class SearchQuery:
    """Everything that decides a search page; `querystring()` turns it back into its URL."""

    text: str = ""
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)  # from URL parameters
    sort: str = "relevance"
    page: int = 1
    page_size: int = PAGE_SIZE
    with_facets: bool = True

    @classmethod
    def from_params(cls, params, *, page_size: int = PAGE_SIZE, text_param: str = "q") -> SearchQuery:
        """Tolerant parsing of GET parameters: what is not understood is ignored."""
        filters = {}
        for key in FILTER_KEYS:
            values = []
            for raw in params.getlist(key) if hasattr(params, "getlist") else params.get(key, []):
                value = _clean_filter_value(key, raw)
                if value and value not in values:
                    values.append(value)
            if values:
                filters[key] = tuple(values[:MAX_FILTER_VALUES])
        sort = params.get("sort") or "relevance"
        try:
            page = max(1, int(params.get("page") or 1))
        except (TypeError, ValueError):
            page = 1
        try:
            size = min(MAX_PAGE_SIZE, max(1, int(params.get("page_size") or page_size)))
        except (TypeError, ValueError):
            size = page_size
        return cls(
            text=(params.get(text_param) or "")[:500],
            filters=filters,
            sort=sort if sort in SORTS else "relevance",
            page=min(page, 10_000),
            page_size=size,
        )

    @cached_property
    def parsed(self) -> ParsedText:
        return parse_text(self.text)

    @cached_property
    def effective_filters(self) -> dict[str, tuple[str, ...]]:
        """The URL's filters and the text's, merged (read, never changed: it is cached)."""
        merged: dict[str, tuple[str, ...]] = {}
        for key in FILTER_KEYS:
            values = list(self.filters.get(key, ()))
            values += [v for v in self.parsed.filters.get(key, ()) if v not in values]
            if values:
                merged[key] = tuple(values)
        return merged

    @property
    def has_text(self) -> bool:
        return bool(self.parsed.terms)

    @property
    def effective_sort(self) -> str:
        return "name" if self.sort == "relevance" and not self.has_text else self.sort

    def is_selected(self, key: str, value: str) -> bool:
        return value in self.effective_filters.get(key, ())

    def toggled(self, key: str, value: str) -> SearchQuery:
        """This query with the filter `key:value` switched on or off (back to page 1)."""
        if self.is_selected(key, value):
            filters = dict(self.filters)
            filters[key] = tuple(v for v in filters.get(key, ()) if v != value)
            text = " ".join(
                t.raw
                for t in self.parsed.tokens
                if not (t.kind == "filter" and t.key == key and t.value == value)
            )
            return replace(
                self,
                text=text if value in self.parsed.filters.get(key, ()) else self.text,
                filters=filters,
                page=1,
            )
        filters = dict(self.filters)
        filters[key] = (*filters.get(key, ()), value)
        return replace(self, filters=filters, page=1)

    def cleared(self) -> SearchQuery:
        """Only the free text, no filters."""
        text = " ".join(t.raw for t in self.parsed.tokens if t.kind == "term")
        return replace(self, text=text, filters={}, page=1)

    def with_page(self, page: int) -> SearchQuery:
        return replace(self, page=page)

    def with_sort(self, sort: str) -> SearchQuery:
        return replace(self, sort=sort, page=1)

    def querystring(self) -> str:
        """The canonical query string: bookmarkable, and what saved searches store."""
        pairs: list[tuple[str, str]] = []
        if self.text.strip():
            pairs.append(("q", self.text.strip()))
        for key in FILTER_KEYS:
            pairs += [(key, v) for v in self.filters.get(key, ())]
        if self.sort != "relevance":
            pairs.append(("sort", self.sort))
        if self.page > 1:
            pairs.append(("page", str(self.page)))
        return urlencode(pairs)


@dataclass(frozen=True)
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool

    def as_dict(self) -> dict:
        return {"value": self.value, "label": self.label, "count": self.count, "selected": self.selected}


@dataclass(frozen=True)
class Facet:
    key: str
    label: str
    values: tuple[FacetValue, ...]
    measured: bool = True  # every facet counts real values now; the page and template still read it


FACET_LABELS = {
    "domain": "Domain",
    "classification": "Classification",
    "status": "Status",
    "tag": "Tag",
    "team": "Owning team",
    "pii": "Contains PII",
    "quality": "Quality health",
    "freshness": "Freshness",
}


@dataclass
class SearchResult:
    query: SearchQuery
    results: list[DataProduct]
    total: int
    facets: dict[str, Facet] | None

    @property
    def page(self) -> int:
        return min(self.query.page, self.pages)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.query.page_size))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1
