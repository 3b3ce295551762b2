"""Registry of qnnc's dialects, passes and targets: name → lazy factory (nothing is imported or
registered until asked for). `qnnc-opt` and the driver read it; an entry point publishes it to
`xdsl-opt` as a `Universe`."""

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


def all_dialects() -> dict[str, Callable]:
    return {"quant": _quant, "host": _host, "dataflow": _dataflow, "rtl": _rtl}


def _pass(module: str, cls: str) -> Callable[[], type[ModulePass]]:
    def load() -> type[ModulePass]:
        import importlib

        return getattr(importlib.import_module(f"qnnc.lowering.{module}"), cls)
    return load


def all_passes() -> dict[str, Callable[[], type[ModulePass]]]:
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
    """The backends (`qnnc.backends.Backend`), in the order the driver emits them."""
    return {"verilog": _target("verilog", "VerilogBackend"), "hls": _target("hls", "HlsBackend")}


def make_backend(name: str):
    """A fresh instance of the backend registered as `name`."""
    return all_targets()[name]()()


QNNC_UNIVERSE = Universe(all_dialects=all_dialects(),
                         all_passes={**all_passes(), **backend_passes()})
