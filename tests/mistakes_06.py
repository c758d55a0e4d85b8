"""Wrong answers to lesson 06's exercises, written the way students write them.
Each entry of MISTAKES: (exercise id, wrong answer, mistake key, phrase of its message)."""

import math

import torch


def online_no_rescale(scores, block):
    m = torch.full(scores.shape[:-1] + (1,), float("-inf"))
    s = torch.zeros(scores.shape[:-1] + (1,))
    for start in range(0, scores.shape[-1], block):
        chunk = scores[..., start : start + block]
        m = torch.maximum(m, chunk.amax(dim=-1, keepdim=True))
        s = s + torch.exp(chunk - m).sum(dim=-1, keepdim=True)  # forgets that m may have grown
    return torch.exp(scores - m) / s


def online_per_block(scores, block):
    parts = [torch.softmax(scores[..., i : i + block], dim=-1) for i in range(0, scores.shape[-1], block)]
    return torch.cat(parts, dim=-1)


def online_drops_last_block(scores, block):
    m = torch.full(scores.shape[:-1] + (1,), float("-inf"))
    s = torch.zeros(scores.shape[:-1] + (1,))
    for b in range(scores.shape[-1] // block):  # the short last block never comes
        chunk = scores[..., b * block : (b + 1) * block]
        m_new = torch.maximum(m, chunk.amax(dim=-1, keepdim=True))
        s = s * torch.exp(m - m_new) + torch.exp(chunk - m_new).sum(dim=-1, keepdim=True)
        m = m_new
    return torch.exp(scores - m) / s


def online_zero_start(scores, block):
    m = torch.zeros(scores.shape[:-1] + (1,))  # "the maximum is at least 0"
    s = torch.zeros(scores.shape[:-1] + (1,))
    for start in range(0, scores.shape[-1], block):
        chunk = scores[..., start : start + block]
        m_new = torch.maximum(m, chunk.amax(dim=-1, keepdim=True))
        s = s * torch.exp(m - m_new) + torch.exp(chunk - m_new).sum(dim=-1, keepdim=True)
        m = m_new
    return torch.exp(scores - m) / s


def online_forgets_max(scores, block):
    m = torch.full(scores.shape[:-1] + (1,), float("-inf"))
    s = torch.zeros(scores.shape[:-1] + (1,))
    for start in range(0, scores.shape[-1], block):
        chunk = scores[..., start : start + block]
        m_new = chunk.amax(dim=-1, keepdim=True)  # this block's maximum only
        s = s * torch.exp(m - m_new) + torch.exp(chunk - m_new).sum(dim=-1, keepdim=True)
        m = m_new
    return torch.exp(scores - m) / s


def online_rescale_upside_down(scores, block):
    m = torch.full(scores.shape[:-1] + (1,), float("-inf"))
    s = torch.zeros(scores.shape[:-1] + (1,))
    for start in range(0, scores.shape[-1], block):
        chunk = scores[..., start : start + block]
        m_new = torch.maximum(m, chunk.amax(dim=-1, keepdim=True))
        s = s * torch.exp(m_new - m) + torch.exp(chunk - m_new).sum(dim=-1, keepdim=True)
        m = m_new
    return torch.exp(scores - m) / s


def online_forgets_to_divide(scores, block):
    m = torch.full(scores.shape[:-1] + (1,), float("-inf"))
    for start in range(0, scores.shape[-1], block):
        m = torch.maximum(m, scores[..., start : start + block].amax(dim=-1, keepdim=True))
    return torch.exp(scores - m)


def chunked_not_chunked(q, k, v, block):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])  # the whole (T, T) matrix, block unused
    return torch.softmax(scores, dim=-1) @ v


def chunked_keeps_every_block(q, k, v, block):
    q = q / math.sqrt(q.shape[-1])
    blocks = [q @ k[..., start : start + block, :].transpose(-2, -1) for start in range(0, k.shape[-2], block)]
    return torch.softmax(torch.cat(blocks, dim=-1), dim=-1) @ v


