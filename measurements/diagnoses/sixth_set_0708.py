# Names the answers below rely on, besides torch, nn, F and math (supply them from the notebooks):
#   lesson 07 (07-attention-that-generates.ipynb), imported in its second cell from helpers.attention:
#     MultiHeadAttention (base class of CachedSelfAttention: q_proj, k_proj, v_proj, out_proj, num_heads, d_head),
#     TinyCausalLM (base class of CachedCausalLM: tok, pos, blocks[i].attention, logits(x), and the
#       attention= constructor argument), causal_mask, masked_attention, split_heads, merge_heads;
#     and the earlier exercise cells of that notebook: append_to_cache (7.1), attend_with_cache (7.2),
#     CachedSelfAttention (7.3, used by 7.5's __init__), positions_after (7.4, used by 7.5's forward).
#   lesson 08 (08-attention-in-todays-llms.ipynb), imported in its second cell from helpers.attention:
#     masked_softmax, split_heads, merge_heads (MultiHeadAttention is imported too but no answer needs it);
#     and the earlier exercise cells: apply_rope (8.1, used by 8.2), repeat_kv (8.3, used by 8.4).

A = []
def add(ex, id, kind, bug, code):
    A.append(dict(ex=ex, id=id, kind=kind, bug=bug, code=code.strip("\n")))


# ---------------------------------------------------------------- lesson 07

add('7.1', 'grows-the-heads-axis', 'wrong',
    'Concatenates along dim=1, the heads: when T_new = T_past (one token after a one-token prompt) it silently returns (B, 2H, T, d), the new keys as extra heads; otherwise it raises.', """
# Exercise 7.1 — spot the bug: appending to the cache
def append_to_cache(cache, new):
    \"\"\"cache: (B, H, T_past, d_head) or None; new: (B, H, T_new, d_head) -> (B, H, T_past + T_new, d_head).\"\"\"
    if cache is None:                                        # the first call: nothing cached yet
        return new
    return torch.cat([cache, new], dim=1)                    # (B, H, T_past, d) + (B, H, T_new, d) -> (B, H, T_all, d)
""")

add('7.1', 'new-tokens-first', 'wrong',
    'Joins on the right axis but puts the new tokens before the cached ones, so the keys are out of order: the newest token is no longer last, and the causal mask for new queries lines up with the wrong keys.', """
# Exercise 7.1 — spot the bug: appending to the cache
def append_to_cache(cache, new):
    \"\"\"cache: (B, H, T_past, d_head) or None; new: (B, H, T_new, d_head) -> (B, H, T_past + T_new, d_head).\"\"\"
    if cache is None:                                        # the first call: nothing cached yet
        return new
    return torch.cat([new, cache], dim=-2)                   # (B, H, T_new + T_past, d)
""")

add('7.2', 'is-causal-flag', 'wrong',
    'Uses F.scaled_dot_product_attention(..., is_causal=True), whose causal mask is aligned top-left: one new query sees only the first key, and new query i sees keys 0..i instead of keys up to its own position.', """
# Exercise 7.2 — the mask for new queries
def attend_with_cache(q, k, v):
    \"\"\"q: (B, H, T_new, d), the newest tokens; k, v: (B, H, T_all, d), every token, the new ones last -> (B, H, T_new, d).\"\"\"
    # causal attention, PyTorch does the mask for us
    return F.scaled_dot_product_attention(q, k, v, is_causal=True)
""")

add('7.2', 'first-rows-of-causal-mask', 'wrong',
    'Takes the first T_new rows of the (T_all, T_all) causal mask instead of the last ones, so the new queries get the masks of the oldest positions and cannot see themselves or the recent past.', """
# Exercise 7.2 — the mask for new queries
def attend_with_cache(q, k, v):
    \"\"\"q: (B, H, T_new, d), the newest tokens; k, v: (B, H, T_all, d), every token, the new ones last -> (B, H, T_new, d).\"\"\"
    T_new, T_all = q.shape[-2], k.shape[-2]
    mask = causal_mask(T_all)[:T_new]                     # (T_new, T_all)
    return masked_attention(q, k, v, mask)
""")

add('7.2', 'diagonal-one-short', 'wrong',
    'Shifts the diagonal by T_all - T_new - 1 instead of T_all - T_new, so every new query is hidden from its own key (and a single query misses the last key).', """
# Exercise 7.2 — the mask for new queries
def attend_with_cache(q, k, v):
    \"\"\"q: (B, H, T_new, d), the newest tokens; k, v: (B, H, T_all, d), every token, the new ones last -> (B, H, T_new, d).\"\"\"
    T_new, T_all = q.shape[-2], k.shape[-2]
    T_past = T_all - T_new
    # row 0 is the first new token: it sees the past, not the new tokens
    mask = torch.ones(T_new, T_all, dtype=torch.bool).tril(diagonal=T_past - 1)
    return masked_attention(q, k, v, mask)
""")

add('7.2', 'never-masks', 'wrong',
    'Never masks, reasoning that a new token may see every cached key: right for a single query, but a prompt of several tokens lets earlier new tokens see later ones.', """
# Exercise 7.2 — the mask for new queries
def attend_with_cache(q, k, v):
    \"\"\"q: (B, H, T_new, d), the newest tokens; k, v: (B, H, T_all, d), every token, the new ones last -> (B, H, T_new, d).\"\"\"
    # the cache only holds the past, so nothing in it is in the future
    return masked_attention(q, k, v, None)
""")

add('7.2', 'triu-mask-means-allowed', 'wrong',
    'Builds the band of forbidden keys with triu(diagonal=T_past + 1) and passes it as the mask, but the course\'s masks mean "may attend": every query sees only its future keys (a single query\'s row is all False and gives zeros).', """
# Exercise 7.2 — the mask for new queries
def attend_with_cache(q, k, v):
    \"\"\"q: (B, H, T_new, d), the newest tokens; k, v: (B, H, T_all, d), every token, the new ones last -> (B, H, T_new, d).\"\"\"
    T_new, T_all = q.shape[-2], k.shape[-2]
    future = torch.ones(T_new, T_all, dtype=torch.bool).triu(diagonal=T_all - T_new + 1)   # keys after each query
    return masked_attention(q, k, v, future)
""")

add('7.2', 'square-mask-for-prompts', 'wrong',
    'Uses no mask for one query and the square causal_mask(T_new) for several: right while nothing is cached (T_all = T_new), but a (T_new, T_new) mask does not fit (T_new, T_all) scores once the cache holds tokens, and the call raises.', """
# Exercise 7.2 — the mask for new queries
def attend_with_cache(q, k, v):
    \"\"\"q: (B, H, T_new, d), the newest tokens; k, v: (B, H, T_all, d), every token, the new ones last -> (B, H, T_new, d).\"\"\"
    T_new = q.shape[-2]
    if T_new == 1:
        return masked_attention(q, k, v, None)              # one token: sees everything
    return masked_attention(q, k, v, causal_mask(T_new))    # a prompt: the usual causal mask
""")

