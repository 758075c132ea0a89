"""Load contract YAML safely, keeping the position of every key and value.

`yaml.safe_load` is not enough for text from users (research finding 9): an alias bomb is cheap to
load but explodes when walked, and deep nesting raises RecursionError. So the document is built
here from the parser's *event stream* with an explicit stack (no recursion at all):

- anchors and aliases are rejected outright, so nothing is ever shared or expanded;
- nesting deeper than MAX_DEPTH stops loading at the first event past the limit;
- only the YAML core tags are accepted (`!!python/...` and custom tags are errors);
- duplicate keys and non-string keys are errors;
- dates and timestamps stay the text they were written as, so the result is JSON-safe and
  "values as submitted"; the validator decides where a date is expected.

The size cap is applied by the caller before any parsing.
"""

import contextlib
import math
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from yaml.nodes import ScalarNode

from .errors import ContractProblem, Path, format_path

MAX_DEPTH = 64
MAX_PROBLEMS = 500
DEFAULT_MAX_BYTES = 256 * 1024

# libyaml is about ten times faster than the pure-Python parser; the behaviour is the same.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_CORE = "tag:yaml.org,2002:"
_STR, _INT, _FLOAT, _BOOL, _NULL, _TIMESTAMP = (
    _CORE + t for t in ("str", "int", "float", "bool", "null", "timestamp")
)
_AS_TEXT = {_STR, _TIMESTAMP, _CORE + "merge", _CORE + "value"}
_SCALAR_TAGS = {_STR, _INT, _FLOAT, _BOOL, _NULL, _TIMESTAMP}
_SEQ, _MAP = _CORE + "seq", _CORE + "map"

Mark = tuple[int, int]


def max_bytes() -> int:
    """settings.MESH_CONTRACT_MAX_BYTES, or 256 KiB when Django settings are not configured."""
    try:
        from django.conf import settings

        return int(getattr(settings, "MESH_CONTRACT_MAX_BYTES", DEFAULT_MAX_BYTES))
    except Exception:  # ImproperlyConfigured outside Django, or a malformed setting
        return DEFAULT_MAX_BYTES


@dataclass
class LoadedYaml:
    """`value` is the document (None when it could not be loaded); `marks` maps a path to the
    1-based (line, column) where its value starts, `key_marks` to where its key starts."""

    value: Any = None
    loaded: bool = False
    marks: dict[Path, Mark] = field(default_factory=dict)
    key_marks: dict[Path, Mark] = field(default_factory=dict)
    problems: list[ContractProblem] = field(default_factory=list)


class _Stop(Exception):
    """Loading cannot go on (alias, tag, depth): the problem is already recorded."""


_NOKEY = object()  # the mapping waits for a key
_DROP = object()  # the pending value belongs to a bad or duplicate key and is thrown away


class _Frame:
    __slots__ = ("value", "path", "is_map", "key", "dropped", "as_key")

    def __init__(self, value, path, is_map, dropped, as_key):
        self.value = value
        self.path = path
        self.is_map = is_map
        self.key = _NOKEY
        self.dropped = dropped
        self.as_key = as_key


def _short_tag(tag: str) -> str:
    return "!!" + tag[len(_CORE) :] if tag.startswith(_CORE) else tag


def _kind(value) -> str:
    if value is None:
        return "null"
    return {bool: "boolean", int: "integer", float: "number", list: "list", dict: "mapping"}.get(
        type(value), "string"
    )


