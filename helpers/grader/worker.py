"""The grader's worker process: runs students' notebooks in sandboxed child processes.

The command (helpers.grade) starts it as `python -P helpers/grader/launch.py`, which loads
this package by path, without `helpers`, so that it holds no reference implementation
that student code could find. It imports torch once and forks a worker per -j slot, each
reading jobs from a pipe of its own. For each job (one JSON line: the notebook's code
cells, the exercises with their cases, the limits) it forks a child:

    worker (imports paid once)
      └─ child: new mount, network and PID namespaces; everything read-only except a fresh
         /tmp; the course, the submissions, the output and home folders hidden (isolation.py)
           └─ grandchild, PID 1 of its namespace, no privileges, resource limits:
              runs the cells and sends back plain outcomes on a pipe (run_notebook.py)

and writes one JSON line back: the messages the grandchild sent and how it ended
(protocol.py). The grandchild never sees the parent's stdout, and its messages are only
data (outputs of the student's code on the grader's inputs); the parent judges them.

Where namespaces are not available (user namespaces disabled), the worker says so on its
first line and runs the child with the resource limits only. It runs on Linux only:
helpers.grade refuses to start elsewhere.
"""

from __future__ import annotations

import fcntl
import io
import json
import os
import resource
import signal
import sys
import tempfile
import time

from . import protocol, run_notebook
from .isolation import (
    PR_SET_DUMPABLE,
    PR_SET_NO_NEW_PRIVS,
    PR_SET_PDEATHSIG,
    _libc,
    drop_privileges,
    isolate,
    own_proc,
    probe_isolation,
)
from .processes import alive, first, kill, receive, remove, wait_for
from .protocol import ANSWERS_FD, CHILD_ENVIRONMENT, RESULTS_FD

# Modules a student may reasonably import, loaded before any student code runs: once the
# grandchild drops its privileges, folders such as /root may no longer be readable.
PRELOAD = (
    "math",
    "cmath",
    "random",
    "statistics",
    "itertools",
    "functools",
    "collections",
    "copy",
    "dataclasses",
    "typing",
    "string",
    "textwrap",
    "json",
    "time",
    "warnings",
    "numbers",
    "operator",
    "fractions",
    "decimal",
    "inspect",
    "numpy",
    "torch",
    "torch.nn",
    "torch.nn.functional",
    "torch.testing",
    "torch.utils.data",
    "torch.linalg",
    "torch.fft",
)


ASKS_PER_EXERCISE = 8  # questions passed on to the parent per exercise (a notebook checks each once)
MAX_JUDGING = 30.0  # seconds of the parent's judging added to a notebook's wall-clock limit, at most


# --------------------------------------------------------------------------------------
# The worker


