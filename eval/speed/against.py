"""`rag bench --against DIR`: `ask` with this code beside the code of another checkout (an
older revision: ``git worktree add /tmp/before REV``), on one corpus, in one run.

Milliseconds move with the machine and the hour (the machines these sessions get differ
about 2x: a Xeon with AMX, an EPYC without it) and compare only within one run. So each
code is timed in a process of its own, on an index of its own built from the same corpus,
the two alternated ``runs`` times, and the ratio of their median p50s is the figure.

The child is this file run as a script: it imports ``rag`` from the folder it is given and
uses only what every revision has (``Assistant(Settings(data_dir=..., seed=False))``,
``ingest``, ``ask``), so it imports nothing else of this checkout.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

#: questions asked before timing (models and caches warm)
WARM = 10


def package_root(code: Path) -> Path | None:
    """The folder that holds the ``rag`` package of a checkout (None: there is none)."""
    return code if (code / "rag" / "__init__.py").is_file() else None


def revision(code: Path) -> str:
    """The checkout's commit (``-dirty`` with uncommitted changes), or its path where it is
    not the top of a git checkout."""
    with contextlib.suppress(OSError):
        top = subprocess.run(
            ["git", "-C", str(code), "rev-parse", "--show-toplevel"],
            capture_output=True,
            text=True,
            check=False,
        )
        if top.returncode == 0 and Path(top.stdout.strip()).resolve() == code.resolve():
            done = subprocess.run(
                ["git", "-C", str(code), "describe", "--always", "--dirty"],
                capture_output=True,
                text=True,
                check=False,
            )
            if done.returncode == 0 and done.stdout.strip():
                return done.stdout.strip()
    return str(code)


def compare(
    codes: dict[str, Path], docs: Path, questions: list[str], rounds: int, runs: int, tmp: Path
) -> dict[str, Any]:
    """Time ``ask`` for each code in ``codes`` (name -> checkout), ``runs`` times: each run a
    new process per code, each code its own index (built on its first run), the order of
    the codes turned around from one run to the next (a drift in the machine's speed falls
    on both). p50 and p95 are over every ask of every run. RagError: a code's run failed."""
    from rag.errors import RagError  # here: the child imports another checkout's rag

    from ..stats import percentile  # the parent's only: the child is run as a script

    asked = tmp / "questions.json"
    asked.write_text(json.dumps(questions))
    env = dict(os.environ, HF_HUB_OFFLINE="1", ANONYMIZED_TELEMETRY="False")
    out: dict[str, Any] = {name: {"runs": []} for name in codes}
    times: dict[str, list[float]] = {name: [] for name in codes}
    order = list(codes)
    for _ in range(runs):
        for name in order:
            code = codes[name]
            args = [sys.executable, __file__, str(code), str(docs), str(tmp / f"index-{name}")]
            args += [str(asked), str(rounds)]
            done = subprocess.run(args, capture_output=True, text=True, env=env, check=False)
            try:
                if done.returncode != 0:
                    raise ValueError(done.returncode)
                run = json.loads(done.stdout.strip().splitlines()[-1])
            except (ValueError, IndexError):
                said = "\n".join(done.stderr.strip().splitlines()[-8:])
                raise RagError(f"timing the code in {code} failed:\n{said}") from None
            asks = run.pop("times_ms")
            times[name] += asks
            out[name]["runs"].append(run | {"p50_ms": percentile(asks, 50)})
        order.reverse()
    for name, figures in out.items():
        figures["p50_ms"] = percentile(times[name], 50)
        figures["p95_ms"] = percentile(times[name], 95)
        figures["ingest_s"] = figures["runs"][0]["ingest_s"]
        figures["chunks"] = figures["runs"][0]["chunks"]
    return out


def run(other: Path, size: int, questions: int, rounds: int, runs: int, squad: Path) -> dict:
    """The comparison at about ``size`` chunks of ``rag bench``'s corpus: this code against
    the checkout ``other``."""
    import shutil

    import rag

    from .bench import BASE_CHUNKS
    from .coldstart import ROOT, machine
    from .corpus import write_corpus

    this = Path(rag.__file__).resolve().parents[1]
    tmp = Path(tempfile.mkdtemp(prefix="rag-against-"))
    try:
        variants = max(0, round(size / BASE_CHUNKS) - 1)
        asked = write_corpus(squad, tmp / "docs", variants, ROOT / "seeds")
        sample = random.Random(1).sample(asked, min(questions, len(asked)))
        codes = {"other": other, "this": this}
        figures = compare(codes, tmp / "docs", sample, rounds, runs, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return {
        "machine": machine(),
        "questions": len(sample),
        "rounds": rounds,
        "runs": runs,
        "this": figures["this"] | {"code": str(this), "revision": revision(this)},
        "other": figures["other"] | {"code": str(other), "revision": revision(other)},
    }


def table(result: dict[str, Any]) -> str:
    """The comparison as a Markdown table, this code's figures beside the other's."""
    from .benchtable import machine_line

    this, other = result["this"], result["other"]
    lines = [
        f"{machine_line(result['machine'])} {result['questions']} SQuAD questions x "
        f"{result['rounds']} rounds a run, {result['runs']} runs of each code, each in a new "
        "process on an index of its own, their order turned around each run; p50 and p95 "
        "over every ask.",
        "",
        f"| figure | this code ({this['revision']}) | {other['revision']} | ratio |",
        "|---|---|---|---|",
        f"| `ask` at {this['chunks']:,} chunks ({other['chunks']:,} for the other): p50 / "
        f"p95 | {this['p50_ms']:.1f} / {this['p95_ms']:.1f} ms | {other['p50_ms']:.1f} / "
        f"{other['p95_ms']:.1f} ms | {this['p50_ms'] / other['p50_ms']:.2f}x |",
        f"| ingest of the corpus (each code's first run) | {this['ingest_s']:.0f} s | "
        f"{other['ingest_s']:.0f} s | {this['ingest_s'] / other['ingest_s']:.2f}x |",
    ]
    return "\n".join(lines)


def _child(code: Path, docs: Path, index: Path, asked: Path, rounds: int) -> dict[str, Any]:
    """One timing in this process, with the ``rag`` of ``code``."""
    import logging
    import warnings

    warnings.filterwarnings("ignore")
    logging.disable(logging.WARNING)
    if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
        sys.path[0] = str(code)  # this script's folder holds modules of this checkout only
    else:
        sys.path.insert(0, str(code))
    import rag

    if not Path(rag.__file__).resolve().is_relative_to(code.resolve()):
        raise SystemExit(f"rag was imported from {rag.__file__}, not from {code}")
    assistant = rag.Assistant(rag.Settings(data_dir=index, seed=False))
    built = index / "bench-built.json"
    ingested = not built.is_file()
    if ingested:
        report = assistant.ingest([docs])
        built.write_text(json.dumps({"ingest_s": report.seconds, "chunks": report.chunks}))
    questions = json.loads(asked.read_text())
    for question in questions[:WARM]:
        assistant.ask(question)
    times = []
    for _ in range(rounds):
        for question in questions:
            started = time.perf_counter()
            assistant.ask(question)
            times.append((time.perf_counter() - started) * 1000)
    return {"times_ms": times, "ingested": ingested} | json.loads(built.read_text())


if __name__ == "__main__":
    code_, docs_, index_, asked_, rounds_ = sys.argv[1:6]
    result_ = _child(Path(code_), Path(docs_), Path(index_), Path(asked_), int(rounds_))
    print(json.dumps(result_), flush=True)
    if not result_["ingested"]:
        os._exit(0)  # only read: no teardown of torch and Chroma (as `rag ask` ends)
