"""The grader's worker: runs students' notebooks in sandboxed child processes.

helpers.grade starts it as `python -P helpers/sandbox.py`; it imports torch once and forks
a worker per -j slot, each reading jobs from a pipe of its own. It is a script, never
imported with the `helpers` package, so that it holds no reference
implementation that student code could find: it loads only helpers/harness.py, by path.

The worker imports torch once and then, for each job it reads on stdin (one JSON line:
the notebook's code cells, the exercises with their cases, the limits), forks a child:

    worker (imports paid once)
      └─ child: new mount, network and PID namespaces; everything read-only except a fresh
         /tmp; the course, the submissions, the output and home folders hidden
           └─ grandchild, PID 1 of its namespace, no privileges, resource limits:
              runs the cells and sends back plain outcomes on a pipe

and writes one JSON line back: the messages the grandchild sent and how it ended. The
grandchild never sees the parent's stdout, and its messages are only data (outputs of the
student's code on the grader's inputs); the parent judges them.

Where namespaces are not available (user namespaces disabled), the worker says so on its
first line and runs the child with the resource limits only. It runs on Linux only:
helpers.grade refuses to start elsewhere.
"""

from __future__ import annotations

import ast
import builtins
import ctypes
import ctypes.util
import fcntl
import importlib.util
import io
import json
import linecache
import os
import re
import resource
import select
import signal
import sys
import tempfile
import time
import types

HERE = os.path.dirname(os.path.abspath(__file__))

# Modules a student may reasonably import, loaded before any student code runs: once the
# grandchild drops its privileges, folders such as /root may no longer be readable.
PRELOAD = ("math", "cmath", "random", "statistics", "itertools", "functools", "collections", "copy",
           "dataclasses", "typing", "string", "textwrap", "json", "time", "warnings", "numbers",
           "operator", "fractions", "decimal", "inspect", "numpy", "torch", "torch.nn",
           "torch.nn.functional", "torch.testing", "torch.utils.data", "torch.linalg", "torch.fft")

CLONE_NEWNS, CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = (0x00020000, 0x08000000, 0x10000000,
                                                                   0x20000000, 0x40000000)
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_MOVE, MS_REC, MS_PRIVATE = 32, 4096, 8192, 16384, 1 << 18
MNT_DETACH = 2
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_SET_NO_NEW_PRIVS = 1, 4, 38
UID_BASE = 2_000_000_000  # the unprivileged user a root worker's children run as, plus the slot

RESULTS_FD, ANSWERS_FD = 3, 4  # the grandchild's pipes: messages to the worker, answers from it
ASKS_PER_EXERCISE = 8  # questions passed on to the parent per exercise (a notebook checks each once)
MAX_JUDGING = 30.0  # seconds of the parent's judging added to a notebook's wall-clock limit, at most

# The whole environment of the worker and its children: nothing of the grader's own (its
# variables could hold tokens or paths). helpers.grade starts the worker with it.
CHILD_ENVIRONMENT = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "PYTHONUTF8": "1", "PYTHONHASHSEED": "0",
                     "PYTHONDONTWRITEBYTECODE": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
                     "OPENBLAS_NUM_THREADS": "1", "MPLBACKEND": "Agg"}

TRANSFORMER = None  # IPython's input transformer, imported by the worker before any child


def load_harness():
    """helpers/harness.py as the module course_harness, without the helpers package."""
    spec = importlib.util.spec_from_file_location("course_harness", os.path.join(HERE, "harness.py"))
    module = importlib.util.module_from_spec(spec)
    sys.modules["course_harness"] = module
    spec.loader.exec_module(module)
    del sys.modules["course_harness"]  # needed while its dataclasses are made; not left where a notebook looks
    return module


# --------------------------------------------------------------------------------------
# Isolation (Linux namespaces, through libc; Python 3.11 has no os.unshare)

_libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True) if sys.platform == "linux" else None


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    enc = lambda s: None if s is None else s.encode()  # noqa: E731
    _check(_libc.mount(enc(source), enc(target), enc(fstype), flags, enc(data)), f"mount {target}")


def _unshare(flags: int) -> None:
    _check(_libc.unshare(flags), "unshare")


