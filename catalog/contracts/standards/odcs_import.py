"""Read an ODCS v3.x contract as one or more contracts in the portal's format.

The mapping (both ways) is documented in docs/standards.md. In short: the product is named by
`dataProduct`, else `name`, else the slugged `id`; a contract with several schema objects
(tables) gives one product per table, named `<name>_<table>`. What the portal's format holds
natively is read from ODCS's own keys; what ODCS cannot hold travels in `customProperties`
named `meshPortal.<key>` (the portal's export writes them), and those win over the native keys.
What cannot be translated is recorded as a note (a warning at import, and a README section).
"""

from ..errors import Path, format_path
from ..sql import analyze_select
from ..vocab import SEVERITIES
from .common import Translation, identifier, slugify
from .odcs_schema import SchemaReading, as_list, mesh_properties, text

_LEVELS = ("public", "internal", "confidential", "restricted")
_DAYS = {"d": 1, "day": 1, "days": 1, "w": 7, "week": 7, "weeks": 7, "m": 30, "mo": 30, "month": 30,
         "months": 30, "y": 365, "yr": 365, "yrs": 365, "year": 365, "years": 365}  # fmt: skip
_HOURS = {"h": 1, "hr": 1, "hour": 1, "hours": 1, "d": 24, "day": 24, "days": 24, "min": 1 / 60,
          "minute": 1 / 60, "minutes": 1 / 60, "m": 1 / 60, "s": 1 / 3600, "sec": 1 / 3600,
          "seconds": 1 / 3600}  # fmt: skip


class OdcsReader(SchemaReading):
    """Reads one ODCS document; `translations()` gives one Translation per product."""

    def __init__(self, doc: dict, *, domain: str | None, standard: str = "ODCS"):
        self.doc = doc
        self.domain_option = domain
        self.standard = standard
        self.mesh = mesh_properties(doc.get("customProperties"), ("customProperties",))

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
            names: dict[str, str | None] = {}  # table (lower case) -> product name
            first: dict[tuple, int] = {}  # ("table", t) / ("product", p) -> the schema index that has it
            for i, obj, table in tables:
                suffix = slugify(obj.get("name")) or slugify(table) or str(i)
                product = f"{base}_{suffix}" if base else None
                keys = [("table", (table or "").lower()), ("product", product)] if table else []
                clash = next((first[k] for k in keys if k[1] and k in first), None)
                if clash is not None:
                    t = Translation()
                    t.error(("schema", i, "name"), f"schema[{i}] is the same table or product as schema[{clash}] "
                            f"({table}, {product}); each table must have its own name")  # fmt: skip
                    return [t]
                first.update((k, i) for k in keys if k[1])
                names[(table or "").lower()] = product
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
        if text(value):
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
            url = text(item.get("url"))
            if tool == "email" and contact is None:
                value = (
                    url[len("mailto:") :] if url and url.startswith("mailto:") else text(item.get("channel"))
                )
                contact = (value, ("support", i))
            elif tool == "slack" and slack is None and text(item.get("channel")):
                slack = (item["channel"], ("support", i, "channel"))
        if contact is None:
            for i, item in enumerate(support):
                tool = str(item.get("tool") or "").lower() if isinstance(item, dict) else ""
                if tool == "other" and text(item.get("channel")):
                    contact = (item["channel"], ("support", i, "channel"))
                    break
        if contact and contact[0]:
            t.put(owner, "contact", contact[0][:254], contact[1], ("owner",))
        if slack:
            t.put(owner, "slack", slack[0][:100], slack[1], ("owner",))

    def texts(self, t: Translation) -> None:
        description = self.doc.get("description")
        if isinstance(description, dict):
            if text(description.get("purpose")):
                t.put(t.document, "description", description["purpose"], ("description", "purpose"), ())
        elif text(description):
            t.put(t.document, "description", description, ("description",), ())
        if "readme" in self.mesh:
            value, src = self.mesh["readme"]
            t.put(t.document, "readme", value, src, ())
        elif isinstance(description, dict):
            sections = [
                f"## {title}\n\n{description[key].strip()}\n"
                for key, title in (("usage", "Usage"), ("limitations", "Limitations"))
                if text(description.get(key))
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
            for i, obj in enumerate(as_list(self.doc.get("schema"))):
                for j, prop in enumerate(as_list(obj.get("properties")) if isinstance(obj, dict) else []):
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
            if not isinstance(role, dict) or not text(role.get("role")):
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
                    element = text(item.get("element"))
                    if element and "," not in element:
                        owner, _, column = element.rpartition(".")
                        if (not owner or owner.lower() == (table or "").lower()) and column.lower() in fields:
                            fld = fields[column.lower()]
                            if str(fld.get("type", "")).lower() in ("date", "timestamp"):
                                freshness["timestamp_field"] = fld["name"]
                                t.origin[("sla", "freshness", "timestamp_field")] = src + ("element",)
            elif prop == "frequency":
                if str(item.get("scheduler") or "").lower() == "cron" and text(item.get("schedule")):
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
                here = ("sla", "quality_checks", len(out) - 1)
                t.origin[here] = src
                if check.pop("_query_is_written", False):  # an error in it points at the query
                    t.origin[here + ("query",)] = src + ("query",)
            sla["quality_checks"] = out
        if sla:
            t.put(doc, "sla", sla, ("slaProperties",) if "slaProperties" in self.doc else (), ())

    def readme_notes(self, t: Translation) -> None:
        """Foreign contracts keep their notes in the README, where people will read them."""
        if not t.notes or self.mesh:
            return
        lines = [f"- `{format_path(n.path) or '(top)'}`: {n.message}" for n in t.notes]
        section = f"## Not translated from {self.standard}\n\n" + "\n".join(lines) + "\n"
        readme = t.document.get("readme")
        t.document["readme"] = (readme.rstrip() + "\n\n" + section) if isinstance(readme, str) else section