def chunked_max_starts_at_zero(q, k, v, block):
    q = q / math.sqrt(q.shape[-1])
    m = torch.zeros(q.shape[:-1] + (1,))  # not -inf: m never drops below 0
    s = torch.zeros(q.shape[:-1] + (1,))
    out = torch.zeros(q.shape[:-1] + (v.shape[-1],))
    for start in range(0, k.shape[-2], block):
        scores = q @ k[..., start : start + block, :].transpose(-2, -1)
        m_new = torch.maximum(m, scores.amax(dim=-1, keepdim=True))
        rescale = torch.exp(m - m_new)
        exps = torch.exp(scores - m_new)
        s = s * rescale + exps.sum(dim=-1, keepdim=True)
        out = out * rescale + exps @ v[..., start : start + block, :]
        m = m_new
    return out / s


def chunked_v_sliced_on_d(q, k, v, block):
    q = q / math.sqrt(q.shape[-1])
    m = torch.full(q.shape[:-1] + (1,), float("-inf"))
    s = torch.zeros(q.shape[:-1] + (1,))
    out = torch.zeros(q.shape[:-1] + (v.shape[-1],))
    for start in range(0, k.shape[-2], block):
        scores = q @ k[..., start : start + block, :].transpose(-2, -1)
        m_new = torch.maximum(m, scores.amax(dim=-1, keepdim=True))
        rescale = torch.exp(m - m_new)
        exps = torch.exp(scores - m_new)
        s = s * rescale + exps.sum(dim=-1, keepdim=True)
        out = out * rescale + exps @ v[..., start : start + block]  # the features, not the tokens
        m = m_new
    return out / s


def chunked_out_not_rescaled(q, k, v, block):
    q = q / math.sqrt(q.shape[-1])
    m = torch.full(q.shape[:-1] + (1,), float("-inf"))
    s = torch.zeros(q.shape[:-1] + (1,))
    out = torch.zeros_like(q)
    for start in range(0, k.shape[-2], block):
        scores = q @ k[..., start : start + block, :].transpose(-2, -1)
        m_new = torch.maximum(m, scores.amax(dim=-1, keepdim=True))
        exps = torch.exp(scores - m_new)
        s = s * torch.exp(m - m_new) + exps.sum(dim=-1, keepdim=True)
        out = out + exps @ v[..., start : start + block, :]  # the running output keeps the old scale
        m = m_new
    return out / s


def chunked_unscaled(q, k, v, block):
    m = torch.full(q.shape[:-1] + (1,), float("-inf"))
    s = torch.zeros(q.shape[:-1] + (1,))
    out = torch.zeros_like(q)
    for start in range(0, k.shape[-2], block):
        scores = q @ k[..., start : start + block, :].transpose(-2, -1)
        m_new = torch.maximum(m, scores.amax(dim=-1, keepdim=True))
        exps = torch.exp(scores - m_new)
        s = s * torch.exp(m - m_new) + exps.sum(dim=-1, keepdim=True)
        out = out * torch.exp(m - m_new) + exps @ v[..., start : start + block, :]
        m = m_new
    return out / s


def chunked_float64(q, k, v, block):
    q = q / math.sqrt(q.shape[-1])
    m = torch.full(q.shape[:-1] + (1,), float("-inf"))
    s = torch.zeros(q.shape[:-1] + (1,), dtype=torch.float64)  # "a long sum wants float64"
    out = torch.zeros(q.shape[:-1] + (v.shape[-1],), dtype=torch.float64)
    for start in range(0, k.shape[-2], block):
        scores = q @ k[..., start : start + block, :].transpose(-2, -1)
        m_new = torch.maximum(m, scores.amax(dim=-1, keepdim=True))
        exps = torch.exp(scores - m_new)
        s = s * torch.exp(m - m_new) + exps.sum(dim=-1, keepdim=True)
        out = out * torch.exp(m - m_new) + exps @ v[..., start : start + block, :]
        m = m_new
    return out / s


