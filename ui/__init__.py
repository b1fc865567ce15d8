"""The Gradio web chat for :mod:`rag`; start it with ``rag serve``."""
