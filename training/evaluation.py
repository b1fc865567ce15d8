"""Held-out figures of a reader on groups, and its calibration.

Sentence level: per group, is the right sentence ranked first; the answerability AUC (the
best sentence's score, answerable vs not); abstention at a threshold; the short answer's
token F1 on the right sentence. For answer-sentence selection sets (TrecQA), MAP and MRR as
published (over the questions with a positive).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from rag.reader.network import TransformerReader, best_span

from .data import Embed, Group

Logits = list[tuple[np.ndarray, list[tuple[int, int] | None]]]


def auc(pos: Sequence[float], neg: Sequence[float]) -> float | None:
    """How often a positive outscores a negative (ties count half); None without both."""
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


def group_logits(reader: TransformerReader, groups: list[Group]) -> Logits:
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
    logits: Logits,
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
        "top1_sentence": rounded_mean(top1),
        "answerability_auc": auc(best_ans, best_un),
        "false_abstention": rounded_mean([float(p < threshold) for p in best_ans]),
        "unanswerable_abstained": rounded_mean([float(p < threshold) for p in best_un]),
        "span_f1_on_right_sentence": rounded_mean(span_f1),
        "span_exact_on_right_sentence": rounded_mean(span_em),
    }
    if cos_top1:
        out["cosine_top1_sentence"] = rounded_mean(cos_top1)
    return out


def rounded_mean(values: Sequence[float]) -> float | None:
    return round(float(np.mean(values)), 4) if len(values) else None


def calibrate(groups: list[Group], logits: Logits, keep: float) -> tuple[float, float, float]:
    """(temperature, bias) fitted on the validation pairs (Platt scaling), and the threshold
    that keeps ``keep`` of the validation's answerable questions answered."""
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
    threshold = float(np.quantile(best, 1 - keep)) if best else 0.5
    return temperature, bias, threshold


def ranking_metrics(groups: list[Group], logits: Logits) -> dict[str, Any]:
    """MAP and MRR over the groups with a positive (TrecQA's published setting)."""
    aps, rrs = [], []
    for g, (score, _) in zip(groups, logits, strict=True):
        found = precision_and_rank(np.array([c.label > 0.5 for c in g.candidates]), score)
        if found is not None:
            aps.append(found[0])
            rrs.append(found[1])
    return {"questions": len(aps), "map": rounded_mean(aps), "mrr": rounded_mean(rrs)}


def precision_and_rank(labels: np.ndarray, scores: np.ndarray) -> tuple[float, float] | None:
    """(average precision, reciprocal rank of the first positive) of one candidate list
    ranked by ``scores``; None unless it holds a positive and a negative."""
    if not labels.any() or labels.all():
        return None
    hits = np.flatnonzero(labels[np.argsort(-scores, kind="stable")])
    return float(np.mean([(k + 1) / (r + 1) for k, r in enumerate(hits)])), 1.0 / (hits[0] + 1)
