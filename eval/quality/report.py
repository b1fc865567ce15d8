"""Evaluation output: a console table, JSON, and a Markdown report with PNG plots."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from . import summaries

#: (key in totals, label, kind) in the order tables show them.
METRICS = [
    ("correct", "fully correct (answered + cited right, or abstained)", "pct"),
    ("answer_contains", "answer contains gold", "pct"),
    ("answer_f1", "answer token F1", "pct"),
    ("sure_right", "sure answers that hold the gold", "pct"),
    ("sure_coverage", "answerable answered sure and right", "pct"),
    ("unanswerable_never_sure", "unanswerable never answered sure", "pct"),
    ("with_alternatives_contains", "answer or its alternatives contain gold", "pct"),
    ("hit@1", "retrieval hit@1", "pct"),
    ("hit@k", "retrieval hit@k", "pct"),
    ("mrr", "retrieval MRR", "num"),
    ("recall@1", "retrieval recall@1 (chunk holds the gold)", "pct"),
    ("recall@3", "retrieval recall@3", "pct"),
    ("recall@6", "retrieval recall@6", "pct"),
    ("recall@10", "retrieval recall@10", "pct"),
    ("recall@20", "retrieval recall@20", "pct"),
    ("citation_precision", "citation precision", "pct"),
    ("citation_recall", "citation recall", "pct"),
    ("span_integrity", "span integrity", "pct"),
    ("cited_chars", "mean characters per citation", "int"),
    ("abstention_precision", "abstention precision", "pct"),
    ("abstention_recall", "abstention recall", "pct"),
    ("abstention_f1", "abstention F1", "pct"),
    ("latency_p50_ms", "latency p50 (ms)", "ms"),
    ("latency_p95_ms", "latency p95 (ms)", "ms"),
]


def _value(totals: dict[str, Any], key: str) -> Any:
    if key == "hit@k":
        key = next((k for k in totals if k.startswith("hit@") and k != "hit@1"), key)
    return totals.get(key)


def fmt(value: Any, kind: str) -> str:
    if value is None:
        return "–"
    if kind == "pct":
        return f"{100 * value:.1f}%"
    if kind == "ms":
        return f"{value:.1f}"
    if kind == "int":
        return f"{value:.0f}"
    return f"{value:.3f}"


def table(runs: list[dict[str, Any]]) -> list[list[str]]:
    header = ["metric", *[_label(r) for r in runs]]
    rows = [header]
    for key, label, kind in METRICS:
        if key == "hit@k":
            label = f"retrieval hit@{runs[0]['config']['k']} (baseline: its k)"
        rows.append([label, *[fmt(_value(r["totals"], key), kind) for r in runs]])
    return rows


def _label(run: dict[str, Any]) -> str:
    name = run["system"]
    if name == "rag":
        reader = run["config"].get("reader", "off")
        name = f"rag ({run['config'].get('backend', '')}{'' if reader == 'off' else ' + reader'})"
    elif name == "heuristic":
        name = "old heuristic (no reader)"
    return name


def tradeoff_table(run: dict[str, Any]) -> list[list[str]]:
    """The reader threshold's trade-off, one row per threshold."""
    rows = [
        [
            "reader threshold",
            "answer contains gold",
            "fully correct (answerable)",
            "false abstentions",
            "unanswerable abstained",
            "right when answered",
        ]
    ]
    chosen = run["config"].get("reader_threshold")
    for line in run.get("tradeoff", []):
        t = f"{line['threshold']:.2f}"
        rows.append(
            [
                t,
                fmt(line["answer_contains"], "pct"),
                fmt(line["correct_answerable"], "pct"),
                fmt(line["false_abstention"], "pct"),
                fmt(line["unanswerable_abstained"], "pct"),
                fmt(line.get("right_when_answered"), "pct"),
            ]
        )
    if chosen is not None:
        rows.append([f"{chosen:.2f} (in use)", *table_at(run)])
    return rows


def table_at(run: dict[str, Any]) -> list[str]:
    totals = run["totals"]
    answerable = [r for r in run["rows"] if r["answerable"]]
    unanswerable = [r for r in run["rows"] if not r["answerable"]]
    correct = sum(r["correct"] for r in answerable) / len(answerable) if answerable else None
    false = sum(r["abstained"] for r in answerable) / len(answerable) if answerable else None
    abst = sum(r["abstained"] for r in unanswerable) / len(unanswerable) if unanswerable else None
    given = [r for r in run["rows"] if not r["abstained"]]
    right = (
        sum(bool(r["answerable"] and r["contains"]) for r in given) / len(given) if given else None
    )
    return [
        fmt(totals.get("answer_contains"), "pct"),
        fmt(correct, "pct"),
        fmt(false, "pct"),
        fmt(abst, "pct"),
        fmt(right, "pct"),
    ]


def console(runs: list[dict[str, Any]]) -> str:
    text = aligned(table(runs))
    for run in runs:
        if run.get("tradeoff"):
            text += f"\n\nreader threshold trade-off ({_label(run)}):\n"
            text += aligned(tradeoff_table(run))
    for run in runs:
        if run.get("summaries"):
            text += "\n\n" + aligned(summaries.table(run["summaries"])) + "\n"
            text += _summaries_note(run["summaries"])
    return text


def _summaries_note(found: dict[str, Any]) -> str:
    return (
        f"(each answerable question's gold article summarised alone; span errors "
        f"{found['span_errors']}; median {found['median_ms']} ms a summary)"
    )


def aligned(rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        cells = [row[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)
        ]
        lines.append("  ".join(cells))
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown_table(rows: list[list[str]]) -> str:
    out = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0])]
    out += ["| " + " | ".join(r) + " |" for r in rows[1:]]
    return "\n".join(out)


