"""The `host` dialect: standard ONNX nodes that stay on the host, carried unchanged.

A network's accelerator starts at its input quantizer and ends at its last integer tensor; what
lies before (normalisation, clipping) and after (Softmax, ArgMax, TopK, a Sigmoid head) runs on
the host in float32, exactly as qonnx runs it. qnnc needs no importer of its own for such an op:
`host.onnx_node` holds the ONNX node itself, as a small serialized ONNX model (the node, its
constant inputs as initializers, its opset), and

* its semantics are onnxruntime's on that model (the same kernels qonnx's `execute_onnx` calls),
  so the quant-level interpreter reproduces the reference bit for bit;
* `quant-partition-host` places it in `@pre` or `@post` like any float op (and names it when it
  sits between integer layers, where it cannot run);
* the host ONNX export (`host/pre.onnx`, `host/post.onnx`) copies the node back unchanged.

The model is stored at opset `HOST_OPSET` or newer (the frontend converts older nodes with ONNX's
version converter), so all host nodes of one graph share an opset. Operands are the node's
non-constant inputs, results its outputs; element types are the ONNX ones (an ArgMax result is
`tensor<...xi64>`).
"""

from __future__ import annotations

import base64
import functools

import numpy as np
from xdsl.dialects.builtin import StringAttr, TensorType
from xdsl.interpreter import Interpreter, InterpreterFunctions, impl, register_impls
from xdsl.ir import Dialect
from xdsl.irdl import (
    IRDLOperation,
    prop_def,
    traits_def,
    var_operand_def,
    var_result_def,
)
from xdsl.traits import Pure
from xdsl.utils.exceptions import VerifyException

from qnnc.dialects.formats import irdl_op_definition  # formats parsed when first used

HOST_OPSET = 17
"""Least opset of the standard domain a host node is stored at (and host graphs are written at)."""


def encode_model(model_bytes: bytes) -> str:
    return base64.b64encode(model_bytes).decode("ascii")


@functools.lru_cache(maxsize=256)
def decode_model(blob: str):
    """The ONNX ModelProto of a `host.onnx_node` (cached: interpreting a node per sample would
    otherwise parse it again every time)."""
    import onnx

    model = onnx.ModelProto()
    model.ParseFromString(base64.b64decode(blob.encode("ascii"), validate=True))
    return model


def model_opset(model) -> int:
    return max((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), default=1)


@irdl_op_definition
class OnnxNodeOp(IRDLOperation):
    """A standard ONNX node run on the host (`op_type` for reading; `model` is the node as a
    base64 serialized ONNX model whose graph inputs are the operands, in order, and whose graph
    outputs are the results)."""

    name = "host.onnx_node"
    inputs = var_operand_def(TensorType)
    outputs = var_result_def(TensorType)
    op_type = prop_def(StringAttr)
    model = prop_def(StringAttr)
    traits = traits_def(Pure())
    assembly_format = ("$op_type `(` $inputs `)` attr-dict `:` functional-type($inputs, "
                       "$outputs) `model` $model")

    def onnx_model(self):
        return decode_model(self.model.data)

    def verify_(self) -> None:
        try:
            m = self.onnx_model()
        except Exception as e:  # not base64, not a ModelProto
            raise VerifyException(f"{self.name}: 'model' is not a serialized ONNX model ({e})")
        g = m.graph
        if len(g.input) != len(self.inputs) or len(g.output) != len(self.outputs):
            raise VerifyException(
                f"{self.name}: the model has {len(g.input)} inputs and {len(g.output)} outputs, "
                f"the op {len(self.inputs)} operands and {len(self.outputs)} results")
        if not any(n.op_type == self.op_type.data for n in g.node):
            raise VerifyException(f"{self.name}: the model holds no '{self.op_type.data}' node")
        if model_opset(m) < HOST_OPSET:
            raise VerifyException(f"{self.name}: the model's opset {model_opset(m)} is below "
                                  f"{HOST_OPSET}")


# ----------------------------------------------------------------------------------------------
# Executable semantics
# ----------------------------------------------------------------------------------------------


def _as_double(model):
    """The same model computing in float64 (float tensors and initializers widened), for a
    precise re-evaluation; None when onnxruntime has no float64 kernel for it."""
    import onnx
    from onnx import TensorProto, numpy_helper

    m = onnx.ModelProto()
    m.CopyFrom(model)
    g = m.graph
    for vi in list(g.input) + list(g.output):
        if vi.type.tensor_type.elem_type == TensorProto.FLOAT:
            vi.type.tensor_type.elem_type = TensorProto.DOUBLE
    del g.value_info[:]
    for i, init in enumerate(g.initializer):
        if init.data_type == TensorProto.FLOAT:
            g.initializer[i].CopyFrom(numpy_helper.from_array(
                numpy_helper.to_array(init).astype(np.float64), init.name))
    return m


@functools.lru_cache(maxsize=256)
def _session(blob: str, double: bool):
    import onnxruntime as ort

    model = decode_model(blob)
    if double:
        model = _as_double(model)
    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    opts.log_severity_level = 3
    try:
        return ort.InferenceSession(model.SerializeToString(), opts,
                                    providers=["CPUExecutionProvider"])
    except Exception:
        if double:
            return None
        raise


def run_onnx_node(op: OnnxNodeOp, args: tuple, float_dtype=np.float32) -> tuple:
    """Evaluate the node with onnxruntime. A float64 run uses float64 kernels where
    onnxruntime has them, else float32 (then only the host op's own rounding is float32)."""
    blob = op.model.data
    sess = _session(blob, True) if float_dtype != np.float32 else None
    dt = np.float64 if sess is not None else np.float32
    if sess is None:
        sess = _session(blob, False)
    feeds = {}
    for i, a in zip(sess.get_inputs(), args):
        a = np.asarray(a)
        feeds[i.name] = a.astype(dt) if a.dtype.kind == "f" else a
    return tuple(sess.run(None, feeds))


@register_impls
class HostFunctions(InterpreterFunctions):
    """numpy/onnxruntime semantics of the `host` ops."""

    @impl(OnnxNodeOp)
    def run_onnx_node(self, interp: Interpreter, op: OnnxNodeOp, args: tuple):
        return run_onnx_node(op, args, getattr(interp, "qnnc_float", np.float32))


Host = Dialect("host", [OnnxNodeOp], [])
