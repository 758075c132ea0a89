"""The generated dbt project and Airflow DAG: valid YAML, resolving Jinja, parsing SQL, a compiling DAG, a
deterministic zip with safe names. Its helpers are shared with the other platform tests."""

from __future__ import annotations

import ast
import copy
import io
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
import sqlglot
import yaml

SPEC = {
    "name": "orders_daily",
    "domain": "sales",
    "description": "Orders per day with customer enrichment.",
    "source_tables": ["raw.orders", "raw.customers"],
    "transformation_sql": (
        "SELECT o.order_id, o.customer_id, o.total_amount, o.status\n"
        "FROM raw.orders AS o JOIN raw.customers AS c ON o.customer_id = c.id"
    ),
    "schedule": "0 2 * * *",
    "quality_checks": [
        {
            "name": "no_negative_amounts",
            "query": "SELECT COUNT(*) FROM orders_daily WHERE total_amount < 0",
            "threshold": 0,
        },
        {
            "name": "few_cancelled",
            "query": "SELECT COUNT(*) FROM orders_daily WHERE status = 'cancelled'",
            "threshold": 10,
            "severity": "warning",
        },
    ],
    "columns": [
        {
            "name": "order_id",
            "type": "string",
            "description": "Unique order id",
            "is_primary_key": True,
            "constraints": ["unique", "not_null"],
        },
        {
            "name": "customer_id",
            "type": "string",
            "description": "Customer",
            "references": "raw.customers.id",
        },
        {
            "name": "total_amount",
            "type": "decimal(12,2)",
            "description": "Total",
            "constraints": [{"min": 0}],
        },
        {
            "name": "status",
            "type": "string",
            "description": "Status",
            "constraints": [{"in": ["pending", "completed", "cancelled"]}],
        },
    ],
}


def spec(**overrides) -> dict:
    data = copy.deepcopy(SPEC)
    for key, value in overrides.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def unzip(content: bytes) -> tuple[list[zipfile.ZipInfo], dict[str, str]]:
    archive = zipfile.ZipFile(io.BytesIO(content))
    infos = archive.infolist()
    return infos, {i.filename: archive.read(i).decode("utf-8") for i in infos}


JINJA = re.compile(r"\{\{(.*?)\}\}|\{%(.*?)%\}", re.S)
REF = re.compile(r"^\s*ref\('([A-Za-z0-9_]+)'\)\s*$")
SOURCE = re.compile(r"^\s*source\('([A-Za-z0-9_]+)',\s*'([A-Za-z0-9_]+)'\)\s*$")
DOC = re.compile(r"""^\s*doc\(["']([A-Za-z0-9_]+)["']\)\s*$""")
ESCAPED_BRACE = re.compile(r'^ "\{" $')
CONFIG = re.compile(r"^\s*config\(severity='(warn|error)'\)\s*$|^\s*config\(materialized='table'\)\s*$")
BLOCK_TAG = re.compile(r"^\s*(docs [A-Za-z0-9_]+|enddocs|raw|endraw)\s*$")


def _strip_raw(text: str) -> str:
    return re.sub(r"\{%\s*raw\s*%\}.*?\{%\s*endraw\s*%\}", "", text, flags=re.S)


