"""Breaking schema changes: detection (governance.breaking) and the breaking_changes rule."""

import datetime as dt

import pytest

from governance.breaking import SchemaChange, breaking_changes, schema_changes

from .builders import add_field, contract, next_version, policy_params, with_field, without_field
from .helpers import found

TODAY = dt.date(2024, 3, 1)


def constrained(*constraints):
    return [{"type": c} if isinstance(c, str) else c for c in constraints]


def c_min(v):
    return {"type": "min", "value": v}


def c_max(v):
    return {"type": "max", "value": v}


def c_in(*values):
    return {"type": "in", "value": list(values)}


def c_pattern(p):
    return {"type": "pattern", "value": p}


def c_min_length(v):
    return {"type": "min_length", "value": v}


def c_max_length(v):
    return {"type": "max_length", "value": v}


def field_change(name, **attrs):
    """A change to one existing field of the base contract."""
    return lambda c: with_field(c, name, **attrs)


def schema_change(key, value):
    def apply(c):
        c["schema"][key] = value
        return c

    return apply


STATUS_IN = c_in("pending", "completed", "cancelled", "refunded")

BREAKING, COMPATIBLE = True, False
fc = field_change
# (id, constraints to start from (else the base contract's), change to the new contract, kind, breaking)
# fmt: off
CHANGES = [
    # Fields.
    ("field removed", None, lambda c: without_field(c, "customer_segment"), "field_removed", BREAKING),
    ("field added", None, lambda c: add_field(c, "channel"), "field_added", COMPATIBLE),
    ("required field added", None, lambda c: add_field(c, "channel", constraints=["not_null"]), "field_added", COMPATIBLE),
    ("type changed", None, fc("product_count", type="bigint"), "type_changed", BREAKING),
    ("decimal precision changed", None, fc("total_amount", type="decimal(14,2)"), "type_changed", BREAKING),
    ("type case and spacing only", None, fc("total_amount", type="DECIMAL(12, 2)"), None, COMPATIBLE),
    ("description changed", None, fc("status", description="Lifecycle status"), "description_changed", COMPATIBLE),
    ("primary key marked", None, fc("customer_id", is_primary_key=True), "primary_key_added", COMPATIBLE),
    ("pii marked", None, fc("customer_id", is_pii=True, pii_category="id"), "pii_marked", COMPATIBLE),
    # not_null and unique.
    ("nullable becomes required", None, fc("customer_segment", constraints=["not_null"]), "not_null_added", BREAKING),
    ("required becomes nullable", None, fc("customer_id", constraints=[]), "not_null_removed", COMPATIBLE),
    ("unique added", None, fc("customer_id", constraints=["not_null", "unique"]), "unique_added", BREAKING),
    ("unique removed", None, fc("order_id", constraints=["not_null"]), "unique_removed", COMPATIBLE),
    # Ranges.
    ("min added", None, fc("product_count", constraints=[c_min(0)]), "min_added", BREAKING),
    ("min raised", None, fc("total_amount", constraints=["not_null", c_min(1)]), "min_raised", BREAKING),
    ("min lowered", None, fc("total_amount", constraints=["not_null", c_min(-10)]), "min_lowered", COMPATIBLE),
    ("min removed", None, fc("total_amount", constraints=["not_null"]), "min_removed", COMPATIBLE),
    ("max added", None, fc("product_count", constraints=[c_max(100)]), "max_added", BREAKING),
    ("max lowered", {"product_count": [c_max(100)]}, fc("product_count", constraints=[c_max(50)]), "max_lowered", BREAKING),
    ("max raised", {"product_count": [c_max(100)]}, fc("product_count", constraints=[c_max(500)]), "max_raised", COMPATIBLE),
    ("max removed", {"product_count": [c_max(100)]}, fc("product_count", constraints=[]), "max_removed", COMPATIBLE),
    ("range narrowed", {"product_count": [c_min(0), c_max(100)]}, fc("product_count", constraints=[c_min(1), c_max(100)]), "min_raised", BREAKING),
    ("range widened", {"product_count": [c_min(1), c_max(100)]}, fc("product_count", constraints=[c_min(0), c_max(1000)]), "min_lowered", COMPATIBLE),
    ("strictest of two mins unchanged", {"product_count": [c_min(0), c_min(5)]}, fc("product_count", constraints=[c_min(5)]), None, COMPATIBLE),
    # Lengths.
    ("min_length added", None, fc("status", constraints=[STATUS_IN, c_min_length(3)]), "min_length_added", BREAKING),
    ("min_length raised", {"status": [c_min_length(1)]}, fc("status", constraints=[c_min_length(2)]), "min_length_raised", BREAKING),
    ("min_length lowered", {"status": [c_min_length(3)]}, fc("status", constraints=[c_min_length(1)]), "min_length_lowered", COMPATIBLE),
    ("max_length lowered", {"status": [c_max_length(20)]}, fc("status", constraints=[c_max_length(10)]), "max_length_lowered", BREAKING),
    ("max_length raised", {"status": [c_max_length(10)]}, fc("status", constraints=[c_max_length(20)]), "max_length_raised", COMPATIBLE),
    ("max_length removed", {"status": [c_max_length(10)]}, fc("status", constraints=[]), "max_length_removed", COMPATIBLE),
    # Patterns.
    ("pattern added", None, fc("order_id", constraints=["unique", "not_null", c_pattern("^ORD-")]), "pattern_added", BREAKING),
    ("pattern changed", {"order_id": [c_pattern("^ORD-")]}, fc("order_id", constraints=[c_pattern("^O-")]), "pattern_changed", BREAKING),
    ("pattern removed", {"order_id": [c_pattern("^ORD-")]}, fc("order_id", constraints=[]), "pattern_removed", COMPATIBLE),
    # Allowed values.
    ("allowed value removed", None, fc("status", constraints=[c_in("pending", "completed", "cancelled")]), "in_value_removed", BREAKING),
    ("allowed value added", None, fc("status", constraints=[c_in("pending", "completed", "cancelled", "refunded", "on_hold")]), "in_value_added", COMPATIBLE),
    ("allowed values reordered", None, fc("status", constraints=[c_in("refunded", "cancelled", "completed", "pending")]), None, COMPATIBLE),
    ("allowed values constraint added", None, fc("customer_segment", constraints=[c_in("gold", "silver")]), "in_added", BREAKING),
    ("allowed values constraint removed", None, fc("status", constraints=[]), "in_removed", COMPATIBLE),
    # Where the data is.
    ("location changed", None, schema_change("location", "s3://data-products/sales/orders_v3/"), "location_changed", BREAKING),
    ("table changed", None, schema_change("table", "orders_v3"), "table_changed", BREAKING),
    ("format changed", None, schema_change("type", "csv"), "format_changed", BREAKING),
    ("partitioning changed", None, schema_change("partitioned_by", ["order_date", "status"]), "partitioning_changed", COMPATIBLE),
    # Outside the schema.
    ("description of the product changed", None, lambda c: c | {"description": "New words"}, None, COMPATIBLE),
    ("sla changed", None, lambda c: c | {"sla": c["sla"] | {"availability": 99.0}}, None, COMPATIBLE),
]
# fmt: on


