"""HLS C++ backend: the generated project C-simulates (g++ with the open-source ap_types headers)
bit-exactly: its output codes equal the rtl-level interpretation of the same IR, for the bundled
models on their io.npz inputs (and then, through host/post.onnx, qonnx's outputs) and for
generated MLPs at random foldings."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from profiles import examples
from simtools import require_tool

from generators import build_model, mlp_specs, save_model
from qnnc.backends.sim import csim
from qnnc.driver import compile_model, write_files
from qnnc.ir import run_function
from qnnc.pipeline import Options
from qnnc.universe import make_backend
from qnnc.verify import _run_host, output_codes, stimulus

MODELS = Path(__file__).resolve().parents[1] / "models"


def require_csim() -> None:
    require_tool("g++")
    if csim.find_ap_types() is None:
        import os

        if os.environ.get("CI"):
            pytest.fail("the hls4ml package's ap_types headers are required in CI")
        pytest.skip("hls4ml (ap_types headers) not installed")


def csim_codes(comp, codes: np.ndarray, work: Path) -> np.ndarray:
    """The accelerator's output codes for input codes (S, ...) from the C-simulated project,
    through the backend seam (`--verify` runs the same)."""
    backend = make_backend("hls")
    write_files(comp.outputs["hls"], work / "hls")
    n = codes.shape[0]
    run = backend.simulate(work / "hls", work / "hls-sim", stimulus(comp, codes.reshape(n, -1), 0))
    return output_codes(comp, run.out_beats, n)


def rtl_codes(comp, codes: np.ndarray) -> np.ndarray:
    return np.stack([run_function(comp.module, "core", [c])[0] for c in codes]).reshape(
        codes.shape[0], -1)


@pytest.mark.cosim
@pytest.mark.parametrize("name", ["tfc_1w1a_zoo", "fixedmlp_w8a6"])
def test_model_csim_bit_exact(name, tmp_path):
    require_csim()
    comp = compile_model(MODELS / name / "model.onnx", Options(lanes_budget=32), emit="hls")
    io = np.load(MODELS / name / "io.npz")
    codes = _run_host(comp.host[0], io["inputs"].astype(np.float32)).astype(np.int64)
    hw = csim_codes(comp, codes, tmp_path)
    assert np.array_equal(hw, rtl_codes(comp, codes))
    post_in = tuple(d.dim_value for d in comp.host[1].graph.input[0].type.tensor_type.shape.dim)
    y = _run_host(comp.host[1], hw.astype(np.int32).reshape((len(codes),) + post_in))
    assert np.array_equal(y.reshape(io["outputs"].shape), io["outputs"])


@pytest.mark.cosim
@settings(max_examples=examples(ci=2), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(spec=mlp_specs(max_layers=2), lanes=st.sampled_from([1, 2, 4, 8, 16]),
       seed=st.integers(0, 2**16))
def test_generated_mlp_csim_matches_rtl(spec, lanes, seed, tmp_path_factory):
    require_csim()
    work = tmp_path_factory.mktemp("hls")
    comp = compile_model(save_model(build_model(spec), work), Options(lanes_budget=lanes),
                         emit="hls")
    i_s = comp.report["input_stream"]
    shape = tuple(d.dim_value for d in comp.host[0].graph.output[0].type.tensor_type.shape.dim)
    rng = np.random.default_rng(seed)
    if i_s["element_type"] == "bipolar":
        codes = rng.choice([-1, 1], size=(6,) + shape)
    else:
        bits, signed = i_s["element_bits"], i_s["element_type"].startswith("int")
        lo, hi = (-(1 << (bits - 1)), 1 << (bits - 1)) if signed else (0, 1 << bits)
        codes = rng.integers(lo, hi, size=(6,) + shape)
    assert np.array_equal(csim_codes(comp, codes, work), rtl_codes(comp, codes))
