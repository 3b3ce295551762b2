"""A searched folding in Verilator: `qnnc --target-fps` (and a fully unrolled MLP) verify
bit-exactly, with cycles per frame measured within 2 % of the analytical figure."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from simtools import require_tool
from test_hls import require_csim

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


def _conv_net(tmp_path: Path) -> str:
    """A generated conv net: padded 3×3 convolution, a residual block, a strided 3×3
    convolution, max pooling, a dense head."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from generators import (ConvNetSpec, ConvSpec, DenseSpec, PoolSpec, QuantSpec, ResidualSpec,
                            build_convnet, save_model)

    w2 = QuantSpec(bits=2, signed=True, narrow=True)
    a2 = QuantSpec(bits=2, signed=False)
    spec = ConvNetSpec(in_channels=2, height=8, width=7, input_quant=QuantSpec(bits=4, signed=True),
                       layers=(ConvSpec(4, w2, a2, pads=(1, 1, 1, 1), seed=1),
                               ResidualSpec(ConvSpec(4, w2, a2, pads=(1, 1, 1, 1), seed=2), a2),
                               ConvSpec(6, w2, a2, stride=(2, 2), seed=3),
                               PoolSpec((2, 2), (1, 1))),
                       dense=DenseSpec(3, w2, act_quant=None))
    (tmp_path / "net").mkdir()
    return save_model(build_convnet(spec), tmp_path / "net")


@pytest.mark.cosim
def test_parallel_window_slice_pinned_verifies(tmp_path):
    """A pinned SIMD that is a slice of the window (9 of 18 lanes, not dividing the 2 channels):
    the parallel-window generator, a width converter 18 → 9, the MVAU taking a window in 2
    cycles, so the generator reads 1 lane (a pixel every 2 cycles); bit-exact on both backends
    and at the analytical cycles. A slice the generator cannot keep pace with (SIMD 6: a window
    in 3 cycles, a pixel of 2 channels in at most 2) is an error naming the node."""
    require_tool("verilator")
    require_csim()
    path = _conv_net(tmp_path)
    (tmp_path / "pin.json").write_text(json.dumps({"Conv_0": {"pe": 4, "simd": 9}}))
    out = tmp_path / "out"
    r = subprocess.run([sys.executable, "-m", "qnnc.cli", path, "-o", str(out), "--verify",
                        "--samples", "8", "--emit", "verilog,hls", "--folding",
                        str(tmp_path / "pin.json")], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    rep = json.loads((out / "report.json").read_text())
    v = json.loads((out / "verify.json").read_text())
    swg, mvau = rep["layers"][1], rep["layers"][2]
    assert (swg["op"], swg["in_lanes"], swg["out_lanes"]) == ("dataflow.swg", 1, 18)
    assert (mvau["op"], mvau["simd"], mvau["pe"]) == ("dataflow.mvau", 9, 4)
    assert any(e["op"] == "dataflow.dwc" and (e["in_lanes"], e["out_lanes"]) == (18, 9)
               for e in rep["fifos_and_width_converters"])
    assert v["mismatches"] == 0 and v["cycles_per_frame_measured"] == rep["cycles_per_frame"]
    (tmp_path / "bad.json").write_text(json.dumps({"Conv_0": {"pe": 4, "simd": 6}}))
    r = subprocess.run([sys.executable, "-m", "qnnc.cli", path, "-o", str(tmp_path / "bad"),
                        "--folding", str(tmp_path / "bad.json")], capture_output=True, text=True)
    assert r.returncode == 2 and r.stderr.startswith("error: node 'Conv_0' (Conv): folding "
                                                     "SIMD=6 reads a whole window"), r.stderr
    assert not (tmp_path / "bad").exists()


@pytest.mark.cosim
@pytest.mark.parametrize("target", [0, 1])
def test_parallel_window_conv_net_verifies(tmp_path, target):
    """A generated conv net (padded 3×3 convolution, a residual block, a strided 3×3
    convolution, max pooling, a dense head) at a target below one kernel position a cycle:
    the convolutions' window generators write whole windows (parallel window) and the MVAUs
    read a window a beat (through a width converter when SIMD is a slice of it). Target 0 asks
    for the window generators' own bound (1 is out of reach: the search reports the best it can
    do and that is what Verilator measures)."""
    require_tool("verilator")
    path = _conv_net(tmp_path)
    # the fastest by kernel position: 7x6 windows of 9 positions (378 cycles) for the first
    # convolution; the padded 10x9 map at a pixel a cycle bounds the parallel window (90)
    cycles = 90 if target == 1 else 120
    v, rep = _verify(tmp_path, path, "--target-cycles", str(target or cycles))
    first = next(e for e in rep["layers"] if e["op"] == "dataflow.swg")
    assert first["parallel_window"], first  # 378 cycles by position
    assert rep["folding"]["target_met"] == (target == 0)
    assert rep["folding"]["achieved_cycles"] <= cycles
    _check(v, rep)
    if target == 0:  # the HLS templates of the same design in C-simulation
        require_csim()
        out = tmp_path / "hls"
        r = subprocess.run([sys.executable, "-m", "qnnc.cli", path, "-o", str(out), "--verify",
                            "--samples", "8", "--emit", "hls", "--target-cycles", str(cycles)],
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stdout + r.stderr
        assert json.loads((out / "verify.json").read_text())["mismatches"] == 0
