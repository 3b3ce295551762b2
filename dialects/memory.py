"""Where a ROM lives in the FPGA: block RAM or LUTs, by one rule every level and the report use.

Why a rule of our own rather than the synthesis tool's choice: the resource estimate, the
report and the generated Verilog (a `rom_style` attribute on every memory) must agree, so the
choice is made once, here, and synthesis is told rather than asked.

The rule weighs both costs on Xilinx 7-series terms:
- in LUTs, a ROM costs one LUT6 per bit of width per 64 words (`distributed_luts`);
- in block RAM, it costs the fewest BRAM18s of any aspect ratio (16K×1 … 512×36) that holds it,
  a narrow ROM's words packed several to a BRAM word where that saves BRAMs (`bram18_count`);
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


def rom_packing(depth: int, width: int) -> int:
    """Words of a depth×width ROM that Yosys packs into one word of its block RAMs: a ROM
    narrower than the parity-using shapes (2K×9, 1K×18, 512×36) wastes the parity bits in
    16K×1 … 4K×4, so memory_libmap (Yosys 0.23) also tries the ROM as depth/f words of f·width
    bits (f a power of two, the low address bits selecting a word's slice after the read) and
    keeps the fewest block RAMs; the smallest f on a tie. Measured: 262144×1 as 2048×128 in 15
    RAMB18s (not 16), 65536×4 likewise; 131072×1, 65536×2 and below unpacked (no gain)."""
    best, f_best, f = bram18_plain(depth, width), 1, 2
    while depth // f >= BRAM18_SHAPES[-1][0]:
        n = bram18_plain(math.ceil(depth / f), width * f)
        if n < best:
            best, f_best = n, f
        f *= 2
    return f_best


def bram18_count(depth: int, width: int) -> int:
    """BRAM18s a depth×width ROM needs: the best aspect ratio of its words packed
    `rom_packing` to a BRAM word."""
    if depth <= 0 or width <= 0:
        return 0
    f = rom_packing(depth, width)
    return bram18_plain(math.ceil(depth / f), width * f)


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
