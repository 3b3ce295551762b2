"""The `qnnc` command: outputs, determinism, and errors that name the node."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

MODELS = Path(__file__).resolve().parents[1] / "models"


def qnnc(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "qnnc.cli", *args], capture_output=True, text=True)


def _tree(d: Path) -> dict[str, bytes]:
    return {str(p.relative_to(d)): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()}


# fixedmlp_w8a6: qonnx's cleanup names the copies of its shared scale tensors at random (seeded)
@pytest.mark.parametrize("model", ["tfc_2w2a_zoo", "fixedmlp_w8a6"])
def test_outputs_and_determinism(tmp_path, model):
    a, b = tmp_path / "a", tmp_path / "b"
    for out in (a, b):
        r = qnnc(str(MODELS / model / "model.onnx"), "-o", str(out))
        assert r.returncode == 0, r.stderr
    files = _tree(a)
    for f in ("ir/00-quant.mlir", "ir/01-quant-streamlined.mlir", "ir/02-dataflow.mlir",
              "ir/03-rtl.mlir", "verilog/qnnc_top.v", "host/pre.onnx", "host/post.onnx",
              "report.json", "README.md"):
        assert f in files, f
    assert files == _tree(b), "same model and flags must give byte-identical files"


def test_ir_dumps_round_trip_through_qnnc_opt(tmp_path):
    out = tmp_path / "o"
    assert qnnc(str(MODELS / "tfc_1w1a_zoo" / "model.onnx"), "-o", str(out)).returncode == 0
    opt = Path(sys.executable).parent / "qnnc-opt"
    for f in sorted((out / "ir").glob("*.mlir")):
        r = subprocess.run([str(opt), "--print-debuginfo", str(f)], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        assert r.stdout == f.read_text(), f"{f.name} changed in a round trip"


def _model_with(node: onnx.NodeProto, path: Path) -> Path:
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 8])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 8])
    g = helper.make_graph([node], "g", [x], [y])
    opsets = [helper.make_opsetid("", 13)] + (
        [helper.make_opsetid(node.domain, 1)] if node.domain else [])
    onnx.save(helper.make_model(g, opset_imports=opsets), str(path))
    return path


def test_unsupported_op_is_reported_by_node_name(tmp_path):
    """A custom-domain op qnnc does not know (standard ops it has no importer for run on the
    host unchanged; an op of an unknown domain cannot run anywhere)."""
    model = _model_with(helper.make_node("Frobnicate", ["x"], ["y"], name="my_op",
                                         domain="com.example"), tmp_path / "m.onnx")
    out = tmp_path / "out"
    r = qnnc(str(model), "-o", str(out))
    assert r.returncode == 2
    assert r.stderr.startswith("error: node 'my_op' (Frobnicate): "), r.stderr
    assert "Traceback" not in r.stderr and r.stderr.count("\n") == 1
    assert not out.exists(), "no partial output directory"


def test_model_without_quantized_layer(tmp_path):
    model = _model_with(helper.make_node("Relu", ["x"], ["y"], name="just_relu"), tmp_path / "m.onnx")
    r = qnnc(str(model), "-o", str(tmp_path / "out"))
    assert r.returncode == 2 and r.stderr.startswith("error: "), r.stderr
    assert not (tmp_path / "out").exists()


def test_unreadable_model(tmp_path):
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"not a model")
    r = qnnc(str(bad), "-o", str(tmp_path / "out"))
    assert r.returncode == 2 and r.stderr.startswith("error: ") and "Traceback" not in r.stderr


def _first_layer(tmp_path) -> str:
    import json

    out = tmp_path / "probe"
    assert qnnc(str(MODELS / "tfc_2w2a_zoo" / "model.onnx"), "-o", str(out)).returncode == 0
    return json.loads((out / "report.json").read_text())["layers"][0]["name"]


def test_bad_folding_file_names_the_layer(tmp_path):
    name = _first_layer(tmp_path)
    fold = tmp_path / "fold.json"
    fold.write_text(f'{{"{name}": {{"pe": 5, "simd": 16}}}}')
    r = qnnc(str(MODELS / "tfc_2w2a_zoo" / "model.onnx"), "-o", str(tmp_path / "out"),
             "--folding", str(fold))
    assert r.returncode == 2
    assert r.stderr.startswith(f"error: node '{name}' (MatMul): folding PE=5"), r.stderr


def test_folding_file_is_applied(tmp_path):
    import json

    name = _first_layer(tmp_path)
    fold = tmp_path / "fold.json"
    fold.write_text(f'{{"{name}": {{"pe": 4, "simd": 49}}}}')
    out = tmp_path / "out"
    r = qnnc(str(MODELS / "tfc_2w2a_zoo" / "model.onnx"), "-o", str(out), "--folding", str(fold))
    assert r.returncode == 0, r.stderr
    layer = json.loads((out / "report.json").read_text())["layers"][0]
    assert (layer["name"], layer["pe"], layer["simd"], layer["cycles"]) == (name, 4, 49, 16 * 16)


def test_qnnc_opt_runs_every_level(tmp_path):
    """`qnnc-opt --run` interprets a dump of any level; all four agree with qonnx's outputs."""
    out = tmp_path / "o"
    model = MODELS / "tfc_2w2a_zoo"
    assert qnnc(str(model / "model.onnx"), "-o", str(out)).returncode == 0
    io = np.load(model / "io.npz")
    small = tmp_path / "in.npz"
    np.savez(small, inputs=io["inputs"][:2])
    opt = Path(sys.executable).parent / "qnnc-opt"
    want = [np.asarray(io["outputs"][i], dtype=np.float32).reshape(-1) for i in range(2)]
    for f in sorted((out / "ir").glob("*.mlir")):
        r = subprocess.run([str(opt), str(f), "--run", str(small)], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        got = [np.array(line.split(":", 1)[1].replace("[", " ").replace("]", " ").split(),
                        dtype=np.float32) for line in r.stdout.strip().splitlines()]
        for g, w in zip(got, want):
            assert np.array_equal(g, w), f.name


def test_layer_left_on_host_is_reported_by_node_name(tmp_path):
    """A per-channel activation quantizer before a layer leaves that layer's product in float:
    qnnc says so (warning naming the node, report.json `host_layers`) instead of staying quiet."""
    from generators import DenseSpec, MLPSpec, QuantSpec, build_model, save_model

    q = lambda bits, scale: QuantSpec("quant", bits, True, False, "ROUND", scale, False, 0.0)  # noqa: E731
    spec = MLPSpec(in_features=3, input_quant=q(4, (0.5,)), layers=(
        DenseSpec(out_features=4, weight_quant=q(2, (0.5,)), op="MatMul", seed=1,
                  act_quant=q(3, (0.5, 0.25, 0.125, 1.0))),
        DenseSpec(out_features=2, weight_quant=q(2, (0.5,)), op="MatMul", seed=2,
                  act_quant=q(3, (0.25,)))), qonnx_opset=2, seed=0)
    path = save_model(build_model(spec), tmp_path)
    r = qnnc(str(path), "-o", str(tmp_path / "out"))
    assert r.returncode == 0, r.stderr
    assert "warning: node 'MatMul_1' (MatMul): not mapped to hardware" in r.stderr
    assert "per-channel scales" in r.stderr
    import json

    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert [h["name"] for h in report["host_layers"]] == ["MatMul_1"]
    assert report["host_layers"][0]["function"] == "post"


def test_emit_chooses_backends(tmp_path):
    """--emit names backends (default all): only their folders are written; an unknown name is
    a user error listing the choices."""
    model = str(MODELS / "tfc_1w1a_zoo" / "model.onnx")
    r = qnnc(model, "-o", str(tmp_path / "hls_only"), "--emit", "hls")
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "hls_only" / "hls" / "qnnc_top.cpp").is_file()
    assert not (tmp_path / "hls_only" / "verilog").exists()
    r = qnnc(model, "-o", str(tmp_path / "both"))
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "both" / "hls").is_dir() and (tmp_path / "both" / "verilog").is_dir()
    r = qnnc(model, "-o", str(tmp_path / "bad"), "--emit", "verilog,vhdl")
    assert r.returncode == 2 and r.stderr.startswith("error: --emit 'verilog,vhdl': choose")
    assert "verilog, hls" in r.stderr and not (tmp_path / "bad").exists()
