"""Grade a class's notebooks: points per exercise, a feedback page per student.

    python -m helpers.grade SUBMISSIONS --out OUT [-j N] [--seed S] [--timeout SECONDS] [--tests DIR]

Run with --help for the details. How it works:

- This process (the parent) reads each notebook as JSON, never runs student code, and
  never writes to SUBMISSIONS.
- helpers/sandbox.py workers (one per -j slot) run each notebook's code cells in a
  sandboxed child: its own mount, network and PID namespaces, everything read-only but a
  fresh /tmp, the course, submissions, output and home folders hidden, no privileges,
  limits on time, CPU, memory, processes and output. The child holds no reference
  implementation: a stand-in `helpers` package gives it only what the lesson's notebook
  imports from earlier lessons.
- Each exercise is graded where its check cell calls check(): the child runs the
  student's definition on the grader's cases (the registry's, fresh random draws from
  --seed, and the instructor's) and sends back plain arrays. The parent judges them with
  the same judge() as the notebooks' checks (helpers/grading.py), so the feedback names
  the same mistakes.

This module imports only the standard library, so that the workers, which import torch,
start while the parent imports torch and the course in helpers.grading.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
PROJECT = PACKAGE.parent

OK, TIMEOUT, MEMORY, CRASHED = "ok", "timeout", "memory", "crashed"
UNREADABLE, UNKNOWN, MISSING = "unreadable", "unknown-notebook", "missing"
STATUSES = (OK, TIMEOUT, MEMORY, CRASHED, UNREADABLE, UNKNOWN, MISSING)

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
# Workers


@dataclass
class Limits:
    """What one notebook may use in its sandbox."""

    wall: float = 60.0  # seconds per notebook, wall clock; the CPU limit is the same
    memory_mb: int = 2048  # beyond what the worker uses before running any student code
    processes: int = 32  # processes and threads of the sandbox's user
    file_mb: int = 64  # the largest file it may write (in its own /tmp)
    message: int = 16 << 20  # bytes it may send back (a lesson's outcomes on the course's cases: under 1 MB)

    def as_job(self) -> dict:
        """The limits as a job sends them: seconds and bytes."""
        return {"wall": self.wall, "cpu": max(1, math.ceil(self.wall)), "memory": self.memory_mb << 20,
                "processes": self.processes, "file": self.file_mb << 20, "message": self.message}


class Worker:
    """One slot of a helpers/sandbox.py process, which runs one job at a time for it.

    Worker.start(slots, ...) launches one process for all the slots: it imports torch
    once and forks a copy per slot, so that -j N does not pay N imports."""

    def __init__(self, slot: int, to_worker: int, from_worker: int, process: subprocess.Popen) -> None:
        self.slot, self.process = slot, process
        self.writer = os.fdopen(to_worker, "w")
        self.reader = os.fdopen(from_worker, "r")
        self.isolation = self.reason = ""
        self.pid: int | None = None

    @classmethod
    def start(cls, slots: list[int], hide: list[str], keep: list[str], isolation: str) -> list[Worker]:
        """Start the process; each worker's ready() waits until it has imported torch and tried
        the isolation."""
        from helpers.sandbox import CHILD_ENVIRONMENT  # standard library only, like this module

        env = dict(CHILD_ENVIRONMENT)  # none of this process's variables: student code runs in its children
        if "LD_LIBRARY_PATH" in os.environ:  # some Python installations need it to start
            env["LD_LIBRARY_PATH"] = os.environ["LD_LIBRARY_PATH"]
        theirs, ours, setup = [], [], []
        for slot in slots:
            job_read, job_write = os.pipe()
            result_read, result_write = os.pipe()
            theirs += [job_read, result_write]
            ours.append((slot, job_write, result_read))
            setup.append({"slot": slot, "in": job_read, "out": result_write})
        process = subprocess.Popen([sys.executable, "-P", str(PACKAGE / "sandbox.py")], stdin=subprocess.PIPE,
                                   env=env, cwd=tempfile.gettempdir(), text=True, pass_fds=theirs)
        for fd in theirs:
            os.close(fd)
        process.stdin.write(json.dumps({"slots": setup, "hide": hide, "keep": keep, "isolation": isolation}) + "\n")
        process.stdin.close()
        return [cls(slot, job_write, result_read, process) for slot, job_write, result_read in ours]

    def ready(self) -> Worker:
        """Wait for the worker's first line: its isolation and its PID."""
        message = self.receive()
        self.isolation, self.reason, self.pid = message["isolation"], message["reason"], message["pid"]
        return self

    def send(self, message: dict) -> None:
        """One JSON line to the worker."""
        self.writer.write(json.dumps(message) + "\n")
        self.writer.flush()

    def receive(self) -> dict:
        """One JSON line from the worker; RuntimeError if it has stopped."""
        line = self.reader.readline()
        if not line:
            raise RuntimeError(f"the grading worker for slot {self.slot} stopped")
        return json.loads(line)

    def run(self, job: dict, answer) -> dict:
        """Run one notebook: what its child sent back and how it ended. When its check
        asks for a verdict, `answer(exercise_id, messages so far)` gives the reply."""
        self.send(job)
        while True:
            message = self.receive()
            if "result" in message:
                return message["result"]
            self.send(answer(str(message.get("ask")), str(message.get("messages", ""))))

    def close(self) -> None:
        """Let the worker finish: it stops when its job pipe closes."""
        for f in (self.writer, self.reader):
            try:
                f.close()
            except OSError:
                pass

    def kill(self) -> None:
        """Stop this worker at once (its children die with their namespaces)."""
        if self.pid is not None:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.close()


