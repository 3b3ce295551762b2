"""Hypothesis strategies that build random, valid QONNX models and inputs for them.

The models are written with `onnx.helper` (ONNX opset 13; the QONNX ops `Quant`, `BipolarQuant`
and `Trunc` in domain `qonnx.custom_op.general`, opset 2, or 1 for Trunc v1 semantics) and are
meant to be fed to qonnx's `cleanup_model` + `execute_onnx` (the reference) and to qnnc.

Two levels, so a failing example prints as something a human can read and paste back into an
`@example(...)`:

* **Specs**: small frozen dataclasses of ints, floats, strings and tuples (`QuantSpec`,
  `DenseSpec`, `MLPSpec`, `SingleQuantSpec`, `TruncSpec`; for convolutional networks
  `ConvSpec` (padding, stride, dilation, groups), `ResidualSpec` (a conv and a residual Add),
  `PoolSpec` (MaxPool) and `ConvNetSpec`: NCHW input, conv/residual/pool layers, Flatten, an
  optional dense layer). Bulk arrays (weights, biases, BatchNorm statistics) are not in the
  spec: they come from a numpy generator seeded by a field of the spec, so a spec is a few
  lines and its `repr` evaluates back to an equal spec.
* **Builders**: `build_model(spec) -> onnx.ModelProto`, deterministic in the spec. A network is
  a list of layer specs; `GraphBuilder` carries the current tensor (name, shape, a calibration
  batch of float values) from layer to layer and each layer spec class has an
  `emit(builder)` method, registered nowhere else. Convolution and pooling are such layer
  specs (`ConvSpec.emit`, `PoolSpec.emit`): the calibration batch is a numpy array of the
  tensor's shape, so `emit` computes its op on it in plain numpy (float64); a residual block
  would be one more.

Scales of activation quantizers are *relative*: the builder runs the float network on a
calibration batch and sets `scale = factor * reference`, where the reference is the
pre-activation's range divided by the quantizer's largest code (rounded down to a power of two
for `pow2` quantizers, whose factors are powers of two too). Input and weight quantizers take
their factors as absolute scales. This keeps the codes of every layer spread over their range
instead of all clamped or all zero.

Inputs (`model_inputs`) mix N(0, σ) values scaled to the input quantizer's range with values
placed exactly on its decision boundaries: `(k + 0.5 - z)·s` (ties under ROUND/HALF_*),
`(k - z)·s` (integers, the boundaries of FLOOR/CEIL/UP/DOWN), their float32 neighbours, values
beyond the clamp range, and ±0.

Layers may end in a `Trunc` (v1 or v2, by the model's QONNX opset) after their activation
quantizer, as Brevitas places one after an average pool.

Nothing drawn here is rejected by qnnc (a `QnncError` fails the tests). Some corners are drawn
rarely because they exercise a fallback rather than the accelerator: a per-channel activation
quantizer in front of a layer makes that layer's matrix product run on the host in float
(`@post`, reported as a warning and in report.json `host_layers`), since `quant.int_matmul`
needs a per-tensor activation scale.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import onnx
from hypothesis import strategies as st
from onnx import TensorProto, helper, numpy_helper

from qnnc.tie_policy import PreciseReference, classify

QONNX_DOMAIN = "qonnx.custom_op.general"
ONNX_OPSET = 13
ROUNDING_MODES = ("ROUND", "HALF_EVEN", "FLOOR", "CEIL", "UP", "DOWN", "HALF_UP", "HALF_DOWN")


# ----------------------------------------------------------------------------------------------
# numpy helpers (independent of qnnc: the generator must not trust the code under test)
# ----------------------------------------------------------------------------------------------


def f32(v) -> float:
    """v rounded to the nearest float32, as a Python float (exact repr, float32-representable)."""
    return float(np.float32(v))


def quant_range(bits: int, signed: bool, narrow: bool) -> tuple[int, int]:
    """QONNX min_int/max_int of a Quant."""
    if signed:
        return -(2 ** (bits - 1)) + int(narrow), 2 ** (bits - 1) - 1
    return 0, 2**bits - 1 - int(narrow)


def _round_mode(mode: str):
    m = mode.upper()
    return {
        "ROUND": np.round, "HALF_EVEN": np.round, "FLOOR": np.floor, "CEIL": np.ceil,
        "UP": lambda x: np.sign(x) * np.ceil(np.abs(x)), "DOWN": np.fix,
        "HALF_UP": lambda x: np.sign(x) * np.floor(np.abs(x) + 0.5),
        "HALF_DOWN": lambda x: np.sign(x) * np.ceil(np.abs(x) - 0.5),
    }[m]


def fake_quant(x: np.ndarray, scale, zeropt, bits: int, signed: bool, narrow: bool,
               mode: str) -> np.ndarray:
    """QONNX Quant in float64 (only used to calibrate generated models; not an oracle)."""
    y = x / scale + zeropt
    if bits == 1 and signed:
        q = np.where(y >= 0, 1.0, -1.0)
    else:
        lo, hi = quant_range(bits, signed, narrow)
        q = _round_mode(mode)(np.clip(y, lo, hi))
    return (q - zeropt) * scale


def fake_trunc(x: np.ndarray, scale, zeropt, in_bits: int, t) -> tuple[np.ndarray, np.ndarray]:
    """QONNX Trunc (v1 or v2 as `t.version`) in float64, and its output scale (calibration
    only; not an oracle)."""
    y = np.round(x / scale + zeropt)
    if t.version == 1:
        y = _round_mode(t.rounding_mode)(y / 2.0 ** (in_bits - t.out_bits))
        return (y - zeropt) * scale, np.asarray(scale)
    lo, hi = quant_range(t.out_bits, t.signed, t.narrow)
    y = _round_mode(t.rounding_mode)(np.clip(y / 2.0**t.shift, lo, hi))
    out_scale = np.asarray(scale) * 2.0**t.shift
    return (y - zeropt / 2.0**t.shift) * out_scale, out_scale


# ----------------------------------------------------------------------------------------------
# Specs
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuantSpec:
    """A QONNX `Quant` (kind "quant") or `BipolarQuant` (kind "bipolar").

    `scale` holds one factor (per-tensor) or one per channel; for activation quantizers the
    factors multiply a calibrated reference (see the module docstring). `pow2` records that the
    factors are powers of two (and the reference is then rounded to one). A 1-bit signed Quant
    is QONNX's bipolar special case. `zeropt` is a per-tensor zero point."""

    kind: str = "quant"
    bits: int = 8
    signed: bool = True
    narrow: bool = False
    rounding_mode: str = "ROUND"
    scale: tuple[float, ...] = (1.0,)
    pow2: bool = True
    zeropt: float = 0.0

    @property
    def per_channel(self) -> bool:
        return len(self.scale) > 1

    def code_range(self) -> tuple[int, int]:
        if self.kind == "bipolar" or (self.bits == 1 and self.signed):
            return -1, 1
        return quant_range(self.bits, self.signed, self.narrow)


@dataclass(frozen=True)
class DenseSpec:
    """One fully-connected layer: weight quantizer → MatMul (W: (K, N)) or Gemm (transB=1,
    W: (N, K), optional C) → optional bias Add → optional BatchNormalization → optional Relu →
    optional activation quantizer → optional float post-ops (`("Mul" | "Add", per_channel)`,
    last layer only). Bulk values come from `seed`."""

    out_features: int
    weight_quant: QuantSpec
    op: str = "MatMul"
    seed: int = 0
    weight_scale_shape: str = "2d"  # per-channel MatMul scale as (1, N) ("2d") or (N,) ("1d")
    weight_ties: float = 0.25  # fraction of weights placed exactly on a rounding boundary
    gemm_bias: bool = False
    gemm_alpha: float = 1.0
    gemm_beta: float = 1.0
    bias_add: str = ""  # "", "1d" ((N,) constant) or "2d" ((1, N) constant)
    batchnorm: str = ""  # "", "pos" (gamma > 0), "neg" (gamma < 0), "mixed"
    bn_epsilon: float = 1e-5
    relu: bool = False
    act_quant: QuantSpec | None = None
    trunc: "TruncSpec | None" = None  # after a per-tensor Quant act_quant (its scale, zero
    # point and bit width); `version` must match the model's QONNX opset
    post_ops: tuple[tuple[str, bool], ...] = ()

    def emit(self, b: "GraphBuilder") -> None:
        _emit_dense(self, b)


