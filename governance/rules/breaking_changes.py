"""`breaking_changes`: a new version compared with the current published one.

With breaking schema changes (governance.breaking) the new version needs a major version
increment, a `deprecation` block whose sunset_date is at least N days (30 by default) after
publication and which has a migration guide, and a changelog entry flagged `breaking: true`.
A changelog entry flagged breaking without a detected breaking change is an error as well,
so the flag can be trusted. A first version (no previous contract) is not checked.
"""

from __future__ import annotations

import datetime as dt

from catalog.contracts.semver import parse_semver

from ..breaking import breaking_changes as detect_breaking_changes
from .base import ERROR, RuleContext, Violation, has_text

POLICY = "breaking_changes"


def _changelog_entry(contract: dict) -> dict | None:
    version = contract.get("version")
    return next((e for e in contract.get("changelog") or () if str(e.get("version")) == str(version)), None)


def _date(value) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def breaking_changes(ctx: RuleContext) -> list[Violation]:
    previous, contract = ctx.previous, ctx.contract
    if previous is None:
        return []
    detected = detect_breaking_changes(previous, contract)
    entry = _changelog_entry(contract)
    version = contract.get("version")
    if not detected:
        if entry is not None and entry.get("breaking"):
            return [
                Violation(
                    POLICY,
                    ERROR,
                    f"The changelog marks {version} as breaking, but no breaking schema change from "
                    f"{previous.get('version')} was found.",
                    "changelog",
                    f"Set `breaking: false` on the {version} changelog entry.",
                )
            ]
        return []

    rules = ctx.params.breaking_changes
    summary = "; ".join(f"{c.field}: {c.detail}" if c.field else c.detail for c in detected)
    violations = []
    old, new = parse_semver(previous.get("version") or ""), parse_semver(version or "")
    old_major = old.major if old else None
    new_major = new.major if new else None
    if rules.require_major_increment and (old_major is None or new_major is None or new_major <= old_major):
        violations.append(
            Violation(
                POLICY,
                ERROR,
                f"Breaking changes from {previous.get('version')} ({summary}) need a major version increment; "
                f"{version} is not one.",
                "version",
                f"Publish as {(old_major or 0) + 1}.0.0, or make the change backwards compatible.",
            )
        )
    if rules.require_deprecation:
        violations.extend(_deprecation(ctx, rules.deprecation_notice_days, rules.require_migration_guide))
    if entry is None or not entry.get("breaking"):
        violations.append(
            Violation(
                POLICY,
                ERROR,
                f"The {version} changelog entry does not declare the breaking changes ({summary}).",
                "changelog",
                f"Add a changelog entry for {version} with `breaking: true` listing the changes.",
            )
        )
    return violations


def _deprecation(ctx: RuleContext, notice_days: int, require_guide: bool) -> list[Violation]:
    deprecation = ctx.contract.get("deprecation")
    today = ctx.today or dt.date.today()
    earliest = today + dt.timedelta(days=notice_days)
    previous_version = ctx.previous.get("version")
    if not deprecation:
        return [
            Violation(
                POLICY,
                ERROR,
                f"Breaking changes need a {notice_days}-day deprecation notice for {previous_version}.",
                "deprecation",
                f"Add a `deprecation:` block with `sunset_date:` on or after {earliest.isoformat()}"
                + (" and a `migration_guide:`." if require_guide else "."),
            )
        ]
    violations = []
    sunset = _date(deprecation.get("sunset_date"))
    if sunset is None or sunset < earliest:
        violations.append(
            Violation(
                POLICY,
                ERROR,
                (
                    "The deprecation has no sunset_date."
                    if sunset is None
                    else f"The sunset date {sunset.isoformat()} gives consumers less than {notice_days} days' notice."
                ),
                "deprecation.sunset_date",
                f"Set `deprecation.sunset_date` to {earliest.isoformat()} or later.",
            )
        )
    if require_guide and not has_text(deprecation.get("migration_guide")):
        violations.append(
            Violation(
                POLICY,
                ERROR,
                "The deprecation has no migration guide.",
                "deprecation.migration_guide",
                f"Add `deprecation.migration_guide`: how consumers move from {previous_version} to "
                f"{ctx.contract.get('version')}.",
            )
        )
    return violations
