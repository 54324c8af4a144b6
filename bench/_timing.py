"""Small helpers shared by the benchmarks: repeated timing and percentiles."""

from __future__ import annotations

import statistics
import time
from typing import Callable


def sample(fn: Callable[[], object], runs: int, warmup: int = 20) -> list[float]:
    """Seconds per call of ``fn``, ``runs`` times, after ``warmup`` untimed calls."""
    for _ in range(warmup):
        fn()
    out = []
    clock = time.perf_counter
    for _ in range(runs):
        t0 = clock()
        fn()
        out.append(clock() - t0)
    return out


def pct(samples: list[float], p: float) -> float:
    s = sorted(samples)
    k = min(len(s) - 1, max(0, int(round(p / 100 * (len(s) - 1)))))
    return s[k]


def describe(name: str, samples: list[float]) -> str:
    return (f"{name:<34} p50 {pct(samples, 50) * 1e3:8.3f} ms   p99 {pct(samples, 99) * 1e3:8.3f} ms"
            f"   mean {statistics.fmean(samples) * 1e3:8.3f} ms   n={len(samples)}")
