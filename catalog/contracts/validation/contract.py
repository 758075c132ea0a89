"""The top level of a contract: identity, owner, tags, ports, access and history."""

import re

from ..checker import IDENTIFIER, Checker, describe
from ..errors import Path
from ..semver import parse_semver
from ..vocab import ACCESS_KINDS, DEFAULT_DISCOVERY, DISCOVERY
from .schema import read_schema
from .service_levels import read_observability, read_sla

TOP_KEYS = (
    "name",
    "version",
    "domain",
    "owner",
    "description",
    "readme",
    "classification",
    "retention_days",
    "encryption_enabled",
    "audit_logging_enabled",
    "tags",
    "schema",
    "input_ports",
    "output_ports",
    "access",
    "sla",
    "observability",
    "changelog",
    "deprecation",
)
REQUIRED_KEYS = ("name", "version", "domain", "owner")
OWNER_KEYS = ("team", "contact", "slack")
INPUT_PORT_KEYS = ("product", "table")
OUTPUT_PORT_KEYS = ("name", "type", "location", "description")
ACCESS_KEYS = ("discovery", "read", "write")
CHANGELOG_KEYS = ("version", "date", "changes", "breaking")
DEPRECATION_KEYS = ("notice_date", "sunset_date", "migration_guide")

PRODUCT_REF = re.compile(r"^([a-z0-9][a-z0-9_-]*)/([a-z0-9][a-z0-9_-]*)$", re.ASCII)


