"""The SLA and observability sections: percentages, freshness and its cron schedule, quality
checks and their SQL, metrics and alert conditions."""

import math
import re

from ..checker import Checker, describe
from ..cron import cron_problem
from ..errors import Path
from ..fieldtypes import parse_type
from ..vocab import ALERT_EVENTS, BUILTIN_METRICS, DEFAULT_SEVERITY, SEVERITIES

SLA_KEYS = ("availability", "freshness", "completeness", "quality_checks")
FRESHNESS_KEYS = ("max_age_hours", "update_schedule", "timestamp_field")
COMPLETENESS_KEYS = ("min_threshold",)
CHECK_KEYS = ("name", "query", "threshold", "severity", "description")
OBSERVABILITY_KEYS = ("metrics", "alerts")
METRIC_KEYS = ("name", "sql")
ALERT_KEYS = ("type", "condition", "severity")

_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)"
ALERT_CONDITION = re.compile(
    r"^\s*(?P<metric>[A-Za-z_][A-Za-z0-9_]*)\s*(?P<op>>=|<=|==|!=|>|<)\s*(?P<value>"
    + _NUMBER
    + r")\s*(?P<percent>%?)\s*$",
    re.ASCII,
)
ALERT_EVENT = re.compile(r"^\s*(?P<event>[A-Za-z_][A-Za-z0-9_]*)\s*$", re.ASCII)
DATE_TYPES = ("date", "timestamp")


def sql_tables(contract: dict) -> set[str]:
    tables = {port["table"] for port in contract["input_ports"] if port["table"]}
    if contract["schema"] and contract["schema"]["table"]:
        tables.add(contract["schema"]["table"])
    return tables


def read_sla(c: Checker, value, contract: dict) -> dict:
    path = ("sla",)
    sla = c.mapping(path, value, SLA_KEYS) or {}
    return {
        "availability": c.percent(path + ("availability",), sla.get("availability")),
        "freshness": read_freshness(c, path + ("freshness",), sla.get("freshness"), contract),
        "completeness": read_completeness(c, path + ("completeness",), sla.get("completeness")),
        "quality_checks": read_quality_checks(
            c, path + ("quality_checks",), sla.get("quality_checks"), contract
        ),
    }


def read_freshness(c: Checker, path: Path, value, contract: dict) -> dict | None:
    freshness = c.mapping(path, value, FRESHNESS_KEYS, ("max_age_hours",))
    if freshness is None:
        return None
    max_age = c.number(path + ("max_age_hours",), freshness.get("max_age_hours"), minimum=0, exclusive=True)
    schedule = c.string(
        path + ("update_schedule",), freshness.get("update_schedule"), max_length=100, non_empty=True
    )
    if schedule is not None and (problem := cron_problem(schedule)):
        c.error(path + ("update_schedule",), problem)
        schedule = None
    timestamp_field = c.string(path + ("timestamp_field",), freshness.get("timestamp_field"), non_empty=True)
    fields = (contract["schema"] or {}).get("fields") or []
    if timestamp_field is not None and fields:
        by_name = {f["name"].lower(): f for f in fields if f["name"]}
        field = by_name.get(timestamp_field.lower())
        if field is None:
            names = [f["name"] for f in fields if f["name"]]
            c.error(
                path + ("timestamp_field",),
                f"'{timestamp_field}' is not a field of the schema{c.suggest(timestamp_field, names)}",
            )
        elif field["type"] and parse_type(field["type"]).kind not in DATE_TYPES:
            c.error(
                path + ("timestamp_field",),
                f"'{timestamp_field}' has type {field['type']}; the timestamp field must be a date or timestamp",
            )
    return {
        "max_age_hours": None if max_age is None else float(max_age),
        "update_schedule": schedule,
        "timestamp_field": timestamp_field,
    }


def read_completeness(c: Checker, path: Path, value) -> dict | None:
    completeness = c.mapping(path, value, COMPLETENESS_KEYS, ("min_threshold",))
    if completeness is None:
        return None
    return {"min_threshold": c.percent(path + ("min_threshold",), completeness.get("min_threshold"))}


def read_quality_checks(c: Checker, path: Path, value, contract: dict) -> list[dict]:
    out: list[dict] = []
    names: dict[str, int] = {}
    tables = sql_tables(contract)
    for i, item in enumerate(c.items(path, value, "quality checks ({name, query, threshold})")):
        here = path + (i,)
        check = c.mapping(here, item, CHECK_KEYS, ("name", "query"))
        if check is None:
            if item is None:
                c.error(here, "a quality check is a mapping {name, query, threshold, severity}")
            continue
        name = c.string(here + ("name",), check.get("name"), max_length=200, non_empty=True)
        if name is not None:
            if name in names:
                c.error(
                    here + ("name",),
                    f"duplicate quality check name '{name}' (also quality_checks[{names[name]}])",
                )
            names.setdefault(name, i)
        query = c.string(here + ("query",), check.get("query"), non_empty=True)
        if query is not None:
            c.sql(here + ("query",), query, tables, single_value=True)
        threshold = c.number(here + ("threshold",), check.get("threshold"), minimum=0)
        out.append(
            {
                "name": name,
                "query": query,
                "threshold": float(threshold) if threshold is not None else 0.0,
                "severity": c.choice(
                    here + ("severity",), check.get("severity"), SEVERITIES, DEFAULT_SEVERITY
                ),
                "description": c.string(here + ("description",), check.get("description")),
            }
        )
    return out


