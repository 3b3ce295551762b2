"""Library cells outside a compiled design: an `rtl.cell` built from a cell name, parameters and
stream types, run through its declared semantics (`rtl.CELLS`, the single truth both libraries
are tested against), and stimulus/ROM words packed as the hardware sees them."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from xdsl.dialects.builtin import DictionaryAttr, IntegerAttr, StringAttr
from xdsl.ir import Block

from qnnc.dialects import quant, rtl


def elem(width: int, signed: bool = False, bipolar: bool = False):
    """An rtl element type: bipolar (1 bit), signed or unsigned integer codes."""
    if bipolar:
        return quant.BipolarType()
    return rtl.FixedType(width, 0) if signed else rtl.UFixedType(width, 0)


def stream(element, frame: int, lanes: int) -> rtl.StreamType:
    return rtl.StreamType(element, frame, lanes)


def cell_op(name: str, params: dict[str, int], ins: list[rtl.StreamType],
            outs: list[rtl.StreamType], n_roms: int | None = None) -> rtl.CellOp:
    """An `rtl.cell` of library cell `name` on block arguments of the given stream types, with
    its ROM ports (all, or the first n_roms) typed from the declaration; verified."""
    spec = rtl.CELLS[name]
    probe = lambda k: params[k] if k in params else spec.default(k)  # noqa: E731
    used = spec.used_roms(probe)
    ports = used if n_roms is None else used[:n_roms]
    roms = [rtl.RomType(p.width(probe), p.depth(probe)) for p in ports]
    block = Block(arg_types=[*ins, *roms])
    op = rtl.CellOp.build(operands=[list(block.args)], result_types=[outs], properties={
        "cell": StringAttr(name), "instance_name": StringAttr("dut"),
        "params": DictionaryAttr({k: IntegerAttr(v, 32) for k, v in params.items()})})
    block.add_op(op)
    op.verify()
    return op


def run(op: rtl.CellOp, inputs: list[np.ndarray], roms: list[np.ndarray] = ()) -> list[np.ndarray]:
    """The declared semantics on frames (batch, N) of wire values."""
    return op.spec().semantics([np.asarray(x, dtype=np.int64) for x in inputs], op, *roms)


def wire_values(rng: np.random.Generator, t: rtl.StreamType, frames: int) -> np.ndarray:
    """Random frames (frames, N) of wire values of a stream's element type."""
    e, n = t.element_type, t.frame.data
    w = rtl.bit_width(e)
    if isinstance(e, rtl.FixedType):
        return rng.integers(-(1 << (w - 1)), 1 << (w - 1), size=(frames, n))
    return rng.integers(0, 1 << w, size=(frames, n))


def beats(values: np.ndarray, t: rtl.StreamType) -> list[int]:
    """Frames of wire values as the stream's beats (lane 0 in the LSBs)."""
    return pack_rows(np.asarray(values).reshape(-1, t.lanes.data), rtl.bit_width(t.element_type))


def pack_rows(rows: np.ndarray, width: int) -> list[int]:
    """Each row of lane values as one word, lane 0 in the LSBs (two's complement)."""
    mask = (1 << width) - 1
    out = []
    for row in np.asarray(rows).tolist():
        word = 0
        for i, v in enumerate(row):
            word |= (int(v) & mask) << (i * width)
        out.append(word)
    return out


def unpack_beats(words: list[int], t: rtl.StreamType) -> np.ndarray:
    """Beats back to wire values (flat), read as the stream's element type."""
    w, lanes = rtl.bit_width(t.element_type), t.lanes.data
    raw = np.array([(b >> (i * w)) & ((1 << w) - 1) for b in words for i in range(lanes)],
                   dtype=np.int64)
    return rtl.wrap_bits(raw, w, isinstance(t.element_type, rtl.FixedType))


