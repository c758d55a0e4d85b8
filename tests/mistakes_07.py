"""Wrong answers to lesson 07's exercises, written the way students write them.
Each entry of MISTAKES: (exercise id, wrong answer, mistake key, phrase of its message);
RIGHT: unusual right answers, which must pass."""

import math

import torch
import torch.nn.functional as F

from helpers.attention import CachedSelfAttention as CourseCachedSelfAttention
from helpers.attention import (
    MultiHeadAttention,
    TinyCausalLM,
    append_to_cache,
    attend_with_cache,
    causal_mask,
    masked_attention,
    merge_heads,
    positions_after,
    split_heads,
)

# --- 7.1 appending to the cache


def cat_without_dim(cache, new):  # the bug handed out in 7.1
    if cache is None:
        return new
    return torch.cat([cache, new])


def cat_on_batch(cache, new):
    if cache is None:
        return new
    return torch.cat([cache, new], dim=0)


def cat_on_heads(cache, new):
    if cache is None:
        return new
    return torch.cat([cache, new], dim=1)


def cat_on_last_axis(cache, new):
    if cache is None:
        return new
    return torch.cat([cache, new], dim=-1)


def cat_new_first(cache, new):
    if cache is None:
        return new
    return torch.cat([new, cache], dim=-2)


def cache_forgets(cache, new):
    return new


def cache_without_new(cache, new):
    if cache is None:
        return new
    return cache


def cat_without_none(cache, new):
    return torch.cat([cache, new], dim=-2)


def stacked(cache, new):
    if cache is None:
        return new
    return torch.stack([cache, new], dim=-2)


# --- 7.2 the mask for new queries


def top_left_mask(q, k, v):
    T_new, T_all = q.shape[-2], k.shape[-2]
    mask = torch.ones(T_new, T_all, dtype=torch.bool).tril()  # lesson 03's mask, cut to the new rows' shape
    return masked_attention(q, k, v, mask)


def top_left_for_several(q, k, v):
    T_new, T_all = q.shape[-2], k.shape[-2]
    if T_new == 1:
        return masked_attention(q, k, v)  # right: one query needs no mask
    return masked_attention(q, k, v, torch.ones(T_new, T_all, dtype=torch.bool).tril())


def sdpa_is_causal(q, k, v):
    return F.scaled_dot_product_attention(q, k, v, is_causal=True)


def no_mask(q, k, v):
    return masked_attention(q, k, v)


def mask_of_new_tokens(q, k, v):
    return masked_attention(q, k, v, causal_mask(q.shape[-2]))


def whole_causal_mask(q, k, v):
    return masked_attention(q, k, v, causal_mask(k.shape[-2]))


def cached_keys_hidden(q, k, v):
    T_new, T_all = q.shape[-2], k.shape[-2]
    mask = torch.zeros(T_new, T_all, dtype=torch.bool)
    mask[:, T_all - T_new :] = causal_mask(T_new)  # the new tokens among themselves only
    return masked_attention(q, k, v, mask)


def triu_mask(q, k, v):
    T_new, T_all = q.shape[-2], k.shape[-2]
    return masked_attention(q, k, v, torch.ones(T_new, T_all, dtype=torch.bool).triu())


def mask_after_softmax(q, k, v):
    T_new, T_all = q.shape[-2], k.shape[-2]
    mask = torch.ones(T_new, T_all, dtype=torch.bool).tril(diagonal=T_all - T_new)
    weights = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1]), dim=-1)
    return weights.masked_fill(~mask, 0.0) @ v


def softmax_over_queries(q, k, v):
    T_new, T_all = q.shape[-2], k.shape[-2]
    mask = torch.ones(T_new, T_all, dtype=torch.bool).tril(diagonal=T_all - T_new)
    scores = (q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])).masked_fill(~mask, float("-inf"))
    return torch.softmax(scores, dim=-2) @ v


def unscaled(q, k, v):
    T_new, T_all = q.shape[-2], k.shape[-2]
    mask = torch.ones(T_new, T_all, dtype=torch.bool).tril(diagonal=T_all - T_new)
    return F.scaled_dot_product_attention(q, k, v, attn_mask=mask, scale=1.0)


def mask_diagonal_one_short(q, k, v):
    T_new, T_all = q.shape[-2], k.shape[-2]
    return masked_attention(q, k, v, torch.ones(T_new, T_all, dtype=torch.bool).tril(diagonal=T_all - T_new - 1))


def mask_inverted(q, k, v):
    T_new, T_all = q.shape[-2], k.shape[-2]
    return masked_attention(q, k, v, ~torch.ones(T_new, T_all, dtype=torch.bool).tril(diagonal=T_all - T_new))


