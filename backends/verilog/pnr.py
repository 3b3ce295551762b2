"""Place & route on a Lattice ECP5 (LFE5U-85F, CABGA381) with Yosys `synth_ecp5` and
nextpnr-ecp5: the routed fmax of the whole design against a clock target, and its utilisation.

Steps, each with its working directory where its inputs are (relative paths only, as YoWASP
tools need):
1. the top's port list from Yosys's JSON front end (only the top's file is read);
2. a pin wrapper (`pnr_wrapper.pin_wrapper`) written to the work folder, never to the design's
   Verilog folder;
3. `synth_ecp5` of every `*.v` of the design plus the wrapper, from the Verilog folder (so a
   `$readmemh` path resolves), into a JSON netlist, with `stat -json` of the mapped cells;
4. if the mapped cells exceed the device (`CAPACITY`), a `DoesNotFit` (no point routing);
   but when only the multipliers do (Yosys puts every product of 2 bits or more on a
   MULT18X18D), step 3 runs again with `-nodsp`, multipliers in LUTs;
5. nextpnr-ecp5 with a fixed seed, `--freq` the target, `--timing-allow-fail` (a missed target
   is a result, not an error) and `--report`: fmax and utilisation as nextpnr reports them.
The netlist is deleted after routing (it can be large); script, wrapper, logs, stat JSON and
nextpnr's report stay in the work folder.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from qnnc.backends.verilog.eda import relpath, run_tool
from qnnc.backends.verilog.pnr_wrapper import WRAPPER, Port, pin_wrapper
from qnnc.backends.verilog.synth import stat_cells

DEVICE = "--85k"
PACKAGE = "CABGA381"
PART = "LFE5U-85F-CABGA381"
CAPACITY = {"LUT4": 83640, "TRELLIS_FF": 83640, "DP16KD": 208, "MULT18X18D": 156}
"""LFE5U-85F resources (Lattice DS1044): a design needing more of one is refused before nextpnr."""
UTILISATION = ("TRELLIS_COMB", "TRELLIS_FF", "DP16KD", "MULT18X18D")


class DoesNotFit(Exception):
    """The mapped design needs more of a resource than the device has."""


@dataclass
class PnrResult:
    fmax_mhz: float
    target_mhz: float
    utilisation: dict
    synth_cells: dict
    wrapper_pins: int
    wrapper_flip_flops: int
    synth_command: str
    seconds: dict = field(default_factory=dict)
    files: dict = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return self.fmax_mhz >= self.target_mhz


def top_ports(yosys: str, verilog_dir: Path, work: Path, top: str) -> list[Port]:
    """The ports of module `top` (name, direction, width) in declaration order, read by Yosys
    from `<top>.v` alone."""
    ports_json = work / f"{top}.ports.json"
    ports_json.unlink(missing_ok=True)
    run_tool([yosys, "-q", "-p", f"read_verilog {top}.v; write_json "
              f"{relpath(ports_json, verilog_dir)}"], verilog_dir, work / f"{top}.ports.log")
    mod = json.loads(ports_json.read_text())["modules"][top]
    return [Port(name, p["direction"], len(p["bits"])) for name, p in mod["ports"].items()]


def synth_script(sources: list[str], wrapper: str, netlist: str, stat_json: str,
                 options: str = "") -> str:
    reads = "\n".join(f"read_verilog -defer {s}" for s in [*sources, wrapper])
    return (f"{reads}\nhierarchy -check -top {WRAPPER}\nsynth_ecp5{options} -top {WRAPPER} "
            f"-json {netlist}\ntee -q -o {stat_json} stat -json\n")


def place_route(yosys: str, nextpnr: str, verilog_dir: Path, work: Path, top: str,
                target_mhz: float, seed: int,
                progress: Callable[[str], None] = lambda msg: None) -> PnrResult:
    """The ECP5 flow on module `top` of verilog_dir (see the module docstring); `progress` is
    told each step. Raises eda.ToolFailed when a tool fails, DoesNotFit when the design
    exceeds the device."""
    work.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    progress(f"{top}: ports and pin wrapper")
    wrapper = pin_wrapper(top, top_ports(yosys, verilog_dir, work, top))
    wrapper_v = work / f"{WRAPPER}.v"
    wrapper_v.write_text(wrapper.verilog)
    netlist, stat_json = work / "netlist.json", work / "ecp5.stat.json"
    report = work / "pnr_report.json"
    for stale in (netlist, stat_json, report):
        stale.unlink(missing_ok=True)
    sources = sorted(p.name for p in verilog_dir.glob("*.v"))
    script = work / "synth_ecp5.ys"
    synth_seconds = 0.0
    for options in ("", " -nodsp"):
        script.write_text(synth_script(sources, relpath(wrapper_v, verilog_dir),
                                       relpath(netlist, verilog_dir),
                                       relpath(stat_json, verilog_dir), options))
        progress(f"{top}: synth_ecp5{options}")
        synth = run_tool([yosys, "-q", "-s", relpath(script, verilog_dir)], verilog_dir,
                         work / "synth_ecp5.log")
        synth_seconds += synth.seconds
        cells = {t: n for t, n in sorted(stat_cells(json.loads(stat_json.read_text()),
                                                    WRAPPER).items()) if not t.startswith("$")}
        over = [f"{cells[k]} {k} (the device has {cap})" for k, cap in CAPACITY.items()
                if cells.get(k, 0) > cap]
        # Yosys maps every multiplier of 2 bits or more to a MULT18X18D: too many small ones
        # go to LUTs instead (as a vendor tool does when the DSPs run out), in a second run
        if not (len(over) == 1 and cells.get("MULT18X18D", 0) > CAPACITY["MULT18X18D"]):
            break
    if over:
        netlist.unlink(missing_ok=True)
        raise DoesNotFit(f"the design does not fit the {PART}: it needs {', '.join(over)}")
    progress(f"{top}: nextpnr-ecp5 {PART} at {target_mhz:g} MHz, seed {seed}")
    try:
        pnr = run_tool([nextpnr, DEVICE, "--package", PACKAGE, "--json", netlist.name,
                        "--freq", f"{target_mhz:g}", "--seed", str(seed), "--timing-allow-fail",
                        "--lpf-allow-unconstrained", "--report", report.name],
                       work, work / "nextpnr.log")
    finally:
        netlist.unlink(missing_ok=True)
    rep = json.loads(report.read_text())
    fmax = fmax_mhz(rep)
    util = {k: v for k, v in rep.get("utilization", {}).items()
            if k in UTILISATION or v.get("used", 0) > 0}
    return PnrResult(
        fmax_mhz=fmax, target_mhz=target_mhz, utilisation=util, synth_cells=cells,
        wrapper_pins=len(wrapper.pins), wrapper_flip_flops=wrapper.flip_flops,
        synth_command=f"synth_ecp5{options}",
        seconds={"synth": round(synth_seconds, 2), "place_route": round(pnr.seconds, 2),
                 "total": round(time.perf_counter() - t0, 2)},
        files={"wrapper": wrapper_v, "synth_script": script, "synth_log": synth.log,
               "synth_stat": stat_json, "nextpnr_log": pnr.log, "nextpnr_report": report})


def fmax_mhz(report: dict) -> float:
    """The routed fmax of the design's clock in nextpnr's `--report` JSON (the slowest clock
    domain if there were several)."""
    domains = report.get("fmax", {})
    if not domains:
        raise ValueError("nextpnr's report has no fmax (no clocked path?)")
    return min(float(d["achieved"]) for d in domains.values())