def online_new_block_with_old_max(scores, block):
    m = torch.full(scores.shape[:-1] + (1,), float("-inf"))
    s = torch.zeros(scores.shape[:-1] + (1,))
    for start in range(0, scores.shape[-1], block):
        chunk = scores[..., start : start + block]
        m_new = torch.maximum(m, chunk.amax(dim=-1, keepdim=True))
        s = s * torch.exp(m - m_new) + torch.exp(chunk - m).sum(dim=-1, keepdim=True)
        m = m_new
    return torch.exp(scores - m) / s


def online_one_max_for_all(scores, block):
    m = torch.tensor(float("-inf"))
    s = torch.zeros(scores.shape[:-1] + (1,))
    for start in range(0, scores.shape[-1], block):
        chunk = scores[..., start : start + block]
        m_new = torch.maximum(m, chunk.max())
        s = s * torch.exp(m - m_new) + torch.exp(chunk - m_new).sum(dim=-1, keepdim=True)
        m = m_new
    return torch.exp(scores - m) / s


def chunked_sum_not_rescaled(q, k, v, block):
    q = q / math.sqrt(q.shape[-1])
    m = torch.full(q.shape[:-1] + (1,), float("-inf"))
    s = torch.zeros(q.shape[:-1] + (1,))
    out = torch.zeros_like(q)
    for start in range(0, k.shape[-2], block):
        scores = q @ k[..., start : start + block, :].transpose(-2, -1)
        m_new = torch.maximum(m, scores.amax(dim=-1, keepdim=True))
        exps = torch.exp(scores - m_new)
        s = s + exps.sum(dim=-1, keepdim=True)
        out = out * torch.exp(m - m_new) + exps @ v[..., start : start + block, :]
        m = m_new
    return out / s


def chunked_not_divided(q, k, v, block):
    q = q / math.sqrt(q.shape[-1])
    m = torch.full(q.shape[:-1] + (1,), float("-inf"))
    out = torch.zeros_like(q)
    for start in range(0, k.shape[-2], block):
        scores = q @ k[..., start : start + block, :].transpose(-2, -1)
        m_new = torch.maximum(m, scores.amax(dim=-1, keepdim=True))
        out = out * torch.exp(m - m_new) + torch.exp(scores - m_new) @ v[..., start : start + block, :]
        m = m_new
    return out


def chunked_divided_by_d(q, k, v, block):
    q = q / q.shape[-1]
    m = torch.full(q.shape[:-1] + (1,), float("-inf"))
    s = torch.zeros(q.shape[:-1] + (1,))
    out = torch.zeros_like(q)
    for start in range(0, k.shape[-2], block):
        scores = q @ k[..., start : start + block, :].transpose(-2, -1)
        m_new = torch.maximum(m, scores.amax(dim=-1, keepdim=True))
        exps = torch.exp(scores - m_new)
        s = s * torch.exp(m - m_new) + exps.sum(dim=-1, keepdim=True)
        out = out * torch.exp(m - m_new) + exps @ v[..., start : start + block, :]
        m = m_new
    return out / s


def chunked_no_rescale(q, k, v, block):
    q = q / math.sqrt(q.shape[-1])
    m = torch.full(q.shape[:-1] + (1,), float("-inf"))
    s = torch.zeros(q.shape[:-1] + (1,))
    out = torch.zeros_like(q)
    for start in range(0, k.shape[-2], block):
        scores = q @ k[..., start : start + block, :].transpose(-2, -1)
        m = torch.maximum(m, scores.amax(dim=-1, keepdim=True))
        exps = torch.exp(scores - m)
        s = s + exps.sum(dim=-1, keepdim=True)
        out = out + exps @ v[..., start : start + block, :]
    return out / s


def chunked_per_block(q, k, v, block):
    out = torch.zeros_like(q)
    for start in range(0, k.shape[-2], block):
        scores = q @ k[..., start : start + block, :].transpose(-2, -1) / math.sqrt(q.shape[-1])
        out = out + torch.softmax(scores, dim=-1) @ v[..., start : start + block, :]
    return out


