"""Train a reader from a GPU pack (``training/pack.py``) on CUDA, or on the CPU for the tests.

    python training/train_gpu.py PACK --name s6 --out "$OUT" [--layers 12] [--seconds 280]

Needs only torch, numpy, safetensors and transformers (what a GPU machine has): the project
is not installed there, so this file puts the checkout on ``sys.path`` and uses the reader's
own network (``rag/reader/network.py``: the same rows, heads and weight packing as the
shipped reader) and the trainer's ranking figures (``training/evaluation.py``), never the
data sources or the index.

The loss is ``rag train-reader``'s (``training/trainer.py``): softmax over each group's
candidates, a logistic loss per candidate, 0.5 × start/end cross-entropy; with
``--teacher`` it adds ``--distill`` × (the group softmax's KL to the teacher's at
``--tau`` + a logistic loss to the teacher's probabilities). Whole groups make a batch of
about ``--batch-pairs`` rows, padded to their longest row; bf16 autocast; AdamW; warm-up
then a linear decay over whichever ends first, the planned epochs or ``--seconds``. The
validation part (the news validation weeks) is measured a few times; the best state by its
right-sentence-first rate is written: ``NAME-1.safetensors``, ``NAME-2.safetensors``, ...
(≤ 15 MB each, fp16, or int8 with block scales over 25 MB as ``rag train-reader`` ships),
the run's record in the first shard's metadata; ``--save-teacher FILE`` also writes the
best state's score logits of every training row (for a distilled run).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import random
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # a GPU machine runs this file from a bare checkout
    sys.path.insert(0, str(ROOT))

from rag.hardware import use_bf16  # noqa: E402
from rag.reader.context import age_bucket  # noqa: E402
from rag.reader.network import (  # noqa: E402
    WEIGHTS,
    Encoder,
    ReaderNet,
    grow,
)
from rag.reader.weights import pack_to_ship, unpack  # noqa: E402
from training.evaluation import auc, precision_and_rank, rounded_mean  # noqa: E402
from training.pack import NO_AGE  # noqa: E402

SHARD_BYTES = 15_000_000
TRAIN, VALIDATION = "train", "validation"


class Pack:
    """A pack's groups as flat arrays, and each part's rows laid out once."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.manifest = json.loads((folder / "pack.json").read_text(encoding="utf-8"))
        with np.load(folder / "data.npz") as z:
            self.a = {k: z[k] for k in z.files}
        layout = self.manifest["layout"]
        self.encoder = Encoder(
            SimpleNamespace(
                cls_token_id=layout["cls"], sep_token_id=layout["sep"], pad_token_id=layout["pad"]
            ),
            layout["max_length"],
            layout["max_before"],
            max_question=layout["max_question"],
            question_ends=layout["question_ends"],
            segments=layout["segments"],
        )
        self.max_length = int(layout["max_length"])
        self.parts = list(self.manifest["parts"])
        self.sources = list(self.manifest["sources"])

    def tokens(self, i: int) -> list[int]:
        if i < 0:
            return []
        starts = self.a["token_starts"]
        return self.a["tokens"][starts[i] : starts[i + 1]].astype(np.int64).tolist()

    def part(self, name: str, device: torch.device, *, age_words: bool = False) -> Part:
        return Part(self, self.parts.index(name), device, age_words=age_words)

    def age_tokens(self, i: int) -> list[int]:
        """The words of candidate ``i``'s age (``rag.reader.context.AGE_PHRASES``) as the
        reader's ``Encoder.context`` appends them; [] when it has none."""
        if "c_age" not in self.a or int(self.a["c_age"][i]) == NO_AGE:
            return []
        bucket = age_bucket(int(self.a["c_age"][i]))
        return [] if bucket is None else list(self.manifest["layout"]["age_phrases"][bucket])


