"""Lesson 08's claims, each tested: RoPE scores by offset alone (and the interleaved pairing is
the same RoPE with the numbers reordered); grouped-query attention is MultiHeadAttention when
every group has one head, and F.scaled_dot_product_attention(..., enable_gqa=True), which groups
with repeat_interleave, not repeat; the KV cache's formula is what the tensors hold; the
sliding-window mask and windowed attention agree with masked full attention; the copies of the
references that recognise mistakes are the references when nothing is changed; and the lesson's
wrong answers are told their mistake by name."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from torch.utils._python_dispatch import TorchDispatchMode

from helpers import attention as ref
from helpers import cost, exercises, running
from helpers.checks import evaluate
from helpers.judging import FAILED
from helpers.lessons import lesson08, whole_module
from tests import mistakes_08

gen = torch.Generator().manual_seed(8)


def scores_by_position(encode, q, k, T=48):
    """score[m, n]: q placed at position m against k placed at position n."""
    positions = torch.arange(T)
    return encode(q.expand(T, -1), positions) @ encode(k.expand(T, -1), positions).T


def depends_on_offset_only(scores):
    return torch.allclose(scores[1:, 1:], scores[:-1, :-1], atol=1e-4)


# --- RoPE


@pytest.mark.parametrize("d, base", [(4, 10000.0), (16, 10000.0), (64, 500000.0), (12, 100.0)])
def test_rope_scores_depend_on_the_offset_alone(d, base):
    q, k = torch.randn(d, generator=gen), torch.randn(d, generator=gen)
    assert depends_on_offset_only(scores_by_position(lambda x, p: ref.apply_rope(x, p, base), q, k))


def test_added_positions_and_a_not_rotation_do_not():
    q, k = torch.randn(16, generator=gen), torch.randn(16, generator=gen)
    table = torch.randn(48, 16, generator=gen)
    assert not depends_on_offset_only(scores_by_position(lambda x, p: x + table[p], q, k))
    no_minus = lambda x, p: lesson08._rope(x, p, 1e4, signs=(1.0, 1.0))  # noqa: E731
    assert not depends_on_offset_only(scores_by_position(no_minus, q, k))


def test_rope_keeps_every_pairs_length_and_the_missing_minus_does_not():
    x, positions = torch.randn(3, 7, 8, generator=gen), torch.arange(7)
    half = 4

    def pair_lengths(y):
        return (y[..., :half] ** 2 + y[..., half:] ** 2).sqrt()

    torch.testing.assert_close(pair_lengths(ref.apply_rope(x, positions)), pair_lengths(x))
    assert not torch.allclose(pair_lengths(lesson08._rope(x, positions, 1e4, signs=(1.0, 1.0))), pair_lengths(x))


def test_interleaved_rope_is_the_same_rope_with_the_numbers_reordered():
    """The notebook's claim: the two pairings differ by a fixed reordering, evens then odds."""
    x, positions = torch.randn(2, 3, 5, 8, generator=gen), torch.arange(3, 8)
    evens_then_odds = torch.cat([torch.arange(0, 8, 2), torch.arange(1, 8, 2)])
    interleaved = lesson08._rope(x, positions, 1e4, interleaved=True)
    torch.testing.assert_close(ref.apply_rope(x[..., evens_then_odds], positions), interleaved[..., evens_then_odds])
    q, k = torch.randn(8, generator=gen), torch.randn(8, generator=gen)
    assert depends_on_offset_only(scores_by_position(lambda x, p: lesson08._rope(x, p, 1e4, interleaved=True), q, k))


def test_the_backwards_rotation_is_rope_at_negated_positions():
    """The check's claim: scores still by offset, mirrored."""
    x, positions = torch.randn(2, 6, 8, generator=gen), torch.arange(6)
    torch.testing.assert_close(lesson08._rope(x, positions, 1e4, signs=(1.0, -1.0)), ref.apply_rope(x, -positions))


