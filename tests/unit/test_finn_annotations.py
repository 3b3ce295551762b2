"""FINN datatype annotations (qnnc.frontend.annotations) and the exact affine fold
(qnnc.affine_fold): pure helpers, and the errors the CLI reports."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from qnnc import affine_fold
from qnnc.frontend.annotations import CodeType, code_type


def qnnc(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "qnnc.cli", *args], capture_output=True, text=True)


# -- datatype names -----------------------------------------------------------------------------


@pytest.mark.parametrize("name, bits, signed, narrow, lo, hi", [
    ("BIPOLAR", 1, True, False, -1, 1), ("BINARY", 1, False, False, 0, 1),
    ("TERNARY", 2, True, True, -1, 1), ("INT2", 2, True, False, -2, 1),
    ("uint4", 4, False, False, 0, 15), ("INT8", 8, True, False, -128, 127)])
def test_integer_datatypes(name, bits, signed, narrow, lo, hi):
    ct = code_type(name)
    assert (ct.bits, ct.signed, ct.narrow) == (bits, signed, narrow)
    assert ct.code_range() == (lo, hi)


def test_float_and_unknown_datatypes():
    assert code_type("FLOAT32") is None and code_type("FIXED<8,4>") is None
    assert code_type("SCALEDINT<8>") is None
    with pytest.raises(ValueError, match="unknown FINN datatype"):
        code_type("INTEGER")
    with pytest.raises(ValueError, match="bits"):
        code_type("INT0")


def test_contains():
    assert CodeType("BIPOLAR", 1, True).contains(np.array([-1.0, 1.0, 0.0])).tolist() == [True, True, False]
    assert CodeType("UINT2", 2, False).contains(np.array([0.0, 3.0, 4.0, 1.5, -1.0])).tolist() == [
        True, True, False, False, False]


# -- the exact affine fold ------------------------------------------------------------------------


def test_fold_is_proven_on_every_code():
    codes = affine_fold.codes_of(-1, 1, bipolar=True)
    s, z = affine_fold.fold("add", np.float32(1), np.float32(0), np.float32(1), codes)
    s, z = affine_fold.fold("div", s, z, np.float32(2), codes)  # (x + 1) / 2
    assert (float(s), float(z)) == (0.5, -1.0)
    assert affine_fold.dequantize32(codes, s, z).tolist() == [0.0, 1.0]


def test_fold_refuses_what_float32_rounds_differently():
    codes = affine_fold.codes_of(-1, 1, bipolar=True)
    s, z = affine_fold.fold("add", np.float32(1), np.float32(0), np.float32(0.1), codes)
    assert affine_fold.fold("div", s, z, np.float32(3), codes) is None
    # the proposal itself is there, it is the float32 check that rejects it
    p = affine_fold.propose("div", s, z, np.float32(3))
    assert not affine_fold.exact_on_codes("div", s, z, np.float32(3), p[0], p[1], codes)


@pytest.mark.parametrize("kind", affine_fold.KINDS)
def test_each_kind_per_channel(kind):
    s = np.array([[0.5, 0.25, 2.0]], np.float32)
    z = np.array([[0.0, 1.0, -2.0]], np.float32)
    codes = affine_fold.codes_of(-8, 7)
    got = affine_fold.fold(kind, s, z, np.float32(4.0), codes)
    assert got is not None
    before = affine_fold.apply32(kind, affine_fold.dequantize32(codes[:, None, None], s, z), np.float32(4.0))
    assert np.array_equal(before, affine_fold.dequantize32(codes[:, None, None], *got))


def test_no_fold_without_algebra():
    codes = affine_fold.codes_of(0, 3)
    assert affine_fold.fold("div", np.float32(1), np.float32(0), np.float32(0), codes) is None
    assert affine_fold.fold("add", np.float32(0), np.float32(0), np.float32(1), codes) is None


# -- the CLI ----------------------------------------------------------------------------------------


def _annotated_weight_model(path, weight: np.ndarray, dtype: str) -> str:
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2])
    nodes = [helper.make_node("MatMul", ["x", "W0"], ["y"], name="mm")]
    g = helper.make_graph(nodes, "g", [x], [y], [numpy_helper.from_array(weight, "W0")])
    a = onnx.TensorAnnotation(tensor_name="W0")
    a.quant_parameter_tensor_names.add(key="finn_datatype", value=dtype)
    g.quantization_annotation.append(a)
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), str(path))
    return str(path)


@pytest.mark.parametrize("weight, why", [
    (np.array([[1.0, 0.5], [0.0, -1.0]], np.float32), "holds 0.5 at index [0, 1]"),
    (np.array([[1.0, 2.0], [0.0, -1.0]], np.float32), "holds 2.0 at index [0, 1]")])
def test_annotation_contradicted_by_the_weights_is_an_error_naming_the_tensor(tmp_path, weight, why):
    r = qnnc(_annotated_weight_model(tmp_path / "m.onnx", weight, "INT2"), "-o", str(tmp_path / "o"))
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith("error: node 'W0' (Initializer): initializer annotated INT2 "), r.stderr
    assert why in r.stderr
    assert not (tmp_path / "o").exists()
