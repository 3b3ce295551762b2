"""Lint, co-simulation and synthesis smoke tests for the Verilog library in backends/verilog/lib.

Semantics under test are those of docs/hardware-interface.md.  Testbenches are generated into
pytest's tmp_path; stimulus, ROM contents and valid/ready patterns are written as $readmemh files
by Python (numpy) and the DUT outputs are compared bit-exactly against numpy models.

Tool policy: a missing verilator / iverilog / yosys skips the test, unless the CI environment
variable is set, in which case the test fails.
"""

import os
import re
import shutil
import subprocess
from pathlib import Path

import celltools as ct
import numpy as np
import pytest
import rowmaps

from qnnc.dialects import dataflow, rtl

pytestmark = pytest.mark.cosim

REPO = Path(__file__).resolve().parents[2]
LIB = REPO / "backends" / "verilog" / "lib"


def lib_file(module):
    return LIB / f"{module}.v"


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------
def require(*tools):
    for tool in tools:
        if shutil.which(tool) is None:
            msg = f"required tool '{tool}' not found on PATH"
            if os.environ.get("CI"):
                pytest.fail(msg)
            pytest.skip(msg)


def clog2(n):
    return (int(n) - 1).bit_length() if n > 1 else 0


def run(cmd, cwd=None, timeout=120):
    res = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    return res.returncode, res.stdout + res.stderr


def pack(vals, w):
    """Pack raw (unsigned) element patterns, element 0 in the LSBs."""
    x = 0
    m = (1 << w) - 1
    for i, v in enumerate(vals):
        x |= (int(v) & m) << (i * w)
    return x


def unpack(x, w, n):
    m = (1 << w) - 1
    return [(x >> (i * w)) & m for i in range(n)]


