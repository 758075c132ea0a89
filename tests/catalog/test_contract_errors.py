"""Malformed contracts: each mistake is reported once, at the right line, column and field path,
with a message that says what is wrong. Hostile YAML fails fast and cleanly.

The corpus lives in tests/fixtures/contracts/malformed/NN_kind.yaml. Line 1 of each file is

    # expect: LINE:COL field.path substring-of-the-message

where LINE:COL is `-` for a problem without a position and field.path is `-` for none.
"""

import time
from pathlib import Path

import pytest

from catalog.contracts import parse_contract

MALFORMED = Path(__file__).resolve().parents[1] / "fixtures" / "contracts" / "malformed"
CORPUS = sorted(MALFORMED.glob("*.yaml"))

MINIMAL = """\
name: orders
version: 1.0.0
domain: sales
owner:
  team: sales-analytics
schema:
  location: s3://data-products/sales/orders/
"""


def expectation(path: Path) -> tuple[int | None, int | None, str, str, int | None]:
    lines = path.read_bytes().split(b"\n", 2)
    header = lines[0].decode()
    assert header.startswith("# expect: "), f"{path.name} has no '# expect:' header"
    position, field_path, message = header[len("# expect: ") :].split(" ", 2)
    line, column = (None, None) if position == "-" else map(int, position.split(":"))
    max_bytes = int(lines[1].split()[2]) if lines[1].startswith(b"# max_bytes:") else None
    return line, column, "" if field_path == "-" else field_path, message, max_bytes


def test_the_corpus_has_at_least_45_kinds_of_mistake():
    kinds = {path.stem.split("_", 1)[1] for path in CORPUS}
    assert len(kinds) == len(CORPUS) >= 45


@pytest.mark.parametrize("path", CORPUS, ids=[p.stem for p in CORPUS])
def test_malformed_contract_reports_its_one_mistake_precisely(path, settings):
    line, column, field_path, message, max_bytes = expectation(path)
    if max_bytes is not None:
        settings.MESH_CONTRACT_MAX_BYTES = max_bytes

    started = time.perf_counter()
    parsed = parse_contract(path.read_bytes(), filename=path.name)
    elapsed = time.perf_counter() - started

    assert not parsed.ok and parsed.contract is None
    assert len(parsed.errors) == 1, [str(p) for p in parsed.errors]
    [error] = parsed.errors
    assert (error.file, error.line, error.column, error.path) == (path.name, line, column, field_path), str(
        error
    )
    assert message in error.message, str(error)
    assert len(error.message.split()) >= 3 and "Traceback" not in error.message
    assert str(error).startswith(f"{path.name}:{line}:{column}: " if line else f"{path.name}: ")
    assert elapsed < 1.0


# --- hostile YAML ----------------------------------------------------------------------------

ALIAS_BOMB = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{c}: &{c} [" + ",".join(["*" + p] * 9) + "]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True)
)


def assert_fast_clean_error(text: str, message: str, limit: float = 1.0):
    started = time.perf_counter()
    parsed = parse_contract(text, filename="hostile.yaml")
    elapsed = time.perf_counter() - started
    assert parsed.document is None and not parsed.ok
    [error] = parsed.errors
    assert message in error.message
    assert elapsed < limit, f"took {elapsed:.3f}s"
    return error


def test_alias_bomb_is_rejected_in_milliseconds():
    assert len(ALIAS_BOMB) < 1024
    error = assert_fast_clean_error(ALIAS_BOMB, "aliases are not allowed")
    assert (error.line, error.column) == (1, 4)


def test_a_single_alias_is_rejected_too():
    error = assert_fast_clean_error(MINIMAL + "x: &base {a: 1}\ny: *base\n", "aliases are not allowed")
    assert error.line == 8


