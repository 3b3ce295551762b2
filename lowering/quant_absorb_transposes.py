"""quant-absorb-transposes: remove the layout transposes between integer ops (quant → quant).

Preconditions: `quant-streamline` has run. Convolutional layers then read and write channels-last
(NHWC) codes while the model's tensors are NCHW, so each integer op is wrapped in transposes
(`transpose_nhwc` in, `transpose_nchw` out) and consecutive layers meet as
`transpose_nhwc(transpose_nchw(codes))`.

Postconditions: the same function (bit for bit: every rewrite only reorders integer codes), with
a transpose of codes left only where the core meets the host: after the input quantizer (moved
to `@pre` by `quant-partition-host`) and before an output `dequantize` (moved to `@post`). A
Flatten of an NHWC map feeding a dense layer reads the map in NHWC order: the weight rows of
the `int_matmul` are permuted instead (as FINN does).

Strategy (rewrite patterns to a fixpoint, one per op):
* `transpose(transpose(x, p), q)` → `x` when the permutations cancel, else one transpose;
* `int_add(transpose(a, p), transpose(b, p))` → `transpose(int_add(a, b), p)` (an elementwise
  op does not care about layout);
* `int_matmul(reshape(transpose(y, p)) : (N, K), W)` with p keeping the batch axis first →
  `int_matmul(reshape(y), W')`, W' the rows of W in y's flattening order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp, TensorType
from xdsl.ir import OpResult, SSAValue
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    GreedyRewritePatternApplier,
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)

from qnnc.dialects import quant

# ----------------------------------------------------------------------------------------------
# Pure helpers
# ----------------------------------------------------------------------------------------------


def compose(p: tuple[int, ...], q: tuple[int, ...]) -> tuple[int, ...]:
    """The permutation of `transpose(transpose(x, p), q)`: axis j of the result is axis p[q[j]]
    of x."""
    return tuple(p[j] for j in q)


def flatten_order(shape: tuple[int, ...], perm: tuple[int, ...]) -> np.ndarray:
    """For `reshape(transpose(y, perm))` flattening every axis but the first (perm[0] == 0):
    position k of the flattened transposed row holds element order[k] of y's flattened row."""
    idx = np.arange(int(np.prod(shape[1:])), dtype=np.int64).reshape((1,) + tuple(shape[1:]))
    return np.transpose(idx, perm).reshape(-1)


def permuted_rows(w: np.ndarray, order: np.ndarray) -> np.ndarray:
    """W' with `y_flat @ W' == y_flat[order] @ W` for every y: W'[order[k]] = W[k]."""
    out = np.empty_like(w)
    out[order] = w
    return out


def _producer(v: SSAValue, cls):
    return v.op if isinstance(v, OpResult) and isinstance(v.op, cls) else None


def _tensor(shape, elem) -> TensorType:
    return TensorType(elem, list(shape))


# ----------------------------------------------------------------------------------------------
# Patterns
# ----------------------------------------------------------------------------------------------


class FoldTransposePairPattern(RewritePattern):
    """transpose(transpose(x, p), q) → x (p∘q the identity) or transpose(x, p∘q)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: quant.TransposeOp, rewriter: PatternRewriter) -> None:
        inner = _producer(op.x, quant.TransposeOp)
        if inner is None:
            return
        perm = compose(inner.permutation(), op.permutation())
        if perm == tuple(range(len(perm))):
            rewriter.replace(op, [], [inner.x])
            return
        new = quant.TransposeOp(inner.x, perm, op.result.type)
        new.location = op.location
        rewriter.replace(op, new)


class HoistTransposeThroughIntAddPattern(RewritePattern):
    """int_add(transpose(a, p), transpose(b, p)) → transpose(int_add(a, b), p)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: quant.IntAddOp, rewriter: PatternRewriter) -> None:
        ta, tb = _producer(op.x, quant.TransposeOp), _producer(op.y, quant.TransposeOp)
        if ta is None or tb is None or ta.permutation() != tb.permutation():
            return
        add = quant.IntAddOp.build(
            operands=[ta.x, tb.x],
            result_types=[_tensor(quant.tensor_shape(ta.x), quant.elem_type(op.result))],
            properties={"ka": op.ka, "kb": op.kb})
        add.location = op.location
        rewriter.insert(add)
        t = quant.TransposeOp(add.result, ta.permutation(), op.result.type)
        t.location = op.location
        rewriter.replace(op, t)


class AbsorbTransposeIntoMatMulPattern(RewritePattern):
    """int_matmul(reshape(transpose(y, p)) : (N, K), W) → int_matmul(reshape(y), W') with the
    rows of W permuted into y's flattening order."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: quant.IntMatMulOp, rewriter: PatternRewriter) -> None:
        r = _producer(op.x, quant.ReshapeOp)
        t = _producer(r.x, quant.TransposeOp) if r is not None else None
        wc = _producer(op.w, quant.ConstOp)
        if t is None or wc is None:
            return
        perm, yshape = t.permutation(), quant.tensor_shape(t.x)
        rshape = quant.tensor_shape(r.result)
        if perm[0] != 0 or len(rshape) != 2 or rshape[0] != yshape[0]:
            return
        w = wc.numpy()
        order = flatten_order(yshape, perm)
        flat = quant.ReshapeOp(t.x, _tensor(rshape, quant.elem_type(t.x)))
        flat.location = r.location
        wnew = quant.ConstOp.from_numpy(permuted_rows(w, order), quant.elem_type(op.w))
        wnew.location = wc.location
        rewriter.insert(flat)
        rewriter.insert(wnew)
        mm = quant.IntMatMulOp.build(operands=[flat.result, wnew.result],
                                     result_types=[op.result.type])
        mm.location = op.location
        rewriter.replace(op, mm)


# ----------------------------------------------------------------------------------------------
# The pass
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuantAbsorbTransposesPass(ModulePass):
    """Cancel, move and absorb the layout transposes of integer codes."""

    name = "quant-absorb-transposes"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        PatternRewriteWalker(GreedyRewritePatternApplier([
            FoldTransposePairPattern(),
            HoistTransposeThroughIntAddPattern(),
            AbsorbTransposeIntoMatMulPattern(),
        ])).rewrite_module(op)
