"""Valid contracts: the seed parses to the expected normalized form, defaults apply, the type
grammar and percentages read as documented, and export -> import gives the same data."""

import json
from datetime import date
from pathlib import Path

import jsonschema
import pytest
import yaml

from catalog.contracts import ContractProblem, document_to_yaml, parse_contract
from catalog.contracts.fieldtypes import FieldType, parse_type
from catalog.contracts.locations import table_from_location
from catalog.contracts.semver import parse_semver

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "contracts"
SEED = FIXTURES / "valid" / "sales_orders_analytical.yaml"
SCHEMA = Path(__file__).resolve().parents[2] / "catalog" / "contracts" / "schema" / "data_product.schema.json"

MINIMAL = """\
name: orders
version: 1.0.0
domain: sales
owner:
  team: sales-analytics
"""

FULL = """\
name: general_ledger
version: 3.0.0-beta.1
domain: finance
owner:
  team: finance-analytics
  contact: finance@example.com
  slack: "#finance-data"
description: The general ledger.
readme: |
  # General ledger

  One row per posting. See `docs/` for the chart of accounts.
classification: top-secret          # not a format error: governance judges it
retention_days: 2555
encryption_enabled: true
audit_logging_enabled: yes
tags: [finance, sox]
schema:
  type: table
  location: postgresql://warehouse/finance.ledger
  partitioned_by: [posted_on]
  fields:
    - name: entry_id
      type: BIGINT
      is_primary_key: true
      constraints: [unique, not_null]
    - name: posted_on
      type: date
    - name: posted_at
      type: timestamp
    - name: amount
      type: Decimal(18, 4)
      constraints:
        - min: -1000000.5
        - max: 1000000
    - name: account
      type: string
      constraints:
        - pattern: "^[0-9]{4}-[0-9]{3}$"
        - min_length: 8
        - max_length: 8
    - name: customer_email
      type: string
      is_pii: true
      pii_category: email
    - name: lines
      type: 'array<struct<sku: string, qty: integer, price: decimal(10,2)>>'  # quoted: it holds ': '
input_ports:
  - product: sales/sales_orders_analytical
    table: orders
  - product: finance/chart_of_accounts
output_ports:
  - name: ledger_api
    type: rest
    location: /api/v1/finance/ledger
    description: Read-only REST endpoint
access:
  discovery: restricted
  read:
    - group: auditors
    - team: finance-analytics
    - user: alice
  write:
    - domain: finance
sla:
  availability: 99.95
  freshness:
    max_age_hours: 1.5
    update_schedule: "*/30 * * * *"
    timestamp_field: posted_at
  completeness:
    min_threshold: "100%"
  quality_checks:
    - name: balanced
      query: |
        WITH totals AS (SELECT SUM(amount) AS total FROM ledger)
        SELECT COUNT(*) FROM totals WHERE total <> 0
      threshold: 0
      severity: error
      description: Debits and credits balance.
    - name: known_accounts
      query: >-
        SELECT COUNT(*) FROM ledger l
        WHERE l.account NOT IN (SELECT account FROM chart_of_accounts)
      threshold: 0.5
      severity: warning
observability:
  metrics:
    - row_count
    - null_rate
    - name: unbalanced_days
      sql: SELECT COUNT(DISTINCT posted_on) FROM ledger WHERE amount IS NULL
  alerts:
    - type: freshness
      condition: "age_hours >= 2"
    - type: volume
      condition: row_count_change < -25.5%
      severity: info
    - type: quality
      condition: unbalanced_days != 0
      severity: error
    - type: drift
      condition: schema_drift_detected
      severity: warning
changelog:
  - version: 3.0.0-beta.1
    date: "2024-03-01"
    changes: [Split amount into debit and credit]
    breaking: true
  - version: 2.0.0
    date: 2023-12-01
deprecation:
  notice_date: 2024-03-01
  sunset_date: 2024-04-15
  migration_guide: https://wiki.example.com/ledger-v3
"""


def parse_ok(text: str):
    parsed = parse_contract(text, filename="test.yaml")
    assert parsed.ok, [str(p) for p in parsed.errors]
    return parsed


