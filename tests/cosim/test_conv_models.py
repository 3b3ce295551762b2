"""End to end: convolutional networks through `qnnc --verify` (Verilator with random
back-pressure, then at full rate for cycles per frame; HLS C-simulation), against qonnx's
execution of the original model.

* the bundled Brevitas models `resconv_w4a4` (padding, residual Add, MaxPool, Gemm with bias)
  and `cnv_1w1a` (the BNN-PYNQ CNV: six convolutions, two MaxPools, three dense layers, bipolar)
  on their `io.npz` inputs plus random ones;
* super-resolution nets (tests/convnets.py) with each upsampling form: DepthToSpace DCR and CRD,
  Resize nearest in the asymmetric and half-pixel coordinate modes;
* average pooling (global and windowed) with the QONNX Trunc after it; a channel concatenation;
* a Resize the hardware cannot do (linear interpolation) and a padded AveragePool are errors
  naming the node.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import onnx
import pytest
from simtools import require_tool

from convnets import (UPSAMPLERS, AvgPoolSpec, ConcatSpec, SRSpec, build_avgpool_net,
                      build_concat_net, build_srnet)

pytestmark = pytest.mark.cosim

MODELS = Path(__file__).resolve().parents[1] / "models"


def qnnc(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "qnnc.cli", *map(str, args)],
                          capture_output=True, text=True)


def check_verified(r: subprocess.CompletedProcess, out: Path, samples: int,
                   backends: list[str]) -> dict:
    assert r.returncode == 0, r.stdout + r.stderr
    v = json.loads((out / "verify.json").read_text())
    assert v["samples"] == samples
    assert v["mismatches"] == 0
    assert sorted(v["backends"]) == backends
    assert all(b["mismatches"] == 0 for b in v["backends"].values())
    assert all(run["accelerator_vs_rtl_semantics_mismatched_frames"] == 0 for run in v["runs"])
    if "verilog" in backends:
        measured, analytical = v["cycles_per_frame_measured"], v["cycles_per_frame_analytical"]
        assert abs(measured - analytical) <= 0.05 * analytical, (measured, analytical)
    return v


@pytest.mark.parametrize("name, emit, lanes, backends", [
    ("resconv_w4a4", "all", 64, ["hls", "verilog"]),
    # CNV in Verilog only: its HLS C-simulation takes minutes (see docs/testing.md)
    ("cnv_1w1a", "verilog", 512, ["verilog"]),
])
def test_conv_model_verifies_bit_exactly(name, emit, lanes, backends, tmp_path):
    require_tool("verilator")
    out = tmp_path / "out"
    r = qnnc(MODELS / name / "model.onnx", "-o", out, "--emit", emit, "--verify",
             "--inputs", MODELS / name / "io.npz", "--samples", 20, "--lanes-budget", lanes)
    check_verified(r, out, 28, backends)
    report = json.loads((out / "report.json").read_text())
    ops = {layer["op"] for layer in report["layers"]}
    assert {"dataflow.swg", "dataflow.mvau", "dataflow.pool"} <= ops
    if name == "resconv_w4a4":
        assert "dataflow.add" in ops


@pytest.mark.parametrize("upsampler, depthwise", [(u, u == "resize_half_pixel") for u in UPSAMPLERS])
def test_super_resolution_verifies_bit_exactly(upsampler, depthwise, tmp_path):
    """Each upsampling form; one net's middle convolution depthwise (a block-diagonal MVAU)."""
    require_tool("verilator")
    model = tmp_path / "sr.onnx"
    onnx.save(build_srnet(SRSpec(upsampler=upsampler, height=6, width=5, depthwise=depthwise)),
              model)
    out = tmp_path / "out"
    r = qnnc(model, "-o", out, "--verify", "--samples", 6)
    check_verified(r, out, 6, ["hls", "verilog"])
    ops = {layer["op"] for layer in json.loads((out / "report.json").read_text())["layers"]}
    want = "dataflow.depth_to_space" if upsampler.startswith("d2s") else "dataflow.upsample"
    assert want in ops


def test_linear_resize_is_refused_by_name(tmp_path):
    m = build_srnet(SRSpec(upsampler="resize_asymmetric"))
    node = next(n for n in m.graph.node if n.op_type == "Resize")
    for a in node.attribute:
        if a.name == "mode":
            a.s = b"linear"
    model = tmp_path / "sr_linear.onnx"
    onnx.save(m, model)
    r = qnnc(model, "-o", tmp_path / "out")
    assert r.returncode == 2, r.stdout + r.stderr
    assert "error: node 'Resize_0' (Resize)" in r.stderr
    assert "nearest-neighbour upsampling" in r.stderr
    assert "Traceback" not in r.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("kernel, mode", [(None, "FLOOR"), ((2, 2), "ROUND"), ((3, 2), "FLOOR")])
def test_average_pooling_verifies_bit_exactly(kernel, mode, tmp_path):
    """AveragePool / GlobalAveragePool with the QONNX Trunc after it: window sums in hardware
    (a pool unit summing), the Trunc as thresholds on the sum."""
    require_tool("verilator")
    model = tmp_path / "avg.onnx"
    onnx.save(build_avgpool_net(AvgPoolSpec(kernel=kernel, trunc_mode=mode)), model)
    out = tmp_path / "out"
    r = qnnc(model, "-o", out, "--verify", "--samples", 12)
    check_verified(r, out, 12, ["hls", "verilog"])
    layers = json.loads((out / "report.json").read_text())["layers"]
    assert any(layer["op"] == "dataflow.pool" and layer["mode"] == "sum" for layer in layers)
    assert any(layer["op"] == "dataflow.threshold" and layer["name"] == "Trunc_0"
               for layer in layers)


def test_padded_average_pool_is_refused_by_name(tmp_path):
    m = build_avgpool_net(AvgPoolSpec(kernel=(3, 3)))  # 6x6 → 2x2, with or without the pads
    node = next(n for n in m.graph.node if n.op_type == "AveragePool")
    node.attribute.append(onnx.helper.make_attribute("pads", [1, 1, 1, 1]))
    model = tmp_path / "avg_pad.onnx"
    onnx.save(m, model)
    r = qnnc(model, "-o", tmp_path / "out")
    assert r.returncode == 2, r.stdout + r.stderr
    assert "error: node 'Pool_0' (AveragePool): average pooling with padding" in r.stderr
    assert "Traceback" not in r.stderr


def test_concatenation_verifies_bit_exactly(tmp_path):
    """A dense-block-like join: Concat of a conv layer's activations and a second conv layer's
    (quantized alike) along the channels, in hardware (fork, concat, branch FIFO)."""
    require_tool("verilator")
    model = tmp_path / "cat.onnx"
    onnx.save(build_concat_net(ConcatSpec()), model)
    out = tmp_path / "out"
    r = qnnc(model, "-o", out, "--verify", "--samples", 10)
    check_verified(r, out, 10, ["hls", "verilog"])
    ops = [layer["op"] for layer in json.loads((out / "report.json").read_text())["layers"]]
    assert "dataflow.concat" in ops
