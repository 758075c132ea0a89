"""Write a portal contract as ODCS v3.1.0, valid against the official JSON Schema.

Everything ODCS holds is written in ODCS's own keys (schema, servers, team, support, roles,
slaProperties, quality rules); what it cannot hold travels in `customProperties` named
`meshPortal.<key>` with the value as written in the portal's contract, so that importing the
export gives back the same contract (docs/standards.md has the table).
"""

import json
import re
import uuid
from functools import lru_cache
from pathlib import Path as FilePath

from ..fieldtypes import parse_type
from .common import Translation
from .odcs_schema import OPTION_ORDER
from .quality import translate_rule

ODCS_API_VERSION = "v3.1.0"
SCHEMA_FILE = FilePath(__file__).resolve().parents[1] / "schemas" / "odcs-json-schema-v3.1.0.json"
NAMESPACE = uuid.UUID("5b0f8a4e-2f0c-4d47-9a53-0d1f6c1e7a10")  # ids are stable per product
_UNEXPECTED = re.compile(r"'([^']+)'")
STATUS = {"published": "active", "draft": "draft", "deprecated": "deprecated", "retired": "retired"}
_LOGICAL = {"string": "string", "integer": "integer", "bigint": "integer", "double": "number",
            "decimal": "number", "boolean": "boolean", "date": "date", "timestamp": "timestamp",
            "array": "array", "struct": "object"}  # fmt: skip


def _custom(name: str, value) -> dict:
    return {"property": f"meshPortal.{name}", "value": value}


def _logical(field_type) -> dict:
    """logicalType (and items / properties for nested types) of a parsed portal type."""
    out = {"logicalType": _LOGICAL[field_type.kind]}
    if field_type.kind == "array":
        out["items"] = {"name": "item", **_logical(field_type.element)}
    elif field_type.kind == "struct":
        out["properties"] = [{"name": name, **_logical(sub)} for name, sub in field_type.fields]
    return out


def _native_constraints(field: dict, logical: str) -> tuple[dict, list]:
    """(property keys, property quality rules) for the constraints ODCS holds natively."""
    keys: dict = {}
    options: dict = {}
    quality: list = []
    for rule in field["constraints"]:
        kind, value = rule["type"], rule.get("value")
        if kind == "not_null":
            keys["required"] = True
        elif kind == "unique":
            keys["unique"] = True
        elif kind in ("min", "max") and logical in ("integer", "number"):
            options["minimum" if kind == "min" else "maximum"] = value
        elif kind in ("min_length", "max_length", "pattern") and logical == "string":
            options[{"min_length": "minLength", "max_length": "maxLength", "pattern": "pattern"}[kind]] = (
                value
            )
        elif kind == "in":
            quality.append(
                {
                    "type": "library",
                    "metric": "invalidValues",
                    "arguments": {"validValues": value},
                    "mustBe": 0,
                }
            )
    if options:
        keys["logicalTypeOptions"] = options
    return keys, quality


def _property(field: dict, doc_field: dict, position: dict) -> dict:
    parsed = parse_type(field["type"])
    prop: dict = {"name": field["name"], "physicalType": field["type"], **_logical(parsed)}
    if field.get("description"):
        prop["description"] = field["description"]
    keys, quality = _native_constraints(field, prop["logicalType"])
    prop.update(keys)
    if field["is_primary_key"]:
        prop["primaryKey"] = True
        prop["primaryKeyPosition"] = position["key"]
        position["key"] += 1
    if quality:
        prop["quality"] = quality
    custom = []
    if doc_field.get("constraints") and _reimported_constraints(prop) != _canonical(doc_field["constraints"]):
        custom.append(_custom("constraints", doc_field["constraints"]))
    if "is_pii" in doc_field:
        custom.append(_custom("isPii", doc_field["is_pii"]))
    if "pii_category" in doc_field:
        custom.append(_custom("piiCategory", doc_field["pii_category"]))
    if custom:
        prop["customProperties"] = custom
    return prop


def _canonical(constraints: list) -> list:
    return [c if isinstance(c, str) else dict(c) for c in constraints]