add('7.2', 'last-rows-of-causal-mask', 'right',
    "Right: the last T_new rows of the full (T_all, T_all) causal mask are exactly the new queries' rows, as the lesson explains; for one query that row is all True.", """
# Exercise 7.2 — the mask for new queries
def attend_with_cache(q, k, v):
    \"\"\"q: (B, H, T_new, d), the newest tokens; k, v: (B, H, T_all, d), every token, the new ones last -> (B, H, T_new, d).\"\"\"
    T_new, T_all = q.shape[-2], k.shape[-2]
    mask = causal_mask(T_all)[T_all - T_new:]              # the rows of the newest positions, (T_new, T_all)
    return masked_attention(q, k, v, mask)
""")

add('7.3', 'reset-forgets-values', 'wrong',
    "reset_cache empties cache_k only: cache_v keeps the previous sequence's values (or does not exist on the first call), so the second sequence attends over stale values and the shapes stop matching.", """
# Exercise 7.3 — an attention layer with a KV cache
class CachedSelfAttention(MultiHeadAttention):
    \"\"\"Causal multi-head self-attention that keeps the keys and values of every token it has read.\"\"\"

    def __init__(self, embed_size, num_heads):
        super().__init__(embed_size, num_heads)              # q_proj, k_proj, v_proj, out_proj, num_heads, d_head
        self.reset_cache()

    def reset_cache(self):
        \"\"\"Forget every token read: call it before a new sequence.\"\"\"
        self.cache_k = None

    def forward(self, X):
        \"\"\"X: (B, T_new, D), the tokens after those already read -> (B, T_new, D).\"\"\"
        q = split_heads(self.q_proj(X), self.num_heads)                  # (B, H, T_new, d_head)
        k = split_heads(self.k_proj(X), self.num_heads)
        v = split_heads(self.v_proj(X), self.num_heads)
        self.cache_k = append_to_cache(self.cache_k, k)                  # (B, H, T_all, d_head)
        self.cache_v = append_to_cache(getattr(self, "cache_v", None), v)
        out = attend_with_cache(q, self.cache_k, self.cache_v)           # (B, H, T_new, d_head)
        return self.out_proj(merge_heads(out))                           # (B, T_new, D)
""")

add('7.3', 'cat-default-axis', 'wrong',
    'Appends with torch.cat([cache, k]) (the default dim 0, the handed-out 7.1 bug) instead of using append_to_cache: new tokens become extra sentences, so a prompt followed by one token raises, and one token at a time silently attends to itself only.', """
# Exercise 7.3 — an attention layer with a KV cache
class CachedSelfAttention(MultiHeadAttention):
    \"\"\"Causal multi-head self-attention that keeps the keys and values of every token it has read.\"\"\"

    def __init__(self, embed_size, num_heads):
        super().__init__(embed_size, num_heads)              # q_proj, k_proj, v_proj, out_proj, num_heads, d_head
        self.reset_cache()

    def reset_cache(self):
        \"\"\"Forget every token read: call it before a new sequence.\"\"\"
        self.cache_k = None
        self.cache_v = None

    def forward(self, X):
        \"\"\"X: (B, T_new, D), the tokens after those already read -> (B, T_new, D).\"\"\"
        q = split_heads(self.q_proj(X), self.num_heads)                  # (B, H, T_new, d_head)
        k = split_heads(self.k_proj(X), self.num_heads)
        v = split_heads(self.v_proj(X), self.num_heads)
        if self.cache_k is None:
            self.cache_k, self.cache_v = k, v
        else:
            self.cache_k = torch.cat([self.cache_k, k])
            self.cache_v = torch.cat([self.cache_v, v])
        out = attend_with_cache(q, self.cache_k, self.cache_v)
        return self.out_proj(merge_heads(out))                           # (B, T_new, D)
""")

add('7.3', 'cache-replaced-not-appended', 'wrong',
    'Assigns the new keys and values to the cache instead of appending them, so each call attends only over its own tokens and forgets everything read before.', """
# Exercise 7.3 — an attention layer with a KV cache
class CachedSelfAttention(MultiHeadAttention):
    \"\"\"Causal multi-head self-attention that keeps the keys and values of every token it has read.\"\"\"

    def __init__(self, embed_size, num_heads):
        super().__init__(embed_size, num_heads)              # q_proj, k_proj, v_proj, out_proj, num_heads, d_head
        self.reset_cache()

    def reset_cache(self):
        \"\"\"Forget every token read: call it before a new sequence.\"\"\"
        self.cache_k = None
        self.cache_v = None

    def forward(self, X):
        \"\"\"X: (B, T_new, D), the tokens after those already read -> (B, T_new, D).\"\"\"
        q = split_heads(self.q_proj(X), self.num_heads)                  # (B, H, T_new, d_head)
        self.cache_k = split_heads(self.k_proj(X), self.num_heads)       # keep the keys
        self.cache_v = split_heads(self.v_proj(X), self.num_heads)       # keep the values
        out = attend_with_cache(q, self.cache_k, self.cache_v)           # (B, H, T_new, d_head)
        return self.out_proj(merge_heads(out))
""")

add('7.3', 'out-proj-forgotten', 'wrong',
    'Returns the merged heads without out_proj, so the output misses the last projection and out_proj gets no gradient.', """
# Exercise 7.3 — an attention layer with a KV cache
class CachedSelfAttention(MultiHeadAttention):
    \"\"\"Causal multi-head self-attention that keeps the keys and values of every token it has read.\"\"\"

    def __init__(self, embed_size, num_heads):
        super().__init__(embed_size, num_heads)              # q_proj, k_proj, v_proj, out_proj, num_heads, d_head
        self.reset_cache()

    def reset_cache(self):
        \"\"\"Forget every token read: call it before a new sequence.\"\"\"
        self.cache_k = None
        self.cache_v = None

    def forward(self, X):
        \"\"\"X: (B, T_new, D), the tokens after those already read -> (B, T_new, D).\"\"\"
        q = split_heads(self.q_proj(X), self.num_heads)                  # (B, H, T_new, d_head)
        k = split_heads(self.k_proj(X), self.num_heads)                  # (B, H, T_new, d_head)
        v = split_heads(self.v_proj(X), self.num_heads)                  # (B, H, T_new, d_head)
        self.cache_k = append_to_cache(self.cache_k, k)                  # (B, H, T_all, d_head)
        self.cache_v = append_to_cache(self.cache_v, v)
        return merge_heads(attend_with_cache(q, self.cache_k, self.cache_v))   # (B, T_new, D)
""")

add('7.3', 'prompt-unmasked', 'wrong',
    "Attends over the whole cache with masked_attention and no mask: right for one token at a time, but the prompt's tokens see each other's future.", """
# Exercise 7.3 — an attention layer with a KV cache
class CachedSelfAttention(MultiHeadAttention):
    \"\"\"Causal multi-head self-attention that keeps the keys and values of every token it has read.\"\"\"

    def __init__(self, embed_size, num_heads):
        super().__init__(embed_size, num_heads)              # q_proj, k_proj, v_proj, out_proj, num_heads, d_head
        self.reset_cache()

    def reset_cache(self):
        \"\"\"Forget every token read: call it before a new sequence.\"\"\"
        self.cache_k = None
        self.cache_v = None

    def forward(self, X):
        \"\"\"X: (B, T_new, D), the tokens after those already read -> (B, T_new, D).\"\"\"
        q = split_heads(self.q_proj(X), self.num_heads)                  # (B, H, T_new, d_head)
        k = split_heads(self.k_proj(X), self.num_heads)
        v = split_heads(self.v_proj(X), self.num_heads)
        self.cache_k = append_to_cache(self.cache_k, k)                  # (B, H, T_all, d_head)
        self.cache_v = append_to_cache(self.cache_v, v)
        out = masked_attention(q, self.cache_k, self.cache_v, None)      # everything in the cache is the past
        return self.out_proj(merge_heads(out))                           # (B, T_new, D)
""")

