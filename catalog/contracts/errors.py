"""The one shape every contract problem takes: where it is (file, line, column, field path) and what."""

import re
from dataclasses import asdict, dataclass

Path = tuple[str | int, ...]

_PLAIN_KEY = re.compile(r"^[A-Za-z0-9_-]+$")

ERROR = "error"
WARNING = "warning"


def format_path(path: Path) -> str:
    """`("schema", "fields", 3, "constraints", 1, "min")` -> `schema.fields[3].constraints[1].min`.

    List indices are 0-based. A key that is not a plain word is written `["a.b"]` so the path
    stays unambiguous.
    """
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _PLAIN_KEY.match(part):
            out += f".{part}" if out else part
        else:
            escaped = part.replace("\\", "\\\\").replace('"', '\\"')
            out += f'["{escaped}"]'
    return out


@dataclass(frozen=True)
class ContractProblem:
    """One problem in a contract. `line` and `column` are 1-based, or None when the problem has no
    position (an oversized file). `severity` is "error" (the contract is rejected) or "warning"."""

    file: str
    line: int | None
    column: int | None
    path: str
    message: str
    severity: str = ERROR

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}:{self.column or 1}"
        parts = [where]
        if self.path:
            parts.append(self.path)
        parts.append(self.message if self.severity == ERROR else f"{self.severity}: {self.message}")
        return ": ".join(parts)

    def as_dict(self) -> dict:
        return asdict(self)
