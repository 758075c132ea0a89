"""Freshness: how old a product's newest data is, against its SLA.

A product is **stale** when its data is older than `sla.freshness.max_age_hours`; **late** when
the update its `update_schedule` cron promised has not arrived (data older than the update
*before* the last expected one, once `MESH_FRESHNESS_GRACE_MINUTES` have passed); **fresh**
otherwise; **unknown** without a measured data time. The state can only change at known
instants (a threshold crossed, a cron update missed) while no new data arrives, so the next such
instant is stored as `freshness_deadline_at` and the freshness sweep reads only products past it.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from croniter import croniter
from django.conf import settings

from catalog.models import FreshnessStatus


@dataclass(frozen=True)
class Freshness:
    status: str
    age_hours: float | None
    deadline: dt.datetime | None  # when the state must be evaluated again (None: only a new run changes it)
    expected_update: dt.datetime | None = None  # the update the cron promised most recently

    @property
    def age_display(self) -> str:
        return age_display(self.age_hours)


def age_display(hours: float | None) -> str:
    """'45 min', '3 h 12 min', '2 d 5 h': the age as people read it."""
    if hours is None or math.isnan(hours):
        return "not measured"
    minutes = int(round(hours * 60))
    if minutes < 60:
        return f"{max(minutes, 0)} min"
    if minutes < 48 * 60:
        h, m = divmod(minutes, 60)
        return f"{h} h {m} min" if m else f"{h} h"
    d, rest = divmod(minutes, 24 * 60)
    h = rest // 60
    return f"{d} d {h} h" if h else f"{d} d"


def _grace() -> dt.timedelta:
    return dt.timedelta(minutes=settings.MESH_FRESHNESS_GRACE_MINUTES)


def _prev_fire(cron: str, at: dt.datetime) -> dt.datetime:
    return croniter(cron, at).get_prev(dt.datetime)


def _next_fire(cron: str, at: dt.datetime) -> dt.datetime:
    return croniter(cron, at).get_next(dt.datetime)


def freshness_evaluate(
    *,
    data_updated_at: dt.datetime | None,
    max_age_hours: float | None,
    cron: str,
    now: dt.datetime,
    age_thresholds: tuple[float, ...] = (),
) -> Freshness:
    """The product's freshness at `now`. `age_thresholds` are the hours of the contract's
    `age_hours` alerts: crossing one is also a moment the sweep must look again."""
    if data_updated_at is None:
        return Freshness(FreshnessStatus.UNKNOWN, None, None)
    age = (now - data_updated_at).total_seconds() / 3600
    expected = None
    late = False
    if cron:
        expected = _prev_fire(cron, now - _grace())
        # Data loaded by the update at `expected` may be stamped up to `expected` itself, so only
        # data older than the update before it proves that update did not arrive.
        late = data_updated_at < _prev_fire(cron, expected)
    if max_age_hours is not None and age > max_age_hours:
        status = FreshnessStatus.STALE
    elif late:
        status = FreshnessStatus.LATE
    else:
        status = FreshnessStatus.FRESH

    candidates = []
    if max_age_hours is not None:
        candidates.append(data_updated_at + dt.timedelta(hours=max_age_hours, seconds=1))
    candidates += [data_updated_at + dt.timedelta(hours=h, seconds=1) for h in age_thresholds]
    if cron and not late:
        first = _next_fire(cron, data_updated_at)
        candidates.append(_next_fire(cron, first) + _grace())
    future = [c for c in candidates if c > now]
    return Freshness(status, round(age, 4), min(future) if future else None, expected)
