"""The seed governance engine (`GovernanceEngine.validate_data_product`), rule for rule.

These run on every contract whether or not a policy file is loaded.
"""

from __future__ import annotations

from catalog.models import Classification

from .base import CRITICAL, ERROR, WARNING, RuleContext, Violation, check_names, has_text

CLASSIFICATION_LEVELS = tuple(Classification.values)  # public, internal, confidential, restricted
REQUIRED_CHECKS = ("completeness", "freshness")


def data_classification(ctx: RuleContext) -> list[Violation]:
    value = ctx.contract.get("classification")
    if value is None or value == "":
        return [
            Violation(
                "data_classification",
                ERROR,
                "The data product has no classification.",
                "classification",
                f"Add `classification:` with one of {', '.join(CLASSIFICATION_LEVELS)}.",
            )
        ]
    if value not in CLASSIFICATION_LEVELS:
        return [
            Violation(
                "data_classification",
                ERROR,
                f"Classification {value!r} is not one of {', '.join(CLASSIFICATION_LEVELS)}.",
                "classification",
                f"Set `classification:` to one of {', '.join(CLASSIFICATION_LEVELS)} (lower case).",
            )
        ]
    return []


def pii_handling(ctx: RuleContext) -> list[Violation]:
    pii = [f for f in ctx.fields if f.get("is_pii")]
    if not pii:
        return []
    names = ", ".join(f["name"] for f in pii)
    violations = []
    if not ctx.contract.get("encryption_enabled"):
        violations.append(
            Violation(
                "pii_handling",
                CRITICAL,
                f"The product has PII fields ({names}) but column encryption is not enabled.",
                "encryption_enabled",
                "Encrypt the PII columns and set `encryption_enabled: true`.",
            )
        )
    if not ctx.contract.get("audit_logging_enabled"):
        violations.append(
            Violation(
                "pii_handling",
                CRITICAL,
                f"The product has PII fields ({names}) but audit logging is not enabled.",
                "audit_logging_enabled",
                "Enable access audit logging and set `audit_logging_enabled: true`.",
            )
        )
    for f in pii:
        if not has_text(f.get("pii_category")):
            violations.append(
                Violation(
                    "pii_handling",
                    ERROR,
                    f"PII field {f['name']} has no pii_category.",
                    f["name"],
                    f"Add `pii_category:` to {f['name']} (for example email, phone, name, address, national_id).",
                )
            )
    return violations


def schema_validation(ctx: RuleContext) -> list[Violation]:
    fields = ctx.fields
    if not fields:
        return [
            Violation(
                "schema_validation",
                ERROR,
                "The data product has no schema fields.",
                "schema.fields",
                "Describe the output in `schema.fields` (name, type, description, constraints).",
            )
        ]
    violations = []
    if not any(f.get("is_primary_key") for f in fields):
        violations.append(
            Violation(
                "schema_validation",
                WARNING,
                "No field is marked as the primary key.",
                "schema.fields",
                "Mark the identifying field(s) with `is_primary_key: true`.",
            )
        )
    for f in fields:
        if not has_text(f.get("description")):
            violations.append(
                Violation(
                    "schema_validation",
                    WARNING,
                    f"Field {f['name']} has no description.",
                    f["name"],
                    f"Add a `description:` to {f['name']}.",
                )
            )
    return violations


def quality_checks_of(ctx: RuleContext) -> list[str]:
    """A product's checks: its SQL checks, one per field constraint (`order_id.not_null`), plus
    `completeness` / `freshness` when its SLA declares them (the portal measures those)."""
    sla = ctx.contract.get("sla") or {}
    names = check_names(ctx.contract)
    for f in ctx.fields:
        names.extend(f"{f['name']}.{c.get('type')}" for c in f.get("constraints") or ())
    if sla.get("completeness"):
        names.append("completeness")
    if sla.get("freshness"):
        names.append("freshness")
    return names


def quality_gates(ctx: RuleContext) -> list[Violation]:
    names = quality_checks_of(ctx)
    violations = []
    if not names:
        violations.append(
            Violation(
                "quality_gates",
                WARNING,
                "The data product has no quality checks.",
                "sla.quality_checks",
                "Add SQL checks under `sla.quality_checks`, field constraints, or SLA completeness/freshness.",
            )
        )
    # The words of every name once (what name_mentions splits), not once per name per word:
    # compliance reports run this on every product.
    words = {w for n in names for w in n.lower().replace("-", "_").split("_")}
    missing = [word for word in REQUIRED_CHECKS if word not in words]
    if missing:
        violations.append(
            Violation(
                "quality_gates",
                WARNING,
                f"Quality checks do not cover {' and '.join(missing)}.",
                "sla",
                "Declare "
                + " and ".join(
                    "`sla.completeness.min_threshold`"
                    if m == "completeness"
                    else "`sla.freshness.max_age_hours`"
                    for m in missing
                )
                + " (or add a quality check named after it).",
            )
        )
    return violations


def data_retention(ctx: RuleContext) -> list[Violation]:
    if ctx.contract.get("retention_days") is None:
        return [
            Violation(
                "data_retention",
                ERROR,
                "The data product has no retention period.",
                "retention_days",
                "Add `retention_days:` (the global policy: operational 7 years, analytical 3 years, logs 1 year).",
            )
        ]
    return []
