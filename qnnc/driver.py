"""The compiler driver: QONNX file → IR at every level → every backend's files (Verilog, HLS C++),
host ONNX, report.

`compile_model` keeps the module in memory through all stages (text only for the dumps) and
`write_outputs` writes everything into a fresh temporary directory that replaces `out/` only when
the whole compilation succeeded, so a failure never leaves a partial output directory.

An output directory costs a user no file: qnnc writes a marker (`.qnnc-output`) into every
directory it creates and replaces an existing directory only when it is empty, carries that
marker, or `--force` is given (`check_output_dir`). Every step runs under `internal_errors`, so
a compiler bug is reported naming the step (and pass and node) rather than as a traceback.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import onnx
from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.utils.exceptions import VerifyException

from qnnc.backends import EmitOptions
from qnnc.diagnostics import QnncError, culprit_op, internal_errors
from qnnc.frontend.onnx_import import import_model, load_and_clean
from qnnc.frontend.validate import check_batch_one, check_has_quantizer
from qnnc.ir import make_context, print_module
from qnnc.pipeline import (DEFAULT_EMIT, STAGES, Options, default_passes, emit_plan,
                           parse_pass_pipeline, run_pass, stage_passes)
from qnnc.report import check_budget, design_report
from qnnc.timing import Timings


@dataclass
class Compilation:
    ctx: Context
    module: ModuleOp
    model: object  # the cleaned qonnx ModelWrapper (the reference)
    reference_module: ModuleOp  # the 00-quant import, kept for float64 re-evaluation
    dumps: dict[str, str] = field(default_factory=dict)
    report: dict = field(default_factory=dict)
    host: tuple[onnx.ModelProto, onnx.ModelProto] | None = None
    outputs: dict[str, dict[str, str]] = field(default_factory=dict)  # target → file → text
    seconds: float = 0.0
    timings: Timings = field(default_factory=Timings)  # wall seconds per step (--time-passes)


def compile_model(path: str | Path, opts: Options = Options(), emit: str = DEFAULT_EMIT,
                  emit_options: EmitOptions = EmitOptions(), *, pass_pipeline: str = "",
                  dump_ir_after_all: bool = False,
                  model: str | Path | None = None) -> Compilation:
    """Run the pipeline up to `emit` (see `emit_plan`) and every backend it names.

    `path` is a QONNX model or an IR dump (`is_ir_file`), re-entered at the level read off the
    IR (`qnnc.levels`); `model` is then the original QONNX model, which the host ONNX and
    verification need. `pass_pipeline` (xDSL syntax) replaces the default pipeline.
    `dump_ir_after_all` dumps `ir/NN-<pass>.mlir` after every pass (`00-<level>` the input)
    instead of one dump per level."""
    from qnnc.levels import done_passes, level_of, partly_streamlined

    t0 = time.perf_counter()
    timed = Timings()
    with timed("make context (load dialects)"):
        ctx = make_context()
    stop, targets = emit_plan(emit)
    if is_ir_file(path):
        module = parse_ir_file(ctx, path)
        start = level_of(module)
        ref, reference = _original_model(model, module) if model else (None, None)
    else:
        with timed("load + qonnx cleanup"):
            ref = _load_model(path, STAGES.index(stop) if not pass_pipeline else len(STAGES) - 1)
        with internal_errors("the ONNX importer"), timed("import ONNX -> quant"):
            module = _import_checked(ref)
        with timed("clone the reference module"):
            start, reference = "quant", module.clone()
    if pass_pipeline:
        if emit != DEFAULT_EMIT and emit in STAGES:
            raise QnncError("--pass-pipeline and --emit <level> both say where to stop: give one")
        passes = [(ps, True) for ps in parse_pass_pipeline(pass_pipeline)]
    else:
        if STAGES.index(start) > STAGES.index(stop):
            raise QnncError(f"'{path}' is at level '{start}', past --emit {stop}")
        if partly_streamlined(module):
            rest = ",".join(ps.name for st in STAGES[1:] for ps in stage_passes(st, opts)
                            if ps.name != "quant-streamline")
            raise QnncError(f"'{path}' is partway through the quant-streamlined stage (integer "
                            f"ops, no @core yet), whose passes leave no mark to resume after: "
                            f"re-enter from the quant or quant-streamlined dump, or name the "
                            f"passes left with --pass-pipeline (after quant-streamline: "
                            f"'{rest}')")
        passes = default_passes(opts, start, stop, done_passes(module))
    folding = opts.target_cycles or opts.target_fps or opts.folding_file
    if folding and not any(ps.name == "dataflow-fold" for ps, _ in passes):
        raise QnncError("--target-cycles, --target-fps and --folding set dataflow-fold's options, "
                        "but it does not run" + (f": '{path}' is already folded ({start})"
                                                 if not pass_pipeline else
                                                 " (give them as dataflow-fold{...} options in "
                                                 "--pass-pipeline)"))
    comp = Compilation(ctx, module, ref, reference, timings=timed)
    names = _io_names(ref) if ref is not None else None
    state = {"level": start, "text": None}

    def checkpoint(label: str, number: int | None = None, maybe_level_end: bool = True) -> None:
        """After the input and after each pass: dumps, the host graphs, the report."""
        level = level_of(module)
        if dump_ir_after_all and number is not None:
            with internal_errors(f"printing the IR after {label}"), timed(f"print ir after {label}"):
                comp.dumps[f"{number:02d}-{label}.mlir"] = print_module(module, ctx)
        if not maybe_level_end:
            return
        if state["level"] != level and state["text"] is not None and not dump_ir_after_all:
            comp.dumps[_level_dump(state["level"])] = state["text"]
        state["level"] = level
        if not dump_ir_after_all and number != len(passes):  # the last: dumped at the end
            with internal_errors(f"printing the IR after {label}"), timed(f"print ir after {label}"):
                state["text"] = print_module(module, ctx)
        if level != "quant" and comp.host is None and names is not None:
            with internal_errors("the host ONNX export"), timed("host ONNX export"):
                from qnnc.backends.onnx import export_host

                comp.host = export_host(module, *names)
        if level == "dataflow":
            with internal_errors("the design report"), timed("design report"):
                comp.report = design_report(module)

    checkpoint(start, 0)
    for i, (ps, ends) in enumerate(passes, 1):
        run_pass(ctx, module, ps, timed)
        checkpoint(ps.name, i, ends)
    final = level_of(module)
    if comp.report:
        check_budget(comp.report, opts.budget)
    elif opts.budget:
        raise QnncError(f"--budget needs the dataflow level, which '{path}' ({start}) is past: "
                        f"re-enter from a dataflow dump or earlier")
    if final == "rtl":
        from qnnc.universe import make_backend

        for name in targets:  # a backend may legalize names in place: dump after
            with internal_errors(f"the {name} backend"), timed(f"backend {name}"):
                comp.outputs[name] = make_backend(name).emit(ctx, module, emit_options)
    if not dump_ir_after_all:
        with internal_errors(f"printing the IR at level '{final}'"), \
                timed(f"print ir/{_level_dump(final)}"):
            comp.dumps[_level_dump(final)] = print_module(module, ctx)
    comp.seconds = time.perf_counter() - t0
    return comp


def _level_dump(level: str) -> str:
    return f"{STAGES.index(level):02d}-{level}.mlir"


def _load_model(path: str | Path, last: int):
    with internal_errors("the ONNX frontend (loading and qonnx cleanup)"):
        model = load_and_clean(path)
        if last >= STAGES.index("quant-streamlined"):  # integer core from here on
            check_has_quantizer(model.model)
        if last >= STAGES.index("dataflow"):  # hardware from here on
            check_batch_one(model.model)
    return model


def _io_names(model) -> tuple[list[str], list[str]]:
    inits = {x.name for x in model.graph.initializer}
    return ([i.name for i in model.graph.input if i.name not in inits],
            [o.name for o in model.graph.output])


def is_ir_file(path: str | Path) -> bool:
    """An IR dump rather than an ONNX model: named `.mlir`, or text that starts like a module
    (ONNX files are binary protobuf)."""
    p = Path(path)
    if p.suffix == ".mlir":
        return True
    try:
        with open(p, "rb") as f:
            head = f.read(256).lstrip()
    except OSError:
        return False
    return head.startswith((b"builtin.module", b"module", b'"builtin.module"', b"//"))


def parse_ir_file(ctx: Context, path: str | Path) -> ModuleOp:
    """Parse and verify a dump; a parse or verify error is a user error with file:line:col."""
    from xdsl.parser import Parser
    from xdsl.utils.exceptions import ParseError

    try:
        text = Path(path).read_text()
    except (OSError, UnicodeDecodeError) as e:
        raise QnncError(f"cannot read '{path}': {getattr(e, 'strerror', None) or e}")
    try:
        module = Parser(ctx, text, name=str(path)).parse_module()
    except ParseError as e:
        loc = e.span.get_location()
        raise QnncError(f"{loc.file}:{loc.line}:{loc.col}: {e.msg}")
    try:
        module.verify()
    except VerifyException as e:
        raise QnncError(f"'{path}' does not verify: {' '.join(str(e).split())[:400]}")
    return module


def _original_model(model: str | Path, module: ModuleOp):
    """`--model`: the QONNX model a dump came from (for the host graphs and verification), and
    its import; an error when its @main's signature is not the dump's."""
    from qnnc.levels import functions

    ref = _load_model(model, len(STAGES) - 1)
    with internal_errors("the ONNX importer"):
        reference = _import_checked(ref)
    want, got = functions(reference)["main"].function_type, functions(module)["main"].function_type
    if want != got:
        raise QnncError(f"--model '{model}' takes and gives {want}, the IR's @main {got}: not "
                        f"the model this IR was compiled from")
    return ref, reference


def _import_checked(model) -> ModuleOp:
    """Import the cleaned model. The import is 1:1, so an op the `quant` verifiers reject was
    built from a node whose operands or shapes contradict its definition: a user error about
    that node (validation missed it), not a compiler bug."""
    try:
        return import_model(model)
    except VerifyException as e:
        node, op_type = culprit_op(e.__traceback__) or (None, None)
        raise QnncError(f"the node does not fit its op's definition: {e}", node, op_type)


def integration_readme(comp: Compilation) -> str:
    r = comp.report
    i, o = r["input_stream"], r["output_stream"]
    return f"""# qnnc output

