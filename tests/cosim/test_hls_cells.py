"""C-simulation of the HLS library templates (backends/hls/lib/qnnc_hls.h) of the conv-net cells
(pad, sliding window, pool, fork, residual add) and of the MVAU/THRES on several groups a
frame: each configuration of tests/celltools.py (the ones the Verilog library is simulated on) is
called once per frame on the same input beats, and its output beats must equal the cell's
declared semantics (`rtl.CELLS`). All configurations are one g++ program (one compile), linted
first with the flags the generated projects get (`-Wall -Wextra -Werror`)."""

from __future__ import annotations

import subprocess

import celltools as ct
import pytest
from test_hls import require_csim

from qnnc.backends.sim import csim
from qnnc.dialects import rtl

pytestmark = pytest.mark.cosim

CASES = {c.name: c for c in ct.conv_cell_cases()}

MAIN = r"""#include <cstdio>
#include "qnnc_hls.h"

template <int W>
static void print_hex(int out, const ap_uint<W> &value) {
    const int nibbles = (W + 3) / 4;
    printf("%d ", out);
    for (int i = nibbles - 1; i >= 0; i--) {
        const int lo = 4 * i;
        const int hi = (lo + 3 < W) ? lo + 3 : W - 1;
        putchar("0123456789abcdef"[(unsigned)value.range(hi, lo).to_uint()]);
    }
    putchar('\n');
}
"""


def literal(word: int, width: int) -> str:
    if width <= 64:
        return f"ap_uint<{width}>(0x{word:x}ULL)"
    return f'ap_uint<{width}>("{word:x}", 16)'


def case_function(i: int, case: ct.Case) -> str:
    """`case_<i>()`: pushes every frame's input beats, calls the template once per frame, prints
    each output stream's beats as `<output> <hex>` lines, and fails on beats left over."""
    op = case.op
    spec = op.spec()
    lines = [f"static int case_{i}() {{  // {case.name}"]
    names = []
    for j, ((port, _), t, words) in enumerate(zip(op.stream_inputs(), case.ins, case.in_beats())):
        lines.append(f"    hls::stream<ap_uint<{t.data_width}> > {port}(\"{port}\");")
        for w in words:
            lines.append(f"    {port}.write({literal(w, t.data_width)});")
        names.append(port)
    for port, _ in op.stream_outputs():
        t = case.outs[[p for p, _ in op.stream_outputs()].index(port)]
        lines.append(f"    hls::stream<ap_uint<{t.data_width}> > {port}(\"{port}\");")
        names.append(port)
    for k, ((port, _), j) in enumerate(zip(op.roms(), case.port_roms())):
        depth, width = port.depth(op.param), port.width(op.param)
        if j is not None:
            body = ", ".join(literal(w, width) for w in case.rom_words()[j])
        else:
            body = ""
        lines.append(f"    static const ap_uint<{width}> rom_{k}[{depth}] = {{{body}}};")
        names.append(f"rom_{k}")
    t_in = case.ins[0]
    targs = [str(t_in.frame.data // t_in.lanes.data)] + [str(v) for v in case.param_values()]
    lines.append(f"    for (int f = 0; f < {case.frames}; f++) {{")
    lines.append(f"        {spec.hls_function}<{', '.join(targs)}>({', '.join(names)});")
    lines.append("    }")
    for k, (port, _) in enumerate(op.stream_outputs()):
        lines.append(f"    while (!{port}.empty()) print_hex({k}, {port}.read());")
    left = " || ".join(f"!{port}.empty()" for port, _ in op.stream_inputs())
    lines.append(f"    return ({left}) ? 1 : 0;")
    lines.append("}")
    return "\n".join(lines)


@pytest.fixture(scope="module")
def csim_outputs(tmp_path_factory) -> dict[str, list[list[int]]]:
    """Output beats per case and output stream, from one C-simulation program."""
    require_csim()
    work = tmp_path_factory.mktemp("hls_cells")
    names = list(CASES)
    src = [MAIN] + [case_function(i, CASES[n]) for i, n in enumerate(names)]
    src.append("int main() {\n    int bad = 0;")
    for i, n in enumerate(names):
        src.append(f'    printf("case {n}\\n");\n    bad |= case_{i}();')
    src.append("    return bad;\n}\n")
    (work / "cells.cpp").write_text("\n".join(src))
    lib = csim.find_ap_types()
    includes = ["-isystem", str(lib), "-I", str(csim_library_dir())]
    for flags, extra in ((csim.LINT_FLAGS, []), (csim.SIM_FLAGS, ["-o", str(work / "cells")])):
        r = subprocess.run(["g++", *flags, *includes, str(work / "cells.cpp"), *extra],
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stderr[-4000:]
    r = subprocess.run([str(work / "cells")], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, f"beats left over in an input stream:\n{r.stdout[-2000:]}"
    out: dict[str, list[list[int]]] = {}
    current = None
    for line in r.stdout.splitlines():
        if line.startswith("case "):
            current = line.split()[1]
            out[current] = [[] for _ in CASES[current].outs]
        else:
            k, h = line.split()
            out[current][int(k)].append(int(h, 16))
    return out


def csim_library_dir():
    from importlib import resources

    return resources.files("qnnc.backends.hls").joinpath("lib")


@pytest.mark.parametrize("name", list(CASES))
def test_hls_cell_matches_semantics(name, csim_outputs):
    case = CASES[name]
    assert rtl.CELLS[case.cell].hls_function.startswith("qnnc::")
    assert csim_outputs[name] == case.out_beats()
