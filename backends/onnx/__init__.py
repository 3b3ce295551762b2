"""The host backend: `@pre` and `@post` of a partitioned `quant`-level module as ONNX graphs
(`out/host/pre.onnx`, `out/host/post.onnx`), the float ops that run around the accelerator."""

from qnnc.backends.onnx.host_export import export_host, function_to_onnx

__all__ = ["export_host", "function_to_onnx"]
