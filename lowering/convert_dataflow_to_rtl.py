"""convert-dataflow-to-rtl: streaming units become hardware modules (dataflow → rtl).

Preconditions: `@core` is folded and buffered: `dataflow.to_stream`, a graph of units,
`dataflow.from_stream`.

Postconditions:
* one `rtl.module` per MVAU, threshold or add unit, holding its ROMs (weights, thresholds,
  threshold directions, packed in the word layout of docs/hardware-interface.md) and one
  `rtl.cell` of the library (`rtl.CELLS`);
* units without ROMs (FIFOs, width converters, padding, window generators, pools, forks) are
  `rtl.cell`s placed directly in the top;
* `rtl.module @qnnc_top` connects them; `@core` is `rtl.to_stream → rtl.instance @qnnc_top →
  rtl.from_stream`. No `dataflow` op remains.

Strategy: one pattern per unit replaces it, inside `@core`, by its rtl instance between
`builtin.unrealized_conversion_cast`s (stream types differ across the levels); the boundary
patterns turn `to_stream`/`from_stream` (+ cast) into their rtl forms, and the casts between
two rtl ops cancel. Finally the rtl ops of `@core` are outlined into `@qnnc_top`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import (
    DictionaryAttr,
    FlatSymbolRefAttr,
    IntegerAttr,
    ModuleOp,
    StringAttr,
    UnrealizedConversionCastOp,
)
from xdsl.ir import Block, Operation, OpResult, Region, SSAValue
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    GreedyRewritePatternApplier,
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)
from xdsl.rewriter import InsertPoint, Rewriter

from qnnc.diagnostics import node_name, op_error
from qnnc.dialects import dataflow, quant, rtl
from qnnc.dialects.memory import rom_style

TOP = "qnnc_top"

# ----------------------------------------------------------------------------------------------
# Pure helpers: word layouts and parameters
# ----------------------------------------------------------------------------------------------


def rtl_stream(t: dataflow.StreamType) -> rtl.StreamType:
    return rtl.StreamType(rtl.from_code_type(t.element_type), t.n, t.p)


def elem_params(t, prefix: str) -> dict[str, int]:
    """`<prefix>_W`, `<prefix>_SIGNED`, `<prefix>_BIPOLAR` of an element type."""
    if isinstance(t, quant.BipolarType):
        return {f"{prefix}_W": 1, f"{prefix}_SIGNED": 0, f"{prefix}_BIPOLAR": 1}
    lo, _ = quant.code_range(t)
    return {f"{prefix}_W": t.width.data, f"{prefix}_SIGNED": int(lo < 0), f"{prefix}_BIPOLAR": 0}


def threshold_words(t: np.ndarray, pe: int) -> np.ndarray:
    """(NF, PE·K) ROM: word nf, lane p·K+k holds T[nf·PE+p][k]."""
    c, k = t.shape
    return t.reshape(c // pe, pe * k).astype(np.int64)


def never_threshold(width: int) -> tuple[np.ndarray, int]:
    """For a unit with no thresholds left (constant output): one threshold no value of `width`
    bits reaches, and the wider compare width that holds it."""
    return np.array([2 ** (width - 1)], dtype=np.int64), width + 1


def _rom(block_ops: list[Operation], words: np.ndarray, lane_width: int) -> SSAValue:
    rom = rtl.RomOp.build(
        properties={"data": quant.dense_from_numpy(words, quant.int_type(
                        int(words.min(initial=0)), int(words.max(initial=0)))),
                    "lane_width": IntegerAttr(lane_width, 64)},
        result_types=[rtl.RomType(words.shape[1] * lane_width, words.shape[0])])
    block_ops.append(rom)
    return rom.result


def place_roms(cell: rtl.CellOp) -> rtl.CellOp:
    """Give every ROM the read latency of the cell port reading it and, when it reads
    synchronously, the place it lives by the one rule (`memory.rom_style`): block RAM or LUTs.
    A ROM read combinationally can only be LUTs."""
    for port, v in cell.roms():
        if v is None or not isinstance(v.owner, rtl.RomOp):
            continue
        rom = v.owner
        style = "distributed"
        if port.latency:
            rom.properties["latency"] = IntegerAttr(port.latency, 64)
            style = rom_style(v.type.depth.data, v.type.width.data)
        rom.properties["style"] = StringAttr(style)
    return cell


def _params(d: dict[str, int]) -> DictionaryAttr:
    return DictionaryAttr({k: IntegerAttr(int(v), 32) for k, v in d.items()})


def _threshold_roms(ops: list[Operation], t: np.ndarray, desc: np.ndarray, pe: int,
                    width: int) -> tuple[list[SSAValue], int, int]:
    """ROMs of thresholds and directions; returns (roms, K, compare width)."""
    if t.shape[1] == 0:
        never, width = never_threshold(width)
        t = np.broadcast_to(never, (t.shape[0], 1))
    k = t.shape[1]
    return [_rom(ops, threshold_words(t, pe), width),
            _rom(ops, desc.reshape(-1, pe).astype(np.int64), 1)], k, width


def mvau_module(u: dataflow.MVAUOp, name: str) -> rtl.ModuleOp:
    """The rtl.module of one MVAU: weight ROM, the activation's ROMs (thresholds and
    directions, or with a multiply-shift its multipliers and offsets, ACT = 1) and a qnnc_mvau
    cell."""
    in_t, out_t = rtl_stream(u.in_type), rtl_stream(u.out_type)
    block = Block(arg_types=[in_t])
    ops: list[Operation] = []
    pe, simd = u.pe.value.data, u.simd.value.data
    wt = u.weight_type
    w = quant.dense_to_numpy(u.weights)
    acc_w = u.acc_type.width.data
    wbits = 1 if isinstance(wt, quant.BipolarType) else wt.width.data
    roms = [_rom(ops, dataflow.weight_words(w, pe, simd, isinstance(wt, quant.BipolarType)), wbits)]
    params = {"MW": u.mw, "MH": u.mh, "SIMD": simd, "PE": pe,
              **elem_params(u.in_type.element_type, "IN"), **elem_params(wt, "W")}
    r = u.requant()
    if r is not None:
        # the multiply-shift (dataflow-choose-activation): multipliers and offsets per output
        # channel, word nf lane p = row nf*PE+p, read at the thresholds' time
        nf = u.mh // pe
        m_w, b_w = r.mult_bits(), r.offset_bits()
        roms += [_rom(ops, r.mult.reshape(nf, pe), m_w), _rom(ops, r.offset.reshape(nf, pe), b_w)]
        oe = u.out_type.element_type
        params.update(ACC_W=u.compare_bits(), N_THRES=r.levels, OUT_W=oe.width.data,
                      OUT_BIAS=u.out_bias.value.data, ACT=1, M_W=m_w, B_W=b_w, SHIFT=r.shift)
    elif u.thresholds is not None:
        t = quant.dense_to_numpy(u.thresholds)
        desc = quant.dense_to_numpy(u.descending)
        if quant.code_range(u.acc_type)[0] >= 0:
            # qnnc_mvau compares accumulator and thresholds as signed ACC_W-bit numbers, so an
            # unsigned accumulator (unsigned inputs and weights) needs one more bit; with
            # ACC_W = its width, sums >= 2^(width-1) compared as negative. Found by
            # tests/property/test_lowerings.py.
            acc_w += 1
        troms, k, acc_w = _threshold_roms(ops, t, desc, pe, acc_w)
        roms += troms
        oe = u.out_type.element_type
        params.update(ACC_W=acc_w, N_THRES=k,
                      OUT_W=1 if isinstance(oe, quant.BipolarType) else oe.width.data,
                      OUT_BIAS=u.out_bias.value.data)
    else:
        params.update(ACC_W=acc_w, N_THRES=0, OUT_W=acc_w, OUT_BIAS=0)
    cell = rtl.CellOp.build(operands=[[block.args[0], *roms]], result_types=[[out_t]],
                            properties={"cell": StringAttr(rtl.MVAU.name),
                                        "instance_name": StringAttr("core"),
                                        "params": _params(params)})
    ops += [place_roms(cell), rtl.OutputOp.build(operands=[[cell.outputs[0]]])]
    block.add_ops(ops)
    return rtl.ModuleOp(name, [in_t], [out_t], Region(block))


def signed_compare_width(lo: int, hi: int, t: np.ndarray) -> int:
    """Bits of a signed number holding lo..hi and every threshold (cells compare signed)."""
    return quant.int_type(min(lo, int(t.min(initial=0)), -1), max(hi, int(t.max(initial=0)))).width.data


def add_module(u: dataflow.AddOp, name: str) -> rtl.ModuleOp:
    """The rtl.module of a residual add: two input ports, threshold ROMs, a qnnc_add cell."""
    a_t, b_t = rtl_stream(u.in_type), rtl_stream(u.rhs.type)
    out_t = rtl_stream(u.out_type)
    block = Block(arg_types=[a_t, b_t])
    ops: list[Operation] = []
    pe = u.pe.value.data
    lo, hi = u.acc_bounds()
    params: dict[str, int] = {"C": u.channels, "PE": pe}
    for key, t in (("A", u.in_type.element_type), ("B", u.rhs.type.element_type)):
        if isinstance(t, quant.BipolarType):
            raise op_error(u, "a residual add of bipolar codes is not supported yet")
        params[f"{key}_W"] = t.width.data
        params[f"{key}_SIGNED"] = int(quant.code_range(t)[0] < 0)
    params.update(KA=u.ka.value.data, KB=u.kb.value.data)
    roms: list[SSAValue] = []
    if u.thresholds is not None:
        t = quant.dense_to_numpy(u.thresholds)
        troms, k, acc_w = _threshold_roms(ops, t, quant.dense_to_numpy(u.descending), pe,
                                          signed_compare_width(lo, hi, t))
        roms += troms
        oe = u.out_type.element_type
        params.update(ACC_W=acc_w, N_THRES=k,
                      OUT_W=1 if isinstance(oe, quant.BipolarType) else oe.width.data,
                      OUT_BIAS=u.out_bias.value.data)
    else:
        acc_w = u.acc_type.width.data
        params.update(ACC_W=acc_w, N_THRES=0, OUT_W=acc_w, OUT_BIAS=0)
    cell = rtl.CellOp.build(operands=[[block.args[0], block.args[1], *roms]], result_types=[[out_t]],
                            properties={"cell": StringAttr("qnnc_add"),
                                        "instance_name": StringAttr("core"),
                                        "params": _params(params)})
    ops += [place_roms(cell), rtl.OutputOp.build(operands=[[cell.outputs[0]]])]
    block.add_ops(ops)
    return rtl.ModuleOp(name, [a_t, b_t], [out_t], Region(block))


def row_gather_sources(u: dataflow.UpsampleOp | dataflow.DepthToSpaceOp) -> np.ndarray:
    """For one input row of a row-gather unit, the input beat each output beat copies: the
    unit's own semantics applied to the element indices of a row, read back per beat (and
    checked to move whole beats, which the unit's lanes guarantee)."""
    p = u.pe.value.data
    row = np.arange(u.width * u.channels, dtype=np.int64).reshape(1, 1, u.width, u.channels)
    out = u.map_frames(row).reshape(-1, p)
    src = out[:, 0]
    if np.any(src % p) or np.any(out != src[:, None] + np.arange(p)[None, :]):
        raise AssertionError(f"{u.name} with {p} lanes does not move whole beats")
    return src // p


