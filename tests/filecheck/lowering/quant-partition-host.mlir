// RUN: qnnc-opt %s -p quant-partition-host --split-input-file --verify-diagnostics | filecheck %s

// quant-partition-host: @main becomes @pre (host, ends in the input quantizer), @core (integer
// ops only) and @post (host, starts at the dequantize), and @main calls the three.

func.func @main(%x: tensor<1x4xf32>) -> tensor<1x3xf32> {
  %one = quant.const dense<1.000000e+00> : tensor<f32>
  %zero = quant.const dense<0.000000e+00> : tensor<f32>
  %q = quant.quantize %x, %one, %zero {bits = 2 : i64, signed = true, narrow = false, rounding_mode = "ROUND"} : (tensor<1x4xf32>, tensor<f32>, tensor<f32>) -> tensor<1x4xsi2>
  %w = quant.const dense<[[1, -1, 0], [0, 1, 1], [-1, -1, 1], [1, 0, -1]]> : tensor<4x3xsi2>
  %acc = quant.int_matmul %q, %w : (tensor<1x4xsi2>, tensor<4x3xsi2>) -> tensor<1x3xsi4>
  %t = quant.threshold %acc {thresholds = dense<[[2, 3, 5], [0, -1, -4], [2, 3, 4]]> : tensor<3x3xsi4>, descending = dense<[0, 1, 0]> : tensor<3xui1>, out_bias = 0 : i64} : tensor<1x3xsi4> -> tensor<1x3xui2>
  %d = quant.dequantize %t, %one, %zero : (tensor<1x3xui2>, tensor<f32>, tensor<f32>) -> tensor<1x3xf32>
  %b = quant.const dense<5.000000e-01> : tensor<3xf32>
  %y = quant.add %d, %b : (tensor<1x3xf32>, tensor<3xf32>) -> tensor<1x3xf32>
  func.return %y : tensor<1x3xf32>
}

// CHECK-LABEL: func.func @main(%x: tensor<1x4xf32>) -> tensor<1x3xf32> {
// CHECK-NEXT:    %[[P:.*]] = func.call @pre(%x) : (tensor<1x4xf32>) -> tensor<1x4xsi2>
// CHECK-NEXT:    %[[C:.*]] = func.call @core(%[[P]]) : (tensor<1x4xsi2>) -> tensor<1x3xui2>
// CHECK-NEXT:    %[[Y:.*]] = func.call @post(%[[C]]) : (tensor<1x3xui2>) -> tensor<1x3xf32>
// CHECK-NEXT:    func.return %[[Y]] : tensor<1x3xf32>
// CHECK-NEXT:  }
// CHECK-NEXT:  func.func @pre(%x: tensor<1x4xf32>) -> tensor<1x4xsi2> {
// CHECK-NEXT:    %one = quant.const dense<1.000000e+00> : tensor<f32>
// CHECK-NEXT:    %zero = quant.const dense<0.000000e+00> : tensor<f32>
// CHECK-NEXT:    %q = quant.quantize %x, %one, %zero {{.*}} -> tensor<1x4xsi2>
// CHECK-NEXT:    func.return %q : tensor<1x4xsi2>
// CHECK-NEXT:  }
// CHECK-NEXT:  func.func @core(%[[IN:.*]]: tensor<1x4xsi2>) -> tensor<1x3xui2> {
// CHECK-NEXT:    %w = quant.const dense<{{\[}}[1, -1, 0], [0, 1, 1], [-1, -1, 1], [1, 0, -1]]> : tensor<4x3xsi2>
// CHECK-NEXT:    %acc = quant.int_matmul %[[IN]], %w : (tensor<1x4xsi2>, tensor<4x3xsi2>) -> tensor<1x3xsi4>
// CHECK-NEXT:    %t = quant.threshold %acc {{.*}} : tensor<1x3xsi4> -> tensor<1x3xui2>
// CHECK-NEXT:    func.return %t : tensor<1x3xui2>
// CHECK-NEXT:  }
// Constants @post shares with @pre are cloned into it.
// CHECK-NEXT:  func.func @post(%[[OUT:.*]]: tensor<1x3xui2>) -> tensor<1x3xf32> {
// CHECK-NEXT:    %one = quant.const dense<1.000000e+00> : tensor<f32>
// CHECK-NEXT:    %zero = quant.const dense<0.000000e+00> : tensor<f32>
// CHECK-NEXT:    %d = quant.dequantize %[[OUT]], %one, %zero : (tensor<1x3xui2>, tensor<f32>, tensor<f32>) -> tensor<1x3xf32>
// CHECK-NEXT:    %b = quant.const dense<5.000000e-01> : tensor<3xf32>
// CHECK-NEXT:    %y = quant.add %d, %b : (tensor<1x3xf32>, tensor<3xf32>) -> tensor<1x3xf32>
// CHECK-NEXT:    func.return %y : tensor<1x3xf32>
// CHECK-NEXT:  }