def with_sla(sla_yaml: str) -> str:
    return MINIMAL + "sla:\n" + sla_yaml


# --- the seed contract ---------------------------------------------------------------------


def test_seed_contract_parses_with_expected_values():
    parsed = parse_contract(SEED.read_text(), filename=SEED.name)

    assert parsed.ok
    assert parsed.format == "seed"
    contract = parsed.contract
    assert (contract["name"], contract["version"], contract["domain"]) == (
        "sales_orders_analytical",
        "2.1.0",
        "sales",
    )
    assert contract["owner"] == {
        "team": "sales-analytics",
        "contact": "sales-analytics@example.com",
        "slack": "#sales-data",
    }
    assert contract["description"].startswith("Analytical view of sales orders")
    assert contract["classification"] == "internal"
    assert contract["retention_days"] == 1095
    assert contract["encryption_enabled"] is False and contract["audit_logging_enabled"] is False
    schema = contract["schema"]
    assert schema["type"] == "parquet"
    assert schema["location"] == "s3://data-products/sales/orders/"
    assert schema["table"] == "orders"
    assert schema["partitioned_by"] == ["order_date"]
    assert [f["name"] for f in schema["fields"]] == [
        "order_id",
        "customer_id",
        "order_date",
        "total_amount",
        "status",
        "customer_segment",
        "product_count",
    ]
    fields = {f["name"]: f for f in schema["fields"]}
    assert fields["order_id"]["constraints"] == [{"type": "unique"}, {"type": "not_null"}]
    assert fields["total_amount"]["type"] == "decimal(12,2)"
    assert fields["total_amount"]["constraints"] == [{"type": "not_null"}, {"type": "min", "value": 0}]
    assert fields["status"]["constraints"] == [
        {"type": "in", "value": ["pending", "completed", "cancelled", "refunded"]}
    ]
    assert fields["customer_segment"] == {
        "name": "customer_segment",
        "type": "string",
        "description": "Customer value segment",
        "constraints": [],
        "is_pii": False,
        "pii_category": None,
        "is_primary_key": False,
    }
    assert contract["input_ports"] == [{"product": "marketing/customer_segments", "table": "customers"}]
    assert contract["access"] == {
        "discovery": "public",
        "read": [
            {"kind": "role", "value": "analyst"},
            {"kind": "role", "value": "data_scientist"},
            {"kind": "domain", "value": "marketing"},
            {"kind": "domain", "value": "finance"},
        ],
        "write": [{"kind": "domain", "value": "sales"}],
    }
    sla = contract["sla"]
    assert sla["availability"] == 99.9
    assert sla["freshness"] == {
        "max_age_hours": 24.0,
        "update_schedule": "0 2 * * *",
        "timestamp_field": None,
    }
    assert sla["completeness"] == {"min_threshold": 99.5}
    assert [c["name"] for c in sla["quality_checks"]] == [
        "no_negative_amounts",
        "valid_status",
        "referential_integrity",
    ]
    assert all(c["threshold"] == 0.0 and c["severity"] == "critical" for c in sla["quality_checks"])
    assert contract["observability"]["metrics"] == [
        {"name": "row_count", "sql": None, "builtin": True},
        {"name": "avg_order_value", "sql": None, "builtin": False},
        {"name": "null_percentage_by_column", "sql": None, "builtin": True},
        {"name": "schema_drift", "sql": None, "builtin": True},
    ]
    assert contract["observability"]["alerts"] == [
        {
            "type": "freshness",
            "condition": "age_hours > 26",
            "severity": "critical",
            "metric": "age_hours",
            "op": ">",
            "value": 26.0,
            "percent": False,
            "event": None,
        },
        {
            "type": "volume",
            "condition": "row_count_change > 50%",
            "severity": "warning",
            "metric": "row_count_change",
            "op": ">",
            "value": 50.0,
            "percent": True,
            "event": None,
        },
        {
            "type": "quality",
            "condition": "quality_check_failed",
            "severity": "critical",
            "metric": None,
            "op": None,
            "value": None,
            "percent": False,
            "event": "quality_check_failed",
        },
    ]
    assert contract["changelog"] == [
        {
            "version": "2.1.0",
            "date": "2024-01-15",
            "changes": ["Added customer_segment field", "Improved null handling in total_amount"],
            "breaking": False,
        },
        {
            "version": "2.0.0",
            "date": "2023-12-01",
            "changes": ["Changed order_id from integer to string", "Removed legacy status values"],
            "breaking": True,
        },
    ]
    assert contract["deprecation"] is None


