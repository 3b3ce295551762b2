"""Small super-resolution networks in QONNX, as Brevitas exports them: an 8-bit input
quantizer, 3×3 convolutions with 4-bit weights, ReLU + 4-bit activation quantizers, an
upsampling step (DepthToSpace DCR/CRD, or Resize nearest in a coordinate mode whose index map
is an integer upsampling), and a last convolution whose float output (with its bias) is the
model's output.

The activation scales are calibrated on random inputs so the codes spread over their range
(calibration uses numpy in float64; the reference is always qonnx's own execution).
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

    def conv(x, name, w, pads, bias=None):
        ws = np.float32(np.abs(w).max() / 7)
        wq = quant(const(f"{name}_w", w), f"{name}_wq", ws, 4, 1, 1)
        ins = [x, wq] + ([const(f"{name}_bias", bias)] if bias is not None else [])
        out = f"{name}_out"
        nodes.append(helper.make_node("Conv", ins, [out], name=name, kernel_shape=[3, 3],
                                      pads=[pads] * 4, strides=[1, 1]))
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
    w2 = rng.normal(0, 1, (c2, c, 3, 3))
    y, w2q = conv(y, "Conv_1", w2, 1)
    v = np.maximum(conv2d(v, w2q, None, (1, 1), (1, 1, 1, 1), (1, 1), 1), 0)
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