def hidden_and_kept(submissions: Path, out: Path, tests: Path | None) -> tuple[list[str], list[str]]:
    """The folders hidden from student code, and the ones inside them it needs (Python)."""
    secret = [PROJECT, submissions.resolve(), out.resolve()] + ([tests.resolve()] if tests else [])
    hide = [str(p) for p in secret] + [str(Path.home()), "/root", "/home", "/run", "/var/tmp", "/dev/shm",
                                        tempfile.gettempdir()]
    import site

    candidates = {sys.prefix, sys.base_prefix, sys.exec_prefix, str(Path(os.path.realpath(sys.executable)).parent.parent),
                  *site.getsitepackages()}
    keep = sorted(str(Path(p).resolve()) for p in candidates
                  if Path(p).is_dir() and not any(s == Path(p).resolve() or s.is_relative_to(Path(p).resolve())
                                                  for s in secret))
    return hide + [str(p) for p in course_copies(keep)], keep


def course_copies(keep: list[str]) -> list[Path]:
    """Other copies of the course this Python could import `helpers` from (an editable
    install of another checkout, a path in a .pth file, an installed package): student code
    that found one would hold the references. Whole checkouts are hidden; inside the
    Python installation (`keep`), only the package; a virtual environment inside a hidden
    checkout is brought back, as for the course itself."""
    found: set[Path] = set()
    for finder in sys.meta_path:  # setuptools' editable finders keep {package: folder} in MAPPING
        mapping = getattr(sys.modules.get(getattr(finder, "__module__", "")), "MAPPING", None)
        if isinstance(mapping, dict) and isinstance(mapping.get("helpers"), str):
            found.add(Path(mapping["helpers"]).resolve())
    for entry in sys.path:
        if entry and (Path(entry) / "helpers" / "attention.py").is_file():
            found.add((Path(entry) / "helpers").resolve())
    copies = []
    for package in found:
        root = package.parent
        inside_python = any(root == Path(k) or root.is_relative_to(k) for k in keep)
        copies.append(package if inside_python else root)
    return sorted(copies)



# --------------------------------------------------------------------------------------
# The command


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line, checked: exit status 2 with what was expected and what was got."""
    parser = argparse.ArgumentParser(
        prog="python -m helpers.grade",
        description="Grade every student's course notebooks: points per exercise in OUT/grades.csv and a "
                    "feedback page per student in OUT/feedback/. Student code runs only in sandboxed child "
                    "processes; this process judges what they send back.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("submissions", type=Path, help="a folder with one folder per student, each holding .ipynb files")
    parser.add_argument("--out", type=Path, required=True, help="where grades.csv, feedback/ and summary.txt go")
    parser.add_argument("-j", "--jobs", type=int, default=1, help="notebooks graded at once (default 1)")
    parser.add_argument("--seed", type=int, default=None,
                        help="seed of the fresh random test inputs (default: a new one, printed in the summary)")
    parser.add_argument("--timeout", type=float, default=60.0,
                        help="wall-clock and CPU seconds per notebook (default 60)")
    parser.add_argument("--memory", type=int, default=2048, help="MB of memory per notebook (default 2048)")
    parser.add_argument("--tests", type=Path, default=None, help="a folder of extra test cases (see below)")
    parser.add_argument("--isolation", choices=("auto", "none"), default="auto",
                        help="auto: Linux namespaces where available (default); none: resource limits only")
    args = parser.parse_args(argv)
    if not args.submissions.is_dir():
        parser.error(f"SUBMISSIONS should be a folder of student folders, got {args.submissions} "
                     f"({'a file' if args.submissions.exists() else 'nothing there'})")
    if args.out.resolve() == args.submissions.resolve() or args.out.resolve().is_relative_to(args.submissions.resolve()):
        parser.error("--out must be outside SUBMISSIONS: submissions are never written to")
    if args.jobs < 1 or args.timeout <= 0 or args.memory < 64:
        parser.error(f"expected -j >= 1, --timeout > 0 and --memory >= 64, got {args.jobs}, {args.timeout}, {args.memory}")
    if args.tests is not None and not args.tests.is_dir():
        parser.error(f"--tests should be a folder of .py files, got {args.tests}")
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
        return (f"grading runs student code only on Linux, and this is {where}: run the same command on a Linux "
                "machine, in WSL 2 on Windows, or in a Linux container such as Docker "
                "(students' notebooks themselves run anywhere).")
    if not os.path.exists("/proc/self/status"):
        return ("grading needs Linux's /proc to limit each notebook's memory, and /proc is not mounted here: "
                "run it where /proc is mounted (any ordinary Linux machine or container).")
    return None



def loud(text: str) -> str:
    """`text` between two lines of exclamation marks, for what an instructor must not miss."""
    bar = "!" * 88
    return f"{bar}\n{text}\n{bar}"



def main(argv: list[str] | None = None) -> int:
    """python -m helpers.grade; see --help."""
    started = time.monotonic()
    args = parse_args(argv)
    if sys.platform == "linux":  # no process of this user may read this one's memory (the references)
        import ctypes

        ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE
    files = sum(1 for _ in args.submissions.glob("*/*.ipynb"))
    hide, keep = hidden_and_kept(args.submissions, args.out, args.tests)
    workers = Worker.start(list(range(max(1, min(args.jobs, files)))), hide, keep, args.isolation)
    try:
        from helpers import grading  # torch and the course, imported while the workers start

        return grading.grade(args, workers, hide, keep, started)
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
