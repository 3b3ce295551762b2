"""The block-RAM-or-LUTs rule (dialects/memory.py): counts against hand-worked 7-series cases."""

import pytest

from qnnc.dialects.memory import bram18_count, distributed_luts, rom_mapping, rom_style


@pytest.mark.parametrize("depth,width,brams", [
    (512, 36, 1), (513, 36, 2), (1024, 18, 1), (98, 1024, 29), (16384, 1, 1), (2048, 9, 1),
    (4096, 8, 2), (1, 1, 1), (0, 8, 0)])
def test_bram18_count_is_the_best_aspect_ratio(depth, width, brams):
    assert bram18_count(depth, width) == brams


@pytest.mark.parametrize("depth,width,style", [
    (64, 4096, "distributed"),   # at most one LUT deep: LUTs always
    (98, 1024, "block"),         # TFC layer 0 at PE 32 / SIMD 16: 2048 LUTs vs 29 BRAM18
    (80, 16, "distributed"),     # narrow: 32 LUTs beat one BRAM18
    (80, 36, "block"),           # 72 LUTs vs one BRAM18 (64)
    (4608, 128, "block")])
def test_rom_style_takes_the_cheaper(depth, width, style):
    assert rom_style(depth, width) == style
    luts, brams = distributed_luts(depth, width), bram18_count(depth, width)
    assert (style == "block") == (luts > 64 * brams)


@pytest.mark.parametrize("depth,width,brams,pieces", [
    # measured with yosys 0.23 synth_xilinx on a ROM alone (random contents, registered read):
    # narrow ROMs whose depth pieces share the BRAM words (262144×1: 128 pieces of 2K×9 in 15
    # RAMB18s and a 128:1 read mux; 131072×3 in 11 RAMB36s of 4K×9, 32 pieces), and ones
    # that gain nothing (131072×1: two 64K×1 cascades, a 2:1 mux)
    (262144, 1, 15, 128), (65536, 4, 15, 32), (131072, 3, 22, 32), (262144, 2, 29, 128),
    (131072, 1, 8, 2), (65536, 2, 8, 1), (65536, 1, 4, 1), (16384, 4, 4, 1), (16384, 1, 1, 1)])
def test_narrow_rom_pieces_share_the_bram_words(depth, width, brams, pieces):
    assert rom_mapping(depth, width) == (brams, pieces)
    assert bram18_count(depth, width) == brams
