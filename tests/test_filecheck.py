"""The FileCheck tier (tests/filecheck) as one pytest test: runs `lit -v tests/filecheck` with the
lit installed next to this interpreter and shows lit's report when anything fails.

Run the suite directly for per-file results: `.venv/bin/lit -v tests/filecheck`.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

FILECHECK_DIR = Path(__file__).resolve().parent / "filecheck"


def test_filecheck(tmp_path: Path) -> None:
    lit = Path(sys.executable).parent / "lit"
    assert lit.exists(), f"no lit next to {sys.executable}: install the dev extra (pip install -e '.[dev]')"
    # lit's scratch files (%t) go to a per-run directory, never into the source tree.
    env = {**os.environ, "QNNC_LIT_OUTPUT": str(tmp_path / "lit")}
    proc = subprocess.run([str(lit), "-v", str(FILECHECK_DIR)], capture_output=True, text=True,
                          env=env, timeout=900)
    report = f"lit exited with {proc.returncode}\n--- stdout ---\n{proc.stdout}\n--- stderr ---\n{proc.stderr}"
    assert proc.returncode == 0, report
    found = re.search(r"Total Discovered Tests: (\d+)", proc.stdout)
    assert found and int(found.group(1)) > 0, report
    assert "Passed: " + found.group(1) in proc.stdout, report