// -----

// Layout ops after the input quantizer (a Flatten) run on the host in @pre, so the input
// stream carries the codes in the order the first layer reads them; a host node (a Softmax
// head, carried as an ONNX node) goes to @post like any float op.

func.func @main(%x: tensor<1x1x4xf32>) -> tensor<1x4xf32> {
  %one = quant.const dense<1.000000e+00> : tensor<f32>
  %zero = quant.const dense<0.000000e+00> : tensor<f32>
  %q = quant.quantize %x, %one, %zero {bits = 2 : i64, signed = true, narrow = false, rounding_mode = "ROUND"} : (tensor<1x1x4xf32>, tensor<f32>, tensor<f32>) -> tensor<1x1x4xsi2>
  %f = quant.reshape %q : tensor<1x1x4xsi2> -> tensor<1x4xsi2>
  %w = quant.const dense<[[1, -1, 0, 1], [0, 1, 1, 1], [-1, -1, 1, 0], [1, 0, -1, 0]]> : tensor<4x4xsi2>
  %acc = quant.int_matmul %f, %w : (tensor<1x4xsi2>, tensor<4x4xsi2>) -> tensor<1x4xsi4>
  %d = quant.dequantize %acc, %one, %zero : (tensor<1x4xsi4>, tensor<f32>, tensor<f32>) -> tensor<1x4xf32>
  %s = host.onnx_node "Softmax"(%d) : (tensor<1x4xf32>) -> tensor<1x4xf32> model "CAgSBHFubmM6bAoyCgNpbjASBG91dDAaBG5vZGUiB1NvZnRtYXgqFAoEYXhpcxj///////////8BoAECOgASB1NvZnRtYXhaFQoDaW4wEg4KDAgBEggKAggBCgIIBGIWCgRvdXQwEg4KDAgBEggKAggBCgIIBEIECgAQEQ=="
  func.return %s : tensor<1x4xf32>
}

// CHECK:       // {{-----}}
// CHECK-LABEL: func.func @main(%x: tensor<1x1x4xf32>) -> tensor<1x4xf32> {
// CHECK:       func.func @pre(%x: tensor<1x1x4xf32>) -> tensor<1x4xsi2> {
// CHECK:         %q = quant.quantize %x, %one, %zero {{.*}} -> tensor<1x1x4xsi2>
// CHECK-NEXT:    %f = quant.reshape %q : tensor<1x1x4xsi2> -> tensor<1x4xsi2>
// CHECK-NEXT:    func.return %f : tensor<1x4xsi2>
// CHECK-NEXT:  }
// CHECK-NEXT:  func.func @core(%[[IN:.*]]: tensor<1x4xsi2>) -> tensor<1x4xsi4> {
// CHECK-NEXT:    %w = quant.const
// CHECK-NEXT:    %acc = quant.int_matmul %[[IN]], %w
// CHECK-NEXT:    func.return %acc : tensor<1x4xsi4>
// CHECK-NEXT:  }
// CHECK-NEXT:  func.func @post(%[[OUT:.*]]: tensor<1x4xsi4>) -> tensor<1x4xf32> {
// CHECK:         %d = quant.dequantize %[[OUT]], %one, %zero
// CHECK-NEXT:    %s = host.onnx_node "Softmax"(%d)
// CHECK-NEXT:    func.return %s : tensor<1x4xf32>

// -----