def _mount_points() -> list[tuple[str, str]]:
    """(mount point, mount options) of every mount this process sees, outermost first."""
    points = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fields = line.split()
            point = re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), fields[4])
            points.append((point, fields[5]))
    return points


def _flags(options: str) -> int:
    """The nodev and noexec a mount already has, which a remount must repeat."""
    words = options.split(",")
    return ("nodev" in words) * MS_NODEV + ("noexec" in words) * MS_NOEXEC


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def isolate(hide: list[str], keep: list[str], stage: str) -> None:
    """In a new mount and network namespace: cover each folder of `hide` with an empty
    read-only tmpfs (bringing back the folders of `keep` inside them, such as the Python
    installation), give /tmp a fresh writable tmpfs, and make every other mount read-only.
    Called by the child before it forks the grandchild into the new PID namespace."""
    flags = CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWPID | CLONE_NEWIPC  # IPC: no System V memory shared or kept
    if not REAL_ROOT:
        uid, gid = os.geteuid(), os.getegid()
        _libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)  # so that this process may write its own uid_map
        _unshare(flags | CLONE_NEWUSER)
        with open("/proc/self/setgroups", "w") as f:
            f.write("deny")
        with open("/proc/self/uid_map", "w") as f:
            f.write(f"0 {uid} 1")
        with open("/proc/self/gid_map", "w") as f:
            f.write(f"0 {gid} 1")
    else:
        _unshare(flags)
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    hide = sorted({os.path.realpath(h) for h in hide if os.path.isdir(h)} | {"/tmp"}, key=len)
    hide = [h for h in hide if h != "/" and not any(_inside(h, o) and h != o for o in hide)]
    keep = sorted({os.path.realpath(k) for k in keep if os.path.isdir(k)})
    kept = [k for k in keep if any(_inside(k, h) for h in hide)]
    # The new /tmp starts as a tmpfs at `stage` (inside the old /tmp), holding the kept
    # folders, bound there while they are still visible.
    _mount("tmpfs", stage, "tmpfs", MS_NOSUID | MS_NODEV, "size=64m,mode=1777")
    for i, path in enumerate(kept):
        os.makedirs(f"{stage}/.keep/{i}")
        _mount(path, f"{stage}/.keep/{i}", None, MS_BIND | MS_REC)
    for folder in hide:
        if folder != "/tmp":
            _mount("tmpfs", folder, "tmpfs", MS_NOSUID | MS_NODEV, "size=64k,mode=0755")
    _mount(stage, "/tmp", None, MS_MOVE)
    for i, path in enumerate(kept):
        if not any(_inside(path, o) and path != o for o in kept[:i]):  # not already back with a folder around it
            os.makedirs(path, exist_ok=True)
            _mount(f"/tmp/.keep/{i}", path, None, MS_BIND | MS_REC)
    for i in reversed(range(len(kept))):
        _check(_libc.umount2(f"/tmp/.keep/{i}".encode(), MNT_DETACH), "umount")
        os.rmdir(f"/tmp/.keep/{i}")
    if kept:
        os.rmdir("/tmp/.keep")
    for point, options in _mount_points():
        if point == "/tmp":
            continue
        try:
            _mount(None, point, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | _flags(options))
        except OSError:
            pass  # a mount hidden under another one; checked below
    for point, options in _mount_points():
        if point != "/tmp" and options.split(",")[0] == "rw" and os.path.exists(point):
            if not os.statvfs(point).f_flag & os.ST_RDONLY:
                raise OSError(f"could not make {point} read-only")


REAL_ROOT = os.geteuid() == 0  # read when the worker starts, before any user namespace


def own_proc() -> None:
    """In the grandchild, PID 1 of its namespace: a /proc of that namespace, which shows
    only its own processes (the host's /proc would show every command line on the
    machine). Where the kernel refuses a new proc mount, an empty /proc."""
    try:
        _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    except OSError:
        _mount("tmpfs", "/proc", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY, "size=4k,mode=0555")


