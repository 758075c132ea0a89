"""The engine: every rule, in a stable order, a publish gate, and fast enough for 100,000 products.

None of these tests may touch the database (no django_db mark): the engine is pure.
"""

import datetime as dt
import time

import pytest

from governance.engine import evaluate_contract, is_publishable, policies_evaluated
from governance.policies import PolicyParams
from governance.rules import PRE_PUBLISH_RULES, Violation

from .builders import add_field, contract, next_version, seed_contract, with_field, without_field
from .helpers import SEED_PARAMS, found

TODAY = dt.date(2024, 3, 1)


def test_a_compliant_contract_has_no_violations_with_or_without_policies():
    assert evaluate_contract(contract(), params=SEED_PARAMS) == []
    assert evaluate_contract(contract(), params=None) == []
    assert evaluate_contract(contract(), params=PolicyParams.empty()) == []


def test_the_seed_contract_under_the_seed_policies():
    assert found(seed_contract()) == [
        ("data_classification", "error", "classification"),
        ("data_retention", "error", "retention_days"),
        ("domain_data_quality", "warning", "sla.quality_checks"),
        ("observability_requirements", "warning", "observability.metrics"),
        ("observability_requirements", "warning", "observability.alerts"),
        ("schema_validation", "warning", "schema.fields"),
    ]
    assert not is_publishable(evaluate_contract(seed_contract(), params=SEED_PARAMS))


def test_violations_are_sorted_critical_first_then_by_policy():
    c = add_field(contract(classification="public", retention_days=None), "customer_email", is_pii=True)
    with_field(c, "status", description=None)
    c = add_field(c, "customer_ssn")
    result = found(c)
    assert result == [
        ("pii_handling", "critical", "encryption_enabled"),
        ("pii_handling", "critical", "audit_logging_enabled"),
        ("data_retention", "error", "retention_days"),
        ("default_access", "error", "classification"),
        ("pii_handling", "error", "customer_email"),
        ("schema_validation", "warning", "status"),
        ("approval_required", "info", "customer_ssn"),
    ]


def test_field_level_violations_keep_schema_order_within_a_policy():
    c = contract()
    for name in ("product_count", "order_id", "status"):
        with_field(c, name, description="")
    assert [v[2] for v in found(c)] == ["order_id", "status", "product_count"]


def test_violation_as_dict():
    v = Violation("data_retention", "error", "No retention.", "retention_days", "Add retention_days.")
    assert v.as_dict() == {
        "policy": "data_retention",
        "severity": "error",
        "message": "No retention.",
        "field": "retention_days",
        "fix": "Add retention_days.",
    }
    assert v.blocks_publishing


@pytest.mark.parametrize(
    ("severities", "publishable"),
    [
        ([], True),
        (["info"], True),
        (["warning", "info", "warning"], True),
        (["warning", "error"], False),
        (["critical"], False),
    ],
)
def test_is_publishable_blocks_on_error_or_critical(severities, publishable):
    violations = [Violation("p", s, "m") for s in severities]
    assert is_publishable(violations) is publishable
    assert is_publishable([v.as_dict() for v in violations]) is publishable


def test_warnings_publish():
    c = with_field(contract(), "order_id", is_primary_key=False)
    violations = evaluate_contract(c, params=SEED_PARAMS)
    assert [v.severity for v in violations] == ["warning"]
    assert is_publishable(violations)


def test_policies_evaluated_without_a_policy_file_are_the_seed_engines():
    assert policies_evaluated(contract(), params=None) == [
        "data_classification",
        "pii_handling",
        "schema_validation",
        "quality_gates",
        "data_retention",
    ]


def test_policies_evaluated_follow_the_domain_and_the_previous_version():
    sales = policies_evaluated(contract(), params=SEED_PARAMS, previous=contract())
    finance = policies_evaluated(contract(domain="finance"), params=SEED_PARAMS)
    assert "domain_pii_fields" in sales and "breaking_changes" in sales and "sox_compliance" not in sales
    assert {"sox_compliance", "audit_all_access", "default_access"} <= set(finance)
    assert "domain_pii_fields" not in finance and "breaking_changes" not in finance


def test_every_rule_has_a_policy_name():
    assert all(rule.policy and rule.check for rule in PRE_PUBLISH_RULES)


def test_breaking_changes_use_today_when_no_date_is_given():
    new = next_version(contract(), "3.0.0", breaking=True)
    without_field(new, "customer_segment")
    sunset = dt.date.today() + dt.timedelta(days=30)
    new["deprecation"] = {
        "notice_date": None,
        "sunset_date": sunset.isoformat(),
        "migration_guide": "Drop it.",
    }
    assert evaluate_contract(new, params=SEED_PARAMS, previous=contract()) == []


def test_evaluating_a_contract_takes_well_under_a_millisecond():
    c, previous = contract(), contract()
    new = add_field(next_version(c, "2.2.0"), "channel")
    evaluate_contract(new, params=SEED_PARAMS, previous=previous, today=TODAY)  # warm up
    runs = 1000
    started = time.perf_counter()
    for _ in range(runs):
        evaluate_contract(new, params=SEED_PARAMS, previous=previous, today=TODAY)
    per_contract = (time.perf_counter() - started) / runs
    # ~0.15 ms on a laptop; the bound leaves room for slow CI machines.
    assert per_contract < 0.001


def test_the_engine_does_not_change_the_contract():
    c = seed_contract()
    evaluate_contract(c, params=SEED_PARAMS, previous=seed_contract(), today=TODAY)
    assert c == seed_contract()
