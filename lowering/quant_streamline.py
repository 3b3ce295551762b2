"""quant-streamline: turn fake-quantized float layers into integer ops (quant → quant).

Preconditions: a module as the frontend imports it (`func.func @main`, static shapes, QONNX
quantizer parameters constant).

Postconditions: every quantized fully-connected layer is `quant.int_matmul` on integer codes,
every activation quantizer that follows one (through scale, bias, BatchNorm, ReLU, ...) is a
`quant.threshold` on the integer accumulator, and float values meet integer ones only at
`quant.quantize` (float → codes, the input quantizer) and `quant.dequantize` (codes → float).
Ops the pass cannot make integer are left as they are; `quant-partition-host` decides whether
they may stay on the host or must be reported.

Strategy (rewrite patterns to a fixpoint, one per source op):
* a quantizer of a constant (weights) becomes `dequantize(const codes)`;
* the first quantizer on a float input (no quantized value upstream) becomes
  `dequantize(quantize(x))`;
* `Gemm` becomes `MatMul` (+ `Mul` by alpha, + `Add` of beta·C), transposing constant weights;
* `matmul(dequantize(x), dequantize(W))` becomes `dequantize(int_matmul(x, W - zW))` with the
  activation zero point folded into a per-channel offset, the scales into a per-channel scale;
* a quantizer whose input is a per-channel elementwise chain over `dequantize(acc)` becomes
  `dequantize(threshold(acc))`; the thresholds are derived from the chain evaluated (float64) on
  integer accumulator values (`qnnc.thresholds`), never by inverting float algebra;
* `reshape(dequantize(x))` with per-tensor scale becomes `dequantize(reshape(x))`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from xdsl.context import Context
from xdsl.dialects.builtin import (
    BoolAttr,
    IntegerAttr,
    ModuleOp,
    StringAttr,
    TensorType,
    f32,
    f64,
)
from xdsl.interpreter import Interpreter
from xdsl.ir import Operation, OpResult, SSAValue
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    GreedyRewritePatternApplier,
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)

from qnnc.diagnostics import op_error
from qnnc.dialects import quant
from qnnc.dialects.quant import flag
from qnnc.thresholds import NotThresholdable, derive_thresholds

QUANTIZERS = quant.QONNX_QUANTIZER_OPS
CHAIN_OPS = (quant.AddOp, quant.SubOp, quant.MulOp, quant.DivOp, quant.BatchNormOp,
             quant.ReluOp, quant.IdentityOp)
INTEGER_OPS = (quant.QuantizeOp, quant.DequantizeOp, quant.IntMatMulOp, quant.ThresholdOp)


# ----------------------------------------------------------------------------------------------
# Pure helpers
# ----------------------------------------------------------------------------------------------


def const_value(v: SSAValue) -> np.ndarray | None:
    """The value of a `quant.const` result, else None."""
    if isinstance(v, OpResult) and isinstance(v.op, quant.ConstOp):
        return v.op.numpy()
    return None


def const_values(values) -> list[np.ndarray] | None:
    out = [const_value(v) for v in values]
    return None if any(o is None for o in out) else out


def acc_bounds(x_type, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per output channel, the least and greatest `x @ w` over all codes x of type x_type."""
    xlo, xhi = quant.code_range(x_type)
    a, b = w * xlo, w * xhi
    return np.minimum(a, b).sum(axis=0), np.maximum(a, b).sum(axis=0)


def channel_vector(arr: np.ndarray, channels: int) -> np.ndarray | None:
    """A per-channel parameter of a 2-D (N, C) tensor as a (C,) vector; None if it varies
    along another axis."""
    a = np.asarray(arr)
    if a.size == 1:
        return np.full(channels, a.reshape(-1)[0])
    try:
        b = np.broadcast_to(a, np.broadcast_shapes(a.shape, (1, channels)))
    except ValueError:
        return None
    b = b.reshape(-1, channels)
    return b[0] if np.all(b == b[0]) else None


