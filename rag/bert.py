"""A BERT encoder in plain torch, for answering (its tokenizer: :mod:`rag.tokenizer`).

The embedder (all-MiniLM-L6-v2) and the reader (a cross-encoder on the same model) are
BERTs. Reading them through transformers costs a cold ``rag ask`` about 1.5 s of imports
on 2 cores (transformers pulls in torch's distributed and compiler packages), more than
the models take to load and run. :class:`Bert` computes what transformers' ``BertModel``
computes at inference (absolute positions, GELU, post-norm layers; no pooler, no dropout),
with the same parameter names, so the same weight files load into either; training keeps
transformers' model (its dropout). ``tests/test_bert.py`` checks it, and the tokenizer,
against transformers'.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.nn import functional

#: the real tokens' rows are computed in multiples of this (:meth:`Bert.forward`)
ROWS = 64


@dataclass
class BertConfig:
    """The shape of a BERT (the names of transformers' ``config.json``)."""

    vocab_size: int
    hidden_size: int = 384
    num_hidden_layers: int = 6
    num_attention_heads: int = 12
    intermediate_size: int = 1536
    max_position_embeddings: int = 512
    type_vocab_size: int = 2
    layer_norm_eps: float = 1e-12
    pad_token_id: int = 0

    @classmethod
    def of(cls, values: dict[str, Any]) -> BertConfig:
        """From a ``config.json``'s dict (other keys ignored); ValueError if it is not a
        BERT this module computes (another activation or position scheme)."""
        if values.get("hidden_act", "gelu") != "gelu" or values.get(
            "position_embedding_type", "absolute"
        ) not in ("absolute", None):
            raise ValueError("not a plain BERT (GELU, absolute positions)")
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in names})

    @classmethod
    def read(cls, folder: Path) -> BertConfig:
        return cls.of(json.loads((folder / "config.json").read_text(encoding="utf-8")))


class _Embeddings(nn.Module):
    def __init__(self, c: BertConfig) -> None:
        super().__init__()
        self.word_embeddings = nn.Embedding(c.vocab_size, c.hidden_size, c.pad_token_id)
        self.position_embeddings = nn.Embedding(c.max_position_embeddings, c.hidden_size)
        self.token_type_embeddings = nn.Embedding(c.type_vocab_size, c.hidden_size)
        self.LayerNorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)

    def forward(self, ids: torch.Tensor, types: torch.Tensor) -> torch.Tensor:
        positions = torch.arange(ids.shape[1], device=ids.device)
        x = self.word_embeddings(ids) + self.token_type_embeddings(types)
        return self.LayerNorm(x + self.position_embeddings(positions)[None])


class _SelfAttention(nn.Module):
    def __init__(self, c: BertConfig) -> None:
        super().__init__()
        self.heads = c.num_attention_heads
        self.query = nn.Linear(c.hidden_size, c.hidden_size)
        self.key = nn.Linear(c.hidden_size, c.hidden_size)
        self.value = nn.Linear(c.hidden_size, c.hidden_size)
        #: query, key and value in one product, once loaded (:func:`for_reading`)
        self.qkv: nn.Module | None = None

    def fuse(self) -> None:
        """One linear layer for the three (the same numbers; one matrix product, not
        three); the three are dropped."""
        hidden = self.query.in_features
        weight = self.query.weight
        qkv = nn.Linear(hidden, 3 * hidden, device=weight.device, dtype=weight.dtype)
        with torch.no_grad():
            qkv.weight.copy_(torch.cat([self.query.weight, self.key.weight, self.value.weight]))
            qkv.bias.copy_(torch.cat([self.query.bias, self.key.bias, self.value.bias]))
        self.qkv = qkv
        del self.query, self.key, self.value

    def forward(self, x: torch.Tensor, rows: _Rows) -> torch.Tensor:
        """``x``: the real tokens' states (N, hidden) (:class:`_Rows` says where they sit)."""
        h = x.shape[-1]
        if self.qkv is not None:
            qkv = self.qkv(x)
        else:
            qkv = torch.cat([self.query(x), self.key(x), self.value(x)], dim=-1)
        d = h // self.heads
        if rows.lengths is not None:
            # each sequence's tokens are consecutive rows: attention one sequence at a
            # time, without padding (no mask, no padded copy)
            outs = []
            at = 0
            for n in rows.lengths:
                if not n:
                    continue  # a row without tokens has nothing to attend
                one = qkv[at : at + n].view(1, n, 3, self.heads, d).permute(2, 0, 3, 1, 4)
                out = functional.scaled_dot_product_attention(one[0], one[1], one[2])
                outs.append(out[0].transpose(0, 1).reshape(n, h))
                at += n
            outs.append(qkv.new_zeros(len(x) - at, h))  # the rows' rounding (see Bert)
            return torch.cat(outs)
        b, t = rows.shape
        padded = qkv.new_zeros(b * t + 1, 3 * h)
        padded[rows.keep] = qkv
        q, k, v = padded[:-1].view(b, t, 3, self.heads, d).permute(2, 0, 3, 1, 4)
        out = functional.scaled_dot_product_attention(q, k, v, attn_mask=rows.bias.to(q.dtype))
        out = out.transpose(1, 2).reshape(b * t, h)
        return torch.cat([out, out.new_zeros(1, h)])[rows.keep]