add('7.3', 'parent-forward-on-new-tokens', 'wrong',
    "Fills the cache but computes the output with lesson 04's forward on the new tokens only (with a causal mask), so the output never uses the cached keys and values of earlier tokens.", """
# Exercise 7.3 — an attention layer with a KV cache
class CachedSelfAttention(MultiHeadAttention):
    \"\"\"Causal multi-head self-attention that keeps the keys and values of every token it has read.\"\"\"

    def __init__(self, embed_size, num_heads):
        super().__init__(embed_size, num_heads)              # q_proj, k_proj, v_proj, out_proj, num_heads, d_head
        self.reset_cache()

    def reset_cache(self):
        \"\"\"Forget every token read: call it before a new sequence.\"\"\"
        self.cache_k = None
        self.cache_v = None

    def forward(self, X):
        \"\"\"X: (B, T_new, D), the tokens after those already read -> (B, T_new, D).\"\"\"
        k = split_heads(self.k_proj(X), self.num_heads)
        v = split_heads(self.v_proj(X), self.num_heads)
        self.cache_k = append_to_cache(self.cache_k, k)                  # (B, H, T_all, d_head)
        self.cache_v = append_to_cache(self.cache_v, v)
        T_new = X.shape[1]
        return super().forward(X, causal_mask(T_new))                    # MultiHeadAttention does the rest
""")

add('7.3', 'sdpa-bottom-right-mask', 'right',
    'Right, unusually: appends with torch.cat on dim=-2 itself and attends with F.scaled_dot_product_attention given an explicit (T_new, T_all) mask shifted to the bottom right, not is_causal.', """
# Exercise 7.3 — an attention layer with a KV cache
class CachedSelfAttention(MultiHeadAttention):
    \"\"\"Causal multi-head self-attention that keeps the keys and values of every token it has read.\"\"\"

    def __init__(self, embed_size, num_heads):
        super().__init__(embed_size, num_heads)              # q_proj, k_proj, v_proj, out_proj, num_heads, d_head
        self.reset_cache()

    def reset_cache(self):
        \"\"\"Forget every token read: call it before a new sequence.\"\"\"
        self.cache_k = None
        self.cache_v = None

    def forward(self, X):
        \"\"\"X: (B, T_new, D), the tokens after those already read -> (B, T_new, D).\"\"\"
        q, k, v = (split_heads(proj(X), self.num_heads) for proj in (self.q_proj, self.k_proj, self.v_proj))
        if self.cache_k is None:
            self.cache_k, self.cache_v = k, v
        else:
            self.cache_k = torch.cat([self.cache_k, k], dim=-2)          # tokens' axis
            self.cache_v = torch.cat([self.cache_v, v], dim=-2)
        T_new, T_all = q.shape[-2], self.cache_k.shape[-2]
        allowed = torch.ones(T_new, T_all, dtype=torch.bool).tril(T_all - T_new)
        out = F.scaled_dot_product_attention(q, self.cache_k, self.cache_v, attn_mask=allowed)
        return self.out_proj(merge_heads(out))
""")

add('7.4', 'no-none-case', 'wrong',
    'Reads cache.shape[-2] without handling the first call, where cache is None: AttributeError before any token has been read.', """
# Exercise 7.4 — spot the bug: positions after the cache
def positions_after(cache, num_new):
    \"\"\"The positions of num_new tokens after those in cache (B, H, T_past, d_head), or None: (num_new,) integers.\"\"\"
    T_past = cache.shape[-2]
    return torch.arange(T_past, T_past + num_new)            # (num_new,): the positions of the new tokens
""")

add('7.4', 'counts-the-batch', 'wrong',
    'Takes the number of cached tokens from cache.shape[0], which is the batch size B, so the positions start at B instead of T_past.', """
# Exercise 7.4 — spot the bug: positions after the cache
def positions_after(cache, num_new):
    \"\"\"The positions of num_new tokens after those in cache (B, H, T_past, d_head), or None: (num_new,) integers.\"\"\"
    start = 0 if cache is None else len(cache)              # tokens already read
    return torch.arange(start, start + num_new)              # (num_new,): the positions of the new tokens
""")

add('7.4', 'starts-one-late', 'wrong',
    'Starts at T_past + 1 ("the next position after the last one") instead of T_past, so every new token is placed one position too far.', """
# Exercise 7.4 — spot the bug: positions after the cache
def positions_after(cache, num_new):
    \"\"\"The positions of num_new tokens after those in cache (B, H, T_past, d_head), or None: (num_new,) integers.\"\"\"
    if cache is None:
        return torch.arange(num_new)
    last = cache.shape[2]                                     # position of the last cached token
    return torch.arange(last + 1, last + 1 + num_new)        # (num_new,): the positions after it
""")

add('7.5', 'cache-not-reset', 'wrong',
    "Never calls reset_cache, so a second prompt is read on top of the first generation's cache: its tokens attend to the old text and get positions after it (and a prompt with another batch size raises).", """
# Exercise 7.5 — generating with the cache
class CachedCausalLM(TinyCausalLM):
    \"\"\"TinyCausalLM whose attention layers keep a KV cache: call it with only the tokens it has not read yet.\"\"\"

    def __init__(self, vocab_size, max_len, embed_size, num_heads, num_layers=2):
        super().__init__(vocab_size, max_len, embed_size, num_heads, num_layers, attention=CachedSelfAttention)

    def reset_cache(self):
        for block in self.blocks:
            block.attention.reset_cache()

    def forward(self, tokens):
        \"\"\"tokens: (B, T_new), after those already read -> logits (B, T_new, V).\"\"\"
        positions = positions_after(self.blocks[0].attention.cache_k, tokens.shape[1])   # (T_new,)
        return self.logits(self.tok(tokens) + self.pos(positions))                       # (B, T_new, D) -> (B, T_new, V)

    def greedy(self, prompt, steps):
        \"\"\"Greedy generation of `steps` tokens after prompt (B, T_prompt): the logits each step chose from, (B, steps, V).\"\"\"

        logits = self(prompt)[:, -1]                         # (B, V): scores for the first new token
        chosen = [logits]
        for _ in range(steps - 1):
            next_token = logits.argmax(dim=-1, keepdim=True)  # (B, 1)
            logits = self(next_token)[:, -1]
            chosen.append(logits)
        return torch.stack(chosen, dim=1)                    # (B, steps, V)
""")