def hexstr(x, bits):
    return format(x, "0{}x".format(max(1, (bits + 3) // 4)))


def write_mem(path, words, bits):
    path.write_text("".join(hexstr(w, bits) + "\n" for w in words))


def decode(raw, w, signed, bipolar=False):
    raw = np.asarray(raw, dtype=np.int64)
    if bipolar:
        return 2 * raw - 1
    if signed:
        return np.where(raw >= (1 << (w - 1)), raw - (1 << w), raw)
    return raw


def wrap_signed(v, w):
    v = np.asarray(v, dtype=np.int64)
    return ((v + (1 << (w - 1))) % (1 << w)) - (1 << (w - 1))


def threshold_count(vals, thr, desc):
    """vals: (..., R); thr: (R, K); desc: (R,) -> count per element."""
    v = vals[..., None]
    ge = (v >= thr).sum(-1)
    le = (v <= thr).sum(-1)
    return np.where(desc, le, ge)


def make_thresholds(rng, vals, n_thres, t_w):
    """Thresholds per row around the observed values (some exactly equal to observed values),
    sorted ascending or descending according to a random direction bit per row."""
    rows = vals.shape[-1]
    lo_t, hi_t = -(1 << (t_w - 1)), (1 << (t_w - 1)) - 1
    thr = np.zeros((rows, n_thres), dtype=np.int64)
    desc = rng.integers(0, 2, size=rows)
    for r in range(rows):
        col = vals[..., r].ravel()
        lo, hi = int(col.min()) - 2, int(col.max()) + 2
        t = rng.integers(lo, hi + 1, size=n_thres)
        pick = rng.random(n_thres) < 0.3
        t[pick] = rng.choice(col, size=int(pick.sum()))
        t = np.clip(t, lo_t, hi_t)
        t = np.sort(t)
        thr[r] = t[::-1] if desc[r] else t
    return thr, desc


def pattern(rng, n, p):
    return (rng.random(n) < p).astype(int)


# --------------------------------------------------------------------------------------------
# generic stream testbench
# --------------------------------------------------------------------------------------------
TB_TEMPLATE = """\
`timescale 1ns/1ps
module tb;
    localparam integer IW = {in_w};
    localparam integer OW = {out_w};
    localparam integer NIN = {n_in};
    localparam integer NOUT = {n_out};
    localparam integer NPAT = {npat};
    localparam integer MAXCYC = {maxcyc};

    reg clk = 1'b0;
    reg rst_n = 1'b0;
    always #5 clk = ~clk;

    reg [IW-1:0] in_mem [0:NIN-1];
    reg vpat [0:NPAT-1];
    reg rpat [0:NPAT-1];
    integer cyc = 0;
    integer ip = 0;
    integer ipn;
    integer nout = 0;
    integer tail = 0;
    integer fd;
    reg vld = 1'b0;
    reg rdy = 1'b0;
    reg pv = 1'b0;
    reg pr = 1'b0;
    reg [OW-1:0] pd;

    wire [IW-1:0] in_tdata = in_mem[ip];
    wire in_tvalid = vld;
    wire in_tready;
    wire [OW-1:0] out_tdata;
    wire out_tvalid;
    wire out_tready = rdy;

{extra}

{dut}

    initial begin
        $readmemh("{d}/in.hex", in_mem);
        $readmemh("{d}/vpat.hex", vpat);
        $readmemh("{d}/rpat.hex", rpat);
{initial}
        fd = $fopen("{d}/out.txt", "w");
        repeat (3) @(posedge clk);
        rst_n <= 1'b1;
    end

    always @(posedge clk) begin
        cyc <= cyc + 1;
        if (rst_n) begin
            ipn = ip + ((vld && in_tready) ? 1 : 0);
            ip <= ipn;
            if (!vld || in_tready)
                vld <= (ipn < NIN) && vpat[cyc % NPAT];
            rdy <= rpat[cyc % NPAT];
            if (out_tvalid && out_tready) begin
                $fwrite(fd, "%h %0d\\n", out_tdata, cyc);
                nout = nout + 1;
            end
            if (pv && !pr && (!out_tvalid || out_tdata !== pd))
                $fwrite(fd, "PROTOCOL %0d\\n", cyc);
            pv <= out_tvalid;
            pr <= out_tready;
            pd <= out_tdata;
            if (nout >= NOUT) begin
                tail = tail + 1;
                if (tail > 20) begin
                    $fclose(fd);
                    $finish;
                end
            end
        end
        if (cyc > MAXCYC) begin
            $fwrite(fd, "TIMEOUT %0d\\n", cyc);
            $fclose(fd);
            $finish;
        end
    end
endmodule
"""


def stream_sim(workdir, module, dut, in_w, out_w, in_words, n_out, vpat, rpat,
               extra="", mems=(), maxcyc=None):
    """Simulate `dut` (instantiation text) with a source/sink testbench.

    mems: iterable of (verilog memory name, list of words, bits) loaded with $readmemh.
    Returns (list of output words, list of cycle stamps)."""
    workdir.mkdir(parents=True, exist_ok=True)
    write_mem(workdir / "in.hex", in_words, in_w)
    npat = len(vpat)
    assert len(rpat) == npat
    write_mem(workdir / "vpat.hex", vpat, 1)
    write_mem(workdir / "rpat.hex", rpat, 1)
    init = []
    for name, words, bits in mems:
        write_mem(workdir / f"{name}.hex", words, bits)
        init.append(f'        $readmemh("{workdir.as_posix()}/{name}.hex", {name});')
    if maxcyc is None:
        maxcyc = 50 * (len(in_words) + n_out) + 500
    tb = TB_TEMPLATE.format(in_w=in_w, out_w=out_w, n_in=len(in_words), n_out=n_out, npat=npat,
                            maxcyc=maxcyc, extra=extra, dut=dut, d=workdir.as_posix(),
                            initial="\n".join(init))
    (workdir / "tb.v").write_text(tb)
    rc, log = run(["iverilog", "-g2005", "-o", str(workdir / "sim.vvp"), "-s", "tb",
                   str(workdir / "tb.v"), str(lib_file(module))])
    assert rc == 0, f"iverilog failed:\n{log}"
    rc, log = run(["vvp", "-n", str(workdir / "sim.vvp")], cwd=workdir)
    assert rc == 0, f"vvp failed:\n{log}"
    words, cycles = [], []
    for line in (workdir / "out.txt").read_text().splitlines():
        assert not line.startswith("TIMEOUT"), f"simulation timed out ({len(words)}/{n_out} beats)"
        assert not line.startswith("PROTOCOL"), f"AXI-stream rule violated by DUT: {line}"
        h, c = line.split()
        try:
            words.append(int(h, 16))
        except ValueError:
            raise AssertionError(f"X/Z on out_tdata: {line}")
        cycles.append(int(c))
    assert len(words) == n_out, f"expected {n_out} output beats, got {len(words)}"
    return words, cycles


def instance(module, params, extra_ports=""):
    ps = ",\n        ".join(f".{k}({v})" for k, v in params.items())
    return (f"    {module} #(\n        {ps}\n    ) dut (\n"
            "        .clk(clk), .rst_n(rst_n),\n"
            "        .in_tdata(in_tdata), .in_tvalid(in_tvalid), .in_tready(in_tready),\n"
            "        .out_tdata(out_tdata), .out_tvalid(out_tvalid), .out_tready(out_tready)"
            f"{extra_ports}\n    );")


# --------------------------------------------------------------------------------------------
# (a) lint
# --------------------------------------------------------------------------------------------
MVAU_BASE = dict(MW=8, MH=6, SIMD=2, PE=3, IN_W=4, IN_SIGNED=0, IN_BIPOLAR=0, W_W=4, W_SIGNED=1,
                 W_BIPOLAR=0, ACC_W=16, N_THRES=0, OUT_W=16, OUT_BIAS=0)


def mvau_params(**kw):
    p = dict(MVAU_BASE)
    p.update(kw)
    return p


LINT_CASES = [
    ("qnnc_mvau", mvau_params()),
    ("qnnc_mvau", mvau_params(MW=1, MH=1, SIMD=1, PE=1)),
    ("qnnc_mvau", mvau_params(MW=5, MH=3, SIMD=1, PE=1, N_THRES=1, OUT_W=1)),
    ("qnnc_mvau", mvau_params(MW=6, MH=4, SIMD=3, PE=2, IN_SIGNED=1, N_THRES=3, OUT_W=3,
                              OUT_BIAS=-2)),
    ("qnnc_mvau", mvau_params(MW=4, MH=4, SIMD=4, PE=4, N_THRES=3, OUT_W=2)),   # NF=1, SF=1
    ("qnnc_mvau", mvau_params(IN_W=1, IN_BIPOLAR=1, W_W=1, W_BIPOLAR=1, ACC_W=8, N_THRES=1,
                              OUT_W=1)),
    ("qnnc_mvau", mvau_params(IN_W=1, IN_BIPOLAR=1, ACC_W=10, OUT_W=10)),
    ("qnnc_mvau", mvau_params(W_W=1, W_BIPOLAR=1, ACC_W=4, OUT_W=4)),
    ("qnnc_mvau", mvau_params(IN_SIGNED=1, ACC_W=5, OUT_W=5)),                  # product > ACC_W
    ("qnnc_mvau", mvau_params(ACC_W=19, N_THRES=63, OUT_W=6, ACT=1, M_W=2, B_W=13, SHIFT=9)),
    ("qnnc_mvau", mvau_params(MW=6, MH=4, SIMD=3, PE=2, IN_SIGNED=1, ACC_W=12, N_THRES=7,
                              OUT_W=3, OUT_BIAS=-4, ACT=1, M_W=5, B_W=9, SHIFT=5)),
    ("qnnc_mvau", mvau_params(MW=1, MH=1, SIMD=1, PE=1, ACC_W=8, N_THRES=1, OUT_W=1, ACT=1,
                              M_W=3, B_W=4, SHIFT=0)),                          # 1-bit count
    ("qnnc_mvau", mvau_params(MW=2, SIMD=1, IN_W=1, W_W=1, ACC_W=3, N_THRES=5, OUT_W=4, ACT=1,
                              M_W=1, B_W=2, SHIFT=1)),                          # sum < count
    ("qnnc_thres", dict(C=6, PE=2, IN_W=5, IN_SIGNED=1, T_W=4, N_THRES=3, OUT_W=2, OUT_BIAS=-1)),
    ("qnnc_thres", dict(C=1, PE=1, IN_W=4, IN_SIGNED=0, T_W=8, N_THRES=1, OUT_W=1, OUT_BIAS=0)),
    ("qnnc_thres", dict(C=8, PE=4, IN_W=8, IN_SIGNED=0, T_W=9, N_THRES=7, OUT_W=3, OUT_BIAS=0)),
    ("qnnc_fifo", dict(W=8, DEPTH=2)),
    ("qnnc_fifo", dict(W=1, DEPTH=5)),
    ("qnnc_fifo", dict(W=13, DEPTH=16)),
    ("qnnc_dwc", dict(ELEM_W=4, IN_P=1, OUT_P=1)),
    ("qnnc_dwc", dict(ELEM_W=4, IN_P=1, OUT_P=4)),
    ("qnnc_dwc", dict(ELEM_W=4, IN_P=4, OUT_P=1)),
    ("qnnc_dwc", dict(ELEM_W=1, IN_P=2, OUT_P=3)),
    ("qnnc_dwc", dict(ELEM_W=3, IN_P=6, OUT_P=4)),
    ("qnnc_dwc", dict(ELEM_W=2, IN_P=3, OUT_P=3)),     # equal: wires
    ("qnnc_dwc", dict(ELEM_W=2, IN_P=32, OUT_P=16)),   # down-sizing, k = 2
    ("qnnc_dwc", dict(ELEM_W=1, IN_P=6, OUT_P=2)),     # down-sizing, k = 3
    ("qnnc_dwc", dict(ELEM_W=5, IN_P=8, OUT_P=1)),     # down-sizing, k = 8
    ("qnnc_dwc", dict(ELEM_W=2, IN_P=16, OUT_P=32)),   # up-sizing, k = 2
    ("qnnc_dwc", dict(ELEM_W=1, IN_P=2, OUT_P=6)),     # up-sizing, k = 3
    ("qnnc_dwc", dict(ELEM_W=2, IN_P=4, OUT_P=16)),    # up-sizing, k = 4
    ("qnnc_dwc", dict(ELEM_W=3, IN_P=1, OUT_P=8)),     # up-sizing, k = 8
    ("qnnc_dwc", dict(ELEM_W=2, IN_P=3, OUT_P=2)),     # neither: gcd buffer
    ("qnnc_dwc", dict(ELEM_W=2, IN_P=4, OUT_P=6)),
    ("qnnc_rowmap", dict(ROW_IN=6, ROW_OUT=24, P=2, ELEM_W=4)),
    ("qnnc_rowmap", dict(ROW_IN=16, ROW_OUT=16, P=2, ELEM_W=3)),
    ("qnnc_rowmap", dict(ROW_IN=1, ROW_OUT=3, P=3, ELEM_W=2)),
    ("qnnc_rowmap", dict(ROW_IN=1, ROW_OUT=1, P=1, ELEM_W=1)),
    ("qnnc_rowmap", dict(ROW_IN=5, ROW_OUT=3, P=2, ELEM_W=5)),
    ("qnnc_rowmap", dict(ROW_IN=2, ROW_OUT=1, P=4, ELEM_W=8)),
]


def _case_id(case):
    mod, p = case
    return mod + "-" + "_".join(f"{k}{v}" for k, v in p.items())


@pytest.mark.parametrize("module,params", LINT_CASES, ids=[_case_id(c) for c in LINT_CASES])
def test_lint(module, params):
    require("verilator")
    cmd = ["verilator", "--lint-only", "-Wall", "--top-module", module]
    cmd += [f"-G{k}={v}" for k, v in params.items()]
    cmd.append(str(lib_file(module)))
    rc, log = run(cmd)
    assert rc == 0 and "%Warning" not in log and "%Error" not in log, log


# --------------------------------------------------------------------------------------------
# (b) MVAU co-simulation
# --------------------------------------------------------------------------------------------
class MvauCase:
    def __init__(self, rng, p, frames):
        self.p = p
        mw, mh, simd, pe = p["MW"], p["MH"], p["SIMD"], p["PE"]
        self.sf, self.nf = mw // simd, mh // pe
        acc_w, nt = p["ACC_W"], p["N_THRES"]
        in_w, w_w = p["IN_W"], p["W_W"]
        self.x_raw = rng.integers(0, 1 << in_w, size=(frames, mw))
        self.w_raw = rng.integers(0, 1 << w_w, size=(mh, mw))
        x = decode(self.x_raw, in_w, p["IN_SIGNED"], p["IN_BIPOLAR"])
        w = decode(self.w_raw, w_w, p["W_SIGNED"], p["W_BIPOLAR"])
        acc = wrap_signed(x @ w.T, acc_w)                       # (frames, MH)
        if nt == 0:
            assert p["OUT_W"] == acc_w
            self.expected = acc & ((1 << acc_w) - 1)
            self.thr = np.zeros((mh, 1), dtype=np.int64)
            self.desc = np.zeros(mh, dtype=np.int64)
        else:
            self.thr, self.desc = make_thresholds(rng, acc, nt, acc_w)
            cnt = threshold_count(acc, self.thr, self.desc.astype(bool))
            self.expected = (cnt + p["OUT_BIAS"]) & ((1 << p["OUT_W"]) - 1)
        self.frames = frames

    def in_words(self):
        p = self.p
        simd, in_w = p["SIMD"], p["IN_W"]
        return [pack(self.x_raw[f, sf * simd:(sf + 1) * simd], in_w)
                for f in range(self.frames) for sf in range(self.sf)]

    def expected_words(self):
        pe, ow = self.p["PE"], self.p["OUT_W"]
        return [pack(self.expected[f, nf * pe:(nf + 1) * pe], ow)
                for f in range(self.frames) for nf in range(self.nf)]

    def wrom(self):
        p = self.p
        simd, pe, w_w = p["SIMD"], p["PE"], p["W_W"]
        words = []
        for nf in range(self.nf):
            for sf in range(self.sf):
                vals = [self.w_raw[nf * pe + q, sf * simd + s] for q in range(pe)
                        for s in range(simd)]
                words.append(pack(vals, w_w))
        return words

    def trom(self):
        p = self.p
        pe, acc_w = p["PE"], p["ACC_W"]
        nt1 = max(p["N_THRES"], 1)
        words, descs = [], []
        for nf in range(self.nf):
            rows = range(nf * pe, (nf + 1) * pe)
            vals = [int(self.thr[r, k]) if p["N_THRES"] else 0 for r in rows for k in range(nt1)]
            words.append(pack(vals, acc_w))
            descs.append(pack([int(self.desc[r]) for r in rows], 1))
        return words, descs

    def simulate(self, workdir, vpat, rpat):
        p = self.p
        simd, pe = p["SIMD"], p["PE"]
        nt1 = max(p["N_THRES"], 1)
        wa_w = max(1, clog2(self.nf * self.sf))
        ta_w = max(1, clog2(self.nf))
        ww = pe * simd * p["W_W"]
        tw = pe * nt1 * p["ACC_W"]
        extra = f"""\
    reg [{ww - 1}:0] wrom [0:{self.nf * self.sf - 1}];
    reg [{tw - 1}:0] trom [0:{self.nf - 1}];
    reg [{pe - 1}:0] drom [0:{self.nf - 1}];
    wire [{wa_w - 1}:0] w_addr;
    wire [{ta_w - 1}:0] t_addr;
    reg  [{ww - 1}:0] w_data;
    reg  [{tw - 1}:0] t_data;
    reg  [{pe - 1}:0] t_desc;
    always @(posedge clk) begin  // synchronous ROMs, as block RAM reads
        w_data <= wrom[w_addr];
        t_data <= trom[t_addr];
        t_desc <= drom[t_addr];
    end"""
        dut = instance("qnnc_mvau", p,
                       ",\n        .w_addr(w_addr), .w_data(w_data),"
                       " .t_addr(t_addr), .t_data(t_data), .t_desc(t_desc)")
        tw_words, td_words = self.trom()
        return stream_sim(workdir, "qnnc_mvau", dut, simd * p["IN_W"], pe * p["OUT_W"],
                          self.in_words(), self.frames * self.nf, vpat, rpat, extra=extra,
                          mems=[("wrom", self.wrom(), ww), ("trom", tw_words, tw),
                                ("drom", td_words, pe)])


TB_FIRST_BEAT = 4
"""The testbench's cycle stamp (`cyc`, as it logs outputs) of the first input handshake at full
rate: reset is released after three edges and the source's valid is registered after that."""

MVAU_CASES = {
    "int_noact": mvau_params(),
    "thres3_negbias": mvau_params(MW=6, MH=4, SIMD=3, PE=2, IN_W=3, IN_SIGNED=1, W_W=2,
                                  ACC_W=12, N_THRES=3, OUT_W=3, OUT_BIAS=-2),
    "pe1_simd1": mvau_params(MW=5, MH=3, SIMD=1, PE=1, IN_W=2, W_W=3, W_SIGNED=0, ACC_W=10,
                             N_THRES=1, OUT_W=1),
    "nf1": mvau_params(MW=8, MH=4, SIMD=4, PE=4, IN_SIGNED=1, ACC_W=12, N_THRES=3, OUT_W=2,
                       OUT_BIAS=0),
    "sf1": mvau_params(MW=4, MH=6, SIMD=4, PE=2, ACC_W=12, OUT_W=12),
    "nf1_sf1": mvau_params(MW=2, MH=2, SIMD=2, PE=2, ACC_W=10, OUT_W=10),
    "single": mvau_params(MW=1, MH=1, SIMD=1, PE=1, ACC_W=9, N_THRES=3, OUT_W=2, OUT_BIAS=1),
    "bipolar_xnor": mvau_params(MW=16, MH=8, SIMD=4, PE=2, IN_W=1, IN_BIPOLAR=1, W_W=1,
                                W_BIPOLAR=1, ACC_W=8, N_THRES=1, OUT_W=1),
    "bipolar_in": mvau_params(MW=6, MH=4, SIMD=2, PE=2, IN_W=1, IN_BIPOLAR=1, W_W=3,
                              ACC_W=10, OUT_W=10),
    "bipolar_w": mvau_params(MW=6, MH=6, SIMD=3, PE=3, IN_W=4, W_W=1, W_BIPOLAR=1, ACC_W=10,
                             N_THRES=3, OUT_W=2),
    "acc_wrap": mvau_params(MW=8, MH=4, SIMD=2, PE=2, IN_SIGNED=1, ACC_W=5, OUT_W=5),
}


@pytest.mark.parametrize("name", list(MVAU_CASES))
def test_mvau_cosim(name, tmp_path):
    require("iverilog", "vvp")
    p = MVAU_CASES[name]
    rng = np.random.default_rng(sum(map(ord, name)))

    # random input gaps and output back-pressure, several frames back to back
    case = MvauCase(rng, p, frames=5)
    npat = 512
    vpat, rpat = pattern(rng, npat, 0.7), pattern(rng, npat, 0.5)
    got, _ = case.simulate(tmp_path / "gaps", vpat, rpat)
    exp = case.expected_words()
    bad = [(i, hex(g), hex(e)) for i, (g, e) in enumerate(zip(got, exp)) if g != e]
    assert not bad, f"mismatches (beat, got, expected): {bad[:8]}"

    # no gaps / no back-pressure: exact throughput of NF*SF cycles per frame
    case = MvauCase(rng, p, frames=4)
    ones = np.ones(16, dtype=int)
    got, cyc = case.simulate(tmp_path / "full", ones, ones)
    assert got == case.expected_words()
    last = [cyc[(f + 1) * case.nf - 1] for f in range(case.frames)]
    intervals = np.diff(last).tolist()
    assert intervals == [case.nf * case.sf] * (case.frames - 1), intervals
    # output beats of one frame are also back to back every SF cycles
    assert np.diff(cyc).tolist() == [case.sf] * (len(cyc) - 1)
    # the first output beat comes the compiler's pipeline latency after the vector's last
    # input beat (the testbench offers its first beat in cycle TB_FIRST_BEAT)
    latency = dataflow.mvau_latency(p["SIMD"], p["N_THRES"] > 0)
    assert cyc[0] == TB_FIRST_BEAT + (case.sf - 1) + latency, (cyc[0], case.sf, latency)


# --------------------------------------------------------------------------------------------
# (b) thresholding, FIFO and width converter co-simulation
# --------------------------------------------------------------------------------------------
THRES_CASES = {
    "signed_narrow_t": dict(C=6, PE=2, IN_W=5, IN_SIGNED=1, T_W=4, N_THRES=3, OUT_W=2,
                            OUT_BIAS=-1),
    "single_lane": dict(C=1, PE=1, IN_W=4, IN_SIGNED=0, T_W=8, N_THRES=1, OUT_W=1, OUT_BIAS=0),
    "unsigned_wide": dict(C=8, PE=4, IN_W=8, IN_SIGNED=0, T_W=9, N_THRES=7, OUT_W=3,
                          OUT_BIAS=0),
}


@pytest.mark.parametrize("name", list(THRES_CASES))
def test_thres_cosim(name, tmp_path):
    require("iverilog", "vvp")
    p = THRES_CASES[name]
    rng = np.random.default_rng(sum(map(ord, name)))
    c, pe, in_w, t_w, nt, ow = p["C"], p["PE"], p["IN_W"], p["T_W"], p["N_THRES"], p["OUT_W"]
    nf = c // pe
    frames = 6
    raw = rng.integers(0, 1 << in_w, size=(frames, c))
    x = decode(raw, in_w, p["IN_SIGNED"])
    thr, desc = make_thresholds(rng, x, nt, t_w)
    # (with T_W narrower than the input, thresholds are clipped and inputs fall outside them)
    exp = (threshold_count(x, thr, desc.astype(bool)) + p["OUT_BIAS"]) & ((1 << ow) - 1)
    in_words = [pack(raw[f, n * pe:(n + 1) * pe], in_w) for f in range(frames) for n in range(nf)]
    exp_words = [pack(exp[f, n * pe:(n + 1) * pe], ow) for f in range(frames) for n in range(nf)]
    tw = pe * nt * t_w
    ta_w = max(1, clog2(nf))
    t_words = [pack([thr[n * pe + q, k] for q in range(pe) for k in range(nt)], t_w)
               for n in range(nf)]
    d_words = [pack([desc[n * pe + q] for q in range(pe)], 1) for n in range(nf)]
    extra = f"""\
    reg [{tw - 1}:0] trom [0:{nf - 1}];
    reg [{pe - 1}:0] drom [0:{nf - 1}];
    wire [{ta_w - 1}:0] t_addr;
    wire [{tw - 1}:0] t_data = trom[t_addr];
    wire [{pe - 1}:0] t_desc = drom[t_addr];"""
    dut = instance("qnnc_thres", p, ",\n        .t_addr(t_addr), .t_data(t_data), .t_desc(t_desc)")
    mems = [("trom", t_words, tw), ("drom", d_words, pe)]
    got, _ = stream_sim(tmp_path / "gaps", "qnnc_thres", dut, pe * in_w, pe * ow, in_words,
                        len(exp_words), pattern(rng, 256, 0.7), pattern(rng, 256, 0.5),
                        extra=extra, mems=mems)
    assert got == exp_words
    ones = np.ones(8, dtype=int)
    got, cyc = stream_sim(tmp_path / "full", "qnnc_thres", dut, pe * in_w, pe * ow, in_words,
                          len(exp_words), ones, ones, extra=extra, mems=mems)
    assert got == exp_words
    assert np.diff(cyc).tolist() == [1] * (len(cyc) - 1)     # one beat per cycle


@pytest.mark.parametrize("w,depth", [(8, 2), (5, 5), (1, 16)])
def test_fifo_cosim(w, depth, tmp_path):
    require("iverilog", "vvp")
    rng = np.random.default_rng(w * 100 + depth)
    n = 200
    words = [int(v) for v in rng.integers(0, 1 << w, size=n)]
    dut = instance("qnnc_fifo", dict(W=w, DEPTH=depth))
    for i, (pv, pr) in enumerate([(0.8, 0.4), (0.4, 0.8), (0.7, 0.7)]):
        got, _ = stream_sim(tmp_path / f"gaps{i}", "qnnc_fifo", dut, w, w, words, n,
                            pattern(rng, 256, pv), pattern(rng, 256, pr))
        assert got == words
    ones = np.ones(8, dtype=int)
    got, cyc = stream_sim(tmp_path / "full", "qnnc_fifo", dut, w, w, words, n, ones, ones)
    assert got == words
    assert np.diff(cyc).tolist() == [1] * (n - 1)


DWC_CASES = [
    (1, 1), (5, 5), (3, 3),                                        # equal: wires
    (4, 1), (8, 1), (8, 4), (32, 16), (6, 2), (9, 3), (6, 3),     # IN_P = k*OUT_P
    (1, 4), (1, 8), (4, 8), (16, 32), (4, 16), (2, 6), (3, 9),    # OUT_P = k*IN_P
    (2, 3), (3, 2), (6, 4), (4, 6),                                # neither: gcd buffer
]


@pytest.mark.parametrize("in_p,out_p", DWC_CASES)
def test_dwc_cosim(in_p, out_p, tmp_path):
    require("iverilog", "vvp")
    ew = 4
    rng = np.random.default_rng(in_p * 10 + out_p)
    lcm = in_p * out_p // np.gcd(in_p, out_p)
    n_elems = lcm * max(1, 120 // lcm)
    elems = rng.integers(0, 1 << ew, size=n_elems)
    in_words = [pack(elems[i:i + in_p], ew) for i in range(0, n_elems, in_p)]
    exp_words = [pack(elems[i:i + out_p], ew) for i in range(0, n_elems, out_p)]
    dut = instance("qnnc_dwc", dict(ELEM_W=ew, IN_P=in_p, OUT_P=out_p))
    # random gaps and back-pressure: balanced, consumer-bound, producer-bound
    for i, (pv, pr) in enumerate([(0.7, 0.6), (0.9, 0.3), (0.3, 0.9)]):
        got, _ = stream_sim(tmp_path / f"gaps{i}", "qnnc_dwc", dut, in_p * ew, out_p * ew,
                            in_words, len(exp_words), pattern(rng, 256, pv),
                            pattern(rng, 256, pr))
        assert got == exp_words, (pv, pr)
    ones = np.ones(8, dtype=int)
    got, cyc = stream_sim(tmp_path / "full", "qnnc_dwc", dut, in_p * ew, out_p * ew, in_words,
                          len(exp_words), ones, ones)
    assert got == exp_words
    # sustains the slower side: min(IN_P, OUT_P) elements per cycle
    rate = min(in_p, out_p)
    span = cyc[-1] - cyc[0]
    ideal = -(-(n_elems - out_p) // rate)
    assert span <= ideal + 1, (span, ideal)
    if in_p >= out_p:
        assert np.diff(cyc).tolist() == [1] * (len(cyc) - 1)  # output every cycle


# --------------------------------------------------------------------------------------------
# (b) row gather co-simulation: against the declared semantics (rtl.CELLS), via tests/rowmaps.py
# --------------------------------------------------------------------------------------------
def rowmap_sim(workdir, case, x, vpat, rpat):
    """Stream frames x (F, groups·ROW_IN·P) through qnnc_rowmap; returns (words, cycles)."""
    p, ew = case.lanes, case.elem_w
    sw, jw = case.src_width, max(1, clog2(case.row_out))
    extra = f"""\
    reg [{sw - 1}:0] srom [0:{case.row_out - 1}];
    wire [{jw - 1}:0] src_addr;
    wire [{sw - 1}:0] src_data = srom[src_addr];"""
    dut = instance("qnnc_rowmap", case.params,
                   ",\n        .src_addr(src_addr), .src_data(src_data)")
    in_words = [pack(b, ew) for b in x.reshape(-1, p)]
    return stream_sim(workdir, "qnnc_rowmap", dut, p * ew, p * ew, in_words,
                      len(x) * case.out_beats, vpat, rpat, extra=extra,
                      mems=[("srom", list(case.src), sw)])


@pytest.mark.parametrize("name", list(rowmaps.CASES))
def test_rowmap_cosim(name, tmp_path):
    require("iverilog", "vvp")
    case = rowmaps.CASES[name]
    rng = np.random.default_rng(sum(map(ord, name)))
    p, ew = case.lanes, case.elem_w

    # random input gaps and output back-pressure, several frames back to back
    for i, (pv, pr) in enumerate([(0.7, 0.5), (0.3, 0.9)]):
        x = case.frames(rng, 4)
        exp = [pack(b, ew) for b in case.expected(x).reshape(-1, p)]
        got, _ = rowmap_sim(tmp_path / f"gaps{i}", case, x, pattern(rng, 256, pv),
                            pattern(rng, 256, pr))
        bad = [(k, hex(g), hex(e)) for k, (g, e) in enumerate(zip(got, exp)) if g != e]
        assert not bad, f"mismatches (beat, got, expected): {bad[:8]}"

    # full rate: a group every max(ROW_IN, ROW_OUT) cycles, so a frame every max(..)·groups
    frames = 4
    x = case.frames(rng, frames)
    ones = np.ones(8, dtype=int)
    got, cyc = rowmap_sim(tmp_path / "full", case, x, ones, ones)
    assert got == [pack(b, ew) for b in case.expected(x).reshape(-1, p)]
    period = max(case.row_in, case.row_out)
    group_ends = [cyc[(g + 1) * case.row_out - 1] for g in range(frames * case.groups)]
    assert np.diff(group_ends).tolist() == [period] * (len(group_ends) - 1), group_ends
    frame_ends = group_ends[case.groups - 1::case.groups]
    per_frame = np.diff(frame_ends).tolist()
    assert per_frame == [period * case.groups] * (frames - 1), per_frame
    # a group's beats leave back to back
    for g in range(frames * case.groups):
        beats = cyc[g * case.row_out:(g + 1) * case.row_out]
        assert np.diff(beats).tolist() == [1] * (case.row_out - 1)
    print(f"qnnc_rowmap {name}: {per_frame[0]} cycles a frame at full rate "
          f"(max(ROW_IN, ROW_OUT)·groups = {period * case.groups})")


# --------------------------------------------------------------------------------------------
# (c) synthesis smoke test
# --------------------------------------------------------------------------------------------
def test_mvau_synth_xilinx(tmp_path):
    require("yosys")
    params = dict(MW=4, MH=4, SIMD=2, PE=2, IN_W=3, IN_SIGNED=1, W_W=3, W_SIGNED=1, ACC_W=8,
                  N_THRES=3, OUT_W=2, OUT_BIAS=1)
    chparam = " ".join(f"-set {k} {v}" for k, v in params.items())
    script = (f"read_verilog {lib_file('qnnc_mvau')}; chparam {chparam} qnnc_mvau; "
              "synth_xilinx -top qnnc_mvau; stat")
    rc, log = run(["yosys", "-p", script], cwd=tmp_path, timeout=300)
    assert rc == 0, log[-4000:]
    assert "ERROR" not in log, log[-4000:]
    # the design must not be optimised away: flops (acc, counters, output) and LUTs present
    assert "FDRE" in log and "LUT" in log


# --------------------------------------------------------------------------------------------
# (d) conv-net cells (pad, sliding window, pool, fork, residual add) and the MVAU/THRES on
#     several groups a frame: any number of streams, expected beats from the cell's declared
#     semantics (rtl.CELLS via tests/celltools.py, the single truth both libraries implement)
# --------------------------------------------------------------------------------------------
CELL_TB = """\
`timescale 1ns/1ps
module tb;
    localparam integer NPAT = {npat};
    localparam integer MAXCYC = {maxcyc};
    reg clk = 1'b0;
    reg rst_n = 1'b0;
    always #5 clk = ~clk;
    integer cyc = 0;
    integer tail = 0;
    integer fd;
{decls}
{dut}
    initial begin
{loads}
        fd = $fopen("{d}/out.txt", "w");
        repeat (3) @(posedge clk);
        rst_n <= 1'b1;
    end
    always @(posedge clk) begin
        cyc <= cyc + 1;
        if (rst_n) begin
{drive}
            if ({done}) begin
                tail = tail + 1;
                if (tail > 20) begin
                    $fclose(fd);
                    $finish;
                end
            end
        end
        if (cyc > MAXCYC) begin
            $fwrite(fd, "TIMEOUT %0d\\n", cyc);
            $fclose(fd);
            $finish;
        end
    end
endmodule
"""


def cell_sim(workdir: Path, case: "ct.Case", valid_prob: "float | tuple[float, ...]",
             ready_prob: float, seed: int, npat: int = 256, monitor: str = ""):
    """Simulate one cell (Icarus) on the case's input beats with random input gaps (each input
    stream its own pattern; `valid_prob` for all, or one per input stream) and output
    back-pressure (each output its own); returns, per output stream, (beats, cycle stamps). The
    testbench checks the AXI rule on every output; `monitor` is Verilog placed in the testbench
    (after the cell) that may write `PROTOCOL ...` lines to `fd`, failing the simulation."""
    workdir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    spec, op = rtl.CELLS[case.cell], case.op
    d = workdir.as_posix()
    decls, loads, drive, conns = [], [], [], []
    n_in = len(op.stream_inputs())
    probs = valid_prob if isinstance(valid_prob, tuple) else (valid_prob,) * n_in
    assert len(probs) == n_in
    for j, ((port, _), t, words) in enumerate(zip(op.stream_inputs(), case.ins, case.in_beats())):
        w, n = t.data_width, len(words)
        write_mem(workdir / f"in{j}.hex", words, w)
        write_mem(workdir / f"v{j}.hex", pattern(rng, npat, probs[j]), 1)
        decls.append(f"""\
    reg [{w - 1}:0] m{j} [0:{n - 1}];
    reg vp{j} [0:NPAT-1];
    integer ip{j} = 0;
    integer ipn{j};
    reg vld{j} = 1'b0;
    wire [{w - 1}:0] {port}_tdata = m{j}[ip{j}];
    wire {port}_tvalid = vld{j};
    wire {port}_tready;""")
        loads += [f'        $readmemh("{d}/in{j}.hex", m{j});',
                  f'        $readmemh("{d}/v{j}.hex", vp{j});']
        drive.append(f"""\
            ipn{j} = ip{j} + ((vld{j} && {port}_tready) ? 1 : 0);
            ip{j} <= ipn{j};
            if (!vld{j} || {port}_tready)
                vld{j} <= (ipn{j} < {n}) && vp{j}[(cyc + {17 * j}) % NPAT];""")
        conns.append(f".{port}_tdata({port}_tdata), .{port}_tvalid({port}_tvalid), "
                     f".{port}_tready({port}_tready)")
    done = []
    for k, ((port, _), t, words) in enumerate(zip(op.stream_outputs(), case.outs,
                                                  case.out_beats())):
        w = t.data_width
        write_mem(workdir / f"r{k}.hex", pattern(rng, npat, ready_prob), 1)
        decls.append(f"""\
    reg rp{k} [0:NPAT-1];
    reg rdy{k} = 1'b0;
    integer n{k} = 0;
    reg pv{k} = 1'b0;
    reg pr{k} = 1'b0;
    reg [{w - 1}:0] pd{k};
    wire [{w - 1}:0] {port}_tdata;
    wire {port}_tvalid;
    wire {port}_tready = rdy{k};""")
        loads.append(f'        $readmemh("{d}/r{k}.hex", rp{k});')
        drive.append(f"""\
            rdy{k} <= rp{k}[(cyc + {29 * k}) % NPAT];
            if ({port}_tvalid && {port}_tready) begin
                $fwrite(fd, "{k} %h %0d\\n", {port}_tdata, cyc);
                n{k} = n{k} + 1;
            end
            if (pv{k} && !pr{k} && (!{port}_tvalid || {port}_tdata !== pd{k}))
                $fwrite(fd, "PROTOCOL {port} %0d\\n", cyc);
            pv{k} <= {port}_tvalid;
            pr{k} <= {port}_tready;
            pd{k} <= {port}_tdata;""")
        conns.append(f".{port}_tdata({port}_tdata), .{port}_tvalid({port}_tvalid), "
                     f".{port}_tready({port}_tready)")
        done.append(f"n{k} >= {len(words)}")
    addr_wire: dict[str, str] = {}
    for (port, _), i in zip(op.roms(), case.port_roms()):
        p = op.param
        depth, width = port.depth(p), port.width(p)
        if port.addr not in addr_wire:
            addr_wire[port.addr] = port.addr
            decls.append(f"    wire [{max(1, clog2(depth)) - 1}:0] {port.addr};")
            conns.append(f".{port.addr}({port.addr})")
        if i is not None:
            write_mem(workdir / f"rom{i}.hex", case.rom_words()[i], width)
            decls.append(f"    reg [{width - 1}:0] rom{i} [0:{depth - 1}];")
            loads.append(f'        $readmemh("{d}/rom{i}.hex", rom{i});')
            if port.latency == 0:
                conns.append(f".{port.data}(rom{i}[{port.addr}])")
            else:  # a synchronous read, as block RAM gives
                assert port.latency == 1
                decls.append(f"    reg [{width - 1}:0] rom{i}_q;\n"
                             f"    always @(posedge clk) rom{i}_q <= rom{i}[{port.addr}];")
                conns.append(f".{port.data}(rom{i}_q)")
        else:
            conns.append(f".{port.data}({width}'d0)")
    params = ", ".join(f".{k}({v})" for k, v in zip(spec.params, case.param_values()))
    dut = (f"    {case.cell} #({params}) dut (\n        .clk(clk), .rst_n(rst_n),\n        "
           + ",\n        ".join(conns) + "\n    );")
    if monitor:
        dut += "\n" + monitor
    n_beats = sum(map(len, case.in_beats())) + sum(map(len, case.out_beats()))
    tb = CELL_TB.format(npat=npat, maxcyc=60 * n_beats + 1000, decls="\n".join(decls), dut=dut,
                        loads="\n".join(loads), d=d, drive="\n".join(drive),
                        done=" && ".join(done))
    (workdir / "tb.v").write_text(tb)
    rc, log = run(["iverilog", "-g2005", "-Wall", "-o", str(workdir / "sim.vvp"), "-s", "tb",
                   str(workdir / "tb.v"), str(lib_file(case.cell))])
    assert rc == 0, f"iverilog failed:\n{log}"
    rc, log = run(["vvp", "-n", str(workdir / "sim.vvp")], cwd=workdir)
    assert rc == 0, f"vvp failed:\n{log}"
    got = [([], []) for _ in case.outs]
    for line in (workdir / "out.txt").read_text().splitlines():
        assert not line.startswith("TIMEOUT"), \
            f"simulation timed out ({[len(g[0]) for g in got]} output beats)"
        assert not line.startswith("PROTOCOL"), f"AXI-stream rule violated by the cell: {line}"
        k, h, c = line.split()
        try:
            got[int(k)][0].append(int(h, 16))
        except ValueError:
            raise AssertionError(f"X/Z on an output's tdata: {line}")
        got[int(k)][1].append(int(c))
    return got


CONV_CASES = {c.name: c for c in ct.conv_cell_cases()}


def cycles_per_frame_model(case: "ct.Case") -> int:
    """The compiler's cycle model: one beat a cycle on the cell's bottleneck side."""
    in_beats = len(case.in_beats()[0]) // case.frames
    out_beats = len(case.out_beats()[0]) // case.frames
    if case.cell == "qnnc_mvau":
        p = case.params
        return in_beats * (p["MH"] // p["PE"])  # V groups of NF*SF
    return max(in_beats, out_beats)


@pytest.mark.parametrize("name", list(CONV_CASES))
def test_conv_cell_cosim(name, tmp_path):
    """Each cell equals its declared semantics under random input gaps and output back-pressure
    over several back-to-back frames, and at full rate sustains its cycle model per frame."""
    require("iverilog", "vvp")
    case = CONV_CASES[name]
    want = case.out_beats()
    got = cell_sim(tmp_path / "gaps", case, 0.7, 0.5, seed=len(name))
    for k, (words, _) in enumerate(got):
        bad = [(i, hex(g), hex(e)) for i, (g, e) in enumerate(zip(words, want[k])) if g != e]
        assert words == want[k], f"output {k}: mismatches (beat, got, expected) {bad[:8]}"
    full = cell_sim(tmp_path / "full", case, 1.0, 1.0, seed=1)
    assert [w for w, _ in full] == want
    cyc = full[0][1]
    per_frame = len(cyc) // case.frames
    ends = [cyc[(f + 1) * per_frame - 1] for f in range(case.frames)]
    assert np.diff(ends).tolist() == [cycles_per_frame_model(case)] * (case.frames - 1), \
        (np.diff(ends).tolist(), cycles_per_frame_model(case))


CONCAT_CASES = {c.name: c for c in ct.concat_cases()}


def concat_monitor(case: "ct.Case") -> str:
    """Testbench check of qnnc_concat's read discipline: with `taken` beats of a and b taken so
    far, the next is a's while taken mod (BA + BB) < BA; a_tready may be high only then, b_tready
    only otherwise (so at most one input moves a cycle, and neither is read ahead)."""
    p = case.params
    ba, bt = p["CA"] // p["P"], (p["CA"] + p["CB"]) // p["P"]
    return f"""\
    integer taken = 0;
    always @(posedge clk) begin
        if (rst_n) begin
            if (a_tready && (taken % {bt}) >= {ba})
                $fwrite(fd, "PROTOCOL a_tready_in_b_part %0d\\n", cyc);
            if (b_tready && (taken % {bt}) < {ba})
                $fwrite(fd, "PROTOCOL b_tready_in_a_part %0d\\n", cyc);
            taken = taken + ((a_tvalid && a_tready) ? 1 : 0) + ((b_tvalid && b_tready) ? 1 : 0);
        end
    end"""


@pytest.mark.parametrize("name", list(CONCAT_CASES))
def test_concat_cosim(name, tmp_path):
    """qnnc_concat equals its declared semantics with independent random gaps on a and b (a
    starved, b starved, both) and back-pressure on out, several frames back to back, reading a
    only for a pixel's first CA/P beats and b only for the rest; at full rate one beat a cycle
    across pixels and frames: pixels·(CA+CB)/P cycles a frame."""
    require("iverilog", "vvp")
    case = CONCAT_CASES[name]
    want = case.out_beats()[0]
    monitor = concat_monitor(case)
    for i, (va, vb, r) in enumerate([(0.2, 0.9, 0.8), (0.9, 0.2, 0.8), (0.6, 0.5, 0.3)]):
        (got, _), = cell_sim(tmp_path / f"gaps{i}", case, (va, vb), r, seed=i, monitor=monitor)
        bad = [(k, hex(g), hex(e)) for k, (g, e) in enumerate(zip(got, want)) if g != e]
        assert got == want, f"a {va}, b {vb}, out {r}: mismatches (beat, got, expected) {bad[:8]}"
    (got, cyc), = cell_sim(tmp_path / "full", case, 1.0, 1.0, seed=9, monitor=monitor)
    assert got == want
    assert np.diff(cyc).tolist() == [1] * (len(cyc) - 1), cyc
    p = case.params
    pixels = case.ins[0].frame.data // p["CA"]
    beats = len(cyc) // case.frames
    ends = [cyc[(f + 1) * beats - 1] for f in range(case.frames)]
    (per_frame,) = set(np.diff(ends).tolist())
    assert per_frame == pixels * (p["CA"] + p["CB"]) // p["P"]
    print(f"qnnc_concat {name}: {per_frame} cycles a frame at full rate "
          f"({pixels} pixels of ({p['CA']}+{p['CB']})/{p['P']} beats)")


CONV_LINT = [
    ("qnnc_pad", dict(H=4, W=5, C=2, P=1, ELEM_W=4, PT=1, PL=1, PB=1, PR=1, VALUE=0)),
    ("qnnc_pad", dict(H=3, W=4, C=4, P=2, ELEM_W=3, PT=2, PL=0, PB=1, PR=3, VALUE=-2)),
    ("qnnc_pad", dict(H=1, W=1, C=1, P=1, ELEM_W=40, PT=0, PL=0, PB=0, PR=1, VALUE=-1)),
    ("qnnc_swg", dict(H=6, W=5, C=2, SIMD=1, ELEM_W=4, KH=3, KW=3, SH=1, SW=1, DH=1, DW=1)),
    ("qnnc_swg", dict(H=8, W=7, C=1, SIMD=1, ELEM_W=4, KH=3, KW=2, SH=2, SW=2, DH=1, DW=1)),
    ("qnnc_swg", dict(H=7, W=7, C=2, SIMD=2, ELEM_W=2, KH=3, KW=3, SH=1, SW=1, DH=2, DW=2)),
    ("qnnc_swg", dict(H=4, W=6, C=3, SIMD=3, ELEM_W=4, KH=1, KW=3, SH=1, SW=1, DH=1, DW=1)),
    ("qnnc_swg", dict(H=1, W=1, C=1, SIMD=1, ELEM_W=1, KH=1, KW=1, SH=1, SW=1, DH=1, DW=1)),
    ("qnnc_swg_window", dict(H=6, W=5, C=2, SIMD=1, ELEM_W=4, KH=3, KW=3, SH=1, SW=1, DH=1,
                             DW=1)),
    ("qnnc_swg_window", dict(H=8, W=7, C=1, SIMD=1, ELEM_W=4, KH=3, KW=2, SH=2, SW=2, DH=1,
                             DW=1)),
    ("qnnc_swg_window", dict(H=7, W=7, C=2, SIMD=2, ELEM_W=2, KH=3, KW=3, SH=1, SW=1, DH=2,
                             DW=2)),
    ("qnnc_swg_window", dict(H=5, W=4, C=6, SIMD=2, ELEM_W=2, KH=2, KW=2, SH=2, SW=2, DH=1,
                             DW=1)),
    ("qnnc_swg_window", dict(H=4, W=3, C=4, SIMD=4, ELEM_W=3, KH=3, KW=3, SH=1, SW=1, DH=1,
                             DW=1)),
    ("qnnc_swg_window", dict(H=1, W=1, C=1, SIMD=1, ELEM_W=1, KH=1, KW=1, SH=1, SW=1, DH=1,
                             DW=1)),
    ("qnnc_pool", dict(K=4, C=4, PE=2, IN_W=4, IN_SIGNED=0, OUT_W=4, MODE=0)),
    ("qnnc_pool", dict(K=9, C=2, PE=1, IN_W=3, IN_SIGNED=1, OUT_W=3, MODE=0)),
    ("qnnc_pool", dict(K=4, C=3, PE=3, IN_W=4, IN_SIGNED=1, OUT_W=6, MODE=1)),
    ("qnnc_pool", dict(K=1, C=1, PE=1, IN_W=1, IN_SIGNED=0, OUT_W=1, MODE=0)),
    ("qnnc_fork", dict(W=6)),
    ("qnnc_fork", dict(W=1)),
    ("qnnc_add", dict(C=4, PE=2, A_W=4, A_SIGNED=1, B_W=3, B_SIGNED=0, KA=1, KB=1, ACC_W=6,
                      N_THRES=0, OUT_W=6, OUT_BIAS=0)),
    ("qnnc_add", dict(C=6, PE=3, A_W=3, A_SIGNED=1, B_W=4, B_SIGNED=1, KA=3, KB=-2, ACC_W=8,
                      N_THRES=3, OUT_W=2, OUT_BIAS=-1)),
    ("qnnc_add", dict(C=1, PE=1, A_W=8, A_SIGNED=0, B_W=2, B_SIGNED=0, KA=1, KB=1, ACC_W=4,
                      N_THRES=0, OUT_W=4, OUT_BIAS=0)),
    ("qnnc_add", dict(C=2, PE=2, A_W=4, A_SIGNED=1, B_W=4, B_SIGNED=1, KA=-1, KB=1, ACC_W=40,
                      N_THRES=1, OUT_W=40, OUT_BIAS=-3)),
    ("qnnc_concat", dict(CA=4, CB=4, P=2, ELEM_W=4)),
    ("qnnc_concat", dict(CA=2, CB=5, P=1, ELEM_W=3)),
    ("qnnc_concat", dict(CA=3, CB=12, P=3, ELEM_W=5)),
    ("qnnc_concat", dict(CA=1, CB=1, P=1, ELEM_W=1)),
    ("qnnc_concat", dict(CA=8, CB=8, P=8, ELEM_W=2)),
    ("qnnc_concat", dict(CA=64, CB=2, P=2, ELEM_W=8)),
]


@pytest.mark.parametrize("module,params", CONV_LINT, ids=[_case_id(c) for c in CONV_LINT])
def test_conv_cell_lint(module, params):
    test_lint(module, params)


@pytest.mark.parametrize("module,params", [
    ("qnnc_pad", dict(H=4, W=5, C=4, P=2, ELEM_W=3, PT=1, PL=2, PB=0, PR=1, VALUE=2)),
    ("qnnc_swg", dict(H=8, W=8, C=4, SIMD=2, ELEM_W=4, KH=3, KW=3, SH=1, SW=1, DH=1, DW=1)),
    ("qnnc_swg_window", dict(H=8, W=8, C=4, SIMD=2, ELEM_W=4, KH=3, KW=3, SH=1, SW=1, DH=1,
                             DW=1)),
    ("qnnc_pool", dict(K=4, C=4, PE=2, IN_W=4, IN_SIGNED=1, OUT_W=4, MODE=0)),
    ("qnnc_fork", dict(W=8)),
    ("qnnc_add", dict(C=4, PE=2, A_W=4, A_SIGNED=1, B_W=4, B_SIGNED=0, KA=2, KB=1, ACC_W=8,
                      N_THRES=3, OUT_W=2, OUT_BIAS=0)),
    ("qnnc_concat", dict(CA=4, CB=6, P=2, ELEM_W=4)),
], ids=lambda v: v if isinstance(v, str) else "")
def test_conv_cell_synth_xilinx(module, params, tmp_path):
    """Yosys maps each cell to Xilinx primitives, and keeps its registers (not optimised away).
    (Yosys 0.23 `chparam -set` cannot take negative values.)"""
    require("yosys")
    chparam = " ".join(f"-set {k} {v}" for k, v in params.items())
    script = (f"read_verilog {lib_file(module)}; chparam {chparam} {module}; "
              f"synth_xilinx -top {module}; stat")
    rc, log = run(["yosys", "-p", script], cwd=tmp_path, timeout=300)
    assert rc == 0, log[-4000:]
    assert "ERROR" not in log, log[-4000:]
    assert "FDRE" in log or "FDSE" in log, log[-3000:]


def test_rowmap_synth_xilinx(tmp_path):
    require("yosys")
    params = dict(ROW_IN=6, ROW_OUT=24, P=2, ELEM_W=4)
    chparam = " ".join(f"-set {k} {v}" for k, v in params.items())
    script = (f"read_verilog {lib_file('qnnc_rowmap')}; chparam {chparam} qnnc_rowmap; "
              "synth_xilinx -top qnnc_rowmap; stat")
    rc, log = run(["yosys", "-p", script], cwd=tmp_path, timeout=300)
    assert rc == 0, log[-4000:]
    assert "ERROR" not in log, log[-4000:]
    assert "FDRE" in log and "LUT" in log
    # the group memory is inferred as a RAM (LUT RAM at this size; a RAMB at 512·32 bits)
    stat = log[log.rindex("Printing statistics"):]
    assert re.search(r"^\s+RAM\w+\s+\d+$", stat, re.M), stat


def test_mvau_requant_latency_equals_thresholds(tmp_path):
    """The multiply-shift (ACT = 1) takes the thresholds' pipeline stages (product registered
    where the comparisons are): at full rate its first output beat comes as late as that of
    the same MVAU with thresholds, which `test_mvau_cosim` ties to `dataflow.mvau_latency`,
    and frames take NF·SF cycles."""
    require("iverilog", "vvp")
    for rq in ct.mvau_requant_cases():
        p = rq.params
        th = ct.mvau_groups_case("thres_twin", rq.ins[0].frame.data // p["MW"], p["MW"], p["MH"],
                                 p["SIMD"], p["PE"], frames=rq.frames)
        first = []
        for case in (rq, th):
            (words, cyc), = cell_sim(tmp_path / case.name, case, 1.0, 1.0, seed=1)
            assert words == case.out_beats()[0]
            first.append(cyc[0])
        assert first[0] == first[1], (rq.name, first)
        sf = p["MW"] // p["SIMD"]
        assert first[0] == first[1] == \
            TB_FIRST_BEAT + (sf - 1) + dataflow.mvau_latency(p["SIMD"], True), \
            (rq.name, first, dataflow.mvau_latency(p["SIMD"], True))
