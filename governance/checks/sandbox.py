"""Running contract SQL where it can only read: the two sandboxes.

Parsing is the first gate, not the boundary (research finding 1): every query is re-checked
here with `catalog.contracts.sql` (one SELECT, only declared tables, no file or settings
functions), and then runs where the database itself refuses everything else.

DuckDB: a fresh in-memory connection per run. The product's data (and each readable input
port's) is registered as an Arrow dataset *before* `enable_external_access = false` and
`lock_configuration = true`; after that the connection has no file system at all: no
read_csv('/etc/passwd'), COPY, ATTACH of a file, INSTALL/LOAD, and no SET to undo it. Spilling
is off (`temp_directory = ''`): DuckDB adds its temp directory to the allowed paths, which would
reopen a writable folder. Threads, memory, autoload/autoinstall are capped; each query is
interrupted from a timer when it runs past the timeout.

PostgreSQL: the query runs on a new connection logged in as the product's reader role
(`mesh_qc_<source>_<product id>`, NOSUPERUSER NOINHERIT, SELECT on exactly the tables it
needs, role-level default_transaction_read_only, statement_timeout, lock and idle timeouts),
inside BEGIN READ ONLY with SET LOCAL statement_timeout issued before the user's SQL; the
client cancels it one second after the timeout as a backstop; the connection is closed after
the run, so a set_config() cannot leak into the next one.
"""

from __future__ import annotations

import decimal
import re
import threading
import time
from collections.abc import Mapping
from contextlib import suppress
from urllib.parse import quote, urlparse, urlunparse

import sqlglot
from django.conf import settings
from sqlglot import exp
from sqlglot.errors import ErrorLevel

from catalog.contracts.sql import _DENIED_FUNCTION_PREFIXES, _DENIED_FUNCTIONS, _FORBIDDEN, select_problems

# Functions PostgreSQL would run for a reader that the parser's duckdb-dialect list does not
# name; privileges and the read-only transaction stop them anyway (defence in depth).
_PG_DENIED = {"pg_sleep_for", "pg_sleep_until", "txid_current", "nextval", "setval", "pg_terminate_backend"}
_PG_DENIED_PREFIXES = (
    "pg_",
    "lo_",
    "dblink",
    "query_to_",
    "table_to_",
    "cursor_to_",
    "set_config",
    "current_setting",
)


class SandboxError(Exception):
    """The query was refused or failed; the message is meant for the check's result."""


class QueryTimeout(SandboxError):
    pass


def timeout_seconds() -> float:
    return float(settings.MESH_CHECK_TIMEOUT_SECONDS)


def guard(sql: str, allowed_tables) -> None:
    """Raise SandboxError unless `sql` is one SELECT that reads only `allowed_tables`."""
    problems = select_problems(sql, set(allowed_tables), single_value=True)
    if problems:
        raise SandboxError("refused: " + "; ".join(problems))


def _scalar(cursor_rows, description) -> float | None:
    if description is None or len(description) != 1:
        raise SandboxError(f"the query must return one column, it returned {len(description or ())}")
    if len(cursor_rows) != 1:
        raise SandboxError(
            "the query must return exactly one row, it returned "
            + ("none" if not cursor_rows else "more than one")
        )
    value = cursor_rows[0][0]
    if value is None:
        return None
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float, decimal.Decimal)):
        return float(value)
    raise SandboxError(f"the query must return a number, it returned {type(value).__name__}")


# --- DuckDB ----------------------------------------------------------------------------------------


def duckdb_config(*, threads: int | None = None, memory_limit: str | None = None) -> dict:
    return {
        "threads": int(threads or settings.MESH_CHECK_THREADS),
        "memory_limit": memory_limit or settings.MESH_CHECK_MEMORY_LIMIT,
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
        "allow_community_extensions": False,
        "temp_directory": "",
    }