add('7.5', 'feeds-the-whole-text', 'wrong',
    'Feeds the whole growing sequence at every step as in recomputing generation, but the model keeps a cache: every token is appended to it again, at ever later positions, so from the second step the logits are wrong (and the positions soon run past max_len and raise IndexError).', """
# Exercise 7.5 — generating with the cache
class CachedCausalLM(TinyCausalLM):
    \"\"\"TinyCausalLM whose attention layers keep a KV cache: call it with only the tokens it has not read yet.\"\"\"

    def __init__(self, vocab_size, max_len, embed_size, num_heads, num_layers=2):
        super().__init__(vocab_size, max_len, embed_size, num_heads, num_layers, attention=CachedSelfAttention)

    def reset_cache(self):
        for block in self.blocks:
            block.attention.reset_cache()

    def forward(self, tokens):
        \"\"\"tokens: (B, T_new), after those already read -> logits (B, T_new, V).\"\"\"
        positions = positions_after(self.blocks[0].attention.cache_k, tokens.shape[1])   # (T_new,)
        return self.logits(self.tok(tokens) + self.pos(positions))                       # (B, T_new, D) -> (B, T_new, V)

    def greedy(self, prompt, steps):
        \"\"\"Greedy generation of `steps` tokens after prompt (B, T_prompt): the logits each step chose from, (B, steps, V).\"\"\"

        self.reset_cache()
        tokens = prompt
        all_logits = []
        for _ in range(steps):
            logits = self(tokens)[:, -1]                              # (B, V)
            all_logits.append(logits)
            next_token = logits.argmax(dim=-1, keepdim=True)          # (B, 1)
            tokens = torch.cat([tokens, next_token], dim=1)           # (B, T + 1)
        return torch.stack(all_logits, dim=1)
""")

add('7.5', 'stacked-on-dim-0', 'wrong',
    'Stacks the per-step logits on dim 0, returning (steps, B, V) instead of (B, steps, V).', """
# Exercise 7.5 — generating with the cache
class CachedCausalLM(TinyCausalLM):
    \"\"\"TinyCausalLM whose attention layers keep a KV cache: call it with only the tokens it has not read yet.\"\"\"

    def __init__(self, vocab_size, max_len, embed_size, num_heads, num_layers=2):
        super().__init__(vocab_size, max_len, embed_size, num_heads, num_layers, attention=CachedSelfAttention)

    def reset_cache(self):
        for block in self.blocks:
            block.attention.reset_cache()

    def forward(self, tokens):
        \"\"\"tokens: (B, T_new), after those already read -> logits (B, T_new, V).\"\"\"
        positions = positions_after(self.blocks[0].attention.cache_k, tokens.shape[1])   # (T_new,)
        return self.logits(self.tok(tokens) + self.pos(positions))                       # (B, T_new, D) -> (B, T_new, V)

    def greedy(self, prompt, steps):
        \"\"\"Greedy generation of `steps` tokens after prompt (B, T_prompt): the logits each step chose from, (B, steps, V).\"\"\"

        self.reset_cache()
        logits = self(prompt)[:, -1]
        out = [logits]
        for _ in range(1, steps):
            logits = self(logits.argmax(-1, keepdim=True))[:, -1]
            out.append(logits)
        return torch.stack(out)                              # one row per step
""")

add('7.5', 'logits-one-step-late', 'wrong',
    "Records the logits only after feeding each chosen token, so it never returns the prompt's logits (the first step) and returns the scores of steps 2 … steps + 1 instead, reading one token more than needed.", """
# Exercise 7.5 — generating with the cache
class CachedCausalLM(TinyCausalLM):
    \"\"\"TinyCausalLM whose attention layers keep a KV cache: call it with only the tokens it has not read yet.\"\"\"

    def __init__(self, vocab_size, max_len, embed_size, num_heads, num_layers=2):
        super().__init__(vocab_size, max_len, embed_size, num_heads, num_layers, attention=CachedSelfAttention)

    def reset_cache(self):
        for block in self.blocks:
            block.attention.reset_cache()

    def forward(self, tokens):
        \"\"\"tokens: (B, T_new), after those already read -> logits (B, T_new, V).\"\"\"
        positions = positions_after(self.blocks[0].attention.cache_k, tokens.shape[1])   # (T_new,)
        return self.logits(self.tok(tokens) + self.pos(positions))                       # (B, T_new, D) -> (B, T_new, V)

    def greedy(self, prompt, steps):
        \"\"\"Greedy generation of `steps` tokens after prompt (B, T_prompt): the logits each step chose from, (B, steps, V).\"\"\"

        self.reset_cache()
        logits = self(prompt)[:, -1]                             # read the prompt
        history = []
        for _ in range(steps):
            next_token = logits.argmax(dim=-1, keepdim=True)     # (B, 1)
            logits = self(next_token)[:, -1]                     # (B, V)
            history.append(logits)
        return torch.stack(history, dim=1)                       # (B, steps, V)
""")

add('7.5', 'argmax-without-keepdim', 'wrong',
    "argmax without keepdim gives a (B,) tensor, so the next call gets 1-D tokens and forward's tokens.shape[1] raises IndexError after the first step.", """
# Exercise 7.5 — generating with the cache
class CachedCausalLM(TinyCausalLM):
    \"\"\"TinyCausalLM whose attention layers keep a KV cache: call it with only the tokens it has not read yet.\"\"\"

    def __init__(self, vocab_size, max_len, embed_size, num_heads, num_layers=2):
        super().__init__(vocab_size, max_len, embed_size, num_heads, num_layers, attention=CachedSelfAttention)

    def reset_cache(self):
        for block in self.blocks:
            block.attention.reset_cache()

    def forward(self, tokens):
        \"\"\"tokens: (B, T_new), after those already read -> logits (B, T_new, V).\"\"\"
        positions = positions_after(self.blocks[0].attention.cache_k, tokens.shape[1])   # (T_new,)
        return self.logits(self.tok(tokens) + self.pos(positions))                       # (B, T_new, D) -> (B, T_new, V)

    def greedy(self, prompt, steps):
        \"\"\"Greedy generation of `steps` tokens after prompt (B, T_prompt): the logits each step chose from, (B, steps, V).\"\"\"

        self.reset_cache()
        logits = self(prompt)[:, -1]                         # (B, V)
        steps_logits = [logits]
        while len(steps_logits) < steps:
            next_token = logits.argmax(dim=-1)               # the most likely token of each sequence
            logits = self(next_token)[:, -1]
            steps_logits.append(logits)
        return torch.stack(steps_logits, dim=1)
""")

