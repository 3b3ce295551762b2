"""Backends: each target turns the rtl-level module into files and can simulate what it wrote.

The driver, the CLI and `--verify` only loop over targets (`qnnc.universe.all_targets()`); a new
backend is a class with this interface registered there, and touches no driver code.

* `name`: the target's name (`--emit NAME`, `qnnc-opt -t NAME`, the `out/NAME/` folder, the
  `verify.json` `backends` key);
* `emit(ctx, module, options)`: file name → text. A target's prepare step (name legalization)
  runs inside it; it may set names in the IR, never change its structure;
* `simulate(project, work, stimulus)`: runs the files written in `project` on a `Stimulus` (the
  accelerator's input beats) and returns a `SimRun` (output beats, and measured cycles where the
  simulator is cycle-accurate).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # `qnnc --help` imports this module for EmitOptions' defaults: no xDSL
    from xdsl.context import Context
    from xdsl.dialects.builtin import ModuleOp


class EmissionError(Exception):
    """IR a backend cannot print (not lowered to its level, names not prepared, ...)."""


@dataclass(frozen=True)
class EmitOptions:
    """Style and tool options of the emitters (never semantics)."""

    part: str = "xczu3eg-sbva484-1-e"  # the FPGA part a Vitis HLS script targets
    clock_ns: float = 10.0  # the clock period it synthesizes for


@dataclass(frozen=True)
class Stimulus:
    """What `--verify` streams into the accelerator: frames of input beats."""

    beats: list[int]
    frames: int
    in_width: int  # bits per input beat (without padding)
    out_beats_per_frame: int
    cycles_per_frame: int  # analytical, to bound a cycle-accurate run
    latency_cycles: int
    seed: int = 0


@dataclass
class SimRun:
    out_beats: list[int]
    figures: dict = field(default_factory=dict)  # cycles, back-pressure settings, ...


class Backend(Protocol):
    name: str

    def emit(self, ctx: Context, module: ModuleOp, options: EmitOptions) -> dict[str, str]: ...

    def simulate(self, project: Path, work: Path, stimulus: Stimulus) -> SimRun: ...

    def simulator_missing(self) -> str | None:
        """Why this machine cannot simulate the target (None when it can)."""
        ...
