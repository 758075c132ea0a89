"""import_contracts reads ODCS v3.x and Data Contract Specification files through the same parser,
publish gate and atomic import as the portal's own contracts."""

import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from catalog.contracts import parse_contract, parse_contracts
from catalog.models import DataProduct, ProductVersion, VersionStatus
from tests.factories import contract_text

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
ODCS = FIXTURES / "odcs"
DCS = FIXTURES / "dcs"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "standards.md"
ODCS_EXAMPLES = sorted(ODCS.rglob("*.odcs.yaml"))
DCS_EXAMPLES = sorted(DCS.rglob("datacontract.yaml"))
PROBLEM = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<path>\S+): (?P<message>.+)$")

pytestmark = pytest.mark.django_db


def run(*args):
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def refuse(*args) -> str:
    err = StringIO()
    with pytest.raises(CommandError):
        call_command(*args, stdout=StringIO(), stderr=err)
    return err.getvalue()


def write(tmp_path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_every_official_example_is_a_fixture_with_its_licence():
    assert len(ODCS_EXAMPLES) == 18 and len(DCS_EXAMPLES) == 6
    assert "Apache License" in (ODCS / "LICENSE").read_text()
    assert "MIT License" in (DCS / "LICENSE").read_text()


@pytest.mark.parametrize("path", ODCS_EXAMPLES + DCS_EXAMPLES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_every_official_example_imports_published_or_as_a_draft(path):
    expected = len(parse_contracts(path.read_text(), filename=str(path), domain="standards"))
    out, err = run("import_contracts", str(path), "--domain", "standards")
    assert "0 failed" in out, err
    stored = ProductVersion.objects.filter(
        source_format="dcs" if path.name == "datacontract.yaml" else "odcs"
    )
    assert stored.count() == expected >= 1
    assert all(v.contract_text == path.read_bytes().decode() for v in stored)


@pytest.mark.parametrize("path", ODCS_EXAMPLES + DCS_EXAMPLES, ids=lambda p: p.parent.name + "/" + p.name)
def test_docs_list_the_outcome_of_every_official_example(path):
    assert str(path.relative_to(FIXTURES)) in DOCS.read_text()


def test_a_contract_with_several_tables_becomes_one_product_per_table():
    run("import_contracts", str(ODCS / "schema" / "all-schema-types.odcs.yaml"), "--domain", "standards")
    names = set(DataProduct.objects.values_list("name", flat=True))
    assert names == {"my_quantum_tbl", "my_quantum_anobject", "my_quantum_anotherobject"}
    tbl = DataProduct.objects.get(name="my_quantum_tbl").current_version or ProductVersion.objects.get(
        product__name="my_quantum_tbl"
    )
    schema = tbl.contract["schema"]
    assert schema["table"] == "tbl_1" and schema["partitioned_by"] == ["txn_ref_dt"]
    assert [f["type"] for f in schema["fields"]] == ["date", "string", "string"]
    assert schema["fields"][1]["is_primary_key"] is True
    nested = ProductVersion.objects.get(product__name="my_quantum_anotherobject").contract["schema"]
    assert nested["fields"][0]["type"] == "array<struct<id: string, zip: string>>"


def test_the_product_is_named_by_data_product_then_name_then_slugged_id():
    full = parse_contracts((ODCS / "all" / "full-example.odcs.yaml").read_text(), filename="f")
    assert [p.contract["name"] for p in full] == ["my_quantum_tbl", "my_quantum_receivers"]
    assert {p.contract["domain"] for p in full} == {"seller"}  # the contract's own domain wins
    kafka = parse_contract((ODCS / "schema" / "kafka-schema.odcs.yaml").read_text() + "\ndomain: x\n")
    assert kafka.contract["name"] == "orders_event_stream"
    azure = parse_contract((ODCS / "server" / "azure-server.odcs.yaml").read_text() + "\ndomain: x\n")
    assert azure.contract["name"] == "abc123"


def test_a_contract_without_domain_needs_the_domain_option(tmp_path):
    path = ODCS / "schema" / "table-column.odcs.yaml"
    err = refuse("import_contracts", str(path))
    assert f"{path}:1:1: the contract names no domain: add 'domain' to it, or import it with --domain" in err
    assert not DataProduct.objects.exists()


def test_the_domain_option_rejects_a_name_that_is_not_a_slug():
    with pytest.raises(CommandError, match="a domain is a slug"):
        call_command(
            "import_contracts", str(ODCS / "schema" / "table-column.odcs.yaml"), "--domain", "Bad Name"
        )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "apiVersion: v4.0.0\nkind: DataContract\nid: x\nversion: 1.0.0\nstatus: active\n",
            ":1:13: apiVersion: ODCS apiVersion 'v4.0.0' is not supported (supported: v3.0.0, v3.0.1",
        ),
        (
            "apiVersion: v2.2.2\nkind: DataContract\nid: x\nversion: 1.0.0\nstatus: active\n",
            ":1:13: apiVersion: ODCS apiVersion 'v2.2.2' is not supported",
        ),
        (
            "apiVersion: v3.1.0\nkind: DataProduct\nid: x\nversion: 1.0.0\n",
            ":2:7: kind: an ODCS file has kind: DataContract, not 'DataProduct'",
        ),
        (
            "kind: DataContract\nid: x\nversion: 1.0.0\nstatus: active\n",
            ":1:7: kind: an ODCS file names its standard version in apiVersion (e.g. v3.1.0)",
        ),
        (
            "dataContractSpecification: 2.0.0\nid: x\ninfo: {title: x, version: 1.0.0}\n",
            ":1:28: dataContractSpecification: Data Contract Specification '2.0.0' is not supported",
        ),
    ],
)
def test_unknown_versions_and_kinds_are_refused_with_their_position(tmp_path, text, expected):
    path = write(tmp_path, "c.yaml", text)
    err = refuse("import_contracts", str(path), "--domain", "standards")
    assert f"{path}{expected}" in err