def check_dbt_project(files: dict[str, str], project: str) -> list[str]:
    """Every problem with a generated dbt project: YAML structure, Jinja that does not resolve,
    SQL that does not parse once refs and sources are replaced by table names."""
    problems: list[str] = []
    root = f"{project}/"
    rel = {name[len(root) :]: text for name, text in files.items() if name.startswith(root)}
    if len(rel) != len(files):
        problems.append("a file lies outside the project folder")
    dbt_project = yaml.safe_load(rel["dbt_project.yml"])
    for key in ("name", "version", "config-version", "profile", "model-paths", "test-paths"):
        if key not in dbt_project:
            problems.append(f"dbt_project.yml: {key} missing")
    if dbt_project.get("config-version") != 2 or not re.match(r"^[a-z_][a-z0-9_]*$", dbt_project["name"]):
        problems.append("dbt_project.yml: bad name or config-version")
    profiles = yaml.safe_load(rel["profiles.yml"])
    if dbt_project["profile"] not in profiles:
        problems.append("profiles.yml has no profile of the project's name")
    models = {p[len("models/") : -4] for p in rel if p.startswith("models/") and p.endswith(".sql")}
    sources = yaml.safe_load(rel["models/sources.yml"])
    declared = {(s["name"], t["name"]) for s in sources["sources"] for t in s["tables"]}
    schema = yaml.safe_load(rel["models/schema.yml"])
    if schema.get("version") != 2:
        problems.append("schema.yml: version must be 2")
    for model in schema["models"]:
        if model["name"] not in models:
            problems.append(f"schema.yml describes {model['name']}, which has no SQL file")
        for column in model.get("columns", []):
            for test in column.get("data_tests", []):
                name = test if isinstance(test, str) else next(iter(test))
                if name not in ("not_null", "unique", "accepted_values", "relationships"):
                    problems.append(f"schema.yml: unknown test {name}")
                if name == "accepted_values" and not test[name].get("values"):
                    problems.append("accepted_values without values")
                if name == "relationships":
                    to = test[name]["to"]
                    m = SOURCE.match(to) or REF.match(to)
                    if not m or (SOURCE.match(to) and (m[1], m[2]) not in declared):
                        problems.append(f"relationships to {to} does not resolve")
    docs = set(re.findall(r"\{%\s*docs\s+([A-Za-z0-9_]+)\s*%\}", rel.get("models/docs.md", "")))
    for path, text in rel.items():
        if not path.endswith((".sql", ".yml", ".md")) or path == "profiles.yml":
            continue
        for match in JINJA.finditer(_strip_raw(text)):
            expression, tag = match.group(1), match.group(2)
            if tag is not None:
                if not BLOCK_TAG.match(tag):
                    problems.append(f"{path}: unexpected tag {{%{tag}%}}")
                continue
            if m := REF.match(expression):
                if m[1] not in models:
                    problems.append(f"{path}: ref('{m[1]}') names no model")
            elif m := SOURCE.match(expression):
                if (m[1], m[2]) not in declared:
                    problems.append(f"{path}: source {m[1]}.{m[2]} is not declared")
            elif m := DOC.match(expression):
                if m[1] not in docs:
                    problems.append(f"{path}: doc('{m[1]}') has no docs block")
            elif not CONFIG.match(expression) and not ESCAPED_BRACE.match(expression):
                problems.append(f"{path}: unexpected Jinja {{{{{expression}}}}}")
        if path.endswith(".sql"):
            sql = JINJA.sub(_jinja_as_sql, text)
            try:
                sqlglot.parse_one(sql, read="duckdb")
            except Exception as exc:
                problems.append(f"{path}: SQL does not parse: {exc}")
    return problems


def _jinja_as_sql(match) -> str:
    expression = match.group(1)
    if expression is None:
        return ""
    if ESCAPED_BRACE.match(expression):
        return "{"
    if m := REF.match(expression):
        return m[1]
    if m := SOURCE.match(expression):
        return f"{m[1]}.{m[2]}"
    return ""


def dag_facts(text: str) -> dict:
    """Compile the DAG and read what it defines: task ids, the chain, the schedule, the dag id."""
    compile(text, "dag.py", "exec")
    tree = ast.parse(text)
    constants = {
        node.targets[0].id: node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        and isinstance(node.targets[0], ast.Name)
        and isinstance(node.value, ast.Constant)
    }
    facts = {"tasks": {}, "chain": [], "schedule": None, "dag_id": None}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "DAG":
            kwargs = {k.arg: k.value for k in node.keywords}
            facts["schedule"] = _value(kwargs["schedule"], constants)
            facts["dag_id"] = _value(kwargs["dag_id"], constants)
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            func = node.value.func
            if getattr(func, "id", None) == "BashOperator":
                kwargs = {k.arg: k.value for k in node.value.keywords}
                facts["tasks"][node.targets[0].id] = _value(kwargs["task_id"], constants)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.BinOp):
            chain, value = [], node.value
            while isinstance(value, ast.BinOp) and isinstance(value.op, ast.RShift):
                chain.insert(0, value.right.id)
                value = value.left
            chain.insert(0, value.id)
            facts["chain"] = [facts["tasks"].get(n, n) for n in chain]
    return facts


def _value(node, constants):
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return constants.get(node.id)
    return None


# --- tests -------------------------------------------------------------------------------


def _build(data=None, **contract_overrides):
    from catalog.contracts import parse_contract
    from catalog.platform.contract import contract_document, contract_text
    from catalog.platform.scaffold import scaffold_build
    from catalog.platform.spec import spec_parse

    parsed_spec, errors = spec_parse(data or spec())
    assert not errors, errors
    document = contract_document(parsed_spec, owner_team="sales-analytics")
    document.update(contract_overrides)
    text = contract_text(document)
    parsed = parse_contract(text)
    assert parsed.ok, parsed.errors
    return scaffold_build(contract=parsed.contract, contract_text=text)


