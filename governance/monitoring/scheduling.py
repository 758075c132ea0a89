"""When each product is checked next, without a beat schedule per product.

A product with an `update_schedule` cron is checked `MESH_CHECK_DELAY_MINUTES` after each
expected update (a cron firing more often than `MESH_CHECK_MIN_INTERVAL_MINUTES` is checked
that often instead); one without is
checked every `MESH_CHECK_INTERVAL_MINUTES`. The time is stored in the indexed
`DataProduct.next_check_at`; the beat sweep (services.products_due_sweep) claims the due rows.
"""

from __future__ import annotations

import datetime as dt

from croniter import croniter
from django.conf import settings


def next_check_at(*, cron: str, now: dt.datetime) -> dt.datetime:
    delay = dt.timedelta(minutes=settings.MESH_CHECK_DELAY_MINUTES)
    spacing = dt.timedelta(minutes=settings.MESH_CHECK_MIN_INTERVAL_MINUTES)
    if not cron:
        return now + dt.timedelta(minutes=settings.MESH_CHECK_INTERVAL_MINUTES)
    try:
        # The check after the most recent update not yet checked (update + delay > now) ...
        fire = croniter(cron, now - delay).get_next(dt.datetime)
        following = croniter(cron, fire).get_next(dt.datetime)
        # ... unless the cron fires more often than the minimum interval: then the first
        # update whose check is at least that interval away.
        if following - fire < spacing:
            fire = croniter(cron, now + spacing - delay - dt.timedelta(seconds=1)).get_next(dt.datetime)
    except Exception:  # an invalid cron cannot be published; stay safe if one slipped through
        return now + dt.timedelta(minutes=settings.MESH_CHECK_INTERVAL_MINUTES)
    return fire + delay
