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


MISTAKES = [
    ("6.1", online_no_rescale, "no-rescale", "Multiply the running sum"),
    ("6.1", online_per_block, "per-block", "normalised each block on its own"),
    ("6.1", online_drops_last_block, "last-block", "The last block was skipped"),
    ("6.2", chunked_no_rescale, "no-rescale", "Multiply the running sum"),
    ("6.2", chunked_per_block, "per-block", "normalised each block on its own"),
    ("6.2", chunked_drops_last_block, "last-block", "The last block was skipped"),
]
