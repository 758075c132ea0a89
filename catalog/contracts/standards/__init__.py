"""Open standards: read ODCS v3.x and Data Contract Specification files, write ODCS v3.1.0.

    detect_format(document) -> (format, problem)   "seed" | "odcs" | "dcs"; problem when refused
    translate(loaded, filename, format, domain=...) -> [(Translation, LoadedYaml)]
    contract_to_odcs(document, contract, status=...) -> dict   (odcs_export)
    validate_odcs(data) -> [str]                               (against the vendored JSON Schema)

A standard's file is translated into documents of the portal's format, then validated by the
same validator as any contract (parse.py), with every problem pointed at the line, column and
field path of the original file. The mapping is documented in docs/standards.md.
"""

import re

from ..errors import Path, format_path
from ..loader import LoadedYaml
from .common import Note, Translation
from .dcs import SUPPORTED_DCS, dcs_to_odcs
from .odcs_export import contract_to_odcs, schema_problems, validate_odcs
from .odcs_import import OdcsReader

ODCS_VERSION = re.compile(r"^v?3\.(\d+)\.(\d+)$")
SUPPORTED_ODCS = ("v3.0.0", "v3.0.1", "v3.0.2", "v3.1.0", "v3.2.0")

__all__ = ["contract_to_odcs", "detect_format", "problem_path", "translate", "validate_odcs"]


def detect_format(document: dict) -> tuple[str, tuple[Path, str] | None]:
    """The document's format and, when it is a standard's unsupported version, (path, reason)."""
    if "dataContractSpecification" in document:
        version = document["dataContractSpecification"]
        if str(version) not in SUPPORTED_DCS:
            return "dcs", (
                ("dataContractSpecification",),
                f"Data Contract Specification {version!r} is not supported "
                f"(supported: {', '.join(SUPPORTED_DCS)})",
            )
        return "dcs", None
    if "apiVersion" in document or ("kind" in document and "owner" not in document):
        kind = document.get("kind")
        if kind != "DataContract":
            return "odcs", (("kind",), f"an ODCS file has kind: DataContract, not {kind!r}")
        version = document.get("apiVersion")
        if version is None:
            return "odcs", (("kind",), "an ODCS file names its standard version in apiVersion (e.g. v3.1.0)")
        if str(version) not in SUPPORTED_ODCS:
            return "odcs", (
                ("apiVersion",),
                f"ODCS apiVersion {version!r} is not supported (supported: {', '.join(SUPPORTED_ODCS)})",
            )
        return "odcs", None
    return "seed", None


def translate(loaded: LoadedYaml, fmt: str, *, domain: str | None) -> list[tuple[Translation, LoadedYaml]]:
    """One (translation, loaded-like document with the original's positions) per product."""
    document = loaded.value
    origin_of: dict[Path, Path] = {}
    pre_notes = []
    standard = "ODCS"
    if fmt == "dcs":
        document, origin_of, pre_notes = dcs_to_odcs(document)
        standard = "DCS"
    else:
        pre_notes = _schema_notes(document)
    reader = OdcsReader(document, domain=domain, standard=standard)
    out = []
    for t in reader.translations():
        if fmt == "dcs":
            _reroute(t, origin_of)
        if pre_notes:
            t.notes[:0] = pre_notes
            if not reader.mesh:
                reader_notes_readme(t, standard)
        out.append((t, _positions(t, loaded)))
    return out


MAX_SCHEMA_NOTES = 20


def _schema_notes(document: dict) -> list[Note]:
    """Where an ODCS file breaks the official JSON Schema, as notes: the standard's text, not the
    schema, is the authority (its README says so), and a misspelt key is ignored by the reading,
    so the author should hear about it. At most MAX_SCHEMA_NOTES, one per place."""
    if str(document.get("apiVersion")) not in ("v3.1.0", "v3.0.0", "v3.0.1", "v3.0.2"):
        return []  # the v3.2.0 draft has keys the v3.1.0 schema does not know
    notes, seen = [], set()
    for path, message in schema_problems(document):
        if path in seen:
            continue
        seen.add(path)
        if len(notes) == MAX_SCHEMA_NOTES:
            notes.append(Note((), "more places break the ODCS v3.1.0 JSON Schema; they are not listed"))
            break
        notes.append(Note(path, f"not valid ODCS v3.1.0 (JSON Schema): {_short(message)}"))
    return notes


def _short(message: str) -> str:
    return message if len(message) <= 200 else message[:197] + "..."


def reader_notes_readme(t: Translation, standard: str) -> None:
    """Rebuild the README notes section once the DCS notes are in."""
    readme = t.document.get("readme")
    marker = f"## Not translated from {standard}"
    if isinstance(readme, str) and marker in readme:
        readme = readme[: readme.index(marker)].rstrip() or None
    lines = [f"- `{format_path(n.path) or '(top)'}`: {n.message}" for n in t.notes]
    section = f"{marker}\n\n" + "\n".join(lines) + "\n"
    t.document["readme"] = (readme + "\n\n" + section) if readme else section


def _reroute(t: Translation, origin_of: dict[Path, Path]) -> None:
    t.origin = {k: _exact_trace(v, origin_of) for k, v in t.origin.items()}
    for note in t.notes:
        note.path = _exact_trace(note.path, origin_of)
    for error in t.errors:
        error.path = _exact_trace(error.path, origin_of)


def _exact_trace(path: Path, origin_of: dict[Path, Path]) -> Path:
    probe = path
    while probe:
        if probe in origin_of:
            return origin_of[probe]
        probe = probe[:-1]
    return ()


def _walk(value, path: Path, out: list[Path]) -> None:
    stack = [(value, path)]
    while stack:
        node, here = stack.pop()
        out.append(here)
        if isinstance(node, dict):
            stack.extend((v, here + (k,)) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((v, here + (i,)) for i, v in enumerate(node))


def _source_of(path: Path, origin: dict[Path, Path]) -> Path:
    probe = path
    while probe:
        if probe in origin:
            return origin[probe]
        probe = probe[:-1]
    return ()


def _positions(t: Translation, loaded: LoadedYaml) -> LoadedYaml:
    """A LoadedYaml of the translated document whose marks are those of the original file, and
    `display`: the original's field path for each translated path (for problem messages)."""
    paths: list[Path] = []
    _walk(t.document, (), paths)
    marks, key_marks, display = {}, {}, {}
    for path in paths:
        source = _source_of(path, t.origin)
        mark = _mark(loaded.marks, source)
        if mark is not None:
            marks[path] = mark
        key_mark = loaded.key_marks.get(source)
        if key_mark is not None:
            key_marks[path] = key_mark
        display[format_path(path)] = format_path(source)
    out = LoadedYaml(value=t.document, loaded=True, marks=marks, key_marks=key_marks)
    out.display = display  # type: ignore[attr-defined]
    return out


def _mark(marks: dict, path: Path):
    probe = path
    while True:
        if probe in marks:
            return marks[probe]
        if not probe:
            return None
        probe = probe[:-1]


def problem_path(path: str, display: dict[str, str]) -> str:
    """The original's field path for a problem reported at translated `path`."""
    probe = path
    while probe:
        if probe in display:
            return display[probe] or probe
        cut = max(probe.rfind("."), probe.rfind("["))
        probe = probe[:cut] if cut > 0 else ""
    return path
