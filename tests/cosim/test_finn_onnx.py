"""End to end on FINN-ONNX and on the other real-world MLP shapes (issue 8): `qnnc --verify`
(Verilator against qonnx's execution of the model, random back-pressure).

* FINN-ONNX written by finn-plus 1.6.1's `ConvertQONNXtoFINN` from the bundled QONNX models
  (`tests/models/*_finn`, see tests/models/README.md): they verify on their QONNX sources'
  inputs, and qonnx's outputs of the converted model are the QONNX source's outputs;
* a UNSW-NB15-like MLP (BIPOLAR-annotated input, `(x + 1) / 2`, Gemm layers) maps entirely to
  hardware; with an affine pre-processing that does not fold exactly it still verifies, its
  first layer on the host, with a warning naming the node that did not fold;
* a QKeras-like MLP (float input straight into the first quantized-weight layer) verifies with
  that layer on the host (warning, report.json `host_layers`) and the rest in hardware.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import pytest
from simtools import require_tool

from finn_onnx import qkeras_like_model, unsw_inputs, unsw_like_model

MODELS = Path(__file__).resolve().parents[1] / "models"
FINN_MODELS = {"tfc_2w2a_zoo_finn": "tfc_2w2a_zoo", "tfc_1w1a_zoo_finn": "tfc_1w1a_zoo",
               "fixedmlp_w8a6_finn": "fixedmlp_w8a6"}


def qnnc(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "qnnc.cli", *args], capture_output=True, text=True)


def _verified(r: subprocess.CompletedProcess, out: Path, samples: int) -> dict:
    assert r.returncode == 0, r.stdout + r.stderr
    v = json.loads((out / "verify.json").read_text())
    assert v["samples"] == samples
    assert v["mismatches"] == 0
    assert all(run["accelerator_vs_rtl_semantics_mismatched_frames"] == 0 for run in v["runs"])
    assert r.stdout.startswith("qnnc: verify PASS")
    return v


@pytest.mark.cosim
@pytest.mark.parametrize("name", sorted(FINN_MODELS))
def test_finn_converted_model_verifies_against_its_qonnx_source(name, tmp_path):
    from qonnx.core.modelwrapper import ModelWrapper
    from qonnx.core.onnx_exec import execute_onnx
    from qonnx.util.cleanup import cleanup_model

    require_tool("verilator")
    src = np.load(MODELS / FINN_MODELS[name] / "io.npz")
    io = np.load(MODELS / name / "io.npz")
    assert np.array_equal(io["inputs"], src["inputs"])
    finn = cleanup_model(ModelWrapper(str(MODELS / name / "model.onnx")))
    iname, oname = finn.graph.input[0].name, finn.graph.output[0].name
    finn_out = np.stack([execute_onnx(finn, {iname: x})[oname] for x in src["inputs"]])
    assert np.array_equal(finn_out, src["outputs"]), "the converted model computes otherwise"
    assert np.array_equal(io["outputs"], src["outputs"])
    out = tmp_path / "out"
    r = qnnc(str(MODELS / name / "model.onnx"), "-o", str(out), "--verify",
             "--inputs", str(MODELS / name / "io.npz"), "--samples", "8")
    _verified(r, out, 16)
    report = json.loads((out / "report.json").read_text())
    assert report["host_layers"] == []
    assert "warning: node" not in r.stderr


@pytest.mark.cosim
def test_unsw_like_annotated_input_maps_to_hardware(tmp_path):
    require_tool("verilator")
    model = tmp_path / "unsw.onnx"
    onnx.save(unsw_like_model(), str(model))
    inputs = tmp_path / "io.npz"
    np.savez(inputs, inputs=unsw_inputs(4))
    out = tmp_path / "out"
    r = qnnc(str(model), "-o", str(out), "--verify", "--inputs", str(inputs), "--samples", "8")
    v = _verified(r, out, 12)
    assert v["runs"][1]["inputs"] == "8 random BIPOLAR inputs (annotated)"
    report = json.loads((out / "report.json").read_text())
    assert report["host_layers"] == [] and "warning: node" not in r.stderr
    assert report["input_stream"]["element_type"] == "bipolar"
    assert [layer["name"] for layer in report["layers"]] == ["fc0", "fc1", "fc_out"]


@pytest.mark.cosim
def test_unsw_like_inexact_preprocessing_stays_on_the_host(tmp_path):
    require_tool("verilator")
    model = tmp_path / "unsw.onnx"
    onnx.save(unsw_like_model(add=0.1, div=3.0), str(model))  # (x + 0.1) / 3: not exact
    out = tmp_path / "out"
    r = qnnc(str(model), "-o", str(out), "--verify", "--samples", "8")
    _verified(r, out, 8)
    assert ("warning: node 'fc0' (Gemm): not mapped to hardware, runs on the host in float32 "
            "(host/pre.onnx): its input 'inp' is annotated BIPOLAR, but node 'pre_div' after it "
            "does not fold exactly") in r.stderr
    report = json.loads((out / "report.json").read_text())
    assert [h["name"] for h in report["host_layers"]] == ["fc0"]
    assert [layer["name"] for layer in report["layers"]] == ["fc1", "fc_out"]


@pytest.mark.cosim
def test_qkeras_like_float_first_layer_runs_on_the_host(tmp_path):
    require_tool("verilator")
    model = tmp_path / "qkeras.onnx"
    onnx.save(qkeras_like_model(), str(model))
    out = tmp_path / "out"
    r = qnnc(str(model), "-o", str(out), "--verify", "--samples", "8")
    _verified(r, out, 8)
    assert "warning: node 'dense0' (MatMul): not mapped to hardware" in r.stderr
    report = json.loads((out / "report.json").read_text())
    assert [(h["name"], h["function"]) for h in report["host_layers"]] == [("dense0", "pre")]
    assert [layer["name"] for layer in report["layers"]] == ["dense1", "dense_out"]


def test_inputs_violating_the_annotation_are_an_error(tmp_path):
    model = tmp_path / "unsw.onnx"
    onnx.save(unsw_like_model(), str(model))
    bad = tmp_path / "bad.npz"
    np.savez(bad, inputs=unsw_inputs(2) * 0.5)
    r = qnnc(str(model), "-o", str(tmp_path / "out"), "--verify", "--inputs", str(bad),
             "--samples", "0")
    assert r.returncode == 2, r.stdout + r.stderr
    assert "input 'inp' is annotated BIPOLAR but sample 0 holds 0.5" in r.stderr
