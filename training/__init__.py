"""Training the reader: what is not inference, kept out of the installed package.

The wheel installs ``rag``, ``ui`` and ``eval``; this package is the source checkout's. It
imports them; they never import it (``lint-imports``), except ``rag train-reader`` and
``rag eval-reader``, which import ``command`` when they run.

- ``data``: training groups and what every source shares; one module per source family:
  ``news``, ``squad``, ``nq`` (ClapNQ, QED), ``trecqa``, ``statements`` (open questions),
  ``pools`` (``python -m training.pools``: the assistant's own candidates; the pools'
  records and labels are ``eval.quality.pooled``, the held-out parts ``eval.quality.splits``);
- ``trainer``: the training loop (resumable); ``evaluation``: held-out figures and
  calibration; ``calibration``: the answering threshold; ``command``: what
  ``rag train-reader`` and ``rag eval-reader`` run;
- ``context``: ``python -m training.context``: the reader's context weights, fitted on pools;
- ``step_cost``: ``python -m training.step_cost``: what a training step costs;
- ``pack``: ``python -m training.pack``: the GPU pack (every training group tokenized, the
  base's frozen embeddings, what the trainer needs to lay out rows), ≤ 60 MB;
- ``train_gpu``: ``python training/train_gpu.py PACK``: trains readers from a pack on CUDA (or the
  CPU, for the tests) and writes their weights in shards ≤ 15 MB to ``$OUT``; it needs
  only torch, numpy, safetensors and transformers (a GPU machine has no more);
- ``returned``: ``python -m training.returned``: a run's shards back into a reader folder,
  calibrated and measured on the CPU like any other run.

``rag train-reader`` is the CPU trainer; the GPU run trains the same network with the
same loss.
"""