def test_seed_metric_without_sql_is_a_warning_not_an_error():
    parsed = parse_contract(SEED.read_text(), filename=SEED.name)

    assert [(w.line, w.path) for w in parsed.warnings] == [(90, "observability.metrics[1]")]
    assert "avg_order_value" in parsed.warnings[0].message
    assert "not measured" in parsed.warnings[0].message


def test_seed_without_its_input_port_rejects_the_customers_join():
    text = SEED.read_text().replace(
        "input_ports:\n  - product: marketing/customer_segments\n    table: customers\n", ""
    )

    parsed = parse_contract(text, filename="seed.yaml")

    assert not parsed.ok and parsed.contract is None
    [error] = parsed.errors
    assert error.path == "sla.quality_checks[2].query"
    assert "'customers'" in error.message and "input_ports" in error.message


def test_document_keeps_values_as_submitted_and_is_json_safe():
    parsed = parse_contract(SEED.read_text())

    assert parsed.document["sla"]["availability"] == "99.9%"
    assert parsed.document["changelog"][0]["date"] == "2024-01-15"
    assert parsed.document["schema"]["fields"][3]["type"] == "decimal(12,2)"
    json.dumps(parsed.document, allow_nan=False)
    json.dumps(parsed.contract, allow_nan=False)


def test_seed_document_validates_against_the_committed_json_schema():
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)

    for text in (SEED.read_text(), FULL, MINIMAL):
        document = parse_ok(text).document
        assert list(validator.iter_errors(document)) == []


def test_json_schema_rejects_a_document_without_a_name_or_with_an_unknown_key():
    validator = jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text()))
    document = parse_ok(MINIMAL).document

    assert not validator.is_valid({k: v for k, v in document.items() if k != "name"})
    assert not validator.is_valid({**document, "clasification": "internal"})


# --- defaults and the full format ------------------------------------------------------------


def test_minimal_contract_gets_every_key_with_its_default():
    contract = parse_ok(MINIMAL).contract

    assert contract == {
        "name": "orders",
        "version": "1.0.0",
        "domain": "sales",
        "owner": {"team": "sales-analytics", "contact": None, "slack": None},
        "description": "",
        "readme": None,
        "classification": None,
        "retention_days": None,
        "encryption_enabled": False,
        "audit_logging_enabled": False,
        "tags": [],
        "schema": None,
        "input_ports": [],
        "output_ports": [],
        "access": {"discovery": "public", "read": [], "write": []},
        "sla": {"availability": None, "freshness": None, "completeness": None, "quality_checks": []},
        "observability": {"metrics": [], "alerts": []},
        "changelog": [],
        "deprecation": None,
    }


def test_empty_optional_sections_read_as_absent():
    contract = parse_ok(MINIMAL + "description:\nschema:\nsla:\naccess:\ntags:\n").contract

    assert contract["description"] == ""
    assert contract["schema"] is None
    assert contract["access"]["discovery"] == "public"
    assert contract["tags"] == []


