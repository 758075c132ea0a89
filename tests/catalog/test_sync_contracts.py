"""sync_contracts DIR: the folder's products match it; a second run changes nothing; products
from elsewhere are never touched; bad files leave nothing half-written."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from access.models import AuditEvent
from catalog.models import DataProduct, ProductVersion, VersionStatus
from catalog.sync import sync_source
from tests.factories import contract_text, publish_ok

pytestmark = pytest.mark.django_db


def write(folder, filename: str, **overrides):
    folder.mkdir(exist_ok=True)
    (folder / filename).write_text(contract_text(**{"sla.quality_checks": [], **overrides}))


def sync(folder, *args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("sync_contracts", str(folder), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def sync_fails(folder, *args) -> tuple[str, str, str]:
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("sync_contracts", str(folder), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue(), str(failure.value)


def snapshot() -> tuple:
    return (
        sorted(ProductVersion.objects.values_list("product__name", "version", "status", "updated_at")),
        sorted(DataProduct.objects.values_list("name", "source", "current_version__version", "updated_at")),
        AuditEvent.objects.count(),
    )


@pytest.fixture
def folder(tmp_path):
    folder = tmp_path / "contracts"
    write(folder, "orders.yaml", name="orders")
    write(folder, "customers.yaml", name="customers")
    return folder


def test_first_run_imports_and_a_second_run_changes_nothing(folder):
    out, _ = sync(folder)
    assert "create     sales/customers@1.0.0 (customers.yaml)" in out
    assert "create     sales/orders@1.0.0 (orders.yaml)" in out
    assert "2 create; 0 kept as draft" in out
    products = DataProduct.objects.filter(source=sync_source(folder))
    assert sorted(p.name for p in products) == ["customers", "orders"]
    assert all(p.current_version.status == VersionStatus.PUBLISHED for p in products)
    before = snapshot()

    out, _ = sync(folder)

    assert "unchanged  sales/orders@1.0.0 (orders.yaml)" in out
    assert "2 unchanged; 0 kept as draft" in out
    assert snapshot() == before


def test_products_from_elsewhere_are_never_touched(folder, tmp_path):
    publish_ok(name="invoices")  # uploaded, not synced
    other = tmp_path / "other"
    write(other, "ledger.yaml", name="ledger")
    sync(other)
    sync(folder)
    before = snapshot()
    (folder / "orders.yaml").unlink()  # only the folder's own products can be deprecated

    out, _ = sync(folder)

    assert "deprecate  sales/orders@1.0.0: its file was removed" in out
    assert "invoices" not in out and "ledger" not in out
    assert DataProduct.objects.get(name="ledger").current_version.status == VersionStatus.PUBLISHED
    assert DataProduct.objects.get(name="invoices").current_version.status == VersionStatus.PUBLISHED
    assert snapshot()[2] == before[2] + 1  # one audit row: the deprecation


def test_a_file_for_a_product_from_another_source_blocks_the_sync_and_writes_nothing(folder):
    publish_ok(name="orders")  # uploaded: sync must not take it over
    before = snapshot()

    _, err, message = sync_fails(folder)

    assert "conflict   sales/orders@1.0.0 (orders.yaml): sales/orders comes from an import" in err
    assert "nothing was changed" in message
    assert snapshot() == before
    assert not DataProduct.objects.filter(name="customers").exists()


def test_a_changed_file_is_versioned_through_the_gate(folder):
    sync(folder)
    write(folder, "orders.yaml", name="orders", version="1.1.0", description="Orders, now with more.")

    out, _ = sync(folder)

    assert "update     sales/orders@1.1.0 (orders.yaml): new version" in out
    assert "unchanged  sales/customers@1.0.0" in out
    orders = DataProduct.objects.get(name="orders")
    assert orders.current_version.version == "1.1.0" and orders.description == "Orders, now with more."
    assert sorted(orders.versions.values_list("version", flat=True)) == ["1.0.0", "1.1.0"]
    before = snapshot()
    sync(folder)
    assert snapshot() == before


def test_a_published_contract_changed_without_a_new_version_is_refused_and_nothing_is_written(folder):
    sync(folder)
    write(folder, "orders.yaml", name="orders", description="Edited in place.")
    write(folder, "payments.yaml", name="payments")
    before = snapshot()

    _, err, message = sync_fails(folder)

    assert "refused    sales/orders@1.0.0 (orders.yaml): version 1.0.0 is published" in err
    assert "nothing was changed" in message
    assert snapshot() == before


def test_a_removed_file_deprecates_its_product_which_is_kept(folder):
    sync(folder)
    (folder / "customers.yaml").unlink()

    out, _ = sync(folder)

    assert "deprecate  sales/customers@1.0.0: its file was removed" in out
    customers = DataProduct.objects.get(name="customers")
    assert customers.current_version.status == VersionStatus.DEPRECATED
    event = AuditEvent.objects.get(action="version.deprecated")
    assert event.product == customers and "removed" in event.details["reason"]
    before = snapshot()
    out, _ = sync(folder)
    assert "unchanged  sales/customers@1.0.0: removed from the folder; already deprecated" in out
    assert snapshot() == before


def test_a_file_that_fails_the_gate_is_kept_whole_as_a_draft_with_a_clear_error(folder):
    write(folder, "draft.yaml", name="unclassified", classification=None)

    out, err, message = sync_fails(folder)

    assert "draft.yaml: kept sales/unclassified@1.0.0 as a draft" in err
    assert "data_classification" in err
    assert "1 contract(s) are drafts" in message
    draft = ProductVersion.objects.get(product__name="unclassified")
    assert draft.status == VersionStatus.DRAFT and draft.fields.count() == 2 and draft.sla is not None
    assert DataProduct.objects.filter(source=sync_source(folder)).count() == 3  # the others were imported
    before = snapshot()
    _, _, message = sync_fails(folder)  # still red, but nothing changes
    assert "1 contract(s) are drafts" in message
    assert snapshot() == before


def test_a_malformed_file_stops_the_sync_before_anything_is_written(folder):
    (folder / "broken.yaml").write_text("name: broken\nversion: [1.0\n")
    write(folder, "bad_field.yaml", name="bad", **{"schema.fields": [{"name": "x"}]})

    _, err, message = sync_fails(folder)

    assert "invalid    broken.yaml: 1 format error(s)" in err
    assert "broken.yaml:3:1: YAML syntax error" in err  # file, line, column
    assert "bad_field.yaml" in err and "schema.fields[0].type" in err
    assert "nothing was changed" in message
    assert not DataProduct.objects.exists()


def test_two_files_for_one_product_block_the_sync(folder):
    write(folder, "orders_copy.yml", name="orders")
    _, err, _ = sync_fails(folder)
    assert "sales/orders is also defined by orders.yaml" in err
    assert not DataProduct.objects.exists()


def test_dry_run_prints_the_plan_and_writes_nothing(folder):
    write(folder, "draft.yaml", name="unclassified", classification=None)

    out, err, message = sync_fails(folder, "--dry-run")

    assert out.startswith("dry run: plan for ")
    assert "create     sales/orders@1.0.0" in out
    assert "data_classification" in err
    assert not DataProduct.objects.exists() and not AuditEvent.objects.exists()


def test_a_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="no such folder"):
        call_command("sync_contracts", str(tmp_path / "nope"))


def test_the_plan_reads_a_constant_number_of_queries(folder, django_assert_max_num_queries, tmp_path):
    from catalog.sync import sync_plan

    sync(folder)
    for i in range(10):
        write(folder, f"more{i}.yaml", name=f"more{i}")
    with django_assert_max_num_queries(3):
        plan = sync_plan(folder=folder)
    assert len(plan.items) == 12


def test_input_ports_link_to_upstream_products_of_the_same_folder_whatever_the_file_order(tmp_path):
    folder = tmp_path / "lineage"
    write(
        folder,
        "a_report.yaml",
        name="report",
        input_ports=[{"product": "sales/zz_source", "table": "zz_source"}],
    )
    write(folder, "b_source.yaml", name="zz_source")

    out, _ = sync(folder)

    assert "not in the catalog yet" not in out  # the batch's own products are not warned about
    report = DataProduct.objects.get(name="report")
    port = report.current_version.input_ports.get()
    assert port.upstream == DataProduct.objects.get(name="zz_source")


def test_a_product_created_elsewhere_between_plan_and_apply_undoes_the_whole_sync(folder):
    from catalog.sync import SyncBlocked, sync_apply, sync_plan

    plan = sync_plan(folder=folder)
    publish_ok(name="orders")  # an upload lands after the plan was made
    before = snapshot()

    with pytest.raises(SyncBlocked):
        sync_apply(plan=plan)

    assert snapshot() == before
    assert DataProduct.objects.get(name="orders").source == ""
    assert not DataProduct.objects.filter(name="customers").exists()
