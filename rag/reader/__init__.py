"""The reader: how well does a sentence answer a question, and which words are the answer.

- ``protocol``: the :class:`Reader` protocol and its records (no torch); the answerer only
  knows this;
- ``network``: the cross-encoder (the one module that imports torch for inference);
- ``bases``: the encoders a reader is built on (all-MiniLM-L6-v2, multilingual-e5-small);
- ``context``: a candidate's age and place in its document, weighed on the logit scale;
- ``model/``: the shipped weights, with ``MODEL_CARD.md``.

Training is not inference: the data sources, the training loop, calibration and
``rag train-reader`` are the top-level ``training`` package of the source checkout, which
is not installed with the wheel; what ``eval`` shares with it (which parts are held out,
the pools' records and labels) is in ``eval.quality.splits`` and ``eval.quality.pooled``.
"""

from .protocol import READER_DIR, Passage, Reader, Reading, load_reader, reader_config

__all__ = ["READER_DIR", "Passage", "Reader", "Reading", "load_reader", "reader_config"]