def test_full_contract_normalizes_every_section():
    parsed = parse_ok(FULL)
    contract = parsed.contract

    assert parsed.warnings == []
    assert contract["version"] == "3.0.0-beta.1"
    assert contract["classification"] == "top-secret"
    assert contract["readme"].startswith("# General ledger\n")
    assert contract["audit_logging_enabled"] is True and contract["encryption_enabled"] is True
    assert contract["tags"] == ["finance", "sox"]
    assert contract["schema"]["table"] == "ledger"
    fields = {f["name"]: f for f in contract["schema"]["fields"]}
    assert fields["entry_id"]["type"] == "BIGINT"  # kept as written
    assert fields["entry_id"]["is_primary_key"] is True
    assert fields["amount"]["constraints"] == [
        {"type": "min", "value": -1000000.5},
        {"type": "max", "value": 1000000},
    ]
    assert fields["account"]["constraints"] == [
        {"type": "pattern", "value": "^[0-9]{4}-[0-9]{3}$"},
        {"type": "min_length", "value": 8},
        {"type": "max_length", "value": 8},
    ]
    assert fields["customer_email"]["is_pii"] is True and fields["customer_email"]["pii_category"] == "email"
    assert contract["input_ports"] == [
        {"product": "sales/sales_orders_analytical", "table": "orders"},
        {"product": "finance/chart_of_accounts", "table": "chart_of_accounts"},  # table defaults to the name
    ]
    assert contract["output_ports"] == [
        {
            "name": "ledger_api",
            "type": "rest",
            "location": "/api/v1/finance/ledger",
            "description": "Read-only REST endpoint",
        }
    ]
    assert contract["access"] == {
        "discovery": "restricted",
        "read": [
            {"kind": "group", "value": "auditors"},
            {"kind": "team", "value": "finance-analytics"},
            {"kind": "user", "value": "alice"},
        ],
        "write": [{"kind": "domain", "value": "finance"}],
    }
    sla = contract["sla"]
    assert sla["availability"] == 99.95
    assert sla["freshness"] == {
        "max_age_hours": 1.5,
        "update_schedule": "*/30 * * * *",
        "timestamp_field": "posted_at",
    }
    assert sla["completeness"] == {"min_threshold": 100.0}
    assert sla["quality_checks"][0]["severity"] == "error"
    assert sla["quality_checks"][0]["description"] == "Debits and credits balance."
    assert sla["quality_checks"][1]["threshold"] == 0.5
    metrics = contract["observability"]["metrics"]
    assert metrics[2] == {
        "name": "unbalanced_days",
        "sql": "SELECT COUNT(DISTINCT posted_on) FROM ledger WHERE amount IS NULL",
        "builtin": False,
    }
    alerts = contract["observability"]["alerts"]
    assert (alerts[0]["metric"], alerts[0]["op"], alerts[0]["value"], alerts[0]["severity"]) == (
        "age_hours",
        ">=",
        2.0,
        "critical",
    )
    assert (alerts[1]["op"], alerts[1]["value"], alerts[1]["percent"]) == ("<", -25.5, True)
    assert alerts[2]["metric"] == "unbalanced_days"  # a declared SQL metric can be alerted on
    assert alerts[3]["event"] == "schema_drift_detected"
    assert contract["changelog"][0]["date"] == "2024-03-01"  # a quoted date string is accepted
    assert contract["changelog"][1] == {
        "version": "2.0.0",
        "date": "2023-12-01",
        "changes": [],
        "breaking": False,
    }
    assert contract["deprecation"] == {
        "notice_date": "2024-03-01",
        "sunset_date": "2024-04-15",
        "migration_guide": "https://wiki.example.com/ledger-v3",
    }


@pytest.mark.parametrize(
    ("location", "table"),
    [
        ("s3://data-products/sales/orders/", "orders"),
        ("s3://data-products/sales/orders", "orders"),
        ("postgresql://warehouse/finance.ledger", "ledger"),
        ("/srv/data/sales/orders/", "orders"),
        ("file:///srv/data/marketing/segments/", "segments"),
        ("/srv/data/sales/orders.parquet", "orders"),
        ("/srv/data/sales/orders/*.parquet", "orders"),
        ("s3://data-products/sales/orders/**/*.parquet", "orders"),
    ],
)
def test_schema_table_defaults_to_the_last_segment_of_the_location(location, table):
    assert table_from_location(location) == table
    contract = parse_ok(MINIMAL + f"schema:\n  location: {location}\n").contract
    assert contract["schema"]["table"] == table


