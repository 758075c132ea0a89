"""What every rule shares: the Violation it reports, the context it reads, its registration."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from catalog.models import Severity

from ..policies import EMPTY_PARAMS, DomainParams, PolicyParams

INFO = Severity.INFO.value
WARNING = Severity.WARNING.value
ERROR = Severity.ERROR.value
CRITICAL = Severity.CRITICAL.value
BLOCKING = frozenset({ERROR, CRITICAL})


@dataclass(frozen=True, slots=True)
class Violation:
    """One finding. `field` is a schema field name for field-level findings, else a dotted
    contract path (`sla.completeness.min_threshold`) or None; `fix` says how to resolve it."""

    policy: str
    severity: str
    message: str
    field: str | None = None
    fix: str | None = None

    @property
    def blocks_publishing(self) -> bool:
        return self.severity in BLOCKING

    def as_dict(self) -> dict:
        return {
            "policy": self.policy,
            "severity": self.severity,
            "message": self.message,
            "field": self.field,
            "fix": self.fix,
        }


@dataclass(frozen=True, slots=True)
class RuleContext:
    """What a rule may read: the normalized contract, the policies, the previous published
    contract (None for a first version) and the date the new version would be published."""

    contract: dict
    params: PolicyParams = EMPTY_PARAMS
    previous: dict | None = None
    today: dt.date | None = None

    @property
    def domain(self) -> DomainParams:
        return self.params.domain(self.contract.get("domain") or "")

    @property
    def fields(self) -> list[dict]:
        return schema_fields(self.contract)


RuleCheck = Callable[[RuleContext], Iterable[Violation]]


@dataclass(frozen=True, slots=True)
class Rule:
    """A check registered under a policy name; `applies` says whether the policies in force
    (and the context) ask for it at all, which is what "policies evaluated" reports."""

    policy: str
    check: RuleCheck
    applies: Callable[[RuleContext], bool] | None = None

    def is_applicable(self, ctx: RuleContext) -> bool:
        return self.applies is None or self.applies(ctx)


def schema_fields(contract: dict | None) -> list[dict]:
    schema = (contract or {}).get("schema") or {}
    return schema.get("fields") or []


def check_names(contract: dict) -> list[str]:
    return [check.get("name") or "" for check in ((contract.get("sla") or {}).get("quality_checks") or [])]


def name_mentions(name: str, word: str) -> bool:
    """Whether a check name is about `word`: `completeness`, `order_completeness`,
    `freshness_check` are; `incompleteness_note` is not (underscore- or dash-separated words)."""
    return word in name.lower().replace("-", "_").split("_")


def has_text(value) -> bool:
    return isinstance(value, str) and bool(value.strip())
