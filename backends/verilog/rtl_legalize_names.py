"""rtl-legalize-names: give every module, port, instance and wire a legal, unique Verilog name
(rtl → rtl). This is the "prepare for emission" step of the Verilog backend, which applies it
before printing (as CIRCT's ExportVerilog does), so it lives here rather than in lowering/;
after it the printer only prints. Registered as a pass too (`qnnc-opt -p rtl-legalize-names`).

Postconditions:
* module symbols are Verilog identifiers, unique, not keywords (instances follow renames);
* every `rtl.module` has `port_names` (input ports then output ports): `in`/`out`, and
  `s_axis`/`m_axis` on the top module, which also gets `pad_to_bytes` (AXI-Stream tdata widths
  are whole bytes);
* every instance/cell has a unique legal `instance_name` within its module;
* every value in a module body has a `name_hint` that is a legal, unique wire name.

Names come from the user's ONNX node names, which may be anything: keywords of Verilog,
SystemVerilog or C++ (Verilator compiles the design to C++), paths (`../x`), spaces, unicode,
thousands of characters, or names equal up to case. `legal_identifier` maps each to
`[A-Za-z][A-Za-z0-9_]*` without keywords, runs of `_` or a trailing `_`, at most
`MAX_IDENTIFIER` characters (a long name keeps its head and gets a hash of the whole, so the
result is deterministic and still unique). Module names are unique ignoring case, because each
becomes a file `<name>.v` and file systems may ignore case.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ArrayAttr, FlatSymbolRefAttr, ModuleOp, StringAttr, UnitAttr
from xdsl.passes import ModulePass

from qnnc.backends.names import MAX_IDENTIFIER, VERILOG_KEYWORDS, Namer, legal_identifier
from qnnc.dialects import rtl

__all__ = ["MAX_IDENTIFIER", "VERILOG_KEYWORDS", "RtlLegalizeNamesPass", "legal_identifier"]

TOP = "qnnc_top"


def module_port_names(n_in: int, n_out: int, is_top: bool = False) -> tuple[list[str], list[str]]:
    """Port names of an rtl.module with n_in input and n_out output streams: `in`/`out`
    (`s_axis`/`m_axis` on the top), numbered `in0, in1, ...` where there are several. The
    printer names an instance's connections by the same rule."""
    ins, outs = (["s_axis"], ["m_axis"]) if is_top else (["in"], ["out"])
    ins = ins if n_in == 1 else [f"in{i}" for i in range(n_in)]
    outs = outs if n_out == 1 else [f"out{i}" for i in range(n_out)]
    return ins, outs


def _legalize_module(m: rtl.ModuleOp, is_top: bool) -> None:
    ins, outs = module_port_names(len(m.function_type.inputs.data),
                                  len(m.function_type.outputs.data), is_top)
    m.attributes["port_names"] = ArrayAttr([StringAttr(p) for p in ins + outs])
    if is_top:
        m.attributes["pad_to_bytes"] = UnitAttr()
    namer = Namer(ins + outs)
    for arg, p in zip(m.body.block.args, ins):
        arg.name_hint = p
    for op in m.body.block.ops:
        if isinstance(op, (rtl.CellOp, rtl.InstanceOp)):
            inst = namer(op.instance_name.data)
            op.properties["instance_name"] = StringAttr(inst)
            if isinstance(op, rtl.CellOp):  # results named after the cell's output ports
                for port, r in op.stream_outputs():
                    r.name_hint = namer(f"{inst}_{port}")
            else:
                for i, r in enumerate(op.results):
                    r.name_hint = namer(f"{inst}_out" if len(op.results) == 1 else f"{inst}_out{i}")
            if isinstance(op, rtl.CellOp):
                for port, v in op.roms():
                    if v is not None:
                        v.name_hint = namer(f"{inst}_{port.name}_rom")


@dataclass(frozen=True)
class RtlLegalizeNamesPass(ModulePass):
    """Legal, unique Verilog names for modules, ports, instances and wires."""

    name = "rtl-legalize-names"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        modules = [m for m in op.ops if isinstance(m, rtl.ModuleOp)]
        namer = Namer(rtl.CELLS)  # library cell modules keep their names
        renamed: dict[str, str] = {}
        for m in sorted(modules, key=lambda m: m.sym_name.data != TOP):  # the top keeps its name
            new = namer(m.sym_name.data)
            renamed[m.sym_name.data] = new
            m.properties["sym_name"] = StringAttr(new)
        for inst in op.walk():
            if isinstance(inst, rtl.InstanceOp):
                inst.properties["module"] = FlatSymbolRefAttr(renamed[inst.module.root_reference.data])
        for m in modules:
            _legalize_module(m, m.sym_name.data == TOP)
