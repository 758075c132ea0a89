"""Running a product version's checks: one trusted scan, the schema, then the contract's SQL.

`run_checks(product=..., contract=..., now=...)` returns a `RunReport` and writes nothing; the
service (governance.checks.service) stores it. The order of work:

1. the *trusted scan*: one generated aggregate query over the product's own data, natively
   (DuckDB read_parquet/read_csv with hive partitioning, or PostgreSQL as the source's own user
   in a read-only transaction) - every constraint, the null counts behind completeness, the
   freshness maximum, and (with metrics) row count, null %, distinct counts, min/max/avg and top
   values, all in ONE pass;
2. the schema found (DESCRIBE / information_schema) against the contract's fields;
3. the contract's SQL checks and SQL metrics, each re-checked by the parser. Checks of the
   simple form `SELECT COUNT(*) FROM own [WHERE cond]` ride in the scan of step 1 as
   `COUNT(*) FILTER (WHERE cond)` (same semantics, one pass); the rest run in the sandbox
   (governance.checks.sandbox), where simple counts on one table share one query; if a combined
   query fails, each check runs alone.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp

from catalog.contracts.sql import PARSE_DIALECT, analyze_select

from .access import team_may_read
from .ir import Check, Plan, checks_of
from .sandbox import (
    DuckDBSandbox,
    PostgresSandbox,
    SandboxError,
    TrustedDuckDB,
    ensure_reader_role,
    guard,
    postgres_sql,
    reader_role_name,
    timeout_seconds,
)
from .storage import (
    DataUnavailable,
    TableSource,
    arrow_data,
    duckdb_type,
    field_kind,
    native_relation,
    quote_ident,
    source_of,
    sql_str,
)

logger = logging.getLogger(__name__)

TOP_VALUES_MAX_DISTINCT = 20  # top values are reported for text columns with at most this many values
TOP_K = 5


@dataclass
class CheckOutcome:
    check: Check
    passed: bool
    count: float | None
    message: str = ""

    def as_dict(self) -> dict:
        c = self.check
        return {
            "name": c.name,
            "kind": "constraint" if c.kind == "constraint" else c.kind,
            "column": c.column or "",
            "passed": self.passed,
            "count": self.count,
            "threshold": c.threshold,
            "severity": c.severity,
            "message": self.message,
        }


@dataclass
class MetricOutcome:
    name: str
    column: str = ""
    value: float | None = None
    detail: object = None


@dataclass
class RunReport:
    outcomes: list[CheckOutcome] = field(default_factory=list)
    metrics: list[MetricOutcome] = field(default_factory=list)
    error: str = ""
    engine: str = ""

    @property
    def passed(self) -> bool:
        return not self.error and all(o.passed for o in self.outcomes)

    @property
    def critical_failed(self) -> bool:
        return bool(self.error) or any(not o.passed and o.check.severity == "critical" for o in self.outcomes)

    def as_seed_result(self) -> dict:
        return {
            "passed": self.passed,
            "checks": [
                {
                    "name": o.check.name,
                    "passed": o.passed,
                    "count": o.count,
                    "threshold": o.check.threshold,
                    "severity": o.check.severity,
                }
                for o in self.outcomes
            ],
        }


# --- SQL generation for the trusted scan --------------------------------------------------------


def _literal(value) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return repr(value)
    return sql_str(str(value))


def _violation(check: Check, col: str, dialect: str) -> str:
    kind, value = check.constraint, check.value
    if kind == "not_null":
        return f"{col} IS NULL"
    if kind == "min":
        return f"{col} < {_literal(value)}"
    if kind == "max":
        return f"{col} > {_literal(value)}"
    if kind == "in":
        return f"{col} NOT IN ({', '.join(_literal(v) for v in value or [])})"
    if kind == "pattern":
        if dialect == "postgres":
            return f"NOT (CAST({col} AS TEXT) ~ {sql_str('^(?:' + str(value) + ')$')})"
        return f"NOT regexp_full_match(CAST({col} AS VARCHAR), {sql_str(str(value))})"
    length = (
        f"char_length(CAST({col} AS TEXT))" if dialect == "postgres" else f"length(CAST({col} AS VARCHAR))"
    )
    if kind == "min_length":
        return f"{length} < {int(value)}"
    if kind == "max_length":
        return f"{length} > {int(value)}"
    raise ValueError(kind)


def scan_items(plan: Plan, present: set[str], *, dialect: str, metrics: bool) -> list[tuple[tuple, str]]:
    """(key, SQL aggregate) pairs of the trusted scan; columns missing from the data are left out."""
    items: list[tuple[tuple, str]] = [(("rows",), "COUNT(*)")]
    for f in plan.fields:
        if f["name"] in present:
            items.append((("nulls", f["name"]), f"COUNT(*) - COUNT({quote_ident(f['name'])})"))
    for check in plan.checks:
        if check.kind != "constraint" or check.column not in present or check.constraint == "not_null":
            continue
        col = quote_ident(check.column)
        if check.constraint == "unique":
            expr = f"COUNT({col}) - COUNT(DISTINCT {col})"
        else:
            expr = f"COUNT(*) FILTER (WHERE {_violation(check, col, dialect)})"
        items.append((("check", check.name), expr))
    if plan.freshness_field and plan.freshness_field in present:
        items.append((("freshness",), f"MAX({quote_ident(plan.freshness_field)})"))
    if metrics:
        for f in plan.fields:
            name = f["name"]
            if name not in present:
                continue
            col, kind = quote_ident(name), field_kind(f.get("type") or "")
            if kind != "nested":
                distinct = (
                    f"approx_count_distinct({col})" if dialect == "duckdb" else f"COUNT(DISTINCT {col})"
                )
                items.append((("distinct", name), distinct))
            if kind == "numeric":
                items += [
                    (
                        ("min", name),
                        f"CAST(MIN({col}) AS DOUBLE PRECISION)"
                        if dialect == "postgres"
                        else f"CAST(MIN({col}) AS DOUBLE)",
                    ),
                    (
                        ("max", name),
                        f"CAST(MAX({col}) AS DOUBLE PRECISION)"
                        if dialect == "postgres"
                        else f"CAST(MAX({col}) AS DOUBLE)",
                    ),
                    (
                        ("avg", name),
                        f"CAST(AVG({col}) AS DOUBLE PRECISION)"
                        if dialect == "postgres"
                        else f"CAST(AVG({col}) AS DOUBLE)",
                    ),
                ]
    return items


def _scan_sql(items, relation: str) -> str:
    return "SELECT " + ", ".join(expr for _, expr in items) + f" FROM {relation}"


# --- the engines: how each reads the product's own data ----------------------------------------


class _DuckDBEngine:
    name = "duckdb"
    dialect = "duckdb"

    def __init__(self, own: TableSource):
        self.own = own
        if own.kind == "duckdb":
            self.trusted = TrustedDuckDB(attach={"wh_" + own.source: own.duckdb_file})
        elif own.is_folder:
            self.trusted = TrustedDuckDB(directories=[own.path])
        else:
            self.trusted = TrustedDuckDB(paths=[own.path])
        self.relation = native_relation(own)

    def columns(self) -> list[tuple[str, str]]:
        rows, _ = self.trusted.rows(f"DESCRIBE SELECT * FROM {self.relation}", limit=100_000)
        return [(r[0], r[1]) for r in rows]

    def scan(self, items, *, alias: str | None = None) -> list:
        relation = f"{self.relation} AS {quote_ident(alias)}" if alias else self.relation
        rows, _ = self.trusted.rows(_scan_sql(items, relation))
        return list(rows[0])

    def close(self):
        self.trusted.close()


_PG_TYPES = {
    "text": "VARCHAR",
    "character varying": "VARCHAR",
    "character": "VARCHAR",
    "integer": "INTEGER",
    "smallint": "SMALLINT",
    "bigint": "BIGINT",
    "double precision": "DOUBLE",
    "real": "FLOAT",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "timestamp without time zone": "TIMESTAMP",
    "timestamp with time zone": "TIMESTAMP WITH TIME ZONE",
}


class _PostgresEngine:
    name = "postgresql"
    dialect = "postgres"

    def __init__(self, own: TableSource):
        self.own = own
        self.trusted = PostgresSandbox(url=own.url, role=None)
        self.relation = f"{quote_ident(own.db_schema)}.{quote_ident(own.table)}"

    def columns(self) -> list[tuple[str, str]]:
        rows, _ = self.trusted.rows(
            "SELECT column_name, data_type, numeric_precision, numeric_scale FROM information_schema.columns "
            "WHERE table_schema = %s AND table_name = %s ORDER BY ordinal_position",
            limit=100_000,
            params=[self.own.db_schema, self.own.table],
        )
        out = []
        for name, data_type, precision, scale in rows:
            kind = (
                f"DECIMAL({precision},{scale})"
                if data_type == "numeric"
                else _PG_TYPES.get(data_type, data_type)
            )
            out.append((name, kind))
        if not out:
            raise DataUnavailable(
                f"table {self.own.db_schema}.{self.own.table} does not exist in {self.own.source}"
            )
        return out

    def scan(self, items, *, alias: str | None = None) -> list:
        relation = f"{self.relation} AS {quote_ident(alias)}" if alias else self.relation
        rows, _ = self.trusted.rows(_scan_sql(items, relation))
        return list(rows[0])

    def close(self):
        pass


def _norm_type(text: str) -> str:
    return text.replace(" ", "").replace('"', "").upper()


# --- the run ------------------------------------------------------------------------------------------


def _resolve_inputs(product, contract) -> tuple[dict[str, TableSource], dict[str, str]]:
    """The input ports the owning team may read, and why each other one is unavailable."""
    from catalog.models import DataProduct

    available: dict[str, TableSource] = {}
    unavailable: dict[str, str] = {}
    for port in contract.get("input_ports") or ():
        table, ref = port["table"], port["product"]
        domain, _, name = ref.partition("/")
        upstream = (
            DataProduct.objects.select_related("current_version", "domain")
            .filter(domain__name=domain, name=name)
            .first()
        )
        if upstream is None or upstream.current_version is None:
            unavailable[table.lower()] = f"input port {ref} has no published version in the catalog"
            continue
        if product is not None and not team_may_read(product.owning_team, upstream):
            unavailable[table.lower()] = f"the team {product.owning_team.name} may not read {ref}"
            continue
        try:
            available[table] = source_of(upstream.current_version.contract, name=table)
        except DataUnavailable as exc:
            unavailable[table.lower()] = f"input port {ref}: {exc}"
    return available, unavailable


def _own_location_conflict(product, own: TableSource) -> str | None:
    """A product may not point its location at another product's files.

    Only the other products' location strings are read (not their whole contracts), and only
    those lexically overlapping ours are resolved on disk: every run makes this check, and with
    10,000 products loading every contract made it the largest cost of a run."""
    if product is None or own.kind != "files":
        return None
    import os
    from pathlib import Path

    from django.conf import settings
    from django.db.models.fields.json import KeyTextTransform, KeyTransform

    from catalog.models import DataProduct

    from .storage import path_within, storage_path

    roots = sorted(
        ((prefix, str(Path(folder).resolve())) for prefix, folder in settings.MESH_STORAGE_MAP.items()),
        key=lambda item: -len(item[0]),
    )
    mine = os.path.normpath(str(own.path))

    def lexical(location: str) -> str:
        for prefix, root in roots:
            if location.startswith(prefix):
                rest = location[len(prefix) :].strip("/")
                if "//" not in rest and "/." not in "/" + rest:  # already normal: no need for normpath
                    return f"{root}/{rest}" if rest else root
                return os.path.normpath(os.path.join(root, rest))
        return os.path.normpath(location[len("file://") :] if location.startswith("file://") else location)

    def overlaps(a: str, b: str) -> bool:
        return a == b or a.startswith(b.rstrip("/") + "/") or b.startswith(a.rstrip("/") + "/")

    others = (
        DataProduct.objects.exclude(pk=product.pk)
        .filter(current_version__isnull=False)
        .annotate(location=KeyTextTransform("location", KeyTransform("schema", "current_version__contract")))
        .values_list("pk", "location")
    )
    for pk, location in others.iterator(chunk_size=5000):
        if not location or location.startswith("postgresql://") or not overlaps(mine, lexical(location)):
            continue
        try:
            if path_within(own.path, storage_path(location)):
                other = DataProduct.objects.select_related("domain").get(pk=pk)
                return f"its location overlaps the data of {other.ref}; a product reads only its own files"
        except DataUnavailable:
            continue
    return None


def run_checks(
    *,
    contract: dict,
    product=None,
    now: dt.datetime | None = None,
    metrics: bool = True,
    timeout: float | None = None,
    input_sources: dict[str, TableSource] | None = None,
) -> RunReport:
    """Measure every check of `contract` (and its metrics) on the product's data.

    `input_sources` (table name -> TableSource) replaces the catalog lookup of the input ports
    and the team_may_read decision: for the benchmark and tests that have no catalog."""
    now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    if now.tzinfo is not None:
        now = now.astimezone(dt.UTC).replace(tzinfo=None)
    plan = checks_of(contract)
    report = RunReport()
    try:
        own = source_of(contract)
        conflict = _own_location_conflict(product, own)
        if conflict:
            raise DataUnavailable(conflict)
    except DataUnavailable as exc:
        report.error = str(exc)
        report.outcomes = [CheckOutcome(c, False, None, f"not measured: {exc}") for c in plan.checks]
        return report
    engine = _PostgresEngine(own) if own.kind == "postgresql" else _DuckDBEngine(own)
    report.engine = engine.name
    try:
        _run_with(
            engine,
            plan,
            report,
            own=own,
            product=product,
            contract=contract,
            now=now,
            metrics=metrics,
            timeout=timeout,
            input_sources=input_sources,
        )
    except (SandboxError, DataUnavailable) as exc:
        report.error = str(exc)
        measured = {o.check.name for o in report.outcomes}
        report.outcomes += [
            CheckOutcome(c, False, None, f"not measured: {exc}")
            for c in plan.checks
            if c.name not in measured
        ]
        report.outcomes.sort(key=lambda o: plan.checks.index(o.check))
    finally:
        engine.close()
    return report


def _run_with(
    engine, plan: Plan, report: RunReport, *, own, product, contract, now, metrics, timeout, input_sources
) -> None:
    found = engine.columns()
    present = {name for name, _ in found}
    by_check: dict[str, CheckOutcome] = {}
    items = scan_items(plan, present, dialect=engine.dialect, metrics=metrics)
    # COUNT(DISTINCT) of a key column holds every value in memory: beside the metrics' sketches
    # it outgrows MESH_CHECK_MEMORY_LIMIT at 10M rows (no spilling here). So with metrics on
    # DuckDB each uniqueness count takes its own native scan, which reads just that column;
    # without metrics it rides in the one native scan, as a hand-written query would.
    unique_items = []
    if engine.name == "duckdb" and metrics:
        unique_items = [item for item in items if item[1].startswith("COUNT(") and "DISTINCT" in item[1]]
        items = [item for item in items if item not in unique_items]
    keys = [key for key, _ in items]

    sql_items = [c for c in plan.checks if c.kind == "sql"] + (plan.sql_metrics if metrics else [])
    sql_results: list[tuple] = []
    guarded: list[tuple] = []
    allowed: dict[str, TableSource] = {own.name: own}
    if sql_items:
        if input_sources is not None:
            inputs, unavailable = dict(input_sources), {}
        else:
            inputs, unavailable = _resolve_inputs(product, contract)
        allowed.update(inputs)
        guarded, refused = _guard_all(allowed, unavailable, sql_items)
        sql_results += refused

    box = None
    values = None
    try:
        if engine.name == "duckdb" and guarded:
            # Simple count checks on the product's own table (`SELECT COUNT(*) FROM own WHERE
            # cond`, vetted: no subquery, no other table) ride in the native scan: one pass over
            # the data. That connection reads only this product's files and is locked too.
            own_key = own.name.lower()
            riders = [
                (item, fold[2])
                for item, sql, _ in guarded
                if isinstance(item, Check)
                and (fold := _foldable(sql))
                and fold[0].lower() == own_key
                and (fold[1] is None or fold[1].lower() == own_key)
            ]
            if riders:
                combined = items + [
                    (("sql", item.name), f"COUNT(*) FILTER (WHERE {cond})" if cond else "COUNT(*)")
                    for item, cond in riders
                ]
                try:
                    row = engine.scan(combined, alias=own.name)
                    values = dict(zip([key for key, _ in combined], row, strict=True))
                except SandboxError:
                    values = None  # a rider's condition failed: scan alone, run each check alone
                if values is not None:
                    done = {item.name for item, _ in riders}
                    sql_results += [
                        (
                            item,
                            None if values[("sql", item.name)] is None else float(values[("sql", item.name)]),
                            "",
                        )
                        for item, _ in riders
                    ]
                    guarded = [g for g in guarded if g[0].name not in done or not isinstance(g[0], Check)]
        # 1. the native scan (unless it already ran with the riders)
        if values is None:
            values = dict(zip(keys, engine.scan(items), strict=True))
        for key, expr in unique_items:
            values[key] = engine.scan([(key, expr)])[0]
        if metrics and engine.name == "duckdb":
            # Top values only of the text columns the scan found to have few values: a second,
            # narrow scan (columnar, so it reads just those columns) with exact counts.
            low = [
                f["name"]
                for f in plan.fields
                if f["name"] in present
                and field_kind(f.get("type") or "") == "text"
                and (values.get(("distinct", f["name"])) or TOP_VALUES_MAX_DISTINCT + 1)
                <= TOP_VALUES_MAX_DISTINCT
            ]
            if low:
                tops = [(("top", name), f"histogram({quote_ident(name)})") for name in low]
                values.update(zip([k for k, _ in tops], engine.scan(tops), strict=True))
        # 3. the rest of the contract's SQL. On DuckDB the scans are done: their connection is
        # closed first, so its memory (and its database) is gone before the sandbox opens its own.
        if guarded:
            needed = {t.lower() for _, _, tables in guarded for t in tables}
            if engine.name == "postgresql":
                sql_results += _run_postgres(own, allowed, needed, guarded, product, timeout)
            else:
                engine.close()
                try:
                    box = DuckDBSandbox(
                        {name: arrow_data(src) for name, src in allowed.items() if name.lower() in needed},
                        timeout=timeout,
                    )
                except DataUnavailable as exc:
                    sql_results += [(item, None, f"not run: {exc}") for item, _, _ in guarded]
                else:
                    sql_results += _run_in_box(box, guarded)
        _measure(plan, report, by_check, values, present, found, own, contract, now, metrics)
    finally:
        if box is not None:
            box.close()
    for check, outcome in _sql_outcomes(sql_results, report):
        by_check[check.name] = outcome
    report.outcomes = [by_check[c.name] for c in plan.checks if c.name in by_check]


def _measure(plan, report, by_check, values, present, found, own, contract, now, metrics) -> None:
    """Turn the scan's numbers and the schema found into outcomes and metrics."""
    rows = int(values[("rows",)] or 0)
    for check in plan.checks:
        if check.kind == "constraint":
            if check.column not in present:
                by_check[check.name] = CheckOutcome(
                    check, False, None, f"column {check.column} is missing from the data"
                )
                continue
            key = ("nulls", check.column) if check.constraint == "not_null" else ("check", check.name)
            count = float(values[key] or 0)
            by_check[check.name] = CheckOutcome(
                check, check.passes(count), count, _constraint_message(check, count)
            )
        elif check.kind == "completeness":
            percent, message = completeness(plan.fields, values, present, rows)
            passed = percent is not None and check.passes(percent)
            by_check[check.name] = CheckOutcome(check, passed, percent, message)
        elif check.kind == "freshness":
            newest = values.get(("freshness",))
            if newest is None:
                by_check[check.name] = CheckOutcome(
                    check, False, None, f"no value of {check.column} to measure freshness"
                )
                continue
            if isinstance(newest, dt.datetime) and newest.tzinfo is not None:
                newest = newest.astimezone(dt.UTC).replace(tzinfo=None)
            elif isinstance(newest, dt.date) and not isinstance(newest, dt.datetime):
                newest = dt.datetime(newest.year, newest.month, newest.day)
            elif not isinstance(newest, dt.datetime):
                by_check[check.name] = CheckOutcome(
                    check, False, None, f"{check.column} is not a date or timestamp"
                )
                continue
            age = round((now - newest).total_seconds() / 3600, 3)
            by_check[check.name] = CheckOutcome(
                check,
                check.passes(age),
                age,
                f"newest {check.column} is {newest.isoformat()}, {age:g} hours old",
            )

    # 2. the schema
    declared = {f["name"]: f.get("type") or "" for f in plan.fields}
    found_types = dict(found)
    missing = [n for n in declared if n not in found_types]
    extra = [
        n
        for n in found_types
        if n not in declared and n not in (contract.get("schema") or {}).get("partitioned_by", [])
    ]
    mistyped = []
    if own.format != "csv":  # CSV has no types of its own: the contract's are applied when reading
        for name, declared_type in declared.items():
            expected = duckdb_type(declared_type)
            if name in found_types and expected and _norm_type(expected) != _norm_type(found_types[name]):
                mistyped.append(f"{name} is {found_types[name]}, the contract says {declared_type}")
    for check in plan.checks:
        if check.name == "schema" and check.kind == "schema":
            problems = [f"missing column {n}" for n in missing] + mistyped
            count = float(len(missing) + len(mistyped))
            by_check[check.name] = CheckOutcome(
                check,
                check.passes(count),
                count,
                "; ".join(problems) or "every declared column is present with its type",
            )
        elif check.name == "schema_drift" and check.kind == "schema":
            count = float(len(extra))
            message = f"undeclared columns: {', '.join(extra)}" if extra else "no undeclared columns"
            by_check[check.name] = CheckOutcome(check, check.passes(count), count, message)

    if metrics:
        report.metrics += _scan_metrics(plan, values, present, rows)
        report.metrics.append(MetricOutcome("schema_drift", value=float(len(extra)), detail=extra or None))
        required, _ = completeness(required_fields(plan), values, present, rows)
        if required is not None:
            report.metrics.append(MetricOutcome("completeness_required_fields", value=required))
        for name in ("completeness", "freshness"):
            if name in by_check and by_check[name].count is not None:
                report.metrics.append(
                    MetricOutcome(
                        name if name == "completeness" else "freshness_age_hours", value=by_check[name].count
                    )
                )