Generated by qnnc.

## Files
- `verilog/qnnc_top.v` (with `--emit` including `verilog`): the accelerator's top module;
  `verilog/*.v` the layer modules and the library cells they instantiate (weights and
  thresholds are ROMs inside the layer modules).
- `hls/` (with `--emit` including `hls`): the same accelerator as Vitis HLS C++: `qnnc_top.cpp`
  (one function per layer, a DATAFLOW top `qnnc_top` with AXI-Stream ports), `weights.h`,
  the cell library `qnnc_hls.h`, a file-driven testbench and `run_hls.tcl`
  (`vitis_hls -f run_hls.tcl`).
- `host/pre.onnx`: model input → accelerator input codes (int32); `host/post.onnx`: accelerator
  output codes (int32) → model output. Run them with qonnx's `execute_onnx` (or onnxruntime
  when they contain only standard ops).
- `ir/*.mlir`: the IR after each stage (parse back with `qnnc-opt`).
- `report.json`: per-layer shapes, types, folding and cycles; `cycles_per_frame`,
  `latency_cycles` (an upper-bound estimate); `report.html`: the same as a page (dataflow
  graph, bottleneck, cycles per unit, resources).

## Interface of `qnnc_top`
Clock `clk`, synchronous active-low reset `rst_n`, AXI-Stream in `s_axis_tdata/tvalid/tready`,
AXI-Stream out `m_axis_tdata/tvalid/tready` (back-pressure honoured; tdata padded to bytes).

