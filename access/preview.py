"""The first rows of a product's own data, read-only, with a row limit and a timeout.

Locations resolve through the quality-check engine's `governance.checks.storage.source_of`
(MESH_STORAGE_MAP folders, hive partitions, `postgresql://<source>/<schema>.<table>` via
MESH_DATA_SOURCES, which may be a `duckdb://` file). Files and DuckDB tables are read by its
`TrustedDuckDB`: the connection may read the product's own files (or attach the warehouse
read-only) and is then locked. PostgreSQL tables are read in a READ ONLY transaction with a
statement timeout. Only generated SQL runs here; the user supplies nothing but the product.
"""

from __future__ import annotations

import datetime as dt
import decimal
from dataclasses import dataclass, field

from django.conf import settings

PREVIEW_ROWS = 100


def preview_timeout() -> float:
    return float(getattr(settings, "MESH_PREVIEW_TIMEOUT_SECONDS", 10))


@dataclass
class Preview:
    columns: list[str] = field(default_factory=list)
    rows: list[list] = field(default_factory=list)
    truncated: bool = False
    error: str = ""

    def as_dict(self) -> dict:
        return {"columns": self.columns, "rows": self.rows, "truncated": self.truncated, "error": self.error}


def _plain(value):
    """A JSON-safe value; the template escapes it when it renders."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


def product_preview(product, *, limit: int = PREVIEW_ROWS, timeout: float | None = None) -> Preview:
    """Read at most `limit` rows of the product's current version's data; never raises for data
    problems (the message goes in `error`)."""
    from governance.checks.sandbox import SandboxError
    from governance.checks.storage import DataUnavailable, source_of

    version = product.current_version
    if version is None:
        return Preview(error="The product has no published version.")
    timeout = timeout if timeout is not None else preview_timeout()
    try:
        src = source_of(version.contract)
        if src.kind == "postgresql":
            columns, rows = _postgres_rows(src, limit=limit, timeout=timeout)
        else:
            columns, rows = _duckdb_rows(src, limit=limit, timeout=timeout)
    except (DataUnavailable, SandboxError) as exc:
        return Preview(error=str(exc))
    except Exception as exc:  # a broken file or table: show why, keep the page up
        return Preview(error=f"The data could not be read: {str(exc).strip().splitlines()[0][:300]}")
    truncated = len(rows) > limit
    return Preview(
        columns=columns, rows=[[_plain(v) for v in row] for row in rows[:limit]], truncated=truncated
    )


def _duckdb_rows(src, *, limit: int, timeout: float):
    from governance.checks.sandbox import TrustedDuckDB
    from governance.checks.storage import native_relation

    if src.kind == "duckdb":
        box = TrustedDuckDB(attach={f"wh_{src.source}": src.duckdb_file}, timeout=timeout)
    elif src.is_folder:
        box = TrustedDuckDB(directories=[src.path], timeout=timeout)
    else:
        box = TrustedDuckDB(paths=[src.path], timeout=timeout)
    with box:
        rows, description = box.rows(
            f"SELECT * FROM {native_relation(src)} LIMIT {int(limit) + 1}", limit=limit
        )
    return [d[0] for d in description or ()], [list(r) for r in rows]


def _postgres_rows(src, *, limit: int, timeout: float):
    import psycopg
    from psycopg import sql

    ms = int(timeout * 1000)
    with psycopg.connect(src.url, connect_timeout=10, options=f"-c statement_timeout={ms}") as conn:
        conn.read_only = True
        with conn.cursor() as cur:
            cur.execute(
                sql.SQL("SELECT * FROM {} LIMIT {}").format(
                    sql.Identifier(src.db_schema, src.table), sql.Literal(int(limit) + 1)
                )
            )
            columns = [d.name for d in cur.description]
            rows = [list(r) for r in cur.fetchall()]
    return columns, rows
