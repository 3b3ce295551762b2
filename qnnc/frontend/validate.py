"""Model-level validation: refuse unsupported or inconsistent models with a clear `QnncError`
before any of it reaches qonnx's cleanup, the importer or a pass.

Every check here is a pure function over an ONNX `ModelProto` (or, after cleanup, the qonnx
`ModelWrapper` around one) that either returns or raises a `QnncError` naming the node or tensor
it is about. They exist because the stages after them assume what these functions establish
(reading the file safely is `load.py`'s job):

* `validate_model` (before cleanup): only ONNX and QONNX domains; every edge has a producer;
  one graph input (static shape) and one output computed from it; nodes that match their schemas (inputs,
  attribute types; qonnx's declarations for custom ops; known rounding modes); shapes consistent
  under ONNX's strict shape inference, and nothing inferred too large to allocate (qonnx's
  constant folding executes nodes, so a `ConstantOfShape([2**40])` must be refused before it
  runs).
* `validate_cleaned` (after cleanup, when computed shapes and quantizer parameters are
  initializers): shapes again, and bit widths, scales and zero points that the QONNX semantics
  and qnnc's integer lowering can represent.
* `check_has_quantizer` and `check_batch_one`, which the driver applies only when compiling past
  the `quant` level (that level imports float and batched networks too).
"""

from __future__ import annotations

import math
import re

import numpy as np
import onnx
from onnx import TensorProto

from qnnc.diagnostics import QnncError
from qnnc.frontend.load import exception_text, check_tensor_sizes, static_dims

MAX_BITS = 32
"""Widest quantizer qnnc accepts (integer codes are carried in int64 and accumulated wider)."""

QONNX_DOMAINS = ("qonnx.custom_op.general", "finn.custom_op.general", "finn", "onnx.brevitas")
ONNX_DOMAINS = ("", "ai.onnx")
QUANTIZERS = ("Quant", "IntQuant", "BipolarQuant", "Trunc", "MultiThreshold")
ROUNDING_MODES = ("ROUND", "HALF_EVEN", "CEIL", "FLOOR", "UP", "DOWN", "HALF_UP", "HALF_DOWN")

DATA_MOVEMENT_OPS = frozenset((
    "Identity", "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Transpose", "Shape", "Gather",
    "Concat", "Constant", "Cast", "Slice", "Split", "Expand", "ConstantOfShape"))
"""Ops that move or describe data without computing on it: not 'the first float compute op'."""


# ----------------------------------------------------------------------------------------------
# Graph structure
# ----------------------------------------------------------------------------------------------


def check_edges(graph: onnx.GraphProto) -> None:
    """Every node input is a graph input, an initializer or another node's output, and each
    tensor has one producer: the importer and qonnx's cleanup assume a well-formed graph."""
    known = {i.name for i in graph.input} | {i.name for i in graph.initializer}
    known |= {s.values.name for s in graph.sparse_initializer}
    seen: set[str] = set()
    for node in graph.node:
        for x in node.input:
            if x and x not in known:
                raise QnncError(f"input '{x}' is not produced by any node, graph input or "
                                f"initializer", node.name or "?", node.op_type)
        for o in node.output:
            if o and (o in seen or o in known):
                raise QnncError(f"tensor '{o}' has more than one producer", node.name or "?",
                                node.op_type)
            seen.add(o)
        known |= set(node.output)
    for o in graph.output:
        if o.name not in known:
            raise QnncError(f"graph output '{o.name}' is not produced by any node")


FIXED_UP_OPS = ("Quant", "Trunc", "BipolarQuant")
"""QONNX ops that `load_and_clean` moves into the QONNX domain whatever domain they come with
(qonnx's own fix-up), so a default-domain `Quant` is a QONNX Quant, not an unknown ONNX op."""


def is_qonnx_op(node: onnx.NodeProto) -> bool:
    """A node qnnc reads as a QONNX/FINN custom op (checked against qonnx, not onnx)."""
    return node.domain in QONNX_DOMAINS or node.op_type in FIXED_UP_OPS


def check_output_depends_on_input(graph: onnx.GraphProto) -> None:
    """The graph output must be computed from the graph input: a constant output is folded
    away by qonnx's cleanup and leaves nothing to compile (or import). Assumes `check_edges`
    and `check_io` passed."""
    producer = {o: n for n in graph.node for o in n.output if o}
    data_in = {i.name for i in graph_inputs(graph)}
    out = graph.output[0].name
    seen, todo = set(), [out]
    while todo:
        t = todo.pop()
        if t in data_in:
            return
        if t in seen or t not in producer:
            continue
        seen.add(t)
        todo += [x for x in producer[t].input if x]
    node = producer.get(out)
    raise QnncError(f"graph output '{out}' does not depend on the graph input (it is a "
                    f"constant); qnnc compiles a function of the input",
                    node.name if node else None, node.op_type if node else None)


