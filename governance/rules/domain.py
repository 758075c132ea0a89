"""Rules from a domain's policies in the policy file (`domain_policies.<domain>`)."""

from __future__ import annotations

from catalog.models import CLASSIFICATION_RANK

from ..policies import Threshold
from .base import CRITICAL, ERROR, INFO, WARNING, RuleContext, Violation, check_names, name_mentions

# What the contract declares for a data-quality metric: (dotted path, value getter, unit).
_DECLARED = {
    "completeness": (
        "sla.completeness.min_threshold",
        lambda sla: (sla.get("completeness") or {}).get("min_threshold"),
    ),
    "freshness": (
        "sla.freshness.max_age_hours",
        lambda sla: (sla.get("freshness") or {}).get("max_age_hours"),
    ),
    "availability": ("sla.availability", lambda sla: sla.get("availability")),
}


def _declared_in(metric: str, threshold: Threshold) -> str:
    if metric == "freshness":
        return f"{threshold.hours:g} hour{'' if threshold.hours == 1 else 's'}"
    return f"{threshold.value:g}%"


def domain_data_quality(ctx: RuleContext) -> list[Violation]:
    """The SLA must be at least as strict as the domain's data_quality thresholds.

    completeness, freshness and availability are declared in the SLA: weaker -> error, not
    declared -> warning. Other metrics (accuracy, ...) cannot be declared: warning unless a
    quality check is named after the metric (`amount_accuracy`).
    """
    domain = ctx.contract.get("domain")
    sla = ctx.contract.get("sla") or {}
    violations = []
    for metric, threshold in ctx.domain.data_quality.items():
        required = f"{metric} {threshold}"
        if metric not in _DECLARED:
            if not any(name_mentions(name, metric) for name in check_names(ctx.contract)):
                violations.append(
                    Violation(
                        "domain_data_quality",
                        WARNING,
                        f"The {domain} domain requires {required}, which the contract does not declare.",
                        "sla.quality_checks",
                        f"Add a quality check named after {metric} (e.g. `{metric}_vs_source`) that verifies it.",
                    )
                )
            continue
        path, getter = _DECLARED[metric]
        declared = getter(sla)
        if declared is None:
            violations.append(
                Violation(
                    "domain_data_quality",
                    WARNING,
                    f"The {domain} domain requires {required}; the SLA does not declare {metric}.",
                    path,
                    f"Declare `{path}` of {_declared_in(metric, threshold)} or stricter.",
                )
            )
            continue
        limit = threshold if metric != "freshness" else Threshold(threshold.op, threshold.hours, "hours")
        if not limit.satisfied_by(declared):
            unit = " hours" if metric == "freshness" else "%"
            violations.append(
                Violation(
                    "domain_data_quality",
                    ERROR,
                    f"The SLA declares {metric} {declared:g}{unit}, weaker than the {domain} domain's {required}.",
                    path,
                    f"Set `{path}` to {_declared_in(metric, threshold)} or stricter (and meet it).",
                )
            )
    return violations


def default_access(ctx: RuleContext) -> list[Violation]:
    required = ctx.domain.default_access
    declared = ctx.contract.get("classification")
    # A missing or unknown classification is data_classification's error; don't repeat it.
    if declared not in CLASSIFICATION_RANK or required not in CLASSIFICATION_RANK:
        return []
    if CLASSIFICATION_RANK[declared] < CLASSIFICATION_RANK[required]:
        return [
            Violation(
                "default_access",
                ERROR,
                f"Classification {declared} is less strict than the {ctx.contract.get('domain')} "
                f"domain's default access, {required}.",
                "classification",
                f"Classify the product as {required} or stricter.",
            )
        ]
    return []


def domain_pii_fields(ctx: RuleContext) -> list[Violation]:
    pii_names = ctx.domain.pii_fields
    return [
        Violation(
            "domain_pii_fields",
            CRITICAL,
            f"Field {f['name']} is PII in the {ctx.contract.get('domain')} domain but is not marked is_pii.",
            f["name"],
            f"Mark {f['name']} with `is_pii: true` and a `pii_category`.",
        )
        for f in ctx.fields
        if f.get("name") in pii_names and not f.get("is_pii")
    ]


def approval_required(ctx: RuleContext) -> list[Violation]:
    names = ctx.domain.approval_required
    return [
        Violation(
            "approval_required",
            INFO,
            f"Access to field {f['name']} requires approval in the {ctx.contract.get('domain')} domain.",
            f["name"],
            None,
        )
        for f in ctx.fields
        if f.get("name") in names
    ]


def sox_compliance(ctx: RuleContext) -> list[Violation]:
    if not ctx.domain.sox_compliance:
        return []
    return [
        Violation(
            "sox_compliance",
            INFO,
            f"Products of the {ctx.contract.get('domain')} domain are in scope for SOX compliance.",
            None,
            None,
        )
    ]


def audit_all_access(ctx: RuleContext) -> list[Violation]:
    if not ctx.domain.audit_all_access:
        return []
    return [
        Violation(
            "audit_all_access",
            INFO,
            f"Every access to products of the {ctx.contract.get('domain')} domain is audited.",
            None,
            None,
        )
    ]
