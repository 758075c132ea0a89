"""Alert rules from the contract's `observability.alerts`, evaluated into Alert rows.

A rule is identified across contract versions by `rule_key` = "<type>:<condition>". Evaluating
a rule against an Observation gives a Verdict: holds (True), clear (False) or undecided (None:
the observation does not measure it, e.g. the freshness sweep and a quality rule). Holding with
no unresolved alert opens one; clear with one resolves it by itself; undecided changes nothing.
Every change of state writes an AlertEvent; notify.py turns events into deliveries.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction

from ..models import Alert, AlertEvent, AlertEventKind, AlertState
from .freshness import age_display

OPS = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
}


@dataclass
class Observation:
    """What one evaluation knows: metric values by name and event outcomes by event name
    (each (holds, value, message)). Names absent here leave their rules undecided."""

    values: dict[str, float | None] = field(default_factory=dict)
    events: dict[str, tuple[bool, float | None, str]] = field(default_factory=dict)
    run_id: int | None = None


@dataclass(frozen=True)
class Verdict:
    holds: bool | None
    value: float | None = None
    threshold: float | None = None
    message: str = ""


def rule_key(rule: dict) -> str:
    return f"{rule.get('type')}:{rule.get('condition')}"[:340]


def rules_of(contract: dict) -> list[dict]:
    """The usable alert rules of a (normalized) contract; one per key (the first wins)."""
    seen, out = set(), []
    for rule in (contract.get("observability") or {}).get("alerts") or []:
        if not rule.get("type") or not (rule.get("event") or (rule.get("metric") and rule.get("op") in OPS)):
            continue
        key = rule_key(rule)
        if key not in seen:
            seen.add(key)
            out.append(rule)
    return out


def _number(value: float, percent: bool) -> str:
    text = f"{value:,.4f}".rstrip("0").rstrip(".")
    return text + ("%" if percent else "")


def rule_evaluate(rule: dict, observation: Observation) -> Verdict:
    event = rule.get("event")
    if event:
        if event not in observation.events:
            return Verdict(None)
        holds, value, message = observation.events[event]
        return Verdict(bool(holds), value, None, message)
    metric = rule["metric"]
    if metric not in observation.values or observation.values[metric] is None:
        return Verdict(None)
    value = float(observation.values[metric])
    threshold = float(rule["value"])
    holds = OPS[rule["op"]](value, threshold)
    shown = _number(value, rule.get("percent", False))
    if metric == "age_hours":
        shown = f"{value:.2f} h ({age_display(value)})"
    message = f"{metric} is {shown}; the rule is {metric} {rule['op']} {_number(threshold, rule.get('percent', False))}"
    return Verdict(holds, value, threshold, message)


def alerts_apply(
    *, product, rules: list[dict], observation: Observation, now, complete: bool = False
) -> list[AlertEvent]:
    """Open, refresh and resolve the product's alerts from one observation. `complete`: the
    observation covers the whole current contract (a run), so an unresolved alert whose rule
    the contract no longer has is resolved too. The caller holds the product row lock."""
    active = {a.rule_key: a for a in Alert.objects.filter(product=product).exclude(state=AlertState.RESOLVED)}
    events: list[AlertEvent] = []
    keys = set()
    for rule in rules:
        key = rule_key(rule)
        keys.add(key)
        verdict = rule_evaluate(rule, observation)
        alert = active.get(key)
        if verdict.holds is None:
            continue
        if verdict.holds and alert is None:
            opened = _open(
                product=product, rule=rule, key=key, verdict=verdict, observation=observation, now=now
            )
            if opened is not None:
                events.append(opened)
        elif verdict.holds:
            alert.last_value, alert.threshold, alert.message = (
                verdict.value,
                verdict.threshold,
                verdict.message,
            )
            alert.last_seen_at, alert.severity = now, rule.get("severity") or alert.severity
            alert.run_id = observation.run_id or alert.run_id
            alert.save(
                update_fields=["last_value", "threshold", "message", "last_seen_at", "severity", "run"]
            )
        elif alert is not None:
            events.append(
                alert_transition(
                    alert=alert,
                    kind=AlertEventKind.RESOLVED,
                    at=now,
                    actor=None,
                    value=verdict.value,
                    note=f"cleared: {verdict.message}" if verdict.message else "the condition cleared",
                )
            )
    if complete:
        for key, alert in active.items():
            if key not in keys:
                events.append(
                    alert_transition(
                        alert=alert,
                        kind=AlertEventKind.RESOLVED,
                        at=now,
                        actor=None,
                        note="the current contract no longer has this alert rule",
                    )
                )
    return events


def _open(*, product, rule, key, verdict: Verdict, observation: Observation, now) -> AlertEvent | None:
    try:
        # The partial unique constraint (one unresolved alert per product and rule) is the last
        # word if two evaluations race past the product lock; the loser opens nothing.
        with transaction.atomic():
            alert = Alert.objects.create(
                product=product,
                rule_key=key,
                rule_type=rule["type"],
                condition=rule.get("condition") or "",
                metric=rule.get("event") or rule.get("metric") or "",
                severity=rule.get("severity") or "critical",
                state=AlertState.OPEN,
                message=verdict.message,
                last_value=verdict.value,
                threshold=verdict.threshold,
                run_id=observation.run_id,
                opened_at=now,
                last_seen_at=now,
            )
            return AlertEvent.objects.create(
                alert=alert, kind=AlertEventKind.OPENED, at=now, value=verdict.value, note=verdict.message
            )
    except IntegrityError:
        return None


def alert_transition(*, alert: Alert, kind: str, at, actor=None, value=None, note: str = "") -> AlertEvent:
    """Move `alert` to the state of `kind` and record the event (the caller checked it may)."""
    if kind == AlertEventKind.ACKNOWLEDGED:
        alert.state, alert.acknowledged_at, alert.acknowledged_by = AlertState.ACKNOWLEDGED, at, actor
        fields = ["state", "acknowledged_at", "acknowledged_by"]
    elif kind == AlertEventKind.RESOLVED:
        alert.state, alert.resolved_at, alert.resolved_by = AlertState.RESOLVED, at, actor
        fields = ["state", "resolved_at", "resolved_by"]
    else:
        raise ValueError(kind)
    alert.save(update_fields=fields)
    return AlertEvent.objects.create(alert=alert, kind=kind, at=at, actor=actor, value=value, note=note)