class ContractValidator(Checker):
    """Checks a document and returns its normalized form; problems collect in `.problems`."""

    def validate(self, document: dict) -> dict:
        doc = self.mapping((), document, TOP_KEYS, REQUIRED_KEYS) or {}
        contract: dict = {
            "name": self.slug(("name",), doc.get("name"), max_length=150),
            "version": self.version(("version",), doc.get("version")),
            "domain": self.slug(("domain",), doc.get("domain"), max_length=100),
            "owner": self.owner(doc.get("owner")),
            "description": self.string(("description",), doc.get("description")) or "",
            "readme": self.string(("readme",), doc.get("readme")),
            "classification": self.string(("classification",), doc.get("classification"), max_length=20),
            "retention_days": self.integer(
                ("retention_days",), doc.get("retention_days"), minimum=1, what="an integer number of days"
            ),
            "encryption_enabled": self.boolean(("encryption_enabled",), doc.get("encryption_enabled")),
            "audit_logging_enabled": self.boolean(
                ("audit_logging_enabled",), doc.get("audit_logging_enabled")
            ),
            "tags": self.tags(doc.get("tags")),
        }
        contract["schema"] = read_schema(self, doc.get("schema"))
        contract["input_ports"] = self.input_ports(doc.get("input_ports"), contract)
        contract["output_ports"] = self.output_ports(doc.get("output_ports"))
        contract["access"] = self.access(doc.get("access"))
        contract["sla"] = read_sla(self, doc.get("sla"), contract)
        contract["observability"] = read_observability(self, doc.get("observability"), contract)
        contract["changelog"] = self.changelog(doc.get("changelog"))
        contract["deprecation"] = self.deprecation(doc.get("deprecation"))
        return contract

    def version(self, path: Path, value) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str):
            hint = (
                " (quote it or write all three parts, e.g. 2.1.0)" if isinstance(value, (int, float)) else ""
            )
            self.error(path, f"must be a semantic version like 2.1.0, got {describe(value)}{hint}")
            return None
        if parse_semver(value) is None:
            self.error(
                path,
                f"{value!r} is not a semantic version: write MAJOR.MINOR.PATCH, e.g. 2.1.0 or 3.0.0-beta.1",
            )
            return None
        return value

    def owner(self, value) -> dict | None:
        path = ("owner",)
        owner = self.mapping(path, value, OWNER_KEYS, ("team",))
        if owner is None:
            return None
        return {
            "team": self.slug(path + ("team",), owner.get("team")),
            "contact": self.string(path + ("contact",), owner.get("contact"), max_length=254),
            "slack": self.string(path + ("slack",), owner.get("slack"), max_length=100),
        }

    def tags(self, value) -> list[str]:
        tags = self.strings(("tags",), value, max_length=64)
        seen: set[str] = set()
        for i, tag in enumerate(tags):
            if tag in seen:
                self.warning(("tags", i), f"duplicate tag '{tag}'")
            seen.add(tag)
        return list(dict.fromkeys(tags))

    def input_ports(self, value, contract: dict) -> list[dict]:
        path = ("input_ports",)
        out: list[dict] = []
        own_table = (contract["schema"] or {}).get("table")
        tables: dict[str, int] = {}
        for i, item in enumerate(self.items(path, value, "input ports ({product, table})")):
            here = path + (i,)
            port = self.mapping(here, item, INPUT_PORT_KEYS, ("product",))
            if port is None:
                if item is None:
                    self.error(here, "an input port is a mapping {product: <domain>/<name>, table: <name>}")
                continue
            product = self.string(here + ("product",), port.get("product"))
            match = PRODUCT_REF.match(product) if product is not None else None
            if product is not None and match is None:
                self.error(
                    here + ("product",),
                    f"{product!r} is not a product reference: write <domain>/<name>, e.g. marketing/customer_segments",
                )
            if match and (match.group(1), match.group(2)) == (contract["domain"], contract["name"]):
                self.error(here + ("product",), "a product cannot be its own input port")
            table = self.identifier(here + ("table",), port.get("table"))
            if port.get("table") is None and match:
                table = match.group(2)
                if not IDENTIFIER.match(table):
                    self.error(
                        here + ("product",),
                        f"'{table}' is not a valid SQL table name; set this port's 'table'",
                    )
                    table = None
            if table is not None:
                if table.lower() in tables:
                    self.error(
                        here + ("table",),
                        f"duplicate input table '{table}' (also input_ports[{tables[table.lower()]}])",
                    )
                elif own_table and table.lower() == own_table.lower():
                    self.error(here + ("table",), f"'{table}' is this product's own schema.table")
                tables.setdefault(table.lower(), i)
            out.append({"product": product if match else None, "table": table})
        return out

    def output_ports(self, value) -> list[dict]:
        path = ("output_ports",)
        out: list[dict] = []
        names: dict[str, int] = {}
        for i, item in enumerate(self.items(path, value, "output ports ({name, type, location})")):
            here = path + (i,)
            port = self.mapping(here, item, OUTPUT_PORT_KEYS, ("name", "type", "location"))
            if port is None:
                if item is None:
                    self.error(here, "an output port is a mapping {name, type, location, description}")
                continue
            name = self.string(here + ("name",), port.get("name"), max_length=200, non_empty=True)
            if name is not None:
                if name in names:
                    self.error(
                        here + ("name",), f"duplicate output port '{name}' (also output_ports[{names[name]}])"
                    )
                names.setdefault(name, i)
            out.append(
                {
                    "name": name,
                    "type": self.string(here + ("type",), port.get("type"), max_length=50, non_empty=True),
                    "location": self.string(
                        here + ("location",), port.get("location"), max_length=1000, non_empty=True
                    ),
                    "description": self.string(here + ("description",), port.get("description")),
                }
            )
        return out

    def access(self, value) -> dict:
        path = ("access",)
        access = self.mapping(path, value, ACCESS_KEYS) or {}
        return {
            "discovery": self.choice(
                path + ("discovery",), access.get("discovery"), DISCOVERY, DEFAULT_DISCOVERY
            ),
            "read": self.grants(path + ("read",), access.get("read")),
            "write": self.grants(path + ("write",), access.get("write")),
        }

    def grants(self, path: Path, value) -> list[dict]:
        out: list[dict] = []
        seen: set[tuple[str, str]] = set()
        usage = f"an access entry is one of {', '.join(f'{k}: <name>' for k in ACCESS_KINDS)}"
        for i, item in enumerate(self.items(path, value, "access entries such as 'role: analyst'")):
            here = path + (i,)
            if not isinstance(item, dict) or len(item) != 1:
                found = f"a mapping with {len(item)} keys" if isinstance(item, dict) else describe(item)
                self.error(here, f"{usage}; found {found}")
                continue
            ((kind, name),) = item.items()
            if kind not in ACCESS_KINDS:
                self.error(
                    here + (kind,),
                    f"unknown access kind '{kind}'{self.suggest(kind, ACCESS_KINDS)}; {usage}",
                    key=True,
                )
                continue
            if name is None:
                self.error(here + (kind,), f"'{kind}' needs a name")
                continue
            if kind in ("domain", "team"):
                name = self.slug(here + (kind,), name)
            else:
                name = self.string(here + (kind,), name, max_length=200, non_empty=True)
            if name is None:
                continue
            if (kind, name) in seen:
                self.warning(here, f"duplicate access entry '{kind}: {name}'")
                continue
            seen.add((kind, name))
            out.append({"kind": kind, "value": name})
        return out

    def changelog(self, value) -> list[dict]:
        path = ("changelog",)
        out: list[dict] = []
        versions: dict[str, int] = {}
        for i, item in enumerate(self.items(path, value, "changelog entries ({version, date, changes})")):
            here = path + (i,)
            entry = self.mapping(here, item, CHANGELOG_KEYS, ("version",))
            if entry is None:
                if item is None:
                    self.error(here, "a changelog entry is a mapping {version, date, changes, breaking}")
                continue
            version = self.version(here + ("version",), entry.get("version"))
            if version is not None:
                if version in versions:
                    self.error(
                        here + ("version",),
                        f"duplicate changelog version {version} (also changelog[{versions[version]}])",
                    )
                versions.setdefault(version, i)
            out.append(
                {
                    "version": version,
                    "date": self.day(here + ("date",), entry.get("date")),
                    "changes": self.strings(here + ("changes",), entry.get("changes")),
                    "breaking": self.boolean(here + ("breaking",), entry.get("breaking")),
                }
            )
        return out

    def deprecation(self, value) -> dict | None:
        path = ("deprecation",)
        deprecation = self.mapping(path, value, DEPRECATION_KEYS)
        if deprecation is None:
            return None
        notice = self.day(path + ("notice_date",), deprecation.get("notice_date"))
        sunset = self.day(path + ("sunset_date",), deprecation.get("sunset_date"))
        if notice and sunset and sunset < notice:
            self.error(
                path + ("sunset_date",), f"the sunset date {sunset} is before the notice date {notice}"
            )
        return {
            "notice_date": notice,
            "sunset_date": sunset,
            "migration_guide": self.string(path + ("migration_guide",), deprecation.get("migration_guide")),
        }
