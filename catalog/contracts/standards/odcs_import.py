"""Read an ODCS v3.x contract as one or more contracts in the portal's format.

The mapping (both ways) is documented in docs/standards.md. In short: the product is named by
`dataProduct`, else `name`, else the slugged `id`; a contract with several schema objects
(tables) gives one product per table, named `<name>_<table>`. What the portal's format holds
natively is read from ODCS's own keys; what ODCS cannot hold travels in `customProperties`
named `meshPortal.<key>` (the portal's export writes them), and those win over the native keys.
What cannot be translated is recorded as a note (a warning at import, and a README section).
"""

from ..errors import Path
from ..locations import location_problem
from ..sql import analyze_select
from ..vocab import SEVERITIES
from .common import LOGICAL_TYPES, Translation, identifier, physical_type, slugify
from .quality import translate_rule

MESH = "meshPortal."
_LEVELS = ("public", "internal", "confidential", "restricted")
_DAYS = {"d": 1, "day": 1, "days": 1, "w": 7, "week": 7, "weeks": 7, "m": 30, "mo": 30, "month": 30,
         "months": 30, "y": 365, "yr": 365, "yrs": 365, "year": 365, "years": 365}  # fmt: skip
_HOURS = {"h": 1, "hr": 1, "hour": 1, "hours": 1, "d": 24, "day": 24, "days": 24, "min": 1 / 60,
          "minute": 1 / 60, "minutes": 1 / 60, "m": 1 / 60, "s": 1 / 3600, "sec": 1 / 3600,
          "seconds": 1 / 3600}  # fmt: skip
_BIG_INTEGER_FORMATS = ("i64", "i128", "u32", "u64", "u128")
_SLA_KNOWN = ("availability", "latency", "freshness", "retention", "frequency")
_LOCATION_SERVERS = ("s3", "local", "postgres", "postgresql")
MAX_TYPE_DEPTH = 15


def _configured_sources() -> set[str]:
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


def _list(value) -> list:
    return value if isinstance(value, list) else []


def _str(value) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