def mask_diagonal_the_other_way(q, k, v):
    T_new, T_all = q.shape[-2], k.shape[-2]
    return masked_attention(q, k, v, torch.ones(T_new, T_all, dtype=torch.bool).tril(diagonal=T_new - T_all))


def mask_inverted_for_several(q, k, v):
    T_new, T_all = q.shape[-2], k.shape[-2]
    if T_new == 1:
        return masked_attention(q, k, v)  # right: one query needs no mask
    return masked_attention(q, k, v, ~causal_mask(T_all)[T_all - T_new :])


def attend_detached(q, k, v):  # nothing to train here, I thought
    T_new, T_all = q.shape[-2], k.shape[-2]
    mask = torch.ones(T_new, T_all, dtype=torch.bool).tril(diagonal=T_all - T_new)
    return masked_attention(q.detach(), k.detach(), v, mask)


def always_masked_sdpa(q, k, v):  # right: a mask even for one query, and PyTorch's fused attention
    T_new, T_all = q.shape[-2], k.shape[-2]
    return F.scaled_dot_product_attention(q, k, v, attn_mask=causal_mask(T_all)[T_all - T_new :])


# --- 7.3 an attention layer with a cache


class CachedValuesBeforeProjection(MultiHeadAttention):
    def __init__(self, embed_size, num_heads):
        super().__init__(embed_size, num_heads)
        self.reset_cache()

    def reset_cache(self):
        self.cache_k = None
        self.cache_v = None

    def forward(self, X):
        q = split_heads(self.q_proj(X), self.num_heads)
        self.cache_k = append_to_cache(self.cache_k, split_heads(self.k_proj(X), self.num_heads))
        self.cache_v = append_to_cache(self.cache_v, split_heads(X, self.num_heads))  # v_proj comes later, I thought
        return self.out_proj(merge_heads(attend_with_cache(q, self.cache_k, self.cache_v)))


class CachedKeysBeforeProjection(MultiHeadAttention):
    def __init__(self, embed_size, num_heads):
        super().__init__(embed_size, num_heads)
        self.reset_cache()

    def reset_cache(self):
        self.cache_k = None
        self.cache_v = None

    def forward(self, X):
        q = split_heads(self.q_proj(X), self.num_heads)
        self.cache_k = append_to_cache(self.cache_k, split_heads(X, self.num_heads))
        self.cache_v = append_to_cache(self.cache_v, split_heads(self.v_proj(X), self.num_heads))
        return self.out_proj(merge_heads(attend_with_cache(q, self.cache_k, self.cache_v)))


class CachedResetWithoutSelf(MultiHeadAttention):
    def __init__(self, embed_size, num_heads):
        super().__init__(embed_size, num_heads)
        self.cache_k = None
        self.cache_v = None

    def reset_cache(self):
        cache_k = None  # noqa: F841 - a local variable: the module's cache stays
        cache_v = None  # noqa: F841

    def forward(self, X):
        q = split_heads(self.q_proj(X), self.num_heads)
        self.cache_k = append_to_cache(self.cache_k, split_heads(self.k_proj(X), self.num_heads))
        self.cache_v = append_to_cache(self.cache_v, split_heads(self.v_proj(X), self.num_heads))
        return self.out_proj(merge_heads(attend_with_cache(q, self.cache_k, self.cache_v)))


class CachedResetOnlyKeys(MultiHeadAttention):
    def __init__(self, embed_size, num_heads):
        super().__init__(embed_size, num_heads)
        self.cache_v = None
        self.reset_cache()

    def reset_cache(self):
        self.cache_k = None

    def forward(self, X):
        q = split_heads(self.q_proj(X), self.num_heads)
        self.cache_k = append_to_cache(self.cache_k, split_heads(self.k_proj(X), self.num_heads))
        self.cache_v = append_to_cache(self.cache_v, split_heads(self.v_proj(X), self.num_heads))
        return self.out_proj(merge_heads(attend_with_cache(q, self.cache_k, self.cache_v)))


class CachedReplaced(MultiHeadAttention):
    def __init__(self, embed_size, num_heads):
        super().__init__(embed_size, num_heads)
        self.reset_cache()

    def reset_cache(self):
        self.cache_k = None
        self.cache_v = None

    def forward(self, X):
        q = split_heads(self.q_proj(X), self.num_heads)
        self.cache_k = split_heads(self.k_proj(X), self.num_heads)
        self.cache_v = split_heads(self.v_proj(X), self.num_heads)
        return self.out_proj(merge_heads(attend_with_cache(q, self.cache_k, self.cache_v)))