def completeness(fields: list[dict], values: dict, present: set[str], rows: int) -> tuple[float | None, str]:
    """(percent, message): the share of non-null cells over `rows` x `fields`, in percent.

    The completeness check uses every field of the contract (the spec: "non-null cells over all
    the contract's fields"), so an optional column that is mostly empty lowers it. A declared
    field missing from the data counts as entirely null: its cells are absent, and dropping a
    sparse column must not *raise* completeness (the schema check reports the missing column
    too). No rows: 100 (nothing is incomplete). No fields: not measured (None)."""
    if not fields:
        return None, "not measured: the contract declares no fields"
    cells = rows * len(fields)
    if cells == 0:
        return 100.0, "no rows to measure"
    missing = [f["name"] for f in fields if f["name"] not in present]
    nulls = sum(int(values.get(("nulls", f["name"])) or 0) for f in fields if f["name"] in present)
    nulls += rows * len(missing)
    percent = round(100.0 * (cells - nulls) / cells, 6)
    message = f"{cells - nulls} of {cells} cells ({len(fields)} fields x {rows} rows) are not null"
    if missing:
        message += f"; missing from the data, counted as null: {', '.join(missing)}"
    return percent, message


def required_fields(plan: Plan) -> list[dict]:
    """The fields the contract requires (a not_null constraint or the primary key); all fields
    when it requires none. Their completeness is the metric `completeness_required_fields`."""
    required = [
        f
        for f in plan.fields
        if f.get("is_primary_key") or any(c.get("type") == "not_null" for c in f.get("constraints") or ())
    ]
    return required or plan.fields


