"""The reader's training loop: listwise + pointwise + span losses, on the CPU, from a seed.

Loss per batch of whole groups: a softmax over each group's candidates (ranking: the
positives against the rest), a per-sentence logistic loss (answerability, so groups with
no positive teach abstention), and SQuAD-style start/end cross-entropy (the short answer;
"no answer" at the first token for negatives).

Resumable: every ``checkpoint_every`` steps the network, optimiser, schedule and step are
written to ``checkpoint.pt`` beside the output; the same command started again goes on
from there (the batch plan is a function of the seed, so the run is the same run).
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import random
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from rag.hardware import use_bf16
from rag.reader import bases
from rag.reader.network import (
    MAX_LENGTH,
    Encoder,
    ReaderNet,
    base_of,
    encoder_for,
    grow,
    load_trained,
)
from rag.reader.protocol import reader_config

from .data import Group

log = logging.getLogger(__name__)

CHECKPOINT = "checkpoint.pt"


@dataclass(frozen=True, slots=True)
class TrainConfig:
    seed: int = 13
    epochs: float = 1.0
    batch_pairs: int = 32
    lr: float = 5e-5
    head_lr: float = 5e-4
    warmup: float = 0.06
    weight_decay: float = 0.01
    max_length: int = MAX_LENGTH
    max_question: int = 64
    minutes: float = 150.0
    limit: int | None = None  # questions per source (a quick run)
    #: passes over each source's groups per epoch (in-domain news counts more)
    repeats: dict[str, int] = field(default_factory=dict)
    #: questions drawn from SQuAD 1.1 train / SQuAD 2.0 train part (None: all)
    squad11: int | None = 4000
    squad2: int | None = 1500
    #: a trained reader to start from (None: the base model)
    init: str | None = None
    #: the encoder a reader without ``init`` starts from (``bases.BASES``)
    base: str = bases.MINILM
    #: also train on research-use-only sets (TrecQA train): not for a model that ships
    research_data: bool = False
    #: a folder of pools (``python -m training.pools``): the assistant's own candidates
    pools: str | None = None
    #: transformer layers (None: as the base or ``init``); deeper: ``network.grow``
    layers: int | None = None
    #: open-question groups made from the news training articles (``statements``; 0: none)
    statements: int = 0
    checkpoint_every: int = 100
    #: bfloat16 autocast: "auto" (where the CPU has it natively), "on" or "off"
    precision: str = "auto"
    #: read each candidate's age as words after its context (``Encoder.context``)
    age_words: bool = False

    def key(self) -> str:
        """What a checkpoint must match to be resumed (the time limit may change)."""
        d = asdict(self)
        d.pop("minutes")
        d.pop("checkpoint_every")
        d.pop("precision")
        if d["base"] == bases.MINILM:  # as before bases: earlier checkpoints go on
            d.pop("base")
        if not d["age_words"]:
            d.pop("age_words")
        return hashlib.sha256(json.dumps(d, sort_keys=True).encode()).hexdigest()[:16]


def _span_targets(
    batch_first: list[int], offsets: list[list[tuple[int, int]]], spans: list[Any]
) -> tuple[torch.Tensor, torch.Tensor]:
    """Token targets: the answer's first/last token, 0 for "no answer", -100 to ignore."""
    starts, ends = [], []
    for first, offs, span in zip(batch_first, offsets, spans, strict=True):
        if span is None:
            starts.append(-100)
            ends.append(-100)
            continue
        if span == "none":
            starts.append(0)
            ends.append(0)
            continue
        lo, hi = span
        toks = [i for i, (a, b) in enumerate(offs) if b > lo and a < hi]
        if not toks or offs[toks[-1]][1] < hi:  # cut off by truncation
            starts.append(-100)
            ends.append(-100)
            continue
        starts.append(first + toks[0])
        ends.append(first + toks[-1])
    return torch.tensor(starts), torch.tensor(ends)


#: groups of this many batches are sorted by length before they are cut into batches
BUCKET = 50


def _length(group: Group) -> int:
    """A group's longest row, in characters (the batch is padded to its longest row)."""
    return len(group.question) + max(
        (len(c.passage.text) + len(c.passage.before) for c in group.candidates), default=0
    )


