"""The pre-publish rules, in the order they run. governance.engine runs them.

Every rule is a function `rule(ctx: RuleContext) -> list[Violation]`, registered here under the
policy name its violations carry, with the condition under which the policies in force ask for
it. docs/governance.md has the table of rules.
"""

from . import automated, domain, observability, seed
from .base import BLOCKING, CRITICAL, ERROR, INFO, WARNING, Rule, RuleContext, Violation
from .breaking_changes import breaking_changes

PRE_PUBLISH_RULES: tuple[Rule, ...] = (
    # The seed engine: always.
    Rule("data_classification", seed.data_classification),
    Rule("pii_handling", seed.pii_handling),
    Rule("schema_validation", seed.schema_validation),
    Rule("quality_gates", seed.quality_gates),
    Rule("data_retention", seed.data_retention),
    # The policy file's policies for the contract's domain.
    Rule("domain_data_quality", domain.domain_data_quality, lambda ctx: bool(ctx.domain.data_quality)),
    Rule("default_access", domain.default_access, lambda ctx: ctx.domain.default_access is not None),
    Rule("domain_pii_fields", domain.domain_pii_fields, lambda ctx: bool(ctx.domain.pii_fields)),
    Rule("approval_required", domain.approval_required, lambda ctx: bool(ctx.domain.approval_required)),
    Rule("sox_compliance", domain.sox_compliance, lambda ctx: ctx.domain.sox_compliance),
    Rule("audit_all_access", domain.audit_all_access, lambda ctx: ctx.domain.audit_all_access),
    # The policy file's observability requirements and automated policies.
    Rule(
        "observability_requirements",
        observability.observability_requirements,
        lambda ctx: ctx.params.observability is not None,
    ),
    Rule(
        "schema_validation",
        automated.schema_field_types,
        lambda ctx: "types" in ctx.params.schema_requirements,
    ),
    Rule(
        "schema_validation",
        automated.schema_constraints,
        lambda ctx: "constraints" in ctx.params.schema_requirements,
    ),
    # Against the current published version; on by default, tuned by the file's breaking_changes.
    Rule("breaking_changes", breaking_changes, lambda ctx: ctx.previous is not None),
)

__all__ = [
    "BLOCKING",
    "CRITICAL",
    "ERROR",
    "INFO",
    "PRE_PUBLISH_RULES",
    "WARNING",
    "Rule",
    "RuleContext",
    "Violation",
]