def has_quantized_ancestor(v: SSAValue) -> bool:
    """True when some value upstream of v is (or may become) quantized."""
    seen: set[int] = set()
    stack = [v]
    while stack:
        cur = stack.pop()
        if not isinstance(cur, OpResult) or id(cur.op) in seen:
            continue
        seen.add(id(cur.op))
        op = cur.op
        if isinstance(op, INTEGER_OPS) or (isinstance(op, QUANTIZERS) and const_value(op.operands[0]) is None):
            return True
        stack.extend(op.operands)
    return False


def new_const(rewriter: PatternRewriter, arr: np.ndarray, anchor: Operation, elem=None) -> SSAValue:
    c = quant.ConstOp.from_numpy(arr, elem)
    c.location = anchor.location
    rewriter.insert(c)
    return c.result


def located(new: Operation, old: Operation) -> Operation:
    """new, carrying old's location (the ONNX node it stands for)."""
    new.location = old.location
    return new


def _tensor(shape, elem) -> TensorType:
    return TensorType(elem, list(shape))


# ----------------------------------------------------------------------------------------------
# Patterns
# ----------------------------------------------------------------------------------------------


class FoldWeightQuantPattern(RewritePattern):
    """quant.quant / bipolar_quant of constants → dequantize(const integer codes)."""

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        if not isinstance(op, (quant.QuantOp, quant.BipolarQuantOp)):
            return
        vals = const_values(op.operands)
        if vals is None:
            return
        if isinstance(op, quant.BipolarQuantOp):
            x, s = vals
            codes = np.where(x >= 0, 1, -1).astype(np.int64)
            scale, zp = op.scale, new_const(rewriter, np.zeros((), np.float32), op)
        else:
            x, s, z, b = vals
            bits = int(b.reshape(-1)[0])
            codes = quant.quant_codes(x, s, z, bits, flag(op.signed), flag(op.narrow),
                                      op.rounding_mode.data).astype(np.int64)
            scale, zp = op.scale, op.zeropt
        ctype = quant.int_type(int(codes.min(initial=0)), int(codes.max(initial=0)))
        c = new_const(rewriter, codes, op, ctype)
        rewriter.replace(op, located(quant.DequantizeOp.build(
            operands=[c, scale, zp], result_types=[op.result.type]), op))


class InputQuantPattern(RewritePattern):
    """The first quantizer on a float input → dequantize(quantize(x)); the host computes the
    codes and the accelerator's input stream carries them."""

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        if not isinstance(op, (quant.QuantOp, quant.BipolarQuantOp)):
            return
        if const_value(op.x) is not None or has_quantized_ancestor(op.x):
            return
        shape = quant.tensor_shape(op.x)
        if isinstance(op, quant.BipolarQuantOp):
            one = new_const(rewriter, np.ones((), np.float32), op)
            zero = new_const(rewriter, np.zeros((), np.float32), op)
            q = quant.QuantizeOp.build(
                operands=[op.x, one, zero], result_types=[_tensor(shape, quant.BipolarType())],
                properties={"bits": IntegerAttr(1, 64), "signed": BoolAttr.from_bool(True),
                            "narrow": BoolAttr.from_bool(False),
                            "rounding_mode": StringAttr("ROUND")})
            scale, zp = op.scale, zero
        else:
            params = const_values([op.scale, op.zeropt, op.bitwidth])
            if params is None:
                return
            bits = int(params[2].reshape(-1)[0])
            signed, narrow = flag(op.signed), flag(op.narrow)
            q = quant.QuantizeOp.build(
                operands=[op.x, op.scale, op.zeropt],
                result_types=[_tensor(shape, quant.quant_code_type(bits, signed, narrow))],
                properties={"bits": IntegerAttr(bits, 64), "signed": op.signed,
                            "narrow": op.narrow, "rounding_mode": op.rounding_mode})
            scale, zp = op.scale, op.zeropt
        q.location = op.location
        rewriter.insert(q)
        rewriter.replace(op, located(quant.DequantizeOp.build(
            operands=[q.result, scale, zp], result_types=[op.result.type]), op))


