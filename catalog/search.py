"""Product search: one function, `product_search()`, serves the search page, the home page box,
the API and the benchmark, so ranking and facets are the same everywhere.

What is searched is each product's `SearchDocument` (catalog.models), rebuilt from the
product's current (else newest) version by `search_document_refresh()` when a version is
published: name (weight A); domain, team, tags and field names (B); description and field
descriptions (C); README (D).

Ranking, on every database:
1. an exact name match (also `domain/name`) first, then a name prefix match;
2. then by text relevance: on PostgreSQL `ts_rank_cd` over the weighted tsvector plus the
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

import difflib
import math
import re
from dataclasses import dataclass, field, replace
from functools import cached_property
from urllib.parse import urlencode

from django.contrib.postgres.search import SearchQuery as PgSearchQuery
from django.contrib.postgres.search import SearchRank, SearchVector, TrigramSimilarity, TrigramWordSimilarity
from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Length

from .models import DataProduct, ProductVersion, SavedSearch, SchemaField, SearchDocument, VersionStatus

FILTER_KEYS = ("domain", "classification", "status", "tag", "team", "pii")
SORTS = ("relevance", "name", "updated")
PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
MAX_FILTER_VALUES = 20
MAX_TERMS = 12
TAG_FACET_LIMIT = 30
UNCLASSIFIED = "unclassified"
DRAFT = "draft"
NOT_MEASURED = "not_measured"
# PostgreSQL trigram threshold for "is this a typo of a word of the name": 0.4 admits one wrong,
# missing or extra letter in words of five letters and more (similarity("ordrs","orders") = 0.44).
WORD_SIMILARITY_THRESHOLD = 0.4
# SQLite fallback: how many trigram candidates difflib looks at, and the ratio that counts.
TYPO_CANDIDATES = 1000
# Up to this many matches a text search is ranked and faceted from one query's rows.
MAX_CANDIDATES = 5000
TYPO_RATIO = 0.75
TYPO_SCORED = 50
README_INDEX_CHARS = 64 * 1024
MIN_PREFIX = 3
MIN_TYPO = 5
TS_CONFIG = "english"

_WORD = re.compile(r"[^\W_]+")
_TOKEN = re.compile(r'(?P<key>[A-Za-z]+):(?:"(?P<qval>[^"]*)"?|(?P<val>\S+))|"(?P<phrase>[^"]*)"?|(?P<word>\S+)')


def normalize(text: str | None) -> str:
    """Lower-case words separated by single spaces: `Order_ID-x` -> `order id x`."""
    return " ".join(_WORD.findall((text or "").lower()))


# --- The query --------------------------------------------------------------------------


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
            value = _clean_filter_value(key, match.group("qval") if match.group("qval") is not None else match.group("val"))
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

    @property
    def effective_filters(self) -> dict[str, tuple[str, ...]]:
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
                t.raw for t in self.parsed.tokens if not (t.kind == "filter" and t.key == key and t.value == value)
            )
            return replace(self, text=text if value in self.parsed.filters.get(key, ()) else self.text, filters=filters, page=1)
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


# --- Results ----------------------------------------------------------------------------


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
    measured: bool = True  # False: a placeholder until quality checks and monitoring exist


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


def _status_expr():
    return Coalesce(F("current_version__status"), Value(DRAFT))


def _pii_expr():
    return Coalesce(F("search_document__has_pii"), Value(False), output_field=BooleanField())


def apply_filters(qs, filters: dict[str, tuple[str, ...]], *, skip: tuple[str, ...] = ()):
    """Narrow a DataProduct queryset by facet filters (values OR within a key, AND across keys)."""
    for key, values in filters.items():
        if key in skip or not values:
            continue
        if key == "domain":
            qs = qs.filter(domain__name__in=values)
        elif key == "team":
            qs = qs.filter(owning_team__name__in=values)
        elif key == "classification":
            cond = Q(classification__in=[v for v in values if v != UNCLASSIFIED])
            if UNCLASSIFIED in values:
                cond |= Q(classification="")
            qs = qs.filter(cond)
        elif key == "status":
            cond = Q(current_version__status__in=[v for v in values if v != DRAFT])
            if DRAFT in values:
                cond |= Q(current_version__isnull=True)
            qs = qs.filter(cond)
        elif key == "tag":
            qs = qs.filter(
                Exists(DataProduct.tags.through.objects.filter(dataproduct_id=OuterRef("pk"), tag__name__in=values))
            )
        elif key == "pii":
            wanted = {v == "yes" for v in values}
            if len(wanted) == 1:
                qs = qs.filter(search_document__has_pii=wanted.pop())
    return qs


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
    # One query reads every visible match with what ranking, filters and facets need; the
    # rest is done here, so the text is matched once per search, not once per count, facet
    # and page. A very broad text (more than MAX_CANDIDATES matches) is counted in SQL instead.
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
    if filters.get("tag"):
        columns["tagged"] = Exists(
            DataProduct.tags.through.objects.filter(dataproduct_id=OuterRef("pk"), tag__name__in=filters["tag"])
        )
    rows = list(matching.values("pk", "name", "updated_at", **columns).order_by()[: MAX_CANDIDATES + 1])
    if len(rows) > MAX_CANDIDATES:
        return _search_in_sql(matching, query, filters, relevance=matcher)
    return _search_in_rows(base, rows, query, filters, postgres=postgres)


def _search_in_rows(base, rows: list[dict], query: SearchQuery, filters, *, postgres: bool) -> SearchResult:
    """Filters, facets, total and page order computed from the matching rows (text searches)."""
    tags = filters.get("tag")
    for row in rows:
        row["n"] = 1
        row["tag_ok"] = not tags or row["tagged"]
    facets = None
    if query.with_facets:
        facets, total = _scalar_facets([r for r in rows if r["tag_ok"]], query, filters)
        untagged_ids = [r["pk"] for r in rows if _row_passes(r, filters)]
        facets["tag"] = _tag_facet(_ids_in("dataproduct_id", untagged_ids, postgres=postgres), query, filters)
        facets = _with_placeholders(facets, total)
    selected = [r for r in rows if r["tag_ok"] and _row_passes(r, filters)]
    total = len(selected)
    sort = query.effective_sort
    if sort == "relevance":
        selected.sort(key=lambda r: (-r["tier"], -r["closeness"], -(r["score"] or 0.0), r["name"], r["domain_name"]))
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
        for combo in combos:
            combo["tag_ok"] = True
        facets, total = _scalar_facets(combos, query, filters)
        ids = apply_filters(matching, filters, skip=("tag",)).values("pk")
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
            qs = qs.annotate(tier=relevance.tier(), closeness=relevance.closeness(), score=relevance.score()).order_by(
                "-tier", "-closeness", "-score", "name", "domain__name"
            )
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


class _NameRanking:
    """Exact and prefix name matches, the same SQL on both databases."""

    def __init__(self, parsed: ParsedText):
        self.parsed = parsed
        self.words = parsed.words

    def name_match(self) -> Q:
        cond = Q(search_document__name_words__contains=self.words) if self.words else Q(pk__in=[])
        fqn = self._fqn()
        if fqn is not None:
            cond |= Q(domain__name=fqn[0], search_document__name_words__startswith=fqn[1])
        return cond

    def tier(self):
        exact = Q(search_document__name_words=self.words)
        fqn = self._fqn()
        if fqn is not None:
            exact |= Q(domain__name=fqn[0], search_document__name_words=fqn[1])
        return Case(
            When(exact, then=Value(3)),
            When(search_document__name_words__startswith=self.words, then=Value(2)),
            default=Value(0),
            output_field=IntegerField(),
        )

    def closeness(self):
        """Among name prefix matches, the shortest name is the closest to what was typed."""
        return Case(
            When(search_document__name_words__startswith=self.words, then=-Length("search_document__name_words")),
            default=Value(0),
            output_field=IntegerField(),
        )

    def _fqn(self) -> tuple[str, str] | None:
        """`sales/orders` or `sales.orders` names a product by domain and name."""
        raw = [t.raw for t in self.parsed.tokens if t.kind == "term"]
        if len(raw) != 1:
            return None
        for sep in ("/", "."):
            if sep in raw[0]:
                domain, _, name = raw[0].partition(sep)
                if domain and name:
                    return domain.lower(), normalize(name)
        return None


class _WordSimilar(Func):
    """`query <% name_words`: the query is similar to a run of words of the name (pg_trgm,
    served by the GIN trigram index)."""

    arg_joiner = " <%% "
    template = "(%(expressions)s)"
    output_field = BooleanField()


def _fuzzy(term: Term) -> bool:
    """Whether a term may also match a name with a typo: plain words, not phrases or prefixes."""
    return not term.phrase and not term.prefix


def _word_units(terms: tuple[Term, ...]) -> list[tuple[str, str, str | None]]:
    """The query word by word, for matching with typos: (tsquery part, LIKE text, the word if it
    may be a typo of a name word). A typo match needs every word, each in the texts or close to
    a word of the name, so "secret_orders" does not find `orders` because half of it matches."""
    parts = _tsquery_parts(terms)
    units = []
    for i, term in enumerate(terms):
        if not _fuzzy(term):
            units.append((parts[i], _stem(term.text), None))
            continue
        last_plain = i == len(terms) - 1
        for j, word in enumerate(term.words):
            prefix = last_plain and j == len(term.words) - 1 and len(word) >= MIN_PREFIX
            # Short words have too few trigrams to tell a typo from another word.
            typo = word if len(word) >= MIN_TYPO else None
            units.append((f"{word}:*" if prefix else word, _stem(word), typo))
    return units


class _PostgresText(_NameRanking):
    """Every term matches the weighted tsvector, or (a plain word) a word of the name with a typo."""

    def __init__(self, parsed: ParsedText, *, base):
        super().__init__(parsed)
        self.parts = _tsquery_parts(parsed.terms)
        self.tsquery = " & ".join(self.parts)
        units = _word_units(parsed.terms)
        known = _name_words_known(base, [fuzzy for _, _, fuzzy in units if fuzzy])
        # A word that is a word of a visible name is no typo: matching it fuzzily would only
        # add work (every name containing it is a trigram candidate) and noise.
        self.units = [(part, like, None if fuzzy in known else fuzzy) for part, like, fuzzy in units]

    def _search_query(self, tsquery: str):
        return PgSearchQuery(tsquery, search_type="raw", config=TS_CONFIG)

    def _typo(self, words: str) -> Q:
        return Q(_WordSimilar(Value(words), F("search_document__name_words")))

    def condition(self) -> Q:
        # All terms in the text (stop words are dropped by to_tsquery, so "the orders" works).
        cond = self.name_match() | Q(search_document__vector=self._search_query(self.tsquery))
        units = self.units
        typos = [self._typo(fuzzy) for _, _, fuzzy in units if fuzzy]
        if typos:
            # Every word in the texts or close to a word of the name, and at least one of them
            # by a typo (the rest is the branch above): typos widen the search only by names.
            every, some_typo = Q(), Q()
            for part, _, fuzzy in units:
                alternative = Q(search_document__vector=self._search_query(part))
                if fuzzy:
                    alternative |= self._typo(fuzzy)
                every &= alternative
            for typo in typos:
                some_typo |= typo
            cond |= every & some_typo
        return cond

    def score(self):
        rank = Coalesce(
            SearchRank(
                F("search_document__vector"), self._search_query(self.tsquery), normalization=32
            ),
            Value(0.0),
            output_field=FloatField(),
        )
        # Word similarity rewards the typo; whole-name similarity prefers the closest name overall.
        similarity = Coalesce(
            TrigramWordSimilarity(Value(self.words), F("search_document__name_words"))
            + TrigramSimilarity(Value(self.words), F("search_document__name_words")) * Value(0.5),
            Value(0.0),
            output_field=FloatField(),
        )
        return rank + similarity


def _name_words_known(base, words: list[str]) -> set[str]:
    """Which of `words` are whole words of a name of a product in `base` (one query, each
    EXISTS served by the trigram index). Through `base`, so a hidden product's name never
    changes how a query is matched."""
    words = sorted(set(words))
    if not words:
        return set()
    selects, params = [], []
    for word in words:
        sub = base.filter(search_document__name_words__regex=rf"(^| ){word}( |$)").values("pk")[:1]
        sql, sub_params = sub.query.sql_with_params()
        selects.append(f"EXISTS({sql})")
        params.extend(sub_params)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(selects), params)
        flags = cursor.fetchone()
    return {word for word, flag in zip(words, flags, strict=True) if flag}


def _postgres_settings_set() -> None:
    """Transaction-local settings (product_search runs in atomic(), so a pooled connection keeps
    its defaults): the trigram threshold for typos, and no JIT: a search's plans cost enough to
    trigger JIT compilation, which takes longer (hundreds of ms) than the query it compiles."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('pg_trgm.word_similarity_threshold', %s, true), set_config('jit', 'off', true)",
            [str(WORD_SIMILARITY_THRESHOLD)],
        )


