"""qnnc-refold: an example qnnc plugin (see qnnc's docs/plugins.md).

The hook registers one pass, lazily (the pass module is imported only when the pass is used):
`example-refold-layer{layer=NAME pe=P simd=S}`.
"""


def qnnc_plugin(registry) -> None:
    def refold_pass():
        from qnnc_refold.example_refold_layer import ExampleRefoldLayerPass

        return ExampleRefoldLayerPass

    registry.add_pass("example-refold-layer", refold_pass)