class CachedWithoutOutProj(MultiHeadAttention):
    def __init__(self, embed_size, num_heads):
        super().__init__(embed_size, num_heads)
        self.reset_cache()

    def reset_cache(self):
        self.cache_k = None
        self.cache_v = None

    def forward(self, X):
        q = split_heads(self.q_proj(X), self.num_heads)
        self.cache_k = append_to_cache(self.cache_k, split_heads(self.k_proj(X), self.num_heads))
        self.cache_v = append_to_cache(self.cache_v, split_heads(self.v_proj(X), self.num_heads))
        return merge_heads(attend_with_cache(q, self.cache_k, self.cache_v))


class CachedOtherNames(MultiHeadAttention):
    def __init__(self, embed_size, num_heads):
        super().__init__(embed_size, num_heads)
        self.reset_cache()

    def reset_cache(self):
        self.keys = None
        self.values = None

    def forward(self, X):
        q = split_heads(self.q_proj(X), self.num_heads)
        self.keys = append_to_cache(self.keys, split_heads(self.k_proj(X), self.num_heads))
        self.values = append_to_cache(self.values, split_heads(self.v_proj(X), self.num_heads))
        return self.out_proj(merge_heads(attend_with_cache(q, self.keys, self.values)))


class CachedCatWithoutDim(MultiHeadAttention):
    def __init__(self, embed_size, num_heads):
        super().__init__(embed_size, num_heads)
        self.reset_cache()

    def reset_cache(self):
        self.cache_k = None
        self.cache_v = None

    def forward(self, X):
        q = split_heads(self.q_proj(X), self.num_heads)
        k = split_heads(self.k_proj(X), self.num_heads)
        v = split_heads(self.v_proj(X), self.num_heads)
        self.cache_k = k if self.cache_k is None else torch.cat([self.cache_k, k])
        self.cache_v = v if self.cache_v is None else torch.cat([self.cache_v, v])
        return self.out_proj(merge_heads(attend_with_cache(q, self.cache_k, self.cache_v)))


class CachedSdpaIsCausal(MultiHeadAttention):
    def __init__(self, embed_size, num_heads):
        super().__init__(embed_size, num_heads)
        self.reset_cache()

    def reset_cache(self):
        self.cache_k = None
        self.cache_v = None

    def forward(self, X):
        q = split_heads(self.q_proj(X), self.num_heads)
        self.cache_k = append_to_cache(self.cache_k, split_heads(self.k_proj(X), self.num_heads))
        self.cache_v = append_to_cache(self.cache_v, split_heads(self.v_proj(X), self.num_heads))
        out = F.scaled_dot_product_attention(q, self.cache_k, self.cache_v, is_causal=True)
        return self.out_proj(merge_heads(out))


class CachedOnTheClass(MultiHeadAttention):  # one cache for every instance: every layer of a model
    cache_k = None
    cache_v = None

    def __init__(self, embed_size, num_heads):
        super().__init__(embed_size, num_heads)
        self.reset_cache()

    def reset_cache(self):
        CachedOnTheClass.cache_k = None
        CachedOnTheClass.cache_v = None

    def forward(self, X):
        q = split_heads(self.q_proj(X), self.num_heads)
        CachedOnTheClass.cache_k = append_to_cache(
            CachedOnTheClass.cache_k, split_heads(self.k_proj(X), self.num_heads)
        )
        CachedOnTheClass.cache_v = append_to_cache(
            CachedOnTheClass.cache_v, split_heads(self.v_proj(X), self.num_heads)
        )
        return self.out_proj(merge_heads(attend_with_cache(q, self.cache_k, self.cache_v)))


class CachedOnTypeOfSelf(MultiHeadAttention):
    cache_k = cache_v = None

    def __init__(self, embed_size, num_heads):
        super().__init__(embed_size, num_heads)
        self.reset_cache()

    def reset_cache(self):
        type(self).cache_k = type(self).cache_v = None

    def forward(self, X):
        q = split_heads(self.q_proj(X), self.num_heads)
        type(self).cache_k = append_to_cache(self.cache_k, split_heads(self.k_proj(X), self.num_heads))
        type(self).cache_v = append_to_cache(self.cache_v, split_heads(self.v_proj(X), self.num_heads))
        return self.out_proj(merge_heads(attend_with_cache(q, self.cache_k, self.cache_v)))


CACHE = {"k": None, "v": None}  # module level: one for the whole notebook


