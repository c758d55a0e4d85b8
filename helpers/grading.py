"""The grader's judging: reading submissions, building the jobs the workers run, judging
what comes back, and writing grades.csv, the feedback pages and the summary.

helpers.grade is the command (python -m helpers.grade) and starts the workers; this
module holds everything that needs torch and the course's registry. It never runs
student code: it reads notebooks as JSON and judges plain arrays.
"""

from __future__ import annotations

import argparse
import ast
import csv
import functools
import hashlib
import inspect
import io
import json
import os
import re
import runpy
import secrets
import stat
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

import torch

import helpers as helpers_package
from helpers import checks, cost, harness, training
from helpers import exercises as registry
from helpers.checks import FAILED, NOT_ATTEMPTED, PASSED, Result
from helpers.exercises import Case, Exercise
from helpers.grade import (CRASHED, MEMORY, MISSING, OK, PACKAGE, STATUSES, TIMEOUT, UNKNOWN, UNREADABLE, Limits,
                           Worker, loud)

# --------------------------------------------------------------------------------------
# Reading submissions (plain JSON: this process never runs student code)


@dataclass
class Submission:
    """One notebook file of a student, as read (never run) by the parent."""

    student: str
    path: Path
    name: str = ""  # the file's path inside the student's folder, as the feedback names it
    notebook: str | None = None  # "01", or None when not recognised
    cells: list[dict] = field(default_factory=list)  # every cell: index, type, source, exercise
    problem: str = ""  # why it is unreadable
    notes: list[str] = field(default_factory=list)


PRINTED_NOTE = 1_000_000  # characters of printed output worth a note in the feedback
MAX_NOTEBOOK_BYTES = 64 << 20  # a larger file is not read (course notebooks with outputs: under 2 MB)
MAX_CODE_CHARACTERS = 1 << 20  # code kept per notebook until it runs (the course's lessons: under 40,000)
EXERCISE_LINE = re.compile(r"^\s*#\s*Exercise\s+(\d+\.\d+)\b")


def read_submission(student: str, path: Path, name: str = "") -> Submission:
    """Read a notebook as plain JSON: its cells, which course notebook it is, or why it
    cannot be read. Never raises for what is in the file."""
    sub = Submission(student, path, name or printable(path.name))
    try:  # O_NOFOLLOW: a link put in place after the folder was listed is refused too; O_NONBLOCK: a FIFO
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as f:
            if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
                sub.problem = "expected a notebook file, got a special file (a pipe, a device or a socket)"
                return sub
            raw = f.read(MAX_NOTEBOOK_BYTES + 1)
    except OSError as exc:
        sub.problem = f"could not read the file: {exc.strerror}"
        return sub
    if len(raw) > MAX_NOTEBOOK_BYTES:
        sub.problem = (f"expected a notebook of at most {MAX_NOTEBOOK_BYTES >> 20} MB, got a larger file "
                       f"({path.stat().st_size / 2**20:,.0f} MB): clear its outputs and hand it in again")
        return sub
    if not raw.strip():
        sub.problem = "the file is empty: expected a notebook (JSON), got 0 bytes"
        return sub
    try:
        nb = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        sub.problem = "expected a notebook (JSON text), got a binary file"
        return sub
    except ValueError as exc:
        sub.problem = f"expected a notebook (JSON), got malformed JSON: {exc}"
        return sub
    except RecursionError:
        sub.problem = "expected a notebook (JSON), got JSON nested too deeply to be one"
        return sub
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        got = f"a JSON {type(nb).__name__}" + ("" if not isinstance(nb, dict) else " without a list of cells")
        sub.problem = f"expected a notebook (a JSON object with a list of cells), got {got}"
        return sub
    if str(nb.get("nbformat", 4)) != "4":
        sub.problem = f"expected a version 4 notebook, got version {nb.get('nbformat')}: open it in JupyterLab and save it"
        return sub
    for index, cell in enumerate(nb["cells"], start=1):
        if not isinstance(cell, dict):
            continue
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(s for s in source if isinstance(s, str))
        if not isinstance(source, str):
            source = ""
        metadata = cell.get("metadata") if isinstance(cell.get("metadata"), dict) else {}
        course = metadata.get("course") if isinstance(metadata.get("course"), dict) else {}
        exercise = course.get("exercise") if isinstance(course.get("exercise"), str) else None
        if exercise is None and (match := EXERCISE_LINE.match(source)):
            exercise = match.group(1)
        kind = str(cell.get("cell_type"))[:40]
        if kind != "code":  # only its first line is ever shown: the parent keeps no more of it
            source = next((line for line in source.splitlines() if line.strip()), "")[:200]
        sub.cells.append({"index": index, "type": kind, "source": source, "exercise": exercise})
    code = sum(len(c["source"]) for c in sub.cells if c["type"] == "code")
    if code > MAX_CODE_CHARACTERS:
        sub.cells = []
        sub.problem = (f"expected code cells of at most {MAX_CODE_CHARACTERS:,} characters in all, got {code:,}: "
                       "is there a huge string or pasted data in a code cell?")
        return sub
    sub.notebook = recognise(nb, path, sub.cells)
    return sub


