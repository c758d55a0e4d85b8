"""How long each notebook takes to execute, against the course's targets.

    python -m helpers.benchmark            every notebook in solutions/ and notebooks/
    python -m helpers.benchmark --repeat 3 best of three runs each
    python -m helpers.benchmark --grading  only the grader's figures
    python -m helpers.benchmark --kv-cache only lesson 07's KV-cache speed-up
    python -m helpers.benchmark --llm      only lesson 08's figures (helpers/llm_cost.py)
    python -m helpers.benchmark --class-size 50   only grading a class of 50 students x every lesson,
                                                  projected to 1,000 students

Prints figures; never fails a build. Targets: every notebook under 15 s on a 2-core CPU
(lesson 05 under 30 s); the course's MultiHeadAttention forward within 1.3x of
nn.MultiheadAttention on a (8, 256, 256) input with 8 heads; lesson 06's chunked attention
under 1/8 of the naive version's peak memory at T = 4096 (see helpers/cost.py for how);
lesson 07's KV-cached decoder at least 3x faster than recomputation over 256 tokens;
grading a submission under 1.5x executing it once (where we are headed: 0.7x), and
-j 2 grading 20 submissions at least 1.7x faster than -j 1; a class of 1,000 students x
every lesson graded with -j 2 in under 30 minutes, with the parent's memory bounded (the
class-size figure projects it from a smaller class); lesson 08's targets: helpers/llm_cost.py.
Each notebook run starts a fresh kernel, as a student's Run All does, and each grading run is
the whole command, so the figures include start-up and imports. An empty notebook is timed
first as the floor that start-up alone costs.
"""

from __future__ import annotations

import argparse
import inspect
import json
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import nbformat
import torch

from helpers import llm_cost
from helpers.attention import attention_from_qkv, chunked_attention
from helpers.cost import generation_seconds, peak_memory_mb
from helpers.kernel import run_notebook

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = {"05": 30.0}
DEFAULT_TARGET = 15.0


def execute_seconds(nb: nbformat.NotebookNode, cwd: Path) -> float:
    start = time.perf_counter()
    run_notebook(nb, cwd, timeout=600)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers.benchmark", description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=1, help="runs per notebook; the best is reported")
    parser.add_argument("--grading", action="store_true", help="only the grader's figures")
    parser.add_argument("--checks", action="store_true", help="only the checks' figures: passing and failing")
    parser.add_argument("--kv-cache", action="store_true", help="only lesson 07's KV-cache speed-up")
    parser.add_argument("--llm", action="store_true", help="only lesson 08's figures: KV cache memory, sliding window")
    parser.add_argument(
        "--class-size",
        type=int,
        default=None,
        metavar="N",
        help="only grade a made-up class of N students x every lesson with -j 2 and project the time "
        "for 1,000 (the full benchmark uses 100)",
    )
    args = parser.parse_args(argv)
    if args.class_size is not None:
        if args.class_size < 3:
            parser.error(f"expected --class-size of at least 3 (right, wrong and untouched), got {args.class_size}")
        grade_at_scale(args.class_size)
        return 0
    if args.grading:
        compare_grading(args.repeat)
        return 0
    if args.checks:
        time_checks()
        return 0
    if args.kv_cache:
        compare_kv_cache(args.repeat)
        return 0
    if args.llm:
        llm_cost.report()
        return 0
    empty = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("pass")])
    floor = min(execute_seconds(empty, ROOT) for _ in range(args.repeat))
    print(f"{'empty notebook (kernel start-up)':<58} {floor:6.1f} s")
    worst = 0.0
    for folder in ("solutions", "notebooks"):
        for path in sorted((ROOT / folder).glob("*.ipynb")):
            seconds = min(execute_seconds(nbformat.read(path, as_version=4), path.parent) for _ in range(args.repeat))
            target = TARGET_SECONDS.get(path.name[:2], DEFAULT_TARGET)
            verdict = "ok" if seconds < target else "OVER TARGET"
            worst = max(worst, seconds / target)
            print(f"{folder + '/' + path.name:<58} {seconds:6.1f} s  (target < {target:.0f} s: {verdict})")
    print(f"slowest notebook uses {100 * worst:.0f}% of its target")
    compare_multi_head_attention(args.repeat)
    q, k, v = (torch.randn(1, 4096, 64) for _ in range(3))
    naive = peak_memory_mb(lambda: attention_from_qkv(q, k, v))
    chunked = peak_memory_mb(lambda: chunked_attention(q, k, v, 128))
    verdict = "ok" if chunked < naive / 8 else "OVER TARGET"
    print(
        f"lesson 06 peak memory at T = 4096: naive {naive:.1f} MiB, chunked (blocks of 128) {chunked:.1f} MiB, "
        f"ratio {chunked / naive:.3f} (target < 1/8: {verdict})"
    )
    time_checks()
    compare_kv_cache(args.repeat)
    llm_cost.report()  # lesson 08: the KV cache with fewer key/value heads, the sliding window's cost
    compare_grading(args.repeat)
    grade_at_scale(100)
    return 0