def _tsquery_parts(terms: tuple[Term, ...]) -> list[str]:
    """One raw tsquery per term, built only from \\w+ words, so user input cannot inject tsquery
    syntax. Words of one term are adjacent (`order_id` -> `order <-> id`); the last word of a
    prefix term, and of the last plain term (search as you type: from MIN_PREFIX letters, as one
    or two letters would match most of the catalog), also matches as a prefix."""
    parts = []
    for i, term in enumerate(terms):
        words = list(term.words)
        if term.prefix or (i == len(terms) - 1 and not term.phrase and len(words[-1]) >= MIN_PREFIX):
            words[-1] = f"{words[-1]}:*"
        parts.append("(" + " <-> ".join(words) + ")")
    return parts


def _tsquery(terms: tuple[Term, ...]) -> str:
    return " & ".join(_tsquery_parts(terms))


class _SqliteText(_NameRanking):
    """Every term occurs in one of the stored texts (LIKE), or is a plain word within a difflib
    ratio of a word of the name."""

    COLUMNS = (("name_words", 8), ("keywords", 4), ("body", 2), ("readme", 1))

    def __init__(self, parsed: ParsedText, *, base):
        super().__init__(parsed)
        self.patterns = [_stem(t.text) for t in parsed.terms]
        self.units = [(pattern, fuzzy) for _, pattern, fuzzy in _word_units(parsed.terms)]
        fuzzy = sorted({f for _, f in self.units if f})
        self.typos = _typo_matches(base, fuzzy) if fuzzy else {}

    def condition(self) -> Q:
        every_term = Q()
        for pattern in self.patterns:
            every_term &= self._anywhere(pattern)
        cond = every_term | self.name_match()
        if self.typos:
            # As on PostgreSQL: every word somewhere or close to a word of the name, one by a typo.
            every_word = Q()
            for pattern, fuzzy in self.units:
                alternative = self._anywhere(pattern)
                close = self.typos.get(fuzzy) if fuzzy else None
                if close:
                    alternative |= Q(pk__in=list(close))
                every_word &= alternative
            close_names = {pk for close in self.typos.values() for pk in close}
            cond |= every_word & Q(pk__in=sorted(close_names))
        return cond

    def _anywhere(self, pattern: str) -> Q:
        cond = Q()
        for column, _ in self.COLUMNS:
            cond |= Q(**{f"search_document__{column}__contains": pattern})
        return cond

    def score(self):
        score = Value(0.0, output_field=FloatField())
        for pattern in self.patterns:
            for column, weight in self.COLUMNS:
                score = score + Case(
                    When(**{f"search_document__{column}__contains": pattern}, then=Value(float(weight))),
                    default=Value(0.0),
                    output_field=FloatField(),
                )
        closeness: dict[int, float] = {}
        for close in self.typos.values():
            for pk, ratio in close.items():
                closeness[pk] = closeness.get(pk, 0.0) + ratio
        if closeness:
            # The closest names first: each typo match scores its difflib ratio (a bounded list).
            best = sorted(closeness.items(), key=lambda kv: -kv[1])[:TYPO_SCORED]
            score = score + Case(
                *(When(pk=pk, then=Value(4.0 * ratio)) for pk, ratio in best),
                default=Value(0.0),
                output_field=FloatField(),
            )
        return score


