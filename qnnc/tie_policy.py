"""When a float32 reference and an exact (or differently ordered) evaluation may disagree.

Used by `qnnc --verify` (what counts as `ambiguous`) and by the property tests (what passes).

qonnx's `execute_onnx` runs standard ops through onnxruntime in float32. qnnc computes the
integer core exactly and its interpreter's float32 MatMul sums in numpy's order, not
onnxruntime's. So an output element may differ from the float32 reference only where float32
noise decides: a value on a quantizer's decision boundary (a tie: a .5 under ROUND/HALF_*, an
integer under FLOOR/CEIL/UP/DOWN, 0 for bipolar — an accumulator of exactly 0 is common), or
the last bits of a float output. Policy, per output element:
  1. equal to the float32 reference: pass;
     1b. a float output (float ops after the last quantizer) within FLOAT_TAIL_RTOL times the
     float tail's largest term (see 2.) of the float32 reference: pass (the two float32
     evaluations differ only in the rounding of that tail, e.g. its summation order; this also
     covers both of them having flipped the same tie upstream, as FMA-fused float32 products
     of an exactly-zero accumulator do in numpy and onnxruntime alike);
  2. else the model is re-evaluated in float64 — `run_function(reference_module, "main",
     [x.astype(float64)], float64)` on a fresh import (qnnc's float64 mode quantizes model
     inputs and constants in float32, as qonnx does: only derived values are re-computed) —
     and the element passes if it agrees with that value:
       - a quantized output (the model ends in a quantizer) must equal it rounded to float32
         (the same integer code: `(q - z)·s` rounds once either way);
       - a float output (float ops after the last quantizer) must lie within FLOAT_TAIL_RTOL
         times the largest term magnitude met in that float tail (float32 rounding of the
         tail's own ops: Σ|a·b| of a MatMul, |x·γ/σ| and |μ·γ/σ| of a BatchNorm, ...);
  3. else the same in extended precision (`np.longdouble`, 64-bit mantissa): a product of
     two dequantized float32 values needs up to 64 bits, so float64 itself can miss an exact
     tie (e.g. an 8-bit × 8-bit accumulator of exactly 0 with arbitrary scales, under FLOOR);
  4. only when both sides of the comparison are float32 evaluations (qnnc's import-level
     interpreter vs onnxruntime): also pass if the *reference* agrees with the precise value
     (then qnnc's float32 evaluation was the one the noise pushed across);
  5. only when both sides are float32 evaluations: also pass if the element depends on a
     quantizer decision that the precise evaluation finds within float32 noise of its boundary
     (`near_tie_mask`). Each side is then judged against the exact semantics, and neither can
     be: both summed a near-zero (say) accumulator in float32, each in its own order, and each
     may land on either side of the boundary while the exact value sits on it; everything
     downstream of that decision may then differ three ways (qnnc, onnxruntime, exact).
     Hardware verification never uses this rule: integer hardware is exact and must equal
     the precise value (rules 2-3);
  anything else fails.
"""

from __future__ import annotations

import numpy as np

from qnnc.dialects import quant

FLOAT32_ROUNDING = "float32 rounding"  # rule 1b's name in `classify`'s counts
NEAR_TIE = "near tie"  # rule 5's name in `classify`'s counts
FLOAT_TAIL_RTOL = 2.0**-18  # ~32 float32 ulps of the tail's largest intermediate value
PRECISE_DTYPES = (np.float64, np.longdouble)

QUANTIZER_NAMES = tuple(op.name for op in quant.QONNX_QUANTIZER_OPS)


