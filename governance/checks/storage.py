"""Where a product's data is, and how each engine reads it.

`source_of(contract)` resolves the contract's `schema.location`:
- `s3://…` and local paths map to a folder through MESH_STORAGE_MAP (a local path or file://
  URL must lie inside one of its folders: a contract cannot point the engine at /etc);
- `postgresql://<source>/<schema>.<table>` names a table in a MESH_DATA_SOURCES entry, which is
  a PostgreSQL URL or `duckdb:///abs/path.duckdb` (the demo warehouse without PostgreSQL).

Files are read natively by the trusted scan (`native_relation`: read_parquet / read_csv /
read_json with hive partitioning) and as Arrow datasets by the sandbox (`arrow_data`), which
must not touch the file system once it is locked.
"""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds
from django.conf import settings

from catalog.contracts.fieldtypes import TypeSyntaxError, parse_type
from catalog.contracts.locations import _POSTGRESQL

FILE_FORMATS = {"parquet": "parquet", "csv": "csv", "json": "json"}
_EXTENSIONS = {"parquet": ("*.parquet",), "csv": ("*.csv",), "json": ("*.json", "*.jsonl", "*.ndjson")}


class DataUnavailable(Exception):
    """The product's data cannot be located or opened; the message says why."""


@dataclass
class TableSource:
    name: str  # the name the product's SQL uses
    kind: str  # "files" | "postgresql" | "duckdb"
    fields: list[dict] = field(default_factory=list)
    format: str = "parquet"
    path: Path | None = None  # a file or a folder, for kind=files
    partitioned_by: list[str] = field(default_factory=list)
    source: str = ""  # the MESH_DATA_SOURCES name, for tables
    url: str = ""
    db_schema: str = ""
    table: str = ""

    @property
    def is_folder(self) -> bool:
        return self.path is not None and self.path.is_dir()

    @property
    def duckdb_file(self) -> str:
        return self.url[len("duckdb://") :]


