"""The BERT models' tokenizer for answering: the model's own ``tokenizer.json`` read by the
``tokenizers`` library, answering the few calls the embedder and the reader make of
transformers' fast tokenizer with the same ids and offsets (``tests/test_bert.py``), and the
padding of a batch's token rows (:func:`padded`). The model is :mod:`rag.bert`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch


class Tokenizer:
    """A ``tokenizer.json`` read by ``tokenizers``, called as transformers' fast tokenizer is
    by this package: ``tok(texts, add_special_tokens=False, return_offsets_mapping=True)``,
    ``cls_token_id``, ``sep_token_id``, ``pad_token_id``, ``num_special_tokens_to_add()``;
    :meth:`batch` pads and cuts a batch for a model."""

    def __init__(self, tok: Any, *, cls: str, sep: str, pad: str) -> None:
        tok.no_truncation()
        tok.no_padding()
        self._tok = tok
        ids = {name: tok.token_to_id(name) for name in (cls, sep, pad)}
        if None in ids.values():
            raise ValueError(f"the tokenizer lacks one of {cls} {sep} {pad}")
        self.cls_token_id, self.sep_token_id, self.pad_token_id = ids[cls], ids[sep], ids[pad]

    @classmethod
    def load(cls, folder: Path) -> Tokenizer:
        """The folder's ``tokenizer.json`` with the special tokens its
        ``special_tokens_map.json`` names (BERT's by default)."""
        from tokenizers import Tokenizer as Fast

        names = {"cls_token": "[CLS]", "sep_token": "[SEP]", "pad_token": "[PAD]"}
        special = folder / "special_tokens_map.json"
        if special.is_file():
            for key, value in json.loads(special.read_text(encoding="utf-8")).items():
                if key in names:
                    names[key] = value["content"] if isinstance(value, dict) else str(value)
        tok = Fast.from_file(str(folder / "tokenizer.json"))
        return cls(tok, cls=names["cls_token"], sep=names["sep_token"], pad=names["pad_token"])

    def num_special_tokens_to_add(self, pair: bool = False) -> int:
        return 3 if pair else 2

    def __call__(
        self,
        texts: str | Sequence[str],
        *,
        add_special_tokens: bool = False,
        return_offsets_mapping: bool = False,
        truncation: bool = False,
    ) -> dict[str, Any]:
        if add_special_tokens or truncation:
            raise ValueError("only plain token ids and offsets are computed here")
        one = isinstance(texts, str)
        encoded = self._tok.encode_batch([texts] if one else list(texts), add_special_tokens=False)
        out: dict[str, Any] = {"input_ids": [e.ids for e in encoded]}
        if return_offsets_mapping:
            out["offset_mapping"] = [e.offsets for e in encoded]
        return {k: v[0] for k, v in out.items()} if one else out

    def batch(self, texts: Sequence[str], max_length: int) -> tuple[torch.Tensor, torch.Tensor]:
        """(ids, attention mask) of ``[CLS] text [SEP]`` rows, each cut to ``max_length``
        tokens and padded to the longest (transformers' ``padding=True, truncation=True``)."""
        rows = [
            [self.cls_token_id, *ids[: max_length - 2], self.sep_token_id]
            for ids in self(texts)["input_ids"]
        ]
        return padded(rows, self.pad_token_id)


def padded(rows: Sequence[Sequence[int]], pad: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(ids, attention mask) of token rows padded with ``pad`` to the longest."""
    width = max(len(r) for r in rows)
    ids = torch.full((len(rows), width), pad, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, row in enumerate(rows):
        ids[i, : len(row)] = torch.tensor(row, dtype=torch.long)
        mask[i, : len(row)] = 1
    return ids, mask
