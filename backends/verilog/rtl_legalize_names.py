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

import hashlib
import re
from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ArrayAttr, FlatSymbolRefAttr, ModuleOp, StringAttr, UnitAttr
from xdsl.passes import ModulePass

from qnnc.dialects import rtl

VERILOG_KEYWORDS = frozenset("""
always and assign automatic begin buf bufif0 bufif1 case casex casez cell cmos config deassign
default defparam design disable edge else end endcase endconfig endfunction endgenerate endmodule
endprimitive endspecify endtable endtask event for force forever fork function generate genvar
highz0 highz1 if ifnone incdir include initial inout input instance integer join large liblist
library localparam logic macromodule medium module nand negedge nmos nor noshowcancelled not
notif0 notif1 or output parameter pmos posedge primitive pull0 pull1 pulldown pullup
pulsestyle_ondetect pulsestyle_onevent rcmos real realtime reg release repeat rnmos rpmos rtran
rtranif0 rtranif1 scalared showcancelled signed small specify specparam strong0 strong1 supply0
supply1 table task time tran tranif0 tranif1 tri tri0 tri1 triand trior trireg unsigned use uwire
vectored wait wand weak0 weak1 while wire wor xnor xor clk rst_n bit byte int
accept_on alias always_comb always_ff always_latch assert assume before bind bins binsof break
chandle checker class clocking const constraint context continue cover covergroup coverpoint
cross dist do endchecker endclass endclocking endgroup endinterface endpackage endprogram
endproperty endsequence enum eventually expect export extends extern final first_match
foreach forkjoin global iff ignore_bins illegal_bins implements implies import inside interface
interconnect intersect join_any join_none let local longint matches modport nettype new
nexttime null package packed priority program property protected pure rand randc randcase
randsequence ref reject_on restrict return s_always s_eventually s_nexttime s_until
s_until_with sequence shortint shortreal soft solve static string strong struct super
sync_accept_on sync_reject_on tagged this throughout timeprecision timeunit type typedef union
unique unique0 until until_with untyped var virtual void wait_order weak wildcard with within
alignas alignof asm auto bool case catch char char16_t char32_t char8_t co_await co_return
co_yield concept const_cast constexpr consteval constinit decltype delete double dynamic_cast
explicit false float friend goto inline long mutable namespace noexcept nullptr operator
private public register reinterpret_cast requires short sizeof static_assert static_cast
switch template thread_local throw true try typeid typename using volatile wchar_t
""".split())
"""Verilog-2005, SystemVerilog-2017 and C++20 keywords, plus the ports every module has."""

MAX_IDENTIFIER = 64
"""Longest identifier qnnc emits (module names are also file names; tools truncate long ones)."""

TOP = "qnnc_top"


def legal_identifier(name: str) -> str:
    """A Verilog identifier close to name: [A-Za-z][A-Za-z0-9_]*, no keyword, no `__` (reserved
    by Verilator), no trailing `_` (so suffixes never make one), at most MAX_IDENTIFIER long."""
    s = re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_")
    if not s or not s[0].isalpha():
        s = "n_" + s if s else "n"
    if len(s) > MAX_IDENTIFIER:
        digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:8]
        s = s[: MAX_IDENTIFIER - 9].rstrip("_") + "_" + digest
    if s.lower() in VERILOG_KEYWORDS:
        s += "_v"
    return s


class _Namer:
    """Hands out unique legal names within one scope, unique even ignoring case (module names
    are file names; a case-insensitive file system must not merge two modules)."""

    def __init__(self, taken=()):
        self.used = {t.lower() for t in taken}

    def __call__(self, want: str) -> str:
        base = legal_identifier(want)
        name, i = base, 1
        while name.lower() in self.used:
            name, i = f"{base}_{i}", i + 1
        self.used.add(name.lower())
        return name


def _legalize_module(m: rtl.ModuleOp, is_top: bool) -> None:
    ins, outs = (["s_axis"], ["m_axis"]) if is_top else (["in"], ["out"])
    n_in, n_out = len(m.function_type.inputs.data), len(m.function_type.outputs.data)
    ins = ins if n_in == 1 else [f"in{i}" for i in range(n_in)]
    outs = outs if n_out == 1 else [f"out{i}" for i in range(n_out)]
    m.attributes["port_names"] = ArrayAttr([StringAttr(p) for p in ins + outs])
    if is_top:
        m.attributes["pad_to_bytes"] = UnitAttr()
    namer = _Namer(ins + outs)
    for arg, p in zip(m.body.block.args, ins):
        arg.name_hint = p
    for op in m.body.block.ops:
        if isinstance(op, (rtl.CellOp, rtl.InstanceOp)):
            inst = namer(op.instance_name.data)
            op.properties["instance_name"] = StringAttr(inst)
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
        namer = _Namer(rtl.CELLS)  # library cell modules keep their names
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