def _transposed_dequantize(rewriter: PatternRewriter, d: quant.DequantizeOp) -> SSAValue | None:
    """dequantize(W, s, z) of constants → dequantize(Wᵀ, sᵀ, zᵀ)."""
    vals = const_values(d.operands)
    if vals is None:
        return None
    w, s, z = vals
    elem = quant.elem_type(d.x)
    wt = new_const(rewriter, w.T, d, elem)
    st = new_const(rewriter, np.atleast_2d(s).T if s.ndim else s, d, f64 if s.dtype == np.float64 else f32)
    zt = new_const(rewriter, np.atleast_2d(z).T if z.ndim else z, d, f64 if z.dtype == np.float64 else f32)
    new = quant.DequantizeOp.build(operands=[wt, st, zt],
                                   result_types=[_tensor(w.T.shape, f32)])
    new.location = d.location
    rewriter.insert(new)
    return new.result


class GemmToMatMulPattern(RewritePattern):
    """gemm(A, B, C) → add(mul(matmul(A, B'), alpha), beta·C) with constant B transposed."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: quant.GemmOp, rewriter: PatternRewriter) -> None:
        if flag(op.trans_a):
            raise op_error(op, "Gemm with transA=1 is not supported")
        b = op.b
        if flag(op.trans_b):
            wc = const_value(b)
            if wc is not None:
                b = new_const(rewriter, wc.T, op)
            elif isinstance(b, OpResult) and isinstance(b.op, quant.DequantizeOp):
                b = _transposed_dequantize(rewriter, b.op)
                if b is None:
                    return
            else:
                return  # wait until the weights are folded
        out_t = op.result.type
        mm = quant.MatMulOp.build(operands=[op.a, b], result_types=[out_t])
        mm.location = op.location
        rewriter.insert(mm)
        y = mm.result
        alpha = op.alpha.value.data
        if alpha != 1.0:
            m = quant.MulOp(y, new_const(rewriter, np.float32(alpha), op), out_t)
            m.location = op.location
            rewriter.insert(m)
            y = m.result
        if op.c is not None:
            c = op.c
            beta = op.beta.value.data
            if beta != 1.0:
                cv = const_value(c)
                if cv is None:
                    raise op_error(op, "Gemm with beta != 1 needs a constant C")
                c = new_const(rewriter, (np.float32(beta) * cv).astype(np.float32), op)
            a = quant.AddOp(y, c, out_t)
            a.location = op.location
            rewriter.insert(a)
            y = a.result
        rewriter.replace(op, [], [y])


class IntMatMulPattern(RewritePattern):
    """matmul(dequantize(x, sa, za), dequantize(W, sw, zw)) →
    dequantize(int_matmul(x, W - zw), sa·sw, za·Σ_k(W - zw))."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: quant.MatMulOp, rewriter: PatternRewriter) -> None:
        lhs, rhs = op.lhs, op.rhs
        if not (isinstance(lhs, OpResult) and isinstance(lhs.op, quant.DequantizeOp)):
            return
        da = lhs.op
        act = const_values([da.scale, da.zeropt])
        if act is None or act[0].size != 1 or act[1].size != 1:
            return
        sa, za = float(act[0].reshape(-1)[0]), float(act[1].reshape(-1)[0])
        wv = const_value(rhs)
        if wv is not None:
            if not np.all(np.round(wv) == wv):
                raise op_error(op, "weights are neither quantized nor integer; cannot map to "
                               "integer hardware")
            w, sw, zw = wv.astype(np.int64), np.ones(1), np.zeros(1)
        elif isinstance(rhs, OpResult) and isinstance(rhs.op, quant.DequantizeOp):
            vals = const_values(rhs.op.operands)
            if vals is None:
                return
            w, sw, zw = vals
        else:
            return
        if w.ndim != 2 or len(quant.tensor_shape(op.lhs)) != 2:
            raise op_error(op, "only 2-D matrix products (N, K) x (K, M) are supported")
        n_out = w.shape[1]
        sw_c, zw_c = channel_vector(sw, n_out), channel_vector(zw, n_out)
        if sw_c is None or zw_c is None:
            raise op_error(op, "weight scale/zero point must be per-tensor or per output channel")
        if not np.all(np.round(zw_c) == zw_c):
            raise op_error(op, "non-integer weight zero point")
        wi = (w.astype(np.int64) - zw_c.astype(np.int64)[None, :])
        x_type = quant.elem_type(da.x)
        lo, hi = acc_bounds(x_type, wi)
        acc_t = quant.int_type(int(lo.min(initial=0)), int(hi.max(initial=0)))
        wconst = new_const(rewriter, wi, op, quant.int_type(int(wi.min(initial=0)), int(wi.max(initial=0))))
        out_shape = quant.tensor_shape(op.result)
        mm = quant.IntMatMulOp.build(operands=[da.x, wconst],
                                     result_types=[_tensor(out_shape, acc_t)])
        mm.location = op.location
        rewriter.insert(mm)
        scale = (np.float64(sa) * sw_c.astype(np.float64))[None, :]
        offset = (np.float64(za) * wi.sum(axis=0).astype(np.float64))[None, :]
        s = new_const(rewriter, scale, op, f64)
        z = new_const(rewriter, offset, op, f64)
        rewriter.replace(op, located(quant.DequantizeOp.build(
            operands=[mm.result, s, z], result_types=[op.result.type]), op))


