"""`qnnc synth` / `qnnc pnr` without running a tool: bad output directories are user errors
(exit 2, one `error:` line, nothing written), the layer → module map, the Xilinx cell counts and
the place & route pin wrapper."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from qnnc.backends.verilog.pnr_wrapper import Port, pin_wrapper
from qnnc.backends.verilog.synth import stat_cells, xilinx_counts
from qnnc.measure import layer_of


def qnnc(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "qnnc.cli", *args], capture_output=True,
                          text=True)


def _one_error(r: subprocess.CompletedProcess, *words: str) -> None:
    assert r.returncode == 2, (r.returncode, r.stderr)
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), r.stderr
    for w in words:
        assert w in lines[0], lines[0]
    assert r.stdout == ""


@pytest.mark.parametrize("command", [["synth"], ["pnr", "--device", "ecp5"]])
def test_missing_output_dir(command, tmp_path):
    _one_error(qnnc(*command, str(tmp_path / "nope")), "does not exist")


@pytest.mark.parametrize("command", [["synth"], ["pnr", "--device", "ecp5"]])
def test_not_a_qnnc_output_dir(command, tmp_path):
    (tmp_path / "mine.txt").write_text("keep me")
    _one_error(qnnc(*command, str(tmp_path)), "not a qnnc output directory")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.txt"]


def test_output_dir_without_verilog(tmp_path):
    (tmp_path / ".qnnc-output").write_text("")
    _one_error(qnnc("synth", str(tmp_path)), "no Verilog")
    assert sorted(p.name for p in tmp_path.iterdir()) == [".qnnc-output"]


def test_output_dir_is_a_file(tmp_path):
    f = tmp_path / "f"
    f.write_text("")
    _one_error(qnnc("synth", str(f)), "not a directory")


def test_synth_needs_the_verilog_backend(tmp_path):
    model = str(Path(__file__).resolve().parents[1] / "models" / "tfc_1w1a_zoo" / "model.onnx")
    _one_error(qnnc(model, "-o", str(tmp_path / "o"), "--emit", "hls", "--synth"), "--synth")
    assert not (tmp_path / "o").exists()


def test_pnr_device_is_checked(tmp_path):
    r = qnnc("pnr", str(tmp_path), "--device", "ice40")
    assert r.returncode == 2 and "invalid choice" in r.stderr


def test_layer_of_a_module():
    """A convolution is several units of one node (window generator, MVAU): the instance's node
    and the module's kind pick the MVAU; `"module"` in the report wins; without the IR, names."""
    layers = [{"name": "/c1/Conv", "op": "dataflow.swg"}, {"name": "/c1/Conv", "op": "dataflow.mvau"},
              {"name": "/Add", "op": "dataflow.add"}, {"name": "fc", "op": "dataflow.mvau",
                                                       "module": "mvau_custom"}]
    assert layer_of("mvau_c1_Conv", "/c1/Conv", layers) is layers[1]
    assert layer_of("add_Add", "/Add", layers) is layers[2]
    assert layer_of("mvau_custom", "fc", layers) is layers[3]
    assert layer_of("mvau_c1_Conv", None, layers) is layers[1]  # by naming
    assert layer_of("mvau_unknown", None, layers) is None


def test_xilinx_counts():
    cells = {"LUT2": 3, "LUT6": 2, "INV": 1, "RAM64M": 2, "SRLC32E": 1, "FDRE": 5, "FDSE": 1,
             "RAMB36E1": 1, "RAMB18E1": 1, "DSP48E1": 2, "CARRY4": 4, "MUXF7": 1,
             "$scopeinfo": 1}
    c = xilinx_counts(cells)
    assert (c["lut_logic"], c["lut_memory"], c["lut"]) == (6, 9, 15)
    assert (c["ff"], c["bram18"], c["dsp"], c["carry4"]) == (6, 3, 2, 4)
    assert "$scopeinfo" not in c["cells"] and c["cells"]["MUXF7"] == 1


def test_stat_cells_reads_both_stat_layouts():
    by_type = {"LUT4": 2}
    assert stat_cells({"modules": {"\\m": {"num_cells_by_type": {"LUT1": 1}}},
                       "design": {"num_cells_by_type": by_type}}, "m") == by_type
    assert stat_cells({"modules": {"\\m": {"num_cells_by_type": by_type}}}, "m") == by_type


def test_pin_wrapper_registers_every_port():
    ports = [Port("clk", "input", 1), Port("rst_n", "input", 1), Port("s_axis_tdata", "input", 40),
             Port("s_axis_tready", "output", 1), Port("m_axis_tdata", "output", 17)]
    w = pin_wrapper("qnnc_top", ports)
    assert [p.name for p in w.pins] == ["clk", "rst_n_pin", "s_axis_tdata_pin",
                                        "s_axis_tready_pin", "m_axis_tdata_pin"]
    # 1 + 40 + 1 + 17 port registers, then 17 -> 5 -> 2 -> 1 reduction registers
    assert w.flip_flops == 1 + 40 + 1 + 17 + 5 + 2 + 1
    assert "s_axis_tdata_q <= {s_axis_tdata_q[38:0], s_axis_tdata_pin}" in w.verilog
    assert "m_axis_tdata_x1[4] <= ^m_axis_tdata_q[16:16]" in w.verilog
    with pytest.raises(ValueError):
        pin_wrapper("qnnc_top", ports[1:])  # no clock


@pytest.mark.parametrize("command", [["synth"], ["pnr", "--device", "ecp5"]])
def test_missing_tool_is_a_user_error(command, tmp_path, monkeypatch, capsys):
    from qnnc.backends.verilog import eda
    from qnnc.cli import main

    (tmp_path / ".qnnc-output").write_text("")
    (tmp_path / "verilog").mkdir()
    (tmp_path / "verilog" / "qnnc_top.v").write_text("module qnnc_top; endmodule\n")
    for name in ("YOSYS", "YOSYS_ECP5", "NEXTPNR_ECP5"):
        monkeypatch.setattr(eda, name, ("qnnc-test-no-such-tool",))
    assert main([*command, str(tmp_path)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and "not found" in err[0], err
    assert not (tmp_path / "synth.json").exists() and not (tmp_path / "pnr.json").exists()


def test_missing_tool_is_known_before_compiling(tmp_path, monkeypatch, capsys):
    from qnnc.backends.verilog import eda
    from qnnc.cli import main

    monkeypatch.setattr(eda, "NEXTPNR_ECP5", ("qnnc-test-no-such-tool",))
    model = Path(__file__).resolve().parents[1] / "models" / "tfc_1w1a_zoo" / "model.onnx"
    assert main([str(model), "-o", str(tmp_path / "o"), "--place-route", "ecp5"]) == 2
    assert "nextpnr-ecp5 not found" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()