def _stem(text: str) -> str:
    # Enough stemming for LIKE: "orders" also finds "order", "order_id".
    if len(text) > 3 and text.endswith("s") and not text.endswith("ss"):
        return text[:-1]
    return text


def _typo_matches(base, terms: list[str]) -> dict[str, dict[int, float]]:
    """For each term, the products with a run of name words within a difflib ratio of it.

    Bounded work: one query for candidates sharing a trigram with a term (at most 24 LIKEs,
    at most TYPO_CANDIDATES rows), each compared with a handful of word windows per term.
    """
    grams = sorted({t[i : i + 3] for t in terms for i in range(len(t) - 2)})[:24]
    cond = Q()
    for gram in grams:
        cond |= Q(search_document__name_words__contains=gram)
    rows = list(base.filter(cond).values_list("pk", "search_document__name_words")[:TYPO_CANDIDATES])
    found: dict[str, dict[int, float]] = {}
    for term in terms:
        width = len(term.split())
        for pk, name in rows:
            name = name or ""
            name_words = name.split()
            windows = {" ".join(name_words[i : i + width]) for i in range(max(1, len(name_words) - width + 1))}
            best = max(difflib.SequenceMatcher(None, term, w).ratio() for w in windows | {name})
            if best >= TYPO_RATIO:
                # Closer overall (the whole name) breaks ties between equally close words.
                found.setdefault(term, {})[pk] = best + difflib.SequenceMatcher(None, term, name).ratio() / 2
    return found