def test_rope_attention_ignores_a_shift_of_every_position_and_rotating_v_does_not():
    q, k, v = (torch.randn(1, 2, 6, 8, generator=gen) for _ in range(3))
    positions = torch.arange(6)
    torch.testing.assert_close(
        ref.rope_attention(q, k, v, positions), ref.rope_attention(q, k, v, positions + 100), atol=1e-4, rtol=1e-4
    )
    rotated = mistakes_08.rope_attention_rotates_values
    assert not torch.allclose(rotated(q, k, v, positions), rotated(q, k, v, positions + 100), atol=1e-4)


def test_rope_attention_is_causal_sdpa_of_the_rotated_q_and_k():
    q, k, v = (torch.randn(2, 3, 5, 8, generator=gen) for _ in range(3))
    positions = torch.arange(2, 7)
    fused = F.scaled_dot_product_attention(
        ref.apply_rope(q, positions), ref.apply_rope(k, positions), v, is_causal=True
    )
    torch.testing.assert_close(ref.rope_attention(q, k, v, positions), fused)


# --- grouped-query attention


@pytest.mark.parametrize("H, H_kv", [(8, 2), (6, 3), (4, 1), (4, 4)])
def test_sdpa_with_enable_gqa_groups_heads_as_repeat_kv_does(H, H_kv):
    q = torch.randn(2, H, 5, 4, generator=gen)
    k, v = torch.randn(2, H_kv, 5, 4, generator=gen), torch.randn(2, H_kv, 5, 4, generator=gen)
    fused = F.scaled_dot_product_attention(q, k, v, enable_gqa=True)
    groups = H // H_kv
    torch.testing.assert_close(
        fused, F.scaled_dot_product_attention(q, ref.repeat_kv(k, groups), ref.repeat_kv(v, groups))
    )
    tiled = F.scaled_dot_product_attention(q, k.repeat(1, groups, 1, 1), v.repeat(1, groups, 1, 1))
    assert torch.allclose(fused, tiled) == (groups == 1 or H_kv == 1)


def test_sdpa_refuses_fewer_key_value_heads_without_enable_gqa():
    q, k = torch.randn(1, 8, 3, 4), torch.randn(1, 2, 3, 4)
    with pytest.raises(RuntimeError, match="must match the size"):
        F.scaled_dot_product_attention(q, k, k)


def test_grouped_query_attention_with_a_head_per_group_is_multi_head_attention():
    torch.manual_seed(0)
    mha, gqa = ref.MultiHeadAttention(16, 4), ref.GroupedQueryAttention(16, 4, 4)
    gqa.load_state_dict(mha.state_dict())
    X = torch.randn(3, 6, 16, generator=gen)
    for mask in (None, ref.causal_mask(6), ref.padding_mask(torch.tensor([6, 3, 1]), 6)):
        with torch.no_grad():
            torch.testing.assert_close(gqa(X, mask), mha(X, mask))


@pytest.mark.parametrize("H, H_kv", [(8, 2), (4, 1), (6, 3)])
def test_grouped_query_attention_is_sdpa_with_enable_gqa(H, H_kv):
    torch.manual_seed(1)
    gqa = ref.GroupedQueryAttention(24, H, H_kv)
    X, mask = torch.randn(2, 7, 24, generator=gen), ref.sliding_window_mask(7, 3)
    with torch.no_grad():
        q = ref.split_heads(gqa.q_proj(X), H)
        k, v = ref.split_heads(gqa.k_proj(X), H_kv), ref.split_heads(gqa.v_proj(X), H_kv)
        fused = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, enable_gqa=True)
        torch.testing.assert_close(gqa(X, mask), gqa.out_proj(ref.merge_heads(fused)))


def test_grouped_query_attention_refuses_sizes_naming_them():
    with pytest.raises(ValueError, match=r"\(12\).*\(6\).*\(4\)"):
        ref.GroupedQueryAttention(12, 6, 4)


def test_fewer_key_value_heads_shrink_k_and_v_by_their_factor():
    sizes = {kv: sum(p.numel() for p in ref.GroupedQueryAttention(64, 8, kv).k_proj.parameters()) for kv in (8, 2, 1)}
    assert sizes == {8: 64 * 64 + 64, 2: 16 * 64 + 16, 1: 8 * 64 + 8}


