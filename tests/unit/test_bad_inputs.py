"""Hostile or unsupported input gets one `error: ...` line and exit 2 — never a traceback, an
internal error or a partial output directory. One test per class of bad input; the models are
built here with `onnx.helper` (a 2-layer quantized MLP, `mlp()`, broken one way per test) and run
through `qnnc.cli.main` in-process."""

from __future__ import annotations

import contextlib
import io
import os
import warnings
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from qnnc.cli import main

QONNX = "qonnx.custom_op.general"
MODELS = Path(__file__).resolve().parents[1] / "models"


# ----------------------------------------------------------------------------------------------
# a small valid model, and ways to break it
# ----------------------------------------------------------------------------------------------


def _const(name: str, value, dtype=np.float32) -> onnx.TensorProto:
    return numpy_helper.from_array(np.asarray(value, dtype=dtype), name)


def _quant(name: str, x: str, out: str, scale, zeropt, bits, **attrs):
    """A QONNX Quant node and its three parameter initializers."""
    inits = [_const(f"{name}_s", scale), _const(f"{name}_z", zeropt), _const(f"{name}_b", bits)]
    attrs = {"signed": 1, "narrow": 0, "rounding_mode": "ROUND", **attrs}
    node = helper.make_node("Quant", [x, f"{name}_s", f"{name}_z", f"{name}_b"], [out], name=name,
                            domain=QONNX, **attrs)
    return node, inits


def mlp(in_shape=(1, 4), bits=4.0, scale=0.5, zeropt=0.0, rounding="ROUND", weight_shape=(4, 3),
        extra_nodes=(), extra_inits=(), inputs=None, outputs=None) -> onnx.ModelProto:
    """x -> Quant 'qin' -> MatMul 'mm' (weights through Quant 'qw') -> Quant 'qout' -> y: the
    smallest model qnnc compiles. The keyword arguments break it in the tests below."""
    rng = np.random.default_rng(0)
    qin, i1 = _quant("qin", "x", "xq", scale, zeropt, bits, rounding_mode=rounding)
    qw, i2 = _quant("qw", "w", "wq", 0.5, 0.0, 2.0)
    mm = helper.make_node("MatMul", ["xq", "wq"], ["acc"], name="mm")
    qout, i3 = _quant("qout", "acc", "y", 0.25, 0.0, 4.0)
    w = _const("w", rng.integers(-2, 2, weight_shape))
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, list(in_shape))
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [in_shape[0], weight_shape[1]])
    g = helper.make_graph([qin, qw, mm, qout, *extra_nodes], "g", inputs or [x], outputs or [y],
                          [w, *i1, *i2, *i3, *extra_inits])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13),
                                               helper.make_opsetid(QONNX, 1)])


def run(tmp_path: Path, model: onnx.ModelProto | Path | str | bytes | None) -> tuple[int, str]:
    """Save `model` (a ModelProto, raw bytes, or an existing path) and run `qnnc m -o out`:
    (exit code, stderr). Asserts what holds for every bad input: nothing left behind."""
    path = tmp_path / "m.onnx"
    if isinstance(model, onnx.ModelProto):
        onnx.save(model, str(path))
    elif isinstance(model, bytes):
        path.write_bytes(model)
    elif model is not None:
        path = Path(model)
    before = set(os.listdir(tmp_path))
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()), \
            warnings.catch_warnings():
        warnings.simplefilter("ignore")
        code = main([str(path), "-o", str(tmp_path / "out")])
    if code == 2:
        assert set(os.listdir(tmp_path)) == before, "an error must leave nothing behind"
    return code, err.getvalue()


def assert_error(code: int, stderr: str, *parts: str) -> None:
    """Exit 2 with exactly one line, `error: ...`, containing every part."""
    assert code == 2, stderr
    assert stderr.startswith("error: ") and stderr.count("\n") == 1, stderr
    assert "Traceback" not in stderr and "internal compiler error" not in stderr, stderr
    for p in parts:
        assert p in stderr, (p, stderr)


def test_the_small_model_compiles(tmp_path):
    """The base every test below breaks is itself fine (else those tests prove nothing)."""
    code, err = run(tmp_path, mlp())
    assert code == 0, err
    assert (tmp_path / "out" / "verilog" / "qnnc_top.v").is_file()


@pytest.mark.parametrize("domain", ["", "onnx.brevitas", "com.example"])
def test_quant_in_another_domain_still_compiles(tmp_path, domain):
    """qonnx moves Quant/Trunc/BipolarQuant into its domain whatever domain they come with;
    validation must not refuse what that fix-up accepts."""
    model = mlp()
    for n in model.graph.node:
        if n.op_type == "Quant":
            n.domain = domain
    code, err = run(tmp_path, model)
    assert code == 0, err


