"""ODCS / DCS quality rules as the portal's constraints and SQL quality checks.

A portal quality check is a SELECT returning one value that passes when the value is <= its
threshold (>= 0). A rule translates when it is one of:

- a library metric (`nullValues`, `missingValues`, `invalidValues`, `duplicateValues`,
  `rowCount`): on a property with "must be 0" it becomes a constraint (`not_null`, `unique`,
  `in`, `pattern`); otherwise generated SQL;
- a `sql` rule: its query with the placeholders (`{object}`, `${table}`, `{property}`, ...)
  filled in. The SQL is vetted like any contract SQL (one read-only SELECT over declared tables).

The operator becomes the threshold when it says "value <= t" (also `< t` and `= 0` on a COUNT,
whose value is a whole number >= 0); any other operator wraps the query in
`SELECT CASE WHEN (<query>) <op> <value> THEN 0 ELSE 1 END` with threshold 0, a pass/fail check.
`mustBeBetween` is inclusive. Text and custom (Soda, Great Expectations, ...) rules cannot run
here: they become notes, as does a library metric or operator the portal does not know.
"""

from ..vocab import SEVERITIES
from .common import (
    OPERATORS,
    Translation,
    describe_operator,
    fill_placeholders,
    is_count_query,
    quote_ident,
    sql_literal,
)

METRICS = ("nullValues", "missingValues", "invalidValues", "duplicateValues", "rowCount")
# ODCS v3.0 named library rules with `rule:` (deprecated in v3.1 for `metric:`).
V30_RULES = {"nullCheck": "nullValues", "duplicateCount": "duplicateValues", "validValues": "invalidValues"}
_ZERO_CONSTRAINT = {"nullValues": "not_null", "duplicateValues": "unique"}


def _operator(rule: dict, src, t: Translation) -> tuple[str, object] | None:
    found = [(key, rule[key]) for key in OPERATORS if key in rule]
    if len(found) != 1:
        what = "no operator" if not found else f"{len(found)} operators"
        t.note(src, f"quality rule with {what} (mustBe, mustBeLessThan, ...) was not imported")
        return None
    key, value = found[0]
    op = OPERATORS[key]
    if op in ("between", "not between"):
        if not (isinstance(value, list) and len(value) == 2 and all(_is_number(v) for v in value)):
            t.note(src + (key,), f"{key} needs two numbers; the quality rule was not imported")
            return None
    elif value is None or isinstance(value, (list, dict)):
        t.note(src + (key,), f"{key} needs a single value; the quality rule was not imported")
        return None
    return op, value


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_zero_bound(op: str, value) -> bool:
    """The operator means "the count is 0"."""
    return _is_number(value) and ((op in ("=", "<=") and value == 0) or (op == "<" and value == 1))


def _threshold_check(query: str, op: str, value, *, count: bool) -> tuple[str, float, str | None]:
    """(query, threshold, how) for a portal check equivalent to `query's value <op> value`."""
    if op == "<=" and _is_number(value) and value >= 0:
        return query, value, None
    if count and op == "<" and isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return query, value - 1, None
    if count and op == "=" and _is_number(value) and value == 0:
        return query, 0, None
    inner = query.strip().rstrip(";").strip()
    if op in ("between", "not between"):
        low, high = value
        test = f"{op.upper()} {sql_literal(low)} AND {sql_literal(high)}"
    else:
        test = f"{op} {sql_literal(value)}"
    wrapped = f"SELECT CASE WHEN (\n{inner}\n) {test} THEN 0 ELSE 1 END"
    return wrapped, 0, f"must be {describe_operator(op, value)}; 1 when it is not"


def _metric_query(metric: str, rule: dict, table: str, column: str | None, percent: bool, src, t):
    """The SQL of a library metric (None, with a note, when it cannot be built)."""
    relation = quote_ident(table)
    col = quote_ident(column) if column else None
    args = rule.get("arguments") if isinstance(rule.get("arguments"), dict) else {}
    if metric == "rowCount":
        if percent:
            t.note(src, "rowCount in percent has no meaning; the quality rule was not imported")
            return None
        return f"SELECT COUNT(*) FROM {relation}"
    if metric == "duplicateValues":
        props = args.get("properties")
        if column is None and isinstance(props, list) and props and all(isinstance(p, str) for p in props):
            keys = ", ".join(quote_ident(p) for p in props)
            duplicates = f"SELECT COUNT(*) AS n FROM {relation} GROUP BY {keys} HAVING COUNT(*) > 1"
            total = "COALESCE(SUM(n - 1), 0)"
            if percent:
                return (
                    f"SELECT 100.0 * {total} / NULLIF((SELECT COUNT(*) FROM {relation}), 0) "
                    f"FROM ({duplicates}) duplicates"
                )
            return f"SELECT {total} FROM ({duplicates}) duplicates"
        if col is None:
            t.note(
                src,
                "duplicateValues on a table needs arguments.properties; the quality rule was not imported",
            )
            return None
        expression = f"COUNT({col}) - COUNT(DISTINCT {col})"
        if percent:
            return f"SELECT 100.0 * ({expression}) / NULLIF(COUNT(*), 0) FROM {relation}"
        return f"SELECT {expression} FROM {relation}"
    if col is None:
        t.note(src, f"{metric} applies to a property, not a table; the quality rule was not imported")
        return None
    if metric == "nullValues":
        condition = f"{col} IS NULL"
    elif metric == "missingValues":
        missing = args.get("missingValues")
        values = [v for v in missing if v is not None] if isinstance(missing, list) else []
        condition = f"{col} IS NULL"
        if values:
            condition += f" OR CAST({col} AS TEXT) IN ({', '.join(sql_literal(str(v)) for v in values)})"
    else:  # invalidValues
        valid = args.get("validValues")
        pattern = args.get("pattern")
        parts = []
        if isinstance(valid, list) and [v for v in valid if v is not None]:
            listed = ", ".join(sql_literal(v) for v in valid if v is not None)
            parts.append(f"{col} NOT IN ({listed})")
        if isinstance(pattern, str) and pattern:
            # `~` is a search in both DuckDB and PostgreSQL: anchored, it matches the whole value.
            parts.append(f"NOT (CAST({col} AS TEXT) ~ {sql_literal('^(?:' + pattern + ')$')})")
        if not parts:
            t.note(src, "invalidValues needs arguments.validValues or arguments.pattern; not imported")
            return None
        condition = f"{col} IS NOT NULL AND ({' OR '.join(parts)})"
    if percent:
        return f"SELECT 100.0 * COUNT(*) FILTER (WHERE {condition}) / NULLIF(COUNT(*), 0) FROM {relation}"
    return f"SELECT COUNT(*) FROM {relation} WHERE {condition}"