def term_magnitude(op, args, results) -> float:
    """Largest magnitude of the terms an op adds up (what its float32 rounding error scales
    with): Σ|a·b| for a matrix product or a convolution, |x·scale|, |mean·scale| and |bias| for
    BatchNorm, operands and results otherwise."""
    vals = [np.asarray(a, dtype=np.float64) for a in args]
    vals = [v for v in vals if v.dtype.kind == "f"]
    name = op.name
    if name in ("quant.matmul", "quant.gemm") and len(vals) >= 2:
        a, b = np.abs(vals[0]), np.abs(vals[1])
        if name == "quant.gemm":
            a = a.T if op.trans_a.value.data else a
            b = b.T if op.trans_b.value.data else b
        terms = [np.abs(a @ b) * abs(op.alpha.value.data) if name == "quant.gemm" else a @ b]
        if name == "quant.gemm" and len(vals) > 2:
            terms.append(np.abs(vals[2]) * abs(op.beta.value.data))
    elif name == "quant.conv" and len(vals) >= 2:
        ints = quant.array_ints
        terms = [np.abs(quant.conv2d(np.abs(vals[0]), np.abs(vals[1]),
                                     np.abs(vals[2]) if len(vals) > 2 else None,
                                     ints(op.strides), ints(op.pads), ints(op.dilations),
                                     op.group.value.data))]
    elif name == "quant.batchnorm":
        x, g, b, m, v = vals
        sc = np.abs(g) / np.sqrt(v + op.epsilon.value.data)
        shape = (1, -1) + (1,) * (x.ndim - 2)
        terms = [np.abs(x) * sc.reshape(shape), np.abs(m) * sc, np.abs(b)]
    else:
        terms = [np.abs(v) for v in vals]
    terms += [np.abs(np.asarray(r, dtype=np.float64)) for r in results
              if np.asarray(r).dtype.kind == "f"]
    return max((float(t.max()) for t in terms if t.size), default=0.0)


def float_tail_magnitude(module, x: np.ndarray) -> float:
    """Largest magnitude of any term computed (in float64) after the last activation quantizer
    of an import-level module's @main: the scale of float32 noise in a float output."""
    from xdsl.dialects import func
    from xdsl.interpreter import Interpreter
    from xdsl.ir import OpResult

    from qnnc.ir import interpreter_functions

    main = next(f for f in module.ops if isinstance(f, func.FuncOp) and f.sym_name.data == "main")
    ops = list(main.body.block.ops)

    def is_act_quantizer(op) -> bool:
        x = op.operands[0] if op.operands else None
        return op.name in QUANTIZER_NAMES and not (
            isinstance(x, OpResult) and x.op.name == "quant.const")

    last = max((i for i, op in enumerate(ops) if is_act_quantizer(op)), default=-1)
    tail = {id(op) for op in ops[max(last, 0):] if op.name not in ("quant.const", "func.return")
            and not (op.name in QUANTIZER_NAMES and not is_act_quantizer(op))}
    mags: list[float] = [0.0]
    pending: dict = {}

    class _Listener(Interpreter.Listener):
        def will_interpret_op(self, op, args) -> None:
            if id(op) in tail:
                pending[id(op)] = args

        def did_interpret_op(self, op, results) -> None:
            if id(op) in tail:
                mags.append(term_magnitude(op, pending.pop(id(op)), results))

    interp = Interpreter(module, listeners=(_Listener(),))
    interp.qnnc_float = np.float64
    for f in interpreter_functions():
        interp.register_implementations(f)
    interp.call_op("main", (np.asarray(x, dtype=np.float64),))
    return max(mags)


def _decision_distance(op, args) -> np.ndarray | None:
    """For a QONNX activation quantizer evaluated (precisely) on args: per element of its data
    input, the distance (in the input's own units) from the input to the nearest decision
    boundary of the quantizer (`QuantizerInterface.decision_distance`)."""
    return op.decision_distance(np.asarray(args[0], dtype=np.float64), list(args[1:]))


def near_tie_mask(module, x: np.ndarray) -> np.ndarray:
    """Output elements of an import-level module's @main that depend on an activation
    quantizer decision lying within float32 noise of its boundary, in a float64 evaluation.

    The noise of a value is FLOAT_TAIL_RTOL times the largest term magnitude met since the last
    quantizer (`term_magnitude`, as for float tails) or the value itself. Dependence is tracked
    by running each op again on its inputs with the affected elements set to NaN (NaN
    propagates exactly along data dependences: a MatMul row, a Softmax row, a window). A
    quantizer of a model input or a constant is decided in float32 identically by every
    evaluation, so it never starts a near tie."""
    from xdsl.dialects import func
    from xdsl.interpreter import Interpreter
    from xdsl.ir import BlockArgument, OpResult

    from qnnc.ir import interpreter_functions

    main = next(f for f in module.ops if isinstance(f, func.FuncOp) and f.sym_name.data == "main")
    interp = Interpreter(module)
    interp.qnnc_float = np.float64
    for f in interpreter_functions():
        interp.register_implementations(f)
    block = main.body.block
    val = {block.args[0]: np.asarray(x, dtype=np.float64)}
    noise = {block.args[0]: 0.0}
    taint = {block.args[0]: np.zeros(np.shape(x), bool)}
    for op in block.ops:
        if op.name == "func.return":
            return taint[op.operands[0]]
        args = tuple(val[v] for v in op.operands)
        results = interp.run_op(op, args)
        in_taint = [taint[v] for v in op.operands]
        if op.name in QUANTIZER_NAMES:
            data = op.operands[0]
            decided_in_float32 = isinstance(data, BlockArgument) or (
                isinstance(data, OpResult) and data.op.name == "quant.const")
            out = in_taint[0].copy()
            if not decided_in_float32:
                tol = FLOAT_TAIL_RTOL * np.maximum(noise[data], np.abs(args[0]))
                out |= _decision_distance(op, args) <= tol
            outs, level = [out], 0.0
        else:
            level = max([term_magnitude(op, args, results)] + [noise[v] for v in op.operands])
            if any(t.any() for t in in_taint):
                marked = tuple(np.where(t, np.nan, a) if np.asarray(a).dtype.kind == "f" else a
                               for a, t in zip(args, in_taint))
                outs = [np.isnan(np.asarray(r, dtype=np.float64))
                        for r in interp.run_op(op, marked)]
            else:
                outs = [np.zeros(np.shape(r), bool) for r in results]
        for r, v, t in zip(op.results, results, outs):
            val[r], noise[r], taint[r] = v, level, t
    raise AssertionError("@main has no func.return")


