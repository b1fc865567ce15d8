"""Training the reader: what is not inference, kept out of the installed package.

- ``pack``: ``python -m training.pack``: the GPU pack (every training group tokenized, the
  base's frozen embeddings, what the trainer needs to lay out rows), ≤ 60 MB;
- ``train_gpu``: ``python training/train_gpu.py PACK``: trains readers from a pack on CUDA (or the
  CPU, for the tests) and writes their weights in shards ≤ 15 MB to ``$OUT``; it needs
  only torch, numpy, safetensors and transformers (a GPU machine has no more);
- ``returned``: ``python -m training.returned``: a run's shards back into a reader folder,
  calibrated and measured on the CPU like any other run.

``rag train-reader`` (``rag/reader/command.py``) is still the CPU trainer; this package
grows as training moves out of the library (the reading issue's design).
"""
