"""`parse_contract`: text in, a ParsedContract out (document, normalized contract, problems).

It never raises for any input: a size cap comes first, then the safe loader (loader.py), then
the format validator (validate.py). A bug in this package is logged and reported as a problem
rather than turned into a traceback for the user.
"""

import logging
from dataclasses import dataclass, field, replace

from .errors import ERROR, WARNING, ContractProblem, format_path
from .loader import MAX_PROBLEMS, load_yaml, max_bytes
from .standards import detect_format, problem_path, translate
from .validation import ContractValidator

logger = logging.getLogger(__name__)


@dataclass
class ParsedContract:
    """`document` is the YAML as loaded (None when it could not be loaded as a mapping) and
    `contract` the normalized form (None unless `ok`). `problems` are sorted by position."""

    document: dict | None
    contract: dict | None
    problems: list[ContractProblem] = field(default_factory=list)
    format: str = "seed"

    @property
    def errors(self) -> list[ContractProblem]:
        return [p for p in self.problems if p.severity == ERROR]

    @property
    def warnings(self) -> list[ContractProblem]:
        return [p for p in self.problems if p.severity == WARNING]

    @property
    def ok(self) -> bool:
        return not self.errors


def _position(problem: ContractProblem) -> tuple:
    return (problem.line is None, problem.line or 0, problem.column or 0)


def _failed(
    filename: str, message: str, line: int | None = None, column: int | None = None
) -> ParsedContract:
    return ParsedContract(None, None, [ContractProblem(filename, line, column, "", message)])


def _decode(data: bytes, filename: str) -> str | ParsedContract:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        column = len(before[before.rfind(b"\n") + 1 :].decode("utf-8", "replace")) + 1
        return _failed(
            filename, f"the contract is not valid UTF-8 text (byte 0x{data[exc.start]:02x})", line, column
        )


def _load(text, filename: str):
    """The loaded YAML mapping, or a failed ParsedContract (size, encoding, syntax, not a mapping)."""
    limit = max_bytes()
    if isinstance(text, (bytes, bytearray)):
        if len(text) > limit:
            return _failed(filename, f"the contract is {len(text):,} bytes; the limit is {limit:,} bytes")
        decoded = _decode(bytes(text), filename)
        if isinstance(decoded, ParsedContract):
            return decoded
        text = decoded
    if not isinstance(text, str):
        return _failed(filename, f"a contract must be text, not {type(text).__name__}")
    if len(text) > limit:  # a character is at least one byte: too big without encoding it
        return _failed(filename, f"the contract is more than {limit:,} bytes; the limit is {limit:,} bytes")
    try:
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError as exc:
        return _failed(filename, f"the contract is not valid UTF-8 text (character {exc.start + 1})")
    if size > limit:
        return _failed(filename, f"the contract is {size:,} bytes; the limit is {limit:,} bytes")
    text = text.removeprefix("\ufeff")

    loaded = load_yaml(text, filename)
    if not loaded.loaded:
        problems = loaded.problems or [ContractProblem(filename, None, None, "", "the contract is empty")]
        return ParsedContract(None, None, sorted(problems, key=_position))
    document = loaded.value
    if not isinstance(document, dict):
        line, column = loaded.marks.get((), (None, None))
        found = (
            "nothing" if document is None else ("a list" if isinstance(document, list) else "a single value")
        )
        message = (
            "the contract is empty"
            if document is None
            else f"a contract must be a mapping of keys (name, version, domain, owner, ...); found {found}"
        )
        return ParsedContract(
            None,
            None,
            sorted([*loaded.problems, ContractProblem(filename, line, column, "", message)], key=_position),
        )
    return loaded


