// RUN: QNNC_VERIFY_DIAG

// One case per verifier error of host.onnx_node.

// The model must be a base64 serialized ONNX model.
func.func @f(%x: tensor<1x4xf32>) {
  %y = host.onnx_node "Softmax"(%x) : (tensor<1x4xf32>) -> tensor<1x4xf32> model "not base64!"
  func.return
}
// CHECK: Operation does not verify: host.onnx_node: 'model' is not a serialized ONNX model

// -----

// Operands and results match the model's graph inputs and outputs.
func.func @f(%x: tensor<1x4xf32>) {
  %y = host.onnx_node "Softmax"(%x, %x) : (tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<1x4xf32> model "CAgSBHFubmM6bAoyCgNpbjASBG91dDAaBG5vZGUiB1NvZnRtYXgqFAoEYXhpcxj///////////8BoAECOgASB1NvZnRtYXhaFQoDaW4wEg4KDAgBEggKAggBCgIIBGIWCgRvdXQwEg4KDAgBEggKAggBCgIIBEIECgAQEQ=="
  func.return
}
// CHECK: Operation does not verify: host.onnx_node: the model has 1 inputs and 1 outputs, the op 2 operands and 1 results

// -----

// op_type names a node of the model.
func.func @f(%x: tensor<1x4xf32>) {
  %y = host.onnx_node "Sigmoid"(%x) : (tensor<1x4xf32>) -> tensor<1x4xf32> model "CAgSBHFubmM6bAoyCgNpbjASBG91dDAaBG5vZGUiB1NvZnRtYXgqFAoEYXhpcxj///////////8BoAECOgASB1NvZnRtYXhaFQoDaW4wEg4KDAgBEggKAggBCgIIBGIWCgRvdXQwEg4KDAgBEggKAggBCgIIBEIECgAQEQ=="
  func.return
}
// CHECK: Operation does not verify: host.onnx_node: the model holds no 'Sigmoid' node

// -----

// The model is at the host opset (17) or newer.
func.func @f(%x: tensor<1x4xf32>) {
  %y = host.onnx_node "Relu"(%x) : (tensor<1x4xf32>) -> tensor<1x4xf32> model "CAg6SAoRCgNpbjASBG91dDAiBFJlbHUSBFJlbHVaFQoDaW4wEg4KDAgBEggKAggBCgIIBGIWCgRvdXQwEg4KDAgBEggKAggBCgIIBEIECgAQDQ=="
  func.return
}
// CHECK: Operation does not verify: host.onnx_node: the model's opset 13 is below 17