class PreciseReference:
    """Lazy higher-precision evaluations of an import-level module on one input: `levels()`
    yields (name, output) for float64 (the documented re-check) and then np.longdouble;
    `magnitude` is the float tail magnitude (see `float_tail_magnitude`)."""

    def __init__(self, module, x: np.ndarray):
        self.module, self.x = module, np.asarray(x)
        self._outs: dict = {}
        self._mag: float | None = None
        self._near_tie: np.ndarray | None = None

    def output(self, dtype) -> np.ndarray:
        if dtype not in self._outs:
            from qnnc.ir import run_function

            self._outs[dtype] = np.asarray(
                run_function(self.module, "main", [self.x.astype(dtype)], dtype)[0])
        return self._outs[dtype]

    def levels(self):
        for dt in PRECISE_DTYPES:
            yield np.dtype(dt).name, self.output(dt)

    @property
    def magnitude(self) -> float:
        if self._mag is None:
            self._mag = float_tail_magnitude(self.module, self.x)
        return self._mag

    @property
    def near_tie(self) -> np.ndarray:
        if self._near_tie is None:
            self._near_tie = near_tie_mask(self.module, self.x)
        return self._near_tie


def agrees(v, precise, quantized: bool, mag: float) -> np.ndarray:
    v = np.asarray(v)
    precise = np.asarray(precise).reshape(v.shape)
    if quantized:
        return v == precise.astype(np.float32)
    return np.abs(v.astype(np.longdouble) - precise.astype(np.longdouble)) <= FLOAT_TAIL_RTOL * mag


def classify(got, ref32, precise: PreciseReference, quantized: bool,
             both_float32: bool = False) -> tuple[dict[str, int], np.ndarray]:
    """Apply the policy to one output: (counts of the elements that differed from the float32
    reference, by the precision level that accepted them; mask of the elements no rule
    accepts; the count under FLOAT32_ROUNDING is rule 1b, a match rather than a tie).
    `both_float32` enables rules 4 and 5."""
    got = np.asarray(got)
    ref32 = np.asarray(ref32)
    open_ = ~(got == ref32)
    counts: dict[str, int] = {}
    if not np.any(open_):
        return counts, open_
    if not quantized:  # rule 1b: a float output within float32 rounding of the reference
        ok = open_ & agrees(got, ref32, False, precise.magnitude)
        if np.any(ok):
            counts[FLOAT32_ROUNDING] = int(ok.sum())
        open_ &= ~ok
        if not np.any(open_):
            return counts, open_
    for name, ref in precise.levels():
        ok = open_ & agrees(got, ref, quantized, precise.magnitude)
        if both_float32:
            ok |= open_ & agrees(ref32, ref, quantized, precise.magnitude)
        if np.any(ok):
            counts[name] = int(ok.sum())
        open_ &= ~ok
        if not np.any(open_):
            return counts, open_
    if both_float32:  # rule 5
        ok = open_ & np.asarray(precise.near_tie).reshape(open_.shape)
        if np.any(ok):
            counts[NEAR_TIE] = int(ok.sum())
        open_ &= ~ok
    return counts, open_