def test_a_problem_points_at_the_line_and_path_of_the_odcs_file(tmp_path):
    text = """apiVersion: v3.1.0
kind: DataContract
id: orders
version: 1.0.0
status: active
domain: sales
schema:
  - name: orders
    properties:
      - name: id
        logicalType: string
    quality:
      - type: sql
        query: SELECT COUNT(*) FROM payments
        mustBe: 0
"""
    path = write(tmp_path, "orders.odcs.yaml", text)
    err = refuse("import_contracts", str(path))
    line = next(x for x in err.splitlines() if "payments" in x)
    match = PROBLEM.match(line)
    assert match, line
    assert (match["line"], match["col"], match["path"]) == ("14", "16", "schema[0].quality[0].query")
    assert "reads 'payments'" in match["message"]


def test_a_bad_version_is_reported_at_the_odcs_key(tmp_path):
    text = "apiVersion: v3.1.0\nkind: DataContract\nid: o\nversion: one\nstatus: active\ndomain: s\n"
    parsed = parse_contract(text, filename="o.yaml")
    assert [str(p) for p in parsed.errors] == [
        "o.yaml:4:10: version: 'one' is not a semantic version: write MAJOR.MINOR.PATCH, e.g. 2.1.0 or 3.0.0-beta.1"
    ]


def test_quality_rules_become_constraints_and_checks_and_the_rest_notes():
    def contract(name):
        path = ODCS / "quality" / name
        return parse_contracts(path.read_text(), filename=name, domain="standards")[0]

    completeness = contract("column-completeness.odcs.yaml").contract
    assert completeness["schema"]["fields"][0]["constraints"] == [{"type": "not_null"}]
    accuracy = contract("column-accuracy.odcs.yaml").contract["sla"]["quality_checks"][0]
    assert accuracy["query"] == "select count(*) from Air_Quality where DataValue <= 0 or DataValue >= 500"
    assert (accuracy["threshold"], accuracy["severity"]) == (0.0, "error")
    validity = contract("column-validity.odcs.yaml").contract["sla"]["quality_checks"][0]
    assert validity["threshold"] == 5.0
    assert "100.0 * COUNT(*) FILTER" in validity["query"] and "NOT IN ('', 'n/a')" in validity["query"]
    custom = contract("column-custom.odcs.yaml")
    notes = [str(w) for w in custom.warnings]
    assert any("schema[0].properties[0].quality[0]: warning: custom quality rule" in n for n in notes)
    assert "## Not translated from ODCS" in custom.contract["readme"]
    assert custom.contract["sla"]["quality_checks"] == []