# --- Facets -----------------------------------------------------------------------------


_SCALAR_COLUMNS = {"domain": "domain_name", "team": "team_name", "classification": "cls", "status": "st", "pii": "pii"}
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
            pinned=Case(When(tag__name__in=selected, then=Value(0)), default=Value(1), output_field=IntegerField()),
        )
        .order_by("pinned", "-n", "value")[:TAG_FACET_LIMIT]
    )
    counts = {row["value"]: row["n"] for row in rows}
    for value in selected:
        counts.setdefault(value, 0)
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return Facet(
        "tag", FACET_LABELS["tag"], tuple(FacetValue(v, v, n, query.is_selected("tag", v)) for v, n in ordered)
    )


_STATUS_ORDER = {s: i for i, s in enumerate([VersionStatus.PUBLISHED, VersionStatus.DEPRECATED, VersionStatus.RETIRED, DRAFT])}
_CLASS_ORDER = {c: i for i, c in enumerate(["public", "internal", "confidential", "restricted", UNCLASSIFIED])}


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


# --- Keeping the search documents fresh --------------------------------------------------


def _document_values(product, version, *, fields, tags) -> dict:
    contract = getattr(version, "contract", None) or {}
    readme = contract.get("readme") or ""
    names = [f[0] for f in fields]
    return {
        "name_words": normalize(product.name)[:300],
        "keywords": normalize(
            " ".join([product.domain.name, product.owning_team.name, *tags, *names])
        ),
        "body": normalize(" ".join([product.description or "", *(f[1] or "" for f in fields)])),
        "readme": normalize(readme[:README_INDEX_CHARS]),
        "has_pii": any(f[2] for f in fields),
        "field_count": len(fields),
    }