def _constraint_message(check: Check, count: float) -> str:
    what = {
        "not_null": "rows where it is null",
        "unique": "rows repeating a value already seen (non-null values minus distinct values)",
        "min": f"non-null values below {check.value}",
        "max": f"non-null values above {check.value}",
        "in": "non-null values outside the allowed list",
        "pattern": "non-null values not fully matching the pattern",
        "min_length": f"non-null values shorter than {check.value}",
        "max_length": f"non-null values longer than {check.value}",
    }[check.constraint]
    return f"{int(count)} {what}"


def _scan_metrics(plan: Plan, values: dict, present: set[str], rows: int) -> list[MetricOutcome]:
    out = [MetricOutcome("row_count", value=float(rows))]
    for f in plan.fields:
        name = f["name"]
        if name not in present:
            continue
        nulls = int(values.get(("nulls", name)) or 0)
        out.append(
            MetricOutcome("null_percentage", name, 0.0 if rows == 0 else round(100.0 * nulls / rows, 6))
        )
        distinct = values.get(("distinct", name))
        if distinct is not None:
            out.append(MetricOutcome("distinct_count", name, float(distinct)))
        for stat in ("min", "max", "avg"):
            if ("stat", name) and (stat, name) in values:
                value = values[(stat, name)]
                out.append(MetricOutcome(stat, name, None if value is None else float(value)))
        top = values.get(("top", name))
        if top:
            ranked = sorted(top.items(), key=lambda item: (-item[1], str(item[0])))[:TOP_K]
            out.append(
                MetricOutcome(
                    "top_values",
                    name,
                    float(len(top)),
                    detail=[{"value": str(v), "count": int(n)} for v, n in ranked],
                )
            )
    return out


