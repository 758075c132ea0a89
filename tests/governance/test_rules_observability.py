"""observability_requirements: the metrics and alerts the policy file requires."""

from .builders import alert, contract, metric, seed_contract
from .helpers import found, messages


def test_observability_requirements_met_pass():
    assert found(contract()) == []


def test_observability_requirements_missing_metric_is_a_warning_naming_it():
    c = contract()
    c["observability"]["metrics"] = [
        m for m in c["observability"]["metrics"] if m["name"] != "distinct_count"
    ]
    assert found(c) == [("observability_requirements", "warning", "observability.metrics")]
    assert messages(c) == ["The product does not publish the required metrics: distinct_count."]


def test_observability_requirements_null_rate_is_met_by_null_percentage_by_column_or_itself():
    c = contract()
    names = [m["name"] for m in c["observability"]["metrics"]]
    assert "null_percentage_by_column" in names and "null_rate" not in names
    assert found(c) == []
    c["observability"]["metrics"] = [
        metric("null_rate") if m["name"] == "null_percentage_by_column" else m
        for m in c["observability"]["metrics"]
    ]
    assert found(c) == []


def test_observability_requirements_missing_alert_is_a_warning_naming_it():
    c = contract()
    c["observability"]["alerts"] = [a for a in c["observability"]["alerts"] if a["type"] != "volume"]
    assert found(c) == [("observability_requirements", "warning", "observability.alerts")]
    assert messages(c) == ["The product has no alert for: volume_anomaly."]


def test_observability_requirements_alert_of_the_required_name_counts():
    c = contract()
    c["observability"]["alerts"] = [a for a in c["observability"]["alerts"] if a["type"] != "schema"]
    c["observability"]["alerts"].append(alert("schema_drift"))
    assert found(c) == []


def test_observability_requirements_of_the_seed_contract():
    # Its schema_drift *metric* is not a schema-drift alert.
    c = seed_contract()
    assert [v for v in found(c) if v[0] == "observability_requirements"] == [
        ("observability_requirements", "warning", "observability.metrics"),
        ("observability_requirements", "warning", "observability.alerts"),
    ]
    assert "distinct_count, value_distribution" in " ".join(messages(c))


def test_observability_requirements_without_a_policy_file_say_nothing():
    c = contract(observability={"metrics": [], "alerts": []})
    assert found(c, params=None) == []
