"""The platform spec: what `POST /api/v1/platform/products` takes, checked field by field.

The seed's `DataMeshPlatform.create_data_product(spec)` takes name, domain, source_tables,
transformation_sql, schedule (cron) and quality_checks. The portal adds a few optional keys a
real pipeline needs: description, owner_team, columns (with constraints and relationships, the
source of the dbt tests) and freshness_max_age_hours. Every problem names its field.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import sqlglot
from croniter import croniter
from sqlglot import exp
from sqlglot.errors import ParseError

from catalog.contracts.cron import cron_problem
from catalog.contracts.sql import MAX_SQL_LENGTH, PARSE_DIALECT
from catalog.contracts.vocab import SEVERITIES

SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# A source table: `schema.table` (an operational source, a dbt source) or `<domain>/<name>`
# (another data product: an input port of the contract and a dbt source named after its domain).
SOURCE_TABLE = re.compile(r"^(?P<schema>[A-Za-z_][A-Za-z0-9_]*)\.(?P<table>[A-Za-z_][A-Za-z0-9_]*)$")
PRODUCT_SOURCE = re.compile(r"^(?P<domain>[a-z0-9][a-z0-9_-]*)/(?P<table>[A-Za-z_][A-Za-z0-9_]*)$")

KEYS = {
    "name",
    "domain",
    "description",
    "owner_team",
    "source_tables",
    "transformation_sql",
    "schedule",
    "quality_checks",
    "columns",
    "freshness_max_age_hours",
}
REQUIRED = ("name", "domain", "source_tables", "transformation_sql", "schedule")
CHECK_KEYS = {"name", "query", "threshold", "severity", "description"}
COLUMN_KEYS = {"name", "type", "description", "constraints", "is_primary_key", "references"}
MAX_SOURCES = 50
MAX_CHECKS = 100
MAX_COLUMNS = 500
# Airflow and dbt name things by `<domain>_<name>`; keep it within Airflow's 250-character dag_id.
MAX_NAME = 100

_DATA_CHANGING = tuple(
    getattr(exp, n)
    for n in ("Insert", "Update", "Delete", "Merge", "Create", "Drop", "Alter", "Command", "Copy", "Into")
    if hasattr(exp, n)
)


@dataclass(frozen=True)
class Source:
    """One entry of source_tables: `source` and `table` name the dbt source; `written` is how
    the transformation SQL names it (`raw.orders`, or the product's name for a product)."""

    spec: str
    source: str
    table: str
    product: str | None = None  # "<domain>/<name>" for a data product

    @property
    def written(self) -> tuple[str, str]:
        return (self.source.lower(), self.table.lower()) if self.product is None else ("", self.table.lower())


@dataclass
class PlatformSpec:
    name: str
    domain: str
    source_tables: list[Source]
    transformation_sql: str
    schedule: str
    quality_checks: list[dict]
    columns: list[dict]
    description: str = ""
    owner_team: str | None = None
    freshness_max_age_hours: float | None = None

    @property
    def product_id(self) -> str:
        return f"{self.domain}_{self.name}"

    @property
    def ref(self) -> str:
        return f"{self.domain}/{self.name}"


@dataclass
class SpecErrors:
    errors: list[dict] = field(default_factory=list)

    def add(self, path: str, message: str) -> None:
        self.errors.append({"field": path, "message": message})

    def __bool__(self) -> bool:
        return bool(self.errors)


def identity_errors(data) -> list[dict]:
    """Problems with `name` and `domain` alone: checked before authorization, which needs them."""
    errors = SpecErrors()
    if not isinstance(data, dict):
        errors.add("", "the body must be a JSON object (the spec)")
        return errors.errors
    for key, limit in (("name", MAX_NAME), ("domain", 100)):
        value = data.get(key)
        if value is None or value == "":
            errors.add(key, "required")
        elif not isinstance(value, str) or not SLUG.match(value) or len(value) > limit:
            errors.add(
                key,
                f"{value!r} is not a slug: lower-case letters, digits, '-' and '_', at most {limit} characters",
            )
    return errors.errors


def spec_parse(data) -> tuple[PlatformSpec | None, list[dict]]:
    """The spec, or None and every problem (each {"field", "message"})."""
    errors = SpecErrors()
    errors.errors += identity_errors(data)
    if not isinstance(data, dict):
        return None, errors.errors
    for key in sorted(set(data) - KEYS):
        errors.add(key, f"unknown key; the spec takes {', '.join(sorted(KEYS))}")
    for key in REQUIRED[2:]:
        if data.get(key) in (None, "", []):
            errors.add(key, "required")
    sources = sources_parse(data.get("source_tables"), errors)
    sql = data.get("transformation_sql")
    if sql not in (None, "") and not isinstance(sql, str):
        errors.add("transformation_sql", "must be a string (one SELECT statement)")
    elif isinstance(sql, str) and sql.strip() and sources is not None:
        check_transformation(sql, sources, errors)
    schedule = data.get("schedule")
    if schedule not in (None, ""):
        if not isinstance(schedule, str):
            errors.add("schedule", "must be a 5-field cron expression such as '0 2 * * *'")
        elif problem := cron_problem(schedule):
            errors.add("schedule", problem)
    for key in ("description", "owner_team"):
        value = data.get(key)
        if value is not None and not isinstance(value, str):
            errors.add(key, "must be a string")
    if isinstance(data.get("owner_team"), str) and not SLUG.match(data["owner_team"]):
        errors.add("owner_team", f"{data['owner_team']!r} is not a team name (a slug)")
    max_age = data.get("freshness_max_age_hours")
    if max_age is not None and (
        isinstance(max_age, bool) or not isinstance(max_age, int | float) or max_age <= 0
    ):
        errors.add("freshness_max_age_hours", "must be a number of hours > 0")
    checks = _checks(data.get("quality_checks"), errors)
    columns = _columns(data.get("columns"), sources or [], errors)
    if errors:
        return None, errors.errors
    return (
        PlatformSpec(
            name=data["name"],
            domain=data["domain"],
            source_tables=sources,
            transformation_sql=sql.strip().rstrip(";").strip(),
            schedule=schedule,
            quality_checks=checks,
            columns=columns,
            description=(data.get("description") or "").strip(),
            owner_team=data.get("owner_team") or None,
            freshness_max_age_hours=float(max_age) if max_age is not None else None,
        ),
        [],
    )


def sources_parse(value, errors: SpecErrors) -> list[Source] | None:
    if value in (None, "", []):
        return None
    if not isinstance(value, list):
        errors.add("source_tables", "must be a list of 'schema.table' or '<domain>/<product>' strings")
        return None
    if len(value) > MAX_SOURCES:
        errors.add("source_tables", f"at most {MAX_SOURCES} source tables")
        return None
    sources: list[Source] = []
    seen: dict[tuple[str, str], int] = {}
    ok = True
    for i, item in enumerate(value):
        path = f"source_tables[{i}]"
        if not isinstance(item, str):
            errors.add(path, "must be a string: 'schema.table' or '<domain>/<product>'")
            ok = False
            continue
        if m := SOURCE_TABLE.match(item):
            source = Source(spec=item, source=m["schema"], table=m["table"])
        elif m := PRODUCT_SOURCE.match(item):
            source = Source(spec=item, source=m["domain"], table=m["table"], product=item)
        else:
            errors.add(path, f"{item!r} is neither 'schema.table' (e.g. raw.orders) nor '<domain>/<product>'")
            ok = False
            continue
        key = (source.source.lower(), source.table.lower())
        if key in seen:
            errors.add(path, f"{item!r} names the same dbt source table as source_tables[{seen[key]}]")
            ok = False
            continue
        seen[key] = i
        sources.append(source)
    return sources if ok else None


def transformation_tables(sql: str) -> tuple[list[exp.Table], exp.Expression] | str:
    """The tables the transformation reads (CTE names excluded) and its tree, or what is wrong."""
    if len(sql) > MAX_SQL_LENGTH * 5:
        return f"longer than {MAX_SQL_LENGTH * 5} characters"
    try:
        statements = [s for s in sqlglot.parse(sql, read=PARSE_DIALECT) if s is not None]
    except ParseError as exc:
        first = exc.errors[0] if exc.errors else {}
        where = f" (line {first['line']}, column {first['col']})" if first.get("line") else ""
        return f"SQL syntax error: {first.get('description') or str(exc).splitlines()[0]}{where}"
    except Exception as exc:  # TokenError, RecursionError
        return f"SQL syntax error: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
    if len(statements) != 1:
        return f"must be exactly one statement, found {len(statements)}"
    root = statements[0]
    if not isinstance(root, exp.Select | exp.Union | exp.Intersect | exp.Except):
        return f"must be a SELECT (dbt materializes it), not {root.key.upper()}"
    nodes = list(root.walk())
    for node in nodes:
        if isinstance(node, _DATA_CHANGING):
            return f"must only read: it contains {node.key.upper()}"
    ctes = {c.alias_or_name.lower() for c in nodes if isinstance(c, exp.CTE)}
    tables = [
        n
        for n in nodes
        if isinstance(n, exp.Table)
        and not (not n.args.get("db") and n.name.lower() in ctes)
        and isinstance(n.this, exp.Identifier)
    ]
    for n in nodes:
        if isinstance(n, exp.Table) and not isinstance(n.this, exp.Identifier):
            return "reads from a table function or file; read only the declared source_tables"
    return tables, root


def check_transformation(sql: str, sources: list[Source], errors: SpecErrors) -> None:
    found = transformation_tables(sql)
    if isinstance(found, str):
        errors.add("transformation_sql", found)
        return
    tables, _root = found
    declared = {s.written for s in sources}
    for table in tables:
        key = (table.db.lower(), table.name.lower())
        if table.args.get("catalog") or key not in declared:
            errors.add(
                "transformation_sql",
                f"reads '{table.sql(dialect=PARSE_DIALECT)}', which is not among source_tables "
                f"({', '.join(s.spec for s in sources)}); a product source is read by its name",
            )
    used = {(t.db.lower(), t.name.lower()) for t in tables}
    for i, source in enumerate(sources):
        if source.written not in used:
            errors.add(f"source_tables[{i}]", f"{source.spec!r} is not read by transformation_sql")


def _checks(value, errors: SpecErrors) -> list[dict]:
    if value in (None, []):
        return []
    if not isinstance(value, list):
        errors.add("quality_checks", "must be a list of {name, query, threshold, severity, description}")
        return []
    if len(value) > MAX_CHECKS:
        errors.add("quality_checks", f"at most {MAX_CHECKS} checks")
        return []
    checks, names = [], set()
    for i, item in enumerate(value):
        path = f"quality_checks[{i}]"
        if not isinstance(item, dict):
            errors.add(path, "must be an object {name, query, threshold, severity, description}")
            continue
        for key in sorted(set(item) - CHECK_KEYS):
            errors.add(f"{path}.{key}", f"unknown key; a check takes {', '.join(sorted(CHECK_KEYS))}")
        name, query = item.get("name"), item.get("query")
        if not isinstance(name, str) or not IDENTIFIER.match(name) or len(name) > 200:
            errors.add(f"{path}.name", "required: letters, digits and '_' (it names a dbt test file)")
        elif name.lower() in names:
            errors.add(f"{path}.name", f"'{name}' is used by an earlier check")
        else:
            names.add(name.lower())
        if not isinstance(query, str) or not query.strip():
            errors.add(f"{path}.query", "required: a SELECT that counts the bad rows")
        threshold = item.get("threshold", 0)
        if isinstance(threshold, bool) or not isinstance(threshold, int | float) or threshold < 0:
            errors.add(f"{path}.threshold", "must be a number >= 0")
        severity = item.get("severity", "critical")
        if severity not in SEVERITIES:
            errors.add(f"{path}.severity", f"must be one of {', '.join(SEVERITIES)}")
        if item.get("description") is not None and not isinstance(item["description"], str):
            errors.add(f"{path}.description", "must be a string")
        checks.append(
            {k: item[k] for k in ("name", "query", "threshold", "severity", "description") if k in item}
        )
    return checks


def _columns(value, sources: list[Source], errors: SpecErrors) -> list[dict]:
    if value in (None, []):
        return []
    if not isinstance(value, list) or len(value) > MAX_COLUMNS:
        errors.add("columns", f"must be a list of at most {MAX_COLUMNS} column objects")
        return []
    columns = []
    for i, item in enumerate(value):
        path = f"columns[{i}]"
        if not isinstance(item, dict):
            errors.add(
                path, "must be an object {name, type, description, constraints, is_primary_key, references}"
            )
            continue
        for key in sorted(set(item) - COLUMN_KEYS):
            errors.add(f"{path}.{key}", f"unknown key; a column takes {', '.join(sorted(COLUMN_KEYS))}")
        references = item.get("references")
        if references is not None:
            target = _reference(references, sources)
            if isinstance(target, str):
                errors.add(f"{path}.references", target)
        columns.append(dict(item))
    return columns


def _reference(value, sources: list[Source]) -> tuple[Source, str] | str:
    """`references: <source table>.<column>`, e.g. raw.customers.id or sales/customers.id."""
    usage = "write '<source table>.<column>' naming one of source_tables, e.g. raw.customers.id"
    if not isinstance(value, str) or "." not in value:
        return usage
    table, _, column = value.rpartition(".")
    if not IDENTIFIER.match(column):
        return f"{column!r} is not a column name; {usage}"
    for source in sources:
        if source.spec == table:
            return source, column
    return f"{table!r} is not among source_tables; {usage}"


def column_reference(column: dict, sources: list[Source]) -> tuple[Source, str] | None:
    """The (source, column) a validated column references, if any."""
    if not column.get("references"):
        return None
    found = _reference(column["references"], sources)
    return None if isinstance(found, str) else found


def default_max_age_hours(schedule: str) -> float:
    """The longest gap between two runs of `schedule` over a sample week, plus two hours of slack:
    a daily 02:00 job gives 26 hours, the seed's freshness alert for its daily product."""
    base = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    runs = croniter(schedule, base)
    times = [runs.get_next(dt.datetime) for _ in range(50)]
    gap = max((b - a).total_seconds() for a, b in zip(times, times[1:], strict=False))
    return round(gap / 3600 + 2, 2)
