"""Compile time of qnnc next to hls4ml 1.3.0 on the bundled QONNX models, side by side.

Why: compile_time.py gives qnnc's own figures; this puts a peer compiler's figure for the same
model file beside them, so a claim such as "qnnc compiles in a fraction of X's time" rests on a
measurement anyone can repeat. `python benchmarks/peer_compile_time.py [--runs N] [--models a,b]
[--no-processes | --no-in-process]`; needs the `bench` extra (`pip install -e .[bench]`).

Two tables, per model:
1. Whole processes (what a user waits for, Python start-up and imports included): the qnnc CLI
   `qnnc model.onnx -o DIR` against `python benchmarks/hls4ml_flow.py model.onnx DIR`
   (hls4ml's documented QONNX flow, below, as a script), each a subprocess writing into a fresh
   directory, run alternately (qnnc, hls4ml, qnnc, ...) so both see the same machine load;
   median wall seconds and median CPU seconds (user + system of the child, less sensitive to
   other load on a shared machine) of N runs, and hls4ml/qnnc ratios. One untimed run of each
   first, with Python allowed to write bytecode caches (`PYTHONDONTWRITEBYTECODE` removed from
   the children's environment): both tools then run from compiled bytecode, as installed
   packages do. A model hls4ml refuses is reported with its error line, qnnc's figures alone.
2. In process (imports paid once, before the timed runs), median of N runs:
- qnnc: `compile_model(path, Options())` (load + qonnx-style cleanup + every IR stage + Verilog
  export, in memory) plus `write_outputs` (Verilog, host ONNX, IR dumps, report on disk). The CLI
  (`qnnc model.onnx -o DIR`) does the same work plus interpreter start-up and imports.
- hls4ml: its QONNX frontend as its documentation prepares it (frontend/qonnx.html):
  `cleanup_model`, `ConvertToChannelsLastAndClean`, `GemmToMatMul`, `cleanup_model` ("prep",
  qonnx's code, reported on its own), then hls4ml's own work: `config_from_onnx_model`
  (granularity 'name', backend Vitis), `convert_from_onnx_model(io_type='io_stream')` and
  `write()` ("hls4ml"). Ratios are given for hls4ml's own work alone and for prep + own work;
  the second is the end-to-end figure (qnnc's time includes its own loading and cleanup).

What is and is not compared:
- The outputs are different artefacts. qnnc emits synthesisable Verilog directly. hls4ml emits
  an HLS C++ project (firmware/*.cpp, weights headers, build Tcl) that still needs Vitis HLS
  (hours on large models) to become RTL. Neither side runs a vendor tool here, so the figures
  compare the front-end compilers only, not time to a bitstream or to RTL.
- Nothing here checks that either output is correct (qnnc's bit-exactness is covered by its
  test suite; hls4ml's C++ would need a C++ compile and `predict`). Warnings either tool raises
  (e.g. hls4ml's "model probably not supported") are printed below the table, not hidden.
- hls4ml's own work includes `write()` copying its whole nnet_utils / ap_types template library
  into every project; qnnc's `write_outputs` writes only the modules the design instantiates.
- FINN is not compared: its build flow runs Vivado/Vitis HLS on the per-layer HLS it generates
  (normally inside its docker image) before it has a design at all; no such tool is here.
- Wall-clock figures depend on the machine and its load; do not assert on them in tests.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
import warnings
from pathlib import Path

from qnnc.driver import compile_model, write_outputs
from qnnc.pipeline import Options

MODELS = Path(__file__).resolve().parents[1] / "tests" / "models"
HLS4ML_FLOW = Path(__file__).resolve().parent / "hls4ml_flow.py"
HLS4ML_VERSION = "1.3.0"
BACKEND = "Vitis"
IO_TYPE = "io_stream"
DEFAULT_PRECISION = "fixed<16,6>"  # hls4ml's default; quantized tensors get their Quant's type


class StepError(Exception):
    """An exception from one named step of a tool's flow."""

    def __init__(self, step: str, error: Exception):
        super().__init__(step)
        self.step, self.error = step, error


def first_line(e: BaseException) -> str:
    """The error's first line and where it was raised (innermost frame)."""
    step = ""
    if isinstance(e, StepError):
        step, e = f"in {e.step}: ", e.error
    text = str(e).strip().splitlines()
    where = traceback.extract_tb(e.__traceback__)
    at = f" (at {Path(where[-1].filename).name}:{where[-1].lineno})" if where else ""
    return f"{step}{type(e).__name__}: {text[0] if text else ''}{at}"


