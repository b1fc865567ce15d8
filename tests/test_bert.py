"""rag.bert: the plain-torch BERT and tokenizer the embedder and the reader answer with,
checked against transformers' own on both reader bases and on awkward text."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import torch

from rag.bert import Bert, BertConfig
from rag.reader import bases
from rag.tokenizer import Tokenizer

TEXTS = [
    "What did Russia offer?",
    "Ukraine’s President said — “no” — at the café, naïve 東京 ðŸ.",
    "  leading spaces\tand\nnewlines ",
    "",
    "word " * 400,  # past every model's length
]


@pytest.mark.parametrize("base", bases.BASES)
def test_the_tokenizer_gives_transformers_ids_and_offsets(base: str) -> None:
    theirs = bases.tokenizer(base)
    ours = bases.tokenizer(base, plain=True)
    assert isinstance(ours, Tokenizer)
    a = theirs(TEXTS, add_special_tokens=False, return_offsets_mapping=True, truncation=False)
    b = ours(TEXTS, add_special_tokens=False, return_offsets_mapping=True)
    assert b["input_ids"] == a["input_ids"]
    assert [list(map(tuple, o)) for o in b["offset_mapping"]] == [
        list(map(tuple, o)) for o in a["offset_mapping"]
    ]
    assert ours(TEXTS[0])["input_ids"] == a["input_ids"][0]  # one text: one row
    special = (ours.cls_token_id, ours.sep_token_id, ours.pad_token_id)
    assert special == (theirs.cls_token_id, theirs.sep_token_id, theirs.pad_token_id)


def test_a_batch_is_padded_and_cut_as_transformers_does() -> None:
    theirs = bases.tokenizer(bases.MINILM)
    ours = bases.tokenizer(bases.MINILM, plain=True)
    for width in (8, 256):
        enc = theirs(TEXTS, padding=True, truncation=True, max_length=width, return_tensors="pt")
        ids, mask = ours.batch(TEXTS, width)
        assert torch.equal(ids, enc["input_ids"]) and torch.equal(mask, enc["attention_mask"])


@pytest.mark.parametrize("base", bases.BASES)
@pytest.mark.parametrize("bf16", [False, True])
def test_the_encoder_computes_what_transformers_bert_computes(base: str, bf16: bool) -> None:
    theirs = bases.encoder(base).eval()
    ours = bases.encoder(base, plain=True)
    assert isinstance(ours, Bert) and not isinstance(theirs, Bert)
    ids, mask = bases.tokenizer(base, plain=True).batch(TEXTS, 128)
    types = torch.zeros_like(ids)
    types[:, 4:] = int(bases.uses_segments(base))
    with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
        a = theirs(input_ids=ids, attention_mask=mask, token_type_ids=types)[0].float()
        b = ours(ids, mask, types)[0].float()
    real = mask.bool()
    # fp32: the same up to summation order; bf16 (12 layers of e5): rounding in another order
    assert (a - b)[real].abs().max().item() <= (2e-2 if bf16 else 1e-4)
    cosine = torch.nn.functional.cosine_similarity(a[real], b[real]).min().item()
    assert cosine > (0.9995 if bf16 else 0.99999)


def test_a_bert_of_another_shape_is_refused() -> None:
    with pytest.raises(ValueError, match="plain BERT"):
        BertConfig.of({"vocab_size": 10, "hidden_act": "relu"})
    with pytest.raises(ValueError, match="plain BERT"):
        BertConfig.of({"vocab_size": 10, "position_embedding_type": "relative_key"})


def test_answering_imports_neither_transformers_nor_sentence_transformers() -> None:
    code = (
        "import sys\n"
        "from rag.index.embed import load_embedder\n"
        "from rag.reader.network import TransformerReader\n"
        "from rag.reader.protocol import Passage\n"
        "from rag.reader import READER_DIR\n"
        "e = load_embedder(); e.embed(['x']); e.count_tokens(['x']); e.token_spans('x y')\n"
        "TransformerReader(READER_DIR).read('Who?', [Passage('Ann ran.', '')])\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'transformers', 'sentence_transformers'}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True
    )
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("bf16", [False, True])
def test_made_ready_to_read_it_computes_the_same_numbers(bf16: bool) -> None:
    from rag.bert import _packable, _Packed, for_reading

    model = bases.encoder(bases.MINILM, plain=True)
    ready = for_reading(bases.encoder(bases.MINILM, plain=True), bf16=bf16)
    layer = ready.encoder.layer[0].attention.self
    assert layer.qkv is not None and not hasattr(layer, "query")
    dense = ready.encoder.layer[0].intermediate.dense
    # bf16 where autocast runs; oneDNN's packed kernels where this torch has them
    assert isinstance(dense, _Packed) == (bf16 and _packable())
    assert isinstance(dense, _Packed) or (dense.weight.dtype == torch.bfloat16) == bf16
    ids, mask = bases.tokenizer(bases.MINILM, plain=True).batch(TEXTS, 128)
    real = mask.bool()
    with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
        a = model(ids, mask)[0].float()
        b = ready(ids, mask)[0].float()
    assert not b[~real].any()  # padding's states are zeros
    if not bf16:
        assert torch.equal(a, b)
        return
    # packed bf16 products round in their own order, and GELU is applied before rounding:
    # as close to fp32 as bf16 autocast's own products
    with torch.inference_mode():
        exact = model(ids, mask)[0].float()

    def distance(x: torch.Tensor) -> float:
        return 1 - torch.nn.functional.cosine_similarity(x[real], exact[real]).min().item()

    assert distance(b) <= 1.5 * distance(a) and distance(b) < 1e-4


def test_short_batches_attend_sequence_by_sequence_as_long_ones_do_padded() -> None:
    from rag import bert

    model = bases.encoder(bases.MINILM, plain=True)
    ids, mask = bases.tokenizer(bases.MINILM, plain=True).batch(TEXTS, 128)
    assert bert._prefix_lengths(mask) == mask.sum(1).tolist()
    holes = mask.clone()
    holes[0, 1] = 0
    assert bert._prefix_lengths(holes) is None  # not every row's tokens first: padded
    wide = ids.repeat(8, 1), mask.repeat(8, 1)  # past SEQUENCE_ATTENTION rows: padded
    assert bert._prefix_lengths(wide[1]) is None
    with torch.inference_mode():
        one = model(ids, mask)[0]
        padded = model(*wide)[0][: len(ids)]
    assert (one - padded)[mask.bool()].abs().max().item() < 1e-5
    assert not one[~mask.bool()].any()


def test_token_rows_are_rounded_to_a_few_shapes() -> None:
    from rag.bert import ROWS, rounded_rows

    assert [rounded_rows(n) for n in (1, 12, 16, 17, 33, 64)] == [16, 16, 16, 32, 64, 64]
    assert rounded_rows(65) == 2 * ROWS and rounded_rows(1300) == 21 * ROWS
    assert len({rounded_rows(n) for n in range(1, 2049)}) == 3 + 2048 // ROWS - 1


def test_a_bert_folder_without_safetensors_goes_to_sentence_transformers(tmp_path: Path) -> None:
    import shutil

    from rag.index.embed import _mean_pooled, default_model_path

    folder = tmp_path / "model"
    shutil.copytree(default_model_path(), folder)
    assert _mean_pooled(folder)  # what rag.bert reads: the plain path
    (folder / "model.safetensors").unlink()  # a pytorch_model.bin folder, say
    assert not _mean_pooled(folder)


def test_only_what_is_built_inside_uninitialised_skips_torch_s_random_start() -> None:
    from torch import nn

    from rag.bert import uninitialised

    reset = nn.Linear.reset_parameters
    with uninitialised():
        assert nn.Linear.reset_parameters is not reset
    assert nn.Linear.reset_parameters is reset  # restored
    torch.manual_seed(0)
    layer = nn.Linear(8, 8)
    assert layer.weight.abs().sum() > 0 and layer.weight.std() > 0.01  # initialised as ever