# ----------------------------------------------------------------------------------------------
# the file itself
# ----------------------------------------------------------------------------------------------


def test_missing_file(tmp_path):
    assert_error(*run(tmp_path, tmp_path / "nope.onnx"), "'", "nope.onnx' does not exist")


def test_directory_as_model(tmp_path):
    d = tmp_path / "dir.onnx"
    d.mkdir()
    assert_error(*run(tmp_path, d), "is a directory, not an ONNX model file")


def test_empty_file(tmp_path):
    assert_error(*run(tmp_path, b""), "is empty")


def test_random_bytes(tmp_path):
    data = np.random.default_rng(1).integers(0, 256, 4096, dtype=np.uint8).tobytes()
    assert_error(*run(tmp_path, data), "m.onnx")


def test_truncated_protobuf(tmp_path):
    data = (MODELS / "tfc_1w1a_zoo" / "model.onnx").read_bytes()
    assert_error(*run(tmp_path, data[: len(data) // 2]), "m.onnx")


def test_device_file_as_model(tmp_path):
    """/dev/zero would otherwise be read forever."""
    assert_error(*run(tmp_path, "/dev/zero"), "'/dev/zero' is not a regular file")


# ----------------------------------------------------------------------------------------------
# the graph
# ----------------------------------------------------------------------------------------------


def test_no_onnx_opset(tmp_path):
    model = mlp()
    del model.opset_import[:]
    assert_error(*run(tmp_path, model), "imports no ONNX opset")


def test_wrong_number_of_inputs(tmp_path):
    model = mlp()
    next(n for n in model.graph.node if n.name == "mm").input.append("w")
    assert_error(*run(tmp_path, model), "error: node 'mm' (MatMul): invalid node: ",
                 "input size 3 not in range [min=2, max=2]")


def test_quantizer_with_missing_input(tmp_path):
    model = mlp()
    del next(n for n in model.graph.node if n.name == "qin").input[3]
    assert_error(*run(tmp_path, model), "error: node 'qin' (Quant): takes 4 inputs, got 3")


def test_no_quantizer_names_the_first_float_compute_op(tmp_path):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3])
    g = helper.make_graph([helper.make_node("Reshape", ["x", "shape"], ["r"], name="flat"),
                           helper.make_node("MatMul", ["r", "w"], ["y"], name="dense1")],
                          "g", [x], [y], [_const("w", np.ones((4, 3))),
                                          _const("shape", [1, 4], np.int64)])
    model = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    assert_error(*run(tmp_path, model), "error: node 'dense1' (MatMul): qnnc compiles quantized "
                 "networks; the first float compute op is 'dense1' (MatMul)")


def test_unknown_op(tmp_path):
    model = mlp(extra_nodes=[helper.make_node("FancyOp", ["y"], ["z"], name="fancy")],
                outputs=[helper.make_tensor_value_info("z", TensorProto.FLOAT, [1, 3])])
    assert_error(*run(tmp_path, model), "error: node 'fancy' (FancyOp): ")


def test_custom_domain(tmp_path):
    model = mlp(extra_nodes=[helper.make_node("Gelu", ["y"], ["z"], name="g1",
                                              domain="com.example")],
                outputs=[helper.make_tensor_value_info("z", TensorProto.FLOAT, [1, 3])])
    assert_error(*run(tmp_path, model), "error: node 'g1' (Gelu): unsupported op domain "
                 "'com.example'")


def test_symbolic_shape(tmp_path):
    assert_error(*run(tmp_path, mlp(in_shape=("N", 4))), "graph input 'x'", "symbolic")


def test_inconsistent_shapes(tmp_path):
    assert_error(*run(tmp_path, mlp(weight_shape=(5, 3))), "error: node 'mm' (MatMul): "
                 "inconsistent shapes")


def test_constant_output(tmp_path):
    """An output computed from constants only is folded away by qonnx's cleanup (was exit 3)."""
    model = mlp()
    next(n for n in model.graph.node if n.name == "qout").input[0] = "w"
    assert_error(*run(tmp_path, model), "error: node 'qout' (Quant): graph output 'y' does not "
                 "depend on the graph input")


def test_several_inputs(tmp_path):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])
    x2 = helper.make_tensor_value_info("x2", TensorProto.FLOAT, [1, 4])
    assert_error(*run(tmp_path, mlp(inputs=[x, x2])), "2 graph inputs ('x', 'x2')",
                 "exactly one input and one output")


