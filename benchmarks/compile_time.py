"""Compile time of qnnc on the bundled models (whole pipeline, QONNX file → Verilog and HLS text),
with a per-step breakdown.

Prints one line per model: median seconds over N runs (in process, `compile_model`; imports
paid once before), IR size, layers, cycles per frame; then, per model, the median seconds of
every step (`qnnc --time-passes` rows: load + qonnx cleanup, import, each pass and its
verification, host export, report, each backend, each IR dump) and their share.
`python benchmarks/compile_time.py [--runs N] [--models a,b] [--no-steps]`. Whole processes
against a peer compiler (hls4ml) are `benchmarks/peer_compile_time.py`; growth with model size
is `benchmarks/compile_scaling.py`.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from qnnc.driver import compile_model

MODELS = Path(__file__).resolve().parents[1] / "tests" / "models"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--models", default="", help="comma-separated names (default: all)")
    ap.add_argument("--no-steps", action="store_true", help="no per-step breakdown")
    args = ap.parse_args()
    models = sorted(p.parent for p in MODELS.glob("*/model.onnx"))
    if args.models:
        models = [m for m in models if m.name in args.models.split(",")]
    compile_model(models[0] / "model.onnx")  # imports, untimed
    print(f"{'model':<20} {'median s':>9} {'layers':>7} {'cycles/frame':>13} {'verilog lines':>14}")
    steps: dict[str, dict[str, float]] = {}
    for model in models:
        times, per_step = [], {}
        for _ in range(args.runs):
            t0 = time.perf_counter()
            comp = compile_model(model / "model.onnx")
            times.append(time.perf_counter() - t0)
            for step, s in comp.timings.seconds().items():
                per_step.setdefault(step, []).append(s)
        steps[model.name] = {k: statistics.median(v) for k, v in per_step.items()}
        lines = sum(t.count("\n") for t in comp.outputs["verilog"].values())
        print(f"{model.name:<20} {statistics.median(times):>9.3f} {len(comp.report['layers']):>7} "
              f"{comp.report['cycles_per_frame']:>13} {lines:>14}", flush=True)
    if not args.no_steps:
        for name, rows in steps.items():
            total = sum(rows.values())
            print(f"\n{name}: median seconds per step (sum {total:.3f} s)")
            for step, s in rows.items():
                if s >= 0.0005:
                    print(f"  {s:8.3f} {100 * s / total:5.1f}%  {step}")
    print("\nwhole processes and a peer compiler: benchmarks/peer_compile_time.py; "
          "scaling with model size: benchmarks/compile_scaling.py")


if __name__ == "__main__":
    main()