def _zip_files(scaffold) -> dict[str, str]:
    return unzip(scaffold.zip_bytes())[1]


def test_generated_project_is_valid_yaml_with_resolving_jinja_and_parsing_sql():
    scaffold = _build()
    assert check_dbt_project(_zip_files(scaffold), scaffold.project) == []


def test_the_checker_catches_a_dangling_ref_and_bad_sql():
    scaffold = _build()
    files = _zip_files(scaffold)
    model = f"{scaffold.project}/models/orders_daily.sql"
    files[model] = files[model].replace("{{ source('raw', 'orders') }}", "{{ ref('missing') }}") + " WHERE ("
    problems = check_dbt_project(files, scaffold.project)
    assert any("ref('missing') names no model" in p for p in problems)
    assert any("does not parse" in p for p in problems)


def test_braces_in_sql_and_descriptions_stay_text_for_dbt(tmp_path):
    data = spec(
        transformation_sql=(
            "SELECT o.order_id, '{{ oops }}' AS note FROM raw.orders o JOIN raw.customers c ON o.customer_id = c.id"
        ),
        columns=[{"name": "order_id", "type": "string", "description": "Id {% if %} {# x #}"}],
        quality_checks=[{"name": "q", "query": "SELECT COUNT(*) FROM orders_daily WHERE order_id = '{{x}}'"}],
    )
    scaffold = _build(data)
    files = _zip_files(scaffold)
    assert check_dbt_project(files, scaffold.project) == []
    model = files[f"{scaffold.project}/models/orders_daily.sql"]
    assert "'{{ \"{\" }}{ oops }}' AS note" in model
    if _dbt() is not None:  # and dbt renders it back to the text
        zipfile.ZipFile(io.BytesIO(scaffold.zip_bytes())).extractall(tmp_path)
        project = tmp_path / scaffold.project
        run = subprocess.run(
            [_dbt(), "compile", "--profiles-dir", ".", "--select", "orders_daily"],
            cwd=project,
            capture_output=True,
            text=True,
            timeout=300,
            env={**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"},
        )
        assert run.returncode == 0, run.stdout + run.stderr
        compiled = next((project / "target" / "compiled").rglob("orders_daily.sql")).read_text()
        assert "'{{ oops }}' AS note" in compiled


def test_product_sources_are_input_ports_and_dbt_sources():
    data = spec(
        source_tables=["raw.orders", "marketing/segments"],
        transformation_sql="SELECT o.order_id, s.segment FROM raw.orders o JOIN segments s ON o.customer_id = s.id",
        columns=None,
        quality_checks=[
            {
                "name": "segments_known",
                "query": "SELECT COUNT(*) FROM orders_daily WHERE segment NOT IN (SELECT segment FROM segments)",
            }
        ],
    )
    scaffold = _build(data)
    files = _zip_files(scaffold)
    assert check_dbt_project(files, scaffold.project) == []
    root = scaffold.project
    assert "{{ source('marketing', 'segments') }} AS s" in files[f"{root}/models/orders_daily.sql"]
    assert "{{ source('marketing', 'segments') }}" in files[f"{root}/tests/quality/segments_known.sql"]
    sources = yaml.safe_load(files[f"{root}/models/sources.yml"])["sources"]
    assert {s["name"] for s in sources} == {"raw", "marketing"}
    schema = yaml.safe_load(files[f"{root}/models/schema.yml"])
    assert [c["name"] for c in schema["models"][0]["columns"]] == ["order_id", "segment"]  # from the SQL


def test_dag_compiles_and_runs_dbt_run_then_dbt_test_then_publish_on_the_schedule():
    scaffold = _build(spec(schedule="*/30 6-18 * * MON-FRI"))
    facts = dag_facts(scaffold.files[f"dags/{scaffold.project}.py"])
    assert facts == {
        "tasks": {"dbt_run": "dbt_run", "dbt_test": "dbt_test", "publish": "publish"},
        "chain": ["dbt_run", "dbt_test", "publish"],
        "schedule": "*/30 6-18 * * MON-FRI",
        "dag_id": "sales_orders_daily",
    }


def test_zip_is_deterministic_and_names_cannot_escape_the_project():
    hostile = [
        {"name": "../../etc/passwd", "query": "SELECT COUNT(*) FROM orders_daily", "threshold": 0},
        {"name": "/abs", "query": "SELECT COUNT(*) FROM orders_daily", "threshold": 0},
        {"name": "..", "query": "SELECT COUNT(*) FROM orders_daily", "threshold": 0},
    ]
    first = _build(sla={"quality_checks": hostile}).zip_bytes()
    second = _build(sla={"quality_checks": hostile}).zip_bytes()
    assert first == second
    infos, files = unzip(first)
    for info in infos:
        parts = info.filename.split("/")
        assert parts[0] == "sales_orders_daily" and ".." not in parts and not info.filename.startswith("/")
        assert info.date_time == (1980, 1, 1, 0, 0, 0)
    quality = sorted(n.rsplit("/", 1)[1] for n in files if "/tests/quality/" in n)
    assert quality == ["abs.sql", "etc_passwd.sql", "unnamed.sql"]


def test_a_contract_without_a_platform_spec_has_no_scaffold():
    from catalog.contracts import parse_contract
    from catalog.platform.scaffold import NoScaffold, scaffold_build
    from tests.factories import contract_text

    text = contract_text()
    with pytest.raises(NoScaffold):
        scaffold_build(contract=parse_contract(text).contract, contract_text=text)


def _dbt() -> str | None:
    return os.environ.get("DBT_BIN") or shutil.which("dbt")


@pytest.mark.skipif(_dbt() is None, reason="dbt-core is not installed (set DBT_BIN to a dbt executable)")
def test_dbt_parses_and_builds_the_generated_project(tmp_path):
    """With dbt-duckdb: `dbt parse` accepts the project, and `dbt build` over a small DuckDB
    source passes, then fails the generated quality test once a negative amount appears."""
    scaffold = _build()
    zipfile.ZipFile(io.BytesIO(scaffold.zip_bytes())).extractall(tmp_path)
    project = tmp_path / scaffold.project
    dbt = _dbt()
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    parse = subprocess.run(
        [dbt, "parse", "--profiles-dir", "."],
        cwd=project,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert parse.returncode == 0, parse.stdout + parse.stderr

    python = Path(dbt).with_name("python")  # the interpreter dbt runs with has its duckdb
    if not python.exists():
        return
    (project / "target").mkdir(exist_ok=True)

    def load(amount: float) -> None:
        script = (
            "import duckdb, sys\n"
            "con = duckdb.connect(sys.argv[1])\n"
            "con.execute('create schema if not exists raw')\n"
            "con.execute('create or replace table raw.customers as select * from (values (1), (2)) t(id)')\n"
            "con.execute(\"create or replace table raw.orders as select * from (values ('o1', 1, 10.0, 'pending'), "
            "('o2', 2, ?, 'completed')) t(order_id, customer_id, total_amount, status)\", [float(sys.argv[2])])\n"
        )
        subprocess.run(
            [str(python), "-c", script, str(project / "target/dev.duckdb"), str(amount)], check=True
        )

    load(5.0)
    build = subprocess.run(
        [dbt, "build", "--profiles-dir", "."],
        cwd=project,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert build.returncode == 0, build.stdout + build.stderr
    load(-5.0)
    failing = subprocess.run(
        [dbt, "build", "--profiles-dir", "."],
        cwd=project,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert failing.returncode != 0
    assert "no_negative_amounts" in failing.stdout


@pytest.mark.parametrize(
    "block",
    [
        "source_tables: [raw.orders]\ntransformation_sql: 'DELETE FROM raw.orders'\n",
        "source_tables: [raw.orders]\ntransformation_sql: 'SELECT * FROM raw.other'\n",
        "source_tables: [1]\ntransformation_sql: 'SELECT 1'\n",
        "source_tables: [raw.orders]\ntransformation_sql: 'SELECT (((\n",
    ],
)
def test_an_edited_spec_block_that_breaks_the_rules_has_no_scaffold_rather_than_an_error(block):
    from catalog.contracts import parse_contract
    from catalog.platform.scaffold import NoScaffold, scaffold_build
    from tests.factories import contract_text

    text = contract_text(readme=f"# Edited\n\n```yaml platform-spec\n{block}```\n")
    parsed = parse_contract(text)
    assert parsed.ok, parsed.errors
    with pytest.raises(NoScaffold):
        scaffold_build(contract=parsed.contract, contract_text=text)