def _stored(values: dict) -> dict:
    """The row to store. On PostgreSQL the texts only feed the tsvector, built in the same
    statement; keeping them too would double the row and so the pages a search reads."""
    if connection.vendor != "postgresql":
        return values
    vector = (
        SearchVector(Value(values["name_words"]), weight="A", config=TS_CONFIG)
        + SearchVector(Value(values["keywords"]), weight="B", config=TS_CONFIG)
        + SearchVector(Value(values["body"]), weight="C", config=TS_CONFIG)
        + SearchVector(Value(values["readme"]), weight="D", config=TS_CONFIG)
    )
    return {**values, "keywords": "", "body": "", "readme": "", "vector": vector}


def search_document_refresh(product: DataProduct) -> SearchDocument | None:
    """Rebuild `product`'s search document from its current (else newest) version.

    Called by the publish service in the transaction that changes the product, so search
    never shows a version the catalog does not.
    """
    version = product.current_version or (
        product.versions.order_by("-major", "-minor", "-patch", "-created_at").first()
    )
    if version is None:
        SearchDocument.objects.filter(product=product).delete()
        return None
    product = DataProduct.objects.select_related("domain", "owning_team").get(pk=product.pk)
    fields = list(version.fields.order_by("position").values_list("name", "description", "is_pii"))
    tags = list(product.tags.values_list("name", flat=True))
    doc, _ = SearchDocument.objects.update_or_create(
        product=product, defaults=_stored(_document_values(product, version, fields=fields, tags=tags))
    )
    return doc


