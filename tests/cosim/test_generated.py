"""Verilator cosimulation of small generated MLPs (tests/generators.py): the accelerator's
output codes equal the rtl-level interpretation of the same IR, and the whole model equals
qonnx's execution (ties classified as in `qnnc.verify`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from simtools import require_tool
from hypothesis import HealthCheck, given, settings

from qnnc.diagnostics import QnncError
from qnnc.driver import compile_model
from qnnc.pipeline import Options
from qnnc.verify import random_inputs, verify
from generators import build_model, mlp_specs, save_model


@pytest.mark.cosim
@settings(max_examples=4, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(spec=mlp_specs(max_layers=2))
def test_generated_mlp_in_verilator(spec, tmp_path_factory):
    require_tool("verilator")
    work = tmp_path_factory.mktemp("gen")
    path = save_model(build_model(spec), work)
    try:
        comp = compile_model(path, Options(lanes_budget=8))
    except QnncError as e:  # the generators only build what qnnc supports
        pytest.fail(f"generated model rejected: {e}")
    (work / "verilog").mkdir()
    for name, text in comp.verilog.items():
        (work / "verilog" / name).write_text(text)
    result = verify(comp, random_inputs(comp, 24, seed=1), work)
    assert result["accelerator_vs_rtl_semantics_mismatched_frames"] == 0, result
    assert result["mismatches"] == 0, result
