"""The reader: how well does a sentence answer a question, and which words are the answer.

- ``protocol``: the :class:`Reader` protocol and its records (no torch); the answerer only
  knows this;
- ``network``: the cross-encoder (the one module that imports torch for inference);
- ``data``: training groups and what every source shares; one module per source family:
  ``squad``, ``clapnq``, ``news``, ``trecqa``;
- ``training``: the training loop (resumable), ``evaluation``: held-out figures and
  calibration, ``command``: ``rag train-reader``;
- ``model/``: the shipped weights, with ``MODEL_CARD.md``.
"""

from .protocol import READER_DIR, Passage, Reader, Reading, load_reader, reader_config

__all__ = ["READER_DIR", "Passage", "Reader", "Reading", "load_reader", "reader_config"]