def drop_privileges(slot: int) -> None:
    """In the grandchild: give up every power over the sandbox, so that no mount can be
    undone and the resource limits hold (RLIMIT_NPROC does not apply to root)."""
    if REAL_ROOT:
        uid = UID_BASE + slot  # a user of its own per slot, so that slots do not share a process count
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
    else:  # root only inside its user namespace: leave that namespace's powers behind
        _unshare(CLONE_NEWUSER)


def probe_isolation(hide: list[str], keep: list[str], stage: str, slot: int) -> tuple[str, str]:
    """Try the whole isolation once in a throwaway child and check that a hidden folder
    cannot be read or written. Returns (isolation name, reason if it is not available)."""
    if _libc is None:
        return "none", f"no Linux namespaces on {sys.platform}"
    target = hide[0] if hide else HERE
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        code = 0
        try:
            isolate(hide, keep, stage)
            grandchild = os.fork()
            if grandchild == 0:
                try:
                    drop_privileges(slot)
                    if os.path.exists(os.path.join(HERE, "sandbox.py")):
                        raise AssertionError(f"{HERE} is still visible")
                    for folder in (target, "/"):
                        try:
                            open(os.path.join(folder, ".grader-write-test"), "w").close()
                            raise AssertionError(f"could still write to {folder}")
                        except OSError:
                            pass
                    os._exit(0)
                except BaseException as exc:  # report any failure, then leave
                    os.write(write, f"{type(exc).__name__}: {exc}".encode())
                    os._exit(1)
            _, status = os.waitpid(grandchild, 0)
            code = 0 if status == 0 else 1
        except BaseException as exc:
            os.write(write, f"{type(exc).__name__}: {exc}".encode())
            code = 1
        os._exit(code)
    os.close(write)
    _, status = os.waitpid(pid, 0)
    with os.fdopen(read, "rb") as f:
        reason = f.read().decode(errors="replace")
    if status == 0:
        return "namespaces", ""
    return "none", reason or f"the isolation test exited with status {status}"


# --------------------------------------------------------------------------------------
# Inside the grandchild: a stand-in `helpers` package and the notebook's cells


class Sink(io.TextIOBase):
    """A stdout that only counts what is printed, so that printing costs no memory."""

    def __init__(self) -> None:
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, text) -> int:
        self.size += len(str(text))
        return len(str(text))