def chunked_drops_last_block(q, k, v, block):
    q = q / math.sqrt(q.shape[-1])
    m = torch.full(q.shape[:-1] + (1,), float("-inf"))
    s = torch.zeros(q.shape[:-1] + (1,))
    out = torch.zeros_like(q)
    for start in range(0, k.shape[-2] - block + 1, block):
        scores = q @ k[..., start : start + block, :].transpose(-2, -1)
        m_new = torch.maximum(m, scores.amax(dim=-1, keepdim=True))
        exps = torch.exp(scores - m_new)
        s = s * torch.exp(m - m_new) + exps.sum(dim=-1, keepdim=True)
        out = out * torch.exp(m - m_new) + exps @ v[..., start : start + block, :]
        m = m_new
    return out / s


# --- named from their outcomes (issue 11's second round)


def chunked_rescale_upside_down(q, k, v, block):
    q = q / math.sqrt(q.shape[-1])
    m = torch.full(q.shape[:-1] + (1,), float("-inf"))
    s = torch.zeros(q.shape[:-1] + (1,))
    out = torch.zeros(q.shape[:-1] + (v.shape[-1],))
    for start in range(0, k.shape[-2], block):
        scores = q @ k[..., start : start + block, :].transpose(-2, -1)
        m_new = torch.maximum(m, scores.amax(dim=-1, keepdim=True))
        factor = torch.where(torch.isinf(m), torch.zeros_like(m), torch.exp(m_new - m))  # upside down
        exps = torch.exp(scores - m_new)
        s = s * factor + exps.sum(dim=-1, keepdim=True)
        out = out * factor + exps @ v[..., start : start + block, :]
        m = m_new
    return out / s


def chunked_max_updated_first(q, k, v, block):
    q = q / math.sqrt(q.shape[-1])
    m = torch.full(q.shape[:-1] + (1,), float("-inf"))
    s = torch.zeros(q.shape[:-1] + (1,))
    out = torch.zeros(q.shape[:-1] + (v.shape[-1],))
    for start in range(0, k.shape[-2], block):
        scores = q @ k[..., start : start + block, :].transpose(-2, -1)
        m_new = torch.maximum(m, scores.amax(dim=-1, keepdim=True))
        m = m_new  # too early: the factor below is then exp(0)
        rescale = torch.exp(m - m_new)
        exps = torch.exp(scores - m_new)
        s = s * rescale + exps.sum(dim=-1, keepdim=True)
        out = out * rescale + exps @ v[..., start : start + block, :]
    return out / s


def chunked_whole_v(q, k, v, block):
    q = q / math.sqrt(q.shape[-1])
    m = torch.full(q.shape[:-1] + (1,), float("-inf"))
    s = torch.zeros(q.shape[:-1] + (1,))
    out = torch.zeros(q.shape[:-1] + (v.shape[-1],))
    for start in range(0, k.shape[-2], block):
        scores = q @ k[..., start : start + block, :].transpose(-2, -1)
        m_new = torch.maximum(m, scores.amax(dim=-1, keepdim=True))
        rescale = torch.exp(m - m_new)
        exps = torch.exp(scores - m_new)
        s = s * rescale + exps.sum(dim=-1, keepdim=True)
        out = out * rescale + exps @ v
        m = m_new
    return out / s


def online_amax_without_keepdim(scores, block):
    m = torch.full(scores.shape[:-1] + (1,), float("-inf"))
    s = torch.zeros(scores.shape[:-1] + (1,))
    for start in range(0, scores.shape[-1], block):
        chunk = scores[..., start : start + block]
        m_new = torch.maximum(m, chunk.amax(dim=-1))
        s = s * torch.exp(m - m_new) + torch.exp(chunk - m_new).sum(dim=-1, keepdim=True)
        m = m_new
    return torch.exp(scores - m) / s


