"""The LLM path's relevance filter measured on real answers.

A language model's supported sentences are dropped when the reader finds they do not
answer the question (``rag.llm.generate.answering``). Scripted drafts test that it works;
this measures how often it is right on real text: for every answerable question of a
dataset, the sentences the assistant reads best (its top ``claims``, verbatim and in reading
order, as a model that quotes its sources would write them) are run through the filter as
supported claims.
A dropped sentence that holds the gold (a gold support, or a gold answer) is a wrong drop;
a dropped sentence that does not is a right one. Both ways of reading a claim are measured:
the claim alone (as before) and after the sentence that comes before its source sentence
(what the reader sees when it reads that source sentence).

    rag eval-relevance eval/datasets/seed_qa.jsonl --docs seeds/
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from rag import Assistant, Settings
from rag.answer.question import understand
from rag.index.chroma import make_client
from rag.llm.citations import Claim
from rag.llm.generate import answering
from rag.llm.verify import Verdict, evidence_of

from . import metrics
from .datasets import Dataset
from .runner import locate


def measure(dataset: Dataset, settings: Settings, *, claims: int = 4) -> dict[str, Any]:
    counts = {
        mode: {"gold_claims": 0, "gold_dropped": 0, "other_claims": 0, "other_dropped": 0}
        for mode in ("claim alone", "claim after its source's sentence before")
    }
    with tempfile.TemporaryDirectory(prefix="rag-relevance-") as tmp:
        settings = settings.with_(data_dir=Path(tmp) / "index", seed=False)
        assistant = Assistant(settings, client=make_client(settings))
        assistant.ingest([dataset.docs])
        docs = {
            d.id: (d.source, d.title, assistant.document_text(d.id)) for d in assistant.documents()
        }
        reader = assistant.reader
        for ex in dataset.examples:
            if not ex.answerable:
                continue
            support = locate(ex, docs)
            understood = understand(ex.question, ex.history)
            reading, hits = assistant.reading(ex.question, understood.queries[:1])
            evidence = evidence_of(hits, reading.units)
            by_unit = {(e.unit.doc_id, e.unit.index): e for e in evidence}
            verdicts = []
            gold = {}
            for n, cand in enumerate(reading.candidates[:claims]):
                e = by_unit.get((cand.unit.doc_id, cand.unit.index))
                if e is None:
                    continue
                v = Verdict(Claim(cand.text, (e.source,), n), [e])
                verdicts.append(v)
                span = (cand.unit.doc_id, cand.unit.start, cand.unit.end)
                gold[id(v)] = any(metrics.overlaps(span, s) for s in support) and (
                    not ex.answers or not ex.gold_docs or metrics.contains(cand.text, ex.answers)
                )
            # written in reading order, as an answer quoting its sources is (a sentence
            # that refers back is read after the one before it)
            verdicts.sort(key=lambda v: (v.evidence[0].unit.doc_id, v.evidence[0].unit.index))
            for mode, context in zip(counts, (False, True), strict=True):
                _, off = answering(reader, ex.question, verdicts, evidence, context=context)
                dropped = {id(v) for v in off}
                c = counts[mode]
                for v in verdicts:
                    key = "gold" if gold[id(v)] else "other"
                    c[f"{key}_claims"] += 1
                    c[f"{key}_dropped"] += id(v) in dropped
    return counts