class Grandchild:
    """Runs one notebook's cells and sends back, for each exercise, the outcome of the
    student's definition on every case."""

    def __init__(self, job: dict, fd: int, answers: int, harness) -> None:
        self.job, self.fd, self.answers, self.h = job, fd, answers, harness
        self.pid = os.getpid()
        self.exercises = {ex["id"]: ex for ex in job["exercises"]}
        self.cases = {ex["id"]: [harness.decode_case(c) for c in ex["cases"]] for ex in job["exercises"]}
        self.done: set[str] = set()
        self.seen: list[str] = []  # exercise cells run whose exercise is not graded yet
        main = types.ModuleType("__main__")  # the notebook's own namespace, as in a kernel
        sys.modules["__main__"] = main
        self.ns: dict = main.__dict__
        self.ns["__builtins__"] = builtins
        self.ns["display"] = lambda *args, **kwargs: None  # Jupyter's, which notebooks call without importing
        shell = Shell(self)
        self.ns["get_ipython"] = lambda: shell  # what IPython's transformer turns magics and `!` lines into
        self.fingerprint = _fingerprint(harness)

    def intact(self) -> bool:
        """Whether the code that measures the student's answers is still the grader's: a
        notebook that replaces it could report outputs its answer does not produce."""
        return _fingerprint(self.h) == self.fingerprint

    def send(self, message: dict) -> None:
        """One JSON line to the worker; nothing from a process the student forked."""
        if os.getpid() == self.pid:
            _write_line(self.fd, message)

    def ask(self, exercise_id: str):
        """The parent's answer once an exercise is graded: None when it passed, else the
        course's version of the answer (its source, run here), as the notebook's check
        hands it to the cells below."""
        self.send({"ask": exercise_id})
        reply = {}
        while reply.get("exercise") != exercise_id:  # answers to questions the student's code sent come first
            reply = _read_line(self.answers)
            if not reply:
                return None
        source, name = reply.get("source"), reply.get("name")
        if not isinstance(source, str) or not isinstance(name, str):
            return None
        module = types.ModuleType(f"helpers.course_{name}")
        module.__file__ = f"<the course's {name}, handed down after exercise {exercise_id}>"
        exec(compile(source, module.__file__, "exec", dont_inherit=True), module.__dict__)
        return module.__dict__.get(name)

    # -- the stand-in helpers package

    def install_helpers(self) -> None:
        """Put the stand-in `helpers` package in sys.modules: check() that grades, plots that
        do nothing, the lesson's provided code, and stubs for what is not run while grading."""
        job = self.job

        def check(exercise_id, candidate=None, *args, **kwargs):
            """Grades `candidate` as the answer to the exercise, each time it is called,
            then does what the notebook's check does: returns it if it passed, otherwise the
            course's version, which the parent sends only once this run is graded."""
            exercise_id = str(exercise_id)
            if exercise_id not in self.exercises:
                return candidate
            self.grade(exercise_id, candidate, "check")
            reference = self.ask(exercise_id)
            return candidate if reference is None else reference

        def nothing(*args, **kwargs):
            return None

        package = types.ModuleType("helpers")
        package.__path__ = []
        package.__doc__ = "The course's helpers, as the grader provides them."
        sys.modules["helpers"] = package
        for name, where in job["exports"].items():  # check, progress and the plots, where a notebook finds them
            module = sys.modules.setdefault(where, types.ModuleType(where))
            function = check if name == "check" else nothing
            setattr(module, name, function)
            setattr(package, name, function)
            setattr(package, where.split(".")[-1], module)
        for name, source in job["provided"].items():
            module = types.ModuleType(f"helpers.{name}")
            module.__file__ = f"<helpers.{name} as provided for grading>"
            sys.modules[module.__name__] = module
            exec(compile(source, module.__file__, "exec", dont_inherit=True), module.__dict__)
            setattr(package, name, module)
        for name, functions in job["skipped"].items():
            module = types.ModuleType(f"helpers.{name}")
            for function in functions:
                setattr(module, function, _skipped(f"helpers.{name}.{function}"))
            sys.modules[module.__name__] = module
            setattr(package, name, module)

    # -- grading an exercise

    def grade(self, exercise_id: str, candidate, via: str) -> None:
        """Send the kind of `candidate`, then its outcome on every case (stopping at a stub)."""
        h, ex = self.h, self.exercises[exercise_id]
        self.done.add(exercise_id)
        if not self.intact():
            self.send({"exercise": exercise_id, "via": via, "kind": "tampered"})
            return
        kind = h.candidate_kind(candidate)
        self.send({"exercise": exercise_id, "via": via, "kind": kind})
        wanted = "class" if ex["module"] else "function"
        if kind != wanted:
            return
        spec = h.Spec(ex["name"], ex["module"], h.CALLABLES.get(ex["probe"]), h.CALLABLES.get(ex["runner"]))
        for index, case in enumerate(self.cases[exercise_id]):
            try:
                outcome = h.run_case(spec, candidate, case)
            except BaseException as exc:  # noqa: BLE001 - KeyboardInterrupt and the like, from the student's code
                outcome = h.Outcome(error=f"{type(exc).__name__}: {' '.join(str(exc).split())[:300]}")
            self.send({"exercise": exercise_id, "case": index, "outcome": h.encode_outcome(outcome)})
            if outcome.not_implemented:
                return

    def grade_pending(self) -> None:
        """Exercises whose cell has run but whose check never did (deleted or edited check
        cell): grade the name as it stands now."""
        for exercise_id in self.seen:
            if exercise_id not in self.done:
                self.grade_by_name(exercise_id, "cell")
        self.seen = []

    def grade_by_name(self, exercise_id: str, via: str) -> None:
        """Grade whatever the exercise's name is bound to now, or say that nothing is."""
        name = self.exercises[exercise_id]["name"]
        if name in self.ns:
            self.grade(exercise_id, self.ns[name], via)
        else:
            self.done.add(exercise_id)
            self.send({"exercise": exercise_id, "via": via, "kind": "missing"})

    # -- running the cells

    def run(self) -> None:
        """Run every code cell in order, grading exercises as their checks are called."""
        for cell in self.job["cells"]:
            exercise_id = cell["exercise"]
            if exercise_id and exercise_id in self.exercises:
                if self.seen and exercise_id not in self.seen:
                    self.grade_pending()
                if exercise_id not in self.seen:
                    self.seen.append(exercise_id)
            self.send({"cell": cell["index"]})
            error = self.run_cell(cell)
            if error:
                self.send({"cell": cell["index"], "error": error})
        self.grade_pending()
        for exercise_id in self.exercises:
            if exercise_id not in self.done:
                self.grade_by_name(exercise_id, "end")

    def run_cell(self, cell: dict) -> str | None:
        """Run a cell one top-level statement at a time, so that an error in one line does
        not lose a definition below it. Returns the first error, if any."""
        return self.run_source(cell["source"], f"<cell {cell['index']}>")

    def run_source(self, source: str, filename: str) -> str | None:
        """Run IPython source (magics, `!` lines and `obj?` included) statement by statement
        in the notebook's namespace. IPython's own input transformer turns it into Python,
        exactly as a kernel does, instead of a pattern of ours."""
        try:
            source = TRANSFORMER.transform_cell(source)
        except Exception as exc:  # noqa: BLE001 - what the kernel would report as a syntax error
            return f"SyntaxError: {type(exc).__name__}: {exc}"
        lines = [line + "\n" for line in source.split("\n")]
        linecache.cache[filename] = (len(source), None, lines, filename)
        try:
            tree = ast.parse(source, filename)
        except SyntaxError as exc:
            return f"SyntaxError: {exc.msg} (line {exc.lineno})"
        for statement in tree.body:
            try:
                exec(compile(ast.Module([statement], []), filename, "exec", dont_inherit=True), self.ns)
            except BaseException as exc:  # noqa: BLE001 - SystemExit and KeyboardInterrupt too
                if isinstance(exc, MemoryError) or "can't allocate memory" in str(exc):
                    self.send({"memory": True})
                # As in a kernel, the rest of the cell does not run; the next cell does.
                return f"{type(exc).__name__}: {' '.join(str(exc).split())[:300]} (line {statement.lineno})"
        return None


