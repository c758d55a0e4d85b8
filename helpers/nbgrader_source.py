"""An nbgrader course seeded from the masters in solutions/:

    python -m helpers.build --nbgrader DIR

writes

    DIR/nbgrader_config.py                  nbgrader configured for the course (helpers.nbgrader_release)
    DIR/source/<lesson>/<lesson>.ipynb      one assignment per lesson, e.g.
                                            source/01-attention-is-a-weighted-sum/01-attention-is-a-weighted-sum.ipynb

One assignment per lesson: a lesson is one notebook of about an hour, handed out and due
on its own, and nbgrader releases, collects and dates assignments, not notebooks. The
assignment and the notebook keep the lesson's file name, so that a submission collected
by nbgrader is also recognised by helpers.grade.

Each source notebook is its master with nbgrader's cell metadata:
- an exercise cell is a solution cell (grade_id "answer-N_M"); nbgrader's generate_assignment,
  configured by DIR/nbgrader_config.py, hands it out as notebooks/ does (stub or buggy code);
- its check cell is a locked grade cell (grade_id "check-N_M") worth the exercise's points in
  the registry; under nbgrader a check that does not pass writes to stderr, which nbgrader
  scores 0 (helpers.nbgrader_checks); a check cell the student deleted is put back;
- the setup cell and the Markdown cells are read-only (locked: nbgrader restores them when
  it grades); other code cells stay editable and are run as the student left them, as
  helpers.grade runs them.
Outputs are cleared: nbgrader clears them from what it releases anyway.

nbgrader's grade is per check cell and all-or-nothing, as the course's: the exercise's
points when its check passes, 0 otherwise.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from helpers import authoring
from helpers import exercises as registry
from helpers import online as online_links

CONFIG_NAME = "nbgrader_config.py"
CONFIG_MARK = "# Written by python -m helpers.build --nbgrader"
CONFIG = f"""{CONFIG_MARK} (the self-attention course); it rewrites this file.
# The course's exercise stubs and spot-the-bug code in what generate_assignment releases,
# deleted check cells put back when autograding: see helpers/nbgrader_release.py.
# nbgrader and the kernels it starts need the course's helpers package: pip install -r
# requirements.txt in the course's folder (README.md), in the environment that runs nbgrader.
from helpers.nbgrader_release import configure

c = get_config()  # noqa: F821 (nbgrader's config loader provides get_config)
configure(c)
"""
INVALID_ID = re.compile(r"[^A-Za-z0-9_-]")


def _meta(
    grade_id: str, *, solution: bool = False, grade: bool = False, locked: bool = False, points: int | None = None
) -> dict:
    meta = {
        "grade": grade,
        "grade_id": grade_id,
        "locked": locked,
        "schema_version": 3,
        "solution": solution,
        "task": False,
    }
    if grade:
        meta["points"] = points
    return meta


def answer_id(ex_id: str) -> str:
    return "answer-" + ex_id.replace(".", "_")


def check_id(ex_id: str) -> str:
    return "check-" + ex_id.replace(".", "_")


def source_notebook(path: Path, master: NotebookNode, seen: dict[str, str] | None = None) -> NotebookNode:
    """The nbgrader source notebook of one master (as authoring.master_notebook() keeps it).
    Raises authoring.AuthoringError for what the build refuses, as the build does."""
    authoring.student_notebook(path, master, seen)  # the build's checks of the masters, and nothing else
    nb_id = authoring.notebook_id(path, master)
    nb = nbformat.from_dict(master)
    nb.metadata["course"] = {"notebook": nb_id, "generated_from": f"solutions/{path.name}"}
    nb.metadata["kernelspec"] = authoring.KERNELSPEC
    nb.metadata.pop("widgets", None)
    checks = {}  # index of a check cell -> its exercise id
    used: set[str] = set()
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
            cell.metadata.pop("execution", None)
        ex_id = authoring.exercise_id(cell)
        if ex_id is not None:
            cell.metadata["course"] = {"exercise": ex_id}
            cell.metadata["nbgrader"] = _meta(answer_id(ex_id), solution=True)
            check_at = next(i for i in range(index + 1, len(nb.cells)) if nb.cells[i].cell_type == "code")
            checks[check_at] = ex_id
        elif index in checks:
            ex = registry.EXERCISES[checks[index]]
            cell.metadata["nbgrader"] = _meta(check_id(ex.id), grade=True, locked=True, points=ex.points)
        elif cell.cell_type == "markdown" or online_links.is_setup(cell):
            name = "setup" if cell.cell_type == "code" else INVALID_ID.sub("-", cell.get("id") or "") or "text"
            grade_id, n = f"read-only-{name}", 1
            while grade_id in used:
                n += 1
                grade_id = f"read-only-{name}-{n}"
            cell.metadata["nbgrader"] = _meta(grade_id, locked=True)
        if "nbgrader" in cell.metadata:
            used.add(cell.metadata["nbgrader"]["grade_id"])
    return nb


def write(course: Path, root: Path = authoring.ROOT) -> list[str]:
    """Write the nbgrader source tree into `course` (created if needed); returns what it
    did, one line each. Raises authoring.AuthoringError for bad masters, before writing."""
    online = online_links.read_settings(root)
    notebooks: dict[Path, str] = {}
    problems: list[str] = []
    seen: dict[str, str] = {}
    for path in authoring.masters(root):
        try:
            master = authoring.master_notebook(nbformat.read(path, as_version=4), online)
            notebooks[course / "source" / path.stem / path.name] = authoring.render(source_notebook(path, master, seen))
        except authoring.AuthoringError as err:
            problems.extend(err.problems)
    if problems:
        raise authoring.AuthoringError(problems)
    done = []
    for target, text in notebooks.items():
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        done.append(f"wrote {target}")
    config = course / CONFIG_NAME
    if not config.exists() or config.read_text(encoding="utf-8").startswith(CONFIG_MARK):
        config.write_text(CONFIG, encoding="utf-8")
        done.append(f"wrote {config}")
    else:
        done.append(
            f"left {config} as it is (not written by this command); add these lines to it:\n"
            "    from helpers.nbgrader_release import configure\n    configure(c)"
        )
    return done
