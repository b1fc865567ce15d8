from __future__ import annotations

from helpers import FakeEmbedder
from hypothesis import given
from hypothesis import strategies as st

from rag.documents.chunking import split_document
from rag.documents.loaders import document_id
from rag.records import Document


def doc(text: str) -> Document:
    return Document(id=document_id(text), source="s", title="t", text=text)


words = st.text(alphabet=st.sampled_from(list("abcdefg")), min_size=1, max_size=8)
sentence = st.lists(words, min_size=1, max_size=40).map(lambda ws: " ".join(ws).capitalize() + ".")
texts = st.lists(sentence, min_size=1, max_size=30).map(" ".join)


@given(texts, st.integers(16, 60), st.integers(0, 8))
def test_chunks_map_back_to_the_text_and_fit_the_window(text: str, size: int, overlap: int) -> None:
    embedder = FakeEmbedder(max_tokens=50)
    d = doc(text)
    split = split_document(d, embedder, chunk_tokens=size, overlap_tokens=overlap)
    limit = min(size, embedder.max_tokens)
    for unit, n in zip(split.units, split.unit_tokens, strict=True):
        assert 0 < n <= limit
        assert embedder.count_tokens([text[unit.start : unit.end]]) == [n]
    for chunk in split.chunks:
        assert chunk.text == text[chunk.start : chunk.end]
        assert embedder.count_tokens([chunk.text]) == [chunk.tokens]
        assert chunk.tokens <= limit
        assert split.units[chunk.first_sentence].start == chunk.start
        assert split.units[chunk.last_sentence].end == chunk.end
    # every unit is in some chunk, and chunks move forward
    covered = {i for c in split.chunks for i in range(c.first_sentence, c.last_sentence + 1)}
    assert covered == set(range(len(split.units)))
    starts = [c.first_sentence for c in split.chunks]
    assert starts == sorted(set(starts))


def test_over_long_sentence_is_cut_at_token_boundaries() -> None:
    text = " ".join(f"w{i}" for i in range(130)) + "."
    split = split_document(
        doc(text), FakeEmbedder(max_tokens=50), chunk_tokens=200, overlap_tokens=0
    )
    assert split.unit_tokens == [50, 50, 30]
    assert "".join(text[u.start : u.end] + " " for u in split.units).strip() == text


def test_overlap_repeats_whole_sentences() -> None:
    text = " ".join(f"Sentence number {i} is here." for i in range(10))  # 5 tokens each
    split = split_document(doc(text), FakeEmbedder(), chunk_tokens=20, overlap_tokens=5)
    assert [(c.first_sentence, c.last_sentence) for c in split.chunks][:3] == [
        (0, 3),
        (3, 6),
        (6, 9),
    ]
