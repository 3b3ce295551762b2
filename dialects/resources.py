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

This module imports only `codes` and `memory`: dialects build on it, never the reverse.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

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


def rom(name: str, depth: int, width: int) -> Memory:
    """A ROM placed by the memory rule (block RAM or LUTs, `memory.rom_style`). In LUTs, it
    costs `memory.distributed_luts` for at most `rom_columns` distinct columns."""
    style = memory.rom_style(depth, width)
    if style == "block":
        return Memory(name, depth, width, style, memory.bram18_count(depth, width), 0)
    return Memory(name, depth, width, style, 0,
                  memory.distributed_luts(depth, rom_columns(depth, width)))


RAM_LUT_BITS = {32: 6, 64: 3}
"""Bits of width one 4-LUT LUT-RAM primitive holds at a depth in simple dual-port use (one
write, one read address): RAM32M (32×6), RAM64M (64×3); deeper RAMs chain RAM64M by 64-word
banks and a read mux."""

RAM_BLOCK_MIN_BITS = 4096
"""Yosys (memory_libmap, xilinx) puts a RAM in block RAM when its LUT-RAM cost is larger;
in practice from about 4 Kbit (64 LUTs of RAM64M) at depths past 64."""


def ram(depth: int, width: int, single_port: bool = False) -> Resources:
    """A RAM the cells infer (FIFO storage, input, line and partial-result buffers), read
    asynchronously: LUT RAM or, when larger, block RAM in the best aspect ratio.
    - simple dual port (write and read at different addresses): RAM32M (32×6 in 4 LUT
      sites), RAM64M (64×3 in 4 sites), deeper in 64-word banks joined by a read mux;
    - single port (`single_port`: read at the write address, as qnnc_mvau's input buffer):
      RAM32M as 32×8 (4 sites), RAM64X1S/RAM128X1S/RAM256X1S (1/2/4 sites a bit), deeper in
      256-word banks joined by a read mux."""
    if width <= 0 or depth <= 0:
        return Resources()
    if depth == 1:
        return Resources(ff=width)
    if depth > 64 and depth * width >= RAM_BLOCK_MIN_BITS:
        return Resources(bram18=memory.bram18_count(depth, width))
    if single_port:
        if depth <= 32:
            return Resources(lut=4 * math.ceil(width / 8))
        banks = math.ceil(depth / 256)
        per_bank = min(4, math.ceil(min(depth, 256) / 64))
        per_bank = {3: 4}.get(per_bank, per_bank)
        return Resources(lut=width * per_bank * banks + (width * (banks - 1) if banks > 1 else 0))
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
               odd: bool = False) -> Resources:
    """One PE lane's adder tree over SIMD products of `pr_bits` (qnnc_mvau's `g_node`): level l
    adds pairs of level l−1 into min(ACC_W, PR_W + l)-bit nodes (one LUT a bit on the carry
    chain; a node with a padding leaf is a wire), and the nodes of every `reg_every`-th level
    but the root's are registered. `odd`: the products are ±1 (XNOR), so every sum's low bit
    is a constant Yosys propagates: each adder and register is a bit narrower."""
    r = Resources()
    n, level = simd, 0
    levels = clog2(simd) if simd > 1 else 0
    while n > 1:
        level += 1
        adds, n = n // 2, (n + 1) // 2
        w = min(acc_bits, pr_bits + level) - (1 if odd else 0)
        r += Resources(lut=adds * adder(w))
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


MVAU_CONTROL_LUTS = 62
"""LUTs of qnnc_mvau's issue logic beyond its counters' adders: the last-word compares of
sf/nf/wa, the credit compare and the handshake, the queue's flags, and the ~35 inverters (INV)
Yosys leaves on the counters' carry chains and resets. Read off Yosys runs of the cell alone
(MW = MH = 64, 2-bit operands, PE 1..4, SIMD 1..8: the residual after every other term is
31..49 LUTs, independent of PE and SIMD)."""


