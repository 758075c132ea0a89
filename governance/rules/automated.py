"""The policy file's automated pre-publish `schema_validation`: what it adds to the seed's
primary-key and description checks (data types, constraints). Runs only when the loaded
policy set's schema_validation requires `types` / `constraints`."""

from __future__ import annotations

from .base import ERROR, WARNING, RuleContext, Violation, has_text


def schema_field_types(ctx: RuleContext) -> list[Violation]:
    return [
        Violation(
            "schema_validation",
            ERROR,
            f"Field {f.get('name')} has no data type.",
            f.get("name"),
            f"Add a `type:` to {f.get('name')} (string, integer, decimal(12,2), date, ...).",
        )
        for f in ctx.fields
        if not has_text(f.get("type"))
    ]


def schema_constraints(ctx: RuleContext) -> list[Violation]:
    fields = ctx.fields
    if not fields or any(f.get("constraints") for f in fields):
        return []
    return [
        Violation(
            "schema_validation",
            WARNING,
            "No field has a constraint.",
            "schema.fields",
            "Add `constraints:` (unique, not_null, min/max, in, pattern) to the fields they hold for.",
        )
    ]