- Input: the integer codes of the first quantizer (what `host/pre.onnx` produces),
  {i['elements']} elements of type {i['element_type']} per frame, {i['lanes']} per beat,
  {i['element_bits']} bits each: element k of a beat is `tdata[k*{i['element_bits']} +: {i['element_bits']}]`
  (two's complement; a bipolar code is one bit, 1 = +1, 0 = -1). A frame is
  {i['elements'] // i['lanes']} beats in element order.
- Output: {o['elements']} elements of type {o['element_type']} per frame, {o['lanes']} per beat,
  {o['element_bits']} bits each, same packing; feed them to `host/post.onnx`.
- Throughput: one frame every {r['cycles_per_frame']} cycles in steady state.

## Simulate
`qnnc model.onnx -o out/ --verify` builds this Verilog with Verilator (streaming inputs through
it with random back-pressure) and C-simulates the HLS C++ with g++, and compares each against
qonnx's execution of the model (`verify.json`, per backend under `backends`). Any simulator
works: the Verilog is plain Verilog-2005 with no include or memory files.
"""


MARKER = ".qnnc-output"
MARKER_TEXT = "This directory was written by qnnc; the next `qnnc -o` naming it replaces it.\n"
"""The marker file in every output directory: qnnc replaces a non-empty directory only if it
holds this file (or with --force). Fixed content, no timestamp: outputs stay deterministic."""


def check_output_dir(outdir: Path, force: bool = False, model: str | Path | None = None) -> None:
    """Refuse (QnncError) an output directory qnnc may not replace: an existing file or symbolic
    link, a non-empty directory without qnnc's marker (unless `force`), or, even with `force`,
    a directory holding the current directory or the model. Called before compiling, so the user
    learns it at once, and again just before the swap."""
    outdir = Path(outdir)
    if outdir.is_symlink():
        raise QnncError(f"output '{outdir}' is a symbolic link; give the directory itself")
    if outdir.exists() and not outdir.is_dir():
        raise QnncError(f"output '{outdir}' is an existing file, not a directory")
    for anc in outdir.absolute().parents:
        if anc.exists() and not anc.is_dir():
            raise QnncError(f"cannot create output directory '{outdir}': '{anc}' is a file")
    if not outdir.is_dir():
        return
    real = outdir.resolve()
    protected = [Path.cwd().resolve()] + ([Path(model).resolve()] if model else [])
    for p in protected:
        if p == real or real in p.parents:
            raise QnncError(f"refusing to replace output directory '{outdir}': it contains "
                            f"'{p}'")
    if force or (outdir / MARKER).is_file():
        return
    if any(outdir.iterdir()):
        raise QnncError(f"output directory '{outdir}' is not empty and was not written by qnnc "
                        f"(no {MARKER} file); qnnc replaces its output directory, so choose "
                        f"another one or pass --force to replace it")


def write_outputs(comp: Compilation, outdir: Path, extra: dict[str, bytes] | None = None,
                  force: bool = False, model: str | Path | None = None) -> None:
    """Write every artefact into a temporary sibling directory, then swap it in for outdir (the
    old directory, if any, is moved aside first and deleted only after the swap). An OS error
    (permissions, disk full, a name too long) is a user-facing error, and leaves nothing
    behind."""
    outdir = Path(outdir)
    check_output_dir(outdir, force, model)
    try:
        parent = outdir.absolute().parent
        parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{outdir.name[:64]}.", dir=parent))
    except OSError as e:
        raise QnncError(f"cannot create output directory '{outdir}': {e.strerror or e}")
    try:
        _write_tree(comp, tmp, extra or {})
        _swap_in(tmp, outdir)
    except BaseException as e:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(e, OSError):
            raise QnncError(f"cannot write output directory '{outdir}': {e.strerror or e}")
        raise


def _write_tree(comp: Compilation, tmp: Path, extra: dict[str, bytes]) -> None:
    """Every artefact of `comp` (and `extra`, name → bytes) into the fresh directory tmp."""
    (tmp / MARKER).write_text(MARKER_TEXT)
    (tmp / "ir").mkdir()
    for name, text in comp.dumps.items():
        (tmp / "ir" / name).write_text(text)
    for target, files in comp.outputs.items():
        write_files(files, tmp / target)
    if comp.host:
        (tmp / "host").mkdir()
        onnx.save(comp.host[0], str(tmp / "host" / "pre.onnx"))
        onnx.save(comp.host[1], str(tmp / "host" / "post.onnx"))
    if comp.report:
        (tmp / "report.json").write_text(json.dumps(comp.report, indent=2) + "\n")
        from qnnc.report_html import render

        with internal_errors("the HTML report"):
            html = render(comp.report)
        (tmp / "report.html").write_text(html)
        (tmp / "README.md").write_text(integration_readme(comp))
    for name, data in extra.items():
        (tmp / name).write_bytes(data)


def write_files(files: dict[str, str], folder: Path) -> None:
    """A backend's files (name → text) into a new folder."""
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text)


def _swap_in(tmp: Path, outdir: Path) -> None:
    """Put tmp where outdir is: move the old outdir aside, rename tmp into place, then delete
    the old one (restored if the rename fails), so outdir is never half-written."""
    if not outdir.exists():
        os.replace(tmp, outdir)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{outdir.name[:64]}.old.", dir=tmp.parent))
    os.replace(outdir, old / "d")
    try:
        os.replace(tmp, outdir)
    except BaseException:
        os.replace(old / "d", outdir)
        shutil.rmtree(old, ignore_errors=True)
        raise
    shutil.rmtree(old, ignore_errors=True)
