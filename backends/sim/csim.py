"""C-simulation of a qnnc HLS project with g++ and the open-source `ap_int.h`/`hls_stream.h`
(Apache-2.0) that the `hls4ml` wheel ships under `templates/vivado/ap_types`: found at run time
in the installed package, never copied into qnnc."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
from pathlib import Path

LINT_FLAGS = ("-std=c++14", "-fsyntax-only", "-Wall", "-Wextra", "-Werror", "-Wno-unknown-pragmas")
"""The generated code must compile warning-free (`#pragma HLS` lines are for Vitis HLS, which g++
ignores). The lint is unoptimized: at -O1 and above g++'s flow analysis reports
(maybe-)uninitialized reads inside ap_private.h's own default constructors once they are inlined
into the caller, which -isystem cannot silence there."""
SIM_FLAGS = ("-std=c++14", "-O1", "-Wno-unknown-pragmas")


class CSimError(RuntimeError):
    pass


def find_ap_types() -> Path | None:
    """The ap_types header folder of the installed hls4ml package (not imported: only found)."""
    spec = importlib.util.find_spec("hls4ml")
    if spec is None or not spec.submodule_search_locations:
        return None
    for root in spec.submodule_search_locations:
        d = Path(root) / "templates" / "vivado" / "ap_types"
        if (d / "ap_int.h").is_file() and (d / "hls_stream.h").is_file():
            return d
    return None


def find_compiler() -> str | None:
    return shutil.which("g++")


def build(project: Path, build_dir: Path) -> Path:
    """Compile the project's testbench and top into build_dir/csim; returns the executable.
    First a lint (`LINT_FLAGS`: any warning in qnnc's code is an error; the ap_types headers are
    system headers), then the optimized simulation build."""
    cxx, ap = find_compiler(), find_ap_types()
    if cxx is None:
        raise CSimError("C-simulation needs g++ (apt-get install g++)")
    if ap is None:
        raise CSimError("C-simulation needs the ap_int.h/hls_stream.h headers of the hls4ml "
                        "package (pip install --no-deps hls4ml)")
    build_dir.mkdir(parents=True, exist_ok=True)
    exe = build_dir / "csim"
    sources = [str(project / "tb_qnnc_top.cpp"), str(project / "qnnc_top.cpp")]
    newest = max(p.stat().st_mtime for p in project.iterdir())
    if exe.is_file() and exe.stat().st_mtime >= newest:
        return exe  # built from these files already (a second --verify run)
    includes = ["-isystem", str(ap), "-I", str(project)]
    for flags, extra in ((LINT_FLAGS, []), (SIM_FLAGS, ["-o", str(exe)])):
        r = subprocess.run([cxx, *flags, *includes, *sources, *extra], capture_output=True,
                           text=True)
        if r.returncode != 0:
            raise CSimError(f"g++ failed on the HLS project:\n{r.stderr[-4000:]}")
    return exe


def run(exe: Path, beats: list[int], frames: int, in_width: int, work: Path) -> list[int]:
    """Stream `beats` (all frames' input beats) through the C model; returns the output beats."""
    digits = max(1, (in_width + 3) // 4)
    fin, fout = work / "csim_in.txt", work / "csim_out.txt"
    fin.write_text("".join(f"{b:0{digits}x}\n" for b in beats))
    r = subprocess.run([str(exe), str(fin), str(fout), str(frames)], capture_output=True,
                       text=True)
    if r.returncode != 0:
        raise CSimError(f"C-simulation failed ({r.returncode}): {r.stderr[-2000:]}")
    return [int(line, 16) for line in fout.read_text().split()]