def row_gather_module(u: dataflow.UpsampleOp | dataflow.DepthToSpaceOp, name: str) -> rtl.ModuleOp:
    """The rtl.module of an upsampling or depth-to-space unit: a qnnc_rowmap cell over one
    input row at a time, with the ROM of source beats."""
    in_t, out_t = rtl_stream(u.in_type), rtl_stream(u.out_type)
    block = Block(arg_types=[in_t])
    ops: list[Operation] = []
    src = row_gather_sources(u)
    row_in = u.width * u.channels // u.pe.value.data
    rom = _rom(ops, src[:, None], max(1, (row_in - 1).bit_length()))
    params = {"ROW_IN": row_in, "ROW_OUT": len(src), "P": u.pe.value.data,
              "ELEM_W": rtl.bit_width(in_t.element_type)}
    cell = rtl.CellOp.build(operands=[[block.args[0], rom]], result_types=[[out_t]],
                            properties={"cell": StringAttr("qnnc_rowmap"),
                                        "instance_name": StringAttr("core"),
                                        "params": _params(params)})
    ops += [place_roms(cell), rtl.OutputOp.build(operands=[[cell.outputs[0]]])]
    block.add_ops(ops)
    return rtl.ModuleOp(name, [in_t], [out_t], Region(block))


def threshold_module(u: dataflow.ThresholdOp, name: str) -> rtl.ModuleOp:
    """The rtl.module of a standalone thresholding unit."""
    in_t, out_t = rtl_stream(u.in_type), rtl_stream(u.out_type)
    block = Block(arg_types=[in_t])
    ops: list[Operation] = []
    pe = u.pe.value.data
    t = quant.dense_to_numpy(u.thresholds)
    ie = u.in_type.element_type
    lo, hi = quant.code_range(ie)
    # qnnc_thres reads thresholds as signed T_W-bit numbers: take a signed width (min with -1)
    # even when inputs and thresholds are all non-negative, or thresholds >= 2^(T_W-1) would
    # read back negative (same fault as the unsigned MVAU accumulator above).
    tw = quant.int_type(min(lo, int(t.min(initial=0)), -1), max(hi, int(t.max(initial=0)))).width.data
    roms, k, tw = _threshold_roms(ops, t, quant.dense_to_numpy(u.descending), pe, tw)
    oe = u.out_type.element_type
    params = {"C": u.channels, "PE": pe, "IN_W": ie.width.data, "IN_SIGNED": int(lo < 0),
              "T_W": tw, "N_THRES": k,
              "OUT_W": 1 if isinstance(oe, quant.BipolarType) else oe.width.data,
              "OUT_BIAS": u.out_bias.value.data}
    cell = rtl.CellOp.build(operands=[[block.args[0], *roms]], result_types=[[out_t]],
                            properties={"cell": StringAttr(rtl.THRES.name),
                                        "instance_name": StringAttr("core"),
                                        "params": _params(params)})
    ops += [place_roms(cell), rtl.OutputOp.build(operands=[[cell.outputs[0]]])]
    block.add_ops(ops)
    return rtl.ModuleOp(name, [in_t], [out_t], Region(block))


