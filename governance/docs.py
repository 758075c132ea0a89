"""Generate the "Violations of the example products" section of docs/governance.md.

    python -m governance.docs      # rewrites the section in place

A test compares the section with what this renders, so the document stays true.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "governance.md"
HEADING = "## Violations of the example products"
START, END = "<!-- example-violations:start -->", "<!-- example-violations:end -->"


def example_violations_markdown(*, contracts_dir: Path | None = None, policy_file: Path | None = None) -> str:
    """A Markdown table per example product of the violations the publish gate reports (pure:
    reads the files, evaluates in memory, writes nothing)."""
    from catalog.contracts import parse_contract
    from governance.engine import evaluate_contract, is_publishable
    from governance.policies import parse_policy_file

    contracts_dir = contracts_dir or ROOT / "examples" / "contracts"
    policy_file = policy_file or ROOT / "examples" / "governance_policy.yaml"
    params = parse_policy_file(policy_file.read_text(), str(policy_file)).params()
    out = []
    for path in sorted(contracts_dir.rglob("*.yaml")):
        parsed = parse_contract(path.read_text(), filename=str(path))
        contract = parsed.contract
        violations = evaluate_contract(contract, params=params)
        verdict = "publishes" if is_publishable(violations) else "**kept as a draft**"
        out.append(f"### {contract['domain']}/{contract['name']} {contract['version']}: {verdict}\n")
        if not violations:
            out.append("No violations.\n")
            continue
        out.append("| severity | policy | field | message |\n| --- | --- | --- | --- |")
        for v in violations:
            message = v.message.replace("|", "\\|")
            out.append(f"| {v.severity} | {v.policy} | {v.field or ''} | {message} |")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def render_section() -> str:
    return f"{START}\n{example_violations_markdown()}{END}"


def current_section(text: str) -> str | None:
    if START not in text or END not in text:
        return None
    return text[text.index(START) : text.index(END) + len(END)]


def rewrite() -> None:
    text = DOC.read_text()
    section = render_section()
    existing = current_section(text)
    if existing is not None:
        text = text.replace(existing, section)
    else:
        head, _, tail = text.partition(HEADING)
        rest = tail.split("\n## ", 1)
        after = ("\n## " + rest[1]) if len(rest) > 1 else ""
        text = f"{head}{HEADING}\n\nGenerated from `examples/` by `python -m governance.docs` and kept true by a test.\n\n{section}\n{after}"
    DOC.write_text(text)


if __name__ == "__main__":
    import os
    import sys

    import django

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mesh_portal.settings")
    django.setup()
    rewrite()
    print(f"rewrote the example violations in {DOC}")