def _reimported_constraints(prop: dict) -> list:
    """The constraints the ODCS import reads back from `prop`'s native keys (same order)."""
    out: list = []
    if prop.get("required"):
        out.append("not_null")
    if prop.get("unique"):
        out.append("unique")
    names = {"minimum": "min", "maximum": "max", "minLength": "min_length", "maxLength": "max_length",
             "pattern": "pattern"}  # fmt: skip
    options = prop.get("logicalTypeOptions") or {}
    for key in sorted(options, key=OPTION_ORDER.__getitem__):
        out.append({names[key]: options[key]})
    for rule in prop.get("quality") or []:
        translate_rule(
            rule, (), table="t", column=prop["name"], constraints=out, t=Translation(), standard=""
        )
    return out


def _reimported_location(server: dict, obj: dict) -> str | None:
    """The location the ODCS import reads back from a server this module wrote."""
    if server["type"] == "postgresql":
        return f"postgresql://{server['server']}/{server['schema']}.{obj.get('physicalName') or obj['name']}"
    return server.get("location") or server.get("path")


def _reimported_type(server: dict | None, obj: dict) -> str | None:
    """The schema type the ODCS import reads back: the server's format, else the object's type."""
    from_server = None
    if server is not None:
        from_server = "postgresql" if server["type"] == "postgresql" else server.get("format")
    return from_server or obj["physicalType"]


def _server(schema: dict) -> dict | None:
    location, kind = schema.get("location"), schema.get("type")
    if not location:
        return None
    if location.startswith("postgresql://"):
        source, _, rest = location[len("postgresql://") :].partition("/")
        pg_schema = rest.partition(".")[0]
        return {
            "server": source,
            "type": "postgresql",
            "description": f"The portal's data source '{source}' (MESH_DATA_SOURCES); host and "
            "database are resolved by the platform, not written in contracts.",
            "host": source,
            "port": 5432,
            "database": source,
            "schema": pg_schema,
        }
    if location.startswith("s3://"):
        server = {"server": "production", "type": "s3", "environment": "prod", "location": location}
    else:
        path = location[len("file://") :] if location.startswith("file://") else location
        server = {"server": "production", "type": "local", "environment": "prod", "path": path}
        server["format"] = kind or "parquet"
    if kind:
        server["format"] = kind
    return server


def contract_to_odcs(document: dict, contract: dict, *, status: str = "published") -> dict:
    """The ODCS v3.1.0 form of a portal contract (`document` as written, `contract` normalized)."""
    c = contract
    ref = f"{c['domain']}/{c['name']}"
    out: dict = {
        "apiVersion": ODCS_API_VERSION,
        "kind": "DataContract",
        "id": str(uuid.uuid5(NAMESPACE, ref)),
        "name": c["name"],
        "version": c["version"],
        "status": STATUS.get(status, status),
        "domain": c["domain"],
    }
    if c["description"]:
        out["description"] = {"purpose": c["description"]}
    if c["tags"]:
        out["tags"] = list(c["tags"])
    custom: list = []
    schema = c["schema"]
    if schema is not None:
        server = _server(schema)
        if server:
            out["servers"] = [server]
        doc_fields = (document.get("schema") or {}).get("fields") or []
        position = {"key": 1}
        props = [
            _property(f, doc_fields[i] if i < len(doc_fields) else {}, position)
            for i, f in enumerate(schema["fields"])
        ]
        for n, column in enumerate(schema["partitioned_by"], start=1):
            for prop in props:
                if prop["name"].lower() == column.lower():
                    prop["partitioned"] = True
                    prop["partitionKeyPosition"] = n
        obj: dict = {"name": schema["table"] or c["name"], "logicalType": "object"}
        if schema["table"]:
            obj["physicalName"] = schema["table"]
        obj["physicalType"] = "table" if server else (schema["type"] or "table")
        obj_custom = []
        doc_schema = document.get("schema") or {}
        if server and _reimported_location(server, obj) != schema["location"]:
            obj_custom.append(_custom("location", doc_schema.get("location")))
        if _reimported_type(server, obj) != schema["type"]:
            obj_custom.append(_custom("type", doc_schema.get("type")))
        if obj_custom:
            obj["customProperties"] = obj_custom
        if c["description"]:
            obj["description"] = c["description"]
        obj["properties"] = props
        rules = _quality_rules(c, document)
        if rules:
            obj["quality"] = rules
        out["schema"] = [obj]
    elif c["sla"]["quality_checks"]:
        custom.append(_custom("qualityChecks", document["sla"]["quality_checks"]))
    out["team"] = {"name": c["owner"]["team"]}
    support = []
    contact = c["owner"]["contact"]
    if contact:
        if "@" in contact and " " not in contact:
            support.append({"channel": contact, "tool": "email", "url": f"mailto:{contact}"})
        else:
            support.append({"channel": contact, "tool": "other"})
    if c["owner"]["slack"]:
        support.append({"channel": c["owner"]["slack"], "tool": "slack"})
    if support:
        out["support"] = support
    roles = [
        {"role": entry["value"], "access": side}
        for side in ("read", "write")
        for entry in c["access"][side]
        if entry["kind"] == "role"
    ]
    if roles:
        out["roles"] = roles
    sla = _sla(c, document)
    if sla:
        out["slaProperties"] = sla
    for key, name in (
        ("readme", "readme"),
        ("classification", "classification"),
        ("encryption_enabled", "encryptionEnabled"),
        ("audit_logging_enabled", "auditLoggingEnabled"),
        ("input_ports", "inputPorts"),
        ("output_ports", "outputPorts"),
        ("access", "access"),
        ("observability", "observability"),
        ("changelog", "changelog"),
        ("deprecation", "deprecation"),
    ):
        if document.get(key) is not None:
            custom.append(_custom(name, document[key]))
    completeness = (document.get("sla") or {}).get("completeness")
    if completeness is not None:
        custom.append(_custom("completeness", completeness))
    if custom:
        out["customProperties"] = custom
    return json.loads(json.dumps(out))  # no shared objects: a YAML dump must not write anchors


