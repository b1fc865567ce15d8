"""What both rooms of the suite share: percentiles, and a results table shown and kept."""

from __future__ import annotations

import json
import statistics
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile of ``values`` (0.0 for none)."""
    if not values:
        return 0.0
    if len(values) == 1:
        return float(values[0])
    return float(statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1])


def show(results: dict[str, Any], table: str, out: Path | None, name: str) -> None:
    """Print a results table; with ``out``, also write NAME.json and NAME.md there."""
    print(table)
    if out:
        out.mkdir(parents=True, exist_ok=True)
        (out / f"{name}.json").write_text(json.dumps(results, indent=1))
        (out / f"{name}.md").write_text(table + "\n")
