"""The grader's shared vocabulary: what the command, the worker, the child and the judging
all say to each other, defined once.

Standard library only, and nothing from `helpers`: the worker loads this package by path,
without the course (see launch.py), and the command imports it before torch.

Three conversations, each one JSON object per line:

    grandchild -> worker   on the results pipe (fd 3): the messages below, built by the
                           functions of this module and read back by `Report`
    worker -> grandchild   on the answers pipe (fd 4): `answer`, the reply to an `ask`
    worker <-> parent      the worker's stdin/stdout pipes: `ready`, `relayed_ask` and
                           `result` up; a job, or the reply to a relayed ask, down

Student code runs in the grandchild and can write to its results pipe too, so nothing
the parent reads from it is trusted: `Report` reads only well-formed messages, and the
judging's rules make a forged one able to lower a grade, never to raise it.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass

# --------------------------------------------------------------------------------------
# A row's status in grades.csv (see `python -m helpers.grade --help`)

OK, TIMEOUT, MEMORY, CRASHED = "ok", "timeout", "memory", "crashed"
UNREADABLE, UNKNOWN, MISSING = "unreadable", "unknown-notebook", "missing"
STATUSES = (OK, TIMEOUT, MEMORY, CRASHED, UNREADABLE, UNKNOWN, MISSING)


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
        return {
            "wall": self.wall,
            "cpu": max(1, math.ceil(self.wall)),
            "memory": self.memory_mb << 20,
            "processes": self.processes,
            "file": self.file_mb << 20,
            "message": self.message,
        }


# The whole environment of the worker and its children: nothing of the grader's own (its
# variables could hold tokens or paths). The command starts the worker with it.
CHILD_ENVIRONMENT = {
    "PATH": "/usr/bin:/bin",
    "LANG": "C.UTF-8",
    "PYTHONUTF8": "1",
    "PYTHONHASHSEED": "0",
    "PYTHONDONTWRITEBYTECODE": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MPLBACKEND": "Agg",
}

RESULTS_FD, ANSWERS_FD = 3, 4  # the grandchild's pipes: messages to the worker, answers from it

# --------------------------------------------------------------------------------------
# Grandchild -> worker: what running the notebook produced

# How an exercise's answer came to be graded ("via"): its check cell called check(); its
# exercise cell ran but no check followed before the next exercise ("cell"); or at the
# end of the notebook ("end").
VIA_CHECK, VIA_CELL, VIA_END = "check", "cell", "end"
# What the graded name held ("kind"), besides "function", "class" or a type's name:
MISSING_ANSWER = "missing"  # the name was never defined
TAMPERED = "tampered"  # the grader's own measuring code in the child had been replaced


def cell_started(index: int) -> dict:
    return {"cell": index}


def cell_failed(index: int, error: str) -> dict:
    return {"cell": index, "error": error}


def answer_kind(exercise_id: str, via: str, kind: str) -> dict:
    """Starts a run: one grading of an exercise's answer; its case outcomes follow."""
    return {"exercise": exercise_id, "via": via, "kind": kind}


def case_outcome(exercise_id: str, case: int, outcome: dict) -> dict:
    """The answer's outcome on case `case` (running.encode_outcome), in the latest run."""
    return {"exercise": exercise_id, "case": case, "outcome": outcome}


def out_of_memory() -> dict:
    return {"memory": True}


def finished(printed: int) -> dict:
    """Every cell has run; `printed`: characters the notebook printed (and nobody read)."""
    return {"end": True, "printed": printed}


def fatal(text: str) -> dict:
    """The grading code itself failed in the child."""
    return {"fatal": text}


def ask(exercise_id: str) -> dict:
    """A check was called: the grandchild waits for the `answer`."""
    return {"ask": exercise_id}


def asked(message: dict) -> str | None:
    """The exercise a well-formed `ask` is about, else None."""
    exercise_id = message.get("ask")
    return exercise_id if isinstance(exercise_id, str) and len(message) == 1 else None


def is_finished(message: dict) -> bool:
    return message.get("end") is True


# --------------------------------------------------------------------------------------
# Worker -> grandchild: the answer to an ask


def answer(exercise_id: str, reference: dict | None = None) -> dict:
    """None/{} for reference: keep the student's answer. Else {"name", "source"}: the
    course's version of the answer, which the child runs and hands to later cells."""
    return {"exercise": exercise_id, **(reference or {})}


def explain_request(message: dict, exercise_id: str) -> tuple[int, dict] | None:
    """(case, asks) when an answer about `exercise_id` asks the child to gather evidence
    about the failing case (helpers/running/evidence.py), else None."""
    explain = message.get("explain") if message.get("exercise") == exercise_id else None
    if (
        not isinstance(explain, dict)
        or type(explain.get("case")) is not int
        or not isinstance(explain.get("asks"), dict)
    ):
        return None
    return explain["case"], explain["asks"]