def recognise(nb: dict, path: Path, cells: list[dict]) -> str | None:
    """The course notebook ("01"): from the metadata, else the file name, else the ids
    of its exercise cells."""
    metadata = nb.get("metadata") if isinstance(nb.get("metadata"), dict) else {}
    course = metadata.get("course") if isinstance(metadata.get("course"), dict) else {}
    if course.get("notebook") in registry.LESSONS:
        return course["notebook"]
    if (lesson := lesson_from_name(path)) is not None:
        return lesson
    lessons = {c["exercise"].split(".")[0].zfill(2) for c in cells if c["exercise"] and c["type"] == "code"}
    if len(lessons) == 1 and (lesson := lessons.pop()) in registry.LESSONS:
        return lesson
    return None


LINK_PROBLEM = ("is a symbolic link; the grader follows no links (they could point at another student's work "
                "or outside the submissions): hand in the file itself")


def printable(name: str) -> str:
    """A file or folder name as text that can be written anywhere: bytes that are not
    UTF-8 (kept by Python as surrogates) are written as \\xNN, so that two names stay two."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def lesson_from_name(path: Path) -> str | None:
    """The course notebook a file name points to ("...attention-is-a-weighted-sum..."), or None."""
    name = path.stem.lower().replace("_", "-").replace(" ", "-")
    for lesson, stem in registry.NOTEBOOK_FILES.items():
        if stem.split("-", 1)[1] in name:
            return lesson
    return None


def find_submissions(root: Path) -> tuple[list[Submission], dict[str, tuple[str, str]], list[str]]:
    """Every notebook (*.ipynb, any case, in any subfolder) of every SUBMISSIONS/<student>/,
    read; for each student folder that holds none, the status of its rows and what was
    found; notes about what was skipped. Symbolic links are never followed: a linked
    notebook is an unreadable submission, a linked student folder has unreadable rows."""
    submissions, empty, notes = [], {}, []
    for entry in sorted(root.iterdir()):
        student = printable(entry.name)
        if entry.name.startswith("."):
            notes.append(f"skipped {student}: a hidden folder or file (its name starts with a dot)")
            continue
        if entry.is_symlink():
            empty[student] = (UNREADABLE, f"The student folder {student} {LINK_PROBLEM}.")
            continue
        if not entry.is_dir():
            notes.append(f"skipped {student}: expected a folder per student, got a file")
            continue
        found, others, unread = [], [], []
        for folder, dirs, files in os.walk(entry, onerror=unread.append):  # follows no links to folders
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))  # .ipynb_checkpoints: Jupyter's copies
            for name in sorted(files):
                path = Path(folder) / name
                relative = printable(path.relative_to(entry).as_posix())
                if not name.lower().endswith(".ipynb"):
                    others.append(relative)
                elif path.is_symlink():
                    found.append(Submission(student, path, relative, lesson_from_name(path),
                                            problem=f"{relative} {LINK_PROBLEM}"))
                else:
                    found.append(read_submission(student, path, relative))
        problems = " ".join(f"Could not read {printable(os.path.relpath(e.filename or '', root))[:120]}: {e.strerror}."
                            for e in unread[:3] if isinstance(e, OSError))
        if not found:
            listed = ", ".join(others[:5]) + (f" and {len(others) - 5} more" if len(others) > 5 else "")
            what = f"found {len(others)} other files ({listed})." if others else "" if problems else "it is empty."
            empty[student] = (MISSING, " ".join(filter(None, [f"No notebook (.ipynb) found in the folder {student}:",
                                                              what, problems])))
        else:
            for sub in found[:1]:
                sub.notes += [problems] if problems else []
        submissions += found
    return submissions, empty, notes


# --------------------------------------------------------------------------------------
# What the child gets: cases, exercise specs, and the helpers its lesson may import


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
        return "\n".join(lines[first - 1: node.end_lineno])

    return frozenset(wanted), "\n\n".join(text(node) for node in keep) + "\n"


def skipped_functions(module) -> list[str]:
    """The public functions of a helpers module the child gets only as stubs that raise
    (lesson 05's training, lesson 06's measurements): not needed to grade, and slow."""
    return sorted(name for name, f in inspect.getmembers(module, inspect.isfunction)
                  if f.__module__ == module.__name__ and not name.startswith("_"))


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
    """The name the child looks a probe or runner up by, in helpers.harness.CALLABLES."""
    if f is None:
        return None
    if harness.CALLABLES.get(f.__name__) is not f:
        raise ValueError(f"{f.__name__} is not one of helpers.harness.CALLABLES: the grader's child cannot run it")
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
                    harness.encode_case(case)
                    expected = harness.call(ex, ex.reference, harness.fresh(case.inputs), case)
                    harness.encode_tensor(expected)
                except Exception as exc:
                    raise ValueError(f"{path}: the reference {ex.name} cannot run case {case.label!r} of "
                                     f"{exercise_id}: {type(exc).__name__}: {exc}. It is called as {ex.signature}.") from None
            extra.setdefault(exercise_id, []).extend(cases)
    return extra


def reply_bytes(ex: Exercise, cases: list[Case]) -> int:
    """About how many bytes a right answer sends back on `cases`: its outputs in base64,
    plus room for the rest of each outcome."""
    total = 0
    for case in cases:
        expected = harness.call(ex, ex.reference, harness.fresh(case.inputs), case)
        total += 4 * expected.numel() * expected.element_size() // 3 + 4096
    return total


# --------------------------------------------------------------------------------------
# Judging what a child sent back (plain data only)


@dataclass
class Graded:
    """One row of grades.csv, with what the feedback page says about it."""

    student: str
    notebook: str  # "01", or the file name when not recognised
    status: str
    results: list[Result] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    file: str = ""

    @property
    def total(self) -> int:
        """Points earned."""
        return sum(r.points for r in self.results)

    @property
    def maximum(self) -> int | None:
        """Points available in the notebook; None for a file that is not one of ours."""
        if self.notebook not in registry.LESSONS:
            return None
        return sum(ex.points for ex in registry.for_notebook(self.notebook))


def _parse_messages(text: str) -> list[dict]:
    messages = []
    for line in text.splitlines():
        try:
            message = json.loads(line)
        except (ValueError, RecursionError):  # RecursionError: JSON nested deeper than Python recurses
            continue
        if isinstance(message, dict):
            messages.append(message)
    return messages


def _cell_words(sub: Submission, index: int | None) -> str:
    if index is None:
        return "before its first cell"
    cell = next((c for c in sub.cells if c["index"] == index), None)
    first = next((line.strip() for line in (cell or {}).get("source", "").splitlines() if line.strip()), "")
    return f"in cell {index}" + (f" (`{first[:60]}`)" if first else "")


class Judging:
    """The judging of one notebook while its child runs, and after.

    The child's check asks for the verdict each time it has sent an exercise's outcomes
    (answer()); when the verdict is not a pass the child gets the course's version of the
    answer, as the notebook's check hands it to the cells below. So each exercise is
    graded as the notebook showed it, and no answer reaches the child before the exercise
    it answers has been graded:

    - an exercise's grade is the worst of the runs its check cells made (a check that
      fails after one that passed lowers it, as the notebook's progress table shows); the
      runs made for a check cell that never ran ("cell", "end") count only without one;
    - once the course's version of an answer has been handed to the child (itself, or as
      a definition another answer uses), that exercise's grade can only go down;
    - the course's version of an answer is handed only when every exercise whose answer it
      holds has been graded at least once; otherwise the child keeps the student's own.

    Extra runs or questions can only come from student code writing to the pipe: by these
    rules they can only lower a grade."""

    def __init__(self, sub: Submission, cases: dict[str, list[Case]], limits: Limits) -> None:
        self.sub, self.cases, self.limits = sub, cases, limits
        self.exercises = {ex.id: ex for ex in registry.for_notebook(sub.notebook)}
        self.by_reference = {ex.reference.__name__: ex.id for ex in self.exercises.values()}
        self.messages: list[dict] = []
        self.judged: dict[tuple[str, int], Result] = {}  # (exercise, run) -> verdict
        self.handed: dict[str, Result] = {}  # exercise -> its grade when its answer was handed

    def answer(self, exercise_id: str, messages: str) -> dict:
        """The reply to the child's question about `exercise_id`: {} when its latest run
        passed (or nothing may be handed), else the course's version of the answer."""
        self.messages += _parse_messages(messages)
        ex = self.exercises.get(exercise_id)
        if ex is None:
            return {}
        runs = _runs(self.messages)
        latest = len(runs.get(exercise_id, [])) - 1
        if latest < 0 or self._judge(ex, runs[exercise_id], latest, {}, "").status == PASSED:
            return {}
        name = ex.reference.__name__
        held = [self.by_reference[n] for n in sorted(provided_names((name,))) if n in self.by_reference]
        if any(not runs.get(other) for other in held):
            return {}  # it would hand over an answer to an exercise not graded yet
        for other in held:
            now = self._worst([self._judge(self.exercises[other], runs[other], i, {}, "")
                               for i in range(len(runs[other]))])
            self.handed[other] = self._worst([now] + ([self.handed[other]] if other in self.handed else []))
        return {"name": name, "source": provided_source((name,))}

    # Verdicts whose words depend on how the whole notebook ended: judged again at the end.
    CONTEXTUAL = ("missing", "not-finished", "not-graded")

    def _judge(self, ex: Exercise, runs: list[dict], index: int, cell_errors: dict[int, str], stopped: str) -> Result:
        key = (ex.id, index)
        cached = self.judged.get(key)
        if cached is not None:
            return cached
        run = runs[index]
        result = _judge_exercise(self.sub, ex, self.cases[ex.id], run["kind"], run["outcomes"], cell_errors,
                                 stopped or "Grading stopped early.")
        if result.mistake not in self.CONTEXTUAL:
            self.judged[key] = result
        return result

    @staticmethod
    def _worst(results: list[Result]) -> Result:
        return next((r for r in results if r.status != PASSED), results[0])

    def grade_of(self, ex: Exercise, runs: list[dict], cell_errors: dict[int, str], stopped: str) -> Result:
        """An exercise's grade from all its runs (see the class's rules)."""
        checked = [i for i, run in enumerate(runs) if run["kind"].get("via") == "check"]
        chosen = checked or list(range(len(runs)))
        results = [self._judge(ex, runs, i, cell_errors, stopped) for i in chosen]
        if not results:
            results = [_judge_exercise(self.sub, ex, self.cases[ex.id], None, {}, cell_errors, stopped)]
        if ex.id in self.handed:
            results.append(self.handed[ex.id])
        return self._worst(results)

    def result(self, run: dict) -> Graded:
        """Turn everything the child sent, and how it ended, into points and feedback."""
        sub, limits = self.sub, self.limits
        messages = self.messages + _parse_messages(run["messages"])
        announced = [m["cell"] for m in messages if isinstance(m.get("cell"), int) and "error" not in m]
        last_cell = announced[-1] if announced else None
        cell_errors: dict[int, str] = {}
        for m in messages:
            if isinstance(m.get("cell"), int) and isinstance(m.get("error"), str):
                cell_errors.setdefault(m["cell"], _short(m["error"]))
        memory = any(m.get("memory") is True for m in messages)
        fatal = next((_short(m["fatal"]) for m in messages if isinstance(m.get("fatal"), str)), None)
        ends = [m for m in messages if m.get("end") is True]
        printed = ends[-1].get("printed") if ends and isinstance(ends[-1].get("printed"), int) else 0
        runs = _runs(messages)
        code_cells = [c["index"] for c in sub.cells if c["type"] == "code"]
        complete = (not code_cells or code_cells[-1] in announced) and all(ex_id in runs for ex_id in self.exercises)
        where = _cell_words(sub, last_cell)
        notes = []
        if run.get("finished") and complete:
            status = MEMORY if memory else OK
            if memory:
                notes.append(f"Your notebook hit the memory limit ({limits.memory_mb} MB) {where}.")
        elif run["timed_out"] or run["signal"] == 24 or (run["signal"] == 9 and run["cpu"] >= limits.wall - 0.5):
            status = TIMEOUT
            notes.append(f"Grading stopped after {limits.wall:g} s {where}: is there a loop that never ends?")
        elif memory:
            status = MEMORY
            notes.append(f"Your notebook hit the memory limit ({limits.memory_mb} MB) {where}.")
        elif run["overflow"]:
            status = CRASHED
            notes.append(f"Your notebook sent back more than the grader reads {where}.")
        elif fatal:
            status = CRASHED
            notes.append(f"Grading failed {where}: {fatal}.")
        elif ends:  # an end the grader did not send: how the process then stopped is a race, so not said
            status = CRASHED
            notes.append(f"Your notebook ended the grading process {where}, after writing a message of the "
                         "grader's own that said it had finished.")
        else:
            status = CRASHED
            how = (f"signal {run['signal']}" if run["signal"] else f"exit status {run['exit']}")
            notes.append(f"Your notebook ended the grading process {where} ({how}). Does it call os._exit, "
                         "or crash Python?")
        if printed > PRINTED_NOTE:
            notes.append(f"Your notebook printed more than {PRINTED_NOTE:,} characters; the grader read none of "
                         "them. Print shapes and a few numbers instead of whole tensors.")
        if any(m.get("kind") == "tampered" for m in messages):
            notes.append("Your notebook changed the grader's own code while it ran; the exercises graded after "
                         "that got no points.")
        stopped = notes[0] if notes else "Grading stopped early."
        results = []
        for ex in self.exercises.values():
            result = self.grade_of(ex, runs.get(ex.id, []), cell_errors, stopped)
            source = next((o.get("source") for run_ in runs.get(ex.id, []) for o in run_["outcomes"].values()
                           if isinstance(o, dict)), "")
            results.append(_with_dependencies(result, results, source if isinstance(source, str) else "",
                                              set(self.handed)))
        for index, error in sorted(cell_errors.items()):
            if error.startswith(("SystemExit", "KeyboardInterrupt")):
                notes.append(f"Cell {index} raised {error}; grading went on with the next cell.")
        return Graded(sub.student, sub.notebook, status, results, notes, sub.name)