class _Builder:
    def __init__(self, loader, filename: str, out: LoadedYaml):
        self.loader = loader
        self.filename = filename
        self.out = out
        self.stack: list[_Frame] = []
        self.root: Any = _NOKEY

    def problem(self, mark, message: str, path: Path = ()) -> None:
        if len(self.out.problems) >= MAX_PROBLEMS:
            return  # parse() adds the "more problems" note
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (None, None)
        self.out.problems.append(ContractProblem(self.filename, line, col, format_path(path), message))

    def stop(self, mark, message: str, path: Path = ()):
        self.problem(mark, message, path)
        raise _Stop

    def run(self) -> None:
        documents = 0
        get_event = self.loader.get_event
        while True:
            event = get_event()
            cls = type(event)
            if cls is ScalarEvent:
                self.scalar(event)
            elif cls is MappingStartEvent or cls is SequenceStartEvent:
                self.start(event, cls is MappingStartEvent)
            elif cls is MappingEndEvent or cls is SequenceEndEvent:
                self.end()
            elif cls is AliasEvent:
                self.stop(
                    event.start_mark, f"aliases are not allowed (found alias *{event.anchor})", self.where()
                )
            elif cls is DocumentStartEvent:
                documents += 1
                if documents > 1:
                    self.stop(event.start_mark, "a contract is one YAML document; found a second '---'")
            elif cls is StreamEndEvent:
                break
        if self.root is not _NOKEY:
            self.out.value = self.root
            self.out.loaded = True

    def where(self) -> Path:
        """The path of the node about to start, for messages."""
        if not self.stack:
            return ()
        top = self.stack[-1]
        if top.dropped:
            return top.path
        if not top.is_map:
            return top.path + (len(top.value),)
        return top.path + (top.key,) if isinstance(top.key, str) else top.path

    def check_anchor_and_tag(self, event, allowed: set[str]) -> None:
        if event.anchor is not None:
            self.stop(
                event.start_mark,
                f"anchors and aliases are not allowed (found anchor &{event.anchor})",
                self.where(),
            )
        tag = event.tag
        if tag is not None and tag != "!" and tag not in allowed:
            self.stop(event.start_mark, f"the tag {_short_tag(tag)} is not allowed", self.where())

    def start(self, event, is_map: bool) -> None:
        self.check_anchor_and_tag(event, {_MAP} if is_map else {_SEQ})
        if len(self.stack) >= MAX_DEPTH:
            self.stop(event.start_mark, f"nesting too deep (the limit is {MAX_DEPTH} levels)")
        path, dropped, as_key = self.place_start(event.start_mark)
        frame = _Frame({} if is_map else [], path, is_map, dropped, as_key)
        self.stack.append(frame)

    def place_start(self, mark) -> tuple[Path, bool, bool]:
        """Decide where the node starting at `mark` goes; record its mark."""
        m = (mark.line + 1, mark.column + 1)
        if not self.stack:
            self.out.marks[()] = m
            return (), False, False
        parent = self.stack[-1]
        if parent.is_map and parent.key is _NOKEY:
            self.problem(mark, "a mapping key must be a plain string, not a list or mapping", parent.path)
            return parent.path, True, True
        if parent.dropped:
            return parent.path, True, False
        if parent.is_map:
            if parent.key is _DROP:
                return parent.path, True, False
            path = parent.path + (parent.key,)
        else:
            path = parent.path + (len(parent.value),)
        self.out.marks[path] = m
        return path, False, False

    def attach(self, value) -> None:
        if not self.stack:
            self.root = value
            return
        parent = self.stack[-1]
        if parent.is_map:
            if isinstance(parent.key, str):
                parent.value[parent.key] = value
            parent.key = _NOKEY
        else:
            parent.value.append(value)

    def end(self) -> None:
        frame = self.stack.pop()
        if frame.as_key:
            # A complex key was already reported; its value is thrown away.
            self.stack[-1].key = _DROP
            return
        self.attach(frame.value)

    def scalar(self, event) -> None:
        self.check_anchor_and_tag(event, _SCALAR_TAGS)
        parent = self.stack[-1] if self.stack else None
        if parent is not None and parent.is_map and parent.key is _NOKEY:
            self.key(parent, event)
            return
        path, _dropped, _as_key = self.place_start(event.start_mark)
        self.attach(self.construct(event, path))

    def key(self, parent: _Frame, event) -> None:
        value = self.construct(event, parent.path)
        if not isinstance(value, str):
            self.problem(
                event.start_mark,
                f"a mapping key must be a string; {event.value!r} reads as {_kind(value)} (quote it)",
                parent.path,
            )
            parent.key = _DROP
            return
        if value in parent.value:
            first = self.out.key_marks.get(parent.path + (value,))
            at = f" (first at line {first[0]})" if first and not parent.dropped else ""
            self.problem(event.start_mark, f"duplicate key '{value}'{at}", parent.path + (value,))
            parent.key = _DROP
            return
        parent.key = value
        parent.value[value] = None  # reserve the position so a duplicate is seen at once
        if not parent.dropped:
            self.out.key_marks[parent.path + (value,)] = (
                event.start_mark.line + 1,
                event.start_mark.column + 1,
            )

    def construct(self, event, path: Path):
        tag = event.tag
        text = event.value
        if tag is None or tag == "!":
            tag = self.loader.resolve(ScalarNode, text, event.implicit)
        if tag in _AS_TEXT:
            return text
        try:
            node = ScalarNode(tag, text, event.start_mark, event.end_mark, event.style)
            value = self.loader.yaml_constructors[tag](self.loader, node)
        except Exception:  # int('0x') and friends, Python's int digit limit, ...
            self.problem(event.start_mark, f"{text!r} is not a valid {_short_tag(tag)} value", path)
            return text
        if isinstance(value, float) and not math.isfinite(value):
            self.problem(event.start_mark, f"{text!r} is not a finite number", path)
            return text
        return value


