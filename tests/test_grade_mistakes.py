"""The wrong answers an outside tester found passing the checks, graded by the real
command: each earns 0 for its exercise and its feedback names the mistake, while the rest
of the notebook (right answers) keeps its points.

Each answer below is a master's answer with one change a student makes; the same classes
are checked in-process, with more variants, in tests/mistakes_0N.py."""

from __future__ import annotations

import csv
import importlib.util
import subprocess
import sys

import pytest

from helpers import exercises as registry
from helpers.checks import evaluate
from tests.grading import ROOT, answer, notebook, save


def changed(lesson: str, exercise_id: str, old: str, new: str) -> str:
    """The master's answer to an exercise with `old` replaced by `new` (which must occur)."""
    source = answer(lesson, exercise_id)
    assert old in source, f"{exercise_id}: {old!r} is not in the master's answer"
    return source.split("\n", 1)[1].replace(old, new)


# (student, lesson, exercise, the wrong answer, a phrase the feedback must hold)
WRONG = [
    ("softmax_row_minimum", "01", "1.2", lambda: changed("01", "1.2", "amax", "amin"), "minimum"),
    ("softmax_in_float64", "01", "1.2", lambda: changed("01", "1.2", "scores - ", "scores.double() - "), "float64"),
    (
        "weights_are_scores",
        "04",
        "4.3",
        lambda: changed("04", "4.3", "self.last_weights = weights.detach()", "self.last_weights = scores.detach()"),
        "holds the scores",
    ),
    (
        "heads_averaged",
        "04",
        "4.3",
        lambda: changed(
            "04", "4.3", "self.last_weights = weights.detach()", "self.last_weights = weights.mean(dim=1).detach()"
        ),
        "(B, H, T, T)",
    ),
    (
        "assert_for_sizes",
        "04",
        "4.3",
        lambda: changed(
            "04",
            "4.3",
            'if embed_size % num_heads:\n            raise ValueError(f"embed_size ({embed_size}) must be '
            'divisible by num_heads ({num_heads})")',
            "assert embed_size % num_heads == 0",
        ),
        "assert",
    ),
    (
        "error_without_numbers",
        "04",
        "4.3",
        lambda: changed(
            "04",
            "4.3",
            'f"embed_size ({embed_size}) must be divisible by num_heads ({num_heads})"',
            '"embed_size must be divisible by num_heads"',
        ),
        "both numbers",
    ),
    (
        "nan_on_fully_masked_rows",
        "03",
        "3.3",
        lambda: changed(
            "03", "3.3", "return weights.masked_fill(~mask.any(dim=-1, keepdim=True), 0.0)", "return weights"
        ),
        "NaN",
    ),
    (
        "test_of_one_sentence",
        "04",
        "4.4",
        lambda: changed(
            "04", "4.4", "others = torch.arange(X.shape[0]) != 1", "others = torch.arange(X.shape[0]) == 0"
        ),
        "sentence",
    ),
    (
        "test_changes_its_input",
        "04",
        "4.4",
        lambda: changed("04", "4.4", "changed = X.clone()", "changed = X"),
        "X.clone()",
    ),
    (
        "alternating_equivariance",
        "05",
        "5.2",
        lambda: "calls = []\ndef is_permutation_equivariant(model, tokens, perm):\n"
        "    calls.append(1)\n    return len(calls) % 2 == 1\n",
        "besides the model",
    ),
    (
        "keys_as_floats",
        "05",
        "5.1",
        lambda: changed("05", "5.1", "torch.arange(T - 1, -1, -1)", "torch.arange(T - 1, -1, -1).float()"),
        "float",
    ),
    (
        "running_max_from_zero",
        "06",
        "6.1",
        lambda: changed(
            "06",
            "6.1",
            'm = torch.full(scores.shape[:-1] + (1,), float("-inf"))',
            "m = torch.zeros(scores.shape[:-1] + (1,))",
        ),
        "-inf",
    ),
    (
        "running_max_forgotten",
        "06",
        "6.1",
        lambda: changed(
            "06",
            "6.1",
            "m_new = torch.maximum(m, chunk.amax(dim=-1, keepdim=True))",
            "m_new = chunk.amax(dim=-1, keepdim=True)",
        ),
        "maximum",
    ),
    (
        "not_chunked",
        "06",
        "6.2",
        lambda: (
            "def chunked_attention(q, k, v, block):\n"
            "    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])\n"
            "    return torch.softmax(scores, dim=-1) @ v\n"
        ),
        "(T, T)",
    ),
    (
        "softmax_not_online",
        "06",
        "6.1",
        lambda: "def online_softmax(scores, block):\n    return torch.softmax(scores, dim=-1)\n",
        "along whole rows at once",
    ),
    (
        "masked_softmax_without_none",
        "03",
        "3.3",
        lambda: changed("03", "3.3", "    if mask is None:\n        return torch.softmax(scores, dim=-1)", ""),
        "mask=None",
    ),
    (
        "rope_exponent_without_two",
        "08",
        "8.1",
        lambda: changed("08", "8.1", "-torch.arange(0, d, 2) / d", "-torch.arange(0, d // 2) / d"),
        "the exponent is missing its 2",
    ),
    (
        "kv_projection_as_wide_as_q",
        "08",
        "8.4",
        lambda: changed(
            "08",
            "8.4",
            "self.k_proj = nn.Linear(embed_size, num_kv_heads * self.d_head)",
            "self.k_proj = nn.Linear(embed_size, embed_size)",
        ),
        "as many as q_proj",
    ),
    (
        "cache_on_the_class",
        "07",
        "7.3",
        lambda: changed("07", "7.3", "self.cache_k", "CachedSelfAttention.cache_k").replace(
            "self.cache_v", "CachedSelfAttention.cache_v"
        ),
        "two instances share one cache",
    ),
    (
        "cached_queries_detached",
        "07",
        "7.3",
        lambda: changed(
            "07",
            "7.3",
            "q = split_heads(self.q_proj(X), self.num_heads)",
            "q = split_heads(self.q_proj(X).detach(), self.num_heads)",
        ),
        "q_proj.weight, q_proj.bias received no gradient",
    ),
    (
        "greedy_resets_when_done",
        "07",
        "7.5",
        lambda: changed("07", "7.5", "        self.reset_cache()  ", "        pass  ").replace(
            "        return torch.stack(every, dim=1)",
            "        self.reset_cache()\n        return torch.stack(every, dim=1)",
        ),
        "empties the cache when it has finished",
    ),
    (
        "rope_detached",
        "08",
        "8.1",
        lambda: changed(
            "08", "8.1", "x1, x2 = x[..., : d // 2], x[..., d // 2 :]", "x1, x2 = x.detach().chunk(2, dim=-1)"
        ),
        "x received no gradient",
    ),
    (
        "kv_cache_floor_division",
        "08",
        "8.5",
        lambda: changed("08", "8.5", "/ 2**30", "// 2**30"),
        "rounded down to whole numbers",
    ),
    (
        "window_one_too_wide",
        "08",
        "8.6",
        lambda: changed("08", "8.6", "(j > i - window)", "(j >= i - window)"),
        "window + 1 keys",
    ),
]