@pytest.mark.parametrize(
    ("start", "change", "kind", "breaking"), [c[1:] for c in CHANGES], ids=[c[0] for c in CHANGES]
)
def test_schema_change_is_classified(start, change, kind, breaking):
    old = contract()
    for name, constraints in (start or {}).items():
        with_field(old, name, constraints=constraints)
    new = change(next_version(old, "9.0.0"))

    changes = schema_changes(old, new)

    if kind is None:
        assert changes == []
    else:
        assert kind in [c.kind for c in changes]
    assert bool(breaking_changes(old, new)) is breaking


def test_there_are_at_least_thirty_classified_changes():
    assert len(CHANGES) >= 30
    assert {b for *_, b in CHANGES} == {True, False}


def test_schema_changes_name_the_field_and_say_what_changed():
    old = contract()
    new = with_field(contract(), "total_amount", constraints=["not_null", c_min(5)])
    assert schema_changes(old, new) == [SchemaChange("min_raised", "total_amount", True, "min 0 -> 5")]
    assert schema_changes(old, new)[0].as_dict() == {
        "kind": "min_raised",
        "field": "total_amount",
        "breaking": True,
        "detail": "min 0 -> 5",
    }


def test_a_renamed_field_is_a_removal_and_an_addition():
    new = with_field(contract(), "customer_segment", name="segment")
    assert [(c.kind, c.field, c.breaking) for c in schema_changes(contract(), new)] == [
        ("field_removed", "customer_segment", True),
        ("field_added", "segment", False),
    ]


