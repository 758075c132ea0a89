"""Contracts: load, validate, normalize and export data product contracts.

Public interface (other code imports only these):

    from catalog.contracts import parse_contract, parse_contracts, ParsedContract, ContractProblem, document_to_yaml

`parse_contract(text, *, filename="<contract>") -> ParsedContract` never raises for bad input:
every problem is collected, each a `ContractProblem(file, line, column, path, message, severity)`
whose `str()` is `FILE:LINE:COL: field.path: message`. `ParsedContract.ok` is true when there
are no problems of severity "error". `document` is the YAML as loaded (JSON-safe: dates become
ISO strings) and `contract` the normalized form below. `document_to_yaml(document)` writes a
document back as YAML, restoring dates, so import -> export -> import yields the same data.

The normalized contract (a JSON-safe dict; every key always present, defaults applied):

    name: str, version: str, domain: str
    owner: {team: str, contact: str|None, slack: str|None}
    description: str ("" if absent), readme: str|None
    classification: str|None        # not checked against the allowed list here: governance does
    retention_days: int|None, encryption_enabled: bool, audit_logging_enabled: bool
    tags: [str]
    schema: None | {type: str|None, location: str|None, table: str|None, partitioned_by: [str],
                    fields: [{name, type, description: str|None,
                              constraints: [{"type": "unique"} | {"type": "not_null"}
                                            | {"type": "min"|"max", "value": number}
                                            | {"type": "in", "value": [scalars]}
                                            | {"type": "pattern", "value": str}
                                            | {"type": "min_length"|"max_length", "value": int}],
                              is_pii: bool, pii_category: str|None, is_primary_key: bool}]}
        # table defaults to the last path segment of location (e.g. "orders")
    input_ports: [{product: "<domain>/<name>", table: str}]
    output_ports: [{name: str, type: str, location: str, description: str|None}]
    access: {discovery: "public"|"restricted",
             read: [{kind: "role"|"domain"|"group"|"team"|"user", value: str}],
             write: [same]}
    sla: {availability: float|None (percent),
          freshness: None | {max_age_hours: float, update_schedule: str|None, timestamp_field: str|None},
          completeness: None | {min_threshold: float (percent)},
          quality_checks: [{name, query, threshold: float, severity, description: str|None}]}
    observability: {metrics: [{name: str, sql: str|None, builtin: bool}],
                    alerts: [{type: str, condition: str, severity: str,
                              metric: str|None, op: str|None, value: float|None, percent: bool,
                              event: str|None}]}
    changelog: [{version: str, date: "YYYY-MM-DD"|None, changes: [str], breaking: bool}]
    deprecation: None | {notice_date: "YYYY-MM-DD"|None, sunset_date: "YYYY-MM-DD"|None,
                         migration_guide: str|None}

Severities are "info" | "warning" | "error" | "critical" (default "critical").

Notes for callers (the full format is in docs/contract-format.md):

- `contract` is None unless `ok`; `document` is None when the text is not a YAML mapping
  (syntax error, alias, tag, nesting, size, empty). A `ContractProblem.severity` is "error" or
  "warning"; warnings (an unmeasured metric, a duplicate tag) never block. List indices in
  problem paths are 0-based. `ContractProblem.as_dict()` gives the JSON shape.
- Required keys: name, version, domain, owner.team. Governance, not this package, judges
  classification, retention, descriptions, PII categories and primary keys.
- The closed vocabularies (built-in metrics, alert events, constraints, access kinds,
  severities) live in `catalog.contracts.vocab`; `fieldtypes.parse_type` gives a field type's
  structure, `sql.analyze_select` the tables a query reads, `semver.parse_semver` a version.

Open standards: `parse_contracts(text, *, filename, domain=None) -> [ParsedContract]` also reads
ODCS v3.x and Data Contract Specification files, one ParsedContract per product (per table),
with `format` "odcs" or "dcs", `document` the translation in this format and problems at the
original file's positions; `parse_contract` accepts such a file when it describes one table.
The `standards` package holds the translations and the ODCS v3.1.0 export
(`standards.contract_to_odcs`, `standards.validate_odcs`); docs/standards.md has the mapping.

Modules: errors (ContractProblem), loader (safe YAML with positions and limits), validation/
(the format rules and normalization), parse (parse_contract), export (document_to_yaml), and
the helpers fieldtypes, cron, semver, sql, locations, checker, vocab. The JSON Schema of the
format is schema/data_product.schema.json.
"""

from .errors import ContractProblem
from .export import document_to_yaml
from .parse import ParsedContract, parse_contract, parse_contracts

__all__ = ["ContractProblem", "ParsedContract", "document_to_yaml", "parse_contract", "parse_contracts"]