def _short(text: str, limit: int = 300) -> str:
    """A message from the child as the feedback shows it: one line, at most `limit`
    characters (the child cuts its own; this cuts what student code wrote)."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + " ..."


def _runs(messages: list[dict]) -> dict[str, list[dict]]:
    """Per exercise, each time it was graded: {"kind": the kind message, "outcomes": {case
    index: outcome}}. A kind message starts a run; case messages join the latest run."""
    runs: dict[str, list[dict]] = {}
    for m in messages:
        exercise_id = m.get("exercise")
        if not isinstance(exercise_id, str):
            continue
        if "kind" in m:
            runs.setdefault(exercise_id, []).append({"kind": m, "outcomes": {}})
        elif isinstance(m.get("case"), int) and runs.get(exercise_id):
            runs[exercise_id][-1]["outcomes"].setdefault(m["case"], m.get("outcome"))
    return runs


def _with_dependencies(result: Result, earlier: list[Result], source: str, handed: set[str]) -> Result:
    """A failed answer that calls an earlier answer which failed too, where the child kept
    the student's own version of it (its check cell was gone, so nothing handed the
    course's version down): say so."""
    if result.status != FAILED or not source:
        return result
    used = [r.exercise for r in earlier
            if r.status != PASSED and r.exercise.id not in handed
            and re.search(rf"\b{re.escape(r.exercise.name)}\b", source)]
    if not used:
        return result
    names = ", ".join(f"{ex.name} (exercise {ex.id})" for ex in used)
    hint = (f" Your code calls {names}, which did not pass and whose check cell did not run, so your own version of "
            "it was used. Fix that one first.")
    return replace(result, message=result.message + hint)


