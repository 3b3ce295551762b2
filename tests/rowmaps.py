"""Row-gather (`qnnc_rowmap`) cases shared by the Verilog and HLS cosimulation tests: the source
maps of nearest upsampling, DepthToSpace and plain gathers, each checked against an independent
numpy model of what it should do, and frames with their expected output from the cell's single
declaration (`rtl.ROWMAP.semantics`); and an rtl-level design of one rowmap cell."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np
from xdsl.dialects.builtin import DictionaryAttr, FlatSymbolRefAttr, IntegerAttr, ModuleOp, StringAttr
from xdsl.ir import Block, Region

from qnnc.dialects import quant, rtl


def upsample_src(width: int, beats_per_pixel: int, sh: int, sw: int) -> tuple[int, ...]:
    """Nearest upsampling of one input row of `width` pixels (`beats_per_pixel` beats each):
    sh output rows, every pixel written sw times."""
    return tuple((ow // sw) * beats_per_pixel + k for _ in range(sh) for ow in range(width * sw)
                 for k in range(beats_per_pixel))


def depth_to_space_src(width: int, block: int, beats_per_channel_block: int) -> tuple[int, ...]:
    """DepthToSpace (DCR) of one input row of `width` pixels with block²·C channels: `block`
    output rows of width·block pixels; output (i, w·block + jj, c) is input channel
    (i·block + jj)·C + c of pixel w. A beat holds P channels, C/P = `beats_per_channel_block`."""
    cb = beats_per_channel_block
    return tuple(w * block * block * cb + (i * block + jj) * cb + k for i in range(block)
                 for w in range(width) for jj in range(block) for k in range(cb))


@dataclass(frozen=True)
class RowmapCase:
    name: str
    row_in: int
    src: tuple[int, ...]
    lanes: int
    elem_w: int
    groups: int  # groups a frame
    model: Callable[[np.ndarray], np.ndarray] | None = None  # the map's meaning on one frame

    @property
    def row_out(self) -> int:
        return len(self.src)

    @property
    def params(self) -> dict[str, int]:
        return dict(ROW_IN=self.row_in, ROW_OUT=self.row_out, P=self.lanes, ELEM_W=self.elem_w)

    @property
    def src_width(self) -> int:
        return max(1, (self.row_in - 1).bit_length())

    @property
    def in_beats(self) -> int:
        return self.groups * self.row_in

    @property
    def out_beats(self) -> int:
        return self.groups * self.row_out

    def frames(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """n random frames of wire values (n, groups·ROW_IN·P)."""
        return rng.integers(0, 1 << self.elem_w, size=(n, self.in_beats * self.lanes))

    def expected(self, x: np.ndarray) -> np.ndarray:
        """The declared semantics on frames x; checked here against a beat-by-beat loop and the
        map's own numpy model."""
        cell = SimpleNamespace(param=self.params.__getitem__)
        (y,) = rtl.ROWMAP.semantics([x], cell, np.array(self.src).reshape(-1, 1))
        beats = x.reshape(len(x), self.groups, self.row_in, self.lanes)
        loop = np.array([[[beats[f, g, s] for s in self.src] for g in range(self.groups)]
                         for f in range(len(x))]).reshape(len(x), -1)
        assert np.array_equal(y, loop)
        if self.model is not None:
            assert np.array_equal(y, np.stack([self.model(f).reshape(-1) for f in x]))
        return y


def _upsample_model(h: int, w: int, c: int, sh: int, sw: int):
    return lambda f: np.repeat(np.repeat(f.reshape(h, w, c), sh, 0), sw, 1)


def _d2s_model(h: int, w: int, c: int, b: int):
    return lambda f: f.reshape(h, w, b, b, c).transpose(0, 2, 1, 3, 4).reshape(h * b, w * b, c)


