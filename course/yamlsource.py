"""The one YAML reader for authors' files (course.yaml, module.yaml, lesson and case front matter,
quiz files): plain values plus the line every key and item came from, so each check can say
``file:line: message``.

One policy for every file:

- safe YAML only (no Python tags), one document;
- a key is a plain scalar: a boolean or float key becomes text (``"True"``, ``"1.5"``), an integer
  stays an integer, and anything else (a mapping or a list as a key) is a problem;
- a key written twice in one mapping is a problem at the line of the second one, and the first
  value is kept, so reading goes on and every other problem is reported too. An author who writes
  ``points`` twice meant one of them; nothing is imported while any problem remains.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from course.problems import Problem

Path = tuple[str | int, ...]
MAP_TAG, SEQ_TAG = "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"


@dataclass
class YamlDocument:
    """Parsed YAML data plus the 1-based line of every mapping key and list item."""

    filename: str
    data: Any
    lines: dict[Path, int] = field(default_factory=dict)

    def line(self, *path: str | int) -> int:
        """The line of ``path``, or of its nearest ancestor that has one (the first line for the
        root)."""
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
    """Parse one YAML document; ``first_line`` is where ``text`` starts in its file (front
    matter starts on line 2). Returns ``(None, problems)`` when the text is not readable YAML,
    else the document and the problems of the policy above."""
    reader = _Reader(filename, first_line - 1)
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        document = YamlDocument(filename, None, {(): first_line})
        if node is not None:
            document.data = reader.build(loader, node, (), document.lines)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        line = mark.line + first_line if mark is not None else first_line
        reason = getattr(error, "problem", None) or str(error)
        return None, [Problem(filename, line, f"invalid YAML: {reason}")]
    finally:
        loader.dispose()
    return document, reader.problems


class _Reader:
    def __init__(self, filename: str, offset: int) -> None:
        self.filename = filename
        self.offset = offset
        self.problems: list[Problem] = []

    def build(self, loader: yaml.SafeLoader, node: yaml.Node, path: Path, lines: dict) -> Any:
        lines.setdefault(path, node.start_mark.line + 1 + self.offset)
        if isinstance(node, yaml.MappingNode) and node.tag == MAP_TAG:
            loader.flatten_mapping(node)
            result: dict = {}
            for key_node, value_node in node.value:
                line = key_node.start_mark.line + 1 + self.offset
                key = loader.construct_object(key_node, deep=True)
                if not isinstance(key, (str, int, float, bool)):
                    self.problems.append(
                        Problem(self.filename, line, "a key must be a plain value")
                    )
                    continue
                key = str(key) if isinstance(key, (bool, float)) else key
                if key in result:
                    self.problems.append(Problem(self.filename, line, f"duplicate key '{key}'"))
                    continue
                lines[path + (key,)] = line
                result[key] = self.build(loader, value_node, path + (key,), lines)
            return result
        if isinstance(node, yaml.SequenceNode) and node.tag == SEQ_TAG:
            return [
                self.build(loader, item, path + (index,), lines)
                for index, item in enumerate(node.value)
            ]
        return loader.construct_object(node, deep=True)  # scalars; other tags as safe YAML has them