def _judge_exercise(sub, ex: Exercise, cases: list[Case], kind: dict | None, outcomes: dict,
                    cell_errors: dict[int, str], stopped: str) -> Result:
    def failed(key: str, evidence: str, message: str, label: str = "") -> Result:
        return Result(ex, FAILED, key, label, evidence, message)

    if kind is None:
        return failed("not-graded", "grading never reached this exercise", stopped)
    if kind["kind"] == "tampered":
        return failed("tampered", "before this check, your notebook had replaced part of the grader's own code",
                      "The grader measures your answer with its own code; leave that code alone, and hand in your "
                      f"own {ex.name}.")
    if kind["kind"] == "missing":
        own = [c for c in sub.cells if c["exercise"] == ex.id]
        if own and all(c["type"] != "code" for c in own):
            return failed("missing", f"no {ex.name} was defined",
                          f"The cell of exercise {ex.id} is a {own[0]['type'].title()} cell now, so its code never "
                          "ran: change it back to a Code cell.")
        errors = [f"cell {c['index']} raised {cell_errors[c['index']]}" for c in own if c["index"] in cell_errors]
        why = f" ({errors[0]})" if errors else ""
        return failed("missing", f"no {ex.name} was defined{why}",
                      f"Define {ex.signature} in the cell of exercise {ex.id}.")
    problem = checks.wrong_kind(ex, str(kind["kind"])[:80])
    if problem is not None:
        return problem
    for index, case in enumerate(cases):
        if index not in outcomes:
            return failed("not-finished", f"grading stopped while your code ran on {case.label}", stopped, case.label)
        try:
            out = harness.decode_outcome(outcomes[index])
        except harness.DecodeError as exc:
            return failed("unreadable-result", f"what came back from your code could not be read ({exc})",
                          f"{ex.name} should return {ex.returns}.", case.label)
        if out.not_implemented:
            return Result(ex, NOT_ATTEMPTED)
        try:
            failure = checks.judge(ex, case, out)
        except Exception as exc:  # the same safety net as check() in the notebook
            failure = failed("check-error", f"the check could not judge your answer ({type(exc).__name__}: {exc})",
                             f"{ex.name} should return {ex.returns}.", case.label)
        if failure is not None:
            return failure
    return Result(ex, PASSED, checked=tuple(case.label for case in cases))