def translate_rule(
    rule, src, *, table: str | None, column: str | None, constraints: list, t: Translation, standard: str
) -> dict | None:
    """A portal quality check for `rule`, or None. A rule that becomes a constraint of the
    column is appended to `constraints` (seed-format items); one that cannot is noted."""
    if not isinstance(rule, dict):
        t.note(src, "a quality rule must be a mapping; not imported")
        return None
    kind = rule.get("type") or ("library" if ("metric" in rule or "rule" in rule) else None)
    label = rule.get("name") or rule.get("id") or rule.get("description")
    shown = f" '{label}'" if isinstance(label, str) and len(label) <= 80 else ""
    if kind == "text":
        t.note(src, f"text quality rule{shown} is a description for people, not a check; kept as a note")
        return None
    if kind == "custom":
        engine = rule.get("engine") or "an unnamed engine"
        t.note(src, f"custom quality rule{shown} for {engine} cannot run in the portal; not imported")
        return None
    if kind not in ("library", "sql"):
        t.note(
            src,
            f"quality rule{shown} of type {kind!r} is not one of text, library, sql, custom; not imported",
        )
        return None
    if table is None:
        t.note(src, f"quality rule{shown} has no table to run on; not imported")
        return None
    percent = str(rule.get("unit") or "").lower() in ("percent", "%")
    op_value = _operator(rule, src, t)
    if op_value is None:
        return None
    op, value = op_value

    if kind == "library":
        metric = rule.get("metric") or rule.get("rule")
        if not isinstance(metric, str):
            t.note(src, f"a library rule names its metric (one of {', '.join(METRICS)}); not imported")
            return None
        if metric in V30_RULES:
            if metric == "validValues" and "arguments" not in rule:
                rule = {**rule, "arguments": {"validValues": rule.get("validValues")}}
            metric = V30_RULES[metric]
        if metric not in METRICS:
            t.note(src, f"unknown library metric {metric!r} (known: {', '.join(METRICS)}); not imported")
            return None
        if column is not None and not percent and _is_zero_bound(op, value):
            added = _as_constraints(metric, rule, constraints)
            if added is not None:
                return None
        query = _metric_query(metric, rule, table, column, percent, src, t)
        if query is None:
            return None
        count = not percent
        name = f"{column or table}_{metric}"
    else:
        query = rule.get("query")
        if not isinstance(query, str) or not query.strip():
            t.note(src, f"sql quality rule{shown} has no query; not imported")
            return None
        query = fill_placeholders(query, table, column)
        count = is_count_query(query)
        name = f"{column or table}_sql"

    query, threshold, how = _threshold_check(query, op, value, count=count)
    check: dict = {"name": rule.get("name") or rule.get("id") or name, "query": query, "threshold": threshold}
    if kind == "sql":
        check["_query_is_written"] = True  # the rule's own query (maybe wrapped): problems point at it
    severity = rule.get("severity")
    if isinstance(severity, str) and severity.lower() in SEVERITIES:
        check["severity"] = severity.lower()
    elif severity is not None:
        t.note(
            src + ("severity",),
            f"severity {severity!r} is not one of {', '.join(SEVERITIES)}; the check is critical",
        )
    description = rule.get("description") if isinstance(rule.get("description"), str) else None
    if how:
        description = f"{description} ({standard}: {how})" if description else f"{standard}: {how}"
    if description:
        check["description"] = description
    if rule.get("schedule"):
        t.note(
            src + ("schedule",),
            "a per-rule schedule is not kept: the product's checks run on its own schedule",
        )
    return check


def _as_constraints(metric: str, rule: dict, constraints: list) -> list | None:
    """Add the constraint(s) equivalent to "metric is 0" to `constraints`; None if there is none."""
    present = {c if isinstance(c, str) else next(iter(c)) for c in constraints}
    added = []
    if metric in _ZERO_CONSTRAINT:
        added.append(_ZERO_CONSTRAINT[metric])
    elif metric == "invalidValues":
        args = rule.get("arguments") if isinstance(rule.get("arguments"), dict) else {}
        valid = args.get("validValues")
        pattern = args.get("pattern")
        listed = [v for v in valid if v is not None] if isinstance(valid, list) else []
        if valid is not None and not (listed and all(isinstance(v, (str, int, float, bool)) for v in listed)):
            return None
        if pattern is not None and not isinstance(pattern, str):
            return None
        if listed:
            added.append({"in": listed})
        if pattern:
            added.append({"pattern": pattern})
        if not added:
            return None
    else:
        return None
    for item in added:
        key = item if isinstance(item, str) else next(iter(item))
        if key not in present:
            constraints.append(item)
    return added
