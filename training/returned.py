"""A GPU run's weights back into a reader folder, calibrated and measured on the CPU.

    python -m training.returned RETURNED --name s6 --out runs/gpu-s6 --pack .gpu/pack \\
        --data ../shared/data

``RETURNED`` holds what ``training/train_gpu.py`` wrote (``NAME-1.safetensors``, ...). The
shards are joined into ``reader.safetensors`` as they were packed (fp16, or int8 with block
scales); the run's record (in the first shard) becomes ``config.json``'s ``training``; then,
as ``rag train-reader`` ends, the reader is calibrated on the news validation weeks and
measured on the test parts (the groups come from the pack's cache, built once).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

from rag.errors import ConfigError, RagError
from rag.reader.network import WEIGHTS, load_trained

from .pack import MANIFEST
from .trainer import TrainConfig


def shards(returned: Path, name: str) -> list[Path]:
    """A run's shard files in order; ConfigError when some are missing."""
    first = returned / f"{name}-1.safetensors"
    if not first.is_file():
        raise ConfigError(f"no run {name!r} in {returned} (expected {first.name})")
    from safetensors import safe_open

    with safe_open(str(first), "pt") as f:
        count = int((f.metadata() or {}).get("shards", "1"))
    paths = [returned / f"{name}-{i}.safetensors" for i in range(1, count + 1)]
    missing = [p.name for p in paths if not p.is_file()]
    if missing:
        raise ConfigError(f"run {name!r} in {returned} lacks {', '.join(missing)}")
    return paths


def join(returned: Path, name: str, out: Path, manifest: dict[str, Any]) -> dict[str, Any]:
    """Write ``reader.safetensors`` and an uncalibrated ``config.json`` to ``out``; the
    run's record."""
    from safetensors import safe_open
    from safetensors.torch import save_file

    tensors: dict[str, Any] = {}
    record: dict[str, Any] = {}
    for path in shards(returned, name):
        with safe_open(str(path), "pt") as f:
            meta = f.metadata() or {}
            if "record" in meta:
                record = json.loads(meta["record"])
            tensors |= {k: f.get_tensor(k) for k in f.keys()}  # noqa: SIM118
    out.mkdir(parents=True, exist_ok=True)
    save_file(tensors, str(out / WEIGHTS))
    layout = manifest["layout"]
    config = {
        "base": manifest["base"],
        "max_length": layout["max_length"],
        "max_question": layout["max_question"],
        "max_before": layout["max_before"],
        "question_ends": layout["question_ends"],
        "age_words": bool(record.get("age_words", False)),
        "layers": record.get("layers"),
        "weights": record.get("weights", "fp16"),
        "temperature": 1.0,
        "bias": 0.0,
        "threshold": 0.5,
    }
    (out / "config.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    return record


#: the fields of a pack's ``train_config`` that shaped its groups
GROUP_SETTINGS = (
    "seed",
    "limit",
    "squad11",
    "squad2",
    "statements",
    "research_data",
    "base",
    "max_length",
    "max_question",
)


def train_config(manifest: dict[str, Any]) -> TrainConfig:
    """The configuration the pack's groups were built with (their cache's key)."""
    known = {f.name for f in fields(TrainConfig)}
    return TrainConfig(**{k: v for k, v in manifest["train_config"].items() if k in known})


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m training.returned", description=__doc__)
    p.add_argument("returned", type=Path, help="the folder the GPU run's files came back to")
    p.add_argument("--name", required=True)
    p.add_argument("--out", type=Path, required=True, help="the reader folder to write")
    p.add_argument("--pack", type=Path, required=True, help="the pack the run trained on")
    p.add_argument("--data", type=Path, default=None, help="calibrate and measure on this data")
    p.add_argument(
        "--cache", type=Path, default=None, help="the pack's groups cache (as training.pack's)"
    )
    p.add_argument("--calibrate-only", action="store_true", help="with --data: skip the test parts")
    args = p.parse_args(argv)
    try:
        manifest = json.loads((args.pack / MANIFEST).read_text(encoding="utf-8"))
        record = join(args.returned, args.name, args.out, manifest)
        if args.data is not None:
            measure(args, manifest, record)
    except (OSError, ValueError, RagError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"reader written to {args.out}")
    return 0


def measure(args: argparse.Namespace, manifest: dict[str, Any], record: dict[str, Any]) -> None:
    from .command import assistant_embed, cached_splits, finish, new_config
    from .pack import default_cache

    # the groups as the pack built them; whether the reader reads ages, as the run trained
    config = replace(train_config(manifest), age_words=bool(record.get("age_words", False)))
    embed = assistant_embed("auto")
    cache = args.cache or default_cache()
    splits = cached_splits(args.data, cache, embed, config)
    net = load_trained(args.out)
    cfg = new_config(net, config, record)
    # the pack's configuration set only how the groups were built; the GPU run's own
    # arguments (epochs, lr, batch) are what trained
    cfg["train_config"] = {
        "groups": {k: cfg["train_config"][k] for k in GROUP_SETTINGS},
        "gpu": record.get("args", {}),
    }
    finish(net, args.out, cfg, splits, embed, test=not args.calibrate_only)


if __name__ == "__main__":
    sys.exit(main())