@dataclass
class Case:
    """One cell configuration with its stimulus and expected outputs (from the semantics)."""

    name: str
    cell: str
    params: dict[str, int]
    ins: list[rtl.StreamType]
    outs: list[rtl.StreamType]
    frames: int
    inputs: list[np.ndarray] = field(default_factory=list)  # (frames, N) per input stream
    roms: list[np.ndarray] = field(default_factory=list)  # (depth, lanes) lane values per ROM
    rom_lane_width: list[int] = field(default_factory=list)
    expected: list[np.ndarray] = field(default_factory=list)

    @property
    def op(self) -> rtl.CellOp:
        return cell_op(self.cell, self.params, self.ins, self.outs, len(self.roms))

    def param_values(self) -> list[int]:
        """Every declared parameter of the cell in order (declared defaults filled in)."""
        op = self.op
        return [op.param(k) for k in op.spec().params]

    def port_roms(self) -> list[int | None]:
        """For each ROM port of the cell (`CellOp.roms()` order), the index of its ROM in
        `roms`, or None where the cell takes none (unused at these parameters, or omitted)."""
        op = self.op
        used = op.spec().used_roms(op.param)
        out, j = [], 0
        for port, _ in op.roms():
            if port in used and j < len(self.roms):
                out.append(j)
                j += 1
            else:
                out.append(None)
        return out

    def rom_words(self) -> list[list[int]]:
        return [pack_rows(r, lw) for r, lw in zip(self.roms, self.rom_lane_width)]

    def in_beats(self) -> list[list[int]]:
        return [beats(x, t) for x, t in zip(self.inputs, self.ins)]

    def out_beats(self) -> list[list[int]]:
        return [beats(y, t) for y, t in zip(self.expected, self.outs)]


def make_case(name: str, cell: str, params: dict[str, int], ins: list[rtl.StreamType],
              outs: list[rtl.StreamType], frames: int, seed: int,
              roms: list[tuple[np.ndarray, int]] = ()) -> Case:
    """A case with random input frames; the expected outputs come from the cell's semantics."""
    rng = np.random.default_rng(seed)
    c = Case(name, cell, params, ins, outs, frames)
    c.inputs = [wire_values(rng, t, frames) for t in ins]
    c.roms = [r for r, _ in roms]
    c.rom_lane_width = [lw for _, lw in roms]
    c.expected = run(c.op, c.inputs, c.roms)
    return c


# ----------------------------------------------------------------------------------------------
# The configurations both libraries are tested on (tests/cosim/test_verilog_lib.py,
# tests/cosim/test_hls_cells.py): a spread of parameters per conv-net cell, several frames each.
# ----------------------------------------------------------------------------------------------


