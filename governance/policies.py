"""Policies as data: read a governance policy file into structured, versionable parameters.

`parse_policy_file(text, filename)` reads the seed's policy format (see
tests/fixtures/governance_policy.yaml) with a safe YAML loader and returns a `PolicyDocument`:
one `PolicyEntry` per stored `Policy` row (kind global / domain / automated / observability),
each keeping its prose (`text`) beside the parameters parsed from it. Every problem raises
`PolicyFileError` (a ValueError) whose `str()` is `FILE:LINE:COL: path: message`.

Parameters by kind (all JSON-safe, every key present):

- domain (one entry per domain, name "domain_policies"):
  {"data_quality": {metric: {"op", "value", "unit"}}, "default_access": str|None,
   "pii_fields": [str], "approval_required": [str], "sox_compliance": bool, "audit_all_access": bool}
- observability (one entry, name "observability_requirements"): {"metrics": [str], "alerts": [str]}
- global / automated: parsed from the prose where the policy is known (data_classification,
  data_retention, schema_validation, quality_gates, breaking_changes), then overridden by an
  explicit `parameters:` mapping on the entry, which is how a policy file tunes them.

`PolicyParams` is what the engine consumes: the effective parameters of one policy set, prepared
once (thresholds in comparable units, frozensets) so evaluating a contract does no parsing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import operator
import re
import textwrap
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import yaml

from catalog.models import Classification

CLASSIFICATIONS = tuple(Classification.values)
DOMAIN_POLICY_NAME = "domain_policies"
OBSERVABILITY_POLICY_NAME = "observability_requirements"

_OPS = {">=": ">=", "<=": "<=", ">": ">", "<": "<", "==": "==", "=": "=="}
_COMPARE = {">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt, "==": operator.eq}
_UNITS = (
    dict.fromkeys(("%", "percent"), "%")
    | dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), "hours")
    | dict.fromkeys(("m", "min", "mins", "minute", "minutes"), "minutes")
    | dict.fromkeys(("d", "day", "days"), "days")
)
_HOURS_PER_UNIT = {"hours": 1.0, "minutes": 1 / 60, "days": 24.0}
_THRESHOLD_RE = re.compile(r"^\s*(>=|<=|==|=|>|<)\s*(\d+(?:\.\d+)?)\s*(%|[A-Za-z]+)?\s*$")
# Metrics whose unit is fixed because the contract declares them in that unit.
_METRIC_UNITS = {"completeness": {"%"}, "availability": {"%"}, "freshness": {"hours", "minutes", "days"}}


class PolicyFileError(ValueError):
    """A policy file that cannot be loaded; carries where the problem is."""

    def __init__(
        self,
        message: str,
        *,
        filename: str,
        line: int | None = None,
        column: int | None = None,
        path: str = "",
    ):
        self.message = message
        self.filename = filename
        self.line = line
        self.column = column
        self.path = path
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.filename
        if self.line is not None:
            where += f":{self.line}:{self.column or 1}"
        return f"{where}: {self.path + ': ' if self.path else ''}{self.message}"


@dataclass(frozen=True)
class PolicyEntry:
    """One policy as it will be stored (a `governance.models.Policy` row)."""

    kind: str
    name: str
    domain: str = ""
    mandatory: bool = False
    enforcement: str = ""
    text: str = ""
    parameters: dict = field(default_factory=dict)
    line: int | None = None


@dataclass(frozen=True)
class PolicyDocument:
    filename: str
    policies: tuple[PolicyEntry, ...]

    def params(self, *, version: int | None = None) -> PolicyParams:
        """The engine's view of this file, without going through the database."""
        return PolicyParams.from_rows(
            ((p.kind, p.name, p.domain, p.parameters) for p in self.policies), version=version
        )


# --- Parameters as the engine uses them ------------------------------------------------------