class Part:
    """The groups of one part: their rows (ids padded to the longest), where each row's
    sentence starts and how much of it is kept, labels and span targets, on ``device``."""

    def __init__(
        self, pack: Pack, index: int, device: torch.device, *, age_words: bool = False
    ) -> None:
        a = pack.a
        groups = np.flatnonzero(a["g_part"] == index)
        first = a["g_first"]
        self.group_rows = [(int(first[g]), int(first[g + 1])) for g in groups]
        base = self.group_rows[0][0] if len(groups) else 0
        self.group_rows = [(lo - base, hi - base) for lo, hi in self.group_rows]
        self.answerable = a["g_answerable"][groups]
        self.source = [pack.sources[s] for s in a["g_source"][groups]]
        cands = np.arange(base, base + (self.group_rows[-1][1] if len(groups) else 0))
        n = len(cands)
        ids = np.full((n, pack.max_length), pack.encoder.pad, dtype=np.int32)
        length = np.zeros(n, dtype=np.int64)
        start = np.zeros(n, dtype=np.int64)
        kept = np.zeros(n, dtype=np.int64)
        sentence_cache: dict[int, list[int]] = {}

        def sentence(i: int) -> list[int]:
            got = sentence_cache.get(i)
            if got is None:
                got = sentence_cache[i] = pack.tokens(i)
            return got

        row_at = 0
        for g, (lo, hi) in zip(groups, self.group_rows, strict=True):
            question = pack.tokens(int(a["g_question"][g]))
            for c in range(lo, hi):
                at = base + c
                before = sentence(int(a["c_before"][at]))
                if age_words:
                    before = before + pack.age_tokens(at)
                row, _, first_token, kept_tokens = pack.encoder.layout(
                    question, sentence(int(a["c_sentence"][at])), before
                )
                ids[row_at, : len(row)] = row
                length[row_at] = len(row)
                start[row_at] = first_token
                kept[row_at] = kept_tokens
                row_at += 1
        labels = a["c_label"][cands].astype(np.float32)
        span = a["c_span"][cands].astype(np.int64)
        # start/end targets: the span's tokens in the row; 0 for a negative; -100 ignored
        st = np.where(span[:, 0] == -2, 0, -100)
        en = st.copy()
        inside = (span[:, 0] >= 0) & (span[:, 1] < kept)
        st[inside] = start[inside] + span[inside, 0]
        en[inside] = start[inside] + span[inside, 1]
        self.device = device
        self.ids = torch.from_numpy(ids).to(device)
        self.length = torch.from_numpy(length).to(device)
        self.start = torch.from_numpy(start).to(device)
        self.kept = torch.from_numpy(kept).to(device)
        self.labels = torch.from_numpy(labels).to(device)
        self.span_start = torch.from_numpy(st).to(device)
        self.span_end = torch.from_numpy(en).to(device)
        self.segments = int(pack.encoder.segments)
        self.lengths_np = length

    def __len__(self) -> int:
        return len(self.group_rows)

    def rows(self, idx: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """(ids, mask, types, allowed) of rows ``idx``, cut to the longest of them."""
        length = self.length[idx]
        width = int(length.max())
        ids = self.ids[idx, :width].long()
        pos = torch.arange(width, device=self.device)
        mask = pos[None, :] < length[:, None]
        first = self.start[idx][:, None]
        types = ((pos[None, :] >= first) & mask).long() * self.segments
        allowed = (pos[None, :] >= first) & (pos[None, :] < first + self.kept[idx][:, None])
        allowed[:, 0] = True
        return ids, mask.long(), types, allowed


def build_net(pack: Pack, init: Path | None, layers: int | None, attn: str) -> ReaderNet:
    from safetensors.torch import load_file
    from transformers import BertConfig, BertModel

    shape = dict(pack.manifest["bert"])
    init_layers = (pack.manifest.get("init") or {}).get("layers") if init else None
    if init_layers:
        shape["num_hidden_layers"] = int(init_layers)
    config = BertConfig(**shape)
    config._attn_implementation = attn
    encoder = BertModel(config, add_pooling_layer=False)
    embeddings = load_file(str(pack.folder / "embeddings.safetensors"))
    encoder.embeddings.load_state_dict({k: v.float() for k, v in embeddings.items()}, strict=False)
    for p in encoder.embeddings.parameters():
        p.requires_grad = False
    net = ReaderNet(encoder)
    if init is not None:
        state = unpack(load_file(str(init / WEIGHTS)))
        missing, unexpected = net.load_state_dict(state, strict=False)
        missing = [k for k in missing if not k.startswith("encoder.embeddings.")]
        if missing or unexpected:
            raise SystemExit(f"{init} does not fit the pack's base: {missing[:3]} {unexpected[:3]}")
    if layers is not None and layers != encoder.config.num_hidden_layers:
        grow(encoder, layers)
    return net


def plan(part: Part, args: argparse.Namespace, rng: random.Random) -> list[list[int]]:
    """Batches of whole groups (about ``batch_pairs`` rows) for every planned epoch; news
    sources repeated ``--news-repeats`` times an epoch."""
    dropped = set(args.drop_source or ())
    unknown = dropped - set(part.source)
    if unknown:  # a misspelt name would drop nothing, silently
        raise SystemExit(
            f"--drop-source: no source {sorted(unknown)} (the pack has {sorted(set(part.source))})"
        )
    weighted = [
        g
        for g in range(len(part))
        if part.source[g] not in dropped
        for _ in range(args.news_repeats if part.source[g].startswith("news") else 1)
    ]
    epochs = max(1, math.ceil(args.epochs))
    batches: list[list[int]] = []
    for _ in range(epochs):
        order = weighted[:]
        rng.shuffle(order)
        current: list[int] = []
        pairs = 0
        for g in order:
            lo, hi = part.group_rows[g]
            if current and pairs + hi - lo > args.batch_pairs:
                batches.append(current)
                current, pairs = [], 0
            current.append(g)
            pairs += hi - lo
        if current:
            batches.append(current)
    return batches[: max(1, int(len(batches) * args.epochs / epochs))]


def group_index(part: Part, groups: list[int]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(the batch's rows, a [groups, most candidates] index into them, its mask)."""
    spans = [part.group_rows[g] for g in groups]
    rows = torch.tensor([r for lo, hi in spans for r in range(lo, hi)], device=part.device)
    width = max(hi - lo for lo, hi in spans)
    index = torch.zeros((len(spans), width), dtype=torch.long)
    mask = torch.zeros((len(spans), width), dtype=torch.bool)
    at = 0
    for i, (lo, hi) in enumerate(spans):
        index[i, : hi - lo] = torch.arange(at, at + hi - lo)
        mask[i, : hi - lo] = True
        at += hi - lo
    return rows, index.to(part.device), mask.to(part.device)


def step_loss(
    net: ReaderNet,
    part: Part,
    groups: list[int],
    autocast: Any,
    teacher: torch.Tensor | None,
    args: argparse.Namespace,
) -> torch.Tensor:
    rows, index, gmask = group_index(part, groups)
    with autocast():
        score, start, end = net(*part.rows(rows))
    score, start, end = score.float(), start.float(), end.float()
    labels = part.labels[rows]
    loss = F.binary_cross_entropy_with_logits(score, labels)
    grid = score[index].masked_fill(~gmask, -1e4)
    positive = (labels[index] > 0.5) & gmask
    has = positive.any(1)
    if has.any():
        rank = torch.logsumexp(grid, 1) - torch.logsumexp(grid.masked_fill(~positive, -1e4), 1)
        loss = loss + rank[has].mean()
    st, en = part.span_start[rows], part.span_end[rows]
    if (st >= 0).any():
        spans = F.cross_entropy(start, st, ignore_index=-100)
        loss = loss + 0.5 * (spans + F.cross_entropy(end, en, ignore_index=-100))
    if teacher is not None:
        t = teacher[rows]
        tau = args.tau
        t_grid = t[index].masked_fill(~gmask, -1e4)
        kl = F.kl_div(
            F.log_softmax(grid / tau, 1),
            F.log_softmax(t_grid / tau, 1),
            log_target=True,
            reduction="none",
        )
        kl = (kl * gmask).sum(1).mean() * tau * tau
        point = F.binary_cross_entropy_with_logits(score, torch.sigmoid(t))
        loss = loss + args.distill * (kl + point)
    return loss


@torch.no_grad()
def part_logits(net: ReaderNet, part: Part, autocast: Any, batch: int = 512) -> torch.Tensor:
    """Score logits of every row of ``part`` (rows of like length together)."""
    net.eval()
    order = torch.from_numpy(np.argsort(part.lengths_np, kind="stable")).to(part.device)
    out = torch.empty(len(order), device=part.device)
    for lo in range(0, len(order), batch):
        idx = order[lo : lo + batch]
        with autocast():
            score, _, _ = net(*part.rows(idx))
        out[idx] = score.float()
    net.train()
    return out


def measure(part: Part, logits: torch.Tensor) -> dict[str, Any]:
    """Right sentence first (answerable groups), answerability AUC, and MAP/MRR over groups
    with a positive and a negative (TrecQA's setting)."""
    s = logits.cpu().numpy()
    labels = part.labels.cpu().numpy() > 0.5
    top1, best_pos, best_neg, aps, rrs = [], [], [], [], []
    for (lo, hi), answerable in zip(part.group_rows, part.answerable, strict=True):
        sc, lab = s[lo:hi], labels[lo:hi]
        if answerable:
            top1.append(float(lab[int(np.argmax(sc))]))
            best_pos.append(float(sc.max()))
        else:
            best_neg.append(float(sc.max()))
        found = precision_and_rank(lab, sc)
        if found is not None:
            aps.append(found[0])
            rrs.append(found[1])
    out: dict[str, Any] = {"groups": len(part.group_rows), "top1": rounded_mean(top1)}
    area = auc(best_pos, best_neg)
    if area is not None:
        out["auc"] = round(area, 4)
    out["map"], out["mrr"] = rounded_mean(aps), rounded_mean(rrs)
    return out


def write_shards(state: dict[str, torch.Tensor], out: Path, name: str, record: dict) -> list[Path]:
    """The state as ``rag train-reader`` ships it, split into files ≤ ``SHARD_BYTES``."""
    from safetensors.torch import save_file

    packed, record["weights"] = pack_to_ship(state)
    shards: list[dict[str, torch.Tensor]] = [{}]
    size = 0
    for key in sorted(packed, key=_layer_order):
        nbytes = packed[key].numel() * packed[key].element_size()
        if shards[-1] and size + nbytes > SHARD_BYTES:
            shards.append({})
            size = 0
        shards[-1][key] = packed[key]
        size += nbytes
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, shard in enumerate(shards, 1):
        path = out / f"{name}-{i}.safetensors"
        meta = {"record": json.dumps(record), "shards": str(len(shards))} if i == 1 else {}
        save_file(shard, str(path), metadata=meta)
        paths.append(path)
    return paths


def _layer_order(key: str) -> tuple[int, str]:
    """Tensors of one layer together (a weight beside its int8 scale)."""
    parts = key.split(".")
    if "layer" in parts:
        return int(parts[parts.index("layer") + 1]), key
    return 10_000, key


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="training/train_gpu.py", description=__doc__.split("\n\n")[0])
    p.add_argument("pack", type=Path)
    p.add_argument("--name", required=True, help="the run's name: its files' prefix")
    p.add_argument("--out", type=Path, default=Path(os.environ.get("OUT", "gpu-out")))
    p.add_argument("--init", type=Path, default=ROOT / "rag/reader/model")
    p.add_argument("--layers", type=int, default=None, help="grow the encoder to this depth")
    p.add_argument("--epochs", type=float, default=2.0)
    p.add_argument("--seconds", type=float, default=240.0, help="training time limit")
    p.add_argument("--batch-pairs", type=int, default=256)
    p.add_argument("--lr", type=float, default=8e-5)
    p.add_argument("--head-lr", type=float, default=5e-4)
    p.add_argument("--warmup", type=float, default=0.06)
    p.add_argument("--weight-decay", type=float, default=0.01)
    p.add_argument("--news-repeats", type=int, default=4)
    p.add_argument("--evals", type=int, default=4, help="validation checks over the run")
    p.add_argument("--drop-source", action="append", help="leave out a source's groups")
    p.add_argument("--teacher", type=Path, default=None, help="score logits of the train rows")
    p.add_argument("--distill", type=float, default=1.0)
    p.add_argument("--tau", type=float, default=2.0)
    p.add_argument("--save-teacher", type=Path, default=None)
    p.add_argument("--max-steps", type=int, default=None, help="stop after this many (tests)")
    p.add_argument("--seed", type=int, default=13)
    p.add_argument(
        "--age-words",
        action="store_true",
        help="read each candidate's age as words after its context (the reader's age_words)",
    )
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    args = p.parse_args(argv)

    t0 = time.monotonic()
    random.seed(args.seed)
    torch.manual_seed(args.seed)
    device = torch.device(args.device)
    cuda = device.type == "cuda"
    if cuda:
        torch.backends.cuda.matmul.allow_tf32 = True
    bf16 = cuda or use_bf16("auto")

    def autocast() -> Any:
        return torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16)

    pack_ = Pack(args.pack)
    if args.age_words and "c_age" not in pack_.a:
        raise SystemExit(
            f"{args.pack}: a pack of version {pack_.manifest.get('version', 1)} has no ages for "
            "--age-words: build it again (python -m training.pack)"
        )
    if not (args.init / WEIGHTS).is_file():
        raise SystemExit(f"--init {args.init}: no reader weights there")
    if pack_.manifest.get("init"):
        with (args.init / WEIGHTS).open("rb") as f:
            digest = hashlib.file_digest(f, "sha256").hexdigest()
        if digest != pack_.manifest["init"]["sha256"]:
            print(f"note: {args.init} is not the reader the pack was made for", flush=True)
    # sdpa on CUDA; eager on the CPU (its bf16 sdpa backward is slow: shared/STACK.md)
    net = build_net(pack_, args.init, args.layers, "sdpa" if cuda else "eager").to(device)
    net.train()
    train = pack_.part(TRAIN, device, age_words=args.age_words)
    held = {
        name: pack_.part(name, device, age_words=args.age_words)
        for name in pack_.parts
        if name != TRAIN
    }
    teacher = None
    if args.teacher is not None:
        teacher = torch.from_numpy(np.load(args.teacher)).float().to(device)
        if len(teacher) != len(train.labels):
            raise SystemExit(f"{args.teacher}: {len(teacher)} rows, the pack {len(train.labels)}")
    print(
        f"[{args.name}] {len(train)} train groups, {len(train.labels)} rows; "
        f"{sum(q.numel() for q in net.parameters() if q.requires_grad) / 1e6:.1f}M trained "
        f"parameters; ready in {time.monotonic() - t0:.0f}s on {device}",
        flush=True,
    )
    batches = plan(train, args, random.Random(args.seed))
    if args.max_steps is not None:
        batches = batches[: args.max_steps]
    body = [q for n, q in net.named_parameters() if n.startswith("encoder.") and q.requires_grad]
    heads = [q for n, q in net.named_parameters() if not n.startswith("encoder.")]
    optim = torch.optim.AdamW(
        [{"params": body, "lr": args.lr}, {"params": heads, "lr": args.head_lr}],
        weight_decay=args.weight_decay,
        fused=cuda or None,
    )
    base_lrs = [args.lr, args.head_lr]
    history: list[dict[str, Any]] = []
    validation = held.get(VALIDATION)

    def check(step: int, progress: float) -> dict[str, Any]:
        entry: dict[str, Any] = {"step": step, "progress": round(progress, 3)}
        for name, part in held.items():
            entry[name] = measure(part, part_logits(net, part, autocast))
        history.append(entry)
        print(f"[{args.name}] {json.dumps(entry)}", flush=True)
        return entry

    def key(entry: dict[str, Any]) -> tuple[float, float]:
        v = entry.get(VALIDATION) or {}
        return (v.get("top1") or 0.0, v.get("auc") or 0.0)

    def snapshot() -> dict[str, torch.Tensor]:
        return {k: v.detach().cpu().clone() for k, v in net.trained_state().items()}

    best_entry = check(0, 0.0) if validation is not None else None
    best_state = snapshot()

    def keep_if_best(entry: dict[str, Any]) -> None:
        """Keep the network's state when ``entry`` is the best check so far."""
        nonlocal best_entry, best_state
        if best_entry is None or key(entry) > key(best_entry):
            best_entry, best_state = entry, snapshot()

    started = time.monotonic()
    total = len(batches)
    checks = {int(total * (i + 1) / args.evals) for i in range(args.evals)}
    losses: list[float] = []
    step = 0
    final_checked = False
    for step, groups in enumerate(batches, 1):
        elapsed = time.monotonic() - started
        progress = max(step / total, elapsed / args.seconds)
        if progress > 1.0:
            step -= 1
            break
        if progress < args.warmup:
            factor = progress / args.warmup
        else:
            factor = (1 - progress) / (1 - args.warmup)
        for group, lr in zip(optim.param_groups, base_lrs, strict=True):
            group["lr"] = lr * max(0.0, factor)
        loss = step_loss(net, train, groups, autocast, teacher, args)
        optim.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(body + heads, 1.0)
        optim.step()
        if step % 50 == 0:
            losses.append(float(loss.detach()))
        if step % 200 == 0:
            print(
                f"[{args.name}] step {step}/{total} loss {losses[-1]:.4f} "
                f"{time.monotonic() - started:.0f}s",
                flush=True,
            )
        # the last check before the time limit stops the run
        near_end = not final_checked and elapsed + 2 * elapsed / step > args.seconds
        if validation is not None and (step in checks or near_end):
            final_checked = final_checked or near_end
            keep_if_best(check(step, progress))
    train_seconds = time.monotonic() - started
    if validation is None or not history or history[-1]["step"] != step:
        keep_if_best(check(step, 1.0) if validation is not None else {"step": step})
    net.load_state_dict(best_state, strict=False)
    encoder_config: Any = net.encoder.config
    layers = int(encoder_config.num_hidden_layers)
    record = {
        "name": args.name,
        "layers": layers,
        "age_words": bool(args.age_words),
        "steps": step,
        "planned_steps": total,
        "train_seconds": round(train_seconds, 1),
        "seconds_per_step": round(train_seconds / max(1, step), 4),
        "device": torch.cuda.get_device_name(0) if cuda else "cpu",
        "best": best_entry,
        "history": history,
        "losses_every_50": losses,
        "args": {k: str(v) for k, v in vars(args).items()},
        "pack": {k: pack_.manifest[k] for k in ("groups", "pairs", "train_config")},
    }
    paths = write_shards(best_state, args.out, args.name, record)
    if args.save_teacher is not None:
        np.save(args.save_teacher, part_logits(net, train, autocast).cpu().numpy())
    print(
        f"[{args.name}] done: {step} steps in {train_seconds:.0f}s; best "
        f"{json.dumps((best_entry or {}).get(VALIDATION))}; wrote "
        + ", ".join(str(p) for p in paths),
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