class CachedInModuleDict(MultiHeadAttention):
    def __init__(self, embed_size, num_heads):
        super().__init__(embed_size, num_heads)
        self.cache = CACHE
        self.reset_cache()

    def reset_cache(self):
        self.cache["k"] = self.cache["v"] = None
        self.cache_k = self.cache_v = None

    def forward(self, X):
        q = split_heads(self.q_proj(X), self.num_heads)
        self.cache["k"] = append_to_cache(self.cache["k"], split_heads(self.k_proj(X), self.num_heads))
        self.cache["v"] = append_to_cache(self.cache["v"], split_heads(self.v_proj(X), self.num_heads))
        self.cache_k, self.cache_v = self.cache["k"], self.cache["v"]
        return self.out_proj(merge_heads(attend_with_cache(q, self.cache_k, self.cache_v)))


cache_k = cache_v = None  # module-level variables


class CachedInGlobals(MultiHeadAttention):
    def __init__(self, embed_size, num_heads):
        super().__init__(embed_size, num_heads)
        self.reset_cache()

    def reset_cache(self):
        global cache_k, cache_v
        cache_k = cache_v = None
        self.cache_k = self.cache_v = None

    def forward(self, X):
        global cache_k, cache_v
        q = split_heads(self.q_proj(X), self.num_heads)
        cache_k = append_to_cache(cache_k, split_heads(self.k_proj(X), self.num_heads))
        cache_v = append_to_cache(cache_v, split_heads(self.v_proj(X), self.num_heads))
        self.cache_k, self.cache_v = cache_k, cache_v
        return self.out_proj(merge_heads(attend_with_cache(q, cache_k, cache_v)))


class CachedWithoutGrad(CourseCachedSelfAttention):  # generating needs no gradient, I thought
    def forward(self, X):
        with torch.no_grad():
            q = split_heads(self.q_proj(X), self.num_heads)
            self.cache_k = append_to_cache(self.cache_k, split_heads(self.k_proj(X), self.num_heads))
            self.cache_v = append_to_cache(self.cache_v, split_heads(self.v_proj(X), self.num_heads))
            return self.out_proj(merge_heads(attend_with_cache(q, self.cache_k, self.cache_v)))


class CachedDetachedKeysValues(CourseCachedSelfAttention):  # a cache is for keeping, not for training, I thought
    def forward(self, X):
        q = split_heads(self.q_proj(X), self.num_heads)
        k = split_heads(self.k_proj(X), self.num_heads).detach()
        v = split_heads(self.v_proj(X), self.num_heads).detach()
        self.cache_k = append_to_cache(self.cache_k, k)
        self.cache_v = append_to_cache(self.cache_v, v)
        return self.out_proj(merge_heads(attend_with_cache(q, self.cache_k, self.cache_v)))


class CachedDataWeights(CourseCachedSelfAttention):
    def forward(self, X):
        q = split_heads(F.linear(X, self.q_proj.weight.data, self.q_proj.bias.data), self.num_heads)
        k = split_heads(self.k_proj(X), self.num_heads)
        v = split_heads(self.v_proj(X), self.num_heads)
        self.cache_k = append_to_cache(self.cache_k, k)
        self.cache_v = append_to_cache(self.cache_v, v)
        return self.out_proj(merge_heads(attend_with_cache(q, self.cache_k, self.cache_v)))


class CachedResetToEmptyTensor(CourseCachedSelfAttention):
    def reset_cache(self):
        self.cache_k = torch.empty(0)
        self.cache_v = torch.empty(0)

    def forward(self, X):
        q = split_heads(self.q_proj(X), self.num_heads)
        k, v = split_heads(self.k_proj(X), self.num_heads), split_heads(self.v_proj(X), self.num_heads)
        self.cache_k = k if self.cache_k.numel() == 0 else torch.cat([self.cache_k, k], dim=-2)
        self.cache_v = v if self.cache_v.numel() == 0 else torch.cat([self.cache_v, v], dim=-2)
        return self.out_proj(merge_heads(attend_with_cache(q, self.cache_k, self.cache_v)))


class CachedKeptDetached(CourseCachedSelfAttention):  # right: what is kept for later calls is detached
    def forward(self, X):
        q = split_heads(self.q_proj(X), self.num_heads)
        k = append_to_cache(self.cache_k, split_heads(self.k_proj(X), self.num_heads))
        v = append_to_cache(self.cache_v, split_heads(self.v_proj(X), self.num_heads))
        self.cache_k, self.cache_v = k.detach(), v.detach()
        return self.out_proj(merge_heads(attend_with_cache(q, k, v)))


class CachedInputs(MultiHeadAttention):  # right: caches the layer's inputs and projects them all again
    def __init__(self, embed_size, num_heads):
        super().__init__(embed_size, num_heads)
        self.reset_cache()

    def reset_cache(self):
        self.seen = None
        self.cache_k = None
        self.cache_v = None

    def forward(self, X):
        self.seen = X if self.seen is None else torch.cat([self.seen, X], dim=1)
        q = split_heads(self.q_proj(X), self.num_heads)
        self.cache_k = split_heads(self.k_proj(self.seen), self.num_heads)
        self.cache_v = split_heads(self.v_proj(self.seen), self.num_heads)
        return self.out_proj(merge_heads(attend_with_cache(q, self.cache_k, self.cache_v)))