def _empty_mapping() -> Mapping:
    return MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Threshold:
    """`op value unit`, e.g. ">= 99%"; `satisfied_by(x)` is true when a declared x meets it."""

    op: str
    value: float
    unit: str | None

    @classmethod
    def from_parameters(cls, data: Mapping) -> Threshold:
        return cls(op=data["op"], value=data["value"], unit=data.get("unit"))

    @property
    def hours(self) -> float | None:
        factor = _HOURS_PER_UNIT.get(self.unit or "")
        return None if factor is None else self.value * factor

    def satisfied_by(self, declared: float) -> bool:
        return _COMPARE[self.op](declared, self.value)

    def __str__(self) -> str:
        value = f"{self.value:g}"
        if self.unit == "%":
            return f"{self.op} {value}%"
        unit = self.unit[:-1] if self.unit and self.value == 1 else self.unit
        return f"{self.op} {value}{' ' + unit if unit else ''}"


@dataclass(frozen=True, slots=True)
class DomainParams:
    data_quality: Mapping[str, Threshold] = field(default_factory=_empty_mapping)
    default_access: str | None = None
    pii_fields: frozenset[str] = frozenset()
    approval_required: frozenset[str] = frozenset()
    sox_compliance: bool = False
    audit_all_access: bool = False

    @classmethod
    def from_parameters(cls, data: Mapping) -> DomainParams:
        return cls(
            data_quality=MappingProxyType(
                {k: Threshold.from_parameters(v) for k, v in (data.get("data_quality") or {}).items()}
            ),
            default_access=data.get("default_access"),
            pii_fields=frozenset(data.get("pii_fields") or ()),
            approval_required=frozenset(data.get("approval_required") or ()),
            sox_compliance=bool(data.get("sox_compliance")),
            audit_all_access=bool(data.get("audit_all_access")),
        )


EMPTY_DOMAIN = DomainParams()


@dataclass(frozen=True, slots=True)
class BreakingChangeParams:
    """Defaults are the seed's: major increment, 30-day deprecation notice, migration guide."""

    require_major_increment: bool = True
    require_deprecation: bool = True
    deprecation_notice_days: int = 30
    require_migration_guide: bool = True

    @classmethod
    def from_parameters(cls, data: Mapping) -> BreakingChangeParams:
        default = cls()
        return cls(
            require_major_increment=bool(
                data.get("require_major_increment", default.require_major_increment)
            ),
            require_deprecation=bool(data.get("require_deprecation", default.require_deprecation)),
            deprecation_notice_days=int(data.get("deprecation_notice_days", default.deprecation_notice_days)),
            require_migration_guide=bool(
                data.get("require_migration_guide", default.require_migration_guide)
            ),
        )


@dataclass(frozen=True, slots=True)
class ObservabilityParams:
    metrics: tuple[str, ...] = ()
    alerts: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PolicyParams:
    """The effective parameters of one policy set (`version` None: no policy set loaded)."""

    version: int | None = None
    domains: Mapping[str, DomainParams] = field(default_factory=_empty_mapping)
    # name -> parameters, for global and automated policies as stored.
    global_policies: Mapping[str, Mapping] = field(default_factory=_empty_mapping)
    automated_policies: Mapping[str, Mapping] = field(default_factory=_empty_mapping)
    observability: ObservabilityParams | None = None
    # Prepared from automated_policies for the engine.
    schema_requirements: frozenset[str] = frozenset()
    breaking_changes: BreakingChangeParams = BreakingChangeParams()

    @classmethod
    def empty(cls) -> PolicyParams:
        return EMPTY_PARAMS

    @classmethod
    def from_rows(
        cls, rows: Iterable[tuple[str, str, str, Mapping]], *, version: int | None = None
    ) -> PolicyParams:
        """Build from (kind, name, domain, parameters) tuples, as stored in Policy rows."""
        domains: dict[str, DomainParams] = {}
        global_policies: dict[str, Mapping] = {}
        automated: dict[str, Mapping] = {}
        observability = None
        for kind, name, domain, parameters in rows:
            parameters = parameters or {}
            if kind == "domain":
                domains[domain] = DomainParams.from_parameters(parameters)
            elif kind == "global":
                global_policies[name] = parameters
            elif kind == "automated":
                automated[name] = parameters
            elif kind == "observability":
                observability = ObservabilityParams(
                    metrics=tuple(parameters.get("metrics") or ()),
                    alerts=tuple(parameters.get("alerts") or ()),
                )
        breaking = automated.get("breaking_changes")
        return cls(
            version=version,
            domains=MappingProxyType(domains),
            global_policies=MappingProxyType(global_policies),
            automated_policies=MappingProxyType(automated),
            observability=observability,
            schema_requirements=frozenset((automated.get("schema_validation") or {}).get("require") or ()),
            breaking_changes=BreakingChangeParams.from_parameters(breaking or {}),
        )

    def domain(self, name: str) -> DomainParams:
        return self.domains.get(name, EMPTY_DOMAIN)