@pytest.mark.parametrize(
    "text",
    [
        "- " * 1000 + "x\n",
        "\n".join("-  " * i for i in range(1100)),
        "[" * 1000 + "]" * 1000,
        "[" * 5000 + "]" * 5000,
        "{a: " * 5000 + "1" + "}" * 5000,
        "a:\n" + "".join("  " * i + "a:\n" for i in range(1, 1000)),
    ],
    ids=["block-1000", "block-1100-indented", "flow-1000", "flow-5000", "flow-mapping-5000", "mapping-1000"],
)
def test_deep_nesting_is_rejected_in_milliseconds_without_recursion_error(text, settings):
    settings.MESH_CONTRACT_MAX_BYTES = 4 * 1024 * 1024  # let the nesting itself be the problem
    assert_fast_clean_error(text, "nesting too deep")


def test_nesting_up_to_the_limit_is_fine():
    nested = "[" * 60 + "]" * 60
    parsed = parse_contract(MINIMAL + f"tags: {nested}\n")
    [error] = parsed.errors
    assert error.path == "tags[0]" and "must be a string" in error.message


def test_oversized_contract_is_rejected_before_parsing_with_the_default_limit():
    text = MINIMAL + "description: |\n" + "  lorem ipsum dolor sit amet\n" * 10_000
    assert len(text) > 256 * 1024

    started = time.perf_counter()
    parsed = parse_contract(text, filename="big.yaml")

    assert time.perf_counter() - started < 0.1
    [error] = parsed.errors
    assert (error.line, error.path) == (None, "")
    assert "the limit is 262,144 bytes" in error.message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            MINIMAL + "x: !!python/object/apply:os.system [ls]\n",
            "!!python/object/apply:os.system is not allowed",
        ),
        (MINIMAL + "x: !!python/name:os.system\n", "!!python/name:os.system is not allowed"),
        (MINIMAL + "x: !!binary aGVsbG8=\n", "!!binary is not allowed"),
        (MINIMAL + "x: !!set {a, b}\n", "!!set is not allowed"),
        (MINIMAL + "x: !!omap [a: 1]\n", "!!omap is not allowed"),
        (MINIMAL + "x: !custom value\n", "!custom is not allowed"),
    ],
)
def test_non_core_tags_are_rejected(text, message):
    error = assert_fast_clean_error(text, message)
    assert (error.line, error.path) == (8, "x")


@pytest.mark.parametrize("value", [None, 42, 3.5, ["name: x"], {"name": "x"}, object()])
def test_input_that_is_not_text_is_a_problem_not_an_exception(value):
    parsed = parse_contract(value)
    [error] = parsed.errors
    assert "must be text" in error.message


def test_lone_surrogate_in_text_is_a_problem_not_an_exception():
    parsed = parse_contract(MINIMAL + "description: \ud800\n")
    [error] = parsed.errors
    assert "not valid UTF-8" in error.message


# --- every problem, in place ------------------------------------------------------------------


def test_every_problem_is_reported_not_only_the_first():
    text = """\
name: Orders
version: 2.1
domain: sales
owner:
  contact: sales@example.com
retention_days: "1095"
schema:
  fields:
    - name: id
      type: integr
    - name: id
      type: string
sla:
  availability: 101%
"""
    parsed = parse_contract(text, filename="many.yaml")

    assert [(e.line, e.path) for e in parsed.errors] == [
        (1, "name"),
        (2, "version"),
        (5, "owner.team"),
        (6, "retention_days"),
        (10, "schema.fields[0].type"),
        (11, "schema.fields[1].name"),
        (14, "sla.availability"),
    ]


def test_missing_key_points_at_its_parent_mapping():
    parsed = parse_contract(MINIMAL + "sla:\n  freshness:\n    update_schedule: '0 2 * * *'\n")
    [error] = parsed.errors
    assert (error.line, error.column, error.path) == (10, 5, "sla.freshness.max_age_hours")
    assert "missing required key 'max_age_hours'" in error.message


def test_required_key_present_but_empty_is_reported_at_the_key():
    parsed = parse_contract(MINIMAL.replace("name: orders", "name:"))
    [error] = parsed.errors
    assert (error.line, error.path) == (1, "name")
    assert "required and must not be empty" in error.message


@pytest.mark.parametrize(
    ("key", "suggestion"),
    [("descripton", "description"), ("retention", "retention_days"), ("observabilty", "observability")],
)
def test_unknown_keys_suggest_the_closest_known_key(key, suggestion):
    [error] = parse_contract(MINIMAL + f"{key}: x\n").errors
    assert error.message == f"unknown key '{key}' (did you mean '{suggestion}'?)"


