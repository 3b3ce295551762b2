"""Tests for the Verilator simulation driver (backends/sim/verilator.py + verilator_harness.cpp).

The packing tests are pure Python. The simulation tests build tests/cosim/data/passthrough_top.v
(2-stage pipeline adding 1 to every 4-bit lane, with an s_axis protocol monitor) at 72 bits
(VlWide ports) and at 8 bits. Without Verilator they are skipped, unless $CI is set (then they
fail).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pytest


from qnnc.backends.sim import verilator as _vsim

SimulationError = _vsim.SimulationError
VerilatorSim = _vsim.VerilatorSim
cycles_per_frame = _vsim.cycles_per_frame
find_verilator = _vsim.find_verilator
pack_beats = _vsim.pack_beats
unpack_beats = _vsim.unpack_beats

DATA = Path(__file__).resolve().parent / "data"
PASSTHROUGH = DATA / "passthrough_top.v"


# ------------------------------------------------------------------------------------------------
# Packing (pure Python)


def test_pack_layout_lane0_in_lsbs():
    assert pack_beats(np.array([1, 2, 3, 4]), 4, 2) == [0x21, 0x43]
    assert pack_beats(np.array([0xAB, 0xCD, 0xEF]), 8, 3) == [0xEFCDAB]


def test_pack_signed_twos_complement():
    assert pack_beats(np.array([-1, 1]), 4, 2) == [0x1F]
    assert pack_beats(np.array([-8, 7, -2]), 4, 3) == [0xE78]
    assert pack_beats(np.array([-1]), 64, 1) == [(1 << 64) - 1]


def test_pack_bipolar():
    assert pack_beats(np.array([1, -1, -1, 1]), 1, 4, bipolar=True) == [0b1001]
    with pytest.raises(ValueError):
        pack_beats(np.array([1, 0]), 1, 2, bipolar=True)
    with pytest.raises(ValueError):
        pack_beats(np.array([1, -1]), 2, 2, bipolar=True)


def test_pack_errors():
    with pytest.raises(ValueError):
        pack_beats(np.array([16]), 4, 1)  # too large
    with pytest.raises(ValueError):
        pack_beats(np.array([-9]), 4, 1)  # too negative
    with pytest.raises(ValueError):
        pack_beats(np.arange(5), 4, 2)  # not a multiple of lanes
    with pytest.raises(ValueError):
        pack_beats(np.array([0.5]), 4, 1)  # not an integer


@pytest.mark.parametrize(
    "width,lanes,signed",
    [(1, 8, False), (4, 18, False), (4, 18, True), (8, 3, True), (3, 5, True), (16, 9, True),
     (32, 4, True), (64, 2, True), (64, 2, False), (70, 3, True), (70, 3, False)],
)
def test_pack_unpack_roundtrip(width, lanes, signed):
    rng = np.random.default_rng(width * 100 + lanes)
    n = lanes * 7  # 7 beats = e.g. several frames back to back
    if width <= 62:
        lo, hi = (-(1 << (width - 1)), 1 << (width - 1)) if signed else (0, 1 << width)
        x = rng.integers(lo, hi, size=n, dtype=np.int64)
    else:
        raw = [int.from_bytes(rng.bytes((width + 7) // 8), "little") % (1 << width)
               for _ in range(n)]
        if signed:
            raw = [v - (1 << width) if v >> (width - 1) else v for v in raw]
        x = np.array(raw, dtype=object)
    beats = pack_beats(x, width, lanes)
    assert len(beats) == 7
    assert all(0 <= b < (1 << (width * lanes)) for b in beats)
    if width * lanes > 64:
        assert any(b >> 64 for b in beats)  # genuinely wide beats
    y = unpack_beats(beats, width, lanes, signed=signed)
    assert [int(v) for v in y] == [int(v) for v in x]


def test_pack_unpack_bipolar_roundtrip_wide():
    rng = np.random.default_rng(0)
    x = rng.choice([-1, 1], size=3 * 100)
    beats = pack_beats(x, 1, 100, bipolar=True)  # 100-bit beats
    assert len(beats) == 3 and max(beats) >> 64
    np.testing.assert_array_equal(unpack_beats(beats, 1, 100, bipolar=True), x)


def test_pack_matches_reference_loop_for_wide_beats():
    rng = np.random.default_rng(5)
    x = rng.integers(-128, 128, size=6 * 24)  # 24 lanes x 8 bit = 192-bit beats
    ref = []
    for b in range(6):
        word = 0
        for i in range(24):
            word |= (int(x[b * 24 + i]) & 0xFF) << (8 * i)
        ref.append(word)
    assert pack_beats(x, 8, 24) == ref
    np.testing.assert_array_equal(unpack_beats(ref, 8, 24, signed=True), x)


def test_unpack_ignores_padding_and_sign():
    # 3 lanes x 3 bits = 9 bits, padded to 16 at the top level
    beat = (0xFE00) | (0b111 << 6) | (0b100 << 3) | 0b011
    np.testing.assert_array_equal(unpack_beats([beat], 3, 3), [3, 4, 7])
    np.testing.assert_array_equal(unpack_beats([beat], 3, 3, signed=True), [3, -4, -1])
    with pytest.raises(ValueError):
        unpack_beats([-1], 4, 1)


def test_cycles_per_frame():
    # 2 beats per frame, one frame every 5 cycles after a slow start
    out = [10, 11, 20, 21, 25, 26, 30, 31, 35, 36, 40, 41]
    assert cycles_per_frame(out, 2) == 5.0
    assert cycles_per_frame(list(range(100)), 1) == 1.0
    assert cycles_per_frame(list(range(100)), 4) == 4.0
    # a late single stall: median ignores it, mean includes it
    ends = [0, 4, 8, 12, 16, 20, 24, 28, 40]
    assert cycles_per_frame(ends, 1) == 4.0
    assert cycles_per_frame(ends, 1, method="mean") == pytest.approx((4 * 3 + 12) / 4)
    with pytest.raises(ValueError):
        cycles_per_frame([5, 6], 2)  # a single frame


# ------------------------------------------------------------------------------------------------
# Real Verilator runs


def _require_verilator() -> str:
    vl = find_verilator()
    if vl is None:
        if os.environ.get("CI"):
            pytest.fail("Verilator is required in CI but was not found on PATH")
        pytest.skip("Verilator not installed")
    return vl


@pytest.fixture(scope="module")
def sim72(tmp_path_factory) -> VerilatorSim:
    _require_verilator()
    bdir = tmp_path_factory.mktemp("vl_passthrough72")
    return VerilatorSim.build([PASSTHROUGH], "passthrough_top", bdir)


@pytest.fixture(scope="module")
def sim8(tmp_path_factory) -> VerilatorSim:
    _require_verilator()
    bdir = tmp_path_factory.mktemp("vl_passthrough8")
    # also exercises the build without the runtime object cache
    return VerilatorSim.build([PASSTHROUGH], "passthrough_top", bdir, params={"DATA_W": 8},
                              runtime_cache=False)


def _golden(beats: list[int], width: int) -> list[int]:
    """What passthrough_top computes: +1 mod 16 in every 4-bit lane."""
    lanes = width // 4
    x = unpack_beats(beats, 4, lanes)
    return pack_beats((x + 1) % 16, 4, lanes)


def _random_beats(rng: np.random.Generator, n: int, width: int) -> list[int]:
    return pack_beats(rng.integers(0, 16, size=n * (width // 4)), 4, width // 4)


def test_full_rate_72bit(sim72):
    rng = np.random.default_rng(1)
    beats = _random_beats(rng, 120, 72)
    assert max(beats) >> 64  # really exercises the VlWide path
    res = sim72.run(beats, 72, len(beats), seed=1, valid_prob=1.0, ready_prob=1.0,
                    max_cycles=10_000)
    assert res.out_beats == _golden(beats, 72)
    # one beat per cycle in and out, 2 cycles of latency
    assert res.in_cycles == list(range(120))
    assert res.out_cycles == list(range(2, 122))
    assert res.total_cycles == 122
    assert cycles_per_frame(res.out_cycles, 1) == 1.0
    assert cycles_per_frame(res.out_cycles, 6) == 6.0  # frames of 6 beats
    assert res.stats["status"] == "ok" and res.stats["extra_out_beats"] == 0


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_valid_ready_72bit(sim72, seed):
    rng = np.random.default_rng(100 + seed)
    beats = _random_beats(rng, 200, 72)
    res = sim72.run(beats, 72, len(beats), seed=seed, valid_prob=0.5, ready_prob=0.5,
                    max_cycles=20_000)
    assert res.out_beats == _golden(beats, 72)
    assert len(res.in_cycles) == len(res.out_cycles) == 200
    assert np.all(np.diff(res.in_cycles) > 0) and np.all(np.diff(res.out_cycles) > 0)
    # the stalls really happened, and causality holds
    assert res.total_cycles > 300
    assert all(o >= i + 2 for i, o in zip(res.in_cycles, res.out_cycles))
    assert res.total_cycles == res.out_cycles[-1] + 1
    # a different seed gives a different schedule but the same data
    if seed == 1:
        res2 = sim72.run(beats, 72, len(beats), seed=99, valid_prob=0.5, ready_prob=0.5)
        assert res2.out_beats == res.out_beats and res2.out_cycles != res.out_cycles
        res3 = sim72.run(beats, 72, len(beats), seed=1, valid_prob=0.5, ready_prob=0.5)
        assert res3.out_cycles == res.out_cycles  # deterministic per seed


def test_only_one_side_throttled(sim72):
    rng = np.random.default_rng(7)
    beats = _random_beats(rng, 100, 72)
    for vp, rp in ((0.3, 1.0), (1.0, 0.3)):
        res = sim72.run(beats, 72, 100, seed=5, valid_prob=vp, ready_prob=rp)
        assert res.out_beats == _golden(beats, 72)
        assert 200 < res.total_cycles < 600


def test_timeout_raises(sim72):
    beats = _random_beats(np.random.default_rng(0), 10, 72)
    with pytest.raises(SimulationError, match="(?i)timeout") as ei:
        sim72.run(beats, 72, 11, max_cycles=200)
    assert ei.value.returncode == 2
    assert len(ei.value.out_beats) == 10  # partial results are kept
    assert "10 of 11" in str(ei.value)


def test_extra_output_beats_raise(sim72):
    beats = _random_beats(np.random.default_rng(0), 10, 72)
    with pytest.raises(SimulationError, match="more output beats") as ei:
        sim72.run(beats, 72, 9)
    assert ei.value.returncode == 3
    assert ei.value.stats["extra_out_beats"] == 1


def test_input_validation(sim72):
    with pytest.raises(ValueError):
        sim72.run([1 << 72], 72, 1)
    with pytest.raises(ValueError):
        sim72.run([1], 72, 1, valid_prob=0.0)


def test_rebuild_is_skipped(sim72):
    t0 = time.monotonic()
    again = VerilatorSim.build([PASSTHROUGH], "passthrough_top", sim72.build_dir)
    assert again.cached and time.monotonic() - t0 < 5
    beats = _random_beats(np.random.default_rng(3), 5, 72)
    assert again.run(beats, 72, 5).out_beats == _golden(beats, 72)


@pytest.mark.parametrize("split", [False, True], ids=["one-file", "split-files"])
def test_large_sources_compile_unoptimised(tmp_path, monkeypatch, split):
    """Sources over LARGE_CPP_BYTES get -O0 (a per-target override of OPT_FAST that beats the
    command line's OPT_FAST=-O1), each file of a split build or the one file that includes them
    all; the model built that way still computes the same beats."""
    _require_verilator()
    monkeypatch.setattr(_vsim, "LARGE_CPP_BYTES", 1)  # every per-cycle source is "large"
    sim = VerilatorSim.build([PASSTHROUGH], "passthrough_top", tmp_path / "b",
                             extra_args=("--output-split", "1") if split else ())
    mk = (sim.build_dir / _vsim.LARGE_FILES_MK).read_text()
    big = [ln.split(":")[0] for ln in mk.splitlines() if "override OPT_FAST := -O0" in ln]
    assert big and not any("__Slow" in o for o in big)
    assert any("__ALL" in o for o in big) != split
    log = (sim.build_dir / "build.log").read_text()
    compiled_o0 = [ln for ln in log.splitlines() if f"-c -o {big[0]} " in ln or
                   ln.rstrip().endswith(f"-o {big[0]}")]
    assert compiled_o0 and all(" -O0 " in ln for ln in compiled_o0)
    beats = _random_beats(np.random.default_rng(4), 20, 72)
    assert sim.run(beats, 72, 20).out_beats == _golden(beats, 72)


def test_small_sources_keep_optimisation(sim72):
    assert not (sim72.build_dir / _vsim.LARGE_FILES_MK).exists()


def test_narrow_8bit(sim8):
    rng = np.random.default_rng(8)
    beats = _random_beats(rng, 150, 8)
    full = sim8.run(beats, 8, 150, seed=3, valid_prob=1.0, ready_prob=1.0)
    assert full.out_beats == _golden(beats, 8)
    assert full.total_cycles == 152
    assert cycles_per_frame(full.out_cycles, 1) == 1.0
    rnd = sim8.run(beats, 8, 150, seed=4, valid_prob=0.5, ready_prob=0.5)
    assert rnd.out_beats == _golden(beats, 8)
    assert rnd.total_cycles > 200


def test_qdata_port_40bit(tmp_path):
    """33..64-bit ports are QData in Verilator: the third tdata representation."""
    _require_verilator()
    sim = VerilatorSim.build([PASSTHROUGH], "passthrough_top", tmp_path / "b40",
                             params={"DATA_W": 40})
    beats = _random_beats(np.random.default_rng(40), 60, 40)
    assert max(beats) >> 32
    res = sim.run(beats, 40, 60, seed=2, valid_prob=0.5, ready_prob=0.5)
    assert res.out_beats == _golden(beats, 40)
    assert res.stats["in_port_bits"] == 64
