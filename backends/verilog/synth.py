"""Yosys `synth_xilinx` of the generated Verilog, one module at a time: measured LUT, FF,
BRAM, DSP and CARRY4 counts for a 7-series part, read from Yosys's own `stat -json`.

Each run reads every `*.v` of the Verilog folder with the working directory there (so a
`$readmemh("x.hex")` resolves next to the Verilog), elaborates only the requested module
(`hierarchy -top`), flattens it (cross-boundary optimisation, as Vivado's default does) and
maps it without I/O buffers (`-noiopad`: a layer, or the whole accelerator, sits inside a
larger design, not on pins). The script, log and stat JSON of each module stay in the work
folder, so every figure can be traced back to the tool run that produced it.

Counting (`xilinx_counts`), from the mapped cells:
* `lut` = `lut_logic` + `lut_memory`: LUT1..LUT6 and INV (a LUT1 in the device) are logic;
  distributed RAM and shift-register primitives count as the LUTs they occupy
  (`LUTRAM_LUTS`, e.g. RAM64M = 4);
* `ff`: FDRE/FDSE/FDCE/FDPE; `bram18`: RAMB18 = 1, RAMB36 = 2; `dsp`: DSP48; `carry4`: CARRY4;
* `cells`: every mapped cell type with its count, as Yosys reported it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from qnnc.backends.verilog.eda import relpath, run_tool

SYNTH_COMMAND = "synth_xilinx -flatten -noiopad"

LUT_LOGIC = {"LUT1": 1, "LUT2": 1, "LUT3": 1, "LUT4": 1, "LUT5": 1, "LUT6": 1, "LUT6_2": 1,
             "INV": 1}
LUTRAM_LUTS = {
    "RAM16X1S": 1, "RAM16X1D": 2, "RAM32X1S": 1, "RAM32X1D": 2, "RAM64X1S": 1, "RAM64X1D": 2,
    "RAM128X1S": 2, "RAM128X1D": 4, "RAM256X1S": 4, "RAM32M": 4, "RAM64M": 4, "RAM32M16": 8,
    "RAM64M8": 8, "SRL16E": 1, "SRLC16E": 1, "SRLC32E": 1,
}
"""LUTs a distributed-RAM or shift-register primitive occupies (7-series, UG474)."""
FLIP_FLOPS = ("FDRE", "FDSE", "FDCE", "FDPE")
BRAM18 = {"RAMB18E1": 1, "RAMB36E1": 2, "RAMB18E2": 1, "RAMB36E2": 2}
DSPS = ("DSP48E1", "DSP48E2")


def xilinx_counts(cells: dict[str, int]) -> dict:
    """Resource figures from the mapped cells of one design (type → count)."""
    lut_logic = sum(n * LUT_LOGIC[t] for t, n in cells.items() if t in LUT_LOGIC)
    lut_memory = sum(n * LUTRAM_LUTS[t] for t, n in cells.items() if t in LUTRAM_LUTS)
    return {
        "lut": lut_logic + lut_memory,
        "lut_logic": lut_logic,
        "lut_memory": lut_memory,
        "ff": sum(cells.get(t, 0) for t in FLIP_FLOPS),
        "bram18": sum(n * BRAM18[t] for t, n in cells.items() if t in BRAM18),
        "dsp": sum(cells.get(t, 0) for t in DSPS),
        "carry4": cells.get("CARRY4", 0),
        "cells": {t: n for t, n in sorted(cells.items()) if not t.startswith("$")},
    }


def stat_cells(stat: dict, top: str) -> dict[str, int]:
    """Cell counts of the whole design below `top` from `stat -json` output: its `design`
    section (the hierarchy's total) when there is one, else the top module's own section.
    Yosys keys modules by their RTLIL names (a leading backslash)."""
    design = stat.get("design")
    if isinstance(design, dict) and "num_cells_by_type" in design:
        return dict(design["num_cells_by_type"])
    modules = stat.get("modules", {})
    for key in (f"\\{top}", top):
        if key in modules:
            return dict(modules[key].get("num_cells_by_type", {}))
    raise ValueError(f"Yosys's stat JSON has no module '{top}' (modules: {sorted(modules)})")


@dataclass
class SynthResult:
    module: str
    counts: dict
    seconds: float
    stat_json: Path
    log: Path


def synth_script(sources: list[str], top: str, stat_json: str) -> str:
    reads = "\n".join(f"read_verilog -defer {s}" for s in sources)
    return (f"{reads}\nhierarchy -check -top {top}\n{SYNTH_COMMAND} -top {top}\n"
            f"tee -q -o {stat_json} stat -json\n")


def synthesize(yosys: str, verilog_dir: Path, work: Path, top: str) -> SynthResult:
    """`synth_xilinx` of module `top` from every `*.v` in verilog_dir; the script, log and stat
    JSON go to work/<top>.{ys,log,stat.json}. Raises eda.ToolFailed when Yosys fails."""
    work.mkdir(parents=True, exist_ok=True)
    sources = sorted(p.name for p in verilog_dir.glob("*.v"))
    stat_json = work / f"{top}.stat.json"
    stat_json.unlink(missing_ok=True)  # never read a previous run's figures
    script = work / f"{top}.ys"
    script.write_text(synth_script(sources, top, relpath(stat_json, verilog_dir)))
    run = run_tool([yosys, "-q", "-s", relpath(script, verilog_dir)], verilog_dir,
                   work / f"{top}.log")
    stat = json.loads(stat_json.read_text())
    return SynthResult(top, xilinx_counts(stat_cells(stat, top)), run.seconds, stat_json, run.log)