# --- 7.4 positions after the cache


def positions_restart(cache, num_new):  # the bug handed out in 7.4: lesson 05's line
    return torch.arange(num_new)


def positions_from_batch_axis(cache, num_new):
    past = 0 if cache is None else cache.shape[0]
    return torch.arange(past, past + num_new)


def positions_from_heads_axis(cache, num_new):
    past = 0 if cache is None else cache.size(1)
    return torch.arange(past, past + num_new)


def positions_from_last_axis(cache, num_new):
    past = 0 if cache is None else cache.shape[-1]
    return torch.arange(past, past + num_new)


def positions_off_by_one(cache, num_new):
    past = 0 if cache is None else cache.shape[-2]
    return torch.arange(past + 1, past + num_new + 1)


def positions_of_every_token(cache, num_new):
    past = 0 if cache is None else cache.shape[-2]
    return torch.arange(past + num_new)


def positions_without_none(cache, num_new):
    past = cache.shape[-2]
    return torch.arange(past, past + num_new)


def positions_by_adding(cache, num_new):  # right, written otherwise
    return torch.arange(num_new) + (cache.size(2) if cache is not None else 0)


# --- 7.5 generating with the cache


class GreedyWithoutReset(TinyCausalLM):
    def __init__(self, vocab_size, max_len, embed_size, num_heads, num_layers=2):
        super().__init__(vocab_size, max_len, embed_size, num_heads, num_layers, attention=CourseCachedSelfAttention)

    def reset_cache(self):
        for block in self.blocks:
            block.attention.reset_cache()

    def forward(self, tokens):
        positions = positions_after(self.blocks[0].attention.cache_k, tokens.shape[1])
        return self.logits(self.tok(tokens) + self.pos(positions))

    def greedy(self, prompt, steps):
        logits = self(prompt)[:, -1]  # the cache starts empty, I thought: it does, the first time
        every = [logits]
        for _ in range(steps - 1):
            logits = self(logits.argmax(dim=-1, keepdim=True))[:, -1]
            every.append(logits)
        return torch.stack(every, dim=1)


class GreedyFeedsEverything(TinyCausalLM):
    def __init__(self, vocab_size, max_len, embed_size, num_heads, num_layers=2):
        super().__init__(vocab_size, max_len, embed_size, num_heads, num_layers, attention=CourseCachedSelfAttention)

    def reset_cache(self):
        for block in self.blocks:
            block.attention.reset_cache()

    def forward(self, tokens):
        positions = positions_after(self.blocks[0].attention.cache_k, tokens.shape[1])
        return self.logits(self.tok(tokens) + self.pos(positions))

    def greedy(self, prompt, steps):
        self.reset_cache()
        tokens, every = prompt, []
        for _ in range(steps):
            logits = self(tokens)[:, -1]  # the whole sequence, as generate() does
            every.append(logits)
            tokens = torch.cat([tokens, logits.argmax(dim=-1, keepdim=True)], dim=1)
        return torch.stack(every, dim=1)


class GreedyRecomputes(TinyCausalLM):
    def __init__(self, vocab_size, max_len, embed_size, num_heads, num_layers=2):
        super().__init__(vocab_size, max_len, embed_size, num_heads, num_layers, attention=CourseCachedSelfAttention)

    def reset_cache(self):
        for block in self.blocks:
            block.attention.reset_cache()

    def forward(self, tokens):
        positions = positions_after(self.blocks[0].attention.cache_k, tokens.shape[1])
        return self.logits(self.tok(tokens) + self.pos(positions))

    def greedy(self, prompt, steps):
        tokens, every = prompt, []
        for _ in range(steps):
            self.reset_cache()  # right numbers, but every step starts over
            logits = self(tokens)[:, -1]
            every.append(logits)
            tokens = torch.cat([tokens, logits.argmax(dim=-1, keepdim=True)], dim=1)
        return torch.stack(every, dim=1)


class GreedyFromFirstPosition(TinyCausalLM):
    def __init__(self, vocab_size, max_len, embed_size, num_heads, num_layers=2):
        super().__init__(vocab_size, max_len, embed_size, num_heads, num_layers, attention=CourseCachedSelfAttention)

    def reset_cache(self):
        for block in self.blocks:
            block.attention.reset_cache()

    def forward(self, tokens):
        positions = positions_after(self.blocks[0].attention.cache_k, tokens.shape[1])
        return self.logits(self.tok(tokens) + self.pos(positions))

    def greedy(self, prompt, steps):
        self.reset_cache()
        logits = self(prompt)[:, 0]
        every = [logits]
        for _ in range(steps - 1):
            logits = self(logits.argmax(dim=-1, keepdim=True))[:, -1]
            every.append(logits)
        return torch.stack(every, dim=1)