def case_evidence(exercise_id: str, case: int, evidence: dict) -> dict:
    """What the probes found about case `case` of the latest run (running.encode_evidence)."""
    return {"exercise": exercise_id, "case": case, "evidence": evidence}


def handed_reference(message: dict, exercise_id: str) -> tuple[str, str] | None:
    """(name, source) of the course's version in an answer about `exercise_id`, or None."""
    source, name = message.get("source"), message.get("name")
    if message.get("exercise") != exercise_id or not isinstance(source, str) or not isinstance(name, str):
        return None
    return name, source


# --------------------------------------------------------------------------------------
# Worker <-> parent


def ready(isolation: str, reason: str, pid: int) -> dict:
    return {"ready": True, "isolation": isolation, "reason": reason, "pid": pid}


def relayed_ask(exercise_id: str, messages: str) -> dict:
    """An ask passed on to the parent, with the grandchild's messages since the last one."""
    return {"ask": exercise_id, "messages": messages}


def result(**how_it_ended) -> dict:
    """A job's end: the messages not yet relayed and how the child ended (see
    worker.Worker.run for the fields)."""
    return {"result": how_it_ended}


# --------------------------------------------------------------------------------------
# Reading messages


def json_object(line: bytes | str) -> dict:
    """A JSON object from one line; {} for anything else."""
    try:
        message = json.loads(line)
    except (ValueError, RecursionError):  # RecursionError: nested deeper than Python recurses
        return {}
    return message if isinstance(message, dict) else {}


def read_line(fd: int) -> dict:
    """One JSON line from a pipe, read a byte at a time so that nothing after it is
    consumed; {} at the end of the pipe or for anything that is not a JSON object."""
    data = bytearray()
    while not data.endswith(b"\n"):
        byte = os.read(fd, 1)
        if not byte:
            break
        data += byte
    return json_object(bytes(data))


def write_line(fd: int, message: dict) -> None:
    """One JSON line on a pipe, written whole."""
    data = (json.dumps(message) + "\n").encode()
    while data:
        data = data[os.write(fd, data) :]


def parse(text: str) -> list[dict]:
    """The JSON objects of `text`, one per line; other lines are skipped."""
    return [m for m in map(json_object, text.splitlines()) if m]


class Report:
    """What a grandchild's messages say, read defensively (see the module's docstring)."""

    def __init__(self, messages: list[dict]) -> None:
        self.messages = messages

    @property
    def cells_started(self) -> list[int]:
        return [m["cell"] for m in self.messages if isinstance(m.get("cell"), int) and "error" not in m]

    def cell_errors(self, shorten) -> dict[int, str]:
        """{cell index: its first error}, each passed through `shorten`."""
        errors: dict[int, str] = {}
        for m in self.messages:
            if isinstance(m.get("cell"), int) and isinstance(m.get("error"), str):
                errors.setdefault(m["cell"], shorten(m["error"]))
        return errors

    @property
    def out_of_memory(self) -> bool:
        return any(m.get("memory") is True for m in self.messages)

    @property
    def fatal(self) -> str | None:
        return next((m["fatal"] for m in self.messages if isinstance(m.get("fatal"), str)), None)

    @property
    def ends(self) -> list[dict]:
        return [m for m in self.messages if is_finished(m)]

    @property
    def printed(self) -> int:
        ends = self.ends
        return ends[-1]["printed"] if ends and isinstance(ends[-1].get("printed"), int) else 0

    @property
    def tampered(self) -> bool:
        return any(m.get("kind") == TAMPERED for m in self.messages)

    def runs(self) -> dict[str, list[dict]]:
        """Per exercise, each time it was graded: {"kind": the answer_kind message,
        "outcomes": {case index: outcome}, "evidence": {case index: evidence}}. An
        answer_kind message starts a run; case outcomes and evidence join the latest run of
        their exercise, the first for each case."""
        runs: dict[str, list[dict]] = {}
        for m in self.messages:
            exercise_id = m.get("exercise")
            if not isinstance(exercise_id, str):
                continue
            if "kind" in m:
                runs.setdefault(exercise_id, []).append({"kind": m, "outcomes": {}, "evidence": {}})
            elif isinstance(m.get("case"), int) and runs.get(exercise_id):
                if "evidence" in m:
                    runs[exercise_id][-1]["evidence"].setdefault(m["case"], m.get("evidence"))
                else:
                    runs[exercise_id][-1]["outcomes"].setdefault(m["case"], m.get("outcome"))
        return runs
