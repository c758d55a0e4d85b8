"""Student submissions for the grader's tests, built from the generated student notebooks:
an exercise is "solved" by putting the master's answer in its cell, or answered with
any code a test gives; damage is done to the notebook's JSON directly."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from helpers import exercises as registry

ROOT = Path(__file__).resolve().parent.parent


def _load(folder: str, lesson: str) -> dict:
    return json.loads((ROOT / folder / f"{registry.NOTEBOOK_FILES[lesson]}.ipynb").read_text())


def _exercise(cell: dict) -> str | None:
    """The exercise of a code cell, as the build finds it: its first line, else its metadata."""
    if cell["cell_type"] != "code":
        return None
    return registry.exercise_in("".join(cell["source"])) or cell["metadata"].get("course", {}).get("exercise")


def answers_only(source: str) -> str:
    """A master's exercise cell as a student who got it right would write it: the answer,
    without the markers or the stub."""
    keep, in_stub = [], False
    for line in source.split("\n"):
        marker = line.strip()
        if marker == "### BEGIN STUB":
            in_stub = True
        elif marker == "### END STUB":
            in_stub = False
        elif not in_stub and marker not in ("### BEGIN SOLUTION", "### END SOLUTION"):
            keep.append(line)
    return "\n".join(keep)


def answer(lesson: str, exercise_id: str) -> str:
    """The master's exercise cell of a lesson, answered (see answers_only)."""
    cell = next(c for c in _load("solutions", lesson)["cells"] if _exercise(c) == exercise_id)
    return answers_only("".join(cell["source"]))


def notebook(lesson: str, solved=(), answers: dict[str, str] | None = None) -> dict:
    """The student notebook of a lesson with the exercises in `solved` answered as the
    master does ("all" for every one) and those in `answers` replaced by that code."""
    nb = _load("notebooks", lesson)
    solved = [ex.id for ex in registry.for_notebook(lesson)] if solved == "all" else solved
    for cell in nb["cells"]:
        exercise_id = _exercise(cell)
        if exercise_id in (answers or {}):
            cell["source"] = f"# Exercise {exercise_id}\n" + answers[exercise_id]
        elif exercise_id in solved:
            cell["source"] = answer(lesson, exercise_id)
    return nb


def index_of(nb: dict, exercise_id: str, check: bool = False) -> int:
    """The index of an exercise's cell, or of its check cell."""
    if check:
        return next(i for i, c in enumerate(nb["cells"]) if f'check("{exercise_id}"' in "".join(c["source"]))
    return next(i for i, c in enumerate(nb["cells"]) if _exercise(c) == exercise_id)


def insert_after(nb: dict, index: int, source: str) -> dict:
    nb = copy.deepcopy(nb)
    nb["cells"].insert(
        index + 1, {"cell_type": "code", "metadata": {}, "source": source, "outputs": [], "execution_count": None}
    )
    return nb


def save(folder: Path, student: str, name: str, content: dict | str | bytes) -> Path:
    path = folder / student / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, dict):
        content = json.dumps(content, indent=1)
    if isinstance(content, str):
        content = content.encode()
    path.write_bytes(content)
    return path


def sandboxed_processes() -> list[str]:
    """Processes of the sandbox's users (see UID_BASE) started from this checkout's grader:
    what a grading left running (other checkouts' graders on the machine are not counted)."""
    from helpers.grader.isolation import UID_BASE

    found = []
    for entry in Path("/proc").iterdir():
        try:
            uid = int(
                next(line for line in (entry / "status").read_text().splitlines() if line.startswith("Uid:")).split()[1]
            )
            command = (entry / "cmdline").read_bytes().decode(errors="replace")
        except (OSError, ValueError, StopIteration):
            continue
        if uid >= UID_BASE and str(ROOT / "helpers" / "grader" / "launch.py") in command:
            found.append(entry.name)
    return found
