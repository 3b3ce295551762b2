// RUN: QNNC_ROUNDTRIP
// RUN: QNNC_GENERIC_ROUNDTRIP

// host.onnx_node: a standard ONNX node run on the host, carried as a serialized ONNX model
// (here a Softmax, and a TopK whose K is a constant inside the model and whose second result is
// an int64 tensor).

func.func @head(%x: tensor<1x4xf32>) -> (tensor<1x4xf32>, tensor<1x2xf32>, tensor<1x2xi64>) {
  %s = host.onnx_node "Softmax"(%x) : (tensor<1x4xf32>) -> tensor<1x4xf32> model "CAgSBHFubmM6bAoyCgNpbjASBG91dDAaBG5vZGUiB1NvZnRtYXgqFAoEYXhpcxj///////////8BoAECOgASB1NvZnRtYXhaFQoDaW4wEg4KDAgBEggKAggBCgIIBGIWCgRvdXQwEg4KDAgBEggKAggBCgIIBEIECgAQEQ=="
  %v, %i = host.onnx_node "TopK"(%s) : (tensor<1x4xf32>) -> (tensor<1x2xf32>, tensor<1x2xi64>) model "CAgSBHFubmM6nAEKOQoDaW4wCgJjMBIEb3V0MBIEb3V0MRoEbm9kZSIEVG9wSyoUCgRheGlzGP///////////wGgAQI6ABIEVG9wSyoSCAEQB0ICYzBKCAIAAAAAAAAAWhUKA2luMBIOCgwIARIICgIIAQoCCARiFgoEb3V0MBIOCgwIARIICgIIAQoCCAJiFgoEb3V0MRIOCgwIBxIICgIIAQoCCAJCBAoAEBE="
  func.return %s, %v, %i : tensor<1x4xf32>, tensor<1x2xf32>, tensor<1x2xi64>
}

// CHECK-LABEL: func.func @head(%x: tensor<1x4xf32>) -> (tensor<1x4xf32>, tensor<1x2xf32>, tensor<1x2xi64>) {
// CHECK-NEXT:    %s = host.onnx_node "Softmax"(%x) : (tensor<1x4xf32>) -> tensor<1x4xf32> model "CAgSBHFubmM6bAoyCgNpbjASBG91dDAaBG5vZGUiB1NvZnRtYXgqFAoEYXhpcxj///////////8BoAECOgASB1NvZnRtYXhaFQoDaW4wEg4KDAgBEggKAggBCgIIBGIWCgRvdXQwEg4KDAgBEggKAggBCgIIBEIECgAQEQ=="
// CHECK-NEXT:    %v, %i = host.onnx_node "TopK"(%s) : (tensor<1x4xf32>) -> (tensor<1x2xf32>, tensor<1x2xi64>) model "CAgSBHFubmM6nAEKOQoDaW4wCgJjMBIEb3V0MBIEb3V0MRoEbm9kZSIEVG9wSyoUCgRheGlzGP///////////wGgAQI6ABIEVG9wSyoSCAEQB0ICYzBKCAIAAAAAAAAAWhUKA2luMBIOCgwIARIICgIIAQoCCARiFgoEb3V0MBIOCgwIARIICgIIAQoCCAJiFgoEb3V0MRIOCgwIBxIICgIIAQoCCAJCBAoAEBE="
// CHECK-NEXT:    func.return %s, %v, %i : tensor<1x4xf32>, tensor<1x2xf32>, tensor<1x2xi64>
// CHECK-NEXT:  }

// CHECK-GENERIC: %s = "host.onnx_node"(%x) <{op_type = "Softmax", model = "CAgSBHFubmM6bAoyCgNpbjASBG91dDAaBG5vZGUiB1NvZnRtYXgqFAoEYXhpcxj///////////8BoAECOgASB1NvZnRtYXhaFQoDaW4wEg4KDAgBEggKAggBCgIIBGIWCgRvdXQwEg4KDAgBEggKAggBCgIIBEIECgAQEQ=="}> : (tensor<1x4xf32>) -> tensor<1x4xf32>
