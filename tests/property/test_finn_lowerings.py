"""Property: the lowering properties of tests/property/test_lowerings.py (every pass preserves
meaning, IR round trips, the final IR equals qonnx `execute_onnx`) on three variants of the
generated MLPs (tests/finn_onnx.py):

* FINN-ONNX: the generated MLP (with FINN's restrictions, `finnable`) as FINN's
  `ConvertQONNXtoFINN` writes it (`to_finn_onnx`): integer weights annotated with their
  datatype, a `Mul` by the weight scale, `MultiThreshold` + `Add` + `Mul` activations, a
  `MultiThreshold` input quantizer;
* annotated input: the input quantizer replaced by a FINN datatype annotation of the input,
  then `(x + a) / b` (which folds into the first layer when exact, and otherwise stays on the
  host with the first layer); inputs are random codes of the type;
* float input: no input quantizer (QKeras-like): the first layer runs on the host and its
  activation quantizer becomes the accelerator's input.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from hypothesis import assume, event, given, note
from hypothesis import strategies as st

from finn_onnx import (annotated_input_mlp, finnable, float_input_mlp, input_datatype,
                       random_codes, to_finn_onnx)
from generators import build_mlp, mlp_specs, model_inputs, qonnx_reference
from test_lowerings import check_model_lowerings

TARGETS = st.one_of(st.just(0), st.integers(1, 64), st.integers(65, 700))


def _events(ties) -> None:
    for rule in ties:
        event(f"float32 tie resolved by the {rule} re-evaluation")


@st.composite
def finn_cases(draw):
    spec = finnable(draw(mlp_specs(), label="spec"))
    inputs = draw(model_inputs(spec, max_samples=3), label="inputs")
    return spec, inputs, draw(TARGETS, label="target_cycles")


@given(case=finn_cases())
def test_finn_onnx_mlp_every_pass_preserves_semantics(case):
    spec, inputs, target = case
    model = to_finn_onnx(qonnx_reference(build_mlp(spec)).model)
    last = model.graph.node[-1]
    note(f"FINN-ONNX nodes: {[n.op_type for n in model.graph.node]}")
    _events(check_model_lowerings(model, inputs, target, last.op_type == "MultiThreshold"))


def with_input_layer(spec):
    """At least two layers, the first activation quantizer per-tensor: when the first layer
    stays on the host (float input, inexact pre-processing), that quantizer is the
    accelerator's input and the rest must map to hardware."""
    assume(len(spec.layers) >= 2)
    first = spec.layers[0]
    act = dataclasses.replace(first.act_quant, scale=first.act_quant.scale[:1])
    return dataclasses.replace(spec, layers=(dataclasses.replace(first, act_quant=act),)
                               + spec.layers[1:])


@st.composite
def annotated_cases(draw):
    spec = with_input_layer(draw(mlp_specs(), label="spec"))
    add = draw(st.sampled_from([0.0, 1.0, 0.5, 0.1]), label="add")
    div = draw(st.sampled_from([1.0, 2.0, 4.0, 3.0, 0.7]), label="div")
    seed = draw(st.integers(0, 2**32 - 1), label="input_seed")
    n = draw(st.integers(1, 3), label="samples")
    return spec, add, div, random_codes(input_datatype(spec.input_quant), spec.input_shape, n, seed), \
        draw(TARGETS, label="target_cycles")


@given(case=annotated_cases())
def test_annotated_input_mlp_every_pass_preserves_semantics(case):
    spec, add, div, inputs, target = case
    _events(check_model_lowerings(annotated_input_mlp(spec, add, div), inputs, target,
                                  spec.output_is_quantized))


@st.composite
def float_input_cases(draw):
    spec = with_input_layer(draw(mlp_specs(), label="spec"))
    inputs = draw(model_inputs(spec, max_samples=3), label="inputs")
    return spec, inputs, draw(TARGETS, label="target_cycles")


@given(case=float_input_cases())
def test_float_input_mlp_every_pass_preserves_semantics(case):
    spec, inputs, target = case
    _events(check_model_lowerings(float_input_mlp(spec), inputs, target, spec.output_is_quantized))
