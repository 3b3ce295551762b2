"""FINN-ONNX test models written with `onnx.helper` (no FINN needed).

* `to_finn_onnx(model)`: what FINN's `ConvertQONNXtoFINN` (finn-plus 1.6.1) writes for a
  QONNX MLP as `tests/generators.py` builds it, step by step as FINN does it:
    1. `GemmToMatMul`: `Gemm(A, B, C)` → `MatMul(A, Bᵀ)` → `Mul(alpha)` (dropped when 1, as
       `RemoveIdentityOps` does) → `Add(C)` (`C` through a constant `Mul(C, beta)` when beta ≠ 1;
       no Add without C); the transpose is folded into the weight quantizer's initializer
       (`FoldTransposeIntoQuantInit`);
    2. `FoldQuantWeights`: a weight quantizer becomes an initializer of its integer codes,
       annotated (`quantization_annotation`, `finn_datatype`) `INTn`/`UINTn`/`BIPOLAR`, and, for
       a scale other than 1, a `Mul` by the scale right after the consuming MatMul;
    3. `ConvertQuantActToMultiThreshold`: every other quantizer becomes `MultiThreshold`
       (domain `qonnx.custom_op.general`, thresholds `(1 or C, K)`, `out_dtype`,
       `data_layout` "NC") followed by `Add(bias)` (dropped when 0) and `Mul(scale)` (dropped
       when 1); after a `Relu` (FINN's ReLU handler) the Relu is removed and the thresholds
       start at scale/2; otherwise (identity handler) they sit at half steps from the lowest
       code. A `BipolarQuant` activation (scale 1) sets out_scale 2 / out_bias -1 instead.
  FINN's restrictions are kept (zero points 0, ReLU quantizers unsigned and not narrow,
  bipolar activations with scale 1, no Trunc): `finnable(spec)` turns a generated `MLPSpec`
  into one that satisfies them, and `to_finn_onnx` raises `NotConvertible` otherwise.
  Checked against finn-plus 1.6.1 on generated MLPs (same node sequence, attributes,
  thresholds, integer weights and annotations; see the report of the change that added this).
* `unsw_like_model()`: an MLP with a BIPOLAR-annotated input, `(x + 1) / 2`, then Gemm layers
  with quantized weights and activation Quants (the model zoo's UNSW-NB15 MLP's shape).
* `qkeras_like_model()`: a float input straight into a MatMul with quantized weights, bias,
  ReLU, activation Quant, then quantized layers (no input quantizer, no annotation).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from generators import MLPSpec, QuantSpec, _round_mode, build_mlp, quant_range

QONNX_DOMAIN = "qonnx.custom_op.general"


class NotConvertible(Exception):
    """What FINN's ConvertQONNXtoFINN refuses (it raises ValueError/RuntimeError there)."""


# ----------------------------------------------------------------------------------------------
# Specs FINN can convert
# ----------------------------------------------------------------------------------------------


def finnable(spec: MLPSpec) -> MLPSpec:
    """The spec with FINN's restrictions applied: zero points 0, ReLU activation quantizers
    unsigned and not narrow, 1-bit activation quantizers made 2-bit (FINN takes them only with
    scale 1, which calibrated scales are not), a bipolar input quantizer of scale 1, no Trunc,
    an input of rank 2 or more."""
    def noz(q: QuantSpec) -> QuantSpec:
        return dataclasses.replace(q, zeropt=0.0)

    iq = noz(spec.input_quant)
    if iq.kind == "bipolar" or iq.bits == 1:
        iq = QuantSpec("bipolar", 1, True, False, "ROUND", (1.0,), True, 0.0)
    layers = []
    for layer in spec.layers:
        act = layer.act_quant
        if act is not None:
            act = noz(act)
            if act.kind == "bipolar" or act.bits == 1:
                act = dataclasses.replace(act, kind="quant", bits=2, narrow=False)
            if layer.relu:
                act = dataclasses.replace(act, signed=False, narrow=False)
        layers.append(dataclasses.replace(layer, weight_quant=noz(layer.weight_quant),
                                          act_quant=act, trunc=None))
    # qonnx's MultiThreshold needs a channel axis: no rank-1 input (the "unsqueeze" layout)
    layout = "" if spec.input_layout == "unsqueeze" else spec.input_layout
    return dataclasses.replace(spec, input_quant=iq, layers=tuple(layers), input_layout=layout)


