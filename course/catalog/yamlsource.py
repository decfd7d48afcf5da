"""YAML with line numbers, checked against the catalog's JSON Schemas.

PyYAML's composed node tree keeps where every key and item starts, so a schema error found on the
plain data can be reported at the line the author has to fix.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import yaml
from jsonschema import Draft202012Validator

from course.problems import Problem

Path = tuple[str | int, ...]


@dataclass
class YamlDocument:
    """Parsed YAML data plus the 1-based line of every mapping key and list item."""

    filename: str
    data: Any
    lines: dict[Path, int] = field(default_factory=dict)

    def line(self, *path: str | int) -> int:
        """The line of ``path``, or of its nearest ancestor that has one (1 for the root)."""
        current: Path = tuple(path)
        while current:
            if current in self.lines:
                return self.lines[current]
            current = current[:-1]
        return self.lines.get((), 1)

    def problem(self, message: str, *path: str | int) -> Problem:
        """A problem reported at the line of ``path``."""
        return Problem(self.filename, self.line(*path), message)


def load_yaml(
    text: str, filename: str, first_line: int = 1
) -> tuple[YamlDocument | None, list[Problem]]:
    """Parse one YAML document; ``first_line`` is where ``text`` starts in its file."""
    offset = first_line - 1
    try:
        loader = yaml.SafeLoader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = (mark.line + 1 + offset) if mark is not None else first_line
        reason = getattr(error, "problem", None) or str(error)
        return None, [Problem(filename, line, f"invalid YAML: {reason}")]
    document = YamlDocument(filename, data, {(): first_line})
    problems: list[Problem] = []
    if node is not None:
        _index(node, (), document.lines, problems, filename, offset)
    return document, problems


def _index(
    node, path: Path, lines: dict[Path, int], problems: list[Problem], filename: str, offset: int
) -> None:
    lines.setdefault(path, node.start_mark.line + 1 + offset)
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            line = key_node.start_mark.line + 1 + offset
            if key in seen:
                problems.append(Problem(filename, line, f"duplicate key '{key}'"))
                continue
            seen.add(key)
            lines[path + (key,)] = line
            _index(value_node, path + (key,), lines, problems, filename, offset)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _index(item, path + (index,), lines, problems, filename, offset)


@cache
def schema(name: str) -> dict:
    """One of the JSON Schemas shipped in ``course/catalog/schemas``."""
    text = resources.files("course.catalog").joinpath("schemas", f"{name}.json").read_text("utf-8")
    return json.loads(text)


def check_schema(document: YamlDocument, schema_name: str) -> list[Problem]:
    """Every schema violation in ``document``, each at the line of the offending key or item."""
    validator = Draft202012Validator(schema(schema_name))
    problems = []
    for error in validator.iter_errors(document.data):
        path = tuple(error.absolute_path)
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            allowed = set(error.schema.get("properties", {}))
            for key in error.instance:
                if key not in allowed:
                    problems.append(document.problem(f"unknown field '{key}'", *path, key))
        elif error.validator == "required":
            missing = error.message.split("'")[1] if "'" in error.message else error.message
            where = f" in '{path[-1]}'" if path and isinstance(path[-1], str) else ""
            problems.append(document.problem(f"missing field '{missing}'{where}", *path))
        else:
            message = error.schema.get("x-message") or error.message
            label = ".".join(str(part) for part in path) or "document"
            problems.append(document.problem(f"{label}: {message}", *path))
    return sorted(set(problems))
