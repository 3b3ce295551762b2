"""Resource estimates of the streaming units: LUT, FF, BRAM18 and DSP at a folding.

What is estimated: `yosys synth_xilinx` (Xilinx 7-series: LUT6, CARRY4, FDRE, RAMB18E1/36E1,
DSP48E1) of each unit's Verilog: its library cell (`backends/verilog/lib/qnnc_*.v`) with the
ROMs of its layer module. LUTs count every LUT6 site (logic, LUT RAM, shift registers); BRAM18
counts a RAMB36 as two. The figures are calibrated against Yosys runs of the cells
(`benchmarks/resources.py`; docs/design.md states the measured error).

Each unit is a sum of components, each a pure function of integer parameters below:
- ROMs (weights, thresholds, row maps): where they live is `memory.rom_style`, their cost
  `memory.bram18_count` or `memory.distributed_luts` (`rom`);
- multipliers per lane by operand widths (`product`): an XNOR for bipolar × bipolar, a
  negation mux when one side is bipolar, otherwise Yosys' rule: a DSP48E1 when both operands
  are at least 2 bits and the product at least 9 bits (synth_xilinx's mul2dsp thresholds:
  DSP_A/B_MINWIDTH = 2, DSP_Y_MINWIDTH = 9; one DSP up to 25×18), else LUTs;
- adders (one LUT a bit on the carry chain): adder trees, accumulators, counters; comparators
  likewise (`adder`);
- RAMs the cells infer (FIFOs, input buffers, line buffers): `ram`, Yosys' choice between LUT
  RAM and block RAM;
- registers (output and skid registers, counters) as flip-flops.

This module imports only `codes` and `memory` of qnnc (numpy for `lut_rom`'s columns): dialects
build on it, never the reverse.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from qnnc.dialects import memory

# ----------------------------------------------------------------------------------------------
# Figures
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Resources:
    """LUT6 sites, flip-flops, BRAM18s, DSP48E1s."""

    lut: int = 0
    ff: int = 0
    bram18: int = 0
    dsp: int = 0

    def __add__(self, o: "Resources") -> "Resources":
        return Resources(self.lut + o.lut, self.ff + o.ff, self.bram18 + o.bram18,
                         self.dsp + o.dsp)

    def __mul__(self, n: int) -> "Resources":
        return Resources(self.lut * n, self.ff * n, self.bram18 * n, self.dsp * n)

    __rmul__ = __mul__

    def as_dict(self) -> dict[str, int]:
        return {"lut": self.lut, "ff": self.ff, "bram18": self.bram18, "dsp": self.dsp}


def total(items) -> Resources:
    out = Resources()
    for r in items:
        out = out + r
    return out


BRAM18_WEIGHT = memory.LUTS_PER_BRAM18
"""Area cost of one BRAM18 in LUTs when folding chooses among designs: the memory rule's own
exchange rate (dialects/memory.py), so the search and the ROM placement weigh alike."""

DSP_WEIGHT = 100
"""Area cost of one DSP48E1 in LUTs when folding chooses among designs: what an 8×8 multiplier
and its share of the adder tree cost in LUTs (about 100), also the LUT-to-DSP ratio of small
7-series parts (xc7z020: 53,200 LUTs / 220 DSPs ≈ 240) halved since LUTs carry everything else."""


def area(r: Resources, bram18_weight: int = BRAM18_WEIGHT, dsp_weight: int = DSP_WEIGHT) -> int:
    """The area cost folding minimizes: LUT + weight·BRAM18 + weight·DSP."""
    return r.lut + bram18_weight * r.bram18 + dsp_weight * r.dsp


@dataclass(frozen=True)
class Memory:
    """A ROM of a unit (weights, thresholds, ...) and where the memory rule puts it."""

    name: str
    depth: int
    width: int
    style: str  # "block" | "distributed"
    bram18: int
    luts: int

    def resources(self) -> Resources:
        return Resources(lut=self.luts, bram18=self.bram18)

    def as_dict(self) -> dict:
        return {"name": self.name, "depth": self.depth, "width": self.width, "style": self.style,
                "bram18": self.bram18, "luts": self.luts}


@dataclass(frozen=True)
class Estimate:
    """A unit's resources at a folding: the total and its ROMs (included in the total)."""

    resources: Resources
    memories: tuple[Memory, ...] = field(default=())


# ----------------------------------------------------------------------------------------------
# Components
# ----------------------------------------------------------------------------------------------


def signed_bits(lo: int, hi: int) -> int:
    """Bits of the narrowest two's-complement number holding lo..hi."""
    w = 1
    while lo < -(1 << (w - 1)) or hi > (1 << (w - 1)) - 1:
        w += 1
    return w


def clog2(n: int) -> int:
    return max(1, math.ceil(math.log2(n))) if n > 1 else 1


def rom_columns(depth: int, width: int) -> int:
    """Distinct non-constant bit columns a depth×width ROM can have: each column is a function
    of the word index, and there are only 2^depth − 2 non-constant ones, so a shallow ROM
    (NF of 2 or 4 words: threshold ROMs of a folded layer) has few. Yosys merges equal columns
    (the logic and its read register alike) and drops constant ones."""
    return width if depth >= 16 else min(width, (1 << depth) - 2)


def mux_luts(k: int) -> int:
    """LUT sites of a k:1 multiplexer of one bit with registered selects: one LUT6 while the k
    data and ceil(log2 k) select bits fit its 6 inputs (k <= 4), else 4:1 LUT6s and LUT1/LUT3
    pass-throughs joined by MUXF7/MUXF8 and the LUTs that combine their outputs, about 7 sites
    per 16 inputs and one more: measured 4 a bit at k = 5 (qnnc_dwc's output mux, a block ROM
    in five depth pieces), 4.4 at k = 9 (qnnc_dwc 32 -> 4 lanes; a block ROM's 9:1 read mux
    3.0..3.7), 12.75..14 at 32:1 and 49..58 at 128:1 (a block ROM's read mux over its depth
    pieces, `memory.rom_mapping`)."""
    if k <= 1:
        return 0
    return 1 if k <= 4 else math.ceil(7 * k / 16) + 1


def rom(name: str, depth: int, width: int) -> Memory:
    """A ROM placed by the memory rule (block RAM or LUTs, `memory.rom_style`). In LUTs, it
    costs `memory.distributed_luts` for at most `rom_columns` distinct columns. In block RAM,
    the BRAM18s of Yosys' mapping (`memory.rom_mapping`) and its read mux, one per output bit
    over the ROM's depth pieces (`mux_luts`, selected by the registered high address bits;
    measured 80 LUTs for 2304×20 in five pieces, 128 for 2304×32, 49 for 262144×1 in 128,
    none in one)."""
    style = memory.rom_style(depth, width)
    if style == "block":
        bram18, pieces = memory.rom_mapping(depth, width)
        return Memory(name, depth, width, style, bram18, width * mux_luts(pieces))
    return Memory(name, depth, width, style, 0,
                  memory.distributed_luts(depth, rom_columns(depth, width)))


