"""Write a contract document back as YAML.

The document holds values as submitted, with dates as "YYYY-MM-DD" strings; the known date paths
(vocab.DATE_PATHS) become YAML dates again, so `parse_contract(document_to_yaml(doc))` gives back
the same document and contract. Keys keep their order; multi-line strings use literal blocks.
"""

from datetime import date

import yaml

from .vocab import DATE_PATHS


class _Dumper(yaml.SafeDumper):
    """Indents list items under their key, as the seed contract does (the C dumper cannot)."""

    def increase_indent(self, flow=False, indentless=False):
        return super().increase_indent(flow, False)


def _represent_str(dumper, value: str):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


def _as_date(value):
    if isinstance(value, str) and len(value) == 10:
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value
    return value


def _restore(value, pattern: tuple):
    """Copy of `value` with the node at `pattern` (keys, "*" for every list item) made a date."""
    if not pattern:
        return _as_date(value)
    head, rest = pattern[0], pattern[1:]
    if head == "*":
        if isinstance(value, list):
            return [_restore(item, rest) for item in value]
        return value
    if isinstance(value, dict) and head in value:
        copy = dict(value)
        copy[head] = _restore(value[head], rest)
        return copy
    return value


def document_to_yaml(document: dict) -> str:
    """The document as block-style YAML, dates restored, key order kept."""
    data = document
    for pattern in DATE_PATHS:
        data = _restore(data, pattern)
    return yaml.dump(
        data,
        Dumper=_Dumper,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        width=4096,
    )