# ----------------------------------------------------------------------------------------------
# The converter
# ----------------------------------------------------------------------------------------------


def _attr(node, name, default):
    for a in node.attribute:
        if a.name == name:
            v = helper.get_attribute_value(a)
            return v.decode() if isinstance(v, bytes) else v
    return default


def finn_datatype(bits: int, signed: bool, narrow: bool = False) -> str:
    if bits == 1 and signed:
        return "BIPOLAR"
    if bits == 1 and not signed and not narrow:
        return "BINARY"
    return f"{'INT' if signed else 'UINT'}{bits}"


def _weight_codes(node, inits) -> tuple[np.ndarray, np.ndarray, str]:
    """(integer codes as float32, scale, FINN datatype) of a weight quantizer (FoldQuantWeights:
    the quantizer's output divided by its scale, rounded)."""
    x = inits[node.input[0]].astype(np.float32)
    s = inits[node.input[1]].astype(np.float32)
    if node.op_type == "BipolarQuant":
        out = np.where(x >= 0, np.float32(1), np.float32(-1)) * s
        return np.round(out / s).astype(np.float32), s, "BIPOLAR"
    z = inits[node.input[2]]
    if np.any(z != 0):
        raise NotConvertible("Only Quant nodes with zero-point == 0 are currently supported.")
    bits = int(inits[node.input[3]].reshape(-1)[0])
    signed, narrow = bool(_attr(node, "signed", 1)), bool(_attr(node, "narrow", 0))
    mode = _attr(node, "rounding_mode", "ROUND").upper()
    y = x / s
    if bits == 1 and signed:
        q = np.where(y >= 0, 1.0, -1.0)
    else:
        lo, hi = quant_range(bits, signed, narrow)
        q = _round_mode(mode)(np.clip(y, lo, hi))
    out = (q.astype(np.float32) * s).astype(np.float32)
    return np.round(out / s).astype(np.float32), s, finn_datatype(bits, signed, narrow)