@dataclass
class _Rows:
    """Where a batch's real tokens sit: ``keep``, their places in the padded (batch,
    length) ``shape`` (place batch x length: a spare row, see :meth:`Bert.forward`), the
    padding's attention ``bias``; ``lengths``: each sequence's token count when its tokens
    come first in its row and the batch is short enough to attend sequence by sequence."""

    keep: torch.Tensor
    shape: torch.Size
    bias: torch.Tensor
    lengths: list[int] | None


#: batches of at most this many sequences attend one sequence at a time (measured faster
#: for the reader's 16 candidates, docs/benchmarks.md); larger ones padded, in one call
SEQUENCE_ATTENTION = 32


class _DenseNorm(nn.Module):
    """A projection, then the residual added and normalised (BERT's "output" blocks)."""

    def __init__(self, inputs: int, c: BertConfig) -> None:
        super().__init__()
        self.dense: nn.Module = nn.Linear(inputs, c.hidden_size)
        self.LayerNorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)

    def forward(self, x: torch.Tensor, residual: torch.Tensor) -> torch.Tensor:
        return self.LayerNorm(self.dense(x) + residual)


class _Attention(nn.Module):
    def __init__(self, c: BertConfig) -> None:
        super().__init__()
        self.self = _SelfAttention(c)
        self.output = _DenseNorm(c.hidden_size, c)