def _thresholds(rng: np.random.Generator, c: int, pe: int, n: int, lo: int, hi: int):
    """Per-channel sorted thresholds (ascending or descending at random) in [lo, hi] as the two
    ROMs (`t`: C/PE words of PE*N lanes, `t_desc`: C/PE words of PE bits)."""
    t = np.sort(rng.integers(lo, hi + 1, size=(c, n)), axis=1)
    desc = rng.integers(0, 2, size=c)
    t = np.where(desc[:, None] == 1, t[:, ::-1], t)
    return t.reshape(c // pe, pe * n), desc.reshape(c // pe, pe)


def pad_case(name, h, w, c, p, ew, pads, value, signed=False, bipolar=False, frames=3, seed=0):
    pt, pl, pb, pr = pads
    e = elem(ew, signed, bipolar)
    params = dict(H=h, W=w, C=c, P=p, ELEM_W=ew, PT=pt, PL=pl, PB=pb, PR=pr, VALUE=value)
    return make_case(name, "qnnc_pad", params, [stream(e, h * w * c, p)],
                     [stream(e, (h + pt + pb) * (w + pl + pr) * c, p)], frames, seed)


def swg_case(name, h, w, c, simd, ew, k, s, d=(1, 1), signed=False, bipolar=False, frames=3,
             seed=0):
    params = dict(H=h, W=w, C=c, SIMD=simd, ELEM_W=ew, KH=k[0], KW=k[1], SH=s[0], SW=s[1],
                  DH=d[0], DW=d[1])
    oh, ow = rtl.swg_out_dims(lambda key: params[key])
    e = elem(ew, signed, bipolar)
    return make_case(name, "qnnc_swg", params, [stream(e, h * w * c, simd)],
                     [stream(e, oh * ow * k[0] * k[1] * c, simd)], frames, seed)


def swg_window_case(name, h, w, c, simd, ew, k, s, d=(1, 1), signed=False, bipolar=False,
                    frames=3, seed=0):
    """qnnc_swg_window: the windows of `swg_case`, a whole window (KH·KW·C lanes) a beat."""
    params = dict(H=h, W=w, C=c, SIMD=simd, ELEM_W=ew, KH=k[0], KW=k[1], SH=s[0], SW=s[1],
                  DH=d[0], DW=d[1])
    oh, ow = rtl.swg_out_dims(lambda key: params[key])
    e = elem(ew, signed, bipolar)
    return make_case(name, "qnnc_swg_window", params, [stream(e, h * w * c, simd)],
                     [stream(e, oh * ow * k[0] * k[1] * c, k[0] * k[1] * c)], frames, seed)


def pool_case(name, k, c, pe, in_w, signed, out_w, mode, groups, bipolar=False, frames=3, seed=0):
    params = dict(K=k, C=c, PE=pe, IN_W=in_w, IN_SIGNED=int(signed), OUT_W=out_w, MODE=mode)
    e_in = elem(in_w, signed, bipolar)
    e_out = e_in if mode == 0 else elem(out_w, signed)
    return make_case(name, "qnnc_pool", params, [stream(e_in, groups * k * c, pe)],
                     [stream(e_out, groups * c, pe)], frames, seed)


def fork_case(name, ew, lanes, n, signed=False, frames=3, seed=0):
    t = stream(elem(ew, signed), n, lanes)
    return make_case(name, "qnnc_fork", dict(W=ew * lanes), [t], [t, t], frames, seed)


def add_case(name, c, pe, a, b, ka, kb, acc_w, n_thres=0, out_w=None, out_bias=0, pixels=4,
             frames=3, seed=0):
    """a, b: (width, signed) of the two inputs."""
    params = dict(C=c, PE=pe, A_W=a[0], A_SIGNED=int(a[1]), B_W=b[0], B_SIGNED=int(b[1]), KA=ka,
                  KB=kb, ACC_W=acc_w, N_THRES=n_thres, OUT_W=out_w or acc_w, OUT_BIAS=out_bias)
    n = pixels * c
    out_e = elem(acc_w, True) if n_thres == 0 else elem(out_w, out_bias < 0)
    roms = []
    if n_thres:
        rng = np.random.default_rng(seed + 1)
        bound = abs(ka) * (1 << a[0]) + abs(kb) * (1 << b[0])
        t, desc = _thresholds(rng, c, pe, n_thres, -bound // 2, bound // 2)
        roms = [(t, acc_w), (desc, 1)]
    return make_case(name, "qnnc_add", params, [stream(elem(*a), n, pe), stream(elem(*b), n, pe)],
                     [stream(out_e, n, pe)], frames, seed, roms)


def concat_case(name, ca, cb, p, ew, signed=False, bipolar=False, pixels=4, frames=3, seed=0):
    """Channel concatenation of `pixels` pixels of ca (stream a) and cb (stream b) channels."""
    e = elem(ew, signed, bipolar)
    return make_case(name, "qnnc_concat", dict(CA=ca, CB=cb, P=p, ELEM_W=ew),
                     [stream(e, pixels * ca, p), stream(e, pixels * cb, p)],
                     [stream(e, pixels * (ca + cb), p)], frames, seed)


def concat_cases() -> list[Case]:
    """qnnc_concat: CA = CB, CA ≠ CB either way, P = 1 and P > 1 (down to one beat a part),
    1-bit elements."""
    return [
        concat_case("concat_eq_p2", 4, 4, 2, 4, pixels=5, seed=23),
        concat_case("concat_2_5_p1_s3", 2, 5, 1, 3, signed=True, pixels=6, seed=24),
        concat_case("concat_6_2_p2", 6, 2, 2, 2, pixels=4, seed=25),
        concat_case("concat_3_9_p3_s5", 3, 9, 3, 5, signed=True, pixels=4, seed=26),
        concat_case("concat_bipolar_p4", 8, 4, 4, 1, bipolar=True, pixels=4, seed=27),
        concat_case("concat_1_1_1bit", 1, 1, 1, 1, pixels=9, seed=28),
    ]


def mvau_groups_case(name, v, mw, mh, simd, pe, frames=3, seed=0):
    """An MVAU on V vectors a frame (a convolution's pixels), thresholds on."""
    rng = np.random.default_rng(seed + 1)
    nf, sf, acc_w, n_thres = mh // pe, mw // simd, 10, 3
    params = dict(MW=mw, MH=mh, SIMD=simd, PE=pe, IN_W=3, IN_SIGNED=0, IN_BIPOLAR=0, W_W=3,
                  W_SIGNED=1, W_BIPOLAR=0, ACC_W=acc_w, N_THRES=n_thres, OUT_W=2, OUT_BIAS=0)
    w = rng.integers(-4, 4, size=(nf * sf, pe * simd))
    t, desc = _thresholds(rng, mh, pe, n_thres, -20, 20)
    return make_case(name, "qnnc_mvau", params, [stream(elem(3), v * mw, simd)],
                     [stream(elem(2), v * mh, pe)], frames, seed,
                     [(w, 3), (t, acc_w), (desc, 1)])


def mvau_requant_case(name, v, mw, mh, simd, pe, in_w=4, w_w=3, acc_w=10, levels=7, out_w=3,
                      out_bias=0, shift=5, m_w=6, b_w=9, frames=3, seed=0):
    """An MVAU with the multiply-shift activation (ACT = 1): random signed multipliers (both
    directions) and offsets, so the clamp at both ends and every count in between occur."""
    rng = np.random.default_rng(seed + 1)
    nf, sf = mh // pe, mw // simd
    params = dict(MW=mw, MH=mh, SIMD=simd, PE=pe, IN_W=in_w, IN_SIGNED=1, IN_BIPOLAR=0, W_W=w_w,
                  W_SIGNED=1, W_BIPOLAR=0, ACC_W=acc_w, N_THRES=levels, OUT_W=out_w,
                  OUT_BIAS=out_bias, ACT=1, M_W=m_w, B_W=b_w, SHIFT=shift)
    w = rng.integers(-(1 << (w_w - 1)), 1 << (w_w - 1), size=(nf * sf, pe * simd))
    m = rng.integers(-(1 << (m_w - 1)), 1 << (m_w - 1), size=(nf, pe))
    b = rng.integers(-(1 << (b_w - 1)), 1 << (b_w - 1), size=(nf, pe))
    out = elem(out_w, out_bias < 0)
    return make_case(name, "qnnc_mvau", params, [stream(elem(in_w, True), v * mw, simd)],
                     [stream(out, v * mh, pe)], frames, seed, [(w, w_w), (m, m_w), (b, b_w)])


def mvau_requant_cases() -> list[Case]:
    """The multiply-shift activation: PE > 1 and SIMD > 1, one lane, NF = 1, a signed output
    with a negative bias, a wide 6-bit output, no shift."""
    return [
        mvau_requant_case("mvau_rq_pe2_simd2", 2, 6, 4, 2, 2, shift=6, seed=31),
        mvau_requant_case("mvau_rq_pe1", 1, 5, 3, 1, 1, shift=5, m_w=4, b_w=6, seed=32),
        mvau_requant_case("mvau_rq_nf1_signed", 2, 4, 4, 4, 4, out_w=3, out_bias=-4, shift=6,
                          seed=33),
        mvau_requant_case("mvau_rq_63", 3, 8, 6, 4, 3, in_w=6, w_w=5, acc_w=14, levels=63,
                          out_w=6, shift=10, m_w=8, b_w=14, seed=34),
        mvau_requant_case("mvau_rq_noshift", 1, 4, 2, 2, 1, shift=0, m_w=2, b_w=3, levels=3,
                          out_w=2, seed=35),
    ]


def thres_groups_case(name, v, c, pe, frames=3, seed=0):
    rng = np.random.default_rng(seed + 1)
    params = dict(C=c, PE=pe, IN_W=4, IN_SIGNED=1, T_W=5, N_THRES=3, OUT_W=2, OUT_BIAS=0)
    t, desc = _thresholds(rng, c, pe, 3, -9, 9)
    return make_case(name, "qnnc_thres", params, [stream(elem(4, True), v * c, pe)],
                     [stream(elem(2), v * c, pe)], frames, seed, [(t, 5), (desc, 1)])


def conv_cell_cases() -> list[Case]:
    """Every new cell on a spread of parameters, plus the MVAU/THRES on several groups a frame."""
    return [
        pad_case("pad_1111_u4", 4, 5, 2, 1, 4, (1, 1, 1, 1), 0, seed=1),
        pad_case("pad_asym_s3_p2", 3, 4, 4, 2, 3, (2, 0, 1, 3), -2, signed=True, seed=2),
        pad_case("pad_bipolar_p3", 3, 3, 3, 3, 1, (0, 1, 2, 0), 1, bipolar=True, seed=3),
        swg_case("swg_3x3_s1", 6, 5, 2, 1, 4, (3, 3), (1, 1), seed=4),
        swg_case("swg_2x2_s2_simd2", 6, 6, 4, 2, 3, (2, 2), (2, 2), signed=True, seed=5),
        swg_case("swg_3x2_s2x2_dropped", 8, 7, 1, 1, 4, (3, 2), (2, 2), seed=6),
        swg_case("swg_3x3_dil2_simd2", 7, 7, 2, 2, 2, (3, 3), (1, 1), (2, 2), seed=7),
        swg_case("swg_kh1_1x3", 4, 6, 3, 3, 4, (1, 3), (1, 1), seed=8),
        swg_case("swg_bipolar_s2", 5, 5, 4, 4, 1, (3, 3), (2, 2), bipolar=True, seed=9),
        swg_window_case("swgw_3x3_s1", 6, 5, 2, 2, 4, (3, 3), (1, 1), seed=40),
        swg_window_case("swgw_3x3_s1_cf2", 5, 4, 4, 2, 3, (3, 3), (1, 1), signed=True, seed=41),
        swg_window_case("swgw_3x2_s2x2_dropped", 8, 7, 1, 1, 4, (3, 2), (2, 2), seed=42),
        swg_window_case("swgw_3x3_dil2_cf3", 7, 7, 3, 1, 2, (3, 3), (1, 1), (2, 2), seed=43),
        swg_window_case("swgw_kh1_1x3", 4, 6, 3, 3, 4, (1, 3), (1, 1), seed=44),
        swg_window_case("swgw_bipolar_s2", 5, 5, 4, 4, 1, (3, 3), (2, 2), bipolar=True, seed=45),
        swg_window_case("swgw_w_eq_kernel", 4, 3, 2, 2, 2, (3, 3), (1, 1), seed=46),
        swg_window_case("swgw_w_kernel_plus1", 5, 4, 2, 1, 3, (2, 3), (1, 1), seed=47),
        swg_window_case("swgw_2x2_s2_cf3", 6, 6, 6, 2, 2, (2, 2), (2, 2), seed=48),
        swg_window_case("swgw_1x1", 3, 3, 2, 1, 4, (1, 1), (1, 1), seed=49),
        pool_case("pool_max_u4_pe2", 4, 4, 2, 4, False, 4, 0, groups=5, seed=10),
        pool_case("pool_max_s3_k9", 9, 2, 1, 3, True, 3, 0, groups=3, seed=11),
        pool_case("pool_max_bipolar", 4, 8, 8, 1, False, 1, 0, groups=4, bipolar=True, seed=12),
        pool_case("pool_sum_s4", 4, 3, 3, 4, True, 6, 1, groups=4, seed=13),
        pool_case("pool_sum_u3_k9", 9, 4, 2, 3, False, 7, 1, groups=2, seed=14),
        pool_case("pool_k1", 1, 2, 1, 3, True, 3, 0, groups=6, seed=15),
        fork_case("fork_u3x2", 3, 2, 10, seed=16),
        fork_case("fork_1bit", 1, 1, 12, seed=17),
        add_case("add_plain", 4, 2, (4, True), (3, False), 1, 1, 6, pixels=5, seed=18),
        add_case("add_scaled_thres", 6, 3, (3, True), (4, True), 3, -2, 8, n_thres=3, out_w=2,
                 out_bias=-1, seed=19),
        add_case("add_pe1_thres1", 3, 1, (2, False), (2, False), 2, 1, 5, n_thres=1, out_w=1,
                 seed=20),
        mvau_groups_case("mvau_v3", 3, 4, 4, 2, 2, seed=21),
        thres_groups_case("thres_v4", 4, 4, 2, seed=22),
        *concat_cases(),
        *mvau_requant_cases(),
    ]
