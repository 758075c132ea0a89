"""Judging a report's chunks in worker processes (large organizations).

The rules are pure Python, so one process uses one core; with 100,000 products the report is
CPU-bound. Each worker is a fresh (spawned) interpreter with its own database connection to the
same database as the caller (the caller's connection settings are handed over, so a test
database stays the test database); it reads and judges whole chunks and sends back the
judgements, which the caller writes in its own transaction. Workers read committed data with
their own snapshots: a product published while a report runs may or may not be in it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

_STATE: dict = {}


def judge_in_processes(
    *, ranges: list[tuple[int, int]], waivers: dict, today: dt.date, processes: int
) -> Iterator[list]:
    from django.db import connection

    from ..models import PolicySet

    policy_set = PolicySet.objects.order_by("-version").values_list("pk", flat=True).first()
    database = {
        k: v for k, v in connection.settings_dict.items() if k in ("NAME", "USER", "PASSWORD", "HOST", "PORT")
    }
    # billiard (Celery's multiprocessing) because the nightly report runs in a Celery prefork
    # child, a daemonic process: the standard library refuses to start processes from one.
    import billiard

    context = billiard.get_context("spawn")
    with context.Pool(
        processes, initializer=_start, initargs=(database, policy_set, dict(waivers), today)
    ) as pool:
        yield from pool.imap(_judge, ranges)
        pool.close()  # let the workers exit on their own, closing their connections
        pool.join()


def _start(database: dict, policy_set: int | None, waivers: dict, today: dt.date) -> None:
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mesh_portal.settings")
    import django
    from django.conf import settings

    django.setup()
    settings.DATABASES["default"].update(database)
    from django.db import connections

    connections["default"].settings_dict.update(database)
    from ..models import Policy, PolicySet
    from ..policies import PolicyParams

    if policy_set is None:
        params = PolicyParams.empty()
    else:
        version = PolicySet.objects.values_list("version", flat=True).get(pk=policy_set)
        rows = Policy.objects.filter(policy_set_id=policy_set).values_list(
            "kind", "name", "domain", "parameters"
        )
        params = PolicyParams.from_rows(rows, version=version)
    _STATE.update(params=params, waivers=waivers, today=today)


def _judge(bounds: tuple[int, int]) -> list:
    from .services import judge_range

    after, last = bounds
    return judge_range(
        after=after, last=last, params=_STATE["params"], waivers=_STATE["waivers"], today=_STATE["today"]
    )