// Diagnostics, each naming the ONNX node at fault where there is one.

func.func @not_main(%x: tensor<1x4xf32>) -> tensor<1x4xf32> {
  func.return %x : tensor<1x4xf32>
}
// CHECK: error: module has no func.func @main

// -----

func.func @main(%x: tensor<1x4xf32>) -> tensor<1x4xf32> {
  %r = quant.relu %x : tensor<1x4xf32> -> tensor<1x4xf32>
  func.return %r : tensor<1x4xf32>
}
// CHECK: error: the model has no quantized layer to map to hardware

// -----

func.func @main(%x: tensor<1x4xf32>) -> tensor<1x3xf32> {
  %w = quant.const dense<5.000000e-01> : tensor<4x3xf32>
  %y = quant.matmul %x, %w : (tensor<1x4xf32>, tensor<4x3xf32>) -> tensor<1x3xf32> loc("MatMul_0"("MatMul"))
  func.return %y : tensor<1x3xf32>
}
// CHECK: error: node 'MatMul_0' (MatMul): no quantized layer could be mapped to hardware here (is the layer's input quantized and its weight constant?)

// -----

// A float op (Relu) between two integer layers: the core would need a second input.
func.func @main(%x: tensor<1x4xf32>) -> tensor<1x3xf32> {
  %one = quant.const dense<1.000000e+00> : tensor<f32>
  %zero = quant.const dense<0.000000e+00> : tensor<f32>
  %q = quant.quantize %x, %one, %zero {bits = 2 : i64, signed = true, narrow = false, rounding_mode = "ROUND"} : (tensor<1x4xf32>, tensor<f32>, tensor<f32>) -> tensor<1x4xsi2>
  %w = quant.const dense<1> : tensor<4x4xsi2>
  %a = quant.int_matmul %q, %w : (tensor<1x4xsi2>, tensor<4x4xsi2>) -> tensor<1x4xsi4> loc("MatMul_0"("MatMul"))
  %d = quant.dequantize %a, %one, %zero : (tensor<1x4xsi4>, tensor<f32>, tensor<f32>) -> tensor<1x4xf32>
  %r = quant.relu %d : tensor<1x4xf32> -> tensor<1x4xf32> loc("Relu_0"("Relu"))
  %q2 = quant.quantize %r, %one, %zero {bits = 2 : i64, signed = true, narrow = false, rounding_mode = "ROUND"} : (tensor<1x4xf32>, tensor<f32>, tensor<f32>) -> tensor<1x4xsi2> loc("Quant_1"("Quant"))
  %w2 = quant.const dense<1> : tensor<4x3xsi2>
  %b = quant.int_matmul %q2, %w2 : (tensor<1x4xsi2>, tensor<4x3xsi2>) -> tensor<1x3xsi4> loc("MatMul_1"("MatMul"))
  %y = quant.dequantize %b, %one, %zero : (tensor<1x3xsi4>, tensor<f32>, tensor<f32>) -> tensor<1x3xf32>
  func.return %y : tensor<1x3xf32>
}
// CHECK: error: node 'MatMul_1' (MatMul): the accelerator would need 2 input streams; only one is supported (a float op between integer layers?)

// -----

// The accumulator leaves the core besides the thresholded value.
func.func @main(%x: tensor<1x4xf32>) -> (tensor<1x3xf32>, tensor<1x3xf32>) {
  %one = quant.const dense<1.000000e+00> : tensor<f32>
  %zero = quant.const dense<0.000000e+00> : tensor<f32>
  %q = quant.quantize %x, %one, %zero {bits = 2 : i64, signed = true, narrow = false, rounding_mode = "ROUND"} : (tensor<1x4xf32>, tensor<f32>, tensor<f32>) -> tensor<1x4xsi2>
  %w = quant.const dense<1> : tensor<4x3xsi2>
  %a = quant.int_matmul %q, %w : (tensor<1x4xsi2>, tensor<4x3xsi2>) -> tensor<1x3xsi4> loc("MatMul_0"("MatMul"))
  %t = quant.threshold %a {thresholds = dense<0> : tensor<3x1xsi4>, descending = dense<0> : tensor<3xui1>, out_bias = 0 : i64} : tensor<1x3xsi4> -> tensor<1x3xui1> loc("Quant_1"("Quant"))
  %d1 = quant.dequantize %a, %one, %zero : (tensor<1x3xsi4>, tensor<f32>, tensor<f32>) -> tensor<1x3xf32>
  %d2 = quant.dequantize %t, %one, %zero : (tensor<1x3xui1>, tensor<f32>, tensor<f32>) -> tensor<1x3xf32>
  func.return %d1, %d2 : tensor<1x3xf32>, tensor<1x3xf32>
}
// CHECK: error: node 'Quant_1' (Quant): the accelerator would have 2 outputs; only one is supported

