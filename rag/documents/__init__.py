"""Files, pages, URLs and news dumps -> text with offsets, sentences, chunks."""
