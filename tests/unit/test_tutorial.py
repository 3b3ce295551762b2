"""docs/tutorial.md runs: every ```sh block of the tutorial, in order, in one bash shell in an
empty temporary directory, with QNNC_ROOT the repository and this environment's tools first on
PATH. The script stops at the first failing command (`set -eo pipefail`); a few outputs the
tutorial describes are checked. Also: docs/pipeline.md lists the default passes in the order
qnnc/pipeline.py runs them.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from simtools import require_tool

ROOT = Path(__file__).resolve().parents[2]
TUTORIAL = ROOT / "docs" / "tutorial.md"
BIN = Path(sys.executable).parent


def sh_blocks(text: str) -> list[str]:
    """The bodies of the ```sh fenced blocks, in order."""
    return re.findall(r"^```sh\n(.*?)^```$", text, flags=re.S | re.M)


def test_tutorial_has_commands():
    blocks = sh_blocks(TUTORIAL.read_text())
    assert len(blocks) >= 8
    assert "QNNC_ROOT" in blocks[0]
    script = "\n".join(blocks)
    for needle in ("--verify", "--samples 8", "--emit verilog", "out/ir/02-dataflow.mlir",
                   "qnnc-opt", "--load-plugin", "--extra-pass", "--rules"):
        assert needle in script, needle


def test_pipeline_doc_lists_default_passes_in_order():
    from qnnc.pipeline import default_pass_names

    text = (ROOT / "docs" / "pipeline.md").read_text()
    numbered = re.findall(r"│\s+\d+\. ([a-z-]+)", text)
    assert numbered[:len(default_pass_names())] == default_pass_names() or \
        [n for n in numbered if n != "apply-rules"] == default_pass_names(), numbered


@pytest.mark.cosim
def test_tutorial_commands_run(tmp_path):
    require_tool("verilator")  # it verifies in Verilator: under CI a missing one fails
    script = "set -eo pipefail\n" + "\n".join(sh_blocks(TUTORIAL.read_text()))
    env = {**os.environ, "QNNC_ROOT": str(ROOT), "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
           "QNNC_NO_PLUGINS": "1"}
    env.pop("PYTHONPATH", None)
    r = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True,
                       text=True, timeout=600)
    out = r.stdout + r.stderr
    assert r.returncode == 0, out[-4000:]
    # 1. three compiles verified bit-exactly against qonnx
    assert out.count("verify PASS: 8 samples, 0 mismatches") == 3, out[-4000:]
    # 2. the report and the dumps
    assert "cycles/frame 784" in r.stdout
    for name in ("00-quant.mlir", "01-quant-streamlined.mlir", "02-dataflow.mlir", "03-rtl.mlir",
                 "report.json", "report.html"):
        assert name in r.stdout, name
    # 3. re-entry gives byte-identical Verilog
    assert "identical" in r.stdout
    # 4. re-folded for 1024 cycles/frame
    assert "pe = 1 : i64, simd = 49 : i64" in r.stdout
    # 5. the tutorial's own pass: every FIFO 4x deeper, in qnnc-opt and inside qnnc
    before = [int(d) for d in re.findall(r"depth = (\d+)",
                                         (tmp_path / "out/ir/02-dataflow.mlir").read_text())]
    after = [int(d) for d in re.findall(r"depth = (\d+)", (tmp_path / "deep.mlir").read_text())]
    assert before and after == [4 * d for d in before]
    in_qnnc = [int(d) for d in re.findall(r"depth = (\d+)",
                                          (tmp_path / "out3/ir/02-dataflow.mlir").read_text())]
    assert in_qnnc == after
    # the example plugin re-folded node_linear_1, also in the compiled design
    assert "pe = 2 : i64, simd = 4 : i64" in (tmp_path / "refolded.mlir").read_text()
    assert "node_linear_1 2 4" in r.stdout
