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

// -----

// A conv net: the transpose to channels-last after the input quantizer runs in @pre, the one
// back to NCHW before the output dequantize in @post; @core is channels-last integer ops only.
func.func @main(%x: tensor<1x1x3x3xf32>) -> tensor<1x2xf32> {
  %one = quant.const dense<1.000000e+00> : tensor<f32>
  %zero = quant.const dense<0.000000e+00> : tensor<f32>
  %q = quant.quantize %x, %one, %zero {bits = 3 : i64, signed = true, narrow = false, rounding_mode = "ROUND"} : (tensor<1x1x3x3xf32>, tensor<f32>, tensor<f32>) -> tensor<1x1x3x3xsi3>
  %qt = quant.transpose %q {perm = array<i64: 0, 2, 3, 1>} : tensor<1x1x3x3xsi3> -> tensor<1x3x3x1xsi3>
  %w = quant.const dense<[[[[1, 1]], [[0, 1]]], [[[0, 1]], [[-1, 1]]]]> : tensor<2x2x1x2xsi2>
  %acc = quant.int_conv %qt, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, pad_value = 0 : i64} : (tensor<1x3x3x1xsi3>, tensor<2x2x1x2xsi2>) -> tensor<1x2x2x2xsi6>
  %t = quant.threshold %acc {thresholds = dense<[[1, 2, 3], [2, 3, 6]]> : tensor<2x3xui3>, descending = dense<[0, 0]> : tensor<2xui1>, out_bias = 0 : i64} : tensor<1x2x2x2xsi6> -> tensor<1x2x2x2xui2>
  %p = quant.int_maxpool %t {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>} : tensor<1x2x2x2xui2> -> tensor<1x1x1x2xui2>
  %pt = quant.transpose %p {perm = array<i64: 0, 3, 1, 2>} : tensor<1x1x1x2xui2> -> tensor<1x2x1x1xui2>
  %d = quant.dequantize %pt, %one, %zero : (tensor<1x2x1x1xui2>, tensor<f32>, tensor<f32>) -> tensor<1x2x1x1xf32>
  %f = quant.reshape %d : tensor<1x2x1x1xf32> -> tensor<1x2xf32>
  func.return %f : tensor<1x2xf32>
}

// CHECK:       // {{-----}}
// CHECK-LABEL: func.func @main(%x: tensor<1x1x3x3xf32>) -> tensor<1x2xf32> {
// CHECK-NEXT:    %[[P:.*]] = func.call @pre(%x) : (tensor<1x1x3x3xf32>) -> tensor<1x3x3x1xsi3>
// CHECK-NEXT:    %[[C:.*]] = func.call @core(%[[P]]) : (tensor<1x3x3x1xsi3>) -> tensor<1x1x1x2xui2>
// CHECK-NEXT:    %[[Y:.*]] = func.call @post(%[[C]]) : (tensor<1x1x1x2xui2>) -> tensor<1x2xf32>
// CHECK:       func.func @pre(%x: tensor<1x1x3x3xf32>) -> tensor<1x3x3x1xsi3> {
// CHECK:         %qt = quant.transpose %q {perm = array<i64: 0, 2, 3, 1>}
// CHECK-NEXT:    func.return %qt : tensor<1x3x3x1xsi3>
// CHECK-NEXT:  }
// CHECK-NEXT:  func.func @core(%[[IN:.*]]: tensor<1x3x3x1xsi3>) -> tensor<1x1x1x2xui2> {
// CHECK-NEXT:    %w = quant.const
// CHECK-NEXT:    %acc = quant.int_conv %[[IN]], %w
// CHECK-NEXT:    %t = quant.threshold %acc
// CHECK-NEXT:    %p = quant.int_maxpool %t
// CHECK-NEXT:    func.return %p : tensor<1x1x1x2xui2>
// CHECK-NEXT:  }
// CHECK-NEXT:  func.func @post(%[[OUT:.*]]: tensor<1x1x1x2xui2>) -> tensor<1x2xf32> {
// CHECK-NEXT:    %one = quant.const
// CHECK-NEXT:    %zero = quant.const
// CHECK-NEXT:    %pt = quant.transpose %[[OUT]] {perm = array<i64: 0, 3, 1, 2>}
// CHECK-NEXT:    %d = quant.dequantize %pt, %one, %zero
// CHECK-NEXT:    %f = quant.reshape %d
// CHECK-NEXT:    func.return %f : tensor<1x2xf32>
