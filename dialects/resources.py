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


def rom(name: str, depth: int, width: int) -> Memory:
    """A ROM placed by the memory rule (block RAM or LUTs, `memory.rom_style`)."""
    style = memory.rom_style(depth, width)
    if style == "block":
        return Memory(name, depth, width, style, memory.bram18_count(depth, width), 0)
    return Memory(name, depth, width, style, 0, memory.distributed_luts(depth, width))


RAM_LUT_BITS = {32: 6, 64: 3}
"""Bits of width one 4-LUT LUT-RAM primitive holds at a depth: RAM32M (32×6), RAM64M (64×3);
deeper RAMs chain RAM64M by 64-word banks and a read mux."""

RAM_BLOCK_MIN_BITS = 4096
"""Yosys (memory_libmap, xilinx) puts a RAM in block RAM when its LUT-RAM cost is larger;
in practice from about 4 Kbit (64 LUTs of RAM64M) at depths past 64."""


def ram(depth: int, width: int) -> Resources:
    """A simple dual-port RAM the cells infer (FIFO storage, input and line buffers): LUT RAM
    (RAM32M/RAM64M, 4 LUT sites each, plus a read mux per 64-word bank) or, when larger,
    block RAM in the best aspect ratio."""
    if width <= 0 or depth <= 0:
        return Resources()
    if depth == 1:
        return Resources(ff=width)
    if depth <= 32:
        return Resources(lut=4 * math.ceil(width / 6))
    banks = math.ceil(depth / 64)
    luts = 4 * math.ceil(width / 3) * banks + (width * (banks - 1) if banks > 1 else 0)
    if depth > 64 and depth * width >= RAM_BLOCK_MIN_BITS:
        return Resources(bram18=memory.bram18_count(depth, width))
    return Resources(lut=luts)


def adder(bits: int) -> int:
    """LUTs of a bits-wide adder, subtractor, comparator or incrementer on the carry chain."""
    return max(0, bits)


DSP_A_MIN, DSP_B_MIN, DSP_Y_MIN = 2, 2, 9
"""synth_xilinx's thresholds for mapping a multiplication to a DSP48E1 (mul2dsp)."""


def uses_dsp(a_bits: int, b_bits: int) -> bool:
    """Yosys' rule: a signed a×b product goes to a DSP48E1 when both operands are at least 2
    bits and the product at least 9."""
    return a_bits >= DSP_A_MIN and b_bits >= DSP_B_MIN and a_bits + b_bits >= DSP_Y_MIN


def product(x_bits: int, x_signed: bool, x_bipolar: bool, w_bits: int, w_signed: bool,
            w_bipolar: bool) -> Resources:
    """One lane's multiplier (qnnc_mvau's `pr`): operands extended to signed (an unsigned one
    gets a bit), then an XNOR (bipolar × bipolar), a conditional negation (one side bipolar),
    a DSP48E1 (`uses_dsp`) or a LUT array multiplier of about a·b/2 LUTs."""
    if x_bipolar and w_bipolar:
        return Resources(lut=1)
    xe = x_bits + (0 if x_signed else 1)
    we = w_bits + (0 if w_signed else 1)
    if x_bipolar or w_bipolar:
        return Resources(lut=(we if x_bipolar else xe) + 1)
    if uses_dsp(xe, we):
        return Resources(dsp=math.ceil(xe / 25) * math.ceil(we / 18))
    return Resources(lut=math.ceil(xe * we / 2))


# ----------------------------------------------------------------------------------------------
# Units
# ----------------------------------------------------------------------------------------------


def handshake(out_bits: int) -> Resources:
    """Output register and skid register of a cell (`od`/`sd`, valid bits) and their muxes."""
    return Resources(lut=out_bits + 2, ff=2 * out_bits + 2)


def counter(n: int) -> Resources:
    """A wrapping counter 0..n-1."""
    if n <= 1:
        return Resources()
    b = clog2(n)
    return Resources(lut=b + 1, ff=b)


MVAU_CONTROL_LUTS, MVAU_LANE_CONTROL_LUTS = 35, 25
"""Handshake, sign/zero extension and inverter LUTs of qnnc_mvau beyond its datapath, per cell
and per PE lane (fitted to Yosys runs of the cell alone: TFC layers, XNOR grids)."""


def mvau(mw: int, mh: int, pe: int, simd: int, x_bits: int, x_signed: bool, x_bipolar: bool,
         w_bits: int, w_signed: bool, w_bipolar: bool, acc_bits: int, n_thres: int,
         out_bits: int) -> Estimate:
    """qnnc_mvau with its layer module's ROMs: weights (NF·SF words of PE·SIMD·W bits),
    thresholds (NF words of PE·N_THRES·ACC bits) and directions (NF words of PE bits);
    PE·SIMD multipliers, PE adder trees of SIMD−1 ACC-bit adders, PE accumulators, PE·N_THRES
    comparators and count increments, an input buffer of SF words (when NF > 1), the output
    and skid registers, counters."""
    sf, nf = mw // simd, mh // pe
    mems = [rom("weights", nf * sf, pe * simd * w_bits)]
    if n_thres:
        mems += [rom("thresholds", nf, pe * n_thres * acc_bits), rom("directions", nf, pe)]
    lanes = pe * simd
    r = product(x_bits, x_signed, x_bipolar, w_bits, w_signed, w_bipolar) * lanes
    r += Resources(lut=pe * (simd - 1) * adder(acc_bits))               # adder trees
    r += Resources(lut=pe * adder(acc_bits), ff=pe * acc_bits)          # accumulators
    if n_thres:
        r += Resources(lut=pe * n_thres * (adder(acc_bits) + adder(out_bits)))
    if nf > 1:
        r += ram(sf, simd * x_bits)
    r += handshake(pe * out_bits) + counter(sf) + counter(nf) + counter(nf * sf)
    r += Resources(lut=MVAU_CONTROL_LUTS + MVAU_LANE_CONTROL_LUTS * pe)
    r += total(m.resources() for m in mems)
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
    """qnnc_dwc: a shift buffer of max + 2·min − gcd elements, written at a variable slot
    (a mux per buffer bit over the slots a beat can start at) and a fill counter."""
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