@dataclass(frozen=True)
class MLPSpec:
    """A network: input (1, K) → input quantizer → layers. `qonnx_opset` is the opset imported
    for the QONNX domain (2, or 1 which only changes Trunc)."""

    in_features: int
    input_quant: QuantSpec
    layers: tuple = ()
    qonnx_opset: int = 2
    seed: int = 0  # calibration batch
    input_layout: str = ""  # a layout op between the input quantizer and the first layer
    head: tuple[str, ...] = ()  # standard ops after the last layer, left on the host
    onnx_opset: int = ONNX_OPSET

    @property
    def input_shape(self) -> tuple[int, ...]:
        k = self.in_features
        rows = max(d for d in range(1, int(k ** 0.5) + 1) if k % d == 0)  # a KWS-like 1x1xHxW
        return {"": (1, k), "flatten": (1, 1, rows, k // rows), "reshape": (1, k, 1),
                "squeeze": (1, 1, k), "unsqueeze": (k,),
                "transpose": (1, rows, k // rows)}[self.input_layout]

    @property
    def output_is_quantized(self) -> bool:
        """True when the model's output is a quantizer's output (no float op after it)."""
        last = self.layers[-1]
        return last.act_quant is not None and not last.post_ops and not self.head


@dataclass(frozen=True)
class TruncSpec:
    """A QONNX `Trunc`: version 1 (x, scale, zeropt, in_bw, out_bw) or 2 (..., output_scale,
    out_bw; signed, narrow). `shift` is log2(output_scale / scale) for version 2."""

    version: int = 2
    in_bits: int = 8
    out_bits: int = 4
    rounding_mode: str = "FLOOR"
    scale: tuple[float, ...] = (1.0,)
    zeropt: float = 0.0
    shift: int = 4
    signed: bool = True
    narrow: bool = False


@dataclass(frozen=True)
class SingleQuantSpec:
    """A model holding one quantizer on input x of `shape`; per-channel parameters follow axis
    `channel_axis` (1 = NC.., -1 = last axis)."""

    quant: QuantSpec | TruncSpec
    shape: tuple[int, ...] = (1, 8)
    channel_axis: int = 1

    @property
    def input_shape(self) -> tuple[int, ...]:
        return self.shape

    @property
    def qonnx_opset(self) -> int:
        return self.quant.version if isinstance(self.quant, TruncSpec) else 2


@dataclass(frozen=True)
class ConvSpec:
    """One convolution layer on NCHW: weight quantizer (per-tensor or per output channel, scale
    shape (M, 1, 1, 1)) → Conv (kernel (kh, kw), stride (sh, sw), pads [top, left, bottom,
    right], optional bias input) → optional BatchNormalization → optional Relu → activation
    quantizer (per-tensor, or per channel with scale (1, M, 1, 1)). Bulk values from `seed`."""

    out_channels: int
    weight_quant: QuantSpec
    act_quant: QuantSpec
    kernel: tuple[int, int] = (3, 3)
    stride: tuple[int, int] = (1, 1)
    pads: tuple[int, int, int, int] = (0, 0, 0, 0)
    seed: int = 0
    weight_ties: float = 0.25  # fraction of weights placed exactly on a rounding boundary
    bias: bool = False
    batchnorm: str = ""  # "", "pos", "neg", "mixed" (sign of gamma)
    bn_epsilon: float = 1e-5
    relu: bool = False
    dilation: tuple[int, int] = (1, 1)
    group: int = 1  # divides the input and output channels (depthwise: both equal to it)

    def out_hw(self, h: int, w: int) -> tuple[int, int]:
        return _window_out((h, w), self.kernel, self.stride, self.pads, self.dilation)

    def emit(self, b: "GraphBuilder") -> None:
        _emit_conv(self, b)


@dataclass(frozen=True)
class ResidualSpec:
    """A residual block: `conv` (shape-preserving: stride 1, "same" padding, out_channels =
    in_channels) → Add of its quantized output and the block's input → optional Relu →
    activation quantizer `act_quant` (as Brevitas exports a residual join)."""

    conv: ConvSpec
    act_quant: QuantSpec
    relu: bool = True

    def out_hw(self, h: int, w: int) -> tuple[int, int]:
        return h, w

    def emit(self, b: "GraphBuilder") -> None:
        _emit_residual(self, b)


@dataclass(frozen=True)
class PoolSpec:
    """A MaxPool (ceil_mode 0): kernel (kh, kw), stride, pads (each smaller than the kernel).
    Its output stays on its input quantizer's grid."""

    kernel: tuple[int, int] = (2, 2)
    stride: tuple[int, int] = (2, 2)
    pads: tuple[int, int, int, int] = (0, 0, 0, 0)

    def out_hw(self, h: int, w: int) -> tuple[int, int]:
        return _window_out((h, w), self.kernel, self.stride, self.pads)

    def emit(self, b: "GraphBuilder") -> None:
        _emit_pool(self, b)


@dataclass(frozen=True)
class ConvNetSpec:
    """A convolutional network: input (1, C, H, W) → input quantizer → conv/pool layers →
    Flatten → optional fully-connected layer (a DenseSpec, as the last layer of an MLP)."""

    in_channels: int
    height: int
    width: int
    input_quant: QuantSpec
    layers: tuple = ()
    dense: DenseSpec | None = None
    qonnx_opset: int = 2
    seed: int = 0  # calibration batch

    @property
    def input_shape(self) -> tuple[int, ...]:
        return (1, self.in_channels, self.height, self.width)

    @property
    def output_is_quantized(self) -> bool:
        """True when the model's output is a quantizer's output (a conv layer's or the input
        quantizer's, through MaxPool and Flatten; or the dense layer's without post-ops)."""
        if self.dense is None:
            return True
        return self.dense.act_quant is not None and not self.dense.post_ops


# ----------------------------------------------------------------------------------------------
# Builder
# ----------------------------------------------------------------------------------------------


@dataclass
class Tensor:
    """The builder's current tensor: ONNX name, shape and a calibration batch (B, *shape[1:])
    of float64 values it takes on representative inputs."""

    name: str
    shape: tuple[int, ...]
    calib: np.ndarray
    quant: QuantSpec | None = None  # the quantizer that produced it (None: float)
    scale: np.ndarray | None = None  # that quantizer's actual scale


@dataclass
class GraphBuilder:
    qonnx_opset: int = 2
    nodes: list = field(default_factory=list)
    inits: list = field(default_factory=list)
    counts: dict = field(default_factory=dict)
    cur: Tensor | None = None

    def fresh(self, prefix: str) -> str:
        n = self.counts.get(prefix, 0)
        self.counts[prefix] = n + 1
        return f"{prefix}{n}"

    def const(self, prefix: str, arr) -> str:
        name = self.fresh(prefix)
        self.inits.append(numpy_helper.from_array(np.asarray(arr, dtype=np.float32), name))
        return name

    def int_const(self, prefix: str, values) -> str:
        name = self.fresh(prefix)
        self.inits.append(numpy_helper.from_array(np.asarray(values, dtype=np.int64), name))
        return name

    def node(self, op_type: str, inputs: list[str], domain: str = "", outputs: int = 1,
             **attrs) -> str:
        """Append a node; returns its first output (the others are left unused)."""
        outs = [self.fresh(op_type.lower() + "_out") for _ in range(outputs)]
        self.nodes.append(helper.make_node(op_type, inputs, outs, name=self.fresh(op_type + "_"),
                                           domain=domain, **attrs))
        return outs[0]

    def quantizer(self, x: str, q: QuantSpec, scale: np.ndarray) -> str:
        """Emit q on x with the actual (already shaped) scale array."""
        s = self.const("scale", scale)
        if q.kind == "bipolar":
            return self.node("BipolarQuant", [x, s], domain=QONNX_DOMAIN)
        z = self.const("zeropt", np.float32(q.zeropt))
        bw = self.const("bitwidth", np.float32(q.bits))
        return self.node("Quant", [x, s, z, bw], domain=QONNX_DOMAIN, signed=int(q.signed),
                         narrow=int(q.narrow), rounding_mode=q.rounding_mode)

    def trunc(self, x: str, t: "TruncSpec", q: QuantSpec, scale: np.ndarray) -> str:
        """Emit a Trunc of the output of quantizer q (scale `scale`): q's scale, zero point
        and bit width as Trunc's input parameters, t's output bit width, shift and mode."""
        ins = [x, self.const("scale", scale), self.const("zeropt", np.float32(q.zeropt)),
               self.const("in_bitwidth", np.float32(q.bits))]
        attrs = {"rounding_mode": t.rounding_mode}
        if t.version == 2:
            out_scale = (np.asarray(scale, np.float32) * np.float32(2.0 ** t.shift)).astype(np.float32)
            ins.append(self.const("output_scale", out_scale))
            attrs.update(signed=int(t.signed), narrow=int(t.narrow))
        ins.append(self.const("out_bitwidth", np.float32(t.out_bits)))
        return self.node("Trunc", ins, domain=QONNX_DOMAIN, **attrs)

    def model(self, inp: str, in_shape, out_shape, out_elem: int = TensorProto.FLOAT,
              onnx_opset: int = ONNX_OPSET) -> onnx.ModelProto:
        out = self.cur.name
        graph = helper.make_graph(
            self.nodes, "qnnc_generated",
            [helper.make_tensor_value_info(inp, TensorProto.FLOAT, list(in_shape))],
            [helper.make_tensor_value_info(out, out_elem, list(out_shape))],
            self.inits)
        m = helper.make_model(graph, producer_name="qnnc-tests-generators", opset_imports=[
            helper.make_opsetid("", onnx_opset), helper.make_opsetid(QONNX_DOMAIN, self.qonnx_opset)])
        m.ir_version = 8
        onnx.checker.check_model(m)
        return m


def _code_max(q: QuantSpec) -> float:
    """The largest |code - zeropt| a quantizer reaches (for scale calibration)."""
    lo, hi = q.code_range()
    return float(max(abs(lo - q.zeropt), abs(hi - q.zeropt), 1))


def activation_scale(q: QuantSpec, values: np.ndarray, channels: int) -> np.ndarray:
    """Absolute scale of an activation quantizer: its factors times the calibrated reference."""
    v = np.abs(values[np.isfinite(values)])
    ref = float(np.quantile(v, 0.95)) if v.size else 1.0
    if q.kind == "bipolar" or (q.bits == 1 and q.signed):
        ref = float(v.mean()) if v.size else 1.0
    else:
        ref = ref / _code_max(q)
    ref = max(ref, 1e-4)
    if q.pow2:
        ref = 2.0 ** math.floor(math.log2(ref))
    s = np.array([f32(f * ref) for f in q.scale], dtype=np.float32)
    return s.reshape(1, channels) if q.per_channel else s.reshape(())


def _apply_quant(values: np.ndarray, q: QuantSpec, scale: np.ndarray) -> np.ndarray:
    s = scale.astype(np.float64)
    if q.kind == "bipolar":
        return np.where(values >= 0, 1.0, -1.0) * s
    return fake_quant(values, s, q.zeropt, q.bits, q.signed, q.narrow, q.rounding_mode)


def _weights(spec: DenseSpec, k: int, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(W as (K, N) float32, weight scale as (N,) float32) with codes spread over the range and a
    fraction of entries exactly on rounding boundaries."""
    q = spec.weight_quant
    scale = np.array(q.scale if q.per_channel else q.scale * n, dtype=np.float32)
    lo, hi = q.code_range()
    if q.kind == "bipolar" or (q.bits == 1 and q.signed):
        codes = rng.standard_normal((k, n))
        ties = rng.random((k, n)) < spec.weight_ties
        codes = np.where(ties, rng.choice([0.0, -0.0, 1e-3, -1e-3], size=(k, n)), codes)
        zp = q.zeropt if q.kind == "quant" else 0.0  # x / s + z >= 0 decides
        w = (codes - zp) * scale[None, :].astype(np.float64)
    else:
        mid, span = (lo + hi) / 2, max(hi - lo, 1)
        codes = mid + rng.standard_normal((k, n)) * span / 3  # some beyond the clamp range
        pick = rng.random((k, n))
        halves = np.floor(codes) + 0.5
        codes = np.where(pick < spec.weight_ties / 2, halves, codes)
        codes = np.where((pick >= spec.weight_ties / 2) & (pick < spec.weight_ties), np.round(codes), codes)
        w = (codes - q.zeropt) * scale[None, :].astype(np.float64)
    return w.astype(np.float32), scale


def _shaped_weight_scale(spec: DenseSpec, scale: np.ndarray, n: int) -> np.ndarray:
    if not spec.weight_quant.per_channel:
        return scale[:1].reshape(())
    if spec.op == "Gemm":
        return scale.reshape(n, 1)
    return scale.reshape(1, n) if spec.weight_scale_shape == "2d" else scale.reshape(n)


def _channel_const(rng, n: int, shape: str, sigma: np.ndarray, unit: np.ndarray) -> np.ndarray:
    """A per-channel constant ~ N(0, sigma) with about a third snapped to half units (ties)."""
    v = rng.standard_normal(n) * sigma
    snap = rng.random(n) < 0.35
    v = np.where(snap, (np.round(v / unit) + rng.choice([0.0, 0.5], size=n)) * unit, v)
    v = v.astype(np.float32)
    return v.reshape(1, n) if shape == "2d" else v.reshape(n)


def _emit_dense(spec: DenseSpec, b: GraphBuilder) -> None:
    cur = b.cur
    k, n = cur.shape[-1], spec.out_features
    rng = np.random.default_rng(spec.seed)
    w, wscale = _weights(spec, k, n, rng)
    wq = spec.weight_quant
    shaped = _shaped_weight_scale(spec, wscale, n)
    w_init = w.T.copy() if spec.op == "Gemm" else w
    w_name = b.quantizer(b.const("weight", w_init), wq, shaped)
    wdq = _apply_quant(w_init.astype(np.float64), wq, shaped.astype(np.float64))
    wdq_kn = wdq.T if spec.op == "Gemm" else wdq
    acc = cur.calib @ wdq_kn  # (B, N)
    sd = np.maximum(acc.std(axis=0), 1e-3)
    in_scale = float(np.abs(cur.scale).max()) if cur.scale is not None else 1.0
    unit = np.maximum(np.abs(wscale).astype(np.float64) * in_scale, 1e-6)  # accumulator step
    if spec.op == "Gemm":
        ins = [cur.name, w_name]
        attrs = {"transB": 1}
        if spec.gemm_alpha != 1.0:
            attrs["alpha"] = spec.gemm_alpha
        if spec.gemm_bias:
            c = _channel_const(rng, n, "1d", sd, unit)
            ins.append(b.const("gemm_c", c))
            if spec.gemm_beta != 1.0:
                attrs["beta"] = spec.gemm_beta
            acc = spec.gemm_alpha * acc + spec.gemm_beta * c.astype(np.float64)
        else:
            acc = spec.gemm_alpha * acc
        x = b.node("Gemm", ins, **attrs)
    else:
        x = b.node("MatMul", [cur.name, w_name])
    if spec.bias_add:
        bias = _channel_const(rng, n, spec.bias_add, sd, unit)
        x = b.node("Add", [x, b.const("bias", bias)])
        acc = acc + bias.reshape(1, n)
    if spec.batchnorm:
        mu, sd = acc.mean(axis=0), np.maximum(acc.std(axis=0), 1e-3)
        mean = (mu + rng.standard_normal(n) * sd * 0.5).astype(np.float32)
        var = ((sd * rng.uniform(0.5, 2.0, n)) ** 2).astype(np.float32)
        var = np.maximum(var, np.float32(1e-6))
        mag = rng.uniform(0.25, 2.0, n)
        sign = {"pos": np.ones(n), "neg": -np.ones(n),
                "mixed": rng.choice([-1.0, 1.0], size=n)}[spec.batchnorm]
        gamma = (mag * sign).astype(np.float32)
        beta = (rng.standard_normal(n) * 0.5).astype(np.float32)
        x = b.node("BatchNormalization", [x] + [b.const(p, v) for p, v in (
            ("bn_gamma", gamma), ("bn_beta", beta), ("bn_mean", mean), ("bn_var", var))],
            epsilon=spec.bn_epsilon)
        acc = (acc - mean) / np.sqrt(var.astype(np.float64) + spec.bn_epsilon) * gamma + beta
    if spec.relu:
        x = b.node("Relu", [x])
        acc = np.maximum(acc, 0.0)
    quant, scale = None, None
    if spec.act_quant is not None:
        scale = activation_scale(spec.act_quant, acc, n)
        x = b.quantizer(x, spec.act_quant, scale)
        acc = _apply_quant(acc, spec.act_quant, scale.astype(np.float64))
        quant = spec.act_quant
        if spec.trunc is not None:
            x = b.trunc(x, spec.trunc, spec.act_quant, scale)
            acc, scale = fake_trunc(acc, scale.astype(np.float64), spec.act_quant.zeropt,
                                    spec.act_quant.bits, spec.trunc)
            quant = None  # Trunc codes are not the act quantizer's: no boundary grid for them
    for op, per_channel in spec.post_ops:
        shape = (1, n) if per_channel else ()
        if op == "Mul":
            v = rng.choice([-1.0, 1.0], size=shape) * rng.uniform(0.25, 4.0, size=shape)
            acc = acc * v
        else:
            v = rng.standard_normal(shape) * np.abs(acc).mean()
            acc = acc + v
        x = b.node(op, [x, b.const("post", np.asarray(v, dtype=np.float32))])
    b.cur = Tensor(x, (1, n), acc, quant, scale)


def _input_scale(q: QuantSpec) -> np.ndarray:
    return np.asarray(f32(q.scale[0]), dtype=np.float32).reshape(())


def input_center_sigma(q: QuantSpec, scale):
    """Centre and spread of N(0, σ)-style inputs for an input quantizer (scale: a float or a
    per-element array): its representable range, widened a little so that some values clamp."""
    if q.kind == "bipolar" or (q.bits == 1 and q.signed):
        return (-q.zeropt * scale if q.kind == "quant" else 0.0 * scale), np.abs(scale)
    lo, hi = q.code_range()
    return ((lo + hi) / 2 - q.zeropt) * scale, max(hi - lo, 1) * np.abs(scale) / 3


def build_mlp(spec: MLPSpec) -> onnx.ModelProto:
    b = GraphBuilder(qonnx_opset=spec.qonnx_opset)
    rng = np.random.default_rng(spec.seed)
    iq = spec.input_quant
    s = _input_scale(iq)
    center, sigma = input_center_sigma(iq, float(s))
    calib = center + rng.standard_normal((256, spec.in_features)) * sigma
    x = _input_layout(b, b.quantizer("inp", iq, s), spec)
    b.cur = Tensor(x, (1, spec.in_features), _apply_quant(calib, iq, s.astype(np.float64)), iq, s)
    for layer in spec.layers:
        layer.emit(b)
    out_elem = TensorProto.FLOAT
    for op in spec.head:
        out_elem = _emit_head_op(b, op)
    return b.model("inp", spec.input_shape, b.cur.shape, out_elem, spec.onnx_opset)


INPUT_LAYOUTS = ("flatten", "reshape", "squeeze", "unsqueeze", "transpose")
"""Layout ops a model may put between its input quantizer and its first layer (input shapes in
`MLPSpec.input_shape`; each yields the (1, K) row the first layer reads; "transpose" permutes
the features on the way)."""


def _input_layout(b: GraphBuilder, x: str, spec: MLPSpec) -> str:
    k = spec.in_features
    if spec.input_layout == "flatten":
        return b.node("Flatten", [x], axis=1)
    if spec.input_layout == "reshape":
        return b.node("Reshape", [x, b.int_const("shape", [1, k])])
    if spec.input_layout == "squeeze":
        return b.node("Squeeze", [x, b.int_const("axes", [1])])
    if spec.input_layout == "unsqueeze":
        return b.node("Unsqueeze", [x, b.int_const("axes", [0])])
    if spec.input_layout == "transpose":  # (1, R, C) -> (1, C, R) -> (1, K): features permuted
        return b.node("Flatten", [b.node("Transpose", [x], perm=[0, 2, 1])], axis=1)
    return x


HEADS = (("Softmax",), ("LogSoftmax",), ("Sigmoid",), ("Tanh",), ("Clip",), ("Tanh", "Exp"),
         ("Softmax", "ArgMax"), ("TopK",), ("Concat",), ("Unsqueeze", "Squeeze"),
         ("Abs", "Sqrt"))
"""Host-side heads a generated network may end in (standard ONNX ops qnnc has no importer for
run unchanged on the host); each is a sequence applied to the last layer's (1, N) output."""


def _emit_head_op(b: GraphBuilder, op: str) -> int:
    """Append one head op to b.cur; returns the ONNX element type of its output."""
    x, n = b.cur.name, b.cur.shape[-1]
    shape, elem = b.cur.shape, TensorProto.FLOAT
    if op in ("Softmax", "LogSoftmax"):
        y = b.node(op, [x], axis=-1)
    elif op == "Clip":
        y = b.node(op, [x, b.const("lo", np.float32(-1.5)), b.const("hi", np.float32(2.0))])
    elif op == "ArgMax":
        y, shape, elem = b.node(op, [x], axis=1, keepdims=1), (1, 1), TensorProto.INT64
    elif op == "TopK":
        k = min(3, n)
        y = b.node(op, [x, b.int_const("k", [k])], axis=-1, outputs=2)
        shape = (1, k)
    elif op == "Concat":
        y, shape = b.node(op, [x, b.const("extra", np.arange(3, dtype=np.float32)[None])],
                          axis=1), (1, n + 3)
    elif op == "Unsqueeze":
        y, shape = b.node(op, [x, b.int_const("axes", [0])]), (1, 1, n)
    elif op == "Squeeze":
        y, shape = b.node(op, [x, b.int_const("axes", [0])]), b.cur.shape[1:]
    else:
        y = b.node(op, [x])
    b.cur = Tensor(y, shape, None, None, None)
    return elem


def _window_out(hw, kernel, stride, pads, dilation=(1, 1)) -> tuple[int, int]:
    """ONNX output extent of a 2-D sliding window (ceil_mode 0)."""
    return tuple((hw[i] + pads[i] + pads[i + 2] - (dilation[i] * (kernel[i] - 1) + 1)) // stride[i] + 1
                 for i in range(2))


def _windows(x: np.ndarray, kernel, stride, pads, fill: float, dilation=(1, 1)) -> np.ndarray:
    """(B, C, kh, kw, Ho, Wo): the window of every output position of a 2-D sliding window over
    x (B, C, H, W) padded with `fill` (plain numpy, independent of qnnc's kernels)."""
    ho, wo = _window_out(x.shape[2:], kernel, stride, pads, dilation)
    xp = np.pad(x, ((0, 0), (0, 0), (pads[0], pads[2]), (pads[1], pads[3])),
                constant_values=fill)
    out = np.empty(x.shape[:2] + tuple(kernel) + (ho, wo), dtype=x.dtype)
    for i in range(kernel[0]):
        for j in range(kernel[1]):
            a, c = i * dilation[0], j * dilation[1]
            out[:, :, i, j] = xp[:, :, a: a + stride[0] * (ho - 1) + 1: stride[0],
                                 c: c + stride[1] * (wo - 1) + 1: stride[1]]
    return out


def _emit_conv(spec: ConvSpec, b: GraphBuilder) -> None:
    cur = b.cur
    c, m, g = cur.shape[1], spec.out_channels, spec.group
    kh, kw = spec.kernel
    rng = np.random.default_rng(spec.seed)
    w_kn, wscale = _weights(spec, c // g * kh * kw, m, rng)  # (C/g·kh·kw, M): dense weights
    w = w_kn.T.reshape(m, c // g, kh, kw).copy()
    wq = spec.weight_quant
    shaped = wscale.reshape(m, 1, 1, 1) if wq.per_channel else wscale[:1].reshape(())
    w_name = b.quantizer(b.const("weight", w), wq, shaped)
    wdq = _apply_quant(w.astype(np.float64), wq, shaped.astype(np.float64))
    win = _windows(cur.calib, spec.kernel, spec.stride, spec.pads, 0.0, spec.dilation)
    cg, mg = c // g, m // g
    acc = np.concatenate([np.einsum("bcijhw,mcij->bmhw", win[:, k * cg:(k + 1) * cg],
                                    wdq[k * mg:(k + 1) * mg]) for k in range(g)], axis=1)
    sd = np.maximum(acc.std(axis=(0, 2, 3)), 1e-3)
    in_scale = float(np.abs(cur.scale).max()) if cur.scale is not None else 1.0
    unit = np.maximum(np.abs(wscale).astype(np.float64) * in_scale, 1e-6)
    ins = [cur.name, w_name]
    if spec.bias:
        bias = _channel_const(rng, m, "1d", sd, unit)
        ins.append(b.const("conv_bias", bias))
        acc = acc + bias.astype(np.float64).reshape(1, m, 1, 1)
    x = b.node("Conv", ins, kernel_shape=list(spec.kernel), strides=list(spec.stride),
               pads=list(spec.pads), dilations=list(spec.dilation), group=g)
    ch = (1, m, 1, 1)
    if spec.batchnorm:
        mu, sd = acc.mean(axis=(0, 2, 3)), np.maximum(acc.std(axis=(0, 2, 3)), 1e-3)
        mean = (mu + rng.standard_normal(m) * sd * 0.5).astype(np.float32)
        var = np.maximum(((sd * rng.uniform(0.5, 2.0, m)) ** 2).astype(np.float32), np.float32(1e-6))
        sign = {"pos": np.ones(m), "neg": -np.ones(m),
                "mixed": rng.choice([-1.0, 1.0], size=m)}[spec.batchnorm]
        gamma = (rng.uniform(0.25, 2.0, m) * sign).astype(np.float32)
        beta = (rng.standard_normal(m) * 0.5).astype(np.float32)
        x = b.node("BatchNormalization", [x] + [b.const(p, v) for p, v in (
            ("bn_gamma", gamma), ("bn_beta", beta), ("bn_mean", mean), ("bn_var", var))],
            epsilon=spec.bn_epsilon)
        acc = ((acc - mean.reshape(ch)) / np.sqrt(var.astype(np.float64).reshape(ch) + spec.bn_epsilon)
               * gamma.reshape(ch) + beta.reshape(ch))
    if spec.relu:
        x = b.node("Relu", [x])
        acc = np.maximum(acc, 0.0)
    q = spec.act_quant
    scale = activation_scale(q, np.moveaxis(acc, 1, -1).reshape(-1, m), m)
    if q.per_channel:
        scale = scale.reshape(ch)
    x = b.quantizer(x, q, scale)
    acc = _apply_quant(acc, q, scale.astype(np.float64))
    b.cur = Tensor(x, (1, m) + acc.shape[2:], acc, q, scale)


def _emit_residual(spec: ResidualSpec, b: GraphBuilder) -> None:
    skip = b.cur
    spec.conv.emit(b)
    inner = b.cur
    x = b.node("Add", [inner.name, skip.name])
    acc = inner.calib + skip.calib
    if spec.relu:
        x = b.node("Relu", [x])
        acc = np.maximum(acc, 0.0)
    m = inner.shape[1]
    q = spec.act_quant
    scale = activation_scale(q, np.moveaxis(acc, 1, -1).reshape(-1, m), m)
    if q.per_channel:
        scale = scale.reshape(1, m, 1, 1)
    x = b.quantizer(x, q, scale)
    b.cur = Tensor(x, inner.shape, _apply_quant(acc, q, scale.astype(np.float64)), q, scale)


def _emit_pool(spec: PoolSpec, b: GraphBuilder) -> None:
    cur = b.cur
    x = b.node("MaxPool", [cur.name], kernel_shape=list(spec.kernel), strides=list(spec.stride),
               pads=list(spec.pads))
    v = _windows(cur.calib, spec.kernel, spec.stride, spec.pads, -np.inf).max(axis=(2, 3))
    b.cur = Tensor(x, cur.shape[:2] + v.shape[2:], v, cur.quant, cur.scale)


def build_convnet(spec: ConvNetSpec) -> onnx.ModelProto:
    b = GraphBuilder(qonnx_opset=spec.qonnx_opset)
    rng = np.random.default_rng(spec.seed)
    iq = spec.input_quant
    s = _input_scale(iq)
    center, sigma = input_center_sigma(iq, float(s))
    calib = center + rng.standard_normal((64,) + spec.input_shape[1:]) * sigma
    x = b.quantizer("inp", iq, s)
    b.cur = Tensor(x, spec.input_shape, _apply_quant(calib, iq, s.astype(np.float64)), iq, s)
    for layer in spec.layers:
        layer.emit(b)
    cur = b.cur
    flat = int(np.prod(cur.shape[1:]))
    b.cur = Tensor(b.node("Flatten", [cur.name], axis=1), (1, flat),
                   cur.calib.reshape(cur.calib.shape[0], flat), cur.quant,
                   None if cur.scale is None else np.asarray(cur.scale).reshape(-1))
    if spec.dense is not None:
        spec.dense.emit(b)
    return b.model("inp", spec.input_shape, b.cur.shape)


def _channel_shape(shape: tuple[int, ...], axis: int) -> tuple[int, ...]:
    out = [1] * len(shape)
    out[axis] = shape[axis]
    return tuple(out)


def build_single(spec: SingleQuantSpec) -> onnx.ModelProto:
    b = GraphBuilder(qonnx_opset=spec.qonnx_opset)
    q = spec.quant
    cshape = _channel_shape(spec.shape, spec.channel_axis)
    scale = np.asarray(q.scale, dtype=np.float32)
    scale = scale.reshape(cshape) if scale.size > 1 else scale.reshape(())
    if isinstance(q, TruncSpec):
        ins = ["inp", b.const("scale", scale), b.const("zeropt", np.float32(q.zeropt)),
               b.const("in_bitwidth", np.float32(q.in_bits))]
        attrs = {"rounding_mode": q.rounding_mode}
        if q.version == 2:
            ins.append(b.const("output_scale", (scale * np.float32(2.0 ** q.shift)).astype(np.float32)))
            attrs.update(signed=int(q.signed), narrow=int(q.narrow))
        ins.append(b.const("out_bitwidth", np.float32(q.out_bits)))
        out = b.node("Trunc", ins, domain=QONNX_DOMAIN, **attrs)
    else:
        out = b.quantizer("inp", q, scale)
    b.cur = Tensor(out, spec.shape, np.zeros(0))
    return b.model("inp", spec.shape, spec.shape)


def build_model(spec) -> onnx.ModelProto:
    """The ONNX model of a spec (deterministic)."""
    if isinstance(spec, MLPSpec):
        return build_mlp(spec)
    if isinstance(spec, SingleQuantSpec):
        return build_single(spec)
    if isinstance(spec, ConvNetSpec):
        return build_convnet(spec)
    raise TypeError(type(spec))


def save_model(model: onnx.ModelProto, directory) -> str:
    """Write model to `<directory>/model.onnx` and return the path."""
    import os

    path = os.path.join(str(directory), "model.onnx")
    onnx.save(model, path)
    return path


# ----------------------------------------------------------------------------------------------
# Strategies: quantizer parameters
# ----------------------------------------------------------------------------------------------

rounding_modes = st.sampled_from(ROUNDING_MODES)


@st.composite
def scale_factors(draw, n: int = 1, pow2: bool | None = None, allow_negative: bool = False,
                  lo_exp: int = -8, hi_exp: int = 2):
    """(factors, pow2): n float32 scales, each a power of two 2^e or an arbitrary positive value
    (times -1 sometimes, when allowed)."""
    if pow2 is None:
        pow2 = draw(st.booleans())
    out = []
    for _ in range(n):
        if pow2:
            v = 2.0 ** draw(st.integers(lo_exp, hi_exp))
        else:
            v = f32(draw(st.floats(2.0**lo_exp, 2.0**hi_exp, allow_nan=False,
                                   allow_infinity=False, allow_subnormal=False)))
        if allow_negative and draw(st.booleans()):
            v = -v
        out.append(f32(v))
    return tuple(out), pow2


@st.composite
def quant_specs(draw, channels: int = 1, per_channel: bool | None = False,
                allow_negative: bool = False, allow_zeropt: bool = True,
                allow_bipolar: bool = True, bits=(1, 8), lo_exp: int = -8, hi_exp: int = 2,
                allow_signed_zeropt: bool = False):
    """A Quant/BipolarQuant spec. per_channel=None draws either (when channels > 1)."""
    kind = "bipolar" if allow_bipolar and draw(st.integers(0, 7)) == 0 else "quant"
    if per_channel is None:
        per_channel = channels > 1 and draw(st.booleans())
    n = channels if per_channel else 1
    scale, pow2 = draw(scale_factors(n, allow_negative=allow_negative, lo_exp=lo_exp, hi_exp=hi_exp))
    if kind == "bipolar":
        return QuantSpec("bipolar", 1, True, False, "ROUND", scale, pow2, 0.0)
    nbits = draw(st.integers(*bits))
    signed = draw(st.booleans())
    narrow = draw(st.booleans())
    mode = draw(rounding_modes)
    zeropt = 0.0
    if allow_zeropt and (not signed or allow_signed_zeropt) and draw(st.booleans()):
        lo, hi = quant_range(nbits, signed, narrow)
        zeropt = float(draw(st.integers(max(lo, 1) if not signed else lo, max(hi, 1))))
    return QuantSpec("quant", nbits, signed, narrow, mode, scale, pow2, zeropt)


# ----------------------------------------------------------------------------------------------
# Strategies: MLPs
# ----------------------------------------------------------------------------------------------

FEATURES = st.integers(2, 24)


@st.composite
def mlp_truncs(draw, act: QuantSpec | None, qonnx_opset: int):
    """Rarely, a Trunc after a per-tensor multi-bit Quant (as Brevitas puts after an average
    pool); its version is the model's QONNX opset."""
    if (act is None or act.kind != "quant" or act.per_channel or act.bits < 2
            or draw(st.integers(0, 5)) != 0):
        return None
    mode = draw(st.sampled_from(ROUNDING_MODES))
    if qonnx_opset == 1:
        return TruncSpec(1, act.bits, draw(st.integers(1, act.bits)), mode)
    return TruncSpec(2, act.bits, draw(st.integers(1, 8)), mode, shift=draw(st.integers(0, 3)),
                     signed=draw(st.booleans()), narrow=draw(st.booleans()))


@st.composite
def dense_specs(draw, out_features: int, last: bool, in_channels: int | None = None,
                qonnx_opset: int = 2):
    """A DenseSpec. Hidden layers always end in an activation quantizer (mostly per-tensor
    with a positive scale, what the next integer layer needs); the last layer may have none,
    a per-channel one, and float post-ops."""
    op = draw(st.sampled_from(["MatMul", "Gemm"]))
    wq = draw(quant_specs(channels=out_features, per_channel=None, allow_negative=True,
                          allow_zeropt=draw(st.integers(0, 3)) == 0, lo_exp=-6, hi_exp=1))
    gemm_bias = op == "Gemm" and draw(st.booleans())
    alpha = beta = 1.0
    if op == "Gemm" and draw(st.integers(0, 4)) == 0:
        alpha = draw(st.sampled_from([0.5, 2.0, 0.75, -1.0]))
        if gemm_bias:
            beta = draw(st.sampled_from([0.5, 2.0, -1.0]))
    bias_add = draw(st.sampled_from(["", "", "1d", "2d"]))
    batchnorm = draw(st.sampled_from(["", "", "pos", "neg", "mixed"]))
    relu = draw(st.booleans())
    # Rarer corners of the activation quantizer (qnnc accepts them; a per-channel scale before
    # a layer sends that layer to the host in float): per-channel, negative, signed zero point.
    odd = draw(st.integers(0, 5)) == 0
    act_q = quant_specs(channels=out_features, per_channel=None if (last or odd) else False,
                        allow_negative=odd and draw(st.booleans()),
                        allow_signed_zeropt=odd and draw(st.booleans()), lo_exp=-2, hi_exp=1)
    if last:
        act = draw(st.one_of(st.none(), act_q))
        post = tuple(draw(st.lists(st.tuples(st.sampled_from(["Mul", "Add"]), st.booleans()),
                                   max_size=2)))
    else:
        act = draw(act_q)
        post = ()
    return DenseSpec(
        out_features=out_features, weight_quant=wq, op=op,
        seed=draw(st.integers(0, 2**32 - 1)),
        weight_scale_shape=draw(st.sampled_from(["2d", "1d"])),
        weight_ties=draw(st.sampled_from([0.0, 0.25, 0.6])),
        gemm_bias=gemm_bias, gemm_alpha=alpha, gemm_beta=beta, bias_add=bias_add,
        batchnorm=batchnorm, bn_epsilon=draw(st.sampled_from([1e-5, 1e-3, 0.0])),
        relu=relu, act_quant=act, trunc=draw(mlp_truncs(act, qonnx_opset)), post_ops=post)


@st.composite
def mlp_specs(draw, max_layers: int = 3, features=FEATURES, out_features=st.integers(1, 12)):
    """An MLPSpec of 1..max_layers fully-connected layers."""
    n_layers = draw(st.integers(1, max_layers))
    k = draw(features)
    odd = draw(st.integers(0, 7)) == 0  # rarely: negative input scale, signed zero point
    iq = draw(quant_specs(lo_exp=-6, hi_exp=1, allow_negative=odd and draw(st.booleans()),
                          allow_signed_zeropt=odd and draw(st.booleans())))
    opset = draw(st.sampled_from([2, 2, 1]))
    layers = []
    for i in range(n_layers):
        last = i == n_layers - 1
        n = draw(out_features if last else features)
        layers.append(draw(dense_specs(n, last, qonnx_opset=opset)))
    layout = draw(st.sampled_from(("",) * 5 + INPUT_LAYOUTS))
    head = draw(st.sampled_from(((),) * 5 + HEADS))
    axes_inputs = layout in ("squeeze", "unsqueeze") or {"Squeeze", "Unsqueeze"} & set(head)
    onnx_opset = ONNX_OPSET if axes_inputs else draw(st.sampled_from([ONNX_OPSET, 11]))
    return MLPSpec(in_features=k, input_quant=iq, layers=tuple(layers), qonnx_opset=opset,
                   seed=draw(st.integers(0, 2**32 - 1)), input_layout=layout, head=head,
                   onnx_opset=onnx_opset)


# ----------------------------------------------------------------------------------------------
# Strategies: convolutional networks
# ----------------------------------------------------------------------------------------------


@st.composite
def window_params(draw, h: int, w: int, max_kernel: int = 3, max_stride: int = 2):
    """(kernel, stride, pads) of a 2-D window that fits an (h, w) input, pads < kernel."""
    kernel = (draw(st.integers(1, min(max_kernel, h))), draw(st.integers(1, min(max_kernel, w))))
    return (kernel,) + draw(_stride_pads(kernel))


@st.composite
def _stride_pads(draw, kernel, max_stride: int = 2):
    stride = (draw(st.integers(1, max_stride)), draw(st.integers(1, max_stride)))
    if draw(st.booleans()):
        pads = (0, 0, 0, 0)
    elif draw(st.booleans()):  # "same"-style symmetric padding
        pads = ((kernel[0] - 1) // 2, (kernel[1] - 1) // 2) * 2
    else:
        pads = tuple(draw(st.integers(0, kernel[i % 2] - 1)) for i in range(4))
    return stride, pads


@st.composite
def conv_specs(draw, h: int, w: int, c: int = 1, channels=st.integers(1, 8), residual: bool = False):
    """A ConvSpec for a (c, h, w) input: mostly per-tensor activation quantizers with positive
    scales; rarely per-channel or negative ones; sometimes dilated or grouped (depthwise).
    `residual`: shape-preserving (stride 1, "same" padding, c output channels)."""
    if residual:
        k = draw(st.sampled_from([1, 3] if min(h, w) >= 3 else [1]))
        kernel, stride, pads, dilation = (k, k), (1, 1), ((k - 1) // 2,) * 4, (1, 1)
        m = c
    else:
        m = draw(channels)
        dilation = (1, 1)
        if draw(st.integers(0, 3)) == 0:
            dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
        kernel = (draw(st.integers(1, max(1, min(3, (h - 1) // dilation[0] + 1)))),
                  draw(st.integers(1, max(1, min(3, (w - 1) // dilation[1] + 1)))))
        stride, pads = draw(_stride_pads(kernel))
    groups = [g for g in range(1, c + 1) if c % g == 0 and m % g == 0]
    group = draw(st.sampled_from(groups)) if len(groups) > 1 and draw(st.booleans()) else 1
    wq = draw(quant_specs(channels=m, per_channel=None, allow_negative=True,
                          allow_zeropt=draw(st.integers(0, 3)) == 0, lo_exp=-6, hi_exp=1))
    odd = draw(st.integers(0, 5)) == 0
    act = draw(quant_specs(channels=m, per_channel=None if odd else False,
                           allow_negative=odd and draw(st.booleans()),
                           allow_signed_zeropt=odd and draw(st.booleans()), lo_exp=-2, hi_exp=1))
    return ConvSpec(
        out_channels=m, weight_quant=wq, act_quant=act, kernel=kernel, stride=stride, pads=pads,
        seed=draw(st.integers(0, 2**32 - 1)), weight_ties=draw(st.sampled_from([0.0, 0.25, 0.6])),
        bias=draw(st.booleans()), batchnorm=draw(st.sampled_from(["", "", "pos", "neg", "mixed"])),
        bn_epsilon=draw(st.sampled_from([1e-5, 1e-3])),
        # Relu before a bipolar quantizer makes the layer a constant +1, and a BatchNorm
        # calibrated on a constant amplifies float32 noise far beyond a quantizer's step.
        relu=draw(st.booleans()) and not (act.kind == "bipolar" or (act.bits == 1 and act.signed)),
        dilation=dilation, group=group)


@st.composite
def convnet_specs(draw, max_layers: int = 3):
    """A ConvNetSpec: input (1, 1..3, 4..8, 4..8), a conv or residual layer first (a residual
    block there adds the input quantizer's codes), then 0..max_layers-1 conv, residual or
    MaxPool layers (channels <= 8), Flatten, and an optional dense layer."""
    c, h, w = draw(st.integers(1, 3)), draw(st.integers(4, 8)), draw(st.integers(4, 8))
    odd = draw(st.integers(0, 7)) == 0  # rarely: negative input scale, signed zero point
    iq = draw(quant_specs(lo_exp=-6, hi_exp=1, allow_negative=odd and draw(st.booleans()),
                          allow_signed_zeropt=odd and draw(st.booleans())))
    opset = draw(st.sampled_from([2, 2, 1]))
    layers = []
    hh, ww, cc = h, w, c
    for i in range(draw(st.integers(1, max_layers))):
        kind = draw(st.integers(0 if i > 0 else 1, 3))  # no MaxPool first
        if kind == 0:
            kernel, stride, pads = draw(window_params(hh, ww))
            layer = PoolSpec(kernel, stride, pads)
        elif kind == 1:
            inner = draw(conv_specs(hh, ww, cc, residual=True))
            odd = draw(st.integers(0, 5)) == 0
            act = draw(quant_specs(channels=cc, per_channel=None if odd else False,
                                   allow_negative=odd and draw(st.booleans()),
                                   allow_signed_zeropt=odd and draw(st.booleans()),
                                   lo_exp=-2, hi_exp=1, bits=(1, 6)))
            layer = ResidualSpec(inner, act, relu=draw(st.booleans()) and not (
                act.kind == "bipolar" or (act.bits == 1 and act.signed)))
        else:
            layer = draw(conv_specs(hh, ww, cc))
            cc = layer.out_channels
        layers.append(layer)
        hh, ww = layer.out_hw(hh, ww)
    dense = None
    if draw(st.booleans()):
        dense = draw(dense_specs(draw(st.integers(1, 10)), True, qonnx_opset=opset))
    return ConvNetSpec(in_channels=c, height=h, width=w, input_quant=iq, layers=tuple(layers),
                       dense=dense, qonnx_opset=opset, seed=draw(st.integers(0, 2**32 - 1)))


def _is_bipolar(q: QuantSpec) -> bool:
    return q.kind == "bipolar" or (q.bits == 1 and q.signed)


def expected_refusals(spec: ConvNetSpec) -> tuple[set[tuple[str, str]], bool]:
    """(the (node name, reason) errors qnnc must report for this spec, one of which it reports;
    whether a residual join without exact integer weights may be refused instead). Empty:
    the network must streamline. Node names are the generator's (`<OpType>_<k>`)."""
    counts: dict[str, int] = {}

    def name(op_type: str) -> str:
        k = counts.get(op_type, 0)
        counts[op_type] = k + 1
        return f"{op_type}_{k}"

    cur = spec.input_quant
    maybe = False

    def conv(layer: ConvSpec, cur: QuantSpec):
        node = name("Conv")
        if cur.per_channel:
            return {(node, "convolution not mapped to hardware")}
        if any(layer.pads) and _is_bipolar(cur):
            return {(node, "padding needs the real value 0")}
        return None

    for layer in spec.layers:
        if isinstance(layer, PoolSpec):
            node = name("MaxPool")
            if any(f <= 0 for f in cur.scale):
                return {(node, "scale is negative or zero")}, maybe
        elif isinstance(layer, ConvSpec):
            if (bad := conv(layer, cur)) is not None:
                return bad, maybe
            cur = layer.act_quant
        else:
            if (bad := conv(layer.conv, cur)) is not None:
                return bad, maybe
            node = name("Add")
            if cur.per_channel or layer.conv.act_quant.per_channel:
                return {(node, "residual join of per-channel quantized values")}, maybe
            maybe = True  # decided on the built model: `residual_weights_exist`
            cur = layer.act_quant
    return set(), maybe


# ----------------------------------------------------------------------------------------------
# Strategies: single-quantizer models
# ----------------------------------------------------------------------------------------------

SHAPES = st.sampled_from([(1, 1), (1, 8), (3, 5), (1, 16), (2, 3, 2, 2), (1, 4, 3)])


@st.composite
def trunc_specs(draw, channels: int = 1, per_channel: bool = False):
    version = draw(st.sampled_from([1, 2]))
    in_bits = draw(st.integers(2, 12))
    out_bits = draw(st.integers(1, in_bits)) if version == 1 else draw(st.integers(1, 10))
    n = channels if per_channel else 1
    scale, _ = draw(scale_factors(n, allow_negative=draw(st.booleans()), lo_exp=-6, hi_exp=2))
    if per_channel:  # one sign for all channels keeps output_scale / scale positive
        scale = tuple(f32(abs(s) * (1 if scale[0] > 0 else -1)) for s in scale)
    return TruncSpec(version=version, in_bits=in_bits, out_bits=out_bits,
                     rounding_mode=draw(rounding_modes), scale=scale,
                     zeropt=float(draw(st.sampled_from([0, 0, 0, 1, -3, 7]))),
                     shift=draw(st.integers(0, max(in_bits - out_bits, 0) + 1)),
                     signed=draw(st.booleans()), narrow=draw(st.booleans()))


@st.composite
def single_quant_specs(draw, kinds=("quant", "bipolar", "trunc")):
    """A model with one Quant, BipolarQuant or Trunc (v1 or v2) on a random input shape, with
    per-tensor or per-channel (possibly negative) scales and zero points."""
    shape = draw(SHAPES)
    axis = draw(st.sampled_from([1, -1])) if len(shape) > 2 else 1
    channels = shape[axis]
    per_channel = channels > 1 and draw(st.booleans())
    kind = draw(st.sampled_from(kinds))
    if kind == "trunc":
        q = draw(trunc_specs(channels, per_channel))
    else:
        q = draw(quant_specs(channels=channels, per_channel=per_channel, allow_negative=True,
                             allow_bipolar=False, allow_signed_zeropt=True, lo_exp=-8, hi_exp=3))
        if kind == "bipolar":
            q = QuantSpec("bipolar", 1, True, False, "ROUND", q.scale, q.pow2, 0.0)
    return SingleQuantSpec(q, shape, axis)


# ----------------------------------------------------------------------------------------------
# Strategies: inputs
# ----------------------------------------------------------------------------------------------

BOUNDARY_KINDS = ("half", "int", "half_below", "half_above", "int_below", "int_above",
                  "zero", "neg_zero", "clamp_lo", "clamp_hi")


def boundary_value(kind: str, k: int, scale: float, zeropt: float, lo: int, hi: int) -> float:
    """An input value on (or next to) a decision boundary of a quantizer with this scale,
    zero point and code range: `x/scale + zeropt` is k+0.5, k, just beside those, or beyond
    the clamp range."""
    s = np.float32(scale)
    if kind == "zero":
        return 0.0
    if kind == "neg_zero":
        return -0.0
    if kind == "clamp_lo":
        return f32((lo - 1.5 - abs(k) - zeropt) * s)
    if kind == "clamp_hi":
        return f32((hi + 1.5 + abs(k) - zeropt) * s)
    base = np.float32((k + (0.5 if kind.startswith("half") else 0.0) - zeropt) * float(s))
    if kind.endswith("_below"):
        base = np.nextafter(base, np.float32(-np.inf))
    elif kind.endswith("_above"):
        base = np.nextafter(base, np.float32(np.inf))
    return float(base)


def _element_scales(q, shape: tuple[int, ...], axis: int) -> np.ndarray:
    """The quantizer's scale for every element of an input of `shape` (flat)."""
    sc = np.asarray(q.scale, dtype=np.float64)
    if sc.size > 1:
        sc = sc.reshape(_channel_shape(shape, axis))
    return np.broadcast_to(sc, shape).reshape(-1)


def boundary_grids(spec) -> list[tuple[np.ndarray, float, int, int]]:
    """The decision-boundary grids of the quantizer that first sees the input, as
    (per-element scale, zero point, lowest code, highest code): a value x is on a boundary
    when x/scale + zeropt is an integer or a half-integer. Trunc has two: its first rounding
    (scale s) and its second (scale s·2^shift)."""
    if isinstance(spec, (MLPSpec, ConvNetSpec)):
        q, axis = spec.input_quant, 1
    else:
        q, axis = spec.quant, spec.channel_axis
    s = _element_scales(q, spec.input_shape, axis)
    if isinstance(q, TruncSpec):
        t = 2.0 ** (q.shift if q.version == 2 else q.in_bits - q.out_bits)
        lo, hi = (quant_range(q.out_bits, q.signed, q.narrow) if q.version == 2
                  else quant_range(q.out_bits, True, False))
        ilo, ihi = quant_range(q.in_bits, True, False)
        return [(s * t, q.zeropt / t, lo, hi), (s, q.zeropt, ilo, ihi)]
    lo, hi = q.code_range()
    return [(s, q.zeropt if q.kind == "quant" else 0.0, lo, hi)]


@st.composite
def model_inputs(draw, spec, min_samples: int = 1, max_samples: int = 4):
    """A list of float32 inputs for the model of `spec` (shape spec.input_shape): N(0, σ)
    values over the input quantizer's range, with some elements replaced by values exactly on
    (or beside) its rounding boundaries, clamp bounds and ±0."""
    shape = spec.input_shape
    size = int(np.prod(shape))
    grids = boundary_grids(spec)
    s0, z0, lo0, hi0 = grids[0]
    q = spec.input_quant if isinstance(spec, (MLPSpec, ConvNetSpec)) else spec.quant
    if isinstance(q, QuantSpec):
        center, sigma = input_center_sigma(q, s0)
    else:
        center, sigma = -z0 * s0, max(hi0 - lo0, 1) * np.abs(s0) / 3
    n = draw(st.integers(min_samples, max_samples))
    out = []
    for _ in range(n):
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
        widen = draw(st.sampled_from([0.5, 1.0, 2.0]))
        x = center + rng.standard_normal(size) * sigma * widen
        if isinstance(q, TruncSpec):  # Trunc mostly sees already quantized values
            s1 = np.abs(grids[1][0])
            x = np.where(rng.random(size) < 0.5, np.round(x / s1) * s1, x)
        specials = draw(st.lists(st.tuples(st.integers(0, size - 1), st.integers(0, len(grids) - 1),
                                           st.sampled_from(BOUNDARY_KINDS),
                                           st.integers(-(2**12), 2**12)), max_size=size))
        for idx, g, kind, k in specials:
            s, z, lo, hi = grids[g]
            k = lo - 1 + k % (hi - lo + 3)  # a code in [lo - 1, hi + 1]
            x[idx] = boundary_value(kind, k, float(s[idx]), z, lo, hi)
        out.append(x.astype(np.float32).reshape(shape))
    return out


# ----------------------------------------------------------------------------------------------
# The reference and the tie policy
# ----------------------------------------------------------------------------------------------
#
# The tie policy itself (what may differ from qonnx's float32 execution, and why) lives in
# qnnc/tie_policy.py, shared with `qnnc --verify`.

def qonnx_reference(model: onnx.ModelProto):
    """The reference: qonnx's cleanup of the model, ready for `execute_onnx`."""
    from qonnx.core.modelwrapper import ModelWrapper
    from qonnx.util.cleanup import cleanup_model

    return cleanup_model(ModelWrapper(model))


def qonnx_outputs(ref, inputs: list[np.ndarray]) -> list[np.ndarray]:
    """execute_onnx of the cleaned reference on each input (first graph output)."""
    from qonnx.core.onnx_exec import execute_onnx

    inits = {i.name for i in ref.graph.initializer}
    iname = next(i.name for i in ref.graph.input if i.name not in inits)
    oname = ref.graph.output[0].name
    return [np.asarray(execute_onnx(ref, {iname: x})[oname]) for x in inputs]


def check_tie_policy(got, ref32, precise: PreciseReference, quantized: bool, what: str = "",
                     both_float32: bool = False) -> dict[str, int]:
    """Apply the tie policy (qnnc.tie_policy) to one output. Returns counts of the elements
    that differed from the float32 reference, by the rule that accepted them ({} when
    identical). Raises AssertionError naming the first element no rule accepts."""
    got = np.asarray(got)
    ref32 = np.asarray(ref32)
    assert got.shape == ref32.shape, f"{what}: shape {got.shape} vs reference {ref32.shape}"
    counts, open_ = classify(got, ref32, precise, quantized, both_float32)
    if not np.any(open_):
        return counts
    idx = tuple(int(i) for i in np.argwhere(open_)[0])
    refs = "".join(f"\n {n:>10} ref = {np.asarray(r).reshape(got.shape)!r}"
                   for n, r in precise.levels())
    raise AssertionError(
        f"{what}: {int(open_.sum())} element(s) of a {'quantized' if quantized else 'float'} "
        f"output disagree with the float32 reference and with every precise re-evaluation; "
        f"first at {idx}: got {got[idx]!r}, float32 ref {ref32[idx]!r} (tail magnitude "
        f"{precise.magnitude!r})\n        got = {got!r}\n    float32 ref = {ref32!r}{refs}")
