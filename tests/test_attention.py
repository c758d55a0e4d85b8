"""The reference implementations agree with PyTorch's own."""

import pytest
import torch
import torch.nn.functional as F

from helpers import attention as ref

gen = torch.Generator().manual_seed(0)


def test_pairwise_scores_matches_a_loop_and_einsum():
    X = torch.randn(2, 5, 3, generator=gen)
    expected = torch.einsum("btd,bsd->bts", X, X)
    torch.testing.assert_close(ref.pairwise_scores(X), expected)
    torch.testing.assert_close(ref.pairwise_scores(X[0]), torch.stack([X[0] @ x for x in X[0]]))


def test_stable_softmax_matches_torch_softmax_including_huge_scores():
    for scores in (torch.randn(4, 7, generator=gen), torch.randn(2, 3, 5, generator=gen) * 500 + 1000):
        got = ref.stable_softmax(scores)
        torch.testing.assert_close(got, torch.softmax(scores, dim=-1))
        assert torch.isfinite(got).all()


def test_stable_softmax_leaves_its_input_alone():
    scores = torch.randn(3, 4, generator=gen)
    before = scores.clone()
    ref.stable_softmax(scores)
    assert torch.equal(scores, before)


def test_simple_self_attention_is_sdpa_with_unit_scale():
    X = torch.randn(3, 6, 4, generator=gen)
    torch.testing.assert_close(ref.simple_self_attention(X), F.scaled_dot_product_attention(X, X, X, scale=1.0))


def test_attention_weights_rows_sum_to_one_and_sentences_stay_apart():
    X = torch.randn(3, 6, 4, generator=gen)
    weights = ref.attention_weights(X)
    torch.testing.assert_close(weights.sum(dim=-1), torch.ones(3, 6))
    changed = X.clone()
    changed[1] += 5.0  # change one sentence: the others' outputs must not move
    out, out_changed = ref.simple_self_attention(X), ref.simple_self_attention(changed)
    torch.testing.assert_close(out[[0, 2]], out_changed[[0, 2]])
    assert not torch.allclose(out[1], out_changed[1])


def test_multi_head_attention_matches_torch_with_masks():
    torch.manual_seed(0)
    ours = ref.MultiHeadAttention(12, 3)
    theirs = ref.to_torch_mha(ours)
    X = torch.randn(3, 5, 12, generator=gen)
    pad = ref.padding_mask(torch.tensor([5, 3, 1]), 5)
    with torch.no_grad():
        torch.testing.assert_close(ours(X, pad), theirs(X, X, X, key_padding_mask=~pad[:, 0, :], need_weights=False)[0])
        torch.testing.assert_close(ours(X, ref.causal_mask(5)), theirs(X, X, X, attn_mask=~ref.causal_mask(5))[0])
    assert ours.last_weights.shape == (3, 3, 5, 5)


def test_multi_head_attention_says_both_numbers_when_not_divisible():
    with pytest.raises(ValueError, match=r"embed_size \(10\) must be divisible by num_heads \(3\)"):
        ref.MultiHeadAttention(10, 3)


def test_masked_softmax_gives_zeros_for_fully_masked_rows_like_sdpa():
    scores = torch.randn(1, 3, 3, generator=gen)
    mask = torch.tensor([[[True, False, True], [False, False, False], [True, True, True]]])
    eye = torch.eye(3)[None]  # with k = I, q kᵀ is the scores; with v = I, the output is the weights
    torch.testing.assert_close(
        ref.masked_softmax(scores, mask), F.scaled_dot_product_attention(scores, eye, eye, attn_mask=mask, scale=1.0)
    )
    assert torch.equal(ref.masked_softmax(scores, mask)[0, 1], torch.zeros(3))


@pytest.mark.parametrize("S, block", [(10, 4), (12, 4), (7, 7), (5, 1)])
def test_online_softmax_matches_softmax(S, block):
    scores = torch.randn(3, S, generator=gen) * 30 + torch.arange(S)
    torch.testing.assert_close(ref.online_softmax(scores, block), torch.softmax(scores, dim=-1))


@pytest.mark.parametrize("T, block", [(4096, 128), (13, 5), (8, 8)])
def test_chunked_attention_matches_sdpa_to_1e_5(T, block):
    q, k, v = (torch.randn(1, T, 64, generator=gen) for _ in range(3))
    with torch.no_grad():
        torch.testing.assert_close(
            ref.chunked_attention(q, k, v, block), F.scaled_dot_product_attention(q, k, v), atol=1e-5, rtol=1e-5
        )


def test_reversal_model_uses_positions_and_bag_of_tokens_does_not():
    torch.manual_seed(0)
    tokens = torch.randint(0, 10, (2, 6), generator=gen)
    perm = torch.tensor([5, 3, 1, 0, 2, 4])
    with torch.no_grad():
        assert ref.is_permutation_equivariant(ref.BagOfTokens(10, 6, 8, 2), tokens, perm)
        assert not ref.is_permutation_equivariant(ref.ReversalModel(10, 6, 8, 2), tokens, perm)
    assert ref.ideal_keys(4).tolist() == [3, 2, 1, 0]


def test_attention_dropout_keeps_each_weight_s_expected_value_and_does_nothing_in_evaluation():
    q, k = torch.randn(2, 3, 6, 4, generator=gen), torch.randn(2, 3, 6, 4, generator=gen)
    eye = torch.eye(6).expand(2, 3, 6, 6)  # the output is the weights
    plain = ref.attention_from_qkv(q, k, eye)
    assert torch.equal(ref.attention_with_dropout(q, k, eye, 0.3, training=False), plain)
    torch.manual_seed(0)
    many = (x.expand(4000, *x.shape) for x in (q, k, eye))
    dropped = ref.attention_with_dropout(*many, 0.3, training=True)  # (4000, 2, 3, 6, 6): 4000 draws
    kept = dropped != 0
    assert abs(float((~kept).float().mean()) - 0.3) < 0.005
    torch.testing.assert_close(dropped[kept], (plain / 0.7).expand_as(dropped)[kept])
    assert float((dropped.mean(dim=0) - plain).abs().max()) < 0.03


def test_without_positions_the_right_key_gets_about_1_over_T_though_the_weights_are_not_even():
    """Lesson 05's claim, measured as its notebook measures it (whose output nbval cannot
    compare, training being timed): trained without positions, the weight on the right key
    averages about 1/T, and that is all it says, since each row's largest weight is far above 1/T."""
    from helpers.training import reversal_batch, train_reversal

    V, T, D, H = 10, 8, 32, 2  # the notebook's sizes
    torch.manual_seed(0)
    bag = ref.BagOfTokens(V, T, D, H)
    train_reversal(bag, vocab_size=V, seq_len=T, seed=0, progress=False)
    tokens, _ = reversal_batch(torch.Generator().manual_seed(1234), 1000, T, V)
    with torch.no_grad():
        bag(tokens)
    weights = bag.attention.last_weights  # (B, H, T, T)
    on_target = (weights * F.one_hot(ref.ideal_keys(T), T).float()).sum(dim=-1).mean(dim=(0, 2))  # (H,)
    largest = weights.amax(dim=-1).mean(dim=(0, 2))  # (H,)
    assert torch.allclose(on_target, torch.full((H,), 1 / T), atol=0.02), on_target
    assert (largest > 1.5 / T).all(), largest