# --------------------------------------------------------------------------------------
# Output: written whole or not at all


def write_atomically(path: Path, text: str) -> None:
    """Write `text` to a temporary file beside `path`, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".writing-", suffix=".part")  # short: any name fits
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def spreadsheet_text(text: str) -> str:
    """Text for a CSV cell that a spreadsheet shows as text: one that starts like a formula
    (=, +, -, @, a tab or a carriage return) gets a leading apostrophe, as OWASP advises
    against CSV injection. Student folder and file names are the students' own."""
    return "'" + text if text.startswith(("=", "+", "-", "@", "\t", "\r")) else text


def grades_csv(rows: list[Graded], exercise_ids: list[str]) -> str:
    """One line per student and notebook; an exercise of another notebook is left empty."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["student", "notebook", "status", *exercise_ids, "total", "max"])
    for row in rows:
        points = {r.exercise.id: r.points for r in row.results}
        writer.writerow([spreadsheet_text(row.student), spreadsheet_text(row.notebook), row.status,
                         *[points.get(i, "") for i in exercise_ids], row.total, "" if row.maximum is None else row.maximum])
    return buffer.getvalue()


def page_name(student: str) -> str:
    """The file name of a student's feedback page: the folder's name, shortened (with a
    hash that keeps it unique) when it would not fit in a file name with ".md"."""
    if len(student.encode()) <= 200:
        return f"{student}.md"
    digest = hashlib.sha256(student.encode()).hexdigest()[:12]
    return f"{student.encode()[:150].decode(errors='ignore')}-{digest}.md"


def feedback_page(student: str, rows: list[Graded]) -> str:
    """A student's Markdown page: per notebook its status and notes, per exercise passed
    or what failed and the likely mistake, in the words of the notebook's checks."""
    lines = [f"# Feedback for {student}", "",
             "Every exercise was run on the course's test inputs and on fresh random ones.", ""]
    for row in rows:
        if row.notebook in registry.LESSONS:
            title = f"Lesson {row.notebook}: {registry.LESSONS[row.notebook]}"
            lines += [f"## {title}: {row.total} of {row.maximum} points", ""]
        else:
            lines += [f"## {row.file or row.notebook}", ""]
        lines += [f"Status: **{row.status}**" + (f" ({row.file})" if row.file else ""), ""]
        lines += [f"{note}" for note in row.notes] + ([""] if row.notes else [])
        for r in row.results:
            ex = r.exercise
            head = f"- **{ex.id} {ex.title}** ({r.points}/{ex.points})"
            if r.status == PASSED:
                lines.append(f"{head}: passed on all {len(r.checked)} test inputs.")
            elif r.mistake == "not-graded":
                lines.append(f"{head}: not graded, because grading stopped before it (see above).")
            elif r.status == NOT_ATTEMPTED:
                lines.append(f"{head}: not attempted (it still raises NotImplementedError).")
            else:
                on = f" on {r.case}" if r.case else ""
                lines.append(f"{head}: failed{on}: {r.evidence.rstrip('.')}.")
                lines.append(f"  Likely mistake: {r.message}")
        lines.append("")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------
