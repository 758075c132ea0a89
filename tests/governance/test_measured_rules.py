"""Governance over measured results: evaluate_measured() on the latest run's summary."""

from pathlib import Path

from governance.engine import evaluate_measured
from governance.policies import parse_policy_file
from tests.governance.builders import contract

ROOT = Path(__file__).resolve().parents[2]
PARAMS = parse_policy_file((ROOT / "examples" / "governance_policy.yaml").read_text()).params()


def check(name, passed=True, severity="critical", kind="constraint", count=0.0, threshold=0.0):
    return {
        "name": name,
        "kind": kind,
        "passed": passed,
        "count": count,
        "threshold": threshold,
        "severity": severity,
    }


def summary(*checks, status="passed", error=""):
    return {"run_id": 7, "status": status, "finished_at": None, "error": error, "checks": list(checks)}


def test_a_product_never_checked_has_no_measured_violation():
    assert evaluate_measured(contract(), params=PARAMS, latest_run_summary=None) == []


def test_a_clean_run_has_no_violation():
    run = summary(
        *(check(f"c{i}") for i in range(20)), check("completeness", kind="completeness", count=100.0)
    )
    assert evaluate_measured(contract(), params=PARAMS, latest_run_summary=run) == []


def test_a_failed_critical_check_is_a_quality_gates_error():
    run = summary(
        check("order_id_unique", passed=False, count=2), *(check(f"c{i}") for i in range(30)), status="failed"
    )
    [violation] = evaluate_measured(contract(), params=PARAMS, latest_run_summary=run)
    assert (violation.policy, violation.severity) == ("quality_gates", "error")
    assert "order_id_unique" in violation.message


def test_more_than_five_percent_of_checks_failing_below_critical_is_a_warning():
    failing = [check(f"w{i}", passed=False, severity="warning") for i in range(2)]
    run = summary(*failing, *(check(f"c{i}") for i in range(18)), status="failed")  # 2 of 20 = 10 %
    [violation] = evaluate_measured(contract(), params=PARAMS, latest_run_summary=run)
    assert (violation.policy, violation.severity) == ("quality_gates", "warning")
    assert "10.0%" in violation.message


def test_exactly_five_percent_failing_below_critical_is_allowed():
    run = summary(check("w", passed=False, severity="warning"), *(check(f"c{i}") for i in range(19)))
    assert evaluate_measured(contract(), params=PARAMS, latest_run_summary=run) == []


def test_measured_completeness_and_freshness_below_the_domains_thresholds_are_warnings():
    run = summary(
        check("completeness", kind="completeness", count=98.5, threshold=99.5, severity="error"),
        check("freshness", kind="freshness", count=30.0, threshold=36.0, severity="error"),
        *(check(f"c{i}") for i in range(98)),
    )
    violations = evaluate_measured(contract(domain="sales"), params=PARAMS, latest_run_summary=run)
    assert sorted((v.policy, v.severity, v.field) for v in violations) == [
        ("domain_data_quality", "warning", "sla.completeness.min_threshold"),
        ("domain_data_quality", "warning", "sla.freshness.max_age_hours"),
    ]
    assert any("Measured completeness is 98.5%" in v.message for v in violations)


def test_a_run_that_could_not_measure_anything_is_an_error():
    [violation] = evaluate_measured(
        contract(), params=PARAMS, latest_run_summary=summary(status="error", error="no data")
    )
    assert violation.severity == "error" and "no data" in violation.message
