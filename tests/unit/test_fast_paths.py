"""The compile-speed fast paths compute exactly what the code they replace computed: ROM word
packing (both printers), threshold counting by binary search, and the splat decision when
printing a large dense attribute, the printer's direct writes; and every op's assembly format, parsed when first used
(`qnnc.dialects.formats`), parses and prints as xDSL's own decorator has it."""

from __future__ import annotations

import io

import numpy as np
import pytest
from xdsl.dialects.builtin import (DenseIntOrFPElementsAttr, IntegerType, Signedness, TensorType,
                                   f32, f64, i1, i8, i32, i64)
from xdsl.printer import Printer

from qnnc import thresholds as T
from qnnc.backends.hls.printer import rom_word_literal, word_literal
from qnnc.backends.verilog.printer import rom_word
from qnnc.dialects.codes import pack_lanes
from qnnc.ir import make_context


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.int8, bool])
def test_pack_lanes_is_rom_word(dtype):
    rng = np.random.default_rng(0)
    for _ in range(150):
        lw, lanes, depth = int(rng.integers(1, 40)), int(rng.integers(1, 70)), int(rng.integers(1, 9))
        bound = min(1 << (lw + 1), np.iinfo(np.int8).max if dtype is np.int8 else 1 << 30)
        words = rng.integers(-bound, bound, size=(depth, lanes))
        words = (words > 0) if dtype is bool else words.astype(dtype)
        packed = pack_lanes(words, lw)
        assert packed == [rom_word(words[i], lw) for i in range(depth)]
        width = lw * lanes
        assert [word_literal(w, width) for w in packed] == \
            [rom_word_literal(words[i], lw, width) for i in range(depth)]
    assert pack_lanes(np.zeros((0, 3), np.int64), 4) == []


def _count(acc, t):
    """The counting semantics by brute force (what apply_thresholds always computed)."""
    a = acc[..., None]
    up = np.count_nonzero(a >= t.thresholds, axis=-1)
    down = np.count_nonzero(a <= t.thresholds, axis=-1)
    return t.base + np.where(t.descending, down, up)


@pytest.mark.parametrize("sorted_", [True, False])
def test_threshold_count_by_binary_search(sorted_):
    rng = np.random.default_rng(1)
    for trial in range(200):
        c, k = int(rng.integers(1, 9)), int(rng.integers(1, 20))  # both kinds of count
        th = rng.integers(-20, 20, size=(c, k))
        desc = rng.random(c) < 0.5
        if sorted_:
            th = np.sort(th, axis=1)
            th[desc] = th[desc][:, ::-1]
        t = T.Thresholds(th, desc, int(rng.integers(-3, 3)))
        acc = rng.integers(-25, 25, size=(int(rng.integers(1, 40)), c))
        if trial % 3 == 0:
            acc = acc + 0.5  # float accumulators compare the same way
        got, want = T.apply_thresholds(acc, t), _count(acc, t)
        assert np.array_equal(got, want) and got.dtype == want.dtype


def _dense(values, elem):
    return DenseIntOrFPElementsAttr.from_list(TensorType(elem, [len(values)]), values)


def _printed(attr, print_fn) -> str:
    out = io.StringIO()
    print_fn(attr, Printer(stream=out))
    return out.getvalue()


@pytest.mark.parametrize("values,elem", [
    ([3] * 101, i32), ([3] * 100 + [4], i32), ([-1] * 150, i8), ([1] * 120, i1),
    ([0] * 130, IntegerType(4, Signedness.UNSIGNED)), (list(range(200)), i64),
    ([0.5] * 101, f32), ([0.0] * 60 + [-0.0] * 60, f32), ([float("nan")] * 101, f64),
    ([1.0] * 100 + [float("nan")], f32), ([float("inf")] * 101, f64), ([2.5] * 30, f32),
    ([1.0, 2.0] * 60, f64),
])
def test_dense_splat_decision(values, elem):
    make_context()  # installs qnnc.xdsl_compat
    fast = DenseIntOrFPElementsAttr.print_without_type
    original = fast._qnnc_original
    attr = _dense(values, elem)
    assert _printed(attr, fast) == _printed(attr, original)


