"""The policy file's observability requirements: metrics a product publishes, alerts it raises."""

from __future__ import annotations

from .base import WARNING, RuleContext, Violation

# A required metric is met by a contract metric of the same name or of an accepted alias.
METRIC_ALIASES = {"null_rate": frozenset({"null_rate", "null_percentage_by_column"})}
# A required alert is met by a contract alert of one of these types (or of the same name).
ALERT_TYPES = {
    "freshness_violation": frozenset({"freshness"}),
    "quality_check_failure": frozenset({"quality"}),
    "schema_drift": frozenset({"schema"}),
    "volume_anomaly": frozenset({"volume"}),
}


def observability_requirements(ctx: RuleContext) -> list[Violation]:
    required = ctx.params.observability
    if required is None:
        return []
    observability = ctx.contract.get("observability") or {}
    metrics = {m.get("name") for m in observability.get("metrics") or ()}
    alerts = {a.get("type") for a in observability.get("alerts") or ()}
    missing_metrics = [
        name for name in required.metrics if not (METRIC_ALIASES.get(name, frozenset({name})) & metrics)
    ]
    missing_alerts = [
        name for name in required.alerts if not ((ALERT_TYPES.get(name, frozenset()) | {name}) & alerts)
    ]
    violations = []
    if missing_metrics:
        violations.append(
            Violation(
                "observability_requirements",
                WARNING,
                f"The product does not publish the required metrics: {', '.join(missing_metrics)}.",
                "observability.metrics",
                f"Add {', '.join(missing_metrics)} to `observability.metrics`.",
            )
        )
    if missing_alerts:
        wanted = [
            f"{name} (type {'/'.join(sorted(ALERT_TYPES.get(name, {name})))})" for name in missing_alerts
        ]
        violations.append(
            Violation(
                "observability_requirements",
                WARNING,
                f"The product has no alert for: {', '.join(missing_alerts)}.",
                "observability.alerts",
                f"Add alerts to `observability.alerts`: {', '.join(wanted)}.",
            )
        )
    return violations
