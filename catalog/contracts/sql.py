"""Static checks of the SQL in quality checks and SQL metrics.

This is an allow-list, not a sandbox (research finding 1): the check runners still execute with a
read-only role or a locked DuckDB. Rules: exactly one statement; a SELECT (WITH ... SELECT and
UNION/INTERSECT/EXCEPT of SELECTs included); no data-changing or session node anywhere; no table
functions or file reads; every table read is the product's own table or a declared input port
table (CTE names excluded). Parsed with sqlglot's duckdb dialect, the dialect of the local runner.
"""

from dataclasses import dataclass
from functools import lru_cache

import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel, ParseError

MAX_SQL_LENGTH = 10_000
PARSE_DIALECT = "duckdb"

_FORBIDDEN_NAMES = [
    "Insert",
    "Update",
    "Delete",
    "Merge",
    "Create",
    "Drop",
    "Alter",
    "AlterColumn",
    "Command",
    "Copy",
    "Set",
    "Use",
    "Attach",
    "Detach",
    "Into",
    "Lock",
    "Pragma",
    "Install",
    "Transaction",
    "Commit",
    "Rollback",
    "Describe",
    "Summarize",
    "Show",
    "Export",
    "Cache",
    "Uncache",
    "Refresh",
    "Grant",
    "Revoke",
    "Analyze",
    "TruncateTable",
    "Comment",
    "Kill",
    "Execute",
    "Declare",
    "LoadData",
]
_FORBIDDEN = tuple(getattr(exp, name) for name in _FORBIDDEN_NAMES if hasattr(exp, name))
_SET_OPERATIONS = tuple(getattr(exp, n) for n in ("Union", "Intersect", "Except") if hasattr(exp, n))

# Defence in depth: functions that read files, reach the network or change settings.
_DENIED_FUNCTION_PREFIXES = ("read_", "pg_read", "pg_ls", "lo_", "dblink", "query_to_xml", "table_to_xml")
_DENIED_FUNCTIONS = {"glob", "query", "query_table", "sniff_csv", "set_config", "current_setting", "pg_sleep"}


@dataclass(frozen=True)
class SqlAnalysis:
    error: str | None = None
    tables: tuple[str, ...] = ()  # as written, CTE names excluded, each once
    columns: int | None = None  # projections of the outer SELECT (None for set operations)


def _statement_kind(node: exp.Expression) -> str:
    key = getattr(node, "key", "") or type(node).__name__
    return key.upper()


def _function_name(node: exp.Expression) -> str:
    if isinstance(node, exp.Anonymous):
        return str(node.name).lower()
    try:
        return node.sql_name().lower()
    except Exception:
        return type(node).__name__.lower()


@lru_cache(maxsize=2048)
def analyze_select(sql: str) -> SqlAnalysis:
    """Parse `sql` and return the tables it reads, or the reason it is not an acceptable SELECT."""
    if not sql.strip():
        return SqlAnalysis(error="the query is empty")
    if len(sql) > MAX_SQL_LENGTH:
        return SqlAnalysis(error=f"the query is longer than {MAX_SQL_LENGTH} characters")
    try:
        statements = [s for s in sqlglot.parse(sql, read=PARSE_DIALECT, error_level=ErrorLevel.RAISE) if s]
    except ParseError as exc:
        first = exc.errors[0] if exc.errors else {}
        where = f" (query line {first['line']}, column {first['col']})" if first.get("line") else ""
        description = first.get("description") or str(exc).splitlines()[0]
        return SqlAnalysis(error=f"SQL syntax error: {description}{where}")
    except RecursionError:
        return SqlAnalysis(error="the query is nested too deeply")
    except Exception as exc:  # TokenError and anything else sqlglot raises
        return SqlAnalysis(
            error=f"SQL syntax error: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
        )
    if len(statements) != 1:
        return SqlAnalysis(error=f"the query must be exactly one statement, found {len(statements)}")
    root = statements[0]
    while isinstance(root, exp.Subquery):
        root = root.this
    if not isinstance(root, (exp.Select, *_SET_OPERATIONS)):
        return SqlAnalysis(error=f"the query must be a SELECT, not {_statement_kind(root)}")
    try:
        nodes = list(root.walk())
    except RecursionError:
        return SqlAnalysis(error="the query is nested too deeply")
    ctes = {cte.alias_or_name.lower() for cte in nodes if isinstance(cte, exp.CTE)}
    tables: list[str] = []
    for node in nodes:
        if isinstance(node, _FORBIDDEN):
            return SqlAnalysis(error=f"the query must only read: it contains {_statement_kind(node)}")
        if isinstance(node, exp.Func):
            name = _function_name(node)
            if name in _DENIED_FUNCTIONS or name.startswith(_DENIED_FUNCTION_PREFIXES):
                return SqlAnalysis(error=f"the function {name}() is not allowed in contract SQL")
        if isinstance(node, exp.Table):
            if not isinstance(node.this, exp.Identifier):
                return SqlAnalysis(
                    error=f"the query reads from {node.this.sql(dialect=PARSE_DIALECT)[:60]}: "
                    "table functions and files are not allowed, only declared tables"
                )
            if node.args.get("db") or node.args.get("catalog"):
                return SqlAnalysis(
                    error=f"'{node.sql(dialect=PARSE_DIALECT)}' is a qualified table name: "
                    f"write just '{node.name}'"
                )
            if node.name.lower() not in ctes and node.name not in tables:
                tables.append(node.name)
    columns = len(root.expressions) if isinstance(root, exp.Select) else None
    return SqlAnalysis(tables=tuple(tables), columns=columns)


def select_problems(sql: str, allowed_tables: set[str], *, single_value: bool = False) -> list[str]:
    """What is wrong with `sql` as contract SQL that may read only `allowed_tables` (case-insensitive)."""
    analysis = analyze_select(sql)
    if analysis.error:
        return [analysis.error]
    allowed = {t.lower() for t in allowed_tables}
    allowed_text = ", ".join(sorted(allowed_tables)) or "none"
    problems = [
        f"the query reads '{table}', which is neither the product's schema.table nor a declared "
        f"input port table (declared: {allowed_text}); add it to input_ports"
        for table in analysis.tables
        if table.lower() not in allowed
    ]
    if single_value and analysis.columns is not None and analysis.columns != 1:
        problems.append(
            f"a quality check must return one value; this query selects {analysis.columns} columns"
        )
    return problems
