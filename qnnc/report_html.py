"""`out/report.html`: the design report as a page to look at, built from `report.json`'s data.

One self-contained file (inline CSS, SVG and a few lines of JS; no network, no fonts or
scripts fetched): the dataflow graph as an SVG DAG (units in stream order, a fork's two readers
side by side, a join below both; each box annotated with its folding, cycles per frame and
stream widths), the bottleneck unit (the most cycles per frame) highlighted, a cycles-per-unit
bar chart, the resource estimate per unit with totals, and the folding outcome.

Everything is built as an element tree (`xml.etree.ElementTree`) by walking the report's data,
never by patching text templates, so a unit's name is always text, escaped once.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

SVG_NS = "http://www.w3.org/2000/svg"
BOX_W, BOX_H, GAP_X, GAP_Y, MARGIN = 280, 62, 30, 34, 16
RESOURCE_KEYS = ("lut", "ff", "bram18", "dsp")

CSS = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; background: #fff; }
h1 { font-size: 22px; } h2 { font-size: 17px; margin-top: 28px; }
table { border-collapse: collapse; } td, th { border: 1px solid #ccc; padding: 3px 8px; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
tr.bottleneck td, .legend .bottleneck { background: #ffd6d6; }
.unit rect { fill: #eef4ff; stroke: #4a6fa5; stroke-width: 1.2; }
.unit.plumbing rect { fill: #f4f4f4; stroke: #999; }
.unit.bottleneck rect { fill: #ffd6d6; stroke: #c0392b; stroke-width: 3; }
.unit.hot rect, .bar.hot { stroke: #000; stroke-width: 3; }
.unit text { font-size: 11px; fill: #222; } .unit text.title { font-weight: 600; font-size: 12px; }
.edge { stroke: #666; fill: none; stroke-width: 1.3; }
.io rect { fill: #e8f7e8; stroke: #3a8a3a; } .io text { font-size: 12px; }
.bar { fill: #7da3d6; } .bar.plumbing { fill: #c8c8c8; } .bar.bottleneck { fill: #d9534f; }
.chart text { font-size: 11px; }
"""

SCRIPT = """
document.querySelectorAll('[data-unit]').forEach(function (el) {
  var id = el.getAttribute('data-unit');
  el.addEventListener('mouseenter', function () {
    document.querySelectorAll('[data-unit="' + id + '"]').forEach(function (o) {
      o.classList.add('hot'); });
  });
  el.addEventListener('mouseleave', function () {
    document.querySelectorAll('[data-unit="' + id + '"]').forEach(function (o) {
      o.classList.remove('hot'); });
  });
});
"""


def E(tag: str, attrs: dict | None = None, *children, text: str | None = None) -> ET.Element:
    """An element with string attributes, children and text."""
    el = ET.Element(tag, {k: str(v) for k, v in (attrs or {}).items()})
    if text is not None:
        el.text = text
    for c in children:
        el.append(c)
    return el


S = E  # SVG elements: the same builder (the <svg> root carries the xmlns attribute)


def type_bits(name: str) -> int:
    """`int4` → 4, `uint8` → 8, `bipolar` → 1."""
    m = re.search(r"(\d+)$", name)
    return int(m.group(1)) if m else 1


def units_in_order(report: dict) -> list[dict]:
    """Every unit's entry in stream order: `stream_graph.units` merged back from `layers` and
    `fifos_and_width_converters` (both in stream order)."""
    compute, plumbing = iter(report["layers"]), iter(report["fifos_and_width_converters"])
    out = []
    for name, op in report["stream_graph"]["units"]:
        entry = next(plumbing if op in ("dataflow.fifo", "dataflow.dwc", "dataflow.fork")
                     else compute)
        assert (entry["name"], entry["op"]) == (name, op), (entry["name"], name)
        out.append(entry)
    return out


def bottleneck(units: list[dict]) -> set[int]:
    """Indices of the units with the most cycles per frame (the design's rate; all of them on
    a tie)."""
    most = max(u["cycles"] for u in units)
    return {i for i, u in enumerate(units) if u["cycles"] == most}


