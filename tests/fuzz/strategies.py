"""Hypothesis strategies for hostile inputs: nasty values, random structures, mutations.

Three kinds of input, mixed by every target:
- **structure mutations** of a real document (a shipped catalog, a fixture): a few random
  paths in it get a nasty value, lose their key, gain an unknown key or a duplicate entry;
- **text mutations** of a real file: characters that matter to the syntax inserted, lines
  duplicated or dropped, the text cut short;
- **random structures**: JSON-like values nested a few levels, at the top or at a random path.
"""

from __future__ import annotations

import contextlib
import copy
import json
import math
from collections.abc import Callable
from typing import Any

import yaml
from hypothesis import strategies as st

NASTY_NUMBERS = [0, -1, 1, 0.5, 1e-300, 5e-324, 1e300, 1.7976931348623157e308, -1e308, 2**63, 2**64, 10**30,
                 525_600, 525_601, 1e12, 1e12 + 1, 1e6, 0.009, 1e60, math.inf, -math.inf, math.nan]
NASTY_STRINGS = ["", " ", "1e999999", "1e+15m", "9" * 400, "0x10", "-5", "500m", "16Gi", "1e-12", "2Ei", "1n",
                 "node_1", "a" * 300, "NaN", "+Inf", ".inf", "null", "true", "\x00", "é", "zone:eu", "../../etc",
                 "<script>", "1.5.6", "2026-13-45", "2026-01-01T00:00:00Z", "x\ny", "{a: 1}", "[1, 2]", "*alias"]


def scalars() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.sampled_from(NASTY_NUMBERS), st.sampled_from(NASTY_STRINGS), st.none(), st.booleans(),
        st.integers(min_value=-(10**20), max_value=10**20), st.floats(allow_nan=True, allow_infinity=True),
        st.text(max_size=20),
    )


def structures(max_leaves: int = 12) -> st.SearchStrategy[Any]:
    """JSON-like values: scalars, lists and string-keyed mappings, a few levels deep."""
    return st.recursive(
        scalars(),
        lambda children: st.one_of(st.lists(children, max_size=4),
                                   st.dictionaries(st.text(max_size=8), children, max_size=4)),
        max_leaves=max_leaves,
    )


def paths_of(document: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside ``document`` (mapping keys and list positions)."""
    found = [prefix]
    if isinstance(document, dict):
        for key, value in document.items():
            found += paths_of(value, prefix + (key,))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            found += paths_of(value, prefix + (index,))
    return found


def _mutate(document: Any, path: tuple[Any, ...], operation: str, value: Any) -> Any:
    if not path:
        return value if operation == "replace" else document
    parent = document
    for part in path[:-1]:
        parent = parent[part]
    key = path[-1]
    if operation == "replace":
        parent[key] = value
    elif operation == "delete":
        del parent[key]
    elif operation == "duplicate" and isinstance(parent, list):
        parent.insert(key, copy.deepcopy(parent[key]))
    elif operation == "unknown key" and isinstance(parent[key], dict):
        parent[key][f"unknown_{len(parent[key])}"] = value
    elif operation == "wrap":
        parent[key] = [parent[key]] if not isinstance(parent[key], list) else {"x": parent[key]}
    return document


@st.composite
def mutated(draw: st.DrawFn, bases: list[Any], count: int = 3) -> Any:
    """One of ``bases`` (documents) with 1…``count`` random structural mutations."""
    document = copy.deepcopy(draw(st.sampled_from(bases)))
    for _ in range(draw(st.integers(1, count))):
        paths = paths_of(document)
        path = draw(st.sampled_from(paths))
        operation = draw(st.sampled_from(["replace", "replace", "replace", "delete", "duplicate", "unknown key",
                                          "wrap"]))
        value = draw(st.one_of(scalars(), structures(6))) if operation in ("replace", "unknown key") else None
        with contextlib.suppress(KeyError, IndexError, TypeError):
            document = _mutate(document, path, operation, value)
    return document


SYNTAX = [":", "-", " ", "\n", "'", '"', "{", "}", "[", "]", ",", "#", "&a", "*a", "!!", "|", ">", "?", "%", "@",
          "\t", "\\", "=", "\x00", "\ufeff", "é", "1e999", "+Inf", "NaN", "9" * 30]


@st.composite
def mutated_text(draw: st.DrawFn, texts: list[str], count: int = 4) -> str:
    """One of ``texts`` with characters inserted, ranges deleted, lines doubled, or cut short."""
    text = draw(st.sampled_from(texts))
    for _ in range(draw(st.integers(1, count))):
        operation = draw(st.sampled_from(["insert", "insert", "delete", "double line", "truncate", "replace token"]))
        position = draw(st.integers(0, max(len(text) - 1, 0)))
        if operation == "insert":
            text = text[:position] + draw(st.sampled_from(SYNTAX)) + text[position:]
        elif operation == "delete":
            text = text[:position] + text[position + draw(st.integers(1, 40)):]
        elif operation == "double line":
            lines = text.splitlines(keepends=True) or [""]
            line = draw(st.integers(0, len(lines) - 1))
            text = "".join(lines[:line + 1] + lines[line:])
        elif operation == "truncate":
            text = text[:position]
        else:
            token = draw(st.sampled_from([str(n) for n in NASTY_NUMBERS] + NASTY_STRINGS))
            end = text.find(" ", position + 1)
            text = text[:position] + token + (text[end:] if end > 0 else "")
    return text


def yaml_text(document: Any) -> str:
    """A document as YAML; values YAML cannot represent fall back to JSON (a YAML subset)."""
    try:
        return yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
    except yaml.YAMLError:
        return json.dumps(document, default=str)


def documents_or_text(bases: list[Any], texts: list[str], dump: Callable[[Any], str] = yaml_text
                      ) -> st.SearchStrategy[str]:
    """The input text of one example: a mutated document, a mutated text or a random structure."""
    return st.one_of(
        mutated(bases).map(dump),
        mutated(bases).map(dump),
        mutated_text(texts),
        structures().map(dump),
    )