def _line_of(text: str, index: int) -> str:
    lines = text.split("\n", index + 1)
    return lines[index] if index < len(lines) else ""


def _reader_position(text: str, position: int) -> tuple[int, int]:
    """Line and column for a reader error's offset (libyaml counts bytes, PyYAML characters)."""
    if _Loader is yaml.SafeLoader:
        before = text[:position]
    else:
        before = text.encode("utf-8", "replace")[:position].decode("utf-8", "replace")
    return before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1


def load_yaml(text: str, filename: str) -> LoadedYaml:
    """Load one YAML document. Never raises for any `str`; problems are collected in the result."""
    out = LoadedYaml()
    loader = None
    try:
        loader = _Loader(text)
        _Builder(loader, filename, out).run()
    except _Stop:
        out.value, out.loaded = None, False
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (None, None)
        problem = exc.problem or "invalid YAML"
        if "nesting depth" in problem:
            message = f"nesting too deep ({problem})"
        else:
            context = f"{exc.context}: " if exc.context else ""
            message = f"YAML syntax error: {context}{problem}"
            line_text = _line_of(text, mark.line) if mark is not None else ""
            if "\t" in line_text[: mark.column + 1 if mark is not None else 0]:
                message += " (a tab: indent YAML with spaces, not tabs)"
            elif "struct<" in line_text.lower():
                message += " (quote a struct type: type: 'struct<name: string>')"
        out.problems.append(ContractProblem(filename, line, col, "", message))
        out.value, out.loaded = None, False
    except yaml.reader.ReaderError as exc:
        line, col = _reader_position(text, exc.position)
        out.problems.append(ContractProblem(filename, line, col, "", f"unreadable character: {exc.reason}"))
        out.value, out.loaded = None, False
    except (yaml.YAMLError, UnicodeError, ValueError) as exc:
        out.problems.append(ContractProblem(filename, None, None, "", f"unreadable YAML: {exc}"))
        out.value, out.loaded = None, False
    except RecursionError:  # not expected (the builder does not recurse) but never a traceback
        out.problems.append(ContractProblem(filename, None, None, "", "nesting too deep"))
        out.value, out.loaded = None, False
    finally:
        if loader is not None:
            with contextlib.suppress(Exception):
                loader.dispose()
    return out
