"""Matching text against the search documents: PostgreSQL full-text search and trigrams,
or LIKE and difflib on SQLite; and the facet filters."""

from __future__ import annotations

import difflib

from django.contrib.postgres.search import SearchQuery as PgSearchQuery
from django.contrib.postgres.search import SearchRank, TrigramSimilarity, TrigramWordSimilarity
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Exists,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Length

from catalog.models import DataProduct, Domain, SearchDocument, Team

from .query import UNCLASSIFIED, ParsedText, Term, normalize

TS_CONFIG = "english"
# PostgreSQL trigram threshold for "is this a typo of a word of the name": 0.4 admits one wrong,
# missing or extra letter in words of five letters and more (similarity("ordrs","orders") = 0.44).
WORD_SIMILARITY_THRESHOLD = 0.4
SEARCH_WORK_MEM = "32MB"
# The search tables are small and read all day, so they stay in memory: a random page read
# costs about what a sequential one does (PostgreSQL's default of 4 assumes a disk). With the
# default a broad word is matched by reading every search document instead of the index.
SEARCH_RANDOM_PAGE_COST = "1.1"
# The last word typed matches as a prefix from this many letters (fewer would match everything).
MIN_PREFIX = 3
# Words shorter than this have too few trigrams to tell a typo from another word.
MIN_TYPO = 4
# SQLite fallback: how many trigram candidates difflib looks at, the ratio that counts as a
# typo, and how many typo matches get their own score.
TYPO_CANDIDATES = 1000
TYPO_RATIO = 0.75
TYPO_SCORED = 50


def _status_expr():
    return F("version_status")


def _pii_expr():
    return F("contains_pii")


def filter_condition(key: str, values: tuple[str, ...]) -> Q | None:
    """The condition of one facet filter (any of `values`) on plain columns of the product row,
    or None when it selects everything (`pii` with both values). Domain and team names become
    ids through a subquery on their small tables, not a join per product."""
    if key == "domain":
        return Q(domain_id__in=Domain.objects.filter(name__in=values).values("id"))
    if key == "team":
        return Q(owning_team_id__in=Team.objects.filter(name__in=values).values("id"))
    if key == "classification":
        return Q(classification__in=["" if v == UNCLASSIFIED else v for v in values])
    if key == "status":
        return Q(version_status__in=values)
    if key == "quality":
        return Q(quality_health__in=values)
    if key == "freshness":
        return Q(freshness_status__in=values)
    if key == "tag":
        return Q(
            Exists(
                DataProduct.tags.through.objects.filter(dataproduct_id=OuterRef("pk"), tag__name__in=values)
            )
        )
    if key == "pii":
        wanted = {v == "yes" for v in values}
        return Q(contains_pii=wanted.pop()) if len(wanted) == 1 else None
    raise ValueError(f"unknown filter {key!r}")


def apply_filters(qs, filters: dict[str, tuple[str, ...]], *, skip: tuple[str, ...] = ()):
    """Narrow a DataProduct queryset by facet filters (values OR within a key, AND across keys)."""
    for key, values in filters.items():
        if key in skip or not values:
            continue
        condition = filter_condition(key, values)
        if condition is not None:
            qs = qs.filter(condition)
    return qs