def test_several_outputs(tmp_path):
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3])
    acc = helper.make_tensor_value_info("acc", TensorProto.FLOAT, [1, 3])
    assert_error(*run(tmp_path, mlp(outputs=[y, acc])), "2 graph outputs ('y', 'acc')")


def test_batch_larger_than_one_names_the_input(tmp_path):
    assert_error(*run(tmp_path, mlp(in_shape=(4, 4))), "graph input 'x' has batch size 4",
                 "batch size 1")


def test_cyclic_graph(tmp_path):
    model = mlp()
    mm = next(n for n in model.graph.node if n.name == "mm")
    mm.input[0] = "y"  # mm -> qout -> mm
    assert_error(*run(tmp_path, model), "cycle")


def test_tensor_too_large_is_refused_before_allocation(tmp_path):
    model = mlp()
    w = next(t for t in model.graph.initializer if t.name == "w")
    del w.dims[:]
    w.dims.extend([2**20, 2**20])  # 1 Ti elements declared; the data is 12 floats
    assert_error(*run(tmp_path, model), "tensor 'w' has 1099511627776 elements")


def test_huge_input_shape(tmp_path):
    assert_error(*run(tmp_path, mlp(in_shape=(1, 2**30))), "tensor 'x' has shape [1, 1073741824]",
                 "over")


def test_huge_constant_of_shape_is_not_folded(tmp_path):
    """qonnx's constant folding executes nodes: ConstantOfShape([2**28, 3]) must be refused from
    its inferred shape first."""
    node = helper.make_node("ConstantOfShape", ["big_shape"], ["big"], name="cos")
    add = helper.make_node("Add", ["y", "big"], ["z"], name="add")
    model = mlp(extra_nodes=[node, add], extra_inits=[_const("big_shape", [2**28, 3], np.int64)],
                outputs=[helper.make_tensor_value_info("z", TensorProto.FLOAT, ["a", "b"])])
    assert_error(*run(tmp_path, model), "has shape [268435456, 3]", "over")


# ----------------------------------------------------------------------------------------------
# quantizer parameters
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("bits, why", [(0.0, "outside 1..32"), (-3.0, "outside 1..32"),
                                       (2.5, "not an integer"), (33.0, "outside 1..32"),
                                       (float("nan"), "not finite")])
def test_bad_bit_width(tmp_path, bits, why):
    assert_error(*run(tmp_path, mlp(bits=bits)), "error: node 'qin' (Quant): bit width", why)


@pytest.mark.parametrize("scale, why", [(0.0, "is 0"), (float("nan"), "not finite"),
                                        (float("inf"), "not finite")])
def test_bad_scale(tmp_path, scale, why):
    assert_error(*run(tmp_path, mlp(scale=scale)), "error: node 'qin' (Quant): scale", why)


@pytest.mark.parametrize("zeropt, why", [(20.0, "outside the range [-8, 7] of a 4-bit signed integer"),
                                         (0.5, "not an integer")])
def test_bad_zero_point(tmp_path, zeropt, why):
    assert_error(*run(tmp_path, mlp(zeropt=zeropt)), "error: node 'qin' (Quant): zero point", why)


def test_unknown_rounding_mode(tmp_path):
    assert_error(*run(tmp_path, mlp(rounding="SIDEWAYS")), "error: node 'qin' (Quant): unknown "
                 "rounding mode 'SIDEWAYS'")


# ----------------------------------------------------------------------------------------------
# external data
# ----------------------------------------------------------------------------------------------


def _external(model: onnx.ModelProto, tensor: str, location: str) -> onnx.ModelProto:
    """Point initializer `tensor`'s data at `location` (as onnx's external-data format does)."""
    t = next(t for t in model.graph.initializer if t.name == tensor)
    nbytes = len(t.raw_data) or numpy_helper.to_array(t).nbytes
    t.ClearField("raw_data")
    t.ClearField("float_data")
    t.data_location = TensorProto.EXTERNAL
    for k, v in (("location", location), ("offset", "0"), ("length", str(nbytes))):
        e = t.external_data.add()
        e.key, e.value = k, v
    return model


def test_external_data_inside_the_folder_loads(tmp_path):
    model = mlp()
    w = numpy_helper.to_array(next(t for t in model.graph.initializer if t.name == "w"))
    (tmp_path / "w.bin").write_bytes(w.astype(np.float32).tobytes())
    code, err = run(tmp_path, _external(model, "w", "w.bin"))
    assert code == 0, err


@pytest.mark.parametrize("location, why", [("/etc/passwd", "absolute path"),
                                           ("../secret.bin", "through '..'"),
                                           ("sub/../../secret.bin", "through '..'")])