EMPTY_PARAMS = PolicyParams()


# --- Reading the file ------------------------------------------------------------------------


def parse_threshold(text) -> dict:
    """'>= 99%' -> {"op": ">=", "value": 99.0, "unit": "%"}; raises ValueError."""
    if not isinstance(text, str):
        raise ValueError(f'expected a threshold such as ">= 99%" or "<= 24 hours", got {text!r}')
    match = _THRESHOLD_RE.match(text)
    if not match:
        raise ValueError(f'expected a threshold such as ">= 99%" or "<= 24 hours", got {text!r}')
    op, number, raw_unit = match.groups()
    unit = None
    if raw_unit:
        unit = _UNITS.get(raw_unit.lower())
        if unit is None:
            raise ValueError(f"unknown unit {raw_unit!r} (use %, minutes, hours or days)")
    value: float = float(number)
    if unit != "%" and "." not in number:
        value = int(number)
    return {"op": _OPS[op], "value": value, "unit": unit}


def parse_policy_file(text: str, filename: str = "<policy file>") -> PolicyDocument:
    """Read a policy file; raise PolicyFileError (with line and column) on any problem."""
    return _Reader(text, filename).read()


class _Reader:
    def __init__(self, text: str, filename: str):
        self.text = text
        self.filename = filename
        self.loader: yaml.SafeLoader | None = None

    # Errors and node helpers. Nodes (not constructed values) keep line numbers and let us
    # refuse duplicate keys, which PyYAML would otherwise silently resolve to the last one.

    def error(self, message: str, node=None, path: str = "") -> PolicyFileError:
        mark = getattr(node, "start_mark", None)
        line = mark.line + 1 if mark is not None else None
        column = mark.column + 1 if mark is not None else None
        return PolicyFileError(message, filename=self.filename, line=line, column=column, path=path)

    def value(self, node):
        return self.loader.construct_object(node, deep=True)

    def mapping(self, node, path: str) -> list[tuple[str, yaml.Node, yaml.Node]]:
        if not isinstance(node, yaml.MappingNode):
            raise self.error("expected a mapping", node, path)
        items, seen = [], set()
        for key_node, value_node in node.value:
            key = self.value(key_node) if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, str) or not key:
                raise self.error("keys must be non-empty strings", key_node, path)
            if key in seen:
                raise self.error(f"duplicate key {key!r}", key_node, path)
            seen.add(key)
            items.append((key, key_node, value_node))
        return items

    def sequence(self, node, path: str) -> list:
        if not isinstance(node, yaml.SequenceNode):
            raise self.error("expected a list", node, path)
        return node.value

    def one_key_items(self, node, path: str) -> list[tuple[str, yaml.Node, yaml.Node]]:
        """The seed writes settings as a list of one-key mappings (`- completeness: ...`);
        a plain mapping means the same."""
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, path)
        items, seen = [], set()
        for index, item in enumerate(self.sequence(node, path)):
            pairs = self.mapping(item, f"{path}[{index}]")
            if len(pairs) != 1:
                raise self.error("expected one `name: value` per list item", item, f"{path}[{index}]")
            key, key_node, _ = pairs[0]
            if key in seen:
                raise self.error(f"duplicate key {key!r}", key_node, path)
            seen.add(key)
            items.extend(pairs)
        return items

    def string(self, node, path: str, *, allow_empty: bool = True) -> str:
        value = self.value(node) if isinstance(node, yaml.ScalarNode) else None
        if not isinstance(value, str) or (not allow_empty and not value.strip()):
            raise self.error(
                "expected a non-empty string" if not allow_empty else "expected a string", node, path
            )
        return value

    def boolean(self, node, path: str) -> bool:
        value = self.value(node) if isinstance(node, yaml.ScalarNode) else None
        if not isinstance(value, bool):
            raise self.error("expected true or false", node, path)
        return value

    def string_list(self, node, path: str) -> list[str]:
        if isinstance(node, yaml.ScalarNode) and self.value(node) is None:
            return []
        return [
            self.string(item, f"{path}[{i}]", allow_empty=False)
            for i, item in enumerate(self.sequence(node, path))
        ]

    def source(self, node) -> str:
        """The YAML text of a node, dedented: the prose of policies that have none."""
        chunk = self.text[node.start_mark.index : node.end_mark.index]
        first_indent = " " * node.start_mark.column
        return textwrap.dedent(first_indent + chunk).strip() + "\n"

    def json_parameters(self, node, path: str) -> dict:
        if not isinstance(node, yaml.MappingNode):
            raise self.error("expected a mapping", node, path)
        self.mapping(node, path)  # duplicate keys
        return _json_safe(self.value(node))

    # The document.

    def read(self) -> PolicyDocument:
        if not isinstance(self.text, str):
            raise PolicyFileError("expected text", filename=self.filename)
        self.loader = yaml.SafeLoader(self.text)
        try:
            root = self.loader.get_single_node()
            if root is None:
                raise PolicyFileError("the file is empty", filename=self.filename)
            # Values are constructed while walking the nodes: an unsafe or malformed tag
            # (`!!python/object`, a bad date) surfaces there as a MarkedYAMLError too.
            return self.document(root)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            raise PolicyFileError(
                f"invalid YAML: {exc.problem or exc.context}",
                filename=self.filename,
                line=mark.line + 1 if mark else None,
                column=mark.column + 1 if mark else None,
            ) from exc
        except yaml.YAMLError as exc:
            raise PolicyFileError(f"invalid YAML: {exc}", filename=self.filename) from exc
        finally:
            self.loader.dispose()

    def document(self, root) -> PolicyDocument:
        top = dict((k, v) for k, _, v in self.mapping(root, ""))
        if "governance" not in top or len(top) != 1:
            raise self.error("expected a single top-level `governance:` mapping", root)
        body = top["governance"]
        sections = {
            "global_policies": self.global_policies,
            "domain_policies": self.domain_policies,
            "automated_policies": self.automated_policies,
            "observability_requirements": self.observability,
        }
        policies: list[PolicyEntry] = []
        for key, key_node, node in self.mapping(body, "governance"):
            if key not in sections:
                raise self.error(
                    f"unknown section {key!r} (expected one of {', '.join(sections)})", key_node, "governance"
                )
            if isinstance(node, yaml.ScalarNode) and self.value(node) is None:
                continue
            policies.extend(sections[key](node, key))
        return PolicyDocument(filename=self.filename, policies=tuple(policies))

    def named_entries(
        self, node, path: str, *, kind: str, prose_key: str, allowed: set[str]
    ) -> list[PolicyEntry]:
        entries, seen = [], set()
        for index, item in enumerate(self.sequence(node, path)):
            item_path = f"{path}[{index}]"
            fields = {}
            for key, key_node, value_node in self.mapping(item, item_path):
                if key not in allowed:
                    raise self.error(
                        f"unknown key {key!r} (expected {', '.join(sorted(allowed))})", key_node, item_path
                    )
                fields[key] = value_node
            if "name" not in fields:
                raise self.error("a policy needs a `name`", item, item_path)
            name = self.string(fields["name"], f"{item_path}.name", allow_empty=False).strip()
            if name in seen:
                raise self.error(f"duplicate policy {name!r}", fields["name"], item_path)
            seen.add(name)
            prose = self.string(fields[prose_key], f"{item_path}.{prose_key}") if prose_key in fields else ""
            parameters = _parameters_from_prose(name, prose)
            if "parameters" in fields:
                parameters.update(self.json_parameters(fields["parameters"], f"{item_path}.parameters"))
            entries.append(
                PolicyEntry(
                    kind=kind,
                    name=name,
                    mandatory=self.boolean(fields["mandatory"], f"{item_path}.mandatory")
                    if "mandatory" in fields
                    else False,
                    enforcement=self.string(fields["enforcement"], f"{item_path}.enforcement").strip()
                    if "enforcement" in fields
                    else "",
                    text=prose,
                    parameters=parameters,
                    line=item.start_mark.line + 1,
                )
            )
        return entries

    def global_policies(self, node, path: str) -> list[PolicyEntry]:
        return self.named_entries(
            node,
            path,
            kind="global",
            prose_key="policy",
            allowed={"name", "mandatory", "policy", "parameters"},
        )

    def automated_policies(self, node, path: str) -> list[PolicyEntry]:
        return self.named_entries(
            node,
            path,
            kind="automated",
            prose_key="check",
            allowed={"name", "enforcement", "check", "mandatory", "parameters"},
        )

    def domain_policies(self, node, path: str) -> list[PolicyEntry]:
        entries = []
        for domain, _, domain_node in self.mapping(node, path):
            domain_path = f"{path}.{domain}"
            parameters = {
                "data_quality": {},
                "default_access": None,
                "pii_fields": [],
                "approval_required": [],
                "sox_compliance": False,
                "audit_all_access": False,
            }
            sections = (
                {}
                if _is_null(domain_node)
                else dict((k, (kn, v)) for k, kn, v in self.mapping(domain_node, domain_path))
            )
            for key, (key_node, _) in sections.items():
                if key not in ("data_quality", "access_control"):
                    raise self.error(
                        f"unknown key {key!r} (expected data_quality, access_control)", key_node, domain_path
                    )
            if "data_quality" in sections:
                parameters["data_quality"] = self.data_quality(
                    sections["data_quality"][1], f"{domain_path}.data_quality"
                )
            if "access_control" in sections:
                parameters.update(
                    self.access_control(sections["access_control"][1], f"{domain_path}.access_control")
                )
            entries.append(
                PolicyEntry(
                    kind="domain",
                    name=DOMAIN_POLICY_NAME,
                    domain=domain,
                    text=self.source(domain_node) if not _is_null(domain_node) else "",
                    parameters=parameters,
                    line=domain_node.start_mark.line + 1,
                )
            )
        return entries

    def data_quality(self, node, path: str) -> dict:
        if _is_null(node):
            return {}
        thresholds = {}
        for metric, _, value_node in self.one_key_items(node, path):
            metric_path = f"{path}.{metric}"
            try:
                threshold = parse_threshold(
                    self.value(value_node) if isinstance(value_node, yaml.ScalarNode) else None
                )
            except ValueError as exc:
                raise self.error(str(exc), value_node, metric_path) from None
            expected_units = _METRIC_UNITS.get(metric)
            if expected_units and threshold["unit"] not in expected_units:
                raise self.error(
                    f"{metric} is measured in {' or '.join(sorted(expected_units))}", value_node, metric_path
                )
            thresholds[metric] = threshold
        return thresholds

    def access_control(self, node, path: str) -> dict:
        if _is_null(node):
            return {}
        result = {}
        for key, key_node, value_node in self.one_key_items(node, path):
            key_path = f"{path}.{key}"
            if key == "default_access":
                level = self.string(value_node, key_path, allow_empty=False).strip().lower()
                if level not in CLASSIFICATIONS:
                    raise self.error(f"expected one of {', '.join(CLASSIFICATIONS)}", value_node, key_path)
                result[key] = level
            elif key in ("pii_fields", "approval_required"):
                result[key] = self.string_list(value_node, key_path)
            elif key in ("sox_compliance", "audit_all_access"):
                result[key] = self.boolean(value_node, key_path)
            else:
                raise self.error(
                    f"unknown setting {key!r} (expected default_access, pii_fields, approval_required, "
                    "sox_compliance, audit_all_access)",
                    key_node,
                    path,
                )
        return result

    def observability(self, node, path: str) -> list[PolicyEntry]:
        parameters = {"metrics": [], "alerts": []}
        for key, key_node, value_node in self.one_key_items(node, path):
            if key not in parameters:
                raise self.error(f"unknown key {key!r} (expected metrics, alerts)", key_node, path)
            parameters[key] = self.string_list(value_node, f"{path}.{key}")
        return [
            PolicyEntry(
                kind="observability",
                name=OBSERVABILITY_POLICY_NAME,
                text=self.source(node),
                parameters=parameters,
                line=node.start_mark.line + 1,
            )
        ]