class Shell:
    """The get_ipython() of the grading child: what IPython's transformer makes of magics.

    %time and %%time (and %%capture) run their code in the notebook's namespace, as IPython
    does, so that what they define exists; %%writefile writes its file (in the child's own
    empty folder, from which `import` finds it, as from a kernel's); every other magic and
    `!` command does nothing and returns None (%timeit would only repeat code, %pip and `!`
    would reach outside)."""

    RUNS_ITS_CODE = {"time", "capture"}

    def __init__(self, child: Grandchild) -> None:
        self.child = child

    def run_line_magic(self, name: str, line: str, *args, **kwargs):
        if name in self.RUNS_ITS_CODE:
            self._run(line, name)
        return None

    def run_cell_magic(self, name: str, line: str, body: str, *args, **kwargs):
        if name in self.RUNS_ITS_CODE:
            self._run(body, name)
        elif name == "writefile":
            words = line.split()
            append = bool({"-a", "--append"} & set(words))
            names = [w for w in words if not w.startswith("-")]
            if names:
                with open(names[-1].strip("'\""), "a" if append else "w") as f:
                    f.write(body)
                importlib.invalidate_caches()
        return None

    def _run(self, source: str, name: str) -> None:
        error = self.child.run_source(source, f"<%{name}>")
        if error:
            raise RuntimeError(f"in %{name}: {error}")

    def __getattr__(self, name: str):
        return lambda *args, **kwargs: None  # system, getoutput, set_next_input, ...


def _fingerprint(harness) -> tuple:
    """Which objects the grading code in the child is made of (see Grandchild.intact)."""
    return (tuple((name, id(value)) for name, value in sorted(vars(harness).items()) if callable(value)),
            tuple((name, id(value)) for name, value in sorted(vars(Grandchild).items()) if callable(value)),
            id(_write_line), id(_read_line), id(json.dumps), id(os.write))


