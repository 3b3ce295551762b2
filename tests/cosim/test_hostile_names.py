"""`--verify` on the TFC MLP with hostile node and tensor names (tests/hostile_names.py): the
renamed design still matches qonnx bit for bit, and qnnc writes nothing outside `-o` except in
the system temp directory (the Verilator build and its runtime cache included)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import onnx
import pytest
from hostile_names import hostile_model
from simtools import require_tool


@pytest.mark.cosim
def test_hostile_names_verify_and_nothing_is_written_outside_out(tmp_path):
    require_tool("verilator")
    work, home = tmp_path / "work", tmp_path / "home"
    work.mkdir()
    home.mkdir()
    model = work / "model.onnx"
    onnx.save(hostile_model(), str(model))
    env = {k: v for k, v in os.environ.items() if k not in ("XDG_CACHE_HOME", "QNNC_VERILATOR_CACHE")}
    env["HOME"] = str(home)
    r = subprocess.run([sys.executable, "-m", "qnnc.cli", str(model), "-o", "out", "--verify",
                        "--samples", "20"], capture_output=True, text=True, cwd=work, env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.startswith("qnnc: verify PASS")
    assert json.loads((work / "out" / "verify.json").read_text())["mismatches"] == 0
    assert sorted(os.listdir(work)) == ["model.onnx", "out"]
    written = sorted(str(p.relative_to(home)) for p in home.rglob("*") if p.is_file())
    # onnxruntime (imported by qonnx) records a telemetry device id on import; nothing else
    assert all(p.startswith(".cache/Microsoft/DeveloperTools/") for p in written), written
