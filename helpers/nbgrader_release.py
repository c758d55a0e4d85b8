"""nbgrader, configured for the course: the nbgrader_config.py that
`python -m helpers.build --nbgrader DIR` writes calls configure(c). Imported by nbgrader
only (it needs nbgrader installed; nothing in the course imports it).

- generate_assignment hands out each exercise cell exactly as notebooks/ does: the answer
  replaced by `raise NotImplementedError("Exercise N.M: ...")`, or, for a spot-the-bug
  exercise, by the buggy code of its "### BEGIN STUB" block (helpers.authoring.student_source).
  nbgrader's own ClearSolutions would give every exercise "# YOUR CODE HERE" and a bare
  NotImplementedError, and knows nothing of stubs. Cells that are not the course's
  exercises keep nbgrader's behaviour.
- autograde puts back a check cell (a grade cell) that a student deleted, and runs it:
  without this, nbgrader records no score for a deleted grade cell.
"""

from __future__ import annotations

from typing import Any

from nbgrader import utils
from nbgrader.converters import GenerateAssignment
from nbgrader.preprocessors import ClearSolutions

from helpers import authoring

CELL_TIMEOUT = 120  # seconds per cell, as the tests give nbval; nbgrader's default is 30


class CourseStubs(ClearSolutions):
    """ClearSolutions that replaces the course's exercise cells' answers as the course's
    build does, so students get the same stubs and the same buggy code as in notebooks/."""

    def preprocess_cell(self, cell, resources, cell_index):
        ex_id = authoring.exercise_id(cell)
        if ex_id is None or not utils.is_solution(cell):
            return super().preprocess_cell(cell, resources, cell_index)
        where = authoring.Where(f"{resources.get('unique_key', 'notebook')}.ipynb", cell_index, cell)
        cell.source = authoring.student_source(cell.source, ex_id, where)
        return cell, resources


def configure(c: Any) -> None:
    """Set what the course needs on an nbgrader config object `c` (get_config())."""
    default = GenerateAssignment.class_traits()["preprocessors"].default()
    if ClearSolutions not in default:
        raise RuntimeError(
            "this nbgrader's generate_assignment has no ClearSolutions step to replace: "
            "the course's stubs would be lost (the course is tested with nbgrader 0.9.6)"
        )
    c.GenerateAssignment.preprocessors = [CourseStubs if pp is ClearSolutions else pp for pp in default]
    c.OverwriteCells.add_missing_cells = True
    c.Execute.timeout = CELL_TIMEOUT