def _batches(
    groups: list[Group], batch_pairs: int, rng: random.Random, *, bucket: int = BUCKET
) -> list[list[Group]]:
    """Batches of whole groups, about ``batch_pairs`` rows each, in random order; groups of
    like length share a batch (within windows of ``bucket`` batches; 0: as drawn), so less
    of a batch is padding."""
    order = groups[:]
    rng.shuffle(order)
    out: list[list[Group]] = []
    window = max(1, bucket * batch_pairs // 6) if bucket else len(order)  # ~6-row groups
    for lo in range(0, len(order), window):
        current: list[Group] = []
        pairs = 0
        window_groups = order[lo : lo + window]
        for g in sorted(window_groups, key=_length) if bucket else window_groups:
            if current and pairs + len(g.candidates) > batch_pairs:
                out.append(current)
                current, pairs = [], 0
            current.append(g)
            pairs += len(g.candidates)
        if current:
            out.append(current)
    if bucket:
        rng.shuffle(out)
    return out


def use_fast_training(net: ReaderNet, precision: str = "auto") -> bool:
    """Whether training runs in bfloat16 (``precision`` as the reader's ``bf16`` setting:
    auto, where the CPU has it natively); then with eager attention, whose bf16 backward is
    faster on these CPUs than ``sdpa``'s (shared/STACK.md, ``python -m training.step_cost``)."""
    bf16 = use_bf16(precision)
    config: Any = net.encoder.config
    config._attn_implementation = "eager" if bf16 else "sdpa"
    return bf16


def _step_loss(net: ReaderNet, encoder: Encoder, groups: list[Group]) -> torch.Tensor:
    questions = [g.question for g in groups for _ in g.candidates]
    cands = [c for g in groups for c in g.candidates]
    batch = encoder.encode(questions, [c.passage for c in cands])
    score, start, end = net(batch.ids, batch.mask, batch.types, batch.allowed)
    score, start, end = score.float(), start.float(), end.float()  # bf16 under autocast
    labels = torch.tensor([c.label for c in cands])
    loss = F.binary_cross_entropy_with_logits(score, labels)
    rank_losses = []
    at = 0
    for g in groups:
        n = len(g.candidates)
        s = score[at : at + n]
        pos = labels[at : at + n] > 0.5
        if pos.any():
            rank_losses.append(torch.logsumexp(s, 0) - torch.logsumexp(s[pos], 0))
        at += n
    if rank_losses:
        loss = loss + torch.stack(rank_losses).mean()
    spans: list[Any] = [c.span if c.label > 0.5 else "none" for g in groups for c in g.candidates]
    st, en = _span_targets(batch.first, batch.offsets, spans)
    if (st >= 0).any():
        loss = loss + 0.5 * (
            F.cross_entropy(start, st, ignore_index=-100)
            + F.cross_entropy(end, en, ignore_index=-100)
        )
    return loss


def train_step(
    net: ReaderNet,
    encoder: Encoder,
    groups: list[Group],
    optim: torch.optim.Optimizer,
    params: list[torch.nn.Parameter],
    *,
    bf16: bool,
) -> torch.Tensor:
    """One step on a batch of groups: the loss (under bf16 autocast when ``bf16``), its
    gradients clipped to norm 1 over ``params``, the optimiser's step; the loss."""
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
        loss = _step_loss(net, encoder, groups)
    optim.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(params, 1.0)
    optim.step()
    return loss


def plan_batches(groups: list[Group], config: TrainConfig) -> list[list[Group]]:
    """Every step's groups, fixed by the seed: each source repeated as ``repeats`` says."""
    rng = random.Random(config.seed)
    weighted = [g for g in groups for _ in range(config.repeats.get(g.source, 1))]
    epochs = max(1, math.ceil(config.epochs))
    plan: list[list[Group]] = []
    for _ in range(epochs):
        plan += _batches(weighted, config.batch_pairs, rng)
    return plan[: max(1, int(len(plan) * config.epochs / epochs))]


def train(
    groups: list[Group],
    config: TrainConfig,
    *,
    checkpoint: Path | None = None,
    progress: bool = True,
    log_line: Callable[[str], None] = lambda s: None,
) -> tuple[ReaderNet, Encoder, dict[str, Any]]:
    from tqdm import tqdm

    random.seed(config.seed)
    np.random.seed(config.seed)
    torch.manual_seed(config.seed)
    base = starting_base(config)
    net = (
        load_trained(Path(config.init)) if config.init else ReaderNet.from_base(base, config.layers)
    )
    if config.layers is not None and config.layers != depth(net):
        grow(net.encoder, config.layers)
    encoder = encoder_for(
        base,
        max_length=config.max_length,
        max_question=config.max_question,
        age_words=config.age_words,
    )
    heads = [
        p for n, p in net.named_parameters() if not n.startswith("encoder.") and p.requires_grad
    ]
    body = [p for n, p in net.named_parameters() if n.startswith("encoder.") and p.requires_grad]
    optim = torch.optim.AdamW(
        [{"params": body, "lr": config.lr}, {"params": heads, "lr": config.head_lr}],
        weight_decay=config.weight_decay,
    )
    plan = plan_batches(groups, config)
    total = len(plan)
    warmup = max(1, int(total * config.warmup))

    def lr_factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        return max(0.0, (total - step) / max(1, total - warmup))

    sched = torch.optim.lr_scheduler.LambdaLR(optim, lr_factor)
    done = 0
    losses: list[float] = []
    spent = 0.0
    if checkpoint is not None and checkpoint.is_file():
        state = torch.load(checkpoint, weights_only=False)
        if state.get("key") == config.key():
            net.load_state_dict(state["net"], strict=False)
            optim.load_state_dict(state["optim"])
            sched.load_state_dict(state["sched"])
            done, losses, spent = state["step"], state["losses"], state["seconds"]
            torch.set_rng_state(state["torch_rng"])
            log_line(f"resuming at step {done}/{total} from {checkpoint}")
        else:
            log_line(f"{checkpoint} is from another configuration: starting afresh")
    net.train()
    bf16 = use_fast_training(net, config.precision)
    params = body + heads
    started = time.monotonic() - spent
    deadline = time.monotonic() + config.minutes * 60
    stopped_early = False

    def save_checkpoint() -> None:
        if checkpoint is None:
            return
        tmp = checkpoint.with_suffix(".tmp")
        torch.save(
            {
                "key": config.key(),
                "net": net.trained_state(),
                "optim": optim.state_dict(),
                "sched": sched.state_dict(),
                "step": done,
                "losses": losses,
                "seconds": time.monotonic() - started,
                "torch_rng": torch.get_rng_state(),
            },
            tmp,
        )
        tmp.replace(checkpoint)

    bar = tqdm(
        plan[done:], desc="training reader", unit="step", file=sys.stderr, disable=not progress
    )
    for step_groups in bar:
        if time.monotonic() > deadline:
            stopped_early = True
            break
        loss = train_step(net, encoder, step_groups, optim, params, bf16=bf16)
        sched.step()
        losses.append(float(loss.detach()))
        done += 1
        if done % 20 == 0:
            recent = sum(losses[-20:]) / 20
            bar.set_postfix(loss=f"{recent:.3f}")
            if done % 100 == 0:
                log_line(f"step {done}/{total} loss {recent:.4f} {time.monotonic() - started:.0f}s")
        if done % config.checkpoint_every == 0:
            save_checkpoint()
    bar.close()
    save_checkpoint()
    use_fast_training(net, "off")  # inference keeps its own attention (sdpa)
    net.eval()
    record = {
        "steps": done,
        "planned_steps": total,
        "stopped_by_time_limit": stopped_early,
        "train_seconds": round(time.monotonic() - started, 1),
        "final_loss": round(sum(losses[-50:]) / max(1, len(losses[-50:])), 4),
        "train_groups": len(groups),
        "train_pairs": sum(len(g.candidates) for g in groups),
        "groups_by_source": groups_by_source(groups),
    }
    return net, encoder, record


def starting_base(config: TrainConfig) -> str:
    """The base the trained reader is on: ``init``'s, or ``config.base`` without one."""
    return base_of(reader_config(Path(config.init))) if config.init else config.base


def depth(net: ReaderNet) -> int:
    """How many transformer layers the reader's encoder has."""
    config: Any = net.encoder.config
    return int(config.num_hidden_layers)


def groups_by_source(groups: list[Group]) -> dict[str, int]:
    """How many groups each training source gave."""
    return dict(Counter(g.source for g in groups))
