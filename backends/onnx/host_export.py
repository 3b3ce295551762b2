"""Host pre/post-processing as ONNX: `@pre` and `@post` of a partitioned module → ONNX graphs.

`pre.onnx` maps the model input to the accelerator's input codes (int32, one per element, in the
order the input stream carries them); `post.onnx` maps the accelerator's output codes (int32) to
the model output. Standard ops are written as standard ONNX ops; QONNX quantizers that stay on
the host are written as QONNX custom ops, so the graphs run with qonnx's `execute_onnx` (and with
onnxruntime when they hold only standard ops). The input quantizer (`quant.quantize`) is written
with standard ops in exactly qonnx's float32 order: Div, Add, clamp, rounding.
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from xdsl.dialects import func
from xdsl.dialects.builtin import IntegerType, ModuleOp, TensorType, f64
from xdsl.ir import BlockArgument, Operation, OpResult, SSAValue

from qnnc.diagnostics import op_error
from qnnc.dialects import host, quant

QONNX_DOMAIN = "qonnx.custom_op.general"


class _GraphWriter:
    def __init__(self, prefix: str):
        self.nodes: list[onnx.NodeProto] = []
        self.inits: list[onnx.TensorProto] = []
        self.names: dict[SSAValue, str] = {}
        self.counter = 0
        self.prefix = prefix
        self.opset = host.HOST_OPSET  # raised by host nodes stored at a newer opset

    def fresh(self, hint: str) -> str:
        self.counter += 1
        return f"{self.prefix}{hint}_{self.counter}"

    def const(self, arr: np.ndarray, hint: str = "c") -> str:
        name = self.fresh(hint)
        self.inits.append(numpy_helper.from_array(np.asarray(arr), name))
        return name

    def node(self, op_type: str, inputs: list[str], hint: str, domain: str = "", **attrs) -> str:
        out = self.fresh(hint)
        self.nodes.append(helper.make_node(op_type, inputs, [out], name=out, domain=domain, **attrs))
        return out

    def value(self, v: SSAValue) -> str:
        if v in self.names:
            return self.names[v]
        if isinstance(v, OpResult) and isinstance(v.op, quant.ConstOp):
            self.names[v] = self.const(v.op.numpy().astype(np.float32), "const")
            return self.names[v]
        raise KeyError(v)


def _f32(v: SSAValue) -> np.ndarray:
    assert isinstance(v, OpResult) and isinstance(v.op, quant.ConstOp)
    return v.op.numpy().astype(np.float32)


def _rounding(g: _GraphWriter, y: str, mode: str) -> str:
    """QONNX's rounding modes with standard ONNX ops (ROUND is half-to-even, like ONNX Round)."""
    m = mode.upper()
    if m in ("ROUND", "HALF_EVEN"):
        return g.node("Round", [y], "round")
    if m == "FLOOR":
        return g.node("Floor", [y], "floor")
    if m == "CEIL":
        return g.node("Ceil", [y], "ceil")
    sign = g.node("Sign", [y], "sign")
    mag = g.node("Abs", [y], "abs")
    if m == "UP":
        r = g.node("Ceil", [mag], "ceil")
    elif m == "DOWN":
        r = g.node("Floor", [mag], "floor")
    elif m == "HALF_UP":
        r = g.node("Floor", [g.node("Add", [mag, g.const(np.float32(0.5))], "add")], "floor")
    else:  # HALF_DOWN
        r = g.node("Ceil", [g.node("Sub", [mag, g.const(np.float32(0.5))], "sub")], "ceil")
    return g.node("Mul", [sign, r], "mul")


def _quantize(g: _GraphWriter, op: quant.QuantizeOp) -> str:
    x = g.value(op.x)
    y = g.node("Div", [x, g.value(op.scale)], "div")
    y = g.node("Add", [y, g.value(op.zeropt)], "add")
    bits, signed, narrow = op.bits.value.data, quant.flag(op.signed), quant.flag(op.narrow)
    if bits == 1 and signed:
        ge = g.node("GreaterOrEqual", [y, g.const(np.float32(0))], "ge")
        return g.node("Where", [ge, g.const(np.float32(1)), g.const(np.float32(-1))], "bipolar")
    lo, hi = quant.quant_range(bits, signed, narrow)
    y = g.node("Clip", [y, g.const(np.float32(lo)), g.const(np.float32(hi))], "clip")
    return _rounding(g, y, op.rounding_mode.data)