add('7.5', 'cat-with-new-axis', 'right',
    'Right, unusually: builds the (B, steps, V) result by concatenating logits[:, None] step by step, feeding only the chosen token after the prompt.', """
# Exercise 7.5 — generating with the cache
class CachedCausalLM(TinyCausalLM):
    \"\"\"TinyCausalLM whose attention layers keep a KV cache: call it with only the tokens it has not read yet.\"\"\"

    def __init__(self, vocab_size, max_len, embed_size, num_heads, num_layers=2):
        super().__init__(vocab_size, max_len, embed_size, num_heads, num_layers, attention=CachedSelfAttention)

    def reset_cache(self):
        for block in self.blocks:
            block.attention.reset_cache()

    def forward(self, tokens):
        \"\"\"tokens: (B, T_new), after those already read -> logits (B, T_new, V).\"\"\"
        positions = positions_after(self.blocks[0].attention.cache_k, tokens.shape[1])   # (T_new,)
        return self.logits(self.tok(tokens) + self.pos(positions))                       # (B, T_new, D) -> (B, T_new, V)

    def greedy(self, prompt, steps):
        \"\"\"Greedy generation of `steps` tokens after prompt (B, T_prompt): the logits each step chose from, (B, steps, V).\"\"\"

        self.reset_cache()
        logits = self(prompt)[:, -1:]                        # (B, 1, V): the prompt is read once
        result = logits
        for _ in range(steps - 1):
            token = logits[:, -1].argmax(dim=-1)[:, None]    # (B, 1)
            logits = self(token)                             # (B, 1, V)
            result = torch.cat([result, logits], dim=1)      # (B, t + 1, V)
        return result
""")


# ---------------------------------------------------------------- lesson 08

add('8.1', 'interleaved-pairs', 'wrong',
    "Pairs neighbours (0, 1), (2, 3), … (the RoPE paper's interleaved convention) instead of number i with number i + d/2, which the exercise asks for: a valid RoPE, but different numbers.", """
# Exercise 8.1 — rotary position embeddings
def apply_rope(x, positions, base=10000.0):
    \"\"\"x (..., T, d) with pair i, (x[..., i], x[..., i + d/2]), turned by positions * base^(-2i/d).\"\"\"

    d = x.shape[-1]
    freqs = base ** (-torch.arange(0, d, 2).float() / d)         # (d/2,)
    angles = positions[:, None] * freqs                          # (T, d/2)
    cos, sin = angles.cos(), angles.sin()
    even, odd = x[..., 0::2], x[..., 1::2]                       # pairs of neighbours
    out = torch.empty_like(x)
    out[..., 0::2] = even * cos - odd * sin
    out[..., 1::2] = even * sin + odd * cos
    return out
""")

add('8.1', 'frequencies-missing-2', 'wrong',
    'Computes the frequencies as base^(-i/d) for i = 0 … d/2 - 1 instead of base^(-2i/d), so every pair after the first turns too fast.', """
# Exercise 8.1 — rotary position embeddings
def apply_rope(x, positions, base=10000.0):
    \"\"\"x (..., T, d) with pair i, (x[..., i], x[..., i + d/2]), turned by positions * base^(-2i/d).\"\"\"

    d = x.shape[-1]
    half = d // 2
    theta = base ** (-torch.arange(half) / d)                    # one frequency per pair
    phi = positions[:, None] * theta                             # (T, d/2)
    x1, x2 = x[..., :half], x[..., half:]
    return torch.cat([x1 * torch.cos(phi) - x2 * torch.sin(phi),
                      x1 * torch.sin(phi) + x2 * torch.cos(phi)], dim=-1)
""")

add('8.1', 'turns-the-other-way', 'wrong',
    "Swaps the signs of the sine terms, which turns every pair by -angle: scores still depend on the offset alone, but the numbers are not the formula's.", """
# Exercise 8.1 — rotary position embeddings
def apply_rope(x, positions, base=10000.0):
    \"\"\"x (..., T, d) with pair i, (x[..., i], x[..., i + d/2]), turned by positions * base^(-2i/d).\"\"\"

    d = x.shape[-1]
    freqs = base ** (-torch.arange(0, d, 2) / d)
    angle = positions[:, None] * freqs                           # (T, d/2)
    x1, x2 = x[..., :d // 2], x[..., d // 2:]
    # rotation matrix [[cos, sin], [-sin, cos]]
    first = x1 * torch.cos(angle) + x2 * torch.sin(angle)
    second = -x1 * torch.sin(angle) + x2 * torch.cos(angle)
    return torch.cat([first, second], dim=-1)
""")

add('8.1', 'positions-assumed-from-zero', 'wrong',
    'Ignores the positions argument and uses arange(T), so tokens placed after a prompt (positions not starting at 0, or any other order) are turned as if they were the first ones.', """
# Exercise 8.1 — rotary position embeddings
def apply_rope(x, positions, base=10000.0):
    \"\"\"x (..., T, d) with pair i, (x[..., i], x[..., i + d/2]), turned by positions * base^(-2i/d).\"\"\"

    T, d = x.shape[-2], x.shape[-1]
    pos = torch.arange(T)                                        # positions 0 .. T-1
    freqs = base ** (-torch.arange(0, d, 2) / d)
    ang = pos[:, None] * freqs                                   # (T, d/2)
    x1, x2 = x[..., :d // 2], x[..., d // 2:]
    return torch.cat([x1 * ang.cos() - x2 * ang.sin(), x1 * ang.sin() + x2 * ang.cos()], dim=-1)
""")

add('8.1', 'rotates-in-place', 'wrong',
    "Writes the turned halves back into x with slice assignment, so the caller's tensor is changed (and the second half is computed from the already turned first half, so the result is wrong too).", """
# Exercise 8.1 — rotary position embeddings
def apply_rope(x, positions, base=10000.0):
    \"\"\"x (..., T, d) with pair i, (x[..., i], x[..., i + d/2]), turned by positions * base^(-2i/d).\"\"\"

    d = x.shape[-1]
    freqs = base ** (-torch.arange(0, d, 2) / d)
    a = positions[:, None] * freqs                               # (T, d/2)
    x1, x2 = x[..., :d // 2], x[..., d // 2:]                    # views into x
    x[..., :d // 2] = x1 * a.cos() - x2 * a.sin()
    x[..., d // 2:] = x1 * a.sin() + x2 * a.cos()
    return x
""")

add('8.1', 'base-hardcoded', 'wrong',
    "Hard-codes 10000.0 instead of using the base argument, so any other base (Llama 3's 500 000) gives the default base's rotation.", """
# Exercise 8.1 — rotary position embeddings
def apply_rope(x, positions, base=10000.0):
    \"\"\"x (..., T, d) with pair i, (x[..., i], x[..., i + d/2]), turned by positions * base^(-2i/d).\"\"\"

    d = x.shape[-1]
    freqs = 1.0 / (10000.0 ** (torch.arange(0, d, 2).float() / d))     # as in the paper
    angles = positions.float()[:, None] * freqs                   # (T, d/2)
    x1, x2 = x[..., :d // 2], x[..., d // 2:]
    return torch.cat((x1 * angles.cos() - x2 * angles.sin(), x1 * angles.sin() + x2 * angles.cos()), dim=-1)
""")

add('8.1', 'positions-not-a-column', 'wrong',
    'Multiplies positions (T,) by the frequencies (d/2,) without making positions a column: it raises unless T = d/2, and then each token gets one angle per position, elementwise, instead of a (T, d/2) table.', """
# Exercise 8.1 — rotary position embeddings
def apply_rope(x, positions, base=10000.0):
    \"\"\"x (..., T, d) with pair i, (x[..., i], x[..., i + d/2]), turned by positions * base^(-2i/d).\"\"\"

    d = x.shape[-1]
    freqs = base ** (-torch.arange(0, d, 2) / d)                 # (d/2,)
    angles = positions * freqs                                   # one angle per token and pair
    x1, x2 = x[..., :d // 2], x[..., d // 2:]
    return torch.cat([x1 * angles.cos() - x2 * angles.sin(), x1 * angles.sin() + x2 * angles.cos()], dim=-1)
""")