def check_domains(model: onnx.ModelProto) -> None:
    """Only standard ONNX and QONNX/FINN custom ops: qonnx's shape inference would fail on any
    other custom op with an error that names no node."""
    for node in model.graph.node:
        if node.domain not in ONNX_DOMAINS + QONNX_DOMAINS and node.op_type not in FIXED_UP_OPS:
            raise QnncError(f"unsupported op domain '{node.domain}' (qnnc reads standard ONNX "
                            f"and QONNX ops)", node.name or "?", node.op_type)
        if node.domain in QONNX_DOMAINS and not _known_custom_op(node):
            raise QnncError(f"op type '{node.op_type}' of domain '{node.domain}' is not "
                            f"supported by qnnc", node.name or "?", node.op_type)
        if any(a.type == onnx.AttributeProto.GRAPH or a.type == onnx.AttributeProto.GRAPHS
               for a in node.attribute):
            raise QnncError("control flow (subgraphs) is not supported", node.name or "?",
                            node.op_type)


def _known_custom_op(node: onnx.NodeProto) -> bool:
    """A QONNX quantizer, or any op qonnx itself can execute and infer shapes for (the importer
    then says whether qnnc supports it)."""
    if node.op_type in QUANTIZERS:
        return True
    from qonnx.custom_op import registry

    try:
        return bool(registry.is_custom_op(node.domain, node.op_type))
    except Exception:
        return False


def graph_inputs(graph: onnx.GraphProto) -> list[onnx.ValueInfoProto]:
    """Graph inputs that are not initializers (old exporters list weights as inputs too)."""
    inits = {i.name for i in graph.initializer}
    return [i for i in graph.input if i.name not in inits]


def check_io(model: onnx.ModelProto) -> None:
    """One data input and one output, each a float tensor, the input with a static shape: the
    accelerator streams frames from one input stream to one output stream."""
    g = model.graph
    ins = graph_inputs(g)
    for what, vs in (("input", ins), ("output", list(g.output))):
        if len(vs) != 1:
            names = ", ".join(f"'{v.name}'" for v in vs) or "none"
            raise QnncError(f"the model has {len(vs)} graph {what}s ({names}); qnnc supports "
                            f"exactly one input and one output")
    for what, v in (("input", ins[0]), ("output", g.output[0])):
        if v.type.WhichOneof("value") != "tensor_type":
            raise QnncError(f"graph {what} '{v.name}' is not a tensor")
        if what == "input" and v.type.tensor_type.elem_type not in (TensorProto.FLOAT,
                                                                     TensorProto.FLOAT16,
                                                                     TensorProto.DOUBLE):
            raise QnncError(f"graph input '{v.name}' has element type "
                            f"{TensorProto.DataType.Name(v.type.tensor_type.elem_type)}; qnnc "
                            f"takes a float input")
    dims = static_dims(ins[0])
    if dims is None or not dims:
        raise QnncError(f"graph input '{ins[0].name}' has no shape; qnnc needs a static shape")
    for d in dims:
        if not isinstance(d, int) or d <= 0:
            raise QnncError(f"graph input '{ins[0].name}' has shape {dims}: symbolic or "
                            f"non-positive dimension {d!r}; qnnc needs a static shape "
                            f"(re-export with fixed dimensions)")


def check_batch_one(model: onnx.ModelProto) -> None:
    """The hardware streams one frame at a time: a graph input with a batch dimension other
    than 1 is refused, naming the input, before any pass sees it. (The `quant` level and its
    interpreter take any batch, so this is checked only when compiling to hardware.)"""
    inp = graph_inputs(model.graph)[0]
    dims = static_dims(inp) or []
    if len(dims) > 1 and dims[0] != 1:
        raise QnncError(f"graph input '{inp.name}' has batch size {dims[0]} (shape {dims}); "
                        f"qnnc compiles for batch 1 (re-export with batch size 1)")


