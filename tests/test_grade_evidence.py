"""The grader's feedback carries the same evidence as the notebook's check, for mistakes
nobody catalogued: a property that needs the answer run again (the child gathers it when
the parent asks, after the check failed), a known transformation of the reference, and
the picture of a failed matrix of weights, in words.

Each answer is uncatalogued (not in tests/mistakes_0N.py); tests/uncatalogued.py holds
more, checked in-process."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest

from helpers import exercises as registry
from helpers.checks import evaluate
from tests.grading import ROOT, notebook, save

# (student, lesson, exercise, the answer, its key)
ANSWERS = [
    (
        "dropout",
        "01",
        "1.4",
        "import torch.nn.functional as F\n"
        "def simple_self_attention(X):\n"
        "    weights = torch.softmax(X @ X.transpose(-2, -1), dim=-1)\n"
        "    weights = F.dropout(weights, p=0.1)\n"
        "    return weights @ X\n",
        "random",
    ),
    (
        "softmax_over_sentences",
        "02",
        "2.5",
        "def attention_from_qkv(q, k, v):\n"
        "    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])\n"
        "    return torch.softmax(scores, dim=0) @ v\n",
        "found-softmax-axis",
    ),
    (
        "loop_misses_last_sentence",
        "01",
        "1.4",
        "def simple_self_attention(X):\n"
        "    out = torch.zeros_like(X)\n"
        "    for b in range(X.shape[0] - 1):\n"
        "        out[b] = torch.softmax(X[b] @ X[b].T, dim=-1) @ X[b]\n"
        "    return out\n",
        "left-at-zero",
    ),
    (  # the input varied number by number, run in the child: a factor on uniform rows is no coincidence
        "entropy_over_log_width",
        "02",
        "2.1",
        "def row_entropy(weights):\n"
        "    return torch.special.entr(weights).sum(dim=-1) / math.log(weights.shape[-1])\n",
        "proportional",
    ),
    (  # the batches the test hands a model, watched in the child
        "test_shifts_every_sentence",
        "04",
        "4.4",
        "def sentences_independent(attention, X):\n"
        "    moved = X.clone().add(1.0)\n"
        "    keep = torch.arange(X.shape[0]) != 1\n"
        "    return torch.allclose(attention(moved)[keep], attention(X)[keep])\n",
        "changed-whole-batch",
    ),
    (  # the operations watched in the child: NaN from 0 / 0, no overflow
        "softmax_rows_rescaled",
        "01",
        "1.3",
        "def attention_weights(X):\n"
        "    w = torch.softmax(X @ X.transpose(-2, -1), dim=-2)\n"
        "    return w / w.sum(dim=-1, keepdim=True)\n",
        "found-softmax-axis-renormalised",
    ),
]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("evidence")
    subs = tmp / "submissions"
    for student, lesson, exercise_id, code, _ in ANSWERS:
        others = [ex.id for ex in registry.for_notebook(lesson) if ex.id != exercise_id]
        save(subs, student, f"{registry.NOTEBOOK_FILES[lesson]}.ipynb", notebook(lesson, others, {exercise_id: code}))
    run = subprocess.run(
        [sys.executable, "-m", "helpers.grade", str(subs), "--out", str(tmp / "out"), "--seed", "3", "-j", "2"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return tmp / "out"


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("student, lesson, exercise_id, code, key", ANSWERS, ids=[a[0] for a in ANSWERS])
def test_the_feedback_carries_the_checks_evidence(graded, tmp_path, student, lesson, exercise_id, code, key):
    module = tmp_path / f"{student}.py"
    module.write_text("import math\nimport torch\n" + code)
    spec = importlib.util.spec_from_file_location(student, module)
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    result = evaluate(exercise_id, getattr(loaded, registry.get(exercise_id).name))
    assert result.mistake == key, result.report()
    page = flat((graded / "feedback" / f"{student}.md").read_text())
    section = page.split(f"**{exercise_id} ", 1)[1].split("- **", 1)[0]
    assert "(0/" in section
    assert flat(result.message) in section, (result.message, section)
    # the grader draws its own cases (--seed): the evidence's first words, before its numbers
    assert flat(result.evidence)[:30] in section, (result.evidence, section)
    if result.picture is not None:
        assert "beside the expected" in section and "cells differ" in section, section
    assert "overflows" not in section
