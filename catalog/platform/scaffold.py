"""The scaffold of a platform product: its dbt project and Airflow DAG, as files and as a zip.

Everything is generated from a stored contract version (the normalized contract, the text as
submitted, and the README's platform-spec block), so the scaffold always matches what the
catalog holds. File names come from validated slugs and identifiers, and every name is checked
once more before it enters the zip: nothing can escape the project folder.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass

from .airflow import dag_file
from .contract import spec_block
from .dbt import (
    check_test_sql,
    column_tests,
    docs_block,
    dump,
    jinja_escape,
    number_text,
    project_name,
    ref_jinja,
    rewrite_tables,
    safe_file_stem,
    source_jinja,
)
from .spec import SpecErrors, check_transformation, sources_parse

ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest a zip can hold: the archive is byte-for-byte stable
_SAFE_PATH = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*(/[A-Za-z0-9_][A-Za-z0-9_.-]*)*$")


class NoScaffold(Exception):
    """The version carries no platform spec (it was not registered through the platform API)."""


@dataclass
class Scaffold:
    project: str  # the folder name inside the zip, also the dbt project and DAG id
    files: dict[str, str]  # relative path -> text

    def zip_bytes(self) -> bytes:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(self.files):
                full = f"{self.project}/{path}"
                if not _SAFE_PATH.match(full) or ".." in full.split("/"):
                    raise ValueError(f"unsafe path in scaffold: {full!r}")
                info = zipfile.ZipInfo(full, date_time=ZIP_DATE)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                info.create_system = 3  # Unix, whatever system builds it
                archive.writestr(info, self.files[path].encode("utf-8"))
        return buffer.getvalue()

    @property
    def filename(self) -> str:
        return f"{self.project}-scaffold.zip"


def scaffold_build(*, contract: dict, contract_text: str) -> Scaffold:
    """The dbt project and DAG of a contract version. Raises NoScaffold without a platform spec."""
    block = spec_block(contract.get("readme"))
    if block is None:
        raise NoScaffold("this product was not registered through the platform API")
    errors = SpecErrors()
    sources = sources_parse(block["source_tables"], errors)
    if sources is None or errors:
        raise NoScaffold("the README's platform-spec block lists unreadable source_tables")
    domain, name = contract["domain"], contract["name"]
    project = project_name(domain, name)
    schema = contract.get("schema") or {}
    model = schema.get("table") or name.replace("-", "_")
    replacements = {s.written: source_jinja(s) for s in sources}
    # The block may have been edited in a later version: it must still meet the spec's rules.
    check_transformation(block["transformation_sql"], sources, errors)
    if errors:
        raise NoScaffold(f"the README's platform-spec transformation_sql: {errors.errors[0]['message']}")
    model_sql = rewrite_tables(block["transformation_sql"], replacements)
    own = {("", model.lower()): ref_jinja(model)}
    own.update({("", s.table.lower()): source_jinja(s) for s in sources if s.product})
    relationships = block.get("relationships")
    if not isinstance(relationships, dict):
        relationships = {}
    sla = contract.get("sla") or {}
    schedule = (sla.get("freshness") or {}).get("update_schedule") or "@daily"
    owner = contract["owner"]["team"]

    files: dict[str, str] = {}
    taken: set[str] = set()
    columns = []
    for field in schema.get("fields") or []:
        relationship = None
        if field["name"] in relationships:
            ref = str(relationships[field["name"]])
            table, _, column = ref.rpartition(".")
            relationship = next(((s, column) for s in sources if s.spec == table), None)
        tests, singular = column_tests(field, relationship)
        entry = {"name": field["name"], "description": jinja_escape(field.get("description") or "")}
        if field.get("type"):
            entry["data_type"] = field["type"]
        patterns = [c["value"] for c in field.get("constraints") or [] if c["type"] == "pattern"]
        meta = {}
        if field.get("is_primary_key"):
            meta["primary_key"] = True
        if patterns:
            meta["pattern"] = patterns[0]
        if meta:
            entry["meta"] = meta
        if tests:
            entry["data_tests"] = tests
        columns.append(entry)
        for kind, condition in singular:
            stem = safe_file_stem(f"{model}__{field['name']}__{kind}", taken)
            files[f"tests/constraints/{stem}.sql"] = (
                f"-- {field['name']}: the contract's {kind} constraint; a returned row fails the test.\n"
                f"select {field['name']}\nfrom {ref_jinja(model)}\nwhere {condition}\n"
            )
    for check in sla.get("quality_checks") or []:
        stem = safe_file_stem(check["name"], taken)
        severity = "warn" if check.get("severity") in ("info", "warning") else "error"
        header = f"-- Quality check {check['name']!r} of the contract"
        if check.get("description"):
            header += f": {check['description']}"
        header = jinja_escape(header.replace("\n", " "))
        files[f"tests/quality/{stem}.sql"] = (
            f"{header}\n-- Fails when its count exceeds the threshold ({number_text(check.get('threshold'))}), "
            "the portal's own rule.\n"
            f"{{{{ config(severity='{severity}') }}}}\n" + _check_sql(check, own)
        )
    if not columns:
        columns = [{"name": c, "description": ""} for c in _projection_names(block["transformation_sql"])]

    files["dbt_project.yml"] = dump(
        {
            "name": project,
            "version": contract["version"].split("-")[0].split("+")[0],
            "config-version": 2,
            "require-dbt-version": ">=1.8.0",
            "profile": project,
            "model-paths": ["models"],
            "test-paths": ["tests"],
            "target-path": "target",
            "clean-targets": ["target", "dbt_packages"],
            "models": {
                project: {
                    "+materialized": "table",
                    "+meta": {"mesh_product": f"{domain}/{name}", "owner_team": owner},
                }
            },
        }
    )
    files["profiles.yml"] = (
        "# A local DuckDB target for trying the project (`dbt build --profiles-dir .`).\n"
        "# Point the profile at the warehouse in production.\n"
        + dump(
            {
                project: {
                    "target": "dev",
                    "outputs": {"dev": {"type": "duckdb", "path": "target/dev.duckdb", "threads": 2}},
                }
            }
        )
    )
    files["models/sources.yml"] = dump({"version": 2, "sources": _sources_yaml(sources)})
    files[f"models/{model}.sql"] = (
        f"-- {domain}/{name}: the transformation registered with the platform.\n"
        "{{ config(materialized='table') }}\n\n" + model_sql + "\n"
    )
    files["models/schema.yml"] = dump(
        {
            "version": 2,
            "models": [
                {
                    "name": model,
                    "description": f'{{{{ doc("{model}") }}}}',
                    "meta": {
                        "mesh_product": f"{domain}/{name}",
                        "owner_team": owner,
                        "schedule": schedule,
                        "contract_version": contract["version"],
                    },
                    "columns": columns,
                }
            ],
        }
    )
    files["models/docs.md"] = (
        docs_block(model, contract.get("description") or name)
        + "\n"
        + docs_block("__overview__", contract.get("readme") or contract.get("description") or name)
    )
    files["contract.yaml"] = contract_text
    files[f"dags/{project}.py"] = dag_file(
        project=project, domain=domain, name=name, model=model, schedule=schedule, owner=owner
    )
    files["README.md"] = _readme(project, domain, name, model, schedule)
    return Scaffold(project=project, files=files)


def _check_sql(check: dict, replacements: dict) -> str:
    try:
        return check_test_sql(
            check["query"], replacements=replacements, threshold=check.get("threshold") or 0
        )
    except Exception as exc:  # sqlglot's errors; the contract parser accepted the query, so rare
        raise NoScaffold(f"the quality check {check['name']!r} cannot be rewritten for dbt: {exc}") from None


def _sources_yaml(sources) -> list[dict]:
    grouped: dict[str, dict] = {}
    for s in sources:
        entry = grouped.setdefault(s.source, {"name": s.source, "tables": []})
        table = {"name": s.table}
        if s.product:
            table["description"] = f"The data product {s.product} (an input port of the contract)."
            table["meta"] = {"mesh_product": s.product}
        entry["tables"].append(table)
    return list(grouped.values())


def _projection_names(sql: str) -> list[str]:
    import sqlglot
    from sqlglot import exp

    from catalog.contracts.sql import PARSE_DIALECT

    tree = sqlglot.parse_one(sql, read=PARSE_DIALECT)
    if not isinstance(tree, exp.Select):
        return []
    return [e.alias_or_name for e in tree.expressions if e.alias_or_name and e.alias_or_name != "*"]


def _readme(project: str, domain: str, name: str, model: str, schedule: str) -> str:
    return f"""# {domain}/{name}: dbt project and Airflow DAG

Generated by Mesh Portal's platform API from the product's contract. Layout:

- `dbt_project.yml`, `profiles.yml` (a local DuckDB target), `models/{model}.sql` (the
  transformation), `models/sources.yml`, `models/schema.yml` (column docs and tests from the
  contract's constraints and relationships), `models/docs.md`;
- `tests/quality/*.sql`: the contract's quality checks as singular tests (a row means failure),
  `tests/constraints/*.sql`: min/max/length constraints;
- `dags/{project}.py`: the Airflow DAG, `dbt run` >> `dbt test` >> publish, on `{schedule}`;
- `contract.yaml`: the contract. The publish task submits it to the portal
  (Airflow variables `mesh_portal_url` and `mesh_portal_token`).

Try it locally: `dbt parse --profiles-dir .`, then `dbt build --profiles-dir .`.
"""