def check_has_quantizer(model: onnx.ModelProto) -> None:
    """qnnc maps quantized layers to hardware; a float network would be compiled to nothing, so
    it is refused naming the first op that computes in float. (Checked when compiling past the
    `quant` level, which imports any supported network, float or not.)"""
    from qnnc.frontend.annotations import annotations, code_type

    nodes = model.graph.node
    if any(n.op_type in QUANTIZERS for n in nodes):
        return
    def integer(dtype: str) -> bool:
        try:
            return code_type(dtype) is not None
        except ValueError:  # an unknown datatype is reported where the annotation is read
            return True

    if any(integer(dtype) for dtype in annotations(model.graph).values()):
        return  # FINN-ONNX: tensors annotated with an integer datatype are quantized
    compute = next((n for n in nodes if n.op_type not in DATA_MOVEMENT_OPS), None)
    if compute is None:
        raise QnncError("qnnc compiles quantized networks; this model has no quantizer "
                        "(Quant, BipolarQuant, Trunc or MultiThreshold) and no compute op")
    raise QnncError(f"qnnc compiles quantized networks; the first float compute op is "
                    f"'{compute.name}' ({compute.op_type}) and the model has no quantizer "
                    f"(Quant, BipolarQuant, Trunc or MultiThreshold)", compute.name or "?",
                    compute.op_type)


def check_shapes(model: onnx.ModelProto) -> None:
    """Run ONNX's strict shape inference (QONNX quantizers stand in as Identity, which has
    their shape) and refuse inconsistent shapes, naming the node, and any inferred tensor over
    load.MAX_ELEMENTS: qonnx's constant folding would allocate it."""
    probe = onnx.ModelProto()
    probe.CopyFrom(model)
    for node in probe.graph.node:
        if is_qonnx_op(node):
            x = node.input[0] if node.input else ""
            del node.input[:]
            del node.attribute[:]
            node.input.append(x)
            del node.output[1:]
            node.op_type, node.domain = "Identity", ""
    try:
        inferred = onnx.shape_inference.infer_shapes(probe, strict_mode=True, data_prop=True)
    except Exception as e:
        raise _shape_error(model, e)
    check_tensor_sizes(inferred)
    _check_inferred_output_dims(inferred)


def _check_inferred_output_dims(model: onnx.ModelProto) -> None:
    """A shape inferred with a zero or negative dimension is a model error (an empty tensor)."""
    for vi in list(model.graph.value_info) + list(model.graph.output):
        dims = static_dims(vi)
        if dims and any(isinstance(d, int) and d == 0 for d in dims):
            raise QnncError(f"tensor '{vi.name}' has an empty shape {dims}")


def _shape_error(model: onnx.ModelProto, e: Exception) -> QnncError:
    """A QnncError for an ONNX inference error: its first per-node error, naming that node with
    its real op type (quantizers stood in as Identity in the probe)."""
    msg = exception_text(e)
    tag = re.compile(r"\[\w+Error\]\s*")
    first = re.search(r"\(op_type:\w*, node name: (.*?)\): (.*?)(?= \(op_type:\w*, node name: |$)",
                      msg)
    if first:
        node = next((n for n in model.graph.node if n.name == first.group(1)), None)
        if node is not None:
            reason = tag.sub("", first.group(2)).strip()
            return QnncError(f"inconsistent shapes or types: {reason}", node.name, node.op_type)
    return QnncError(f"inconsistent shapes or types: {tag.sub('', msg)}")


def check_schemas(model: onnx.ModelProto) -> None:
    """Every standard node has the inputs, outputs and attribute types its ONNX schema (at the
    model's opset) defines, and every initializer holds the data its shape declares (onnx's
    checker, node by node: custom ops are `check_custom_ops`' job): the importer and qonnx's
    cleanup index inputs and read attributes assuming the schema holds."""
    from onnx import checker

    opsets = {o.domain: o.version for o in model.opset_import}
    if "" not in opsets and "ai.onnx" not in opsets:
        raise QnncError("the model imports no ONNX opset (opset_import lacks the default "
                        "domain), so its standard ops have no defined meaning")
    ctx = checker.C.CheckerContext()
    ctx.ir_version = min(model.ir_version or onnx.IR_VERSION, onnx.IR_VERSION)
    ctx.opset_imports = {("" if d == "ai.onnx" else d): v for d, v in opsets.items()}
    scope = checker.C.LexicalScopeContext()
    for t in model.graph.initializer:
        if t.data_location != TensorProto.EXTERNAL:
            try:
                checker.check_tensor(t, ctx)
            except Exception as e:
                raise QnncError(f"initializer '{t.name}' is invalid: {_checker_reason(e)}")
    for node in model.graph.node:
        if not is_qonnx_op(node):
            try:
                checker.check_node(node, ctx, scope)
            except Exception as e:
                raise QnncError(f"invalid node: {_checker_reason(e)}", node.name or "?",
                                node.op_type)