def online_final_without_shift(scores, block):
    m = torch.full(scores.shape[:-1] + (1,), float("-inf"))
    s = torch.zeros(scores.shape[:-1] + (1,))
    for start in range(0, scores.shape[-1], block):
        chunk = scores[..., start : start + block]
        m_new = torch.maximum(m, chunk.amax(dim=-1, keepdim=True))
        s = s * torch.exp(m - m_new) + torch.exp(chunk - m_new).sum(dim=-1, keepdim=True)
        m = m_new
    return torch.exp(scores) / s


def online_state_without_axis(scores, block):
    m = torch.full(scores.shape[:-1], float("-inf"))
    s = torch.zeros(scores.shape[:-1])
    for start in range(0, scores.shape[-1], block):
        chunk = scores[..., start : start + block]
        m_new = torch.maximum(m, chunk.amax(dim=-1))
        s = s * torch.exp(m - m_new) + torch.exp(chunk - m_new).sum(dim=-1)
        m = m_new
    return torch.exp(scores - m) / s


def online_slices_axis_1(scores, block):
    m = torch.full(scores.shape[:-1] + (1,), float("-inf"))
    s = torch.zeros(scores.shape[:-1] + (1,))
    for start in range(0, scores.shape[-1], block):
        chunk = scores[:, start : start + block]
        m_new = torch.maximum(m, chunk.amax(dim=-1, keepdim=True))
        s = s * torch.exp(m - m_new) + torch.exp(chunk - m_new).sum(dim=-1, keepdim=True)
        m = m_new
    return torch.exp(scores - m) / s


# --- named from the fourth independent set (a development set): each class of mistake in code of our own


def online_blocks_of_rows(scores, block):
    m = torch.full(scores.shape[:-1] + (1,), float("-inf"))
    s = torch.zeros(scores.shape[:-1] + (1,))
    for i in range(0, scores.shape[-1], block):
        part = scores[i : i + block]  # the first axis
        top = torch.maximum(m, part.amax(dim=-1, keepdim=True))
        s = s * (m - top).exp() + (part - top).exp().sum(dim=-1, keepdim=True)
        m = top
    return (scores - m).exp() / s


def online_rescaled_after_adding(scores, block):
    m = torch.full(scores.shape[:-1] + (1,), float("-inf"))
    s = torch.zeros(scores.shape[:-1] + (1,))
    for i in range(0, scores.shape[-1], block):
        part = scores[..., i : i + block]
        top = torch.maximum(m, part.amax(dim=-1, keepdim=True))
        s += (part - top).exp().sum(dim=-1, keepdim=True)
        s *= (m - top).exp()
        m = top
    return (scores - m).exp() / s


def chunked_factor_upside_down_nan(q, k, v, block):
    q = q / math.sqrt(q.shape[-1])
    best = torch.full(q.shape[:-1] + (1,), float("-inf"))
    total = torch.zeros(q.shape[:-1] + (1,))
    acc = torch.zeros(q.shape[:-1] + (v.shape[-1],))
    for i in range(0, k.shape[-2], block):
        sc = q @ k[..., i : i + block, :].mT
        top = torch.maximum(best, sc.amax(dim=-1, keepdim=True))
        grow = (top - best).exp()  # inf on the first block, and 0 * inf is NaN
        e = (sc - top).exp()
        total = total * grow + e.sum(-1, keepdim=True)
        acc = acc * grow + e @ v[..., i : i + block, :]
        best = top
    return acc / total


def chunked_old_max_for_the_block(q, k, v, block):
    q = q / math.sqrt(q.shape[-1])
    best = torch.full(q.shape[:-1] + (1,), float("-inf"))
    total = torch.zeros(q.shape[:-1] + (1,))
    acc = torch.zeros(q.shape[:-1] + (v.shape[-1],))
    for i in range(0, k.shape[-2], block):
        sc = q @ k[..., i : i + block, :].mT
        e = (sc - best).exp()
        top = torch.maximum(best, sc.amax(dim=-1, keepdim=True))
        shrink = (best - top).exp()
        total = total * shrink + e.sum(-1, keepdim=True)
        acc = acc * shrink + e @ v[..., i : i + block, :]
        best = top
    return acc / total