def layout(n: int, edges: list[list]) -> dict:
    """Rows by longest path from the input (a DAG in stream order); columns follow the stream:
    a unit stays in its producer's column, a fork's k-th reader goes k columns right, a join
    takes its leftmost producer's (a taken cell shifts right). Node → (x, y); nodes are unit
    indices, "input" and "output"."""
    depth: dict = {"input": 0}
    col: dict = {"input": 0}
    readers: dict = {}
    for a, b in edges:  # edges come in stream order: a producer before its readers
        k = readers.setdefault(a, 0)
        readers[a] += 1
        c = col.get(a, 0) + k
        col[b] = min(col.get(b, c), c)
        if b != "output":
            depth[b] = max(depth.get(b, 0), depth.get(a, 0) + 1)
    depth["output"] = max([depth.get(a, 0) for a, b in edges if b == "output"] or [n]) + 1
    taken: set = set()
    pos = {}
    for node in ["input", *range(n), "output"]:
        d, c = depth.get(node, 0), col.get(node, 0)
        while (d, c) in taken:
            c += 1
        taken.add((d, c))
        pos[node] = (MARGIN + c * (BOX_W + GAP_X), MARGIN + d * (BOX_H + GAP_Y))
    return {"pos": pos, "width": 1 + max(c for _, c in taken),
            "rows": 1 + max(d for d, _ in taken)}


def unit_lines(u: dict) -> list[str]:
    fold = ", ".join(f"{k.upper()} {u[k]}" for k in ("pe", "simd") if k in u)
    if "depth" in u:
        fold = f"depth {u['depth']}"
    w_in = type_bits(u["in_type"]) * u["in_lanes"]
    w_out = type_bits(u["out_type"]) * u["out_lanes"]
    return [f"{u['op'].removeprefix('dataflow.')}{': ' + fold if fold else ''}",
            f"{u['cycles']} cycles/frame",
            f"stream {w_in} → {w_out} bits ({u['in_type']}×{u['in_lanes']} → "
            f"{u['out_type']}×{u['out_lanes']})"]


def graph_svg(report: dict, units: list[dict], hot: set[int]) -> ET.Element:
    g = report["stream_graph"]
    lay = layout(len(units), g["edges"])
    pos = lay["pos"]
    w = 2 * MARGIN + lay["width"] * (BOX_W + GAP_X) - GAP_X
    h = 2 * MARGIN + lay["rows"] * (BOX_H + GAP_Y) - GAP_Y
    svg = E("svg", {"xmlns": SVG_NS, "width": w, "height": h, "viewBox": f"0 0 {w} {h}",
                    "id": "graph", "role": "img",
                    "aria-label": "dataflow graph of the accelerator's streaming units"})
    arrow = S("marker", {"id": "arrow", "viewBox": "0 0 10 10", "refX": 10, "refY": 5,
                         "markerWidth": 7, "markerHeight": 7, "orient": "auto"},
              S("path", {"d": "M0,0 L10,5 L0,10 z", "fill": "#666"}))
    svg.append(S("defs", {}, arrow))
    for a, b in g["edges"]:
        (xa, ya), (xb, yb) = pos[a], pos[b]
        x1, y1, x2, y2 = xa + BOX_W / 2, ya + BOX_H, xb + BOX_W / 2, yb
        ys = max(y1, y2 - GAP_Y)  # down its own column, then over to the reader
        my = (ys + y2) / 2
        svg.append(S("path", {"class": "edge", "marker-end": "url(#arrow)",
                              "d": f"M{x1:.0f},{y1:.0f} L{x1:.0f},{ys:.0f} C{x1:.0f},{my:.0f} "
                                   f"{x2:.0f},{my:.0f} {x2:.0f},{y2:.0f}"}))
    for node, label in (("input", report["input_stream"]), ("output", report["output_stream"])):
        x, y = pos[node]
        bits = label["element_bits"] * label["lanes"]
        svg.append(S("g", {"class": "io"},
                     S("rect", {"x": x, "y": y, "width": BOX_W, "height": BOX_H, "rx": 18}),
                     S("text", {"x": x + 12, "y": y + 26}, text=f"accelerator {node}"),
                     S("text", {"x": x + 12, "y": y + 44},
                       text=f"{label['elements']} × {label['element_type']}, {bits} bits/beat")))
    for i, u in enumerate(units):
        x, y = pos[i]
        kind = "plumbing" if u["op"] in ("dataflow.fifo", "dataflow.dwc", "dataflow.fork") \
            else "layer"
        cls = f"unit {kind}" + (" bottleneck" if i in hot else "")
        box = S("g", {"class": cls, "data-unit": i},
                S("title", {}, text=f"{u['name']} ({u['op']}): {u['cycles']} cycles/frame"),
                S("rect", {"x": x, "y": y, "width": BOX_W, "height": BOX_H, "rx": 5}),
                S("text", {"class": "title", "x": x + 8, "y": y + 15}, text=u["name"]))
        for k, line in enumerate(unit_lines(u)):
            box.append(S("text", {"x": x + 8, "y": y + 30 + 14 * k}, text=line))
        svg.append(box)
    return svg


