"""The parent's side of the grader's workers: starting the worker process, sending it
jobs, relaying its questions to the judging, and what the sandbox hides.

Standard library only, like the command: the workers start (and import torch) while the
parent imports torch and the course.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from helpers.grader.protocol import CHILD_ENVIRONMENT

GRADER = Path(__file__).resolve().parent  # this package
PACKAGE = GRADER.parent  # helpers
PROJECT = PACKAGE.parent


class Slot:
    """One slot of the worker process (worker.py), which runs one job at a time for it.

    Slot.start(slots, ...) launches one process for all the slots: it imports torch
    once and forks a copy per slot, so that -j N does not pay N imports."""

    def __init__(self, slot: int, to_worker: int, from_worker: int, process: subprocess.Popen) -> None:
        self.slot, self.process = slot, process
        self.writer = os.fdopen(to_worker, "w")
        self.reader = os.fdopen(from_worker, "r")
        self.isolation = self.reason = ""
        self.pid: int | None = None

    @classmethod
    def start(cls, slots: list[int], hide: list[str], keep: list[str], isolation: str) -> list[Slot]:
        """Start the process; each worker's ready() waits until it has imported torch and tried
        the isolation."""
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
        process = subprocess.Popen(
            [sys.executable, "-P", str(GRADER / "launch.py")],
            stdin=subprocess.PIPE,
            env=env,
            cwd=tempfile.gettempdir(),
            text=True,
            pass_fds=theirs,
        )
        for fd in theirs:
            os.close(fd)
        process.stdin.write(json.dumps({"slots": setup, "hide": hide, "keep": keep, "isolation": isolation}) + "\n")
        process.stdin.close()
        return [cls(slot, job_write, result_read, process) for slot, job_write, result_read in ours]

    def ready(self) -> Slot:
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


def hidden_and_kept(
    submissions: Path, out: Path, tests: Path | None, roster: Path | None = None
) -> tuple[list[str], list[str]]:
    """The folders hidden from student code, and the ones inside them it needs (Python)."""
    secret = [PROJECT, submissions.resolve(), out.resolve()] + ([tests.resolve()] if tests else [])
    secret += [roster.resolve().parent] if roster else []  # names and e-mails of the class
    hide = [str(p) for p in secret] + [
        str(Path.home()),
        "/root",
        "/home",
        "/run",
        "/var/tmp",
        "/dev/shm",
        tempfile.gettempdir(),
    ]
    import site

    candidates = {
        sys.prefix,
        sys.base_prefix,
        sys.exec_prefix,
        str(Path(os.path.realpath(sys.executable)).parent.parent),
        *site.getsitepackages(),
    }
    keep = sorted(
        str(Path(p).resolve())
        for p in candidates
        if Path(p).is_dir() and not any(s == Path(p).resolve() or s.is_relative_to(Path(p).resolve()) for s in secret)
    )
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
