"""Judge one product: the pre-publish rules on its stored normalized contract, the measured
rules on its latest quality run, then the waivers in force. Pure: no database, no I/O, so a
report evaluates 100,000 products from a few batched reads."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from ..engine import evaluate_contract, evaluate_measured
from ..policies import PolicyParams
from .scoring import SEVERITIES, is_compliant, product_score


@dataclass(frozen=True, slots=True)
class JudgedViolation:
    policy: str
    severity: str
    message: str
    field: str | None
    fix: str | None
    measured: bool
    waiver_id: int | None  # the waiver in force that hides it, or None (it counts)

    @property
    def waived(self) -> bool:
        return self.waiver_id is not None

    def as_dict(self) -> dict:
        return {
            "policy": self.policy,
            "severity": self.severity,
            "message": self.message,
            "field": self.field,
            "fix": self.fix,
            "measured": self.measured,
            "waived": self.waived,
            "waiver": self.waiver_id,
        }


@dataclass(slots=True)
class ProductJudgement:
    product_id: int
    domain_id: int
    version_id: int | None
    version_label: str
    version_status: str
    violations: list[JudgedViolation] = field(default_factory=list)
    score: float = 100.0
    compliant: bool = True
    counts: dict = field(default_factory=dict)  # open violations per severity
    waived_count: int = 0

    @property
    def open_violations(self) -> list[JudgedViolation]:
        return [v for v in self.violations if not v.waived]


def judge_product(
    *,
    product_id: int,
    domain_id: int,
    version_id: int | None,
    version_label: str,
    version_status: str,
    contract: dict | None,
    params: PolicyParams,
    run_summary: dict | None,
    waivers: dict[str, int],
    today: dt.date,
) -> ProductJudgement:
    """`waivers` maps a policy name to the id of the waiver in force for this product today."""
    judgement = ProductJudgement(product_id, domain_id, version_id, version_label, version_status)
    if contract is not None:
        found = [(v, False) for v in evaluate_contract(contract, params=params, today=today)]
        found += [
            (v, True) for v in evaluate_measured(contract, params=params, latest_run_summary=run_summary)
        ]
        judgement.violations = [
            JudgedViolation(v.policy, v.severity, v.message, v.field, v.fix, measured, waivers.get(v.policy))
            for v, measured in found
        ]
    open_severities = [v.severity for v in judgement.violations if not v.waived]
    judgement.score = product_score(open_severities)
    judgement.compliant = is_compliant(open_severities)
    counts = Counter(open_severities)
    judgement.counts = {s: counts.get(s, 0) for s in SEVERITIES}
    judgement.waived_count = len(judgement.violations) - len(open_severities)
    return judgement
