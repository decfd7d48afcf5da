"""Quiz YAML as the form writes it: one standard layout (settings, then questions; indented lists;
short word lists in flow style; multi-line text as literal blocks) and a forgiving reader."""

from __future__ import annotations

import yaml

#: libyaml's loader when PyYAML was built with it (several times faster), else the Python one.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str) -> object:
    """Plain values from YAML text, with only the safe tags."""
    return yaml.load(text, Loader=_LOADER)  # noqa: S506 (a safe loader)


class QuizFormError(ValueError):
    """The file cannot be shown as a form (not YAML, or settings the form cannot hold)."""


class _Dumper(yaml.SafeDumper):
    """Block style with indented lists; short lists of plain words in flow style."""

    def increase_indent(self, flow: bool = False, indentless: bool = False):
        return super().increase_indent(flow, False)


def _represent_list(dumper: yaml.SafeDumper, items: list):
    flow = all(isinstance(item, (str, int, float)) and "\n" not in str(item) for item in items)
    flow = flow and len(", ".join(str(item) for item in items)) <= 60
    return dumper.represent_sequence("tag:yaml.org,2002:seq", items, flow_style=flow)


def _represent_str(dumper: yaml.SafeDumper, text: str):
    style = "|" if "\n" in text.strip("\n") else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_Dumper.add_representer(list, _represent_list)
_Dumper.add_representer(str, _represent_str)


def dump_yaml(value: object) -> str:
    """YAML text of a plain value, in the layout the form writes."""
    return yaml.dump(
        value, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=4096,
        default_flow_style=False,
    )  # fmt: skip


def dump_quiz(quiz: dict) -> str:
    """The quiz file's text: settings first, then the questions, a blank line between them."""
    lines = dump_yaml(quiz).split("\n")
    spaced: list[str] = []
    for index, line in enumerate(lines):
        if line.startswith("  - ") and index and lines[index - 1] != "questions:":
            spaced.append("")
        spaced.append(line)
    return "\n".join(spaced)


def read_quiz(text: str) -> dict:
    """The quiz file as a plain dict (:class:`QuizFormError` when it is not a YAML mapping)."""
    try:
        value = load_yaml(text)
    except yaml.YAMLError:
        raise QuizFormError("the file is not valid YAML; fix it in the YAML view") from None
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise QuizFormError("the file is not a YAML mapping; fix it in the YAML view")
    return value


def load_extras(text: str) -> dict:
    """A mapping kept as YAML in one of the form's hidden fields ({} when empty)."""
    try:
        value = load_yaml(text) if text.strip() else None
    except yaml.YAMLError:
        raise QuizFormError("the form's hidden fields were damaged; reload the page") from None
    return value if isinstance(value, dict) else {}