def _checker_reason(e: Exception) -> str:
    """The first part of an onnx checker message (before its '==> Context' trailer)."""
    return exception_text(Exception(str(e).split("==>")[0])) or exception_text(e)


QONNX_ARITY = {"Quant": (4, 4), "IntQuant": (4, 4), "BipolarQuant": (2, 2), "Trunc": (5, 6),
               "MultiThreshold": (2, 2)}
"""(min, max) inputs of each QONNX quantizer: its parameters are positional inputs."""

_ATTR_TYPES = {"i": onnx.AttributeProto.INT, "f": onnx.AttributeProto.FLOAT,
               "s": onnx.AttributeProto.STRING, "ints": onnx.AttributeProto.INTS,
               "floats": onnx.AttributeProto.FLOATS, "strings": onnx.AttributeProto.STRINGS,
               "t": onnx.AttributeProto.TENSOR}


def check_custom_ops(model: onnx.ModelProto) -> None:
    """QONNX nodes have their number of inputs and one output, and attributes of the types
    qonnx declares for them (`get_nodeattr_types`): onnx's checker cannot see custom ops."""
    for node in model.graph.node:
        if not is_qonnx_op(node):
            continue
        lo, hi = QONNX_ARITY.get(node.op_type, (0, 1 << 30))
        if not lo <= len(node.input) <= hi or (lo and not all(node.input)):
            want = f"{lo}" if lo == hi else f"{lo} or {hi}"
            raise QnncError(f"takes {want} inputs, got {len(node.input)}", node.name or "?",
                            node.op_type)
        if len(node.output) != 1 or not node.output[0]:
            raise QnncError(f"must have exactly one output, got {len(node.output)}",
                            node.name or "?", node.op_type)
        declared = _nodeattr_types(node)
        for a in node.attribute:
            if a.name in declared and _ATTR_TYPES.get(declared[a.name][0]) not in (None, a.type):
                raise QnncError(f"attribute '{a.name}' has type "
                                f"{onnx.AttributeProto.AttributeType.Name(a.type)}, qonnx "
                                f"expects {declared[a.name][0]}", node.name or "?", node.op_type)


def _nodeattr_types(node: onnx.NodeProto) -> dict:
    """qonnx's declared attributes of a custom op ({} if qonnx cannot instantiate it)."""
    from qonnx.custom_op.registry import getCustomOp

    try:
        return dict(getCustomOp(node).get_nodeattr_types())
    except Exception:
        return {}


def validate_model(model: onnx.ModelProto) -> None:
    """All checks on the loaded model, before qonnx's cleanup touches it (order matters: each
    check may assume the ones before it passed)."""
    check_domains(model)
    check_edges(model.graph)
    check_io(model)
    check_output_depends_on_input(model.graph)
    check_custom_ops(model)
    check_quantizer_attributes(model)
    check_schemas(model)
    check_shapes(model)


# ----------------------------------------------------------------------------------------------
# Quantizers (after cleanup: parameters are initializers)
# ----------------------------------------------------------------------------------------------


def check_quantizer_attributes(model: onnx.ModelProto) -> None:
    """Rounding modes and the signed/narrow flags of every quantizer are ones QONNX defines."""
    for node in model.graph.node:
        if node.op_type not in QUANTIZERS or node.op_type == "MultiThreshold":
            continue
        for a in node.attribute:
            v = onnx.helper.get_attribute_value(a)
            if a.name == "rounding_mode":
                mode = v.decode(errors="replace") if isinstance(v, bytes) else str(v)
                if mode.upper() not in ROUNDING_MODES:
                    raise QnncError(f"unknown rounding mode '{mode}' (QONNX defines "
                                    f"{', '.join(ROUNDING_MODES)})", node.name or "?", node.op_type)
            elif a.name in ("signed", "narrow") and (not isinstance(v, int) or v not in (0, 1)):
                raise QnncError(f"attribute '{a.name}' must be 0 or 1, got {v!r}",
                                node.name or "?", node.op_type)


QUANT_PARAMS = {  # op type → (input index, parameter name) of its constant parameters
    "Quant": ((1, "scale"), (2, "zero point"), (3, "bit width")),
    "IntQuant": ((1, "scale"), (2, "zero point"), (3, "bit width")),
    "BipolarQuant": ((1, "scale"),),
    "Trunc": ((1, "scale"), (2, "zero point"), (3, "input bit width")),
}