def time_checks(target: float = 1.0) -> None:
    """Each exercise's check on the course's own answer (passing: no evidence is gathered),
    best of 3, the slowest exercise reported; and, for contrast, one answer that fails with
    evidence and a picture, in s."""
    from helpers import exercises
    from helpers.checks import evaluate

    evaluate("1.1", exercises.get("1.1").reference)  # first-use costs, once
    passing = {
        ex.id: min(_seconds(lambda ex=ex: evaluate(ex.id, ex.reference)) for _ in range(3))
        for ex in exercises.EXERCISES.values()
    }
    slowest = max(passing, key=passing.get)
    verdict = "ok" if passing[slowest] < target else "OVER TARGET"
    print(f"passing check, slowest: {slowest} in {passing[slowest]:.3f} s (target < {target:g} s: {verdict})")
    failing = _seconds(lambda: evaluate("4.3", _heads_without_scale()))
    print(f"failing check with evidence and picture (4.3, scale left out): {failing:.3f} s")


def _seconds(run) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def _heads_without_scale():
    from helpers.attention import MultiHeadAttention

    class Unscaled(MultiHeadAttention):
        def __init__(self, embed_size, num_heads):
            super().__init__(embed_size, num_heads)
            self.d_head = 1  # the scale becomes 1

    return Unscaled


def grading_seconds(submissions: Path, out: Path, jobs: int) -> tuple[float, float]:
    """Wall time of the whole grading command, start-up included, and of its grading
    alone (after its workers are ready), as its summary reports it."""
    shutil.rmtree(out, ignore_errors=True)
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "helpers.grade", str(submissions), "--out", str(out), "--seed", "1", "-j", str(jobs)],
        check=True,
        capture_output=True,
        cwd=ROOT,
    )
    whole = time.perf_counter() - start
    inside, startup = map(
        float, re.search(r"in ([\d.]+) s \(([\d.]+) s of it starting up\)", (out / "summary.txt").read_text()).groups()
    )
    return whole, inside - startup


