"""What the product generators share: one in-memory DuckDB, deterministic randomness, and
writers that conform rows to the product's contract.

Randomness is a hash of (row number, a salt naming the draw, the seed), never a random number
generator: the value of a cell does not depend on thread scheduling or on the order in which
rows are produced, so two runs with the same scale, seed and `now` give the same rows.
"""

from __future__ import annotations

import shutil
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import yaml

from . import vocabulary

S3_PREFIX = "s3://data-products/"
CONTRACTS_DIR = Path(__file__).resolve().parents[2] / "examples" / "contracts"
SCALES = ("small", "full")


def sql_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def sql_list(values) -> str:
    return "[" + ", ".join(sql_str(v) for v in values) + "]"


def sql_ts(value: datetime) -> str:
    return f"TIMESTAMP '{value.isoformat(sep=' ')}'"


def sql_date(value: date) -> str:
    return f"DATE '{value.isoformat()}'"


def pick(values, i: str, salt: str) -> str:
    """SQL drawing one of `values` uniformly, from the hash of the SQL expression `i` and `salt`."""
    values = list(values)
    return f"pick({sql_list(values)}, {len(values)}, {i}, {sql_str(salt)})"


def weighted(u: str, choices: list[tuple[str, float]]) -> str:
    """A CASE expression giving each value with its weight, from the uniform draw `u`."""
    total = sum(weight for _, weight in choices)
    branches, cumulative = [], 0.0
    for value, weight in choices[:-1]:
        cumulative += weight / total
        branches.append(f"WHEN {u} < {cumulative:.6f} THEN {sql_str(value)}")
    return f"(CASE {' '.join(branches)} ELSE {sql_str(choices[-1][0])} END)"


def duckdb_type(contract_type: str) -> str:
    """The DuckDB type of a contract type (string, decimal(12,2), array<string>, struct<a: string>...)."""
    text = contract_type.strip()
    lower = text.lower()
    if lower.startswith("array<") and lower.endswith(">"):
        return duckdb_type(text[6:-1]) + "[]"
    if lower.startswith("struct<") and lower.endswith(">"):
        members, depth, start = [], 0, 7
        for pos in range(7, len(text)):
            char = text[pos]
            depth += char == "<"
            depth -= char == ">"
            if (char == "," and depth == 0) or pos == len(text) - 1:
                name, _, member_type = text[start:pos].partition(":")
                members.append(f'"{name.strip()}" {duckdb_type(member_type)}')
                start = pos + 1
        return f"STRUCT({', '.join(members)})"
    if lower.startswith("decimal"):
        return lower.upper()
    scalar = {
        "string": "VARCHAR",
        "integer": "INTEGER",
        "bigint": "BIGINT",
        "double": "DOUBLE",
        "boolean": "BOOLEAN",
        "date": "DATE",
        "timestamp": "TIMESTAMP",
    }
    return scalar[lower]


@dataclass
class Problem:
    """A defect seeded into a product's data on purpose, so checks and alerts have findings.

    `count` rows are affected; each check in `checks` and each constraint (`field.kind`) in
    `constraints` finds exactly `count` more rows because of it. `alert` names the alert type
    (freshness, volume, schema) a problem without a row count is meant to trigger. A problem
    whose `checks` is `["completeness"]` has no count: the product's completeness (percent of
    non-null cells over all the contract's fields, `expected.completeness`) is below its SLA,
    and `details` says by how much and which fields are empty (see `Generation.completeness`).
    """

    id: str
    description: str
    count: int | None = None
    checks: list[str] = field(default_factory=list)
    constraints: list[str] = field(default_factory=list)
    alert: str | None = None
    details: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)


