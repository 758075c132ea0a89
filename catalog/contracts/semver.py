"""Semantic Versioning 2.0.0 (https://semver.org), pre-releases and build metadata included."""

import re
from dataclasses import dataclass

# The regular expression published on semver.org.
SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$",
    re.ASCII,
)
MAX_PART = 2**31 - 1  # major, minor and patch are stored in PositiveIntegerFields
MAX_LENGTH = 64


@dataclass(frozen=True)
class SemVer:
    major: int
    minor: int
    patch: int
    prerelease: str = ""
    build: str = ""

    def __str__(self) -> str:
        text = f"{self.major}.{self.minor}.{self.patch}"
        if self.prerelease:
            text += f"-{self.prerelease}"
        if self.build:
            text += f"+{self.build}"
        return text

    @property
    def sort_key(self) -> tuple:
        """Precedence per semver rule 11 (build metadata is ignored)."""
        pre: tuple = ()
        if self.prerelease:
            pre = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in self.prerelease.split("."))
        return (self.major, self.minor, self.patch, not self.prerelease, pre)


def parse_semver(text: str) -> SemVer | None:
    """The version, or None when `text` is not a semantic version this portal can store."""
    if not isinstance(text, str) or len(text) > MAX_LENGTH:
        return None
    match = SEMVER.match(text)
    if match is None:
        return None
    major, minor, patch = (int(match.group(i)) for i in (1, 2, 3))
    if max(major, minor, patch) > MAX_PART:
        return None
    return SemVer(major, minor, patch, match.group(4) or "", match.group(5) or "")
