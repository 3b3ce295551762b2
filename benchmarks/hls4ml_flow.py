"""hls4ml 1.3.0's documented QONNX flow as one script: `python benchmarks/hls4ml_flow.py
model.onnx OUT_DIR`, the peer side of the whole-process comparison in `peer_compile_time.py`.

It is the flow of hls4ml's documentation (frontend/qonnx.html) and nothing more: qonnx's
`cleanup_model`, `ConvertToChannelsLastAndClean`, `GemmToMatMul`, `cleanup_model`, then
`config_from_onnx_model` (granularity 'name', backend Vitis), `convert_from_onnx_model`
(io_stream) and `write()`, which writes the HLS project into OUT_DIR. hls4ml's progress printing
goes to stdout as it does for a user. Exit code 0 when the project was written, 1 with one
`error: <step>: <exception>` line on stderr when a step raised (hls4ml refused the model).
"""

from __future__ import annotations

import sys

BACKEND = "Vitis"
IO_TYPE = "io_stream"
DEFAULT_PRECISION = "fixed<16,6>"  # hls4ml's default; quantized tensors get their Quant's type


def main(argv: list[str]) -> int:
    model_path, out_dir = argv
    step = "import"
    try:
        import qonnx.util.cleanup
        from qonnx.core.modelwrapper import ModelWrapper
        from qonnx.transformation.channels_last import ConvertToChannelsLastAndClean
        from qonnx.transformation.gemm_to_matmul import GemmToMatMul

        step = "qonnx preparation"
        model = ModelWrapper(model_path)
        model = qonnx.util.cleanup.cleanup_model(model)
        model = model.transform(ConvertToChannelsLastAndClean())
        model = model.transform(GemmToMatMul())
        model = qonnx.util.cleanup.cleanup_model(model)

        step = "import hls4ml"
        import hls4ml

        step = "hls4ml config_from_onnx_model"
        config = hls4ml.utils.config.config_from_onnx_model(
            model, granularity="name", backend=BACKEND, default_precision=DEFAULT_PRECISION)
        step = "hls4ml convert_from_onnx_model"
        hls_model = hls4ml.converters.convert_from_onnx_model(
            model, output_dir=out_dir, io_type=IO_TYPE, backend=BACKEND, hls_config=config)
        step = "hls4ml write"
        hls_model.write()
    except Exception as e:  # a refused model: one line, as a benchmark reports it
        text = str(e).strip().splitlines()
        print(f"error: {step}: {type(e).__name__}: {text[0] if text else ''}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