@dataclass
class _Chain:
    root: quant.DequantizeOp
    ops: list[Operation]  # from the root's consumer to the quantizer's producer


def _chain_to_dequantize(v: SSAValue) -> _Chain | None:
    ops: list[Operation] = []
    while isinstance(v, OpResult):
        op = v.op
        if isinstance(op, quant.DequantizeOp):
            return _Chain(op, ops[::-1])
        if not isinstance(op, CHAIN_OPS):
            return None
        data = [o for o in op.operands if const_value(o) is None]
        if len(data) != 1:
            return None
        ops.append(op)
        v = data[0]
    return None


class ThresholdPattern(RewritePattern):
    """quantizer(chain(dequantize(acc))) → dequantize(threshold(acc))."""

    def __init__(self, interp: Interpreter):
        super().__init__()
        self.interp = interp

    def _level_fn(self, chain: _Chain, q: Operation):
        """acc (M, C) → output levels, through the chain and the quantizer, in float64."""
        interp = self.interp
        root = chain.root
        s, z = const_values([root.scale, root.zeropt])

        def f(acc: np.ndarray) -> np.ndarray:
            env: dict[SSAValue, np.ndarray] = {
                root.result: (acc.astype(np.float64) - z.astype(np.float64)) * s.astype(np.float64)}

            def arg(v):
                return env[v] if v in env else const_value(v).astype(np.float64)

            for op in chain.ops:
                (env[op.results[0]],) = interp.run_op(op, tuple(arg(v) for v in op.operands))
            x = arg(q.operands[0])
            if np.any(np.isnan(x)):  # no threshold reproduces a NaN (±inf clamps): refuse
                raise NotThresholdable("the ops feeding it compute NaN (e.g. a negative "
                                       "BatchNorm variance)")
            if isinstance(q, quant.QuantOp):
                _, sc, zp, b = (arg(v) for v in q.operands)
                bits = int(b.reshape(-1)[0])
                codes = quant.quant_codes(x, sc, zp, bits, flag(q.signed),
                                          flag(q.narrow), q.rounding_mode.data)
                if bits == 1 and flag(q.signed):
                    return (codes > 0).astype(np.int64)
                return codes.astype(np.int64)
            if isinstance(q, quant.BipolarQuantOp):
                return (x >= 0).astype(np.int64)
            if isinstance(q, quant.TruncOp):
                vals = [arg(v) for v in q.operands]
                v2 = q.version.value.data == 2
                code, _, _ = quant.trunc_codes(
                    vals[0], vals[1], vals[2], vals[3], vals[5] if v2 else vals[4],
                    q.rounding_mode.data, 2 if v2 else 1, vals[4] if v2 else None,
                    flag(q.signed), flag(q.narrow))
                return code.astype(np.int64)
            t = arg(q.thresholds)
            return np.count_nonzero(x[..., None] >= t[None, :, :] if t.shape[0] > 1
                                    else x[..., None] >= t[0], axis=-1).astype(np.int64)
        return f

    def _output(self, rewriter: PatternRewriter, q: Operation):
        """(code element type, forced level range, dequantize scale, dequantize zero point)."""
        if isinstance(q, quant.QuantOp):
            b = int(const_value(q.bitwidth).reshape(-1)[0])
            signed, narrow = flag(q.signed), flag(q.narrow)
            if b == 1 and signed:
                return quant.BipolarType(), (0, 1), q.scale, q.zeropt
            return quant.quant_code_type(b, signed, narrow), None, q.scale, q.zeropt
        if isinstance(q, quant.BipolarQuantOp):
            return quant.BipolarType(), (0, 1), q.scale, new_const(rewriter, np.zeros((), np.float32), q)
        if isinstance(q, quant.TruncOp):
            vals = [const_value(v) for v in q.operands]
            if q.version.value.data == 2:
                s, z, os_ = vals[1], vals[2], vals[4]
                t = 2 ** np.round(np.log2(os_ / s))
                return None, None, q.output_scale, new_const(rewriter, (z / t).astype(np.float32), q)
            return None, None, q.scale, q.zeropt
        osc, ob = q.out_scale.value.data, q.out_bias.value.data
        k = quant.tensor_shape(q.thresholds)[1]
        return (quant.int_type(0, k), None, new_const(rewriter, np.float32(osc), q),
                new_const(rewriter, np.float32(-ob / osc), q))

    def match_and_rewrite(self, q: Operation, rewriter: PatternRewriter) -> None:
        if not isinstance(q, QUANTIZERS):
            return
        chain = _chain_to_dequantize(q.operands[0])
        if chain is None or const_values(q.operands[1:]) is None:
            return
        root = chain.root
        if const_values([root.scale, root.zeropt]) is None:
            return
        shape = quant.tensor_shape(q.result)
        if len(shape) != 2:
            raise op_error(q, f"activation on a {len(shape)}-D tensor: only (N, C) is supported yet")
        channels = shape[1]
        for op in chain.ops:
            for v in op.operands:
                c = const_value(v)
                if c is not None and channel_vector(c, channels) is None:
                    raise op_error(op, "parameter varies along a non-channel axis; cannot fold "
                                   "into thresholds")
        for v in q.operands[1:]:
            if channel_vector(const_value(v), channels) is None and not isinstance(q, quant.MultiThresholdOp):
                raise op_error(q, "quantizer parameter varies along a non-channel axis")
        acc = root.x
        if isinstance(acc, OpResult) and isinstance(acc.op, quant.IntMatMulOp):
            w = const_value(acc.op.w)
            lo, hi = acc_bounds(quant.elem_type(acc.op.x), w)
        else:
            lo_c, hi_c = quant.code_range(quant.elem_type(acc))
            if isinstance(quant.elem_type(acc), quant.BipolarType):
                raise op_error(q, "re-quantizing bipolar codes is not supported yet")
            lo, hi = np.full(channels, lo_c), np.full(channels, hi_c)
        elem, forced, scale, zp = self._output(rewriter, q)
        try:
            if forced is None:
                t = derive_thresholds(self._level_fn(chain, q), lo, hi)
            else:
                t = derive_thresholds(self._level_fn(chain, q), lo, hi, base=forced[0], top=forced[1])
        except NotThresholdable as e:
            raise op_error(q, f"cannot express the activation as thresholds: {e}")
        k = t.thresholds.shape[1]
        if elem is None:
            elem = quant.int_type(t.base, t.base + k)
        acc_elem = quant.elem_type(acc)
        alo, ahi = quant.code_range(acc_elem)
        tmin, tmax = int(t.thresholds.min(initial=alo)), int(t.thresholds.max(initial=ahi))
        if tmin < alo or tmax > ahi:  # widen the accumulator to hold "never" thresholds
            acc = self._widen(rewriter, acc, quant.int_type(min(alo, tmin), max(ahi, tmax)))
        th = quant.ThresholdOp.build(
            operands=[acc], result_types=[_tensor(shape, elem)],
            properties={"thresholds": quant.dense_from_numpy(t.thresholds, quant.int_type(
                            int(t.thresholds.min(initial=0)), int(t.thresholds.max(initial=0)))),
                        "descending": quant.dense_from_numpy(t.descending.astype(np.int64),
                                                             quant.int_type(0, 1)),
                        "out_bias": IntegerAttr(0 if isinstance(elem, quant.BipolarType) else t.base, 64)})
        th.location = q.location
        rewriter.insert(th)
        rewriter.replace(q, located(quant.DequantizeOp.build(
            operands=[th.result, scale, zp], result_types=[q.results[0].type]), q))

    @staticmethod
    def _widen(rewriter: PatternRewriter, acc: SSAValue, elem) -> SSAValue:
        """Give the int_matmul producing acc a wider result type (values are unchanged)."""
        if isinstance(acc, OpResult) and isinstance(acc.op, quant.IntMatMulOp):
            mm = acc.op
            new = quant.IntMatMulOp.build(operands=list(mm.operands),
                                          result_types=[_tensor(quant.tensor_shape(acc), elem)])
            new.location = mm.location
            rewriter.replace(mm, new)
            return new.result
        raise AssertionError("code inputs already span their whole type; no widening needed")