# ----------------------------------------------------------------------------------------------
# Patterns
# ----------------------------------------------------------------------------------------------


def _cast(rewriter: PatternRewriter, v: SSAValue, t) -> SSAValue:
    c = UnrealizedConversionCastOp.get([v], [t])
    rewriter.insert(c)
    return c.results[0]


def _swap_unit(rewriter: PatternRewriter, u: Operation, new: Operation) -> None:
    """Replace unit u (dataflow types) by new (rtl types) between casts."""
    new.location = u.location
    rewriter.insert(new)
    backs = [UnrealizedConversionCastOp.get([r], [old.type])
             for r, old in zip(new.results, u.results)]
    for b in backs:
        rewriter.insert(b)
    rewriter.replace(u, [], [b.results[0] for b in backs])


def _cell(rewriter: PatternRewriter, u: Operation, cell: str, instance: str,
          params: dict[str, int]) -> None:
    """Replace a unit without ROMs by a library cell in place (its streams cast to rtl)."""
    ins = [_cast(rewriter, v, rtl_stream(v.type)) for v in u.operands]
    new = rtl.CellOp.build(operands=[ins], result_types=[[rtl_stream(r.type) for r in u.results]],
                           properties={"cell": StringAttr(cell),
                                       "instance_name": StringAttr(instance),
                                       "params": _params(params)})
    _swap_unit(rewriter, u, new)