def test_bipolar_levels_in_one_step():
    import types

    from qnnc.dialects import quant

    op = quant.BipolarQuantOp
    generic = types.SimpleNamespace(codes=lambda x, p: op.codes(None, x, p), levels_of=op.levels_of)
    rng = np.random.default_rng(3)
    for x in (rng.standard_normal((50, 7)), rng.standard_normal(9).astype(np.float32),
              np.array([0.0, -0.0, np.nan, np.inf, -np.inf, 1e-45, -1e-45]), np.float64(0.3)):
        want = quant.QuantizerInterface.levels(generic, x, [np.float32(1)])
        got = op.levels(None, x, [np.float32(1)])
        assert np.array_equal(got, want) and got.dtype == want.dtype and got.shape == want.shape



def test_every_assembly_format_parses_and_prints_as_xdsls(monkeypatch):
    """qnnc's ops parse their assembly format when first used (`qnnc.dialects.formats`): every
    one of them parses (a malformed one would fail here, as xDSL fails at import), and a
    compile's dumps, printed through those programs, are the text xDSL's own eager programs
    (`FormatProgram.from_str` at definition, `print_with_format` / `parse_with_format`) read
    and print back."""
    from pathlib import Path

    from xdsl.irdl.declarative_assembly_format import FormatProgram

    from qnnc.dialects import dataflow, host, quant, rtl
    from qnnc.dialects.formats import parse_formats
    from qnnc.driver import compile_model
    from qnnc.ir import parse_module, print_module

    ops = [op for d in (quant.Quant, host.Host, dataflow.Dataflow, rtl.Rtl) for op in d.operations]
    assert parse_formats(ops) >= 50
    model = Path(__file__).resolve().parents[1] / "models" / "fixedmlp_w8a6" / "model.onnx"
    dumps = compile_model(model).dumps
    assert len(dumps) == 4
    for op in ops:
        if "_qnnc_format_program" in op.__dict__:
            eager = FormatProgram.from_str(op.assembly_format, op.get_irdl_definition())
            monkeypatch.setattr(op, "print", lambda self, printer, p=eager: p.print(printer, self))
            monkeypatch.setattr(op, "parse", classmethod(lambda cls, parser, p=eager:
                                                         p.parse(parser, cls)))
    ctx = make_context()
    for name, text in dumps.items():
        assert print_module(parse_module(text, ctx), ctx) == text, name


def test_printer_writes_the_text_print_writes(monkeypatch):
    """`xdsl_compat.fast_printer_writes`: xDSL's BasePrinter writing through the stream gives
    the text it gives through the builtin `print`, on a whole compile's dumps (indented
    regions, newlines, attributes) and on the cases `print` itself must take."""
    import builtins
    import contextlib
    from pathlib import Path

    import xdsl.utils.base_printer as base_printer

    from qnnc.driver import compile_model
    from qnnc.ir import parse_module, print_module

    fast = vars(base_printer)["print"]
    assert fast._qnnc_fast
    model = Path(__file__).resolve().parents[1] / "models" / "fixedmlp_w8a6" / "model.onnx"
    dumps = compile_model(model).dumps
    ctx = make_context()
    modules = {name: parse_module(text, ctx) for name, text in dumps.items()}
    monkeypatch.setattr(base_printer, "print", builtins.print)
    for name, module in modules.items():
        assert print_module(module, ctx) == dumps[name], name
    for args, kw in [(("a",), {"end": ""}), ((), {}), (("",), {"end": ""}), (("x", 3), {}),
                     ((5,), {"end": None}), (("y",), {"sep": "-", "end": "!"})]:
        want, got = io.StringIO(), io.StringIO()
        print(*args, file=want, **kw)
        fast(*args, file=got, **kw)
        assert got.getvalue() == want.getvalue(), (args, kw)
        with contextlib.redirect_stdout(io.StringIO()) as out:
            fast(*args, **kw)
        assert out.getvalue() == want.getvalue()