# The command


def plan(submissions: list[Submission], empty: dict[str, tuple[str, str]]) -> tuple[list[Submission], list[Graded], list[str]]:
    """Which submissions to run, and the rows decided without running anything: every
    student folder gets at least one row, saying what was found in it."""
    rows, notes, to_run = [], [], []
    students = sorted({s.student for s in submissions} | set(empty))
    by_student: dict[tuple[str, str], list[Submission]] = {}
    readable = {(s.student, s.notebook) for s in submissions if not s.problem and s.notebook}
    for sub in submissions:
        lesson = sub.notebook or lesson_from_name(sub.path)
        if sub.problem and (sub.student, lesson) in readable:  # another copy is graded: a note on it, not a row
            graded = next(s for s in submissions if (s.student, s.notebook) == (sub.student, lesson) and not s.problem)
            graded.notes.append(f"Also found {sub.name}, which was not graded: {sub.problem}.")
        elif sub.problem:
            rows.append(Graded(sub.student, lesson or sub.name, UNREADABLE, notes=[sub.problem], file=sub.name))
        elif sub.notebook is None:
            rows.append(Graded(sub.student, sub.name, UNKNOWN, file=sub.name, notes=[
                "This is not one of the course's notebooks: no course metadata, no course file name and no "
                "exercise cells."]))
        else:
            by_student.setdefault((sub.student, sub.notebook), []).append(sub)
    handed_in = sorted({nb for _, nb in by_student})
    for student in students:
        status, why = empty.get(student, (MISSING, "No notebook handed in for this lesson."))
        for notebook in handed_in:
            copies = by_student.get((student, notebook), [])
            if not copies:
                unreadable = [r for r in rows if r.student == student and r.notebook == notebook]
                if not unreadable:
                    rows.append(Graded(student, notebook, status, notes=[why]))
                continue
            chosen = copies[0]
            for other in copies[1:]:
                chosen.notes.append(f"Also found {other.name}, another copy of lesson {notebook}: only "
                                    f"{chosen.name} was graded.")
            to_run.append(chosen)
        if not any(r.student == student for r in rows) and not any(s.student == student for s in to_run):
            rows.append(Graded(student, "", status, notes=[why]))
    return to_run, rows, notes


