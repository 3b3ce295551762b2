"""Property: the streaming lowering of convolutional networks preserves meaning, on random
integer cores (channels-last `quant.int_conv`, `int_maxpool`, `int_add`, `threshold`, a final
dense layer), independently of the frontend and of streamlining.

For each generated `@core` and random input codes, `convert-quant-to-dataflow`,
`dataflow-fold` (a random cycles target), `dataflow-insert-fifos` and `convert-dataflow-to-rtl`
are applied one at a time through the registry; the module is verified after each and
`run_function(module, "core", [x])` equals the `quant`-level result bit for bit (the dataflow
level's unit semantics, then the rtl level's bit-true cells reading their ROM words).

The generator covers what the issue names: k×k and non-square kernels, strides, dilations,
groups (depthwise included),
asymmetric padding (with the zero point's code), max pooling with padding, residual adds
joining a convolution branch and its input (forks, branch FIFOs), nearest upsampling by
integer factors and depth-to-space (DCR, CRD), channel concatenations of a branch and its
input, bipolar and signed/unsigned codes, 1×1
convolutions (no window generator) and a Flatten into a dense layer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from hypothesis import given, note, settings
from hypothesis import strategies as st

from xdsl.dialects.builtin import IntegerType

from profiles import examples
from qnnc.dialects import quant
from qnnc.ir import make_context, parse_module, print_module, run_function
from qnnc.universe import all_passes

PASSES = ("convert-quant-to-dataflow", "dataflow-fold", "dataflow-insert-fifos",
          "convert-dataflow-to-rtl")


def type_text(t) -> str:
    if isinstance(t, quant.BipolarType):
        return "!quant.bipolar"
    lo, _ = quant.code_range(t)
    return f"{'si' if lo < 0 else 'ui'}{t.width.data}"


def tensor_text(shape, t) -> str:
    return "tensor<" + "x".join(str(d) for d in shape) + "x" + type_text(t) + ">"


def ints(v) -> str:
    return "array<i64: " + ", ".join(str(int(a)) for a in v) + ">"


def dense_text(arr: np.ndarray, t) -> str:
    def rec(a):
        return "[" + ", ".join(rec(b) for b in a) + "]" if a.ndim else str(int(a))
    return f"dense<{rec(arr)}> : {tensor_text(arr.shape, t)}"


@dataclass
class CoreBuilder:
    """Builds a `func.func @core` as text, tracking each value's shape and element type (and
    what the codes can be, for accumulator widths)."""

    rng: np.random.Generator
    lines: list[str] = field(default_factory=list)
    n: int = 0

    def fresh(self) -> str:
        self.n += 1
        return f"%v{self.n}"

    def emit(self, text: str, node: str, op_type: str) -> None:
        self.lines.append(f"  {text} loc(\"{node}\"(\"{op_type}\"))")

    def conv(self, x, kernel, strides, pads, dilations, channels_out, group: int = 1):
        name, shape, t = x
        _, h, w, c = shape
        weights = self.rng.integers(-2, 2, size=(*kernel, c // group, channels_out))
        if self.rng.random() < 0.3:
            weights = np.where(weights >= 0, 1, -1)
        wt = quant.int_type(int(weights.min()), int(weights.max()))
        oh = (h + pads[0] + pads[2] - (kernel[0] - 1) * dilations[0] - 1) // strides[0] + 1
        ow = (w + pads[1] + pads[3] - (kernel[1] - 1) * dilations[1] - 1) // strides[1] + 1
        lo, hi = quant.code_range(t)
        if isinstance(t, quant.BipolarType):
            lo = -1
        prod = np.stack([weights * lo, weights * hi])
        alo, ahi = int(prod.min(axis=0).sum(axis=(0, 1, 2)).min()), int(prod.max(axis=0).sum(axis=(0, 1, 2)).max())
        acc_t = quant.int_type(min(alo - 2, 0), max(ahi + 2, 0))  # holds the thresholds too
        wname, out = self.fresh(), self.fresh()
        node = f"Conv_{self.n}"
        self.lines.append(f"  {wname} = quant.const {dense_text(weights, wt)}")
        pad_value = max(lo, 0) if not isinstance(t, quant.BipolarType) else 0
        oshape = (1, oh, ow, channels_out)
        self.emit(f"{out} = quant.int_conv {name}, {wname} {{strides = {ints(strides)}, "
                  f"pads = {ints(pads)}, dilations = {ints(dilations)}, group = {group} : i64, "
                  f"pad_value = {pad_value} : i64}} : ({tensor_text(shape, t)}, "
                  f"{tensor_text(weights.shape, wt)}) -> {tensor_text(oshape, acc_t)}", node, "Conv")
        return out, oshape, acc_t, (alo, ahi)

    def threshold(self, x, bounds, out_bits: int):
        name, shape, t = x
        c = shape[-1]
        lo, hi = bounds
        if out_bits == 0:  # bipolar
            k, ot = 1, quant.BipolarType()
        else:
            k, ot = 2 ** out_bits - 1, quant.int_type(0, 2 ** out_bits - 1)
        th = np.sort(self.rng.integers(lo - 1, hi + 2, size=(c, k)), axis=1)
        desc = self.rng.random(c) < 0.3
        th[desc] = th[desc][:, ::-1]
        tt = quant.int_type(int(th.min()), int(th.max()))
        out = self.fresh()
        self.emit(f"{out} = quant.threshold {name} {{thresholds = {dense_text(th, tt)}, "
                  f"descending = {dense_text(desc.astype(int), quant.int_type(0, 1))}, "
                  f"out_bias = 0 : i64}} : {tensor_text(shape, t)} -> {tensor_text(shape, ot)}",
                  f"Quant_{self.n}", "Quant")
        return out, shape, ot

    def maxpool(self, x, kernel, strides, pads):
        name, shape, t = x
        _, h, w, c = shape
        oh = (h + pads[0] + pads[2] - kernel[0]) // strides[0] + 1
        ow = (w + pads[1] + pads[3] - kernel[1]) // strides[1] + 1
        oshape = (1, oh, ow, c)
        out = self.fresh()
        self.emit(f"{out} = quant.int_maxpool {name} {{kernel_shape = {ints(kernel)}, "
                  f"strides = {ints(strides)}, pads = {ints(pads)}, dilations = {ints((1, 1))}}} "
                  f": {tensor_text(shape, t)} -> {tensor_text(oshape, t)}", f"MaxPool_{self.n}",
                  "MaxPool")
        return out, oshape, t

    def add(self, a, b, ka: int, kb: int):
        terms = []
        for k, (_, _, t) in ((ka, a), (kb, b)):
            lo, hi = quant.code_range(t)
            terms.append(sorted((k * lo, k * hi)))
        lo, hi = terms[0][0] + terms[1][0], terms[0][1] + terms[1][1]
        acc_t = quant.int_type(min(lo - 2, 0), max(hi + 2, 0))  # holds the thresholds too
        out = self.fresh()
        self.emit(f"{out} = quant.int_add {a[0]}, {b[0]} {{ka = {ka} : i64, kb = {kb} : i64}} : "
                  f"({tensor_text(a[1], a[2])}, {tensor_text(b[1], b[2])}) -> "
                  f"{tensor_text(a[1], acc_t)}", f"Add_{self.n}", "Add")
        return (out, a[1], acc_t), (lo, hi)

    def upsample(self, x, scales):
        name, shape, t = x
        oshape = (1, shape[1] * scales[0], shape[2] * scales[1], shape[3])
        out = self.fresh()
        self.emit(f"{out} = quant.int_upsample {name} {{scales = {ints(scales)}}} : "
                  f"{tensor_text(shape, t)} -> {tensor_text(oshape, t)}", f"Resize_{self.n}",
                  "Resize")
        return out, oshape, t

    def depth_to_space(self, x, block: int, mode: str):
        name, shape, t = x
        oshape = (1, shape[1] * block, shape[2] * block, shape[3] // (block * block))
        out = self.fresh()
        self.emit(f"{out} = quant.int_depth_to_space {name} {{blocksize = {block} : i64, "
                  f"mode = \"{mode}\"}} : {tensor_text(shape, t)} -> {tensor_text(oshape, t)}",
                  f"DepthToSpace_{self.n}", "DepthToSpace")
        return out, oshape, t

    def concat(self, a, b):
        oshape = a[1][:-1] + (a[1][-1] + b[1][-1],)
        out = self.fresh()
        self.emit(f"{out} = quant.int_concat {a[0]}, {b[0]} : ({tensor_text(a[1], a[2])}, "
                  f"{tensor_text(b[1], b[2])}) -> {tensor_text(oshape, a[2])}",
                  f"Concat_{self.n}", "Concat")
        return out, oshape, a[2]

    def dense(self, x, n_out: int):
        name, shape, t = x
        flat = (1, int(np.prod(shape)))
        r = self.fresh()
        self.emit(f"{r} = quant.reshape {name} : {tensor_text(shape, t)} -> "
                  f"{tensor_text(flat, t)}", f"Flatten_{self.n}", "Flatten")
        w = self.rng.integers(-2, 2, size=(flat[1], n_out))
        wt = quant.int_type(int(w.min()), int(w.max()))
        lo, hi = quant.code_range(t)
        prod = np.stack([w * lo, w * hi])
        acc_t = quant.int_type(min(int(prod.min(axis=0).sum(axis=0).min()), 0),
                               max(int(prod.max(axis=0).sum(axis=0).max()), 0))
        wname, out = self.fresh(), self.fresh()
        self.lines.append(f"  {wname} = quant.const {dense_text(w, wt)}")
        self.emit(f"{out} = quant.int_matmul {r}, {wname} : ({tensor_text(flat, t)}, "
                  f"{tensor_text(w.shape, wt)}) -> {tensor_text((1, n_out), acc_t)}",
                  f"MatMul_{self.n}", "MatMul")
        return out, (1, n_out), acc_t


@st.composite
def window(draw, h: int, w: int, max_k: int = 3, pad: bool = True, dilate: bool = True):
    """(kernel, strides, pads, dilations) fitting an h×w map."""
    for _ in range(20):
        kernel = (draw(st.integers(1, max_k)), draw(st.integers(1, max_k)))
        strides = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
        dil = (draw(st.integers(1, 2)), draw(st.integers(1, 2))) if dilate else (1, 1)
        pads = tuple(draw(st.integers(0, min(2, k - 1))) if pad else 0
                     for k in (kernel[0], kernel[1], kernel[0], kernel[1]))
        if h + pads[0] + pads[2] >= (kernel[0] - 1) * dil[0] + 1 and \
                w + pads[1] + pads[3] >= (kernel[1] - 1) * dil[1] + 1:
            return kernel, strides, pads, dil
    return (1, 1), (1, 1), (0, 0, 0, 0), (1, 1)


ELEMENTS = {"ui2": quant.int_type(0, 3), "si3": quant.int_type(-4, 3),
            "ui4": quant.int_type(0, 15), "bipolar": quant.BipolarType()}


@st.composite
def cores(draw):
    """(module text, input shape, input element type) of a random integer conv core."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    b = CoreBuilder(rng)
    h, w, c = draw(st.integers(2, 7)), draw(st.integers(2, 7)), draw(st.integers(1, 4))
    elem = ELEMENTS[draw(st.sampled_from(sorted(ELEMENTS)))]
    shape = (1, h, w, c)
    x = ("%x", shape, elem)
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(("conv", "conv", "pool", "residual", "conv1x1", "upsample",
                                     "d2s", "concat")))
        _, h, w, c = x[1]
        bipolar_in = isinstance(x[2], quant.BipolarType)
        t = x[2]
        concat_bits = (t.width.data if isinstance(t, IntegerType) and quant.code_range(t)[0] == 0
                       and t.width.data <= 3 else None)
        if kind == "concat" and concat_bits:  # a conv branch joined to its input (codes alike)
            kh = draw(st.sampled_from((1, 3)))
            out, oshape, acc_t, bounds = b.conv(x, (kh, kh), (1, 1), (kh // 2,) * 4, (1, 1),
                                                draw(st.integers(1, 3)))
            y = b.threshold((out, oshape, acc_t), bounds, concat_bits)
            x = b.concat(x, y) if draw(st.booleans()) else b.concat(y, x)
        elif kind == "upsample":
            x = b.upsample(x, (draw(st.integers(1, 3)), draw(st.integers(1, 3))))
        elif kind == "d2s":
            if c % 4:  # a 1x1 convolution to 4 times the channels first
                out, oshape, acc_t, bounds = b.conv(x, (1, 1), (1, 1), (0, 0, 0, 0), (1, 1), 4 * c)
                x = b.threshold((out, oshape, acc_t), bounds, draw(st.integers(0, 2)))
            x = b.depth_to_space(x, 2, draw(st.sampled_from(("DCR", "CRD"))))
        elif kind == "pool":
            k, s, p, _ = draw(window(h, w, pad=True, dilate=False))
            x = b.maxpool(x, k, s, p)
        elif kind == "residual" and not bipolar_in:
            kh = draw(st.sampled_from((1, 3)))
            out, oshape, acc_t, bounds = b.conv(x, (kh, kh), (1, 1), (kh // 2,) * 4, (1, 1), c)
            y = b.threshold((out, oshape, acc_t), bounds, draw(st.integers(1, 3)))
            summed, bounds = b.add(y, x, draw(st.integers(1, 3)), draw(st.integers(-2, 3)) or 1)
            x = b.threshold(summed, bounds, draw(st.integers(1, 2)))
        else:
            if kind == "conv1x1":
                k, s, p, d = (1, 1), (1, 1), (0, 0, 0, 0), (1, 1)
            else:
                k, s, p, d = draw(window(h, w, pad=not bipolar_in))
            group = draw(st.sampled_from([g for g in (1, 2, c) if c % g == 0]))
            cout = group * draw(st.integers(1, 2)) if group > 1 else draw(st.integers(1, 4))
            out, oshape, acc_t, bounds = b.conv(x, k, s, p, d, cout, group)
            x = b.threshold((out, oshape, acc_t), bounds, draw(st.integers(0, 2)))
    if draw(st.booleans()):
        x = b.dense(x, draw(st.integers(1, 4)))
    name, oshape, ot = x
    text = (f"func.func @core(%x: {tensor_text(shape, elem)}) -> {tensor_text(oshape, ot)} {{\n"
            + "\n".join(b.lines) + f"\n  func.return {name} : {tensor_text(oshape, ot)}\n}}\n")
    return text, shape, elem


def random_codes(rng, shape, elem) -> np.ndarray:
    lo, hi = quant.code_range(elem)
    if isinstance(elem, quant.BipolarType):
        return np.where(rng.random(shape) < 0.5, -1, 1)
    return rng.integers(lo, hi + 1, size=shape)


@settings(max_examples=examples(40), deadline=None)
@given(core=cores(), target=st.integers(1, 400), seed=st.integers(0, 2**32 - 1))
def test_conv_lowerings_preserve_meaning(core, target, seed):
    text, shape, elem = core
    note(text)
    ctx = make_context()
    module = parse_module(text, ctx)
    module.verify()
    rng = np.random.default_rng(seed)
    xs = [random_codes(rng, shape, elem) for _ in range(3)]
    want = [np.asarray(run_function(module, "core", [x])[0]) for x in xs]
    for name in PASSES:
        options = {"target_cycles": target} if name == "dataflow-fold" else {}
        all_passes()[name]()(**options).apply(ctx, module)
        module.verify()
        for x, ref in zip(xs, want):
            got = np.asarray(run_function(module, "core", [x])[0])
            assert np.array_equal(got, ref), f"{name} changed the result"
    again = parse_module(print_module(module, ctx), ctx)
    assert print_module(again, ctx) == print_module(module, ctx)
