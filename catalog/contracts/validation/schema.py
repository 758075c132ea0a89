"""The schema section: location, table, partitions, fields, their types and constraints."""

import re

from ..checker import IDENTIFIER, Checker, describe
from ..errors import Path
from ..fieldtypes import type_problem
from ..locations import location_problem, table_from_location
from ..vocab import CONSTRAINTS, CONSTRAINTS_BARE, CONSTRAINTS_LENGTH, CONSTRAINTS_NUMBER

SCHEMA_KEYS = ("type", "location", "table", "partitioned_by", "fields")
FIELD_KEYS = ("name", "type", "description", "constraints", "is_pii", "pii_category", "is_primary_key")


def read_schema(c: Checker, value) -> dict | None:
    path = ("schema",)
    schema = c.mapping(path, value, SCHEMA_KEYS)
    if schema is None:
        return None
    location = c.string(path + ("location",), schema.get("location"), non_empty=True)
    if location is not None and (problem := location_problem(location)):
        c.error(path + ("location",), problem)
        location = None
    table = c.identifier(path + ("table",), schema.get("table"))
    if schema.get("table") is None and location is not None:
        table = table_from_location(location)
        if table is not None and not IDENTIFIER.match(table):
            c.error(
                path + ("location",),
                f"the table name '{table}' taken from the location is not a valid SQL identifier; "
                "set schema.table",
            )
            table = None
    fields = read_fields(c, path + ("fields",), schema.get("fields"))
    names = {f["name"].lower() for f in fields if f["name"]}
    field_names = [f["name"] for f in fields if f["name"]]
    partitioned_by = c.strings(path + ("partitioned_by",), schema.get("partitioned_by"), what="field names")
    for i, column in enumerate(partitioned_by):
        if names and column.lower() not in names:
            c.error(
                path + ("partitioned_by", i),
                f"'{column}' is not a field of the schema{c.suggest(column, field_names)}",
            )
    return {
        "type": c.string(path + ("type",), schema.get("type"), max_length=50, non_empty=True),
        "location": location,
        "table": table,
        "partitioned_by": partitioned_by,
        "fields": fields,
    }


def read_fields(c: Checker, path: Path, value) -> list[dict]:
    out: list[dict] = []
    seen: dict[str, int] = {}
    for i, item in enumerate(c.items(path, value, "fields")):
        here = path + (i,)
        if item is None:
            c.error(here, "a field must be a mapping with at least name and type")
            continue
        field = c.mapping(here, item, FIELD_KEYS, ("name", "type"))
        if field is None:
            continue
        name = c.identifier(here + ("name",), field.get("name"))
        if name is not None:
            if name.lower() in seen:
                c.error(
                    here + ("name",), f"duplicate field name '{name}' (also fields[{seen[name.lower()]}])"
                )
            else:
                seen[name.lower()] = i
        type_ = c.string(here + ("type",), field.get("type"), non_empty=True)
        if type_ is not None and (problem := type_problem(type_)):
            c.error(here + ("type",), problem)
            type_ = None
        out.append(
            {
                "name": name,
                "type": type_,
                "description": c.string(here + ("description",), field.get("description")),
                "constraints": read_constraints(c, here + ("constraints",), field.get("constraints")),
                "is_pii": c.boolean(here + ("is_pii",), field.get("is_pii")),
                "pii_category": c.string(here + ("pii_category",), field.get("pii_category"), max_length=100),
                "is_primary_key": c.boolean(here + ("is_primary_key",), field.get("is_primary_key")),
            }
        )
    return out


def read_constraints(c: Checker, path: Path, value) -> list[dict]:
    out: list[dict] = []
    where: dict[str, Path] = {}
    for i, item in enumerate(c.items(path, value, "constraints")):
        here = path + (i,)
        constraint = read_constraint(c, here, item)
        if constraint is None:
            continue
        kind = constraint["type"]
        at = here + (kind,) if isinstance(item, dict) else here
        if kind in where:
            c.error(at, f"duplicate constraint '{kind}'")
            continue
        where[kind] = at
        out.append(constraint)
    values = {rule["type"]: rule.get("value") for rule in out}
    for low, high in (("min", "max"), ("min_length", "max_length")):
        if low in values and high in values and values[low] > values[high]:
            c.error(where[high], f"{low} ({values[low]}) is greater than {high} ({values[high]})")
    return out


def read_constraint(c: Checker, path: Path, item) -> dict | None:
    usage = "a constraint is unique, not_null, or a one-key mapping such as 'min: 0' or 'in: [a, b]'"
    if isinstance(item, str):
        if item in CONSTRAINTS_BARE:
            return {"type": item}
        if item in CONSTRAINTS:
            c.error(path, f"'{item}' needs a value: write '{item}: <value>'")
        else:
            c.error(path, f"unknown constraint '{item}'{c.suggest(item, CONSTRAINTS)}; {usage}")
        return None
    if not isinstance(item, dict) or len(item) != 1:
        found = f"a mapping with {len(item)} keys" if isinstance(item, dict) else describe(item)
        c.error(path, f"{usage}; found {found}")
        return None
    ((kind, value),) = item.items()
    here = path + (kind,)
    if kind in CONSTRAINTS_BARE:
        c.error(here, f"'{kind}' takes no value: write '- {kind}'", key=True)
        return None
    if kind in CONSTRAINTS_NUMBER:
        if value is None:
            c.error(here, f"'{kind}' needs a number")
            return None
        number = c.number(here, value)
        return None if number is None else {"type": kind, "value": value}
    if kind in CONSTRAINTS_LENGTH:
        if value is None:
            c.error(here, f"'{kind}' needs a non-negative integer")
            return None
        length = c.integer(here, value, what="a non-negative integer")
        return None if length is None else {"type": kind, "value": length}
    if kind == "in":
        if not isinstance(value, list) or not value:
            c.wrong_type(here, "a non-empty list of allowed values, e.g. [a, b]", value)
            return None
        for j, allowed in enumerate(value):
            if allowed is None or isinstance(allowed, (list, dict)):
                c.wrong_type(here + (j,), "a string, number or boolean", allowed)
                return None
        return {"type": "in", "value": value}
    if kind == "pattern":
        pattern = c.string(here, value, max_length=1000, non_empty=True)
        if pattern is None:
            if value is None:
                c.error(here, "'pattern' needs a regular expression")
            return None
        try:
            re.compile(pattern)
        except (re.error, RecursionError, OverflowError) as exc:
            c.error(here, f"invalid regular expression: {exc}")
            return None
        return {"type": "pattern", "value": pattern}
    c.error(here, f"unknown constraint '{kind}'{c.suggest(kind, CONSTRAINTS)}; {usage}", key=True)
    return None