def _act_params(node, inits, after_relu: bool):
    """(thresholds (1 or C, K), out_dtype, bias, scale, bipolar) of an activation quantizer,
    with FINN's handlers' formulas (QuantReluHandler / QuantIdentityHandler)."""
    s = inits[node.input[1]].astype(np.float32)
    one_bit = node.op_type == "BipolarQuant" or int(inits[node.input[3]].reshape(-1)[0]) == 1
    if one_bit and not after_relu:
        # FINN's identity handler takes every 1-bit quantizer as bipolar (also an unsigned one:
        # out_dtype BINARY, but (count - 0.5)·2·scale), and only with scale 1
        if s.size != 1 or float(s.reshape(-1)[0]) != 1.0:
            raise NotConvertible("Unsupported BIPOLAR scale != 1")
        dtype = "BIPOLAR" if node.op_type == "BipolarQuant" or bool(_attr(node, "signed", 1)) else "BINARY"
        return (np.zeros((1, 1), np.float32), dtype, np.float32(-0.5), np.float32(2.0),
                node.op_type == "BipolarQuant")
    if node.op_type == "BipolarQuant":
        raise NotConvertible("BipolarQuant after Relu")
    if np.any(inits[node.input[2]] != 0):
        raise NotConvertible("Only Quant nodes with zero-point == 0 are currently supported.")
    bits = int(inits[node.input[3]].reshape(-1)[0])
    if bits > 8:
        raise NotConvertible("bit width above 8 is left as Quant by FINN's default filter")
    signed, narrow = bool(_attr(node, "signed", 1)), bool(_attr(node, "narrow", 0))
    step = np.abs(s.reshape(-1).astype(np.float64))
    if after_relu:
        if signed or narrow:
            raise NotConvertible("FINN only supports unsigned and non-narrow Quant nodes for Relu")
        k = 2**bits - 1
        t = step[:, None] / 2 + step[:, None] * np.arange(k)[None, :]
        bias = np.float32(0)
    else:
        k = (2**bits - 1 if narrow else 2**bits) - 1
        half = step / 2.0
        lo = -half - step * ((k // 2) - 1)
        if not narrow:
            lo = lo - step
        if not signed:
            lo = half
        t = lo[:, None] + step[:, None] * np.arange(k)[None, :]
        bias = np.float32(0 if not signed else (-(2 ** (bits - 1) - 1) if narrow else -(2 ** (bits - 1))))
    dtype = finn_datatype(bits, signed, narrow)
    return t.astype(np.float32), dtype, bias, s, False


class _Graph:
    """A mutable node list with fresh names, initializers and annotations."""

    def __init__(self, model: onnx.ModelProto):
        self.model = model
        self.nodes = list(model.graph.node)
        self.inits = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
        self.ann: dict[str, str] = {}
        self.n = 0

    def fresh(self, hint: str) -> str:
        self.n += 1
        return f"{hint}_finn{self.n}"

    def const(self, arr, hint: str) -> str:
        name = self.fresh(hint)
        self.inits[name] = np.asarray(arr, dtype=np.float32)
        return name

    def producer(self, t: str):
        return next((n for n in self.nodes if t in n.output), None)

    def consumers(self, t: str):
        return [n for n in self.nodes if t in n.input]

    def insert_after(self, node, new_nodes) -> None:
        i = self.nodes.index(node)
        self.nodes[i + 1:i + 1] = new_nodes

    def op_after(self, node, op_type: str, const_name: str, hint: str):
        """Insert `op_type(node.output[0], const)` after node, taking over node's output."""
        out = node.output[0]
        mid = self.fresh(hint)
        node.output[0] = mid
        new = helper.make_node(op_type, [mid, const_name], [out], name=self.fresh(op_type))
        self.insert_after(node, [new])
        return new


def _gemm_to_matmul(g: _Graph) -> None:
    for node in [n for n in g.nodes if n.op_type == "Gemm"]:
        if _attr(node, "transA", 0):
            raise NotConvertible("transA")
        a, b = node.input[0], node.input[1]
        if _attr(node, "transB", 0):  # FoldTransposeIntoQuantInit: transpose the quantizer's init
            q = g.producer(b)
            if q is None or q.op_type not in ("Quant", "BipolarQuant") or q.input[0] not in g.inits:
                raise NotConvertible("transB on a non-quantized weight")
            g.inits[q.input[0]] = g.inits[q.input[0]].T.copy()
            sc = g.inits[q.input[1]]
            if sc.ndim == 2:
                g.inits[q.input[1]] = sc.T.copy()
        out = node.output[0]
        mm = helper.make_node("MatMul", [a, b], [out], name=node.name)
        new = [mm]
        last = mm
        alpha = float(_attr(node, "alpha", 1.0))
        if alpha != 1.0:
            mid = g.fresh("mm")
            last.output[0] = mid
            last = helper.make_node("Mul", [mid, g.const(np.float32(alpha), "alpha")], [out],
                                    name=g.fresh("Mul"))
            new.append(last)
        if len(node.input) > 2 and node.input[2]:
            c = node.input[2]
            beta = float(_attr(node, "beta", 1.0))
            if beta != 1.0:
                cb = g.fresh("beta_c")
                new.append(helper.make_node("Mul", [c, g.const(np.float32(beta), "beta")], [cb],
                                            name=g.fresh("Mul")))
                c = cb
            mid = g.fresh("gemm")
            last.output[0] = mid
            new.append(helper.make_node("Add", [mid, c], [out], name=g.fresh("Add")))
        i = g.nodes.index(node)
        g.nodes[i:i + 1] = new


def _fold_weights(g: _Graph) -> None:
    for node in [n for n in g.nodes if n.op_type in ("Quant", "BipolarQuant")]:
        if not all(i in g.inits for i in node.input):
            continue
        codes, s, dtype = _weight_codes(node, g.inits)
        (user,) = g.consumers(node.output[0])
        w = node.output[0]
        g.nodes.remove(node)
        g.inits[w] = codes
        g.ann[w] = dtype
        if not np.all(s.reshape(-1) == 1.0):
            if user.op_type != "MatMul":
                raise NotConvertible(f"weight quantizer feeding {user.op_type}")
            g.op_after(user, "Mul", g.const(s.reshape(()) if s.size == 1 else s, "wscale"), "mm")


def _activations(g: _Graph) -> None:
    for node in [n for n in g.nodes if n.op_type in ("Quant", "BipolarQuant")]:
        pred = g.producer(node.input[0])
        relu = pred is not None and pred.op_type == "Relu"
        t, dtype, bias, scale, bipolar = _act_params(node, g.inits, relu)
        x = pred.input[0] if relu else node.input[0]
        out = node.output[0]
        attrs = {"out_dtype": dtype, "data_layout": "NC"}
        if bipolar:
            attrs.update(out_scale=float(scale), out_bias=float(bias) * float(scale))
        mt = helper.make_node("MultiThreshold", [x, g.const(t, "thresholds")], [out],
                              domain=QONNX_DOMAIN, name=g.fresh("MultiThreshold"), **attrs)
        i = g.nodes.index(node)
        g.nodes[i:i + 1] = [mt]
        if relu:
            g.nodes.remove(pred)
        if bipolar:
            continue
        last = mt
        if bias != 0:
            last = g.op_after(last, "Add", g.const(bias, "act_bias"), "mt")
        if not (scale.size == 1 and float(scale.reshape(-1)[0]) == 1.0):
            sc = scale.reshape(()) if scale.size == 1 else scale
            g.op_after(last, "Mul", g.const(sc, "act_scale"), "act")


def to_finn_onnx(model: onnx.ModelProto) -> onnx.ModelProto:
    """The FINN-ONNX of a QONNX MLP (see the module docstring); raises NotConvertible."""
    if any(n.op_type == "Trunc" for n in model.graph.node):
        raise NotConvertible("Trunc without an average pool")
    copy = onnx.ModelProto()
    copy.CopyFrom(model)  # the node protos are edited in place
    g = _Graph(copy)
    _gemm_to_matmul(g)
    _fold_weights(g)
    _activations(g)
    used = {i for n in g.nodes for i in n.input}
    graph = helper.make_graph(
        g.nodes, model.graph.name + "_finn", list(model.graph.input), list(model.graph.output),
        [numpy_helper.from_array(np.asarray(v) if np.asarray(v).dtype.kind in "iu"
                                 else np.asarray(v, np.float32), k)
         for k, v in g.inits.items() if k in used])
    for name, dtype in g.ann.items():
        a = onnx.TensorAnnotation(tensor_name=name)
        a.quant_parameter_tensor_names.add(key="finn_datatype", value=dtype)
        graph.quantization_annotation.append(a)
    return _finish(graph, next((o.version for o in model.opset_import
                                if o.domain in ("", "ai.onnx")), 13))


def _finish(graph: onnx.GraphProto, std_opset: int = 13) -> onnx.ModelProto:
    """A checked model of the graph at the given standard opset and QONNX opset 2."""
    m = helper.make_model(graph, producer_name="qnnc-tests-finn_onnx", opset_imports=[
        helper.make_opsetid("", std_opset), helper.make_opsetid(QONNX_DOMAIN, 2)])
    m.ir_version = 8
    onnx.checker.check_model(m)
    return m


def annotate(model: onnx.ModelProto, tensor: str, dtype: str) -> onnx.ModelProto:
    """A copy of the model with `tensor` annotated with the FINN datatype `dtype`."""
    m = onnx.ModelProto()
    m.CopyFrom(model)
    a = onnx.TensorAnnotation(tensor_name=tensor)
    a.quant_parameter_tensor_names.add(key="finn_datatype", value=dtype)
    m.graph.quantization_annotation.append(a)
    return m


# ----------------------------------------------------------------------------------------------
# Hand-built real-world shapes: UNSW-NB15-like and QKeras-like MLPs
# ----------------------------------------------------------------------------------------------


def _quant(nodes, inits, x: str, name: str, scale, bits: int, signed: bool, narrow: bool = False) -> str:
    for suffix, v in (("scale", scale), ("zeropt", 0.0), ("bitwidth", float(bits))):
        inits.append(numpy_helper.from_array(np.asarray(v, np.float32), f"{name}_{suffix}"))
    out = f"{name}_out"
    nodes.append(helper.make_node("Quant", [x, f"{name}_scale", f"{name}_zeropt", f"{name}_bitwidth"],
                                  [out], name=name, domain=QONNX_DOMAIN, signed=int(signed),
                                  narrow=int(narrow), rounding_mode="ROUND"))
    return out


def _dense(nodes, inits, x: str, k: int, n: int, name: str, rng, wbits: int, act_bits: int | None,
           relu: bool, gemm: bool, act_scale: float = 0.25, bn: bool = False) -> str:
    w = rng.standard_normal((n, k) if gemm else (k, n)).astype(np.float32) * 0.5
    inits.append(numpy_helper.from_array(w, f"{name}_w"))
    wq = _quant(nodes, inits, f"{name}_w", f"{name}_wq", np.float32(2.0 ** -(wbits - 1)), wbits, True, True)
    bias = (rng.standard_normal(n) * 0.5).astype(np.float32)
    inits.append(numpy_helper.from_array(bias, f"{name}_b"))
    y = f"{name}_y"
    if gemm:
        nodes.append(helper.make_node("Gemm", [x, wq, f"{name}_b"], [y], name=name, transB=1))
    else:
        nodes.append(helper.make_node("MatMul", [x, wq], [f"{name}_mm"], name=name))
        nodes.append(helper.make_node("Add", [f"{name}_mm", f"{name}_b"], [y], name=f"{name}_bias"))
    if bn:
        for p, v in (("gamma", rng.uniform(0.5, 2.0, n)), ("beta", rng.standard_normal(n) * 0.3),
                     ("mean", rng.standard_normal(n) * 0.5), ("var", rng.uniform(0.5, 2.0, n))):
            inits.append(numpy_helper.from_array(np.asarray(v, np.float32), f"{name}_bn_{p}"))
        nodes.append(helper.make_node("BatchNormalization", [y] + [f"{name}_bn_{p}" for p in (
            "gamma", "beta", "mean", "var")], [f"{name}_bn"], name=f"{name}_bn", epsilon=1e-3))
        y = f"{name}_bn"
    if relu:
        nodes.append(helper.make_node("Relu", [y], [f"{name}_relu"], name=f"{name}_relu"))
        y = f"{name}_relu"
    if act_bits is None:
        return y
    return _quant(nodes, inits, y, f"{name}_act", np.float32(act_scale), act_bits, not relu)


def _model(nodes, inits, inp: str, in_shape, out: str, out_shape, name: str) -> onnx.ModelProto:
    graph = helper.make_graph(nodes, name, [helper.make_tensor_value_info(inp, TensorProto.FLOAT, in_shape)],
                              [helper.make_tensor_value_info(out, TensorProto.FLOAT, out_shape)], inits)
    return _finish(graph)


def unsw_like_model(in_features: int = 24, hidden: tuple[int, ...] = (16, 16), seed: int = 0,
                    input_dtype: str = "BIPOLAR", add: float = 1.0, div: float = 2.0) -> onnx.ModelProto:
    """UNSW-NB15-like MLP: input annotated `input_dtype` → Add(add) → Div(div) → Gemm layers
    (2-bit weights, BatchNorm, ReLU, 2-bit activation Quants) → last Gemm → bipolar Quant."""
    rng = np.random.default_rng(seed)
    nodes: list = []
    inits: list = []
    inits += [numpy_helper.from_array(np.float32(add), "pre_add_c"),
              numpy_helper.from_array(np.float32(div), "pre_div_c")]
    nodes.append(helper.make_node("Add", ["inp", "pre_add_c"], ["pre_add"], name="pre_add"))
    nodes.append(helper.make_node("Div", ["pre_add", "pre_div_c"], ["pre_div"], name="pre_div"))
    x, k = "pre_div", in_features
    for i, n in enumerate(hidden):
        x = _dense(nodes, inits, x, k, n, f"fc{i}", rng, 2, 2, True, True, act_scale=0.5, bn=True)
        k = n
    x = _dense(nodes, inits, x, k, 1, "fc_out", rng, 2, None, False, True)
    inits.append(numpy_helper.from_array(np.float32(1.0), "out_scale"))
    nodes.append(helper.make_node("BipolarQuant", [x, "out_scale"], ["out"], name="out_quant",
                                  domain=QONNX_DOMAIN))
    return annotate(_model(nodes, inits, "inp", [1, in_features], "out", [1, 1], "unsw_like"),
                    "inp", input_dtype)


def qkeras_like_model(in_features: int = 16, hidden: tuple[int, ...] = (12, 10), out: int = 5,
                      seed: int = 0) -> onnx.ModelProto:
    """QKeras-like MLP: float input → MatMul (4-bit weights) → bias → ReLU → 4-bit activation
    Quant → quantized layers → float output (no input quantizer, no annotation)."""
    rng = np.random.default_rng(seed)
    nodes: list = []
    inits: list = []
    x, k = "inp", in_features
    for i, n in enumerate(hidden):
        x = _dense(nodes, inits, x, k, n, f"dense{i}", rng, 4, 4, True, False, act_scale=0.125)
        k = n
    x = _dense(nodes, inits, x, k, out, "dense_out", rng, 4, None, False, False)
    return _model(nodes, inits, "inp", [1, in_features], x, [1, out], "qkeras_like")


def unsw_inputs(n: int, in_features: int = 24, seed: int = 0) -> np.ndarray:
    """BIPOLAR codes for unsw_like_model, (n, 1, in_features) float32."""
    rng = np.random.default_rng(seed)
    return rng.choice(np.array([-1.0, 1.0], np.float32), size=(n, 1, in_features))


# ----------------------------------------------------------------------------------------------
# Variants of generated MLPs: annotated input, float input
# ----------------------------------------------------------------------------------------------


def _without_input_quantizer(model: onnx.ModelProto, inp: str = "inp"):
    """(copy of the model without the quantizer reading `inp`, the name of its output)."""
    m = onnx.ModelProto()
    m.CopyFrom(model)
    (q,) = [n for n in m.graph.node if inp in n.input and n.op_type in ("Quant", "BipolarQuant")]
    m.graph.node.remove(q)
    return m, q.output[0]


def input_datatype(q: QuantSpec) -> str:
    """The FINN datatype of an input quantizer's codes (a narrow range is a subset)."""
    if q.kind == "bipolar":
        return "BIPOLAR"
    return finn_datatype(q.bits, q.signed)


def annotated_input_mlp(spec: MLPSpec, add: float = 0.0, div: float = 1.0) -> onnx.ModelProto:
    """The generated MLP with its input quantizer replaced by a FINN datatype annotation of
    the input (the codes of that quantizer's type) and `(x + add) / div` (each op left out when
    it is the identity), as the zoo's UNSW-NB15 MLP pre-processes its BIPOLAR input."""
    m, out = _without_input_quantizer(build_mlp(spec))
    nodes = []
    x = "inp"
    for op, c in (("Add", add), ("Div", div)):
        if (op == "Add" and c == 0.0) or (op == "Div" and c == 1.0):
            continue
        m.graph.initializer.append(numpy_helper.from_array(np.float32(c), f"pre_{op.lower()}_c"))
        y = f"pre_{op.lower()}"
        nodes.append(helper.make_node(op, [x, f"pre_{op.lower()}_c"], [y], name=y))
        x = y
    if nodes:
        nodes[-1].output[0] = out
    else:
        for n in m.graph.node:
            for i, name in enumerate(n.input):
                if name == out:
                    n.input[i] = "inp"
    for k, n in enumerate(nodes):
        m.graph.node.insert(k, n)
    return annotate(m, "inp", input_datatype(spec.input_quant))


def float_input_mlp(spec: MLPSpec) -> onnx.ModelProto:
    """The generated MLP without its input quantizer: the float input goes straight into the
    first layer (QKeras-like); the first activation quantizer is then the accelerator's input."""
    m, out = _without_input_quantizer(build_mlp(spec))
    for n in m.graph.node:
        for i, name in enumerate(n.input):
            if name == out:
                n.input[i] = "inp"
    return m


def random_codes(dtype: str, shape, n: int, seed: int) -> list[np.ndarray]:
    """n random inputs of codes of a FINN integer datatype (float32)."""
    from qnnc.frontend.annotations import code_type, random_codes as codes

    rng = np.random.default_rng(seed)
    return list(codes(code_type(dtype), (n, *shape), rng))