def test_an_operator_other_than_at_most_becomes_a_pass_fail_check():
    full = parse_contracts((ODCS / "all" / "full-example.odcs.yaml").read_text(), filename="f")[0]
    (row_count,) = full.contract["sla"]["quality_checks"]
    assert (
        row_count["query"] == "SELECT CASE WHEN (\nSELECT COUNT(*) FROM tbl_1\n) > 1000000 THEN 0 ELSE 1 END"
    )
    assert row_count["threshold"] == 0.0
    assert "must be > 1000000" in row_count["description"]
    fields = {f["name"]: f for f in full.contract["schema"]["fields"]}
    assert fields["rcvr_cntry_code"]["constraints"] == [{"type": "not_null"}]  # nullValues = 0
    assert full.contract["schema"]["location"] == "postgresql://my-postgres/pp_access_views.tbl_1"
    assert full.contract["owner"] == {
        "team": "my-team",
        "contact": "datacontract-ann@bitol.io",
        "slack": "#product-help",
    }
    assert full.contract["retention_days"] == 1095
    assert full.contract["sla"]["freshness"]["max_age_hours"] == 96.0
    assert [e["value"] for e in full.contract["access"]["write"]] == ["bq_unica_user_opr"]


def test_library_metrics_with_thresholds_become_generated_sql(tmp_path):
    text = """apiVersion: v3.1.0
kind: DataContract
id: t
version: 1.0.0
status: active
domain: d
schema:
  - name: t
    properties:
      - name: c
        logicalType: string
        quality:
          - metric: nullValues
            mustBeLessThan: 10
          - metric: duplicateValues
            unit: percent
            mustBeLessOrEqualTo: 1
          - metric: missingValues
            arguments: {missingValues: [null, '', N/A]}
            mustBe: 0
          - metric: invalidValues
            arguments: {pattern: '^[a-z]+$'}
            mustBe: 0
    quality:
      - metric: duplicateValues
        arguments: {properties: [c]}
        mustBe: 0
      - metric: rowCount
        mustBeBetween: [10, 20]
"""
    parsed = parse_contract(text, filename="t.yaml")
    assert parsed.ok, [str(p) for p in parsed.errors]
    checks = {c["name"]: (c["query"], c["threshold"]) for c in parsed.contract["sla"]["quality_checks"]}
    assert checks["c_nullValues"] == ("SELECT COUNT(*) FROM t WHERE c IS NULL", 9.0)
    assert checks["c_duplicateValues"][1] == 1.0 and "COUNT(DISTINCT" in checks["c_duplicateValues"][0]
    assert checks["c_missingValues"][0].endswith("WHERE c IS NULL OR CAST(c AS TEXT) IN ('', 'N/A')")
    assert "GROUP BY" in checks["t_duplicateValues"][0]
    assert "BETWEEN 10 AND 20" in checks["t_rowCount"][0]
    assert "c_invalidValues" not in checks  # "must be 0" is the pattern constraint
    assert parsed.contract["schema"]["fields"][0]["constraints"] == [{"type": "pattern", "value": "^[a-z]+$"}]


def test_a_file_with_several_products_is_stored_whole_or_not_at_all(tmp_path):
    path = ODCS / "all" / "full-example.odcs.yaml"
    run("import_contracts", str(path))
    assert DataProduct.objects.count() == 2
    # Given the first table's version is a draft (it may be replaced) and the second table's
    # version is published (it cannot change any more) ...
    ProductVersion.objects.filter(product__name="my_quantum_tbl").update(status=VersionStatus.DRAFT)
    ProductVersion.objects.filter(product__name="my_quantum_receivers").update(status=VersionStatus.PUBLISHED)
    stored_before = list(ProductVersion.objects.order_by("pk").values_list("pk", "updated_at", "contract"))
    # ... a file changing both tables under the same version is refused whole.
    text = path.read_text().replace("Name of the receiver", "Other")
    text = text.replace("Reference date for transaction", "Changed too")
    err = refuse("import_contracts", str(write(tmp_path, "full.odcs.yaml", text)))
    assert "my_quantum_receivers" in err and "nothing of this file was stored" in err
    assert (
        list(ProductVersion.objects.order_by("pk").values_list("pk", "updated_at", "contract"))
        == stored_before
    )


def test_dcs_models_fields_definitions_and_service_levels_are_read():
    orders, line_items = parse_contracts(
        (DCS / "orders-latest" / "datacontract.yaml").read_text(), filename="d", domain="checkout"
    )
    assert (orders.contract["name"], line_items.contract["name"]) == (
        "orders_latest_orders",
        "orders_latest_line_items",
    )
    c = orders.contract
    assert c["owner"]["team"] == "checkout-team" and c["version"] == "2.0.0"
    assert c["schema"]["location"] == "s3://datacontract-example-orders-latest/v2/orders/*.json"
    fields = {f["name"]: f for f in c["schema"]["fields"]}
    assert fields["order_id"]["type"] == "string" and fields["order_id"]["is_pii"] is True  # via $ref
    assert fields["order_total"]["type"] == "bigint"
    assert {"type": "min_length", "value": 10} in fields["customer_id"]["constraints"]
    assert c["sla"]["freshness"] == {
        "max_age_hours": 25.0,
        "update_schedule": "0 0 * * *",
        "timestamp_field": "order_timestamp",
    }
    assert c["sla"]["availability"] == 99.9 and c["retention_days"] == 365
    names = [q["name"] for q in c["sla"]["quality_checks"]]
    assert names == ["order_total_sql", "orders_sql", "orders_sql_2"]
    mueller = parse_contracts(
        (DCS / "muellimperium" / "datacontract.yaml").read_text(), filename="m", domain="d"
    )[0]
    kinds = mueller.contract["schema"]["fields"][1]["constraints"]
    assert kinds[-1]["type"] == "in" and "hazardous_waste" in kinds[-1]["value"]


