"""Running a notebook in the grading child (the grandchild of the worker), the grader's
first step: run its code cells as a kernel would, and, each time a check cell calls
check(), run the answer on every test case and send the outcomes to the worker.

The second step, judging those outcomes, happens in the parent (judge_notebook.py),
which holds the references; this process has none. Standard library only at import (the
worker loads this package by path, without the course); the measuring code, helpers/running/
of `helpers`, is handed in as `running`.
"""

from __future__ import annotations

import ast
import builtins
import importlib
import io
import linecache
import os
import sys
import types

from . import protocol

TRANSFORMER = None  # IPython's input transformer, set by the worker before any child (see use_transformer)


def use_transformer() -> None:
    """Import IPython's input transformer, once, in the worker."""
    global TRANSFORMER
    from IPython.core.inputtransformer2 import TransformerManager

    TRANSFORMER = TransformerManager()


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

    def __init__(self, job: dict, fd: int, answers: int, running) -> None:
        self.job, self.fd, self.answers, self.h = job, fd, answers, running
        self.pid = os.getpid()
        self.exercises = {ex["id"]: ex for ex in job["exercises"]}
        self.cases = {ex["id"]: [running.decode_case(c) for c in ex["cases"]] for ex in job["exercises"]}
        self.done: set[str] = set()
        self.seen: list[str] = []  # exercise cells run whose exercise is not graded yet
        main = types.ModuleType("__main__")  # the notebook's own namespace, as in a kernel
        sys.modules["__main__"] = main
        self.ns: dict = main.__dict__
        self.ns["__builtins__"] = builtins
        self.ns["display"] = lambda *args, **kwargs: None  # Jupyter's, which notebooks call without importing
        shell = Shell(self)
        self.ns["get_ipython"] = lambda: shell  # what IPython's transformer turns magics and `!` lines into
        self.fingerprint = _fingerprint(running)

    def intact(self) -> bool:
        """Whether the code that measures the student's answers is still the grader's: a
        notebook that replaces it could report outputs its answer does not produce."""
        return _fingerprint(self.h) == self.fingerprint

    def send(self, message: dict) -> None:
        """One JSON line to the worker; nothing from a process the student forked."""
        if os.getpid() == self.pid:
            protocol.write_line(self.fd, message)

    def ask(self, exercise_id: str, candidate=None):
        """The parent's answer once an exercise is graded: None when it passed, else the
        course's version of the answer (its source, run here), as the notebook's check
        hands it to the cells below. When the answer failed, the parent may first ask for
        evidence about the failing case: `candidate` is run again on changed copies of it."""
        self.send(protocol.ask(exercise_id))
        reply = {}
        while reply.get("exercise") != exercise_id:  # answers to questions the student's code sent come first
            reply = protocol.read_line(self.answers)
            if not reply:
                return None
        explain = protocol.explain_request(reply, exercise_id)
        if explain is not None and self.intact():
            self.explain(exercise_id, candidate, *explain)
        handed = protocol.handed_reference(reply, exercise_id)
        if handed is None:
            return None
        name, source = handed
        module = types.ModuleType(f"helpers.course_{name}")
        module.__file__ = f"<the course's {name}, handed down after exercise {exercise_id}>"
        exec(compile(source, module.__file__, "exec", dont_inherit=True), module.__dict__)
        return module.__dict__.get(name)

    def explain(self, exercise_id: str, candidate, index: int, asks: dict) -> None:
        """Gather the evidence the parent asked for about case `index` and send it."""
        h, ex, cases = self.h, self.exercises[exercise_id], self.cases[exercise_id]
        if not 0 <= index < len(cases):
            return
        spec = h.Spec(ex["name"], ex["module"], h.CALLABLES.get(ex["probe"]), h.CALLABLES.get(ex["runner"]))
        try:
            found = h.encode_evidence(h.gather(spec, candidate, cases[index], asks))
        except BaseException:  # noqa: BLE001 - whatever the student's code raised: no evidence
            return
        self.send(protocol.case_evidence(exercise_id, index, found))

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
            self.grade(exercise_id, candidate, protocol.VIA_CHECK)
            reference = self.ask(exercise_id, candidate)
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
            self.send(protocol.answer_kind(exercise_id, via, protocol.TAMPERED))
            return
        kind = h.candidate_kind(candidate)
        self.send(protocol.answer_kind(exercise_id, via, kind))
        if kind != h.wanted_kind(ex["module"]):
            return
        spec = h.Spec(ex["name"], ex["module"], h.CALLABLES.get(ex["probe"]), h.CALLABLES.get(ex["runner"]))
        for index, case in enumerate(self.cases[exercise_id]):
            try:
                outcome = h.run_case(spec, candidate, case)
            except BaseException as exc:  # noqa: BLE001 - KeyboardInterrupt and the like, from the student's code
                outcome = h.Outcome(error=f"{type(exc).__name__}: {' '.join(str(exc).split())[:300]}")
            self.send(protocol.case_outcome(exercise_id, index, h.encode_outcome(outcome)))
            if outcome.not_implemented:
                return

    def grade_pending(self) -> None:
        """Exercises whose cell has run but whose check never did (deleted or edited check
        cell): grade the name as it stands now."""
        for exercise_id in self.seen:
            if exercise_id not in self.done:
                self.grade_by_name(exercise_id, protocol.VIA_CELL)
        self.seen = []

    def grade_by_name(self, exercise_id: str, via: str) -> None:
        """Grade whatever the exercise's name is bound to now, or say that nothing is."""
        name = self.exercises[exercise_id]["name"]
        if name in self.ns:
            self.grade(exercise_id, self.ns[name], via)
        else:
            self.done.add(exercise_id)
            self.send(protocol.answer_kind(exercise_id, via, protocol.MISSING_ANSWER))

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
            self.send(protocol.cell_started(cell["index"]))
            error = self.run_cell(cell)
            if error:
                self.send(protocol.cell_failed(cell["index"], error))
        self.grade_pending()
        for exercise_id in self.exercises:
            if exercise_id not in self.done:
                self.grade_by_name(exercise_id, protocol.VIA_END)

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
                    self.send(protocol.out_of_memory())
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


def _fingerprint(running) -> tuple:
    """Which objects the grading code in the child is made of (see Grandchild.intact): every
    function and class of the running package and of its modules, of this class and of
    the protocol, and the writers they send with."""
    modules = [running] + [
        m
        for m in vars(running).values()
        if isinstance(m, types.ModuleType) and m.__name__.startswith(running.__name__ + ".")
    ]
    return (
        tuple(
            (m.__name__, name, id(value)) for m in modules for name, value in sorted(vars(m).items()) if callable(value)
        ),
        tuple((name, id(value)) for name, value in sorted(vars(Grandchild).items()) if callable(value)),
        tuple((name, id(value)) for name, value in sorted(vars(protocol).items()) if callable(value)),
        id(protocol.json.dumps),
        id(os.write),
    )


def _skipped(name: str):
    def skipped(*args, **kwargs):
        raise RuntimeError(f"{name} is not run while grading")

    skipped.__name__ = name.rsplit(".", 1)[-1]
    return skipped