def chunked_divides_every_block(q, k, v, block):
    q = q / math.sqrt(q.shape[-1])
    best = torch.full(q.shape[:-1] + (1,), float("-inf"))
    total = torch.zeros(q.shape[:-1] + (1,))
    acc = torch.zeros(q.shape[:-1] + (v.shape[-1],))
    for i in range(0, k.shape[-2], block):
        sc = q @ k[..., i : i + block, :].mT
        top = torch.maximum(best, sc.amax(dim=-1, keepdim=True))
        shrink = (best - top).exp()
        e = (sc - top).exp()
        total = total * shrink + e.sum(-1, keepdim=True)
        acc = (acc * shrink + e @ v[..., i : i + block, :]) / total
        best = top
    return acc


def chunked_mean_of_block_softmaxes(q, k, v, block):
    q = q / math.sqrt(q.shape[-1])
    parts = [torch.softmax(q @ k[:, i : i + block].mT, -1) @ v[:, i : i + block] for i in range(0, k.shape[1], block)]
    return torch.stack(parts).mean(dim=0)


def chunked_blocks_one_key_short(q, k, v, block):
    q = q / math.sqrt(q.shape[-1])
    m = torch.full(q.shape[:-1] + (1,), float("-inf"))
    s = torch.zeros(q.shape[:-1] + (1,))
    out = torch.zeros(q.shape[:-1] + (v.shape[-1],))
    for i in range(0, k.shape[1], block):
        stop = i + block - 1  # the last index of the block, which the slice then leaves out
        sc = q @ k[:, i:stop].mT
        top = torch.maximum(m, sc.amax(dim=-1, keepdim=True))
        shrink = (m - top).exp()
        e = (sc - top).exp()
        s, out, m = s * shrink + e.sum(-1, keepdim=True), out * shrink + e @ v[:, i:stop], top
    return out / s


def chunked_blocks_of_sentences(q, k, v, block):
    q = q / math.sqrt(q.shape[-1])
    m = torch.full(q.shape[:-1] + (1,), float("-inf"))
    s = torch.zeros(q.shape[:-1] + (1,))
    out = torch.zeros(q.shape[:-1] + (v.shape[-1],))
    for i in range(0, k.shape[1], block):
        kb, vb = k[i : i + block], v[i : i + block]
        sc = q @ kb.mT
        top = torch.maximum(m, sc.amax(dim=-1, keepdim=True))
        shrink = (m - top).exp()
        e = (sc - top).exp()
        s, out, m = s * shrink + e.sum(-1, keepdim=True), out * shrink + e @ vb, top
    return out / s


def online_max_never_stored(scores, block):
    m = torch.full(scores.shape[:-1] + (1,), float("-inf"))
    s = torch.zeros(scores.shape[:-1] + (1,))
    for i in range(0, scores.shape[-1], block):
        part = scores[..., i : i + block]
        m_new = torch.maximum(m, part.amax(dim=-1, keepdim=True))
        s = s * torch.exp(m - m_new) + torch.exp(part - m_new).sum(dim=-1, keepdim=True)
    return torch.exp(scores - m_new) / s


def online_blocks_one_short(scores, block):
    m = torch.full(scores.shape[:-1] + (1,), float("-inf"))
    s = torch.zeros(scores.shape[:-1] + (1,))
    for i in range(0, scores.shape[-1], block):
        part = scores[..., i : i + block - 1]
        if part.shape[-1]:
            m_new = torch.maximum(m, part.amax(dim=-1, keepdim=True))
            s = s * torch.exp(m - m_new) + torch.exp(part - m_new).sum(dim=-1, keepdim=True)
            m = m_new
    return torch.exp(scores - m) / s


