"""The Markdown table of a ``rag bench`` run: every figure beside its baseline and ratio."""

from __future__ import annotations

from typing import Any


def machine_line(m: dict[str, Any]) -> str:
    """The first words of a table: the machine it was measured on (its CPU where known)."""
    cpu = f" ({m['cpu']}, {'AMX' if m.get('amx') else 'no AMX'})" if m.get("cpu") else ""
    return f"Machine: {m['cpus']} CPUs{cpu}, {m['memory_gb']} GiB, Python {m['python']}."


def table(results: dict[str, Any]) -> str:
    rows = [
        f"{machine_line(results['machine'])} {results['questions']} SQuAD questions x "
        f"{results['rounds']} rounds; medians/percentiles "
        "over all asks. Baseline: the LangChain tutorial pipeline (1000/200 splitter, same "
        "MiniLM model, Chroma, k=4) built in the same process.",
        "",
        "| figure | rag | baseline | ratio |",
        "|---|---|---|---|",
    ]
    first = results["sizes"][0]
    if "raw_embed_s" in first:
        tokens, secs = first["tokens"], first["unique_ingest_s"]
        rows.append(
            f"| ingest of new text, {first['unique_chunks']:,} chunks ({tokens:,} tokens) | "
            f"{secs:.1f} s = {first['unique_chunks'] / secs:.0f} chunks/s, "
            f"{tokens / secs:,.0f} tokens/s | raw model on the same sentences: "
            f"{first['raw_embed_s']:.1f} s; tutorial ingest: "
            f"{first['baseline_unique_ingest_s']:.1f} s ({first['baseline_unique_chunks']} "
            f"chunks) | {secs / first['raw_embed_s']:.2f}x raw model, "
            f"{secs / first['baseline_unique_ingest_s']:.2f}x tutorial |"
        )
    if "raw_embed_fp32_s" in first:
        n, raw, fp32 = first["sentences"], first["raw_embed_s"], first["raw_embed_fp32_s"]
        kind = "bf16" if first.get("embed_bf16") else "fp32 (no native bf16 here)"
        rows.append(
            f"| bare embedding model, {n:,} sentences, median of 3 | {kind}: {n / raw:,.0f} "
            f"sentences/s | fp32 (what the tutorial runs): {n / fp32:,.0f} sentences/s | "
            f"{fp32 / raw:.2f}x faster |"
        )
    for s in results["sizes"]:
        rows.append(
            f"| `ask` at {s['chunks']:,} chunks ({s['documents']} docs): p50 / p95 | "
            f"{s['ask_p50_ms']:.1f} / {s['ask_p95_ms']:.1f} ms | tutorial top-4 search at "
            f"{s['baseline_chunks']:,} chunks: {s['baseline_p50_ms']:.1f} / "
            f"{s['baseline_p95_ms']:.1f} ms | {s['ask_p50_ms'] / s['baseline_p50_ms']:.2f}x |"
        )
        if "heuristic_p50_ms" in s:
            rows.append(
                f"| `ask` with the reader vs the old heuristic, {s['chunks']:,} chunks: "
                f"p50 / p95 | {s['ask_p50_ms']:.1f} / {s['ask_p95_ms']:.1f} ms | heuristic: "
                f"{s['heuristic_p50_ms']:.1f} / {s['heuristic_p95_ms']:.1f} ms | "
                f"{s['ask_p50_ms'] / s['heuristic_p50_ms']:.2f}x |"
            )
        if "digest_p50_ms" in s:
            rows.append(
                f'| briefings at {s["chunks"]:,} chunks: "Summarize everything." p50; "What\'s '
                f'the latest on ...?" p50 / p95 | {s["digest_p50_ms"]:.1f} ms; '
                f"{s['briefing_p50_ms']:.1f} / {s['briefing_p95_ms']:.1f} ms | `ask` p50: "
                f"{s['ask_p50_ms']:.1f} ms | {s['briefing_p50_ms'] / s['ask_p50_ms']:.2f}x `ask` |"
            )
        rows.append(
            f"| ingest of the {s['chunks']:,}-chunk corpus (repeated sentences embedded once) | "
            f"{s['ingest_s']:.0f} s | tutorial, with the same embedding cache: "
            f"{s['baseline_ingest_s']:.0f} s | {s['ingest_s'] / s['baseline_ingest_s']:.2f}x |"
        )
        if "index_mb" in s:
            rows.append(
                f"| index on disk at {s['chunks']:,} chunks | {s['index_mb']:.0f} MB | "
                f"tutorial's Chroma folder at {s['baseline_chunks']:,} chunks: "
                f"{s['baseline_index_mb']:.0f} MB | {s['index_mb'] / s['baseline_index_mb']:.2f}x |"
            )
        rows.append(
            f"| peak memory (RSS) at {s['chunks']:,} chunks | {s['peak_mb_after_ingest']:.0f} MB "
            f"after ingest, {s['peak_mb']:.0f} MB after asking | not measured separately | – |"
        )
    if "server_ask_p50_ms" in first:
        rows.append(
            f"| `ask` via `chroma run` on loopback, {first['chunks']:,} chunks: p50 / p95 | "
            f"{first['server_ask_p50_ms']:.1f} / {first['server_ask_p95_ms']:.1f} ms (embedded: "
            f"{first['ask_p50_ms']:.1f}) | {first['server_baseline_p50_ms']:.1f} / "
            f"{first['server_baseline_p95_ms']:.1f} ms | "
            f"{first['server_ask_p50_ms'] / first['server_baseline_p50_ms']:.2f}x |"
        )
    if "server_ingest_s" in first:
        rows.append(
            f"| ingest via `chroma run` on loopback, {first['chunks']:,} chunks (every text "
            f"embedded anew, repeated ones once) | {first['server_ingest_s']:.0f} s | tutorial, "
            f"its own empty cache: {first['server_baseline_ingest_s']:.0f} s | "
            f"{first['server_ingest_s'] / first['server_baseline_ingest_s']:.2f}x |"
        )
    rows += cold_rows(results["cold"])
    return "\n".join(rows)


def cold_rows(c: dict[str, Any]) -> list[str]:
    """Table rows of the cold starts: `rag ask` beside the tutorial, and the quick commands."""
    rows = [
        f"| cold start: `rag ask` in a new process | {c['cold_ask_s']:.1f} s | tutorial script: "
        f"{c['cold_baseline_s']:.1f} s | {c['cold_ask_s'] / c['cold_baseline_s']:.2f}x |"
    ]
    if "served_ask_s" in c:
        rows.append(
            f"| `rag ask` in a new process while `rag serve` runs on the index (answered "
            f"through it) | {c['served_ask_s']:.2f} s | tutorial script: "
            f"{c['cold_baseline_s']:.1f} s | {c['served_ask_s'] / c['cold_baseline_s']:.2f}x |"
        )
    names = {
        "help": "`rag --help`",
        "ask_help": "`rag ask --help`",
        "mistake": "a mistake: `rag ask -k 0 ...`",
        "missing_path": "a mistake: `rag ingest /no/such/file.txt`",
        "docs": "`rag docs` (no embedding model)",
    }
    rows += [
        f"| {label} in a new process | {c[f'cli_{name}_s']:.2f} s | – | – |"
        for name, label in names.items()
        if f"cli_{name}_s" in c
    ]
    return rows
