"""End to end: `qnnc --verify` on the bundled real models (Verilator cosimulation against qonnx's
execution of the original model, with random back-pressure)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from simtools import require_tool

MODELS = Path(__file__).resolve().parents[1] / "models"
MLPS = ["tfc_1w1a_zoo", "tfc_1w2a_zoo", "tfc_2w2a_zoo", "tfc_2w2a_dynamo", "fixedmlp_w8a6"]


@pytest.mark.cosim
@pytest.mark.parametrize("name", MLPS)
def test_model_verifies_bit_exactly(name, tmp_path):
    require_tool("verilator")
    out = tmp_path / "out"
    r = subprocess.run([sys.executable, "-m", "qnnc.cli", str(MODELS / name / "model.onnx"),
                        "-o", str(out), "--verify", "--inputs", str(MODELS / name / "io.npz"),
                        "--samples", "200", "--lanes-budget", "32"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    v = json.loads((out / "verify.json").read_text())
    assert v["samples"] == 208
    assert v["mismatches"] == 0
    assert sorted(v["backends"]) == ["hls", "verilog"]
    assert all(b["samples"] == 208 and b["mismatches"] == 0 for b in v["backends"].values())
    assert all(run["accelerator_vs_rtl_semantics_mismatched_frames"] == 0 for run in v["runs"])
    measured, analytical = v["cycles_per_frame_measured"], v["cycles_per_frame_analytical"]
    assert abs(measured - analytical) <= 0.05 * analytical, (measured, analytical)
    assert r.stdout.startswith("qnnc: verify PASS")
