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
* the first quantizer on a float input (no quantized value upstream on the data path; constant
  operands such as a folded weight are not the data path, so after a float first layer the
  activation quantizer is the input quantizer and that layer stays on the host) becomes
  `dequantize(quantize(x))`; a `MultiThreshold` there (FINN-ONNX's input quantizer) becomes
  `dequantize(quantize(count))` with the counting `multithreshold` left to the host;
* a FINN-annotated graph input (`quant.annotate`, its values are codes) becomes
  `dequantize(quantize(x), 1, 0)` when the per-tensor affine ops after it fold exactly (else it
  is marked `unfolded` and stays float: its first layer runs on the host);
* `add/sub/mul/div` by a per-tensor constant of `dequantize(q, s, z)` becomes
  `dequantize(q, s', z')` when that is the same float32 value for every code q
  (`qnnc.affine_fold`; FINN-ONNX's activation `Add`/`Mul`, weight-scale `Mul`, `(x + 1) / 2`);
  otherwise the op stays;
* `Gemm` becomes `MatMul` (+ `Mul` by alpha, + `Add` of beta·C), transposing constant weights;
* `matmul(dequantize(x), dequantize(W))` becomes `dequantize(int_matmul(x, W - zW))` with the
  activation zero point folded into a per-channel offset, the scales into a per-channel scale;
* a quantizer (`Quant`, `BipolarQuant`, `Trunc`, `MultiThreshold`) whose input is a
  per-channel elementwise chain over `dequantize(acc)` becomes `dequantize(threshold(acc))`; the
  thresholds are derived from the chain evaluated (float64) on integer accumulator values (`qnnc.thresholds`), never by inverting float algebra;
* `reshape(dequantize(x))` / `transpose(dequantize(x))` with per-tensor scale becomes
  `dequantize(reshape(x))` / `dequantize(transpose(x))` (layout ops move onto the codes);
* convolutional networks (NCHW in the model) become channels-last integer ops, each wrapped in
  transposes of its codes (`quant-absorb-transposes` removes the pairs between layers):
  - `conv(dequantize(x, sa, za), dequantize(W, sw, zw)[, bias])` with per-tensor sa and an
    integer za becomes `dequantize(transpose_nchw(int_conv(transpose_nhwc(x), W - zw)),
    sa·sw, za·ΣW)` (+ the bias as a per-channel Add), padding with the code za (the real 0);
    per-tensor or per-output-channel weight scales; groups and dilation as they are;
  - a quantizer on a 4-D tensor whose chain varies along axis 1 only gets thresholds on the
    channels-last accumulator (channel = last axis), as for 2-D;
  - `maxpool(dequantize(x, s, z))` with s > 0 (per tensor or per channel) becomes
    `dequantize(transpose_nchw(int_maxpool(transpose_nhwc(x))), s, z)`;
  - `quantizer(chain(add(dequantize(a, sa, za), dequantize(b, sb, zb))))` (a residual join,
    per-tensor scales) becomes `dequantize(threshold(int_add(a, b){ka, kb}))` for the first
    continued-fraction convergent ka/kb of sa/sb for which the quantizer's output is a
    threshold function of ka·a + kb·b, checked on every code pair.
Refused by node name (never approximated): a padded convolution of codes that cannot hold the
real 0 (bipolar codes, a zero point outside the code range) or of a non-integer zero point, a
MaxPool of a negative or zero scale, a residual join of per-channel values or without such
weights. A convolution of per-channel quantized values stays float (`quant-partition-host`
reports it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from xdsl.context import Context
from xdsl.dialects.builtin import (
    BoolAttr,
    FloatAttr,
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

from qnnc import affine_fold
from qnnc.diagnostics import node_name, op_error
from qnnc.dialects import quant
from qnnc.dialects.quant import flag
from qnnc.thresholds import NotThresholdable, derive_thresholds, sum_thresholds

QUANTIZERS = quant.QONNX_QUANTIZER_OPS
UNFOLDED = "unfolded"  # on a quant.annotate whose affine ops do not fold: names the first such op
CHAIN_OPS = (quant.AddOp, quant.SubOp, quant.MulOp, quant.DivOp, quant.BatchNormOp,
             quant.ReluOp, quant.IdentityOp)
INTEGER_OPS = (quant.QuantizeOp, quant.DequantizeOp, quant.IntMatMulOp, quant.ThresholdOp,
               quant.IntConvOp, quant.IntMaxPoolOp, quant.IntAddOp)


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


def is_constant(v: SSAValue) -> bool:
    """True when v is computed from constants only (a weight, its quantizer or its folded
    `dequantize`, a transposed weight, ...)."""
    seen: set[int] = set()
    stack = [v]
    while stack:
        cur = stack.pop()
        if not isinstance(cur, OpResult):
            return False
        if id(cur.op) in seen or isinstance(cur.op, quant.ConstOp):
            continue
        seen.add(id(cur.op))
        stack.extend(cur.op.operands)
    return True


def has_quantized_ancestor(v: SSAValue) -> bool:
    """True when some value on the data path upstream of v is (or may become) quantized: an
    integer op, a quantizer of a non-constant value, an annotated input. Constant operands
    (weights, even once folded to `dequantize(const codes)`) are not the data path: a layer
    whose input is float is no quantized ancestor of the activation quantizer after it."""
    seen: set[int] = set()
    stack = [v]
    while stack:
        cur = stack.pop()
        if not isinstance(cur, OpResult) or id(cur.op) in seen:
            continue
        seen.add(id(cur.op))
        op = cur.op
        if isinstance(op, INTEGER_OPS) or (isinstance(op, quant.AnnotateOp) and UNFOLDED not in op.attributes) or (
                isinstance(op, QUANTIZERS) and const_value(op.operands[0]) is None):
            return True
        stack.extend(o for o in op.operands if not is_constant(o))
    return False


def affine_step(op: Operation) -> tuple[SSAValue, str, np.ndarray] | None:
    """(data operand, kind, constant) of an elementwise op by a per-tensor constant that is
    affine in its data operand (`qnnc.affine_fold.KINDS`); None for anything else."""
    if not isinstance(op, (quant.AddOp, quant.SubOp, quant.MulOp, quant.DivOp)):
        return None
    lc, rc = const_value(op.lhs), const_value(op.rhs)
    if (lc is None) == (rc is None):
        return None
    c = lc if lc is not None else rc
    if c.size != 1 or quant.tensor_shape(op.result) != quant.tensor_shape(op.lhs if rc is not None else op.rhs):
        return None
    data_lhs = rc is not None
    kind = {quant.AddOp: "add", quant.MulOp: "mul", quant.SubOp: "sub" if data_lhs else "rsub",
            quant.DivOp: "div" if data_lhs else None}[type(op)]
    if kind is None:
        return None
    return (op.lhs if data_lhs else op.rhs), kind, c


def code_values(elem) -> np.ndarray:
    """Every code of an integer element type (bipolar: -1, +1)."""
    lo, hi = quant.code_range(elem)
    return affine_fold.codes_of(lo, hi, isinstance(elem, quant.BipolarType))


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


def counts_output(rewriter: PatternRewriter, counts: SSAValue, mt: quant.MultiThresholdOp) -> SSAValue:
    """A MultiThreshold's output `count·out_scale + out_bias` (float32) from its counts:
    `dequantize(counts, out_scale, -out_bias/out_scale)` when that is the same float32 value
    for every count (`qnnc.affine_fold`), else `dequantize(counts, out_scale, 0)` and an add of
    out_bias (exactly the op's float32 arithmetic)."""
    osc = np.float32(mt.out_scale.value.data)
    ob = np.float32(mt.out_bias.value.data)
    k = quant.tensor_shape(mt.thresholds)[1]
    s, z = osc, np.float32(0)
    folded = (s, z) if ob == 0 else affine_fold.fold("add", s, z, ob, np.arange(k + 1))
    sc, zc = folded if folded is not None else (s, z)
    out_t = mt.result.type
    d = located(quant.DequantizeOp.build(
        operands=[counts, new_const(rewriter, np.asarray(sc, np.float32), mt),
                  new_const(rewriter, np.asarray(zc, np.float32), mt)], result_types=[out_t]), mt)
    rewriter.insert(d)
    if folded is not None:
        return d.result
    add = located(quant.AddOp(d.result, new_const(rewriter, ob, mt), out_t), mt)
    rewriter.insert(add)
    return add.result


def affine_chain_unfolded(v: SSAValue, codes: np.ndarray) -> Operation | None:
    """Follow the per-tensor affine ops (through reshapes) that consume the codes `v` alone;
    the first whose fold into `dequantize(codes, s, z)` is not exact, or None when all fold."""
    s, z = np.float32(1), np.float32(0)
    while len(uses := list(v.uses)) == 1:
        user = uses[0].operation
        if isinstance(user, (quant.ReshapeOp, quant.IdentityOp)):
            v = user.results[0]
            continue
        step = affine_step(user)
        if step is None or step[0] is not v:
            return None
        folded = affine_fold.fold(step[1], s, z, step[2], codes)
        if folded is None:
            return user
        s, z = folded
        v = user.results[0]
    return None


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


class InputMultiThresholdPattern(RewritePattern):
    """multithreshold(x) on a float input (no quantized value upstream) →
    dequantize(quantize(multithreshold(x) counting only)): FINN-ONNX's input quantizer; the
    host counts the thresholds x passes, the accelerator's input stream carries the counts."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: quant.MultiThresholdOp, rewriter: PatternRewriter) -> None:
        if const_value(op.x) is not None or const_value(op.thresholds) is None:
            return
        uses = [u.operation for u in op.result.uses]
        if uses and all(isinstance(u, quant.QuantizeOp) for u in uses):
            return  # already the host's counting
        if has_quantized_ancestor(op.x):
            return
        k = quant.tensor_shape(op.thresholds)[1]
        bits = max(1, k.bit_length())
        count = located(quant.MultiThresholdOp.build(
            operands=[op.x, op.thresholds], result_types=[op.result.type],
            properties={"out_scale": FloatAttr(1.0, f64), "out_bias": FloatAttr(0.0, f64),
                        "data_layout": op.data_layout}), op)
        rewriter.insert(count)
        q = located(quant.QuantizeOp.build(
            operands=[count.result, new_const(rewriter, np.ones((), np.float32), op),
                      new_const(rewriter, np.zeros((), np.float32), op)],
            result_types=[_tensor(quant.tensor_shape(op.x), quant.quant_code_type(bits, False, False))],
            properties={"bits": IntegerAttr(bits, 64), "signed": BoolAttr.from_bool(False),
                        "narrow": BoolAttr.from_bool(False), "rounding_mode": StringAttr("ROUND")}), op)
        rewriter.insert(q)
        rewriter.replace(op, [], [counts_output(rewriter, q.result, op)])


class AnnotatedInputPattern(RewritePattern):
    """annotate(x) → dequantize(quantize(x), 1, 0) (x holds codes of the annotated type) when
    the per-tensor affine ops after it fold exactly into that dequantize; otherwise the
    annotation is marked `unfolded` (naming that op): x stays a float input on the host."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: quant.AnnotateOp, rewriter: PatternRewriter) -> None:
        if UNFOLDED in op.attributes:
            return
        lo, hi = op.code_range()
        bits, signed, narrow = op.bits.value.data, flag(op.signed), flag(op.narrow)
        elem = quant.quant_code_type(bits, signed, narrow)
        bad = affine_chain_unfolded(op.result, affine_fold.codes_of(lo, hi, isinstance(elem, quant.BipolarType)))
        if bad is not None:
            marked = op.clone()
            marked.attributes[UNFOLDED] = StringAttr(node_name(bad))
            rewriter.replace(op, marked)
            return
        one = new_const(rewriter, np.ones((), np.float32), op)
        zero = new_const(rewriter, np.zeros((), np.float32), op)
        q = located(quant.QuantizeOp.build(
            operands=[op.x, one, zero], result_types=[_tensor(quant.tensor_shape(op.x), elem)],
            properties={"bits": op.bits, "signed": op.signed, "narrow": op.narrow,
                        "rounding_mode": StringAttr("ROUND")}), op)
        rewriter.insert(q)
        rewriter.replace(op, located(quant.DequantizeOp.build(
            operands=[q.result, one, zero], result_types=[op.result.type]), op))


class FoldAffineIntoDequantizePattern(RewritePattern):
    """add/sub/mul/div(dequantize(q, s, z), c), c a per-tensor constant → dequantize(q, s', z')
    when both give the same float32 value for every code q (`qnnc.affine_fold`)."""

    def __init__(self):
        super().__init__()
        self._not_exact: set[tuple[Operation, Operation]] = set()

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        step = affine_step(op)
        if step is None:
            return
        x, kind, c = step
        if not (isinstance(x, OpResult) and isinstance(x.op, quant.DequantizeOp)):
            return
        d = x.op
        params = const_values([d.scale, d.zeropt])
        if params is None or (op, d) in self._not_exact:
            return
        folded = affine_fold.fold(kind, params[0], params[1], c, code_values(quant.elem_type(d.x)))
        if folded is None:
            self._not_exact.add((op, d))
            return
        new = quant.DequantizeOp.build(
            operands=[d.x, new_const(rewriter, folded[0], d), new_const(rewriter, folded[1], d)],
            result_types=[op.results[0].type])
        new.location = d.location  # the quantizer it stands for, with the ops folded into it
        rewriter.replace(op, new)


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


def _per_tensor(values: list[np.ndarray]) -> bool:
    return all(v.size == 1 for v in values)


def _weight_codes(op: Operation, w: SSAValue) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """(codes, scale, zero point) of a layer's constant weights: `dequantize(const codes)` or
    an integer constant (scale 1); None while not folded yet. Raises for float weights."""
    wv = const_value(w)
    if wv is not None:
        if not np.all(np.round(wv) == wv):
            raise op_error(op, "weights are neither quantized nor integer; cannot map to "
                           "integer hardware")
        return wv.astype(np.int64), np.ones(1), np.zeros(1)
    if isinstance(w, OpResult) and isinstance(w.op, quant.DequantizeOp):
        return None if (vals := const_values(w.op.operands)) is None else tuple(vals)
    return None


class IntConvPattern(RewritePattern):
    """conv(dequantize(x, sa, za), dequantize(W, sw, zw)[, bias]) →
    dequantize(transpose_nchw(int_conv(transpose_nhwc(x), W')), sa·sw, za·Σ W')[ + bias]
    with W' = (W - zw) as (kH, kW, C/group, M) and padding by the code za (the real 0); the
    bias is a per-channel Add the activation's thresholds absorb."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: quant.ConvOp, rewriter: PatternRewriter) -> None:
        x = op.x
        if not (isinstance(x, OpResult) and isinstance(x.op, quant.DequantizeOp)):
            return
        da = x.op
        act = const_values([da.scale, da.zeropt])
        if act is None or not _per_tensor(act):
            return  # a per-channel activation: left in float (partition reports it)
        weights = _weight_codes(op, op.w)
        if weights is None or (op.bias is not None and const_value(op.bias) is None):
            return
        w, sw, zw = weights
        m = w.shape[0]
        sw_c = _weight_channel(sw, w.shape)
        zw_c = _weight_channel(zw, w.shape)
        if sw_c is None or zw_c is None:
            raise op_error(op, "weight scale/zero point must be per-tensor or per output channel")
        if not np.all(np.round(zw_c) == zw_c):
            raise op_error(op, "non-integer weight zero point")
        sa, za = float(act[0].reshape(-1)[0]), float(act[1].reshape(-1)[0])
        if za != round(za):
            raise op_error(op, f"the input's zero point {za} is not an integer: padding and "
                           "offsets need an integer code")
        x_elem = quant.elem_type(da.x)
        pads = quant.array_ints(op.pads)
        if any(pads):
            lo, hi = quant.code_range(x_elem)
            if isinstance(x_elem, quant.BipolarType) or not lo <= za <= hi:
                raise op_error(op, "padding needs the real value 0 as an input code (the zero "
                               f"point {za:g} is no code of {x_elem})")
        wi = w.astype(np.int64) - zw_c.astype(np.int64).reshape(m, 1, 1, 1)
        w_cl = np.ascontiguousarray(wi.transpose(2, 3, 1, 0))  # (kH, kW, C/group, M)
        lo, hi = acc_bounds(x_elem, w_cl.reshape(-1, m))
        acc_t = quant.int_type(int(lo.min(initial=0)) - 1, int(hi.max(initial=0)) + 1)
        wconst = new_const(rewriter, w_cl, op, quant.int_type(int(w_cl.min(initial=0)),
                                                              int(w_cl.max(initial=0))))
        xin = to_channels_last(rewriter, da.x, op)
        out_shape = quant.tensor_shape(op.result)
        conv = located(quant.IntConvOp.build(
            operands=[xin, wconst],
            result_types=[_tensor(_permuted(out_shape, NCHW_TO_NHWC), acc_t)],
            properties={"strides": op.strides, "pads": op.pads, "dilations": op.dilations,
                        "group": op.group, "pad_value": IntegerAttr(int(za), 64)}), op)
        rewriter.insert(conv)
        acc = to_channels_first(rewriter, conv.result, op)
        scale = (np.float64(sa) * sw_c.astype(np.float64)).reshape(1, m, 1, 1)
        offset = (np.float64(za) * w_cl.reshape(-1, m).sum(axis=0).astype(np.float64)).reshape(1, m, 1, 1)
        d = located(quant.DequantizeOp.build(
            operands=[acc, new_const(rewriter, scale, op, f64), new_const(rewriter, offset, op, f64)],
            result_types=[op.result.type]), op)
        if op.bias is None:
            rewriter.replace(op, d)
            return
        rewriter.insert(d)
        bias = const_value(op.bias).astype(np.float32).reshape(1, m, 1, 1)
        rewriter.replace(op, located(quant.AddOp(d.result, new_const(rewriter, bias, op),
                                                 op.result.type), op))


def _weight_channel(p: np.ndarray, wshape: tuple[int, ...]) -> np.ndarray | None:
    """A conv weight parameter (per-tensor, or per output channel as (M, 1, 1, 1)) as an (M,)
    vector; None if it varies along another axis."""
    a = np.asarray(p)
    if a.size == 1:
        return np.full(wshape[0], a.reshape(-1)[0])
    try:
        if np.broadcast_shapes(a.shape, wshape) != tuple(wshape):
            return None
        b = np.broadcast_to(a, wshape).reshape(wshape[0], -1)
    except ValueError:
        return None
    return b[:, 0] if np.all(b == b[:, :1]) else None


class IntMaxPoolPattern(RewritePattern):
    """maxpool(dequantize(x, s, z)) with s > 0 per tensor or per channel →
    dequantize(transpose_nchw(int_maxpool(transpose_nhwc(x))), s, z): a dequantize of positive
    scale is increasing (also after float rounding), so the max commutes with it."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: quant.MaxPoolOp, rewriter: PatternRewriter) -> None:
        x = op.x
        if not (isinstance(x, OpResult) and isinstance(x.op, quant.DequantizeOp)):
            return
        d = x.op
        params = const_values([d.scale, d.zeropt])
        if params is None:
            return
        shape = quant.tensor_shape(x)
        if any(channel_param(p, shape) is None for p in params):
            return  # per-element parameters: left in float (partition reports it)
        if np.any(params[0] <= 0):
            raise op_error(op, "the pooled codes' scale is negative or zero: the maximum of the "
                           "values is not the maximum of the codes")
        xin = to_channels_last(rewriter, d.x, op)
        out_shape = quant.tensor_shape(op.result)
        pool = located(quant.IntMaxPoolOp.build(
            operands=[xin], result_types=[_tensor(_permuted(out_shape, NCHW_TO_NHWC),
                                                  quant.elem_type(d.x))],
            properties={"kernel_shape": op.kernel_shape, "strides": op.strides,
                        "pads": op.pads, "dilations": op.dilations}), op)
        rewriter.insert(pool)
        codes = to_channels_first(rewriter, pool.result, op)
        rewriter.replace(op, located(quant.DequantizeOp.build(
            operands=[codes, d.scale, d.zeropt], result_types=[op.result.type]), op))


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


def _channel_rows(c: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """A per-channel constant of a tensor of `shape` (channel axis 1) as a (1, C) row, the form
    the level functions evaluate chains on ((M, C) grids); scalars stay as they are. Only for
    rank > 2: a 2-D tensor's constants already broadcast against (M, C)."""
    if len(shape) <= 2:
        return c
    if c.size == 1:
        return c.reshape(())
    b = np.broadcast_to(c, shape)
    return np.ascontiguousarray(b[(0, slice(None)) + (0,) * (len(shape) - 2)]).reshape(1, shape[1])


def _eval_constant(op: Operation, i: int, c: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Constant operand i of a chain op or quantizer, as a level function feeds it (see
    `_channel_rows`); BatchNorm parameters are (C,) vectors already, bit widths scalars and
    MultiThreshold tables (C, K)."""
    if isinstance(op, (quant.BatchNormOp, quant.MultiThresholdOp)) and i > 0:
        return c
    return _channel_rows(c, shape)


def check_channel_params(ops: list[Operation], q: Operation, shape: tuple[int, ...]) -> None:
    """Raise (naming the op) when a chain or quantizer parameter varies along another axis than
    the channel axis 1 of a tensor of `shape`, or a chain op changes the shape."""
    channels = shape[1]
    for op in ops:
        if quant.tensor_shape(op.results[0]) != shape:
            raise op_error(op, "broadcasts the activation to another shape; cannot fold into "
                           "thresholds")
        if isinstance(op, quant.BatchNormOp):
            continue
        for v in op.operands:
            c = const_value(v)
            if c is not None and channel_param(c, shape) is None:
                raise op_error(op, "parameter varies along a non-channel axis; cannot fold "
                               "into thresholds")
    if isinstance(q, quant.MultiThresholdOp):
        if len(shape) > 2 and q.channel_axis() != 1:
            raise op_error(q, "a channels-last MultiThreshold on an NCHW tensor is not supported")
        return
    for v in q.operands[1:]:
        if channel_param(const_value(v), shape) is None:
            raise op_error(q, "quantizer parameter varies along a non-channel axis")


def channel_param(c: np.ndarray, shape: tuple[int, ...]) -> np.ndarray | None:
    """A constant broadcast against a tensor of `shape` as a (C,) vector (channel axis 1);
    None if it varies along another axis."""
    if len(shape) == 2:
        return channel_vector(c, shape[1])
    a = np.asarray(c)
    if a.size == 1:
        return np.full(shape[1], a.reshape(-1)[0])
    try:
        if np.broadcast_shapes(a.shape, shape) != tuple(shape):
            return None
        b = np.broadcast_to(a, shape)
    except ValueError:
        return None
    rows = np.moveaxis(b, 1, -1).reshape(-1, shape[1])
    return rows[0] if np.all(rows == rows[0]) else None


def quantizer_output(rewriter: PatternRewriter, q: Operation) -> tuple:
    """(code element type, forced level range, dequantize scale, dequantize zero point) of a
    quantizer (`QuantizerInterface.output_params`), the last two as SSA values: the quantizer's
    own operands where they are its parameters unchanged, else new constants."""
    params = [const_value(v) for v in q.operands[1:]]
    out = q.output_params(params)

    def value(arr):
        if arr is None:
            return None
        for v, p in zip(q.operands[1:], params):
            if arr is p:
                return v
        return new_const(rewriter, np.asarray(arr).astype(np.float32), q)
    return out.elem, out.forced, value(out.scale), value(out.zeropt)


def chain_levels(interp: Interpreter, ops: list[Operation], q: Operation,
                 env: dict[SSAValue, np.ndarray], shape: tuple[int, ...]) -> np.ndarray:
    """Run the chain ops (float64) on the values in env and return the quantizer's levels
    (`QuantizerInterface.levels`)."""
    def arg(op, i, v):
        return env[v] if v in env else _eval_constant(op, i, const_value(v).astype(np.float64), shape)

    for op in ops:
        (env[op.results[0]],) = interp.run_op(op, tuple(arg(op, i, v) for i, v in enumerate(op.operands)))
    x = arg(q, 0, q.operands[0])
    if np.any(np.isnan(x)):  # no threshold reproduces a NaN (±inf clamps): refuse
        raise NotThresholdable("the ops feeding it compute NaN (e.g. a negative "
                               "BatchNorm variance)")
    return q.levels(x, [arg(q, i + 1, v) for i, v in enumerate(q.operands[1:])])


NCHW_TO_NHWC = (0, 2, 3, 1)
NHWC_TO_NCHW = (0, 3, 1, 2)


def _permuted(shape, perm) -> tuple[int, ...]:
    return tuple(shape[p] for p in perm)


def to_channels_last(rewriter: PatternRewriter, v: SSAValue, anchor: Operation) -> SSAValue:
    """NCHW codes v as NHWC codes: the input of v's transpose when v is one from NHWC, else
    v's existing transpose to NHWC, else a new one (2-D values are returned as they are)."""
    shape = quant.tensor_shape(v)
    if len(shape) != 4:
        return v
    if isinstance(v, OpResult) and isinstance(v.op, quant.TransposeOp) and \
            v.op.permutation() == NHWC_TO_NCHW:
        return v.op.x
    for use in v.uses:  # one transpose per value: a skip connection reads the same stream
        u = use.operation
        if isinstance(u, quant.TransposeOp) and u.permutation() == NCHW_TO_NHWC and \
                u.parent_block() is not None:
            return u.result
    t = located(quant.TransposeOp(v, NCHW_TO_NHWC, _tensor(_permuted(shape, NCHW_TO_NHWC),
                                                            quant.elem_type(v))), anchor)
    rewriter.insert(t)
    return t.result


def to_channels_first(rewriter: PatternRewriter, v: SSAValue, anchor: Operation) -> SSAValue:
    """NHWC codes v as NCHW codes (a new transpose; 2-D values are returned as they are)."""
    shape = quant.tensor_shape(v)
    if len(shape) != 4:
        return v
    t = located(quant.TransposeOp(v, NHWC_TO_NCHW, _tensor(_permuted(shape, NHWC_TO_NCHW),
                                                            quant.elem_type(v))), anchor)
    rewriter.insert(t)
    return t.result


def int_conv_bounds(conv: quant.IntConvOp) -> tuple[np.ndarray, np.ndarray]:
    """Per output channel, the least and greatest accumulator of an int_conv (padded positions
    hold a code too, so the codes' range bounds every window)."""
    w = const_value(conv.w)
    return acc_bounds(quant.elem_type(conv.x), w.reshape(-1, w.shape[-1]))


def accumulator_bounds(acc: SSAValue, channels: int) -> tuple[np.ndarray, np.ndarray] | None:
    """Per channel bounds of an integer value thresholds compare (channels-last); None for
    bipolar codes."""
    if isinstance(acc, OpResult):
        if isinstance(acc.op, quant.IntMatMulOp):
            return acc_bounds(quant.elem_type(acc.op.x), const_value(acc.op.w))
        if isinstance(acc.op, quant.IntConvOp):
            return int_conv_bounds(acc.op)
        if isinstance(acc.op, (quant.IntAddOp, quant.IntSumPoolOp)):
            lo, hi = acc.op.bounds()
            return np.full(channels, lo), np.full(channels, hi)
    if isinstance(quant.elem_type(acc), quant.BipolarType):
        return None
    lo_c, hi_c = quant.code_range(quant.elem_type(acc))
    return np.full(channels, lo_c), np.full(channels, hi_c)


def build_threshold(rewriter: PatternRewriter, q: Operation, acc: SSAValue, t, elem,
                    scale, zp, widen) -> None:
    """Replace quantizer q by dequantize(threshold(acc)) (acc channels-last; transposed back
    to NCHW for a 4-D q); widen(acc, elem) gives acc a type holding "never" thresholds."""
    k = t.thresholds.shape[1]
    if elem is None:
        elem = quant.int_type(t.base, t.base + k)
    alo, ahi = quant.code_range(quant.elem_type(acc))
    tmin, tmax = int(t.thresholds.min(initial=alo)), int(t.thresholds.max(initial=ahi))
    if tmin < alo or tmax > ahi:  # widen the accumulator to hold "never" thresholds
        acc = widen(acc, quant.int_type(min(alo, tmin), max(ahi, tmax)))
    th = quant.ThresholdOp.build(
        operands=[acc], result_types=[_tensor(quant.tensor_shape(acc), elem)],
        properties={"thresholds": quant.dense_from_numpy(t.thresholds, quant.int_type(
                        int(t.thresholds.min(initial=0)), int(t.thresholds.max(initial=0)))),
                    "descending": quant.dense_from_numpy(t.descending.astype(np.int64),
                                                         quant.int_type(0, 1)),
                    "out_bias": IntegerAttr(0 if isinstance(elem, quant.BipolarType) else t.base, 64)})
    th.location = q.location
    rewriter.insert(th)
    codes = to_channels_first(rewriter, th.result, q)
    if isinstance(q, quant.MultiThresholdOp):
        rewriter.replace(q, [], [counts_output(rewriter, codes, q)])
        return
    rewriter.replace(q, located(quant.DequantizeOp.build(
        operands=[codes, scale, zp], result_types=[q.results[0].type]), q))


class ThresholdPattern(RewritePattern):
    """quantizer(chain(dequantize(acc))) → dequantize(threshold(acc)); on a 4-D (NCHW) tensor
    the threshold reads the channels-last accumulator: transpose(threshold(acc_nhwc))."""

    def __init__(self, interp: Interpreter):
        super().__init__()
        self.interp = interp

    def _level_fn(self, chain: _Chain, q: Operation, shape: tuple[int, ...]):
        """acc (M, C) → output levels, through the chain and the quantizer, in float64."""
        root = chain.root
        s, z = (_channel_rows(v, shape) for v in const_values([root.scale, root.zeropt]))

        def f(acc: np.ndarray) -> np.ndarray:
            env: dict[SSAValue, np.ndarray] = {
                root.result: (acc.astype(np.float64) - z.astype(np.float64)) * s.astype(np.float64)}
            return chain_levels(self.interp, chain.ops, q, env, shape)
        return f

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
        if len(shape) not in (2, 4):
            raise op_error(q, f"activation on a {len(shape)}-D tensor: only (N, C) and "
                           "(N, C, H, W) are supported")
        channels = shape[1]
        check_channel_params(chain.ops, q, shape)
        if len(shape) == 4 and (channel_param(const_value(root.scale), shape) is None or
                                channel_param(const_value(root.zeropt), shape) is None):
            return  # a per-element dequantize: no per-channel threshold (left in float)
        acc = to_channels_last(rewriter, root.x, q)
        bounds = accumulator_bounds(acc, channels)
        if bounds is None:
            raise op_error(q, "re-quantizing bipolar codes is not supported yet")
        lo, hi = bounds
        elem, forced, scale, zp = quantizer_output(rewriter, q)
        try:
            if forced is None:
                t = derive_thresholds(self._level_fn(chain, q, shape), lo, hi)
            else:
                t = derive_thresholds(self._level_fn(chain, q, shape), lo, hi, base=forced[0],
                                      top=forced[1])
        except NotThresholdable as e:
            raise op_error(q, f"cannot express the activation as thresholds: {e}")
        build_threshold(rewriter, q, acc, t, elem, scale, zp, lambda a, e: self._widen(rewriter, a, e))

    @staticmethod
    def _widen(rewriter: PatternRewriter, acc: SSAValue, elem) -> SSAValue:
        """Give the int_matmul producing acc a wider result type (values are unchanged); other
        integer values (codes, an int_conv or int_add sum, whose types already hold one more
        than their bounds) are compared exactly as they are."""
        if isinstance(acc, OpResult) and isinstance(acc.op, quant.IntMatMulOp):
            mm = acc.op
            new = quant.IntMatMulOp.build(operands=list(mm.operands),
                                          result_types=[_tensor(quant.tensor_shape(acc), elem)])
            new.location = mm.location
            rewriter.replace(mm, new)
            return new.result
        if isinstance(acc, OpResult) and isinstance(acc.op, (quant.IntConvOp, quant.IntAddOp)):
            raise AssertionError("int_conv/int_add types hold their bounds ± 1")
        return acc


MAX_PAIRS = 2**18
"""Most code pairs (a, b) a residual join's thresholds are checked on (every pair is)."""
MAX_SUM_WEIGHT = 2**16
"""Largest integer weight of a residual join's sum `ka·a + kb·b` tried: every scale ratio
that is a fraction p/q with p, q up to it succeeds (equal exact sums give equal float64 values,
and the chain and the quantizer are monotone)."""


def _convergents(r: float, bound: int):
    """The continued-fraction convergents p/q of r > 0 with p, q >= 1 and p, q <= bound."""
    h0, h1, k0, k1 = 0, 1, 1, 0
    x = r
    for _ in range(64):
        a = math.floor(x)
        h0, h1 = h1, a * h1 + h0
        k0, k1 = k1, a * k1 + k0
        if h1 > bound or k1 > bound:
            return
        if h1 >= 1:
            yield h1, k1
        frac = x - a
        if frac <= 0 or not math.isfinite(1 / frac):
            return
        x = 1 / frac


def _chain_to_residual(v: SSAValue) -> tuple[quant.AddOp, list[Operation]] | None:
    """(the Add of two dequantized code tensors, the per-channel ops from it to the quantizer)
    when v is such a chain; else None."""
    ops: list[Operation] = []
    while isinstance(v, OpResult):
        op = v.op
        if isinstance(op, quant.AddOp) and not is_constant(op.lhs) and not is_constant(op.rhs):
            # two data operands (a quantized bias, `dequantize(const codes)`, is a constant)
            if all(isinstance(o, OpResult) and isinstance(o.op, quant.DequantizeOp)
                   for o in (op.lhs, op.rhs)):
                return op, ops[::-1]
            return None
        if not isinstance(op, CHAIN_OPS):
            return None
        data = [o for o in op.operands if const_value(o) is None]
        if len(data) != 1:
            return None
        ops.append(op)
        v = data[0]
    return None


class ResidualThresholdPattern(RewritePattern):
    """quantizer(chain(add(dequantize(a, sa, za), dequantize(b, sb, zb)))) →
    dequantize(threshold(int_add(a, b){ka, kb})): (ka, kb) are small integers (continued-
    fraction convergents of sa/sb) such that the quantizer's output, evaluated (float64) on
    every code pair, is a threshold function of ka·a + kb·b in every channel; checked on all
    pairs, refused by node name when no such pair of weights is found."""

    def __init__(self, interp: Interpreter):
        super().__init__()
        self.interp = interp

    def match_and_rewrite(self, q: Operation, rewriter: PatternRewriter) -> None:
        if not isinstance(q, QUANTIZERS) or const_values(q.operands[1:]) is None:
            return
        found = _chain_to_residual(q.operands[0])
        if found is None:
            return
        add, ops = found
        da, db = add.lhs.op, add.rhs.op
        pa, pb = const_values([da.scale, da.zeropt]), const_values([db.scale, db.zeropt])
        if pa is None or pb is None:
            return
        shape = quant.tensor_shape(q.result)
        if len(shape) not in (2, 4) or quant.tensor_shape(add.result) != shape or \
                quant.tensor_shape(add.lhs) != shape or quant.tensor_shape(add.rhs) != shape:
            raise op_error(add, "residual join of tensors of different shapes is not supported")
        if not _per_tensor(pa + pb):
            raise op_error(add, "residual join of per-channel quantized values is not supported "
                           "(integer weights ka, kb need per-tensor scales)")
        check_channel_params(ops, q, shape)
        channels = shape[1]
        ea, eb = quant.elem_type(da.x), quant.elem_type(db.x)
        ca, cb = code_values(ea), code_values(eb)
        if ca.size * cb.size > MAX_PAIRS:
            raise op_error(add, f"residual join of {ca.size}×{cb.size} code pairs: too many to "
                           "check exhaustively")
        a = np.repeat(ca, cb.size)[:, None]
        b = np.tile(cb, ca.size)[:, None]
        env = {da.result: (a.astype(np.float64) - pa[1].astype(np.float64)) * pa[0].astype(np.float64),
               db.result: (b.astype(np.float64) - pb[1].astype(np.float64)) * pb[0].astype(np.float64)}
        env = {k: np.broadcast_to(v, (v.shape[0], channels)).copy() for k, v in env.items()}
        elem, forced, scale, zp = quantizer_output(rewriter, q)
        try:
            levels = chain_levels(self.interp, [add] + ops, q, env, shape)
        except NotThresholdable as e:
            raise op_error(q, f"cannot express the activation as thresholds: {e}")
        if forced is not None:
            base, top = forced
        else:
            base = top = None
        sa, sb = float(pa[0].reshape(-1)[0]), float(pb[0].reshape(-1)[0])
        if sa == 0 or sb == 0:
            raise op_error(add, "a residual operand has scale 0")
        sign_a, sign_b = (1 if sa > 0 else -1), (1 if sb > 0 else -1)
        last = None
        candidates = list(_convergents(abs(sa) / abs(sb), MAX_SUM_WEIGHT)) + [(1, 0), (0, 1)]
        for p, r in candidates:  # (1, 0), (0, 1): one operand never changes the output
            ka, kb = sign_a * p, sign_b * r
            sums = ka * a[:, 0].astype(np.int64) + kb * b[:, 0].astype(np.int64)
            terms = [sorted((ka * int(ca.min()), ka * int(ca.max()))),
                     sorted((kb * int(cb.min()), kb * int(cb.max())))]
            lo, hi = terms[0][0] + terms[1][0], terms[0][1] + terms[1][1]
            try:
                t = sum_thresholds(levels, sums, lo, hi, base, top)
            except NotThresholdable as e:
                last = e
                continue
            s = located(quant.IntAddOp.build(
                operands=[to_channels_last(rewriter, da.x, add), to_channels_last(rewriter, db.x, add)],
                result_types=[_tensor(_permuted(shape, NCHW_TO_NHWC) if len(shape) == 4 else shape,
                                      quant.int_type(lo - 1, hi + 1))],
                properties={"ka": IntegerAttr(ka, 64), "kb": IntegerAttr(kb, 64)}), add)
            rewriter.insert(s)
            build_threshold(rewriter, q, s.result, t, elem, scale, zp, lambda v, e: v)
            return
        raise op_error(q, "cannot express the activation after the residual join as thresholds "
                       f"of an integer sum ka·a + kb·b (|ka|, |kb| <= {MAX_SUM_WEIGHT}; scales "
                       f"{sa:g} and {sb:g}){': ' + str(last) if last else ''}")


class HoistDequantizeThroughLayoutPattern(RewritePattern):
    """reshape/transpose(dequantize(x, s, z)) with per-tensor s, z →
    dequantize(reshape/transpose(x), s, z): layout ops move onto the integer codes, so a
    Flatten or Transpose between a quantizer and the layer reading it is absorbed."""

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        if not isinstance(op, (quant.ReshapeOp, quant.TransposeOp)):
            return
        x = op.x
        if not (isinstance(x, OpResult) and isinstance(x.op, quant.DequantizeOp)):
            return
        d = x.op
        params = const_values([d.scale, d.zeropt])
        if params is None or params[0].size != 1 or params[1].size != 1:
            return
        codes_t = _tensor(quant.tensor_shape(op.result), quant.elem_type(d.x))
        if isinstance(op, quant.TransposeOp):
            moved = quant.TransposeOp(d.x, op.permutation(), codes_t)
        else:
            moved = quant.ReshapeOp(d.x, codes_t)
        moved.location = op.location
        rewriter.insert(moved)
        rewriter.replace(op, located(quant.DequantizeOp.build(
            operands=[moved.result, d.scale, d.zeropt], result_types=[op.result.type]), op))


def host_node_of_codes(op: Operation, op_types: tuple[str, ...]):
    """For a one-input, one-output host node of one of `op_types` reading dequantized codes of
    a (1, C, H, W) tensor with constant parameters: (the dequantize, [scale, zero point], the
    tensor's shape); else None."""
    from qnnc.dialects.host import OnnxNodeOp

    if not isinstance(op, OnnxNodeOp) or op.op_type.data not in op_types \
            or len(op.inputs) != 1 or len(op.outputs) != 1:
        return None
    x = op.inputs[0]
    if not (isinstance(x, OpResult) and isinstance(x.op, quant.DequantizeOp)):
        return None
    params = const_values([x.op.scale, x.op.zeropt])
    shape = quant.tensor_shape(x)
    if params is None or len(shape) != 4 or shape[0] != 1:
        return None
    return x.op, params, shape


GATHER_OPS = ("Resize", "Upsample", "DepthToSpace")
"""Standard ONNX nodes (kept as `host.onnx_node`) that move codes without computing: a
nearest-neighbour upsampling by integer factors or a depth-to-space."""


def probe_gather(node: Operation, shape: tuple[int, ...]) -> np.ndarray | None:
    """The element each output of a one-input host node copies, found by running the node on
    the element indices (exact in float32 below 2^24); None when it is no gather."""
    from qnnc.dialects.host import run_onnx_node

    n = int(np.prod(shape))
    if n >= 2 ** 24:
        return None
    iota = np.arange(n, dtype=np.float32).reshape(shape)
    (y,) = run_onnx_node(node, (iota,))
    y = np.asarray(y)
    if y.dtype.kind != "f" or np.any(y != np.round(y)) or np.any(y < 0) or np.any(y >= n):
        return None
    return y.astype(np.int64)


def gather_kind(index: np.ndarray, shape: tuple[int, ...]) -> tuple[str, dict] | None:
    """Which channels-last integer op reproduces a gather `index` of an NCHW tensor:
    `("upsample", {scales})` or `("depth_to_space", {blocksize, mode})`, else None."""
    iota = np.arange(int(np.prod(shape))).reshape(shape)
    _, c, h, w = shape
    if index.ndim != 4 or index.shape[0] != shape[0]:
        return None
    _, co, ho, wo = index.shape
    if co == c and ho % h == 0 and wo % w == 0:
        sh, sw = ho // h, wo // w
        if np.array_equal(index, np.repeat(np.repeat(iota, sh, axis=2), sw, axis=3)):
            return "upsample", {"scales": (sh, sw)}
    if ho % h == 0 and wo % w == 0 and ho // h == wo // w:
        b = ho // h
        for mode in quant.DEPTH_TO_SPACE_MODES:
            if c % (b * b) == 0 and co * b * b == c and np.array_equal(
                    index, quant.depth_to_space_nhwc(iota.transpose(0, 2, 3, 1), b,
                                                     mode).transpose(0, 3, 1, 2)):
                return "depth_to_space", {"blocksize": b, "mode": mode}
    return None


class GatherLayoutPattern(RewritePattern):
    """Resize / Upsample / DepthToSpace (host nodes) of dequantize(x, s, z) →
    dequantize(transpose_nchw(int_upsample | int_depth_to_space(transpose_nhwc(x))), s, z).
    What the node does is read off the node itself, run on element indices (`probe_gather`):
    a nearest-neighbour upsampling by integer factors (whatever coordinate mode gives that map)
    or a DCR/CRD depth-to-space; moving codes commutes with their dequantize (per tensor; an
    upsampling also per channel). Any other map of quantized values is an error naming the
    node."""

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        found = host_node_of_codes(op, GATHER_OPS)
        if found is None:
            return
        d, params, shape = found
        index = probe_gather(op, shape)
        kind = gather_kind(index, shape) if index is not None else None
        if kind is None:
            raise op_error(op, f"{op.op_type.data} of quantized values maps to hardware only as a "
                           "nearest-neighbour upsampling by integer factors or a DCR/CRD "
                           "depth-to-space; this node computes something else")
        per_tensor = all(p.size == 1 for p in params)
        if not per_tensor and (kind[0] != "upsample" or
                               any(channel_param(p, shape) is None for p in params)):
            raise op_error(op, f"{op.op_type.data} of values with per-channel scales mixes "
                           "channels: only per-tensor scale and zero point are supported")
        xin = to_channels_last(rewriter, d.x, op)
        out_t = _tensor(_permuted(quant.tensor_shape(op.outputs[0]), NCHW_TO_NHWC),
                        quant.elem_type(d.x))
        if kind[0] == "upsample":
            new = quant.IntUpsampleOp.build(
                operands=[xin], result_types=[out_t],
                properties={"scales": quant.i64_array(kind[1]["scales"])})
        else:
            new = quant.IntDepthToSpaceOp.build(
                operands=[xin], result_types=[out_t],
                properties={"blocksize": IntegerAttr(kind[1]["blocksize"], 64),
                            "mode": StringAttr(kind[1]["mode"])})
        rewriter.insert(located(new, op))
        codes = to_channels_first(rewriter, new.result, op)
        rewriter.replace(op, located(quant.DequantizeOp.build(
            operands=[codes, d.scale, d.zeropt], result_types=[op.outputs[0].type]), op))


AVERAGE_POOLS = ("AveragePool", "GlobalAveragePool")


def average_pool_window(node: Operation, shape: tuple[int, ...]) -> tuple[tuple[int, int],
                                                                         tuple[int, int]] | str:
    """(kernel, strides) of an AveragePool / GlobalAveragePool host node on an NCHW tensor, or
    why it is not a plain window average (padding, ceil mode, dilation, auto_pad)."""
    import onnx

    n = next(n for n in node.onnx_model().graph.node if n.op_type == node.op_type.data)
    if n.op_type == "GlobalAveragePool":
        return (shape[2], shape[3]), (1, 1)
    attrs = {a.name: onnx.helper.get_attribute_value(a) for a in n.attribute}
    kernel = tuple(attrs.get("kernel_shape", ()))
    strides = tuple(attrs.get("strides", (1, 1)))
    if len(kernel) != 2:
        return "only 2-D average pooling is supported"
    if any(attrs.get("pads", (0, 0, 0, 0))) or attrs.get("auto_pad", b"NOTSET") not in (
            b"NOTSET", b"VALID") or attrs.get("ceil_mode", 0) or \
            any(d != 1 for d in attrs.get("dilations", (1, 1))):
        return ("average pooling with padding, ceil_mode or dilation is not mapped to hardware "
                "(its divisor would vary per window)")
    return kernel, strides


class AveragePoolPattern(RewritePattern):
    """AveragePool / GlobalAveragePool (host nodes) of dequantize(x, s, z) →
    dequantize(transpose_nchw(int_sumpool(transpose_nhwc(x))), s/K, z·K): the window sum of
    the codes is exact, and the average is that sum dequantized at scale s/K (K the window
    size), so the quantizer after it (QONNX's Trunc, or a Quant) becomes thresholds on the
    sum. Checked against the node itself on random codes before rewriting."""

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        from qnnc.dialects.host import run_onnx_node

        found = host_node_of_codes(op, AVERAGE_POOLS)
        if found is None:
            return
        d, params, shape = found
        if any(channel_param(p, shape) is None for p in params):
            return  # per-element parameters: left in float (partition reports it)
        window = average_pool_window(op, shape)
        if isinstance(window, str):
            raise op_error(op, window)
        (kh, kw), strides = window
        k = kh * kw
        elem = quant.elem_type(d.x)
        if isinstance(elem, quant.BipolarType):
            raise op_error(op, "average pooling of bipolar codes is not supported")
        lo, hi = quant.code_range(elem)
        out_shape = quant.tensor_shape(op.outputs[0])
        probe = np.random.default_rng(0).integers(lo, hi + 1, size=shape).astype(np.float64)
        (want,) = run_onnx_node(op, (probe,), np.float64)
        got = quant.int_sumpool2d_nhwc(probe.astype(np.int64).transpose(0, 2, 3, 1), (kh, kw),
                                       strides)
        # onnxruntime may average in float32 only: a wrong window reading differs far more
        if not np.allclose(got.transpose(0, 3, 1, 2) / k, want, rtol=1e-5, atol=1e-5):
            raise op_error(op, f"{op.op_type.data}: qnnc's reading of its window ({kh}x{kw}, "
                           f"strides {strides}) does not reproduce the node")
        sums = quant.IntSumPoolOp.build(
            operands=[to_channels_last(rewriter, d.x, op)],
            result_types=[_tensor(_permuted(out_shape, NCHW_TO_NHWC),
                                  quant.int_type(min(k * lo, 0), max(k * hi, 0)))],
            properties={"kernel_shape": quant.i64_array((kh, kw)),
                        "strides": quant.i64_array(strides)})
        rewriter.insert(located(sums, op))
        codes = to_channels_first(rewriter, sums.result, op)
        scale = new_const(rewriter, (params[0].astype(np.float64) / k), op, f64)
        zeropt = new_const(rewriter, (params[1].astype(np.float64) * k), op, f64)
        rewriter.replace(op, located(quant.DequantizeOp.build(
            operands=[codes, scale, zeropt], result_types=[op.outputs[0].type]), op))


class ConcatPattern(RewritePattern):
    """Concat (a host node) along the channels of dequantize(x_i, s, z) with one per-tensor
    scale and zero point and one code type → dequantize(transpose_nchw(int_concat(...)), s, z)
    (pairwise, in order). Inputs quantized differently are left in float (partition reports
    the node)."""

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        import onnx

        from qnnc.dialects.host import OnnxNodeOp

        if not isinstance(op, OnnxNodeOp) or op.op_type.data != "Concat" \
                or len(op.inputs) < 2 or len(op.outputs) != 1:
            return
        ds = [v.op if isinstance(v, OpResult) and isinstance(v.op, quant.DequantizeOp) else None
              for v in op.inputs]
        if any(d is None for d in ds):
            return
        params = [const_values([d.scale, d.zeropt]) for d in ds]
        if any(p is None or p[0].size != 1 or p[1].size != 1 for p in params):
            return
        shape = quant.tensor_shape(op.inputs[0])
        node = next(n for n in op.onnx_model().graph.node if n.op_type == "Concat")
        axis = next(onnx.helper.get_attribute_value(a) for a in node.attribute if a.name == "axis")
        if len(shape) != 4 or axis % 4 != 1:
            return
        first = params[0]
        elems = {quant.elem_type(d.x) for d in ds}
        if any(p[0].item() != first[0].item() or p[1].item() != first[1].item() for p in params) \
                or len(elems) != 1:
            return
        (elem,) = elems
        acc = to_channels_last(rewriter, ds[0].x, op)
        for d in ds[1:]:
            other = to_channels_last(rewriter, d.x, op)
            xs, ys = quant.tensor_shape(acc), quant.tensor_shape(other)
            cat = located(quant.IntConcatOp.build(
                operands=[acc, other],
                result_types=[_tensor(xs[:-1] + (xs[-1] + ys[-1],), elem)]), op)
            rewriter.insert(cat)
            acc = cat.result
        codes = to_channels_first(rewriter, acc, op)
        rewriter.replace(op, located(quant.DequantizeOp.build(
            operands=[codes, ds[0].scale, ds[0].zeropt], result_types=[op.outputs[0].type]), op))


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
            IntConvPattern(),
            IntMaxPoolPattern(),
            GatherLayoutPattern(),
            AveragePoolPattern(),
            ConcatPattern(),
            ThresholdPattern(interp),
            ResidualThresholdPattern(interp),
            FoldAffineIntoDequantizePattern(),
            HoistDequantizeThroughLayoutPattern(),
            AnnotatedInputPattern(),
            InputQuantPattern(),
            InputMultiThresholdPattern(),
        ])).rewrite_module(op)