def chunked_max_never_stored(q, k, v, block):
    q = q / math.sqrt(q.shape[-1])
    m = torch.full(q.shape[:-1] + (1,), float("-inf"))
    s = torch.zeros(q.shape[:-1] + (1,))
    out = torch.zeros(q.shape[:-1] + (v.shape[-1],))
    for i in range(0, k.shape[-2], block):
        sc = q @ k[..., i : i + block, :].mT
        m_new = torch.maximum(m, sc.amax(dim=-1, keepdim=True))
        e = torch.exp(sc - m_new)
        s = s * torch.exp(m - m_new) + e.sum(-1, keepdim=True)
        out = out * torch.exp(m - m_new) + e @ v[..., i : i + block, :]
    return out / s


def online_starts_with_a_phantom_score(scores, block):
    m = torch.zeros(scores.shape[:-1] + (1,))
    s = torch.ones(scores.shape[:-1] + (1,))
    for i in range(0, scores.shape[-1], block):
        part = scores[..., i : i + block]
        m_new = torch.maximum(m, part.amax(dim=-1, keepdim=True))
        s = s * torch.exp(m - m_new) + torch.exp(part - m_new).sum(dim=-1, keepdim=True)
        m = m_new
    return torch.exp(scores - m) / s


def chunked_one_max_for_the_batch(q, k, v, block):  # one number tracks the maximum of every query
    q = q * q.shape[-1] ** -0.5
    biggest = torch.tensor(float("-inf"))
    total = torch.zeros(q.shape[0], q.shape[1], 1)
    acc = torch.zeros(q.shape[0], q.shape[1], v.shape[-1])
    for i in range(0, k.shape[1], block):
        sc = q @ k[:, i : i + block].transpose(1, 2)
        new_biggest = torch.maximum(biggest, sc.max())
        shrink = torch.exp(biggest - new_biggest)
        e = torch.exp(sc - new_biggest)
        total = total * shrink + e.sum(-1, keepdim=True)
        acc = acc * shrink + e @ v[:, i : i + block]
        biggest = new_biggest
    return acc / total


def chunked_one_max_per_sentence(q, k, v, block):  # the maximum over a sentence's queries and keys together
    q = q / math.sqrt(q.shape[-1])
    m = torch.full((q.shape[0], 1, 1), float("-inf"))
    s = torch.zeros(q.shape[:-1] + (1,))
    out = torch.zeros(q.shape[:-1] + (v.shape[-1],))
    for i in range(0, k.shape[-2], block):
        scores = q @ k[:, i : i + block].mT
        m_new = torch.maximum(m, scores.amax(dim=(-2, -1), keepdim=True))
        factor = torch.exp(m - m_new)
        exps = torch.exp(scores - m_new)
        s = s * factor + exps.sum(-1, keepdim=True)
        out = out * factor + exps @ v[:, i : i + block]
        m = m_new
    return out / s


def online_plain_softmax(scores, block):  # the right numbers, never in blocks
    return torch.softmax(scores, dim=-1)


def online_sum_over_the_row(scores, block):  # the maximum in blocks, the sum over whole rows
    m = torch.full(scores.shape[:-1] + (1,), float("-inf"))
    for start in range(0, scores.shape[-1], block):
        m = torch.maximum(m, scores[..., start : start + block].amax(dim=-1, keepdim=True))
    exps = torch.exp(scores - m)
    return exps / exps.sum(dim=-1, keepdim=True)


