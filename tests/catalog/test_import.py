"""import_contracts / export_contract: atomic files, idempotent re-imports, exact round-trips."""

from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from catalog.contracts import document_to_yaml, parse_contract
from catalog.models import DataProduct, Domain, ProductVersion, SchemaField, Team, VersionStatus
from tests.factories import contract_text

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "contracts"
SEED = FIXTURES / "valid" / "sales_orders_analytical.yaml"

pytestmark = pytest.mark.django_db


def run(*args, **kwargs):
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err, **kwargs)
    return out.getvalue(), err.getvalue()


def export(ref: str) -> str:
    return run("export_contract", ref)[0]


def write(tmp_path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_the_seed_contract_imports_and_creates_its_domain_and_team():
    out, _ = run("import_contracts", str(SEED))
    product = DataProduct.objects.get(domain__name="sales", name="sales_orders_analytical")
    assert product.current_version.version == "2.1.0"
    assert product.owning_team == Team.objects.get(name="sales-analytics")
    assert product.current_version.fields.count() == 7
    assert "1 created" in out


def test_seed_contract_export_then_import_round_trips_exactly(tmp_path):
    run("import_contracts", str(SEED))
    exported = export("sales/sales_orders_analytical")
    original = parse_contract(SEED.read_text(), filename=str(SEED))
    again = parse_contract(exported, filename="exported.yaml")
    assert again.ok, [str(p) for p in again.errors]
    assert again.contract == original.contract
    assert again.document == original.document
    # Re-importing the export changes nothing.
    before = ProductVersion.objects.get().updated_at
    out, _ = run("import_contracts", str(write(tmp_path, "exported.yaml", exported)))
    assert "1 unchanged" in out
    assert ProductVersion.objects.get().updated_at == before


def test_dates_are_exported_as_yaml_dates():
    run("import_contracts", str(SEED))
    data = yaml.safe_load(export("sales/sales_orders_analytical"))
    assert type(data["changelog"][0]["date"]).__name__ == "date"


def test_reimport_of_an_identical_contract_changes_nothing(tmp_path):
    path = write(tmp_path, "orders.yaml", contract_text())
    run("import_contracts", str(path))
    first = ProductVersion.objects.get()
    out, _ = run("import_contracts", str(path))
    assert "1 unchanged" in out
    assert ProductVersion.objects.get().updated_at == first.updated_at


def test_a_new_version_becomes_a_new_product_version_and_the_current_one(tmp_path):
    run("import_contracts", str(write(tmp_path, "v1.yaml", contract_text())))
    run("import_contracts", str(write(tmp_path, "v11.yaml", contract_text(version="1.1.0"))))
    product = DataProduct.objects.get()
    assert sorted(product.versions.values_list("version", flat=True)) == ["1.0.0", "1.1.0"]
    assert product.current_version.version == "1.1.0"


def test_a_different_contract_under_a_published_version_is_refused(tmp_path):
    run("import_contracts", str(write(tmp_path, "v1.yaml", contract_text())))
    changed = write(tmp_path, "changed.yaml", contract_text(description="Something else"))
    with pytest.raises(CommandError, match="could not be stored"):
        run("import_contracts", str(changed))
    assert ProductVersion.objects.get().contract["description"] == "Orders placed in the web shop."


def test_an_invalid_file_writes_nothing_and_fails_with_file_line_and_path(tmp_path):
    bad = write(tmp_path, "bad.yaml", contract_text().replace("retention_days: 1095", "retention_days: soon"))
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_contracts", str(bad), stdout=StringIO(), stderr=err)
    assert f"{bad}:" in err.getvalue() and "retention_days" in err.getvalue()
    assert not Domain.objects.exists() and not Team.objects.exists() and not DataProduct.objects.exists()


def test_one_bad_file_does_not_stop_the_others(tmp_path):
    write(tmp_path, "a_good.yaml", contract_text())
    write(tmp_path, "b_bad.yaml", "name: [unclosed")
    with pytest.raises(CommandError, match="1 file"):
        run("import_contracts", str(tmp_path))
    assert DataProduct.objects.count() == 1


def test_dry_run_writes_nothing(tmp_path):
    out, _ = run("import_contracts", str(write(tmp_path, "orders.yaml", contract_text())), dry_run=True)
    assert "dry run" in out
    assert not DataProduct.objects.exists() and not Domain.objects.exists()


def test_a_version_kept_as_draft_counts_as_stored_unless_strict(tmp_path):
    blocked = write(tmp_path, "blocked.yaml", contract_text(classification="top-secret"))
    out, _ = run("import_contracts", str(blocked))
    version = ProductVersion.objects.get()
    assert version.status == VersionStatus.DRAFT
    assert "data_classification" in out
    assert DataProduct.objects.get().current_version is None
    with pytest.raises(CommandError, match="strict"):
        run(
            "import_contracts",
            str(write(tmp_path, "blocked2.yaml", contract_text(classification="secret", version="1.0.1"))),
            strict=True,
        )


def test_a_fixed_draft_replaces_the_draft_under_the_same_version_and_publishes(tmp_path):
    run("import_contracts", str(write(tmp_path, "v1.yaml", contract_text())))
    run(
        "import_contracts",
        str(write(tmp_path, "v2bad.yaml", contract_text(version="1.1.0", classification="nope"))),
    )
    product = DataProduct.objects.get()
    assert product.current_version.version == "1.0.0"
    draft = product.versions.get(version="1.1.0")
    assert draft.status == VersionStatus.DRAFT and draft.violations
    run("import_contracts", str(write(tmp_path, "v2good.yaml", contract_text(version="1.1.0"))))
    product.refresh_from_db()
    assert product.current_version.version == "1.1.0"
    assert product.versions.count() == 2
    assert product.versions.get(version="1.1.0").status == VersionStatus.PUBLISHED


def test_export_names_a_version_else_current_else_newest_draft(tmp_path):
    run("import_contracts", str(write(tmp_path, "draft.yaml", contract_text(classification="nope"))))
    assert "classification: nope" in export("sales/orders")
    run("import_contracts", str(write(tmp_path, "v11.yaml", contract_text(version="1.1.0"))))
    assert "version: 1.1.0" in export("sales/orders")
    assert "classification: nope" in export("sales/orders@1.0.0")
    with pytest.raises(CommandError, match="no such"):
        export("sales/orders@9.9.9")


def test_import_writes_fields_checks_alerts_and_access_rules(tmp_path):
    run("import_contracts", str(write(tmp_path, "orders.yaml", contract_text())))
    version = DataProduct.objects.get().current_version
    assert list(version.fields.values_list("name", flat=True)) == ["order_id", "total_amount"]
    assert version.quality_checks.get().name == "no_negative_amounts"
    assert version.alert_rules.count() == 4
    assert set(version.access_rules.values_list("mode", "principal_kind", "principal")) == {
        ("read", "role", "analyst"),
        ("write", "domain", "sales"),
    }
    assert version.sla.availability == 99.9 and version.sla.completeness_min == 99.5
    assert SchemaField.objects.get(name="order_id").is_primary_key


def test_document_to_yaml_is_what_export_prints(tmp_path):
    run("import_contracts", str(write(tmp_path, "orders.yaml", contract_text())))
    assert export("sales/orders") == document_to_yaml(ProductVersion.objects.get().document)