// -----

// Integer input straight from the host, no input quantizer.
func.func @main(%x: tensor<1x4xsi2>) -> tensor<1x3xf32> {
  %one = quant.const dense<1.000000e+00> : tensor<f32>
  %zero = quant.const dense<0.000000e+00> : tensor<f32>
  %w = quant.const dense<1> : tensor<4x3xsi2> loc("MatMul_0_param1"("Initializer"))
  %acc = quant.int_matmul %x, %w : (tensor<1x4xsi2>, tensor<4x3xsi2>) -> tensor<1x3xsi4> loc("MatMul_0"("MatMul"))
  %d = quant.dequantize %acc, %one, %zero : (tensor<1x3xsi4>, tensor<f32>, tensor<f32>) -> tensor<1x3xf32>
  func.return %d : tensor<1x3xf32>
}
// CHECK: error: node 'MatMul_0' (MatMul): the accelerator input is not produced by an input quantizer

// -----

func.func @main(%x: tensor<1x3xf32>) -> tensor<1x3xf32> {
  %one = quant.const dense<1.000000e+00> : tensor<f32>
  %zero = quant.const dense<0.000000e+00> : tensor<f32>
  %q = quant.quantize %x, %one, %zero {bits = 2 : i64, signed = true, narrow = false, rounding_mode = "ROUND"} : (tensor<1x3xf32>, tensor<f32>, tensor<f32>) -> tensor<1x3xsi2>
  %w = quant.const dense<1> : tensor<3x3xsi2>
  %a = quant.int_matmul %q, %w : (tensor<1x3xsi2>, tensor<3x3xsi2>) -> tensor<1x3xsi4>
  %d = quant.dequantize %a, %one, %zero : (tensor<1x3xsi4>, tensor<f32>, tensor<f32>) -> tensor<1x3xf32>
  %y = quant.add %d, %x : (tensor<1x3xf32>, tensor<1x3xf32>) -> tensor<1x3xf32> loc("Add_0"("Add"))
  func.return %y : tensor<1x3xf32>
}
// CHECK: error: node 'Add_0' (Add): post-processing uses the model input directly; such a bypass around the accelerator is not supported

// -----

func.func @main(%x: tensor<1x3xf32>) -> tensor<1x3xf32> {
  %one = quant.const dense<1.000000e+00> : tensor<f32>
  %zero = quant.const dense<0.000000e+00> : tensor<f32>
  %r = quant.relu %x : tensor<1x3xf32> -> tensor<1x3xf32>
  %q = quant.quantize %r, %one, %zero {bits = 2 : i64, signed = true, narrow = false, rounding_mode = "ROUND"} : (tensor<1x3xf32>, tensor<f32>, tensor<f32>) -> tensor<1x3xsi2>
  %w = quant.const dense<1> : tensor<3x3xsi2>
  %a = quant.int_matmul %q, %w : (tensor<1x3xsi2>, tensor<3x3xsi2>) -> tensor<1x3xsi4>
  %d = quant.dequantize %a, %one, %zero : (tensor<1x3xsi4>, tensor<f32>, tensor<f32>) -> tensor<1x3xf32>
  %y = quant.add %d, %r : (tensor<1x3xf32>, tensor<1x3xf32>) -> tensor<1x3xf32> loc("Add_1"("Add"))
  func.return %y : tensor<1x3xf32>
}
// CHECK: error: node 'Add_1' (Add): post-processing uses a pre-processing value; such a bypass around the accelerator is not supported