def mvau(mw: int, mh: int, pe: int, simd: int, x_bits: int, x_signed: bool, x_bipolar: bool,
         w_bits: int, w_signed: bool, w_bipolar: bool, acc_bits: int, n_thres: int,
         out_bits: int, t_columns: int = 0) -> Estimate:
    """qnnc_mvau (pipelined) with its layer module's ROMs, term by term as the cell is built
    (backends/verilog/lib/qnnc_mvau.v):
    - ROMs, synchronous, placed by `memory.rom_style`: weights (NF·SF words of PE·SIMD·W bits),
      thresholds (NF words of PE·N_THRES·ACC bits), directions (NF words of PE bits). A
      distributed ROM is LUT logic (`rom`) and its read register (a flip-flop per distinct
      column, `rom_columns`); block RAM keeps its read register inside. Of the threshold
      ROM Yosys keeps only its distinct non-constant columns (sign copies and the shared low
      bits of evenly spaced thresholds merge): `t_columns` when the caller counted them on the
      actual thresholds (`dataflow.rom_distinct_columns`);
    - stage 1: the live input beat register and, when NF > 1, the input buffer (SF words of
      SIMD·IN_W bits, read and written at one address: single-port LUT RAM) with its read
      register and the live/replay mux (a LUT a bit unless the product table absorbs it);
    - stage 2: the input beat and the weight word registered again (qnnc_mvau's block RAM
      output register; Yosys keeps it in flip-flops): SIMD·IN_W + PE·SIMD·W_W flip-flops;
    - stage 3: PE·SIMD products and their registers (`product`);
    - PE adder trees growing a bit a level, registered every 2 levels (`adder_tree`; a bit
      narrower for XNOR products, whose sums have a constant low bit); with DSP products none:
      Yosys (xilinx_dsp) chains the additions through the DSPs' post-adders (PCIN/C);
    - PE accumulators (an ACC_W-bit adder whose first-word clear folds into its LUTs, ACC_W
      flip-flops);
    - with thresholds: PE·N_THRES registered signed comparisons of ACC_W bits (a subtractor
      on the carry chain and 2 LUTs to decode ≥/≤ by direction), the accumulator's complement they share
      (an INV a bit: PE·ACC_W), and per PE a count of N_THRES hits plus the bias (an OUT_W-bit
      adder per threshold past the first);
    - the tag pipeline (valid and last word over every stage; first word up to the
      accumulator, nf too when the thresholds need it, the from-stream bit at stage 1 when
      NF > 1), the issue counters sf, nf, wa, the credit counter and control
      (`MVAU_CONTROL_LUTS`);
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
                         memory.distributed_luts(t.depth, cols) if t.style == "distributed" else 0)
    dsp_products = not (x_bipolar or w_bipolar) and x_bits + w_bits > 6 and uses_dsp(
        x_bits + (0 if x_signed else 1), w_bits + (0 if w_signed else 1))
    r = total(m.resources() for m in mems)
    for i, m in enumerate(mems):
        if m.style != "distributed":
            continue
        width = min(t_columns, m.width) if i == 1 and n_thres and t_columns else m.width
        r += Resources(ff=rom_columns(m.depth, width))
    # stage 1: input beat, input buffer, live/replay mux
    xw = simd * x_bits
    r += Resources(ff=xw)
    if nf > 1:
        r += ram(sf, xw, single_port=True) + Resources(ff=xw)
        if 2 * x_bits + 1 + w_bits > 6:
            r += Resources(lut=xw)
    # stage 2: input beat and weight word registered again (a block RAM output register; Yosys
    # keeps it in flip-flops)
    r += Resources(ff=xw + pe * simd * w_bits)
    # stage 3: products; adder trees; accumulators
    pr_bits = product_bits(x_bits, x_signed, x_bipolar, w_bits, w_signed, w_bipolar, acc_bits)
    r += product(x_bits, x_signed, x_bipolar, w_bits, w_signed, w_bipolar, acc_bits) * (pe * simd)
    if not dsp_products:  # with DSP products, Yosys packs the tree into their post-adders
        r += adder_tree(simd, pr_bits, acc_bits, odd=x_bipolar and w_bipolar) * pe
    r += Resources(lut=pe * adder(acc_bits), ff=pe * acc_bits)
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
    r += Resources(lut=adder(sf_w) + adder(ta_w) + adder(wa_w) + adder(qc_w) + MVAU_CONTROL_LUTS,
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
    """qnnc_fifo: a depth×width RAM, two pointers, a fill counter, full/empty flags."""
    a = clog2(depth)
    r = ram(depth, width) + Resources(lut=8 * a + 8, ff=4 * a + 3)
    return Estimate(r)


def dwc(elem_bits: int, in_lanes: int, out_lanes: int) -> Estimate:
    """qnnc_dwc, by the structure its ratio selects:
    - equal lanes: wires, nothing;
    - down-sizing (IN = K·OUT): a hold register of the input beat and a registered output
      beat (clock enables, no data mux on the hold register); the output's (K+1):1 mux per
      bit, selected by registers only: one LUT6 per bit while the K+1 data and the select bits
      (hold-valid and the ceil(log2 K)-bit slice counter) fit 6 inputs, else a LUT6 per 4
      inputs of the K slices (joined by MUXF7/8) plus one for the input path; the slice counter
      and the handshake flags;
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
        per_bit = 1 if k + 2 + sw <= 6 else math.ceil(k / 4) + 1
        r = Resources(lut=ow * per_bit + adder(sw) + 4,
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


def swg(height: int, width: int, channels: int, simd: int, elem_bits: int, kernel, strides,
        dilations) -> Estimate:
    """qnnc_swg: a line buffer of R rows × W·C/SIMD words of SIMD elements (a RAM with a
    registered read), running address offsets and window counters."""
    (kh, kw), (sh, sw), (dh, dw) = kernel, strides, dilations
    ke, kew = (kh - 1) * dh + 1, (kw - 1) * dw + 1
    oh, ow = (height - ke) // sh + 1, (width - kew) // sw + 1
    fadv = height - (oh - 1) * sh
    rows = ke + max(sh, fadv)
    cf = channels // simd
    depth = rows * width * cf
    a = clog2(depth)
    r = ram(depth, simd * elem_bits) + Resources(ff=simd * elem_bits + 1)
    r += Resources(lut=8 * a + 4 * clog2(rows + 1), ff=6 * a + clog2(rows + 1))
    for n in (cf, kw, kh, ow, oh, width * cf):
        r += counter(n)
    return Estimate(r)


def pad(height: int, width: int, channels: int, lanes: int, elem_bits: int) -> Estimate:
    """qnnc_pad: row/column/group counters, a mux to the pad value, output and skid registers."""
    bits = lanes * elem_bits
    r = Resources(lut=bits) + handshake(bits)
    for n in (height, width, channels // lanes):
        r += counter(n + 2)
    return Estimate(r)


def pool(window: int, channels: int, pe: int, in_bits: int, out_bits: int, mode: str) -> Estimate:
    """qnnc_pool: per lane a compare-and-select (max) or an adder (sum) into a partial-result
    buffer of C/PE words, output and skid registers, counters."""
    bits = pe * out_bits
    cf = channels // pe
    lane = 2 * adder(out_bits) if mode == "max" else adder(out_bits) + out_bits
    r = Resources(lut=pe * lane) + handshake(bits) + counter(cf) + counter(window)
    r += ram(cf, bits) if cf > 1 else Resources(ff=bits)
    return Estimate(r)


def fork(bits: int) -> Estimate:
    """qnnc_fork: one data register and two pending flags."""
    return Estimate(Resources(lut=4, ff=bits + 2))


def add(channels: int, pe: int, a_bits: int, b_bits: int, ka: int, kb: int, acc_bits: int,
        n_thres: int, out_bits: int) -> Estimate:
    """qnnc_add: per lane ka·a + kb·b (constant multiplies as shift-adds) into ACC bits, then
    thresholds from ROMs as an MVAU's, output and skid registers."""
    nf = channels // pe
    mems: tuple[Memory, ...] = ()
    lane = adder(acc_bits) * (1 + sum(max(0, bin(abs(k)).count("1") - 1) for k in (ka, kb)))
    r = Resources(lut=pe * lane)
    if n_thres:
        mems = (rom("thresholds", nf, pe * n_thres * acc_bits), rom("directions", nf, pe))
        r += Resources(lut=pe * n_thres * (adder(acc_bits) + adder(out_bits)))
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
    r = ram(2 * row_in, bits) + Resources(ff=bits + 3) + counter(row_in) + counter(row_out)
    r += total(m.resources() for m in mems)
    return Estimate(r, mems)


def mvau_requant(mw: int, mh: int, pe: int, simd: int, x_bits: int, x_signed: bool,
                 x_bipolar: bool, w_bits: int, w_signed: bool, w_bipolar: bool, acc_bits: int,
                 mult_bits: int, offset_bits: int, shift: int, out_bits: int) -> Estimate:
    """qnnc_mvau with the multiply-shift activation (ACT = 1) instead of thresholds: the same
    datapath and weight ROM as `mvau` without thresholds, plus per PE lane a signed
    ACC×MULT multiplier (`product`: a DSP48E1 or LUTs by Yosys' rule) with its registered
    product and offset, the offset adder, and the clamp to 0..K (two compares of the shifted
    sum and an output mux), and the multiplier and offset ROMs (NF words of PE·MULT and PE·OFFSET
    bits) in place of the threshold and direction ROMs."""
    nf = mh // pe
    base = mvau(mw, mh, pe, simd, x_bits, x_signed, x_bipolar, w_bits, w_signed, w_bipolar,
                acc_bits, 0, out_bits)
    mems = (rom("multipliers", nf, pe * mult_bits), rom("offsets", nf, pe * offset_bits))
    prod_bits = acc_bits + mult_bits
    sum_bits = max(prod_bits, offset_bits) + 1
    q_bits = max(1, sum_bits - shift)
    lane = product(acc_bits, True, False, mult_bits, True, False)
    lane += Resources(lut=adder(sum_bits) + 2 * adder(q_bits) + out_bits,
                      ff=prod_bits + offset_bits)
    r = base.resources + lane * pe + total(m.resources() for m in mems)
    return Estimate(r, base.memories + mems)