def cycles_chart(units: list[dict], hot: set[int]) -> ET.Element:
    label_w, bar_w, row = 300, 420, 18
    h = 2 * MARGIN + row * len(units)
    most = max(u["cycles"] for u in units) or 1
    svg = E("svg", {"xmlns": SVG_NS, "class": "chart", "id": "cycles-chart",
                    "width": label_w + bar_w + 90, "height": h})
    for i, u in enumerate(units):
        y = MARGIN + i * row
        kind = "bottleneck" if i in hot else (
            "plumbing" if u["op"] in ("dataflow.fifo", "dataflow.dwc", "dataflow.fork") else "")
        length = max(1.0, bar_w * u["cycles"] / most)
        svg.append(S("text", {"x": label_w - 6, "y": y + 12, "text-anchor": "end"},
                     text=f"{u['name']} · {u['op'].removeprefix('dataflow.')}"))
        svg.append(S("rect", {"class": f"bar {kind}".strip(), "data-unit": i, "x": label_w,
                              "y": y + 2, "width": f"{length:.1f}", "height": row - 5}))
        svg.append(S("text", {"x": label_w + length + 5, "y": y + 12}, text=str(u["cycles"])))
    return svg


def table(head: list[str], rows: list[list], row_classes: list[str] | None = None) -> ET.Element:
    t = E("table", {}, E("tr", {}, *[E("th", {}, text=h) for h in head]))
    for k, r in enumerate(rows):
        tr = E("tr", {"class": row_classes[k]} if row_classes and row_classes[k] else {})
        for v in r:
            tr.append(E("td", {"class": "n"} if isinstance(v, (int, float)) else {},
                        text=f"{v:g}" if isinstance(v, float) else str(v)))
        t.append(tr)
    return t


def folding_section(report: dict) -> list[ET.Element]:
    f = report.get("folding") or {}
    if not f:
        return [E("p", {}, text="No folding outcome recorded.")]
    rows = [[k.replace("_", " "), ", ".join(map(str, v)) if isinstance(v, list) else
             (("yes" if v else "no") if isinstance(v, bool) else v)] for k, v in f.items()]
    verdict = "met" if f.get("target_met", True) else \
        f"missed: unit '{f.get('limiting_unit')}' cannot go faster"
    return [E("p", {}, text=f"Target {f.get('target_cycles')} cycles/frame, achieved "
                            f"{f.get('achieved_cycles')}: {verdict}."),
            table(["", "value"], rows)]


def render(report: dict, title: str = "qnnc design report") -> str:
    """The whole page as text (deterministic: same report, same bytes)."""
    units = units_in_order(report)
    hot = bottleneck(units)
    names = ", ".join(f"{units[i]['name']} ({units[i]['op'].removeprefix('dataflow.')})"
                      for i in sorted(hot))
    body = E("body", {},
             E("h1", {}, text=title),
             E("p", {"id": "summary"},
               text=f"{len(report['layers'])} layers, {len(units)} streaming units; "
                    f"{report['cycles_per_frame']} cycles/frame, latency ≤ "
                    f"{report['latency_cycles']} cycles. Bottleneck ({report['cycles_per_frame']} "
                    f"cycles/frame, highlighted in red): {names}."),
             E("h2", {}, text="Dataflow graph"),
             E("div", {"class": "scroll"}, graph_svg(report, units, hot)),
             E("h2", {}, text="Cycles per frame, per unit"),
             cycles_chart(units, hot),
             E("h2", {}, text="Folding"),
             *folding_section(report),
             E("h2", {}, text="Resources per unit (estimate)"))
    totals = report["resources"]
    rows = [[i, u["name"], u["op"].removeprefix("dataflow."),
             ", ".join(f"{k.upper()} {u[k]}" for k in ("pe", "simd") if k in u),
             u["cycles"], *[u["resources"][k] for k in RESOURCE_KEYS]]
            for i, u in enumerate(units)]
    rows.append(["", "total", "", "", report["cycles_per_frame"],
                 *[totals[k] for k in RESOURCE_KEYS]])
    body.append(table(["#", "unit", "op", "folding", "cycles", "LUT", "FF", "BRAM18", "DSP"],
                      rows, ["bottleneck" if i in hot else "" for i in range(len(units))] + [""]))
    body.append(E("p", {}, text=str(totals.get("estimate", ""))))
    body.append(E("script", {}, text=SCRIPT))
    html = E("html", {"lang": "en"},
             E("head", {}, E("meta", {"charset": "utf-8"}), E("title", {}, text=title),
               E("style", {}, text=CSS)),
             body)
    return "<!DOCTYPE html>\n" + ET.tostring(html, encoding="unicode", method="html") + "\n"