add('8.1', 'complex-numbers', 'right',
    'Right, unusually: treats each pair (x[i], x[i + d/2]) as the complex number x1 + i x2 and multiplies by e^{i·angle} (torch.polar), then splits real and imaginary parts back into the two halves.', """
# Exercise 8.1 — rotary position embeddings
def apply_rope(x, positions, base=10000.0):
    \"\"\"x (..., T, d) with pair i, (x[..., i], x[..., i + d/2]), turned by positions * base^(-2i/d).\"\"\"

    d = x.shape[-1]
    freqs = base ** (-torch.arange(0, d, 2, dtype=torch.float32) / d)          # (d/2,)
    angles = positions.to(torch.float32)[:, None] * freqs                       # (T, d/2)
    turn = torch.polar(torch.ones_like(angles), angles)                         # e^{i angle}
    z = torch.complex(x[..., :d // 2], x[..., d // 2:]) * turn                  # (..., T, d/2) complex
    return torch.cat([z.real, z.imag], dim=-1)
""")

add('8.2', 'only-queries-turned', 'wrong',
    "Removes the rotation of v and of k too, keeping it on q only: the scores then depend on the query's absolute position, not on the offset.", """
# Exercise 8.2 — spot the bug: what RoPE rotates
def rope_attention(q, k, v, positions):
    \"\"\"Causal attention with RoPE; q, k, v: (B, H, T, d); positions: (T,).\"\"\"
    q = apply_rope(q, positions)                       # only the queries carry the position
    return F.scaled_dot_product_attention(q, k, v, is_causal=True)
""")

add('8.2', 'causal-flag-dropped', 'wrong',
    'Stops rotating v but also drops is_causal=True, so every token attends to the future too.', """
# Exercise 8.2 — spot the bug: what RoPE rotates
def rope_attention(q, k, v, positions):
    \"\"\"Causal attention with RoPE; q, k, v: (B, H, T, d); positions: (T,).\"\"\"
    q = apply_rope(q, positions)
    k = apply_rope(k, positions)
    return F.scaled_dot_product_attention(q, k, v)
""")

add('8.2', 'values-turned-back', 'wrong',
    'Keeps a rotation on v but turns it by -positions "to undo it": v still carries its absolute position, so the output changes when every position is shifted.', """
# Exercise 8.2 — spot the bug: what RoPE rotates
def rope_attention(q, k, v, positions):
    \"\"\"Causal attention with RoPE; q, k, v: (B, H, T, d); positions: (T,).\"\"\"
    q = apply_rope(q, positions)
    k = apply_rope(k, positions)
    v = apply_rope(v, -positions)                      # cancel the rotation on the values
    return F.scaled_dot_product_attention(q, k, v, is_causal=True)
""")

add('8.2', 'by-hand-causal', 'right',
    "Right, unusually: rotates q and k only and writes the causal attention out by hand (scores / √d, a lower-triangular mask, masked_softmax) instead of SDPA's is_causal.", """
# Exercise 8.2 — spot the bug: what RoPE rotates
def rope_attention(q, k, v, positions):
    \"\"\"Causal attention with RoPE; q, k, v: (B, H, T, d); positions: (T,).\"\"\"
    q = apply_rope(q, positions)
    k = apply_rope(k, positions)                       # v is never rotated
    T = q.shape[-2]
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])           # (B, H, T, T)
    weights = masked_softmax(scores, torch.ones(T, T, dtype=torch.bool).tril())
    return weights @ v
""")

add('8.3', 'interleave-on-tokens', 'wrong',
    'Calls repeat_interleave on dim=2, the tokens, so each token is repeated instead of each head: the shape is (B, H_kv, T·groups, d_head).', """
# Exercise 8.3 — spot the bug: sharing key/value heads
def repeat_kv(x, groups):
    \"\"\"(B, H_kv, T, d_head) -> (B, H_kv * groups, T, d_head): kv head g serves query heads g * groups ... (g + 1) * groups - 1.\"\"\"
    return x.repeat_interleave(groups, dim=2)      # (B, H_kv, T, d_head) -> (B, H_kv * groups, T, d_head)
""")

add('8.3', 'expand-outer-axis', 'wrong',
    'Adds the copy axis in front of the heads, (B, groups, H_kv, …), before flattening, which gives the order 0, 1, 0, 1 again: the same as repeat.', """
# Exercise 8.3 — spot the bug: sharing key/value heads
def repeat_kv(x, groups):
    \"\"\"(B, H_kv, T, d_head) -> (B, H_kv * groups, T, d_head): kv head g serves query heads g * groups ... (g + 1) * groups - 1.\"\"\"
    B, H_kv, T, d = x.shape
    x = x[:, None].expand(B, groups, H_kv, T, d)   # make groups copies without allocating
    return x.reshape(B, groups * H_kv, T, d)
""")

add('8.3', 'interleave-without-dim', 'wrong',
    'repeat_interleave without dim flattens the tensor first and returns a 1-D tensor of B·H_kv·T·d_head·groups numbers.', """
# Exercise 8.3 — spot the bug: sharing key/value heads
def repeat_kv(x, groups):
    \"\"\"(B, H_kv, T, d_head) -> (B, H_kv * groups, T, d_head): kv head g serves query heads g * groups ... (g + 1) * groups - 1.\"\"\"
    return x.repeat_interleave(groups)             # 0, 0, 0, 0, 1, 1, 1, 1
""")

add('8.3', 'expand-inner-axis', 'right',
    'Right, unusually: a copy axis after the heads, (B, H_kv, groups, T, d_head), expanded and flattened, which repeats each head in place like repeat_interleave on dim 1.', """
# Exercise 8.3 — spot the bug: sharing key/value heads
def repeat_kv(x, groups):
    \"\"\"(B, H_kv, T, d_head) -> (B, H_kv * groups, T, d_head): kv head g serves query heads g * groups ... (g + 1) * groups - 1.\"\"\"
    B, H_kv, T, d = x.shape
    return x[:, :, None].expand(B, H_kv, groups, T, d).reshape(B, H_kv * groups, T, d)   # 0, 0, ..., 1, 1, ...
""")

