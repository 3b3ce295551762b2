"""A progress line for long steps (Verilator builds and simulation, C-simulation, synthesis,
place and route): a spinner, the step and the seconds so far, redrawn in place on stderr and
erased when the step ends. Quiet when stderr is not a terminal (logs, CI, pipes) or with `-q`,
so nothing but the results reaches a file."""

from __future__ import annotations

import sys
import threading
import time
from contextlib import contextmanager
from typing import IO, Iterator

FRAMES = "|/-\\"
INTERVAL = 0.2


class Progress:
    def __init__(self, quiet: bool = False, stream: IO[str] | None = None):
        self.stream = stream if stream is not None else sys.stderr
        isatty = getattr(self.stream, "isatty", None)
        self.enabled = not quiet and bool(isatty and isatty())

    @contextmanager
    def step(self, label: str) -> Iterator[None]:
        """Show `label` with a spinner and elapsed time until the block ends."""
        if not self.enabled:
            yield
            return
        done = threading.Event()
        t0 = time.monotonic()

        def draw() -> None:
            k = 0
            while not done.wait(INTERVAL if k else 0):
                self.stream.write(f"\r\033[K{FRAMES[k % len(FRAMES)]} qnnc: {label} "
                                  f"({time.monotonic() - t0:.0f} s)")
                self.stream.flush()
                k += 1

        thread = threading.Thread(target=draw, daemon=True)
        thread.start()
        try:
            yield
        finally:
            done.set()
            thread.join()
            self.stream.write("\r\033[K")
            self.stream.flush()
