"""Lesson 07: the cached decoder equals recomputation, the lesson's claims hold, its checks
explain garbage and name a mistake only on its evidence, its text ships with the package,
and the grader's sandboxed child runs its probes."""

from __future__ import annotations

import csv
import subprocess
import sys

import pytest
import torch
import torch.nn.functional as F

from helpers import attention as ref
from helpers import exercises, judging, running
from helpers.checks import evaluate
from helpers.cost import peak_memory_mb
from helpers.judging import FAILED
from helpers.lessons import lesson07
from helpers.lessons.whole_module import is_whole_module_case
from helpers.training import corpus
from tests import mistakes_07
from tests.grading import ROOT, answer, notebook, save

gen = torch.Generator().manual_seed(0)


def random_models(V=13, max_len=40, D=12, H=3, L=2, seed=0):
    """A TinyCausalLM and a CachedCausalLM holding the same parameters, drawn as the checks draw them."""
    params = lesson07.model_params(torch.Generator().manual_seed(seed), V, max_len, D, H, L)
    plain, cached = ref.TinyCausalLM(V, max_len, D, H, L), ref.CachedCausalLM(V, max_len, D, H, L)
    running.load_params(plain, params)
    cached.load_state_dict(plain.state_dict())
    return plain, cached


# --- the references


@pytest.mark.parametrize("pieces", [(6,), (1, 1, 1, 1, 1, 1), (3, 1, 1, 1), (2, 4)])
def test_cached_attention_read_in_pieces_equals_causal_attention_on_the_whole(pieces):
    torch.manual_seed(0)
    layer = ref.CachedSelfAttention(12, 3)
    whole = ref.CausalSelfAttention(12, 3)
    whole.load_state_dict(layer.state_dict())
    X = torch.randn(2, sum(pieces), 12, generator=gen)
    with torch.no_grad():
        outputs, start = [], 0
        for n in pieces:
            outputs.append(layer(X[:, start : start + n]))
            start += n
        torch.testing.assert_close(torch.cat(outputs, dim=1), whole(X), atol=1e-5, rtol=1e-5)
    assert tuple(layer.cache_k.shape) == tuple(layer.cache_v.shape) == (2, 3, sum(pieces), 4)


@pytest.mark.parametrize("seed", range(3))
def test_cached_greedy_equals_recomputation_to_1e_5_and_picks_the_same_tokens(seed):
    plain, cached = random_models(seed=seed)
    prompt = torch.randint(0, 13, (2, 5), generator=torch.Generator().manual_seed(seed))
    tokens, recomputed = ref.generate(plain, prompt, 30)
    with torch.no_grad():
        from_cache = cached.greedy(prompt, 30)
    torch.testing.assert_close(from_cache, recomputed, atol=1e-5, rtol=1e-5)
    assert torch.equal(from_cache.argmax(dim=-1), tokens[:, 5:])


