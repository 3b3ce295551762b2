"""Small convolutional test networks in QONNX, as Brevitas exports them.

`build_srnet`: super-resolution nets with an 8-bit input
quantizer, 3×3 convolutions with 4-bit weights, ReLU + 4-bit activation quantizers, an
upsampling step (DepthToSpace DCR/CRD, or Resize nearest in a coordinate mode whose index map
is an integer upsampling), and a last convolution whose float output (with its bias) is the
model's output.

The activation scales are calibrated on random inputs so the codes spread over their range
(calibration uses numpy in float64; the reference is always qonnx's own execution).

`build_avgpool_net`: a classifier head with average pooling as Brevitas' TruncAvgPool2d exports
it: AveragePool (or GlobalAveragePool), a Mul by the window size, QONNX `Trunc` (rounding
mode and output bit width as given), then Flatten and a dense layer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from qnnc.dialects.quant import conv2d

QONNX = "qonnx.custom_op.general"
UPSAMPLERS = ("d2s_dcr", "d2s_crd", "resize_asymmetric", "resize_half_pixel")


@dataclass(frozen=True)
class SRSpec:
    height: int = 8
    width: int = 8
    channels: int = 4
    upsampler: str = "d2s_dcr"
    block: int = 2
    depthwise: bool = False  # the middle convolution depthwise (group = channels)
    seed: int = 0

    @property
    def input_shape(self) -> tuple[int, ...]:
        return (1, 1, self.height, self.width)


def build_srnet(spec: SRSpec) -> onnx.ModelProto:
    rng = np.random.default_rng(spec.seed)
    nodes, inits = [], []

    def const(name, arr):
        inits.append(numpy_helper.from_array(np.asarray(arr, dtype=np.float32), name))
        return name

    def quant(x, name, scale, bits, signed, narrow=0):
        out = f"{name}_out"
        nodes.append(helper.make_node(
            "Quant", [x, const(f"{name}_s", scale), const(f"{name}_z", 0.0),
                      const(f"{name}_b", bits)], [out], name=name, domain=QONNX,
            signed=signed, narrow=narrow, rounding_mode="ROUND"))
        return out

    def conv(x, name, w, pads, bias=None, group=1):
        ws = np.float32(np.abs(w).max() / 7)
        wq = quant(const(f"{name}_w", w), f"{name}_wq", ws, 4, 1, 1)
        ins = [x, wq] + ([const(f"{name}_bias", bias)] if bias is not None else [])
        out = f"{name}_out"
        nodes.append(helper.make_node("Conv", ins, [out], name=name, kernel_shape=[3, 3],
                                      pads=[pads] * 4, strides=[1, 1], group=group))
        wdq = np.clip(np.round(w / ws), -7, 7) * ws
        return out, wdq

    calib = rng.random((16,) + spec.input_shape[1:])
    c, up = spec.channels, spec.block * spec.block
    c2 = c * up if spec.upsampler.startswith("d2s") else c
    x = quant("global_in", "Quant_in", 2.0 ** -7, 8, 1)
    w1 = rng.normal(0, 1, (c, 1, 3, 3))
    y, w1q = conv(x, "Conv_0", w1, 1)
    v = np.maximum(conv2d(calib, w1q, None, (1, 1), (1, 1, 1, 1), (1, 1), 1), 0)
    nodes.append(helper.make_node("Relu", [y], ["relu0"], name="Relu_0"))
    s1 = np.float32(max(v.max(), 1e-3) / 15)
    y = quant("relu0", "Quant_1", s1, 4, 0)
    v = np.clip(np.round(v / s1), 0, 15) * s1
    g = c if spec.depthwise else 1
    w2 = rng.normal(0, 1, (c2, c // g, 3, 3))
    y, w2q = conv(y, "Conv_1", w2, 1, group=g)
    v = np.maximum(conv2d(v, w2q, None, (1, 1), (1, 1, 1, 1), (1, 1), g), 0)
    nodes.append(helper.make_node("Relu", [y], ["relu1"], name="Relu_1"))
    s2 = np.float32(max(v.max(), 1e-3) / 15)
    y = quant("relu1", "Quant_2", s2, 4, 0)
    h2, w2_ = spec.height * spec.block, spec.width * spec.block
    if spec.upsampler.startswith("d2s"):
        nodes.append(helper.make_node("DepthToSpace", [y], ["up"], name="DepthToSpace_0",
                                      blocksize=spec.block, mode=spec.upsampler[-3:].upper()))
    else:
        coord = spec.upsampler.removeprefix("resize_")
        nodes.append(helper.make_node(
            "Resize", [y, "", const("up_scales", [1, 1, spec.block, spec.block])], ["up"],
            name="Resize_0", mode="nearest", coordinate_transformation_mode=coord,
            nearest_mode="floor" if coord == "asymmetric" else "round_prefer_floor"))
    w3 = rng.normal(0, 1, (1, c, 3, 3))
    out, _ = conv("up", "Conv_2", w3, 1, bias=rng.normal(0, 0.1, 1))
    nodes[-1].output[0] = "global_out"
    graph = helper.make_graph(
        nodes, "srnet",
        [helper.make_tensor_value_info("global_in", TensorProto.FLOAT, list(spec.input_shape))],
        [helper.make_tensor_value_info("global_out", TensorProto.FLOAT, [1, 1, h2, w2_])],
        inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13),
                                                    helper.make_opsetid(QONNX, 1)])
    model.ir_version = 8
    return model


@dataclass(frozen=True)
class AvgPoolSpec:
    height: int = 6
    width: int = 6
    channels: int = 4
    kernel: tuple[int, int] | None = None  # None: GlobalAveragePool
    trunc_mode: str = "FLOOR"
    out_bits: int = 4
    seed: int = 0

    @property
    def input_shape(self) -> tuple[int, ...]:
        return (1, 1, self.height, self.width)


def build_avgpool_net(spec: AvgPoolSpec) -> onnx.ModelProto:
    rng = np.random.default_rng(spec.seed)
    nodes, inits = [], []

    def const(name, arr):
        inits.append(numpy_helper.from_array(np.asarray(arr, dtype=np.float32), name))
        return name

    c = spec.channels
    nodes.append(helper.make_node(
        "Quant", ["global_in", const("qin_s", 2.0 ** -7), const("qin_z", 0.0),
                  const("qin_b", 8)], ["x"], name="Quant_in", domain=QONNX, signed=1, narrow=0,
        rounding_mode="ROUND"))
    w = rng.normal(0, 1, (c, 1, 3, 3))
    ws = np.float32(np.abs(w).max() / 7)
    nodes.append(helper.make_node(
        "Quant", [const("w0", w), const("w0_s", ws), const("w0_z", 0.0), const("w0_b", 4)],
        ["w0q"], name="Quant_w0", domain=QONNX, signed=1, narrow=1, rounding_mode="ROUND"))
    nodes.append(helper.make_node("Conv", ["x", "w0q"], ["c0"], name="Conv_0",
                                  kernel_shape=[3, 3], pads=[1, 1, 1, 1]))
    nodes.append(helper.make_node("Relu", ["c0"], ["r0"], name="Relu_0"))
    wq = np.clip(np.round(w / ws), -7, 7) * ws
    calib = rng.random((16,) + spec.input_shape[1:])
    v = np.maximum(conv2d(calib, wq, None, (1, 1), (1, 1, 1, 1), (1, 1), 1), 0)
    s1 = np.float32(max(v.max(), 1e-3) / 15)
    nodes.append(helper.make_node(
        "Quant", ["r0", const("a0_s", s1), const("a0_z", 0.0), const("a0_b", 4)], ["a0"],
        name="Quant_a0", domain=QONNX, signed=0, narrow=0, rounding_mode="ROUND"))
    if spec.kernel is None:
        nodes.append(helper.make_node("GlobalAveragePool", ["a0"], ["p"], name="Pool_0"))
        k, out_hw = spec.height * spec.width, (1, 1)
    else:
        kh, kw = spec.kernel
        nodes.append(helper.make_node("AveragePool", ["a0"], ["p"], name="Pool_0",
                                      kernel_shape=[kh, kw], strides=[kh, kw]))
        k, out_hw = kh * kw, (spec.height // kh, spec.width // kw)
    nodes.append(helper.make_node("Mul", ["p", const("k", float(k))], ["pk"], name="Mul_0"))
    in_bits = 4 + int(np.ceil(np.log2(k)))
    nodes.append(helper.make_node(
        "Trunc", ["pk", const("t_s", s1), const("t_z", 0.0), const("t_in_b", in_bits),
                  const("t_out_b", spec.out_bits)], ["t"], name="Trunc_0", domain=QONNX,
        rounding_mode=spec.trunc_mode))
    nodes.append(helper.make_node("Flatten", ["t"], ["f"], name="Flatten_0", axis=1))
    n_in = c * out_hw[0] * out_hw[1]
    wd = rng.normal(0, 1, (3, n_in))
    wds = np.float32(np.abs(wd).max() / 7)
    nodes.append(helper.make_node(
        "Quant", [const("wd", wd), const("wd_s", wds), const("wd_z", 0.0), const("wd_b", 4)],
        ["wdq"], name="Quant_wd", domain=QONNX, signed=1, narrow=1, rounding_mode="ROUND"))
    nodes.append(helper.make_node("Gemm", ["f", "wdq"], ["global_out"], name="Gemm_0",
                                  transB=1))
    graph = helper.make_graph(
        nodes, "avgpool_net",
        [helper.make_tensor_value_info("global_in", TensorProto.FLOAT, list(spec.input_shape))],
        [helper.make_tensor_value_info("global_out", TensorProto.FLOAT, [1, 3])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13),
                                                    helper.make_opsetid(QONNX, 1)])
    model.ir_version = 8
    return model


@dataclass(frozen=True)
class ConcatSpec:
    height: int = 6
    width: int = 5
    channels: int = 4
    branch_channels: int = 2
    seed: int = 0

    @property
    def input_shape(self) -> tuple[int, ...]:
        return (1, 1, self.height, self.width)


def build_concat_net(spec: ConcatSpec) -> onnx.ModelProto:
    """A dense-block-like net: a conv layer's activations a, a second conv layer on a giving b
    (quantized with the same scale, as a shared Brevitas quantizer does), Concat(a, b) along
    the channels, and a last convolution whose float output is the model's output."""
    rng = np.random.default_rng(spec.seed)
    nodes, inits = [], []

    def const(name, arr):
        inits.append(numpy_helper.from_array(np.asarray(arr, dtype=np.float32), name))
        return name

    def quant(x, name, scale, bits, signed, narrow=0):
        nodes.append(helper.make_node(
            "Quant", [x, const(f"{name}_s", scale), const(f"{name}_z", 0.0),
                      const(f"{name}_b", bits)], [f"{name}_out"], name=name, domain=QONNX,
            signed=signed, narrow=narrow, rounding_mode="ROUND"))
        return f"{name}_out"

    def conv(x, name, cin, cout):
        w = rng.normal(0, 1, (cout, cin, 3, 3))
        ws = np.float32(np.abs(w).max() / 7)
        wq = quant(const(f"{name}_w", w), f"{name}_wq", ws, 4, 1, 1)
        nodes.append(helper.make_node("Conv", [x, wq], [f"{name}_out"], name=name,
                                      kernel_shape=[3, 3], pads=[1, 1, 1, 1]))
        return f"{name}_out", np.clip(np.round(w / ws), -7, 7) * ws

    c, cb = spec.channels, spec.branch_channels
    x = quant("global_in", "Quant_in", 2.0 ** -7, 8, 1)
    y, w0 = conv(x, "Conv_0", 1, c)
    nodes.append(helper.make_node("Relu", [y], ["r0"], name="Relu_0"))
    calib = rng.random((16,) + spec.input_shape[1:])
    v = np.maximum(conv2d(calib, w0, None, (1, 1), (1, 1, 1, 1), (1, 1), 1), 0)
    s = np.float32(max(v.max(), 1e-3) / 15)
    a = quant("r0", "Quant_a", s, 4, 0)
    y, _ = conv(a, "Conv_1", c, cb)
    nodes.append(helper.make_node("Relu", [y], ["r1"], name="Relu_1"))
    b = quant("r1", "Quant_b", s, 4, 0)
    nodes.append(helper.make_node("Concat", [a, b], ["cat"], name="Concat_0", axis=1))
    out, _ = conv("cat", "Conv_2", c + cb, 1)
    nodes[-1].output[0] = "global_out"
    graph = helper.make_graph(
        nodes, "concat_net",
        [helper.make_tensor_value_info("global_in", TensorProto.FLOAT, list(spec.input_shape))],
        [helper.make_tensor_value_info("global_out", TensorProto.FLOAT,
                                       [1, 1, spec.height, spec.width])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13),
                                                    helper.make_opsetid(QONNX, 1)])
    model.ir_version = 8
    return model