def write(runs: list[dict[str, Any]], out: Path, title: str) -> Path:
    """run.json, metrics.png, latency.png and report.md in ``out``; returns the report."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "run.json").write_text(json.dumps({"runs": runs}, indent=1, ensure_ascii=False))
    plots = _plots(runs, out)
    lines = [f"# {title}", ""]
    cfg = runs[0]["config"]
    lines.append(
        f"{cfg['questions']} questions, {cfg['documents']} documents ({cfg['chunks']} chunks), "
        f"k={cfg['k']}, embedding model `{cfg['embedding_model']}`, "
        f"ingest {cfg['ingest_seconds']} s."
    )
    lines += ["", markdown_table(table(runs)), ""]
    lines += [f"![{name}]({name})" for name in plots]
    for run in runs:
        if run.get("tradeoff"):
            lines += ["", f"## Reader threshold trade-off: {_label(run)}", ""]
            lines.append(markdown_table(tradeoff_table(run)))
    for run in runs:
        if run.get("summaries"):
            lines += ["", "## Summaries beside the lead", ""]
            lines.append(markdown_table(summaries.table(run["summaries"])))
            lines += ["", _summaries_note(run["summaries"])]
    for run in runs:
        if run["by_kind"]:
            lines += ["", f"## By kind: {_label(run)}", ""]
            kinds = list(run["by_kind"])
            rows = [["metric", *kinds]]
            for key, label, kind in METRICS:
                if key in ("latency_p95_ms", "span_integrity", "cited_chars"):
                    continue
                rows.append([label, *[fmt(_value(run["by_kind"][k], key), kind) for k in kinds]])
            lines.append(markdown_table(rows))
    rag = runs[0]
    wrong = [r for r in rag["rows"] if not r["correct"]]
    lines += ["", f"## Not fully correct: {_label(rag)} ({len(wrong)} of {len(rag['rows'])})", ""]
    for r in wrong[:200]:
        why = _why(r)
        lines.append(f"- `{r['id']}` ({r['kind'] or 'question'}) {r['question']} — {why}")
    report = out / "report.md"
    report.write_text("\n".join(lines) + "\n")
    return report


def _why(row: dict[str, Any]) -> str:
    if not row["answerable"]:
        return f"should abstain; answered: “{_short(row['answer'])}”"
    if row["abstained"]:
        return "abstained on an answerable question"
    parts = []
    if not row.get("contains"):
        parts.append("answer lacks the gold answer")
    if row.get("citation_recall", 0) < 1:
        parts.append(f"gold support cited {100 * row.get('citation_recall', 0):.0f}%")
    if (row.get("citation_precision") or 0) < 1:
        parts.append(f"citation precision {100 * (row.get('citation_precision') or 0):.0f}%")
    return "; ".join(parts) + f": “{_short(row['answer'])}”"


def _short(text: str, n: int = 140) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[:n] + "…"


def _plots(runs: list[dict[str, Any]], out: Path) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    keys = [
        ("correct", "fully\ncorrect"),
        ("answer_contains", "answer\ncontains"),
        ("hit@1", "hit@1"),
        ("citation_precision", "citation\nprecision"),
        ("citation_recall", "citation\nrecall"),
        ("span_integrity", "span\nintegrity"),
        ("abstention_f1", "abstention\nF1"),
    ]
    fig, ax = plt.subplots(figsize=(9, 3.6))
    width = 0.8 / len(runs)
    for i, run in enumerate(runs):
        values = [100 * (_value(run["totals"], k) or 0) for k, _ in keys]
        xs = [x + i * width for x in range(len(keys))]
        ax.bar(xs, values, width, label=_label(run))
    ax.set_xticks([x + width * (len(runs) - 1) / 2 for x in range(len(keys))])
    ax.set_xticklabels([label for _, label in keys], fontsize=8)
    ax.set_ylabel("%")
    ax.set_ylim(0, 105)
    ax.legend(fontsize=8)
    ax.set_title("Metrics per run")
    fig.tight_layout()
    fig.savefig(out / "metrics.png", dpi=110)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(9, 3.2))
    for run in runs:
        ax.hist([r["latency_ms"] for r in run["rows"]], bins=30, alpha=0.6, label=_label(run))
    ax.set_xlabel("latency per question (ms)")
    ax.set_ylabel("questions")
    ax.legend(fontsize=8)
    ax.set_title("Latency distribution")
    fig.tight_layout()
    fig.savefig(out / "latency.png", dpi=110)
    plt.close(fig)
    return ["metrics.png", "latency.png"]


def load(path: Path) -> list[dict[str, Any]]:
    """The runs saved in a run.json (or the run.json inside a results folder)."""
    if path.is_dir():
        path = path / "run.json"
    try:
        return list(json.loads(path.read_text())["runs"])
    except (OSError, ValueError, KeyError) as exc:
        from rag.errors import ConfigError

        raise ConfigError(f"{path}: not an evaluation result ({exc})") from None


def compare(a: list[dict[str, Any]], b: list[dict[str, Any]], names: tuple[str, str]) -> str:
    """The first (our) run of each result, side by side, with the difference."""
    ra, rb = a[0], b[0]
    rows = [["metric", names[0], names[1], "difference"]]
    for key, label, kind in METRICS:
        va, vb = _value(ra["totals"], key), _value(rb["totals"], key)
        diff = "–" if va is None or vb is None else fmt(vb - va, kind)
        if diff != "–" and not diff.startswith("-"):
            diff = "+" + diff
        rows.append([label, fmt(va, kind), fmt(vb, kind), diff])
    return markdown_table(rows)
