"""The governance engine: run every pre-publish rule on a normalized contract.

Pure: no database, no I/O. The caller passes the policies in force (`governance.selectors.
active_policy_params()`, read once for a batch), the current published contract of the product
(None for a first version) and the date the new version would be published.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from catalog.models import SEVERITY_RANK

from .policies import EMPTY_PARAMS, PolicyParams
from .rules import BLOCKING, PRE_PUBLISH_RULES, RuleContext, Violation
from .rules.measured import evaluate_measured

__all__ = ["evaluate_contract", "evaluate_measured", "is_publishable", "policies_evaluated"]


def _context(
    contract: dict, params: PolicyParams | None, previous: dict | None, today: dt.date | None
) -> RuleContext:
    return RuleContext(
        contract=contract, params=params or EMPTY_PARAMS, previous=previous, today=today or dt.date.today()
    )


def _sort_key(violation: Violation) -> tuple:
    return (-SEVERITY_RANK.get(violation.severity, 0), violation.policy)


def evaluate_contract(
    contract: dict, *, params: PolicyParams | None, previous: dict | None = None, today: dt.date | None = None
) -> list[Violation]:
    """Every violation of the pre-publish rules, critical first, then by policy name (rules keep
    their own order within a policy, e.g. schema field order). `params=None` means no policy
    file: only the seed engine rules and breaking_changes (with its defaults) run."""
    ctx = _context(contract, params, previous, today)
    violations: list[Violation] = []
    for rule in PRE_PUBLISH_RULES:
        if rule.is_applicable(ctx):
            violations.extend(rule.check(ctx))
    violations.sort(key=_sort_key)  # stable
    return violations


def policies_evaluated(
    contract: dict, *, params: PolicyParams | None, previous: dict | None = None, today: dt.date | None = None
) -> list[str]:
    """The policy names evaluate_contract checks for this contract, in rule order (for reports)."""
    ctx = _context(contract, params, previous, today)
    return list(dict.fromkeys(rule.policy for rule in PRE_PUBLISH_RULES if rule.is_applicable(ctx)))


def is_publishable(violations: Iterable[Violation | dict]) -> bool:
    """Publishing is blocked by any error or critical violation; info and warnings publish.
    Accepts Violations or their `as_dict()` form (as stored on ProductVersion.violations)."""
    for v in violations:
        severity = v["severity"] if isinstance(v, dict) else v.severity
        if severity in BLOCKING:
            return False
    return True