def _validate(loaded, filename: str, *, fmt: str = "seed", extra=(), display=None) -> ParsedContract:
    document = loaded.value
    validator = ContractValidator(loaded, filename)
    contract = validator.validate(document)
    found = validator.problems
    if display is not None:
        found = [replace(p, path=problem_path(p.path, display)) for p in found]
    problems = sorted(list(loaded.problems) + found + list(extra), key=_position)
    ok = not validator.failed and not any(p.severity == ERROR for p in problems)
    if len(problems) >= MAX_PROBLEMS:
        problems = problems[:MAX_PROBLEMS]
        problems.append(
            ContractProblem(
                filename, None, None, "", f"more than {MAX_PROBLEMS} problems; the rest are not listed"
            )
        )
    return ParsedContract(document, contract if ok else None, problems, format=fmt)


def _parse(text, filename: str) -> ParsedContract:
    parsed = _parse_all(text, filename, domain=None)
    if len(parsed) == 1:
        return parsed[0]
    names = ", ".join(p.contract["name"] if p.ok else "?" for p in parsed[:5]) + (
        ", ..." if len(parsed) > 5 else ""
    )
    failed = _failed(
        filename,
        f"this {parsed[0].format.upper()} contract describes {len(parsed)} tables ({names}), one product "
        "each: import it with `manage.py import_contracts`",
    )
    failed.format = parsed[0].format
    return failed


def _parse_all(text, filename: str, *, domain: str | None) -> list[ParsedContract]:
    loaded = _load(text, filename)
    if isinstance(loaded, ParsedContract):
        return [loaded]
    fmt, refused = detect_format(loaded.value)
    if refused is not None:
        path, message = refused
        line, column = loaded.marks.get(path, loaded.marks.get((), (None, None)))
        problem = ContractProblem(filename, line, column, format_path(path), message)
        return [ParsedContract(loaded.value, None, [problem], format=fmt)]
    if fmt == "seed":
        if domain and not loaded.value.get("domain"):
            loaded.value["domain"] = domain
        return [_validate(loaded, filename)]
    out = []
    for translation, positioned in translate(loaded, fmt, domain=domain):
        extra = [_problem(filename, loaded, n.path, n.message, WARNING) for n in translation.notes]
        if translation.errors:
            # The translation could not build a contract (no domain, no table name, ...): say why,
            # rather than what the portal's format then misses.
            extra += [_problem(filename, loaded, n.path, n.message, ERROR) for n in translation.errors]
            out.append(ParsedContract(positioned.value, None, sorted(extra, key=_position), format=fmt))
            continue
        out.append(_validate(positioned, filename, fmt=fmt, extra=extra, display=positioned.display))
    return out


def _problem(filename: str, loaded, path, message: str, severity: str) -> ContractProblem:
    probe = path
    while probe not in loaded.marks and probe:
        probe = probe[:-1]
    line, column = loaded.marks.get(probe, (None, None))
    return ContractProblem(filename, line, column, format_path(path), message, severity)


def parse_contract(text: str, *, filename: str = "<contract>") -> ParsedContract:
    """Load, validate and normalize a contract. Never raises: every problem is in `.problems`.

    `text` may also be bytes, which must be UTF-8. The size limit is
    settings.MESH_CONTRACT_MAX_BYTES (256 KiB by default).
    """
    try:
        return _parse(text, filename)
    except Exception as exc:  # a bug here must reach the log, never the user as a traceback
        logger.exception("contract parser failed on %s", filename)
        return _failed(filename, f"the contract could not be read (internal error: {type(exc).__name__})")


def parse_contracts(text, *, filename: str = "<contract>", domain: str | None = None) -> list[ParsedContract]:
    """Like parse_contract, for a file in any supported format: the portal's own, ODCS v3.x or
    the Data Contract Specification. A standard's file gives one ParsedContract per product
    (one per table); `domain` names the domain of a contract that has none. Never raises."""
    try:
        return _parse_all(text, filename, domain=domain)
    except Exception as exc:  # a bug here must reach the log, never the user as a traceback
        logger.exception("contract parser failed on %s", filename)
        return [_failed(filename, f"the contract could not be read (internal error: {type(exc).__name__})")]
