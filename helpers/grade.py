"""Grade a class's notebooks: points per exercise, a feedback page per student.

    python -m helpers.grade SUBMISSIONS --out OUT [-j N] [--seed S] [--timeout SECONDS] [--tests DIR]

Run with --help for the details. How it works (helpers/grader/ has the parts):

- This process (the parent) reads each notebook as JSON, never runs student code, and
  never writes to SUBMISSIONS.
- Worker processes (grader/worker.py, one slot per -j) run each notebook's code cells in
  a sandboxed child: its own mount, network and PID namespaces, everything read-only but
  a fresh /tmp, the course, submissions, output and home folders hidden, no privileges,
  limits on time, CPU, memory, processes and output. The child holds no reference
  implementation: a stand-in `helpers` package gives it only what the lesson's notebook
  imports from earlier lessons.
- Each exercise is graded where its check cell calls check(): the child runs the
  student's definition on the grader's cases (the registry's, fresh random draws from
  --seed, and the instructor's) and sends back plain arrays. The parent judges them with
  the same judging as the notebooks' checks (grader/judge_notebook.py), so the feedback
  names the same mistakes.

This module imports only the standard library (and the grader's standard-library parts),
so that the workers, which import torch, start while the parent imports torch and the
course in helpers.grader.classroom.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

from helpers.grader.roster import read_roster  # standard library only
from helpers.grader.workers import Slot, hidden_and_kept

EPILOG = """\
example:
  python -m helpers.grade submissions/ --out grades/ -j 2 --seed 2026

  submissions/alice/01-attention-is-a-weighted-sum.ipynb
  submissions/alice/02-queries-keys-values.ipynb
  submissions/bob/my attempt.ipynb               recognised from its metadata
  ->
  grades/grades.csv          one row per student and notebook:
                             student, notebook, status, points per exercise, total, max
  grades/feedback/alice.md   per exercise: passed, or what failed and the likely mistake
  grades/summary.txt         the summary printed at the end, with the seed and isolation
  grades/gradebook.csv       one line per student: lesson totals, course total, a Points
                             Possible line, and the --roster's columns (id, email, ...)
  grades/gradescope/alice.json  Gradescope's results.json shape: score, a test per exercise
  grades/report.html         per exercise: pass rate, mean points, the mistakes made and by whom

status (a crash is never shown as a plain zero):
  ok                the notebook ran; its points are what its code earned
  timeout           it ran out of wall-clock or CPU time (--timeout)
  memory            it hit the memory limit (--memory)
  crashed           it ended the grading process (os._exit, a segfault, ...)
  unreadable        the file is not a notebook (malformed or empty JSON)
  unknown-notebook  not one of the course's notebooks
  missing           no submission for a notebook that others in the class handed in
  Points of exercises graded before a timeout, a memory error or a crash still count.

what is graded: each exercise's answer as the notebook hands it to its check cell, run in
a child process on the course's test inputs, fresh random ones drawn from --seed (the same
seed gives the same grades, with any -j) and yours. When an answer does not pass, the
cells below get the course's version of it, as in the notebook, so one mistake costs
points once. The child has its own mount, network and PID namespaces (Linux), its own
/proc and a minimal environment: everything read-only but a fresh /tmp, the course,
submissions, output and home folders hidden, no network, no privileges, limits on time,
memory and processes. It sends back plain arrays; this process compares them with the
reference. Where Linux has no user namespaces (turned off), grading goes on with the
resource limits only, and says so in capitals. On macOS and Windows it refuses to start:
run it on Linux (a machine, WSL 2, or a container).

submissions: every *.ipynb (any case) in a student's folder or its subfolders; symbolic
links are not followed (each gets a row, unreadable); a folder without a notebook gets a
row saying what it holds.

course notebooks are recognised from their metadata, then from their file name
("...attention-is-a-weighted-sum...") and then from their exercise cells.