def _written(document: dict, *path, default=None):
    """The value as written in the document at `path` (keys and list indexes), else `default`:
    numbers keep their written form (0, not 0.0) so the round trip gives the same document."""
    node = document
    for part in path:
        if isinstance(part, int):
            if not isinstance(node, list) or part >= len(node):
                return default
        elif not isinstance(node, dict) or part not in node:
            return default
        node = node[part]
    return node


def _quality_rules(c: dict, document: dict) -> list:
    rules = []
    for i, check in enumerate(c["sla"]["quality_checks"]):
        written = _written(document, "sla", "quality_checks", i, default={})
        threshold = written.get("threshold", check["threshold"])
        rule = {
            "name": check["name"],
            "type": "sql",
            "query": check["query"],
            "mustBeLessOrEqualTo": threshold,
        }
        if "severity" in written:  # else the portal's default (critical) applies on both sides
            rule["severity"] = check["severity"]
        if check.get("description"):
            rule["description"] = check["description"]
        rules.append(rule)
    return rules


def _sla(c: dict, document: dict) -> list:
    out = []
    sla = c["sla"]
    if sla["availability"] is not None:
        out.append({"property": "availability", "value": sla["availability"], "unit": "percent"})
    freshness = sla["freshness"]
    if freshness:
        hours = _written(document, "sla", "freshness", "max_age_hours", default=freshness["max_age_hours"])
        item = {"property": "latency", "value": hours, "unit": "h"}
        if freshness["timestamp_field"] and c["schema"] and c["schema"]["table"]:
            item["element"] = f"{c['schema']['table']}.{freshness['timestamp_field']}"
        out.append(item)
        if freshness["update_schedule"]:
            cron = freshness["update_schedule"]
            out.append({"property": "frequency", "value": cron, "scheduler": "cron", "schedule": cron})
    if c["retention_days"] is not None:
        out.append({"property": "retention", "value": c["retention_days"], "unit": "d"})
    return out


@lru_cache(maxsize=1)
def _validator():
    from jsonschema import Draft201909Validator

    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    return Draft201909Validator(schema)


def schema_problems(data: dict) -> list[tuple[tuple, str]]:
    """(path, message) for each place where `data` breaks the ODCS v3.1.0 JSON Schema."""
    out = []
    for error in _validator().iter_errors(data):
        path = tuple(error.absolute_path)
        if error.validator in ("additionalProperties", "unevaluatedProperties"):
            # Point at the unexpected key itself (the message names it), not at its mapping.
            unexpected = _UNEXPECTED.findall(error.message)
            if unexpected and isinstance(error.instance, dict) and unexpected[0] in error.instance:
                path += (unexpected[0],)
        out.append((path, error.message))
    return sorted(out, key=lambda item: [str(p) for p in item[0]])


def validate_odcs(data: dict) -> list[str]:
    """Problems of `data` against the official ODCS v3.1.0 JSON Schema (empty when valid)."""
    return [
        f"{'/'.join(str(p) for p in path) or '(top)'}: {message}" for path, message in schema_problems(data)
    ]
