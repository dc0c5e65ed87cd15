"""Reading YAML input safely: size limit, ``safe_load`` only, duplicate keys refused, and
field paths mapped back to line numbers for error messages.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from riskmodel.errors import FieldPath, InputError

MAX_INPUT_BYTES = 64 * 1024 * 1024
"""Largest input file read (bytes); a generated 1,000-node scenario is well under 10 MiB."""

_BaseLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _StrictLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """SafeLoader that refuses duplicate mapping keys instead of keeping the last one."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, yaml.Node] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
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


def read_text(path: Path, max_bytes: int = MAX_INPUT_BYTES) -> str:
    """Read a UTF-8 input file, refusing missing, oversized, binary or empty files."""
    if not path.exists():
        raise InputError(str(path), "file not found")
    if not path.is_file():
        raise InputError(str(path), "expected a file, found a directory or special file")
    size = path.stat().st_size
    if size > max_bytes:
        raise InputError(
            str(path), f"file is {size:,} bytes, over the {max_bytes:,}-byte limit; expected a smaller input"
        )
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise InputError(str(path), f"expected UTF-8 text, found undecodable byte at offset {error.start}") from None
    if not text.strip():
        raise InputError(str(path), "file is empty; expected a YAML mapping")
    return text


def parse_yaml(text: str, file: str) -> Any:
    """``safe_load`` with duplicate-key checks; syntax errors name the line and column."""
    try:
        return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else None
        column = f" column {mark.column + 1}" if mark is not None else ""
        problem = error.problem or error.context or "invalid YAML"
        kind = "YAML error" if isinstance(error, yaml.constructor.ConstructorError) else "YAML syntax error"
        raise InputError(file, f"{kind}{column}: {problem}", line=line) from None
    except yaml.YAMLError as error:
        raise InputError(file, f"YAML error: {error}") from None


def line_of(text: str, path: FieldPath) -> int | None:
    """1-based line of the YAML node at ``path``, or of its nearest existing parent."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    line = node.start_mark.line + 1 if node is not None else None
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
