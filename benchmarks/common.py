"""What the benchmarks share: timing and a simple seeded design of draws."""

from __future__ import annotations

import time

import numpy as np


def timed(fn, repeat: int) -> list[float]:
    """Wall-clock seconds of `repeat` calls of fn."""
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def sample(plan, n_draw: int, seed: int) -> np.ndarray:
    """theta[draw, parameter]: every uncertain number uniform between its low and high value
    (seeded); certain numbers at their value. Enough to vary what a benchmark times."""
    rng = np.random.default_rng(seed)
    p = plan.params
    theta = np.repeat(p.central_design(), n_draw, axis=0)
    uncertain = ~np.isnan(p.low)
    theta[:, uncertain] = rng.uniform(
        p.low[uncertain], p.high[uncertain], (n_draw, int(uncertain.sum()))
    )
    return theta


ROOT = __import__("pathlib").Path(__file__).resolve().parents[1]


def spread(xs: list[float]) -> str:
    """'median (min-max)' of a list of figures."""
    import statistics

    return f"{statistics.median(xs):.3g} ({min(xs):.3g}-{max(xs):.3g})"


def ratios(num: list[float], den: list[float]) -> list[float]:
    """Pairwise ratios of two lists of timings measured alternately in the same run."""
    return [a / b for a, b in zip(num, den, strict=True)]


def machine() -> str:
    """The machine and versions a figure was measured on."""
    import os
    import platform

    import numba

    cpu = "?"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return (
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {os.cpu_count()} cores, {cpu}; "
        f"Python {platform.python_version()}, numpy {np.__version__}, numba {numba.__version__}, "
        f"{numba.get_num_threads()} numba threads"
    )


def experiment_file(folder, scenarios: list[str], draws: int, chunk: int, **extra) -> str:
    """Write an experiment file into `folder` (scenario paths relative to the repository)
    and return its path."""
    import json
    from pathlib import Path

    lines = [
        "format: 1",
        "id: bench",
        "title: benchmark",
        "scenarios:",
        *[f"  - {json.dumps(str(ROOT / s))}" for s in scenarios],
        f"draws: {draws}",
        "sampler: lhs",
        "seed: 20261202",
        f"chunk: {chunk}",
        f"output: {json.dumps(str(Path(folder) / 'out.zarr'))}",
        *[f"{k}: {json.dumps(v)}" for k, v in extra.items()],
    ]
    path = Path(folder) / "bench.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


class StageTimer:
    """Wall-clock seconds spent in named functions, by patching them in their modules for the
    duration of a `with` block (calls in this process only; nested stages count in both)."""

    def __init__(self, targets: dict[str, tuple[object, str]]):
        self.targets = targets  # stage name -> (module or object, attribute)
        self.seconds = dict.fromkeys(targets, 0.0)
        self.calls = dict.fromkeys(targets, 0)
        self._saved: list[tuple[object, str, object]] = []

    def __enter__(self):
        for stage, (owner, attr) in self.targets.items():
            fn = getattr(owner, attr)
            self._saved.append((owner, attr, fn))
            setattr(owner, attr, self._wrap(stage, fn))
        return self

    def _wrap(self, stage, fn):
        def timed_call(*args, **kwargs):
            t = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds[stage] += time.perf_counter() - t
                self.calls[stage] += 1

        return timed_call

    def __exit__(self, *exc):
        for owner, attr, fn in reversed(self._saved):
            setattr(owner, attr, fn)
        return False
