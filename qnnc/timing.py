"""Wall-clock time of each step of a compilation (`qnnc --time-passes`, benchmarks).

A `Timings` collects (step, seconds) rows in the order the steps ran: the driver times loading
and qonnx cleanup, the import into `quant`, every pass and the verifier after it, the host
export, the report, each backend's emission and each IR dump; the CLI adds its start-up, the
import of the compiler and the writing of the outputs. Collecting costs two `perf_counter` calls
a step, so it is always on; only `--time-passes` prints the table (stderr). The figures never go
into the output directory's files, which stay byte-identical from run to run.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator


class Timings:
    def __init__(self) -> None:
        self.rows: list[tuple[str, float]] = []

    @contextlib.contextmanager
    def __call__(self, step: str) -> Iterator[None]:
        """Time the block as `step` (recorded even when it raises)."""
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.rows.append((step, time.perf_counter() - t0))

    def add(self, step: str, seconds: float) -> None:
        self.rows.append((step, seconds))

    def seconds(self) -> dict[str, float]:
        """step → seconds (a step timed more than once is summed), in first-run order."""
        out: dict[str, float] = {}
        for step, s in self.rows:
            out[step] = out.get(step, 0.0) + s
        return out

    def table(self, total: float | None = None, title: str = "qnnc --time-passes") -> str:
        """The rows with their share of `total` (default: their sum); time in no row is shown
        as `(other)`."""
        rows = list(self.seconds().items())
        timed = sum(s for _, s in rows)
        total = timed if total is None else max(total, timed)
        if total - timed > 0.0005:
            rows.append(("(other: between the timed steps)", total - timed))
        lines = [f"{title}: wall seconds", f"{'seconds':>9} {'share':>6}  step"]
        lines += [f"{s:>9.3f} {100 * s / total if total else 0:>5.1f}%  {step}" for step, s in rows]
        lines.append(f"{total:>9.3f} {100.0:>5.1f}%  total")
        return "\n".join(lines)


def since_process_start() -> float | None:
    """Seconds since this process started (Linux: /proc/self/stat's start time, 10 ms
    resolution), so a table can include the interpreter's own start-up; None elsewhere."""
    try:
        with open("/proc/self/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        start_ticks = int(fields[19])  # field 22 of stat(5); the two before the split are gone
        return time.clock_gettime(time.CLOCK_BOOTTIME) - start_ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, AttributeError):
        return None