def test_explicit_schema_table_wins_over_the_location():
    contract = parse_ok(MINIMAL + "schema:\n  location: s3://bucket-a/x/y/\n  table: orders\n").contract
    assert contract["schema"]["table"] == "orders"


@pytest.mark.parametrize(
    ("written", "percent"),
    [
        ("99.9%", 99.9),
        ("99.9", 99.9),
        ('"99.9"', 99.9),
        ("100", 100.0),
        ("0", 0.0),
        ("0%", 0.0),
        ('"100 %"', 100.0),
        (".5%", 0.5),
    ],
)
def test_percentages_with_and_without_the_sign_mean_the_same(written, percent):
    contract = parse_ok(
        with_sla(f"  availability: {written}\n  completeness:\n    min_threshold: {written}\n")
    ).contract
    assert contract["sla"]["availability"] == percent
    assert contract["sla"]["completeness"]["min_threshold"] == percent


@pytest.mark.parametrize("written", ["100.1%", "-0.1", "150", "99,9%", "ninety", "true", "[99]"])
def test_percentages_outside_0_to_100_or_unreadable_are_errors(written):
    parsed = parse_contract(with_sla(f"  availability: {written}\n"))
    [error] = parsed.errors
    assert error.path == "sla.availability" and error.line == 7


# --- the type grammar ------------------------------------------------------------------------

VALID_TYPES = [
    ("string", FieldType("string")),
    ("integer", FieldType("integer")),
    ("bigint", FieldType("bigint")),
    ("double", FieldType("double")),
    ("boolean", FieldType("boolean")),
    ("date", FieldType("date")),
    ("timestamp", FieldType("timestamp")),
    ("TIMESTAMP", FieldType("timestamp")),
    ("decimal(12,2)", FieldType("decimal", precision=12, scale=2)),
    ("Decimal( 38 , 0 )", FieldType("decimal", precision=38, scale=0)),
    ("decimal(1,1)", FieldType("decimal", precision=1, scale=1)),
    ("array<string>", FieldType("array", element=FieldType("string"))),
    ("array<array<integer>>", FieldType("array", element=FieldType("array", element=FieldType("integer")))),
    (
        "struct<city: string, zip: integer>",
        FieldType("struct", fields=(("city", FieldType("string")), ("zip", FieldType("integer")))),
    ),
    (
        "STRUCT<lines: ARRAY<STRUCT<sku: string, price: decimal(10,2)>>>",
        FieldType(
            "struct",
            fields=(
                (
                    "lines",
                    FieldType(
                        "array",
                        element=FieldType(
                            "struct",
                            fields=(
                                ("sku", FieldType("string")),
                                ("price", FieldType("decimal", precision=10, scale=2)),
                            ),
                        ),
                    ),
                ),
            ),
        ),
    ),
]


@pytest.mark.parametrize(("written", "parsed"), VALID_TYPES)
def test_type_grammar_accepts(written, parsed):
    assert parse_type(written) == parsed
    contract = parse_ok(MINIMAL + f"schema:\n  fields:\n    - name: x\n      type: '{written}'\n").contract
    assert contract["schema"]["fields"][0]["type"] == written


INVALID_TYPES = [
    ("integr", "unknown type 'integr' (did you mean 'integer'?"),
    ("varchar", "unknown type 'varchar'"),
    ("decimal", "decimal needs a precision and a scale"),
    ("decimal(12)", "expected ',' between the decimal precision and scale"),
    ("decimal(0,0)", "decimal precision must be between 1 and 38 (got 0)"),
    ("decimal(39,2)", "decimal precision must be between 1 and 38 (got 39)"),
    ("decimal(4,5)", "decimal scale must be between 0 and the precision 4 (got 5)"),
    ("decimal(a,2)", "expected the decimal precision"),
    ("array", "expected '<' after array"),
    ("array<>", "expected a type name, found '>'"),
    ("array<string", "expected '>' to close array<...>"),
    ("array<string>>", "unexpected '>' after the type"),
    ("struct<>", "expected a field name in struct<...>"),
    ("struct<a string>", "expected ':' after the struct field name 'a'"),
    ("struct<a: string, a: integer>", "duplicate struct field 'a'"),
    ("struct<a: string b: integer>", "expected ',' or '>' in struct<...>"),
    ("string string", "unexpected 'string' after the type"),
    ("map<string, string>", "unknown type 'map'"),
    ("string;", "unexpected character ';'"),
    ("array<" * 20 + "string" + ">" * 20, "nested more than 16 levels"),
]


