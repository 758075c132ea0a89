"""When each product is checked next, without a beat schedule per product.

A product with an `update_schedule` cron is checked `MESH_CHECK_DELAY_MINUTES` after each
expected update (never more often than every `MESH_CHECK_MIN_INTERVAL_MINUTES`); one without is
checked every `MESH_CHECK_INTERVAL_MINUTES`. The time is stored in the indexed
`DataProduct.next_check_at`; the beat sweep (services.products_due_sweep) claims the due rows.
"""

from __future__ import annotations

import datetime as dt

from croniter import croniter
from django.conf import settings


def next_check_at(*, cron: str, now: dt.datetime) -> dt.datetime:
    delay = dt.timedelta(minutes=settings.MESH_CHECK_DELAY_MINUTES)
    floor = now + dt.timedelta(minutes=settings.MESH_CHECK_MIN_INTERVAL_MINUTES)
    if not cron:
        return now + dt.timedelta(minutes=settings.MESH_CHECK_INTERVAL_MINUTES)
    try:
        # The first expected update whose check (update + delay) is not before the floor; it may
        # lie in the past when the delay exceeds the minimum interval (an update just happened).
        fire = croniter(cron, floor - delay - dt.timedelta(seconds=1)).get_next(dt.datetime)
    except Exception:  # an invalid cron cannot be published; stay safe if one slipped through
        return now + dt.timedelta(minutes=settings.MESH_CHECK_INTERVAL_MINUTES)
    return fire + delay
