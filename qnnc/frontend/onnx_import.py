"""QONNX → `quant` dialect, one op per ONNX node.

The model is loaded with `onnx`, tidied with qonnx's own `cleanup_model` (shape inference,
constant folding, unique node names) and imported 1:1: every node becomes one `quant` op whose
location is `loc("<node name>"("<OpType>"))`, every initializer a `quant.const`. Nothing is
simplified here; that is `quant-streamline`'s job. The result is a `builtin.module` holding
`func.func @main` whose arguments and results are the graph's inputs and outputs. FINN datatype
annotations are read by `qnnc.frontend.annotations` (annotated weights checked, annotated inputs
wrapped in `quant.annotate`).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from xdsl.builder import Builder
from xdsl.dialects import func
from xdsl.dialects.builtin import (BoolAttr, FloatAttr, IntegerAttr, ModuleOp, StringAttr, TensorType, f32,
                                   f64, i1, i32, i64)
from xdsl.ir import Block, Operation, Region, SSAValue
from xdsl.rewriter import InsertPoint

from qnnc.diagnostics import QnncError, onnx_loc
from qnnc.dialects import host, quant
from qnnc.dialects.host import encode_model
from qnnc.frontend import annotations as finn_annotations
from qnnc.frontend.host_nodes import node_model

ELEM_TYPES = {TensorProto.FLOAT: f32, TensorProto.DOUBLE: f64, TensorProto.INT64: i64,
              TensorProto.INT32: i32, TensorProto.BOOL: i1}
"""ONNX element types of the tensors qnnc imports (the quantized path is float32; host ops may
produce others, e.g. ArgMax's int64)."""

QONNX_DOMAINS = ("qonnx.custom_op.general", "finn.custom_op.general", "finn")


def load_and_clean(path: str | Path):
    """Load a model and tidy it like qonnx's `cleanup_model` (shape inference, constant folding
    that keeps quantizers, unique parameter tensors), except that node names are kept: the
    user's names are what diagnostics must show. Only missing or repeated names are filled in.
    Returns a qonnx ModelWrapper."""
    from qonnx.core.modelwrapper import ModelWrapper
    from qonnx.transformation.general import (
        GiveUniqueParameterTensors,
        RemoveStaticGraphInputs,
        RemoveUnusedTensors,
    )
    from qonnx.transformation.infer_shapes import InferShapes
    from qonnx.transformation.quant_constant_folding import FoldTransposeIntoQuantInit

    from qnnc.frontend.load import load_model
    from qnnc.frontend.validate import validate_cleaned, validate_model

    model = load_model(path)  # safe loading: external data checked before it is read
    name_nodes(model.graph)
    validate_model(model)
    # qonnx names new tensors with `random.choice` (GiveUniqueParameterTensors' copies): seeded
    # here, so the names (the `loc`s of those constants in the IR dumps) are the same every run
    rng_state = random.getstate()
    random.seed(0)
    try:
        mw = ModelWrapper(model)
        for node in mw.graph.node:  # qonnx's own fix-up of the QONNX op domain
            if node.op_type in ("Quant", "Trunc", "BipolarQuant"):
                node.domain = "qonnx.custom_op.general"
        for t in (InferShapes(), GiveUniqueParameterTensors(), _FOLD_CONSTANTS,
                  FoldTransposeIntoQuantInit(), RemoveUnusedTensors(), RemoveStaticGraphInputs()):
            if t is _FOLD_CONSTANTS:
                if not _foldable(mw):
                    continue
                t = _fold_all_constants()
            mw = mw.transform(t, make_deepcopy=False)  # the loaded model is ours alone
    except QnncError:
        raise
    except Exception as e:
        raise QnncError(f"qonnx cleanup failed on '{path}': {type(e).__name__}: {e}")
    finally:
        random.setstate(rng_state)
    name_nodes(mw.graph)
    validate_cleaned(mw)
    return mw


_FOLD_CONSTANTS = object()  # where constant folding runs in the cleanup, when _foldable
NOT_FOLDED = ("Quant", "BipolarQuant", "QuantizeLinear", "DequantizeLinear")


def _foldable(mw) -> bool:
    """Whether a node may fold (qonnx's FoldConstants test: only initializer inputs, or none, or
    a `Shape`; excluded types never), made without executing anything. Folding allocates an
    execution context of every tensor, loads onnxruntime (~0.05 s) and re-cleans the model even
    when nothing folds; models as exported usually have nothing to fold, and skipping it then
    leaves the model exactly as it would have been."""
    inits = {i.name for i in mw.graph.initializer}
    return any(n.op_type not in NOT_FOLDED and (n.op_type == "Shape" or all(
        x in inits for x in n.input)) for n in mw.graph.node)


def _fold_all_constants():
    """qonnx's `FoldConstants(exclude_op_types=NOT_FOLDED)` folding every eligible node in one
    sweep over the (sorted) graph: the same eligibility test, the same executor call per node
    (qonnx's `execute_node`, onnxruntime for standard ops) and the same initializers, then one
    shape inference. qonnx folds one node per application and re-runs shape inference and its
    five cleanup transforms after each (qonnx issue #104), which made the cleanup of a model
    with a chain of constant nodes (a Shape/Gather/Concat reshape target, a Pow) cost a tenth
    of a second."""
    import qonnx.core.onnx_exec as oxe
    from qonnx.transformation.base import Transformation
    from qonnx.transformation.infer_shapes import InferShapes

    class FoldAllConstants(Transformation):
        def apply(self, model):
            opset_version = model.model.opset_import[0].version
            context = model.make_empty_exec_context()
            folded = []
            constants = {i.name for i in model.graph.initializer}  # qonnx: get_initializer
            for n in model.graph.node:  # topological order: a folded output feeds later nodes
                all_constant = all(x in constants for x in n.input)
                const_shape = (len(n.input) > 0 and n.op_type == "Shape"
                               and model.get_tensor_shape(n.input[0]) is not None)
                if (all_constant or const_shape or len(n.input) == 0) \
                        and n.op_type not in NOT_FOLDED:
                    for inp in n.input:
                        model.get_tensor_shape(inp, fix_missing_init_shape=True)
                    oxe.execute_node(n, context, model.graph, opset_version=opset_version)
                    model.set_initializer(n.output[0], context[n.output[0]])
                    constants.add(n.output[0])
                    folded.append(n)
            for n in folded:
                model.graph.node.remove(n)
            if folded:
                model = model.transform(InferShapes())
            return model, bool(folded)  # qonnx repeats until nothing more folds

    return FoldAllConstants()


def name_nodes(graph) -> None:
    """Give every node a unique name, keeping the names it already has where they are unique."""
    seen: set[str] = set()
    counters: dict[str, int] = {}
    taken = {n.name for n in graph.node if n.name}
    for node in graph.node:
        if node.name and node.name not in seen:
            seen.add(node.name)
            continue
        while True:
            i = counters.get(node.op_type, 0)
            counters[node.op_type] = i + 1
            cand = f"{node.op_type}_{i}"
            if cand not in taken and cand not in seen:
                break
        node.name = cand
        seen.add(cand)


def standard_opset(model) -> int:
    """The opset of the standard ONNX domain the model was written at."""
    return max((o.version for o in model.model.opset_import if o.domain in ("", "ai.onnx")),
               default=1)


def qonnx_opset(model) -> int:
    """The opset of the QONNX custom-op domain (qonnx falls back to 1 when absent)."""
    imports = {o.domain: o.version for o in model.model.opset_import}
    for d in QONNX_DOMAINS:
        if d in imports:
            return imports[d]
    return 1


class _Importer:
    """Walks the (topologically sorted) graph and emits one op per node."""

    def __init__(self, model):
        self.model = model
        self.graph = model.graph
        self.values: dict[str, SSAValue] = {}
        self.inits = {i.name: numpy_helper.to_array(i) for i in self.graph.initializer}
        self.trunc_version = 2 if qonnx_opset(model) >= 2 else 1
        self.value_types = {vi.name: vi.type for vi in (list(self.graph.input) + list(
            self.graph.value_info) + list(self.graph.output)) if vi.type.HasField("tensor_type")}

    # -- helpers --------------------------------------------------------------------------------

    def tensor_type(self, name: str) -> TensorType:
        shape = self.model.get_tensor_shape(name)
        if shape is None or any((not isinstance(d, int)) or d < 0 for d in shape):
            raise QnncError(f"tensor '{name}' has no static shape after shape inference")
        t = self.value_types.get(name)
        elem = t.tensor_type.elem_type if t is not None else TensorProto.FLOAT
        if elem not in ELEM_TYPES:
            raise QnncError(f"tensor '{name}' has ONNX element type "
                            f"{TensorProto.DataType.Name(elem)}, which qnnc does not handle")
        return TensorType(ELEM_TYPES[elem], list(shape))

    def value(self, name: str, node) -> SSAValue:
        if name in self.values:
            return self.values[name]
        if name in self.inits:
            op = quant.ConstOp.from_numpy(np.asarray(self.inits[name], dtype=np.float32))
            op.location = onnx_loc(name, "Initializer")
            self.builder.insert(op)
            self.values[name] = op.result
            return op.result
        raise QnncError(f"input '{name}' is not produced by any node", node.name, node.op_type)

    def emit(self, node, op: Operation) -> None:
        op.location = onnx_loc(node.name, node.op_type)
        self.builder.insert(op)
        for res, name in zip(op.results, node.output):
            self.values[name] = res

    def out_type(self, node, i: int = 0) -> TensorType:
        return self.tensor_type(node.output[i])

    def annotate(self, x: SSAValue, name: str, ct) -> SSAValue:
        """`quant.annotate` of a graph input with an integer FINN datatype (frontend.annotations)."""
        op = quant.AnnotateOp.build(
            operands=[x], result_types=[x.type],
            properties={"datatype": StringAttr(ct.name), "bits": IntegerAttr(ct.bits, 64),
                        "signed": BoolAttr.from_bool(ct.signed),
                        "narrow": BoolAttr.from_bool(ct.narrow)})
        op.location = onnx_loc(name, "Annotation")
        self.builder.insert(op)
        return op.result

    def attrs(self, node) -> dict:
        return {a.name: helper.get_attribute_value(a) for a in node.attribute}

    # -- per-op importers -------------------------------------------------------------------------

    def import_quant(self, node, a):
        ins = [self.value(n, node) for n in node.input]
        if len(ins) != 4:
            raise QnncError("Quant takes 4 inputs (x, scale, zeropt, bitwidth)", node.name, node.op_type)
        mode = a.get("rounding_mode", b"ROUND")
        mode = mode.decode() if isinstance(mode, bytes) else mode
        if mode.upper() not in quant.ROUNDING_MODES:
            raise QnncError(f"unknown rounding mode '{mode}'", node.name, node.op_type)
        return quant.QuantOp.build(
            operands=ins, result_types=[self.out_type(node)],
            properties={"signed": BoolAttr.from_bool(bool(a.get("signed", 1))),
                        "narrow": BoolAttr.from_bool(bool(a.get("narrow", 0))),
                        "rounding_mode": StringAttr(mode.upper())})

    def import_bipolar_quant(self, node, a):
        ins = [self.value(n, node) for n in node.input]
        return quant.BipolarQuantOp.build(operands=ins, result_types=[self.out_type(node)])

    def import_trunc(self, node, a):
        ins = [self.value(n, node) for n in node.input]
        v = self.trunc_version
        want = 6 if v == 2 else 5
        if len(ins) != want:
            raise QnncError(f"Trunc version {v} (from the model's opset) takes {want} inputs, "
                            f"got {len(ins)}", node.name, node.op_type)
        mode = a.get("rounding_mode", b"FLOOR")
        mode = mode.decode() if isinstance(mode, bytes) else mode
        if mode.upper() not in quant.ROUNDING_MODES:
            raise QnncError(f"unknown rounding mode '{mode}'", node.name, node.op_type)
        if v == 2:
            operands = [ins[0], ins[1], ins[2], ins[3], [ins[4]], ins[5]]
        else:
            operands = [ins[0], ins[1], ins[2], ins[3], [], ins[4]]
        return quant.TruncOp.build(
            operands=operands, result_types=[self.out_type(node)],
            properties={"rounding_mode": StringAttr(mode.upper()),
                        "signed": BoolAttr.from_bool(bool(a.get("signed", 1))),
                        "narrow": BoolAttr.from_bool(bool(a.get("narrow", 0))),
                        "version": IntegerAttr(v, 64)})

    def import_multithreshold(self, node, a):
        ins = [self.value(n, node) for n in node.input]
        layout = a.get("data_layout", b"NCHW")
        layout = layout.decode() if isinstance(layout, bytes) else layout
        return quant.MultiThresholdOp.build(
            operands=ins, result_types=[self.out_type(node)],
            properties={"out_scale": FloatAttr(float(a.get("out_scale", 1.0)), f64),
                        "out_bias": FloatAttr(float(a.get("out_bias", 0.0)), f64),
                        "data_layout": StringAttr(layout)})

    def _binary(self, cls):
        def build(node, a):
            lhs, rhs = (self.value(n, node) for n in node.input)
            return cls(lhs, rhs, self.out_type(node))
        return build

    def import_matmul(self, node, a):
        ins = [self.value(n, node) for n in node.input]
        return quant.MatMulOp.build(operands=ins, result_types=[self.out_type(node)])

    def import_gemm(self, node, a):
        ins = [self.value(n, node) for n in node.input if n]
        return quant.GemmOp.build(
            operands=[ins[0], ins[1], ins[2:]], result_types=[self.out_type(node)],
            properties={"alpha": FloatAttr(float(a.get("alpha", 1.0)), f64),
                        "beta": FloatAttr(float(a.get("beta", 1.0)), f64),
                        "trans_a": BoolAttr.from_bool(bool(a.get("transA", 0))),
                        "trans_b": BoolAttr.from_bool(bool(a.get("transB", 0)))})

    def import_batchnorm(self, node, a):
        if len(node.output) > 1 and any(node.output[1:]) or a.get("training_mode", 0):
            raise QnncError("only inference-mode BatchNormalization is supported", node.name,
                            node.op_type)
        ins = [self.value(n, node) for n in node.input]
        return quant.BatchNormOp.build(
            operands=ins, result_types=[self.out_type(node)],
            properties={"epsilon": FloatAttr(float(a.get("epsilon", 1e-5)), f64)})

    def import_relu(self, node, a):
        return quant.ReluOp(self.value(node.input[0], node), self.out_type(node))

    def import_identity(self, node, a):
        return quant.IdentityOp(self.value(node.input[0], node), self.out_type(node))

    def import_reshape(self, node, a):
        return quant.ReshapeOp(self.value(node.input[0], node), self.out_type(node))

    def import_transpose(self, node, a):
        x = self.value(node.input[0], node)
        rank = len(quant.tensor_shape(x))
        perm = a.get("perm", list(range(rank))[::-1])
        return quant.TransposeOp(x, perm, self.out_type(node))

    def import_host_node(self, node, a):
        """A standard op with no importer of its own: carried unchanged, run on the host."""
        model, dynamic = node_model(node, self.inits, self.value_types, standard_opset(self.model))
        ins = [self.value(n, node) for n in dynamic]
        return host.OnnxNodeOp.build(
            operands=[ins], result_types=[[self.out_type(node, i) for i in range(len(node.output))]],
            properties={"op_type": StringAttr(node.op_type), "model": StringAttr(encode_model(model))})

    def _window_attrs(self, node, a, kernel: tuple[int, ...] | None) -> dict:
        """kernel_shape, strides, pads, dilations of a 2-D Conv/MaxPool with ONNX's defaults;
        a QnncError for what qnnc does not support (auto_pad, non-2-D)."""
        auto_pad = a.get("auto_pad", b"NOTSET")
        auto_pad = auto_pad.decode() if isinstance(auto_pad, bytes) else auto_pad
        if auto_pad != "NOTSET":
            raise QnncError(f"auto_pad '{auto_pad}' is not supported (only NOTSET, with explicit "
                            f"pads)", node.name, node.op_type)
        xs = self.model.get_tensor_shape(node.input[0])
        if xs is None or len(xs) != 4:
            raise QnncError(f"only 2-D {node.op_type} on NCHW tensors is supported (input shape "
                            f"{xs})", node.name, node.op_type)
        kernel = tuple(a.get("kernel_shape", kernel or ()))
        if len(kernel) != 2:
            raise QnncError(f"kernel_shape {list(kernel)} is not 2-D", node.name, node.op_type)
        props = {"kernel_shape": kernel, "strides": tuple(a.get("strides", (1, 1))),
                 "pads": tuple(a.get("pads", (0, 0, 0, 0))),
                 "dilations": tuple(a.get("dilations", (1, 1)))}
        for k, want in (("strides", 2), ("pads", 4), ("dilations", 2)):
            if len(props[k]) != want:
                raise QnncError(f"{k} {list(props[k])} does not have {want} values", node.name,
                                node.op_type)
        return {k: quant.i64_array(v) for k, v in props.items()}

    def import_conv(self, node, a):
        ins = [self.value(n, node) for n in node.input if n]
        if len(ins) not in (2, 3):
            raise QnncError("Conv takes 2 or 3 inputs (x, w, optional bias)", node.name,
                            node.op_type)
        ws = self.model.get_tensor_shape(node.input[1])
        props = self._window_attrs(node, a, tuple(ws[2:]) if ws else None)
        props["group"] = IntegerAttr(int(a.get("group", 1)), 64)
        return quant.ConvOp.build(operands=[ins[0], ins[1], ins[2:]],
                                  result_types=[self.out_type(node)], properties=props)

    def import_maxpool(self, node, a):
        if len(node.output) > 1 and any(node.output[1:]):
            raise QnncError("MaxPool with an Indices output is not supported", node.name,
                            node.op_type)
        if "kernel_shape" not in a:
            raise QnncError("MaxPool needs kernel_shape", node.name, node.op_type)
        ceil_mode = int(a.get("ceil_mode", 0))
        if ceil_mode != 0:
            raise QnncError(f"ceil_mode {ceil_mode} is not supported (only 0)", node.name,
                            node.op_type)
        props = self._window_attrs(node, a, None)
        props["ceil_mode"] = IntegerAttr(ceil_mode, 64)
        return quant.MaxPoolOp.build(operands=[self.value(node.input[0], node)],
                                     result_types=[self.out_type(node)], properties=props)

    def importers(self) -> dict[str, Callable]:
        return {
            "Quant": self.import_quant, "IntQuant": self.import_quant,
            "BipolarQuant": self.import_bipolar_quant,
            "Trunc": self.import_trunc,
            "MultiThreshold": self.import_multithreshold,
            "Add": self._binary(quant.AddOp), "Sub": self._binary(quant.SubOp),
            "Mul": self._binary(quant.MulOp), "Div": self._binary(quant.DivOp),
            "MatMul": self.import_matmul, "Gemm": self.import_gemm,
            "BatchNormalization": self.import_batchnorm,
            "Relu": self.import_relu, "Identity": self.import_identity,
            "Reshape": self.import_reshape, "Flatten": self.import_reshape,
            "Squeeze": self.import_reshape, "Unsqueeze": self.import_reshape,
            "Transpose": self.import_transpose,
            "Conv": self.import_conv, "MaxPool": self.import_maxpool,
        }

    # -- driver -----------------------------------------------------------------------------------

    def run(self) -> ModuleOp:
        graph = self.graph
        inputs = [i for i in graph.input if i.name not in self.inits]
        in_types = [self.tensor_type(i.name) for i in inputs]
        out_types = [self.tensor_type(o.name) for o in graph.output]
        block = Block(arg_types=in_types)
        for arg, i in zip(block.args, inputs):
            arg.name_hint = _ssa_name(i.name)
            self.values[i.name] = arg
        self.builder = Builder(InsertPoint.at_end(block))
        finn_annotations.check_initializers(graph)
        for name, ct in finn_annotations.input_types(graph).items():
            self.values[name] = self.annotate(self.values[name], name, ct)
        table = self.importers()
        for node in graph.node:
            if node.domain not in ("", "ai.onnx") + QONNX_DOMAINS:
                raise QnncError(f"unsupported op domain '{node.domain}'", node.name, node.op_type)
            imp = table.get(node.op_type)
            if imp is None and node.domain in ("", "ai.onnx"):
                imp = self.import_host_node
            if imp is None:
                raise QnncError(f"op type '{node.op_type}' is not supported by qnnc yet",
                                node.name, node.op_type)
            op = imp(node, self.attrs(node))
            self.emit(node, op)
        outs = [self.value(o.name, None) for o in graph.output]
        self.builder.insert(func.ReturnOp(*outs))
        fn = func.FuncOp("main", (in_types, out_types), Region(block))
        return ModuleOp([fn])


def _ssa_name(name: str) -> str:
    cleaned = "".join(c if c.isascii() and (c.isalnum() or c == "_") else "_" for c in name)
    return cleaned if cleaned and not cleaned[0].isdigit() else f"v{cleaned}"


def import_model(model) -> ModuleOp:
    """Import a cleaned qonnx ModelWrapper into a verified `quant`-level module."""
    module = _Importer(model).run()
    module.verify()
    return module
