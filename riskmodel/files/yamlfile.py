"""Reading YAML input safely: ``safe_load`` only, duplicate keys refused, nesting depth and
alias expansion bounded before anything is built, and field paths mapped back to line numbers.

The one YAML reader of the project: :func:`parse_yaml` for one document (catalogs, scenarios,
what-if and plan files), :func:`parse_yaml_documents` for a stream of several (kubectl
``-o yaml`` dumps). Both first walk libyaml's event stream, which is iterative, to check the
depth and the alias expansion: PyYAML's composers recurse per level (the C one segfaults
around 30,000 levels, the Python one raises RecursionError after a few hundred), and a
"billion laughs" of nested aliases expands to 10⁹ nodes from a few hundred bytes.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import yaml

from riskmodel.errors import FieldPath, InputError
from riskmodel.files.reading import MAX_INPUT_BYTES, read_text

MAX_NESTING_DEPTH = 100
"""Deepest nesting of mappings and lists in any input (YAML or JSON); kubectl output of a
pod nests about 15 levels deep."""

MAX_ALIAS_NODES = 1_000_000
"""Nodes that ``*alias`` references may add to one document when expanded (a billion laughs
adds 10⁹); the demo's shared taints add a handful."""

_BaseLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_StructureLoader: type = getattr(yaml, "CBaseLoader", yaml.BaseLoader)
"""For line numbers only: no tag resolution per scalar (the slow, Python part of composing)."""
_OPENS = (yaml.SequenceStartEvent, yaml.MappingStartEvent)
_CLOSES = (yaml.SequenceEndEvent, yaml.MappingEndEvent)


class _StrictLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """SafeLoader that refuses duplicate mapping keys instead of keeping the last one."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, yaml.Node] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            try:
                hash(key)
            except TypeError:
                raise yaml.constructor.ConstructorError(
                    None, None, f"a {type(key).__name__} cannot be a mapping key; expected a scalar key",
                    key_node.start_mark,
                ) from None
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"duplicate key {key!r} (first at line {seen[key].start_mark.line + 1})",
                    key_node.start_mark,
                )
            seen[key] = key_node
        return super().construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _StrictLoader.construct_mapping
)


def _line(event: yaml.Event) -> int:
    return event.start_mark.line + 1 if event.start_mark is not None else 1


def check_structure(stream: str | bytes, file: str) -> None:
    """Refuse nesting deeper than ``MAX_NESTING_DEPTH`` and aliases that expand to more than
    ``MAX_ALIAS_NODES`` nodes (or into themselves), from the event stream alone.

    Syntax errors propagate as :class:`yaml.YAMLError` for the caller to report.
    """
    loader = _BaseLoader(stream)
    try:
        depth, expanded, added = 0, 0, 0
        sizes: dict[str, int] = {}
        frames: list[tuple[str | None, int]] = []
        while loader.check_event():
            event = loader.get_event()
            kind = type(event)
            if kind is yaml.ScalarEvent:
                expanded += 1
                if event.anchor:
                    sizes[event.anchor] = 1
            elif kind in _OPENS:
                depth += 1
                if depth > MAX_NESTING_DEPTH:
                    raise InputError(file, f"nested deeper than {MAX_NESTING_DEPTH} levels; expected a flatter "
                                           "document", line=_line(event))
                expanded += 1
                frames.append((event.anchor, expanded))
            elif kind in _CLOSES:
                depth -= 1
                anchor, start = frames.pop()
                if anchor:
                    sizes[anchor] = expanded - start + 1
            elif kind is yaml.AliasEvent:
                if any(anchor == event.anchor for anchor, _ in frames):
                    raise InputError(file, f"alias *{event.anchor} refers to a node that contains it; "
                                           "expected a finite document", line=_line(event))
                size = sizes.get(event.anchor, 1)
                expanded += size
                added += size
                if added > MAX_ALIAS_NODES:
                    raise InputError(file, f"aliases expand to more than {MAX_ALIAS_NODES:,} nodes (a 'billion "
                                           "laughs'); expected anchors and aliases for small shared parts only",
                                     line=_line(event))
            elif kind is yaml.DocumentStartEvent:
                depth, expanded, added, sizes = 0, 0, 0, {}
    finally:
        loader.dispose()


def _input_error(error: yaml.YAMLError, file: str, stream: str | bytes) -> InputError:
    if isinstance(error, yaml.reader.ReaderError):  # a character YAML does not allow: say where
        before = stream[: error.position]
        newlines = before.count(b"\n") if isinstance(before, bytes) else before.count("\n")
        character = f"#x{error.character:04x}" if isinstance(error.character, int) else repr(error.character)
        return InputError(file, f"YAML error: unacceptable character {character}: {error.reason}", line=newlines + 1)
    if isinstance(error, yaml.MarkedYAMLError):
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else None
        column = f" column {mark.column + 1}" if mark is not None else ""
        problem = error.problem or error.context or "invalid YAML"
        kind = "YAML error" if isinstance(error, yaml.constructor.ConstructorError) else "YAML syntax error"
        return InputError(file, f"{kind}{column}: {problem}", line=line)
    return InputError(file, f"YAML error: {error}")


def _load(stream: str | bytes, file: str, many: bool) -> Any:
    try:
        check_structure(stream, file)
        if many:
            return [doc for doc in yaml.load_all(stream, Loader=_StrictLoader) if doc is not None]  # noqa: S506
        return yaml.load(stream, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as error:
        raise _input_error(error, file, stream) from None
    except InputError:
        raise
    except (ValueError, OverflowError) as error:  # a tagged scalar that does not convert (!!int, !!timestamp)
        raise InputError(file, f"YAML error: {error}") from None


def parse_yaml(text: str | bytes, file: str) -> Any:
    """One document with ``safe_load`` semantics; every problem an InputError with its line."""
    return _load(text, file, many=False)


def parse_yaml_documents(stream: str | bytes, file: str) -> list[Any]:
    """Every non-empty document of a multi-document stream (``---``), each checked the same way."""
    result: list[Any] = _load(stream, file, many=True)
    return result


@lru_cache(maxsize=4)
def _composed(text: str) -> yaml.Node | None:
    """The node tree of a text (cached: one error report asks for many lines of the same file)."""
    try:
        check_structure(text, "")
        return yaml.compose(text, Loader=_StructureLoader)
    except (yaml.YAMLError, InputError):
        return None


def line_of(text: str, path: FieldPath) -> int | None:
    """1-based line of the YAML node at ``path``, or of its nearest existing parent."""
    node = _composed(text)
    if node is None:
        return None
    line = node.start_mark.line + 1
    for part in path:
        child = None
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if key_node.value == part:
                    child = value_node
                    line = key_node.start_mark.line + 1
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            child = node.value[part]
            line = child.start_mark.line + 1
        if child is None:
            break
        node = child
    return line


__all__ = [
    "MAX_ALIAS_NODES", "MAX_INPUT_BYTES", "MAX_NESTING_DEPTH", "check_structure", "line_of", "parse_yaml",
    "parse_yaml_documents", "read_text",
]
