"""The seed engine's rules (README "Governance engine"), each on a contract that breaks only it.

These rules run without a policy file, so most tests pass `params=None`; the base contract of
tests/governance/builders.py satisfies every rule.
"""

import pytest

from governance.rules import RuleContext
from governance.rules.seed import quality_checks_of, quality_gates

from .builders import add_field, check, contract, seed_contract, with_field
from .helpers import found, messages


def test_the_base_contract_satisfies_the_seed_engine():
    assert found(contract(), params=None) == []


# --- data_classification ------------------------------------------------------------------------


@pytest.mark.parametrize("value", [None, ""])
def test_data_classification_missing_is_an_error(value):
    assert found(contract(classification=value), params=None) == [
        ("data_classification", "error", "classification")
    ]


@pytest.mark.parametrize("value", ["secret", "Internal", "pii"])
def test_data_classification_outside_the_four_levels_is_an_error(value):
    c = contract(classification=value)
    assert found(c, params=None) == [("data_classification", "error", "classification")]
    assert repr(value) in messages(c, params=None)[0]


@pytest.mark.parametrize("value", ["public", "internal", "confidential", "restricted"])
def test_data_classification_any_of_the_four_levels_passes(value):
    assert found(contract(classification=value), params=None) == []


# --- pii_handling -----------------------------------------------------------------------------


def pii_contract(**overrides):
    c = contract(**({"encryption_enabled": True, "audit_logging_enabled": True} | overrides))
    return add_field(c, "customer_email", is_pii=True, pii_category="email")


def test_pii_handling_pii_with_encryption_audit_and_category_passes():
    assert found(pii_contract(), params=None) == []


def test_pii_handling_without_encryption_is_critical():
    c = pii_contract(encryption_enabled=False)
    assert found(c, params=None) == [("pii_handling", "critical", "encryption_enabled")]
    assert "customer_email" in messages(c, params=None)[0]


def test_pii_handling_without_audit_logging_is_critical():
    assert found(pii_contract(audit_logging_enabled=False), params=None) == [
        ("pii_handling", "critical", "audit_logging_enabled")
    ]


def test_pii_handling_each_pii_field_without_category_is_an_error_naming_it():
    c = add_field(pii_contract(), "customer_phone", is_pii=True, pii_category=None)
    with_field(c, "customer_email", pii_category="  ")
    assert found(c, params=None) == [
        ("pii_handling", "error", "customer_email"),
        ("pii_handling", "error", "customer_phone"),
    ]


def test_pii_handling_without_pii_fields_needs_no_encryption():
    assert found(contract(encryption_enabled=False, audit_logging_enabled=False), params=None) == []


# --- schema_validation ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "schema", [None, {"type": None, "location": None, "table": None, "partitioned_by": [], "fields": []}]
)
def test_schema_validation_without_schema_fields_is_an_error(schema):
    assert found(contract(schema=schema), params=None) == [("schema_validation", "error", "schema.fields")]


def test_schema_validation_without_primary_key_is_a_warning():
    c = with_field(contract(), "order_id", is_primary_key=False)
    assert found(c, params=None) == [("schema_validation", "warning", "schema.fields")]


@pytest.mark.parametrize("description", [None, "", "   "])
def test_schema_validation_field_without_description_is_a_warning_naming_it(description):
    c = with_field(contract(), "status", description=description)
    assert found(c, params=None) == [("schema_validation", "warning", "status")]


def test_schema_validation_complete_schema_passes():
    assert [p for p in found(contract(), params=None) if p[0] == "schema_validation"] == []


# --- quality_gates ----------------------------------------------------------------------------


def no_checks_contract():
    c = contract(sla__quality_checks=[], sla__completeness=None, sla__freshness=None)
    for f in c["schema"]["fields"]:
        f["constraints"] = []
    return c


def test_quality_gates_without_any_check_warns_and_names_the_missing():
    c = no_checks_contract()
    assert found(c, params=None) == [
        ("quality_gates", "warning", "sla.quality_checks"),
        ("quality_gates", "warning", "sla"),
    ]
    assert "completeness and freshness" in messages(c, params=None)[1]


def test_quality_gates_missing_freshness_is_a_warning_naming_it():
    c = contract(sla__freshness=None)
    assert found(c, params=None) == [("quality_gates", "warning", "sla")]
    assert messages(c, params=None) == ["Quality checks do not cover freshness."]


def test_quality_gates_missing_completeness_is_a_warning_naming_it():
    c = contract(sla__completeness=None)
    assert messages(c, params=None) == ["Quality checks do not cover completeness."]


def test_quality_gates_a_sql_check_named_after_freshness_counts():
    c = contract(sla__freshness=None)
    c["sla"]["quality_checks"].append(check("orders_freshness"))
    assert found(c, params=None) == []


def test_quality_gates_constraints_are_checks():
    c = contract(sla__quality_checks=[])
    assert found(c, params=None) == []
    assert "order_id.unique" in quality_checks_of(RuleContext(contract=c))


def test_quality_gates_seed_contract_passes_through_its_implied_checks():
    assert quality_gates(RuleContext(contract=seed_contract())) == []


# --- data_retention ---------------------------------------------------------------------------


def test_data_retention_missing_is_an_error():
    assert found(contract(retention_days=None), params=None) == [
        ("data_retention", "error", "retention_days")
    ]


@pytest.mark.parametrize("days", [30, 1095, 2555])
def test_data_retention_declared_passes(days):
    assert found(contract(retention_days=days), params=None) == []
