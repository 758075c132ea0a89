"""The schema objects of an ODCS contract: table, location, fields, types and column rules.

Part of the ODCS import (odcs_import.py): `SchemaReading` is the half of `OdcsReader` that reads
one schema object into the portal's `schema` section and quality checks.
"""

from ..errors import Path
from ..locations import location_problem
from .common import LOGICAL_TYPES, Translation, identifier, physical_type, quote_ident, sql_literal
from .quality import translate_rule

MESH = "meshPortal."
_BIG_INTEGER_FORMATS = ("i64", "i128", "u32", "u64", "u128")
_NUMBER_FORMATS = ("i8", "i16", "i32", "u8", "u16", "f32", "f64")
_LOCATION_SERVERS = ("s3", "local", "postgres", "postgresql")
MAX_TYPE_DEPTH = 15
OPTION_ORDER = {"minimum": 0, "maximum": 1, "minLength": 2, "maxLength": 3, "pattern": 4}


def configured_sources() -> set[str]:
    try:
        from django.conf import settings

        return set(getattr(settings, "MESH_DATA_SOURCES", {}) or {})
    except Exception:  # outside Django
        return set()


def custom_properties(items, src: Path) -> dict[str, tuple[object, Path]]:
    """`customProperties` as {property: (value, path)}."""
    out: dict[str, tuple[object, Path]] = {}
    if not isinstance(items, list):
        return out
    for i, item in enumerate(items):
        if isinstance(item, dict) and isinstance(item.get("property"), str) and "value" in item:
            out[item["property"]] = (item["value"], src + (i, "value"))
    return out


def mesh_properties(items, src: Path, *, also: tuple[str, ...] = ()) -> dict[str, tuple[object, Path]]:
    """The `meshPortal.<key>` custom properties (and those named in `also`) by key."""
    return {
        k.removeprefix(MESH): v
        for k, v in custom_properties(items, src).items()
        if k.startswith(MESH) or k in also
    }


def as_list(value) -> list:
    return value if isinstance(value, list) else []


def text(value) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


