"""Semantic versions (semver 2.0): parse and order."""

import re

SEMVER_RE = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$"
)


def parse_semver(text: str) -> tuple[int, int, int, str] | None:
    match = SEMVER_RE.match(str(text))
    if not match:
        return None
    return int(match[1]), int(match[2]), int(match[3]), match[4] or ""


def semver_key(text: str) -> tuple:
    """Sort key: a release sorts after its pre-releases."""
    parsed = parse_semver(text)
    if parsed is None:
        return (-1, -1, -1, False, "")
    major, minor, patch, pre = parsed
    return (major, minor, patch, pre == "", pre)
