"""Read a Data Contract Specification (DCS) file by translating it to ODCS v3.1 first.

This follows the migration path the DCS project recommends (`datacontract export --format
odcs`): info -> name/version/description/team/support, servers (a map) -> servers (a list),
models -> schema objects, fields -> properties (with `$ref` to `definitions` resolved), field
constraints -> logicalTypeOptions, `enum` -> an invalidValues rule, servicelevels ->
slaProperties, terms -> description. Every ODCS node remembers the DCS path it came from, so
problems point into the DCS file. What has no home is noted.
"""

import re

from ..errors import Path

SUPPORTED_DCS = ("0.9.0", "0.9.1", "0.9.2", "0.9.3", "1.0.0", "1.1.0", "1.2.0", "1.2.1")

LOGICAL = {
    "string": "string", "text": "string", "varchar": "string", "bytes": "string", "null": "string",
    "variant": "string", "json": "string", "number": "number", "decimal": "number", "numeric": "number",
    "float": "number", "double": "number", "int": "integer", "integer": "integer", "long": "integer",
    "bigint": "integer", "boolean": "boolean", "timestamp": "timestamp", "timestamp_tz": "timestamp",
    "timestamp_ntz": "timestamp", "date": "date", "time": "time", "array": "array", "object": "object",
    "record": "object", "struct": "object",
}  # fmt: skip
_OPTIONS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength", "pattern",
            "format")  # fmt: skip
_ISO = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$", re.IGNORECASE)
_SHORT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-z]+)\s*$", re.IGNORECASE)