def compare_grading(repeat: int, class_size: int = 20) -> None:
    """The grader against executing the notebooks: the completed masters in solutions/
    stand in for submissions. Targets: one submission graded in under 1.5x the time of
    executing it once; -j 2 at least 1.7x faster than -j 1 on `class_size` submissions."""
    masters = sorted((ROOT / "solutions").glob("*.ipynb"))
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        ratios = []
        for path in masters:
            executed = min(execute_seconds(nbformat.read(path, as_version=4), path.parent) for _ in range(repeat))
            one = tmp / f"one-{path.name[:2]}"
            (one / "student").mkdir(parents=True)
            shutil.copy(path, one / "student" / path.name)
            graded = min(grading_seconds(one, tmp / "out", 1)[0] for _ in range(repeat))
            ratios.append(graded / executed)
            print(
                f"grading {path.name:<44} {graded:5.1f} s; executing it {executed:5.1f} s; ratio {graded / executed:.2f}"
            )
        worst = max(ratios)
        print(
            f"one submission graded at {worst:.2f}x of one execution, at worst (target < 1.5: "
            f"{'ok' if worst < 1.5 else 'OVER TARGET'})"
        )
        whole = tmp / "class"
        for i in range(class_size):
            path = masters[i % len(masters)]
            (whole / f"student{i:02d}").mkdir(parents=True)
            shutil.copy(path, whole / f"student{i:02d}" / path.name)
        serial, serial_grading = min(grading_seconds(whole, tmp / "out", 1) for _ in range(repeat))
        parallel, parallel_grading = min(grading_seconds(whole, tmp / "out", 2) for _ in range(repeat))
        executing = sum(
            execute_seconds(nbformat.read(masters[i % len(masters)], as_version=4), ROOT) for i in range(len(masters))
        ) / len(masters)
        per = serial / class_size
        print(
            f"{class_size} submissions: -j 1 {serial:.1f} s ({per:.2f} s each, {per / executing:.2f}x of the "
            f"{executing:.1f} s a notebook takes to execute; headed for <= 0.7x), -j 2 {parallel:.1f} s; "
            f"speed-up {serial / parallel:.2f} (target >= 1.7: {'ok' if serial / parallel >= 1.7 else 'BELOW TARGET'})"
        )
        print(
            f"  of which grading, once the workers are ready: -j 1 {serial_grading:.1f} s, -j 2 {parallel_grading:.1f} s; "
            f"speed-up {serial_grading / parallel_grading:.2f}; the rest is start-up (imports, workers), paid once"
        )


SCALE_TARGET_MINUTES = 30.0


