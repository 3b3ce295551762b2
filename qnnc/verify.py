"""`--verify`: simulate every emitted backend and compare with qonnx's execution of the model.

For every sample: qonnx `execute_onnx` on the cleaned original model is the reference; the
hardware path is `host/pre.onnx` → pack codes into beats → each backend's simulator (Verilator
with random input gaps and output back-pressure, then at full rate for cycles; g++ C-simulation
of the HLS C++) → unpack → `host/post.onnx`. Each backend's output codes are also checked
against the rtl-level interpretation of the same IR, so a disagreement says whether that backend
or the compiler's lowering is at fault.

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
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from xdsl.dialects import func
from xdsl.ir import OpResult

from qnnc.backends import Stimulus
from qnnc.diagnostics import QnncError
from qnnc.driver import Compilation, write_files
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


def stimulus(comp: Compilation, codes_in: np.ndarray, seed: int) -> Stimulus:
    """The accelerator's input beats for input codes (S, ...), and what a simulator needs to
    know of the design to run them."""
    from qnnc.backends.sim import verilator as vsim

    r = comp.report
    i_s, o_s = r["input_stream"], r["output_stream"]
    n = codes_in.shape[0]
    beats = vsim.pack_beats(codes_in.reshape(-1), i_s["element_bits"], i_s["lanes"],
                            bipolar=i_s["element_type"] == "bipolar")
    return Stimulus(beats, n, i_s["lanes"] * i_s["element_bits"], o_s["elements"] // o_s["lanes"],
                    r["cycles_per_frame"], r["latency_cycles"], seed)


def output_codes(comp: Compilation, out_beats: list[int], frames: int) -> np.ndarray:
    """(frames, elements) codes of the accelerator's output beats."""
    from qnnc.backends.sim import verilator as vsim

    o_s = comp.report["output_stream"]
    return vsim.unpack_beats(out_beats, o_s["element_bits"], o_s["lanes"],
                             signed=o_s["element_type"].startswith("int"),
                             bipolar=o_s["element_type"] == "bipolar").reshape(frames, -1)


def judge(comp: Compilation, precise, ref: np.ndarray, hw_codes: np.ndarray,
          expect: np.ndarray) -> dict:
    """One backend's output codes, through host/post.onnx, against the reference (the tie
    policy classifies what differs; `precise(k)` is sample k's `PreciseReference`, shared by the
    backends), and against the rtl-level semantics of the same IR."""
    post = comp.host[1]
    n = hw_codes.shape[0]
    post_in_shape = tuple(d.dim_value for d in post.graph.input[0].type.tensor_type.shape.dim)
    hw = _run_host(post, hw_codes.astype(np.int32).reshape((n,) + post_in_shape)).reshape(ref.shape)
    exact = output_is_quantized(comp)
    mism = ambiguous = 0
    by_precision: dict[str, int] = {}
    bad_samples = []
    for k in range(n):
        if np.all(hw[k] == ref[k]):
            continue
        counts, bad = classify(hw[k], ref[k], precise(k), exact)
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
        "mismatches": mism,
        "mismatched_samples": bad_samples[:20],
        "ambiguous": ambiguous,
        "ambiguous_resolved_by": by_precision,
        "accelerator_vs_rtl_semantics_mismatched_frames": int(np.count_nonzero(
            np.any(hw_codes != expect, axis=1))),
        "comparison": "exact" if exact else (
            f"float32 rounding (within {FLOAT_TAIL_RTOL:.3g} x the float tail's largest term)"),
        "max_abs_err": float(err.max(initial=0.0)),
        "max_rel_err": float(np.where(err > 0, rel, 0).max(initial=0.0)),
        "top1_agreement": top1,
    }


def verify(comp: Compilation, samples: Samples, work: Path, seed: int = 0) -> dict:
    """Every backend `comp` emitted, simulated on the samples (its files written under `work`)
    and judged against qonnx's execution of the model: `backends` holds each backend's figures;
    the top level sums them up (mismatches over all backends, the others their worst case;
    cycles from the cycle-accurate backend)."""
    from qnnc.ir import run_function
    from qnnc.universe import make_backend

    if not comp.outputs:
        raise QnncError("--verify needs at least one backend (--emit verilog, hls or all)")
    backends = {name: make_backend(name) for name in comp.outputs}
    for name, b in backends.items():
        missing = b.simulator_missing()
        if missing:
            raise QnncError(f"--verify of the {name} backend needs {missing}")
    ref = reference_outputs(comp, samples.inputs)
    codes_in = _run_host(comp.host[0], samples.inputs).astype(np.int64)
    n = codes_in.shape[0]
    # expected accelerator output from the rtl-level semantics of the same IR
    expect = np.stack([run_function(comp.module, "core", [c])[0] for c in codes_in]).reshape(n, -1)
    stim = stimulus(comp, codes_in.reshape(n, -1), seed)
    precise = functools.lru_cache(maxsize=None)(
        lambda k: PreciseReference(comp.reference_module, samples.inputs[k]))
    results: dict[str, dict] = {}
    for name, backend in backends.items():
        project = Path(work) / name
        if not project.exists():
            write_files(comp.outputs[name], project)
        run = backend.simulate(project, Path(work) / f"{name}-sim", stim)
        results[name] = judge(comp, precise, ref, output_codes(comp, run.out_beats, n),
                              expect) | run.figures
    cycle_accurate = next((r for r in results.values() if "cycles_per_frame_measured" in r), {})
    return {
        "samples": n,
        "inputs": samples.source,
        "mismatches": sum(r["mismatches"] for r in results.values()),
        "ambiguous": max(r["ambiguous"] for r in results.values()),
        "accelerator_vs_rtl_semantics_mismatched_frames": sum(
            r["accelerator_vs_rtl_semantics_mismatched_frames"] for r in results.values()),
        "max_abs_err": max(r["max_abs_err"] for r in results.values()),
        "max_rel_err": max(r["max_rel_err"] for r in results.values()),
        "cycles_per_frame_measured": cycle_accurate.get("cycles_per_frame_measured"),
        "cycles_per_frame_analytical": comp.report["cycles_per_frame"],
        "backends": results,
    }