def _skipped(name: str):
    def skipped(*args, **kwargs):
        raise RuntimeError(f"{name} is not run while grading")
    skipped.__name__ = name.rsplit(".", 1)[-1]
    return skipped


# --------------------------------------------------------------------------------------
# The worker


class Worker:
    """Imports torch once; serves one slot's jobs; forks a sandboxed child per job."""

    def __init__(self, slot: int) -> None:
        global TRANSFORMER
        from IPython.core.inputtransformer2 import TransformerManager

        TRANSFORMER = TransformerManager()
        self.slot = slot
        self.harness = load_harness()
        import torch  # after the harness, which imports it; here for the thread settings

        torch.set_num_threads(1)
        torch.set_num_interop_threads(1)
        for name in PRELOAD:
            try:
                __import__(name)
            except ImportError:
                pass
        self.harness.warm_up()
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
            os.environ.clear()  # the worker started with a minimal environment already; this is all there is
            os.environ.update(CHILD_ENVIRONMENT, HOME=workdir, TMPDIR=workdir)
            _libc and _libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            self.limits(job, vm)
            sys.stdout, sys.stderr = Sink(), Sink()
            sys.stdin = io.StringIO()
            child = Grandchild(job, fd, answers, self.harness)
            child.install_helpers()
            child.run()
            child.send({"end": True, "printed": sys.stdout.size + sys.stderr.size})
            while True:  # the worker kills this process once it has read the end; exiting is the student's way
                time.sleep(60)
        except BaseException as exc:  # noqa: BLE001
            try:
                _write_line(fd, {"fatal": f"{type(exc).__name__}: {exc}"})
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
            _write_line(control, {"pid": pid})
            _, status, usage = os.wait4(pid, 0)
            _write_line(control, {"status": status, "cpu": usage.ru_utime + usage.ru_stime})
            os._exit(0)
        except BaseException as exc:  # noqa: BLE001
            try:
                _write_line(fd, {"fatal": f"isolation failed: {type(exc).__name__}: {exc}"})
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
            if left <= 0 or not _alive(GRADER):  # out of time, or nobody left to tell: stop
                timed_out = True
                break
            overflow = _receive(received, min(left, 0.05), cap) or overflow
            if overflow:
                break
            messages = received[read]
            while not finished and (newline := messages.find(b"\n", scanned)) >= 0:
                line, scanned = bytes(messages[scanned:newline]), newline + 1
                if b'"ask"' not in line and b'"end"' not in line:
                    continue
                message = _json_object(line)
                if isinstance(message.get("ask"), str) and len(message) == 1:
                    exercise_id = message["ask"]
                    asked[exercise_id] = asked.get(exercise_id, 0) + 1
                    answer = {"exercise": exercise_id}
                    if exercise_id in exercise_ids and asked[exercise_id] <= ASKS_PER_EXERCISE:
                        waited = time.monotonic()
                        answer = relay(exercise_id, bytes(messages[relayed:scanned]))
                        relayed = scanned
                        extra = min(time.monotonic() - waited, MAX_JUDGING - judging)
                        judging += extra
                        deadline += extra  # the parent's judging is not the notebook's time
                    try:
                        _write_line(answer_write, answer)
                    except OSError:
                        pass
                elif message.get("end") is True:
                    finished = True
            if not finished:
                done, raw, usage = os.wait4(pid, os.WNOHANG)
                if done:
                    status = raw
        grandchild = _first(received[control_read], "pid")
        if isolated and grandchild is None and status is None:
            _receive(received, 0.5, cap)  # the child sent it before anything else
            grandchild = _first(received[control_read], "pid")
        if status is None:  # finished, out of time, or too much output: stop everything
            if grandchild is not None and _first(received[control_read], "status") is None:
                _kill(grandchild)  # PID 1 of its namespace: every process in it goes too
                status, usage = _wait(pid, 5.0)  # the child reaps it and reports how it ended
            if status is None:
                _kill(pid, group=not isolated)
                _, status, usage = os.wait4(pid, 0)
        _receive(received, 0.0, cap, until=time.monotonic() + 0.5)  # what was sent before the end
        if not isolated:
            _kill(pid, group=True)  # anything the student forked
            _remove(job["workdir"])
        for fd in (*received, answer_write):
            os.close(fd)
        ended = _first(received[control_read], "status") if isolated else None
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
        with os.fdopen(jobs, "r") as inbox, os.fdopen(results, "w") as out:
            def send(message: dict) -> None:
                out.write(json.dumps(message) + "\n")
                out.flush()

            def relay(exercise_id: str, messages: bytes) -> dict:
                send({"ask": exercise_id, "messages": messages.decode("utf-8", errors="replace")})
                answer = _json_object(inbox.readline().encode())
                return {"exercise": exercise_id, **answer}

            send({"ready": True, "isolation": isolation, "reason": reason, "pid": os.getpid()})
            for line in inbox:
                job = json.loads(line)
                job.update(isolation=isolation, hide=hide, keep=keep)
                send({"result": self.run(job, relay)})
        _remove(self.base)


