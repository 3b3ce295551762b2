"""Where a ROM lives in the FPGA: block RAM or LUTs, by one rule every level and the report use.

Why a rule of our own rather than the synthesis tool's choice: the resource estimate, the
report and the generated Verilog (a `rom_style` attribute on every memory) must agree, so the
choice is made once, here, and synthesis is told rather than asked.

The rule weighs both costs on Xilinx 7-series terms:
- in LUTs, a ROM costs one LUT6 per bit of width per 64 words (`distributed_luts`);
- in block RAM, it costs the BRAM18s of Yosys' block RAM mapping (`bram18_count`, which lays
  pieces of the ROM's depth side by side in the RAMs' width where that is cheaper);
- a BRAM18 is weighed as `LUTS_PER_BRAM18` LUTs. Devices have about 190 LUTs per BRAM18
  (xc7z020: 53,200 / 280), but LUTs also carry every datapath, so block RAM is preferred as
  soon as it saves a third of that.
A ROM of at most 64 words therefore always stays in LUTs; weight memories of folded layers
(hundreds of words) go to block RAM unless they are only a few bits wide.
"""

from __future__ import annotations

import math

LUTS_PER_BRAM18 = 64
"""What one BRAM18 is worth in LUT6s when choosing where a ROM lives (see the module doc)."""

BRAM18_SHAPES = ((16384, 1), (8192, 2), (4096, 4), (2048, 9), (1024, 18), (512, 36))
"""(depth, width) aspect ratios of a 7-series RAMB18E1 read through one port (512×36 in
simple dual-port mode)."""

LUT_WORDS = 64
"""Words one LUT6 holds for one bit of width (a 64×1 ROM)."""


def bram18_plain(depth: int, width: int) -> int:
    """BRAM18s a depth×width memory needs in the best aspect ratio, one word a BRAM word (a
    RAM, whose writes forbid packing)."""
    if depth <= 0 or width <= 0:
        return 0
    return min(math.ceil(depth / d) * math.ceil(width / w) for d, w in BRAM18_SHAPES)


BRAM_MODES = (
    (16, (1,), 513, 4),                        # true dual port, CASCADE: two RAMB36E1, 64K×1
    (15, (1, 2, 4, 9, 18, 36), 257, 2),        # true dual port, FULL: a RAMB36E1
    (14, (1, 2, 4, 9, 18), 129, 1),            # true dual port, HALF: a RAMB18E1
    (15, (1, 2, 4, 9, 18, 36, 72), 257, 2),    # simple dual port, FULL
    (14, (1, 2, 4, 9, 18, 36), 129, 1),        # simple dual port, HALF (512×36)
)
"""(address bits at width 1, read widths, cost, BRAM18s) of the block RAM modes Yosys 0.23 maps
a ROM's read port to on 7-series (techlibs/xilinx/brams_xc4v.txt with HAS_SIZE_36, HAS_CASCADE
and HAS_MIXWIDTH_SDP, as synth_xilinx passes them to memory_libmap), in memory_libmap's order
of candidates. A width index i holds 2^(abits - i) words."""

MUX_COST = 0.5
"""memory_libmap's cost of one input of the read mux it adds per data bit (FACTOR_MUX)."""


def rom_mapping(depth: int, width: int) -> tuple[int, int]:
    """(BRAM18s, pieces) of a depth×width ROM in block RAM as Yosys 0.23's memory_libmap maps
    it. For each mode and read width the ROM is cut along its depth into `pieces` address
    ranges of the RAM's words, and the pieces' words are laid side by side: pieces·width bits,
    in ceil(pieces·width / read width) RAMs (a piece may straddle two). A read mux of the
    pieces per data bit selects the word (registered high address bits). memory_libmap keeps
    the mode and width of least cost, cost·RAMs + MUX_COST·(pieces − 1)·width (the same
    emulation cost for every mode, left out); ties go to the narrower width, then the earlier
    mode (within a mode it compares with the best cost so far truncated to an integer).
    Measured (ROMs alone, synth_xilinx): 2304×20 in three 512×36 RAMB18s and a 5:1 mux (not
    the five of any single aspect ratio), 262144×1 in fifteen 2K×9 (128 pieces), 3072×32 in
    three 1K×36 RAMB36s."""
    if depth <= 0 or width <= 0:
        return 0, 0
    best = None
    for abits, widths, cost, b18 in BRAM_MODES:
        mode = None
        for i, w in enumerate(widths):
            pieces = (depth - 1) // (1 << (abits - i)) + 1
            rams = math.ceil(pieces * width / w)
            c = cost * rams + MUX_COST * (pieces - 1) * width
            if mode is None or c < math.floor(mode[0]):  # memory_libmap's int best_cost
                mode = (c, rams * b18, pieces)
        if best is None or mode[0] < best[0]:            # prune_post_geom: the cheapest
            best = mode
    return best[1:]


def bram18_count(depth: int, width: int) -> int:
    """BRAM18s a depth×width ROM needs in Yosys' block RAM mapping (`rom_mapping`)."""
    return rom_mapping(depth, width)[0]


def distributed_luts(depth: int, width: int) -> int:
    """LUT6s a depth×width ROM needs as logic (one per bit per 64 words; the wide-mux
    primitives that join them are free)."""
    if depth <= 0 or width <= 0:
        return 0
    return width * math.ceil(depth / LUT_WORDS)


def rom_style(depth: int, width: int) -> str:
    """`"block"` (block RAM) or `"distributed"` (LUTs) for a depth×width ROM: the cheaper of the
    two at `LUTS_PER_BRAM18` LUTs per BRAM18, LUTs on a tie."""
    if distributed_luts(depth, width) > LUTS_PER_BRAM18 * bram18_count(depth, width):
        return "block"
    return "distributed"
