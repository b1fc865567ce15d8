"""Speed and size: ``rag bench``, ``rag load`` and the reader's cost (see ``eval``)."""
