"""Per-layer and whole-design figures read off the folded dataflow IR (`out/report.json`)."""

from __future__ import annotations

from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp, StringAttr
from xdsl.ir import Attribute, BlockArgument, OpResult

from qnnc.diagnostics import node_name, onnx_op_type
from qnnc.dialects import dataflow, quant, resources
from qnnc.diagnostics import QnncError

UNIT_LATENCY = 2
"""Registers between a unit's input and output beyond its compute cycles (output register and
skid in the library cells); used by the latency estimate."""


def type_name(t: Attribute) -> str:
    if isinstance(t, quant.BipolarType):
        return "bipolar"
    lo, _ = quant.code_range(t)
    return f"{'int' if lo < 0 else 'uint'}{t.width.data}"


def _core(module: ModuleOp) -> func.FuncOp:
    return next(f for f in module.ops if isinstance(f, func.FuncOp) and f.sym_name.data == "core")


def layer_report(u) -> dict:
    """One unit's figures (any of `dataflow.UNIT_OPS`)."""
    i, o = u.in_type, u.out_type
    entry = {"name": node_name(u), "onnx_op": onnx_op_type(u), "op": u.name,
             "in_elements": i.n, "out_elements": o.n,
             "in_type": type_name(i.element_type), "out_type": type_name(o.element_type),
             "in_lanes": i.p, "out_lanes": o.p, "cycles": u.cycles()}
    if isinstance(u, dataflow.MVAUOp):
        entry.update(mw=u.mw, mh=u.mh, pe=u.pe.value.data, simd=u.simd.value.data,
                     pipeline_latency=u.pipeline_latency(),
                     weight_type=type_name(u.weight_type), acc_type=type_name(u.acc_type),
                     thresholds=u.n_thresholds(), binary_xnor=u.binary_xnor())
    elif isinstance(u, dataflow.ThresholdOp):
        entry.update(pe=u.pe.value.data, thresholds=quant.tensor_shape(u.thresholds.type)[1])
    elif isinstance(u, dataflow.FifoOp):
        entry.update(depth=u.depth.value.data)
    elif isinstance(u, dataflow.SwgOp):
        entry.update(simd=u.simd.value.data, parallel_window=u.parallel_window(),
                     ifm=list(dataflow.array_ints(u.ifm)),
                     kernel=list(dataflow.array_ints(u.kernel)),
                     strides=list(dataflow.array_ints(u.strides)),
                     dilations=list(dataflow.array_ints(u.dilations)), channels=u.channels)
    elif isinstance(u, dataflow.PadOp):
        entry.update(pe=u.pe.value.data, ifm=list(dataflow.array_ints(u.ifm)),
                     pads=list(dataflow.array_ints(u.pads)), value=u.value.value.data)
    elif isinstance(u, dataflow.PoolOp):
        entry.update(pe=u.pe.value.data, mode=u.mode.data, window=u.window.value.data,
                     channels=u.channels)
    elif isinstance(u, dataflow.AddOp):
        entry.update(pe=u.pe.value.data, ka=u.ka.value.data, kb=u.kb.value.data,
                     acc_type=type_name(u.acc_type), thresholds=u.n_thresholds())
    if isinstance(u, dataflow.MVAUOp) and u.n_thresholds():
        entry["activation"] = activation_record(u)
    if isinstance(u, dataflow.MVAUOp) and u.vectors > 1:
        entry.update(vectors=u.vectors)
    est = u.resources()
    entry["resources"] = est.resources.as_dict()
    if est.memories:
        entry["memories"] = [m.as_dict() for m in est.memories]
    return entry


def activation_record(u: dataflow.MVAUOp) -> dict:
    """How the MVAU's thresholds are computed in hardware and why (`dataflow-choose-activation`
    records it as `qnnc.activation`): `kind` "thresholds" or "multiply-shift", `reason`, and
    where a requantizer exists both estimates (`luts_thresholds`, `luts_requant`, DSPs, area),
    `mult_bits`, `offset_bits` and `shift`."""
    attr = u.attributes.get("qnnc.activation")
    if attr is None:
        return {"kind": "multiply-shift" if u.requant() is not None else "thresholds"}
    return {k: v.data if isinstance(v, StringAttr) else v.value.data for k, v in attr.data.items()}