def grade(args: argparse.Namespace, workers: list[Worker], hide: list[str], keep: list[str], started: float) -> int:
    """Grade every submission with the workers the command started, and write the output
    files; the exit status."""
    seed = args.seed if args.seed is not None else secrets.randbelow(10**6)
    try:
        extra = load_tests(args.tests) if args.tests else {}
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    submissions, empty, notes = find_submissions(args.submissions)
    to_run, rows, plan_notes = plan(submissions, empty)
    notes += plan_notes
    limits = Limits(wall=args.timeout, memory_mb=args.memory)
    cases = {ex.id: cases_for(ex, seed, extra) for ex in registry.EXERCISES.values()}
    jobs_by_notebook: dict[str, dict] = {}
    for notebook in sorted({s.notebook for s in to_run}):
        lesson = registry.for_notebook(notebook)
        # Instructor cases with large outputs raise what a child may send back, so that a
        # right answer is never cut off (the course's own cases send under 1 MB a lesson).
        asked = sum(reply_bytes(ex, extra[ex.id]) for ex in lesson if ex.id in extra)
        jobs_by_notebook[notebook] = {
            "limits": replace(limits, message=limits.message + 2 * asked).as_job(),
            "provided": {"attention": provided_source(registry.PROVIDED[notebook]),
                         "data": (PACKAGE / "data.py").read_text()},
            "skipped": {"training": skipped_functions(training), "cost": skipped_functions(cost)},
            "exports": dict(helpers_package._EXPORTS),  # what `from helpers import ...` gives a notebook
            "exercises": [{"id": ex.id, "name": ex.name, "module": ex.module, "probe": _callable_name(ex.probe),
                           "runner": _callable_name(ex.runner),
                           "cases": [harness.encode_case(c) for c in cases[ex.id]]} for ex in lesson],
        }
    harness.warm_up()  # while the workers start: nn.MultiheadAttention's first call imports 0.5 s of torch
    for worker in workers:
        worker.ready()
    slots = len(workers)
    ready = time.monotonic()
    isolation = {(w.isolation, w.reason) for w in workers}
    name, reason = sorted(isolation)[0]
    if name != "namespaces":
        print(loud(f"NO ISOLATION: student code runs with resource limits only, able to read and write "
                   f"whatever this user can ({reason})."), file=sys.stderr)
    free = list(workers)
    lock = threading.Lock()
    progress = _progress(len(to_run))

    def run_one(sub: Submission) -> Graded:
        with lock:
            worker = free.pop()
        try:
            job = dict(jobs_by_notebook[sub.notebook],
                       cells=[c for c in sub.cells if c["type"] == "code"])
            judging = Judging(sub, cases, limits)
            try:
                result = worker.run(job, judging.answer)
            except (OSError, RuntimeError, ValueError) as exc:  # the worker itself failed: replace it, go on
                worker.kill()
                worker = Worker.start([worker.slot], hide, keep, args.isolation)[0].ready()
                return Graded(sub.student, sub.notebook, CRASHED, file=sub.name,
                              notes=sub.notes + [f"The grader's worker failed on this notebook ({exc}); grade it again."])
            try:
                graded = judging.result(result)
            except Exception as exc:  # what came back could not be judged: this row only
                return Graded(sub.student, sub.notebook, CRASHED, file=sub.name,
                              notes=sub.notes + [f"What your notebook sent back could not be judged ({type(exc).__name__})."])
            graded.notes = sub.notes + graded.notes
            return graded
        finally:
            with lock:
                free.append(worker)
                progress.update(1)

    with ThreadPoolExecutor(slots) as pool:
        rows += list(pool.map(run_one, to_run))
    progress.close()
    workers[:] = free  # the command closes them and waits for their processes
    order = {nb: i for i, nb in enumerate(registry.LESSONS)}
    rows.sort(key=lambda r: (r.student, order.get(r.notebook, 99), r.notebook, r.file))
    notebooks = sorted({r.notebook for r in rows if r.notebook in registry.LESSONS}, key=order.get)
    exercise_ids = [ex.id for nb in notebooks for ex in registry.for_notebook(nb)]
    write_atomically(args.out / "grades.csv", grades_csv(rows, exercise_ids))
    for student in sorted({r.student for r in rows}):
        try:
            write_atomically(args.out / "feedback" / page_name(student),
                             feedback_page(student, [r for r in rows if r.student == student]))
        except OSError as exc:  # one page that cannot be written costs that page only; grades.csv has the points
            notes.append(f"Could not write the feedback page of {student!r}: {exc.strerror or exc}.")
    text = summary(rows, exercise_ids, seed, name, reason, notes, time.monotonic() - started, ready - started, args.out)
    write_atomically(args.out / "summary.txt", text)
    print(text)
    return 0