instructor test cases (--tests DIR): every DIR/*.py may define CASES, a dict from
exercise id to a list of helpers.exercises.Case; the student's code is run on them and
compared with the course's reference, like every other case:

  # DIR/softmax.py
  import torch
  from helpers.exercises import Case

  CASES = {
      "1.2": [Case("one row of equal large scores", (torch.full((1, 5), 1e4),))],
      "3.1": [Case("a causal mask for T=9", (9,))],
  }

A file whose case the reference itself cannot run is refused before grading starts.

exit status: 0 when every submission got a row (whatever its points), 2 on bad arguments
or instructor test cases.
"""


# --------------------------------------------------------------------------------------
# The command


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line, checked: exit status 2 with what was expected and what was got."""
    parser = argparse.ArgumentParser(
        prog="python -m helpers.grade",
        description="Grade every student's course notebooks: points per exercise in OUT/grades.csv and a "
        "feedback page per student in OUT/feedback/. Student code runs only in sandboxed child "
        "processes; this process judges what they send back.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "submissions", type=Path, help="a folder with one folder per student, each holding .ipynb files"
    )
    parser.add_argument("--out", type=Path, required=True, help="where grades.csv, feedback/ and summary.txt go")
    parser.add_argument("-j", "--jobs", type=int, default=1, help="notebooks graded at once (default 1)")
    parser.add_argument(
        "--seed",
        type=int,
        default=None,
        help="seed of the fresh random test inputs (default: a new one, printed in the summary)",
    )
    parser.add_argument(
        "--timeout", type=float, default=60.0, help="wall-clock and CPU seconds per notebook (default 60)"
    )
    parser.add_argument("--memory", type=int, default=2048, help="MB of memory per notebook (default 2048)")
    parser.add_argument("--tests", type=Path, default=None, help="a folder of extra test cases (see below)")
    parser.add_argument(
        "--roster",
        type=Path,
        default=None,
        help="a CSV with a 'folder' column and any others (id, email, name): copied into gradebook.csv",
    )
    parser.add_argument(
        "--isolation",
        choices=("auto", "none"),
        default="auto",
        help="auto: Linux namespaces where available (default); none: resource limits only",
    )
    args = parser.parse_args(argv)
    if not args.submissions.is_dir():
        parser.error(
            f"SUBMISSIONS should be a folder of student folders, got {args.submissions} "
            f"({'a file' if args.submissions.exists() else 'nothing there'})"
        )
    if args.out.resolve() == args.submissions.resolve() or args.out.resolve().is_relative_to(
        args.submissions.resolve()
    ):
        parser.error("--out must be outside SUBMISSIONS: submissions are never written to")
    if args.jobs < 1 or args.timeout <= 0 or args.memory < 64:
        parser.error(
            f"expected -j >= 1, --timeout > 0 and --memory >= 64, got {args.jobs}, {args.timeout}, {args.memory}"
        )
    if args.tests is not None and not args.tests.is_dir():
        parser.error(f"--tests should be a folder of .py files, got {args.tests}")
    if args.roster is not None and not args.roster.is_file():
        parser.error(
            f"--roster should be a CSV file, got {args.roster} ({'a folder' if args.roster.exists() else 'nothing there'})"
        )
    try:
        args.roster_table = read_roster(args.roster) if args.roster is not None else None
    except ValueError as exc:  # the roster's own problem, in one line: the usage would not help
        parser.exit(2, f"{parser.prog}: error: {exc}\n")
    if (refusal := unsupported()) is not None:
        parser.exit(2, f"{parser.prog}: {refusal}\n")
    try:
        (args.out / "feedback").mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        parser.error(f"--out should be a folder this user can write to, got {args.out} ({exc.strerror})")
    return args


def unsupported() -> str | None:
    """Why this machine cannot grade, in one sentence, or None. The grader runs student
    code only in forked children with Linux's resource limits, reading /proc for their
    memory; macOS and Windows lack parts of that (Windows has no fork and no resource
    module, macOS does not enforce a memory limit), so it refuses there rather than grade
    with protections it does not have."""
    where = {"darwin": "macOS", "win32": "Windows"}.get(sys.platform, sys.platform)
    if sys.platform != "linux":
        return (
            f"grading runs student code only on Linux, and this is {where}: run the same command on a Linux "
            "machine, in WSL 2 on Windows, or in a Linux container such as Docker "
            "(students' notebooks themselves run anywhere)."
        )
    if not os.path.exists("/proc/self/status"):
        return (
            "grading needs Linux's /proc to limit each notebook's memory, and /proc is not mounted here: "
            "run it where /proc is mounted (any ordinary Linux machine or container)."
        )
    return None


def main(argv: list[str] | None = None) -> int:
    """python -m helpers.grade; see --help."""
    started = time.monotonic()
    args = parse_args(argv)
    if sys.platform == "linux":  # no process of this user may read this one's memory (the references)
        import ctypes

        ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE
    files = sum(1 for _ in args.submissions.glob("*/*.ipynb"))
    hide, keep = hidden_and_kept(args.submissions, args.out, args.tests, args.roster)
    workers = Slot.start(list(range(max(1, min(args.jobs, files)))), hide, keep, args.isolation)
    try:
        from helpers.grader import classroom  # torch and the course, imported while the workers start

        return classroom.grade(args, workers, hide, keep, started)
    finally:
        for worker in workers:
            worker.close()
        for process in {id(w.process): w.process for w in workers}.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


if __name__ == "__main__":
    sys.exit(main())
