"""The closed grammar of field types.

    type    := string | integer | bigint | double | boolean | date | timestamp
             | decimal ( P , S )          1 <= P <= 38, 0 <= S <= P
             | array < type >
             | struct < name : type ( , name : type )* >

Keywords are case-insensitive; spaces are allowed between tokens. The contract keeps the type as
written; `parse_type` gives its structure to code that needs it (schema drift, SQL generation).
"""

import difflib
import re
from dataclasses import dataclass
from functools import lru_cache

SIMPLE_TYPES = ("string", "integer", "bigint", "double", "boolean", "date", "timestamp")
ALL_KEYWORDS = SIMPLE_TYPES + ("decimal", "array", "struct")
MAX_DECIMAL_PRECISION = 38
MAX_TYPE_DEPTH = 16
MAX_TYPE_LENGTH = 2000

_TOKEN = re.compile(r"\s*(?:(?P<word>[A-Za-z_][A-Za-z0-9_]*)|(?P<int>[0-9]+)|(?P<punct>[(),<>:]))")


class TypeSyntaxError(ValueError):
    def __init__(self, message: str, position: int | None = None):
        where = f" (at character {position})" if position is not None else ""
        super().__init__(message + where)
        self.position = position


@dataclass(frozen=True)
class FieldType:
    kind: str  # one of ALL_KEYWORDS, lower case
    precision: int | None = None
    scale: int | None = None
    element: "FieldType | None" = None
    fields: tuple[tuple[str, "FieldType"], ...] = ()


class _Parser:
    def __init__(self, text: str):
        self.tokens: list[tuple[str, str, int]] = []
        pos = 0
        stripped = text.rstrip()
        while pos < len(stripped):
            match = _TOKEN.match(stripped, pos)
            if match is None:
                bad = stripped[pos:].lstrip()[:1]
                at = len(stripped) - len(stripped[pos:].lstrip()) + 1
                raise TypeSyntaxError(f"unexpected character {bad!r} in the type", at)
            kind = match.lastgroup
            self.tokens.append((kind, match.group(kind), match.start(kind) + 1))
            pos = match.end()
        self.i = 0
        self.end = len(stripped) + 1

    def peek(self):
        return self.tokens[self.i] if self.i < len(self.tokens) else ("end", "", self.end)

    def take(self):
        token = self.peek()
        self.i += 1
        return token

    def expect(self, punct: str, what: str):
        kind, value, pos = self.take()
        if kind != "punct" or value != punct:
            found = "the end of the type" if kind == "end" else repr(value)
            raise TypeSyntaxError(f"expected '{punct}' {what}, found {found}", pos)

    def integer(self, what: str) -> int:
        kind, value, pos = self.take()
        if kind != "int":
            found = "the end of the type" if kind == "end" else repr(value)
            raise TypeSyntaxError(f"expected {what}, found {found}", pos)
        return int(value)

    def type(self, depth: int) -> FieldType:
        if depth > MAX_TYPE_DEPTH:
            raise TypeSyntaxError(f"the type is nested more than {MAX_TYPE_DEPTH} levels deep")
        kind, value, pos = self.take()
        if kind != "word":
            found = "nothing" if kind == "end" else repr(value)
            raise TypeSyntaxError(f"expected a type name, found {found}", pos)
        word = value.lower()
        if word in SIMPLE_TYPES:
            return FieldType(word)
        if word == "decimal":
            return self.decimal()
        if word == "array":
            self.expect("<", "after array")
            element = self.type(depth + 1)
            self.expect(">", "to close array<...>")
            return FieldType("array", element=element)
        if word == "struct":
            return self.struct(depth)
        close = difflib.get_close_matches(word, ALL_KEYWORDS, n=1, cutoff=0.6)
        hint = f"did you mean '{close[0]}'? " if close else ""
        raise TypeSyntaxError(
            f"unknown type '{value}' ({hint}types are {', '.join(SIMPLE_TYPES)}, decimal(p,s), "
            "array<T> and struct<name: T, ...>)",
            pos,
        )

    def decimal(self) -> FieldType:
        if self.peek()[1] != "(":
            raise TypeSyntaxError("decimal needs a precision and a scale, e.g. decimal(12,2)", self.peek()[2])
        self.take()
        _, _, pos = self.peek()
        precision = self.integer("the decimal precision")
        self.expect(",", "between the decimal precision and scale")
        _, _, scale_pos = self.peek()
        scale = self.integer("the decimal scale")
        self.expect(")", "to close decimal(p,s)")
        if not 1 <= precision <= MAX_DECIMAL_PRECISION:
            raise TypeSyntaxError(
                f"decimal precision must be between 1 and {MAX_DECIMAL_PRECISION} (got {precision})", pos
            )
        if scale > precision:
            raise TypeSyntaxError(
                f"decimal scale must be between 0 and the precision {precision} (got {scale})", scale_pos
            )
        return FieldType("decimal", precision=precision, scale=scale)

    def struct(self, depth: int) -> FieldType:
        self.expect("<", "after struct")
        fields: list[tuple[str, FieldType]] = []
        seen: set[str] = set()
        while True:
            kind, name, pos = self.take()
            if kind != "word":
                found = "the end of the type" if kind == "end" else repr(name)
                raise TypeSyntaxError(f"expected a field name in struct<...>, found {found}", pos)
            if name.lower() in seen:
                raise TypeSyntaxError(f"duplicate struct field '{name}'", pos)
            seen.add(name.lower())
            self.expect(":", f"after the struct field name '{name}'")
            fields.append((name, self.type(depth + 1)))
            kind, value, pos = self.take()
            if kind == "punct" and value == ">":
                return FieldType("struct", fields=tuple(fields))
            if not (kind == "punct" and value == ","):
                found = "the end of the type" if kind == "end" else repr(value)
                raise TypeSyntaxError(f"expected ',' or '>' in struct<...>, found {found}", pos)


@lru_cache(maxsize=1024)
def parse_type(text: str) -> FieldType:
    """Parse a field type; raise TypeSyntaxError with a message saying what is wrong and where."""
    if len(text) > MAX_TYPE_LENGTH:
        raise TypeSyntaxError(f"the type is longer than {MAX_TYPE_LENGTH} characters")
    parser = _Parser(text)
    result = parser.type(0)
    kind, value, pos = parser.peek()
    if kind != "end":
        raise TypeSyntaxError(f"unexpected {value!r} after the type", pos)
    return result


def type_problem(text: str) -> str | None:
    try:
        parse_type(text)
    except TypeSyntaxError as exc:
        return str(exc)
    return None
