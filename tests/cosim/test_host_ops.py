"""Issue 8's real-model shapes around the accelerator, end to end through `qnnc --verify`:
a KWS-like MLP (input 1x1xHxW, input quantizer, Flatten, dense layers, Softmax head) and a
network whose head is a chain of standard ONNX ops qnnc has no importer for (carried unchanged
into host/post.onnx and run by onnxruntime, as qonnx runs them)."""

from __future__ import annotations

import json
import subprocess
import sys

import onnx
import pytest
from simtools import require_tool

from generators import DenseSpec, MLPSpec, QuantSpec, build_model, save_model


def _q(bits: int, scale: float, signed: bool = True) -> QuantSpec:
    return QuantSpec("quant", bits, signed, False, "ROUND", (scale,), False, 0.0)


def _verify(path, tmp_path, samples: int = 40) -> dict:
    out = tmp_path / "out"
    r = subprocess.run([sys.executable, "-m", "qnnc.cli", str(path), "-o", str(out), "--verify",
                        "--samples", str(samples)], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "warning" not in r.stderr, r.stderr  # every layer is on the accelerator
    return json.loads((out / "verify.json").read_text()) | {
        "report": json.loads((out / "report.json").read_text()), "out": out}


@pytest.mark.cosim
def test_kws_like_mlp_with_flatten_and_softmax(tmp_path):
    require_tool("verilator")
    spec = MLPSpec(in_features=490, input_quant=_q(8, 2.0 ** -5), layers=(
        DenseSpec(out_features=64, weight_quant=_q(3, 0.125), seed=1, batchnorm="pos",
                  act_quant=_q(3, 0.5, signed=False)),
        DenseSpec(out_features=64, weight_quant=_q(3, 0.125), seed=2, batchnorm="mixed",
                  act_quant=_q(3, 0.5, signed=False)),
        DenseSpec(out_features=12, weight_quant=_q(3, 0.125), seed=3, act_quant=_q(8, 0.25))),
        input_layout="flatten", head=("Softmax",))
    model = build_model(spec)
    assert [d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim] == [1, 1, 14, 35]
    v = _verify(save_model(model, tmp_path), tmp_path)
    assert v["mismatches"] == 0 and v["samples"] == 40
    ops = {(h["onnx_op"], h["function"]) for h in v["report"]["host_ops"]}
    assert ("Flatten", "pre") in ops and ("Softmax", "post") in ops
    post = onnx.load(str(v["out"] / "host" / "post.onnx"))
    assert [n.op_type for n in post.graph.node].count("Softmax") == 1


@pytest.mark.cosim
def test_standard_op_head_runs_on_the_host(tmp_path):
    require_tool("verilator")
    spec = MLPSpec(in_features=12, input_quant=_q(4, 0.25), layers=(
        DenseSpec(out_features=10, weight_quant=_q(2, 0.5), seed=4, act_quant=_q(4, 0.25)),),
        head=("Tanh", "Exp"), onnx_opset=11)
    v = _verify(save_model(build_model(spec), tmp_path), tmp_path)
    assert v["mismatches"] == 0
    assert [h["onnx_op"] for h in v["report"]["host_ops"] if h["function"] == "post"] == ["Tanh", "Exp"]
