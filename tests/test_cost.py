"""helpers.cost, lesson 06's measurements: what the memory figure counts, the lesson's claim
about it, and the same figures where Linux's /proc, and the `resource` module, do not exist."""

import builtins
import importlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from helpers import attention, cost

ROOT = Path(__file__).resolve().parent.parent
MIB = 2**20


def test_peak_memory_counts_the_tensors_held_at_once():
    def together():
        a, b = torch.ones(MIB // 4), torch.ones(MIB // 4)  # 1 MiB each, both alive
        return a + b  # and a third for the result

    def one_after_another():
        torch.ones(MIB // 4).sum()  # 1 MiB, freed at once
        torch.ones(MIB // 4).sum()

    assert cost.peak_memory_mb(together) == pytest.approx(3, abs=0.01)
    assert cost.peak_memory_mb(one_after_another) == pytest.approx(1, abs=0.01)
    assert cost.peak_memory_mb(lambda: None) == 0


def naive_and_chunked(T: int = 4096) -> tuple[float, float]:
    q, k, v = (torch.randn(1, T, 64, generator=torch.Generator().manual_seed(i)) for i in range(3))
    return (
        cost.peak_memory_mb(lambda: attention.attention_from_qkv(q, k, v)),
        cost.peak_memory_mb(lambda: attention.chunked_attention(q, k, v, 128)),
    )


def test_chunked_attention_needs_under_an_eighth_of_the_naive_peak_at_4096():
    """The README's and lesson 06's claim: the naive version holds two T x T matrices."""
    naive, chunked = naive_and_chunked()
    assert naive == pytest.approx(2 * 4096 * 4096 * 4 / MIB, rel=0.01)
    assert chunked < naive / 8


@pytest.fixture
def not_linux(monkeypatch, request):
    """sys.platform as macOS or Windows report it, no `resource` module (as on Windows) and
    every path under /proc unopenable (as on both), with helpers.cost imported anew."""
    monkeypatch.setattr(sys, "platform", request.param)
    monkeypatch.setitem(sys.modules, "resource", None)  # `import resource` raises ImportError
    real_open, real_os_open = builtins.open, os.open

    def no_proc(opener):
        def guarded(path, *args, **kwargs):
            if str(path).startswith("/proc"):
                raise FileNotFoundError(2, "No such file or directory", str(path))
            return opener(path, *args, **kwargs)

        return guarded

    monkeypatch.setattr(builtins, "open", no_proc(real_open))
    monkeypatch.setattr(os, "open", no_proc(real_os_open))
    yield importlib.reload(cost)
    monkeypatch.undo()
    importlib.reload(cost)


@pytest.mark.parametrize("not_linux", ["darwin", "win32"], indirect=True)
def test_the_same_figures_on_macos_and_windows(not_linux):
    naive, chunked = naive_and_chunked(2048)
    assert naive == pytest.approx(32, abs=0.01) and chunked < naive / 8


def can_hide_proc() -> bool:
    return sys.platform == "linux" and os.geteuid() == 0 and shutil.which("unshare") is not None


@pytest.mark.platforms
@pytest.mark.skipif(not can_hide_proc(), reason="hiding /proc needs Linux, root and unshare")
def test_lesson_06_runs_all_with_proc_hidden():
    """Lesson 06, master (outputs compared) and student copy, under nbval in a mount
    namespace whose /proc is an empty folder, as on macOS and Windows."""
    lessons = "solutions/06-what-attention-costs.ipynb notebooks/06-what-attention-costs.ipynb"
    script = f"mount -t tmpfs none /proc && test ! -e /proc/self/status && exec {sys.executable} -m pytest -q {lessons}"
    result = subprocess.run(
        ["unshare", "-m", "--propagation", "private", "sh", "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert " failed" not in result.stdout and " passed" in result.stdout


@pytest.mark.parametrize(
    "theirs, ours, words",
    [
        (94.0, 73.0, "1.29 times slower than ours"),  # lesson 06 once printed this case "(0.78 times faster)"
        (20.0, 73.0, "3.65 times faster than ours"),
        (75.0, 73.0, "about the same as ours (within 10%)"),
        (66.5, 73.0, "about the same as ours (within 10%)"),
        (0.0, 73.0, "not comparable (a measurement of 0)"),
    ],
)
def test_comparisons_are_worded_by_what_was_measured(theirs, ours, words):
    from helpers.cost import compared

    assert compared(theirs, ours, more="slower", less="faster") == words


def test_memory_comparison_names_more_or_less():
    from helpers.cost import compared

    assert compared(145.0, 128.0, more="more memory", less="less memory") == "1.13 times more memory than ours"
    assert compared(8.0, 128.0, more="more memory", less="less memory") == "16.00 times less memory than ours"