@dataclass
class _ModuleSink:
    """Where unit patterns put the modules they create (the builtin.module's body)."""

    module: ModuleOp

    def add(self, m: rtl.ModuleOp) -> str:
        table = {o.sym_name.data for o in self.module.ops if isinstance(o, rtl.ModuleOp)}
        base, name, i = m.sym_name.data, m.sym_name.data, 1
        while name in table:
            name, i = f"{base}_{i}", i + 1
        m.properties["sym_name"] = StringAttr(name)
        self.module.body.block.add_op(m)
        return name


class MVAUToModulePattern(RewritePattern):
    """dataflow.mvau → rtl.instance of a new rtl.module (ROMs + qnnc_mvau)."""

    def __init__(self, sink: _ModuleSink):
        super().__init__()
        self.sink = sink

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: dataflow.MVAUOp, rewriter: PatternRewriter) -> None:
        name = self.sink.add(mvau_module(op, f"mvau_{node_name(op)}"))
        self._instance(op, name, rewriter)

    @staticmethod
    def _instance(op: Operation, name: str, rewriter: PatternRewriter) -> None:
        ins = [_cast(rewriter, v, rtl_stream(v.type)) for v in op.operands]
        inst = rtl.InstanceOp.build(
            operands=[ins], result_types=[[rtl_stream(op.out_type)]],
            properties={"module": FlatSymbolRefAttr(name), "instance_name": StringAttr(name)})
        _swap_unit(rewriter, op, inst)


class ThresholdToModulePattern(RewritePattern):
    """dataflow.threshold → rtl.instance of a new rtl.module (ROMs + qnnc_thres)."""

    def __init__(self, sink: _ModuleSink):
        super().__init__()
        self.sink = sink

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: dataflow.ThresholdOp, rewriter: PatternRewriter) -> None:
        name = self.sink.add(threshold_module(op, f"thres_{node_name(op)}"))
        MVAUToModulePattern._instance(op, name, rewriter)


