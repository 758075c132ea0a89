"""Five-field cron expressions (minute hour day-of-month month day-of-week), checked by croniter."""

from functools import lru_cache

from croniter import croniter

CRON_FIELDS = ("minute", "hour", "day-of-month", "month", "day-of-week")


@lru_cache(maxsize=512)
def cron_problem(expression: str) -> str | None:
    """None when `expression` is a valid 5-field cron expression, else what is wrong with it."""
    fields = expression.split()
    if len(fields) != len(CRON_FIELDS):
        return f"a cron expression has 5 fields ({' '.join(CRON_FIELDS)}); '{expression}' has {len(fields)}"
    try:
        croniter.expand(expression)
    except Exception as exc:  # CroniterBadCronError, CroniterNotAlphaError, ValueError, ...
        detail = str(exc).replace(f"[{expression}] ", "")
        return f"'{expression}' is not a valid cron expression: {detail}"
    return None