def step(name: str, fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except Exception as e:
        raise StepError(name, e) from e


def run_qnnc(path: Path) -> tuple[float, str]:
    with tempfile.TemporaryDirectory(prefix="qnnc-bench-") as tmp:
        t0 = time.perf_counter()
        comp = compile_model(path, Options())
        write_outputs(comp, Path(tmp) / "out")
        seconds = time.perf_counter() - t0
        files = len(list((Path(tmp) / "out" / "verilog").glob("*.v")))
    lines = sum(t.count("\n") for t in comp.outputs["verilog"].values())
    host = len(comp.report.get("host_layers", []))
    produced = f"Verilog: {files} .v, {len(comp.report['layers'])} layers, {lines} lines"
    if host:
        produced += f", {host} on host"
    return seconds, produced


def prepare_for_hls4ml(path: Path):
    """hls4ml's documented QONNX preparation (qonnx transforms only)."""
    import qonnx.util.cleanup
    from qonnx.core.modelwrapper import ModelWrapper
    from qonnx.transformation.channels_last import ConvertToChannelsLastAndClean
    from qonnx.transformation.gemm_to_matmul import GemmToMatMul

    model = step("qonnx ModelWrapper", ModelWrapper, str(path))
    model = step("qonnx cleanup_model", qonnx.util.cleanup.cleanup_model, model)
    model = step("qonnx ConvertToChannelsLastAndClean", model.transform,
                 ConvertToChannelsLastAndClean())
    model = step("qonnx GemmToMatMul", model.transform, GemmToMatMul())
    return step("qonnx cleanup_model", qonnx.util.cleanup.cleanup_model, model)


def run_hls4ml(hls4ml, path: Path) -> tuple[float, float, str]:
    """Returns (prep seconds, hls4ml seconds, what it produced). hls4ml's progress printing goes
    to a buffer; exceptions propagate."""
    with tempfile.TemporaryDirectory(prefix="hls4ml-bench-") as tmp, \
            contextlib.redirect_stdout(io.StringIO()):
        t0 = time.perf_counter()
        model = prepare_for_hls4ml(path)
        t1 = time.perf_counter()
        config = step("hls4ml config_from_onnx_model", hls4ml.utils.config_from_onnx_model,
                      model, granularity="name", backend=BACKEND,
                      default_precision=DEFAULT_PRECISION)
        hls_model = step("hls4ml convert_from_onnx_model",
                         hls4ml.converters.convert_from_onnx_model, model,
                         output_dir=str(Path(tmp) / "prj"), backend=BACKEND, io_type=IO_TYPE,
                         hls_config=config)
        step("hls4ml write", hls_model.write)
        t2 = time.perf_counter()
        prj = Path(tmp) / "prj"
        files = [p for p in prj.rglob("*") if p.is_file()]
        lib = [p for p in files if "nnet_utils" in p.parts or "ap_types" in p.parts]
        top = prj / "firmware" / "myproject.cpp"
        top_lines = top.read_text().count("\n") if top.exists() else 0
    layers = sum(1 for layer in hls_model.get_layers() if layer.class_name != "InputLayer")
    produced = (f"HLS C++: {len(files)} files ({len(lib)} library), {layers} layers, "
                f"top {top_lines} lines")
    return t1 - t0, t2 - t1, produced


def qnnc_command() -> list[str]:
    """The installed `qnnc` script next to this interpreter (what a user runs), else `-m`."""
    script = Path(sys.executable).parent / "qnnc"
    return [str(script)] if script.exists() else [sys.executable, "-m", "qnnc.cli"]


def run_process(cmd: list[str], env: dict[str, str]) -> tuple[float, float, int, str]:
    """(wall s, child CPU s, exit code, last stderr line) of one subprocess."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    err = p.stderr.read().decode(errors="replace")  # read before waiting: no pipe deadlock
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    p.stderr.close()
    lines = [l for l in err.splitlines() if l.strip()]
    return wall, usage.ru_utime + usage.ru_stime, p.returncode, lines[-1] if lines else ""


def process_table(models: list[Path], runs: int) -> None:
    """Whole processes side by side, alternating, median of `runs` (see the module docstring)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    tools = {"qnnc": lambda m, out: qnnc_command() + [str(m), "-o", str(out)],
             "hls4ml": lambda m, out: [sys.executable, str(HLS4ML_FLOW), str(m), str(out)]}
    print(f"whole processes (Python start-up, imports, compile, files written), alternating, "
          f"median of {runs}; wall and CPU (user+sys) seconds")
    print(f"  qnnc:   {' '.join(qnnc_command())} MODEL -o DIR")
    print(f"  hls4ml: {sys.executable} {HLS4ML_FLOW} MODEL DIR")
    header = (f"{'model':<19} {'qnnc wall':>9} {'hls4ml wall':>11} {'ratio':>6}   "
              f"{'qnnc cpu':>8} {'hls4ml cpu':>10} {'ratio':>6}  (ratio = hls4ml/qnnc)")
    print(header)
    print("-" * len(header))
    with tempfile.TemporaryDirectory(prefix="peer-processes-") as tmp:
        out = Path(tmp) / "out"
        for model in models:
            path = model / "model.onnx"
            walls: dict[str, list[float]] = {t: [] for t in tools}
            cpus: dict[str, list[float]] = {t: [] for t in tools}
            errors: dict[str, str] = {}
            for i in range(runs + 1):  # run 0: untimed (bytecode caches, file system cache)
                for tool, cmd in tools.items():
                    if tool in errors:
                        continue
                    shutil.rmtree(out, ignore_errors=True)
                    wall, cpu, code, last = run_process(cmd(path, out), env)
                    if code != 0:
                        errors[tool] = f"exit {code}: {last}"
                    elif i:
                        walls[tool].append(wall)
                        cpus[tool].append(cpu)
            med = {t: (statistics.median(walls[t]), statistics.median(cpus[t]))
                   for t in tools if t not in errors and walls[t]}
            cols = []
            for k in (0, 1):
                q, h = med.get("qnnc", (None, None))[k], med.get("hls4ml", (None, None))[k]
                ratio = f"{h / q:>5.2f}x" if q and h else f"{'-':>6}"
                cols.append(f"{q:>{8 + (1 - k)}.3f}" if q else f"{'-':>{8 + (1 - k)}}")
                cols.append(f"{h:>{10 + (1 - k)}.3f}" if h else f"{'-':>{10 + (1 - k)}}")
                cols.append(ratio)
            note = "; ".join(f"{t} {e}" for t, e in errors.items())
            print(f"{model.name:<19} {cols[0]} {cols[1]} {cols[2]}   {cols[3]} {cols[4]} "
                  f"{cols[5]}" + (f"  {note}" if note else ""), flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3, help="runs per model and tool (median)")
    ap.add_argument("--models", default="", help="comma-separated names under tests/models "
                    "(default: all)")
    ap.add_argument("--no-processes", action="store_true", help="skip the whole-process table")
    ap.add_argument("--no-in-process", action="store_true", help="skip the in-process table")
    args = ap.parse_args()
    try:
        import hls4ml
    except ImportError:
        sys.exit(f"hls4ml is not installed: pip install -e .[bench] (hls4ml=={HLS4ML_VERSION}); "
                 "for qnnc alone run benchmarks/compile_time.py")
    if hls4ml.__version__ != HLS4ML_VERSION:
        print(f"note: hls4ml {hls4ml.__version__} installed, figures were taken with "
              f"{HLS4ML_VERSION}")
    models = sorted(p.parent for p in MODELS.glob("*/model.onnx"))
    if args.models:
        names = args.models.split(",")
        models = [m for m in models if m.name in names]
    if not args.no_processes:
        process_table(models, args.runs)
        print()
    if not args.no_in_process:
        in_process_table(hls4ml, models, args.runs)


def in_process_table(hls4ml, models: list[Path], runs: int) -> None:
    print(f"in process: qnnc: compile_model + write_outputs (no CLI start-up); hls4ml "
          f"{hls4ml.__version__}: backend {BACKEND}, {IO_TYPE}, config + convert + write(); "
          f"prep = qonnx preparation for hls4ml; median of {runs} runs; no vendor tool run")
    header = (f"{'model':<17} {'qnnc s':>7} {'hls4ml s':>9} {'prep s':>7} {'hls4ml/qnnc':>12} "
              f"{'(prep+hls4ml)/qnnc':>19}  produced")
    print(header)
    print("-" * len(header))
    # One untimed run of each tool first, so that neither pays its imports in a timed run.
    with warnings.catch_warnings(), contextlib.suppress(Exception):
        warnings.simplefilter("ignore")
        run_qnnc(models[0] / "model.onnx")
        run_hls4ml(hls4ml, models[0] / "model.onnx")
    notes: list[str] = []
    for model in models:
        path = model / "model.onnx"
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                q_times, q_produced = [], ""
                for _ in range(runs):
                    seconds, q_produced = run_qnnc(path)
                    q_times.append(seconds)
                q = statistics.median(q_times)
                q_col = f"{q:>7.2f}"
            except Exception as e:  # a benchmark reports, it does not stop
                q, q_col, q_produced = None, f"{'-':>7}", f"error {first_line(e)}"
            try:
                prep_times, own_times, h_produced = [], [], ""
                for _ in range(runs):
                    prep, own, h_produced = run_hls4ml(hls4ml, path)
                    prep_times.append(prep)
                    own_times.append(own)
                prep, own = statistics.median(prep_times), statistics.median(own_times)
                h_cols = f"{own:>9.2f} {prep:>7.2f}"
                if q:
                    h_cols += f" {own / q:>11.2f}x {(prep + own) / q:>18.2f}x"
                else:
                    h_cols += f" {'-':>12} {'-':>19}"
            except Exception as e:
                h_cols = f"{'-':>9} {'-':>7} {'-':>12} {'-':>19}"
                h_produced = f"error {first_line(e)}"
        print(f"{model.name:<17} {q_col} {h_cols}  qnnc {q_produced}; hls4ml {h_produced}",
              flush=True)
        seen = set()
        for w in caught:
            text = f"{model.name}: {w.category.__name__}: {str(w.message).splitlines()[0]}"
            if text not in seen:
                seen.add(text)
                notes.append(text)
    if notes:
        print("\nwarnings raised during the runs:")
        for text in notes:
            print(f"  {text}")
    print("\nlayers: qnnc counts hardware layers (a MatMul with the BatchNorm and activation "
          "folded into its thresholds is one); hls4ml counts the layers of its graph (Dense, "
          "BatchNormalization, ... each one)")
    print("FINN: not compared (its build flow needs Vivado/Vitis HLS, i.e. its docker image)")


if __name__ == "__main__":
    main()