def search_documents_rebuild(*, product_ids=None, batch_size: int = 1000) -> int:
    """Rebuild the search documents of many products (all by default) in batches, with a
    fixed number of queries per batch. For backfills and bulk loads; returns the count."""
    products = DataProduct.objects.order_by("pk")
    if product_ids is not None:
        products = products.filter(pk__in=product_ids)
    newest = ProductVersion.objects.filter(product=OuterRef("pk")).order_by("-major", "-minor", "-patch", "-created_at")
    last_pk = 0
    done = 0
    while True:
        batch = list(
            products.filter(pk__gt=last_pk)
            .select_related("domain", "owning_team")
            .annotate(shown_id=Coalesce(F("current_version_id"), Subquery(newest.values("pk")[:1])))
            .only("pk", "name", "description", "domain__name", "owning_team__name", "current_version_id")[:batch_size]
        )
        if not batch:
            return done
        last_pk = batch[-1].pk
        shown = {p.pk: p.shown_id for p in batch if p.shown_id}
        readmes = dict(
            ProductVersion.objects.filter(pk__in=shown.values()).values_list("pk", "contract__readme")
        )
        fields: dict[int, list] = {}
        for version_id, name, description, is_pii in (
            SchemaField.objects.filter(version_id__in=shown.values())
            .order_by("version_id", "position")
            .values_list("version_id", "name", "description", "is_pii")
        ):
            fields.setdefault(version_id, []).append((name, description, is_pii))
        tags: dict[int, list] = {}
        for product_id, tag in DataProduct.tags.through.objects.filter(dataproduct_id__in=shown).values_list(
            "dataproduct_id", "tag__name"
        ):
            tags.setdefault(product_id, []).append(tag)
        docs = []
        for product in batch:
            version_id = shown.get(product.pk)
            if version_id is None:
                continue
            version = _ReadmeOnly({"readme": readmes.get(version_id) or ""})
            values = _document_values(product, version, fields=fields.get(version_id, []), tags=tags.get(product.pk, []))
            docs.append(SearchDocument(product=product, **_stored(values)))
        with transaction.atomic():
            SearchDocument.objects.filter(pk__in=[p.pk for p in batch]).exclude(pk__in=shown).delete()
            SearchDocument.objects.bulk_create(
                docs,
                update_conflicts=True,
                unique_fields=["product"],
                update_fields=[
                    "name_words", "keywords", "body", "readme", "has_pii", "field_count", "vector", "refreshed_at"
                ],
            )
        done += len(docs)


@dataclass
class _ReadmeOnly:
    contract: dict


# --- Saved searches ---------------------------------------------------------------------


def saved_search_create(*, user, name: str, query: SearchQuery) -> SavedSearch:
    """Save (or overwrite, by name) the user's search."""
    name = (name or "").strip()[:100] or (query.text.strip()[:100] or "All products")
    saved, _ = SavedSearch.objects.update_or_create(
        user=user, name=name, defaults={"query_string": query.with_page(1).querystring()}
    )
    return saved


def saved_search_delete(*, user, pk: int) -> bool:
    """Delete one of the user's saved searches; False if they have none with that id."""
    deleted, _ = SavedSearch.objects.filter(user=user, pk=pk).delete()
    return bool(deleted)


def saved_searches_for(*, user) -> list[SavedSearch]:
    if not getattr(user, "is_authenticated", False):
        return []
    return list(SavedSearch.objects.filter(user=user))
