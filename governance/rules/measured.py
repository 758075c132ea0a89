"""Rules over measured results: what the latest quality run found, judged by the policies.

`evaluate_measured(contract, *, params, latest_run_summary)` is pure like the pre-publish
engine. `latest_run_summary` is `governance.checks.service.latest_run_summary(product)`:
{"run_id", "status", "finished_at", "error", "checks": [{"name", "kind", "passed", "count",
"threshold", "severity"}]}, or None when the product was never checked.

- quality_gates, error: a critical check failed in the latest run (or the run itself errored).
- quality_gates, warning: more than 5 % of the checks failed at a non-critical severity
  (info, warning or error) - the policy's "Warning threshold: <= 5%".
- domain_data_quality, warning: the measured completeness (percent) or freshness (hours) is
  worse than the domain's data_quality threshold.
"""

from __future__ import annotations

from ..policies import PolicyParams, Threshold
from .base import CRITICAL, ERROR, WARNING, Violation

WARNING_SHARE_LIMIT = 5.0  # percent of checks


def evaluate_measured(
    contract: dict, *, params: PolicyParams | None, latest_run_summary: dict | None
) -> list[Violation]:
    if not latest_run_summary:
        return []
    checks = latest_run_summary.get("checks") or []
    violations: list[Violation] = []
    run = latest_run_summary.get("run_id")
    if latest_run_summary.get("status") == "error":
        violations.append(
            Violation(
                "quality_gates",
                ERROR,
                f"The latest quality run ({run}) could not measure the product: {latest_run_summary.get('error')}",
                None,
                "Fix the product's data location or data source and run the checks again.",
            )
        )
    critical = [c["name"] for c in checks if not c["passed"] and c["severity"] == CRITICAL]
    if critical:
        violations.append(
            Violation(
                "quality_gates",
                ERROR,
                f"Critical checks failed in the latest quality run ({run}): {', '.join(critical)}.",
                "sla.quality_checks",
                "Fix the data (or the check) so that every critical check passes.",
            )
        )
    lesser = [c["name"] for c in checks if not c["passed"] and c["severity"] != CRITICAL]
    if checks and 100.0 * len(lesser) / len(checks) > WARNING_SHARE_LIMIT:
        share = 100.0 * len(lesser) / len(checks)
        violations.append(
            Violation(
                "quality_gates",
                WARNING,
                f"{len(lesser)} of {len(checks)} checks ({share:.1f}%) failed below critical severity in the "
                f"latest quality run ({run}), more than the {WARNING_SHARE_LIMIT:g}% allowed: {', '.join(lesser)}.",
                "sla.quality_checks",
                "Fix the failing checks.",
            )
        )
    if params is not None:
        domain = params.domain(contract.get("domain") or "")
        measured = {c["name"]: c for c in checks if c.get("kind") in ("completeness", "freshness")}
        for metric in ("completeness", "freshness"):
            threshold: Threshold | None = domain.data_quality.get(metric)
            result = measured.get(metric)
            if threshold is None or result is None or result.get("count") is None:
                continue
            value = result["count"]
            limit = (
                threshold if metric == "completeness" else Threshold(threshold.op, threshold.hours, "hours")
            )
            if limit.value is None or limit.satisfied_by(value):
                continue
            unit = "%" if metric == "completeness" else " hours"
            violations.append(
                Violation(
                    "domain_data_quality",
                    WARNING,
                    f"Measured {metric} is {value:g}{unit}; the {contract.get('domain')} domain requires "
                    f"{threshold} (latest quality run {run}).",
                    "sla.completeness.min_threshold"
                    if metric == "completeness"
                    else "sla.freshness.max_age_hours",
                    "Bring the data back within the domain's threshold.",
                )
            )
    return violations