def test_external_data_outside_the_folder(tmp_path, location, why):
    d = tmp_path / "model"
    d.mkdir()
    (tmp_path / "secret.bin").write_bytes(b"\0" * 48)
    assert_error(*run(d, _external(mlp(), "w", location)), "external data of tensor 'w'", why)


def test_external_data_through_a_symlink(tmp_path):
    d = tmp_path / "model"
    d.mkdir()
    (tmp_path / "secret.bin").write_bytes(b"\0" * 48)
    (d / "w.bin").symlink_to(tmp_path / "secret.bin")
    assert_error(*run(d, _external(mlp(), "w", "w.bin")), "leaves the model's folder")


# ----------------------------------------------------------------------------------------------
# internal errors
# ----------------------------------------------------------------------------------------------


def test_internal_error_names_the_pass_and_node():
    """A compiler bug in a pass (here a pass that divides by zero on the first op it sees) is
    exit 3 with a line naming the pass and the ONNX node, and asking for a bug report."""
    from qnnc.diagnostics import InternalError, internal_errors, onnx_loc
    from qnnc.dialects import quant

    op = quant.ConstOp.from_numpy(np.zeros(2, np.float32))
    op.location = onnx_loc("layer_3", "MatMul")

    def broken_pass(op):
        return 1 / 0

    with pytest.raises(InternalError) as e:
        with internal_errors("pass 'quant-streamline'"):
            broken_pass(op)
    text = str(e.value)
    assert text.startswith("error: internal compiler error in pass 'quant-streamline' at node "
                           "'layer_3' (MatMul): ZeroDivisionError"), text
    assert "bug in qnnc: please report it" in text


def test_diagnostics_are_one_line_whatever_the_names():
    from qnnc.diagnostics import QnncError

    text = str(QnncError("bad", "x\nerror: forged", "Relu"))
    assert "\n" not in text and "x\\nerror: forged" in text


def test_verify_without_inputs(tmp_path):
    """`--verify --samples 0` without `--inputs` has nothing to verify (was exit 3)."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main([str(MODELS / "tfc_1w1a_zoo" / "model.onnx"), "-o", str(tmp_path / "out"),
                     "--verify", "--samples", "0"])
    assert_error(code, err.getvalue(), "--verify needs inputs")
    assert not (tmp_path / "out").exists()


def test_verify_refusing_its_inputs_leaves_no_work_folder(tmp_path, monkeypatch):
    """Inputs refused before any simulator ran leave no (empty) work folder in the temp
    directory: a failed run keeps its folder only for the files its message names."""
    import tempfile

    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    bad = tmp_path / "bad.npz"
    np.savez(bad, inputs=np.zeros((2, 3), np.float32))  # TFC takes 784 values
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main([str(MODELS / "tfc_1w1a_zoo" / "model.onnx"), "-o", str(tmp_path / "out"),
                     "--verify", "--inputs", str(bad), "--samples", "0"])
    assert code == 2, err.getvalue()
    assert not [p.name for p in temp.iterdir() if p.name.startswith("qnnc-verify-")]


@pytest.mark.parametrize("fold, why", [({"pe": 0, "simd": 16}, "pe must be a positive integer, got 0"),
                                       ({"pe": "a", "simd": 16}, 'pe must be a positive integer, got "a"'),
                                       (7, "must map to")])
def test_bad_folding_values(tmp_path, fold, why):
    """PE 0 or a string PE was a ZeroDivisionError / TypeError (exit 3) in dataflow-fold."""
    import json

    (tmp_path / "fold.json").write_text(json.dumps({"MatMul_16": fold}))
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()), \
            warnings.catch_warnings():
        warnings.simplefilter("ignore")
        code = main([str(MODELS / "tfc_1w1a_zoo" / "model.onnx"), "-o", str(tmp_path / "out"),
                     "--folding", str(tmp_path / "fold.json")])
    assert_error(code, err.getvalue(), "layer 'MatMul_16'", why)


@pytest.mark.parametrize("flag", ["--lanes-budget=0", "--target-cycles=-1", "--samples=-1",
                                  "--seed=-1"])
def test_negative_counts_are_refused(tmp_path, flag):
    err = io.StringIO()
    with contextlib.redirect_stderr(err), pytest.raises(SystemExit) as e:
        main([str(MODELS / "tfc_1w1a_zoo" / "model.onnx"), "-o", str(tmp_path / "out"), flag])
    assert e.value.code == 2 and "must be at least" in err.getvalue()
    assert not (tmp_path / "out").exists()
