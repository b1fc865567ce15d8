"""What the CPU does natively, for the models that run on it (the embedder, the reader).

These machines have AVX512-BF16 and AMX: bfloat16 matrix products run about 3x faster than
fp32 there (``../shared/STACK.md``, "The CPU's own speed"; ``rag bench`` measures it on the
embedder each run). Elsewhere bf16 is emulated and slower, so "auto" keeps fp32.
"""

from __future__ import annotations

#: the values a precision setting takes ("auto": bf16 where the CPU has it natively)
PRECISIONS = ("auto", "bf16", "fp32")


def use_bf16(setting: str) -> bool:
    """bfloat16 matrix products where the CPU has them natively (AVX512-BF16/AMX); elsewhere
    fp32. ``setting``: "auto", or "bf16"/"on"/"true"/"1" to force it, "fp32"/"off"/"false"/"0"
    to refuse it."""
    if setting in ("off", "false", "0", "fp32"):
        return False
    if setting in ("on", "true", "1", "bf16"):
        return True
    import torch

    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):  # pragma: no cover - an older or odd torch build
        return False


def release_memory() -> None:
    """Hand the memory the C heap has freed back to the system (glibc's ``malloc_trim``;
    nothing elsewhere). Called after the big transient work (an ingest, a keyword index
    build): without it a server keeps its peak's pages, about 60 MB at 10k chunks
    (docs/benchmarks.md)."""
    import contextlib
    import ctypes

    with contextlib.suppress(OSError, AttributeError, TypeError):  # not glibc
        ctypes.CDLL(None).malloc_trim(0)
