"""Property tests: whatever the text, parse_contract returns problems (never raises), every problem
has a position or none and a path string, and any contract it accepts round-trips through export."""

import copy
import json
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog.contracts import ParsedContract, document_to_yaml, parse_contract

SEED = (
    Path(__file__).resolve().parents[1] / "fixtures" / "contracts" / "valid" / "sales_orders_analytical.yaml"
)
SEED_TEXT = SEED.read_text()
SEED_DOCUMENT = parse_contract(SEED_TEXT).document

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def assert_well_formed(parsed: ParsedContract) -> None:
    assert isinstance(parsed, ParsedContract)
    assert parsed.ok == (not parsed.errors)
    assert parsed.ok or parsed.contract is None
    for problem in parsed.problems:
        assert problem.line is None or problem.line >= 1
        assert problem.column is None or problem.column >= 1
        assert (problem.line is None) == (problem.column is None)
        assert isinstance(problem.path, str)
        assert isinstance(problem.message, str) and problem.message
        assert "internal error" not in problem.message, str(problem)
        assert problem.severity in ("error", "warning")
        str(problem)
    if parsed.document is not None:
        json.dumps(parsed.document, allow_nan=False)
    if parsed.ok:
        json.dumps(parsed.contract, allow_nan=False)
        again = parse_contract(document_to_yaml(parsed.document))
        assert again.document == parsed.document
        assert again.contract == parsed.contract


YAML_PIECES = st.sampled_from(
    [
        "name",
        "version",
        "schema",
        "fields",
        "type",
        "sla",
        "- ",
        ": ",
        "\n",
        "  ",
        "    ",
        "\t",
        "[",
        "]",
        "{",
        "}",
        ",",
        "&a ",
        "*a",
        "!!str ",
        "!!python/object:x ",
        "!tag ",
        "'",
        '"',
        "#",
        "|",
        ">",
        "---",
        "...",
        "? ",
        "%YAML 1.1",
        "null",
        "true",
        "~",
        "2024-02-30",
        "1e999",
        "0x1F",
        ".nan",
        "99.9%",
        "decimal(12,2)",
        "SELECT 1",
        "\\u0000",
        "\x00",
        "\x85",
        "\ufeff",
        "<<: ",
        "=",
        "@",
        "`",
    ]
)
YAMLISH = st.lists(st.one_of(YAML_PIECES, st.text(max_size=8)), max_size=60).map("".join)


@FUZZ
@given(text=st.text(max_size=400))
def test_random_text_never_raises(text):
    assert_well_formed(parse_contract(text))


@FUZZ
@given(text=YAMLISH)
def test_random_yamlish_text_never_raises(text):
    assert_well_formed(parse_contract(text))


@FUZZ
@given(data=st.binary(max_size=300))
def test_random_bytes_never_raise(data):
    assert_well_formed(parse_contract(data))


@FUZZ
@given(text=YAMLISH, at=st.integers(min_value=0, max_value=len(SEED_TEXT)))
def test_junk_inserted_into_the_seed_never_raises(text, at):
    assert_well_formed(parse_contract(SEED_TEXT[:at] + text + SEED_TEXT[at:]))


JUNK = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(10**20), max_value=10**20),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=20),
        st.sampled_from(
            ["", "2024-02-30", "99.9%", "-5%", "decimal(40,2)", "DELETE FROM orders", "0 25 * * *"]
        ),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=6,
)


def paths(value, prefix=()):
    """Every path into a document, containers included."""
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from paths(child, prefix + (key,))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from paths(child, prefix + (index,))


ALL_PATHS = [p for p in paths(SEED_DOCUMENT) if p]


def mutate(document, path, action, junk):
    document = copy.deepcopy(document)
    parent = document
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    if action == "delete":
        del parent[last]
    elif action == "replace":
        parent[last] = junk
    elif action == "insert" and isinstance(parent, dict):
        parent[f"{last}_extra"] = junk
    elif action == "insert":
        parent.insert(last, junk)
    return document


@FUZZ
@given(
    path=st.sampled_from(ALL_PATHS),
    action=st.sampled_from(["delete", "replace", "insert"]),
    junk=JUNK,
    flow=st.booleans(),
)
def test_mutations_of_the_valid_contract_never_raise(path, action, junk, flow):
    document = mutate(SEED_DOCUMENT, path, action, junk)
    text = yaml.safe_dump(document, sort_keys=False, default_flow_style=flow, allow_unicode=True)

    parsed = parse_contract(text, filename="mutant.yaml")

    assert_well_formed(parsed)
    for problem in parsed.problems:
        assert problem.file == "mutant.yaml"
