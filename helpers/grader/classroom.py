"""Grading a class: plan a row for every student folder, run each notebook in a worker
slot while judging it (judge_notebook.py), and write the outputs (outputs.py)."""

from __future__ import annotations

import argparse
import secrets
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from helpers import exercises as registry
from helpers import running
from helpers.grader import gradebook, report
from helpers.grader.jobs import cases_for, job_for, load_tests
from helpers.grader.judge_notebook import Graded, Judging
from helpers.grader.outputs import loud, summary, write_outputs
from helpers.grader.protocol import CRASHED, MISSING, UNKNOWN, UNREADABLE, Limits
from helpers.grader.submissions import Submission, cells_for_run, find_submissions, lesson_from_name
from helpers.grader.workers import Slot


def plan(
    submissions: list[Submission], empty: dict[str, tuple[str, str]]
) -> tuple[list[Submission], list[Graded], list[str]]:
    """Which submissions to run, and the rows decided without running anything: every
    student folder gets at least one row, saying what was found in it."""
    rows, notes, to_run = [], [], []
    students = sorted({s.student for s in submissions} | set(empty))
    by_student: dict[tuple[str, str], list[Submission]] = {}
    readable = {(s.student, s.notebook) for s in submissions if not s.problem and s.notebook}
    for sub in submissions:
        lesson = sub.notebook or lesson_from_name(sub.path)
        if sub.problem and (sub.student, lesson) in readable:  # another copy is graded: a note on it, not a row
            graded = next(s for s in submissions if (s.student, s.notebook) == (sub.student, lesson) and not s.problem)
            graded.notes.append(f"Also found {sub.name}, which was not graded: {sub.problem}.")
        elif sub.problem:
            rows.append(
                Graded(
                    sub.student, lesson or sub.name, UNREADABLE, notes=[sub.problem], file=sub.name, edition=sub.edition
                )
            )
        elif sub.notebook is None:
            rows.append(
                Graded(
                    sub.student,
                    sub.name,
                    UNKNOWN,
                    file=sub.name,
                    notes=[
                        "This is not one of the course's notebooks: no course metadata, no course file name and no "
                        "exercise cells."
                    ],
                )
            )
        else:
            by_student.setdefault((sub.student, sub.notebook), []).append(sub)
    handed_in = sorted({nb for _, nb in by_student})
    for student in students:
        status, why = empty.get(student, (MISSING, "No notebook handed in for this lesson."))
        for notebook in handed_in:
            copies = by_student.get((student, notebook), [])
            if not copies:
                unreadable = [r for r in rows if r.student == student and r.notebook == notebook]
                if not unreadable:
                    rows.append(Graded(student, notebook, status, notes=[why]))
                continue
            chosen = copies[0]
            for other in copies[1:]:
                chosen.notes.append(
                    f"Also found {other.name}, another copy of lesson {notebook}: only {chosen.name} was graded."
                )
            to_run.append(chosen)
        if not any(r.student == student for r in rows) and not any(s.student == student for s in to_run):
            rows.append(Graded(student, "", status, notes=[why]))
    return to_run, rows, notes


