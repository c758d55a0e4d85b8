"""The package's shape: imports run one way, no module grows past what one reader holds,
and the command modules are imported by nothing."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "helpers"
MAX_LINES = 430  # about 400: what one reader holds
# Longer on purpose, with the reason:
LONGER = {
    **{
        f"helpers.lessons.lesson0{n}": "a lesson is one file, its exercises declared one field per line (ruff format); "
        "what lessons share is in toolkit, common, scaling and panels"
        for n in range(1, 10)
    },
    "helpers.attention": "every exercise's reference in one file, from which the grader cuts just the definitions a "
    "lesson's notebook imports (helpers/grader/jobs.py)",
}
COMMANDS = ("helpers.grade", "helpers.build", "helpers.benchmark")  # run with python -m, imported by nothing


def modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        found[name.removesuffix(".__init__")] = path
    return found


def imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The package's modules that `name` imports, anywhere in the file (a function's lazy
    import counts: it is a dependency all the same)."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
            module = (base + ("." + node.module if node.module else "")) if node.level else node.module
            found |= {module} | {f"{module}.{a.name}" for a in node.names}
    return {m for m in found if m in known and m != name}


GRAPH = {name: imports(name, path, modules()) for name, path in modules().items()}


def test_no_module_imports_itself_through_others():
    """Depth-first search of the import graph: a module met again while it is still open
    closes a cycle."""
    open_, done, cycles = [], set(), []

    def visit(module: str) -> None:
        open_.append(module)
        for other in sorted(GRAPH[module]):
            if other in open_:
                cycles.append(" -> ".join(open_[open_.index(other) :] + [other]))
            elif other not in done:
                visit(other)
        open_.pop()
        done.add(module)

    for module in sorted(GRAPH):
        if module not in done:
            visit(module)
    assert not cycles, cycles


def test_the_search_finds_a_cycle_when_there_is_one():
    """The graph is built from the real files: a cycle through the grader's modules would
    show, as the old grade.py <-> grading.py one did."""
    assert "helpers.grader.protocol" in GRAPH["helpers.grader.judge_notebook"]
    assert "helpers.grader.classroom" in GRAPH["helpers.grade"]  # a lazy import counts


@pytest.mark.parametrize("command", COMMANDS)
def test_commands_are_imported_by_nothing(command):
    assert not [name for name, uses in GRAPH.items() if command in uses]


@pytest.mark.parametrize("name", sorted(modules()))
def test_modules_stay_short(name):
    lines = len(modules()[name].read_text().splitlines())
    assert lines <= MAX_LINES or name in LONGER, f"{name} has {lines} lines (at most {MAX_LINES}, or say why in LONGER)"


def test_the_graders_modules_import_only_those_listed_above_them():
    """helpers/grader/__init__.py lists its modules in import order; the graph agrees."""
    import re

    listed = re.findall(r"^    (\w+)\.py ", (PACKAGE / "grader" / "__init__.py").read_text(), flags=re.M)
    assert sorted(listed) == sorted(p.stem for p in (PACKAGE / "grader").glob("*.py") if p.stem != "__init__")
    for i, name in enumerate(listed):
        used = {m.rsplit(".", 1)[1] for m in GRAPH[f"helpers.grader.{name}"] if m.startswith("helpers.grader.")}
        assert used <= set(listed[:i]), (name, used - set(listed[:i]))


def test_no_two_classes_share_a_name():
    """Two Workers and two MultiHeadAttentions once lived in the package; a reader could not
    tell which one a name meant."""
    where: dict[str, list[str]] = {}
    for name, path in modules().items():
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.ClassDef):
                where.setdefault(node.name, []).append(name)
    assert {cls: found for cls, found in where.items() if len(found) > 1} == {}
