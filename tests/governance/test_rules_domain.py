"""Rules from a domain's policies in the policy file (the seed file's sales and finance)."""

import pytest

from .builders import add_field, check, contract, policy_params, with_field
from .helpers import found, messages


def sales(**overrides):
    return contract(**overrides)


def test_a_compliant_sales_product_has_no_domain_violations():
    assert found(sales()) == []


def test_a_domain_without_policies_has_no_domain_violations():
    assert (
        found(contract(domain="marketing", classification="public", sla__completeness__min_threshold=1)) == []
    )


# --- domain_data_quality ----------------------------------------------------------------------


def test_domain_data_quality_completeness_weaker_than_the_domains_is_an_error():
    c = sales(sla__completeness__min_threshold=98.5)
    assert found(c) == [("domain_data_quality", "error", "sla.completeness.min_threshold")]
    assert messages(c) == [
        "The SLA declares completeness 98.5%, weaker than the sales domain's completeness >= 99%."
    ]


@pytest.mark.parametrize("declared", [99.0, 99.5, 100.0])
def test_domain_data_quality_completeness_at_or_above_the_domains_passes(declared):
    assert found(sales(sla__completeness__min_threshold=declared)) == []


def test_domain_data_quality_freshness_weaker_than_the_domains_is_an_error():
    assert found(sales(sla__freshness__max_age_hours=36)) == [
        ("domain_data_quality", "error", "sla.freshness.max_age_hours")
    ]


@pytest.mark.parametrize("declared", [24, 12, 0.5])
def test_domain_data_quality_freshness_at_or_below_the_domains_passes(declared):
    assert found(sales(sla__freshness__max_age_hours=declared)) == []


def test_domain_data_quality_undeclared_completeness_is_a_warning():
    # A check named after completeness keeps the seed quality gate quiet; the SLA still declares none.
    c = sales(sla__completeness=None)
    c["sla"]["quality_checks"].append(check("order_completeness"))
    assert found(c) == [("domain_data_quality", "warning", "sla.completeness.min_threshold")]


def test_domain_data_quality_undeclared_freshness_is_a_warning():
    c = sales(sla__freshness=None)
    c["sla"]["quality_checks"].append(check("freshness"))
    assert found(c) == [("domain_data_quality", "warning", "sla.freshness.max_age_hours")]


def test_domain_data_quality_accuracy_cannot_be_declared_so_is_a_warning():
    c = sales()
    c["sla"]["quality_checks"] = [q for q in c["sla"]["quality_checks"] if q["name"] != "amount_accuracy"]
    assert found(c) == [("domain_data_quality", "warning", "sla.quality_checks")]
    assert "accuracy >= 99.5%" in messages(c)[0]


def test_domain_data_quality_accuracy_is_met_by_a_check_named_after_it():
    assert found(sales()) == []  # the base contract has `amount_accuracy`


def test_domain_data_quality_finance_is_stricter():
    params = policy_params(
        """
        governance:
          domain_policies:
            finance:
              data_quality:
                - completeness: ">= 99.9%"
                - freshness: "<= 1 hour"
        """
    )
    c = contract(domain="finance")
    assert found(c, params=params) == [
        ("domain_data_quality", "error", "sla.completeness.min_threshold"),
        ("domain_data_quality", "error", "sla.freshness.max_age_hours"),
    ]
    assert (
        found(
            contract(
                domain="finance", sla__completeness__min_threshold=99.95, sla__freshness__max_age_hours=1
            ),
            params=params,
        )
        == []
    )


def test_domain_data_quality_converts_minutes_to_hours():
    params = policy_params(
        """
        governance:
          domain_policies:
            sales:
              data_quality:
                - freshness: "<= 90 minutes"
        """
    )
    assert found(sales(sla__freshness__max_age_hours=2), params=params) == [
        ("domain_data_quality", "error", "sla.freshness.max_age_hours")
    ]
    assert found(sales(sla__freshness__max_age_hours=1.5), params=params) == []


def test_domain_data_quality_availability_compares_with_the_sla():
    params = policy_params(
        """
        governance:
          domain_policies:
            sales:
              data_quality:
                - availability: ">= 99.95%"
        """
    )
    assert found(sales(sla__availability=99.9), params=params) == [
        ("domain_data_quality", "error", "sla.availability")
    ]
    assert found(sales(sla__availability=99.99), params=params) == []


# --- default_access ---------------------------------------------------------------------------


def test_default_access_classification_less_strict_than_the_domains_is_an_error():
    c = sales(classification="public")
    assert found(c) == [("default_access", "error", "classification")]
    assert messages(c) == [
        "Classification public is less strict than the sales domain's default access, internal."
    ]


@pytest.mark.parametrize("classification", ["internal", "confidential", "restricted"])
def test_default_access_as_strict_or_stricter_passes(classification):
    assert found(sales(classification=classification)) == []


def test_default_access_leaves_a_missing_classification_to_data_classification():
    assert found(sales(classification=None)) == [("data_classification", "error", "classification")]


# --- domain_pii_fields ------------------------------------------------------------------------


def test_domain_pii_fields_present_but_not_marked_is_critical():
    c = add_field(sales(), "customer_email", description="Email")
    assert found(c) == [("domain_pii_fields", "critical", "customer_email")]


def test_domain_pii_fields_marked_pii_passes():
    c = add_field(sales(encryption_enabled=True, audit_logging_enabled=True), "customer_phone")
    with_field(c, "customer_phone", is_pii=True, pii_category="phone")
    assert found(c) == []


def test_domain_pii_fields_only_apply_in_their_domain():
    c = add_field(contract(domain="marketing", classification="public"), "customer_email")
    assert found(c) == []


# --- approval_required ------------------------------------------------------------------------


def test_approval_required_field_present_is_info():
    c = add_field(sales(), "customer_ssn")
    assert found(c) == [("approval_required", "info", "customer_ssn")]


def test_approval_required_field_absent_says_nothing():
    assert found(sales()) == []


# --- sox_compliance and audit_all_access -------------------------------------------------------

FLAGS = """
governance:
  domain_policies:
    finance:
      access_control:
        - sox_compliance: {sox}
        - audit_all_access: {audit}
"""


def test_sox_compliance_true_is_info():
    params = policy_params(FLAGS.format(sox="true", audit="false"))
    assert found(contract(domain="finance"), params=params) == [("sox_compliance", "info", None)]


def test_sox_compliance_false_says_nothing():
    params = policy_params(FLAGS.format(sox="false", audit="false"))
    assert found(contract(domain="finance"), params=params) == []


def test_audit_all_access_true_is_info():
    params = policy_params(FLAGS.format(sox="false", audit="true"))
    assert found(contract(domain="finance"), params=params) == [("audit_all_access", "info", None)]


def test_audit_all_access_false_says_nothing():
    params = policy_params(FLAGS.format(sox="false", audit="false"))
    assert found(contract(domain="finance"), params=params) == []
