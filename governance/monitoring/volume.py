"""Volume: the row-count change a run measured, and where the data's time comes from when the
contract names no timestamp field.

`row_count_change` (percent) compares the product's *newest load* with the load before it:
- a hive-partitioned product (schema.partitioned_by): the newest partition's rows against the
  partition before it, read in one grouped count over the partition columns (the table total
  would hide a jump in the daily load under the history);
- any other product: the run's `row_count` against the previous run's.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.utils import timezone

from ..checks.sandbox import SandboxError, TrustedDuckDB
from ..checks.storage import DataUnavailable, data_files, native_relation, quote_ident, source_of

logger = logging.getLogger(__name__)


def percent_change(previous: float | None, current: float | None) -> float | None:
    if previous is None or current is None:
        return None
    if previous == 0:
        return 0.0 if current == 0 else None  # from nothing to something: no finite percentage
    return round(100.0 * (current - previous) / previous, 4)


def partition_counts(contract: dict) -> list[tuple[str, int]] | None:
    """[(partition, rows)] of the two newest partitions, newest first; None when the product is
    not a partitioned folder of files or cannot be read."""
    schema = contract.get("schema") or {}
    columns = list(schema.get("partitioned_by") or [])
    if not columns:
        return None
    try:
        own = source_of(contract)
    except DataUnavailable:
        return None
    if own.kind != "files" or not own.is_folder:
        return None
    cols = ", ".join(quote_ident(c) for c in columns)
    order = ", ".join(f"{quote_ident(c)} DESC" for c in columns)
    sql = f"SELECT {cols}, COUNT(*) FROM {native_relation(own)} GROUP BY ALL ORDER BY {order} LIMIT 2"
    try:
        with TrustedDuckDB(directories=[own.path]) as box:
            rows, _ = box.rows(sql, limit=2)
    except (SandboxError, Exception) as exc:  # volume is an extra reading: never fail a run for it
        logger.warning("partition counts of %s failed: %s", own.path, exc)
        return None
    return [
        ("/".join(f"{c}={v}" for c, v in zip(columns, row[:-1], strict=True)), int(row[-1])) for row in rows
    ]


def files_modified_at(contract: dict) -> dt.datetime | None:
    """The newest modification time of the product's files: the data time of last resort."""
    try:
        own = source_of(contract)
    except DataUnavailable:
        return None
    if own.kind != "files":
        return None
    try:
        newest = max(p.stat().st_mtime for p in data_files(own))
    except (ValueError, OSError):
        return None
    return dt.datetime.fromtimestamp(newest, tz=dt.UTC).astimezone(timezone.get_current_timezone())
