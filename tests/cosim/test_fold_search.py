"""A searched folding in Verilator: `qnnc --target-fps` (and a fully unrolled MLP) verify
bit-exactly, with cycles per frame measured within 2 % of the analytical figure."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from simtools import require_tool

MODELS = Path(__file__).resolve().parents[1] / "models"


def _verify(tmp_path: Path, model: str, *flags: str) -> tuple[dict, dict]:
    out = tmp_path / "out"
    r = subprocess.run([sys.executable, "-m", "qnnc.cli", model, "-o", str(out), "--verify",
                        "--samples", "20", "--emit", "verilog", *flags],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    return (json.loads((out / "verify.json").read_text()),
            json.loads((out / "report.json").read_text()))


def _check(v: dict, rep: dict) -> None:
    assert v["samples"] == 20 and v["mismatches"] == 0
    assert all(run["accelerator_vs_rtl_semantics_mismatched_frames"] == 0 for run in v["runs"])
    measured, analytical = v["cycles_per_frame_measured"], v["cycles_per_frame_analytical"]
    assert analytical == rep["cycles_per_frame"] == rep["folding"]["achieved_cycles"]
    assert abs(measured - analytical) <= 0.02 * analytical, (measured, analytical)


@pytest.mark.cosim
def test_searched_folding_for_a_frame_rate_verifies(tmp_path):
    """TFC at 1 M frames/s and 100 MHz: a target of 100 cycles, the least-area folding meeting
    it (98 cycles/frame)."""
    require_tool("verilator")
    v, rep = _verify(tmp_path, str(MODELS / "tfc_2w2a_zoo" / "model.onnx"),
                     "--target-fps", "1000000", "--clock-mhz", "100")
    assert rep["folding"]["target_cycles"] == 100 and rep["folding"]["target_met"]
    _check(v, rep)


@pytest.mark.cosim
def test_fully_unrolled_mlp_verifies(tmp_path):
    """One frame a clock: every MVAU at PE = MH, SIMD = MW (a small generated MLP; TFC fully
    unrolled is 50 k multipliers, too slow a Verilator build for a test)."""
    require_tool("verilator")
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from generators import DenseSpec, MLPSpec, QuantSpec, build_mlp, save_model

    act = QuantSpec(bits=2, signed=False)
    spec = MLPSpec(in_features=16, input_quant=QuantSpec(bits=2, signed=True), layers=(
        DenseSpec(12, QuantSpec(bits=2, signed=True, narrow=True), act_quant=act),
        DenseSpec(8, QuantSpec(bits=2, signed=True, narrow=True), act_quant=act)))
    (tmp_path / "mlp").mkdir()
    path = save_model(build_mlp(spec), tmp_path / "mlp")
    v, rep = _verify(tmp_path, path, "--target-cycles", "1")
    assert rep["cycles_per_frame"] == 1
    for layer in rep["layers"]:
        if layer["op"] == "dataflow.mvau":
            assert (layer["pe"], layer["simd"]) == (layer["mh"], layer["mw"])
    _check(v, rep)