def _fill_ops(depth: int, off: int, size: int) -> list[tuple[int, int, int]]:
    """The copies (source, length, destination) that complete a column of `depth` words to
    the `size` words of its read mux tree as opt simplifies the missing words away: where a
    subtree's upper half has no word, the tree is its lower half (mux_undef), which is the
    lower half's values read at every address of both (filled before it is copied)."""
    if size == 1 or off + size <= depth:
        return []
    h = size // 2
    if off + h >= depth:
        return _fill_ops(depth, off, h) + [(off, h, off + h)]
    return _fill_ops(depth, off + h, h)


def _distinct(a: np.ndarray) -> np.ndarray:
    """The distinct values of `a`, sorted (a sort and a compare: numpy's hashing unique is
    many times slower on the folding search's hundreds of thousands of columns)."""
    if len(a) < 2:
        return a
    s = np.sort(a)
    return s[np.concatenate(([True], s[1:] != s[:-1]))]


def lut_rom(columns, depth: int) -> Resources:
    """A ROM in LUTs with a registered read, from its bit columns (ints, bit i = word i's bit),
    as Yosys builds it. memory_map makes each bit a mux tree on the read address, the high
    bit at the root, into a flip-flop; opt simplifies the tree (constant subtrees, missing
    words, equal halves: what is left is the column's function with its root at the highest
    address bit it depends on) and merges equal columns (a flip-flop per distinct
    non-constant column; constant ones vanish). opt_dff takes into the flip-flop's synchronous
    set/reset every mux from the root down whose one input is a constant (the same reset value
    all the way): that half's address bit drives the set/reset, and only the rest is logic, a
    LUT per distinct remaining function up to 64 words (the functions of distinct columns often
    coincide there; with 2^k + 1 words the last word always goes to the set/reset) and a LUT6
    per 64 words beyond; an address bit itself is a wire and its inverse an INV. A set/reset
    on several address bits is a LUT (an OR), shared; a flip-flop whose set/reset is active
    low gets an INV of its own (active-high R/S on FDRE/FDSE). Measured on ROMs alone (random
    and small-integer words, 2..72 words deep; resconv_w4a4's 9-word c1 weights): flip-flops
    exact, LUTs within ±3; the former count (a LUT and a flip-flop per column) is 192/192 for
    c1's weights where Yosys has 128/166. The columns are worked on together as numpy
    arrays (uint64 up to 64 words): the folding search counts every folding's weight ROM."""
    n = 1 << max(1, (depth - 1).bit_length())
    k = n.bit_length() - 1
    dt = np.uint64 if n <= 64 else object
    u = (lambda v: np.uint64(v)) if n <= 64 else (lambda v: v)
    defined, full = (1 << depth) - 1, (1 << n) - 1
    f = _distinct(np.asarray(columns if n <= 64 else [int(c) for c in columns], dtype=dt)
                  & u(defined))
    f = f[(f != u(0)) & (f != u(defined))]
    ffs = len(f)
    if not ffs:
        return Resources()
    for src, h, dst in _fill_ops(depth, 0, n):
        f = f | (((f >> u(src)) & u((1 << h) - 1)) << u(dst))
    # masks of the words whose address has bit b clear, and the pattern of address bit b
    low = [sum(1 << i for i in range(n) if not i >> b & 1) for b in range(k)]
    lit = [full ^ m for m in low]

    def top_bit(g):
        """The highest address bit each column depends on (-1: a constant)."""
        t = np.full(len(g), -1)
        for b in range(k):
            s, m = u(1 << b), u(low[b])
            t = np.where(g != (((g & m) << s) | ((g >> s) & m)), b, t)
        return t

    shifts = np.array([1 << b for b in range(k)], dtype=dt)
    lows = np.array(low, dtype=dt)

    def half(g, t, upper):
        """The column with address bit t (per column) held at 0 or 1, at every address."""
        s, m = shifts[t], lows[t]
        h = ((g >> s) & m) if upper else (g & m)
        return h | (h << s)

    rv = np.full(ffs, -1)
    pos = np.zeros(ffs, dtype=np.int64)        # address bits of active-high set/resets
    neg = np.zeros(ffs, dtype=np.int64)        # and of active-low ones
    live = np.ones(ffs, dtype=bool)
    for _ in range(k):
        t = top_bit(f)
        live &= t >= 0
        if not live.any():
            break
        tt = np.where(live, t, 0)
        lo, hi = half(f, tt, False), half(f, tt, True)
        lo_c = (lo == u(0)) | (lo == u(full))
        hi_c = (hi == u(0)) | (hi == u(full))
        lo_v, hi_v = (lo != u(0)).astype(int), (hi != u(0)).astype(int)
        live &= ~(lo_c & hi_c)                     # a mux of 0 and 1: the address bit itself
        take_hi = live & hi_c & ((rv < 0) | (rv == hi_v))
        take_lo = live & ~take_hi & lo_c & ((rv < 0) | (rv == lo_v))
        bit = np.left_shift(1, tt)
        pos, neg = np.where(take_hi, pos | bit, pos), np.where(take_lo, neg | bit, neg)
        rv = np.where(take_hi, hi_v, np.where(take_lo, lo_v, rv))
        f = np.where(take_hi, lo, np.where(take_lo, hi, f)).astype(dt)
        live &= take_hi | take_lo
    t = top_bit(f)
    logic = (t >= 0) & (f != np.array(lit, dtype=dt)[np.maximum(t, 0)])  # not an address bit
    rest = _distinct(f[logic])
    t = top_bit(rest)
    inverted = rest == lows[t]                                    # an address bit inverted
    words = np.left_shift(2, t[~inverted])                        # the function's span
    lut = int(np.count_nonzero(inverted)) + int(np.maximum(1, words // memory.LUT_WORDS).sum())
    both = pos | neg
    several = (both & (both - 1)) != 0                 # a set/reset on more than one bit
    resets = set(zip(pos[several].tolist(), neg[several].tolist()))
    invs = int(np.count_nonzero((pos == 0) & (neg != 0)))
    return Resources(lut=lut + len(resets) + invs, ff=ffs)


RAM_LUT_BITS = {32: 6, 64: 3}
"""Bits of width one 4-LUT LUT-RAM primitive holds at a depth in simple dual-port use (one
write, one read address): RAM32M (32×6), RAM64M (64×3); deeper RAMs chain RAM64M by 64-word
banks and a read mux."""

LUTRAM_COST = 8
"""memory_libmap's cost of one RAM32M/RAM64M (4 LUT sites) in Yosys' xc7 LUT-RAM library."""

BRAM18_COST = 129
"""memory_libmap's cost of one RAMB18E1 (a RAMB36E1: 257) in Yosys' xc7 block RAM library."""


def ram_in_block(depth: int, width: int, sync_read: bool = False) -> bool:
    """Yosys' (memory_libmap, xilinx) choice for a simple dual-port RAM: block RAM when its
    cost (`BRAM18_COST` a BRAM18 in the best aspect ratio) is below LUT RAM's (`LUTRAM_COST`
    a RAM64M of 64×3, in 64-word banks; a registered read, which LUT RAM does in flip-flops,
    adds a bit of width). A RAM of at most 64 words always stays in LUT RAM. Measured: 48×64
    in 22 RAM64M, 108×24 registered read in a RAMB18, 128×4 and 288×8 in LUT RAM, 72×32 and
    442×16 in a RAMB18."""
    if depth <= 64:
        return False
    banks = math.ceil(depth / 64)
    lut_cost = LUTRAM_COST * math.ceil(width / 3) * banks + (width if sync_read else 0)
    return BRAM18_COST * memory.bram18_plain(depth, width) < lut_cost


def ram(depth: int, width: int, single_port: bool = False, sync_read: bool = False) -> Resources:
    """A RAM the cells infer (FIFO storage, input, line and partial-result buffers): LUT RAM
    or block RAM in the best aspect ratio, as Yosys chooses (`ram_in_block`; a single-port one
    past 64 words and 4 Kbit).
    - simple dual port (write and read at different addresses): RAM32M (32×6 in 4 LUT
      sites), RAM64M (64×3 in 4 sites), deeper in 64-word banks joined by a read mux;
    - single port (`single_port`: read at the write address, as qnnc_mvau's input buffer):
      RAM32M as 32×8 (4 sites), RAM64X1S/RAM128X1S/RAM256X1S (1/2/4 sites a bit), deeper in
      256-word banks joined by a read mux."""
    if width <= 0 or depth <= 0:
        return Resources()
    if depth == 1:
        return Resources(ff=width)
    if single_port:
        if depth > 64 and depth * width >= 4096:
            return Resources(bram18=memory.bram18_plain(depth, width))
        if depth <= 32:
            return Resources(lut=4 * math.ceil(width / 8))
        banks = math.ceil(depth / 256)
        per_bank = min(4, math.ceil(min(depth, 256) / 64))
        per_bank = {3: 4}.get(per_bank, per_bank)
        return Resources(lut=width * per_bank * banks + (width * (banks - 1) if banks > 1 else 0))
    if ram_in_block(depth, width, sync_read):
        return Resources(bram18=memory.bram18_plain(depth, width))
    if depth <= 32:
        return Resources(lut=4 * math.ceil(width / 6))
    banks = math.ceil(depth / 64)
    return Resources(lut=4 * math.ceil(width / 3) * banks + (width * (banks - 1) if banks > 1 else 0))


def adder(bits: int) -> int:
    """LUTs of a bits-wide adder, subtractor, comparator or incrementer on the carry chain."""
    return max(0, bits)


DSP_A_MIN, DSP_B_MIN, DSP_Y_MIN = 2, 2, 9
"""synth_xilinx's thresholds for mapping a multiplication to a DSP48E1 (mul2dsp)."""


def uses_dsp(a_bits: int, b_bits: int) -> bool:
    """Yosys' rule: a signed a×b product goes to a DSP48E1 when both operands are at least 2
    bits and the product at least 9."""
    return a_bits >= DSP_A_MIN and b_bits >= DSP_B_MIN and a_bits + b_bits >= DSP_Y_MIN


def handshake(out_bits: int) -> Resources:
    """Output register and skid register of a cell (`od`/`sd`, valid bits) and their muxes."""
    return Resources(lut=out_bits + 2, ff=2 * out_bits + 2)


def counter(n: int) -> Resources:
    """A wrapping counter 0..n-1."""
    if n <= 1:
        return Resources()
    b = clog2(n)
    return Resources(lut=b + 1, ff=b)


def product(x_bits: int, x_signed: bool, x_bipolar: bool, w_bits: int, w_signed: bool,
            w_bipolar: bool, acc_bits: int = 32) -> Resources:
    """One lane's product (qnnc_mvau's `pr`) and its register (`prod_r`, PR_W = min(P_W,
    ACC_W) flip-flops, P_W the exact product's width):
    - bipolar × bipolar: an XNOR, one LUT; one flip-flop (the product's low bit is a constant);
    - at most 6 operand bits (`TAB_BITS`): a table of constants, one LUT per product bit;
    - one side bipolar: a conditional negation of the other (extended to signed), a LUT a bit
      on the carry chain;
    - otherwise a signed multiplier of the operands extended to signed (an unsigned one gets a
      bit): a DSP48E1 by Yosys' rule (`uses_dsp`), which also takes the product register (its
      M/P register), else a LUT array multiplier of about a·b/2 LUTs."""
    if x_bipolar and w_bipolar:
        return Resources(lut=1, ff=1)
    xe = x_bits + (0 if x_signed or x_bipolar else 1)
    we = w_bits + (0 if w_signed or w_bipolar else 1)
    p_w = (we + 1 if x_bipolar else xe + 1 if w_bipolar else xe + we)
    pr_w = min(p_w, acc_bits)
    if x_bits + w_bits <= 6:
        return Resources(lut=pr_w, ff=pr_w)
    if x_bipolar or w_bipolar:
        return Resources(lut=pr_w, ff=pr_w)
    if uses_dsp(xe, we):
        return Resources(dsp=math.ceil(xe / 25) * math.ceil(we / 18))
    return Resources(lut=math.ceil(xe * we / 2), ff=pr_w)


def product_bits(x_bits: int, x_signed: bool, x_bipolar: bool, w_bits: int, w_signed: bool,
                 w_bipolar: bool, acc_bits: int) -> int:
    """PR_W: the width qnnc_mvau registers and sums a product at (min(P_W, ACC_W))."""
    if x_bipolar and w_bipolar:
        p_w = 2
    else:
        xe = x_bits + (0 if x_signed or x_bipolar else 1)
        we = w_bits + (0 if w_signed or w_bipolar else 1)
        p_w = we + 1 if x_bipolar else xe + 1 if w_bipolar else xe + we
    return min(p_w, acc_bits)


def adder_tree(simd: int, pr_bits: int, acc_bits: int, reg_every: int = 2,
               odd: bool = False, dsp: bool = False) -> Resources:
    """One PE lane's adder tree over SIMD products of `pr_bits` (qnnc_mvau's `g_node`): level l
    adds pairs of level l−1 into min(ACC_W, PR_W + l)-bit nodes (one LUT a bit on the carry
    chain; a node with a padding leaf is a wire), and the nodes of every `reg_every`-th level
    but the root's are registered. `odd`: the products are ±1 (XNOR), so every sum's low bit
    is a constant Yosys propagates: each adder and register is a bit narrower. `dsp`: the
    products are DSP48E1s, and Yosys (xilinx_dsp) puts an adder one of whose operands is a
    product straight from a DSP into that DSP's post-adder (P = A·B + C): the first level's
    adders, and at the second level the node that adds a product passed up unpaired (odd
    SIMD); the rest are in LUTs (measured: SIMD 16, 9-bit products, PE 2 and 4)."""
    r = Resources()
    n, level, passed = simd, 0, False
    levels = clog2(simd) if simd > 1 else 0
    while n > 1:
        level += 1
        odd_leaf = n % 2 == 1 and level == 1
        adds, n = n // 2, (n + 1) // 2
        w = min(acc_bits, pr_bits + level) - (1 if odd else 0)
        in_dsp = adds if level == 1 else (1 if level == 2 and passed and adds else 0)
        passed = odd_leaf
        r += Resources(lut=(adds - (in_dsp if dsp else 0)) * adder(w))
        if level % reg_every == 0 and level < levels:
            r += Resources(ff=n * w)
    return r


def mvau_stages(simd: int, n_thres: int) -> tuple[int, int]:
    """(ACC_ST, LAT_PUSH) of qnnc_mvau: the accumulator's stage and the stage a result is pushed
    into the output queue at (4 + tree registers, one less or one more with thresholds)."""
    levels = clog2(simd) if simd > 1 else 0
    tree_regs = (levels - 1) // 2 if levels > 0 else 0
    acc_st = 4 + tree_regs
    return acc_st, (acc_st + 1 if n_thres else acc_st - 1)


# ----------------------------------------------------------------------------------------------
# Units
# ----------------------------------------------------------------------------------------------


def products_in_dsp(x_bits: int, x_signed: bool, x_bipolar: bool, w_bits: int, w_signed: bool,
                    w_bipolar: bool) -> bool:
    """Whether qnnc_mvau's products are DSP48E1s (`product`'s rule)."""
    return not (x_bipolar or w_bipolar) and x_bits + w_bits > 6 and uses_dsp(
        x_bits + (0 if x_signed else 1), w_bits + (0 if w_signed else 1))


def accumulator_clear(dsp_products: bool, simd: int, acc_bits: int) -> int:
    """LUTs a lane of the accumulator's first-word clear beyond its adder's: with DSP
    products past SIMD 1 the DSPs' post-adders hold the tree's first level, the accumulation
    is on the carry chain and the cleared accumulator, its DI operand, a LUT a bit (see
    `mvau`)."""
    return acc_bits if dsp_products and simd > 1 else 0


MVAU_CONTROL_LUTS = 62
"""LUTs of qnnc_mvau's issue logic beyond its counters' adders: the last-word compares of
sf/nf/wa, the credit compare and the handshake, the queue's flags, and the ~35 inverters (INV)
Yosys leaves on the counters' carry chains and resets. Read off Yosys runs of the cell alone
(MW = MH = 64, 2-bit operands, PE 1..4, SIMD 1..8: the residual after every other term is
31..49 LUTs, independent of PE and SIMD)."""


def mvau(mw: int, mh: int, pe: int, simd: int, x_bits: int, x_signed: bool, x_bipolar: bool,
         w_bits: int, w_signed: bool, w_bipolar: bool, acc_bits: int, n_thres: int,
         out_bits: int, t_columns: int = 0, w_rom: Resources | None = None) -> Estimate:
    """qnnc_mvau (pipelined) with its layer module's ROMs, term by term as the cell is built
    (backends/verilog/lib/qnnc_mvau.v):
    - ROMs, synchronous, placed by `memory.rom_style`: weights (NF·SF words of PE·SIMD·W bits),
      thresholds (NF words of PE·N_THRES·ACC bits), directions (NF words of PE bits). A
      distributed ROM is LUT logic (`rom`) and its read register (a flip-flop per distinct
      column, `rom_columns`); block RAM keeps its read register inside. Of the threshold
      ROM Yosys keeps only its distinct non-constant columns (sign copies and the shared low
      bits of evenly spaced thresholds merge): `t_columns` when the caller counted them on the
      actual thresholds (`dataflow.rom_distinct_columns`); of a weight ROM in LUTs, `w_rom`
      when the caller built it from the actual weights (`lut_rom`: distinct columns, their
      last words in the read register's set/reset);
    - stage 1: the live input beat register and, when NF > 1, the input buffer (SF words of
      SIMD·IN_W bits, read and written at one address: single-port LUT RAM) with its read
      register and the live/replay mux (a LUT a bit unless the product table absorbs it);
    - stage 2: the input beat and the weight word registered again (qnnc_mvau's block RAM
      output register; Yosys keeps it in flip-flops): SIMD·IN_W + PE·SIMD·W_W flip-flops.
      With DSP products xilinx_dsp moves both into every DSP's A and B input registers
      (AREG/BREG, a copy per DSP), and at NF = 1 the live beat register too (AREG = 2, no
      replay mux between them): no flip-flops in the fabric (qnnc_mvau alone, 4-bit × 4-bit
      and 8-bit × 8-bit: 181 flip-flops measured where the stage-2 count gave 373);
    - stage 3: PE·SIMD products and their registers (`product`);
    - PE adder trees growing a bit a level, registered every 2 levels (`adder_tree`; a bit
      narrower for XNOR products, whose sums have a constant low bit); with DSP products the
      adders fed by a product straight from a DSP are in its post-adder (`adder_tree` `dsp`),
      the others in LUTs;
    - PE accumulators, ACC_W flip-flops and `base + dot` (`base` the accumulator cleared on a
      vector's first word): with DSP products at SIMD 1, the add is in the DSP's post-adder
      (P = A·B + C) and `base` a LUT a bit on C; past SIMD 1 the post-adders hold the tree's
      first level and the add is on the carry chain, whose DI operand is `base` (Yosys' CARRY4
      takes the adder's first operand there), a LUT a bit besides the sum's (measured on
      resconv_w4a4's fc: 2 LUTs an accumulator bit at SIMD 2 and 4). With LUT products
      the carry chain's `base` is a LUT of its own as well (TFC-w2a2's MatMul_32), but the
      terms of that MVAU were fitted without it (MVAU_CONTROL_LUTS): one a bit is kept there;
    - with thresholds: PE·N_THRES registered signed comparisons of ACC_W bits (a subtractor
      on the carry chain and 2 LUTs to decode ≥/≤ by direction), the accumulator's complement they share
      (an INV a bit: PE·ACC_W), and per PE a count of N_THRES hits plus the bias (an OUT_W-bit
      adder per threshold past the first);
    - the tag pipeline (valid and last word over every stage; first word up to the
      accumulator, nf too when the thresholds need it, the from-stream bit at stage 1 when
      NF > 1), the issue counters sf, nf, wa (an adder and an inverter a bit: Yosys leaves an
      INV on each counter bit's carry-chain input; measured 52 INVs at SF = 576), the credit
      counter and control (`MVAU_CONTROL_LUTS`);
    - the output queue: LAT_PUSH+2 entries of PE·OUT_W bits in LUT RAM, two pointers and a
      count."""
    sf, nf = mw // simd, mh // pe
    mems = [rom("weights", nf * sf, pe * simd * w_bits)]
    if n_thres:
        mems += [rom("thresholds", nf, pe * n_thres * acc_bits), rom("directions", nf, pe)]
    if n_thres and t_columns:
        t = mems[1]
        cols = rom_columns(t.depth, min(t_columns, t.width))
        mems[1] = Memory(t.name, t.depth, t.width, t.style, t.bram18,
                         memory.distributed_luts(t.depth, cols) if t.style == "distributed" else t.luts)
    dsp_products = products_in_dsp(x_bits, x_signed, x_bipolar, w_bits, w_signed, w_bipolar)
    if w_rom is not None and mems[0].style == "distributed":
        w = mems[0]
        mems[0] = Memory(w.name, w.depth, w.width, w.style, 0, w_rom.lut)
    r = total(m.resources() for m in mems)
    for i, m in enumerate(mems):
        if m.style != "distributed":
            continue
        if i == 0 and w_rom is not None:
            r += Resources(ff=w_rom.ff)
            continue
        width = min(t_columns, m.width) if i == 1 and n_thres and t_columns else m.width
        r += Resources(ff=rom_columns(m.depth, width))
    # stage 1: input beat, input buffer, live/replay mux
    xw = simd * x_bits
    r += Resources(ff=0 if dsp_products and nf == 1 else xw)
    if nf > 1:
        r += ram(sf, xw, single_port=True) + Resources(ff=xw)
        if 2 * x_bits + 1 + w_bits > 6:
            r += Resources(lut=xw)
    # stage 2: input beat and weight word registered again (a block RAM output register; Yosys
    # keeps it in flip-flops), or, with DSP products, in the DSPs' input registers
    r += Resources(ff=0 if dsp_products else xw + pe * simd * w_bits)
    # stage 3: products; adder trees; accumulators
    pr_bits = product_bits(x_bits, x_signed, x_bipolar, w_bits, w_signed, w_bipolar, acc_bits)
    r += product(x_bits, x_signed, x_bipolar, w_bits, w_signed, w_bipolar, acc_bits) * (pe * simd)
    r += adder_tree(simd, pr_bits, acc_bits, odd=x_bipolar and w_bipolar, dsp=dsp_products) * pe
    r += Resources(lut=pe * (adder(acc_bits) + accumulator_clear(dsp_products, simd, acc_bits)),
                   ff=pe * acc_bits)
    if n_thres:
        cmp = adder(acc_bits) + 2
        r += Resources(lut=pe * n_thres * cmp + pe * acc_bits, ff=pe * n_thres)
        r += Resources(lut=pe * (n_thres - 1) * adder(out_bits))
    # tags, issue counters, credits, control
    acc_st, lat_push = mvau_stages(simd, n_thres)
    ta_w, sf_w, wa_w = clog2(nf), clog2(sf), clog2(nf * sf)
    qdepth = lat_push + 2
    qa_w, qc_w = clog2(qdepth), clog2(qdepth + 1)
    r += Resources(ff=2 * lat_push + (acc_st - 1) * (1 + (ta_w if n_thres else 0))
                   + (1 if nf > 1 else 0))
    r += Resources(lut=2 * (adder(sf_w) + adder(ta_w) + adder(wa_w)) + adder(qc_w)
                   + MVAU_CONTROL_LUTS,
                   ff=sf_w + ta_w + wa_w + qc_w)
    # output queue
    r += ram(qdepth, pe * out_bits) + Resources(lut=2 * adder(qa_w) + adder(qc_w),
                                                ff=2 * qa_w + qc_w)
    return Estimate(r, tuple(mems))


def threshold(channels: int, pe: int, in_bits: int, t_bits: int, n_thres: int,
              out_bits: int) -> Estimate:
    """qnnc_thres with its threshold and direction ROMs (C/PE words): PE·N_THRES comparators
    and count increments, output and skid registers, a channel-group counter."""
    nf = channels // pe
    mems = (rom("thresholds", nf, pe * n_thres * t_bits), rom("directions", nf, pe))
    r = Resources(lut=pe * n_thres * (adder(max(in_bits, t_bits)) + adder(out_bits)))
    r += handshake(pe * out_bits) + counter(nf) + total(m.resources() for m in mems)
    return Estimate(r, mems)


def fifo(width: int, depth: int) -> Estimate:
    """qnnc_fifo: a depth×width RAM, two pointers, a fill counter, full/empty flags.
    Its read is asynchronous (`mem[rp]`, rp a register). In LUT RAM that is the RAM's own
    read port; in block RAM (`ram_in_block`), whose read is synchronous, Yosys moves rp into
    the RAM's address register (the address becomes rp's next value: a mux an address bit)
    and emulates the asynchronous read's transparency (a word written to the address being
    read must show the next cycle): a compare of the two addresses, the written word
    registered (W flip-flops and the hit flag) and a W-bit bypass mux on the output.
    Measured (W 8..32, DEPTH 72..1024 in a RAMB18/36): 0.81..1.20 of this, where the LUT RAM
    figure alone is 0.62..1.0."""
    a = clog2(depth)
    r = ram(depth, width) + Resources(lut=8 * a + 8, ff=4 * a + 3)
    if r.bram18:
        r += Resources(lut=a + width, ff=width + 1)
    return Estimate(r)


def dwc(elem_bits: int, in_lanes: int, out_lanes: int) -> Estimate:
    """qnnc_dwc, by the structure its ratio selects:
    - equal lanes: wires, nothing;
    - down-sizing (IN = K·OUT): a hold register of the input beat and a registered output
      beat (clock enables, no data mux on the hold register); the output's (K+1):1 mux per
      bit, selected by registers only: one LUT6 per bit while the K+1 data and the select bits
      (hold-valid and the ceil(log2 K)-bit slice counter) fit 6 inputs, else `mux_luts`
      (K+1) (Yosys builds the wider mux from LUT6s and LUT1/LUT3 pass-throughs joined by
      MUXF7/F8: 4 a bit at K = 4, 4.4 at K = 8, measured); the slice counter and
      the handshake flags (6: measured 38..40 LUTs at K = 2 and 32 bits, 27 at K = 4, 4 bits);
    - up-sizing (OUT = K·IN): K−1 slot registers and the output register, written by clock
      enables only (no data LUTs), the slot decoder (a LUT a slot) and the beat counter (an
      adder and an inverter a bit), the handshake;
    - otherwise the general buffer of max + 2·min − gcd elements written at a variable slot (a
      mux per buffer bit over the slots a beat can start at) and a fill counter."""
    if in_lanes == out_lanes:
        return Estimate(Resources())
    if in_lanes % out_lanes == 0:
        k = in_lanes // out_lanes
        sw = clog2(k)
        ow = out_lanes * elem_bits
        per_bit = 1 if k + 2 + sw <= 6 else mux_luts(k + 1)
        r = Resources(lut=ow * per_bit + adder(sw) + 6,
                      ff=in_lanes * elem_bits + ow + sw + 2)
        return Estimate(r)
    if out_lanes % in_lanes == 0:
        k = out_lanes // in_lanes
        cw = clog2(k)
        iw = in_lanes * elem_bits
        r = Resources(lut=(k - 1) + adder(cw) + cw + 3,
                      ff=(k - 1) * iw + out_lanes * elem_bits + cw + 1)
        return Estimate(r)
    g = math.gcd(in_lanes, out_lanes)
    slots = max(in_lanes, out_lanes) + 2 * min(in_lanes, out_lanes) - g
    bits = slots * elem_bits
    cw = clog2(slots + 1)
    # Yosys does not know the write slot is a multiple of gcd: a shifter by any slot per bit
    r = Resources(lut=math.ceil(0.9 * bits * (cw + in_lanes)) + 2 * cw, ff=bits + cw)
    return Estimate(r)


SWG_ADDRESS_LUTS_PER_BIT = 8
"""LUTs of qnnc_swg per bit of AW = clog2(DEPTH), for its four AW-bit registers (waddr, cf,
col_base, col_off: Yosys keeps every bit of them, as it cannot prove cf < CF or the offsets'
low bits constant) and the read address row_off + col_off + cf: an INV on each register's
reset, the increments and step adders, the two adders of the read address, less what ABC
shares. Fitted with the other SWG_* terms on 39 configurations of the cell alone (H, W 5..32,
K 2/3, S 1/2, CF 1..64, block RAM and LUT RAM; resconv_w4a4's four generators, the pool one
at four SIMDs, and cnv_1w1a's seven among them)."""

SWG_OFFSET_LUTS_PER_BIT = 2
"""LUTs a bit of the modulo-DEPTH offsets row_off and base_off (an INV on the reset, the step
adder), whose low bits Yosys drops where every step and DEPTH are multiples of 2^k."""

SWG_MODULO_LUTS_PER_BIT = 4
"""LUTs a bit more of row_off and base_off when DEPTH is not a power of two: `wrap_add`'s
compare with DEPTH, the subtraction of DEPTH and the select (a power of two drops them: the
compare is the sum's carry out, the subtraction drops it)."""

SWG_COUNTER_LUTS_PER_BIT = 3
"""LUTs a bit of the window counters kw, kh, ow, oh and the word within a row (wpos): the
INV on the reset, the increment and the last-value compare."""

SWG_LUTRAM_RESETS = 8
"""LUTs fewer with the line buffer in LUT RAM: Yosys folds the resets of the write address
and row position into their LUTs there (no INVs; fitted on the 7 such configurations)."""

SWG_CONTROL_LUTS = 18
"""LUTs of qnnc_swg's row accounting (`ahead`: its adder and the two compares), the read
step and the handshake."""


def trailing_zeros(n: int) -> int:
    """The number of trailing zero bits of n > 0."""
    return (n & -n).bit_length() - 1


def swg(height: int, width: int, channels: int, simd: int, elem_bits: int, kernel, strides,
        dilations) -> Estimate:
    """qnnc_swg, by its registers (backends/verilog/lib/qnnc_swg.v): a line buffer of R rows ×
    W·C/SIMD words of SIMD elements with a registered read (`ram`; in block RAM the read
    register is the RAM's own, in LUT RAM SIMD·ELEM_W flip-flops); four AW-bit address
    registers and the read address (`SWG_ADDRESS_LUTS_PER_BIT`); the modulo offsets row_off
    and base_off, AW bits less the low bits every step and DEPTH share (multiples of
    W·CF·gcd(SH, FADV, R), and of DH·W·CF for row_off; Yosys keeps one flip-flop for
    row_off's constant low bits), `SWG_OFFSET_LUTS_PER_BIT` and `SWG_MODULO_LUTS_PER_BIT`
    when DEPTH is not a power of two; the window counters (`SWG_COUNTER_LUTS_PER_BIT`); the
    row accounting and control (`SWG_CONTROL_LUTS`, the signed `ahead` of clog2(R+1)+1 bits
    and the valid flag). A 1-row kernel has no row_off of its own, a 1-column one no col_off
    (`SWG_OFFSET_LUTS_PER_BIT` a bit less; its col_base drops the low bits of SW·CF). What
    falls with SIMD is AW (DEPTH = R·W·C/SIMD), not an effective width. Measured on the cell alone: 38 of the 39 configurations of the fit 0.92..1.07 in
    LUTs (the former 18 LUTs an effective address bit: 0.79..1.36), 10 held out (5×5 and
    dilated kernels, stride 3, CF 3, 5, 6) 0.94..1.13 (0.88..1.22), flip-flops 1.00..1.08; the
    39th (8×8×16, SIMD 1, a 512×4 line buffer) Yosys puts in LUT RAM where `ram_in_block`
    says block RAM (0.59); 1×3 and 1×1 kernels 1.10 and 1.23."""
    (kh, kw), (sh, sw), (dh, dw) = kernel, strides, dilations
    ke, kew = (kh - 1) * dh + 1, (kw - 1) * dw + 1
    oh, ow = (height - ke) // sh + 1, (width - kew) // sw + 1
    fadv = height - (oh - 1) * sh
    rows = ke + max(sh, fadv)
    cf = channels // simd
    roww = width * cf
    depth = rows * roww
    a = clog2(depth)
    g_base = roww * math.gcd(sh, fadv, rows)
    wb = max(0, a - trailing_zeros(g_base))
    # a 1-row kernel's row_off is base_off, a 1-column kernel's col_off is col_base (the same
    # next value: Yosys merges the flip-flops and drops the copy's logic)
    g_row = math.gcd(g_base, dh * roww)
    wr = max(0, a - trailing_zeros(g_row)) if kh > 1 else 0
    col_off = a if kw > 1 else 0
    col_base = a if kw > 1 else max(0, a - trailing_zeros(sw * cf))
    counters = sum(clog2(n) for n in (roww, kw, kh, ow, oh) if n > 1)
    bits = simd * elem_bits
    buf = ram(depth, bits, sync_read=True)
    per_offset_bit = SWG_OFFSET_LUTS_PER_BIT + (SWG_MODULO_LUTS_PER_BIT
                                                if depth & (depth - 1) else 0)
    lut = (SWG_ADDRESS_LUTS_PER_BIT * a - SWG_OFFSET_LUTS_PER_BIT * (a - col_off)
           + per_offset_bit * (wr + wb) + SWG_COUNTER_LUTS_PER_BIT * counters
           + SWG_CONTROL_LUTS - (0 if buf.bram18 else SWG_LUTRAM_RESETS))
    ff = 2 * a + col_base + col_off + wr + (1 if wr and trailing_zeros(g_row) else 0) + wb \
        + counters + clog2(rows + 1) + 1 + 1
    return Estimate(buf + Resources(lut=lut, ff=ff + (0 if buf.bram18 else bits)))


SWG_WINDOW_CONTROL_LUTS = 8
"""LUTs of qnnc_swg_window's handshake (push, in_tready, fire) and the done flags."""


def swg_window(height: int, width: int, channels: int, simd: int, elem_bits: int, kernel,
               strides, dilations) -> Estimate:
    """qnnc_swg_window: the taps, KE·KEW pixels of C·ELEM_W flip-flops loaded by clock enable
    (no data LUTs; the output beat is these registers); the gather register of the first
    CF−1 beats of a pixel; the delay of W−KEW pixels between segments, one RAM of (KE−1)
    pixels a word read one word ahead (a register when one word deep, nothing when W = KEW),
    whose registered read is the RAM's own in block RAM and flip-flops in LUT RAM; the row,
    column, next-row, next-column, output-row and output-column counters with their two
    equality compares (`counter`, `adder`), the delay's pointer and the control; and the
    inverter Yosys leaves on the active-low reset of each flip-flop that has one (one an FF:
    37 INVs measured on resconv_w4a4's c1 generator at 35 such flip-flops, 32 at 27 on c3)."""
    (kh, kw), (sh, sw), (dh, dw) = kernel, strides, dilations
    ke, kew = (kh - 1) * dh + 1, (kw - 1) * dw + 1
    oh, ow = (height - ke) // sh + 1, (width - kew) // sw + 1
    cf = channels // simd
    pw = channels * elem_bits
    delay = width - kew
    r = Resources(ff=ke * kew * pw + (cf - 1) * simd * elem_bits)
    if ke > 1 and delay == 1:
        r += Resources(ff=(ke - 1) * pw)
    elif ke > 1 and delay > 1:
        line = ram(delay, (ke - 1) * pw, sync_read=True)
        r += line + Resources(ff=0 if line.bram18 else (ke - 1) * pw)
        r += counter(delay)
    for n in (height, width, oh, ow, cf):
        r += counter(n)
    hb, wb = clog2(height), clog2(width)
    r += Resources(lut=adder(hb) + adder(wb) + math.ceil(hb / 3) + math.ceil(wb / 3)
                   + SWG_WINDOW_CONTROL_LUTS, ff=hb + wb + 3)
    # an INV on the reset of every flip-flop with one: row, col, rnext, cnext, orow, ocol, the
    # beat counter, the delay's pointer and the three flags
    reset_ffs = 2 * hb + 2 * wb + clog2(oh) + clog2(ow) + (clog2(cf) if cf > 1 else 0) \
        + (clog2(delay) if ke > 1 and delay > 1 else 0) + 3
    r += Resources(lut=reset_ffs)
    return Estimate(r)


PAD_CONTROL_LUTS = 3
"""LUTs of qnnc_pad's step/ready logic beyond its counters and range compares."""


def pad(height: int, width: int, channels: int, lanes: int, elem_bits: int) -> Estimate:
    """qnnc_pad (output map of (H+2)×(W+2) pixels, C/P beats a pixel):
    - per output bit the choice among the input beat, the pad code, the skid register and the
      held value, 4 LUT sites: Yosys maps it to two LUT1 pass-throughs, a LUT5 and a LUT6
      joined by MUXF7/MUXF8 (measured 4.0 a bit at 24 and 64 bits);
    - output and skid registers (2 flip-flops a bit and the two valid bits);
    - the row, column and channel-group counters (`counter`);
    - the inner/pre range compares of row and column (2 LUTs a counter bit) and the step and
      ready logic (`PAD_CONTROL_LUTS`)."""
    bits = lanes * elem_bits
    rw, xw = clog2(height + 2), clog2(width + 2)
    r = Resources(lut=4 * bits + 2 * (rw + xw) + PAD_CONTROL_LUTS, ff=2 * bits + 2)
    for n in (height, width, channels // lanes):
        r += counter(n + 2)
    return Estimate(r)


POOL_CONTROL_LUTS = 1
"""LUTs of qnnc_pool's take/last-position logic beyond its counters and their inverters."""


def shift_delay(depth: int, bits: int) -> Resources:
    """A delay line of `depth` words of `bits`, every word shifted on one enable, read only at
    its end: Yosys (shregmap, minimum length 3) maps each bit's chain to SRL16E/SRLC32E shift
    registers, one LUT site per 32 stages, and keeps a chain of one or two stages in
    flip-flops."""
    if depth <= 0 or bits <= 0:
        return Resources()
    if depth <= 2:
        return Resources(ff=depth * bits)
    return Resources(lut=bits * math.ceil(depth / 32))


def pool(window: int, channels: int, pe: int, in_bits: int, out_bits: int, mode: str) -> Estimate:
    """qnnc_pool, term by term as the cell is built (backends/verilog/lib/qnnc_pool.v):
    - per lane, `cur` (the beat combined with its group's partial result) and the output
      register's input mux (sd or cur, a LUT a bit, `handshake`):
      - max of 1-bit lanes: x OR (partial AND NOT first position), one LUT;
      - max: the compare on the carry chain (a LUT a bit), the select between x and the
        partial result with the first-position override (a LUT a bit), and the MUXF7/F8
        pass-through LUTs Yosys' wide-LUT mapping adds (a LUT a bit; measured 3.6..4.1 LUTs
        a bit with the output mux at 2 and 4 bits);
      - sum: the adder (a LUT a bit on the carry chain) and the first-position mux, which
        Yosys leaves outside the adder on the IN_W input bits (the extension bits' zero folds
        into the output mux);
    - the partial results: a delay line of CF = C/PE words (`shift_delay`: SRL16E/SRLC32E
      a bit, or flip-flops at CF <= 2; CF = 1: a register);
    - output and skid registers (`handshake`), the channel-group and position counters
      (`counter`), the inverters Yosys leaves on the counters' carry chains and resets (an
      INV a group-counter bit and two a position-counter bit: measured 2..10 INVs, varying
      with ABC's mapping), control (`POOL_CONTROL_LUTS`).
    Measured on a sweep of the cell alone (K 4 and 9, C 2..64, PE 1..16, IN_W 1, 2, 4, max and
    sum; 80 configurations): 0.81..1.22, the low end max of 4-bit lanes where ABC maps the
    select and output muxes through MUXF7/F8 pass-throughs (up to 5.5 LUTs a bit)."""
    bits = pe * out_bits
    cf = channels // pe
    if mode == "max":
        lane = 1 if out_bits == 1 else adder(out_bits) + 2 * out_bits
    else:
        lane = adder(out_bits) + in_bits
    inv = (clog2(cf) if cf > 1 else 0) + 2 * clog2(window)
    r = Resources(lut=pe * lane + inv + POOL_CONTROL_LUTS) + handshake(bits) + counter(cf) \
        + counter(window)
    r += shift_delay(cf, bits) if cf > 1 else Resources(ff=bits)
    return Estimate(r)


def fork(bits: int) -> Estimate:
    """qnnc_fork: one data register and two pending flags."""
    return Estimate(Resources(lut=4, ff=bits + 2))


def constant_product(bits: int, k: int) -> Resources:
    """A bits-wide value times the constant k (qnnc_add's `ae * ka`): a power of two is a
    shift (wires; negated: an adder), otherwise Yosys' multiplier rule on the operand and the
    constant's signed width (`uses_dsp`: a DSP48E1, else a LUT array)."""
    m = abs(k)
    if m & (m - 1) == 0:
        return Resources(lut=adder(bits) if k < 0 else 0)
    kb = signed_bits(k, k)
    if uses_dsp(bits, kb):
        return Resources(dsp=math.ceil(bits / 25) * math.ceil(kb / 18))
    return Resources(lut=math.ceil(bits * kb / 2))


def add(channels: int, pe: int, a_bits: int, b_bits: int, ka: int, kb: int, acc_bits: int,
        n_thres: int, out_bits: int, t_columns: int | None = None) -> Estimate:
    """qnnc_add, per lane: ka·a + kb·b in ACC bits (`constant_product` each; the sum an adder,
    or in a DSP48E1's post-adder when a product is in one); with thresholds N_THRES compares
    on the carry chain (a LUT a bit) and the count of hits plus the bias (Yosys' chain of
    conditional increments: 2 LUTs an output bit a threshold, measured 120 LUTs for 15
    thresholds of a 4-bit output). The threshold and direction ROMs (NF = C/PE words) keep
    only their distinct non-constant columns (`t_columns`, counted on the actual thresholds
    by the caller; none when every channel has the same thresholds: the compares are against
    constants). Output and skid registers, the channel-group counter."""
    nf = channels // pe
    mems: tuple[Memory, ...] = ()
    prods = constant_product(acc_bits, ka) + constant_product(acc_bits, kb)
    lane = prods + Resources(lut=0 if prods.dsp else adder(acc_bits))
    if n_thres:
        lane += Resources(lut=n_thres * (adder(acc_bits) + 2 * out_bits))
    r = lane * pe
    if n_thres:
        t = rom("thresholds", nf, pe * n_thres * acc_bits)
        if t_columns is not None and t.style == "distributed":
            t = Memory(t.name, t.depth, t.width, t.style, 0, memory.distributed_luts(
                t.depth, rom_columns(t.depth, min(t_columns, t.width))))
        mems = (t, rom("directions", nf, pe))
    r += handshake(pe * out_bits) + counter(nf) + total(m.resources() for m in mems)
    return Estimate(r, mems)


def concat(ca: int, cb: int, lanes: int, elem_bits: int) -> Estimate:
    """qnnc_concat: a phase flag, a beat counter, an input mux, output and skid registers."""
    bits = lanes * elem_bits
    r = Resources(lut=bits) + handshake(bits) + counter(max(ca, cb) // lanes + 1)
    return Estimate(r)


def rowmap(row_in: int, row_out: int, lanes: int, elem_bits: int, src_bits: int) -> Estimate:
    """qnnc_rowmap: a two-bank group memory of 2·ROW_IN beats (registered read), the source
    ROM of ROW_OUT words, counters."""
    bits = lanes * elem_bits
    mems = (rom("sources", row_out, src_bits),)
    r = ram(2 * row_in, bits, sync_read=True) + Resources(ff=bits + 3) + counter(row_in) + counter(row_out)
    r += total(m.resources() for m in mems)
    return Estimate(r, mems)


def mvau_requant(mw: int, mh: int, pe: int, simd: int, x_bits: int, x_signed: bool,
                 x_bipolar: bool, w_bits: int, w_signed: bool, w_bipolar: bool, acc_bits: int,
                 mult_bits: int, offset_bits: int, shift: int, out_bits: int,
                 columns: tuple[int, int] | None = None,
                 w_rom: Resources | None = None) -> Estimate:
    """qnnc_mvau with the multiply-shift activation (ACT = 1) instead of thresholds: the same
    datapath and weight ROM as `mvau` without thresholds, the multiplier and offset ROMs (NF
    words of PE·MULT and PE·OFFSET bits; `columns`: their distinct non-constant columns,
    counted by the caller on the actual values, as a threshold ROM's) in place of the
    threshold and direction ROMs (`w_rom`: the weight ROM in LUTs, as `mvau`'s), and per
    PE lane (`g_rq`):
    - the signed ACC×MULT product `pm` and the offset `ob`, registered, and their sum: with a
      DSP48E1 (`uses_dsp`) all three are in it (M/P register, C register, post-adder), and
      Yosys also packs the accumulator that feeds it (its adder and register: measured on
      resconv_w4a4's three convolutions, whose carry chains hold the adder trees and no
      accumulator); else a LUT multiplier (`product`), the two registers and the sum adder;
    - the clamp of the shifted sum to 0..K: the OR of the shifted sum's high bits (six a LUT)
      and a LUT an output bit choosing 0, K or the sum's low bits (measured: resconv_w4a4's
      c1, 13 LUTs a lane in the former "a LUT per shifted-sum bit and per output bit" was
      ~8 a lane above Yosys)."""
    nf = mh // pe
    base = mvau(mw, mh, pe, simd, x_bits, x_signed, x_bipolar, w_bits, w_signed, w_bipolar,
                acc_bits, 0, out_bits, w_rom=w_rom)
    mems = tuple(rom(n, nf, pe * b) for n, b in (("multipliers", mult_bits),
                                                  ("offsets", offset_bits)))
    if columns is not None:
        mems = tuple(m if m.style != "distributed" else Memory(
            m.name, m.depth, m.width, m.style, 0,
            memory.distributed_luts(m.depth, rom_columns(m.depth, min(c, m.width))))
            for m, c in zip(mems, columns))
    prod_bits = acc_bits + mult_bits
    sum_bits = max(prod_bits, offset_bits) + 1
    q_bits = max(1, sum_bits - shift)
    # the clamp (qnnc_mvau's `g_rq`): q = sum >>> SHIFT has q_bits distinct bits (the rest
    # are copies of its sign, `neg`); `over` ORs the q_bits - 1 - CNT_W non-sign bits above the
    # count (six a LUT), plus a compare of the count bits with N_THRES when it is not 2^CNT_W-1
    # (OUT_W here); then a LUT a count bit selects 0, N_THRES or q (neg, over, q_i)
    cnt_w = out_bits
    clamp = Resources(lut=math.ceil(max(0, q_bits - 1 - cnt_w) / 6) + cnt_w)
    if uses_dsp(acc_bits, mult_bits):
        lane = Resources(dsp=math.ceil(acc_bits / 25) * math.ceil(mult_bits / 18)) + clamp
        dsp = products_in_dsp(x_bits, x_signed, x_bipolar, w_bits, w_signed, w_bipolar)
        lane += Resources(lut=-adder(acc_bits) - accumulator_clear(dsp, simd, acc_bits),
                          ff=-acc_bits)  # the accumulator, packed
    else:
        lane = product(acc_bits, True, False, mult_bits, True, False)
        lane += Resources(lut=adder(sum_bits), ff=prod_bits + offset_bits) + clamp
    r = base.resources + lane * pe + total(m.resources() for m in mems)
    return Estimate(r, base.memories + mems)
