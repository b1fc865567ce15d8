"""Split a document into embedding units and chunks, keeping exact character offsets.

*Units* are sentences, or token-bounded pieces of a sentence too long for the model.
*Chunks* are runs of consecutive units, at most ``chunk_tokens`` tokens, overlapping by
up to ``overlap_tokens`` tokens of whole units.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from ..records import Chunk, Document, Span
from .sentences import split_sentences


class Tokenizer(Protocol):
    """What splitting needs of the embedding model (``rag.index.embed.Embedder`` is one):
    its window and its token counts, so that every unit and chunk fits the model."""

    max_tokens: int  # content tokens one input may hold (special tokens excluded)

    def count_tokens(self, texts: Sequence[str]) -> list[int]: ...

    def token_spans(self, text: str) -> list[tuple[int, int]]: ...


@dataclass(frozen=True, slots=True)
class Split:
    """A document cut into units (each with its token count) and chunks."""

    units: list[Span]
    unit_tokens: list[int]
    chunks: list[Chunk]


def split_document(
    doc: Document, embedder: Tokenizer, *, chunk_tokens: int, overlap_tokens: int
) -> Split:
    limit = min(chunk_tokens, embedder.max_tokens)
    text = doc.text
    sentences = split_sentences(text)
    counts = embedder.count_tokens([text[s.start : s.end] for s in sentences])
    units: list[Span] = []
    unit_tokens: list[int] = []
    for span, n in zip(sentences, counts, strict=True):
        if n <= limit:
            units.append(span)
            unit_tokens.append(n)
        else:
            for piece, m in _pieces(text, span, embedder, limit):
                units.append(piece)
                unit_tokens.append(m)
    chunks = _chunks(doc, units, unit_tokens, limit, overlap_tokens)
    return Split(units, unit_tokens, chunks)


def _pieces(text: str, span: Span, embedder: Tokenizer, limit: int) -> list[tuple[Span, int]]:
    """Cut an over-long sentence at token boundaries into pieces of at most ``limit`` tokens."""
    offsets = embedder.token_spans(text[span.start : span.end])
    pieces: list[tuple[Span, int]] = []
    for i in range(0, len(offsets), limit):
        group = offsets[i : i + limit]
        start = span.start + group[0][0]
        end = span.start + group[-1][1]
        if i + limit >= len(offsets):
            end = span.end
        if pieces:  # close the gap so pieces tile the sentence
            start = max(pieces[-1][0].end, start)
        pieces.append((Span(start, end), len(group)))
    return [(p, n) for p, n in pieces if p.end > p.start]


def _chunks(
    doc: Document, units: list[Span], tokens: list[int], limit: int, overlap: int
) -> list[Chunk]:
    chunks: list[Chunk] = []
    i = 0
    while i < len(units):
        j, total = i, 0
        while j < len(units) and (j == i or total + tokens[j] <= limit):
            total += tokens[j]
            j += 1
        start, end = units[i].start, units[j - 1].end
        chunks.append(
            Chunk(
                id=f"{doc.id}:{len(chunks)}",
                doc_id=doc.id,
                index=len(chunks),
                start=start,
                end=end,
                text=doc.text[start:end],
                first_sentence=i,
                last_sentence=j - 1,
                tokens=total,
            )
        )
        if j >= len(units):
            break
        back, carried = j, 0  # step back over whole units that fit in the overlap
        while back - 1 > i and carried + tokens[back - 1] <= overlap:
            back -= 1
            carried += tokens[back]
        i = back
    return chunks