class Worker:
    """Imports torch once; serves one slot's jobs; forks a sandboxed child per job."""

    def __init__(self, slot: int, running) -> None:
        run_notebook.use_transformer()
        self.slot, self.running = slot, running  # helpers/running/, loaded by launch.py
        import torch  # the running imported it; here for the thread settings

        torch.set_num_threads(1)
        torch.set_num_interop_threads(1)
        for name in PRELOAD:
            try:
                __import__(name)
            except ImportError:
                pass
        self.running.warm_up()
        self.make_folders()

    def make_folders(self) -> None:
        """A folder of this worker's own: the mount point of its children's /tmp, and, without
        isolation, their working directories."""
        self.base = tempfile.mkdtemp(prefix="course-grader-", dir="/tmp" if os.path.isdir("/tmp") else None)
        self.stage = os.path.join(self.base, "stage")
        os.mkdir(self.stage)

    def limits(self, job: dict, vm: int) -> None:
        """The resource limits of a job, set in the grandchild just before student code
        runs; `vm` is the address space it uses already, in bytes."""
        lim = job["limits"]
        settings = [
            (resource.RLIMIT_CPU, (lim["cpu"], lim["cpu"] + 1)),
            (resource.RLIMIT_AS, (vm + lim["memory"], vm + lim["memory"])),
            (resource.RLIMIT_FSIZE, (lim["file"], lim["file"])),
            (resource.RLIMIT_NOFILE, (256, 256)),
            (resource.RLIMIT_CORE, (0, 0)),
        ]
        if job["isolation"] == "namespaces":
            settings.append((resource.RLIMIT_NPROC, (lim["processes"], lim["processes"])))
        for which, value in settings:
            resource.setrlimit(which, value)

    def grandchild(self, job: dict, fd: int, answers: int, workdir: str) -> None:
        """Never returns: after its last message the worker kills it (see Worker.run)."""
        try:
            _libc and _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
            null = os.open(os.devnull, os.O_RDWR)
            for target in (0, 1, 2):
                os.dup2(null, target)
            high = [fcntl.fcntl(f, fcntl.F_DUPFD, 100) for f in (fd, answers)]  # out of the way of 3 and 4
            os.dup2(high[0], RESULTS_FD)
            os.dup2(high[1], ANSWERS_FD)
            os.closerange(ANSWERS_FD + 1, 1 << 16)
            fd, answers = RESULTS_FD, ANSWERS_FD
            os.chdir(workdir)
            sys.path.insert(0, workdir)  # as a kernel has its folder: a module the notebook wrote imports
            with open("/proc/self/status") as f:  # before /proc is replaced by the namespace's own
                vm = next((int(line.split()[1]) * 1024 for line in f if line.startswith("VmSize:")), 0)
            if job["isolation"] == "namespaces":
                own_proc()
                drop_privileges(self.slot)
                # A change of user clears the parent-death signal (prctl(2)): set it again, so
                # that this process dies with its parent however that one ends.
                _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
            os.environ.clear()  # the worker started with a minimal environment already; this is all there is
            os.environ.update(CHILD_ENVIRONMENT, HOME=workdir, TMPDIR=workdir)
            _libc and _libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            self.limits(job, vm)
            sys.stdout, sys.stderr = run_notebook.Sink(), run_notebook.Sink()
            sys.stdin = io.StringIO()
            child = run_notebook.Grandchild(job, fd, answers, self.running)
            child.install_helpers()
            child.run()
            child.send(protocol.finished(sys.stdout.size + sys.stderr.size))
            while True:  # the worker kills this process once it has read the end; exiting is the student's way
                time.sleep(60)
        except BaseException as exc:  # noqa: BLE001
            try:
                protocol.write_line(fd, protocol.fatal(f"{type(exc).__name__}: {exc}"))
            finally:
                os._exit(3)

    def child(self, job: dict, fd: int, answers: int, control: int) -> None:
        """Never returns. With namespaces: isolate, then fork the grandchild into the new PID
        namespace, tell the worker its PID and, later, how it ended."""
        try:
            os.setsid()
            _libc and _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)  # the worker gone: so is all of this
            if job["isolation"] != "namespaces":
                os.close(control)
                self.grandchild(job, fd, answers, job["workdir"])
            isolate(job["hide"], job["keep"], self.stage)
            os.makedirs("/tmp/work", mode=0o777, exist_ok=True)
            os.chmod("/tmp/work", 0o777)
            pid = os.fork()
            if pid == 0:
                os.close(control)
                self.grandchild(job, fd, answers, "/tmp/work")
            os.close(fd)
            os.close(answers)
            protocol.write_line(control, {"pid": pid})
            _, status, usage = os.wait4(pid, 0)
            protocol.write_line(control, {"status": status, "cpu": usage.ru_utime + usage.ru_stime})
            os._exit(0)
        except BaseException as exc:  # noqa: BLE001
            try:
                protocol.write_line(fd, protocol.fatal(f"isolation failed: {type(exc).__name__}: {exc}"))
            finally:
                os._exit(3)

    def run(self, job: dict, relay) -> dict:
        """Run one notebook in a sandboxed child and collect what it sent.

        When the child asks for the verdict on an exercise (its check was called), the
        messages so far go to the parent with `relay(exercise_id, messages) -> answer`, and
        the answer back to the child. When the child says it has run everything ("end"),
        this process kills it: a child that exits by itself has crashed, whatever it sent."""
        isolated = job["isolation"] == "namespaces"
        if not isolated:
            job["workdir"] = tempfile.mkdtemp(prefix="work-", dir=self.base)
        read, write = os.pipe()
        answer_read, answer_write = os.pipe()
        control_read, control_write = os.pipe()
        start = time.monotonic()
        pid = os.fork()
        if pid == 0:
            for fd in (read, control_read, answer_write):
                os.close(fd)
            self.child(job, write, answer_read, control_write)
        for fd in (write, control_write, answer_read):
            os.close(fd)
        os.set_blocking(answer_write, False)  # a child that never reads its answers must not stop this process
        received = {read: bytearray(), control_read: bytearray()}
        cap = job["limits"]["message"]
        deadline = start + job["limits"]["wall"]
        timed_out = overflow = finished = False
        scanned = relayed = 0  # bytes of messages looked at for questions, and sent to the parent already
        exercise_ids = {ex["id"] for ex in job["exercises"]}
        asked: dict[str, int] = {}  # questions per exercise: more than a notebook's checks make are not passed on
        judging = 0.0  # seconds the parent spent answering, added to the deadline up to MAX_JUDGING
        status = usage = None
        while status is None and not finished:
            left = deadline - time.monotonic()
            if left <= 0 or not alive(GRADER):  # out of time, or nobody left to tell: stop
                timed_out = True
                break
            overflow = receive(received, min(left, 0.05), cap) or overflow
            if overflow:
                break
            messages = received[read]
            while not finished and (newline := messages.find(b"\n", scanned)) >= 0:
                line, scanned = bytes(messages[scanned:newline]), newline + 1
                if b'"ask"' not in line and b'"end"' not in line:
                    continue
                message = protocol.json_object(line)
                if (exercise_id := protocol.asked(message)) is not None:
                    asked[exercise_id] = asked.get(exercise_id, 0) + 1
                    answer = protocol.answer(exercise_id)
                    if exercise_id in exercise_ids and asked[exercise_id] <= ASKS_PER_EXERCISE:
                        waited = time.monotonic()
                        try:
                            answer = relay(exercise_id, bytes(messages[relayed:scanned]))
                        except OSError:  # the parent stopped listening: stop this notebook, and all it started
                            timed_out = True
                            break
                        relayed = scanned
                        extra = min(time.monotonic() - waited, MAX_JUDGING - judging)
                        judging += extra
                        deadline += extra  # the parent's judging is not the notebook's time
                    try:
                        protocol.write_line(answer_write, answer)
                    except OSError:
                        pass
                elif protocol.is_finished(message):
                    finished = True
            if timed_out:
                break
            if not finished:
                done, raw, usage = os.wait4(pid, os.WNOHANG)
                if done:
                    status = raw
        grandchild = first(received[control_read], "pid")
        if isolated and grandchild is None and status is None:
            receive(received, 0.5, cap)  # the child sent it before anything else
            grandchild = first(received[control_read], "pid")
        if status is None:  # finished, out of time, or too much output: stop everything
            if grandchild is not None and first(received[control_read], "status") is None:
                kill(grandchild)  # PID 1 of its namespace: every process in it goes too
                status, usage = wait_for(pid, 5.0)  # the child reaps it and reports how it ended
            if status is None:
                kill(pid, group=not isolated)
                _, status, usage = os.wait4(pid, 0)
        receive(received, 0.0, cap, until=time.monotonic() + 0.5)  # what was sent before the end
        if not isolated:
            kill(pid, group=True)  # anything the student forked
            remove(job["workdir"])
        for fd in (*received, answer_write):
            os.close(fd)
        ended = first(received[control_read], "status") if isolated else None
        raw = status if ended is None else ended["status"]
        killed = os.WIFSIGNALED(raw) and os.WTERMSIG(raw) == signal.SIGKILL
        return {
            "messages": received[read][relayed:cap].decode("utf-8", errors="replace"),
            "exit": os.WEXITSTATUS(raw) if os.WIFEXITED(raw) else None,
            "signal": os.WTERMSIG(raw) if os.WIFSIGNALED(raw) else None,
            "finished": finished and killed,
            "timed_out": timed_out,
            "overflow": overflow,
            "cpu": ended["cpu"] if ended else usage.ru_utime + usage.ru_stime,
            "wall": time.monotonic() - start,
        }

    def serve(self, jobs: int, results: int, isolation: str, reason: str, hide: list[str], keep: list[str]) -> None:
        """Answer each job read from `jobs` with one line on `results`, until `jobs` closes;
        questions for the parent go on `results` too, each answered by a line on `jobs`."""
        try:
            with os.fdopen(jobs, "r") as inbox, os.fdopen(results, "w") as out:

                def send(message: dict) -> None:
                    out.write(json.dumps(message) + "\n")
                    out.flush()

                def relay(exercise_id: str, messages: bytes) -> dict:
                    send(protocol.relayed_ask(exercise_id, messages.decode("utf-8", errors="replace")))
                    return protocol.answer(exercise_id, protocol.json_object(inbox.readline()))

                send(protocol.ready(isolation, reason, os.getpid()))
                for line in inbox:
                    job = json.loads(line)
                    job.update(isolation=isolation, hide=hide, keep=keep)
                    send(protocol.result(**self.run(job, relay)))
        except BrokenPipeError:  # the parent stopped listening (it refused its arguments, or is gone): nothing to tell
            pass
        remove(self.base)