class GreedyOneStepTooMany(TinyCausalLM):
    def __init__(self, vocab_size, max_len, embed_size, num_heads, num_layers=2):
        super().__init__(vocab_size, max_len, embed_size, num_heads, num_layers, attention=CourseCachedSelfAttention)

    def reset_cache(self):
        for block in self.blocks:
            block.attention.reset_cache()

    def forward(self, tokens):
        positions = positions_after(self.blocks[0].attention.cache_k, tokens.shape[1])
        return self.logits(self.tok(tokens) + self.pos(positions))

    def greedy(self, prompt, steps):
        self.reset_cache()
        logits = self(prompt)[:, -1]
        every = [logits]
        for _ in range(steps):
            logits = self(logits.argmax(dim=-1, keepdim=True))[:, -1]
            every.append(logits)
        return torch.stack(every, dim=1)


class GreedyKeepsPromptLogits(TinyCausalLM):
    def __init__(self, vocab_size, max_len, embed_size, num_heads, num_layers=2):
        super().__init__(vocab_size, max_len, embed_size, num_heads, num_layers, attention=CourseCachedSelfAttention)

    def reset_cache(self):
        for block in self.blocks:
            block.attention.reset_cache()

    def forward(self, tokens):
        positions = positions_after(self.blocks[0].attention.cache_k, tokens.shape[1])
        return self.logits(self.tok(tokens) + self.pos(positions))

    def greedy(self, prompt, steps):
        self.reset_cache()
        every = [self(prompt)]  # (B, T_prompt, V): every position of the prompt
        for _ in range(steps - 1):
            every.append(self(every[-1][:, -1].argmax(dim=-1, keepdim=True)))
        return torch.cat(every, dim=1)


class GreedyBase(TinyCausalLM):  # CachedCausalLM as handed out, greedy aside
    def __init__(self, vocab_size, max_len, embed_size, num_heads, num_layers=2):
        super().__init__(vocab_size, max_len, embed_size, num_heads, num_layers, attention=CourseCachedSelfAttention)

    def reset_cache(self):
        for block in self.blocks:
            block.attention.reset_cache()

    def forward(self, tokens):
        positions = positions_after(self.blocks[0].attention.cache_k, tokens.shape[1])
        return self.logits(self.tok(tokens) + self.pos(positions))


class GreedyResetWhenDone(GreedyBase):
    def greedy(self, prompt, steps):
        logits = self(prompt)[:, -1]
        every = [logits]
        for _ in range(steps - 1):
            logits = self(logits.argmax(dim=-1, keepdim=True))[:, -1]
            every.append(logits)
        self.reset_cache()  # tidy up for the next prompt
        return torch.stack(every, dim=1)


class GreedyResetEachStep(GreedyBase):
    def greedy(self, prompt, steps):
        self.reset_cache()
        logits = self(prompt)[:, -1]
        every = [logits]
        for _ in range(steps - 1):
            self.reset_cache()  # a fresh cache for each token
            logits = self(logits.argmax(dim=-1, keepdim=True))[:, -1]
            every.append(logits)
        return torch.stack(every, dim=1)


class GreedyWithoutKeepdim(GreedyBase):
    def greedy(self, prompt, steps):
        self.reset_cache()
        logits = self(prompt)[:, -1]
        every = [logits]
        for _ in range(steps - 1):
            logits = self(logits.argmax(dim=-1))[:, -1]
            every.append(logits)
        return torch.stack(every, dim=1)


class GreedyProbabilities(GreedyBase):
    def greedy(self, prompt, steps):
        self.reset_cache()
        logits = self(prompt)[:, -1]
        every = [torch.softmax(logits, dim=-1)]
        for _ in range(steps - 1):
            logits = self(logits.argmax(dim=-1, keepdim=True))[:, -1]
            every.append(torch.softmax(logits, dim=-1))
        return torch.stack(every, dim=1)


class GreedyStackedOnDim0(GreedyBase):
    def greedy(self, prompt, steps):
        self.reset_cache()
        logits = self(prompt)[:, -1]
        every = [logits]
        for _ in range(steps - 1):
            logits = self(logits.argmax(dim=-1, keepdim=True))[:, -1]
            every.append(logits)
        return torch.stack(every)