def _is_null(node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null"


def _json_safe(value):
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_json_safe(v) for v in value]
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


# --- Parameters from the prose of known policies ---------------------------------------------

_BULLET_RE = re.compile(r"^\s*[-*]\s+(.*\S)\s*$", re.MULTILINE)
_DURATION_RE = re.compile(
    r"^(\d+(?:\.\d+)?)\s*(day|days|week|weeks|month|months|year|years)\b", re.IGNORECASE
)
_NOTICE_RE = re.compile(r"(\d+)[- ]day", re.IGNORECASE)
_SCHEMA_REQUIREMENTS = (
    ("primary key", "primary_key"),
    ("description", "descriptions"),
    ("type", "types"),
    ("constraint", "constraints"),
)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def _parameters_from_prose(name: str, prose: str) -> dict:
    bullets = _BULLET_RE.findall(prose or "")
    if name == "data_classification":
        levels = [_slug(b.split(":", 1)[0]) for b in bullets if ":" in b]
        return {"levels": levels} if levels else {}
    if name == "data_retention":
        periods = {}
        for bullet in bullets:
            label, _, rest = bullet.partition(":")
            match = _DURATION_RE.match(rest.strip())
            if match:
                number = match[1]
                unit = match[2].lower()
                unit = unit if unit.endswith("s") else unit + "s"
                periods[_slug(label)] = {
                    "value": float(number) if "." in number else int(number),
                    "unit": unit,
                }
        return {"periods": periods} if periods else {}
    if name == "schema_validation":
        lowered = [b.lower() for b in bullets]
        require = [key for phrase, key in _SCHEMA_REQUIREMENTS if any(phrase in b for b in lowered)]
        return {"require": require}
    if name == "quality_gates":
        params: dict = {}
        for bullet in bullets:
            lowered = bullet.lower()
            if "no critical failure" in lowered:
                params["max_critical_failures"] = 0
            label, _, rest = bullet.partition(":")
            if "warning" in label.lower() and rest:
                with contextlib.suppress(ValueError):
                    params["warning_threshold"] = parse_threshold(rest)
        return params
    if name == "breaking_changes":
        lowered = (prose or "").lower()
        notice = _NOTICE_RE.search(prose or "")
        return {
            "require_major_increment": "major version" in lowered,
            "require_deprecation": "deprecation" in lowered,
            "deprecation_notice_days": int(notice[1])
            if notice
            else BreakingChangeParams().deprecation_notice_days,
            "require_migration_guide": "migration guide" in lowered,
        }
    return {}