add('8.4', 'repeat-not-interleave', 'wrong',
    'Copies the key/value heads with .repeat(1, groups, 1, 1) inline instead of repeat_kv, so query heads read the key/value heads in the order 0, 1, 0, 1 instead of in consecutive groups.', """
# Exercise 8.4 — GroupedQueryAttention
class GroupedQueryAttention(nn.Module):
    \"\"\"num_heads query heads sharing num_kv_heads key/value heads: X (B, T, D) and an optional mask -> (B, T, D).\"\"\"

    def __init__(self, embed_size, num_heads, num_kv_heads):
        super().__init__()
        self.num_heads = num_heads
        self.num_kv_heads = num_kv_heads
        self.d_head = embed_size // num_heads
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, num_kv_heads * self.d_head)
        self.v_proj = nn.Linear(embed_size, num_kv_heads * self.d_head)
        self.out_proj = nn.Linear(embed_size, embed_size)

    def forward(self, X, mask=None):
        \"\"\"X: (B, T, D); mask: None, (T, T), (B, 1, T) or (B, T, T) -> (B, T, D).\"\"\"

        groups = self.num_heads // self.num_kv_heads
        q = split_heads(self.q_proj(X), self.num_heads)                      # (B, H, T, d_head)
        k = split_heads(self.k_proj(X), self.num_kv_heads).repeat(1, groups, 1, 1)   # (B, H, T, d_head)
        v = split_heads(self.v_proj(X), self.num_kv_heads).repeat(1, groups, 1, 1)
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.d_head)            # (B, H, T, T)
        if mask is not None and mask.dim() == 3:
            mask = mask.unsqueeze(1)
        weights = masked_softmax(scores, mask)
        self.last_weights = weights.detach()
        return self.out_proj(merge_heads(weights @ v))                       # (B, T, D)
""")

add('8.4', 'full-width-kv', 'wrong',
    'Keeps k_proj and v_proj at nn.Linear(embed_size, embed_size), as in MultiHeadAttention, and splits them into num_heads heads: no saving, the wrong parameter shapes (loading narrower weights fails), and no sharing at all.', """
# Exercise 8.4 — GroupedQueryAttention
class GroupedQueryAttention(nn.Module):
    \"\"\"num_heads query heads sharing num_kv_heads key/value heads: X (B, T, D) and an optional mask -> (B, T, D).\"\"\"

    def __init__(self, embed_size, num_heads, num_kv_heads):
        super().__init__()
        self.num_heads = num_heads
        self.num_kv_heads = num_kv_heads
        self.d_head = embed_size // num_heads
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)

    def forward(self, X, mask=None):
        \"\"\"X: (B, T, D); mask: None, (T, T), (B, 1, T) or (B, T, T) -> (B, T, D).\"\"\"
        q = split_heads(self.q_proj(X), self.num_heads)                      # (B, H, T, d_head)
        k = split_heads(self.k_proj(X), self.num_heads)
        v = split_heads(self.v_proj(X), self.num_heads)
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.d_head)
        if mask is not None and mask.dim() == 3:
            mask = mask.unsqueeze(1)
        weights = masked_softmax(scores, mask)                               # (B, H, T, T)
        self.last_weights = weights.detach()
        return self.out_proj(merge_heads(weights @ v))
""")

add('8.4', 'scaled-by-embed-size', 'wrong',
    'Scales the scores by 1/√embed_size instead of 1/√d_head.', """
# Exercise 8.4 — GroupedQueryAttention
class GroupedQueryAttention(nn.Module):
    \"\"\"num_heads query heads sharing num_kv_heads key/value heads: X (B, T, D) and an optional mask -> (B, T, D).\"\"\"

    def __init__(self, embed_size, num_heads, num_kv_heads):
        super().__init__()
        self.num_heads = num_heads
        self.num_kv_heads = num_kv_heads
        self.d_head = embed_size // num_heads
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, num_kv_heads * self.d_head)
        self.v_proj = nn.Linear(embed_size, num_kv_heads * self.d_head)
        self.out_proj = nn.Linear(embed_size, embed_size)

    def forward(self, X, mask=None):
        \"\"\"X: (B, T, D); mask: None, (T, T), (B, 1, T) or (B, T, T) -> (B, T, D).\"\"\"

        D = X.shape[-1]
        q = split_heads(self.q_proj(X), self.num_heads)                                  # (B, H, T, d_head)
        k = repeat_kv(split_heads(self.k_proj(X), self.num_kv_heads), self.num_heads // self.num_kv_heads)
        v = repeat_kv(split_heads(self.v_proj(X), self.num_kv_heads), self.num_heads // self.num_kv_heads)
        scores = q @ k.transpose(-2, -1) / math.sqrt(D)                                  # (B, H, T, T)
        if mask is not None and mask.dim() == 3:
            mask = mask.unsqueeze(1)
        weights = masked_softmax(scores, mask)
        self.last_weights = weights.detach()
        return self.out_proj(merge_heads(weights @ v))
""")

add('8.4', 'mask-without-head-axis', 'wrong',
    'Forgets to unsqueeze a batch-shaped mask: a (B, 1, T) or (B, T, T) mask lines its batch up with the head axis of the (B, H, T, T) scores, which raises or masks the wrong heads.', """
# Exercise 8.4 — GroupedQueryAttention
class GroupedQueryAttention(nn.Module):
    \"\"\"num_heads query heads sharing num_kv_heads key/value heads: X (B, T, D) and an optional mask -> (B, T, D).\"\"\"

    def __init__(self, embed_size, num_heads, num_kv_heads):
        super().__init__()
        self.num_heads = num_heads
        self.num_kv_heads = num_kv_heads
        self.d_head = embed_size // num_heads
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, num_kv_heads * self.d_head)
        self.v_proj = nn.Linear(embed_size, num_kv_heads * self.d_head)
        self.out_proj = nn.Linear(embed_size, embed_size)

    def forward(self, X, mask=None):
        \"\"\"X: (B, T, D); mask: None, (T, T), (B, 1, T) or (B, T, T) -> (B, T, D).\"\"\"

        g = self.num_heads // self.num_kv_heads
        q = split_heads(self.q_proj(X), self.num_heads)                  # (B, H, T, d_head)
        k = repeat_kv(split_heads(self.k_proj(X), self.num_kv_heads), g) # (B, H, T, d_head)
        v = repeat_kv(split_heads(self.v_proj(X), self.num_kv_heads), g)
        weights = masked_softmax(q @ k.transpose(-2, -1) / math.sqrt(self.d_head), mask)
        self.last_weights = weights.detach()                             # (B, H, T, T)
        return self.out_proj(merge_heads(weights @ v))                   # (B, T, D)
""")

add('8.4', 'groups-from-kv-heads', 'wrong',
    'Repeats each key/value head num_kv_heads times instead of num_heads // num_kv_heads: right only when the two happen to be equal, otherwise the head counts do not match and the product raises.', """
# Exercise 8.4 — GroupedQueryAttention
class GroupedQueryAttention(nn.Module):
    \"\"\"num_heads query heads sharing num_kv_heads key/value heads: X (B, T, D) and an optional mask -> (B, T, D).\"\"\"

    def __init__(self, embed_size, num_heads, num_kv_heads):
        super().__init__()
        self.num_heads = num_heads
        self.num_kv_heads = num_kv_heads
        self.d_head = embed_size // num_heads
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, num_kv_heads * self.d_head)
        self.v_proj = nn.Linear(embed_size, num_kv_heads * self.d_head)
        self.out_proj = nn.Linear(embed_size, embed_size)

    def forward(self, X, mask=None):
        \"\"\"X: (B, T, D); mask: None, (T, T), (B, 1, T) or (B, T, T) -> (B, T, D).\"\"\"

        q = split_heads(self.q_proj(X), self.num_heads)                      # (B, H, T, d_head)
        k = repeat_kv(split_heads(self.k_proj(X), self.num_kv_heads), self.num_kv_heads)
        v = repeat_kv(split_heads(self.v_proj(X), self.num_kv_heads), self.num_kv_heads)
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.d_head)
        if mask is not None and mask.dim() == 3:
            mask = mask.unsqueeze(1)
        weights = masked_softmax(scores, mask)
        self.last_weights = weights.detach()
        return self.out_proj(merge_heads(weights @ v))
""")