HOST_COMPUTE_OPS = (quant.MatMulOp, quant.GemmOp)


def _why_on_host(layer) -> str:
    """Why a matrix product was not made an integer layer, read off what feeds its input
    (through reshapes and elementwise ops): per-channel activation scales, or a quantizer that
    stayed in float."""
    v = layer.operands[0]
    for _ in range(64):
        if not isinstance(v, OpResult):
            if isinstance(v, BlockArgument) and v.owner.parent_op().sym_name.data == "pre":
                return ("its input is the model's float input, with no quantizer or datatype "
                        "annotation before this layer (the accelerator starts at the first "
                        "quantizer after it)")
            break
        op = v.op
        if isinstance(op, quant.DequantizeOp):
            if quant.tensor_shape(op.scale) and max(quant.tensor_shape(op.scale)) > 1:
                return (f"its input is quantized by '{node_name(op)}' ({onnx_op_type(op)}) with "
                        "per-channel scales, so the product cannot be an integer one")
            break
        if isinstance(op, quant.AnnotateOp) and "unfolded" in op.attributes:
            bad = op.attributes["unfolded"].data
            return (f"its input '{node_name(op)}' is annotated {op.datatype.data}, but node "
                    f"'{bad}' after it does not fold exactly into the codes' scale and zero point")
        if isinstance(op, quant.QONNX_QUANTIZER_OPS):
            return (f"its input quantizer '{node_name(op)}' ({onnx_op_type(op)}) could not be "
                    "made an integer threshold")
        if not op.operands:
            break
        v = op.operands[0]
    return "its input is not an integer tensor with one per-tensor scale"


def host_layers(module: ModuleOp) -> list[dict]:
    """Compute layers (matrix products) left in the host functions, which therefore run in
    float32 on the CPU rather than on the accelerator, each with the reason (`_why_on_host`)."""
    out = []
    for f in module.ops:
        if not (isinstance(f, func.FuncOp) and f.sym_name.data in ("pre", "post")):
            continue
        for op in f.body.block.ops:
            if isinstance(op, HOST_COMPUTE_OPS):
                out.append({"name": node_name(op), "onnx_op": onnx_op_type(op),
                            "function": f.sym_name.data, "reason": _why_on_host(op)})
    return out


HOST_PLUMBING = (quant.ConstOp, quant.QuantizeOp, quant.DequantizeOp, func.ReturnOp)


def host_ops(module: ModuleOp) -> list[dict]:
    """The ONNX nodes that run on the host, in `host/pre.onnx` or `host/post.onnx` (input
    normalisation, Softmax heads, layers left in float; not the codes conversion itself)."""
    out = []
    for f in module.ops:
        if isinstance(f, func.FuncOp) and f.sym_name.data in ("pre", "post"):
            out += [{"name": node_name(op), "onnx_op": onnx_op_type(op),
                     "function": f.sym_name.data}
                    for op in f.body.block.ops if not isinstance(op, HOST_PLUMBING)]
    return out


RESOURCES_NOTE = ("estimate of yosys synth_xilinx (Xilinx 7-series) of the Verilog; LUTs count "
                  "LUT6 sites incl. LUT RAM; see docs/design.md for the measured error")


def folding_outcome(module: ModuleOp) -> dict:
    """dataflow-fold's record on @core (`qnnc.folding`): target and achieved cycles per frame,
    `target_met`, the limiting unit when missed, frames/s when a rate was asked for."""
    attr = _core(module).attributes.get("qnnc.folding")
    if attr is None:
        return {}
    out: dict = {}
    for k, v in attr.data.items():
        if hasattr(v, "value") and hasattr(v.value, "data"):  # IntegerAttr / FloatAttr / bool
            out[k] = bool(v.value.data) if k == "target_met" else v.value.data
        elif hasattr(v, "data") and isinstance(v.data, str):
            out[k] = v.data
        else:
            out[k] = [w.data for w in v.data]
    if "clock_mhz" in out:
        hz = out["clock_mhz"] * 1e6
        out["achieved_fps"] = hz / out["achieved_cycles"]
    return out


BUDGET_KEYS = {"lut": "lut", "ff": "ff", "bram": "bram18", "bram18": "bram18", "dsp": "dsp"}


