"""Property: whatever a model file says, `qnnc model -o out` exits 0 (compiled) or 2 (a one-line
`error: ...`, nothing written), never 3 (internal error) and never with a traceback.

The inputs are mutants of valid models: the bundled small models (`tests/models`) and random
MLPs from `tests/generators.py`, with 1-3 mutations each drawn from what a broken exporter or a
hostile file does: drop or alter an attribute, change a dimension or element type of a graph
input/output, change an initializer's values (NaN, inf, 0, huge), shape or type, drop it,
rewire or drop an edge, delete, duplicate or reorder nodes, change an op type or domain.
`qnnc.cli.main` runs in-process (no --verify) with stderr captured.

CI runs a derandomized slice (`examples(ci)`); the offline campaign is
`QNNC_MAX_EXAMPLES=5000 pytest tests/property/test_fuzz_cli.py --hypothesis-profile thorough`.
Every crash it found is kept below as an `@example` (mutation lists are plain tuples).
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
import warnings
from pathlib import Path

import numpy as np
import onnx
from hypothesis import event, example, given, note, settings
from hypothesis import strategies as st
from onnx import TensorProto, helper, numpy_helper

from generators import DenseSpec, MLPSpec, QuantSpec, TruncSpec, build_model, mlp_specs
from profiles import examples
from qnnc.cli import main

MODELS = Path(__file__).resolve().parents[1] / "models"
BUNDLED = ("tfc_1w1a_zoo", "tfc_2w2a_zoo", "tfc_2w2a_dynamo", "fixedmlp_w8a6", "resconv_w4a4")
_BASES = {name: (MODELS / name / "model.onnx").read_bytes() for name in BUNDLED}

KINDS = ("drop_attr", "alter_attr", "input_dim", "output_dim", "io_type", "init_values",
         "init_dims", "init_type", "drop_init", "rewire", "drop_input", "drop_node",
         "dup_node", "reorder", "op_type", "domain", "scalar_param", "quant_param",
         "quant_flag", "fill_init")
"""Mutation kinds. The last three keep the model valid more often than not (a quantizer's bit
width in 1..32, a power-of-two or negative scale, a flipped flag or rounding mode, a weight
tensor filled with one value), so their mutants reach the passes, not just validation."""
WEIRD_FLOATS = (0.0, -0.0, float("nan"), float("inf"), float("-inf"), 1e30, -1e30, 1e-30, 0.5,
                -3.0, 33.0, 2.0**31, 65.0, -1.0)
OP_TYPES = ("Relu", "MatMul", "Quant", "BipolarQuant", "Trunc", "Add", "Mul", "Reshape",
            "Softmax", "Conv", "Gemm", "Identity", "MultiThreshold", "Sigmoid", "Transpose")
DOMAINS = ("", "qonnx.custom_op.general", "finn.custom_op.general", "com.example", "ai.onnx.ml")


# ----------------------------------------------------------------------------------------------
# mutations: (kind, a, b, c) tuples of small ints / floats, applied deterministically
# ----------------------------------------------------------------------------------------------


def _pick(seq, i: int):
    return seq[i % len(seq)] if len(seq) else None


def _int(v: float) -> int:
    return int(v) if np.isfinite(v) and abs(v) < 2**62 else 7


def apply_mutation(model: onnx.ModelProto, m: tuple) -> None:
    """Apply one mutation (kind, i, j, v) in place; i, j pick things, v is a value."""
    kind, i, j, v = m
    g = model.graph
    node = _pick(g.node, i)
    if kind == "drop_attr" and node is not None and len(node.attribute):
        del node.attribute[j % len(node.attribute)]
    elif kind == "alter_attr" and node is not None and len(node.attribute):
        a = node.attribute[j % len(node.attribute)]
        name = a.name
        new = _pick([_int(v), float(v), "NOPE", [_int(v) % 5, 3], b""], i + j)
        node.attribute.remove(a)
        node.attribute.append(helper.make_attribute(name, new))
    elif kind in ("input_dim", "output_dim"):
        vi = _pick(g.input if kind == "input_dim" else g.output, i)
        if vi is not None and vi.type.tensor_type.HasField("shape") and vi.type.tensor_type.shape.dim:
            d = vi.type.tensor_type.shape.dim[j % len(vi.type.tensor_type.shape.dim)]
            if np.isnan(v):
                d.dim_param = "N"
            else:
                d.dim_value = int(np.clip(v, -5, 2**40)) if np.isfinite(v) else 2**40
    elif kind == "io_type":
        vi = _pick(list(g.input) + list(g.output), i)
        if vi is not None:
            vi.type.tensor_type.elem_type = _pick([TensorProto.INT8, TensorProto.STRING,
                                                   TensorProto.DOUBLE, TensorProto.BOOL, 0], j)
    elif kind in ("init_values", "init_dims", "init_type", "drop_init", "scalar_param"):
        _mutate_initializer(g, kind, i, j, v)
    elif kind == "rewire" and node is not None and len(node.input):
        names = [t for n in g.node for t in n.output] + [t.name for t in g.initializer] + ["ghost"]
        node.input[j % len(node.input)] = _pick(names, int(abs(v)) if np.isfinite(v) else 0)
    elif kind == "drop_input" and node is not None and len(node.input):
        del node.input[j % len(node.input)]
    elif kind == "drop_node" and node is not None:
        g.node.remove(node)
    elif kind == "dup_node" and node is not None:
        g.node.append(onnx.NodeProto.FromString(node.SerializeToString()))
    elif kind == "reorder" and len(g.node) > 1:
        nodes = list(g.node)
        a, b = i % len(nodes), j % len(nodes)
        nodes[a], nodes[b] = nodes[b], nodes[a]
        copies = [onnx.NodeProto.FromString(n.SerializeToString()) for n in nodes]
        del g.node[:]
        g.node.extend(copies)
    elif kind in ("quant_param", "quant_flag"):
        _mutate_quantizer(g, kind, i, j, v)
    elif kind == "op_type" and node is not None:
        node.op_type = _pick(OP_TYPES, j)
    elif kind == "domain" and node is not None:
        node.domain = _pick(DOMAINS, j)


QUANTIZER_TYPES = ("Quant", "BipolarQuant", "Trunc", "MultiThreshold")
ROUNDING = ("ROUND", "HALF_EVEN", "FLOOR", "CEIL", "UP", "DOWN", "HALF_UP", "HALF_DOWN")


def _mutate_quantizer(g: onnx.GraphProto, kind: str, i: int, j: int, v: float) -> None:
    """Set a quantizer parameter to a legal but unusual value (bit width 1..32, scale 2^k or
    negative, small integer zero point), or flip one of its flags / its rounding mode."""
    node = _pick([n for n in g.node if n.op_type in QUANTIZER_TYPES], i)
    if node is None:
        return
    if kind == "quant_flag":
        attrs = {a.name: a for a in node.attribute}
        name = _pick(["signed", "narrow", "rounding_mode"], j)
        if name in attrs:
            node.attribute.remove(attrs[name])
        value = _pick(ROUNDING, _int(v)) if name == "rounding_mode" else _int(v) % 2
        node.attribute.append(helper.make_attribute(name, value))
        return
    inits = {t.name: t for t in g.initializer}
    param = _pick(list(node.input[1:]), j)
    if param not in inits:
        return
    t = inits[param]
    arr = numpy_helper.to_array(t).astype(np.float64)
    if j % 3 == 2 or "bit" in param:  # a bit width
        arr[...] = min(max(abs(_int(v)), 1), 32)
    elif j % 3 == 0:  # a scale
        arr[...] = 2.0 ** (_int(v) % 61 - 30) * (-1 if v < 0 else 1)
    else:  # a zero point
        arr[...] = _int(v) % 5 - 2
    t.CopyFrom(numpy_helper.from_array(arr.astype(numpy_helper.to_array(t).dtype), t.name))


def _mutate_initializer(g: onnx.GraphProto, kind: str, i: int, j: int, v: float) -> None:
    """Initializer mutations; `scalar_param` targets the small (quantizer parameter) ones."""
    inits = list(g.initializer)
    if kind == "scalar_param":
        inits = [t for t in inits if int(np.prod(t.dims)) <= 1]
    elif kind == "fill_init":
        inits = [t for t in inits if int(np.prod(t.dims)) > 1]
    t = _pick(inits, i)
    if t is None:
        return
    if kind == "drop_init":
        g.initializer.remove(t)
        return
    arr = numpy_helper.to_array(t).copy()
    if kind == "fill_init":
        arr[...] = v if arr.dtype.kind == "f" else _int(v)
        new = numpy_helper.from_array(arr, t.name)
    elif kind in ("init_values", "scalar_param"):
        flat = arr.reshape(-1)
        if flat.size and arr.dtype.kind == "f":
            flat[j % flat.size] = v
        elif flat.size and arr.dtype.kind in "iu":
            info = np.iinfo(arr.dtype)
            flat[j % flat.size] = min(max(_int(v), int(info.min)), int(info.max))
        elif flat.size:
            flat[j % flat.size] = bool(v)
        new = numpy_helper.from_array(arr, t.name)
    elif kind == "init_dims":
        new = onnx.TensorProto()
        new.CopyFrom(t)
        dims = list(t.dims) or [1]
        dims[j % len(dims)] = int(abs(v)) % 2**31 if np.isfinite(v) else 2**33
        del new.dims[:]
        new.dims.extend(dims)
    else:  # init_type
        new = numpy_helper.from_array(arr.astype(_pick([np.int8, np.float64, np.int64, np.bool_,
                                                       np.float16], j)), t.name)
    t.CopyFrom(new)


@st.composite
def mutations(draw, n_nodes: int):
    """1-3 mutation tuples (kind, node index, second index, value)."""
    return tuple(
        (draw(st.sampled_from(KINDS)), draw(st.integers(0, max(n_nodes - 1, 0))),
         draw(st.integers(0, 7)), draw(st.sampled_from(WEIRD_FLOATS) | st.integers(-3, 40).map(float)))
        for _ in range(draw(st.integers(1, 3))))


def base_bytes(base) -> bytes:
    """The serialized model of a bundled model's name or a generated MLP's spec."""
    return _BASES[base] if isinstance(base, str) else build_model(base).SerializeToString()


@st.composite
def mutants(draw):
    """(bundled model name or generated MLPSpec, mutations)."""
    base = draw(mlp_specs(max_layers=2)) if draw(st.integers(0, 2)) == 0 else \
        draw(st.sampled_from(BUNDLED))
    n = len(onnx.ModelProto.FromString(base_bytes(base)).graph.node)
    return base, draw(mutations(n))


# ----------------------------------------------------------------------------------------------
# the property
# ----------------------------------------------------------------------------------------------


def run_cli(model_bytes: bytes) -> tuple[int, str, set[str]]:
    """Run `qnnc model -o out` in-process in a fresh directory: (exit code, stderr, the names
    left in that directory besides the model)."""
    with tempfile.TemporaryDirectory(prefix="qnnc-fuzz-") as d:
        path = Path(d) / "m.onnx"
        path.write_bytes(model_bytes)
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()), \
                warnings.catch_warnings():
            warnings.simplefilter("ignore")
            code = main([str(path), "-o", str(Path(d) / "out")])
        left = set(os.listdir(d)) - {"m.onnx"}
    return code, err.getvalue(), left


def check_cli_outcome(code: int, stderr: str, left: set[str]) -> None:
    assert code in (0, 2), f"exit {code}: {stderr}"
    assert "Traceback" not in stderr, stderr
    if code == 0:
        assert left == {"out"}, left
    else:
        lines = stderr.strip().splitlines()
        assert lines and lines[-1].startswith("error: "), stderr
        assert left == set(), f"exit 2 left {left} behind"


def mutate(data: bytes, muts: tuple) -> bytes:
    """The model with the mutations applied in order (one the mutator itself cannot apply, such
    as an attribute value protobuf refuses, is skipped)."""
    model = onnx.ModelProto.FromString(data)
    for m in muts:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            try:
                apply_mutation(model, m)
            except (ValueError, OverflowError, TypeError):
                pass
    return model.SerializeToString()


# BatchNorm variance cast to int8 (negative): NaN levels cast to int64 gave thresholds.py a
# 2**63-level table (internal error in quant-streamline) -> "the ops feeding it compute NaN"
_NAN_BN = MLPSpec(
    in_features=15, input_quant=QuantSpec("quant", 7, True, True, "HALF_UP", (0.03125,), True, 0.0),
    layers=(DenseSpec(out_features=23, weight_quant=QuantSpec("quant", 6, True, True, "HALF_UP",
                                                              (0.4570932686328888,), False, 0.0),
                      op="MatMul", seed=129815651, weight_scale_shape="1d", bias_add="1d",
                      batchnorm="neg", bn_epsilon=0.001, relu=True,
                      act_quant=QuantSpec("quant", 8, True, False, "CEIL", (0.5,), True, 0.0),
                      trunc=TruncSpec(version=1, in_bits=8, out_bits=3, rounding_mode="FLOOR",
                                      scale=(1.0,), zeropt=0.0, shift=4, signed=True,
                                      narrow=False)),
            DenseSpec(out_features=1, weight_quant=QuantSpec("quant", 2, False, True, "HALF_UP",
                                                             (-2.0,), False, 0.0),
                      op="MatMul", seed=2118912, weight_scale_shape="1d", weight_ties=0.6,
                      bias_add="2d", bn_epsilon=0.001, relu=True, post_ops=(("Mul", True),))),
    qonnx_opset=1, seed=1)


# The last node rewired to two constants: qonnx's cleanup folds the output away and the importer
# failed on the dangling graph output (AttributeError, exit 3) -> "does not depend on the input"
_CONST_OUT = MLPSpec(
    in_features=8, input_quant=QuantSpec("bipolar", 1, True, False, "ROUND", (0.125,), True, 0.0),
    layers=(DenseSpec(out_features=1, weight_quant=QuantSpec("quant", 3, True, True, "HALF_EVEN",
                                                             (-0.03125,), True, 0.0),
                      op="Gemm", seed=41189, weight_scale_shape="1d", bias_add="2d",
                      batchnorm="pos", bn_epsilon=1e-05,
                      act_quant=QuantSpec("quant", 1, False, True, "ROUND", (1.889998197555542,),
                                          False, 0.0),
                      post_ops=(("Add", False), ("Mul", True))),),
    qonnx_opset=2, seed=8264696)


@settings(max_examples=examples(40))
@example(case=(_NAN_BN, (("init_type", 11, 0, 15.0),)))
@example(case=(_CONST_OUT, (("rewire", 7, 0, 19.0), ("drop_attr", 6, 5, 36.0))))
@given(mutants())
def test_mutated_models_get_a_clear_answer(case):
    base, muts = case
    code, stderr, left = run_cli(mutate(base_bytes(base), muts))
    note(stderr)
    event(f"exit {code}")
    if os.environ.get("QNNC_FUZZ_LOG"):  # campaign mode: log every outcome, keep going
        _log(base, muts, code, stderr, left)
        return
    if code == 2 and stderr.strip():
        last = stderr.strip().splitlines()[-1]
        event("exit 2: " + (last.split("): ", 1)[-1] if last.startswith("error: node") else last)[:40])
    check_cli_outcome(code, stderr, left)


def _log(base: str, muts: tuple, code: int, stderr: str, left: set[str]) -> None:
    """One JSON line per mutant (offline campaign: counts, and every crash to replay)."""
    import json

    ok = code in (0, 2) and "Traceback" not in stderr and (left == {"out"} if code == 0 else not left)
    rec = {"base": base if isinstance(base, str) else repr(base), "mutations": repr(muts), "exit": code, "ok": ok,
           "stderr": stderr.strip().splitlines()[-1] if stderr.strip() else ""}
    with open(os.environ["QNNC_FUZZ_LOG"], "a") as f:
        f.write(json.dumps(rec) + "\n")


REGRESSIONS: list[tuple[str, tuple]] = [
    # wrong attribute type (Gemm alpha = "NOPE"): ValueError in the importer -> onnx checker
    ("fixedmlp_w8a6", (("alter_attr", 6, 6, 3.0),)),
    # a MatMul with one input: unpacking error in the importer -> schema arity check
    ("tfc_2w2a_zoo", (("drop_input", 25, 6, 33.0),)),
    # Reshape target zeroed: quant.reshape verifier at import -> shapes re-checked after cleanup
    ("tfc_1w1a_zoo", (("init_values", 0, 0, 0.0), ("drop_attr", 0, 0, 0.0))),
    # MatMul rewired to a scalar: quant.matmul verifier at import -> strict shape inference
    ("tfc_2w2a_zoo", (("rewire", 10, 1, -1.0),)),
    # declared output shape (37, 10) contradicts the graph: quant.add verifier at import
    ("tfc_2w2a_zoo", (("output_dim", 9, 0, 37.0), ("drop_attr", 11, 7, float("-inf")),
                      ("input_dim", 28, 2, float("-inf")))),
    # bit width rewired to a computed tensor: quant.quant verifier -> node-named user error
    ("fixedmlp_w8a6", (("rewire", 1, 7, -0.0), ("drop_attr", 6, 4, 7.0),
                       ("init_values", 7, 0, -0.0))),
    # a 20-bit activation quantizer: 38,916 thresholds per channel, whose check allocated
    # 140 GiB (MemoryError in quant-streamline) -> at most thresholds.MAX_LEVELS, checked in chunks
    ("fixedmlp_w8a6", (("scalar_param", 2, 0, 1.0), ("scalar_param", 4, 1, 20.0))),
    # Gemm's C rewired to a (64, 32) tensor for a (1, 32) result: the quant.gemm verifier took
    # bidirectional broadcasting, quant-streamline then built an invalid quant.add (internal
    # error in the verifier after the pass) -> C must broadcast *to* the result
    ("fixedmlp_w8a6", (("rewire", 6, 5, -1.0),)),
]
"""(bundled model, mutations) the campaigns found to crash qnnc (exit 3) before the fix; each
now gets a clear answer. Generated-model findings are kept as `@example`s above."""


def test_campaign_regressions():
    for base, muts in REGRESSIONS:
        code, stderr, left = run_cli(mutate(base_bytes(base), muts))
        check_cli_outcome(code, stderr, left)