# --- the contract's SQL in the sandbox --------------------------------------------------------------


def _foldable(sql: str) -> tuple[str, str | None, str | None] | None:
    """(table, alias, condition SQL) when `sql` is `SELECT COUNT(*) FROM t [a] [WHERE cond]`."""
    try:
        tree = sqlglot.parse_one(sql, read=PARSE_DIALECT)
    except Exception:
        return None
    if not isinstance(tree, exp.Select) or len(tree.expressions) != 1:
        return None
    projection = tree.expressions[0]
    if not (isinstance(projection, exp.Count) and isinstance(projection.this, exp.Star)):
        return None
    allowed = {"expressions", "from", "where", "from_"}
    if any(value for key, value in tree.args.items() if key not in allowed and value):
        return None
    source = tree.args.get("from") or tree.args.get("from_")
    if source is None or not isinstance(source.this, exp.Table):
        return None
    where = tree.args.get("where")
    if where is not None and any(
        isinstance(n, (exp.Select, exp.Subquery, exp.Window, exp.AggFunc)) for n in where.walk()
    ):
        return None
    table = source.this
    return (
        table.name,
        table.alias or None,
        where.this.sql(dialect=PARSE_DIALECT) if where is not None else None,
    )


def _guard_all(allowed: dict, unavailable: dict, sql_items) -> tuple[list, list]:
    """Re-check each check's and metric's SQL at run time: (guarded, refused results)."""
    allowed_lower = {name.lower() for name in allowed}
    guarded, refused = [], []
    for item in sql_items:
        sql = item.query if isinstance(item, Check) else item.sql
        analysis = analyze_select(sql)
        blocked = [unavailable[t.lower()] for t in analysis.tables if t.lower() in unavailable]
        try:
            if blocked:
                raise SandboxError("not run: " + "; ".join(blocked))
            guard(sql, allowed_lower)
            guarded.append((item, sql, analysis.tables))
        except SandboxError as exc:
            refused.append((item, None, str(exc)))
    return guarded, refused


