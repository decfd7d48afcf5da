"""Read YAML while remembering the line each value came from, so checks can say ``file:line``."""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml

Path = tuple[str | int, ...]


class YamlSourceError(ValueError):
    """The text is not YAML we can read; ``line`` is 1-based."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


@dataclass
class Located:
    """A plain YAML value plus the 1-based line of every mapping key and list item in it."""

    value: object
    lines: dict[Path, int] = field(default_factory=dict)

    def line(self, path: Path) -> int:
        """The line of ``path``, or of its nearest ancestor that has one."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), 1)


def load(text: str) -> Located:
    """Parse one YAML document (safe tags only) into plain values with line numbers.

    Duplicate keys are an error rather than a silent overwrite: an author who writes ``points``
    twice meant one of them.
    """
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        located = Located(None, {(): 1})
        if node is not None:
            located.value = _build(loader, node, (), located.lines)
        return located
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        raise YamlSourceError(line, f"invalid YAML: {error.problem or error}") from error
    except yaml.YAMLError as error:
        raise YamlSourceError(1, f"invalid YAML: {error}") from error
    finally:
        loader.dispose()


def _build(loader: yaml.SafeLoader, node: yaml.Node, path: Path, lines: dict[Path, int]) -> object:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        result: dict = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, (str, int, float, bool)):
                raise yaml.MarkedYAMLError(
                    None, None, "a key must be a plain value", key_node.start_mark
                )
            key = str(key) if isinstance(key, (bool, float)) else key
            if key in result:
                raise yaml.MarkedYAMLError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            lines[path + (key,)] = key_node.start_mark.line + 1
            result[key] = _build(loader, value_node, path + (key,), lines)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [
            _build(loader, item, path + (index,), lines) for index, item in enumerate(node.value)
        ]
    return loader.construct_object(node, deep=True)
