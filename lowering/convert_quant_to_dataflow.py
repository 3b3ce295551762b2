"""convert-quant-to-dataflow: the integer core becomes streaming units (quant → dataflow).

Preconditions: `quant-partition-host` has run; `@core` holds only integer ops
(`quant.int_matmul`, `quant.int_conv`, `quant.int_maxpool`, `quant.int_add`, `quant.threshold`,
integer `quant.reshape`, integer `quant.const`), 4-D tensors channels-last (1, H, W, C).

Postconditions: `@core` is `dataflow.to_stream`, a graph of units on `!dataflow.stream<E, N, 1>`
values (unfolded: one element per beat; `dataflow-fold` picks PE/SIMD), and
`dataflow.from_stream`; a stream read by two units goes through a `dataflow.fork`. No `quant`
op remains in `@core`. A tensor (1, H, W, C) streams in row-major order, i.e. channels-last.

Strategy: one pattern per source op replaces `quant.X` on tensors by its units on streams,
wrapped in `to_stream`/`from_stream` casts (like MLIR's unrealized conversion casts); a final
pattern cancels `to_stream(from_stream(s))` pairs, leaving one cast at each end of the
accelerator. Then every stream with several readers gets forks.
* `int_matmul` → MVAU; `int_conv` → [`pad`] → [`swg`] → MVAU on OH·OW vectors (a 1×1
  stride-1 unpadded convolution needs no window generator); an `int_matmul`/`int_conv`/`int_add`
  whose only consumer is a threshold takes the thresholds into the same unit;
* `int_maxpool` → [`pad` with the least code] → `swg` → `pool` (max); `int_sumpool` → `swg` →
  `pool` (sum); a window covering the whole map needs no generator;
* `int_add` → `add`; a standalone `threshold` → `threshold`;
* `int_upsample` → `upsample`; `int_depth_to_space` → `depth_to_space`; `int_concat` →
  `concat`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import IntegerAttr, ModuleOp, StringAttr, TensorType
from xdsl.ir import Attribute, Operation, OpResult, SSAValue
from xdsl.passes import ModulePass
from xdsl.rewriter import InsertPoint, Rewriter
from xdsl.pattern_rewriter import (
    GreedyRewritePatternApplier,
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)

from qnnc.diagnostics import op_error
from qnnc.dialects import dataflow, quant

# ----------------------------------------------------------------------------------------------
# Pure helpers
# ----------------------------------------------------------------------------------------------


def weight_code_type(w: np.ndarray) -> Attribute:
    """Narrowest element type for weight codes: bipolar when every weight is ±1."""
    if w.size and np.all(np.abs(w) == 1):
        return quant.BipolarType()
    return quant.int_type(int(w.min(initial=0)), int(w.max(initial=0)))


def unfolded_stream(t: TensorType) -> dataflow.StreamType:
    return dataflow.StreamType(t.element_type, int(np.prod(t.get_shape())), 1)


def dense_conv_weights(w: np.ndarray, group: int) -> np.ndarray:
    """(kH, kW, C/group, M) grouped weights as (kH, kW, C, M) dense ones, zero where input
    channel c and output channel m are in different groups: the window generator streams all
    C channels, so a grouped (or depthwise) convolution is an MVAU with a block-diagonal matrix
    (exact; a vector unit would skip the zeros' cycles)."""
    if group == 1:
        return w
    kh, kw, cg, m = w.shape
    mg = m // group
    dense = np.zeros((kh, kw, cg * group, m), dtype=w.dtype)
    for g in range(group):
        dense[:, :, g * cg:(g + 1) * cg, g * mg:(g + 1) * mg] = w[:, :, :, g * mg:(g + 1) * mg]
    return dense


def _const(v: SSAValue) -> np.ndarray:
    assert isinstance(v, OpResult) and isinstance(v.op, quant.ConstOp), v
    return v.op.numpy()


def _to_stream(rewriter: PatternRewriter, t: SSAValue, anchor: Operation) -> SSAValue:
    op = dataflow.ToStreamOp.build(operands=[t], result_types=[unfolded_stream(t.type)])
    op.location = anchor.location
    rewriter.insert(op)
    return op.output


def _replace_with_unit(rewriter: PatternRewriter, old: Operation, unit: Operation) -> None:
    unit.location = old.location
    rewriter.insert(unit)
    back = dataflow.FromStreamOp.build(operands=[unit.results[0]], result_types=[old.results[0].type])
    back.location = old.location
    rewriter.replace(old, back)


def _threshold_props(th: quant.ThresholdOp) -> dict:
    return {"thresholds": th.thresholds, "descending": th.descending, "out_bias": th.out_bias}


def _mvau(x: SSAValue, mm: quant.IntMatMulOp | quant.IntConvOp, out_t: TensorType,
          props: dict) -> dataflow.MVAUOp:
    """The MVAU of a matrix product, or of a convolution on the windows `x` streams."""
    if quant.tensor_shape(mm.x)[0] != 1 or (isinstance(mm, quant.IntMatMulOp)
                                            and len(quant.tensor_shape(mm.x)) != 2):
        raise op_error(mm, "only a batch of one frame (1, K) per matrix product is supported")
    w = _const(mm.w)
    if isinstance(mm, quant.IntConvOp):
        w = dense_conv_weights(w, mm.group.value.data).reshape(-1, w.shape[-1])
    wt = weight_code_type(w)
    storage = quant.int_type(-1, 1) if isinstance(wt, quant.BipolarType) else wt
    acc_t = quant.elem_type(mm.result)
    return dataflow.MVAUOp.build(
        operands=[x], result_types=[unfolded_stream(out_t)],
        properties={"weights": quant.dense_from_numpy(w, storage), "weight_type": wt,
                    "acc_type": acc_t, "pe": IntegerAttr(1, 64), "simd": IntegerAttr(1, 64),
                    **props})


def _unit(rewriter: PatternRewriter, cls, x: SSAValue, out: dataflow.StreamType, anchor: Operation,
          **props) -> SSAValue:
    """Insert one single-input unit reading x, located at the anchor's ONNX node."""
    u = cls.build(operands=[x], result_types=[out], properties=props)
    u.location = anchor.location
    rewriter.insert(u)
    return u.results[0]


def _i64(v: int) -> IntegerAttr:
    return IntegerAttr(int(v), 64)


def window_units(rewriter: PatternRewriter, s: SSAValue, op: Operation, kernel: tuple[int, int],
                 pad_value: int) -> SSAValue:
    """The stream of op's input (1, H, W, C) → [pad] → [swg]: the windows op reads, one per
    output pixel (kernel positions row-major, channels fastest). Nothing for a 1×1 kernel at
    stride 1 without padding (the pixels are the windows), and no generator for a window
    covering the whole map (the map's stream order is the window's)."""
    _, h, w, c = quant.tensor_shape(op.x)
    elem = quant.elem_type(op.x)
    pads = quant.array_ints(op.pads) if "pads" in op.properties else (0, 0, 0, 0)
    strides = quant.array_ints(op.strides)
    dilations = quant.array_ints(op.dilations) if "dilations" in op.properties else (1, 1)
    if any(pads):
        t, left, b, r = pads
        h, w = h + t + b, w + left + r
        s = _unit(rewriter, dataflow.PadOp, s, dataflow.StreamType(elem, h * w * c, 1), op,
                  ifm=quant.i64_array(quant.tensor_shape(op.x)[1:3]), pads=quant.i64_array(pads),
                  value=_i64(pad_value), pe=_i64(1))
    if (kernel == (1, 1) and strides == (1, 1)) or (kernel == (h, w) and dilations == (1, 1)):
        return s
    kh, kw = kernel
    oh = (h - (kh - 1) * dilations[0] - 1) // strides[0] + 1
    ow = (w - (kw - 1) * dilations[1] - 1) // strides[1] + 1
    return _unit(rewriter, dataflow.SwgOp, s, dataflow.StreamType(elem, oh * ow * kh * kw * c, 1),
                 op, ifm=quant.i64_array((h, w)), kernel=quant.i64_array(kernel),
                 strides=quant.i64_array(strides), dilations=quant.i64_array(dilations),
                 simd=_i64(1))


def _single_threshold_user(mm: Operation) -> quant.ThresholdOp | None:
    uses = list(mm.result.uses)
    if len(uses) == 1 and isinstance(uses[0].operation, quant.ThresholdOp):
        return uses[0].operation
    return None


# ----------------------------------------------------------------------------------------------
# Patterns
# ----------------------------------------------------------------------------------------------


FUSES_THRESHOLD = (quant.IntMatMulOp, quant.IntConvOp, quant.IntAddOp)
"""Ops whose unit computes an accumulator and can threshold it in place."""


def _fused_threshold(op: quant.ThresholdOp) -> Operation | None:
    """The accumulator op a threshold fuses into (it is that op's only consumer), else None."""
    src = op.x.op if isinstance(op.x, OpResult) else None
    if isinstance(src, FUSES_THRESHOLD) and _single_threshold_user(src) is op:
        return src
    return None


def _accumulator_unit(rewriter: PatternRewriter, acc: Operation, out_t: TensorType,
                      props: dict) -> Operation:
    """The unit computing acc (an int_matmul, int_conv or int_add), with `props` (thresholds
    or nothing), its inputs streamed."""
    if isinstance(acc, quant.IntAddOp):
        a, b = _to_stream(rewriter, acc.x, acc), _to_stream(rewriter, acc.y, acc)
        return dataflow.AddOp.build(
            operands=[a, b], result_types=[unfolded_stream(out_t)],
            properties={"ka": acc.ka, "kb": acc.kb, "acc_type": quant.elem_type(acc.result),
                        "channels": _i64(quant.tensor_shape(acc.result)[-1]), "pe": _i64(1),
                        **props})
    s = _to_stream(rewriter, acc.x, acc)
    if isinstance(acc, quant.IntConvOp):
        s = window_units(rewriter, s, acc, acc.kernel(), acc.pad_value.value.data)
    return _mvau(s, acc, out_t, props)


class FusedThresholdPattern(RewritePattern):
    """threshold(acc op) → the acc op's unit with the thresholds (an MVAU or add unit)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: quant.ThresholdOp, rewriter: PatternRewriter) -> None:
        acc = _fused_threshold(op)
        if acc is None:
            return
        unit = _accumulator_unit(rewriter, acc, op.result.type, _threshold_props(op))
        _replace_with_unit(rewriter, op, unit)
        unit.location = acc.location
        rewriter.erase(acc)


class AccumulatorPattern(RewritePattern):
    """int_matmul / int_conv / int_add not followed by a threshold → its unit, accumulator out."""

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        if not isinstance(op, FUSES_THRESHOLD) or _single_threshold_user(op) is not None:
            return
        _replace_with_unit(rewriter, op, _accumulator_unit(rewriter, op, op.result.type, {}))


class PoolPattern(RewritePattern):
    """int_maxpool(x) → [pad with the least code] → swg → pool(max); int_sumpool(x) → swg →
    pool(sum)."""

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        if not isinstance(op, (quant.IntMaxPoolOp, quant.IntSumPoolOp)):
            return
        kernel = quant.array_ints(op.kernel_shape)
        elem = quant.elem_type(op.x)
        s = window_units(rewriter, _to_stream(rewriter, op.x, op), op, kernel,
                         quant.code_range(elem)[0])
        c = quant.tensor_shape(op.x)[-1]
        mode = "max" if isinstance(op, quant.IntMaxPoolOp) else "sum"
        unit = dataflow.PoolOp.build(
            operands=[s], result_types=[unfolded_stream(op.result.type)],
            properties={"window": _i64(kernel[0] * kernel[1]), "channels": _i64(c),
                        "mode": StringAttr(mode), "pe": _i64(1)})
        _replace_with_unit(rewriter, op, unit)


class RowGatherPattern(RewritePattern):
    """int_upsample / int_depth_to_space → the row-gather unit of the same name."""

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        if isinstance(op, quant.IntUpsampleOp):
            cls, props = dataflow.UpsampleOp, {"scales": op.scales}
        elif isinstance(op, quant.IntDepthToSpaceOp):
            cls, props = dataflow.DepthToSpaceOp, {"blocksize": op.blocksize, "mode": op.mode}
        else:
            return
        s = _to_stream(rewriter, op.x, op)
        unit = cls.build(operands=[s], result_types=[unfolded_stream(op.result.type)],
                         properties={"ifm": quant.i64_array(quant.tensor_shape(op.x)[1:3]),
                                     "pe": _i64(1), **props})
        _replace_with_unit(rewriter, op, unit)


class ConcatPattern(RewritePattern):
    """int_concat(x, y) → dataflow.concat of both streams."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: quant.IntConcatOp, rewriter: PatternRewriter) -> None:
        a, b = _to_stream(rewriter, op.x, op), _to_stream(rewriter, op.y, op)
        unit = dataflow.ConcatOp.build(
            operands=[a, b], result_types=[unfolded_stream(op.result.type)],
            properties={"lhs_channels": _i64(quant.tensor_shape(op.x)[-1]),
                        "rhs_channels": _i64(quant.tensor_shape(op.y)[-1]), "pe": _i64(1)})
        _replace_with_unit(rewriter, op, unit)


class ThresholdToUnitPattern(RewritePattern):
    """threshold(x) of codes (no matrix product before it) → dataflow.threshold."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: quant.ThresholdOp, rewriter: PatternRewriter) -> None:
        if _fused_threshold(op) is not None:
            return
        s = _to_stream(rewriter, op.x, op)
        unit = dataflow.ThresholdOp.build(
            operands=[s], result_types=[unfolded_stream(op.result.type)],
            properties={**_threshold_props(op), "pe": IntegerAttr(1, 64)})
        _replace_with_unit(rewriter, op, unit)


class ReshapeToStreamPattern(RewritePattern):
    """An integer reshape keeps the row-major element order, so on a stream it is nothing."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: quant.ReshapeOp, rewriter: PatternRewriter) -> None:
        if not quant.is_code_type(quant.elem_type(op.x)):
            return
        s = _to_stream(rewriter, op.x, op)
        back = dataflow.FromStreamOp.build(operands=[s], result_types=[op.result.type])
        back.location = op.location
        rewriter.replace(op, back)


class CancelStreamCastsPattern(RewritePattern):
    """to_stream(from_stream(s)) → s when the stream types agree."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: dataflow.ToStreamOp, rewriter: PatternRewriter) -> None:
        src = op.input
        if isinstance(src, OpResult) and isinstance(src.op, dataflow.FromStreamOp) \
                and src.op.input.type == op.output.type:
            rewriter.replace(op, [], [src.op.input])


# ----------------------------------------------------------------------------------------------
# The pass
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConvertQuantToDataflowPass(ModulePass):
    """Lower `@core` from integer tensor ops to unfolded streaming units."""

    name = "convert-quant-to-dataflow"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        core = next((f for f in op.ops if isinstance(f, func.FuncOp) and f.sym_name.data == "core"),
                    None)
        if core is None:
            return
        PatternRewriteWalker(GreedyRewritePatternApplier([
            FusedThresholdPattern(),
            AccumulatorPattern(),
            PoolPattern(),
            RowGatherPattern(),
            ConcatPattern(),
            ThresholdToUnitPattern(),
            ReshapeToStreamPattern(),
            CancelStreamCastsPattern(),
        ])).rewrite_region(core.body)
        for o in core.walk():
            if o.dialect_name() == "quant" and not isinstance(o, quant.ConstOp):
                raise op_error(o, f"'{o.name}' cannot be mapped to a streaming unit yet")
        merge_boundary_streams(core.body.block)
        insert_forks(core.body.block)


def merge_boundary_streams(block) -> None:
    """One `to_stream` per host tensor: the accelerator reads its input once (a second reader,
    such as a residual branch from the input, is served by a fork)."""
    first: dict[SSAValue, dataflow.ToStreamOp] = {}
    for op in list(block.ops):
        if isinstance(op, dataflow.ToStreamOp):
            if op.input in first and first[op.input].output.type == op.output.type:
                op.output.replace_all_uses_with(first[op.input].output)
                Rewriter.erase_op(op)
            else:
                first.setdefault(op.input, op)


def insert_forks(block) -> None:
    """Give every stream read by several units a chain of `dataflow.fork`s, one reader per
    fork output (hardware streams have exactly one consumer)."""
    for op in list(block.ops):
        for v in op.results:
            if not isinstance(v.type, dataflow.StreamType):
                continue
            uses = sorted(v.uses, key=lambda u: block.get_operation_index(u.operation))
            src = v
            while len(uses) > 1:
                fork = dataflow.ForkOp.build(operands=[src], result_types=[v.type, v.type])
                fork.location = op.location
                anchor = src.op if isinstance(src, OpResult) else op
                Rewriter.insert_op(fork, InsertPoint.after(anchor))
                first = uses.pop(0)
                first.operation.operands[first.index] = fork.out0
                for u in uses:
                    u.operation.operands[u.index] = fork.out1
                src = fork.out1
