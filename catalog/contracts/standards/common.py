"""What the ODCS and DCS translations share: where a value came from, notes, names and types.

A translation builds a contract document in the portal's own format (the "seed" format) from a
standard's document. It records, for every value it writes, the path of the value it was read
from (`Translation.origin`), so that the portal's validator can report a problem at the line
and column of the *original* file and under the original's field path.
"""

import re
from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp

from ..errors import Path
from ..fieldtypes import type_problem

_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_NOT_IDENTIFIER = re.compile(r"[^A-Za-z0-9_]+")


def slugify(text, *, sep: str = "_", max_length: int = 150) -> str | None:
    """`"My Quantum v2"` -> `my_quantum_v2`; None when nothing usable is left."""
    if not isinstance(text, str):
        if isinstance(text, (int, float)) and not isinstance(text, bool):
            text = str(text)
        else:
            return None
    slug = _NOT_SLUG.sub(sep, text.strip().lower()).strip(sep)[:max_length].strip(sep)
    return slug or None


def identifier(text) -> str | None:
    """A SQL identifier made from `text` (`"Air Quality"` -> `Air_Quality`), or None."""
    if not isinstance(text, str) or not text.strip():
        return None
    ident = _NOT_IDENTIFIER.sub("_", text.strip()).strip("_")
    if not ident:
        return None
    return "_" + ident if ident[0].isdigit() else ident


@dataclass
class Note:
    """Something of the source that the portal's format cannot hold, said where it was."""

    path: Path
    message: str


@dataclass
class Translation:
    """One product's contract document in the portal's format, built from a standard's document."""

    document: dict = field(default_factory=dict)
    origin: dict[Path, Path] = field(default_factory=dict)
    notes: list[Note] = field(default_factory=list)
    errors: list[Note] = field(default_factory=list)

    def put(self, target: dict, key: str, value, source: Path, here: Path):
        """Set `target[key]` (the node at seed path `here + (key,)`) read from `source`."""
        target[key] = value
        self.origin[here + (key,)] = source
        return value

    def note(self, source: Path, message: str) -> None:
        self.notes.append(Note(source, message))

    def error(self, source: Path, message: str) -> None:
        self.errors.append(Note(source, message))


# --- types -------------------------------------------------------------------------------------

# Physical types of common databases and of the Data Contract Specification, read as the portal's
# types. Anything else falls back to the logical type.
PHYSICAL_TYPES = {
    "string": "string",
    "text": "string",
    "varchar": "string",
    "char": "string",
    "character": "string",
    "bpchar": "string",
    "nvarchar": "string",
    "uuid": "string",
    "json": "string",
    "jsonb": "string",
    "variant": "string",
    "bytes": "string",
    "int": "integer",
    "int2": "integer",
    "int4": "integer",
    "integer": "integer",
    "smallint": "integer",
    "tinyint": "integer",
    "serial": "integer",
    "int8": "bigint",
    "long": "bigint",
    "bigint": "bigint",
    "bigserial": "bigint",
    "float": "double",
    "float4": "double",
    "float8": "double",
    "real": "double",
    "double": "double",
    "double precision": "double",
    "number": "double",
    "numeric": "double",
    "decimal": "double",
    "money": "decimal(19,4)",
    "bool": "boolean",
    "boolean": "boolean",
    "date": "date",
    "timestamp": "timestamp",
    "timestamptz": "timestamp",
    "timestamp_tz": "timestamp",
    "timestamp_ntz": "timestamp",
    "datetime": "timestamp",
    "timestamp with time zone": "timestamp",
    "timestamp without time zone": "timestamp",
}

LOGICAL_TYPES = {
    "string": "string",
    "integer": "integer",
    "number": "double",
    "boolean": "boolean",
    "date": "date",
    "timestamp": "timestamp",
}

_SIZED = re.compile(r"^\s*([A-Za-z][A-Za-z0-9_ ]*?)\s*[(\[]\s*(\d+)\s*(?:,\s*(\d+)\s*)?[)\]]\s*$")