class SchemaReading:
    """Reads one schema object (table) of `self.doc`: its table, location, fields and rules.
    `OdcsReader` is the only subclass; the split keeps each module a readable size."""

    doc: dict
    standard: str

    # --- schema ----------------------------------------------------------------------------------

    def schema(self, t: Translation, index: int, obj: dict, table: str | None, checks: list) -> None:
        src = ("schema", index)
        schema: dict = {}
        t.put(t.document, "schema", schema, src, ())
        here = ("schema",)
        mesh = mesh_properties(obj.get("customProperties"), src + ("customProperties",))
        location_type = self.server_location(t, schema, obj)
        kind = location_type or text(obj.get("physicalType"))
        if "type" in mesh:
            kind, type_src = mesh["type"]
        else:
            type_src = src + ("physicalType",)
        if kind is not None:
            t.put(schema, "type", kind[:50] if isinstance(kind, str) else kind, type_src, here)
        if "location" in mesh:
            t.put(schema, "location", mesh["location"][0], mesh["location"][1], here)
        if table is None:
            t.error(src + ("name",), "a schema object needs a name that can be a SQL table name")
        else:
            if table != obj.get("physicalName") and table != obj.get("name"):
                t.note(src + ("name",), f"the table name {obj.get('name')!r} is read as {table!r}")
            t.put(schema, "table", table, src + ("physicalName" if "physicalName" in obj else "name",), here)
        props = obj.get("properties") or []
        if not isinstance(props, list):
            t.error(src + ("properties",), "properties must be a list")
            props = []
        fields: list = []
        t.put(schema, "fields", fields, src + ("properties",), here)
        partitions = []
        for j, prop in enumerate(props):
            psrc = src + ("properties", j)
            if not isinstance(prop, dict):
                t.error(psrc, "a property must be a mapping with at least a name")
                continue
            fld = self.field(t, prop, psrc, here + ("fields", len(fields)), table, checks)
            fields.append(fld)
            if prop.get("partitioned") is True and isinstance(fld.get("name"), str):
                position = prop.get("partitionKeyPosition")
                rank = position if isinstance(position, int) and position >= 1 else 10**6 + j
                partitions.append((rank, fld["name"], psrc + ("partitioned",)))
        if partitions:
            partitions.sort(key=lambda p: p[0])
            t.put(schema, "partitioned_by", [p[1] for p in partitions], partitions[0][2], here)
        for k, rule in enumerate(as_list(obj.get("quality"))):
            check = translate_rule(
                rule,
                src + ("quality", k),
                table=table,
                column=None,
                constraints=[],
                t=t,
                standard=self.standard,
            )
            if check:
                checks.append((check, src + ("quality", k)))
        if obj.get("relationships") or any(isinstance(p, dict) and p.get("relationships") for p in props):
            t.note(src, "relationships (foreign keys) are not imported: declare the referenced product "
                   "as an input port and check it with a SQL quality check")  # fmt: skip

    def server_location(self, t: Translation, schema: dict | None, obj: dict | None) -> str | None:
        """Set schema.location from the first server the portal can read; returns the schema type."""
        servers = self.doc.get("servers")
        if not isinstance(servers, list):
            return None
        chosen, chosen_type = False, None
        for i, server in enumerate(servers):
            if not isinstance(server, dict):
                continue
            src, name = ("servers", i), server.get("server")
            if schema is None:
                t.note(src, f"server {name!r} is not imported: the contract declares no table")
            elif chosen:
                t.note(src, f"server {name!r} is not imported: a product has one location")
            else:
                location, chosen_type = self._location(server, obj, src, t)
                if location is not None:
                    t.put(schema, "location", location, src, ("schema",))
                    chosen = True
        return chosen_type if chosen else None

    def _location(self, server: dict, obj: dict, src: Path, t: Translation):
        kind = str(server.get("type") or "").lower()
        table = text(obj.get("physicalName")) or text(obj.get("name")) or ""
        name = server.get("server")
        if kind == "s3":
            location = text(server.get("location"))
            if location:
                location = location.replace("{model}", table).replace("{table}", table)
            form = text(server.get("format"))
        elif kind == "local":
            location = text(server.get("path"))
            form = text(server.get("format"))
            if location and not location.startswith("/"):
                t.note(src + ("path",), f"the relative path {location!r} cannot be a product location "
                       "(the portal needs an absolute path); the product has no location")  # fmt: skip
                return None, None
        elif kind in ("postgres", "postgresql"):
            pg_schema = text(server.get("schema"))
            if not (text(name) and pg_schema and identifier(table) == table):
                t.note(src, "a PostgreSQL server needs server, schema and a table name to become a location")
                return None, None
            location = f"postgresql://{name}/{pg_schema}.{table}"
            form = "postgresql"
        else:
            t.note(src, f"server {name!r} of type {kind or 'unknown'!r} is not a location the portal reads "
                   "(s3, local, postgresql); the product has no location")  # fmt: skip
            return None, None
        if location is None:
            t.note(src, f"server {name!r} has no location; the product has no location")
            return None, None
        problem = location_problem(location)
        if problem:
            t.note(src, f"server {name!r} is not imported: {problem}")
            return None, None
        if kind in ("postgres", "postgresql") and name not in configured_sources():
            t.note(src, f"the location names the data source {name!r}: configure it in MESH_DATA_SOURCES "
                   "before running checks")  # fmt: skip
        return location, form

    def field(self, t: Translation, prop: dict, src: Path, here: Path, table, checks: list) -> dict:
        fld: dict = {}
        raw = prop.get("physicalName") if text(prop.get("physicalName")) else prop.get("name")
        key = "physicalName" if text(prop.get("physicalName")) else "name"
        name = identifier(raw) if isinstance(raw, str) else raw
        if isinstance(raw, str) and name != raw:
            t.note(src + (key,), f"the property name {raw!r} is read as the column name {name!r}")
        t.put(fld, "name", name, src + (key,), here)
        type_ = self.type_of(prop, src, t, 0)
        t.put(fld, "type", type_, src + ("physicalType" if "physicalType" in prop else "logicalType",), here)
        description = text(prop.get("description")) or text(prop.get("businessName"))
        if description:
            t.put(fld, "description", description, src + ("description",), here)
        mesh = mesh_properties(prop.get("customProperties"), src + ("customProperties",), also=("pii",))
        constraints: list = []
        column = name if isinstance(name, str) else None
        if "constraints" in mesh:
            value, csrc = mesh["constraints"]
            t.put(fld, "constraints", value, csrc, here)
            constraints = None
        else:
            if prop.get("required") is True:
                constraints.append("not_null")
            if prop.get("unique") is True:
                constraints.append("unique")
            self.options(t, prop, src, table, column, type_, constraints, checks)
        for k, rule in enumerate(as_list(prop.get("quality"))):
            check = translate_rule(
                rule,
                src + ("quality", k),
                table=table,
                column=column,
                constraints=constraints if constraints is not None else [],
                t=t,
                standard=self.standard,
            )
            if check:
                checks.append((check, src + ("quality", k)))
        if constraints:
            t.put(fld, "constraints", constraints, src, here)
        pii = mesh.get("isPii") or mesh.get("pii")
        if pii is None and "pii" in [x.lower() for x in as_list(prop.get("tags")) if isinstance(x, str)]:
            pii = (True, src + ("tags",))
        if pii is not None:
            t.put(fld, "is_pii", pii[0], pii[1], here)
        if "piiCategory" in mesh:
            t.put(fld, "pii_category", mesh["piiCategory"][0], mesh["piiCategory"][1], here)
        if prop.get("primaryKey") is True:
            t.put(fld, "is_primary_key", True, src + ("primaryKey",), here)
        return fld

    def type_of(self, prop: dict, src: Path, t: Translation, depth: int) -> str:
        found = physical_type(prop.get("physicalType"))
        logical = str(prop.get("logicalType") or "").lower()
        options = prop.get("logicalTypeOptions") if isinstance(prop.get("logicalTypeOptions"), dict) else {}
        if found and not (found in ("string",) and logical in ("array", "object")):
            return found
        if logical == "integer" and str(options.get("format") or "").lower() in _BIG_INTEGER_FORMATS:
            return "bigint"
        if logical in LOGICAL_TYPES:
            return LOGICAL_TYPES[logical]
        if depth >= MAX_TYPE_DEPTH:
            t.note(src, "nested too deeply; read as a string")
            return "string"
        if logical == "array":
            items = prop.get("items")
            if isinstance(items, dict):
                return f"array<{self.type_of(items, src + ('items',), t, depth + 1)}>"
            t.note(src, "an array without items: read as array<string>")
            return "array<string>"
        if logical == "object":
            members = []
            seen = set()
            for k, sub in enumerate(as_list(prop.get("properties"))):
                if isinstance(sub, dict):
                    sub_name = identifier(sub.get("physicalName") or sub.get("name"))
                    if sub_name and sub_name.lower() not in seen:
                        seen.add(sub_name.lower())
                        members.append(
                            f"{sub_name}: {self.type_of(sub, src + ('properties', k), t, depth + 1)}"
                        )
            if members:
                return f"struct<{', '.join(members)}>"
            t.note(src, "an object without declared properties is read as a string (its JSON text)")
            return "string"
        shown = prop.get("physicalType") or prop.get("logicalType")
        t.note(src, f"the type {shown!r} has no equivalent in the portal; read as a string")
        return "string"

    def options(self, t, prop, src, table, column, type_, constraints, checks) -> None:
        options = prop.get("logicalTypeOptions")
        if not isinstance(options, dict):
            return
        osrc = src + ("logicalTypeOptions",)
        numeric = type_ is not None and type_.split("(")[0].lower() in (
            "integer",
            "bigint",
            "double",
            "decimal",
        )
        # A fixed order, whatever the order of the keys in the file (a mapping has none).
        ordered = sorted(options.items(), key=lambda kv: OPTION_ORDER.get(kv[0], len(OPTION_ORDER)))
        for key, value in ordered:
            ksrc = osrc + (key,)
            if key in ("minimum", "maximum") and numeric and isinstance(value, (int, float)):
                constraints.append({"min" if key == "minimum" else "max": value})
            elif key in ("minLength", "maxLength") and isinstance(value, int) and value >= 0:
                constraints.append({"min_length" if key == "minLength" else "max_length": value})
            elif key == "pattern" and isinstance(value, str) and value:
                constraints.append({"pattern": value})
            elif key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum") and table and column:
                op = {"minimum": "<", "maximum": ">", "exclusiveMinimum": "<=", "exclusiveMaximum": ">="}[key]
                check = self.bound_check(table, column, type_, op, value, key)
                if check is None:
                    t.note(ksrc, f"{key} {value!r} cannot be checked on a {type_} column; not imported")
                else:
                    checks.append((check, ksrc))
            elif key == "format" and str(value).lower() in _BIG_INTEGER_FORMATS + _NUMBER_FORMATS:
                continue
            else:
                t.note(
                    ksrc,
                    f"logicalTypeOptions.{key} ({value!r}) has no equivalent in the portal; not imported",
                )

    @staticmethod
    def bound_check(table, column, type_, op, value, key) -> dict | None:
        base = (type_ or "").split("(")[0].lower()
        if base in ("integer", "bigint", "double", "decimal") and isinstance(value, (int, float)):
            literal = sql_literal(value)
        elif base in ("date", "timestamp") and isinstance(value, str) and value.strip():
            cast = "DATE" if base == "date" else ("TIMESTAMPTZ" if "+" in value[10:] or value.endswith("Z")
                                                   else "TIMESTAMP")  # fmt: skip
            literal = f"CAST({sql_literal(value)} AS {cast})"
        else:
            return None
        return {
            "name": f"{column}_{key}",
            "query": f"SELECT COUNT(*) FROM {quote_ident(table)} WHERE {quote_ident(column)} {op} {literal}",
            "threshold": 0,
            "description": f"logicalTypeOptions.{key}: {value}",
        }