def read_observability(c: Checker, value, contract: dict) -> dict:
    path = ("observability",)
    observability = c.mapping(path, value, OBSERVABILITY_KEYS) or {}
    metrics = read_metrics(c, path + ("metrics",), observability.get("metrics"), contract)
    measured = set(BUILTIN_METRICS) | {m["name"] for m in metrics if m["sql"]}
    return {
        "metrics": metrics,
        "alerts": read_alerts(c, path + ("alerts",), observability.get("alerts"), measured),
    }


def read_metrics(c: Checker, path: Path, value, contract: dict) -> list[dict]:
    out: list[dict] = []
    names: dict[str, int] = {}
    tables = sql_tables(contract)
    for i, item in enumerate(c.items(path, value, "metrics")):
        here = path + (i,)
        if isinstance(item, str):
            name = c.identifier(here, item)
            sql = None
            if name is not None and name not in BUILTIN_METRICS:
                c.warning(
                    here,
                    f"metric '{name}' is not measured: it is not a built-in metric{c.suggest(name, BUILTIN_METRICS)} "
                    "and has no SQL; declare it as {name: ..., sql: SELECT ...}",
                )
        elif isinstance(item, dict):
            metric = c.mapping(here, item, METRIC_KEYS, ("name", "sql"))
            name = c.identifier(here + ("name",), metric.get("name"))
            if name in BUILTIN_METRICS:
                c.error(here + ("name",), f"'{name}' is a built-in metric; give the SQL metric another name")
            sql = c.string(here + ("sql",), metric.get("sql"), non_empty=True)
            if sql is not None:
                c.sql(here + ("sql",), sql, tables)
        else:
            c.error(here, f"a metric is a built-in metric name or {{name, sql}}; found {describe(item)}")
            continue
        if name is None:
            continue
        if name in names:
            c.error(here, f"duplicate metric '{name}' (also metrics[{names[name]}])")
            continue
        names[name] = i
        out.append({"name": name, "sql": sql, "builtin": sql is None and name in BUILTIN_METRICS})
    return out


def read_alerts(c: Checker, path: Path, value, measured: set[str]) -> list[dict]:
    out: list[dict] = []
    for i, item in enumerate(c.items(path, value, "alerts ({type, condition, severity})")):
        here = path + (i,)
        alert = c.mapping(here, item, ALERT_KEYS, ("type", "condition"))
        if alert is None:
            if item is None:
                c.error(here, "an alert is a mapping {type, condition, severity}")
            continue
        entry = {
            "type": c.slug(here + ("type",), alert.get("type"), max_length=30),
            "condition": c.string(here + ("condition",), alert.get("condition"), max_length=300),
            "severity": c.choice(here + ("severity",), alert.get("severity"), SEVERITIES, DEFAULT_SEVERITY),
            "metric": None,
            "op": None,
            "value": None,
            "percent": False,
            "event": None,
        }
        condition = entry["condition"]
        if condition is not None:
            entry.update(read_condition(c, here + ("condition",), condition, measured))
        out.append(entry)
    return out


def read_condition(c: Checker, path: Path, condition: str, measured: set[str]) -> dict:
    match = ALERT_CONDITION.match(condition)
    if match and not math.isfinite(float(match.group("value"))):
        c.error(path, f"{match.group('value')} is not a usable number")
        return {}
    if match:
        metric = match.group("metric")
        if metric not in measured:
            c.warning(
                path,
                f"metric '{metric}' is not measured: it is neither built-in{c.suggest(metric, measured)} "
                "nor declared with SQL in observability.metrics, so this alert never fires",
            )
        return {
            "metric": metric,
            "op": match.group("op"),
            "value": float(match.group("value")),
            "percent": bool(match.group("percent")),
        }
    if match := ALERT_EVENT.match(condition):
        event = match.group("event")
        if event not in ALERT_EVENTS:
            c.error(
                path,
                f"unknown alert event '{event}'{c.suggest(event, ALERT_EVENTS)}; events are "
                f"{', '.join(ALERT_EVENTS)} (or write a condition '<metric> <op> <number>')",
            )
            return {}
        return {"event": event}
    c.error(
        path,
        f"{condition!r} is not an alert condition: write '<metric> <op> <number>[%]' with op one of "
        "> >= < <= == != (e.g. 'age_hours > 26'), or an event name such as quality_check_failed",
    )
    return {}
