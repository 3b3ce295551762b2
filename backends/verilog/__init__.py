"""Verilog export: `rtl-legalize-names` (prepare), then the printer, one file per module, plus
the library cells the design instantiates."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp

from qnnc.dialects import rtl


def library_file(cell: str) -> str:
    """Source text of a library cell (`backends/verilog/lib/<cell>.v`)."""
    return resources.files("qnnc.backends.verilog").joinpath("lib", f"{cell}.v").read_text()


def export_verilog(ctx: Context, module: ModuleOp) -> dict[str, str]:
    """File name → Verilog text for every rtl.module and every library cell used.
    Mutates the module's names (the prepare step), never its structure."""
    from qnnc.backends.verilog.printer import print_verilog_module
    from qnnc.lowering.rtl_legalize_names import RtlLegalizeNamesPass

    RtlLegalizeNamesPass().apply(ctx, module)
    files: dict[str, str] = {}
    cells: set[str] = set()
    for op in module.walk():
        if isinstance(op, rtl.ModuleOp):
            files[f"{op.sym_name.data}.v"] = print_verilog_module(op)
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