class GreedyDefaultList(GreedyBase):
    def greedy(self, prompt, steps, every=[]):  # noqa: B006 - the mistake
        self.reset_cache()
        logits = self(prompt)[:, -1]
        every.append(logits)
        for _ in range(steps - 1):
            logits = self(logits.argmax(dim=-1, keepdim=True))[:, -1]
            every.append(logits)
        return torch.stack(every, dim=1)


class GreedyWithoutGrad(GreedyBase):  # right: generating needs no gradient
    @torch.no_grad()
    def greedy(self, prompt, steps):
        self.reset_cache()
        logits = self(prompt)[:, -1]
        every = [logits]
        for _ in range(steps - 1):
            logits = self(logits.argmax(dim=-1, keepdim=True))[:, -1]
            every.append(logits)
        return torch.stack(every, dim=1)


class GreedyPromptOneByOne(TinyCausalLM):  # right: the prompt read one token at a time
    def __init__(self, vocab_size, max_len, embed_size, num_heads, num_layers=2):
        super().__init__(vocab_size, max_len, embed_size, num_heads, num_layers, attention=CourseCachedSelfAttention)

    def reset_cache(self):
        for block in self.blocks:
            block.attention.reset_cache()

    def forward(self, tokens):
        positions = positions_after(self.blocks[0].attention.cache_k, tokens.shape[1])
        return self.logits(self.tok(tokens) + self.pos(positions))

    def greedy(self, prompt, steps):
        self.reset_cache()
        for t in range(prompt.shape[1]):
            logits = self(prompt[:, t : t + 1])[:, -1]
        every = [logits]
        while len(every) < steps:
            every.append(self(every[-1].argmax(dim=-1, keepdim=True))[:, -1])
        return torch.stack(every, dim=1)


