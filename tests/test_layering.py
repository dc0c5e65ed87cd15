"""The package layering of ``riskmodel/`` holds: every import of every module is walked with
``ast`` and checked against the table below (the order of ``riskmodel/__init__.py``).

A module may import its own package and the packages its package is allowed; ``errors`` is
open to all. The engine never learns where evidence came from (no ``sources``), and nothing
in the library imports Streamlit.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "riskmodel"

_BELOW_ENGINE = {"errors", "model", "files"}
_BELOW_PLAN = _BELOW_ENGINE | {"sources", "generate", "engine"}
ALLOWED: dict[str, set[str]] = {
    "errors": set(),
    "model": {"errors"},
    "files": {"errors", "model"},
    "sources": {"errors", "model", "files"},
    "generate": {"errors", "model", "files"},
    "engine": _BELOW_ENGINE,
    "plan": _BELOW_PLAN,
    "analytics": _BELOW_PLAN | {"plan"},
    "simulate": _BELOW_PLAN | {"plan", "analytics"},
    "review": _BELOW_PLAN | {"plan", "analytics", "simulate"},
    "report": _BELOW_PLAN | {"plan", "analytics", "simulate", "review"},
    "cli": _BELOW_PLAN | {"plan", "analytics", "simulate", "review", "report"},
    "__main__": {"cli"},
    "riskmodel": set(),
}
FORBIDDEN_EVERYWHERE = ("streamlit",)


def _package_of(module: str) -> str | None:
    """``riskmodel.engine.risk`` → ``engine``; ``riskmodel`` alone → None."""
    parts = module.split(".")
    if parts[0] != "riskmodel" or len(parts) < 2:
        return None
    return parts[1]


def _module_name(path: Path, root: Path) -> str:
    relative = path.relative_to(root.parent).with_suffix("")
    parts = list(relative.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path, root: Path) -> list[tuple[int, str]]:
    """Every imported module name with its line, relative imports resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    module = _module_name(path, root)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            found.append((node.lineno, name))
            if name == "riskmodel":
                found += [(node.lineno, f"riskmodel.{alias.name}") for alias in node.names]
    return found


def forbidden_edges(root: Path = ROOT) -> list[str]:
    """Each import that breaks the table, as ``file:line: imports X (package P may import …)``."""
    problems = []
    for path in sorted(root.rglob("*.py")):
        module = _module_name(path, root)
        own = _package_of(module) or "riskmodel"
        if own not in ALLOWED:
            problems.append(f"{path}: package {own!r} is not in the layering table")
            continue
        for line, name in _imports(path, root):
            if name.split(".")[0] in FORBIDDEN_EVERYWHERE:
                problems.append(f"{path}:{line}: imports {name} (the library never imports it)")
                continue
            target = _package_of(name)
            if target is None or target == own or target in ALLOWED[own]:
                continue
            problems.append(f"{path}:{line}: imports {name} ({own} may import {sorted(ALLOWED[own])})")
    return problems


def test_every_import_follows_the_layering() -> None:
    assert forbidden_edges() == []


def test_every_package_has_a_docstring_and_no_logic() -> None:
    for init in sorted(ROOT.rglob("__init__.py")):
        tree = ast.parse(init.read_text(encoding="utf-8"))
        assert ast.get_docstring(tree), f"{init} has no package docstring"
        assert len(tree.body) == 1, f"{init} holds more than its docstring"


@pytest.mark.parametrize(
    ("package", "line", "expected"),
    [
        ("model", "from riskmodel.engine.risk import RiskModel", "model may import"),
        ("engine", "from riskmodel.report.analysis import analyse", "engine may import"),
        ("engine", "from riskmodel.sources.dump import ClusterDump", "engine may import"),
        ("engine", "from ..review import edits", "engine may import"),
        ("plan", "import streamlit as st", "never imports it"),
        ("sources", "from riskmodel import engine", "sources may import"),
    ],
)
def test_a_forbidden_import_is_caught(tmp_path: Path, package: str, line: str, expected: str) -> None:
    tree = tmp_path / "riskmodel"
    (tree / package).mkdir(parents=True)
    (tree / package / "bad.py").write_text(f"{line}\n", encoding="utf-8")
    problems = forbidden_edges(tree)
    assert len(problems) == 1 and expected in problems[0] and "bad.py:1" in problems[0]


def test_an_allowed_import_passes(tmp_path: Path) -> None:
    tree = tmp_path / "riskmodel"
    (tree / "plan").mkdir(parents=True)
    (tree / "plan" / "good.py").write_text("from riskmodel.engine.risk import RiskModel\nfrom . import planner\n",
                                           encoding="utf-8")
    assert forbidden_edges(tree) == []
