"""Generated models that once broke a property, shared by the tests that replay them (as
`@example`s): each comment says what broke."""

from __future__ import annotations

import numpy as np

from generators import DenseSpec, MLPSpec, QuantSpec

# A float output after a BatchNorm whose terms x·γ/σ and μ·γ/σ cancel: float32 noise scales
# with those terms, not with the output. The hardware matched the rtl semantics exactly, but
# `verify` (and the tie policy) judged the noise against the size of the *output*.
BATCHNORM_CANCELLATION = MLPSpec(
    in_features=3, input_quant=QuantSpec('bipolar', 1, True, False, 'ROUND', (0.5,), True, 0.0),
    layers=(
        DenseSpec(out_features=9, weight_quant=QuantSpec('quant', 1, False, True, 'ROUND', (0.015625,), False, 0.0),
                  op='MatMul', seed=0, weight_ties=0.0,
                  act_quant=QuantSpec('bipolar', 1, True, False, 'ROUND', (0.772078275680542,), False, 0.0)),
        DenseSpec(out_features=14, weight_quant=QuantSpec('bipolar', 1, True, False, 'ROUND', (0.5179965496063232,), False, 0.0),
                  op='Gemm', seed=0, weight_ties=0.0, batchnorm='pos', bn_epsilon=0.001,
                  act_quant=QuantSpec('bipolar', 1, True, False, 'ROUND', (1.6340100765228271,), False, 0.0)),
        DenseSpec(out_features=9, weight_quant=QuantSpec('quant', 1, True, False, 'ROUND', (0.9999899864196777,), False, 0.0),
                  op='MatMul', seed=52, weight_ties=0.0, batchnorm='neg')),
    qonnx_opset=2, seed=0)

# Thorough Verilator campaign: the second layer's exact integer accumulator is 0 (bipolar ->
# +1, as qnnc computes); the precise re-evaluation rounded the dequantized weights to float32
# and got -6e-9 in float64 and extended precision alike, so judged qnnc wrong. Fixed in
# dialects/quant.py (`_dequantize`). DEQUANTIZED_WEIGHTS_EXACT_INPUT triggers it.
DEQUANTIZED_WEIGHTS_EXACT = MLPSpec(
    in_features=8, input_quant=QuantSpec('quant', 5, False, True, 'ROUND', (0.015625,), False, 0.0),
    layers=(
        DenseSpec(out_features=11, weight_quant=QuantSpec('quant', 7, True, True, 'DOWN', (-0.026677647605538368,), False, 0.0),
                  op='MatMul', seed=5255, weight_ties=0.25,
                  act_quant=QuantSpec('quant', 8, False, False, 'DOWN', (0.25,), False, 104.0)),
        DenseSpec(out_features=8, weight_quant=QuantSpec('quant', 7, True, True, 'DOWN', (-0.026677647605538368,), False, 0.0),
                  op='MatMul', seed=5, weight_ties=0.0,
                  act_quant=QuantSpec('bipolar', 1, True, False, 'ROUND', (0.25,), False, 0.0))),
    qonnx_opset=2, seed=0)
DEQUANTIZED_WEIGHTS_EXACT_INPUT = np.array([[0.34558418, 0.82161814, 0.33043706, -1.3031572,
                                             0.9053559, 0.44637457, -0.5369532, 0.5811181]],
                                           dtype=np.float32)