class AddToModulePattern(RewritePattern):
    """dataflow.add → rtl.instance of a new rtl.module (ROMs + qnnc_add)."""

    def __init__(self, sink: _ModuleSink):
        super().__init__()
        self.sink = sink

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: dataflow.AddOp, rewriter: PatternRewriter) -> None:
        name = self.sink.add(add_module(op, f"add_{node_name(op)}"))
        MVAUToModulePattern._instance(op, name, rewriter)


class RowGatherToModulePattern(RewritePattern):
    """dataflow.upsample / depth_to_space → rtl.instance of a new rtl.module (ROM + qnnc_rowmap)."""

    def __init__(self, sink: _ModuleSink):
        super().__init__()
        self.sink = sink

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        if not isinstance(op, (dataflow.UpsampleOp, dataflow.DepthToSpaceOp)):
            return
        kind = "upsample" if isinstance(op, dataflow.UpsampleOp) else "d2s"
        name = self.sink.add(row_gather_module(op, f"{kind}_{node_name(op)}"))
        MVAUToModulePattern._instance(op, name, rewriter)


def _elem(t: dataflow.StreamType) -> tuple[int, int]:
    """(bits, signed) of a stream's elements; a bipolar element is one unsigned bit (1 = +1)."""
    e = t.element_type
    if isinstance(e, quant.BipolarType):
        return 1, 0
    return e.width.data, int(quant.code_range(e)[0] < 0)


def pad_bits(value: int, t: dataflow.StreamType) -> int:
    """The pad code as the cell's VALUE: the number itself (two's complement in the cell), or
    for a bipolar element its bit (1 = +1)."""
    if isinstance(t.element_type, quant.BipolarType):
        return int(value > 0)
    return value


class WindowCellsPattern(RewritePattern):
    """dataflow.pad / swg / pool / concat / fork → their rtl.cell (no ROMs)."""

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        name = node_name(op)
        if isinstance(op, dataflow.PadOp):
            t, left, b, r = quant.array_ints(op.pads)
            _cell(rewriter, op, "qnnc_pad", f"pad_{name}", {
                "H": op.height, "W": op.width, "C": op.channels, "P": op.pe.value.data,
                "ELEM_W": _elem(op.in_type)[0], "PT": t, "PL": left, "PB": b, "PR": r,
                "VALUE": pad_bits(op.value.value.data, op.in_type)})
        elif isinstance(op, dataflow.SwgOp):
            (kh, kw), (sh, sw), (dh, dw) = (quant.array_ints(a) for a in (op.kernel, op.strides,
                                                                          op.dilations))
            _cell(rewriter, op, rtl.SWG_WINDOW.name if op.parallel_window() else rtl.SWG.name,
                  f"swg_{name}", {
                "H": op.height, "W": op.width, "C": op.channels, "SIMD": op.simd.value.data,
                "ELEM_W": _elem(op.in_type)[0], "KH": kh, "KW": kw, "SH": sh, "SW": sw,
                "DH": dh, "DW": dw})
        elif isinstance(op, dataflow.PoolOp):
            in_w, signed = _elem(op.in_type)
            _cell(rewriter, op, "qnnc_pool", f"pool_{name}", {
                "K": op.window.value.data, "C": op.channels, "PE": op.pe.value.data,
                "IN_W": in_w, "IN_SIGNED": signed, "OUT_W": _elem(op.out_type)[0],
                "MODE": dataflow.POOL_MODES.index(op.mode.data)})
        elif isinstance(op, dataflow.ConcatOp):
            _cell(rewriter, op, "qnnc_concat", f"concat_{name}", {
                "CA": op.lhs_channels.value.data, "CB": op.rhs_channels.value.data,
                "P": op.pe.value.data, "ELEM_W": _elem(op.in_type)[0]})
        elif isinstance(op, dataflow.ForkOp):
            _cell(rewriter, op, "qnnc_fork", f"fork_{name}", {"W": rtl_stream(op.in_type).data_width})


