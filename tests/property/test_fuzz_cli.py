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

from generators import build_model, mlp_specs
from profiles import examples
from qnnc.cli import main

MODELS = Path(__file__).resolve().parents[1] / "models"
BUNDLED = ("tfc_1w1a_zoo", "tfc_2w2a_zoo", "tfc_2w2a_dynamo", "fixedmlp_w8a6", "resconv_w4a4")
_BASES = {name: (MODELS / name / "model.onnx").read_bytes() for name in BUNDLED}

KINDS = ("drop_attr", "alter_attr", "input_dim", "output_dim", "io_type", "init_values",
         "init_dims", "init_type", "drop_init", "rewire", "drop_input", "drop_node",
         "dup_node", "reorder", "op_type", "domain", "scalar_param")
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
    elif kind == "op_type" and node is not None:
        node.op_type = _pick(OP_TYPES, j)
    elif kind == "domain" and node is not None:
        node.domain = _pick(DOMAINS, j)


def _mutate_initializer(g: onnx.GraphProto, kind: str, i: int, j: int, v: float) -> None:
    """Initializer mutations; `scalar_param` targets the small (quantizer parameter) ones."""
    inits = list(g.initializer)
    if kind == "scalar_param":
        inits = [t for t in inits if int(np.prod(t.dims)) <= 1]
    t = _pick(inits, i)
    if t is None:
        return
    if kind == "drop_init":
        g.initializer.remove(t)
        return
    arr = numpy_helper.to_array(t).copy()
    if kind in ("init_values", "scalar_param"):
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
            except (ValueError, OverflowError, TypeError) as e:
                note(f"mutation {m} skipped: {e}")
    return model.SerializeToString()


@settings(max_examples=examples(40))
@given(mutants())
def test_mutated_models_get_a_clear_answer(case):
    base, muts = case
    code, stderr, left = run_cli(mutate(base_bytes(base), muts))
    note(stderr)
    event(f"exit {code}")
    if os.environ.get("QNNC_FUZZ_LOG"):  # campaign mode: log every outcome, keep going
        _log(base, muts, code, stderr, left)
        return
    if code == 2:
        event(stderr.strip().splitlines()[-1].split(":")[1 if "node '" not in stderr else 2][:40]
              if stderr.strip() else "empty stderr")
    check_cli_outcome(code, stderr, left)


def _log(base: str, muts: tuple, code: int, stderr: str, left: set[str]) -> None:
    """One JSON line per mutant (offline campaign: counts, and every crash to replay)."""
    import json

    ok = code in (0, 2) and "Traceback" not in stderr and (left == {"out"} if code == 0 else not left)
    rec = {"base": base if isinstance(base, str) else repr(base), "mutations": repr(muts), "exit": code, "ok": ok,
           "stderr": stderr.strip().splitlines()[-1] if stderr.strip() else ""}
    with open(os.environ["QNNC_FUZZ_LOG"], "a") as f:
        f.write(json.dumps(rec) + "\n")


REGRESSIONS: list[tuple[str, tuple]] = []
"""(bundled model, mutations) found by the thorough campaign to crash qnnc (exit 3 or a
traceback) before the fix; each now gets a clear answer."""


def test_campaign_regressions():
    for base, muts in REGRESSIONS:
        code, stderr, left = run_cli(mutate(base_bytes(base), muts))
        check_cli_outcome(code, stderr, left)
