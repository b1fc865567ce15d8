"""The evaluation suite, in two rooms:

- ``quality``: how good the answers are. Datasets, metrics, the tutorial baseline, runs and
  reports (``rag eval``), where answers are lost (``rag eval-errors``), the article
  extraction (``rag eval-extraction``), compound questions, summaries, the LLM path's
  relevance filter, and the held-out parts of each data set (``splits``) with the pools of
  the assistant's candidates (``pooled``) that training reads too;
- ``speed``: how fast and how big. ``rag bench`` (ingest, ``ask`` latency, memory, cold
  starts, each beside the tutorial), ``rag load`` (many chat sessions at once), and what
  the reader's read costs (``reader_cost``).

``stats`` holds what both count with. The commands are in ``cli`` (registered with ``rag``
through ``pyproject.toml``); nothing here trains anything (``training/`` does).
"""