def grade(args: argparse.Namespace, workers: list[Slot], hide: list[str], keep: list[str], started: float) -> int:
    """Grade every submission with the workers the command started, and write the output
    files; the exit status."""
    seed = args.seed if args.seed is not None else secrets.randbelow(10**6)
    try:
        extra = load_tests(args.tests) if args.tests else {}
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    submissions, empty, notes = find_submissions(args.submissions, keep_cells=False)
    to_run, rows, plan_notes = plan(submissions, empty)
    notes += plan_notes
    limits = Limits(wall=args.timeout, memory_mb=args.memory)
    cases = {ex.id: cases_for(ex, seed, extra) for ex in registry.EXERCISES.values()}
    jobs = {notebook: job_for(notebook, limits, cases, extra) for notebook in sorted({s.notebook for s in to_run})}
    running.warm_up()  # while the workers start: nn.MultiheadAttention's first call imports 0.5 s of torch
    pool = Pool(workers, hide, keep, args.isolation)
    ready = time.monotonic()
    if pool.isolation != "namespaces":
        print(
            loud(
                f"NO ISOLATION: student code runs with resource limits only, able to read and write "
                f"whatever this user can ({pool.reason})."
            ),
            file=sys.stderr,
        )
    progress = _progress(len(to_run))

    def grade_one(sub: Submission) -> Graded:
        cells = cells_for_run(sub)  # read again now: the parent keeps no class's worth of code
        if isinstance(cells, str):
            graded = Graded(
                sub.student, sub.notebook, UNREADABLE, file=sub.name, notes=sub.notes + [cells], edition=sub.edition
            )
        else:
            sub.cells = cells
            job = dict(jobs[sub.notebook], cells=[c for c in sub.cells if c["type"] == "code"])
            graded = pool.run(sub, job, Judging(sub, cases, limits))
            sub.cells = []  # judged: its code is not kept while the rest of the class is graded
        progress.update(1)
        return graded

    with ThreadPoolExecutor(len(workers)) as threads:
        rows += list(threads.map(grade_one, to_run))
    progress.close()
    workers[:] = pool.free  # the command closes them and waits for their processes
    order = {nb: i for i, nb in enumerate(registry.LESSONS)}
    rows.sort(key=lambda r: (r.student, order.get(r.notebook, 99), r.notebook, r.file))
    notebooks = sorted({r.notebook for r in rows if r.notebook in registry.LESSONS}, key=order.get)
    exercise_ids = [ex.id for nb in notebooks for ex in registry.for_notebook(nb)]
    notes += gradebook.write_exports(args.out, rows, getattr(args, "roster_table", None))
    notes += report.write_report(args.out, rows, notebooks, seed)
    text = write_outputs(
        args.out,
        rows,
        exercise_ids,
        notes,
        lambda: summary(
            rows,
            exercise_ids,
            seed,
            pool.isolation,
            pool.reason,
            notes,
            time.monotonic() - started,
            ready - started,
            args.out,
        ),
    )
    print(text)
    return 0


class Pool:
    """The worker slots, each grading one notebook at a time for one of the threads; a slot
    whose worker fails is replaced, and costs that notebook's row only."""

    def __init__(self, workers: list[Slot], hide: list[str], keep: list[str], isolation: str) -> None:
        for worker in workers:
            worker.ready()
        self.free, self.hide, self.keep, self.choice = list(workers), hide, keep, isolation
        self.isolation, self.reason = sorted({(w.isolation, w.reason) for w in workers})[0]
        self.lock = threading.Lock()

    def run(self, sub: Submission, job: dict, judging: Judging) -> Graded:
        """Run one notebook in a free slot while `judging` answers its checks; its row."""
        with self.lock:
            worker = self.free.pop()
        try:
            try:
                result = worker.run(job, judging.answer)
            except Exception as exc:  # the worker, or the judging of a check, failed: replace the worker, go on
                worker.kill()
                worker = Slot.start([worker.slot], self.hide, self.keep, self.choice)[0].ready()
                return _crashed(
                    sub, f"The grader failed on this notebook ({type(exc).__name__}: {exc}); grade it again."
                )
        finally:
            with self.lock:
                self.free.append(worker)
        try:
            graded = judging.result(result)
        except Exception as exc:  # what came back could not be judged: this row only
            return _crashed(sub, f"What your notebook sent back could not be judged ({type(exc).__name__}).")
        graded.notes = sub.notes + graded.notes
        graded.edition = sub.edition
        return graded


def _crashed(sub: Submission, why: str) -> Graded:
    """The row of a notebook the grader itself could not see through, saying why."""
    return Graded(sub.student, sub.notebook, CRASHED, file=sub.name, notes=sub.notes + [why], edition=sub.edition)


def _progress(total: int):
    """A progress bar on stderr, one step per notebook graded."""
    from tqdm import tqdm

    return tqdm(total=total, desc="grading", unit="notebook", file=sys.stderr, disable=total == 0)
