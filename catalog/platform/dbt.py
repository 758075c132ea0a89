"""The dbt project of a platform product: dbt_project.yml, profiles.yml, sources, the model,
schema.yml with tests from the constraints, relationships and checks, docs, singular tests.

SQL is rewritten with sqlglot (DuckDB dialect, the portal's): each source table becomes
`{{ source('<source>', '<table>') }}` and the product's own table `{{ ref('<model>') }}`.
"""

from __future__ import annotations

import re

import sqlglot
import yaml
from sqlglot import exp

from catalog.contracts.sql import PARSE_DIALECT

from .spec import Source

_UNSAFE = re.compile(r"[^A-Za-z0-9_]")


def safe_file_stem(name: str, taken: set[str]) -> str:
    """A file name stem made of letters, digits and '_' only (never a path), unique in `taken`."""
    stem = _UNSAFE.sub("_", name).strip("_")[:80] or "unnamed"
    candidate, n = stem, 2
    while candidate.lower() in taken:
        candidate, n = f"{stem}_{n}", n + 1
    taken.add(candidate.lower())
    return candidate


def project_name(domain: str, name: str) -> str:
    """dbt and Airflow names: letters, digits and '_', not starting with a digit."""
    stem = _UNSAFE.sub("_", f"{domain}_{name}")
    return stem if re.match(r"^[a-z_]", stem) else f"p_{stem}"


def source_jinja(source: Source) -> str:
    return f"{{{{ source('{source.source}', '{source.table}') }}}}"


def ref_jinja(model: str) -> str:
    return f"{{{{ ref('{model}') }}}}"


_JINJA_OPEN = re.compile(r"\{(?=[{%#])")


def jinja_escape(text: str) -> str:
    """Text that dbt's Jinja renders back to itself: `{{`, `{%` and `{#` are written as the
    expression `{{ "{" }}` followed by the rest (a SQL string literal or a description may hold them)."""
    return _JINJA_OPEN.sub('{{ "{" }}', text)


def rewrite_tables(sql: str, replacements: dict[tuple[str, str], str]) -> str:
    """`sql` with every table whose (schema, name), lower-cased, is in `replacements` replaced by
    that Jinja expression (aliases kept). Raises ValueError when the SQL does not parse."""
    tree = sqlglot.parse_one(sql, read=PARSE_DIALECT)
    placeholders: dict[str, str] = {}
    for table in list(tree.find_all(exp.Table)):
        if not isinstance(table.this, exp.Identifier):
            continue
        jinja = replacements.get((table.db.lower(), table.name.lower()))
        if jinja is None:
            continue
        placeholder = f"mesh_placeholder_{len(placeholders)}"
        placeholders[placeholder] = jinja
        table.set("this", exp.to_identifier(placeholder))
        table.set("db", None)
        table.set("catalog", None)
    text = jinja_escape(tree.sql(dialect=PARSE_DIALECT, pretty=True))
    # Longest first: mesh_placeholder_10 must not be hit by mesh_placeholder_1.
    for placeholder in sorted(placeholders, key=len, reverse=True):
        text = text.replace(placeholder, placeholders[placeholder])
    return text


def check_test_sql(query: str, *, replacements: dict, threshold: float) -> str:
    """A singular test from a quality check: it returns a row (fails) when the check's single
    value exceeds the threshold, the portal's own rule."""
    tree = sqlglot.parse_one(query, read=PARSE_DIALECT)
    if isinstance(tree, exp.Select) and len(tree.expressions) == 1:
        only = tree.expressions[0]
        only.replace(exp.alias_(only.unalias() if isinstance(only, exp.Alias) else only, "failures"))
        inner = rewrite_tables(tree.sql(dialect=PARSE_DIALECT), replacements)
        return f"select failures\nfrom (\n{inner}\n) as check_result\nwhere failures > {number_text(threshold)}\n"
    inner = rewrite_tables(query, replacements)
    return f"select failures\nfrom (\n{inner}\n) as check_result (failures)\nwhere failures > {number_text(threshold)}\n"


def number_text(value) -> str:
    value = float(value or 0)
    return str(int(value)) if value.is_integer() else repr(value)


class _Dumper(yaml.SafeDumper):
    """Multi-line strings (SQL, Markdown) as `|` blocks, readable in the files people edit."""


def _str(dumper, value: str):
    style = "|" if "\n" in value and all(line == line.rstrip() for line in value.split("\n")) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def dump(data) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


def column_tests(field: dict, relationship: tuple[Source, str] | None) -> tuple[list, list[tuple[str, str]]]:
    """The generic tests of a column (schema.yml) and the singular ones as (kind, SQL condition)."""
    tests: list = []
    singular: list[tuple[str, str]] = []
    name = field["name"]
    for c in field.get("constraints") or []:
        kind, value = c["type"], c.get("value")
        if kind in ("not_null", "unique"):
            tests.append(kind)
        elif kind == "in":
            entry = {"values": list(value)}
            if not all(isinstance(v, str) for v in value):
                entry["quote"] = False
            tests.append({"accepted_values": entry})
        elif kind == "min":
            singular.append(("min", f"{name} < {number_text(value)}"))
        elif kind == "max":
            singular.append(("max", f"{name} > {number_text(value)}"))
        elif kind == "min_length":
            singular.append(("min_length", f"length({name}) < {int(value)}"))
        elif kind == "max_length":
            singular.append(("max_length", f"length({name}) > {int(value)}"))
        # `pattern` has no portable SQL (regexp syntax differs per warehouse): schema.yml keeps
        # it in the column's meta and the portal's own checks enforce it.
    if relationship is not None:
        source, column = relationship
        tests.append(
            {"relationships": {"to": f"source('{source.source}', '{source.table}')", "field": column}}
        )
    return tests, singular


def docs_block(name: str, text: str) -> str:
    # {% raw %} so that braces in a description are text, not Jinja.
    clean = text.replace("{% endraw %}", "").replace("{%endraw%}", "")
    return f"{{% docs {name} %}}{{% raw %}}\n{clean.strip()}\n{{% endraw %}}{{% enddocs %}}\n"