# --- the KV cache


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_the_cache_formula_is_what_the_cached_tensors_hold(dtype):
    layers, H_kv, d, T = 3, 2, 8, 100
    cache = [torch.zeros(2, 1, H_kv, T, d, dtype=dtype) for _ in range(layers)]  # k and v, per layer
    held = sum(t.nelement() * t.element_size() for t in cache)
    size = torch.empty((), dtype=dtype).element_size()
    gib = ref.kv_cache_gib(torch.tensor([T]), layers, H_kv, d, size)
    assert float(gib) * 2**30 == pytest.approx(held)


def test_the_lessons_figures_for_llama_3_8b_shape():
    """The notebook's and the summary's: 16 GiB at 128K with 8 kv heads, 64 with 32, 2 with 1,
    0.5 with a window of 4096, against weights of about 15 GiB."""
    T = torch.tensor([8192, 131072])
    assert ref.kv_cache_gib(T, 32, 8, 128, 2).tolist() == [1.0, 16.0]
    assert ref.kv_cache_gib(T, 32, 32, 128, 2).tolist() == [4.0, 64.0]
    assert ref.kv_cache_gib(T, 32, 1, 128, 2).tolist() == [0.125, 2.0]
    assert ref.kv_cache_gib(T.clamp(max=4096), 32, 8, 128, 2).tolist() == [0.5, 0.5]
    assert 8e9 * 2 / 2**30 == pytest.approx(15, abs=0.1)


# --- sliding windows


@pytest.mark.parametrize("T, window", [(9, 3), (6, 1), (5, 5), (4, 9), (1, 2)])
def test_each_query_sees_itself_and_the_window_minus_one_before_it(T, window):
    mask = ref.sliding_window_mask(T, window)
    for i in range(T):
        assert mask[i].nonzero().flatten().tolist() == list(range(max(0, i - window + 1), i + 1))
    if window >= T:
        assert torch.equal(mask, ref.causal_mask(T))


@pytest.mark.parametrize("T, window, block", [(300, 37, 64), (100, 1, 16), (130, 200, 32), (64, 16, 64), (5, 3, 128)])
def test_windowed_attention_is_masked_full_attention(T, window, block):
    q, k, v = (torch.randn(2, T, 8, generator=gen) for _ in range(3))
    masked = F.scaled_dot_product_attention(q, k, v, attn_mask=ref.sliding_window_mask(T, window))
    torch.testing.assert_close(ref.sliding_window_attention(q, k, v, window, block), masked, atol=1e-5, rtol=1e-5)
    other = F.scaled_dot_product_attention(q, k, v, attn_mask=ref.sliding_window_mask(T, window + 1))
    assert window >= T or not torch.allclose(other, masked, atol=1e-5)  # the comparison can fail


class LargestTensor(TorchDispatchMode):
    """The largest tensor an operation returns while active, in numbers."""

    numbers = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        for x in out if isinstance(out, (tuple, list)) else (out,):
            if isinstance(x, torch.Tensor):
                self.numbers = max(self.numbers, x.numel())
        return out


def test_windowed_attention_never_holds_more_than_a_block_of_scores_or_the_output():
    """The notebook's account of its peak memory: T x d for the output and q, one block's scores."""
    T, W, block, d = 2048, 128, 128, 64
    q, k, v = (torch.randn(1, T, d, generator=gen) for _ in range(3))
    with LargestTensor() as seen:
        ref.sliding_window_attention(q, k, v, W, block)
    assert seen.numbers == max(T * d, block * (block + W - 1))
    mask = ref.sliding_window_mask(T, W)
    masked = cost.peak_memory_mb(lambda: ref.masked_softmax(q @ k.mT / 8.0, mask) @ v)
    windowed = cost.peak_memory_mb(lambda: ref.sliding_window_attention(q, k, v, W, block))
    assert masked == pytest.approx(4 * T * T * 4 / 2**20, rel=0.01)  # four T x T float32 matrices at once
    assert windowed < masked / 16


def test_the_count_of_scores_the_notebook_prints():
    T, W, block = 2048, 128, 128
    computed = sum((min(s + block, T) - s) * (min(s + block, T) - max(0, s - W + 1)) for s in range(0, T, block))
    assert computed == 505_984 and computed / T**2 == pytest.approx(1 / 8, abs=0.005)  # "about an eighth"