def _host_node(g: _GraphWriter, op: host.OnnxNodeOp) -> list[str]:
    """The node(s) a `host.onnx_node` holds, copied unchanged but for tensor names; returns the
    names of its outputs."""
    model = op.onnx_model()
    names = {vi.name: g.value(v) for vi, v in zip(model.graph.input, op.inputs)}
    for init in model.graph.initializer:
        names[init.name] = g.const(numpy_helper.to_array(init), "const")
    for node in model.graph.node:
        copy = onnx.NodeProto()
        copy.CopyFrom(node)
        copy.name = g.fresh(node.op_type.lower())
        copy.input[:] = [names[n] if n else "" for n in node.input]
        for i, o in enumerate(node.output):
            names[o] = g.fresh(node.op_type.lower()) if o else ""
            copy.output[i] = names[o]
        g.nodes.append(copy)
    g.opset = max(g.opset, host.model_opset(model))
    return [names[vi.name] for vi in model.graph.output]


def _emit(g: _GraphWriter, op: Operation) -> str | list[str] | None:
    """ONNX node(s) for one op; returns the output name(s) (None for constants)."""
    v = g.value
    if isinstance(op, quant.ConstOp):
        return None
    if isinstance(op, host.OnnxNodeOp):
        return _host_node(g, op)
    if isinstance(op, quant.QuantizeOp):
        return _quantize(g, op)
    if isinstance(op, quant.DequantizeOp):
        x = g.node("Cast", [v(op.x)], "cast", to=TensorProto.FLOAT)
        x = g.node("Sub", [x, g.const(_f32(op.zeropt))], "sub")
        return g.node("Mul", [x, g.const(_f32(op.scale))], "mul")
    simple = {quant.AddOp: "Add", quant.SubOp: "Sub", quant.MulOp: "Mul", quant.DivOp: "Div",
              quant.MatMulOp: "MatMul", quant.ReluOp: "Relu", quant.IdentityOp: "Identity",
              quant.AnnotateOp: "Identity"}
    if type(op) in simple:
        return g.node(simple[type(op)], [v(o) for o in op.operands], simple[type(op)].lower())
    if isinstance(op, quant.TransposeOp):
        return g.node("Transpose", [v(op.x)], "transpose", perm=list(op.permutation()))
    if isinstance(op, quant.ReshapeOp):
        shape = g.const(np.array(quant.tensor_shape(op.result), dtype=np.int64), "shape")
        return g.node("Reshape", [v(op.x), shape], "reshape")
    if isinstance(op, quant.BatchNormOp):
        return g.node("BatchNormalization", [v(o) for o in op.operands], "bn",
                      epsilon=op.epsilon.value.data)
    if isinstance(op, quant.GemmOp):
        return g.node("Gemm", [v(o) for o in op.operands], "gemm", alpha=op.alpha.value.data,
                      beta=op.beta.value.data, transA=int(quant.flag(op.trans_a)),
                      transB=int(quant.flag(op.trans_b)))
    if isinstance(op, quant.QuantOp):
        return g.node("Quant", [v(o) for o in op.operands], "quant", domain=QONNX_DOMAIN,
                      signed=int(quant.flag(op.signed)), narrow=int(quant.flag(op.narrow)),
                      rounding_mode=op.rounding_mode.data)
    if isinstance(op, quant.BipolarQuantOp):
        return g.node("BipolarQuant", [v(o) for o in op.operands], "bipolar", domain=QONNX_DOMAIN)
    if isinstance(op, quant.TruncOp):  # the version is the graph's QONNX opset (_qonnx_opset)
        attrs = {"rounding_mode": op.rounding_mode.data}
        if op.version.value.data == 2:
            attrs.update(signed=int(quant.flag(op.signed)), narrow=int(quant.flag(op.narrow)))
        return g.node("Trunc", [v(o) for o in op.operands], "trunc", domain=QONNX_DOMAIN, **attrs)
    if isinstance(op, quant.MultiThresholdOp):
        return g.node("MultiThreshold", [v(o) for o in op.operands], "mt", domain=QONNX_DOMAIN,
                      out_scale=op.out_scale.value.data, out_bias=op.out_bias.value.data,
                      data_layout=op.data_layout.data)
    raise op_error(op, f"'{op.name}' cannot run on the host yet")