class _Builder:
    def __init__(self, doc: dict):
        self.doc = doc
        self.origin: dict[Path, Path] = {}
        self.notes: list = []

    def note(self, path: Path, message: str) -> None:
        from .common import Note

        self.notes.append(Note(path, message))

    def at(self, odcs: Path, dcs: Path) -> None:
        self.origin[odcs] = dcs

    def build(self) -> dict:
        d = self.doc
        out: dict = {"apiVersion": "v3.1.0", "kind": "DataContract"}
        self.at(("apiVersion",), ("dataContractSpecification",))
        self.at(("kind",), ("dataContractSpecification",))
        out["id"] = d.get("id")
        self.at(("id",), ("id",))
        info = d.get("info") if isinstance(d.get("info"), dict) else {}
        if info.get("title"):
            out["name"] = info["title"]
            self.at(("name",), ("info", "title"))
        elif d.get("id") is not None:
            self.at(("name",), ("id",))
        out["version"] = info.get("version")
        self.at(("version",), ("info", "version"))
        out["status"] = info.get("status") or "active"
        description: dict = {}
        if isinstance(info.get("description"), str):
            description["purpose"] = info["description"]
            self.at(("description", "purpose"), ("info", "description"))
        terms = d.get("terms") if isinstance(d.get("terms"), dict) else {}
        for key in ("usage", "limitations"):
            if isinstance(terms.get(key), str):
                description[key] = terms[key]
                self.at(("description", key), ("terms", key))
        for key in terms:
            if key not in ("usage", "limitations", "description"):
                self.note(("terms", key), f"terms.{key} has no equivalent in the portal; not imported")
        if description:
            out["description"] = description
        if isinstance(info.get("owner"), str) and info["owner"].strip():
            out["team"] = {"name": info["owner"]}
            self.at(("team",), ("info", "owner"))
            self.at(("team", "name"), ("info", "owner"))
        contact = info.get("contact") if isinstance(info.get("contact"), dict) else {}
        support = []
        if isinstance(contact.get("email"), str):
            support.append(
                {"channel": contact["email"], "tool": "email", "url": "mailto:" + contact["email"]}
            )
            self.at(("support", len(support) - 1), ("info", "contact", "email"))
        if isinstance(contact.get("url"), str):
            support.append({"channel": contact["url"], "tool": "other", "url": contact["url"]})
            self.at(("support", len(support) - 1), ("info", "contact", "url"))
        if support:
            out["support"] = support
        if isinstance(d.get("tags"), list):
            out["tags"] = [t for t in d["tags"] if isinstance(t, str)]
            self.at(("tags",), ("tags",))
        self.servers(d.get("servers"), out)
        self.models(d.get("models"), out)
        self.servicelevels(d.get("servicelevels"), out)
        if d.get("quality") is not None:
            kind = d["quality"].get("type") if isinstance(d["quality"], dict) else None
            self.note(("quality",), f"the top-level {kind or ''} quality specification cannot run in the portal "
                      "(write SQL or library rules on the models); not imported".replace("  ", " "))  # fmt: skip
        return out

    def servers(self, servers, out: dict) -> None:
        if not isinstance(servers, dict):
            return
        items = []
        for name, server in servers.items():
            if not isinstance(server, dict):
                continue
            item = {"server": name, **{k: v for k, v in server.items() if k not in ("roles", "server")}}
            self.at(("servers", len(items)), ("servers", name))
            for key in server:
                self.at(("servers", len(items), key), ("servers", name, key))
            items.append(item)
        if items:
            out["servers"] = items

    def models(self, models, out: dict) -> None:
        if not isinstance(models, dict):
            return
        schema = []
        for name, model in models.items():
            if not isinstance(model, dict):
                continue
            src = ("models", name)
            here = ("schema", len(schema))
            self.at(here, src)
            obj: dict = {"name": name, "physicalType": model.get("type") or "table"}
            self.at(here + ("name",), src)
            if isinstance(model.get("description"), str):
                obj["description"] = model["description"]
            keys = model.get("primaryKey") if isinstance(model.get("primaryKey"), list) else []
            props = []
            fields = model.get("fields") if isinstance(model.get("fields"), dict) else {}
            for fname, fld in fields.items():
                prop = self.field(fname, fld, src + ("fields", fname), here + ("properties", len(props)), 0)
                if fname in keys:
                    prop["primaryKey"] = True
                props.append(prop)
            obj["properties"] = props
            if isinstance(model.get("quality"), list):
                obj["quality"] = [self.rule(r) for r in model["quality"]]
                self.rule_origins(model["quality"], here, src)
            schema.append(obj)
        out["schema"] = schema

    def resolve(self, fld: dict, src: Path) -> dict:
        ref = fld.get("$ref")
        if not isinstance(ref, str):
            return fld
        if ref.startswith("#/definitions/"):
            name = ref[len("#/definitions/") :]
            definitions = self.doc.get("definitions")
            definition = definitions.get(name) if isinstance(definitions, dict) else None
            if isinstance(definition, dict):
                merged = {k: v for k, v in definition.items() if k not in ("name", "domain", "title")}
                merged.update({k: v for k, v in fld.items() if k != "$ref"})
                return merged
        self.note(src + ("$ref",), f"the reference {ref!r} cannot be resolved (only #/definitions/...); "
                  "the field keeps only its own keys")  # fmt: skip
        return {k: v for k, v in fld.items() if k != "$ref"}

    def field(self, name: str, fld, src: Path, here: Path, depth: int) -> dict:
        self.at(here, src)
        prop: dict = {"name": name}
        self.at(here + ("name",), src)
        if not isinstance(fld, dict):
            self.note(src, "a field must be a mapping; read as a string")
            return prop
        fld = self.resolve(fld, src)
        dtype = str(fld.get("type") or "").lower()
        logical = LOGICAL.get(dtype)
        if dtype:
            prop["physicalType"] = fld["type"]
            self.at(here + ("physicalType",), src + ("type",))
            if dtype in ("decimal", "numeric") and isinstance(fld.get("precision"), int):
                prop["physicalType"] = f"decimal({fld['precision']},{fld.get('scale') or 0})"
        if logical:
            prop["logicalType"] = logical
            self.at(here + ("logicalType",), src + ("type",))
        elif dtype == "map":
            self.note(src + ("type",), "a map has no equivalent in the portal's types; read as a string")
        for key in ("description", "required", "unique", "classification", "tags"):
            if key in fld:
                prop[key] = fld[key]
                self.at(here + (key,), src + (key,))
        if fld.get("primaryKey") is True or fld.get("primary") is True:
            prop["primaryKey"] = True
            self.at(here + ("primaryKey",), src + ("primaryKey" if "primaryKey" in fld else "primary",))
        options = {k: fld[k] for k in _OPTIONS if k in fld}
        if options:
            prop["logicalTypeOptions"] = options
            for k in options:
                self.at(here + ("logicalTypeOptions", k), src + (k,))
        quality = [self.rule(r) for r in fld["quality"]] if isinstance(fld.get("quality"), list) else []
        self.rule_origins(quality, here, src)
        if isinstance(fld.get("enum"), list) and fld["enum"]:
            quality.append({"type": "library", "metric": "invalidValues",
                            "arguments": {"validValues": fld["enum"]}, "mustBe": 0})  # fmt: skip
            self.at(here + ("quality", len(quality) - 1), src + ("enum",))
        if quality:
            prop["quality"] = quality
        if fld.get("pii") is True:
            prop["customProperties"] = [{"property": "pii", "value": True}]
            self.at(here + ("customProperties", 0, "value"), src + ("pii",))
        if isinstance(fld.get("references"), str):
            prop["relationships"] = [{"to": fld["references"]}]
        if depth < 15 and isinstance(fld.get("fields"), dict):
            prop["properties"] = [
                self.field(n, f, src + ("fields", n), here + ("properties", k), depth + 1)
                for k, (n, f) in enumerate(fld["fields"].items())
            ]
            prop.setdefault("logicalType", "object")
        if depth < 15 and isinstance(fld.get("items"), dict):
            prop["items"] = self.field("item", fld["items"], src + ("items",), here + ("items",), depth + 1)
        return prop

    def rule_origins(self, rules: list, here: Path, src: Path) -> None:
        """Rules are copied as they are: each rule and each of its keys comes from the same place."""
        for k, rule in enumerate(rules):
            self.at(here + ("quality", k), src + ("quality", k))
            for key in rule if isinstance(rule, dict) else ():
                self.at(here + ("quality", k, key), src + ("quality", k, key))

    @staticmethod
    def rule(rule) -> dict:
        if not isinstance(rule, dict):
            return rule
        kind = str(rule.get("type") or "").lower()
        if kind in ("soda", "sodacl", "great-expectations", "greatexpectations", "montecarlo", "custom"):
            return {**rule, "type": "custom", "engine": rule.get("engine") or kind}
        return rule

    def servicelevels(self, levels, out: dict) -> None:
        if not isinstance(levels, dict):
            return
        sla = []

        def add(item: dict, src: Path) -> None:
            self.at(("slaProperties", len(sla)), src)
            self.at(("slaProperties", len(sla), "value"), src)
            sla.append(item)

        for key, level in levels.items():
            src = ("servicelevels", key)
            if not isinstance(level, dict):
                continue
            if key == "availability" and level.get("percentage") is not None:
                add(
                    {"property": "availability", "value": level["percentage"], "unit": "percent"},
                    src + ("percentage",),
                )
            elif key == "retention" and level.get("period") is not None:
                days = _days(level["period"])
                if days is None:
                    self.note(
                        src + ("period",),
                        f"retention period {level['period']!r} is not a duration; not imported",
                    )
                else:
                    add({"property": "retention", "value": days, "unit": "d"}, src + ("period",))
            elif key in ("freshness", "latency") and level.get("threshold") is not None:
                if key == "latency" and "freshness" in levels:
                    self.note(
                        src, "latency is not imported: the portal keeps one freshness threshold (freshness)"
                    )
                    continue
                amount = _SHORT.match(str(level["threshold"]))
                if amount is None:
                    self.note(
                        src + ("threshold",),
                        f"threshold {level['threshold']!r} is not a duration; not imported",
                    )
                    continue
                item = {
                    "property": "freshness",
                    "value": float(amount.group(1)),
                    "unit": amount.group(2).lower(),
                }
                field = level.get("timestampField") or level.get("sourceTimestampField")
                if isinstance(field, str):
                    item["element"] = field
                add(item, src + ("threshold",))
            elif key == "frequency" and isinstance(level.get("cron"), str):
                add({"property": "frequency", "value": level["cron"], "scheduler": "cron",
                     "schedule": level["cron"]}, src + ("cron",))  # fmt: skip
            else:
                self.note(src, f"servicelevels.{key} has no equivalent in the portal; not imported")
        if sla:
            out["slaProperties"] = sla


def _days(period) -> int | None:
    text = str(period).strip()
    iso = _ISO.match(text)
    if iso and any(iso.groups()):
        y, m, w, d = (int(g or 0) for g in iso.groups())
        return y * 365 + m * 30 + w * 7 + d
    short = _SHORT.match(text)
    units = {"d": 1, "day": 1, "days": 1, "y": 365, "year": 365, "years": 365, "m": 30, "month": 30,
             "months": 30, "w": 7, "week": 7, "weeks": 7}  # fmt: skip
    if short and short.group(2).lower() in units:
        return max(1, round(float(short.group(1)) * units[short.group(2).lower()]))
    return None


def dcs_to_odcs(doc: dict) -> tuple[dict, dict[Path, Path], list]:
    """(ODCS document, {ODCS path: DCS path}, notes) for a DCS document."""
    builder = _Builder(doc)
    out = builder.build()
    return out, builder.origin, builder.notes