def parse_budget(text: str) -> tuple[tuple[str, int], ...]:
    """`lut=50000,bram=100,dsp=0` → ((resource, limit), ...)."""
    out = {}
    for item in filter(None, (t.strip() for t in text.split(","))):
        key, _, val = item.partition("=")
        key = key.strip().lower()
        if key not in BUDGET_KEYS or not val.strip().isdigit():
            raise QnncError(f"--budget: '{item}' is not <resource>=<count> with resource one "
                            f"of lut, ff, bram, dsp")
        out[BUDGET_KEYS[key]] = int(val)
    return tuple(out.items())


def check_budget(report: dict, budget: tuple[tuple[str, int], ...]) -> None:
    """A user error when the design's estimated totals exceed the budget: by how much, and what
    the least-area design meeting the target (the one folded) needs."""
    need = report["resources"]
    over = [f"{k} {need[k]} > {lim} (by {need[k] - lim}, {100 * (need[k] - lim) / max(lim, 1):.0f} %)"
            for k, lim in budget if need[k] > lim]
    if over:
        f = report.get("folding", {})
        raise QnncError(
            f"the design exceeds the resource budget: {'; '.join(over)}. The least-area "
            f"folding meeting {f.get('target_cycles', report['cycles_per_frame'])} cycles/frame "
            f"needs lut={need['lut']}, ff={need['ff']}, bram18={need['bram18']}, "
            f"dsp={need['dsp']} (estimate, FIFOs and width converters included); raise the "
            f"budget or lower the target (--target-cycles/--target-fps)")


PLUMBING = ("dataflow.fifo", "dataflow.dwc", "dataflow.fork")
"""Units that only move elements; the others are the design's layers."""


def design_report(module: ModuleOp) -> dict:
    """Layers in stream order, cycles per frame (the slowest unit) and a latency estimate (every
    unit's cycles plus its registers, as if nothing overlapped: an upper bound)."""
    units = [o for o in _core(module).body.block.ops if isinstance(o, dataflow.UNIT_OPS)]
    entries = [layer_report(u) for u in units]
    compute = [e for e in entries if e["op"] not in PLUMBING]
    plumbing = [e for e in entries if e not in compute]
    totals = resources.total(resources.Resources(**e["resources"]) for e in entries)
    to = next(o for o in _core(module).body.block.ops if isinstance(o, dataflow.ToStreamOp))
    frm = next(o for o in _core(module).body.block.ops if isinstance(o, dataflow.FromStreamOp))
    return {
        "layers": compute,
        "host_layers": host_layers(module),
        "host_ops": host_ops(module),
        "fifos_and_width_converters": plumbing,
        "cycles_per_frame": max(e["cycles"] for e in entries),
        "folding": folding_outcome(module),
        "resources": {**totals.as_dict(), "estimate": RESOURCES_NOTE},
        "latency_cycles": sum(e["cycles"] + UNIT_LATENCY for e in compute)
                          + sum(u.pipeline_latency() for u in units
                                if isinstance(u, dataflow.MVAUOp)),
        "input_stream": {"elements": to.output.type.n, "lanes": to.output.type.p,
                         "element_type": type_name(to.output.type.element_type),
                         "element_bits": to.output.type.element_bits()},
        "output_stream": {"elements": frm.input.type.n, "lanes": frm.input.type.p,
                          "element_type": type_name(frm.input.type.element_type),
                          "element_bits": frm.input.type.element_bits()},
        "stream_graph": stream_graph(units, frm),
    }


def stream_graph(units: list, frm: dataflow.FromStreamOp) -> dict:
    """The units as a DAG: `units` [name, op] in stream order (the order of `layers` and
    `fifos_and_width_converters` merged), `edges` [from, to] by index into `units`, "input"
    the accelerator's input stream and "output" its output (forks have two readers, joins two
    producers)."""
    index = {u: i for i, u in enumerate(units)}
    edges: list[list] = []
    for i, u in enumerate(units):
        for v in u.operands:
            if isinstance(v, OpResult) and v.op in index:
                edges.append([index[v.op], i])
            elif isinstance(v, OpResult) and isinstance(v.op, dataflow.ToStreamOp):
                edges.append(["input", i])
    if isinstance(frm.input, OpResult) and frm.input.op in index:
        edges.append([index[frm.input.op], "output"])
    return {"units": [[node_name(u), u.name] for u in units], "edges": edges}