def test_unknown_key_far_from_any_known_key_gets_no_suggestion():
    [error] = parse_contract(MINIMAL + "zzz: x\n").errors
    assert error.message == "unknown key 'zzz'"


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("SELECT 1; DROP TABLE orders", "exactly one statement, found 2"),
        ("WITH t AS (SELECT 1) DELETE FROM orders", "must be a SELECT, not DELETE"),
        ("UPDATE orders SET x = 1", "must be a SELECT, not UPDATE"),
        ("INSERT INTO orders VALUES (1)", "must be a SELECT, not INSERT"),
        ("SELECT * INTO copy FROM orders", "contains INTO"),
        ("SELECT COUNT(*) FROM orders FOR UPDATE", "contains LOCK"),
        ("COPY orders TO '/tmp/x.csv'", "must be a SELECT, not COPY"),
        ("ATTACH '/tmp/x.duckdb'", "must be a SELECT, not ATTACH"),
        ("PRAGMA version", "must be a SELECT, not PRAGMA"),
        ("SET memory_limit = '8GB'", "must be a SELECT, not SET"),
        ("EXPLAIN ANALYZE DELETE FROM orders", "must be a SELECT, not COMMAND"),
        ("CALL pg_sleep(10)", "must be a SELECT, not COMMAND"),
        ("INSTALL httpfs", "must be a SELECT"),
        ("SELECT COUNT(*) FROM '/etc/passwd'", "the query reads '/etc/passwd'"),
        (
            "SELECT COUNT(*) FROM read_parquet('s3://other/*.parquet')",
            "table functions and files are not allowed",
        ),
        ("SELECT COUNT(*) FROM glob('/etc/*')", "not allowed"),
        ("SELECT read_text('/etc/passwd')", "read_text() is not allowed"),
        ("SELECT set_config('statement_timeout', '0', false)", "set_config() is not allowed"),
        ("SELECT COUNT(*) FROM other_schema.orders", "qualified table name"),
        ("WITH orders AS (SELECT * FROM secrets) SELECT COUNT(*) FROM orders", "the query reads 'secrets'"),
        ("SELECT COUNT(*), MAX(x) FROM orders", "must return one value; this query selects 2 columns"),
        ("SELECT COUNT(* FROM orders", "SQL syntax error"),
        ("   ", "must not be empty"),
    ],
)
def test_hostile_or_broken_check_sql_is_rejected_at_the_query(sql, message):
    text = MINIMAL + f'sla:\n  quality_checks:\n    - name: check\n      query: "{sql}"\n'
    errors = parse_contract(text).errors
    assert len(errors) == 1, [str(e) for e in errors]
    assert (errors[0].line, errors[0].path) == (11, "sla.quality_checks[0].query")
    assert message in errors[0].message


@pytest.mark.parametrize(
    ("location", "message"),
    [
        ("http://example.com/orders.csv", "the scheme http:// is not supported"),
        ("gs://bucket/orders/", "the scheme gs:// is not supported"),
        ("data/orders/", "a relative path is not allowed"),
        ("file://data/orders/", "write file:///absolute/path"),
        ("s3://B/orders/", "not an S3 location"),
        ("postgresql://user:secret@db:5432/finance.ledger", "not a PostgreSQL location"),
        ("postgresql://warehouse/ledger", "not a PostgreSQL location"),
        ("/srv/data/../secrets/", "must not contain '..'"),
        ("s3://data-products/sales/orders-v2/", "not a valid SQL identifier; set schema.table"),
    ],
)
def test_bad_locations_are_rejected(location, message):
    [error] = parse_contract(MINIMAL.replace("s3://data-products/sales/orders/", location)).errors
    assert (error.line, error.path) == (7, "schema.location")
    assert message in error.message


def test_the_same_input_gives_the_same_result():
    text = (MALFORMED / "59_undeclared_table_sql.yaml").read_text()
    assert parse_contract(text) == parse_contract(text)
