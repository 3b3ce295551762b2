"""Compile time of qnnc on the bundled models (whole pipeline, QONNX file → Verilog text).

Prints one line per model: median seconds over N runs, IR size, layers, cycles per frame.
`python benchmarks/compile_time.py [--runs N]`. The side-by-side comparison with a peer compiler
(hls4ml) is `benchmarks/peer_compile_time.py`.
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
    args = ap.parse_args()
    print(f"{'model':<20} {'median s':>9} {'layers':>7} {'cycles/frame':>13} {'verilog lines':>14}")
    for model in sorted(p.parent for p in MODELS.glob("*/model.onnx")):
        times = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            comp = compile_model(model / "model.onnx")
            times.append(time.perf_counter() - t0)
        lines = sum(t.count("\n") for t in comp.outputs["verilog"].values())
        print(f"{model.name:<20} {statistics.median(times):>9.2f} {len(comp.report['layers']):>7} "
              f"{comp.report['cycles_per_frame']:>13} {lines:>14}")
    print("peers: see benchmarks/peer_compile_time.py (hls4ml side by side; FINN needs Vivado HLS)")

if __name__ == "__main__":
    main()
