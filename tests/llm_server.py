"""A real OpenAI-compatible server (llama.cpp's, via xllamacpp) for the integration tests.

    python tests/llm_server.py MODEL.gguf PORT

Serves ``/v1/chat/completions`` on 127.0.0.1:PORT until killed.
"""

from __future__ import annotations

import os
import sys
import threading


def main() -> None:
    import xllamacpp as xlc

    model, port = sys.argv[1], int(sys.argv[2])
    params = xlc.CommonParams()
    params.model.path = model
    params.model_alias = {"smollm2"}
    params.n_ctx = 4096
    params.cpuparams.n_threads = os.cpu_count() or 1
    params.hostnames = ["127.0.0.1"]
    params.port = port
    params.verbosity = -1
    server = xlc.Server(params)
    print(f"listening on {server.listening_address}", flush=True)
    threading.Event().wait()  # until killed


if __name__ == "__main__":
    main()