MISTAKES = [
    ("7.1", cat_without_dim, "cache-on-batch-axis", "gives torch.cat no dim, so it joins along dim=0"),
    ("7.1", cat_on_batch, "cache-on-batch-axis", "You joined along dim 0, B, the batch"),
    ("7.1", cat_on_heads, "cache-on-heads-axis", "You joined along dim 1, H, the heads"),
    ("7.1", cat_on_last_axis, "cache-on-feature-axis", "You joined along the last axis, d_head"),
    ("7.1", cat_new_first, "new-first", "the newest tokens go last"),
    ("7.1", cache_forgets, "cache-forgets", "the cache forgets every token before them"),
    ("7.1", cache_without_new, "new-not-added", "You returned the cache as it was"),
    ("7.1", cat_without_none, "none-not-handled", "cache is None, and torch.cat cannot join None"),
    ("7.1", stacked, "stacked", "torch.stack puts tensors side by side on a new axis"),
    ("7.2", top_left_mask, "mask-top-left", "Your mask lines its diagonal up with the first key"),
    ("7.2", top_left_for_several, "mask-top-left", "New query 0 sees key 0 alone"),
    ("7.2", sdpa_is_causal, "mask-top-left", "is_causal=True is aligned to the top left"),
    ("7.2", no_mask, "no-mask-for-several", "With one new token that is right"),
    ("7.2", mask_of_new_tokens, "mask-new-square", "the new queries attend the cached keys too"),
    ("7.2", whole_causal_mask, "mask-full-square", "Keep only its last T_new rows"),
    ("7.2", cached_keys_hidden, "cache-hidden", "Your mask hides the cached keys"),
    ("7.2", triu_mask, "mask-future", "triu where tril belongs"),
    ("7.2", mask_after_softmax, "mask-after-softmax", "The mask was applied after the softmax"),
    ("7.2", softmax_over_queries, "softmax-over-queries", "The softmax ran over dim=-2, the queries"),
    ("7.2", unscaled, "no-scaling", "The scores were not scaled"),
    ("7.3", CachedValuesBeforeProjection, "values-before-projection", "holds the values before their projection"),
    ("7.3", CachedKeysBeforeProjection, "keys-before-projection", "holds the keys before their projection"),
    ("7.3", CachedResetWithoutSelf, "stale-cache", "the first one's keys and values still in the cache"),
    ("7.3", CachedResetOnlyKeys, "half-reset", "reset_cache() empties self.cache_k but not self.cache_v"),
    ("7.3", CachedReplaced, "sees-only-new", "replaces the cache with the newest keys or values"),
    ("7.3", CachedWithoutOutProj, "no-out-proj", "The output projection is missing"),
    ("7.3", CachedOtherNames, "no-cache-attribute", "Keep the cache in self.cache_k and self.cache_v"),
    ("7.3", CachedCatWithoutDim, "cache-on-batch-axis", "gives torch.cat no dim, so it joins along dim=0"),
    ("7.3", CachedSdpaIsCausal, "mask-top-left", "is_causal=True is aligned to the top left"),
    ("7.4", positions_restart, "positions-restart-at-0", "Your positions restart at 0 on every call"),
    ("7.4", positions_from_batch_axis, "past-from-wrong-axis", "from axis 0, B, the batch"),
    ("7.4", positions_from_heads_axis, "past-from-wrong-axis", "from axis 1, H, the heads"),
    ("7.4", positions_from_last_axis, "past-from-wrong-axis", "from axis 3, d_head"),
    ("7.4", positions_off_by_one, "positions-off-by-one", "the first new token is at T_past"),
    ("7.4", positions_of_every_token, "every-position", "the positions of every token, the cached ones too"),
    ("7.4", positions_without_none, "none-not-handled", "None has no shape"),
    ("7.5", GreedyWithoutReset, "stale-cache", "generated with the first one's tokens still in the cache"),
    ("7.5", GreedyFeedsEverything, "fed-whole-sequence", "feed only the token just chosen"),
    ("7.5", GreedyRecomputes, "fed-whole-sequence", "that is recomputation"),
    ("7.5", GreedyFromFirstPosition, "first-position", "you kept the logits of its first position"),
    ("7.5", GreedyOneStepTooMany, "steps-off", "runs the model once more than it needs: for steps = 4"),
    ("7.5", GreedyKeepsPromptLogits, "steps-off", "returns the logits of the prompt's positions too"),
    ("7.2", mask_diagonal_one_short, "mask-hides-itself", "Your diagonal is one short"),
    ("7.2", mask_inverted, "all-keys-hidden", "`return masked_attention(q, k, v, ~torch.ones("),
    ("7.2", mask_inverted, "all-keys-hidden", "every number of your output is 0 (24 of 24)"),
    ("7.2", mask_diagonal_the_other_way, "all-keys-hidden", "Check the diagonal: new query i reaches key"),
    ("7.2", mask_inverted_for_several, "inverted-mask", "Your mask is the wrong way round"),
    ("7.2", attend_detached, "no-gradient", "q, k received no gradient"),
    ("7.3", CachedOnTheClass, "shared-cache", "two instances share one cache: after instance A had read 3 tokens"),
    ("7.3", CachedOnTheClass, "shared-cache", "instance B's call 1 (2 tokens) already saw 3 cached positions"),
    ("7.3", CachedOnTheClass, "shared-cache", "`CachedOnTheClass.cache_k = append_to_cache("),
    ("7.3", CachedOnTypeOfSelf, "shared-cache", "`type(self).cache_k = append_to_cache(self.cache_k,"),
    ("7.3", CachedInModuleDict, "shared-cache", "Your cache is kept where every instance reads it"),
    ("7.3", CachedInGlobals, "shared-cache", "`global cache_k, cache_v` puts the cache where every instance reads it"),
    ("7.3", CachedWithoutGrad, "no-gradient", "`with torch.no_grad():` takes a tensor out of the graph"),
    ("7.3", CachedWithoutGrad, "no-gradient", "reading a prompt (B=2, T=6) at once"),
    ("7.3", CachedDetachedKeysValues, "no-gradient", "k_proj.weight, v_proj.weight, v_proj.bias received no gradient"),
    ("7.3", CachedDataWeights, "no-gradient", "q_proj.weight, q_proj.bias received no gradient"),
    ("7.3", CachedResetToEmptyTensor, "reset-not-none", "self.cache_k is a tensor of shape (0,), not None"),
    ("7.5", GreedyResetWhenDone, "reset-at-end", "empties the cache when it has finished, not before"),
    ("7.5", GreedyResetWhenDone, "reset-at-end", "after the model had read 3 other tokens (model(tokens)"),
    ("7.5", GreedyResetEachStep, "reset-each-step", "empties the cache before each new token"),
    ("7.5", GreedyWithoutKeepdim, "no-keepdim", "`logits = self(logits.argmax(dim=-1))[:, -1]` gives one token"),
    ("7.5", GreedyProbabilities, "probabilities-not-logits", "returns probabilities, softmax of the logits"),
    ("7.5", GreedyStackedOnDim0, "steps-on-dim-0", "`return torch.stack(every)` stacks the steps on dim 0"),
    ("7.5", GreedyDefaultList, "logits-kept-between-calls", "`def greedy(self, prompt, steps, every=[]):`: the list"),
]

RIGHT = [
    ("7.1", lambda cache, new: new if cache is None else torch.cat((cache, new), 2)),
    ("7.2", always_masked_sdpa),
    ("7.3", CachedInputs),
    ("7.3", CachedKeptDetached),
    ("7.5", GreedyWithoutGrad),
    ("7.4", positions_by_adding),
    ("7.5", GreedyPromptOneByOne),
]