def test_a_dcs_problem_points_into_the_dcs_file(tmp_path):
    text = (
        (DCS / "orders-latest" / "datacontract.yaml").read_text().replace("FROM orders", "FROM customers", 1)
    )
    path = write(tmp_path, "datacontract.yaml", text)
    err = refuse("import_contracts", str(path), "--domain", "checkout")
    line = next(x for x in err.splitlines() if "customers" in x)
    match = PROBLEM.match(line)
    assert match and match["path"] == "models.orders.fields.order_total.quality[0].query", line
    assert text.splitlines()[int(match["line"]) - 1].strip() == "query: |"


def test_the_domain_option_fills_a_seed_contract_without_domain(tmp_path):
    path = write(tmp_path, "c.yaml", contract_text(domain=None))
    run("import_contracts", str(path), "--domain", "newdomain")
    assert DataProduct.objects.get().domain.name == "newdomain"


def _as_json(path: Path):
    import json

    import yaml

    # Unquoted dates stay text, as the portal's loader keeps them.
    return json.loads(json.dumps(yaml.safe_load(path.read_text()), default=str))


def test_the_fixtures_are_valid_against_the_vendored_schemas():
    import json

    from jsonschema import Draft7Validator

    from catalog.contracts.standards import validate_odcs

    for path in ODCS_EXAMPLES:
        assert validate_odcs(_as_json(path)) == [], path
    schemas = Path(__file__).resolve().parents[2] / "catalog" / "contracts" / "schemas"
    dcs = Draft7Validator(json.loads((schemas / "dcs-datacontract.schema.json").read_text()))
    for path in DCS_EXAMPLES:
        assert [e.message for e in dcs.iter_errors(_as_json(path))] == [], path
    assert "Apache License" in (schemas / "LICENSE-ODCS").read_text()
    assert "MIT License" in (schemas / "LICENSE-DCS").read_text()


def test_two_schema_objects_for_the_same_table_are_refused(tmp_path):
    text = """apiVersion: v3.1.0
kind: DataContract
id: twice
version: 1.0.0
status: active
domain: d
schema:
  - name: orders
  - name: Orders
"""
    parsed = parse_contracts(text, filename="t.yaml")
    assert [str(p) for p in parsed[0].errors] == [
        "t.yaml:9:11: schema[1].name: schema[1] is the same table or product as schema[0] (Orders, twice_orders); "
        "each table must have its own name"
    ]


def test_odcs_3_0_library_rules_are_read_like_their_3_1_metrics():
    text = """apiVersion: v3.0.2
kind: DataContract
id: old
version: 1.0.0
status: active
domain: d
schema:
  - name: t
    properties:
      - name: unit
        logicalType: string
        quality:
          - rule: nullCheck
            mustBe: 0
          - rule: validValues
            validValues: [kg, lb]
            mustBe: 0
          - rule: duplicateCount
            mustBeLessThan: 10
"""
    parsed = parse_contract(text, filename="old.yaml")
    assert parsed.ok, [str(p) for p in parsed.errors]
    (unit,) = parsed.contract["schema"]["fields"]
    assert unit["constraints"] == [{"type": "not_null"}, {"type": "in", "value": ["kg", "lb"]}]
    (duplicates,) = parsed.contract["sla"]["quality_checks"]
    assert (duplicates["name"], duplicates["threshold"]) == ("unit_duplicateValues", 9.0)


