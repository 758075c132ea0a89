"""export_contract --format odcs writes ODCS v3.1.0 that validates against the official JSON
Schema, and seed format -> ODCS -> seed format gives back the same contract."""

from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from catalog.contracts import parse_contract, parse_contracts
from catalog.contracts.standards import contract_to_odcs, validate_odcs
from catalog.models import DataProduct, ProductVersion

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples" / "contracts").rglob("*.yaml"))
ODCS = ROOT / "tests" / "fixtures" / "odcs"

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def ref_of(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


def test_there_are_twelve_example_products():
    assert len(EXAMPLES) == 12


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_product_exports_as_valid_odcs_and_round_trips(path, tmp_path):
    run("import_contracts", str(ROOT / "examples" / "contracts"))
    original = parse_contract(path.read_text(), filename=str(path))

    exported = run("export_contract", ref_of(path), "--format", "odcs")
    odcs = yaml.safe_load(exported)
    assert validate_odcs(odcs) == []
    assert (odcs["apiVersion"], odcs["kind"], odcs["name"]) == ("v3.1.0", "DataContract", path.stem)

    # seed -> ODCS -> seed: the same contract, and the same document as written
    (again,) = parse_contracts(exported, filename="exported.odcs.yaml")
    assert again.ok, [str(p) for p in again.errors]
    assert again.contract == original.contract
    assert again.document == original.document

    # Importing the ODCS export changes nothing; the seed export of it is the same contract.
    odcs_file = tmp_path / f"{path.stem}.odcs.yaml"
    odcs_file.write_text(exported)
    assert "1 unchanged" in run("import_contracts", str(odcs_file))
    seed_again = parse_contract(run("export_contract", ref_of(path)), filename="seed.yaml")
    assert seed_again.contract == original.contract


def test_odcs_keeps_natively_what_it_can_hold_and_the_rest_in_custom_properties():
    path = ROOT / "examples" / "contracts" / "sales" / "sales_orders_analytical.yaml"
    parsed = parse_contract(path.read_text(), filename=str(path))
    odcs = contract_to_odcs(parsed.document, parsed.contract)
    (table,) = odcs["schema"]
    props = {p["name"]: p for p in table["properties"]}
    assert props["order_id"]["required"] is True and props["order_id"]["unique"] is True
    assert props["total_amount"]["logicalTypeOptions"] == {"minimum": 0}
    assert props["total_amount"]["physicalType"] == "decimal(12,2)"
    assert props["order_date"]["partitioned"] is True
    assert props["status"]["quality"][0]["arguments"]["validValues"][0] == "pending"
    assert odcs["servers"][0] == {
        "server": "production",
        "type": "s3",
        "environment": "prod",
        "location": "s3://data-products/sales/orders/",
        "format": "parquet",
    }
    assert {"property": "latency", "value": 24, "unit": "h"} in odcs["slaProperties"]
    assert {"role": "analyst", "access": "read"} in odcs["roles"]
    custom = {c["property"]: c["value"] for c in odcs["customProperties"]}
    assert set(custom) >= {
        "meshPortal.changelog",
        "meshPortal.observability",
        "meshPortal.access",
        "meshPortal.inputPorts",
        "meshPortal.completeness",
        "meshPortal.classification",
    }
    assert custom["meshPortal.observability"]["alerts"][0]["condition"] == "age_hours > 26"
    assert custom["meshPortal.changelog"][1]["breaking"] is True


def test_a_product_imported_from_odcs_exports_as_valid_odcs():
    run("import_contracts", str(ODCS / "all" / "full-example.odcs.yaml"))
    for product in DataProduct.objects.all():
        odcs = yaml.safe_load(
            run("export_contract", f"{product.domain.name}/{product.name}", "--format", "odcs")
        )
        assert validate_odcs(odcs) == []
        version = ProductVersion.objects.get(product=product)
        (again,) = parse_contracts(yaml.safe_dump(odcs), filename="again.odcs.yaml")
        assert again.contract == version.contract


def test_the_postgresql_location_becomes_a_postgresql_server_without_credentials():
    path = ROOT / "examples" / "contracts" / "finance" / "general_ledger.yaml"
    parsed = parse_contract(path.read_text(), filename=str(path))
    (server,) = contract_to_odcs(parsed.document, parsed.contract)["servers"]
    assert (server["type"], server["server"], server["schema"]) == ("postgresql", "warehouse", "finance")
    assert "password" not in str(server) and "@" not in str(server)


def test_the_schema_check_catches_what_odcs_does_not_allow():
    assert validate_odcs({"apiVersion": "v3.1.0", "kind": "DataContract"})  # id, version, status missing
    problems = validate_odcs(
        {
            "apiVersion": "v3.1.0",
            "kind": "DataContract",
            "id": "x",
            "version": "1.0.0",
            "status": "active",
            "x": 1,
        }
    )
    assert any("x" in p for p in problems)


def test_exporting_a_missing_product_is_an_error():
    with pytest.raises(CommandError, match="no such product or version"):
        run("export_contract", "sales/nothing", "--format", "odcs")


NESTED = {"name": "lines", "type": "array<struct<sku: string, qty: integer>>", "description": "Order lines"}
EDGE_CASES = {
    "no_schema_but_checks": {"schema": None, "sla.quality_checks": None, "sla.freshness": None},
    "local_path_without_type": {"schema.location": "/srv/data/sales/orders/", "schema.type": None},
    "file_url_and_table": {"schema.location": "file:///srv/data/sales/orders.csv", "schema.table": "orders"},
    "contact_is_not_an_email": {"owner": {"team": "sales-analytics", "contact": "Ask in the office"}},
    "nested_types_and_pii": {
        "schema.fields": [
            {
                "name": "order_id",
                "type": "string",
                "is_pii": True,
                "pii_category": "id",
                "constraints": ["not_null"],
            },
            {"name": "total_amount", "type": "DECIMAL(12, 2)", "constraints": [{"max": 10}, {"min": 0}]},
            {
                "name": "code",
                "type": "string",
                "constraints": [{"in": ["a", 1, True]}, {"pattern": "^[a-z]$"}],
            },
            {"name": "day", "type": "date", "constraints": [{"min": 0}, {"max_length": 3}]},
            NESTED,
        ]
    },
    "bare_availability_and_deprecation": {
        "sla.availability": 99.5,
        "deprecation": {
            "notice_date": "2024-03-01",
            "sunset_date": "2024-04-01",
            "migration_guide": "Use v2",
        },
        "output_ports": [{"name": "api", "type": "rest", "location": "/api/v1/sales/orders"}],
        "encryption_enabled": True,
        "audit_logging_enabled": True,
        "readme": "# Orders\n\nOne row per order.\n",
    },
}


@pytest.mark.parametrize("overrides", EDGE_CASES.values(), ids=EDGE_CASES.keys())
def test_unusual_contracts_export_as_valid_odcs_and_round_trip(overrides):
    from tests.factories import contract_text

    parsed = parse_contract(contract_text(**overrides), filename="c.yaml")
    assert parsed.ok, [str(p) for p in parsed.errors]
    odcs = contract_to_odcs(parsed.document, parsed.contract, status="draft")
    assert validate_odcs(odcs) == []
    (again,) = parse_contracts(yaml.safe_dump(odcs), filename="c.odcs.yaml")
    assert again.ok, [str(p) for p in again.errors]
    assert again.contract == parsed.contract