MISTAKES = [
    ("6.1", online_final_without_shift, "final-no-shift", "takes exp(scores) without the running maximum"),
    ("6.1", online_state_without_axis, "state-without-axis", "scores.shape[:-1] + (1,)"),
    ("6.1", online_slices_axis_1, "slices-axis-1", "scores[..., start : start + block]"),
    ("6.1", online_amax_without_keepdim, "lost-keepdim", "amax(dim=-1) has shape (..., ) not (..., 1)"),
    ("6.2", chunked_max_updated_first, "no-rescale", "`m = m_new` comes before `rescale = torch.exp(m - m_new)`"),
    ("6.2", chunked_whole_v, "values-not-sliced", "go with the same block of values"),
    ("6.2", chunked_drops_last_block, "last-block", "Loop over range(0, T, block)"),
    ("6.1", online_no_rescale, "no-rescale", "Multiply the running sum"),
    ("6.1", online_plain_softmax, "not-online", "along whole rows at once, which an online softmax never does"),
    (
        "6.1",
        online_sum_over_the_row,
        "not-online",
        "`return exps / exps.sum(dim=-1, keepdim=True)` takes a maximum, a sum",
    ),
    ("6.1", online_per_block, "per-block", "normalised each block on its own"),
    ("6.1", online_drops_last_block, "last-block", "The last block was skipped"),
    ("6.2", chunked_no_rescale, "no-rescale", "Multiply the running sum"),
    ("6.2", chunked_per_block, "per-block", "normalised each block on its own"),
    ("6.2", chunked_drops_last_block, "last-block", "The last block was skipped"),
    ("6.2", chunked_v_sliced_on_d, "sliced-on-d", "You sliced v on its last axis, d (the features)"),
    ("6.2", chunked_max_starts_at_zero, "max-starts-at-zero", "Your running maximum starts at 0"),
    ("6.2", chunked_one_max_for_the_batch, "global-max", "Keep one running maximum per query"),
    ("6.2", chunked_one_max_per_sentence, "global-max", "a maximum it shares with other queries"),
    ("6.1", online_zero_start, "max-starts-at-zero", "Start m at -inf"),
    ("6.1", online_forgets_max, "max-forgotten", "m_new = torch.maximum(m, block's maximum)"),
    ("6.1", online_rescale_upside_down, "rescale-inverted", "multiply it by exp(m - m_new)"),
    ("6.1", online_forgets_to_divide, "not-divided", "softmax(x) = exp(x - m) / s"),
    ("6.2", chunked_not_chunked, "not-chunked", "never keep or concatenate them all"),
    ("6.2", chunked_keeps_every_block, "not-chunked", "as large as the whole (T, T) score matrix"),
    ("6.2", chunked_out_not_rescaled, "out-not-rescaled", "but not the running output"),
    ("6.2", chunked_unscaled, "no-scaling", "q = q / math.sqrt(q.shape[-1])"),
    (
        "6.2",
        chunked_float64,
        "float64",
        "This line makes float64: `s = torch.zeros(q.shape[:-1] + (1,), dtype=torch.float64)",
    ),
    ("6.1", online_new_block_with_old_max, "block-before-max", "update the maximum first"),
    ("6.1", online_one_max_for_all, "global-max", "Keep one running maximum per row"),
    ("6.2", chunked_sum_not_rescaled, "sum-not-rescaled", "but not the running sum"),
    ("6.2", chunked_not_divided, "not-divided", "return out / s"),
    ("6.2", chunked_divided_by_d, "scale-by-d", "divided by d, not by √d"),
    ("6.2", chunked_rescale_upside_down, "rescale-inverted", "The rescaling factor is upside down"),
    ("6.1", online_blocks_of_rows, "sliced-first-axis", "slices the first axis of scores, its rows"),
    ("6.1", online_rescaled_after_adding, "rescaled-after-adding", "after adding the new block's terms"),
    ("6.2", chunked_factor_upside_down_nan, "rescale-inverted", "0 × inf is NaN"),
    ("6.2", chunked_old_max_for_the_block, "block-before-max", "taken with the old maximum m"),
    ("6.2", chunked_divides_every_block, "normalised-each-block", "in every block"),
    ("6.2", chunked_mean_of_block_softmaxes, "blocks-averaged", "averaged the blocks' outputs"),
    ("6.2", chunked_blocks_one_key_short, "block-one-short", "leaves out the last key of every block"),
    ("6.2", chunked_blocks_of_sentences, "sliced-first-axis", "slices the first axis of k, the sentences"),
    ("6.1", online_max_never_stored, "max-never-kept", "m is never given m_new's value"),
    ("6.1", online_blocks_one_short, "block-one-short", "leaves out the last key of every block"),
    ("6.2", chunked_max_never_stored, "max-never-kept", "only the last block counts"),
    ("6.1", online_starts_with_a_phantom_score, "phantom-score", "You start with m = 0 and s = 1"),
]
