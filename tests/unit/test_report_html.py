"""`out/report.html` rendered in a real headless browser (Debian's chromium; in CI a missing
browser fails the test): self-contained, not blank, every unit of the graph in the DOM, the
bottleneck highlighted."""

from __future__ import annotations

import json
import re
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np

from qnnc.report_html import render
from simtools import require_tool

MODELS = Path(__file__).resolve().parents[1] / "models"


def png_pixels(path: Path) -> np.ndarray:
    """An 8-bit RGB(A) PNG as an (h, w, channels) array (all five PNG row filters)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    i, idat = 8, b""
    while i < len(data):
        (n,) = struct.unpack(">I", data[i:i + 4])
        kind, body = data[i + 4:i + 8], data[i + 8:i + 8 + n]
        if kind == b"IHDR":
            w, h, depth, color = struct.unpack(">IIBB", body[:10])
        elif kind == b"IDAT":
            idat += body
        i += 12 + n
    assert depth == 8 and color in (2, 6), (depth, color)
    ch = 3 if color == 2 else 4
    raw = np.frombuffer(zlib.decompress(idat), np.uint8).reshape(h, 1 + w * ch)
    out = np.zeros((h, w * ch), np.int64)
    prev = np.zeros(w * ch, np.int64)
    for y in range(h):
        f, row = raw[y, 0], raw[y, 1:].astype(np.int64)
        if f == 0:
            cur = row
        elif f == 2:
            cur = (row + prev) % 256
        elif f == 1:  # Sub: a running sum per channel
            cur = (np.cumsum(row.reshape(w, ch), axis=0) % 256).reshape(-1)
        else:  # Average, Paeth: sequential along the row
            cur = row.copy()
            for x in range(w * ch):
                a = cur[x - ch] if x >= ch else 0
                b, c = prev[x], (prev[x - ch] if x >= ch else 0)
                if f == 3:
                    cur[x] = (row[x] + (a + b) // 2) % 256
                else:
                    p = a + b - c
                    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                    pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                    cur[x] = (row[x] + pred) % 256
        out[y], prev = cur, cur
    return out.reshape(h, w, ch)[:, :, :3]


def chromium(browser: str, profile: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu",
                           "--no-first-run", f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=120)


def test_report_html_renders_in_a_headless_browser(tmp_path):
    browser = require_tool("chromium")
    out = tmp_path / "o"
    r = subprocess.run([sys.executable, "-m", "qnnc.cli", str(MODELS / "resconv_w4a4" / "model.onnx"),
                        "-o", str(out)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    page = out / "report.html"
    html = page.read_text()
    report = json.loads((out / "report.json").read_text())
    # self-contained: nothing fetched (the only URL is the SVG namespace name)
    assert not re.search(r"<(link|img|iframe)\b|\bsrc=|@import|url\((?!#)", html)
    assert set(re.findall(r"https?://[^\s\"']+", html)) <= {"http://www.w3.org/2000/svg"}
    dom = chromium(browser, tmp_path / "profile", "--dump-dom", page.as_uri())
    assert dom.returncode == 0, dom.stderr
    units = report["stream_graph"]["units"]
    for name, op in units:
        assert name in dom.stdout and op.removeprefix("dataflow.") in dom.stdout, name
    assert dom.stdout.count('class="unit ') == len(units)
    assert dom.stdout.count("unit layer bottleneck") >= 1  # the slowest unit, in red
    shot = tmp_path / "shot.png"
    r = chromium(browser, tmp_path / "profile", f"--screenshot={shot}", "--window-size=900,700",
                 "--hide-scrollbars", page.as_uri())
    assert r.returncode == 0 and shot.is_file(), r.stderr
    px = png_pixels(shot)
    assert px.shape[:2] == (700, 900)
    assert px.std() > 20, "the screenshot is blank"
    assert len(np.unique(px.reshape(-1, 3), axis=0)) > 50
    red = (px[:, :, 0] > 180) & (px[:, :, 1] < 120) & (px[:, :, 2] < 120)
    assert red.sum() > 100, "the bottleneck's red outline is not on screen"


def test_render_is_deterministic_and_escapes_names():
    report = {
        "layers": [{"name": "<b>&x", "op": "dataflow.mvau", "in_type": "int2", "out_type": "int2",
                    "in_lanes": 2, "out_lanes": 1, "cycles": 8, "pe": 1, "simd": 2,
                    "resources": {"lut": 1, "ff": 2, "bram18": 0, "dsp": 0}}],
        "fifos_and_width_converters": [], "cycles_per_frame": 8, "latency_cycles": 10,
        "folding": {"target_cycles": 8, "achieved_cycles": 8, "target_met": True},
        "resources": {"lut": 1, "ff": 2, "bram18": 0, "dsp": 0, "estimate": "e"},
        "input_stream": {"elements": 4, "lanes": 2, "element_type": "int2", "element_bits": 2},
        "output_stream": {"elements": 1, "lanes": 1, "element_type": "int2", "element_bits": 2},
        "stream_graph": {"units": [["<b>&x", "dataflow.mvau"]],
                         "edges": [["input", 0], [0, "output"]]},
    }
    a = render(report)
    assert a == render(report) and "&lt;b&gt;&amp;x" in a and "<b>&x" not in a