def onnx_elem_type(elem) -> int:
    """The ONNX element type of a float-side tensor (a host op may produce int64 or bool)."""
    if isinstance(elem, IntegerType):
        return {64: TensorProto.INT64, 32: TensorProto.INT32, 1: TensorProto.BOOL}[elem.width.data]
    return TensorProto.DOUBLE if elem == f64 else TensorProto.FLOAT


def _vi(name: str, t: TensorType, elem: int) -> onnx.ValueInfoProto:
    return helper.make_tensor_value_info(name, elem, list(t.get_shape()))


def _qonnx_opset(fn: func.FuncOp) -> int:
    """The QONNX domain opset of a host graph: that of its `Trunc`s (qonnx picks Trunc's version
    from it; one model's Truncs share one version), else 2. The other QONNX ops are the same in
    both versions."""
    versions = {op.version.value.data for op in fn.body.block.ops if isinstance(op, quant.TruncOp)}
    if len(versions) > 1:
        raise op_error(next(op for op in fn.body.block.ops if isinstance(op, quant.TruncOp)),
                       "Trunc versions 1 and 2 in one host graph")
    return versions.pop() if versions else 2


def function_to_onnx(fn: func.FuncOp, in_names: list[str], out_names: list[str],
                     int_inputs: bool, int_outputs: bool) -> onnx.ModelProto:
    """One partition function as an ONNX model (integer code tensors are int32)."""
    g = _GraphWriter(f"{fn.sym_name.data}_")
    block = fn.body.block
    inputs = []
    for arg, name in zip(block.args, in_names):
        g.names[arg] = name
        inputs.append(_vi(name, arg.type, TensorProto.INT32 if int_inputs else TensorProto.FLOAT))
    ret = block.last_op
    for op in block.ops:
        if op is ret:
            break
        out = _emit(g, op)
        if out is not None:
            for r, name in zip(op.results, [out] if isinstance(out, str) else out):
                g.names[r] = name
    outputs = []
    for v, name in zip(ret.operands, out_names):
        src = g.value(v) if not isinstance(v, BlockArgument) else g.names[v]
        if int_outputs:
            g.nodes.append(helper.make_node("Cast", [src], [name], name=name, to=TensorProto.INT32))
        else:
            g.nodes.append(helper.make_node("Identity", [src], [name], name=name))
        outputs.append(_vi(name, v.type, TensorProto.INT32 if int_outputs else
                           onnx_elem_type(v.type.element_type)))
    graph = helper.make_graph(g.nodes, fn.sym_name.data, inputs, outputs, g.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", g.opset),
                                                    helper.make_opsetid(QONNX_DOMAIN, _qonnx_opset(fn))],
                              producer_name="qnnc")
    model.ir_version = 8
    from qonnx.core.modelwrapper import ModelWrapper
    from qonnx.transformation.infer_shapes import InferShapes

    return ModelWrapper(model).transform(InferShapes()).model


def export_host(module: ModuleOp, model_in: list[str], model_out: list[str]) -> tuple[onnx.ModelProto, onnx.ModelProto]:
    """(pre.onnx, post.onnx) for a partitioned module."""
    fns = {f.sym_name.data: f for f in module.ops if isinstance(f, func.FuncOp)}
    pre = function_to_onnx(fns["pre"], model_in, ["codes"], int_inputs=False, int_outputs=True)
    post = function_to_onnx(fns["post"], ["codes"], model_out, int_inputs=True, int_outputs=False)
    return pre, post
