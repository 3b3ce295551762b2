"""The resource model (dialects/resources.py) and the folding search built on it
(lowering/dataflow_fold.py): formulas against hand-worked cases, monotone in lanes; the least
area meeting a target; unreachable targets and budgets reported; report fields; FINN's
folding_config.json."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

from qnnc.dialects import resources as res
from qnnc.lowering.dataflow_fold import (cheapest_folding, finn_pins, is_finn_config, least,
                                         target_cycles)

MODELS = Path(__file__).resolve().parents[1] / "models"
TFC = str(MODELS / "tfc_2w2a_zoo" / "model.onnx")


def qnnc(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "qnnc.cli", *args], capture_output=True, text=True)


# ---- formulas ---------------------------------------------------------------------------------


def test_product_rule():
    # each product comes with its register (qnnc_mvau's prod_r: PR_W flip-flops)
    assert res.product(1, False, True, 1, False, True) == res.Resources(lut=1, ff=1)  # XNOR
    # at most 6 operand bits: a table of constants, one LUT per product bit (2x2 signed: 4 bits)
    assert res.product(2, True, False, 2, True, False) == res.Resources(lut=4, ff=4)
    assert res.product(4, True, False, 1, False, True) == res.Resources(lut=5, ff=5)  # 4 x ±1
    # wider: Yosys' rule, a DSP48E1 (which holds the product register) or a LUT multiplier
    assert res.product(4, False, False, 4, True, False) == res.Resources(dsp=1)      # 5x4: Y=9
    assert res.product(4, True, False, 4, True, False) == res.Resources(lut=8, ff=8)  # 4x4: Y=8
    assert res.product(8, False, False, 8, True, False) == res.Resources(dsp=1)
    assert res.product(20, True, False, 20, True, False) == res.Resources(dsp=2)     # > 25x18
    assert res.product(8, True, False, 1, False, True) == res.Resources(lut=9, ff=9)  # negation
    # the register is cut to the accumulator's width
    assert res.product(8, True, False, 1, False, True, acc_bits=6) == res.Resources(lut=6, ff=6)
    assert res.uses_dsp(2, 7) and not res.uses_dsp(1, 16) and not res.uses_dsp(4, 4)


def test_roms_follow_the_memory_rule():
    # TFC layer 0 at PE 32 / SIMD 16: 98 words of 32*16*2 bits, 29 BRAM18 (tests/unit/test_memory_rule)
    e = res.mvau(784, 64, 32, 16, 2, True, False, 2, True, False, 11, 2, 2)
    w = {m.name: m for m in e.memories}
    assert (w["weights"].depth, w["weights"].width, w["weights"].style, w["weights"].bram18) == \
        (98, 1024, "block", 29)
    assert (w["thresholds"].depth, w["thresholds"].width, w["thresholds"].style) == \
        (2, 32 * 2 * 11, "distributed")
    # two words: every column is constant, the word index or its complement, so Yosys keeps
    # at most 2 distinct columns (rom_columns), not 704 LUTs
    assert w["thresholds"].luts == 2 and e.resources.bram18 == 29
    assert res.rom_columns(2, 704) == 2 and res.rom_columns(4, 704) == 14
    assert res.rom_columns(16, 704) == 704
    assert res.rom("x", 64, 4096) == res.Memory("x", 64, 4096, "distributed", 0, 4096)


def test_hand_worked_units():
    # a FIFO of 8 x 16 bits: RAM32M holds 6 bits -> 3 of 4 LUTs; pointers/counter 8*3+8
    assert res.fifo(16, 8).resources == res.Resources(lut=12 + 32, ff=15)
    # a RAM past 64 words and 4 Kbit goes to block RAM (FIFO of 438 x 16)
    assert res.fifo(16, 438).resources.bram18 == 1
    # one-word storage is a register
    assert res.ram(1, 10) == res.Resources(ff=10)
    # single-port LUT RAM (the MVAU's input buffer): 32x8 per RAM32M, 1 site a bit to 64 words
    assert res.ram(16, 8, single_port=True) == res.Resources(lut=4)
    assert res.ram(49, 32, single_port=True) == res.Resources(lut=32)
    assert res.signed_bits(-1, 0) == 1 and res.signed_bits(0, 127) == 8 and res.signed_bits(-129, 0) == 9


def test_hand_worked_mvau():
    # TFC-w2a2 layer 1 at PE=2, SIMD=4 (MW=MH=64, 2-bit signed operands, ACC_W=8, 2 thresholds):
    # NF=32, SF=16. Terms (qnnc_mvau.v): weights 512x16 in one BRAM18; thresholds 32x32 and
    # directions 32x2 in LUTs (32 + 2 LUTs, 34 read-register FFs); input beat 8 FFs, input
    # buffer 16x8 single-port (one RAM32M, 4 LUTs) + read register 8 FFs + live/replay mux 8
    # LUTs; input beat and weight word registered again 8 + 16 FFs; 8 product tables of 4 bits
    # (32 LUTs, 32 FFs); per PE a tree of 2 5-bit adders and
    # one 6-bit adder (16 LUTs), not registered (2 levels); accumulators 2x8 LUTs, 16 FFs;
    # comparisons 4 x (8 + 2) LUTs, the accumulators' complement 16 LUTs, 4 hit FFs, the counts
    # 2 x 2 LUTs; tags 2*5 + 3*(1+5) + 1 = 29 FFs; counters sf 4 + nf 5 + wa 9 + credits 3 bits
    # (21 FFs; an adder a bit, sf, nf and wa an inverter a bit more: 2*18 + 3 = 39 LUTs; the
    # INVs Yosys leaves on counter bits, 52 measured at SF = 576) and control 62 LUTs; output queue 7x4 (one RAM32M, 4 LUTs), pointers
    # and count 2*3 + 3 LUTs, 9 FFs.
    e = res.mvau(64, 64, 2, 4, 2, True, False, 2, True, False, 8, 2, 2)
    lut = 34 + 4 + 8 + 32 + 2 * 16 + 16 + 40 + 16 + 4 + 39 + 62 + 4 + 9
    ff = 34 + 8 + 8 + 24 + 32 + 16 + 4 + 29 + 21 + 9
    assert e.resources == res.Resources(lut=lut, ff=ff, bram18=1)
    # the tree grows a bit a level and is registered every two levels but at the root:
    # SIMD=16 of 4-bit products into ACC 10: 8x5 + 4x6 + 2x7 + 1x8 LUTs, level 2 registered
    assert res.adder_tree(16, 4, 10) == res.Resources(lut=86, ff=24)
    assert res.mvau_stages(16, 2) == (5, 6) and res.mvau_stages(1, 0) == (4, 3)


def test_hand_worked_dwc():
    assert res.dwc(2, 4, 4).resources == res.Resources()                  # wires
    # 32 -> 16 lanes of 2 bits (K=2): a 3:1 mux per output bit with its 2 select bits in one
    # LUT (32), slice counter 1, flags 6 (was 4: refit with K=4, 27 LUTs measured in
    # resconv_w4a4); hold 64 + output 32 + counter + flags 3 FFs. Yosys
    # synth_xilinx: 38..40 LUTs, 99 FFs (the cell's header, benchmarks/resources.py).
    assert res.dwc(2, 32, 16).resources == res.Resources(lut=39, ff=99)
    # 2 -> 8 lanes (K=4): no data LUTs; 3 slot decoders, a 2-bit beat counter (2 + 2), 3 for
    # the handshake; 3 slots x 4 + output 16 + counter 2 + valid FFs (Yosys: 9 LUTs, 31 FFs)
    assert res.dwc(2, 2, 8).resources == res.Resources(lut=10, ff=31)
    # a non-integer ratio keeps the general buffer: far larger
    assert res.dwc(2, 2, 3).resources.lut > 4 * res.dwc(2, 4, 2).resources.lut


@pytest.mark.parametrize("xb,xs,xbip,wb,ws,wbip", [
    (1, False, True, 1, False, True), (2, True, False, 2, True, False),
    (6, False, False, 8, True, False), (2, False, False, 1, False, True)])
def test_mvau_grows_with_lanes(xb, xs, xbip, wb, ws, wbip):
    def logic(pe, simd):
        e = res.mvau(64, 32, pe, simd, xb, xs, xbip, wb, ws, wbip, 12, 3, 2)
        # the datapath alone: without the ROMs and the read registers of those in LUTs
        regs = sum(res.rom_columns(m.depth, m.width) for m in e.memories
                   if m.style == "distributed")
        return e.resources + res.Resources(lut=-sum(m.luts for m in e.memories), ff=-regs,
                                           bram18=-sum(m.bram18 for m in e.memories))
    for pe, simd in ((1, 1), (1, 4), (2, 4), (4, 4), (4, 16)):
        a = logic(pe, simd)
        for b in (logic(pe * 2, simd), logic(pe, simd * 2)):
            assert b.lut + 100 * b.dsp > a.lut + 100 * a.dsp and b.ff >= a.ff - 4, (pe, simd, a, b)


def test_other_units_grow_with_lanes():
    for p in (1, 2, 4, 8):
        assert res.threshold(64, 2 * p, 8, 9, 3, 2).resources.lut > \
            res.threshold(64, p, 8, 9, 3, 2).resources.lut
        assert res.pool(4, 64, 2 * p, 4, 4, "max").resources.lut > \
            res.pool(4, 64, p, 4, 4, "max").resources.lut
        assert res.add(64, 2 * p, 4, 4, 2, 1, 8, 3, 4).resources.lut > \
            res.add(64, p, 4, 4, 2, 1, 8, 3, 4).resources.lut


# ---- search -----------------------------------------------------------------------------------


class FakeUnit:
    """A unit whose cycles and area per folding are given."""

    def __init__(self, table):
        self.table = table  # (pe, simd) -> (cycles, lut, bram18, dsp)

    class _Operand:
        class type:
            @staticmethod
            def element_bits():
                return 2

    operands = [_Operand]

    def fold_space(self):
        return [{"pe": p, "simd": s} for p, s in self.table]

    def cycles_at(self, f):
        return self.table[f["pe"], f["simd"]][0]

    def resources_at(self, f):
        _, lut, bram, dsp = self.table[f["pe"], f["simd"]]
        return res.Estimate(res.Resources(lut=lut, bram18=bram, dsp=dsp))


def test_least_with_a_bound_is_min_and_skips_what_the_bound_rules_out():
    """`least` gives min's answer (the first of the least) for any lower bound, and computes
    the exact key only where the bound leaves a chance."""
    rng = random.Random(5)
    for _ in range(300):
        keys = [(rng.randrange(20), rng.randrange(3)) for _ in range(rng.randrange(1, 30))]
        slack = [rng.choice([0, 0, rng.randrange(10)]) for _ in keys]
        opts = list(range(len(keys)))
        called = []

        def key(i):
            called.append(i)
            return keys[i]

        got = least(opts, key, lambda i: (keys[i][0] - slack[i], keys[i][1]))
        assert got == min(opts, key=lambda i: keys[i])
        best = keys[got]
        assert all((keys[i][0] - slack[i], keys[i][1], i) <= (*best, got) for i in called)
    # a bound that decides alone: one exact key computed
    called = []
    assert least([3, 1, 2], lambda i: called.append(i) or i, lambda i: i) == 1 and called == [1]


def test_search_takes_the_least_area_meeting_the_target():
    u = FakeUnit({(1, 1): (16, 100, 0, 0), (1, 4): (4, 300, 0, 0), (4, 1): (4, 250, 0, 0),
                  (2, 4): (2, 150, 1, 0), (4, 4): (1, 120, 0, 1)})
    # area = LUT + 64 BRAM18 + 100 DSP: (1,4) 300, (4,1) 250, (2,4) 214, (4,4) 220
    assert cheapest_folding(u, 4) == {"pe": 2, "simd": 4}
    assert cheapest_folding(u, 1) == {"pe": 4, "simd": 4}
    assert cheapest_folding(u, 4, options=[{"pe": 1, "simd": 4}, {"pe": 4, "simd": 1}]) == \
        {"pe": 4, "simd": 1}
    assert cheapest_folding(u, 16) == {"pe": 1, "simd": 1}
    # unreachable: the fastest folding
    assert cheapest_folding(u, 0) == {"pe": 4, "simd": 4}


def test_target_from_rate_and_clock():
    assert target_cycles(0, 1e6, 100.0) == 100
    assert target_cycles(0, 3e6, 100.0) == 33      # floor
    assert target_cycles(0, 1e9, 100.0) == 1
    assert target_cycles(7) == 7
    with pytest.raises(Exception, match="not both"):
        target_cycles(7, 1e6, 100.0)


# ---- driver, report ---------------------------------------------------------------------------


def test_report_has_resources_and_the_folding_outcome(tmp_path):
    out = tmp_path / "o"
    r = qnnc(TFC, "-o", str(out), "--emit", "dataflow", "--target-fps", "1000000",
             "--clock-mhz", "100")
    assert r.returncode == 0, r.stderr
    rep = json.loads((out / "report.json").read_text())
    f = rep["folding"]
    assert f["target_cycles"] == 100 and f["target_met"] and f["achieved_cycles"] <= 100
    assert f["target_fps"] == 1e6 and f["clock_mhz"] == 100 and f["achieved_fps"] >= 1e6
    assert rep["cycles_per_frame"] == f["achieved_cycles"]
    for layer in rep["layers"] + rep["fifos_and_width_converters"]:
        assert set(layer["resources"]) == {"lut", "ff", "bram18", "dsp"}
    mv = rep["layers"][0]
    assert [m["name"] for m in mv["memories"]] == ["weights", "thresholds", "directions"]
    assert set(mv["memories"][0]) == {"name", "depth", "width", "style", "bram18", "luts"}
    total = {k: sum(e["resources"][k] for e in rep["layers"] + rep["fifos_and_width_converters"])
             for k in ("lut", "ff", "bram18", "dsp")}
    assert {k: rep["resources"][k] for k in total} == total
    assert "yosys synth_xilinx" in rep["resources"]["estimate"]


def test_full_unroll_is_reachable(tmp_path):
    out = tmp_path / "o"
    r = qnnc(TFC, "-o", str(out), "--emit", "dataflow", "--target-cycles", "1")
    assert r.returncode == 0, r.stderr
    rep = json.loads((out / "report.json").read_text())
    assert rep["cycles_per_frame"] == 1 and rep["folding"]["target_met"]
    for layer in rep["layers"]:
        assert (layer["pe"], layer["simd"]) == (layer["mh"], layer["mw"])


def test_unreachable_target_is_reported(tmp_path):
    out = tmp_path / "o"
    r = qnnc(str(MODELS / "resconv_w4a4" / "model.onnx"), "-o", str(out), "--emit", "dataflow",
             "--target-cycles", "10")
    assert r.returncode == 0, r.stderr
    rep = json.loads((out / "report.json").read_text())
    f = rep["folding"]
    assert not f["target_met"] and f["target_cycles"] == 10
    assert f["best_cycles"] == f["achieved_cycles"] == rep["cycles_per_frame"] > 10
    assert "warning: the target of 10 cycles/frame is not reachable: unit " \
        f"'{f['limiting_unit']}'" in r.stderr
    assert f"the best is {f['best_cycles']} cycles/frame" in r.stderr


def test_budget_exceeded_is_an_error_saying_by_how_much(tmp_path):
    r = qnnc(TFC, "-o", str(tmp_path / "o"), "--emit", "dataflow", "--target-cycles", "98",
             "--budget", "lut=1000,bram=100,dsp=0")
    assert r.returncode == 2
    assert r.stderr.startswith("error: the design exceeds the resource budget: lut ")
    assert "> 1000 (by " in r.stderr and "needs lut=" in r.stderr and "98 cycles/frame" in r.stderr
    assert not (tmp_path / "o").exists()
    ok = qnnc(TFC, "-o", str(tmp_path / "p"), "--emit", "dataflow", "--budget", "lut=10000000")
    assert ok.returncode == 0, ok.stderr
    bad = qnnc(TFC, "-o", str(tmp_path / "q"), "--budget", "luts=5")
    assert bad.returncode == 2 and "--budget: 'luts=5'" in bad.stderr


def test_clock_spellings_must_agree(tmp_path):
    r = qnnc(TFC, "-o", str(tmp_path / "o"), "--clock-ns", "5", "--clock-mhz", "100")
    assert r.returncode == 2 and "disagree" in r.stderr
    r = qnnc(TFC, "-o", str(tmp_path / "o"), "--clock-ns", "5", "--clock-mhz", "200",
             "--emit", "dataflow", "--target-fps", "1e6")
    assert r.returncode == 0, r.stderr
    assert json.loads((tmp_path / "o" / "report.json").read_text())["folding"]["target_cycles"] == 200


# ---- FINN folding_config.json -----------------------------------------------------------------

FINN_TFC = {  # FINN's TFC folding for 1 M frames/s (finn-examples' tfc-w2a2 folding)
    "Defaults": {},
    "MatrixVectorActivation_0": {"PE": 32, "SIMD": 16, "ram_style": "block"},
    "MatrixVectorActivation_1": {"PE": 4, "SIMD": 16, "ram_style": "auto"},
    "MatrixVectorActivation_2": {"PE": 4, "SIMD": 16, "ram_style": "auto"},
    "MatrixVectorActivation_3": {"PE": 1, "SIMD": 8, "ram_style": "distributed"},
    "StreamingFIFO_0": {"depth": 32},
}


def test_finn_folding_config_maps_by_kind_and_order(tmp_path):
    cfg = tmp_path / "folding_config.json"
    cfg.write_text(json.dumps(FINN_TFC))
    out = tmp_path / "o"
    r = qnnc(TFC, "-o", str(out), "--emit", "dataflow", "--folding", str(cfg))
    assert r.returncode == 0, r.stderr
    rep = json.loads((out / "report.json").read_text())
    assert [(l["pe"], l["simd"]) for l in rep["layers"]] == [(32, 16), (4, 16), (4, 16), (1, 8)]
    assert "warning: folding file: FINN keys ignored (qnnc's own rules decide them): ram_style" \
        in r.stderr
    assert "StreamingFIFO_0" in r.stderr


@pytest.mark.parametrize("extra, why", [
    ({"MVAU_hls_4": {"PE": 1, "SIMD": 1}},
     "error: folding file has 5 FINN mvau nodes (MatrixVectorActivation_0, MatrixVectorActivation_1, "
     "MatrixVectorActivation_2, MatrixVectorActivation_3, MVAU_hls_4) but the accelerator has 4 "
     "(MatMul_20, MatMul_32, MatMul_44, MatMul_56)"),
    ({"MatrixVectorActivation_1": {"PE": 5, "SIMD": 16}},
     "error: node 'MatMul_32' (MatMul): FINN node 'MatrixVectorActivation_1' maps to this unit, "
     "but its folding PE=5, SIMD=16 is not one of its foldings (PE dividing 64, SIMD dividing 64)"),
    ({"Thresholding_Batch_0": {"PE": 1}},
     "error: folding file has 1 FINN threshold nodes (Thresholding_Batch_0) but the accelerator "
     "has 0 (none)"),
    ({"not a finn node": {"PE": 1}}, "error: folding file: 'not a finn node' is not a FINN node name (<OpType>[_hls|_rtl]_<index>)"),
])
def test_finn_folding_config_errors(tmp_path, extra, why):
    cfg = tmp_path / "folding_config.json"
    cfg.write_text(json.dumps({**FINN_TFC, **extra}))
    r = qnnc(TFC, "-o", str(tmp_path / "o"), "--emit", "dataflow", "--folding", str(cfg))
    assert r.returncode == 2
    assert r.stderr.strip() == why


def test_finn_config_detection():
    assert is_finn_config({"Defaults": {}})
    assert is_finn_config({"MVAU_rtl_0": {"PE": 1}})
    assert is_finn_config({"ConvolutionInputGenerator_rtl_2": {"SIMD": 4}})
    assert not is_finn_config({"MatMul_20": {"pe": 4}})
    assert finn_pins({"Defaults": {}}, []) == ({}, [])


def test_hand_worked_pool_and_packed_rom():
    # cnv_1w1a pool_conv_features_7 (K 4, C 64, PE 2, 1-bit max): a LUT a lane (x | partial),
    # INVs 5 + 2*2, control 1, output mux + flags 4, counters 6 + 3, the 32-word delay line
    # in one SRLC32E a bit; FFs: od/sd/flags 6, counters 5 + 2. Yosys: 28 LUTs, 13 FFs.
    assert res.pool(4, 64, 2, 1, 1, "max").resources == res.Resources(lut=27, ff=13)
    # CF <= 2: the delay line is flip-flops
    assert res.shift_delay(2, 32) == res.Resources(ff=64)
    assert res.shift_delay(33, 4) == res.Resources(lut=8)
    # 262144x1 weights (cnv_1w1a linear_features_3): 2048x128 in 15 RAMB18s, a 128:1 slice
    # mux (Yosys: 49 LUTs on the ROM alone)
    assert res.rom("w", 262144, 1) == res.Memory("w", 262144, 1, "block", 15, 57)
    assert res.mux_luts(5) == 4 and res.mux_luts(4) == 1


# Block ROMs synthesized alone: `module rom(clk, a, q)` of depth×width random words read into a
# register (`(* rom_style = "block" *) reg [W-1:0] mem [0:D-1]; $readmemh(...); always @(posedge
# clk) q <= mem[a];`), yosys 0.23 `synth_xilinx; stat`: (depth, width, BRAM18 = RAMB18E1 +
# 2·RAMB36E1, LUT sites). 2304×20 is resconv_w4a4's mvau_fc_Gemm weights at 2304 cycles.
BLOCK_ROMS = [
    (2304, 20, 3, 80), (1152, 20, 2, 20), (4608, 20, 5, 61), (2304, 40, 6, 160),
    (1000, 20, 2, 0), (3000, 13, 3, 13), (600, 30, 2, 0), (9216, 5, 3, 20), (2560, 12, 2, 12),
    (4500, 7, 2, 28), (700, 50, 3, 0), (1200, 27, 3, 0), (2304, 10, 2, 10), (4608, 10, 3, 40),
    (1152, 40, 4, 40), (18432, 3, 3, 11), (5000, 6, 2, 6), (1536, 20, 2, 20), (3584, 16, 4, 0),
    (768, 48, 3, 0), (2304, 32, 5, 128), (1536, 32, 3, 32), (3072, 32, 6, 32), (2304, 8, 2, 0),
    (1024, 32, 2, 0), (131072, 1, 8, 1)]


@pytest.mark.parametrize("depth,width,bram18,luts", BLOCK_ROMS)
def test_block_rom_as_yosys_maps_it(depth, width, bram18, luts):
    m = res.rom("w", depth, width)
    assert m.style == "block" and m.bram18 == bram18
    _, pieces = res.memory.rom_mapping(depth, width)
    if pieces == 9:
        # the 9:1 read mux: 3.0..3.7 LUTs a bit measured, `mux_luts` has 5 (4.4 measured on
        # qnnc_dwc's 9:1)
        assert luts < m.luts <= 5 * width
    else:
        assert m.luts == luts


# LUT ROMs synthesized alone: as BLOCK_ROMS with `(* logic_block *)`, (LUT sites, FFs). Random
# words: depth d, 96 bits, `random.Random(d).getrandbits(96)`; "small" ones: 24 lanes of 4-bit
# two's complement drawn from -2, -1, 0, 0, 1, 2 by `random.Random(100 + d)`, lane l at bits 4l.
LUT_ROMS_RANDOM = {2: (1, 2), 3: (2, 6), 4: (8, 14), 6: (40, 49), 9: (74, 87), 12: (96, 96),
                   18: (96, 96), 24: (96, 96), 36: (96, 96), 48: (96, 96), 64: (96, 96),
                   65: (96, 96), 72: (192, 96)}
LUT_ROMS_SMALL = {5: (11, 21), 9: (55, 65), 16: (69, 69), 36: (72, 72)}
# 8-bit words: depth d, seed s, `random.Random(1000 * d + s).getrandbits(8)` a word
LUT_ROMS_TINY = {(3, 0): (2, 4), (3, 1): (3, 6), (3, 2): (1, 3), (3, 3): (2, 4),
                 (4, 0): (4, 5), (4, 1): (4, 6), (4, 2): (4, 5), (4, 3): (5, 7),
                 (5, 0): (7, 8), (5, 1): (5, 8), (5, 2): (5, 7), (5, 3): (5, 7),
                 (6, 0): (6, 7), (6, 1): (8, 8), (6, 2): (6, 7), (6, 3): (4, 5),
                 (7, 0): (7, 8), (7, 1): (8, 8), (7, 2): (9, 8), (7, 3): (8, 8),
                 (8, 0): (8, 8), (8, 1): (8, 8), (8, 2): (7, 8), (8, 3): (8, 8),
                 (9, 0): (8, 8), (9, 1): (6, 7), (9, 2): (8, 8), (9, 3): (8, 8),
                 (12, 0): (8, 8), (12, 1): (8, 8), (12, 2): (8, 8), (12, 3): (8, 8)}
# resconv_w4a4's c1 weights at PE 16, SIMD 3 (--target-cycles 2304): 9 words of 192 bits;
# Yosys: 128 LUT sites (107 LUT3, 17 LUT2, 2 LUT4, 2 INV), 166 FFs (90 FDSE, 76 FDRE), the
# same in the layer
C1_WEIGHTS = """3bb545fb564551be2d46043b6c41da4afe00c36325ccab20
3e7fe5b9f4b6c3300d4e4cbc306f6a4d0d1174564c46cde4 ae5c365a3c3403ecb95c93e610553f95fe2d5596f143e3fa
ffd51eb616513fd2a23d5bea05b2a0401a34d3160bd3d69b b144e3d433731a126ce9adfffb034dbd4f0ce9f12b006fbd
d6c1c697e46d1fc01ae302071bb2f3fb71d69bfa4c4cb5d2 30fdc2c63c5a122e662df263eccedad94b3503d17371df00
bc66b76ab2eaad1ceb6bc51005cf60fa709ab13cb339b136 3003546b2ee713b52f2c1e6a1d2aa6fff5cebbc9dc1b964f"""


def rom_columns_of(rows: list[int], width: int) -> list[int]:
    return [sum(((r >> b) & 1) << i for i, r in enumerate(rows)) for b in range(width)]


def small_words(depth: int) -> list[int]:
    rng = random.Random(100 + depth)
    return [sum((rng.choice([-2, -1, 0, 0, 1, 2]) & 15) << (4 * lane) for lane in range(24))
            for _ in range(depth)]


def test_lut_rom_as_yosys_builds_it():
    cases = []
    for d, m in LUT_ROMS_RANDOM.items():
        rng = random.Random(d)
        cases.append(([rng.getrandbits(96) for _ in range(d)], 96, m))
    cases += [(small_words(d), 96, m) for d, m in LUT_ROMS_SMALL.items()]
    cases.append(([int(w, 16) for w in C1_WEIGHTS.split()], 192, (128, 166)))
    for (d, seed), m in LUT_ROMS_TINY.items():
        rng = random.Random(1000 * d + seed)
        cases.append(([rng.getrandbits(8) for _ in range(d)], 8, m))
    for rows, width, (lut, ff) in cases:
        e = res.lut_rom(rom_columns_of(rows, width), len(rows))
        assert e.ff == ff and abs(e.lut - lut) <= 3, (len(rows), e, lut, ff)
    tiny = cases[-len(LUT_ROMS_TINY):]
    assert sum(res.lut_rom(rom_columns_of(r, w), len(r)).lut for r, w, _ in tiny) == 201  # 196
    # the shape formula: a LUT and a register per column (192/192 for c1)
    assert res.rom("w", 9, 192).luts == 192 and res.rom_columns(9, 192) == 192


def test_weight_rom_columns_follow_the_rom_layout():
    # dataflow.weight_rom_luts builds the columns without the words; they must be the columns
    # of the ROM the lowering emits (dataflow.weight_words)
    import numpy as np
    from qnnc.dialects import dataflow
    from qnnc.dialects.codes import dense_from_numpy, int_type
    rng = np.random.default_rng(3)
    for mw, mh, pe, simd, bits, bipolar in ((27, 16, 16, 3, 4, False), (36, 8, 2, 3, 1, True),
                                             (64, 32, 8, 8, 2, False), (9, 7, 7, 9, 3, False)):
        w = (np.where(rng.random((mw, mh)) < 0.5, 1, -1) if bipolar else
             rng.integers(-(1 << (bits - 1)), 1 << (bits - 1), size=(mw, mh)))
        words = dataflow.weight_words(w, pe, simd, bipolar)
        cols = rom_columns_of([sum(int(v) << (bits * i) for i, v in enumerate(row))
                               for row in words & ((1 << bits) - 1)], words.shape[1] * bits)
        attr = dense_from_numpy(w.astype(np.int64), int_type(int(w.min()), int(w.max())))
        assert dataflow.weight_rom_luts(attr, pe, simd, bits, bipolar) == \
            res.lut_rom(cols, len(words))


def test_mvau_takes_the_lut_rom_built_from_the_weights():
    args = (27, 16, 16, 3, 8, True, False, 4, True, False, 15, 0, 15)
    plain = res.mvau(*args).resources
    built = res.mvau(*args, w_rom=res.Resources(lut=130, ff=166)).resources
    assert (plain.lut - built.lut, plain.ff - built.ff) == (192 - 130, 192 - 166)


# qnnc_swg synthesized alone (benchmarks/resources.py's `synth`: read_verilog qnnc_swg.v;
# chparam; synth_xilinx; stat): (H, W, C, SIMD, ELEM_W, KH, KW, SH, SW, DH, DW, LUT sites,
# FFs). The first fourteen are resconv_w4a4's generators (its pool one at SIMD 1, 2, 8, 16) and
# cnv_1w1a's seven, the rest a sweep of sizes, strides, kernels and CF = C/SIMD.
SWG_CELLS = [
    (16, 16, 16, 1, 4, 2, 2, 2, 2, 1, 1, 158, 62), (16, 16, 16, 2, 4, 2, 2, 2, 2, 1, 1, 149, 57),
    (16, 16, 16, 8, 4, 2, 2, 2, 2, 1, 1, 123, 47), (16, 16, 16, 16, 4, 2, 2, 2, 2, 1, 1, 188, 106),
    (18, 18, 3, 3, 8, 3, 3, 1, 1, 1, 1, 195, 63), (18, 18, 16, 16, 4, 3, 3, 1, 1, 1, 1, 194, 63),
    (8, 8, 16, 16, 4, 3, 3, 1, 1, 1, 1, 221, 113), (32, 32, 3, 3, 8, 3, 3, 1, 1, 1, 1, 178, 63),
    (30, 30, 64, 32, 1, 3, 3, 1, 1, 1, 1, 244, 76), (28, 28, 64, 2, 1, 2, 2, 2, 2, 1, 1, 220, 79),
    (14, 14, 64, 32, 1, 3, 3, 1, 1, 1, 1, 201, 67), (12, 12, 128, 32, 1, 3, 3, 1, 1, 1, 1, 208, 70),
    (10, 10, 128, 2, 1, 2, 2, 2, 2, 1, 1, 214, 78), (5, 5, 128, 8, 1, 3, 3, 1, 1, 1, 1, 195, 67),
    (8, 8, 16, 2, 4, 2, 2, 2, 2, 1, 1, 186, 59), (8, 8, 16, 4, 4, 2, 2, 2, 2, 1, 1, 183, 62),
    (8, 8, 16, 8, 4, 2, 2, 2, 2, 1, 1, 138, 73), (8, 8, 16, 16, 4, 2, 2, 2, 2, 1, 1, 129, 100),
    (8, 8, 16, 1, 4, 3, 3, 1, 1, 1, 1, 191, 69), (8, 8, 16, 2, 4, 3, 3, 1, 1, 1, 1, 182, 64),
    (8, 8, 16, 4, 4, 3, 3, 1, 1, 1, 1, 161, 59), (8, 8, 16, 8, 4, 3, 3, 1, 1, 1, 1, 148, 54),
    (16, 16, 16, 4, 4, 2, 2, 2, 2, 1, 1, 132, 52), (16, 16, 16, 1, 4, 3, 3, 1, 1, 1, 1, 214, 76),
    (16, 16, 16, 2, 4, 3, 3, 1, 1, 1, 1, 198, 71), (16, 16, 16, 4, 4, 3, 3, 1, 1, 1, 1, 189, 66),
    (16, 16, 16, 8, 4, 3, 3, 1, 1, 1, 1, 168, 61), (16, 16, 16, 16, 4, 3, 3, 1, 1, 1, 1, 158, 56),
    (32, 32, 16, 1, 4, 2, 2, 2, 2, 1, 1, 178, 68), (32, 32, 16, 2, 4, 2, 2, 2, 2, 1, 1, 161, 63),
    (32, 32, 16, 4, 4, 2, 2, 2, 2, 1, 1, 152, 58), (32, 32, 16, 8, 4, 2, 2, 2, 2, 1, 1, 135, 53),
    (32, 32, 16, 16, 4, 2, 2, 2, 2, 1, 1, 126, 48), (32, 32, 16, 1, 4, 3, 3, 1, 1, 1, 1, 204, 83),
    (32, 32, 16, 2, 4, 3, 3, 1, 1, 1, 1, 220, 78), (32, 32, 16, 4, 4, 3, 3, 1, 1, 1, 1, 204, 73),
    (32, 32, 16, 8, 4, 3, 3, 1, 1, 1, 1, 195, 68), (32, 32, 16, 16, 4, 3, 3, 1, 1, 1, 1, 177, 63),
    # held out of the fit of the SWG_* terms
    (12, 20, 8, 2, 4, 3, 3, 2, 2, 1, 1, 238, 76), (16, 16, 4, 1, 8, 5, 5, 1, 1, 1, 1, 209, 75),
    (14, 14, 8, 4, 2, 3, 3, 1, 1, 2, 2, 320, 82), (10, 10, 24, 3, 4, 3, 3, 1, 1, 1, 1, 202, 69),
    (9, 7, 10, 5, 3, 3, 3, 1, 1, 1, 1, 240, 75), (20, 20, 48, 6, 2, 2, 2, 2, 2, 1, 1, 187, 69),
    (21, 21, 16, 4, 4, 3, 3, 3, 3, 1, 1, 215, 70), (24, 24, 96, 32, 1, 3, 3, 1, 1, 1, 1, 199, 75),
    (64, 64, 32, 1, 1, 2, 2, 2, 2, 1, 1, 200, 79), (6, 6, 8, 8, 8, 3, 3, 1, 1, 1, 1, 234, 115),
]
# 1-row / 1-column kernels (1×1 and 1×3, stride 1; a 1×1 window at stride 1 needs no generator
# in qnnc): Yosys merges more registers there than the formula follows
SWG_CELLS_THIN = [(10, 10, 32, 8, 2, 1, 1, 1, 1, 1, 1, 148, 53),
                  (8, 12, 16, 8, 4, 1, 3, 1, 1, 1, 1, 147, 74)]
# Not in the table: 8×8×16 at SIMD 1, K2 S2 (a 512×4 line buffer), which Yosys puts in LUT
# RAM where `ram_in_block` says block RAM (0.59).


def test_swg_follows_the_cell():
    def est(c):
        h, w, ch, simd, e, kh, kw, sh, sw, dh, dw = c[:11]
        return res.swg(h, w, ch, simd, e, (kh, kw), (sh, sw), (dh, dw)).resources
    for c in SWG_CELLS:
        r = est(c)
        assert 0.9 <= r.lut / c[11] <= 1.15 and 0.9 <= r.ff / c[12] <= 1.1, (c, r)
    for c in SWG_CELLS_THIN:
        assert 0.9 <= est(c).lut / c[11] <= 1.25, (c, est(c))
    # resconv_w4a4's pool generator at SIMD 1, 2, 8, 16: AW = 10, 9, 7, 6 (DEPTH = 4·16·CF)
    assert [est(c).lut for c in SWG_CELLS[:4]] == [152, 141, 119, 188]


# resconv_w4a4's mvau_fc_Gemm (MW 1152, MH 10, 4-bit unsigned inputs, 4-bit signed weights,
# ACC_W 16, no activation) synthesized as its layer module (benchmarks/resources.py) at six
# foldings: (PE, SIMD, LUT sites). At SIMD 1 the accumulation is in the DSPs' post-adders and
# the first-word clear a LUT2 a bit on their C inputs (80 at PE 5); past SIMD 1 it is on the
# carry chain: a LUT2 a bit for the cleared accumulator (the CARRY4's DI) and one for the sum
# (320 at PE 10).
FC_FOLDINGS = [(1, 2, 175), (5, 1, 327), (10, 2, 521), (10, 4, 623), (5, 4, 382), (5, 8, 500)]


def test_dsp_mvau_accumulator_clear():
    assert res.accumulator_clear(True, 2, 16) == 16
    assert res.accumulator_clear(True, 1, 16) == 0 and res.accumulator_clear(False, 8, 16) == 0
    for pe, simd, lut in FC_FOLDINGS:
        e = res.mvau(1152, 10, pe, simd, 4, False, False, 4, True, False, 16, 0, 16).resources
        assert 0.95 <= e.lut / lut <= 1.1, (pe, simd, e.lut, lut)


# qnnc_mvau alone with DSP products (ACC_W 16, no activation), `yosys synth_xilinx -flatten`
# (0.23): (MW, MH, SIMD, PE, IN_W, IN_SIGNED, W_W, W_SIGNED, flip-flops). Every DSP48E1 has
# BREG = 1 (the weight lane's stage-2 register) and AREG = 2 at NF = 1 (the live and the
# stage-2 input registers), AREG = 1 past it (the replay mux sits between them).
DSP_MVAU_FFS = [(16, 4, 8, 4, 4, 0, 4, 1, 181), (16, 8, 8, 4, 4, 0, 4, 1, 248),
                (27, 16, 27, 16, 4, 0, 4, 1, 1753), (16, 4, 16, 1, 8, 1, 8, 1, 492),
                (32, 8, 4, 2, 4, 0, 4, 1, 99)]


def test_dsp_mvau_input_registers_are_in_the_dsps():
    for mw, mh, simd, pe, xb, xs, wb, ws, ff in DSP_MVAU_FFS:
        assert res.products_in_dsp(xb, bool(xs), False, wb, bool(ws), False)
        e = res.mvau(mw, mh, pe, simd, xb, bool(xs), False, wb, bool(ws), False, 16, 0, 16)
        w = e.memories[0]  # the weight ROM is the layer module's, not the cell's
        cell_ff = e.resources.ff - (res.rom_columns(w.depth, w.width)
                                    if w.style == "distributed" else 0)
        assert 0.95 <= cell_ff / ff <= 1.12, (mw, mh, simd, pe, cell_ff, ff)
    # LUT products keep theirs: the same shape at 2-bit inputs has the stage-2 registers
    lut = res.mvau(16, 4, 4, 8, 2, False, False, 2, True, False, 16, 0, 16).resources
    assert lut.ff >= 8 * 2 + 4 * 8 * 2
