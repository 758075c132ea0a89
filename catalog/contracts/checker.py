"""The validator's toolbox: reporting a problem at the right place, and typed reads of values.

Each read takes the value's path, reports what is wrong (with a "did you mean" where a close
word exists) and returns the normalized value, or None when the value is absent or invalid.
Whether anything was invalid is read from `Checker.failed`, so normalization goes on after the
first problem and every problem is reported.
"""

import difflib
import math
import re
from collections.abc import Iterable, Sequence
from datetime import date

from .errors import ERROR, WARNING, ContractProblem, Path, format_path
from .loader import MAX_PROBLEMS, LoadedYaml, Mark
from .sql import select_problems

SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]*$", re.ASCII)
IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$", re.ASCII)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)
_PERCENT = re.compile(r"^\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+))\s*(%?)\s*$", re.ASCII)
MAX_INT = 2**31 - 1
MAX_SQL_QUERIES = 200
MAX_SQL_CHARS = 50_000


MAX_SUGGESTION_CHOICES = 100


def suggest(word: str, choices: Iterable[str]) -> str:
    """` (did you mean 'x'?)` when a choice is close to `word`, else "" (also for long lists,
    where the search would cost more than it helps)."""
    choices = list(choices)
    if not isinstance(word, str) or len(word) > 100 or len(choices) > MAX_SUGGESTION_CHOICES:
        return ""
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def describe(value) -> str:
    """A short description of a value for messages: `a string ("abc")`, `an integer (3)`."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, int):
        return f"an integer ({value})" if abs(value) < 10**12 else "an integer"
    if isinstance(value, float):
        return f"a number ({value:g})"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"a string ({shown!r})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class Checker:
    def __init__(self, loaded: LoadedYaml, filename: str):
        self.marks = loaded.marks
        self.key_marks = loaded.key_marks
        self.filename = filename
        self.problems: list[ContractProblem] = []
        self.failed = False
        self.sql_count = 0
        self.sql_chars = 0

    # --- reporting -------------------------------------------------------------------------

    @property
    def full(self) -> bool:
        """True once MAX_PROBLEMS are recorded: later problems are counted, not described."""
        return len(self.problems) >= MAX_PROBLEMS

    def mark(self, path: Path, *, key: bool = False) -> Mark | None:
        if key and path in self.key_marks:
            return self.key_marks[path]
        probe = path
        while probe:
            if probe in self.marks:
                return self.marks[probe]
            probe = probe[:-1]
        return self.marks.get(())

    def report(self, path: Path, message: str, *, key: bool = False, at: Path | None = None, severity=ERROR):
        if severity == ERROR:
            self.failed = True
        if self.full:
            return
        line, column = self.mark(path if at is None else at, key=key) or (None, None)
        self.problems.append(
            ContractProblem(self.filename, line, column, format_path(path), message, severity)
        )

    def suggest(self, word: str, choices: Iterable[str]) -> str:
        """`suggest()`, skipped once the problem list is full (it costs a difflib search)."""
        return "" if self.full else suggest(word, choices)

    def sql(self, path: Path, sql: str, tables: set[str], *, single_value: bool = False) -> None:
        """Check contract SQL, within a budget for the whole contract so that a contract made of
        thousands of queries cannot cost seconds of parsing."""
        self.sql_count += 1
        self.sql_chars += len(sql)
        if self.sql_count > MAX_SQL_QUERIES or self.sql_chars > MAX_SQL_CHARS:
            self.error(
                path,
                f"a contract may hold at most {MAX_SQL_QUERIES} SQL queries of {MAX_SQL_CHARS:,} characters "
                "in total; this one is over the limit",
            )
            return
        for problem in select_problems(sql, tables, single_value=single_value):
            self.error(path, problem)

    def error(self, path: Path, message: str, **kwargs) -> None:
        self.report(path, message, **kwargs)

    def warning(self, path: Path, message: str, **kwargs) -> None:
        self.report(path, message, severity=WARNING, **kwargs)

    def wrong_type(self, path: Path, expected: str, value) -> None:
        self.error(path, f"must be {expected}, got {describe(value)}")

    # --- structure -------------------------------------------------------------------------

    def mapping(self, path: Path, value, keys: Sequence[str], required: Sequence[str] = ()) -> dict | None:
        """`value` as a mapping with only `keys`, each of `required` present and not null."""
        if value is None:
            return None
        if not isinstance(value, dict):
            self.wrong_type(path, "a mapping (key: value lines)", value)
            return None
        for key in value:
            if key not in keys:
                hint = self.suggest(key, keys)
                self.error(path + (key,), f"unknown key '{key}'{hint}", key=True)
        for key in required:
            if value.get(key) is None:
                where = path + (key,)
                if key in value:
                    self.error(where, f"'{key}' is required and must not be empty")
                else:
                    self.error(where, f"missing required key '{key}'", at=path)
        return value

    def items(self, path: Path, value, what: str) -> list:
        """`value` as a list (absent -> [])."""
        if value is None:
            return []
        if not isinstance(value, list):
            self.wrong_type(path, f"a list of {what}", value)
            return []
        return value

    # --- scalars ---------------------------------------------------------------------------

    def string(
        self, path: Path, value, *, max_length: int | None = None, non_empty: bool = False
    ) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str):
            self.wrong_type(path, "a string", value)
            return None
        if non_empty and not value.strip():
            self.error(path, "must not be empty")
            return None
        if max_length is not None and len(value) > max_length:
            self.error(path, f"must be at most {max_length} characters (got {len(value)})")
            return None
        return value

    def matching(self, path: Path, value, pattern: re.Pattern, what: str, *, max_length: int) -> str | None:
        text = self.string(path, value, max_length=max_length)
        if text is not None and not pattern.match(text):
            self.error(path, f"{text!r} is not {what}")
            return None
        return text

    def slug(self, path: Path, value, *, max_length: int = 100) -> str | None:
        return self.matching(
            path,
            value,
            SLUG,
            "a valid name: use lower-case letters, digits, '-' and '_', starting with a letter or digit",
            max_length=max_length,
        )

    def identifier(self, path: Path, value, *, max_length: int = 200) -> str | None:
        return self.matching(
            path,
            value,
            IDENTIFIER,
            "a valid identifier: use letters, digits and '_', not starting with a digit",
            max_length=max_length,
        )

    def choice(self, path: Path, value, choices: Sequence[str], default: str) -> str:
        if value is None:
            return default
        if not isinstance(value, str) or value not in choices:
            shown = repr(value) if isinstance(value, str) else describe(value)
            self.error(path, f"{shown} is not one of {', '.join(choices)}{self.suggest(value, choices)}")
            return default
        return value

    def boolean(self, path: Path, value, default: bool = False) -> bool:
        if value is None:
            return default
        if not isinstance(value, bool):
            self.wrong_type(path, "true or false", value)
            return default
        return value

    def integer(self, path: Path, value, *, minimum: int = 0, what: str = "an integer") -> int | None:
        if value is None:
            return None
        if not isinstance(value, int) or isinstance(value, bool):
            self.wrong_type(path, what, value)
            return None
        if not minimum <= value <= MAX_INT:
            self.error(path, f"must be between {minimum} and {MAX_INT} (got {value})")
            return None
        return value

    def number(
        self, path: Path, value, *, minimum: float | None = None, exclusive: bool = False
    ) -> float | None:
        if value is None:
            return None
        if not is_number(value) or not math.isfinite(value):
            self.wrong_type(path, "a number", value)
            return None
        if minimum is not None and (value < minimum or (exclusive and value == minimum)):
            self.error(
                path, f"must be {'greater than' if exclusive else 'at least'} {minimum:g} (got {value:g})"
            )
            return None
        return value

    def percent(self, path: Path, value) -> float | None:
        """`99.9%`, `99.9` or `"99.9"` -> 99.9; must lie in [0, 100]."""
        if value is None:
            return None
        if is_number(value):
            number, written = float(value), f"{value}"
        elif isinstance(value, str) and (match := _PERCENT.match(value)):
            number, written = float(match.group(1)), value.strip()
        else:
            self.error(path, f"must be a percentage like 99.9% or 99.9, got {describe(value)}")
            return None
        if not 0 <= number <= 100:
            self.error(path, f"a percentage must be between 0% and 100% (got {written})")
            return None
        return number

    def day(self, path: Path, value) -> str | None:
        """A real calendar date: a YAML date or a "YYYY-MM-DD" string -> "YYYY-MM-DD"."""
        if value is None:
            return None
        if not isinstance(value, str) or not _DATE.match(value):
            self.wrong_type(path, "a date written YYYY-MM-DD", value)
            return None
        try:
            date.fromisoformat(value)
        except ValueError:
            self.error(path, f"{value} is not a real date")
            return None
        return value

    def strings(
        self, path: Path, value, *, what: str = "strings", max_length: int | None = None
    ) -> list[str]:
        out = []
        for i, item in enumerate(self.items(path, value, what)):
            if item is None:
                self.error(path + (i,), "must not be empty")
                continue
            text = self.string(path + (i,), item, max_length=max_length, non_empty=True)
            if text is not None:
                out.append(text)
        return out