def make_class(folder: Path, class_size: int) -> dict[str, int]:
    """`class_size` students, each with every lesson, as a class hands them in: a third
    right (the masters' answers), a third with one wrong answer a lesson (from
    tests/mistakes_0N.py, spliced into the exercise's cell, the rest right), a third the
    untouched student notebooks. Returns how many notebooks of each kind."""
    sys.path.insert(0, str(ROOT))  # tests/ is the repository's, not the package's
    from helpers import exercises as registry
    from tests.grading import notebook, save

    wrong: dict[str, list[tuple[str, str]]] = {}  # lesson -> [(exercise id, the wrong answer's source)]
    for lesson in registry.LESSONS:
        module = __import__(f"tests.mistakes_{lesson}", fromlist=["MISTAKES"])
        for exercise_id, answer, _key, _phrase in module.MISTAKES:
            try:
                source = inspect.getsource(answer)
            except (OSError, TypeError):  # made at run time (a lambda, exec): nothing to splice
                continue
            if source.startswith(("def ", "class ")):
                name = registry.get(exercise_id).name
                wrong.setdefault(lesson, []).append((exercise_id, source.replace(answer.__name__, name, 1)))
    kinds = {"right": 0, "wrong": 0, "untouched": 0}
    for i in range(class_size):
        kind = ("right", "wrong", "untouched")[i % 3]
        for lesson in registry.LESSONS:
            name = f"{registry.NOTEBOOK_FILES[lesson]}.ipynb"
            if kind == "right":
                nb = notebook(lesson, solved="all")
            elif kind == "wrong":
                exercise_id, source = wrong[lesson][(i // 3) % len(wrong[lesson])]
                nb = notebook(lesson, solved="all", answers={exercise_id: source})
            else:
                nb = json.loads((ROOT / "notebooks" / name).read_text())
            save(folder, f"student{i:04d}", name, nb)
            kinds[kind] += 1
    return kinds


def _watch(process: subprocess.Popen, samples: list[tuple[float, int, int, int]], progress: list[int]) -> None:
    """Sample the grading process's own resident memory (VmRSS, and VmHWM, the kernel's
    record of its peak) from /proc every 0.2 s until it ends, with how many notebooks it had
    graded then. Its workers are other processes, so they are not counted."""
    start = time.monotonic()
    while process.poll() is None:
        try:
            status = Path(f"/proc/{process.pid}/status").read_text()
        except OSError:
            break
        rss, hwm = (int(re.search(rf"^{k}:\s+(\d+) kB", status, re.M).group(1)) for k in ("VmRSS", "VmHWM"))
        samples.append((time.monotonic() - start, progress[0], rss, hwm))
        time.sleep(0.2)


def _relay(stream, progress: list[int]) -> None:
    """Pass the command's stderr (its progress bar) through, noting how many notebooks it shows done."""
    while chunk := stream.read1(4096):
        sys.stderr.buffer.write(chunk)
        sys.stderr.buffer.flush()
        if found := re.findall(rb"(\d+)/\d+ \[", chunk):
            progress[0] = int(found[-1])


def grade_at_scale(class_size: int, jobs: int = 2) -> None:
    """Grade a made-up class of `class_size` students x every lesson with -j `jobs`, the
    whole command as an instructor runs it, its progress bar shown; print the wall time,
    notebooks per second, the projected time for 1,000 students (target: under 30 minutes)
    and the grading process's peak memory, sampled from /proc (the parent alone: its
    sandboxed workers are other processes)."""
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        started = time.perf_counter()
        kinds = make_class(tmp / "class", class_size)
        notebooks = sum(kinds.values())
        print(
            f"class of {class_size}: {notebooks} notebooks ({kinds['right']} right, {kinds['wrong']} with one wrong "
            f"answer from tests/mistakes_0N.py, {kinds['untouched']} untouched), made in "
            f"{time.perf_counter() - started:.0f} s; grading with -j {jobs}:",
            flush=True,
        )
        samples: list[tuple[float, int, int, int]] = []
        progress = [0]
        start = time.perf_counter()
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "helpers.grade",
                str(tmp / "class"),
                "--out",
                str(tmp / "out"),
                "--seed",
                "1",
                "-j",
                str(jobs),
            ],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        relay = threading.Thread(target=_relay, args=(process.stderr, progress))
        watch = threading.Thread(target=_watch, args=(process, samples, progress))
        relay.start()
        watch.start()
        process.wait()
        wall = time.perf_counter() - start
        relay.join()
        watch.join()
        if process.returncode != 0:
            print(f"the grader exited with status {process.returncode}; no figures")
            return
        held = submissions_held(tmp / "class") / class_size  # bytes a student, read before grading starts
        summary = (tmp / "out" / "summary.txt").read_text()
        inside, startup = map(float, re.search(r"in ([\d.]+) s \(([\d.]+) s of it starting up\)", summary).groups())
        statuses = re.search(r"^Statuses: (.*)$", summary, re.M).group(1)
    grading = inside - startup
    per = grading / notebooks
    projected = (wall - grading) + per * 1000 * notebooks / class_size
    verdict = "ok" if projected < SCALE_TARGET_MINUTES * 60 else "OVER TARGET"
    print(
        f"  wall {wall:.1f} s for {notebooks} notebooks ({notebooks / wall:.2f} notebooks/s, {wall / notebooks:.3f} s "
        f"each), of which grading once the workers were ready {grading:.1f} s ({notebooks / grading:.2f} notebooks/s); "
        f"statuses: {statuses}"
    )
    print(
        f"  projected for 1,000 students x every lesson: {projected / 60:.1f} min (start-up and writing as here, plus "
        f"{per:.3f} s a notebook; target < {SCALE_TARGET_MINUTES:.0f} min: {verdict})"
    )
    if samples:
        peak = max(s[3] for s in samples) / 1024
        early = next((s for s in samples if s[1] >= notebooks // 10), samples[0])
        late = max((s for s in samples if s[1] < notebooks), key=lambda s: s[1], default=samples[-1])
        growth = (late[2] - early[2]) / max(1, late[1] - early[1])  # kB per notebook graded
        projected_mb = peak + growth * (6000 - notebooks) / 1024 + held * (1000 - class_size) / 2**20
        if late[1] - early[1] < 50:  # the allocator's steps swamp the slope
            print(
                f"  the grading process: peak {peak:.0f} MiB; too few notebooks to project its growth "
                "(use --class-size 50 or more)"
            )
            return
        print(
            f"  the grading process (parent only, /proc VmHWM sampled every 0.2 s): peak {peak:.0f} MiB; resident "
            f"{early[2] / 1024:.0f} MiB after {early[1]} notebooks, {late[2] / 1024:.0f} MiB after {late[1]}: "
            f"{growth:.1f} kB more a notebook graded; the submissions it reads before grading hold "
            f"{held / 1024:.0f} KiB a student (tracemalloc); so about {projected_mb:.0f} MiB projected for 1,000"
        )


def submissions_held(folder: Path) -> int:
    """Bytes of Python objects the grader's parent holds for a class's submissions once it
    has listed them all (it reads every notebook before grading starts, and keeps what it
    needs to plan the rows, not their cells), by tracemalloc."""
    import tracemalloc

    from helpers.grader.submissions import find_submissions

    tracemalloc.start()
    try:
        found = find_submissions(folder, keep_cells=False)  # noqa: F841 - held while it is measured
        return tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()


def compare_multi_head_attention(repeat: int, shape: tuple[int, int, int] = (8, 256, 256), heads: int = 8) -> None:
    """Forward time of the course's MultiHeadAttention against nn.MultiheadAttention(batch_first=True)
    holding the same weights, on the same input. Target: within 1.3x."""
    from helpers.attention import MultiHeadAttention, to_torch_mha

    torch.manual_seed(0)
    ours = MultiHeadAttention(shape[-1], heads).eval()
    theirs = to_torch_mha(ours).eval()
    X = torch.randn(*shape)

    runs = {"ours": lambda: ours(X), "theirs": lambda: theirs(X, X, X, need_weights=False)}
    times: dict[str, list[float]] = {name: [] for name in runs}
    with torch.no_grad():
        for run in runs.values():
            run()  # warm up
        for _ in range(30 * repeat):  # interleaved, so that both see the same machine load
            for name, run in runs.items():
                start = time.perf_counter()
                run()
                times[name].append(time.perf_counter() - start)
    ours_s, theirs_s = (sorted(t)[len(t) // 2] for t in times.values())  # medians
    ratio = ours_s / theirs_s
    verdict = "ok" if ratio <= 1.3 else "OVER TARGET"
    print(
        f"MultiHeadAttention forward on {shape}, {heads} heads (median): {1000 * ours_s:.1f} ms; "
        f"nn.MultiheadAttention: {1000 * theirs_s:.1f} ms; ratio {ratio:.2f} (target <= 1.3: {verdict})"
    )


# --------------------------------------------------------------------------------------
# Lesson 07: the KV cache


def compare_kv_cache(repeat: int, target: float = 3.0) -> None:
    """256 greedy tokens by recomputation and with the reference KV cache (helpers/cost.py
    says how they are timed). Target: the cache at least 3x faster."""
    slow, fast, same = generation_seconds(steps=256, repeat=max(repeat, 3))
    verdict = "ok" if slow / fast >= target else "BELOW TARGET"
    print(
        f"lesson 07 KV cache, 256 tokens after a prompt of 16, the notebook's model, one thread: recomputing "
        f"{slow:.2f} s, cached {fast:.2f} s, {slow / fast:.1f}x faster (target >= {target:g}: {verdict}); "
        f"the same logits to 1e-5: {same}"
    )


if __name__ == "__main__":
    raise SystemExit(main())
