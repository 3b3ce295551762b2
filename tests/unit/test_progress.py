"""The progress display: drawn on a terminal, silent when stderr is not one or with -q."""

from __future__ import annotations

import io
import os
import pty
import subprocess
import sys
import time
from pathlib import Path

from qnnc.progress import Progress

MODELS = Path(__file__).resolve().parents[1] / "models"


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_draws_on_a_terminal_and_erases_itself():
    out = Tty()
    with Progress(stream=out).step("simulating"):
        time.sleep(0.5)
    text = out.getvalue()
    assert "qnnc: simulating" in text and text.endswith("\r\033[K")


def test_progress_is_quiet_off_a_terminal_and_with_q():
    for p in (Progress(stream=io.StringIO()), Progress(quiet=True, stream=Tty())):
        with p.step("simulating"):
            time.sleep(0.3)
        assert p.stream.getvalue() == ""


def _verify(tmp_path: Path, *extra: str, tty: bool) -> str:
    """`qnnc --verify` (one sample) with stderr on a pseudo-terminal or a pipe: its stderr."""
    args = [sys.executable, "-m", "qnnc.cli", str(MODELS / "tfc_2w2a_zoo" / "model.onnx"), "-o",
            str(tmp_path / "o"), "--verify", "--samples", "1", "--emit", "hls", *extra]
    if not tty:
        return subprocess.run(args, capture_output=True, text=True).stderr
    master, slave = pty.openpty()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=slave)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    proc.wait()
    os.close(master)
    return b"".join(chunks).decode(errors="replace")


def test_cli_progress_only_on_a_terminal(tmp_path):
    assert "qnnc: verify on 1 random samples" in _verify(tmp_path, tty=True)
    assert "\r" not in _verify(tmp_path, "-q", tty=True)
    assert "\r" not in _verify(tmp_path, tty=False)