class _NameRanking:
    """Exact and prefix name matches, the same SQL on both databases."""

    def __init__(self, parsed: ParsedText):
        self.parsed = parsed
        self.words = parsed.words

    def name_match(self, doc: str = "search_document__", product: str = "") -> Q:
        """`doc` and `product` are the paths to the search document and to the product from the
        model queried: DataProduct by default, SearchDocument with `doc=""`, `product="product__"`."""
        cond = Q(**{f"{doc}name_words__contains": self.words}) if self.words else Q(pk__in=[])
        fqn = self._fqn()
        if fqn is not None:
            cond |= Q(**{f"{product}domain__name": fqn[0], f"{doc}name_words__startswith": fqn[1]})
        return cond

    def tier(self, doc: str = "search_document__", product: str = ""):
        """3 for an exact name match, 2 for a name prefix match, else 0 (`doc` and `product`
        as in `name_match`)."""
        exact = Q(**{f"{doc}name_words": self.words})
        fqn = self._fqn()
        if fqn is not None:
            exact |= Q(**{f"{product}domain__name": fqn[0], f"{doc}name_words": fqn[1]})
        return Case(
            When(exact, then=Value(3)),
            When(Q(**{f"{doc}name_words__startswith": self.words}), then=Value(2)),
            default=Value(0),
            output_field=IntegerField(),
        )

    def closeness(self, doc: str = "search_document__"):
        """Among name prefix matches, the shortest name is the closest to what was typed."""
        return Case(
            When(
                Q(**{f"{doc}name_words__startswith": self.words}),
                then=-Length(f"{doc}name_words"),
            ),
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
            # Short words have too few trigrams to tell a typo from another word, and a short
            # last word is more likely still being typed than misspelled.
            typo = word if len(word) >= MIN_TYPO + (1 if prefix else 0) else None
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

    def _typo(self, words: str, doc: str) -> Q:
        return Q(_WordSimilar(Value(words), F(f"{doc}name_words")))

    def condition(self, doc: str = "search_document__", product: str = "") -> Q:
        # All terms in the text (stop words are dropped by to_tsquery, so "the orders" works).
        vector = f"{doc}vector"
        cond = self.name_match(doc, product) | Q(**{vector: self._search_query(self.tsquery)})
        # Every word in the texts or close to a word of the name, and at least one of them by a
        # typo (the rest is the branch above): typos widen the search only by names. Written as
        # one branch per word that may be the typo: that word's typo AND every other word, so
        # each branch is an AND the planner can serve by intersecting the trigram and text
        # indexes, and a typo is tested only on the documents that have the other words.
        units = self.units
        for i, (_, _, typo) in enumerate(units):
            if not typo:
                continue
            branch = Q()
            others = [u for j, u in enumerate(units) if j != i]
            for part, _, fuzzy in sorted(others, key=lambda u: u[2] is not None):
                alternative = Q(**{vector: self._search_query(part)})
                if fuzzy:
                    alternative |= self._typo(fuzzy, doc)
                branch &= alternative
            cond |= branch & self._typo(typo, doc)
        return cond

    def score(self, doc: str = "search_document__"):
        rank = Coalesce(
            SearchRank(F(f"{doc}vector"), self._search_query(self.tsquery), normalization=32),
            Value(0.0),
            output_field=FloatField(),
        )
        # Word similarity rewards the typo; whole-name similarity prefers the closest name overall.
        similarity = Coalesce(
            TrigramWordSimilarity(Value(self.words), F(f"{doc}name_words"))
            + TrigramSimilarity(Value(self.words), F(f"{doc}name_words")) * Value(0.5),
            Value(0.0),
            output_field=FloatField(),
        )
        return rank + similarity

    def score_sql(self, doc: str) -> tuple[str, list]:
        """`score()` as SQL over the search document aliased `doc`, with its parameters (the
        one-statement search builds its SQL without compiling querysets)."""
        return (
            f'(COALESCE(ts_rank({doc}."vector", to_tsquery(%s::regconfig, %s), 32), 0.0)'
            f' + COALESCE(word_similarity(%s, {doc}."name_words") + similarity(%s, {doc}."name_words") * 0.5, 0.0))',
            [TS_CONFIG, self.tsquery, self.words, self.words],
        )


def _name_words_known(base, words: list[str]) -> set[str]:
    """Which of `words` are whole words of a name of a product in `base`, visible products or
    their search documents (one query, each EXISTS served by the trigram index). Through
    `base`, so a hidden product's name never changes how a query is matched."""
    words = sorted(set(words))
    if not words:
        return set()
    path = "name_words" if base.model is SearchDocument else "search_document__name_words"
    selects, params = [], []
    for word in words:
        sub = base.filter(**{f"{path}__regex": rf"(^| ){word}( |$)"}).values("pk")[:1]
        sql, sub_params = sub.query.sql_with_params()
        selects.append(f"EXISTS({sql})")
        params.extend(sub_params)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(selects), params)
        flags = cursor.fetchone()
    return {word for word, flag in zip(words, flags, strict=True) if flag}


def _postgres_settings_set() -> None:
    """Transaction-local settings (product_search runs in atomic(), so a pooled connection keeps
    its defaults): the trigram threshold for typos; no JIT (a search's plans cost enough to
    trigger JIT compilation, which takes longer, hundreds of ms, than the query it compiles);
    and enough work_mem for the facet GROUP BY to hash in memory instead of sorting on disk."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('pg_trgm.word_similarity_threshold', %s, true), set_config('jit', 'off', true),"
            " set_config('work_mem', %s, true), set_config('random_page_cost', %s, true)",
            [str(WORD_SIMILARITY_THRESHOLD), SEARCH_WORK_MEM, SEARCH_RANDOM_PAGE_COST],
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
            windows = {
                " ".join(name_words[i : i + width]) for i in range(max(1, len(name_words) - width + 1))
            }
            best = max(difflib.SequenceMatcher(None, term, w).ratio() for w in windows | {name})
            if best >= TYPO_RATIO:
                # Closer overall (the whole name) breaks ties between equally close words.
                found.setdefault(term, {})[pk] = best + difflib.SequenceMatcher(None, term, name).ratio() / 2
    return found