class DuckDBSandbox:
    """A locked in-memory DuckDB connection over registered Arrow data (name -> dataset/table)."""

    def __init__(
        self, tables: Mapping[str, object], *, timeout: float | None = None, threads=None, memory_limit=None
    ):
        import duckdb

        self.timeout = timeout if timeout is not None else timeout_seconds()
        self.con = duckdb.connect(
            ":memory:", config=duckdb_config(threads=threads, memory_limit=memory_limit)
        )
        try:
            self.con.execute("SET enable_progress_bar = false")
            self.setup(tables)
            self.con.execute("SET enable_external_access = false")
            self.con.execute("SET lock_configuration = true")
        except BaseException:
            self.close()
            raise

    def setup(self, tables: Mapping[str, object]) -> None:
        for name, data in tables.items():
            self.con.register(name, data)

    def close(self) -> None:
        with suppress(Exception):
            self.con.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def rows(self, sql: str, *, limit: int = 1):
        """Run `sql` (already guarded) with the timeout; at most limit + 1 rows come back."""
        import duckdb

        timer = threading.Timer(self.timeout, self.con.interrupt)
        started = time.monotonic()
        timer.start()
        try:
            cursor = self.con.execute(sql)
            return cursor.fetchmany(limit + 1), cursor.description
        except duckdb.InterruptException as exc:
            raise QueryTimeout(f"stopped after {self.timeout:g} s (MESH_CHECK_TIMEOUT_SECONDS)") from exc
        except duckdb.Error as exc:
            if time.monotonic() - started >= self.timeout and "interrupt" in str(exc).lower():
                raise QueryTimeout(f"stopped after {self.timeout:g} s (MESH_CHECK_TIMEOUT_SECONDS)") from exc
            raise SandboxError(_first_line(exc)) from exc
        finally:
            timer.cancel()

    def value(self, sql: str) -> float | None:
        rows, description = self.rows(self.only_select(sql))
        return _scalar(rows, description)

    def only_select(self, sql: str) -> str:
        """DuckDB's own parser must see exactly one SELECT (a second gate after sqlglot's)."""
        import duckdb

        try:
            statements = self.con.extract_statements(sql)
        except duckdb.Error as exc:
            raise SandboxError(f"refused: {_first_line(exc)}") from exc
        kinds = [s.type for s in statements]
        if kinds != [duckdb.StatementType.SELECT]:
            found = ", ".join(k.name for k in kinds) or "nothing"
            raise SandboxError(f"refused: the query must be exactly one SELECT, DuckDB parsed {found}")
        return sql


class TrustedDuckDB(DuckDBSandbox):
    """The connection for the portal's own generated SQL: it may read the product's files
    natively (`allowed_paths` / `allowed_directories` = the product's data, nothing else), or
    the demo warehouse attached read-only; then it is locked like the sandbox."""

    def __init__(self, *, paths=(), directories=(), attach: dict[str, str] | None = None, **kwargs):
        self._paths, self._directories, self._attach = list(paths), list(directories), attach or {}
        super().__init__({}, **kwargs)

    def setup(self, tables) -> None:
        # Reading the schema reads every file's footer; keep them for the scans that follow.
        self.con.execute("SET parquet_metadata_cache = true")
        for alias, path in self._attach.items():
            self.con.execute(f"ATTACH '{path.replace(chr(39), chr(39) * 2)}' AS \"{alias}\" (READ_ONLY)")
        if self._directories:
            self.con.execute(
                "SET allowed_directories = ?", [[str(d).rstrip("/") + "/" for d in self._directories]]
            )
        if self._paths:
            self.con.execute("SET allowed_paths = ?", [[str(p) for p in self._paths]])


def run_sandboxed_duckdb(
    sql: str, tables: Mapping[str, object], *, timeout: float | None = None
) -> float | None:
    """Run raw SQL in a fresh locked DuckDB sandbox, *without* the parser: what the sandbox
    alone allows (tests use this to prove it holds when the parser is bypassed)."""
    with DuckDBSandbox(tables, timeout=timeout) as box:
        return box.value(sql)


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:500] if text else type(exc).__name__


