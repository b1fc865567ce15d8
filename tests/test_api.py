import rag


def test_public_api_is_exactly_this() -> None:
    assert sorted(rag.__all__) == sorted(
        [
            "Answer",
            "Assistant",
            "BackendError",
            "Chunk",
            "Citation",
            "ConfigError",
            "Document",
            "DocumentInfo",
            "IngestError",
            "IngestReport",
            "NotFoundError",
            "QuestionError",
            "RagError",
            "Revision",
            "ScoredChunk",
            "Settings",
            "ShortAnswer",
            "SkippedFile",
            "StoreError",
            "__version__",
        ]
    )
    for name in rag.__all__:
        assert getattr(rag, name) is not None


def test_every_user_error_is_a_rag_error() -> None:
    for name in ("ConfigError", "IngestError", "NotFoundError", "QuestionError", "StoreError"):
        assert issubclass(getattr(rag, name), rag.RagError)
