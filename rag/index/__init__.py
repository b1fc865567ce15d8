"""The embedder, the Chroma store, the keyword index, ingest, hybrid retrieval."""
