"""`rag load`: many chat sessions at once against a real web app, with ingest going on.

It starts ``rag serve`` on a fresh data dir (the seed documents, the real model), then:

1. **baseline**: one session asks for ``seconds / 4``, alone;
2. **load**: ``sessions`` sessions ask at once for ``seconds`` while another client uploads
   a new document every ``ingest_every`` seconds.

Each session is its own ``gradio_client`` session: it asks a question carrying its own tag
("... (s07r3)") and then a follow-up ("What did he announce?"). The follow-up is searched
with the session's previous question, which the answer shows ("searched as: ..."), so a tag
from another session there is history crossing between sessions. Errors are exceptions and
error messages in the chat. Reported: answers per second, p50/p95 latency of each phase and
their ratios, errors, crossings, and whether every uploaded document was indexed and found.
"""

from __future__ import annotations

import os
import re
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..stats import percentile
from .servers import free_port, running

#: (first question, follow-up) pairs on the seed document.
PAIRS = [
    ("Who led the Russian delegation", "What did he announce about prisoners?"),
    ("What did Zelensky express at the summit in Vilnius", "What did he call for?"),
    ("What did Trump say about Putin", "How did the Kremlin respond to him?"),
    ("Who is Rustem Umerov", "What did he say about the ceasefire?"),
    ("What did Russia offer at the talks", "When will it happen?"),
]
_TAG = re.compile(r"\(s(\d+)r(\d+)\)")
_SEARCHED = re.compile(r"searched as: ([^<]*)")


def _text(message: dict[str, Any]) -> str:
    value = message["content"]
    if isinstance(value, list):
        return "".join(part.get("text", "") for part in value if isinstance(part, dict))
    return str(value)


class _Tally:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self.crossings: list[str] = []
        self.followups = 0
        #: follow-ups searched joined to the session's previous question (the rest were read
        #: on their own, which the reader may prefer: nothing to cross there)
        self.joined = 0

    def error(self, what: str) -> None:
        with self.lock:
            self.errors.append(what[:300])


def _session(url: str, number: int, until: float, tally: _Tally) -> None:
    from gradio_client import Client

    client = Client(url, verbose=False)
    round_ = 0
    while time.monotonic() < until:
        first, followup = PAIRS[(number + round_) % len(PAIRS)]
        tag = f"(s{number:02d}r{round_})"
        for turn, question in enumerate((f"{first} {tag}?", followup)):
            started = time.perf_counter()
            try:
                chat, _ = client.predict(question, [], 6, "extractive", api_name="/chat")
            except Exception as exc:
                tally.error(f"session {number}: {type(exc).__name__}: {exc}")
                continue
            took = time.perf_counter() - started
            html = _text(chat[-1])
            with tally.lock:
                tally.latencies.append(took)
            if "rag-error" in html:
                tally.error(f"session {number}: {html}")
            if turn == 1:
                searched = _SEARCHED.search(html)
                tags = _TAG.findall(searched.group(1)) if searched else []
                with tally.lock:
                    tally.followups += 1
                    if searched is None:
                        continue
                    tally.joined += 1
                    if tags != [(f"{number:02d}", str(round_))]:
                        tally.crossings.append(f"session {number} round {round_}: {tags}")
        round_ += 1


def _phase(url: str, sessions: int, seconds: float) -> dict[str, Any]:
    tally = _Tally()
    until = time.monotonic() + seconds
    started = time.perf_counter()
    threads = [
        threading.Thread(target=_session, args=(url, n, until, tally), daemon=True)
        for n in range(sessions)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=seconds + 300)
    elapsed = time.perf_counter() - started
    lat = sorted(tally.latencies)
    return {
        "sessions": sessions,
        "seconds": round(elapsed, 1),
        "answers": len(lat),
        "answers_per_s": round(len(lat) / elapsed, 2),
        "p50_ms": round(percentile(lat, 50) * 1000, 1) if lat else None,
        "p95_ms": round(percentile(lat, 95) * 1000, 1) if lat else None,
        "errors": len(tally.errors),
        "error_samples": tally.errors[:5],
        "followups": tally.followups,
        "followups_joined": tally.joined,
        "crossings": len(tally.crossings),
        "crossing_samples": tally.crossings[:5],
    }


def _ingester(url: str, folder: Path, until: float, every: float, out: dict[str, Any]) -> None:
    from gradio_client import Client, handle_file

    client = Client(url, verbose=False)
    n = 0
    while time.monotonic() + every < until:
        time.sleep(every)
        n += 1
        path = folder / f"bulletin-{n}.md"
        path.write_text(
            f"# Bulletin {n}\n\nThe {ferry_name(n)} ferry leaves pier {n + 40} "
            "at 6:15 on Monday.\n",
            "utf-8",
        )
        started = time.perf_counter()
        try:
            status, *_ = client.predict([handle_file(str(path))], api_name="/add_documents")
        except Exception as exc:
            out["errors"].append(f"upload {n}: {type(exc).__name__}: {exc}"[:300])
            continue
        out["seconds"].append(time.perf_counter() - started)
        if f"added: bulletin-{n}.md" not in status:
            out["errors"].append(f"upload {n}: {status[:300]}")
        out["uploaded"].append(n)