def _json_object(line: bytes) -> dict:
    """A JSON object from one line; {} for anything else."""
    try:
        message = json.loads(line)
    except (ValueError, RecursionError):  # RecursionError: nested deeper than Python recurses
        return {}
    return message if isinstance(message, dict) else {}


def _read_line(fd: int) -> dict:
    """One JSON line from a pipe, read a byte at a time so that nothing after it is
    consumed; {} at the end of the pipe or for anything that is not a JSON object."""
    data = bytearray()
    while not data.endswith(b"\n"):
        byte = os.read(fd, 1)
        if not byte:
            break
        data += byte
    return _json_object(bytes(data))


def _write_line(fd: int, message: dict) -> None:
    """One JSON line on a pipe, written whole."""
    data = (json.dumps(message) + "\n").encode()
    while data:
        data = data[os.write(fd, data):]


GRADER = 0  # the process of helpers.grade that started this worker (set by main)


def _alive(pid: int) -> bool:
    """Whether process `pid` still exists (0: unknown, taken as alive)."""
    if pid <= 0:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _wait(pid: int, seconds: float):
    """(status, usage) of a child that ends within `seconds`, else (None, None)."""
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        done, status, usage = os.wait4(pid, os.WNOHANG)
        if done:
            return status, usage
        time.sleep(0.005)
    return None, None


def _kill(pid: int, group: bool = False) -> None:
    try:
        (os.killpg if group else os.kill)(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _receive(received: dict[int, bytearray], wait: float, cap: int, until: float | None = None) -> bool:
    """Read what is ready on the pipes into `received`, waiting up to `wait` seconds the
    first time; with `until`, keep reading until then or until every pipe is empty. True
    when more than `cap` bytes arrived."""
    while True:
        ready, _, _ = select.select(list(received), [], [], wait)
        got = False
        for fd in ready:
            try:
                data = os.read(fd, 1 << 20)
            except OSError:
                data = b""
            got = got or bool(data)
            received[fd] += data
            if len(received[fd]) > cap:
                return True
        if until is None or not got or time.monotonic() > until:
            return False
        wait = 0.0


def _first(data: bytearray, key: str):
    """The first control message with `key`; the value for "pid", the message otherwise."""
    for line in bytes(data).decode(errors="replace").splitlines():
        try:
            message = json.loads(line)
        except ValueError:
            continue
        if isinstance(message, dict) and key in message:
            return message[key] if key == "pid" else message
    return None


def _remove(path: str) -> None:
    import shutil

    for root, dirs, _ in os.walk(path):
        for d in dirs:
            try:
                os.chmod(os.path.join(root, d), 0o700)
            except OSError:
                pass
    shutil.rmtree(path, ignore_errors=True)


def main() -> None:
    """Read the setup (the slots, each with the pipes it reads jobs from and writes results
    to), import torch once, then fork a worker per extra slot and serve the first one here."""
    global GRADER
    GRADER = os.getppid()
    setup = json.loads(sys.stdin.readline())
    if _libc is not None:
        _libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)  # no process of the same user may read this one's memory
    slots, hide, keep = setup["slots"], setup["hide"], setup["keep"]
    worker = Worker(slots[0]["slot"])
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


if __name__ == "__main__":
    main()