@pytest.mark.parametrize(("written", "message"), INVALID_TYPES)
def test_type_grammar_rejects_with_a_precise_message(written, message):
    parsed = parse_contract(MINIMAL + f"schema:\n  fields:\n    - name: x\n      type: '{written}'\n")
    [error] = parsed.errors
    assert (error.line, error.column, error.path) == (9, 13, "schema.fields[0].type")
    assert message in error.message


# --- other value forms -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "version", ["0.0.1", "1.0.0", "10.20.30", "1.0.0-alpha", "1.0.0-rc.1+build.5", "2.0.0+20240101"]
)
def test_semantic_versions_are_accepted(version):
    assert parse_ok(MINIMAL.replace("1.0.0", version)).contract["version"] == version
    assert str(parse_semver(version)) == version


def test_semver_precedence_puts_a_release_after_its_prereleases():
    versions = [
        "1.0.0",
        "1.0.0-rc.1",
        "1.0.0-alpha",
        "1.0.0-alpha.1",
        "1.0.0-beta.2",
        "1.0.0-beta.11",
        "0.9.0",
    ]
    ordered = sorted(versions, key=lambda v: parse_semver(v).sort_key)
    assert ordered == [
        "0.9.0",
        "1.0.0-alpha",
        "1.0.0-alpha.1",
        "1.0.0-beta.2",
        "1.0.0-beta.11",
        "1.0.0-rc.1",
        "1.0.0",
    ]


@pytest.mark.parametrize("schedule", ["0 2 * * *", "*/15 * * * *", "0 6 * * MON-FRI", "30 1 1,15 * *"])
def test_cron_schedules_are_accepted(schedule):
    contract = parse_ok(
        with_sla(f"  freshness:\n    max_age_hours: 24\n    update_schedule: '{schedule}'\n")
    ).contract
    assert contract["sla"]["freshness"]["update_schedule"] == schedule


@pytest.mark.parametrize(
    ("sql", "tables"),
    [
        ("SELECT COUNT(*) FROM orders", "orders"),
        ("select count(*) from ORDERS where total_amount < 0", "orders"),
        ("WITH bad AS (SELECT * FROM orders WHERE x < 0) SELECT COUNT(*) FROM bad", "orders"),
        (
            "SELECT COUNT(*) FROM (SELECT id FROM orders UNION ALL SELECT id FROM customers) t",
            "orders customers",
        ),
        (
            "SELECT COUNT(*) FROM orders o WHERE NOT EXISTS (SELECT 1 FROM customers c WHERE c.id = o.cid)",
            "both",
        ),
        ("SELECT 1 FROM orders UNION SELECT 2 FROM customers", "both"),
        ("SELECT COUNT(*) FROM orders; ", "trailing semicolon"),
    ],
)
def test_quality_check_sql_that_reads_declared_tables_is_accepted(sql, tables):
    text = MINIMAL + (
        "schema:\n  location: s3://data-products/sales/orders/\n"
        "input_ports:\n  - product: marketing/customers\n"
        f'sla:\n  quality_checks:\n    - name: check\n      query: "{sql}"\n'
    )
    parse_ok(text)


def test_alert_conditions_and_events_are_parsed():
    text = MINIMAL + (
        "observability:\n  alerts:\n"
        "    - {type: volume, condition: 'row_count == 0'}\n"
        "    - {type: nulls, condition: 'null_rate<=0.5%', severity: info}\n"
        "    - {type: quality, condition: quality_run_failed}\n"
    )
    alerts = parse_ok(text).contract["observability"]["alerts"]
    assert [(a["metric"], a["op"], a["value"], a["percent"], a["event"]) for a in alerts] == [
        ("row_count", "==", 0.0, False, None),
        ("null_rate", "<=", 0.5, True, None),
        (None, None, None, False, "quality_run_failed"),
    ]
    assert [a["severity"] for a in alerts] == ["critical", "info", "critical"]