class HoistDequantizeThroughReshapePattern(RewritePattern):
    """reshape(dequantize(x, s, z)) with per-tensor s, z → dequantize(reshape(x), s, z)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: quant.ReshapeOp, rewriter: PatternRewriter) -> None:
        x = op.x
        if not (isinstance(x, OpResult) and isinstance(x.op, quant.DequantizeOp)):
            return
        d = x.op
        params = const_values([d.scale, d.zeropt])
        if params is None or params[0].size != 1 or params[1].size != 1:
            return
        shape = quant.tensor_shape(op.result)
        r = quant.ReshapeOp(d.x, _tensor(shape, quant.elem_type(d.x)))
        r.location = op.location
        rewriter.insert(r)
        rewriter.replace(op, located(quant.DequantizeOp.build(
            operands=[r.result, d.scale, d.zeropt], result_types=[op.result.type]), op))


# ----------------------------------------------------------------------------------------------
# The pass
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuantStreamlinePass(ModulePass):
    """Fold weights, integerize matrix products and collapse activations into thresholds."""

    name = "quant-streamline"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        from qnnc.ir import interpreter_functions

        interp = Interpreter(op)
        interp.qnnc_float = np.float64  # chains are evaluated near-exactly
        for f in interpreter_functions():
            interp.register_implementations(f)
        PatternRewriteWalker(GreedyRewritePatternApplier([
            FoldWeightQuantPattern(),
            GemmToMatMulPattern(),
            IntMatMulPattern(),
            ThresholdPattern(interp),
            HoistDequantizeThroughReshapePattern(),
            InputQuantPattern(),
        ])).rewrite_module(op)
