"""Loading a product's table into a data source (`postgresql://<source>/<schema>.<table>`).

The source's URL comes from `MESH_DATA_SOURCES`: a PostgreSQL URL (the table is dropped and
created again, then filled with COPY) or `duckdb:///abs/path/warehouse.duckdb` (the same table
in a DuckDB file). Only the named schema and table are touched.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from urllib.parse import urlparse

import psycopg
from psycopg import sql

from .base import duckdb_type, sql_str

IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")

POSTGRES_TYPES = {
    "string": "TEXT",
    "integer": "INTEGER",
    "bigint": "BIGINT",
    "double": "DOUBLE PRECISION",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
}


def parse_table_location(location: str) -> tuple[str, str, str]:
    """`postgresql://warehouse/finance.general_ledger` -> ("warehouse", "finance", "general_ledger")."""
    parsed = urlparse(location)
    schema, _, table = parsed.path.lstrip("/").partition(".")
    if (
        parsed.scheme != "postgresql"
        or not parsed.netloc
        or not IDENTIFIER.match(schema)
        or not IDENTIFIER.match(table)
    ):
        raise ValueError(f"not a postgresql://<source>/<schema>.<table> location: {location}")
    return parsed.netloc, schema, table


def postgres_type(contract_type: str) -> str:
    lower = contract_type.strip().lower()
    if lower.startswith("decimal"):
        return lower.replace("decimal", "NUMERIC")
    return POSTGRES_TYPES[lower]


def load_warehouse_table(gen, *, location: str, query: str) -> dict:
    """(Re)create the table a location names in its data source and fill it with `query`'s rows.
    Returns what the manifest records about it."""
    source, schema, table = parse_table_location(location)
    url = gen.data_sources.get(source)
    if not url:
        raise ValueError(f"no data source {source!r} in MESH_DATA_SOURCES (needed by {location})")
    fields = next(c for c in gen.contracts.values() if c["schema"]["location"] == location)["schema"][
        "fields"
    ]
    if url.startswith(("postgresql://", "postgres://")):
        _load_postgresql(gen, url, schema, table, fields, query)
        engine = "postgresql"
    elif url.startswith("duckdb://"):
        _load_duckdb(gen, Path(url[len("duckdb://") :]), schema, table, fields, query)
        engine = "duckdb"
    else:
        raise ValueError(f"data source {source!r} is neither postgresql:// nor duckdb://")
    info = {"source": source, "engine": engine, "table": f"{schema}.{table}"}
    gen.warehouse_tables[location] = info
    return info


def _primary_key(fields) -> list[str]:
    return [f["name"] for f in fields if f.get("is_primary_key")]


def _load_duckdb(gen, path: Path, schema: str, table: str, fields, query: str):
    path.parent.mkdir(parents=True, exist_ok=True)
    columns = [f'"{f["name"]}" {duckdb_type(f["type"])}' for f in fields]
    if key := _primary_key(fields):
        columns.append(f"PRIMARY KEY ({', '.join(key)})")
    gen.sql(f"ATTACH {sql_str(str(path))} AS warehouse")
    try:
        gen.sql(f"CREATE SCHEMA IF NOT EXISTS warehouse.{schema}")
        gen.sql(f"DROP TABLE IF EXISTS warehouse.{schema}.{table}")
        gen.sql(f"CREATE TABLE warehouse.{schema}.{table} ({', '.join(columns)})")
        gen.sql(f"INSERT INTO warehouse.{schema}.{table} {query}")
    finally:
        gen.sql("DETACH warehouse")


def _load_postgresql(gen, url: str, schema: str, table: str, fields, query: str):
    target = sql.Identifier(schema, table)
    columns = [
        sql.SQL("{} {}").format(sql.Identifier(f["name"]), sql.SQL(postgres_type(f["type"]))) for f in fields
    ]
    if key := _primary_key(fields):
        columns.append(sql.SQL("PRIMARY KEY ({})").format(sql.SQL(", ").join(map(sql.Identifier, key))))
    names = sql.SQL(", ").join(sql.Identifier(f["name"]) for f in fields)
    with tempfile.TemporaryDirectory() as scratch:
        csv_path = Path(scratch) / f"{table}.csv"
        gen.sql(f"COPY ({query}) TO {sql_str(str(csv_path))} (FORMAT csv, HEADER false)")
        with psycopg.connect(url) as conn, conn.cursor() as cur:
            cur.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
            cur.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(target))
            cur.execute(sql.SQL("CREATE TABLE {} ({})").format(target, sql.SQL(", ").join(columns)))
            with (
                csv_path.open("rb") as data,
                cur.copy(sql.SQL("COPY {} ({}) FROM STDIN WITH (FORMAT csv)").format(target, names)) as copy,
            ):
                while chunk := data.read(1 << 20):
                    copy.write(chunk)
