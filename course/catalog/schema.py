"""The catalog's JSON Schemas (``catalog/schemas/``), checked against YAML documents read by
``course.yamlsource``, so a schema error is reported at the line the author has to fix."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

from jsonschema import Draft202012Validator

from course.problems import Problem
from course.yamlsource import YamlDocument


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