class FifoToCellPattern(RewritePattern):
    """dataflow.fifo → rtl.cell qnnc_fifo."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: dataflow.FifoOp, rewriter: PatternRewriter) -> None:
        t = rtl_stream(op.in_type)
        x = _cast(rewriter, op.input, t)
        cell = rtl.CellOp.build(
            operands=[[x]], result_types=[[t]],
            properties={"cell": StringAttr(rtl.FIFO.name),
                        "instance_name": StringAttr(f"fifo_{node_name(op)}"),
                        "params": _params({"W": t.data_width, "DEPTH": op.depth.value.data})})
        _swap_unit(rewriter, op, cell)


class DwcToCellPattern(RewritePattern):
    """dataflow.dwc → rtl.cell qnnc_dwc."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: dataflow.DwcOp, rewriter: PatternRewriter) -> None:
        ti, to = rtl_stream(op.in_type), rtl_stream(op.out_type)
        x = _cast(rewriter, op.input, ti)
        cell = rtl.CellOp.build(
            operands=[[x]], result_types=[[to]],
            properties={"cell": StringAttr(rtl.DWC.name),
                        "instance_name": StringAttr(f"dwc_{node_name(op)}"),
                        "params": _params({"ELEM_W": rtl.bit_width(ti.element_type),
                                           "IN_P": ti.lanes.data, "OUT_P": to.lanes.data})})
        _swap_unit(rewriter, op, cell)


class BoundaryToStreamPattern(RewritePattern):
    """cast(dataflow.to_stream(t)) → rtl.to_stream(t)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: UnrealizedConversionCastOp, rewriter: PatternRewriter) -> None:
        src = op.inputs[0]
        if isinstance(src, OpResult) and isinstance(src.op, dataflow.ToStreamOp):
            new = rtl.ToStreamOp.build(operands=[src.op.input], result_types=[op.results[0].type])
            new.location = src.op.location
            rewriter.replace(op, new)
        elif isinstance(src, OpResult) and isinstance(src.op, UnrealizedConversionCastOp) \
                and src.op.inputs[0].type == op.results[0].type:
            rewriter.replace(op, [], [src.op.inputs[0]])


class BoundaryFromStreamPattern(RewritePattern):
    """dataflow.from_stream(cast(s)) → rtl.from_stream(s)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: dataflow.FromStreamOp, rewriter: PatternRewriter) -> None:
        src = op.input
        if isinstance(src, OpResult) and isinstance(src.op, UnrealizedConversionCastOp):
            new = rtl.FromStreamOp.build(operands=[src.op.inputs[0]], result_types=[op.output.type])
            new.location = op.location
            rewriter.replace(op, new)


def outline_top(module: ModuleOp, core: func.FuncOp) -> None:
    """Move the rtl ops between rtl.to_stream and rtl.from_stream into @qnnc_top."""
    block = core.body.block
    to = next(o for o in block.ops if isinstance(o, rtl.ToStreamOp))
    frm = next(o for o in block.ops if isinstance(o, rtl.FromStreamOp))
    body = [o for o in block.ops if isinstance(o, (rtl.InstanceOp, rtl.CellOp))]
    top_block = Block(arg_types=[to.output.type])
    to.output.replace_uses_with_if(top_block.args[0], lambda use: use.operation in body)
    for o in body:
        o.detach()
        top_block.add_op(o)
    out = frm.input
    top_block.add_op(rtl.OutputOp.build(operands=[[out]]))
    top = rtl.ModuleOp(TOP, [to.output.type], [out.type], Region(top_block))
    module.body.block.add_op(top)
    inst = rtl.InstanceOp.build(operands=[[to.output]], result_types=[[out.type]],
                                properties={"module": FlatSymbolRefAttr(TOP),
                                            "instance_name": StringAttr(TOP)})
    Rewriter.insert_op(inst, InsertPoint.before(frm))
    frm.operands[0] = inst.outputs[0]


# ----------------------------------------------------------------------------------------------
# The pass
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConvertDataflowToRtlPass(ModulePass):
    """Lower the streaming units of `@core` to rtl modules, cells and ROMs under @qnnc_top."""

    name = "convert-dataflow-to-rtl"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        core = next((f for f in op.ops if isinstance(f, func.FuncOp) and f.sym_name.data == "core"),
                    None)
        if core is None or not any(isinstance(o, dataflow.ToStreamOp) for o in core.walk()):
            return
        sink = _ModuleSink(op)
        PatternRewriteWalker(GreedyRewritePatternApplier([
            MVAUToModulePattern(sink), ThresholdToModulePattern(sink), AddToModulePattern(sink),
            RowGatherToModulePattern(sink),
            WindowCellsPattern(), FifoToCellPattern(),
            DwcToCellPattern(), BoundaryToStreamPattern(), BoundaryFromStreamPattern(),
        ])).rewrite_region(core.body)
        outline_top(op, core)
