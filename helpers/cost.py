"""Measuring what attention costs: time, and peak memory. Lesson 06; lesson 07's generation
with and without a KV cache (generation_seconds).

Peak memory is what PyTorch's own profiler reports: `torch.profiler` with
`profile_memory=True` records every allocation and every free of PyTorch's CPU allocator,
with its size and time. Adding them up in time order gives the tensor memory held at each
moment; the peak of that sum over one call is the figure: the most memory the call's
tensors (its results and every temporary, T x T matrices included) took at once, beyond
what was held when it began. It counts bytes of tensors, not pages, so it works the same
way on Linux, macOS and Windows, and gives the same figure on every run.

Why this way, of what PyTorch and the standard library offer:
- The operating system's peak resident memory differs on each system: Linux has VmHWM in
  /proc/self/status (which this module used to read, resetting it through
  /proc/self/clear_refs); macOS has only resource.getrusage's ru_maxrss (in bytes there,
  in KiB on Linux), which never resets; Windows has no `resource` module at all, only
  PeakWorkingSetSize through ctypes. Each would need a fresh process per measurement and
  counts the C allocator's habits (memory kept after a free, pages touched) on top of the
  tensors.
- PyTorch keeps memory statistics for accelerators only (torch.cuda, torch.accelerator);
  its CPU allocator has none.
- tracemalloc sees Python's allocator, not PyTorch's; psutil is not a course dependency
  and has no peak that can be reset either.
On Linux, the profiler's figures and VmHWM's agree to within 1 MiB at T = 4096.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from itertools import accumulate
from typing import Callable, Iterator

import torch
from torch.profiler import ProfilerActivity, profile


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """The profiler's C++ side prints a line to stderr as it starts and stops; Jupyter shows
    whatever reaches file descriptor 2, so point it at the null device meanwhile."""
    sys.stderr.flush()
    try:
        saved = os.dup(2)
    except OSError:  # no file descriptor 2 (pythonw on Windows): nothing to hide
        yield
        return
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def peak_memory_mb(fn: Callable[[], object]) -> float:
    """The peak tensor memory in MiB that one call of `fn()` holds at once, beyond what was
    held when it began, counted by PyTorch's profiler (module docstring). `fn` is called
    twice under torch.no_grad(): once to get set-up costs out of the way, once measured."""
    with torch.no_grad():
        fn()
        with _quiet_stderr(), profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
            fn()
    events = sorted((e.start_ns(), e.nbytes()) for e in prof.profiler.kineto_results.events() if e.name() == "[memory]")
    held = accumulate(nbytes for _, nbytes in events)  # bytes allocated and not yet freed, after each event
    return max([0, *held]) / 2**20


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


def generation_seconds(
    steps: int = 256, prompt_length: int = 16, repeat: int = 3, sizes: tuple[int, int, int, int] = (29, 48, 3, 2)
) -> tuple[float, float, bool]:
    """Lesson 07: greedy generation of `steps` tokens after a random prompt, by recomputation
    (attention.generate) and with the reference KV cache (CachedCausalLM.greedy), on a model
    of lesson 07's sizes (V, D, H, L), untrained: the time does not depend on the weights.
    One thread, as in the notebook; the two runs interleaved `repeat` times, so that both see
    the same machine load. Returns the best wall time of each, in seconds, and whether both
    gave the same logits to 1e-5."""
    from helpers.attention import CachedCausalLM, TinyCausalLM, generate

    V, D, H, L = sizes
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        torch.manual_seed(0)
        plain = TinyCausalLM(V, prompt_length + steps, D, H, L).eval()
        cached = CachedCausalLM(V, prompt_length + steps, D, H, L).eval()
        cached.load_state_dict(plain.state_dict())
        prompt = torch.randint(0, V, (1, prompt_length), generator=torch.Generator().manual_seed(0))
        runs = (lambda: generate(plain, prompt, steps)[1], lambda: cached.greedy(prompt, steps))
        times: tuple[list[float], list[float]] = ([], [])
        with torch.no_grad():
            for _ in range(repeat):
                for run, taken in zip(runs, times):
                    start = time.perf_counter()
                    run()
                    taken.append(time.perf_counter() - start)
            same = torch.allclose(runs[0](), runs[1](), atol=1e-5, rtol=1e-5)
    finally:
        torch.set_num_threads(threads)
    return min(times[0]), min(times[1]), same


def compared(theirs: float, ours: float, *, more: str, less: str, within: float = 0.1) -> str:
    """How a measurement of theirs compares with ours, in words that follow the numbers:
    "1.28 times slower than ours" when theirs is the larger by more than `within` (10%), and
    `more` / `less` name the direction ("slower" / "faster", "more memory" / "less memory");
    "about the same as ours (within 10%)" otherwise. Times and memory alike: larger = more.
    Lesson 06 prints it beside its measurements, which differ on every machine."""
    if theirs <= 0 or ours <= 0:
        return "not comparable (a measurement of 0)"
    ratio = theirs / ours
    if ratio > 1 + within:
        return f"{ratio:.2f} times {more} than ours"
    if ratio < 1 / (1 + within):
        return f"{1 / ratio:.2f} times {less} than ours"
    return f"about the same as ours (within {within:.0%})"
