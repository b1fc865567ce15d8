"""Language-model backends and drafting (verified by rag.answer)."""
