"""convert-quant-to-dataflow: the integer core becomes streaming units (quant → dataflow).

Preconditions: `quant-partition-host` has run; `@core` holds only integer ops
(`quant.int_matmul`, `quant.threshold`, integer `quant.reshape`, integer `quant.const`).

Postconditions: `@core` is `dataflow.to_stream`, a chain of `dataflow.mvau` /
`dataflow.threshold` units on `!dataflow.stream<E, N, 1>` values (unfolded: one element per beat;
`dataflow-fold` picks PE/SIMD), and `dataflow.from_stream`. No `quant` op remains in `@core`.

Strategy: one pattern per source op replaces `quant.X` on tensors by the unit on streams, wrapped
in `to_stream`/`from_stream` casts (like MLIR's unrealized conversion casts); a final pattern
cancels `to_stream(from_stream(s))` pairs, leaving one cast at each end of the accelerator.
A matrix product followed by its only consumer, a threshold, becomes one MVAU with thresholds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import IntegerAttr, ModuleOp, TensorType
from xdsl.ir import Attribute, Operation, OpResult, SSAValue
from xdsl.passes import ModulePass
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


def _mvau(x: SSAValue, mm: quant.IntMatMulOp, out_t: TensorType, props: dict) -> dataflow.MVAUOp:
    if len(quant.tensor_shape(mm.x)) != 2 or quant.tensor_shape(mm.x)[0] != 1:
        raise op_error(mm, "only a batch of one frame (1, K) per matrix product is supported")
    w = _const(mm.w)
    wt = weight_code_type(w)
    storage = quant.int_type(-1, 1) if isinstance(wt, quant.BipolarType) else wt
    acc_t = quant.elem_type(mm.result)
    return dataflow.MVAUOp.build(
        operands=[x], result_types=[unfolded_stream(out_t)],
        properties={"weights": quant.dense_from_numpy(w, storage), "weight_type": wt,
                    "acc_type": acc_t, "pe": IntegerAttr(1, 64), "simd": IntegerAttr(1, 64),
                    **props})


def _single_threshold_user(mm: quant.IntMatMulOp) -> quant.ThresholdOp | None:
    uses = list(mm.result.uses)
    if len(uses) == 1 and isinstance(uses[0].operation, quant.ThresholdOp):
        return uses[0].operation
    return None


# ----------------------------------------------------------------------------------------------
# Patterns
# ----------------------------------------------------------------------------------------------


class MatMulThresholdToMVAUPattern(RewritePattern):
    """threshold(int_matmul(x, W)) → from_stream(mvau(to_stream(x)) {W, thresholds})."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: quant.ThresholdOp, rewriter: PatternRewriter) -> None:
        mm = op.x.op if isinstance(op.x, OpResult) else None
        if not isinstance(mm, quant.IntMatMulOp) or _single_threshold_user(mm) is not op:
            return
        s = _to_stream(rewriter, mm.x, mm)
        unit = _mvau(s, mm, op.result.type, _threshold_props(op))
        _replace_with_unit(rewriter, op, unit)
        unit.location = mm.location
        rewriter.erase(mm)


class MatMulToMVAUPattern(RewritePattern):
    """int_matmul(x, W) (not followed by a threshold) → mvau without thresholds."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: quant.IntMatMulOp, rewriter: PatternRewriter) -> None:
        if _single_threshold_user(op) is not None:
            return
        s = _to_stream(rewriter, op.x, op)
        _replace_with_unit(rewriter, op, _mvau(s, op, op.result.type, {}))


class ThresholdToUnitPattern(RewritePattern):
    """threshold(x) of codes (no matrix product before it) → dataflow.threshold."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: quant.ThresholdOp, rewriter: PatternRewriter) -> None:
        if isinstance(op.x, OpResult) and isinstance(op.x.op, quant.IntMatMulOp) \
                and _single_threshold_user(op.x.op) is op:
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
            MatMulThresholdToMVAUPattern(),
            MatMulToMVAUPattern(),
            ThresholdToUnitPattern(),
            ReshapeToStreamPattern(),
            CancelStreamCastsPattern(),
        ])).rewrite_region(core.body)
        for o in core.walk():
            if o.dialect_name() == "quant" and not isinstance(o, quant.ConstOp):
                raise op_error(o, f"'{o.name}' cannot be mapped to a streaming unit yet")
