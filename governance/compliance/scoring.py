"""The compliance score (docs/compliance.md is the reference; a test keeps them in step).

A product starts at 100 and loses, for every open (not waived) violation, the weight of its
severity; it never goes below 0. A product is *compliant* when it has no open error or
critical violation (what would block publishing it today). A domain's and the organization's
score is the mean of their products' scores, so every product weighs the same.
"""

from __future__ import annotations

from collections.abc import Iterable

SEVERITIES = ("critical", "error", "warning", "info")
WEIGHTS = {"critical": 25, "error": 10, "warning": 3, "info": 0}
BLOCKING = frozenset({"critical", "error"})


def product_score(open_severities: Iterable[str]) -> float:
    return float(max(0, 100 - sum(WEIGHTS.get(s, 0) for s in open_severities)))


def is_compliant(open_severities: Iterable[str]) -> bool:
    return not any(s in BLOCKING for s in open_severities)


def mean_score(scores: list[float]) -> float | None:
    return round(sum(scores) / len(scores), 1) if scores else None
