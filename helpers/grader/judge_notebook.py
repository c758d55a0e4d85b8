"""Judging a notebook, the grader's second step: turn what its child sent back (plain
data: see protocol.py) into points and feedback, with the same judging as the notebook's
own check cells. It never runs student code."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from helpers import exercises as registry
from helpers import judging, running
from helpers.grader import protocol
from helpers.grader.jobs import provided_names, provided_source
from helpers.grader.protocol import CRASHED, MEMORY, OK, TIMEOUT, Limits
from helpers.grader.submissions import Submission
from helpers.judging import FAILED, PASSED, Result
from helpers.lessons.records import Exercise
from helpers.running import Case

PRINTED_NOTE = 1_000_000  # characters of printed output worth a note in the feedback


@dataclass
class Graded:
    """One row of grades.csv, with what the feedback page says about it."""

    student: str
    notebook: str  # "01", or the file name when not recognised
    status: str
    results: list[Result] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    file: str = ""
    edition: str = ""  # the notebook's edition, its feedback's language ("": none known, as the student's page)

    @property
    def total(self) -> int:
        """Points earned."""
        return sum(r.points for r in self.results)

    @property
    def maximum(self) -> int | None:
        """Points available in the notebook; None for a file that is not one of ours."""
        if self.notebook not in registry.LESSONS:
            return None
        return sum(ex.points for ex in registry.for_notebook(self.notebook))


def _cell_words(sub: Submission, index: int | None) -> str:
    if index is None:
        return "before its first cell"
    cell = next((c for c in sub.cells if c["index"] == index), None)
    first = next((line.strip() for line in (cell or {}).get("source", "").splitlines() if line.strip()), "")
    return f"in cell {index}" + (f" (`{first[:60]}`)" if first else "")


class Judging:
    """The judging of one notebook while its child runs, and after.

    The child's check asks for the verdict each time it has sent an exercise's outcomes
    (answer()); when the verdict is not a pass the child gets the course's version of the
    answer, as the notebook's check hands it to the cells below. So each exercise is
    graded as the notebook showed it, and no answer reaches the child before the exercise
    it answers has been graded:

    - an exercise's grade is the worst of the runs its check cells made (a check that
      fails after one that passed lowers it, as the notebook's progress table shows); the
      runs made for a check cell that never ran ("cell", "end") count only without one;
    - once the course's version of an answer has been handed to the child (itself, or as
      a definition another answer uses), that exercise's grade can only go down;
    - the course's version of an answer is handed only when every exercise whose answer it
      holds has been graded at least once; otherwise the child keeps the student's own.

    Extra runs or questions can only come from student code writing to the pipe: by these
    rules they can only lower a grade."""

    def __init__(self, sub: Submission, cases: dict[str, list[Case]], limits: Limits) -> None:
        self.sub, self.cases, self.limits = sub, cases, limits
        self.exercises = {ex.id: ex for ex in registry.for_notebook(sub.notebook)}
        self.by_reference = {ex.reference.__name__: ex.id for ex in self.exercises.values()}
        self.messages: list[dict] = []
        self.judged: dict[tuple[str, int], Result] = {}  # (exercise, run) -> verdict
        self.handed: dict[str, Result] = {}  # exercise -> its grade when its answer was handed

    def answer(self, exercise_id: str, messages: str) -> dict:
        """The reply to the child's question about `exercise_id`: {} when its latest run
        passed (or nothing may be handed), else the course's version of the answer."""
        self.messages += protocol.parse(messages)
        ex = self.exercises.get(exercise_id)
        if ex is None:
            return {}
        runs = protocol.Report(self.messages).runs()
        latest = len(runs.get(exercise_id, [])) - 1
        if latest < 0:
            return {}
        verdict = self._judge(ex, runs[exercise_id], latest, {}, "")
        if verdict.status == PASSED:
            return {}
        asks = judging.evidence_wanted(ex, self.cases[ex.id], verdict)
        explain = {"explain": {"case": verdict.index, "asks": asks}} if asks else {}
        name = ex.reference.__name__
        held = [self.by_reference[n] for n in sorted(provided_names((name,))) if n in self.by_reference]
        if any(not runs.get(other) for other in held):
            return explain  # it would hand over an answer to an exercise not graded yet
        for other in held:
            now = self._worst(
                [self._judge(self.exercises[other], runs[other], i, {}, "") for i in range(len(runs[other]))]
            )
            self.handed[other] = self._worst([now] + ([self.handed[other]] if other in self.handed else []))
        return {**explain, "name": name, "source": provided_source((name,))}

    # Verdicts whose words depend on how the whole notebook ended: judged again at the end.
    CONTEXTUAL = ("missing", "not-finished", "not-graded")

    def _judge(self, ex: Exercise, runs: list[dict], index: int, cell_errors: dict[int, str], stopped: str) -> Result:
        run = runs[index]
        key = (ex.id, index, len(run.get("evidence", {})))  # judged again once evidence arrives
        cached = self.judged.get(key)
        if cached is not None:
            return cached
        result = _judge_exercise(
            self.sub,
            ex,
            self.cases[ex.id],
            run["kind"],
            run["outcomes"],
            cell_errors,
            stopped or "Grading stopped early.",
            run.get("evidence", {}),
        )
        if result.mistake not in self.CONTEXTUAL:
            self.judged[key] = result
        return result

    @staticmethod
    def _worst(results: list[Result]) -> Result:
        return next((r for r in results if r.status != PASSED), results[0])

    def grade_of(self, ex: Exercise, runs: list[dict], cell_errors: dict[int, str], stopped: str) -> Result:
        """An exercise's grade from all its runs (see the class's rules)."""
        checked = [i for i, run in enumerate(runs) if run["kind"].get("via") == protocol.VIA_CHECK]
        chosen = checked or list(range(len(runs)))
        results = [self._judge(ex, runs, i, cell_errors, stopped) for i in chosen]
        if not results:
            results = [_judge_exercise(self.sub, ex, self.cases[ex.id], None, {}, cell_errors, stopped)]
        if ex.id in self.handed:
            results.append(self.handed[ex.id])
        return self._worst(results)

    def result(self, run: dict) -> Graded:
        """Turn everything the child sent, and how it ended, into points and feedback."""
        sub, limits = self.sub, self.limits
        report = protocol.Report(self.messages + protocol.parse(run["messages"]))
        announced = report.cells_started
        last_cell = announced[-1] if announced else None
        cell_errors = report.cell_errors(_short)
        memory = report.out_of_memory
        fatal = _short(report.fatal) if report.fatal is not None else None
        ends, printed = report.ends, report.printed
        runs = report.runs()
        code_cells = [c["index"] for c in sub.cells if c["type"] == "code"]
        complete = (not code_cells or code_cells[-1] in announced) and all(ex_id in runs for ex_id in self.exercises)
        where = _cell_words(sub, last_cell)
        notes = []
        if run.get("finished") and complete:
            status = MEMORY if memory else OK
            if memory:
                notes.append(f"Your notebook hit the memory limit ({limits.memory_mb} MB) {where}.")
        elif run["timed_out"] or run["signal"] == 24 or (run["signal"] == 9 and run["cpu"] >= limits.wall - 0.5):
            status = TIMEOUT
            notes.append(f"Grading stopped after {limits.wall:g} s {where}: is there a loop that never ends?")
        elif memory:
            status = MEMORY
            notes.append(f"Your notebook hit the memory limit ({limits.memory_mb} MB) {where}.")
        elif run["overflow"]:
            status = CRASHED
            notes.append(f"Your notebook sent back more than the grader reads {where}.")
        elif fatal:
            status = CRASHED
            notes.append(f"Grading failed {where}: {fatal}.")
        elif ends:  # an end the grader did not send: how the process then stopped is a race, so not said
            status = CRASHED
            notes.append(
                f"Your notebook ended the grading process {where}, after writing a message of the "
                "grader's own that said it had finished."
            )
        else:
            status = CRASHED
            how = f"signal {run['signal']}" if run["signal"] else f"exit status {run['exit']}"
            notes.append(
                f"Your notebook ended the grading process {where} ({how}). Does it call os._exit, or crash Python?"
            )
        if printed > PRINTED_NOTE:
            notes.append(
                f"Your notebook printed more than {PRINTED_NOTE:,} characters; the grader read none of "
                "them. Print shapes and a few numbers instead of whole tensors."
            )
        if report.tampered:
            notes.append(
                "Your notebook changed the grader's own code while it ran; the exercises graded after "
                "that got no points."
            )
        stopped = notes[0] if notes else "Grading stopped early."
        results = []
        for ex in self.exercises.values():
            result = self.grade_of(ex, runs.get(ex.id, []), cell_errors, stopped)
            source = next(
                (
                    o.get("source")
                    for run_ in runs.get(ex.id, [])
                    for o in run_["outcomes"].values()
                    if isinstance(o, dict)
                ),
                "",
            )
            results.append(
                _with_dependencies(result, results, source if isinstance(source, str) else "", set(self.handed))
            )
        for index, error in sorted(cell_errors.items()):
            if error.startswith(("SystemExit", "KeyboardInterrupt")):
                notes.append(f"Cell {index} raised {error}; grading went on with the next cell.")
        return Graded(sub.student, sub.notebook, status, results, notes, sub.name, sub.edition)


