"""The example organization for compliance tests: the policy file and the twelve example
contracts imported exactly as `make demo` does, plus helpers to read docs/governance.md."""

from __future__ import annotations

import re
from io import StringIO
from pathlib import Path

from django.core.management import call_command

from tests.factories import make_user

ROOT = Path(__file__).resolve().parent.parent.parent
EXAMPLES = ROOT / "examples" / "contracts"
POLICY_FILE = ROOT / "examples" / "governance_policy.yaml"


def import_example_organization() -> None:
    call_command("load_policies", str(POLICY_FILE), stdout=StringIO())
    call_command("import_contracts", str(EXAMPLES), stdout=StringIO(), stderr=StringIO())


def example_people() -> dict:
    """A governance lead, the marketing team's owner, a sales analyst."""
    return {
        "lead": make_user("lead", governance=True),
        "marketing_owner": make_user(
            "marketing_owner", role="product_owner", home_domain="marketing", team="marketing-analytics"
        ),
        "analyst": make_user("analyst", role="analyst", home_domain="sales"),
    }


_HEADING = re.compile(r"^### (?P<ref>[\w-]+/[\w-]+) (?P<version>\S+): ")


def documented_violations() -> dict[str, list[tuple[str, str, str | None, str]]]:
    """{"domain/name": [(severity, policy, field, message), ...]} from the generated section of
    docs/governance.md ("Violations of the example products")."""
    from governance import docs

    section = docs.current_section(docs.DOC.read_text())
    assert section, "docs/governance.md has no example-violations section"
    out: dict[str, list] = {}
    current = None
    for line in section.splitlines():
        heading = _HEADING.match(line)
        if heading:
            current = heading["ref"]
            out[current] = []
            continue
        if (
            current
            and line.startswith("| ")
            and not line.startswith("| severity")
            and not line.startswith("| ---")
        ):
            cells = [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
            severity, policy, field, message = cells
            out[current].append((severity, policy, field or None, message))
    return out
