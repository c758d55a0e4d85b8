"""Lesson 07's probes: what its checks do with a module that keeps a KV cache instead of
calling it once. A cached attention layer is fed two sequences, each in pieces after a
reset, or two instances of it read one sequence each in turn, as a model's layers are
called; a cached model that has read other tokens generates from two prompts in turn, and
the tokens that reach its first attention layer are counted. Built from torch alone, never
from the course's code."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from .probes import MissingAttribute


class CacheNotKept(Exception):
    """After reading a prompt, a cached attention layer's cache_k or cache_v does not hold
    that prompt's keys or values, one per token on the second-to-last axis."""


class CacheNotEmptied(Exception):
    """After reset_cache(), a cached attention layer's cache_k or cache_v is something other
    than None (an empty tensor, a list): the model's code reads None as nothing cached."""


class SharedCache(Exception):
    """Two instances of a cached attention layer, used in turn, see each other's tokens: a
    call left one instance's cache holding more tokens than that instance has read."""


class FedTooMuch(Exception):
    """A cached model's generation sent more tokens through the model than a cache needs:
    the prompt once, then one token a step."""


def _kept(module: nn.Module, name: str, B: int, T: int) -> None:
    """Insist that module.<name> holds one entry per token read, (B, ..., T, d_head)."""
    cache = getattr(module, name, None)
    if not isinstance(cache, Tensor):
        what = f"has no attribute {name}" if not hasattr(module, name) else f"has {name} = {type(cache).__name__}"
        raise MissingAttribute(
            f"after reading a prompt of {T} tokens, your module {what}: it should hold their "
            f"{'keys' if name.endswith('k') else 'values'}, (B, H, {T}, d_head)"
        )
    if cache.dim() < 3 or cache.shape[0] != B or cache.shape[-2] != T:
        raise CacheNotKept(
            f"after reading a prompt of {T} tokens (B = {B}), self.{name} has shape {tuple(cache.shape)}; "
            f"expected (B, H, {T}, d_head) = ({B}, H, {T}, d_head)"
        )


def _emptied(module: nn.Module) -> None:
    """Insist that reset_cache() left module.cache_k and module.cache_v None, as the exercise asks:
    the model's forward hands cache_k to positions_after, which reads None as nothing cached."""
    for name in ("cache_k", "cache_v"):
        cache = getattr(module, name, None)
        if cache is not None:
            what = (
                f"a tensor of shape {tuple(cache.shape)}" if isinstance(cache, Tensor) else f"a {type(cache).__name__}"
            )
            raise CacheNotEmptied(f"after reset_cache(), before any token was read, self.{name} is {what}, not None")


def cache_in_pieces(
    module: nn.Module, X_a: Tensor, X_b: Tensor, pieces_a: tuple, pieces_b: tuple, other: nn.Module | None = None
) -> Tensor:
    """Two sequences (B, T_a, D) and (B, T_b, D), each read from an empty cache
    (module.reset_cache()) in pieces of the given lengths, module(X[:, start:start + n]) for
    each: the outputs side by side, (B, T_a + T_b, D). After the first reset, module.cache_k
    and module.cache_v must be None; after the first sequence, they must hold one entry per
    token, (B, H, T_a, d_head). With `other`, a second instance of the class, the two read the
    sequences in turn instead (see in_turn). Runs in the caller's grad mode: a check's case of
    gradients needs the graph."""
    if other is not None:
        return in_turn(module, other, X_a, X_b, pieces_a, pieces_b)
    outputs = []
    for index, (X, pieces) in enumerate(((X_a, pieces_a), (X_b, pieces_b))):
        module.reset_cache()
        if index == 0:
            _emptied(module)
        start = 0
        for n in pieces:
            out = module(X[:, start : start + n])  # only the tokens not read yet
            if not isinstance(out, Tensor):
                return out  # judged as what it is (None, a tuple ...)
            outputs.append(out)
            start += n
        if index == 0:
            for name in ("cache_k", "cache_v"):
                _kept(module, name, X.shape[0], X.shape[1])
    return torch.cat(outputs, dim=1)