add('8.4', 'sdpa-gqa-output', 'right',
    'Right, unusually: computes the weights by hand for last_weights, and the output with F.scaled_dot_product_attention(..., enable_gqa=True) on the unrepeated key/value heads, under the same mask.', """
# Exercise 8.4 — GroupedQueryAttention
class GroupedQueryAttention(nn.Module):
    \"\"\"num_heads query heads sharing num_kv_heads key/value heads: X (B, T, D) and an optional mask -> (B, T, D).\"\"\"

    def __init__(self, embed_size, num_heads, num_kv_heads):
        super().__init__()
        self.num_heads = num_heads
        self.num_kv_heads = num_kv_heads
        self.d_head = embed_size // num_heads
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, num_kv_heads * self.d_head)
        self.v_proj = nn.Linear(embed_size, num_kv_heads * self.d_head)
        self.out_proj = nn.Linear(embed_size, embed_size)

    def forward(self, X, mask=None):
        \"\"\"X: (B, T, D); mask: None, (T, T), (B, 1, T) or (B, T, T) -> (B, T, D).\"\"\"

        q = split_heads(self.q_proj(X), self.num_heads)                      # (B, H, T, d_head)
        k = split_heads(self.k_proj(X), self.num_kv_heads)                   # (B, H_kv, T, d_head)
        v = split_heads(self.v_proj(X), self.num_kv_heads)
        if mask is not None and mask.dim() == 3:
            mask = mask.unsqueeze(1)
        k_all = repeat_kv(k, self.num_heads // self.num_kv_heads)
        self.last_weights = masked_softmax(q @ k_all.transpose(-2, -1) / math.sqrt(self.d_head), mask).detach()
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, enable_gqa=True)   # (B, H, T, d_head)
        return self.out_proj(merge_heads(out))
""")

add('8.5', 'keys-only', 'wrong',
    'Forgets the factor 2 for keys and values, so it counts the keys alone: half the cache.', """
# Exercise 8.5 — the KV cache's memory
def kv_cache_gib(T, num_layers, num_kv_heads, d_head, bytes_per_number):
    \"\"\"GiB of keys and values cached for one sequence of each length in T (a tensor of integers).\"\"\"
    numbers = T * num_layers * num_kv_heads * d_head          # per sequence
    return numbers * bytes_per_number / 2**30
""")

add('8.5', 'gigabytes-not-gibibytes', 'wrong',
    'Divides by 1e9 (GB) instead of 2**30 (GiB), so every value is about 7% too large.', """
# Exercise 8.5 — the KV cache's memory
def kv_cache_gib(T, num_layers, num_kv_heads, d_head, bytes_per_number):
    \"\"\"GiB of keys and values cached for one sequence of each length in T (a tensor of integers).\"\"\"
    total_bytes = 2 * T * num_layers * num_kv_heads * d_head * bytes_per_number
    return total_bytes / 1e9
""")

add('8.5', 'floor-division', 'wrong',
    'Divides with // 2**30, integer floor division on the integer tensor: the result is int64 and every cache under 1 GiB becomes 0.', """
# Exercise 8.5 — the KV cache's memory
def kv_cache_gib(T, num_layers, num_kv_heads, d_head, bytes_per_number):
    \"\"\"GiB of keys and values cached for one sequence of each length in T (a tensor of integers).\"\"\"
    per_token = 2 * num_layers * num_kv_heads * d_head * bytes_per_number   # bytes for one token
    return T * per_token // 2**30
""")

add('8.5', 'python-float', 'wrong',
    'Converts the result with float(...), which works for a single length but raises for a tensor of several lengths, and returns a Python float, not a tensor.', """
# Exercise 8.5 — the KV cache's memory
def kv_cache_gib(T, num_layers, num_kv_heads, d_head, bytes_per_number):
    \"\"\"GiB of keys and values cached for one sequence of each length in T (a tensor of integers).\"\"\"
    n_bytes = 2 * T * num_layers * num_kv_heads * d_head * bytes_per_number
    return float(n_bytes) / 2**30
""")

add('8.6', 'one-key-too-many', 'wrong',
    'Uses j >= i - window instead of j > i - window, so each query sees window + 1 keys (itself and window before it).', """
# Exercise 8.6 — a sliding-window mask
def sliding_window_mask(T, window):
    \"\"\"(T, T) booleans: True where query i may attend key j, i.e. i - window < j <= i.\"\"\"
    i = torch.arange(T)[:, None]
    j = torch.arange(T)[None, :]
    return (j <= i) & (j >= i - window)
""")

add('8.6', 'triu-off-by-one', 'wrong',
    'Keeps the diagonals down to -window with .triu(-window) instead of .triu(1 - window), again one key too many per query.', """
# Exercise 8.6 — a sliding-window mask
def sliding_window_mask(T, window):
    \"\"\"(T, T) booleans: True where query i may attend key j, i.e. i - window < j <= i.\"\"\"
    causal = torch.ones(T, T, dtype=torch.bool).tril()       # lesson 03
    return causal.triu(-window)                              # keep the last `window` diagonals
""")

add('8.6', 'band-both-sides', 'wrong',
    'Keeps |i - j| < window, a band on both sides of the diagonal, so each query also sees the next window - 1 tokens: the causal part is lost.', """
# Exercise 8.6 — a sliding-window mask
def sliding_window_mask(T, window):
    \"\"\"(T, T) booleans: True where query i may attend key j, i.e. i - window < j <= i.\"\"\"
    idx = torch.arange(T)
    distance = (idx[:, None] - idx[None, :]).abs()           # how far apart two tokens are
    return distance < window
""")

add('8.6', 'window-outside', 'wrong',
    'Returns j <= i - window, the keys outside the window: each query sees everything except itself and the window - 1 before it.', """
# Exercise 8.6 — a sliding-window mask
def sliding_window_mask(T, window):
    \"\"\"(T, T) booleans: True where query i may attend key j, i.e. i - window < j <= i.\"\"\"
    rows = torch.arange(T).unsqueeze(1)                      # query i
    cols = torch.arange(T).unsqueeze(0)                      # key j
    return cols <= rows - window                             # i - j >= window
""")

add('8.6', 'loop-with-max', 'right',
    'Right, unusually: a Python loop that sets, in row i, the keys max(0, i - window + 1) … i to True.', """
# Exercise 8.6 — a sliding-window mask
def sliding_window_mask(T, window):
    \"\"\"(T, T) booleans: True where query i may attend key j, i.e. i - window < j <= i.\"\"\"
    mask = torch.zeros(T, T, dtype=torch.bool)
    for i in range(T):
        start = max(0, i - window + 1)                       # the oldest key still in the window
        mask[i, start:i + 1] = True
    return mask
""")