# (student, lesson, exercise, an answer, the check's mistake key): the feedback must say exactly
# what the notebook's check says, and that must be the right mistake
SAME_AS_CHECK = [
    # `def stable_softmax(` holds `max(`: a lost keepdim was named for any error, in both places
    ("softmax_raises", "01", "1.2", 'def stable_softmax(scores):\n    raise ValueError("nope")\n', "raised"),
    ("softmax_max_pair", "01", "1.2", lambda: changed("01", "1.2", "scores.amax(", "scores.max("), "max-tuple"),
]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("mistakes")
    subs = tmp / "submissions"
    for student, lesson, exercise_id, code, _ in SAME_AS_CHECK:
        others = [ex.id for ex in registry.for_notebook(lesson) if ex.id != exercise_id]
        code = code if isinstance(code, str) else code()
        save(subs, student, f"{registry.NOTEBOOK_FILES[lesson]}.ipynb", notebook(lesson, others, {exercise_id: code}))
    for student, lesson, exercise_id, wrong, _ in WRONG:
        others = [ex.id for ex in registry.for_notebook(lesson) if ex.id != exercise_id]
        save(
            subs,
            student,
            f"{registry.NOTEBOOK_FILES[lesson]}.ipynb",
            notebook(lesson, solved=others, answers={exercise_id: wrong()}),
        )
    run = subprocess.run(
        [sys.executable, "-m", "helpers.grade", str(subs), "--out", str(tmp / "out"), "--seed", "3", "-j", "2"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    with open(tmp / "out" / "grades.csv", newline="") as f:
        rows = {(r["student"], r["notebook"]): r for r in csv.DictReader(f)}
    return {"rows": rows, "out": tmp / "out"}


@pytest.mark.parametrize("student, lesson, exercise_id, phrase", [(s, lesson, e, p) for s, lesson, e, _, p in WRONG])
def test_a_wrong_answer_that_once_passed_earns_nothing_and_is_named(graded, student, lesson, exercise_id, phrase):
    row = graded["rows"][(student, lesson)]
    page = " ".join((graded["out"] / "feedback" / f"{student}.md").read_text().split())
    assert row["status"] == "ok" and row[exercise_id] == "0", page
    others = [ex for ex in registry.for_notebook(lesson) if ex.id != exercise_id]
    assert all(row[ex.id] == str(ex.points) for ex in others), page  # one mistake costs its own points only
    section = page.split(f"**{exercise_id} ", 1)[1].split("- **", 1)[0]
    assert "Likely mistake" in section and phrase in section, section
    assert "Work through a tiny input by hand" not in section  # named, not the catch-all


@pytest.mark.parametrize("student, lesson, exercise_id, code, key", SAME_AS_CHECK)
def test_the_feedback_says_what_the_notebooks_check_says(graded, tmp_path, student, lesson, exercise_id, code, key):
    code = code if isinstance(code, str) else code()
    module = tmp_path / f"{student}.py"  # a file, so that the check reads the answer's code as a kernel does
    module.write_text("import math\nimport torch\n" + code)
    spec = importlib.util.spec_from_file_location(student, module)
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    ex = registry.get(exercise_id)
    result = evaluate(exercise_id, getattr(loaded, ex.name))
    assert result.mistake == key, result.report()
    page = " ".join((graded["out"] / "feedback" / f"{student}.md").read_text().split())
    section = page.split(f"**{exercise_id} ", 1)[1].split("- **", 1)[0]
    assert " ".join(result.message.split()) in section, (result.message, section)
    assert " ".join(result.evidence.split()).split(" (line")[0] in section, (result.evidence, section)
