"""json_depth (the nesting bound checked before any JSON is parsed) against a plain scanner."""

from __future__ import annotations

import json
import random

from riskmodel.files.jsonfile import json_depth


def _scanned_depth(text: str) -> int:
    """Character by character; a backslash escapes the next character (valid JSON has them only
    inside strings; elsewhere they are dropped with it, as json_depth documents)."""
    depth = deepest = 0
    inside = escaped = False
    for char in text:
        if escaped or char == "\\":
            escaped = not escaped
        elif inside:
            inside = char != '"'
        elif char == '"':
            inside = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def test_random_marks_give_the_scanned_depth() -> None:
    rng = random.Random(15)
    for _ in range(3000):
        text = "".join(rng.choice('[]{}"\\ax') for _ in range(rng.randrange(0, 60)))
        assert json_depth(text) == _scanned_depth(text) == json_depth(text.encode()), text


def test_hundreds_of_quotes_before_the_deepest_bracket() -> None:
    # 600 strings (1,200 quotes: past any one-byte count) with brackets inside, then 7 levels
    document = {"names": [f"a[{i}]{{" for i in range(600)], "deep": [[[[[[["x"]]]]]]]}
    text = json.dumps(document)
    assert json_depth(text) == _scanned_depth(text) == 8
    assert json_depth(text.encode()) == 8
    assert json_depth(json.dumps([r'\"[[[', "]]]"])) == 1


def test_no_brackets() -> None:
    assert json_depth("") == json_depth(b'"[{"') == json_depth("42") == 0
