"""Measuring what attention costs: time, and peak memory. Lesson 06.

Peak memory is measured in a fresh Python process: the peak resident memory (VmHWM in
/proc/self/status, reset just before the call by writing 5 to /proc/self/clear_refs)
minus the resident memory just before the call (VmRSS). Linux only. PyTorch's profiler does not report these
CPU allocations, and tracemalloc does not see PyTorch's memory at all.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from typing import Callable

import torch

_MEASURE = r"""
import json, sys, torch
import torch.nn.functional as F
from helpers import attention


def status_kib(field):
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1])


torch.manual_seed(0)
results = []
for name, T, d, block in json.loads(sys.argv[1]):
    fn = F.scaled_dot_product_attention if name == "sdpa" else getattr(attention, name)
    args = [block] if block else []
    q, k, v = (torch.randn(1, T, d) for _ in range(3))
    with torch.no_grad():
        fn(q[:, :8], k[:, :8], v[:, :8], *args)  # first call: set-up costs out of the way
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # reset the peak (VmHWM) to the current resident memory
        before = status_kib("VmRSS")
        fn(q, k, v, *args)
        results.append((status_kib("VmHWM") - before) / 1024)
print(json.dumps(results))
"""


def peak_memory_mb(runs: list[tuple[str, int, int, int]]) -> list[float]:
    """Peak extra memory in MiB of each run, (function name in helpers.attention, or "sdpa"
    for F.scaled_dot_product_attention; T; d; block or 0), called with q, k, v of shape
    (1, T, d), each measured on its own."""
    result = subprocess.run(
        [sys.executable, "-c", _MEASURE, json.dumps(runs)],
        capture_output=True, text=True, check=True,
        # A fixed mmap threshold makes glibc return every large block to the system when freed, so that
        # memory kept from one run cannot be reused unseen by the next (its default threshold adapts).
        env={**os.environ, "OMP_NUM_THREADS": "1", "MALLOC_MMAP_THRESHOLD_": "65536"},
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def seconds(fn: Callable[[], object], repeat: int = 3) -> float:
    """The median wall-clock time of `repeat` calls, after one untimed call."""
    with torch.no_grad():
        fn()
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2]
