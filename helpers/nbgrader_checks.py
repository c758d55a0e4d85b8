"""What a check does differently while nbgrader runs the notebook (autograde, or a
student's Validate), so that nbgrader's grade cells give the course's points.

nbgrader gives a grade cell no points when its output holds an error or any text on
stderr, and all its points otherwise. Our check never raises: it prints its report and
hands the cells below the course's reference when the answer does not pass, so that Run
All reaches the end and one mistake costs points once. While nbgrader runs the notebook, a
check that does not pass prints the same report on stderr instead of stdout: the cell
fails for nbgrader and still hands the reference down, as helpers.grade grades it (a
raise would leave later cells the student's broken answer). And what student code writes
to stderr while it is checked (a warning) goes to stdout, so that it cannot cost a right
answer its points. Outside nbgrader nothing changes.

nbgrader sets NBGRADER_EXECUTION ("autograde" or "validate") in the environment of the
kernel it starts (nbgrader/converters/autograde.py, nbgrader/validator.py). On Linux it is
read from the environment the kernel process started with, so that a cell that edits
os.environ, even one above the setup cell, changes nothing. Patching check(), this module
or sys.stderr still can: nbgrader runs student code beside the checks (README, nbgrader).
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from typing import Iterator, TextIO


def _started_with(name: str) -> str:
    """The value of environment variable `name` when this process started: Linux keeps that
    environment in /proc/self/environ whatever os.environ becomes; elsewhere, os.environ."""
    try:
        started = Path("/proc/self/environ").read_bytes().split(b"\0")
    except OSError:
        return os.environ.get(name, "")
    prefix = name.encode() + b"="
    return next((item[len(prefix) :].decode(errors="replace") for item in started if item.startswith(prefix)), "")


EXECUTION = _started_with("NBGRADER_EXECUTION")
_STDERR = sys.stderr  # the kernel's stderr stream, as the setup cell found it


def report_stream(passed: bool) -> TextIO:
    """Where a check prints its report: stderr under nbgrader when the answer did not pass
    (nbgrader's sign of a failed test), stdout otherwise."""
    return _STDERR if EXECUTION and not passed else sys.stdout


@contextlib.contextmanager
def student_stderr_to_stdout() -> Iterator[None]:
    """Under nbgrader, send what is written to stderr while student code is checked to
    stdout instead, so that a warning does not fail a right answer; elsewhere do nothing."""
    if not EXECUTION:
        yield
        return
    with contextlib.redirect_stderr(sys.stdout):
        yield