def _progress(total: int):
    """A progress bar on stderr, one step per notebook graded."""
    from tqdm import tqdm

    return tqdm(total=total, desc="grading", unit="notebook", file=sys.stderr, disable=total == 0)


def summary(rows: list[Graded], exercise_ids: list[str], seed: int, isolation: str, reason: str,
            notes: list[str], seconds: float, startup: float, out: Path) -> str:
    """What the command prints at the end and saves as summary.txt."""
    students = sorted({r.student for r in rows})
    counts = {s: sum(r.status == s for r in rows) for s in STATUSES}
    lines = [f"Graded {len(students)} students, {len(rows)} rows, in {seconds:.1f} s ({startup:.1f} s of it "
             f"starting up); seed {seed}.",
             "Statuses: " + ", ".join(f"{s} {n}" for s, n in counts.items() if n) + "."]
    if isolation == "namespaces":
        lines.append("Isolation: Linux namespaces (mount: read-only, with the course, submissions, output and home "
                     "folders hidden; network: none; PID), an unprivileged user, resource limits.")
    else:
        lines.append(loud(f"Isolation: NONE ({reason}). Student code ran with resource limits only."))
    if exercise_ids:
        lines.append("Mean points per exercise (over rows that were graded):")
        for exercise_id in exercise_ids:
            ex = registry.get(exercise_id)
            earned = [p for r in rows for res in r.results if res.exercise.id == exercise_id for p in [res.points]]
            mean = sum(earned) / len(earned) if earned else 0.0
            lines.append(f"  {exercise_id:<5}{ex.title:<42}{mean:5.2f} of {ex.points}  ({len(earned)} graded)")
    lines += notes
    lines.append(f"Wrote {out / 'grades.csv'} and {len(students)} pages in {out / 'feedback'}.")
    return "\n".join(lines)