def in_turn(first: nn.Module, second: nn.Module, X_a: Tensor, X_b: Tensor, pieces_a: tuple, pieces_b: tuple) -> Tensor:
    """Instance A (`first`) reads X_a and instance B (`second`) reads X_b, each after its own
    reset_cache(), a piece each in turn, as the layers of a model are called: the outputs of A
    then those of B, (B, T_a + T_b, D), the same as each alone. Raises SharedCache as soon as a
    call leaves an instance's cache_k holding another number of tokens than that instance read."""
    first.reset_cache()
    second.reset_cache()
    turns = ((first, X_a, pieces_a, "A"), (second, X_b, pieces_b, "B"))
    outputs: list[list[Tensor]] = [[], []]
    read = [0, 0]
    for call in range(max(len(pieces_a), len(pieces_b))):
        for who, (module, X, pieces, name) in enumerate(turns):
            if call >= len(pieces):
                continue
            n = pieces[call]
            out = module(X[:, read[who] : read[who] + n])
            if not isinstance(out, Tensor):
                return out
            outputs[who].append(out)
            read[who] += n
            cache = getattr(module, "cache_k", None)
            if isinstance(cache, Tensor) and cache.dim() >= 3 and cache.shape[-2] != read[who]:
                raise SharedCache(
                    f"used in turn with instance {'B' if who == 0 else 'A'}, which had read {read[1 - who]} tokens, "
                    f"instance {name}'s call {call + 1} ({n} tokens) saw {cache.shape[-2] - n} cached positions where "
                    f"it had read {read[who] - n}: its cache_k holds {cache.shape[-2]} tokens after it"
                )
    return torch.cat(outputs[0] + outputs[1], dim=1)


def greedy_twice(
    module: nn.Module, prompt_a: Tensor, prompt_b: Tensor, steps: int, before: Tensor | None = None
) -> Tensor:
    """module.greedy(prompt, steps) for two prompts (B, T_a) and (B, T_b) in turn, on the
    same module: the logits side by side, (B, 2 · steps, V). With `before` (B, T), the model
    first reads those tokens, module(before), as a model used for something else has: greedy
    must start from an empty cache all the same. Counts the tokens that reach the first
    attention layer, module.blocks[0].attention, during greedy: a cache needs the prompt once,
    then one token a step, T_prompt + steps - 1 in all; one more raises FedTooMuch there
    and then (before positions could run past the model's table)."""
    if before is not None:
        with torch.no_grad():
            module(before)
    fed, needed, prompt_length = [0], [0], [0]

    def count(layer: nn.Module, args: tuple) -> None:
        now = args[0].shape[1] if args and isinstance(args[0], Tensor) and args[0].dim() >= 2 else 0
        fed[0] += now
        if fed[0] > needed[0]:
            # a word, not an 's', for the plural: the checks' catalogs translate whole words
            went_over = (
                f"the call that went over fed {now} tokens at once"
                if now != 1
                else "the call that went over fed 1 token at once"
            )
            raise FedTooMuch(
                f"to generate {steps} tokens after a prompt of {prompt_length[0]}, your greedy sent {fed[0]} tokens "
                f"through the model, more than the {prompt_length[0]} + {steps - 1} = {needed[0]} a cache needs; "
                f"{went_over}"
            )

    hook = module.blocks[0].attention.register_forward_pre_hook(count)
    outputs = []
    try:
        with torch.no_grad():
            for prompt in (prompt_a, prompt_b):
                fed[0], needed[0], prompt_length[0] = 0, prompt.shape[1] + steps - 1, prompt.shape[1]
                out = module.greedy(prompt, steps)
                if not isinstance(out, Tensor):
                    return out  # judged as what it is (None, a tuple ...)
                outputs.append(out)
    finally:
        hook.remove()
    first, second = outputs
    if (
        first.dim() < 2
        or first.dim() != second.dim()
        or first.shape[:1] + first.shape[2:] != second.shape[:1] + second.shape[2:]
    ):
        return first  # judged by its shape
    return torch.cat(outputs, dim=1)
