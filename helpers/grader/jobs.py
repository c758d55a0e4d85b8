"""What a grading child is given: the test cases (the course's, fresh draws from --seed,
the instructor's), the exercises' specs, and the course code its lesson may import."""

from __future__ import annotations

import ast
import functools
import hashlib
import importlib
import inspect
import runpy
from dataclasses import replace
from pathlib import Path

import torch

import helpers as helpers_package
from helpers import checks, running
from helpers import exercises as registry
from helpers.grader.protocol import Limits
from helpers.lessons.records import Exercise
from helpers.running import Case

PACKAGE = Path(__file__).resolve().parent.parent  # helpers


def _used_names(node: ast.AST) -> set[str]:
    """The names a definition uses, except in annotations: helpers/attention.py starts with
    `from __future__ import annotations`, so an annotation needs no definition to run."""
    annotations = set()
    for sub in ast.walk(node):
        for field in ("annotation", "returns"):
            if isinstance(getattr(sub, field, None), ast.AST):
                annotations |= {id(n) for n in ast.walk(getattr(sub, field))}
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and id(n) not in annotations}


def provided_names(names: tuple[str, ...]) -> set[str]:
    """`names` and every definition of helpers/attention.py they use, directly or not."""
    return _attention_closure(names)[0]


def provided_source(names: tuple[str, ...]) -> str:
    """The source of helpers/attention.py cut down to `names` and the definitions they use,
    with the file's imports: the course code a lesson's notebook may import."""
    return _attention_closure(names)[1]


@functools.lru_cache(maxsize=None)
def _attention_closure(names: tuple[str, ...]) -> tuple[frozenset[str], str]:
    source = (PACKAGE / "attention.py").read_text()
    tree = ast.parse(source)
    lines = source.splitlines()
    imports = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    defined = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            defined[node.name] = node
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    defined[target.id] = node
    wanted, todo = set(), list(names)
    while todo:
        name = todo.pop()
        if name in wanted:
            continue
        if name not in defined:
            raise KeyError(f"helpers/attention.py defines no {name}")
        wanted.add(name)
        todo += [n for n in _used_names(defined[name]) if n in defined]
    keep = imports + sorted({id(defined[n]): defined[n] for n in wanted}.values(), key=lambda n: n.lineno)

    def text(node) -> str:
        first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        return "\n".join(lines[first - 1 : node.end_lineno])

    return frozenset(wanted), "\n\n".join(text(node) for node in keep) + "\n"


def skipped_functions(module) -> list[str]:
    """The public functions of a helpers module the child gets only as stubs that raise
    (lesson 05's training, lesson 06's measurements): not needed to grade, and slow."""
    return sorted(
        name
        for name, f in inspect.getmembers(module, inspect.isfunction)
        if f.__module__ == module.__name__ and not name.startswith("_")
    )


def fresh_seed(seed: int) -> int:
    """The generator seed of the fresh draws for --seed: a hash of it, so that no --seed
    gives the draws of the notebook's own checks (seed 0), and none is the next one's."""
    return int.from_bytes(hashlib.sha256(f"fresh inputs, seed {seed}".encode()).digest()[:8], "little") >> 1


def cases_for(ex: Exercise, seed: int, extra: dict[str, list[Case]]) -> list[Case]:
    """The registry's cases (the ones the notebook's check uses), fresh draws from `seed`,
    then the instructor's."""
    fresh = ex.make_cases(torch.Generator().manual_seed(fresh_seed(seed)))
    return ex.make_cases(torch.Generator().manual_seed(checks.DEFAULT_SEED)) + fresh + extra.get(ex.id, [])


def _callable_name(f) -> str | None:
    """The name the child looks a probe or runner up by, in helpers.running.CALLABLES."""
    if f is None:
        return None
    if running.CALLABLES.get(f.__name__) is not f:
        raise ValueError(f"{f.__name__} is not one of helpers.running.CALLABLES: the grader's child cannot run it")
    return f.__name__


def load_tests(folder: Path) -> dict[str, list[Case]]:
    """The instructor's cases from folder/*.py (see --help), each checked against the
    reference; ValueError with the file and the problem otherwise."""
    extra: dict[str, list[Case]] = {}
    files = sorted(folder.glob("*.py"))
    if not files:
        raise ValueError(f"--tests {folder}: expected .py files defining CASES, found none")
    for path in files:
        try:
            found = runpy.run_path(str(path)).get("CASES")
        except Exception as exc:  # the instructor's file: say where and what
            raise ValueError(f"{path}: could not run it: {type(exc).__name__}: {exc}") from None
        if not isinstance(found, dict):
            raise ValueError(f"{path}: expected CASES = {{exercise id: [Case, ...]}}, got {type(found).__name__}")
        for exercise_id, cases in found.items():
            if exercise_id not in registry.EXERCISES:
                raise ValueError(f"{path}: no exercise {exercise_id!r}; the course has {', '.join(registry.EXERCISES)}")
            ex = registry.EXERCISES[exercise_id]
            if not isinstance(cases, (list, tuple)) or not all(isinstance(c, Case) for c in cases):
                raise ValueError(f"{path}: CASES[{exercise_id!r}] should be a list of Case, got {cases!r:.80}")
            for case in cases:
                try:
                    running.encode_case(case)
                    expected = running.call(ex, ex.reference, running.fresh(case.inputs), case)
                    running.encode_tensor(expected)
                except Exception as exc:
                    raise ValueError(
                        f"{path}: the reference {ex.name} cannot run case {case.label!r} of "
                        f"{exercise_id}: {type(exc).__name__}: {exc}. It is called as {ex.signature}."
                    ) from None
            extra.setdefault(exercise_id, []).extend(cases)
    return extra


def reply_bytes(ex: Exercise, cases: list[Case]) -> int:
    """About how many bytes a right answer sends back on `cases`: its outputs in base64,
    plus room for the rest of each outcome."""
    total = 0
    for case in cases:
        expected = running.call(ex, ex.reference, running.fresh(case.inputs), case)
        total += 4 * expected.numel() * expected.element_size() // 3 + 4096
    return total


def job_for(notebook: str, limits: Limits, cases: dict[str, list[Case]], extra: dict[str, list[Case]]) -> dict:
    """Everything a worker needs to run a lesson's notebook but its cells (added per
    submission): limits, the course code it may import, the exercises with their cases."""
    lesson = registry.for_notebook(notebook)
    # Instructor cases with large outputs raise what a child may send back, so that a
    # right answer is never cut off (the course's own cases send under 1 MB a lesson).
    asked = sum(reply_bytes(ex, extra[ex.id]) for ex in lesson if ex.id in extra)
    skipped = {
        name: skipped_functions(importlib.import_module(f"helpers.{name}"))
        for name in helpers_package.SKIPPED_WHILE_GRADING
    }
    return {
        "limits": replace(limits, message=limits.message + 2 * asked).as_job(),
        "provided": {
            "attention": provided_source(registry.PROVIDED[notebook]),
            "data": (PACKAGE / "data.py").read_text(),
        },
        "skipped": skipped,
        "exports": dict(helpers_package.EXPORTS),  # what `from helpers import ...` gives a notebook
        "exercises": [
            {
                "id": ex.id,
                "name": ex.name,
                "module": ex.module,
                "probe": _callable_name(ex.probe),
                "runner": _callable_name(ex.runner),
                "cases": [running.encode_case(c) for c in cases[ex.id]],
            }
            for ex in lesson
        ],
    }
