"""Property tests: ODCS and DCS files with any value in any place are read without an internal
error, every problem has a well-formed position, and every accepted product round-trips."""

import copy
import json
from pathlib import Path

import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from catalog.contracts import parse_contracts
from tests.catalog.test_contract_fuzz import assert_well_formed

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
DOCUMENTS = [
    json.loads(json.dumps(yaml.safe_load(path.read_text()), default=str))
    for path in sorted(FIXTURES.glob("odcs/*/*.odcs.yaml")) + sorted(FIXTURES.glob("dcs/*/datacontract.yaml"))
    if path.stat().st_size < 20_000  # the 192 KB AdventureWorks file is covered by the import tests
]
VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["", "x", "v3.1.0", "{object}", "99.9%", "0 2 * * *", "s3://b/k/", "decimal(3,1)"]),
    st.lists(st.sampled_from([None, 1, "a", {"name": "c"}]), max_size=3),
    st.dictionaries(
        st.sampled_from(["name", "type", "metric", "mustBe", "value"]), st.integers(0, 2), max_size=3
    ),
)
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _paths(node, here=()):
    yield here
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, here + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _paths(value, here + (i,))


@FUZZ
@given(st.data())
def test_any_value_anywhere_in_a_standard_file_is_read_without_internal_error(data):
    document = copy.deepcopy(data.draw(st.sampled_from(DOCUMENTS)))
    for _ in range(data.draw(st.integers(1, 4))):
        paths = [p for p in _paths(document) if p]
        path = data.draw(st.sampled_from(paths))
        target = document
        for part in path[:-1]:
            target = target[part]
        # a copy: sampled_from hands out the same dict each time, which could nest into itself
        target[path[-1]] = copy.deepcopy(data.draw(VALUES))
    domain = data.draw(st.sampled_from([None, "fuzz"]))
    for parsed in parse_contracts(yaml.safe_dump(document), filename="f.yaml", domain=domain):
        assert_well_formed(parsed)


TYPES = ["string", "integer", "bigint", "double", "boolean", "date", "timestamp", "decimal(10,2)", "STRING",
         "array<string>", "struct<a: string, b: array<integer>>"]  # fmt: skip
CONSTRAINTS = ["unique", "not_null", {"min": 0}, {"max": 100}, {"in": ["a", "b"]}, {"in": [1, 2]},
               {"pattern": "^x$"}, {"min_length": 1}, {"max_length": 9}]  # fmt: skip
FIELD = st.fixed_dictionaries(
    {
        "name": st.sampled_from(["a", "B", "order", "Year", "amount"]),
        "type": st.sampled_from(TYPES),
        "constraints": st.lists(st.sampled_from(CONSTRAINTS), max_size=4, unique_by=lambda c: str(c)[:5]),
    },
    optional={
        "is_pii": st.booleans(),
        "pii_category": st.just("email"),
        "is_primary_key": st.booleans(),
        "description": st.just("d"),
    },
)
OVERRIDES = st.fixed_dictionaries(
    {"schema.fields": st.lists(FIELD, min_size=1, max_size=4, unique_by=lambda f: f["name"].lower())},
    optional={
        "schema.location": st.sampled_from(["/data/x/", "file:///data/y.csv", "postgresql://warehouse/s.t"]),
        "schema.type": st.sampled_from([None, "csv", "table"]),
        "owner": st.just({"team": "t", "contact": "ask at the desk", "slack": "#c"}),
        "sla.availability": st.sampled_from([99, "99.0%", 99.95, "100"]),
        "sla.freshness": st.sampled_from(
            [{"max_age_hours": 1.5}, {"max_age_hours": 24, "update_schedule": "0 2 * * *"}]
        ),
        "retention_days": st.sampled_from([None, 1]),
        "sla.quality_checks": st.sampled_from(
            [None, [{"name": "q", "query": "SELECT COUNT(*) FROM orders"}]]
        ),
    },
)


@FUZZ
@given(OVERRIDES)
def test_any_portal_contract_exports_as_valid_odcs_and_reads_back_the_same(overrides):
    from catalog.contracts import parse_contract
    from catalog.contracts.standards import contract_to_odcs, validate_odcs
    from tests.factories import contract_text

    parsed = parse_contract(contract_text(**overrides))
    assume(parsed.ok)  # a combination the format refuses has nothing to export
    odcs = contract_to_odcs(parsed.document, parsed.contract)
    assert validate_odcs(odcs) == []
    # sort_keys: the import must not depend on the order of a mapping's keys
    (again,) = parse_contracts(yaml.safe_dump(odcs, sort_keys=True), filename="again.odcs.yaml")
    assert again.ok, [str(p) for p in again.errors]
    assert again.contract == parsed.contract