GRADER = 0  # the process of helpers.grade that started this worker (set by main)


def main(running) -> None:
    """Read the setup (the slots, each with the pipes it reads jobs from and writes results
    to), import torch once, then fork a worker per extra slot and serve the first one here.
    `running`: helpers/running/, loaded by launch.py."""
    global GRADER
    GRADER = os.getppid()
    setup = json.loads(sys.stdin.readline())
    if _libc is not None:
        _libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)  # no process of the same user may read this one's memory
    slots, hide, keep = setup["slots"], setup["hide"], setup["keep"]
    worker = Worker(slots[0]["slot"], running)
    if setup["isolation"] == "auto":
        isolation, reason = probe_isolation(hide, keep, worker.stage, worker.slot)
    else:
        isolation, reason = "none", "turned off with --isolation none"
    siblings = []
    for slot in slots[1:]:
        pid = os.fork()
        if pid == 0:  # a copy of this worker, torch already imported, for one more slot
            for other in slots:
                if other is not slot:
                    os.close(other["in"])
                    os.close(other["out"])
            worker.slot = slot["slot"]
            worker.make_folders()
            worker.serve(slot["in"], slot["out"], isolation, reason, hide, keep)
            os._exit(0)
        siblings.append(pid)
    for slot in slots[1:]:
        os.close(slot["in"])
        os.close(slot["out"])
    worker.serve(slots[0]["in"], slots[0]["out"], isolation, reason, hide, keep)
    for pid in siblings:
        os.waitpid(pid, 0)
    os._exit(0)  # all is sent and cleaned up: skip the interpreter's teardown of torch