# --- PostgreSQL --------------------------------------------------------------------------------------

ROLE_RE = re.compile(r"[^a-z0-9_]")


def reader_role_name(source: str, product_id: int) -> str:
    return ROLE_RE.sub("_", f"mesh_qc_{source.lower()}_{product_id}")[:63]


def reader_url(source_url: str, role: str) -> str:
    """The data source URL with the reader role as user. Locally the role logs in with trust
    auth; in production set MESH_QC_READER_PASSWORD (the roles are created with it)."""
    parsed = urlparse(source_url)
    password = getattr(settings, "MESH_QC_READER_PASSWORD", "")
    userinfo = quote(role, safe="") + (":" + quote(password, safe="") if password else "")
    host = parsed.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{userinfo}@{host}" + (f":{parsed.port}" if parsed.port else "")
    return urlunparse(parsed._replace(scheme="postgresql", netloc=netloc))


def ensure_reader_role(admin_url: str, role: str, tables: list[tuple[str, str]], *, timeout: float) -> None:
    """Create or update `role` so that it may SELECT exactly `tables` ((schema, table) pairs),
    nothing else, always read-only and with the timeouts. Idempotent; runs as the data
    source's own user, which must be allowed to create roles and grant on the tables."""
    import psycopg
    from psycopg import sql

    password = getattr(settings, "MESH_QC_READER_PASSWORD", "")
    # Two concurrent runs of one product may race on CREATE ROLE: serialize on the name.
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=10) as conn, conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [role])
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role]).fetchone()
        ident = sql.Identifier(role)
        options = sql.SQL(
            "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION NOBYPASSRLS CONNECTION LIMIT 8"
        )
        if not exists:
            conn.execute(sql.SQL("CREATE ROLE {} {}").format(ident, options))
        else:
            conn.execute(sql.SQL("ALTER ROLE {} {}").format(ident, options))
        if password:
            conn.execute(sql.SQL("ALTER ROLE {} PASSWORD {}").format(ident, sql.Literal(password)))
        for name, value in (
            ("default_transaction_read_only", "on"),
            ("statement_timeout", f"{int(timeout * 1000)}"),
            ("lock_timeout", "2000"),
            ("idle_in_transaction_session_timeout", f"{int(timeout * 1000) + 5000}"),
            ("search_path", ""),
        ):
            conn.execute(
                sql.SQL("ALTER ROLE {} SET {} = {}").format(ident, sql.Identifier(name), sql.Literal(value))
            )
        dbname = conn.info.dbname
        conn.execute(sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(dbname), ident))
        wanted = set(tables)
        granted = {
            (s, t)
            for s, t in conn.execute(
                "SELECT table_schema, table_name FROM information_schema.role_table_grants WHERE grantee = %s",
                [role],
            ).fetchall()
        }
        for schema, table in sorted(granted - wanted):
            conn.execute(sql.SQL("REVOKE ALL ON {} FROM {}").format(sql.Identifier(schema, table), ident))
        for schema, table in sorted(wanted):
            conn.execute(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(sql.Identifier(schema), ident))
            conn.execute(sql.SQL("REVOKE ALL ON {} FROM {}").format(sql.Identifier(schema, table), ident))
            conn.execute(sql.SQL("GRANT SELECT ON {} TO {}").format(sql.Identifier(schema, table), ident))