def test_greedy_starts_each_prompt_afresh():
    plain, cached = random_models()
    first, second = (torch.randint(0, 13, (1, n), generator=gen) for n in (4, 6))
    with torch.no_grad():
        cached.greedy(first, 10)
        again = cached.greedy(second, 10)
    torch.testing.assert_close(again, ref.generate(plain, second, 10)[1], atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("T_new, T_all", [(1, 1), (1, 7), (3, 8), (5, 5)])
def test_attention_for_new_queries_is_sdpa_with_the_bottom_right_mask(T_new, T_all):
    q, k, v = torch.randn(2, 3, T_new, 4, generator=gen), *torch.randn(2, 2, 3, T_all, 4, generator=gen)
    bottom_right = torch.ones(T_all, T_all, dtype=torch.bool).tril()[T_all - T_new :]
    expected = F.scaled_dot_product_attention(q, k, v, attn_mask=bottom_right)
    torch.testing.assert_close(ref.attend_with_cache(q, k, v), expected, atol=1e-6, rtol=1e-5)
    if T_new == T_all:  # a prompt with nothing cached: lesson 03's square mask, and SDPA's is_causal agrees
        torch.testing.assert_close(expected, F.scaled_dot_product_attention(q, k, v, is_causal=True))


def test_is_causal_is_aligned_top_left_as_the_lesson_says():
    """The notebook warns that is_causal=True with one query attends the first key only."""
    q, k, v = torch.randn(1, 1, 1, 4, generator=gen), *torch.randn(2, 1, 1, 6, 4, generator=gen)
    torch.testing.assert_close(F.scaled_dot_product_attention(q, k, v, is_causal=True), v[..., :1, :])


def test_positions_continue_after_the_cache():
    assert ref.positions_after(None, 3).tolist() == [0, 1, 2]
    assert ref.positions_after(torch.zeros(2, 3, 5, 4), 2).tolist() == [5, 6]


def test_appending_a_token_leaves_the_earlier_positions_unchanged():
    """The notebook's argument for the cache: causally, earlier positions never change."""
    plain, _ = random_models()
    tokens = torch.randint(0, 13, (2, 9), generator=gen)
    with torch.no_grad():
        torch.testing.assert_close(plain(tokens[:, :-1]), plain(tokens)[:, :-1], atol=1e-5, rtol=1e-5)


def test_sampling_is_repeatable_with_a_seed_and_greedy_at_temperature_zero():
    plain, _ = random_models()
    prompt = torch.randint(0, 13, (2, 3), generator=gen)
    one, _ = ref.generate(plain, prompt, 12, 1.0, torch.Generator().manual_seed(5))
    two, _ = ref.generate(plain, prompt, 12, 1.0, torch.Generator().manual_seed(5))
    greedy, logits = ref.generate(plain, prompt, 12)
    assert torch.equal(one, two) and not torch.equal(one, greedy)
    assert torch.equal(greedy[:, 3:], logits.argmax(dim=-1))


def test_the_cache_memory_is_the_formula_plus_one_layer_copy_while_cat_appends():
    """The notebook's figures: 2 · L · B · T · D · 4 bytes, measured a quarter above it for
    L = 2, torch.cat holding one of the 2 · L tensors twice for a moment."""
    _, cached = random_models(max_len=70, D=16, H=2, L=2)

    def fill_then_empty(B, T):
        cached.reset_cache()
        for _ in range(T):
            cached(torch.zeros(B, 1, dtype=torch.long))
        cached.reset_cache()

    for T in (32, 64):
        formula = 2 * 2 * 4 * T * 16 * 4 / 2**20
        measured = peak_memory_mb(lambda: fill_then_empty(4, T))
        assert measured == pytest.approx(formula * (1 + 1 / 4), rel=0.03), (T, measured, formula)


def test_the_course_text_comes_with_the_package():
    text = corpus()
    assert 3000 < len(text.encode()) < 8000 and text.startswith("the cat sat on the mat")
    assert set(text) <= set("abcdefghijklmnopqrstuvwxyz .,:\n")


# --- the formulas that recognise mistakes are the references with no switch turned on


def test_the_formulas_of_mistakes_equal_the_references_with_no_switch():
    for case in exercises.get("7.2").make_cases(gen):
        if not is_whole_module_case(case):  # the gradients' case: no output to compare
            torch.testing.assert_close(lesson07._attend(*case.inputs), ref.attend_with_cache(*case.inputs))
    for ex_id, formula in (("7.3", lesson07._cached), ("7.5", lesson07._greedy)):
        ex = exercises.get(ex_id)
        for case in ex.make_cases(gen):
            if is_whole_module_case(case):
                continue
            expected = running.call(ex, ex.reference, running.fresh(case.inputs), case)
            torch.testing.assert_close(formula(case.init, case.params, *case.inputs), expected)


# --- garbage is explained, and a mistake is named only where its evidence is


def _layer(forward):
    class Layer(ref.MultiHeadAttention):
        def reset_cache(self):
            self.cache_k = self.cache_v = None

    Layer.forward = forward
    return Layer


def _model(greedy):
    class Model(ref.CachedCausalLM):
        pass

    Model.greedy = greedy
    return Model


GARBAGE = [
    ("7.1", None, "not-a-function", "expected a function, got a NoneType"),
    ("7.1", lambda cache, new: None, "returned-none", "got None"),
    ("7.1", lambda cache, new: [new], "not-a-tensor", "got a list"),
    ("7.1", lambda cache, new: new[..., :1], "shape", "expected shape"),
    ("7.2", lambda q, k, v: torch.full_like(q, float("nan")), "non-finite", "NaN"),
    ("7.2", lambda q, k, v: q[..., 0], "shape", "expected shape"),
    ("7.2", lambda q, k, v: 1 / 0, "raised", "ZeroDivisionError"),
    ("7.3", lambda X: X, "not-a-class", "expected a class, got a function"),
    ("7.3", _layer(lambda self, X: None), "returned-none", "got None"),
    ("7.3", _layer(lambda self, X: torch.full_like(X, float("nan"))), "no-cache-attribute", "self.cache_k"),
    (
        "7.3",
        _layer(lambda self, X: torch.full_like(ref.CachedSelfAttention.forward(self, X), float("nan"))),
        "non-finite",
        "NaN",
    ),
    ("7.4", lambda cache, n: "0, 1", "not-a-tensor", "got a str"),
    (
        "7.4",
        lambda cache, n: torch.arange(n).float() + (0 if cache is None else cache.shape[-2]),
        "not-integer",
        "int64",
    ),
    ("7.5", _model(lambda self, prompt, steps: None), "returned-none", "got None"),
    (
        "7.5",
        _model(lambda self, prompt, steps: torch.full((prompt.shape[0], steps, 3), float("nan"))),
        "shape",
        "expected shape",
    ),
]


@pytest.mark.parametrize("ex_id, answer_, key, phrase", GARBAGE)
def test_garbage_is_explained_not_crashed_on(ex_id, answer_, key, phrase):
    result = evaluate(ex_id, answer_)
    assert (result.status, result.mistake) == (FAILED, key), result.report()
    assert phrase in " ".join(result.report().split())


def test_no_mask_is_named_only_where_several_queries_show_it():
    """No mask is right for one new query: the check passes those cases and names the
    mistake on the first case with several."""
    result = evaluate("7.2", mistakes_07.no_mask)
    assert result.case.startswith("3 new queries")  # the one-query case before it passed
    assert result.mistake == "no-mask-for-several"


def test_restarting_positions_are_named_on_a_cache_not_on_a_first_call():
    first_call_only = lambda cache, n: torch.arange(n) if cache is None else torch.arange(n) + 100  # noqa: E731
    result = evaluate("7.4", first_call_only)
    assert result.status == FAILED and result.mistake not in {"positions-restart-at-0", "past-from-wrong-axis"}


def test_a_stale_cache_is_named_only_when_the_first_prompt_came_out_right():
    """Forgetting the reset and getting the first prompt wrong too is not a stale cache."""

    def greedy(self, prompt, steps):
        logits = self(prompt)[:, -1] + 1.0  # wrong from the start
        every = [logits]
        for _ in range(steps - 1):
            logits = self(logits.argmax(dim=-1, keepdim=True))[:, -1]
            every.append(logits)
        return torch.stack(every, dim=1)

    result = evaluate("7.5", _model(greedy))
    assert result.status == FAILED and result.mistake != "stale-cache", result.report()


def test_recomputing_in_greedy_is_told_even_though_its_numbers_are_right():
    result = evaluate("7.5", mistakes_07.GreedyRecomputes)
    assert result.mistake == "fed-whole-sequence"
    assert "sent 11 tokens through the model, more than the 5 + 3 = 8 a cache needs" in " ".join(
        result.report().split()
    )


def test_a_list_of_logits_that_outlives_greedy_is_named_on_the_first_check_and_on_the_next():
    """A default argument every=[] grows with each call: the first check sees the second call
    return the first one's logits too; a check run again meets the sizes of the last one."""

    class Model(ref.CachedCausalLM):
        def greedy(self, prompt, steps, every=[]):  # noqa: B006 - the mistake
            self.reset_cache()
            logits = self(prompt)[:, -1]
            every.append(logits)
            for _ in range(steps - 1):
                logits = self(logits.argmax(dim=-1, keepdim=True))[:, -1]
                every.append(logits)
            return torch.stack(every, dim=1)

    first, again = evaluate("7.5", Model), evaluate("7.5", Model)
    assert first.mistake == again.mistake == "logits-kept-between-calls", (first.report(), again.report())
    assert "the second call returned the first call's 4 steps of logits before its own" in " ".join(
        first.report().split()
    )
    assert "stack expects each tensor to be equal size" in again.report()


def test_shared_caches_are_told_by_the_positions_the_second_instance_saw():
    """The brief's example: B's first call sees the tokens A read, counted."""
    report = " ".join(evaluate("7.3", mistakes_07.CachedOnTheClass).report().split())
    assert "instance B's call 1 (2 tokens) already saw 3 cached positions, though B had read 0" in report


def test_a_cache_detached_for_later_calls_still_trains_on_a_prompt():
    """Stop-gradient on what is kept (Transformer-XL's memory) is no mistake: the gradients are
    taken from prompts read at once; the tensors attended with must stay in the graph."""
    assert evaluate("7.3", mistakes_07.CachedKeptDetached).status == judging.PASSED
    assert evaluate("7.3", mistakes_07.CachedDetachedKeysValues).mistake == "no-gradient"


def test_the_probes_are_among_the_callables_the_graders_child_looks_up():
    assert running.CALLABLES["cache_in_pieces"] is running.cache_in_pieces
    assert running.CALLABLES["greedy_twice"] is running.greedy_twice


# --- the grader


def test_the_grader_runs_lesson_07_in_its_child_and_names_the_mistakes(tmp_path):
    """One student: 7.3 caches the values before their projection, 7.5 recomputes; the rest
    right. The sandboxed child runs the probes; 7.5 is graded with the course's 7.3 handed
    down, so it loses its own points only."""
    values_raw = answer("07", "7.3").replace(
        "v = split_heads(self.v_proj(X), self.num_heads)", "v = split_heads(X, self.num_heads)"
    )
    recomputes = answer("07", "7.5").replace(
        "next_token = logits.argmax(dim=-1, keepdim=True)",
        "prompt = torch.cat([prompt, logits.argmax(dim=-1, keepdim=True)], dim=1)",
    )
    recomputes = recomputes.replace(
        "logits = self(next_token)[:, -1]", "self.reset_cache()\n            logits = self(prompt)[:, -1]"
    )
    assert values_raw != answer("07", "7.3") and "self.reset_cache()\n            logits = self(prompt)" in recomputes
    nb = notebook(
        "07", ["7.1", "7.2", "7.4"], {"7.3": values_raw.split("\n", 1)[1], "7.5": recomputes.split("\n", 1)[1]}
    )
    save(tmp_path / "subs", "student", "07.ipynb", nb)
    run = subprocess.run(
        [sys.executable, "-m", "helpers.grade", str(tmp_path / "subs"), "--out", str(tmp_path / "out"), "--seed", "2"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    with open(tmp_path / "out" / "grades.csv", newline="") as f:
        (row,) = list(csv.DictReader(f))
    page = " ".join((tmp_path / "out" / "feedback" / "student.md").read_text().split())
    assert [row[i] for i in ("status", "7.1", "7.2", "7.3", "7.4", "7.5", "total")] == [
        "ok",
        "1",
        "2",
        "0",
        "1",
        "0",
        "4",
    ], page
    assert "holds the values before their projection" in page and "that is recomputation" in page