def sql_str(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def quote_ident(name: str) -> str:
    return '"' + str(name).replace('"', '""') + '"'


def storage_path(location: str) -> Path:
    """The local path behind a file location, inside a MESH_STORAGE_MAP folder."""
    roots = {prefix: Path(folder).resolve() for prefix, folder in settings.MESH_STORAGE_MAP.items()}
    for prefix, root in sorted(roots.items(), key=lambda item: -len(item[0])):
        if location.startswith(prefix):
            path = (root / location[len(prefix) :].lstrip("/")).resolve()
            break
    else:
        raw = location[len("file://") :] if location.startswith("file://") else location
        if not raw.startswith("/"):
            raise DataUnavailable(f"no MESH_STORAGE_MAP entry maps {location}")
        path = Path(raw).resolve()
    if not any(path == root or root in path.parents for root in roots.values()):
        raise DataUnavailable(
            f"{location} is outside the storage folders of MESH_STORAGE_MAP; the engine reads nothing else"
        )
    return path


def source_of(contract: dict, *, name: str | None = None) -> TableSource:
    schema = contract.get("schema") or {}
    location = schema.get("location") or ""
    fields = list(schema.get("fields") or [])
    table_name = name or schema.get("table") or contract.get("name")
    if not location:
        raise DataUnavailable("the contract has no schema.location")
    match = _POSTGRESQL.match(location)
    if match:
        source = match.group("source")
        url = settings.MESH_DATA_SOURCES.get(source)
        if not url:
            raise DataUnavailable(f"no data source {source!r} in MESH_DATA_SOURCES")
        kind = "duckdb" if url.startswith("duckdb://") else "postgresql"
        if kind == "postgresql" and not url.startswith(("postgresql://", "postgres://")):
            raise DataUnavailable(f"data source {source!r} is neither postgresql:// nor duckdb://")
        return TableSource(
            name=table_name,
            kind=kind,
            fields=fields,
            format="table",
            source=source,
            url=url,
            db_schema=match.group("schema"),
            table=match.group("table"),
        )
    kind = (schema.get("type") or "parquet").lower()
    if kind not in FILE_FORMATS:
        raise DataUnavailable(
            f"schema.type {kind!r} is not a file format the engine reads (parquet, csv, json)"
        )
    path = storage_path(location)
    if not path.exists():
        raise DataUnavailable(f"no data at {location}")
    return TableSource(
        name=table_name,
        kind="files",
        fields=fields,
        format=kind,
        path=path,
        partitioned_by=list(schema.get("partitioned_by") or []),
    )


# --- types -----------------------------------------------------------------------------------


def duckdb_type(contract_type: str) -> str | None:
    try:
        return _duckdb_type(parse_type(contract_type))
    except (TypeSyntaxError, KeyError):
        return None


def _duckdb_type(t) -> str:
    if t.kind == "decimal":
        return f"DECIMAL({t.precision},{t.scale})"
    if t.kind == "array":
        return _duckdb_type(t.element) + "[]"
    if t.kind == "struct":
        return "STRUCT(" + ", ".join(f"{quote_ident(n)} {_duckdb_type(m)}" for n, m in t.fields) + ")"
    return {
        "string": "VARCHAR",
        "integer": "INTEGER",
        "bigint": "BIGINT",
        "double": "DOUBLE",
        "boolean": "BOOLEAN",
        "date": "DATE",
        "timestamp": "TIMESTAMP",
    }[t.kind]


def arrow_type(contract_type: str):
    try:
        t = parse_type(contract_type)
    except TypeSyntaxError:
        return None
    if t.kind == "decimal":
        return pa.decimal128(t.precision, t.scale)
    return {
        "string": pa.string(),
        "integer": pa.int32(),
        "bigint": pa.int64(),
        "double": pa.float64(),
        "boolean": pa.bool_(),
        "date": pa.date32(),
        "timestamp": pa.timestamp("us"),
    }.get(t.kind)


def field_kind(contract_type: str) -> str:
    """numeric | text | temporal | boolean | nested."""
    try:
        kind = parse_type(contract_type).kind
    except TypeSyntaxError:
        return "nested"
    if kind in ("integer", "bigint", "double", "decimal"):
        return "numeric"
    if kind == "string":
        return "text"
    if kind in ("date", "timestamp"):
        return "temporal"
    return "boolean" if kind == "boolean" else "nested"


# --- the trusted native scan ------------------------------------------------------------------


def _types_of(src: TableSource, names) -> dict[str, str]:
    by_name = {f["name"]: f.get("type") or "" for f in src.fields}
    return {n: t for n in names if (t := duckdb_type(by_name.get(n, "")))}


def _duckdb_map(mapping: dict[str, str]) -> str:
    return "{" + ", ".join(f"{sql_str(k)}: {sql_str(v)}" for k, v in mapping.items()) + "}"


def file_glob(src: TableSource) -> str:
    if not src.is_folder:
        return str(src.path)
    patterns = _EXTENSIONS[src.format]
    return str(src.path / "**" / patterns[0])


def native_relation(src: TableSource) -> str:
    """SQL for the product's rows read natively by DuckDB (trusted, generated SQL only)."""
    if src.kind == "duckdb":
        return f"{quote_ident('wh_' + src.source)}.{quote_ident(src.db_schema)}.{quote_ident(src.table)}"
    target = sql_str(file_glob(src))
    hive = ""
    if src.is_folder and src.partitioned_by:
        hive_types = _types_of(src, src.partitioned_by)
        hive = ", hive_partitioning = true" + (
            f", hive_types = {_duckdb_map(hive_types)}" if hive_types else ""
        )
    elif src.is_folder:
        hive = ", hive_partitioning = false"
    union = ", union_by_name = true" if src.is_folder else ""
    if src.format == "parquet":
        return f"read_parquet({target}{hive}{union})"
    if src.format == "csv":
        header = csv_header(src)
        types = _types_of(src, [n for n in header if n not in src.partitioned_by])
        typed = f", types = {_duckdb_map(types)}" if types else ""
        return f"read_csv({target}, header = true{typed}{hive}{union})"
    return f"read_json_auto({target}{hive}{union})"


def data_files(src: TableSource) -> list[Path]:
    """The data files of a folder product, sorted; hidden and `_`-prefixed files skipped.
    os.walk (as Path.rglob did, it does not descend into symlinked folders) lists a
    partitioned folder several times faster than rglob."""
    if not src.is_folder:
        return [src.path]
    patterns = _EXTENSIONS[src.format]
    files = []
    for root, _dirs, names in os.walk(src.path):
        files += [
            Path(root, name)
            for name in names
            if not name.startswith((".", "_")) and any(fnmatch.fnmatch(name, p) for p in patterns)
        ]
    return sorted(files)


def csv_header(src: TableSource) -> list[str]:
    files = data_files(src)
    if not files:
        return []
    with open(files[0], encoding="utf-8", newline="") as handle:
        import csv

        return next(csv.reader(handle), [])


# --- Arrow, for the locked sandbox ---------------------------------------------------------------


def arrow_data(src: TableSource):
    """A pyarrow dataset over the product's files (scanned lazily, partitions typed by the
    contract); for a table in the demo's DuckDB warehouse, the table read into memory."""
    if src.kind == "files":
        files = [str(p) for p in data_files(src)]
        if not files:
            raise DataUnavailable(f"no {src.format} files under {src.path}")
        partitioning = None
        if src.is_folder and src.partitioned_by:
            by_name = {f["name"]: f.get("type") or "" for f in src.fields}
            partitioning = ds.partitioning(
                pa.schema(
                    [(n, arrow_type(by_name.get(n, "string")) or pa.string()) for n in src.partitioned_by]
                ),
                flavor="hive",
            )
        fmt: object = src.format
        if src.format == "csv":
            import pyarrow.csv as pacsv

            types = {f["name"]: t for f in src.fields if (t := arrow_type(f.get("type") or ""))}
            types = {n: t for n, t in types.items() if n not in src.partitioned_by}
            fmt = ds.CsvFileFormat(convert_options=pacsv.ConvertOptions(column_types=types))
        return ds.dataset(
            files,
            format=fmt,
            partitioning=partitioning,
            partition_base_dir=str(src.path) if src.is_folder else None,
        )
    if src.kind == "duckdb":
        import duckdb

        with duckdb.connect(src.duckdb_file, read_only=True) as con:
            return con.execute(
                f"SELECT * FROM {quote_ident(src.db_schema)}.{quote_ident(src.table)}"
            ).to_arrow_table()
    return _postgres_arrow(src)


def _postgres_arrow(src: TableSource):
    import psycopg
    from psycopg import sql

    with psycopg.connect(src.url, connect_timeout=10) as conn:
        conn.read_only = True
        with conn.cursor() as cur:
            cur.execute(sql.SQL("SELECT * FROM {}").format(sql.Identifier(src.db_schema, src.table)))
            names = [d.name for d in cur.description]
            rows = cur.fetchall()
    return pa.table({n: [r[i] for r in rows] for i, n in enumerate(names)})


def path_within(path: Path, other: Path) -> bool:
    path, other = path.resolve(), other.resolve()
    return path == other or other in path.parents or path in other.parents