def _short(text: str, limit: int = 300) -> str:
    """A message from the child as the feedback shows it: one line, at most `limit`
    characters (the child cuts its own; this cuts what student code wrote)."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + " ..."


def _with_dependencies(result: Result, earlier: list[Result], source: str, handed: set[str]) -> Result:
    """A failed answer that calls an earlier answer which failed too, where the child kept
    the student's own version of it (its check cell was gone, so nothing handed the
    course's version down): say so."""
    if result.status != FAILED or not source:
        return result
    used = [
        r.exercise
        for r in earlier
        if r.status != PASSED
        and r.exercise.id not in handed
        and re.search(rf"\b{re.escape(r.exercise.name)}\b", source)
    ]
    if not used:
        return result
    names = ", ".join(f"{ex.name} (exercise {ex.id})" for ex in used)
    hint = (
        f" Your code calls {names}, which did not pass and whose check cell did not run, so your own version of "
        "it was used. Fix that one first."
    )
    return replace(result, message=result.message + hint)


def _judge_exercise(
    sub,
    ex: Exercise,
    cases: list[Case],
    kind: dict | None,
    outcomes: dict,
    cell_errors: dict[int, str],
    stopped: str,
    evidence: dict | None = None,
) -> Result:
    def failed(key: str, evidence: str, message: str, label: str = "") -> Result:
        return Result(ex, FAILED, key, label, evidence, message)

    if kind is None:
        return failed("not-graded", "grading never reached this exercise", stopped)
    if kind["kind"] == protocol.TAMPERED:
        return failed(
            "tampered",
            "before this check, your notebook had replaced part of the grader's own code",
            "The grader measures your answer with its own code; leave that code alone, and hand in your "
            f"own {ex.name}.",
        )
    if kind["kind"] == protocol.MISSING_ANSWER:
        own = [c for c in sub.cells if c["exercise"] == ex.id]
        if own and all(c["type"] != "code" for c in own):
            return failed(
                "missing",
                f"no {ex.name} was defined",
                f"The cell of exercise {ex.id} is a {own[0]['type'].title()} cell now, so its code never "
                "ran: change it back to a Code cell.",
            )
        errors = [f"cell {c['index']} raised {cell_errors[c['index']]}" for c in own if c["index"] in cell_errors]
        why = f" ({errors[0]})" if errors else ""
        return failed(
            "missing", f"no {ex.name} was defined{why}", f"Define {ex.signature} in the cell of exercise {ex.id}."
        )
    problem = judging.wrong_kind(ex, str(kind["kind"])[:80])
    if problem is not None:
        return problem

    decoded: dict[int, running.Outcome] = {}

    def received():
        """The outcomes that came back, decoded, in the order of the cases, each with the
        evidence the child gathered about it, if any; a failure in place of the first one
        that did not come back or cannot be read."""
        for index, case in enumerate(cases):
            if index not in outcomes:
                yield failed(
                    "not-finished", f"grading stopped while your code ran on {case.label}", stopped, case.label
                )
                return
            try:
                outcome = running.decode_outcome(outcomes[index])
            except running.DecodeError as exc:
                yield failed(
                    "unreadable-result",
                    f"what came back from your code could not be read ({exc})",
                    f"{ex.name} should return {ex.returns}.",
                    case.label,
                )
                return
            try:
                found = running.decode_evidence((evidence or {}).get(index, {}))
            except running.DecodeError:  # evidence only explains: unreadable evidence is no evidence
                found = {}
            decoded[index] = replace(outcome, evidence=found)
            yield decoded[index]

    result = judging.verdict(ex, cases, received())
    if result.status != FAILED:
        return result
    for _ in received() if len(decoded) < len(outcomes) else ():  # the cases after the failure, for the picture
        pass
    return judging.explained(ex, cases, decoded, result)
