"""Loading catalogs and scenarios from files into validated, frozen models.

Every problem becomes an :class:`~riskmodel.errors.InputError` naming the file, the line
and the field path, collected into one :class:`~riskmodel.errors.InputErrors`.
"""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TypeVar, get_args

from pydantic import BaseModel, ValidationError

from riskmodel.errors import FieldPath, InputError, InputErrors
from riskmodel.files.yamlfile import MAX_INPUT_BYTES, line_of, parse_yaml, read_text
from riskmodel.model.catalog import Catalog, CatalogFile, catalog_problems, merge_catalogs
from riskmodel.model.scenario import Scenario, scenario_problems

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
SHIPPED_CATALOGS = PROJECT_ROOT / "failure_catalogs"
SHIPPED_SCENARIOS = PROJECT_ROOT / "scenarios"
YAML_SUFFIXES = (".yaml", ".yml")

ModelT = TypeVar("ModelT", bound=BaseModel)


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    """Model classes inside an annotation (through Optional, Union, tuple, dict, Annotated)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [model for arg in get_args(annotation) for model in _models_in(arg)]


def _fields_at(root: type[BaseModel], path: FieldPath) -> list[str]:
    """Field names (and aliases) the model at ``path`` accepts, for typo suggestions."""
    models = [root]
    for part in path:
        if isinstance(part, int):
            continue
        models = [
            inner
            for model in models
            if part in model.model_fields
            for inner in _models_in(model.model_fields[part].annotation)
        ]
    names: list[str] = []
    for model in models:
        for name, info in model.model_fields.items():
            names.append(info.validation_alias if isinstance(info.validation_alias, str) else name)
    return names


def _is_branch_tag(part: Any) -> bool:
    """Pydantic names union members in error locations ('constrained-float', 'Interval', …)."""
    return isinstance(part, str) and (not part.isidentifier() or part[:1].isupper() or part in _SCALARS)


_SCALARS = {"float", "int", "str", "bool"}


def _walk(data: Any, loc: tuple[Any, ...]) -> tuple[FieldPath, Any, str | None]:
    """Follow a pydantic error location through the data, dropping union branch tags.

    Returns the cleaned path, the value found there and, for a union, whether the error
    came from its model branch ("model") or a scalar branch ("scalar").
    """
    path: list[str | int] = []
    value = data
    branch: str | None = None
    for part in loc:
        if isinstance(value, dict) and part in value or isinstance(value, list) and isinstance(part, int) and 0 <= part < len(value):
            value = value[part]
            path.append(part)
        elif _is_branch_tag(part):
            if branch is None:
                is_model = "[" in part or part[:1].isupper()
                branch = "model" if is_model and "float" not in part.split("[")[0] else "scalar"
                branch = branch + (":dict" if isinstance(value, dict) else ":value")
        else:
            path.append(part)
    return tuple(path), value, branch


def _describe(error: dict[str, Any], value: Any, root: type[BaseModel], path: FieldPath) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        close = difflib.get_close_matches(str(path[-1]), _fields_at(root, path[:-1]), n=1, cutoff=0.5)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return f"unknown field {str(path[-1])!r}{hint}"
    if kind == "missing":
        return f"missing required field {str(error['loc'][-1])!r}"
    message = str(error["msg"])
    if kind == "value_error":
        return message.removeprefix("Value error, ")
    message = message.replace("Input should be greater", "expected a value greater")
    message = message.replace("Input should be less", "expected a value less")
    message = message.replace("Input should be", "expected")
    shown = repr(value) if not isinstance(value, (dict, list)) else type(value).__name__
    return f"{message[:1].lower()}{message[1:]}, got {shown}"


def _keep(branch: str | None) -> bool:
    """Of a union's errors keep the branch the input was meant for (a dict: the model)."""
    if branch is None:
        return True
    kind, shape = branch.split(":")
    return (kind == "model") == (shape == "dict")


def validation_errors(
    error: ValidationError, data: Any, text: str, file: str, root: type[BaseModel]
) -> list[InputError]:
    """Turn a pydantic ValidationError into InputErrors with field paths and lines."""
    by_path: dict[FieldPath, list[str]] = {}
    for item in error.errors():
        path, value, branch = _walk(data, tuple(item["loc"]))
        if _keep(branch):
            by_path.setdefault(path, []).append(_describe(dict(item), value, root, path))
    return [
        InputError(file, message, line=line_of(text, path), field=path)
        for path, messages in by_path.items()
        for message in dict.fromkeys(messages)
    ]


def parse_model(model: type[ModelT], path: Path, max_bytes: int = MAX_INPUT_BYTES) -> tuple[ModelT, str]:
    """Read, parse and validate one YAML file as ``model``; returns the model and its text."""
    text = read_text(path, max_bytes)
    data = parse_yaml(text, str(path))
    if not isinstance(data, dict):
        raise InputError(str(path), f"expected a YAML mapping at the top level, got {type(data).__name__}", line=1)
    try:
        return model.model_validate(data), text
    except ValidationError as error:
        raise InputErrors(validation_errors(error, data, text, str(path), model)) from None


def yaml_files(paths: Iterable[Path]) -> list[Path]:
    """Expand folders into their YAML files (sorted); keep files as given."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.suffix in YAML_SUFFIXES and p.is_file()))
        else:
            found.append(path)
    return found


def sha256_of(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def load_catalog(paths: Iterable[Path], max_bytes: int = MAX_INPUT_BYTES) -> tuple[Catalog, dict[str, str]]:
    """Load and merge catalog files or folders; returns the catalog and each file's sha256."""
    paths = list(paths)
    files: dict[str, CatalogFile] = {}
    texts: dict[str, str] = {}
    errors: list[InputError] = []
    for file in yaml_files(paths):
        try:
            files[str(file)], texts[str(file)] = parse_model(CatalogFile, file, max_bytes)
        except InputErrors as problem:
            errors.extend(problem.errors)
        except InputError as problem:
            errors.append(problem)
    for name, field_path, message in catalog_problems(files):
        errors.append(InputError(name, message, line=line_of(texts[name], field_path), field=field_path))
    InputErrors.raise_if_any(errors)
    if not files:
        raise InputError(", ".join(str(p) for p in paths), "no catalog files found; expected .yaml files")
    return merge_catalogs(files), {file: sha256_of(text) for file, text in texts.items()}


def parse_scenario(path: Path, max_bytes: int = MAX_INPUT_BYTES) -> tuple[Scenario, str]:
    """Parse one scenario file and check its internal references."""
    scenario, text = parse_model(Scenario, path, max_bytes)
    InputErrors.raise_if_any(
        InputError(str(path), message, line=line_of(text, field_path), field=field_path)
        for field_path, message in scenario_problems(scenario)
    )
    return scenario, text
