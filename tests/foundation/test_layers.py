"""The domain layer has no import cycles: no area's ``service.py`` reaches, through any chain of
imports (module-level or inside a function), a module that imports it back.

Read from the source with ``ast``, so an import hidden inside a function counts like any other.
The web layer (views, blueprints, forms, commands, tasks) sits on top and is left out: it imports
services, and nothing in the domain imports it.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "course"
WEB_LAYER = {"views", "blueprint", "packageviews", "quizviews", "admin", "forms", "cli", "tasks"}
TOP_LEVEL_WEB = {"course", "course.cli", "course.web", "course.wsgi", "course.worker"}


def module_names() -> dict[str, Path]:
    names = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        names[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return names


def imported(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The project modules ``name`` imports anywhere in its source."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return {module for module in found if module in known and module != name}


def domain_graph() -> dict[str, set[str]]:
    known = module_names()
    domain = {
        name
        for name in known
        if name not in TOP_LEVEL_WEB and name.rsplit(".", 1)[-1] not in WEB_LAYER
    }
    return {name: imported(name, known[name], known) & domain for name in domain}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycle_reaches_a_service_module():
    graph = domain_graph()
    assert "course.progress.service" in graph and "course.quizzes.service" in graph
    with_services = [c for c in cycles(graph) if any(m.endswith(".service") for m in c)]
    assert with_services == []


def test_the_check_sees_imports_inside_functions(tmp_path):
    """A loop closed by an import inside a function is a cycle like any other."""
    source = tmp_path / "service.py"
    source.write_text(
        "def outcomes():\n    from course.quizzes.service import quiz_outcomes\n", encoding="utf-8"
    )
    known = module_names()
    assert imported("course.progress.service", source, known) == {"course.quizzes.service"}
    graph = {"a.service": {"b.pure"}, "b.pure": {"a.service"}, "c.service": {"a.service"}}
    assert cycles(graph) == [["a.service", "b.pure"]]