def _sql_outcomes(results, report: RunReport):
    outcomes = []
    for item, value, message in results:
        if isinstance(item, Check):
            if value is None and not message:
                message = "the query returned NULL"
            passed = value is not None and item.passes(value)
            text = message or f"{value:g} against a threshold of {item.threshold:g}"
            outcomes.append((item, CheckOutcome(item, passed, value, text)))
        else:
            report.metrics.append(
                MetricOutcome(item.name, value=value, detail={"error": message} if message else None)
            )
    return outcomes


def _run_in_box(box: DuckDBSandbox, guarded) -> list[tuple]:
    """Run guarded SQL in the sandbox; simple count checks on one table share one query."""
    results = []
    groups: dict[tuple, list] = {}
    single = []
    for item, sql, _tables in guarded:
        fold = _foldable(sql) if isinstance(item, Check) else None
        if fold:
            groups.setdefault((fold[0].lower(), fold[1]), []).append((item, sql, fold))
        else:
            single.append((item, sql))
    for members in groups.values():
        if len(members) == 1:
            single.append(members[0][:2])
            continue
        table, alias = members[0][2][0], members[0][2][1]
        folded = (
            "SELECT "
            + ", ".join(
                f"COUNT(*) FILTER (WHERE {cond})" if cond else "COUNT(*)" for _, _, (_, _, cond) in members
            )
            + f" FROM {quote_ident(table)}"
            + (f" AS {quote_ident(alias)}" if alias else "")
        )
        try:
            rows, _ = box.rows(box.only_select(folded))
            for (item, _, _), value in zip(members, rows[0], strict=True):
                results.append((item, None if value is None else float(value), ""))
        except SandboxError:
            single += [(item, sql) for item, sql, _ in members]  # run alone, so errors name their check
    for item, sql in single:
        try:
            results.append((item, box.value(sql), ""))
        except SandboxError as exc:
            results.append((item, None, str(exc)))
    return results


def _run_postgres(own, allowed, needed, guarded, product, timeout):
    tables = {}
    for name, src in allowed.items():
        if name.lower() not in needed:
            continue
        if src.kind != "postgresql" or src.source != own.source:
            return [
                (
                    item,
                    None,
                    f"not run: {name} is not a table of the {own.source} data source; "
                    "a PostgreSQL product's SQL reads only tables of its own source",
                )
                for item, _, _ in guarded
            ]
        tables[name.lower()] = (src.db_schema, src.table)
    role = reader_role_name(own.source, product.pk if product is not None else 0)
    ensure_reader_role(own.url, role, sorted(set(tables.values())), timeout=timeout or timeout_seconds())
    box = PostgresSandbox(url=own.url, role=role, timeout=timeout)
    results = []
    for item, sql, _ in guarded:
        try:
            results.append((item, box.value(postgres_sql(sql, tables)), ""))
        except SandboxError as exc:
            results.append((item, None, str(exc)))
    return results