class _Intermediate(nn.Module):
    def __init__(self, c: BertConfig) -> None:
        super().__init__()
        self.dense: nn.Module = nn.Linear(c.hidden_size, c.intermediate_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if isinstance(self.dense, _Packed) and self.dense.gelu:
            return self.dense(x)
        return functional.gelu(self.dense(x))


class _Layer(nn.Module):
    def __init__(self, c: BertConfig) -> None:
        super().__init__()
        self.attention = _Attention(c)
        self.intermediate = _Intermediate(c)
        self.output = _DenseNorm(c.intermediate_size, c)

    def forward(self, x: torch.Tensor, rows: _Rows) -> torch.Tensor:
        x = self.attention.output(self.attention.self(x, rows), x)
        return self.output(self.intermediate(x), x)


class _Layers(nn.Module):
    def __init__(self, c: BertConfig) -> None:
        super().__init__()
        self.layer = nn.ModuleList(_Layer(c) for _ in range(c.num_hidden_layers))


class Bert(nn.Module):
    """BERT's encoder at inference: ``(hidden states,)`` as transformers' ``BertModel``
    returns them first, under the same parameter names."""

    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.config = config
        self.embeddings = _Embeddings(config)
        self.encoder = _Layers(config)

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor]:
        types = torch.zeros_like(input_ids) if token_type_ids is None else token_type_ids
        x = self.embeddings(input_ids, types)
        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)
        # padding keys get a large negative bias (the value transformers uses)
        bias = (1.0 - attention_mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
        # every product but attention's on the real tokens only (a batch of sentences is
        # about a quarter padding): the same numbers for them, padding's states are zeros.
        # Their count is rounded up (:func:`rounded_rows`) with a spare row (the place after
        # the last): the math library keeps a kernel for each shape it meets, and every
        # count its own would grow memory by a few hundred MB over a few hundred questions.
        shape = input_ids.shape
        spare = shape[0] * shape[1]
        keep = attention_mask.reshape(-1).nonzero().squeeze(1)
        keep = functional.pad(keep, (0, rounded_rows(len(keep)) - len(keep)), value=spare)
        x = torch.cat([x.reshape(spare, -1), x.new_zeros(1, x.shape[-1])])
        real = x[keep]
        rows = _Rows(keep, shape, bias, _prefix_lengths(attention_mask))
        for layer in self.encoder.layer:
            real = layer(real, rows)
        out = real.new_zeros(spare + 1, real.shape[-1])
        out[keep] = real
        return (out[:-1].view(*shape, -1),)

    @classmethod
    def load(cls, folder: Path) -> Bert:
        """The model in a transformers-style folder (``config.json``, ``model.safetensors``)."""
        from safetensors.torch import load_file

        with uninitialised():
            model = cls(BertConfig.read(folder))
        state = load_file(str(folder / "model.safetensors"))
        state = {k.removeprefix("bert."): v for k, v in state.items()}
        missing, _ = model.load_state_dict(state, strict=False)  # the pooler is not used
        if missing:
            raise ValueError(f"{folder} lacks {missing[:3]}")
        return model.eval()


def rounded_rows(count: int) -> int:
    """``count`` token rows rounded up to a power of two from 16 to :data:`ROWS`, above that
    to a multiple of ROWS: a few shapes in all, and a one-line question (a dozen tokens)
    not computed as 64 rows."""
    if count > ROWS:
        return -(-count // ROWS) * ROWS
    return max(16, 1 << (count - 1).bit_length())


def _prefix_lengths(mask: torch.Tensor) -> list[int] | None:
    """Each row's token count, when every row's tokens come first (padding after) and the
    batch is at most :data:`SEQUENCE_ATTENTION` rows; else None."""
    if mask.shape[0] > SEQUENCE_ATTENTION:
        return None
    lengths = mask.sum(1)
    if not torch.equal(mask.bool(), torch.arange(mask.shape[1])[None] < lengths[:, None]):
        return None
    return [int(n) for n in lengths.tolist()]


@contextlib.contextmanager
def uninitialised() -> Iterator[None]:
    """Linear, embedding and norm layers built inside have their parameters allocated but
    not initialised: for a model whose every weight is loaded next (its random start cost
    about 120 ms a model on 2 cores, at every cold start). As transformers' own
    ``no_init_weights``, for the whole process while it lasts."""
    kinds = (nn.Linear, nn.Embedding, nn.LayerNorm)
    saved = [(kind, kind.reset_parameters) for kind in kinds]
    for kind in kinds:
        kind.reset_parameters = lambda self: None  # type: ignore[method-assign]
    try:
        yield
    finally:
        for kind, reset in saved:
            kind.reset_parameters = reset  # type: ignore[method-assign]


def for_reading(model: nn.Module, *, bf16: bool) -> nn.Module:
    """``model`` (a :class:`Bert` or a module holding one) made ready to read, its
    weights final: each layer's query, key and value in one product; with ``bf16`` (to run
    under bf16 autocast only) its layers' linear weights stored in bf16, as autocast casts
    them at every call, and where torch's oneDNN build offers it, stored in the layout its
    matrix kernels read (:class:`_Packed`, GELU computed in the same call). Its
    state_dict no longer loads into a BERT (docs/benchmarks.md, "Answering without
    transformers")."""
    for module in list(model.modules()):
        if isinstance(module, _SelfAttention) and module.qkv is None:
            module.fuse()
    if bf16:
        for module in model.modules():
            if isinstance(module, nn.Linear):
                module.to(torch.bfloat16)
        if _packable():
            for layer in [m for m in model.modules() if isinstance(m, _Layer)]:
                _pack_layer(layer)
    return model.eval()


class _Packed(nn.Module):
    """A bf16 linear layer whose weight is stored in oneDNN's blocked layout, read by
    ``torch.ops.mkldnn._linear_pointwise`` (the kernel torch's own compiler emits for
    frozen CPU models): the products of :func:`functional.linear` in bf16 without
    re-ordering the weight at every call, optionally with GELU applied on the fp32
    accumulator before rounding (more exact than GELU on the rounded product)."""

    def __init__(self, linear: nn.Module, *, gelu: bool = False) -> None:
        super().__init__()
        assert isinstance(linear, nn.Linear)
        weight = linear.weight.detach().to(torch.bfloat16)
        self.out_features = weight.shape[0]
        self.gelu = gelu
        self.weight = torch.ops.mkldnn._reorder_linear_weight(weight, _PACKED_FOR)
        bias = linear.bias
        self.bias = None if bias is None else bias.detach().to(torch.bfloat16)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        attr = "gelu" if self.gelu else "none"
        return torch.ops.mkldnn._linear_pointwise(
            x.to(torch.bfloat16), self.weight, self.bias, attr, [], "none"
        )


#: the row count packed weights are laid out for (a hint: any count runs)
_PACKED_FOR = 1024


def _pack_layer(layer: _Layer) -> None:
    attention = layer.attention.self
    if attention.qkv is not None:
        attention.qkv = _Packed(attention.qkv)
    layer.attention.output.dense = _Packed(layer.attention.output.dense)
    layer.intermediate.dense = _Packed(layer.intermediate.dense, gelu=True)
    layer.output.dense = _Packed(layer.output.dense)


def _packable() -> bool:
    """Whether this torch build has oneDNN's packed bf16 linear kernels (checked by
    running one: a build without them, or a CPU oneDNN refuses, keeps the plain layers)."""
    global _PACKABLE
    if _PACKABLE is None:
        try:
            _PACKABLE = bool(torch.backends.mkldnn.is_available())
            if _PACKABLE:
                probe = nn.Linear(8, 8).to(torch.bfloat16)
                with torch.inference_mode():
                    _Packed(probe)(torch.ones(2, 8))
        except (RuntimeError, AttributeError, NotImplementedError):
            _PACKABLE = False
    return _PACKABLE


_PACKABLE: bool | None = None