def test_a_removed_schema_removes_every_field():
    changes = schema_changes(contract(), contract(schema=None))
    assert {c.kind for c in changes} == {"field_removed"} and len(changes) == 7


def test_identical_contracts_have_no_changes():
    assert schema_changes(contract(), contract()) == []


# --- The rule ---------------------------------------------------------------------------------


def breaking_release(
    version="3.0.0", *, sunset=TODAY + dt.timedelta(days=30), guide="Use status_v2.", flagged=True
):
    """The base contract (as 2.1.0) with a removed field, released as `version`."""
    new = next_version(contract(), version, breaking=flagged)
    without_field(new, "customer_segment")
    new["deprecation"] = {
        "notice_date": TODAY.isoformat(),
        "sunset_date": sunset.isoformat() if sunset else None,
        "migration_guide": guide,
    }
    return new


def rule(new, previous=None, **kwargs):
    return found(new, previous=contract() if previous is None else previous, today=TODAY, **kwargs)


def test_breaking_changes_done_right_pass():
    assert rule(breaking_release()) == []


def test_breaking_changes_a_first_version_is_not_checked():
    assert (
        found(breaking_release("2.2.0", sunset=None, guide=None, flagged=False), previous=None, today=TODAY)
        == []
    )


def test_breaking_changes_a_compatible_release_passes():
    assert rule(add_field(next_version(contract(), "2.2.0"), "channel")) == []


def test_breaking_changes_without_major_increment_is_an_error():
    assert rule(breaking_release("2.2.0")) == [("breaking_changes", "error", "version")]


def test_breaking_changes_a_major_prerelease_is_a_major_increment():
    assert rule(breaking_release("3.0.0-beta.1")) == []


def test_breaking_changes_without_deprecation_is_an_error():
    new = breaking_release()
    new["deprecation"] = None
    assert rule(new) == [("breaking_changes", "error", "deprecation")]


def test_breaking_changes_sunset_less_than_30_days_after_publication_is_an_error():
    new = breaking_release(sunset=TODAY + dt.timedelta(days=29))
    assert rule(new) == [("breaking_changes", "error", "deprecation.sunset_date")]


def test_breaking_changes_sunset_missing_is_an_error():
    assert rule(breaking_release(sunset=None)) == [("breaking_changes", "error", "deprecation.sunset_date")]


def test_breaking_changes_without_migration_guide_is_an_error():
    assert rule(breaking_release(guide="  ")) == [
        ("breaking_changes", "error", "deprecation.migration_guide")
    ]


def test_breaking_changes_not_flagged_in_the_changelog_is_an_error():
    assert rule(breaking_release(flagged=False)) == [("breaking_changes", "error", "changelog")]


def test_breaking_changes_without_a_changelog_entry_is_an_error():
    new = breaking_release()
    new["changelog"] = new["changelog"][1:]
    assert rule(new) == [("breaking_changes", "error", "changelog")]


def test_breaking_changes_flagged_but_none_detected_is_an_error():
    new = add_field(next_version(contract(), "3.0.0", breaking=True), "channel")
    assert rule(new) == [("breaking_changes", "error", "changelog")]


def test_breaking_changes_everything_missing_reports_each():
    new = next_version(contract(), "2.2.0")
    without_field(new, "customer_segment")
    assert rule(new) == [
        ("breaking_changes", "error", "version"),
        ("breaking_changes", "error", "deprecation"),
        ("breaking_changes", "error", "changelog"),
    ]


def test_breaking_changes_notice_period_comes_from_the_policy_file():
    params = policy_params(
        """
        governance:
          automated_policies:
            - name: breaking_changes
              check: |
                - Major version increment
                - 60-day deprecation notice
                - Migration guide
        """
    )
    assert rule(breaking_release(sunset=TODAY + dt.timedelta(days=45)), params=params) == [
        ("breaking_changes", "error", "deprecation.sunset_date")
    ]
    assert rule(breaking_release(sunset=TODAY + dt.timedelta(days=60)), params=params) == []