class OdcsReader:
    """Reads one ODCS document; `translations()` gives one Translation per product."""

    def __init__(self, doc: dict, *, domain: str | None, standard: str = "ODCS"):
        self.doc = doc
        self.domain_option = domain
        self.standard = standard
        self.mesh = {
            k[len(MESH) :]: v
            for k, v in custom_properties(doc.get("customProperties"), ("customProperties",)).items()
            if k.startswith(MESH)
        }
        self.shared_notes: list = []

    # --- the whole contract -------------------------------------------------------------------

    def translations(self) -> list[Translation]:
        objects = self.doc.get("schema")
        if objects is None:
            objects = []
        if not isinstance(objects, list):
            t = Translation()
            t.error(("schema",), "schema must be a list of schema objects (tables)")
            return [t]
        base, base_src = self.base_name()
        tables = []
        for i, obj in enumerate(objects):
            if isinstance(obj, dict):
                tables.append((i, obj, identifier(obj.get("physicalName")) or identifier(obj.get("name"))))
        out = []
        if not tables:
            out.append(self.product(base, base_src, None, None, None, {}))
        elif len(tables) == 1:
            i, obj, table = tables[0]
            out.append(self.product(base, base_src, i, obj, table, {}))
        else:
            names = {}
            for i, obj, table in tables:
                suffix = slugify(obj.get("name")) or slugify(table) or str(i)
                names[(table or "").lower()] = f"{base}_{suffix}" if base else None
            for i, obj, table in tables:
                out.append(self.product(names[(table or "").lower()], base_src, i, obj, table, names))
        return out

    def base_name(self) -> tuple[str | None, Path]:
        for key in ("dataProduct", "name", "id"):
            slug = slugify(self.doc.get(key))
            if slug:
                return slug, (key,)
        return None, ()

    def domain(self, t: Translation):
        value = self.doc.get("domain")
        if _str(value):
            return slugify(value, sep="-", max_length=100), ("domain",)
        if self.domain_option:
            return self.domain_option, ()
        t.error(("domain",) if "domain" in self.doc else (), "the contract names no domain: add 'domain' to it, "
                "or import it with --domain <name>")  # fmt: skip
        return None, ()

    # --- one product ----------------------------------------------------------------------------

    def product(self, name, name_src, index, obj, table, siblings) -> Translation:
        t = Translation()
        doc = t.document
        if name is None:
            t.error((), "the contract has no dataProduct, name or id to name the product after")
        t.put(doc, "name", name, name_src, ())
        self.version(t)
        domain, domain_src = self.domain(t)
        t.put(doc, "domain", domain, domain_src, ())
        self.owner(t, domain)
        self.texts(t)
        self.governance(t)
        tags = self.doc.get("tags")
        if isinstance(tags, list) and tags:
            t.put(doc, "tags", [x for x in tags if isinstance(x, str)], ("tags",), ())
        checks: list[dict] = []
        if obj is not None:
            self.schema(t, index, obj, table, checks)
        if obj is None and table is None:
            self.server_location(t, None, None)  # still note servers that cannot be read
        self.ports(t, domain, siblings, table, checks)
        self.access(t)
        self.sla(t, table, checks)
        for key, seed_key in (("observability", "observability"), ("changelog", "changelog"),
                              ("deprecation", "deprecation")):  # fmt: skip
            if key in self.mesh:
                value, src = self.mesh[key]
                t.put(doc, seed_key, value, src, ())
        t.notes[:0] = self.shared_notes
        self.readme_notes(t)
        return t

    def version(self, t: Translation) -> None:
        value = self.doc.get("version")
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if isinstance(value, str):
            parts = value.strip().split(".")
            if 1 <= len(parts) < 3 and all(p.isdigit() for p in parts):
                padded = ".".join(parts + ["0"] * (3 - len(parts)))
                t.note(("version",), f"version {value!r} read as the semantic version {padded}")
                value = padded
            elif value.strip().lower().startswith("v") and value[1:2].isdigit():
                value = value.strip()[1:]
        t.put(t.document, "version", value, ("version",), ())

    def owner(self, t: Translation, domain: str | None) -> None:
        owner: dict = {}
        t.put(t.document, "owner", owner, ("team",) if "team" in self.doc else (), ())
        team = self.doc.get("team")
        name = slugify(team.get("name"), sep="-", max_length=100) if isinstance(team, dict) else None
        if name:
            t.put(owner, "team", name, ("team", "name"), ("owner",))
        else:
            fallback = f"{domain}-team" if domain else None
            t.put(owner, "team", fallback, ("team",) if "team" in self.doc else (), ("owner",))
            if fallback:
                t.note(("team",), f"the contract names no team; the product is owned by team '{fallback}'")
        support = self.doc.get("support")
        if not isinstance(support, list):
            return
        contact = slack = None
        for i, item in enumerate(support):
            if not isinstance(item, dict):
                continue
            tool = str(item.get("tool") or "").lower()
            url = _str(item.get("url"))
            if tool == "email" and contact is None:
                value = (
                    url[len("mailto:") :] if url and url.startswith("mailto:") else _str(item.get("channel"))
                )
                contact = (value, ("support", i))
            elif tool == "slack" and slack is None and _str(item.get("channel")):
                slack = (item["channel"], ("support", i, "channel"))
        if contact is None:
            for i, item in enumerate(support):
                tool = str(item.get("tool") or "").lower() if isinstance(item, dict) else ""
                if tool == "other" and _str(item.get("channel")):
                    contact = (item["channel"], ("support", i, "channel"))
                    break
        if contact and contact[0]:
            t.put(owner, "contact", contact[0][:254], contact[1], ("owner",))
        if slack:
            t.put(owner, "slack", slack[0][:100], slack[1], ("owner",))

    def texts(self, t: Translation) -> None:
        description = self.doc.get("description")
        if isinstance(description, dict):
            if _str(description.get("purpose")):
                t.put(t.document, "description", description["purpose"], ("description", "purpose"), ())
        elif _str(description):
            t.put(t.document, "description", description, ("description",), ())
        if "readme" in self.mesh:
            value, src = self.mesh["readme"]
            t.put(t.document, "readme", value, src, ())
        elif isinstance(description, dict):
            sections = [
                f"## {title}\n\n{description[key].strip()}\n"
                for key, title in (("usage", "Usage"), ("limitations", "Limitations"))
                if _str(description.get(key))
            ]
            if sections:
                t.put(t.document, "readme", "\n".join(sections), ("description",), ())

    def governance(self, t: Translation) -> None:
        doc = t.document
        if "classification" in self.mesh:
            value, src = self.mesh["classification"]
            t.put(doc, "classification", value, src, ())
        else:
            found = []
            for i, obj in enumerate(_list(self.doc.get("schema"))):
                for j, prop in enumerate(_list(obj.get("properties")) if isinstance(obj, dict) else []):
                    level = (
                        str((prop or {}).get("classification") or "").lower()
                        if isinstance(prop, dict)
                        else ""
                    )
                    if level in _LEVELS:
                        found.append((_LEVELS.index(level), ("schema", i, "properties", j, "classification")))
            if found:
                rank, src = max(found)
                t.put(doc, "classification", _LEVELS[rank], src, ())
        for key, seed_key in (("encryptionEnabled", "encryption_enabled"),
                              ("auditLoggingEnabled", "audit_logging_enabled")):  # fmt: skip
            if key in self.mesh:
                value, src = self.mesh[key]
                t.put(doc, seed_key, value, src, ())
        for i, sla in enumerate(self.sla_properties()):
            if str(sla.get("property")).lower() == "retention":
                days = self._duration(sla, ("slaProperties", i), _DAYS, "days", t)
                if days is not None:
                    t.put(doc, "retention_days", max(1, round(days)), ("slaProperties", i, "value"), ())
                break

    # --- schema ----------------------------------------------------------------------------------

    def schema(self, t: Translation, index: int, obj: dict, table: str | None, checks: list) -> None:
        src = ("schema", index)
        schema: dict = {}
        t.put(t.document, "schema", schema, src, ())
        here = ("schema",)
        mesh = {
            k.removeprefix(MESH): v
            for k, v in custom_properties(obj.get("customProperties"), src + ("customProperties",)).items()
            if k.startswith(MESH)
        }
        location_type = self.server_location(t, schema, obj)
        kind = location_type or _str(obj.get("physicalType"))
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
            if prop.get("partitioned") is True and fld.get("name"):
                position = prop.get("partitionKeyPosition")
                rank = position if isinstance(position, int) and position >= 1 else 10**6 + j
                partitions.append((rank, fld["name"], psrc + ("partitioned",)))
        if partitions:
            partitions.sort()
            t.put(schema, "partitioned_by", [p[1] for p in partitions], partitions[0][2], here)
        for k, rule in enumerate(_list(obj.get("quality"))):
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
        table = _str(obj.get("physicalName")) or _str(obj.get("name")) or ""
        name = server.get("server")
        if kind == "s3":
            location = _str(server.get("location"))
            if location:
                location = location.replace("{model}", table).replace("{table}", table)
            form = _str(server.get("format"))
        elif kind == "local":
            location = _str(server.get("path"))
            form = _str(server.get("format"))
            if location and not location.startswith("/"):
                t.note(src + ("path",), f"the relative path {location!r} cannot be a product location "
                       "(the portal needs an absolute path); the product has no location")  # fmt: skip
                return None, None
        elif kind in ("postgres", "postgresql"):
            pg_schema = _str(server.get("schema"))
            if not (_str(name) and pg_schema and identifier(table) == table):
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
        if kind in ("postgres", "postgresql") and name not in _configured_sources():
            t.note(src, f"the location names the data source {name!r}: configure it in MESH_DATA_SOURCES "
                   "before running checks")  # fmt: skip
        return location, form

    def field(self, t: Translation, prop: dict, src: Path, here: Path, table, checks: list) -> dict:
        fld: dict = {}
        raw = prop.get("physicalName") if _str(prop.get("physicalName")) else prop.get("name")
        key = "physicalName" if _str(prop.get("physicalName")) else "name"
        name = identifier(raw) if isinstance(raw, str) else raw
        if isinstance(raw, str) and name != raw:
            t.note(src + (key,), f"the property name {raw!r} is read as the column name {name!r}")
        t.put(fld, "name", name, src + (key,), here)
        type_ = self.type_of(prop, src, t, 0)
        t.put(fld, "type", type_, src + ("physicalType" if "physicalType" in prop else "logicalType",), here)
        description = _str(prop.get("description")) or _str(prop.get("businessName"))
        if description:
            t.put(fld, "description", description, src + ("description",), here)
        mesh = {
            k.removeprefix(MESH): v
            for k, v in custom_properties(prop.get("customProperties"), src + ("customProperties",)).items()
            if k.startswith(MESH) or k == "pii"
        }
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
        for k, rule in enumerate(_list(prop.get("quality"))):
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
        if pii is None and "pii" in [x.lower() for x in _list(prop.get("tags")) if isinstance(x, str)]:
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
            for k, sub in enumerate(_list(prop.get("properties"))):
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
        for key, value in options.items():
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
            elif key == "format" and str(value).lower() in _BIG_INTEGER_FORMATS + ("i8", "i16", "i32", "u8",
                                                                                 "u16", "f32", "f64"):  # fmt: skip
                continue
            else:
                t.note(
                    ksrc,
                    f"logicalTypeOptions.{key} ({value!r}) has no equivalent in the portal; not imported",
                )

    @staticmethod
    def bound_check(table, column, type_, op, value, key) -> dict | None:
        from .common import quote_ident, sql_literal

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

    # --- ports, access, SLA --------------------------------------------------------------------------

    def ports(self, t: Translation, domain, siblings: dict, table, checks: list) -> None:
        doc = t.document
        ports = []
        if "inputPorts" in self.mesh:
            value, src = self.mesh["inputPorts"]
            t.put(doc, "input_ports", value, src, ())
            ports = None
        if "outputPorts" in self.mesh:
            value, src = self.mesh["outputPorts"]
            t.put(doc, "output_ports", value, src, ())
        if ports is None or not siblings or not domain:
            return
        # A rule of one table that reads another table of the same contract reads that product.
        declared = set()
        for check, src in checks:
            for read in analyze_select(check["query"]).tables:
                sibling = siblings.get(read.lower())
                if sibling and read.lower() != (table or "").lower() and read.lower() not in declared:
                    declared.add(read.lower())
                    ports.append({"product": f"{domain}/{sibling}", "table": read})
                    t.origin[("input_ports", len(ports) - 1)] = src
        if ports:
            t.put(doc, "input_ports", ports, checks[0][1], ())

    def access(self, t: Translation) -> None:
        if "access" in self.mesh:
            value, src = self.mesh["access"]
            t.put(t.document, "access", value, src, ())
            return
        roles = self.doc.get("roles")
        if not isinstance(roles, list) or not roles:
            return
        access: dict = {}
        for i, role in enumerate(roles):
            if not isinstance(role, dict) or not _str(role.get("role")):
                continue
            kind = str(role.get("access") or "read").lower()
            side = "write" if "write" in kind else "read"
            entry = {"role": role["role"]}
            if entry not in access.setdefault(side, []):
                access[side].append(entry)
            t.origin[("access", side, len(access[side]) - 1)] = ("roles", i)
        if access:
            t.put(t.document, "access", access, ("roles",), ())

    def sla_properties(self) -> list[dict]:
        items = self.doc.get("slaProperties")
        return [x if isinstance(x, dict) else {} for x in items] if isinstance(items, list) else []

    def _duration(self, sla: dict, src: Path, units: dict, what: str, t: Translation) -> float | None:
        value, unit = sla.get("value"), str(sla.get("unit") or "").lower()
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0 or unit not in units:
            t.note(src, f"{sla.get('property')} {value!r} {sla.get('unit') or ''}".rstrip()
                   + f" cannot be read as a number of {what}; not imported")  # fmt: skip
            return None
        return value * units[unit]

    def sla(self, t: Translation, table, checks: list) -> None:
        sla: dict = {}
        doc = t.document
        freshness: dict = {}
        schedule = None
        fields = {f.get("name", "").lower(): f for f in (doc.get("schema") or {}).get("fields", [])
                  if isinstance(f.get("name"), str)}  # fmt: skip
        for i, item in enumerate(self.sla_properties()):
            src = ("slaProperties", i)
            prop = str(item.get("property") or "").lower()
            value = item.get("value")
            if prop == "availability":
                number = value
                if isinstance(value, str):
                    try:
                        number = float(value.strip().rstrip("%"))
                    except ValueError:
                        number = None
                if isinstance(number, (int, float)) and not isinstance(number, bool):
                    # str(): 99.0 reads back as "99.0%", as the portal's contracts write it
                    sla["availability"] = f"{number}%"
                    t.origin[("sla", "availability")] = src + ("value",)
                else:
                    t.note(src, f"availability {value!r} is not a percentage; not imported")
            elif prop in ("latency", "freshness") and "max_age_hours" not in freshness:
                hours = self._duration(item, src, _HOURS, "hours", t)
                if hours is not None:
                    freshness["max_age_hours"] = round(hours, 6)
                    t.origin[("sla", "freshness", "max_age_hours")] = src + ("value",)
                    element = _str(item.get("element"))
                    if element and "," not in element:
                        owner, _, column = element.rpartition(".")
                        if (not owner or owner.lower() == (table or "").lower()) and column.lower() in fields:
                            fld = fields[column.lower()]
                            if str(fld.get("type", "")).lower() in ("date", "timestamp"):
                                freshness["timestamp_field"] = fld["name"]
                                t.origin[("sla", "freshness", "timestamp_field")] = src + ("element",)
            elif prop == "frequency":
                if str(item.get("scheduler") or "").lower() == "cron" and _str(item.get("schedule")):
                    schedule = (item["schedule"], src + ("schedule",))
                else:
                    t.note(
                        src,
                        "frequency without a cron schedule (scheduler: cron, schedule: ...) is not imported",
                    )
            elif prop == "retention":
                continue  # read by governance()
            else:
                t.note(
                    src,
                    f"the SLA property {item.get('property')!r} has no equivalent in the portal; not imported",
                )
        if schedule:
            if freshness:
                freshness["update_schedule"] = schedule[0]
                t.origin[("sla", "freshness", "update_schedule")] = schedule[1]
            else:
                t.note(schedule[1], "an update schedule needs a latency (freshness) SLA to be imported")
        if freshness:
            sla["freshness"] = freshness
        if "completeness" in self.mesh:
            value, src = self.mesh["completeness"]
            sla["completeness"] = value
            t.origin[("sla", "completeness")] = src
        if "qualityChecks" in self.mesh:
            value, src = self.mesh["qualityChecks"]
            sla["quality_checks"] = value
            t.origin[("sla", "quality_checks")] = src
        elif checks:
            names: set[str] = set()
            out = []
            for check, src in checks:
                name = str(check["name"])[:190]
                unique, n = name, 1
                while unique.lower() in names:
                    n += 1
                    unique = f"{name}_{n}"
                names.add(unique.lower())
                check["name"] = unique
                if "severity" in check and check["severity"] not in SEVERITIES:
                    del check["severity"]
                out.append(check)
                t.origin[("sla", "quality_checks", len(out) - 1)] = src
            sla["quality_checks"] = out
        if sla:
            t.put(doc, "sla", sla, ("slaProperties",) if "slaProperties" in self.doc else (), ())

    def readme_notes(self, t: Translation) -> None:
        """Foreign contracts keep their notes in the README, where people will read them."""
        if not t.notes or self.mesh:
            return
        from ..errors import format_path

        lines = [f"- `{format_path(n.path) or '(top)'}`: {n.message}" for n in t.notes]
        section = f"## Not translated from {self.standard}\n\n" + "\n".join(lines) + "\n"
        readme = t.document.get("readme")
        t.document["readme"] = (readme.rstrip() + "\n\n" + section) if isinstance(readme, str) else section