def postgres_sql(sql_text: str, tables: Mapping[str, tuple[str, str]]) -> str:
    """Re-check `sql_text` in PostgreSQL's own dialect and return it with each declared table
    name qualified (`general_ledger` -> `finance.general_ledger`), as sqlglot writes it back."""
    try:
        statements = [s for s in sqlglot.parse(sql_text, read="postgres", error_level=ErrorLevel.RAISE) if s]
    except Exception as exc:
        raise SandboxError(f"refused: not valid PostgreSQL: {_first_line(exc)}") from exc
    if len(statements) != 1:
        raise SandboxError(f"refused: the query must be exactly one statement, found {len(statements)}")
    root = statements[0]
    if not isinstance(root, (exp.Select, exp.Union, exp.Intersect, exp.Except, exp.Subquery)):
        raise SandboxError(f"refused: the query must be a SELECT, not {root.key.upper()}")
    ctes = {c.alias_or_name.lower() for c in root.find_all(exp.CTE)}
    for node in root.walk():
        if isinstance(node, _FORBIDDEN):
            raise SandboxError(f"refused: the query must only read: it contains {node.key.upper()}")
        if isinstance(node, exp.Func):
            name = (node.name if isinstance(node, exp.Anonymous) else node.sql_name()).lower()
            if (
                name in _DENIED_FUNCTIONS
                or name in _PG_DENIED
                or name.startswith(_DENIED_FUNCTION_PREFIXES + _PG_DENIED_PREFIXES)
            ):
                raise SandboxError(f"refused: the function {name}() is not allowed in contract SQL")
    for table in list(root.find_all(exp.Table)):
        key = table.name.lower()
        if key in ctes and not table.args.get("db"):
            continue
        if table.args.get("db") or table.args.get("catalog") or key not in tables:
            raise SandboxError(
                f"refused: the query reads {table.sql(dialect='postgres')!r}, which is not declared"
            )
        schema, name = tables[key]
        alias = table.args.get("alias") or (exp.TableAlias(this=exp.to_identifier(table.name)))
        table.set("this", exp.to_identifier(name, quoted=True))
        table.set("db", exp.to_identifier(schema, quoted=True))
        table.set("alias", alias)
    return root.sql(dialect="postgres")


class PostgresSandbox:
    """Runs guarded queries as the reader role; one new connection per query, closed after."""

    def __init__(self, *, url: str, role: str | None, timeout: float | None = None):
        # role=None connects as the data source's own user: only for the portal's generated SQL.
        self.url = reader_url(url, role) if role else url
        self.timeout = timeout if timeout is not None else timeout_seconds()

    def rows(self, sql_text: str, *, limit: int = 1, params=None):
        import psycopg

        try:
            conn = psycopg.connect(self.url, connect_timeout=10, autocommit=False)
        except psycopg.Error as exc:
            raise SandboxError(f"cannot connect as the reader role: {_first_line(exc)}") from exc
        conn.read_only = True  # BEGIN READ ONLY
        timer = threading.Timer(self.timeout + 1.0, _cancel, [conn])
        try:
            with conn.cursor() as cur:
                cur.execute(f"SET LOCAL statement_timeout = {int(self.timeout * 1000)}")
                cur.execute("SET LOCAL lock_timeout = 2000")
                timer.start()
                try:
                    cur.execute(sql_text, params)
                    return cur.fetchmany(limit + 1), cur.description
                except psycopg.errors.QueryCanceled as exc:
                    raise QueryTimeout(
                        f"stopped after {self.timeout:g} s (MESH_CHECK_TIMEOUT_SECONDS)"
                    ) from exc
                except psycopg.Error as exc:
                    raise SandboxError(_first_line(exc)) from exc
        finally:
            timer.cancel()
            with suppress(Exception):
                conn.rollback()
            with suppress(Exception):
                conn.close()

    def value(self, sql_text: str) -> float | None:
        rows, description = self.rows(sql_text)
        return _scalar(rows, description)


def _cancel(conn) -> None:
    with suppress(Exception):
        conn.cancel_safe(timeout=2.0)


def run_sandboxed_postgres(
    sql_text: str, *, url: str, role: str, timeout: float | None = None
) -> float | None:
    """Run raw SQL as the reader role, *without* the parser (what the database alone allows)."""
    return PostgresSandbox(url=url, role=role, timeout=timeout).value(sql_text)