def test_alert_on_an_unmeasured_metric_is_a_warning():
    parsed = parse_ok(
        MINIMAL + "observability:\n  alerts:\n    - {type: money, condition: 'avg_order_value < 10'}\n"
    )
    [warning] = parsed.warnings
    assert warning.path == "observability.alerts[0].condition" and "never fires" in warning.message


def test_bytes_with_a_utf8_bom_are_accepted():
    parsed = parse_contract(b"\xef\xbb\xbf" + MINIMAL.encode() + "description: caf\u00e9\n".encode())
    assert parsed.ok and parsed.contract["description"] == "caf\u00e9"


def test_problem_string_is_file_line_column_path_message():
    problem = ContractProblem("orders.yaml", 12, 7, "schema.fields[3].constraints[1].min", "must be a number")
    assert str(problem) == "orders.yaml:12:7: schema.fields[3].constraints[1].min: must be a number"
    assert str(ContractProblem("orders.yaml", None, None, "", "too big")) == "orders.yaml: too big"
    warning = ContractProblem("orders.yaml", 3, 1, "tags[1]", "duplicate tag", "warning")
    assert str(warning) == "orders.yaml:3:1: tags[1]: warning: duplicate tag"


# --- export ----------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [SEED.read_text(), FULL, MINIMAL], ids=["seed", "full", "minimal"])
def test_export_then_import_gives_the_same_document_and_contract(text):
    parsed = parse_ok(text)

    exported = document_to_yaml(parsed.document)
    again = parse_contract(exported, filename="exported.yaml")

    assert again.ok
    assert again.document == parsed.document
    assert again.contract == parsed.contract
    assert document_to_yaml(again.document) == exported


def test_export_keeps_key_order_and_values_as_submitted_in_block_style():
    exported = document_to_yaml(parse_ok(SEED.read_text()).document)

    keys = [line.split(":")[0] for line in exported.splitlines() if line and not line.startswith((" ", "-"))]
    assert keys[:4] == ["name", "version", "domain", "owner"]
    assert "  availability: 99.9%\n" in exported
    assert "    min_threshold: 99.5%\n" in exported
    assert "      type: decimal(12,2)\n" in exported
    assert "description: |\n  Analytical view" in exported
    assert "{" not in exported and "[" not in exported.replace("[pending", "")


def test_dates_are_yaml_dates_in_the_exported_text():
    exported = document_to_yaml(parse_ok(FULL).document)
    raw = yaml.safe_load(exported)

    assert raw["changelog"][0]["date"] == date(2024, 3, 1)  # written as a quoted string, exported as a date
    assert raw["changelog"][1]["date"] == date(2023, 12, 1)
    assert raw["deprecation"] == {
        "notice_date": date(2024, 3, 1),
        "sunset_date": date(2024, 4, 15),
        "migration_guide": "https://wiki.example.com/ledger-v3",
    }
    assert "  sunset_date: 2024-04-15\n" in exported


def test_strings_that_look_like_other_types_survive_export():
    text = MINIMAL + 'description: "2024-01-15"\ntags: ["true", "1.0", "null", "2024-01-01", "yes"]\n'
    parsed = parse_ok(text)

    again = parse_ok(document_to_yaml(parsed.document))

    assert again.contract["description"] == "2024-01-15"
    assert again.contract["tags"] == ["true", "1.0", "null", "2024-01-01", "yes"]


def test_the_yaml_examples_in_the_format_doc_make_one_valid_contract():
    doc = (Path(__file__).resolve().parents[2] / "docs" / "contract-format.md").read_text()
    examples = [block.split("```", 1)[0] for block in doc.split("```yaml\n")[1:]]

    parsed = parse_ok("".join(examples))

    assert parsed.warnings == []
    assert parse_contract(document_to_yaml(parsed.document)).contract == parsed.contract