def test_generated_sql_quotes_only_names_that_need_it_and_runs_on_duckdb():
    import duckdb

    text = """apiVersion: v3.1.0
kind: DataContract
id: q
version: 1.0.0
status: active
domain: d
schema:
  - name: Air_Quality
    properties:
      - name: order
        logicalType: string
        quality:
          - metric: invalidValues
            arguments: {validValues: [a, b], pattern: '[a-z]'}
            unit: percent
            mustBeLessThan: 50
      - name: level
        logicalType: integer
        quality:
          - metric: nullValues
            mustBeLessOrEqualTo: 1
"""
    parsed = parse_contract(text, filename="q.yaml")
    assert parsed.ok, [str(p) for p in parsed.errors]
    invalid, nulls = parsed.contract["sla"]["quality_checks"]
    assert 'FROM "Air_Quality"' in invalid["query"] and '"order" IS NOT NULL' in invalid["query"]
    assert nulls["query"] == 'SELECT COUNT(*) FROM "Air_Quality" WHERE level IS NULL'
    db = duckdb.connect()
    db.execute('CREATE TABLE "Air_Quality" ("order" VARCHAR, level INTEGER)')
    db.execute("""INSERT INTO "Air_Quality" VALUES ('a', 1), ('b', NULL), ('zz', 2), ('Q', 3)""")
    assert db.execute(nulls["query"]).fetchone()[0] == 1
    # 'zz' matches the pattern but is not a valid value; 'Q' is neither: 2 of 4 rows (50%) -> not < 50
    assert db.execute(invalid["query"]).fetchone()[0] == 1


@pytest.mark.pg
def test_generated_sql_also_runs_on_postgresql_as_the_check_runner_sends_it():
    from django.db import connection

    from governance.checks.sandbox import postgres_sql

    text = """apiVersion: v3.1.0
kind: DataContract
id: q
version: 1.0.0
status: active
domain: d
schema:
  - name: readings
    properties:
      - name: order
        logicalType: string
        quality:
          - metric: invalidValues
            arguments: {pattern: '[a-z]'}
            mustBeLessOrEqualTo: 1
          - metric: missingValues
            arguments: {missingValues: [null, '']}
            unit: percent
            mustBeLessThan: 10
"""
    parsed = parse_contract(text, filename="q.yaml")
    assert parsed.ok, [str(p) for p in parsed.errors]
    with connection.cursor() as cursor:
        cursor.execute('CREATE TABLE standards_readings ("order" text)')
        cursor.execute("""INSERT INTO standards_readings VALUES ('a'), (''), ('Q'), (NULL)""")
        values = []
        for check in parsed.contract["sla"]["quality_checks"]:
            cursor.execute(postgres_sql(check["query"], {"readings": ("public", "standards_readings")}))
            values.append(cursor.fetchone()[0])
    # invalid: '' and 'Q' do not match (NULL is not invalid) -> 2; missing: NULL and '' of 4 -> 50%, not < 10
    assert values == [2, 1]


def test_an_owner_publishes_an_odcs_version_through_the_api(client):
    import yaml

    from catalog.contracts.standards import contract_to_odcs
    from tests.factories import make_user, publish

    owner = make_user("owner", role="product_owner", home_domain="sales", team="sales-analytics")
    publish()
    next_version = parse_contract(contract_text(version="1.1.0"))
    odcs = yaml.safe_dump(contract_to_odcs(next_version.document, next_version.contract), sort_keys=False)
    client.force_login(owner)
    api = "/api/v1/products/sales/orders/versions/"

    response = client.post(api, data=odcs, content_type="application/yaml")

    assert response.status_code == 201, response.content
    stored = ProductVersion.objects.get(product__name="orders", version="1.1.0")
    assert (stored.source_format, stored.contract) == ("odcs", next_version.contract)
    two_tables = (ODCS / "all" / "full-example.odcs.yaml").read_text()
    response = client.post(api, data=two_tables, content_type="application/yaml")
    assert response.status_code == 400
    assert "describes 2 tables" in str(response.json()["error"])


def test_where_an_odcs_file_breaks_the_json_schema_is_a_note_at_its_place():
    text = """apiVersion: v3.1.0
kind: DataContract
id: orders
version: 1.0.0
status: active
domain: sales
slaProperty:
  - property: latency
schema:
  - name: orders
    properties:
      - name: id
        logicalType: strng
"""
    parsed = parse_contract(text, filename="o.yaml")
    assert parsed.ok  # the standard's text, not its schema, is the authority: notes do not block
    notes = [str(w) for w in parsed.warnings]
    assert (
        "o.yaml:8:3: slaProperty: warning: not valid ODCS v3.1.0 (JSON Schema): Additional properties are "
        "not allowed ('slaProperty' was unexpected)" in notes
    )
    assert any(
        n.startswith("o.yaml:13:22: schema[0].properties[0].logicalType: warning: not valid") for n in notes
    )
    assert "`slaProperty`: not valid ODCS v3.1.0" in parsed.contract["readme"]
