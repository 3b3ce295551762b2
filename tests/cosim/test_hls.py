"""HLS C++ backend: the generated project C-simulates (g++ with the open-source ap_types headers)
bit-exactly: its output codes equal the rtl-level interpretation of the same IR, for the bundled
models on their io.npz inputs (and then, through host/post.onnx, qonnx's outputs) and for
generated MLPs at random foldings. Library templates not yet reached by a lowering (qnnc::rowmap)
are C-simulated on their own against their declared semantics (rtl.CELLS)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from profiles import examples
from simtools import require_tool

import rowmaps
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


ROWMAP_HARNESS = """\
// qnnc::rowmap on every case of tests/rowmaps.py: frames of hexadecimal beats in, beats out.
#include <cstdio>
#include <cstdlib>

#include "qnnc_hls.h"

template <int IN_BEATS, int ROW_IN, int ROW_OUT, int P, int ELEM_W, int SW>
static int run_case(const ap_uint<SW> src[ROW_OUT], const char *in_path, const char *out_path,
                    int frames) {
    FILE *fin = fopen(in_path, "r");
    FILE *fout = fopen(out_path, "w");
    if (!fin || !fout) {
        return 2;
    }
    static char line[256];
    hls::stream<ap_uint<P * ELEM_W> > in("in"), out("out");
    for (int f = 0; f < frames; f++) {
        for (int b = 0; b < IN_BEATS; b++) {
            if (!fgets(line, sizeof line, fin)) {
                return 2;
            }
            in.write(ap_uint<P * ELEM_W>(strtoull(line, NULL, 16)));
        }
        qnnc::rowmap<IN_BEATS, ROW_IN, ROW_OUT, P, ELEM_W>(in, out, src);
        for (int b = 0; b < IN_BEATS / ROW_IN * ROW_OUT; b++) {
            if (out.empty()) {
                return 1;
            }
            fprintf(fout, "%llx\\n", (unsigned long long)out.read().to_uint64());
        }
        if (!out.empty() || !in.empty()) {
            return 1;
        }
    }
    fclose(fin);
    fclose(fout);
    return 0;
}

@ROMS@
int main() {
    int rc = 0;
@CALLS@
    return rc;
}
"""


@pytest.mark.cosim
def test_rowmap_template_csim(tmp_path):
    """qnnc::rowmap C-simulates the declared semantics (rtl.ROWMAP) on the cases the Verilog
    cell is cosimulated with, several frames (calls) in a row."""
    require_csim()
    frames = 3
    roms, calls, expected = [], [], {}
    for k, case in enumerate(rowmaps.CASES.values()):
        assert case.lanes * case.elem_w <= 64  # the harness passes beats as 64-bit integers
        rng = np.random.default_rng(k)
        x = case.frames(rng, frames)
        beats = x.reshape(-1, case.lanes) << (case.elem_w * np.arange(case.lanes))
        (tmp_path / f"in{k}.txt").write_text("".join(f"{int(b):x}\n" for b in beats.sum(1)))
        y = case.expected(x).reshape(-1, case.lanes) << (case.elem_w * np.arange(case.lanes))
        expected[k] = [int(b) for b in y.sum(1)]
        sw = case.src_width
        roms.append(f"static const ap_uint<{sw}> src{k}[{case.row_out}] = "
                    f"{{{', '.join(map(str, case.src))}}};  // {case.name}")
        calls.append(f"    rc |= run_case<{case.in_beats}, {case.row_in}, {case.row_out}, "
                     f"{case.lanes}, {case.elem_w}, {sw}>(src{k}, \"in{k}.txt\", \"out{k}.txt\", "
                     f"{frames});")
    src = tmp_path / "rowmap_csim.cpp"
    src.write_text(ROWMAP_HARNESS.replace("@ROMS@", "\n".join(roms))
                   .replace("@CALLS@", "\n".join(calls)))
    lib = Path(csim.__file__).resolve().parents[1] / "hls" / "lib"
    includes = ["-isystem", str(csim.find_ap_types()), "-I", str(lib)]
    for flags, extra in ((csim.LINT_FLAGS, []), (csim.SIM_FLAGS, ["-o", str(tmp_path / "sim")])):
        r = subprocess.run(["g++", *flags, *includes, str(src), *extra], capture_output=True,
                           text=True)
        assert r.returncode == 0, r.stderr[-4000:]
    r = subprocess.run([str(tmp_path / "sim")], cwd=tmp_path, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    for k, case in enumerate(rowmaps.CASES.values()):
        got = [int(w, 16) for w in (tmp_path / f"out{k}.txt").read_text().split()]
        assert got == expected[k], case.name