def validate_cleaned(mw) -> None:
    """Checks on the cleaned qonnx ModelWrapper: constant folding has turned computed shapes
    and quantizer parameters into initializers, so shapes can be checked again (a Reshape whose
    target was computed, a declared output shape contradicting the graph) and parameters read."""
    check_shapes(mw.model)
    validate_quantizers(mw)


def validate_quantizers(mw) -> None:
    """Quantizer parameters that QONNX's formulas and qnnc's integer lowering can represent:
    scales finite and non-zero, bit widths integers in 1..MAX_BITS, zero points integers
    inside the code range. `mw` is the cleaned qonnx ModelWrapper (parameters folded)."""
    opset = _qonnx_opset(mw.model)
    for node in mw.graph.node:
        params = dict((i, p) for i, p in QUANT_PARAMS.get(node.op_type, ()))
        if node.op_type == "Trunc":
            params[4 if opset < 2 else 5] = "output bit width"
            if opset >= 2 and len(node.input) > 4:
                params[4] = "output scale"
        values = {name: _const(mw, node, i) for i, name in params.items()}
        for name, v in values.items():
            if v is not None:
                _check_param(node, name, v)
        if node.op_type in ("Quant", "IntQuant"):
            _check_zero_point(node, values.get("zero point"), values.get("bit width"))


def _qonnx_opset(model: onnx.ModelProto) -> int:
    imports = {o.domain: o.version for o in model.opset_import}
    return next((imports[d] for d in QONNX_DOMAINS if d in imports), 1)


def _const(mw, node: onnx.NodeProto, i: int) -> np.ndarray | None:
    """Constant input i of node (None if absent or computed at run time)."""
    if i >= len(node.input) or not node.input[i]:
        if node.op_type in QUANT_PARAMS and i <= max(k for k, _ in QUANT_PARAMS[node.op_type]):
            raise QnncError(f"{node.op_type} is missing input {i}", node.name, node.op_type)
        return None
    v = mw.get_initializer(node.input[i])
    return None if v is None else np.asarray(v, dtype=np.float64)


def _check_param(node: onnx.NodeProto, name: str, v: np.ndarray) -> None:
    """One quantizer parameter: finite, and per its kind non-zero (scales) or an integer in
    1..MAX_BITS (bit widths)."""
    where = dict(node=node.name, op_type=node.op_type)
    if v.size == 0:
        raise QnncError(f"{name} is an empty tensor", **where)
    if not np.all(np.isfinite(v)):
        raise QnncError(f"{name} is not finite ({_show(v[~np.isfinite(v)])})", **where)
    if "scale" in name and np.any(v == 0):
        raise QnncError(f"{name} is 0; QONNX divides by it", **where)
    if "bit width" in name:
        if v.shape not in ((), (1,)):
            raise QnncError(f"{name} must be a scalar or of shape [1], got shape "
                            f"{list(v.shape)}", **where)
        b = float(v.reshape(-1)[0])
        if b != math.floor(b):
            raise QnncError(f"{name} {b:g} is not an integer", **where)
        if not 1 <= b <= MAX_BITS:
            raise QnncError(f"{name} {b:g} is outside 1..{MAX_BITS}", **where)


def _check_zero_point(node: onnx.NodeProto, z: np.ndarray | None, bits: np.ndarray | None) -> None:
    """A Quant zero point is an integer of the quantizer's storage type (as ONNX's
    QuantizeLinear requires of its zero point; `narrow` restricts the codes, not the zero
    point): the integer datapath subtracts it from codes exactly only then."""
    if z is None:
        return
    if np.any(z != np.floor(z)):
        raise QnncError(f"zero point {_show(z)} is not an integer", node.name, node.op_type)
    if bits is None:
        return
    b = int(bits.reshape(-1)[0])
    attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
    signed = bool(attrs.get("signed", 1))
    lo, hi = (-(2 ** (b - 1)), 2 ** (b - 1) - 1) if signed else (0, 2**b - 1)
    if b == 1 and signed:  # QONNX's bipolar special case: codes -1 and +1
        lo, hi = -1, 1
    if np.any(z < lo) or np.any(z > hi):
        raise QnncError(f"zero point {_show(z)} is outside the range [{lo}, {hi}] of a "
                        f"{b}-bit {'signed' if signed else 'unsigned'} integer", node.name,
                        node.op_type)


def _show(v: np.ndarray) -> str:
    flat = np.asarray(v).reshape(-1)
    s = ", ".join(f"{x:g}" for x in flat[:4])
    return s + (", ..." if flat.size > 4 else "")