CASES = {
    # 2 rows of 3 pixels, 4 channels, 2 lanes (2 beats a pixel), 2x2 upsampling: 6 -> 24 beats
    "upsample_2x2": RowmapCase("upsample_2x2", 6, upsample_src(3, 2, 2, 2), 2, 4, 2,
                               _upsample_model(2, 3, 4, 2, 2)),
    # 3 rows of 4 pixels, 3 channels in one beat, 3x1 upsampling (rows only): 4 -> 12 beats
    "upsample_3x1": RowmapCase("upsample_3x1", 4, upsample_src(4, 1, 3, 1), 3, 3, 3,
                               _upsample_model(3, 4, 3, 3, 1)),
    # 2 rows of 2 pixels with 2²·4 channels, block 2, 2 lanes: a permutation of 16 beats
    "depth_to_space": RowmapCase("depth_to_space", 16, depth_to_space_src(2, 2, 2), 2, 3, 2,
                                 _d2s_model(2, 2, 4, 2)),
    # one beat a group, written three times
    "row_in_1": RowmapCase("row_in_1", 1, (0, 0, 0), 3, 2, 4),
    # fewer beats out than in: beats 1 and 3 of each group dropped, the others reordered
    "drop": RowmapCase("drop", 5, (4, 0, 2), 2, 5, 3),
}


def rowmap_unit(row_in: int, src: list[int], lanes: int = 2, groups: int = 3, elem_w: int = 4,
                rom_width: int | None = None) -> rtl.ModuleOp:
    """`rtl.module @rowmap_unit`: one qnnc_rowmap cell with its src ROM (of `rom_width` bits
    instead of the declared width, to test the verifier)."""
    sw = rom_width or max(1, (row_in - 1).bit_length())
    elem = rtl.UFixedType(elem_w, 0)
    t_in = rtl.StreamType(elem, groups * row_in * lanes, lanes)
    t_out = rtl.StreamType(elem, groups * len(src) * lanes, lanes)
    block = Block(arg_types=[t_in])
    rom = rtl.RomOp.build(properties={
        "data": quant.dense_from_numpy(np.array(src).reshape(-1, 1), quant.int_type(0, max(src))),
        "lane_width": IntegerAttr(sw, 64)}, result_types=[rtl.RomType(sw, len(src))])
    params = dict(ROW_IN=row_in, ROW_OUT=len(src), P=lanes, ELEM_W=elem_w)
    cell = rtl.CellOp.build(operands=[[block.args[0], rom.result]], result_types=[[t_out]],
                            properties={
        "cell": StringAttr("qnnc_rowmap"), "instance_name": StringAttr("rowmap"),
        "params": DictionaryAttr({k: IntegerAttr(v, 32) for k, v in params.items()})})
    block.add_ops([rom, cell, rtl.OutputOp.build(operands=[[cell.outputs[0]]])])
    return rtl.ModuleOp("rowmap_unit", [t_in], [t_out], Region(block))


def rowmap_design(case: RowmapCase) -> ModuleOp:
    """A whole design: `qnnc_top` instantiating the case's rowmap unit."""
    unit = rowmap_unit(case.row_in, list(case.src), case.lanes, case.groups, case.elem_w)
    t_in, t_out = unit.function_type.inputs.data[0], unit.function_type.outputs.data[0]
    block = Block(arg_types=[t_in])
    inst = rtl.InstanceOp.build(operands=[[block.args[0]]], result_types=[[t_out]], properties={
        "module": FlatSymbolRefAttr("rowmap_unit"), "instance_name": StringAttr("u")})
    block.add_ops([inst, rtl.OutputOp.build(operands=[[inst.outputs[0]]])])
    return ModuleOp([unit, rtl.ModuleOp("qnnc_top", [t_in], [t_out], Region(block))])


def interpret(design: ModuleOp, x: np.ndarray) -> np.ndarray:
    """`qnnc_top` of a design run by the rtl interpreter on frames x (F, N)."""
    from xdsl.interpreter import Interpreter

    from qnnc.ir import interpreter_functions

    interp = Interpreter(design)
    for f in interpreter_functions():
        interp.register_implementations(f)
    top = next(m for m in design.ops if m.sym_name.data == "qnnc_top")
    return interp.run_ssacfg_region(top.body, (x,), "qnnc_top")[0]
