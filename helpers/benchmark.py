"""How long each notebook takes to execute, against the course's targets.

    python -m helpers.benchmark            every notebook in solutions/ and notebooks/
    python -m helpers.benchmark --repeat 3 best of three runs each

Prints figures; never fails a build. Target: every notebook under 15 s on a 2-core CPU
(lesson 05 under 30 s). Each run starts a fresh kernel, as a student's Run All does,
so the figures include kernel start-up and imports. An empty notebook is timed first
as the floor that start-up alone costs.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import nbformat

from helpers.build import run_notebook

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
    args = parser.parse_args(argv)
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
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