def physical_type(text) -> str | None:
    """The portal type for a physical type: as written when the portal's grammar reads it
    (`decimal(12,2)`, `BIGINT`), else from the table above (`varchar(18)` -> `string`)."""
    if not isinstance(text, str) or not text.strip():
        return None
    if type_problem(text) is None:
        return text
    lowered = text.strip().lower()
    if lowered in PHYSICAL_TYPES:
        return PHYSICAL_TYPES[lowered]
    sized = _SIZED.match(lowered)
    if sized:
        base, precision, scale = sized.group(1).strip(), sized.group(2), sized.group(3)
        if base in ("decimal", "numeric", "number") and 1 <= int(precision) <= 38:
            scale = int(scale or 0)
            if scale <= int(precision):
                return f"decimal({int(precision)},{scale})"
        if base in PHYSICAL_TYPES:
            return PHYSICAL_TYPES[base]
    return None


# --- quality rules -------------------------------------------------------------------------------

# Operator keys of ODCS and of DCS (whose two inclusive ones are spelled differently).
OPERATORS = {
    "mustBe": "=",
    "mustNotBe": "<>",
    "mustBeGreaterThan": ">",
    "mustBeGreaterOrEqualTo": ">=",
    "mustBeGreaterThanOrEqualTo": ">=",
    "mustBeLessThan": "<",
    "mustBeLessOrEqualTo": "<=",
    "mustBeLessThanOrEqualTo": "<=",
    "mustBeBetween": "between",
    "mustNotBeBetween": "not between",
}

_PLACEHOLDER = re.compile(r"""(["'`]?)\$?\{(object|table|model|schema|property|field|column)\}\1""")


# PostgreSQL's reserved key words (DuckDB reserves fewer): a column named like one is quoted.
_RESERVED = frozenset(
    [
        "all",
        "analyse",
        "analyze",
        "and",
        "any",
        "array",
        "as",
        "asc",
        "asymmetric",
        "both",
        "case",
        "cast",
        "check",
        "collate",
        "column",
        "constraint",
        "create",
        "current_catalog",
        "current_date",
        "current_role",
        "current_time",
        "current_timestamp",
        "current_user",
        "default",
        "deferrable",
        "desc",
        "distinct",
        "do",
        "else",
        "end",
        "except",
        "false",
        "fetch",
        "for",
        "foreign",
        "from",
        "grant",
        "group",
        "having",
        "in",
        "initially",
        "intersect",
        "into",
        "lateral",
        "leading",
        "limit",
        "localtime",
        "localtimestamp",
        "not",
        "null",
        "offset",
        "on",
        "only",
        "or",
        "order",
        "placing",
        "primary",
        "references",
        "returning",
        "select",
        "session_user",
        "some",
        "symmetric",
        "table",
        "then",
        "to",
        "trailing",
        "true",
        "union",
        "unique",
        "user",
        "using",
        "variadic",
        "when",
        "where",
        "window",
        "with",
    ]
)
_PLAIN = re.compile(r"^[a-z_][a-z0-9_]*$")


def quote_ident(name: str) -> str:
    """`name` as it reads in SQL. Plain lower-case names stay bare, as people write them (and as
    PostgreSQL folds unquoted names); others are quoted so that their case and characters hold."""
    if _PLAIN.match(name) and name not in _RESERVED:
        return name
    return '"' + name.replace('"', '""') + '"'


def sql_literal(value) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def fill_placeholders(query: str, table: str, column: str | None) -> str:
    """Replace `{object}`, `${table}`, `{model}`, `{property}`, `{field}`, `{column}` (quoted or not)."""

    def repl(match):
        if match.group(2) in ("property", "field", "column"):
            return column if column is not None else match.group(0)
        return table

    return _PLACEHOLDER.sub(repl, query)


def is_count_query(sql: str) -> bool:
    """True when `sql` is `SELECT COUNT(...) FROM ...` without GROUP BY: its value is an integer >= 0."""
    try:
        tree = sqlglot.parse_one(sql, read="duckdb")
    except Exception:
        return False
    if not isinstance(tree, exp.Select) or len(tree.expressions) != 1 or tree.args.get("group"):
        return False
    projection = tree.expressions[0]
    if isinstance(projection, exp.Alias):
        projection = projection.this
    return isinstance(projection, exp.Count)


def describe_operator(op: str, value) -> str:
    if op in ("between", "not between"):
        return f"{op} {value[0]} and {value[1]}"
    return f"{op} {value}"
