"""Legal, unique, deterministic identifiers for every backend's output (Verilog modules and
wires, C++ functions and streams): one legalization of user-derived names, so no backend
re-implements it and none lets a user string reach generated code unescaped."""

from __future__ import annotations

import hashlib
import re

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


def legal_identifier(name: str) -> str:
    """A Verilog and C++ identifier close to name: [A-Za-z][A-Za-z0-9_]*, no keyword of either
    language, no `__` (reserved by Verilator and C++), no trailing `_` (so suffixes never make
    one), at most MAX_IDENTIFIER long."""
    s = re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_")
    if not s or not s[0].isalpha():
        s = "n_" + s if s else "n"
    if len(s) > MAX_IDENTIFIER:
        digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:8]
        s = s[: MAX_IDENTIFIER - 9].rstrip("_") + "_" + digest
    if s.lower() in VERILOG_KEYWORDS:
        s += "_v"
    return s


class Namer:
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