def run(
    sessions: int = 16,
    seconds: float = 60.0,
    *,
    ingest_every: float = 5.0,
    workers: int | None = None,
    url: str | None = None,
) -> dict[str, Any]:
    """Run both phases against ``url``, or against a ``rag serve`` started here."""
    with tempfile.TemporaryDirectory(prefix="rag-load-") as tmp:
        if url is None:
            with _served(Path(tmp), workers) as started:
                return _run(started, sessions, seconds, ingest_every, Path(tmp))
        return _run(url, sessions, seconds, ingest_every, Path(tmp))


def _run(url: str, sessions: int, seconds: float, every: float, tmp: Path) -> dict[str, Any]:
    from gradio_client import Client

    baseline = _phase(url, 1, max(5.0, seconds / 4))
    uploads: dict[str, Any] = {"uploaded": [], "errors": [], "seconds": []}
    folder = tmp / "uploads-src"
    folder.mkdir()
    until = time.monotonic() + seconds
    ingest = threading.Thread(target=_ingester, args=(url, folder, until, every, uploads))
    ingest.start()
    loaded = _phase(url, sessions, seconds)
    ingest.join(timeout=300)
    client = Client(url, verbose=False)
    found = 0
    for n in uploads["uploaded"]:
        answer = client.predict(f"When does the {ferry_name(n)} ferry leave?", 3, api_name="/ask")
        found += any(ferry_name(n) in c["quote"] for c in answer["citations"])
    return {
        "url": url,
        "baseline": baseline,
        "load": loaded,
        "p50_ratio": _ratio(loaded["p50_ms"], baseline["p50_ms"]),
        "p95_ratio": _ratio(loaded["p95_ms"], baseline["p95_ms"]),
        "throughput_ratio": _ratio(loaded["answers_per_s"], baseline["answers_per_s"]),
        "ingest": {
            "uploaded": len(uploads["uploaded"]),
            "errors": uploads["errors"],
            "found_by_ask": found,
            "median_upload_s": round(statistics.median(uploads["seconds"]), 2)
            if uploads["seconds"]
            else None,
        },
    }


_FERRIES = (
    "Aurora Balder Corvina Dorado Elbrus Falcon Garnet Heron Ibis Juniper Kestrel Lynx "
    "Marlin Nimbus Orca Puffin Quartz Raven Sable Tern Umber Vesper Walrus Xenia Yarrow Zephyr"
).split()


def ferry_name(n: int) -> str:
    """A name for the n-th uploaded bulletin that no other document has."""
    name = _FERRIES[(n - 1) % len(_FERRIES)]
    return name if n <= len(_FERRIES) else f"{name} {n}"


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 2) if a and b else None


@contextmanager
def _served(tmp: Path, workers: int | None) -> Iterator[str]:
    """``rag serve`` on a free port and a fresh data dir with the seed documents, for the
    length of the block."""
    port = free_port()
    env = dict(os.environ)
    if workers:
        env["RAG_WORKERS"] = str(workers)
    rag = str(Path(sys.executable).with_name("rag"))
    command = [rag, "--seed", "--data-dir", str(tmp / "data"), "serve", "--port", str(port)]
    url = f"http://127.0.0.1:{port}/"
    with running(command, url, tmp / "serve.log", timeout=300, env=env):
        yield url


def table(result: dict[str, Any]) -> str:
    b, load = result["baseline"], result["load"]
    rows = [
        ("sessions", b["sessions"], load["sessions"], ""),
        ("answers", b["answers"], load["answers"], ""),
        ("answers/s", b["answers_per_s"], load["answers_per_s"], result["throughput_ratio"]),
        ("p50 ms", b["p50_ms"], load["p50_ms"], result["p50_ratio"]),
        ("p95 ms", b["p95_ms"], load["p95_ms"], result["p95_ratio"]),
        ("errors", b["errors"], load["errors"], ""),
        (
            "follow-ups (searched with their history)",
            f"{b['followups']} ({b['followups_joined']})",
            f"{load['followups']} ({load['followups_joined']})",
            "",
        ),
        ("history crossings", b["crossings"], load["crossings"], ""),
    ]
    lines = [
        "| | one session (baseline) | under load | ratio |",
        "|---|---:|---:|---:|",
        *(f"| {name} | {x} | {y} | {r} |" for name, x, y, r in rows),
    ]
    ing = result["ingest"]
    lines.append(
        f"\nDuring the load: {ing['uploaded']} documents uploaded (median "
        f"{ing['median_upload_s']} s each), {ing['found_by_ask']} found by /ask afterwards, "
        f"{len(ing['errors'])} upload errors."
    )
    return "\n".join(lines)
