"""Registry of qnnc's dialects, passes and targets: name → lazy factory (nothing is imported or
registered until asked for). `qnnc-opt` and the driver read it. `all_*()` are qnnc's own
(`builtin_*()`) plus what the plugins a tool loaded at start registered (`qnnc.plugins`).
`QNNC_UNIVERSE` is qnnc's own as an xDSL `Universe`."""

from __future__ import annotations

from collections.abc import Callable

from xdsl.passes import ModulePass
from xdsl.universe import Universe


def _quant():
    from qnnc.dialects.quant import Quant
    return Quant


def _host():
    from qnnc.dialects.host import Host
    return Host


def _dataflow():
    from qnnc.dialects.dataflow import Dataflow
    return Dataflow


def _rtl():
    from qnnc.dialects.rtl import Rtl
    return Rtl


def builtin_dialects() -> dict[str, Callable]:
    return {"quant": _quant, "host": _host, "dataflow": _dataflow, "rtl": _rtl}


def all_dialects() -> dict[str, Callable]:
    """qnnc's dialects and the loaded plugins'."""
    from qnnc.plugins import registry

    return {**builtin_dialects(), **registry().dialects}


def _pass(module: str, cls: str) -> Callable[[], type[ModulePass]]:
    def load() -> type[ModulePass]:
        import importlib

        return getattr(importlib.import_module(f"qnnc.lowering.{module}"), cls)
    return load


def all_passes() -> dict[str, Callable[[], type[ModulePass]]]:
    """The pipeline's passes and the loaded plugins' (backend prepare steps: `backend_passes`)."""
    from qnnc.plugins import registry

    return {**builtin_passes(), **registry().passes}


def builtin_passes() -> dict[str, Callable[[], type[ModulePass]]]:
    return {
        "quant-streamline": _pass("quant_streamline", "QuantStreamlinePass"),
        "quant-absorb-transposes": _pass("quant_absorb_transposes", "QuantAbsorbTransposesPass"),
        "quant-partition-host": _pass("quant_partition_host", "QuantPartitionHostPass"),
        "convert-quant-to-dataflow": _pass("convert_quant_to_dataflow", "ConvertQuantToDataflowPass"),
        "dataflow-fold": _pass("dataflow_fold", "DataflowFoldPass"),
        "dataflow-choose-activation": _pass("dataflow_choose_activation",
                                            "DataflowChooseActivationPass"),
        "dataflow-insert-fifos": _pass("dataflow_insert_fifos", "DataflowInsertFifosPass"),
        "convert-dataflow-to-rtl": _pass("convert_dataflow_to_rtl", "ConvertDataflowToRtlPass"),
        "apply-rules": _pass("apply_rules", "ApplyRulesPass"),
    }


def backend_passes() -> dict[str, Callable[[], type[ModulePass]]]:
    """Backends' prepare steps, also usable as passes (`qnnc-opt -p rtl-legalize-names`): they
    live with their backend (`qnnc.backends.<target>.<key_with_underscores>`), which applies them
    before printing, as CIRCT's ExportVerilog does."""
    def load(target: str, module: str, cls: str) -> Callable[[], type[ModulePass]]:
        def get() -> type[ModulePass]:
            import importlib

            return getattr(importlib.import_module(f"qnnc.backends.{target}.{module}"), cls)
        return get

    return {"rtl-legalize-names": load("verilog", "rtl_legalize_names", "RtlLegalizeNamesPass")}


def _target(module: str, cls: str) -> Callable[[], type]:
    def load() -> type:
        import importlib

        return getattr(importlib.import_module(f"qnnc.backends.{module}"), cls)
    return load


def all_targets() -> dict[str, Callable[[], type]]:
    """The backends (`qnnc.backends.Backend`), in the order the driver emits them: qnnc's, then
    the loaded plugins'."""
    from qnnc.plugins import registry

    return {**builtin_targets(), **registry().targets}


def builtin_targets() -> dict[str, Callable[[], type]]:
    return {"verilog": _target("verilog", "VerilogBackend"), "hls": _target("hls", "HlsBackend")}


def make_backend(name: str):
    """A fresh instance of the backend registered as `name`."""
    return all_targets()[name]()()


QNNC_UNIVERSE = Universe(all_dialects=builtin_dialects(),
                         all_passes={**builtin_passes(), **backend_passes()})


def did_you_mean(name: str, known) -> str:
    """`'nam' (did you mean name?)`: an unknown name with its close matches (difflib)."""
    import difflib

    close = difflib.get_close_matches(name, sorted(known), n=3)
    return f"'{name}'" + (f" (did you mean {', '.join(close)}?)" if close else "")


def unknown_passes_text(names: list[str]) -> str:
    known = sorted({*all_passes(), *backend_passes()})
    return ("unknown pass " + ", ".join(did_you_mean(n, known) for n in names)
            + f"; available: {', '.join(known)}")


def parse_pass_pipeline(spec: str, what: str = "pass pipeline") -> list[ModulePass]:
    """Instances of the passes of an xDSL pipeline spec (`a{k=v},b`) over every registered
    pass (qnnc's, the backends' prepare steps, the loaded plugins'). A malformed spec, an unknown
    pass or a bad option is a `QnncError` (one line, with close matches)."""
    from xdsl.utils.exceptions import ArgSpecParseError
    from xdsl.utils.arg_spec import parse_pipeline

    from qnnc.diagnostics import QnncError

    available = {**all_passes(), **backend_passes()}
    try:
        specs = list(parse_pipeline(spec))
    except ArgSpecParseError as e:
        raise QnncError(f"malformed {what} {spec!r}: {arg_spec_error_text(e)}") from None
    unknown = [p.name for p in specs if p.name not in available]
    if unknown:
        raise QnncError(unknown_passes_text(unknown))
    passes = []
    for p in specs:
        try:
            passes.append(available[p.name]().from_pass_spec(p))
        except (ValueError, TypeError) as e:
            raise QnncError(f"bad option of pass '{p.name}' in {what} {spec!r}: {e}") from None
    return passes


def arg_spec_error_text(e: BaseException) -> str:
    """xDSL's multi-line `ArgSpecParseError` (the spec, a caret, the message) as one phrase."""
    lines = [ln for ln in str(e).splitlines() if ln.strip()]
    caret = next((ln for ln in lines if ln.strip() == "^"), None)
    msg = lines[-1].strip() if lines else type(e).__name__
    return msg + (f" (at column {caret.index('^') + 1})" if caret is not None else "")
