"""The intermediate form of a check: what to measure, on which column, against what.

`checks_of(contract)` turns a normalized contract (catalog.contracts) into `Check`s in the
order results are reported: field constraints (`<field>_<constraint>`, in field order), then
`completeness`, `freshness`, `schema`, `schema_drift`, then every SQL check by its name. The
engines (governance.checks.compile) turn them into SQL for DuckDB or PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field

CONSTRAINT_KINDS = ("not_null", "unique", "min", "max", "in", "pattern", "min_length", "max_length")

# Severities of the checks the contract does not give one (documented in docs/quality-checks.md).
CONSTRAINT_SEVERITY = "critical"
COMPLETENESS_SEVERITY = "error"
FRESHNESS_SEVERITY = "error"
SCHEMA_SEVERITY = "critical"
SCHEMA_DRIFT_SEVERITY = "warning"


@dataclass(frozen=True)
class Check:
    """One check. `kind` is constraint | completeness | freshness | schema | sql; `op` is how
    `count` is compared with `threshold`: "<=" (a count of bad rows) or ">=" (completeness)."""

    name: str
    kind: str
    severity: str
    threshold: float = 0.0
    unit: str = "rows"  # rows | percent | hours | columns
    op: str = "<="
    column: str | None = None
    constraint: str | None = None  # for kind=constraint: one of CONSTRAINT_KINDS
    value: object = None  # the constraint's bound, list or pattern
    query: str | None = None  # for kind=sql
    description: str = ""

    def passes(self, count: float | None) -> bool:
        if count is None:
            return False
        return count >= self.threshold if self.op == ">=" else count <= self.threshold


@dataclass(frozen=True)
class MetricSpec:
    name: str
    sql: str | None = None  # a contract metric {name, sql}; None for the built-in metrics


@dataclass
class Plan:
    """Everything a run measures for one product version."""

    checks: list[Check] = field(default_factory=list)
    sql_metrics: list[MetricSpec] = field(default_factory=list)
    fields: list[dict] = field(default_factory=list)
    freshness_field: str | None = None


def _constraint_kind(constraint: dict) -> str:
    return constraint.get("type") or ""


def checks_of(contract: dict) -> Plan:
    schema = contract.get("schema") or {}
    fields = list(schema.get("fields") or [])
    sla = contract.get("sla") or {}
    plan = Plan(fields=fields)
    seen: set[str] = set()

    def add(check: Check) -> None:
        # Names are unique per run (CheckResult's constraint); a clash gets a numeric suffix.
        name, n = check.name, 2
        while name in seen:
            name, n = f"{check.name}_{n}", n + 1
        seen.add(name)
        plan.checks.append(check if name == check.name else _renamed(check, name))

    for f in fields:
        for constraint in f.get("constraints") or ():
            kind = _constraint_kind(constraint)
            if kind not in CONSTRAINT_KINDS:
                continue
            add(
                Check(
                    name=f"{f['name']}_{kind}",
                    kind="constraint",
                    severity=CONSTRAINT_SEVERITY,
                    column=f["name"],
                    constraint=kind,
                    value=constraint.get("value"),
                )
            )
    completeness = sla.get("completeness")
    if completeness and fields:
        add(
            Check(
                name="completeness",
                kind="completeness",
                severity=COMPLETENESS_SEVERITY,
                threshold=float(completeness["min_threshold"]),
                unit="percent",
                op=">=",
            )
        )
    freshness = sla.get("freshness")
    plan.freshness_field = (freshness or {}).get("timestamp_field") or next(
        iter(schema.get("partitioned_by") or ()), None
    )
    if freshness and plan.freshness_field:
        add(
            Check(
                name="freshness",
                kind="freshness",
                severity=FRESHNESS_SEVERITY,
                threshold=float(freshness["max_age_hours"]),
                unit="hours",
                column=plan.freshness_field,
            )
        )
    if fields:
        add(Check(name="schema", kind="schema", severity=SCHEMA_SEVERITY, unit="columns"))
        add(Check(name="schema_drift", kind="schema", severity=SCHEMA_DRIFT_SEVERITY, unit="columns"))
    for q in sla.get("quality_checks") or ():
        add(
            Check(
                name=q["name"],
                kind="sql",
                severity=q.get("severity") or "critical",
                threshold=float(q.get("threshold") or 0),
                query=q["query"],
                description=q.get("description") or "",
            )
        )
    for m in (contract.get("observability") or {}).get("metrics") or ():
        if m.get("sql"):
            plan.sql_metrics.append(MetricSpec(name=m["name"], sql=m["sql"]))
    return plan


def _renamed(check: Check, name: str) -> Check:
    from dataclasses import replace

    return replace(check, name=name)
