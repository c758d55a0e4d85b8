"""How long each notebook takes to execute, against the course's targets.

    python -m helpers.benchmark            every notebook in solutions/ and notebooks/
    python -m helpers.benchmark --repeat 3 best of three runs each
    python -m helpers.benchmark --grading  only the grader's figures

Prints figures; never fails a build. Targets: every notebook under 15 s on a 2-core CPU
(lesson 05 under 30 s); the course's MultiHeadAttention forward within 1.3x of
nn.MultiheadAttention on a (8, 256, 256) input with 8 heads; lesson 06's chunked attention
under 1/8 of the naive version's peak memory at T = 4096 (see helpers/cost.py for how);
grading a submission under 1.5x executing it once (where we are headed: 0.7x), and
-j 2 grading 20 submissions at least 1.7x faster than -j 1. Each notebook run starts a
fresh kernel, as a student's Run All does, and each grading run is the whole command,
so the figures include start-up and imports. An empty notebook is timed first as the
floor that start-up alone costs.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import torch

from helpers.attention import attention_from_qkv, chunked_attention
from helpers.cost import peak_memory_mb
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
    args = parser.parse_args(argv)
    if args.grading:
        compare_grading(args.repeat)
        return 0
    empty = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("pass")])
    floor = min(execute_seconds(empty, ROOT) for _ in range(args.repeat))
    print(f"{'empty notebook (kernel start-up)':<58} {floor:6.1f} s")
    worst = 0.0
    for folder in ("solutions", "notebooks"):
        for path in sorted((ROOT / folder).glob("*.ipynb")):
            seconds = min(
                execute_seconds(nbformat.read(path, as_version=4), path.parent) for _ in range(args.repeat)
            )
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
    print(f"lesson 06 peak memory at T = 4096: naive {naive:.1f} MiB, chunked (blocks of 128) {chunked:.1f} MiB, "
          f"ratio {chunked / naive:.3f} (target < 1/8: {verdict})")
    compare_grading(args.repeat)
    return 0


def grading_seconds(submissions: Path, out: Path, jobs: int) -> tuple[float, float]:
    """Wall time of the whole grading command, start-up included, and of its grading
    alone (after its workers are ready), as its summary reports it."""
    shutil.rmtree(out, ignore_errors=True)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "helpers.grade", str(submissions), "--out", str(out), "--seed", "1",
                    "-j", str(jobs)], check=True, capture_output=True, cwd=ROOT)
    whole = time.perf_counter() - start
    inside, startup = map(float, re.search(r"in ([\d.]+) s \(([\d.]+) s of it starting up\)",
                                           (out / "summary.txt").read_text()).groups())
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
            print(f"grading {path.name:<44} {graded:5.1f} s; executing it {executed:5.1f} s; ratio {graded / executed:.2f}")
        worst = max(ratios)
        print(f"one submission graded at {worst:.2f}x of one execution, at worst (target < 1.5: "
              f"{'ok' if worst < 1.5 else 'OVER TARGET'})")
        whole = tmp / "class"
        for i in range(class_size):
            path = masters[i % len(masters)]
            (whole / f"student{i:02d}").mkdir(parents=True)
            shutil.copy(path, whole / f"student{i:02d}" / path.name)
        serial, serial_grading = min(grading_seconds(whole, tmp / "out", 1) for _ in range(repeat))
        parallel, parallel_grading = min(grading_seconds(whole, tmp / "out", 2) for _ in range(repeat))
        executing = sum(execute_seconds(nbformat.read(masters[i % len(masters)], as_version=4), ROOT)
                        for i in range(len(masters))) / len(masters)
        per = serial / class_size
        print(f"{class_size} submissions: -j 1 {serial:.1f} s ({per:.2f} s each, {per / executing:.2f}x of the "
              f"{executing:.1f} s a notebook takes to execute; headed for <= 0.7x), -j 2 {parallel:.1f} s; "
              f"speed-up {serial / parallel:.2f} (target >= 1.7: {'ok' if serial / parallel >= 1.7 else 'BELOW TARGET'})")
        print(f"  of which grading, once the workers are ready: -j 1 {serial_grading:.1f} s, -j 2 {parallel_grading:.1f} s; "
              f"speed-up {serial_grading / parallel_grading:.2f}; the rest is start-up (imports, workers), paid once")


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
    print(f"MultiHeadAttention forward on {shape}, {heads} heads (median): {1000 * ours_s:.1f} ms; "
          f"nn.MultiheadAttention: {1000 * theirs_s:.1f} ms; ratio {ratio:.2f} (target <= 1.3: {verdict})")


if __name__ == "__main__":
    raise SystemExit(main())