class Generation:
    """One run of the generator: the DuckDB connection, the scale, `now` and where files go."""

    def __init__(
        self, *, storage_root: Path, scale: str, now: datetime, seed: int, data_sources: dict[str, str]
    ):
        if scale not in SCALES:
            raise ValueError(f"scale must be one of {', '.join(SCALES)}, not {scale!r}")
        self.storage_root = Path(storage_root)
        self.scale = scale
        self.now = now
        self.today = now.date()
        self.seed = seed
        self.data_sources = dict(data_sources)
        self.warehouse_tables: dict[str, dict] = {}  # location -> where the table was loaded
        self.con = duckdb.connect()
        self.contracts = load_contracts()
        self._install_helpers()

    # --- sizes and time -------------------------------------------------------------------
    def size(self, *, small: int, full: int) -> int:
        return small if self.scale == "small" else full

    def ago(self, **delta) -> datetime:
        return self.now - timedelta(**delta)

    def last_run(self, hour: int, minute: int = 0) -> datetime:
        """The latest daily run at hour:minute UTC that is not after `now`."""
        run = self.now.replace(hour=hour, minute=minute, second=0, microsecond=0)
        return run if run <= self.now else run - timedelta(days=1)

    # --- SQL --------------------------------------------------------------------------------
    def _install_helpers(self):
        seed = int(self.seed)
        self.con.execute(
            f"CREATE MACRO rnd(i, salt) AS (hash(i, salt, {seed}) % 1000000007)::DOUBLE / 1000000007"
        )
        self.con.execute(
            f"CREATE MACRO rint(i, salt, lo, hi) AS (lo + hash(i, salt, {seed}) % (hi - lo + 1))::BIGINT"
        )
        # the list's length is a parameter: len() of a constant list is evaluated per row
        self.con.execute(
            f"CREATE MACRO pick(options, n, i, salt) AS options[1 + (hash(i, salt, {seed}) % n)::BIGINT]"
        )
        # approximately standard normal: the sum of four uniforms, centred and scaled (Irwin-Hall)
        self.con.execute(
            "CREATE MACRO gauss(i, salt) AS "
            "(rnd(i, salt || '1') + rnd(i, salt || '2') + rnd(i, salt || '3') + rnd(i, salt || '4') - 2) * 1.7320508"
        )
        self.con.execute(
            "CREATE MACRO customer_segment(n) AS CASE WHEN rnd(n, 'segment') < 0.05 THEN 'platinum' "
            "WHEN rnd(n, 'segment') < 0.20 THEN 'gold' WHEN rnd(n, 'segment') < 0.50 THEN 'silver' ELSE 'bronze' END"
        )
        # one row per weight unit, so that a uniform index into the table draws cities by weight
        rows = []
        for country, code, weight, places in vocabulary.COUNTRIES:
            for city, postal in places:
                rows += [
                    (len(rows) + k, country, code, city, postal)
                    for k in range(round(weight * 10 / len(places)))
                ]
        self.con.execute(
            "CREATE TABLE cities (idx INTEGER, country VARCHAR, calling_code VARCHAR, city VARCHAR, postal VARCHAR)"
        )
        self.con.executemany("INSERT INTO cities VALUES (?, ?, ?, ?, ?)", rows)
        self.city_count = len(rows)

    def sql(self, query: str):
        return self.con.execute(query)

    def scalar(self, query: str):
        return self.con.execute(query).fetchone()[0]

    def count(self, table: str, where: str = "TRUE") -> int:
        return int(self.scalar(f"SELECT COUNT(*) FROM {table} WHERE {where}"))

    # --- contracts and locations -----------------------------------------------------------
    def contract(self, key: str) -> dict:
        return self.contracts[key]

    def path_of(self, location: str) -> Path:
        if not location.startswith(S3_PREFIX):
            raise ValueError(f"{location} is not under {S3_PREFIX}")
        path = (self.storage_root / location[len(S3_PREFIX) :]).resolve()
        if self.storage_root.resolve() not in path.parents:
            raise ValueError(f"{location} resolves outside the storage root")
        return path

    def conformed(
        self,
        key: str,
        table: str,
        *,
        where: str = "TRUE",
        extra: tuple[str, ...] = (),
        exclude: tuple[str, ...] = (),
    ) -> str:
        """SELECT the contract's fields, in its order and cast to its types, from `table`."""
        columns = [
            f'CAST("{f["name"]}" AS {duckdb_type(f["type"])}) AS "{f["name"]}"'
            for f in self.contract(key)["schema"]["fields"]
            if f["name"] not in exclude
        ]
        columns += [f'"{name}"' for name in extra]
        return f"SELECT {', '.join(columns)} FROM {table} WHERE {where}"

    def completeness(self, key: str, table: str) -> dict:
        """The completeness check of the product's rows in `table`, as the quality engine measures
        it: non-null cells over rows x all the contract's fields, in percent (6 decimals), with
        the contract's threshold and the null cells of each field that has any."""
        contract = self.contract(key)
        names = [f["name"] for f in contract["schema"]["fields"]]
        counts = self.con.execute(
            "SELECT COUNT(*), "
            + ", ".join(f'COUNT(*) - COUNT("{name}")' for name in names)
            + f" FROM ({self.conformed(key, table)})"
        ).fetchone()
        rows, nulls = int(counts[0]), dict(zip(names, (int(n) for n in counts[1:]), strict=True))
        cells, null_cells = rows * len(names), sum(nulls.values())
        threshold = (contract["sla"].get("completeness") or {}).get("min_threshold")
        return {
            "percent": 100.0 if cells == 0 else round(100.0 * (cells - null_cells) / cells, 6),
            "threshold": None if threshold is None else float(str(threshold).strip().rstrip("%")),
            "cells": cells,
            "null_cells": null_cells,
            "null_cells_by_field": {name: n for name, n in nulls.items() if n},
        }

    def completeness_problem(self, key: str, table: str, problem_id: str, description: str) -> Problem:
        """The problem recording that the product's completeness is below its SLA by design."""
        measured = self.completeness(key, table)
        if measured["threshold"] is None or measured["percent"] >= measured["threshold"]:
            raise ValueError(f"{key}: completeness {measured['percent']}% meets its SLA; nothing to record")
        return Problem(problem_id, description, checks=["completeness"], details=measured)

    # --- writers -----------------------------------------------------------------------------
    def clear(self, key: str) -> Path:
        """Remove what a previous run wrote for the product; return its folder (or file)."""
        path = self.path_of(self.contract(key)["schema"]["location"])
        if path.suffix in (".parquet", ".csv"):
            path.unlink(missing_ok=True)
        elif path.exists():
            shutil.rmtree(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def write_parquet_files(self, key: str, table: str, *, files: int = 1, order_by: str):
        """Write the product as `files` Parquet files (part-0.parquet, ...) in its folder, or as
        the single file its location names."""
        path = self.clear(key)
        if path.suffix == ".parquet":
            self.copy_to(f"{self.conformed(key, table)} ORDER BY {order_by}", path, "FORMAT parquet")
            return
        path.mkdir(parents=True)
        # sorted once; a table keeps insertion order, so rowid ranges cut it into files
        self.sql(f"CREATE OR REPLACE TEMP TABLE _sorted AS {self.conformed(key, table)} ORDER BY {order_by}")
        per_file = -(-self.count("_sorted") // files)
        for part in range(files):
            self.copy_to(
                f"SELECT * FROM _sorted WHERE rowid >= {part * per_file} AND rowid < {(part + 1) * per_file} ORDER BY rowid",
                path / f"part-{part}.parquet",
                "FORMAT parquet",
            )
        self.sql("DROP TABLE _sorted")

    def write_partitioned(self, key: str, table: str, *, order_by: str, where: str = "TRUE"):
        """Write hive-partitioned Parquet: <column>=<value>/part-0.parquet per partition."""
        path = self.clear(key)
        partition = self.contract(key)["schema"]["partitioned_by"]
        columns = ", ".join(partition)
        self.copy_to(
            f"{self.conformed(key, table, where=where)} ORDER BY {order_by}",
            path,
            f"FORMAT parquet, PARTITION_BY ({columns}), FILENAME_PATTERN 'part-{{i}}'",
        )

    def copy_to(self, query: str, target: Path, options: str):
        """COPY the rows of `query` to a file or folder, with DuckDB's COPY options."""
        self.con.execute(f"COPY ({query}) TO {sql_str(str(target))} ({options})")

    def files_of(self, key: str) -> list[str]:
        """The product's files, relative to the storage root, sorted."""
        path = self.path_of(self.contract(key)["schema"]["location"])
        found = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
        return [p.relative_to(self.storage_root.resolve()).as_posix() for p in found]


def load_contracts() -> dict[str, dict]:
    contracts = {}
    for path in sorted(CONTRACTS_DIR.glob("*/*.yaml")):
        document = yaml.safe_load(path.read_text())
        contracts[f"{document['domain']}/{document['name']}"] = document
    return contracts


def contract_constraints(contract: dict) -> list[str]:
    """`field.kind` names of every field constraint of a contract, e.g. `total_amount.min`."""
    names = []
    for f in contract["schema"]["fields"]:
        for constraint in f.get("constraints") or []:
            kind = constraint if isinstance(constraint, str) else next(iter(constraint))
            names.append(f"{f['name']}.{kind}")
    return names