# --- the copies that recognise mistakes, with nothing changed, are the references


def cases(ex_id):
    return exercises.get(ex_id).make_cases(torch.Generator().manual_seed(11))


def expected(ex_id, case):
    with torch.no_grad():
        return running.call(exercises.get(ex_id), exercises.get(ex_id).reference, running.fresh(case.inputs), case)


def test_the_copies_are_the_references():
    for case in cases("8.1"):
        if not whole_module.is_whole_module_case(case):  # the gradients' case: tests/test_checks.py
            torch.testing.assert_close(lesson08._rope(*case.inputs), expected("8.1", case))
    for case in cases("8.2"):
        if not whole_module.is_whole_module_case(case):
            torch.testing.assert_close(lesson08._rope_attention(*case.inputs), expected("8.2", case))
    for case in cases("8.4"):
        if whole_module.is_whole_module_case(case):  # gradients and instances: tests/test_checks.py
            continue
        if running.LAST_WEIGHTS in case.tags:
            X, mask, _ = case.inputs
            weights = ref.masked_softmax(lesson08._gqa_scores(case.init, case.params, X, mask), ref.heads_mask(mask))
            torch.testing.assert_close(weights, expected("8.4", case))
        else:
            torch.testing.assert_close(lesson08._gqa(case.init, case.params, *case.inputs), expected("8.4", case))
    for case in cases("8.6"):
        T, w = case.inputs
        assert torch.equal(lesson08._band(T, w, lambda i, w: i - w + 1, lambda i, w: i), expected("8.6", case))


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_each_wrong_answer_is_named_the_same_on_the_graders_fresh_draws(seed):
    """tests/test_checks.py asserts each key on the notebook's cases (seed 0); the grader draws
    fresh ones, where two variants must not come out equal on the first case they fail."""
    for ex_id, wrong, key, _ in mistakes_08.MISTAKES:
        result = evaluate(ex_id, wrong, seed=seed)
        assert (result.status, result.mistake) == (FAILED, key), (wrong.__name__, result.report())


# --- the checks


def test_every_mistake_the_lesson_declares_has_a_wrong_answer_in_its_mistakes_file():
    caught = {(ex_id, key) for ex_id, _, key, _ in mistakes_08.MISTAKES}
    declared = {(ex.id, m.key) for ex in exercises.for_notebook("08") for m in ex.mistakes}
    assert declared - caught == set()


def test_most_of_the_lessons_wrong_answers_are_told_their_mistake_by_name():
    generic = {"values", "shape", "raised", "non-finite", "check-error", "not-a-tensor", "returned-none"}
    keys = [m[2] for m in mistakes_08.MISTAKES]
    assert sum(k not in generic for k in keys) / len(keys) >= 0.85


@pytest.mark.parametrize("ex_id", [ex.id for ex in exercises.for_notebook("08")])
def test_garbage_is_explained(ex_id):
    ex = exercises.get(ex_id)
    assert evaluate(ex_id, None).mistake == f"not-a-{'class' if ex.module else 'function'}"
    if ex.module:

        class Nothing(torch.nn.Module):
            def __init__(self, *sizes):
                super().__init__()
                mine = ex.reference(*sizes)
                for name, layer in mine.named_children():
                    setattr(self, name, layer)
                self.last_weights = torch.zeros(1)

            def forward(self, X, mask=None):
                return None

        answers = {"returned-none": Nothing}
    else:
        answers = {
            "returned-none": lambda *args: None,
            "not-a-tensor": lambda *args: [1.0, 2.0],
            "raised": lambda *args: math.sqrt(-1),
        }
    for key, answer in answers.items():
        result = evaluate(ex_id, answer)
        assert (result.status, result.mistake) == (FAILED, key), result.report()
        assert "Traceback" not in result.report()


def test_the_benchmarks_measured_cache_meets_its_target_on_a_small_model():
    from helpers import llm_cost

    lines = llm_cost.measured_cache(T=64, layers=2, D=32, H=4)
    assert len(lines) == 4 and all(line.endswith("ok)") for line in lines[1:]), lines
    assert "64.00 GiB at 128K" in llm_cost.cache_figures()[1]
