"""The reference implementations agree with PyTorch's own."""

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
