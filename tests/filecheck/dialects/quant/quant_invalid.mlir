// RUN: QNNC_VERIFY_DIAG

// One case per verifier error of every quant op that has a verify_ (quant.const has none: its
// result type is its value's type by construction). Cases are split-input-file chunks.

// quant.quant: the input must be a float tensor
func.func @f(%x: tensor<1x4xsi8>) {
  %s = quant.const dense<5.000000e-01> : tensor<f32>
  %z = quant.const dense<0.000000e+00> : tensor<f32>
  %b = quant.const dense<4.000000e+00> : tensor<f32>
  %r = quant.quant %x, %s, %z, %b {signed = true, narrow = false, rounding_mode = "ROUND"} : (tensor<1x4xsi8>, tensor<f32>, tensor<f32>, tensor<f32>) -> tensor<1x4xf32>
  func.return
}
// CHECK: Operation does not verify: quant.quant: expected a float tensor, got tensor<1x4xsi8>

// -----

// quant.quant: the result has the input's shape
func.func @f(%x: tensor<1x4xf32>) {
  %s = quant.const dense<5.000000e-01> : tensor<f32>
  %z = quant.const dense<0.000000e+00> : tensor<f32>
  %b = quant.const dense<4.000000e+00> : tensor<f32>
  %r = quant.quant %x, %s, %z, %b {signed = true, narrow = false, rounding_mode = "ROUND"} : (tensor<1x4xf32>, tensor<f32>, tensor<f32>, tensor<f32>) -> tensor<1x3xf32>
  func.return
}
// CHECK: Operation does not verify: quant.quant: input shape (1, 4) differs from result shape (1, 3)

// -----

// quant.quant: rounding modes are QONNX's
func.func @f(%x: tensor<1x4xf32>) {
  %s = quant.const dense<5.000000e-01> : tensor<f32>
  %z = quant.const dense<0.000000e+00> : tensor<f32>
  %b = quant.const dense<4.000000e+00> : tensor<f32>
  %r = quant.quant %x, %s, %z, %b {signed = true, narrow = false, rounding_mode = "NEAREST"} : (tensor<1x4xf32>, tensor<f32>, tensor<f32>, tensor<f32>) -> tensor<1x4xf32>
  func.return
}
// CHECK: Operation does not verify: quant.quant: unknown rounding mode 'NEAREST'

// -----

// quant.quant: scale and zero point broadcast to the input
func.func @f(%x: tensor<1x4xf32>) {
  %s = quant.const dense<5.000000e-01> : tensor<f32>
  %z = quant.const dense<0.000000e+00> : tensor<f32>
  %b = quant.const dense<4.000000e+00> : tensor<f32>
  %s3 = quant.const dense<5.000000e-01> : tensor<3xf32>
  %r = quant.quant %x, %s3, %z, %b {signed = true, narrow = false, rounding_mode = "ROUND"} : (tensor<1x4xf32>, tensor<3xf32>, tensor<f32>, tensor<f32>) -> tensor<1x4xf32>
  func.return
}
// CHECK: Operation does not verify: quant.quant: parameter shape (3,) does not broadcast to input shape (1, 4)

// -----

// quant.quant: the bit width is a scalar
func.func @f(%x: tensor<1x4xf32>) {
  %s = quant.const dense<5.000000e-01> : tensor<f32>
  %z = quant.const dense<0.000000e+00> : tensor<f32>
  %b = quant.const dense<4.000000e+00> : tensor<f32>
  %b2 = quant.const dense<4.000000e+00> : tensor<2xf32>
  %r = quant.quant %x, %s, %z, %b2 {signed = true, narrow = false, rounding_mode = "ROUND"} : (tensor<1x4xf32>, tensor<f32>, tensor<f32>, tensor<2xf32>) -> tensor<1x4xf32>
  func.return
}
// CHECK: Operation does not verify: quant.quant: bit width must be a scalar

// -----

// quant.bipolar_quant: float tensors only
func.func @f(%x: tensor<1x4xsi2>) {
  %s = quant.const dense<5.000000e-01> : tensor<f32>
  %z = quant.const dense<0.000000e+00> : tensor<f32>
  %b = quant.const dense<4.000000e+00> : tensor<f32>
  %r = quant.bipolar_quant %x, %s : (tensor<1x4xsi2>, tensor<f32>) -> tensor<1x4xf32>
  func.return
}
// CHECK: Operation does not verify: quant.bipolar_quant: expected a float tensor, got tensor<1x4xsi2>

// -----

// quant.bipolar_quant: shape preserved
func.func @f(%x: tensor<1x4xf32>) {
  %s = quant.const dense<5.000000e-01> : tensor<f32>
  %z = quant.const dense<0.000000e+00> : tensor<f32>
  %b = quant.const dense<4.000000e+00> : tensor<f32>
  %r = quant.bipolar_quant %x, %s : (tensor<1x4xf32>, tensor<f32>) -> tensor<4xf32>
  func.return
}
// CHECK: Operation does not verify: quant.bipolar_quant: input shape (1, 4) differs from result shape (4,)

// -----

// quant.bipolar_quant: the scale broadcasts
func.func @f(%x: tensor<1x4xf32>) {
  %s = quant.const dense<5.000000e-01> : tensor<f32>
  %z = quant.const dense<0.000000e+00> : tensor<f32>
  %b = quant.const dense<4.000000e+00> : tensor<f32>
  %s3 = quant.const dense<5.000000e-01> : tensor<3xf32>
  %r = quant.bipolar_quant %x, %s3 : (tensor<1x4xf32>, tensor<3xf32>) -> tensor<1x4xf32>
  func.return
}
// CHECK: Operation does not verify: quant.bipolar_quant: scale does not broadcast to the input

// -----

// quant.trunc: float tensors only
func.func @f(%x: tensor<1x4xsi8>) {
  %s = quant.const dense<5.000000e-01> : tensor<f32>
  %z = quant.const dense<0.000000e+00> : tensor<f32>
  %b = quant.const dense<4.000000e+00> : tensor<f32>
  %r = quant.trunc %x, %s, %z, %b, %b {rounding_mode = "FLOOR", signed = true, narrow = false, version = 1 : i64} : (tensor<1x4xsi8>, tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>) -> tensor<1x4xf32>
  func.return
}
// CHECK: Operation does not verify: quant.trunc: expected a float tensor, got tensor<1x4xsi8>

// -----

// quant.trunc: shape preserved
func.func @f(%x: tensor<1x4xf32>) {
  %s = quant.const dense<5.000000e-01> : tensor<f32>
  %z = quant.const dense<0.000000e+00> : tensor<f32>
  %b = quant.const dense<4.000000e+00> : tensor<f32>
  %r = quant.trunc %x, %s, %z, %b, %b {rounding_mode = "FLOOR", signed = true, narrow = false, version = 1 : i64} : (tensor<1x4xf32>, tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>) -> tensor<2x2xf32>
  func.return
}
// CHECK: Operation does not verify: quant.trunc: input shape (1, 4) differs from result shape (2, 2)

// -----

// quant.trunc: rounding modes are QONNX's
func.func @f(%x: tensor<1x4xf32>) {
  %s = quant.const dense<5.000000e-01> : tensor<f32>
  %z = quant.const dense<0.000000e+00> : tensor<f32>
  %b = quant.const dense<4.000000e+00> : tensor<f32>
  %r = quant.trunc %x, %s, %z, %b, %b {rounding_mode = "TRUNC", signed = true, narrow = false, version = 1 : i64} : (tensor<1x4xf32>, tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>) -> tensor<1x4xf32>
  func.return
}
// CHECK: Operation does not verify: quant.trunc: unknown rounding mode 'TRUNC'

// -----

// quant.trunc: only versions 1 and 2 exist
func.func @f(%x: tensor<1x4xf32>) {
  %s = quant.const dense<5.000000e-01> : tensor<f32>
  %z = quant.const dense<0.000000e+00> : tensor<f32>
  %b = quant.const dense<4.000000e+00> : tensor<f32>
  %r = quant.trunc %x, %s, %z, %b, %b {rounding_mode = "FLOOR", signed = true, narrow = false, version = 3 : i64} : (tensor<1x4xf32>, tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>) -> tensor<1x4xf32>
  func.return
}
// CHECK: Operation does not verify: quant.trunc: version must be 1 or 2

// -----

// quant.trunc: version 2 needs output_scale
func.func @f(%x: tensor<1x4xf32>) {
  %s = quant.const dense<5.000000e-01> : tensor<f32>
  %z = quant.const dense<0.000000e+00> : tensor<f32>
  %b = quant.const dense<4.000000e+00> : tensor<f32>
  %r = quant.trunc %x, %s, %z, %b, %b {rounding_mode = "FLOOR", signed = true, narrow = false, version = 2 : i64} : (tensor<1x4xf32>, tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>) -> tensor<1x4xf32>
  func.return
}
// CHECK: Operation does not verify: quant.trunc: version 2 takes output_scale, version 1 does not

// -----

// quant.trunc: version 1 has no output_scale
func.func @f(%x: tensor<1x4xf32>) {
  %s = quant.const dense<5.000000e-01> : tensor<f32>
  %z = quant.const dense<0.000000e+00> : tensor<f32>
  %b = quant.const dense<4.000000e+00> : tensor<f32>
  %r = quant.trunc %x, %s, %z, %b output_scale %s, %b {rounding_mode = "FLOOR", signed = true, narrow = false, version = 1 : i64} : (tensor<1x4xf32>, tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>) -> tensor<1x4xf32>
  func.return
}
// CHECK: Operation does not verify: quant.trunc: version 2 takes output_scale, version 1 does not

// -----

// quant.multithreshold: float tensors only
func.func @f(%x: tensor<1x4xsi8>) {
  %t = quant.const dense<0.000000e+00> : tensor<4x2xf32>
  %r = quant.multithreshold %x, %t {out_scale = 1.000000e+00 : f32, out_bias = 0.000000e+00 : f32, data_layout = "NC"} : (tensor<1x4xsi8>, tensor<4x2xf32>) -> tensor<1x4xf32>
  func.return
}
// CHECK: Operation does not verify: quant.multithreshold: expected a float tensor, got tensor<1x4xsi8>

// -----

// quant.multithreshold: shape preserved
func.func @f(%x: tensor<1x4xf32>) {
  %t = quant.const dense<0.000000e+00> : tensor<4x2xf32>
  %r = quant.multithreshold %x, %t {out_scale = 1.000000e+00 : f32, out_bias = 0.000000e+00 : f32, data_layout = "NC"} : (tensor<1x4xf32>, tensor<4x2xf32>) -> tensor<1x2xf32>
  func.return
}
// CHECK: Operation does not verify: quant.multithreshold: input shape (1, 4) differs from result shape (1, 2)

// -----

// quant.multithreshold: thresholds are (channels, steps)
func.func @f(%x: tensor<1x4xf32>) {
  %t = quant.const dense<0.000000e+00> : tensor<8xf32>
  %r = quant.multithreshold %x, %t {out_scale = 1.000000e+00 : f32, out_bias = 0.000000e+00 : f32, data_layout = "NC"} : (tensor<1x4xf32>, tensor<8xf32>) -> tensor<1x4xf32>
  func.return
}
// CHECK: Operation does not verify: quant.multithreshold: thresholds must be 2-D (channels, steps)

// -----

// quant.multithreshold: one row per channel (or one for all)
func.func @f(%x: tensor<1x4xf32>) {
  %t = quant.const dense<0.000000e+00> : tensor<3x2xf32>
  %r = quant.multithreshold %x, %t {out_scale = 1.000000e+00 : f32, out_bias = 0.000000e+00 : f32, data_layout = "NC"} : (tensor<1x4xf32>, tensor<3x2xf32>) -> tensor<1x4xf32>
  func.return
}
// CHECK: Operation does not verify: quant.multithreshold: 3 threshold rows for 4 channels

// -----

// quant.add: float tensors only
func.func @f(%x: tensor<1x4xsi8>, %y: tensor<4xf32>) {
  %r = quant.add %x, %y : (tensor<1x4xsi8>, tensor<4xf32>) -> tensor<1x4xf32>
  func.return
}
// CHECK: Operation does not verify: quant.add: expected a float tensor, got tensor<1x4xsi8>

// -----

// quant.add: operands broadcast (numpy rules)
func.func @f(%x: tensor<1x4xf32>, %y: tensor<3xf32>) {
  %r = quant.add %x, %y : (tensor<1x4xf32>, tensor<3xf32>) -> tensor<1x4xf32>
  func.return
}
// CHECK: Operation does not verify: quant.add: operand shapes do not broadcast

// -----

// quant.add: the result has the broadcast shape
func.func @f(%x: tensor<1x4xf32>, %y: tensor<4xf32>) {
  %r = quant.add %x, %y : (tensor<1x4xf32>, tensor<4xf32>) -> tensor<4xf32>
  func.return
}
// CHECK: Operation does not verify: quant.add: result shape (4,), expected (1, 4)

// -----

// quant.sub: float tensors only
func.func @f(%x: tensor<1x4xsi8>, %y: tensor<4xf32>) {
  %r = quant.sub %x, %y : (tensor<1x4xsi8>, tensor<4xf32>) -> tensor<1x4xf32>
  func.return
}
// CHECK: Operation does not verify: quant.sub: expected a float tensor, got tensor<1x4xsi8>

// -----

// quant.sub: operands broadcast (numpy rules)
func.func @f(%x: tensor<1x4xf32>, %y: tensor<3xf32>) {
  %r = quant.sub %x, %y : (tensor<1x4xf32>, tensor<3xf32>) -> tensor<1x4xf32>
  func.return
}
// CHECK: Operation does not verify: quant.sub: operand shapes do not broadcast

// -----

// quant.sub: the result has the broadcast shape
func.func @f(%x: tensor<1x4xf32>, %y: tensor<4xf32>) {
  %r = quant.sub %x, %y : (tensor<1x4xf32>, tensor<4xf32>) -> tensor<4xf32>
  func.return
}
// CHECK: Operation does not verify: quant.sub: result shape (4,), expected (1, 4)

// -----

// quant.mul: float tensors only
func.func @f(%x: tensor<1x4xsi8>, %y: tensor<4xf32>) {
  %r = quant.mul %x, %y : (tensor<1x4xsi8>, tensor<4xf32>) -> tensor<1x4xf32>
  func.return
}
// CHECK: Operation does not verify: quant.mul: expected a float tensor, got tensor<1x4xsi8>

// -----

// quant.mul: operands broadcast (numpy rules)
func.func @f(%x: tensor<1x4xf32>, %y: tensor<3xf32>) {
  %r = quant.mul %x, %y : (tensor<1x4xf32>, tensor<3xf32>) -> tensor<1x4xf32>
  func.return
}
// CHECK: Operation does not verify: quant.mul: operand shapes do not broadcast

// -----

// quant.mul: the result has the broadcast shape
func.func @f(%x: tensor<1x4xf32>, %y: tensor<4xf32>) {
  %r = quant.mul %x, %y : (tensor<1x4xf32>, tensor<4xf32>) -> tensor<4xf32>
  func.return
}
// CHECK: Operation does not verify: quant.mul: result shape (4,), expected (1, 4)

// -----

// quant.div: float tensors only
func.func @f(%x: tensor<1x4xsi8>, %y: tensor<4xf32>) {
  %r = quant.div %x, %y : (tensor<1x4xsi8>, tensor<4xf32>) -> tensor<1x4xf32>
  func.return
}
// CHECK: Operation does not verify: quant.div: expected a float tensor, got tensor<1x4xsi8>

// -----

// quant.div: operands broadcast (numpy rules)
func.func @f(%x: tensor<1x4xf32>, %y: tensor<3xf32>) {
  %r = quant.div %x, %y : (tensor<1x4xf32>, tensor<3xf32>) -> tensor<1x4xf32>
  func.return
}
// CHECK: Operation does not verify: quant.div: operand shapes do not broadcast

// -----

// quant.div: the result has the broadcast shape
func.func @f(%x: tensor<1x4xf32>, %y: tensor<4xf32>) {
  %r = quant.div %x, %y : (tensor<1x4xf32>, tensor<4xf32>) -> tensor<4xf32>
  func.return
}
// CHECK: Operation does not verify: quant.div: result shape (4,), expected (1, 4)

// -----

// quant.matmul: float tensors only
func.func @f(%x: tensor<1x4xsi8>, %w: tensor<4x3xf32>) {
  %r = quant.matmul %x, %w : (tensor<1x4xsi8>, tensor<4x3xf32>) -> tensor<1x3xf32>
  func.return
}
// CHECK: Operation does not verify: quant.matmul: expected a float tensor, got tensor<1x4xsi8>

// -----

// quant.matmul: inner dimensions agree
func.func @f(%x: tensor<1x4xf32>, %w: tensor<3x2xf32>) {
  %r = quant.matmul %x, %w : (tensor<1x4xf32>, tensor<3x2xf32>) -> tensor<1x2xf32>
  func.return
}
// CHECK: Operation does not verify: quant.matmul: shapes (1, 4) x (3, 2) do not give (1, 2)

// -----

// quant.gemm: float tensors only
func.func @f(%a: tensor<1x4xsi8>, %b: tensor<4x3xf32>) {
  %r = quant.gemm %a, %b {alpha = 1.000000e+00 : f32, beta = 1.000000e+00 : f32, trans_a = false, trans_b = false} : (tensor<1x4xsi8>, tensor<4x3xf32>) -> tensor<1x3xf32>
  func.return
}
// CHECK: Operation does not verify: quant.gemm: expected a float tensor, got tensor<1x4xsi8>

// -----

// quant.gemm: A and B are matrices
func.func @f(%a: tensor<4xf32>, %b: tensor<4x3xf32>) {
  %r = quant.gemm %a, %b {alpha = 1.000000e+00 : f32, beta = 1.000000e+00 : f32, trans_a = false, trans_b = false} : (tensor<4xf32>, tensor<4x3xf32>) -> tensor<3xf32>
  func.return
}
// CHECK: Operation does not verify: quant.gemm: A and B must be 2-D

// -----

// quant.gemm: shapes after transB
func.func @f(%a: tensor<1x4xf32>, %b: tensor<4x3xf32>) {
  %r = quant.gemm %a, %b {alpha = 1.000000e+00 : f32, beta = 1.000000e+00 : f32, trans_a = false, trans_b = true} : (tensor<1x4xf32>, tensor<4x3xf32>) -> tensor<1x3xf32>
  func.return
}
// CHECK: Operation does not verify: quant.gemm: shapes (1, 4) x (3, 4) do not give (1, 3)

// -----

// quant.gemm: C broadcasts to the result
func.func @f(%a: tensor<1x4xf32>, %b: tensor<4x3xf32>, %c: tensor<2xf32>) {
  %r = quant.gemm %a, %b, %c {alpha = 1.000000e+00 : f32, beta = 1.000000e+00 : f32, trans_a = false, trans_b = false} : (tensor<1x4xf32>, tensor<4x3xf32>, tensor<2xf32>) -> tensor<1x3xf32>
  func.return
}
// CHECK: Operation does not verify: quant.gemm: C does not broadcast to the result

// -----

// quant.gemm: C broadcasts *to* the result (unidirectionally, as ONNX Gemm says): a C larger
// than the result is refused even though the two shapes broadcast together
func.func @f(%a: tensor<1x4xf32>, %b: tensor<4x3xf32>, %c: tensor<2x3xf32>) {
  %r = quant.gemm %a, %b, %c {alpha = 1.000000e+00 : f32, beta = 1.000000e+00 : f32, trans_a = false, trans_b = false} : (tensor<1x4xf32>, tensor<4x3xf32>, tensor<2x3xf32>) -> tensor<1x3xf32>
  func.return
}
// CHECK: Operation does not verify: quant.gemm: C does not broadcast to the result (C (2, 3), result (1, 3))

// -----

// quant.batchnorm: float tensors only
func.func @f(%x: tensor<1x4xsi8>, %p: tensor<4xf32>) {
  %r = quant.batchnorm %x, %p, %p, %p, %p {epsilon = 1.000000e-05 : f32} : (tensor<1x4xsi8>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<1x4xf32>
  func.return
}
// CHECK: Operation does not verify: quant.batchnorm: expected a float tensor, got tensor<1x4xsi8>

// -----

// quant.batchnorm: shape preserved
func.func @f(%x: tensor<1x4xf32>, %p: tensor<4xf32>) {
  %r = quant.batchnorm %x, %p, %p, %p, %p {epsilon = 1.000000e-05 : f32} : (tensor<1x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<4x1xf32>
  func.return
}
// CHECK: Operation does not verify: quant.batchnorm: input shape (1, 4) differs from result shape (4, 1)

// -----

// quant.batchnorm: channels are axis 1
func.func @f(%x: tensor<4xf32>, %p: tensor<4xf32>) {
  %r = quant.batchnorm %x, %p, %p, %p, %p {epsilon = 1.000000e-05 : f32} : (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  func.return
}
// CHECK: Operation does not verify: quant.batchnorm: input needs a channel axis

// -----

// quant.batchnorm: one parameter per channel
func.func @f(%x: tensor<1x4xf32>, %p: tensor<3xf32>) {
  %r = quant.batchnorm %x, %p, %p, %p, %p {epsilon = 1.000000e-05 : f32} : (tensor<1x4xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<1x4xf32>
  func.return
}
// CHECK: Operation does not verify: quant.batchnorm: parameter shape (3,), expected (4,)

// -----

// quant.relu: shape preserved
func.func @f(%x: tensor<1x4xf32>) {
  %r = quant.relu %x : tensor<1x4xf32> -> tensor<4xf32>
  func.return
}
// CHECK: Operation does not verify: quant.relu: input shape (1, 4) differs from result shape (4,)

// -----

// quant.relu: type preserved
func.func @f(%x: tensor<1x4xf32>) {
  %r = quant.relu %x : tensor<1x4xf32> -> tensor<1x4xf64>
  func.return
}
// CHECK: Operation does not verify: quant.relu: result type must equal the input type

// -----

// quant.identity: shape preserved
func.func @f(%x: tensor<1x4xf32>) {
  %r = quant.identity %x : tensor<1x4xf32> -> tensor<4xf32>
  func.return
}
// CHECK: Operation does not verify: quant.identity: input shape (1, 4) differs from result shape (4,)

// -----

// quant.identity: type preserved
func.func @f(%x: tensor<1x4xf32>) {
  %r = quant.identity %x : tensor<1x4xf32> -> tensor<1x4xf64>
  func.return
}
// CHECK: Operation does not verify: quant.identity: result type must equal the input type

// -----

// quant.reshape: the element count is kept
func.func @f(%x: tensor<1x4xf32>) {
  %r = quant.reshape %x : tensor<1x4xf32> -> tensor<1x3xf32>
  func.return
}
// CHECK: Operation does not verify: quant.reshape: element count changes (1, 4) -> (1, 3)

// -----

// quant.reshape: the element type is kept
func.func @f(%x: tensor<1x4xsi2>) {
  %r = quant.reshape %x : tensor<1x4xsi2> -> tensor<4xsi4>
  func.return
}
// CHECK: Operation does not verify: quant.reshape: element type changes

// -----

// quant.transpose: perm is a permutation of the axes
func.func @f(%x: tensor<1x4xf32>) {
  %t = quant.transpose %x {perm = array<i64: 0, 0>} : tensor<1x4xf32> -> tensor<1x4xf32>
  func.return
}
// CHECK: Operation does not verify: quant.transpose: perm [0, 0] is not a permutation of the 2 axes

// -----

// quant.transpose: the result shape is the permuted input shape
func.func @f(%x: tensor<1x4xf32>) {
  %t = quant.transpose %x {perm = array<i64: 1, 0>} : tensor<1x4xf32> -> tensor<1x4xf32>
  func.return
}
// CHECK: Operation does not verify: quant.transpose: result shape (1, 4) is not (1, 4) permuted by [1, 0]

// -----

// quant.transpose: the element type is kept
func.func @f(%x: tensor<1x4xsi2>) {
  %t = quant.transpose %x {perm = array<i64: 1, 0>} : tensor<1x4xsi2> -> tensor<4x1xsi4>
  func.return
}
// CHECK: Operation does not verify: quant.transpose: element type changes

// -----

// quant.quantize: the input is float
func.func @f(%x: tensor<1x4xsi8>) {
  %s = quant.const dense<5.000000e-01> : tensor<f32>
  %z = quant.const dense<0.000000e+00> : tensor<f32>
  %b = quant.const dense<4.000000e+00> : tensor<f32>
  %r = quant.quantize %x, %s, %z {bits = 2 : i64, signed = true, narrow = false, rounding_mode = "ROUND"} : (tensor<1x4xsi8>, tensor<f32>, tensor<f32>) -> tensor<1x4xsi2>
  func.return
}
// CHECK: Operation does not verify: quant.quantize: expected a float tensor, got tensor<1x4xsi8>

// -----

// quant.quantize: shape preserved
func.func @f(%x: tensor<1x4xf32>) {
  %s = quant.const dense<5.000000e-01> : tensor<f32>
  %z = quant.const dense<0.000000e+00> : tensor<f32>
  %b = quant.const dense<4.000000e+00> : tensor<f32>
  %r = quant.quantize %x, %s, %z {bits = 2 : i64, signed = true, narrow = false, rounding_mode = "ROUND"} : (tensor<1x4xf32>, tensor<f32>, tensor<f32>) -> tensor<4xsi2>
  func.return
}
// CHECK: Operation does not verify: quant.quantize: input shape (1, 4) differs from result shape (4,)

// -----

// quant.quantize: rounding modes are QONNX's
func.func @f(%x: tensor<1x4xf32>) {
  %s = quant.const dense<5.000000e-01> : tensor<f32>
  %z = quant.const dense<0.000000e+00> : tensor<f32>
  %b = quant.const dense<4.000000e+00> : tensor<f32>
  %r = quant.quantize %x, %s, %z {bits = 2 : i64, signed = true, narrow = false, rounding_mode = "ODD"} : (tensor<1x4xf32>, tensor<f32>, tensor<f32>) -> tensor<1x4xsi2>
  func.return
}
// CHECK: Operation does not verify: quant.quantize: unknown rounding mode 'ODD'

// -----

// quant.quantize: 1 to 32 bits
func.func @f(%x: tensor<1x4xf32>) {
  %s = quant.const dense<5.000000e-01> : tensor<f32>
  %z = quant.const dense<0.000000e+00> : tensor<f32>
  %b = quant.const dense<4.000000e+00> : tensor<f32>
  %r = quant.quantize %x, %s, %z {bits = 0 : i64, signed = true, narrow = false, rounding_mode = "ROUND"} : (tensor<1x4xf32>, tensor<f32>, tensor<f32>) -> tensor<1x4xsi2>
  func.return
}
// CHECK: Operation does not verify: quant.quantize: bit width 0 outside 1..32

// -----

// quant.quantize: the result holds integer codes
func.func @f(%x: tensor<1x4xf32>) {
  %s = quant.const dense<5.000000e-01> : tensor<f32>
  %z = quant.const dense<0.000000e+00> : tensor<f32>
  %b = quant.const dense<4.000000e+00> : tensor<f32>
  %r = quant.quantize %x, %s, %z {bits = 2 : i64, signed = true, narrow = false, rounding_mode = "ROUND"} : (tensor<1x4xf32>, tensor<f32>, tensor<f32>) -> tensor<1x4xf32>
  func.return
}
// CHECK: Operation does not verify: quant.quantize: result must hold integer codes, got f32

// -----

// quant.quantize: the result type holds every code
func.func @f(%x: tensor<1x4xf32>) {
  %s = quant.const dense<5.000000e-01> : tensor<f32>
  %z = quant.const dense<0.000000e+00> : tensor<f32>
  %b = quant.const dense<4.000000e+00> : tensor<f32>
  %r = quant.quantize %x, %s, %z {bits = 4 : i64, signed = true, narrow = false, rounding_mode = "ROUND"} : (tensor<1x4xf32>, tensor<f32>, tensor<f32>) -> tensor<1x4xsi2>
  func.return
}
// CHECK: Operation does not verify: quant.quantize: result element type si2 cannot hold codes -8..7

// -----

// quant.quantize: unsigned codes need no sign bit but all their bits
func.func @f(%x: tensor<1x4xf32>) {
  %s = quant.const dense<5.000000e-01> : tensor<f32>
  %z = quant.const dense<0.000000e+00> : tensor<f32>
  %b = quant.const dense<4.000000e+00> : tensor<f32>
  %r = quant.quantize %x, %s, %z {bits = 3 : i64, signed = false, narrow = false, rounding_mode = "ROUND"} : (tensor<1x4xf32>, tensor<f32>, tensor<f32>) -> tensor<1x4xui2>
  func.return
}
// CHECK: Operation does not verify: quant.quantize: result element type ui2 cannot hold codes 0..7

// -----

// quant.quantize: 1-bit signed codes are bipolar
func.func @f(%x: tensor<1x4xf32>) {
  %s = quant.const dense<5.000000e-01> : tensor<f32>
  %z = quant.const dense<0.000000e+00> : tensor<f32>
  %b = quant.const dense<4.000000e+00> : tensor<f32>
  %r = quant.quantize %x, %s, %z {bits = 1 : i64, signed = true, narrow = false, rounding_mode = "ROUND"} : (tensor<1x4xf32>, tensor<f32>, tensor<f32>) -> tensor<1x4xsi1>
  func.return
}
// CHECK: Operation does not verify: quant.quantize: result element type si1 cannot hold codes -1..0

// -----

// quant.quantize: bipolar is only for 1-bit signed codes
func.func @f(%x: tensor<1x4xf32>) {
  %s = quant.const dense<5.000000e-01> : tensor<f32>
  %z = quant.const dense<0.000000e+00> : tensor<f32>
  %b = quant.const dense<4.000000e+00> : tensor<f32>
  %r = quant.quantize %x, %s, %z {bits = 2 : i64, signed = true, narrow = false, rounding_mode = "ROUND"} : (tensor<1x4xf32>, tensor<f32>, tensor<f32>) -> tensor<1x4x!quant.bipolar>
  func.return
}
// CHECK: Operation does not verify: quant.quantize: result element type !quant.bipolar cannot hold codes -2..1

// -----

// quant.dequantize: the input holds integer codes
func.func @f(%x: tensor<1x4xf32>) {
  %s = quant.const dense<5.000000e-01> : tensor<f32>
  %z = quant.const dense<0.000000e+00> : tensor<f32>
  %b = quant.const dense<4.000000e+00> : tensor<f32>
  %r = quant.dequantize %x, %s, %z : (tensor<1x4xf32>, tensor<f32>, tensor<f32>) -> tensor<1x4xf32>
  func.return
}
// CHECK: Operation does not verify: quant.dequantize: input must hold integer codes

// -----

// quant.dequantize: the result is float
func.func @f(%x: tensor<1x4xsi2>) {
  %s = quant.const dense<5.000000e-01> : tensor<f32>
  %z = quant.const dense<0.000000e+00> : tensor<f32>
  %b = quant.const dense<4.000000e+00> : tensor<f32>
  %r = quant.dequantize %x, %s, %z : (tensor<1x4xsi2>, tensor<f32>, tensor<f32>) -> tensor<1x4xsi2>
  func.return
}
// CHECK: Operation does not verify: quant.dequantize: expected a float tensor, got tensor<1x4xsi2>

// -----

// quant.dequantize: shape preserved
func.func @f(%x: tensor<1x4xsi2>) {
  %s = quant.const dense<5.000000e-01> : tensor<f32>
  %z = quant.const dense<0.000000e+00> : tensor<f32>
  %b = quant.const dense<4.000000e+00> : tensor<f32>
  %r = quant.dequantize %x, %s, %z : (tensor<1x4xsi2>, tensor<f32>, tensor<f32>) -> tensor<4xf32>
  func.return
}
// CHECK: Operation does not verify: quant.dequantize: input shape (1, 4) differs from result shape (4,)

// -----

// quant.dequantize: scale and zero point broadcast
func.func @f(%x: tensor<1x4xsi2>) {
  %s = quant.const dense<5.000000e-01> : tensor<f32>
  %z = quant.const dense<0.000000e+00> : tensor<f32>
  %b = quant.const dense<4.000000e+00> : tensor<f32>
  %s3 = quant.const dense<5.000000e-01> : tensor<3xf32>
  %r = quant.dequantize %x, %s3, %z : (tensor<1x4xsi2>, tensor<3xf32>, tensor<f32>) -> tensor<1x4xf32>
  func.return
}
// CHECK: Operation does not verify: quant.dequantize: parameter does not broadcast to the input

// -----

// quant.int_matmul: integer operands
func.func @f(%x: tensor<1x4xf32>, %w: tensor<4x3xsi2>) {
  %r = quant.int_matmul %x, %w : (tensor<1x4xf32>, tensor<4x3xsi2>) -> tensor<1x3xsi4>
  func.return
}
// CHECK: Operation does not verify: quant.int_matmul: operands and result must be integer tensors

// -----

// quant.int_matmul: an integer accumulator
func.func @f(%x: tensor<1x4xsi2>, %w: tensor<4x3xsi2>) {
  %r = quant.int_matmul %x, %w : (tensor<1x4xsi2>, tensor<4x3xsi2>) -> tensor<1x3x!quant.bipolar>
  func.return
}
// CHECK: Operation does not verify: quant.int_matmul: accumulator cannot be bipolar

// -----

// quant.int_matmul: (N, K) x (K, M) -> (N, M)
func.func @f(%x: tensor<1x4xsi2>, %w: tensor<4x3xsi2>) {
  %r = quant.int_matmul %x, %w : (tensor<1x4xsi2>, tensor<4x3xsi2>) -> tensor<1x2xsi4>
  func.return
}
// CHECK: Operation does not verify: quant.int_matmul: shapes (1, 4) x (4, 3) do not give (1, 2)

// -----

// quant.int_matmul: the weights are a matrix
func.func @f(%x: tensor<1x4xsi2>, %w: tensor<4xsi2>) {
  %r = quant.int_matmul %x, %w : (tensor<1x4xsi2>, tensor<4xsi2>) -> tensor<1xsi4>
  func.return
}
// CHECK: Operation does not verify: quant.int_matmul: shapes (1, 4) x (4,) do not give (1,)

// -----

// quant.threshold: integer input
func.func @f(%x: tensor<1x3x!quant.bipolar>) {
  %r = quant.threshold %x {thresholds = dense<0> : tensor<3x2xsi4>, descending = dense<0> : tensor<3xui1>, out_bias = 0 : i64} : tensor<1x3x!quant.bipolar> -> tensor<1x3xui2>
  func.return
}
// CHECK: Operation does not verify: quant.threshold: integer input and code result required

// -----

// quant.threshold: code result
func.func @f(%x: tensor<1x3xsi4>) {
  %r = quant.threshold %x {thresholds = dense<0> : tensor<3x2xsi4>, descending = dense<0> : tensor<3xui1>, out_bias = 0 : i64} : tensor<1x3xsi4> -> tensor<1x3xf32>
  func.return
}
// CHECK: Operation does not verify: quant.threshold: integer input and code result required

// -----

// quant.threshold: shape preserved
func.func @f(%x: tensor<1x3xsi4>) {
  %r = quant.threshold %x {thresholds = dense<0> : tensor<3x2xsi4>, descending = dense<0> : tensor<3xui1>, out_bias = 0 : i64} : tensor<1x3xsi4> -> tensor<3xui2>
  func.return
}
// CHECK: Operation does not verify: quant.threshold: input shape (1, 3) differs from result shape (3,)

// -----

// quant.threshold: one row of thresholds per channel
func.func @f(%x: tensor<1x3xsi4>) {
  %r = quant.threshold %x {thresholds = dense<0> : tensor<2x2xsi4>, descending = dense<0> : tensor<3xui1>, out_bias = 0 : i64} : tensor<1x3xsi4> -> tensor<1x3xui2>
  func.return
}
// CHECK: Operation does not verify: quant.threshold: thresholds shape (2, 2), expected (3, K)

// -----

// quant.threshold: one direction flag per channel
func.func @f(%x: tensor<1x3xsi4>) {
  %r = quant.threshold %x {thresholds = dense<0> : tensor<3x2xsi4>, descending = dense<0> : tensor<2xui1>, out_bias = 0 : i64} : tensor<1x3xsi4> -> tensor<1x3xui2>
  func.return
}
// CHECK: Operation does not verify: quant.threshold: descending needs one flag per channel

// -----

// quant.threshold: an ascending channel has ascending thresholds
func.func @f(%x: tensor<1x3xsi4>) {
  %r = quant.threshold %x {thresholds = dense<[[0, 1], [2, 1], [0, 0]]> : tensor<3x2xsi4>, descending = dense<0> : tensor<3xui1>, out_bias = 0 : i64} : tensor<1x3xsi4> -> tensor<1x3xui2>
  func.return
}
// CHECK: Operation does not verify: quant.threshold: thresholds must be sorted ascending (descending channels: descending)

// -----

// quant.threshold: a descending channel has descending thresholds
func.func @f(%x: tensor<1x3xsi4>) {
  %r = quant.threshold %x {thresholds = dense<[[0, 1], [1, 2], [0, 0]]> : tensor<3x2xsi4>, descending = dense<[0, 1, 0]> : tensor<3xui1>, out_bias = 0 : i64} : tensor<1x3xsi4> -> tensor<1x3xui2>
  func.return
}
// CHECK: Operation does not verify: quant.threshold: thresholds must be sorted ascending (descending channels: descending)

// -----

// quant.threshold: a bipolar result takes one threshold
func.func @f(%x: tensor<1x3xsi4>) {
  %r = quant.threshold %x {thresholds = dense<0> : tensor<3x2xsi4>, descending = dense<0> : tensor<3xui1>, out_bias = 0 : i64} : tensor<1x3xsi4> -> tensor<1x3x!quant.bipolar>
  func.return
}
// CHECK: Operation does not verify: quant.threshold: a bipolar result takes one threshold, bias 0

// -----

// quant.threshold: a bipolar result has bias 0
func.func @f(%x: tensor<1x3xsi4>) {
  %r = quant.threshold %x {thresholds = dense<0> : tensor<3x1xsi4>, descending = dense<0> : tensor<3xui1>, out_bias = -1 : i64} : tensor<1x3xsi4> -> tensor<1x3x!quant.bipolar>
  func.return
}
// CHECK: Operation does not verify: quant.threshold: a bipolar result takes one threshold, bias 0

// -----

// quant.threshold: every output level fits the result type
func.func @f(%x: tensor<1x3xsi4>) {
  %r = quant.threshold %x {thresholds = dense<0> : tensor<3x4xsi4>, descending = dense<0> : tensor<3xui1>, out_bias = 0 : i64} : tensor<1x3xsi4> -> tensor<1x3xui2>
  func.return
}
// CHECK: Operation does not verify: quant.threshold: outputs 0..4 do not fit ui2

// -----

// quant.threshold: a negative bias needs a signed result
func.func @f(%x: tensor<1x3xsi4>) {
  %r = quant.threshold %x {thresholds = dense<0> : tensor<3x2xsi4>, descending = dense<0> : tensor<3xui1>, out_bias = -1 : i64} : tensor<1x3xsi4> -> tensor<1x3xui2>
  func.return
}
// CHECK: Operation does not verify: quant.threshold: outputs -1..1 do not fit ui2

// -----

// quant.conv: 2-D convolution on NCHW tensors only
func.func @f(%x: tensor<1x2x5xf32>) {
  %w = quant.const dense<0.5> : tensor<4x2x3xf32>
  %r = quant.conv %x, %w {kernel_shape = array<i64: 3>, strides = array<i64: 1>, pads = array<i64: 0, 0>, dilations = array<i64: 1>, group = 1 : i64} : (tensor<1x2x5xf32>, tensor<4x2x3xf32>) -> tensor<1x4x3xf32>
  func.return
}
// CHECK: Operation does not verify: quant.conv: 2-D convolution on NCHW tensors only (input (1, 2, 5), weight (4, 2, 3), result (1, 4, 3))

// -----

// quant.conv: the weight takes the input's channels
func.func @f(%x: tensor<1x2x5x5xf32>) {
  %w = quant.const dense<0.5> : tensor<4x3x3x3xf32>
  %r = quant.conv %x, %w {kernel_shape = array<i64: 3, 3>, strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x2x5x5xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x3x3xf32>
  func.return
}
// CHECK: Operation does not verify: quant.conv: weight (4, 3, 3, 3) takes 3 input channels, input has 2

// -----

// quant.conv: group divides the input and output channels
func.func @f(%x: tensor<1x2x5x5xf32>) {
  %w = quant.const dense<0.5> : tensor<4x2x3x3xf32>
  %r = quant.conv %x, %w {kernel_shape = array<i64: 3, 3>, strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 3 : i64} : (tensor<1x2x5x5xf32>, tensor<4x2x3x3xf32>) -> tensor<1x4x3x3xf32>
  func.return
}
// CHECK: Operation does not verify: quant.conv: group 3 does not divide input channels 2 and output channels 4

// -----

// quant.conv: kernel_shape is the weight's spatial shape
func.func @f(%x: tensor<1x2x5x5xf32>) {
  %w = quant.const dense<0.5> : tensor<4x2x3x3xf32>
  %r = quant.conv %x, %w {kernel_shape = array<i64: 2, 2>, strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x2x5x5xf32>, tensor<4x2x3x3xf32>) -> tensor<1x4x3x3xf32>
  func.return
}
// CHECK: Operation does not verify: quant.conv: kernel_shape (2, 2) differs from the weight's (3, 3)

// -----

// quant.conv: pads has begin and end values per spatial axis
func.func @f(%x: tensor<1x2x5x5xf32>) {
  %w = quant.const dense<0.5> : tensor<4x2x3x3xf32>
  %r = quant.conv %x, %w {kernel_shape = array<i64: 3, 3>, strides = array<i64: 1, 1>, pads = array<i64: 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x2x5x5xf32>, tensor<4x2x3x3xf32>) -> tensor<1x4x3x3xf32>
  func.return
}
// CHECK: Operation does not verify: quant.conv: pads has 2 values, expected 4

// -----

// quant.conv: strides are positive
func.func @f(%x: tensor<1x2x5x5xf32>) {
  %w = quant.const dense<0.5> : tensor<4x2x3x3xf32>
  %r = quant.conv %x, %w {kernel_shape = array<i64: 3, 3>, strides = array<i64: 0, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x2x5x5xf32>, tensor<4x2x3x3xf32>) -> tensor<1x4x3x3xf32>
  func.return
}
// CHECK: Operation does not verify: quant.conv: kernel_shape, strides and dilations must be >= 1

// -----

// quant.conv: the window fits the padded input
func.func @f(%x: tensor<1x2x2x2xf32>) {
  %w = quant.const dense<0.5> : tensor<4x2x3x3xf32>
  %r = quant.conv %x, %w {kernel_shape = array<i64: 3, 3>, strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x2x2x2xf32>, tensor<4x2x3x3xf32>) -> tensor<1x4x1x1xf32>
  func.return
}
// CHECK: Operation does not verify: quant.conv: window (3, 3) does not fit the padded input (2, 2)

// -----

// quant.conv: the result shape follows from the window
func.func @f(%x: tensor<1x2x5x5xf32>) {
  %w = quant.const dense<0.5> : tensor<4x2x3x3xf32>
  %r = quant.conv %x, %w {kernel_shape = array<i64: 3, 3>, strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x2x5x5xf32>, tensor<4x2x3x3xf32>) -> tensor<1x4x5x5xf32>
  func.return
}
// CHECK: Operation does not verify: quant.conv: result shape (1, 4, 5, 5), expected (1, 4, 3, 3)

// -----

// quant.conv: one bias per output channel
func.func @f(%x: tensor<1x2x5x5xf32>) {
  %w = quant.const dense<0.5> : tensor<4x2x3x3xf32>
  %b = quant.const dense<0.5> : tensor<2xf32>
  %r = quant.conv %x, %w, %b {kernel_shape = array<i64: 3, 3>, strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x2x5x5xf32>, tensor<4x2x3x3xf32>, tensor<2xf32>) -> tensor<1x4x3x3xf32>
  func.return
}
// CHECK: Operation does not verify: quant.conv: bias shape (2,), expected (4,)

// -----

// quant.maxpool: ceil_mode 1 is not supported
func.func @f(%x: tensor<1x2x5x5xf32>) {
  %r = quant.maxpool %x {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, ceil_mode = 1 : i64} : tensor<1x2x5x5xf32> -> tensor<1x2x3x3xf32>
  func.return
}
// CHECK: Operation does not verify: quant.maxpool: ceil_mode must be 0

// -----

// quant.maxpool: pads are smaller than the kernel
func.func @f(%x: tensor<1x2x5x5xf32>) {
  %r = quant.maxpool %x {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 2, 0>, dilations = array<i64: 1, 1>, ceil_mode = 0 : i64} : tensor<1x2x5x5xf32> -> tensor<1x2x3x2xf32>
  func.return
}
// CHECK: Operation does not verify: quant.maxpool: pads (0, 0, 2, 0) must be smaller than the kernel (2, 2)

// -----

// quant.maxpool: the result shape follows from the window (ceil_mode 0 rounds down)
func.func @f(%x: tensor<1x2x5x5xf32>) {
  %r = quant.maxpool %x {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, ceil_mode = 0 : i64} : tensor<1x2x5x5xf32> -> tensor<1x2x3x3xf32>
  func.return
}
// CHECK: Operation does not verify: quant.maxpool: result shape (1, 2, 3, 3), expected (1, 2, 2, 2)

// -----

// quant.maxpool: float tensors only
func.func @f(%x: tensor<1x2x4x4xsi4>) {
  %r = quant.maxpool %x {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, ceil_mode = 0 : i64} : tensor<1x2x4x4xsi4> -> tensor<1x2x2x2xsi4>
  func.return
}
// CHECK: Operation does not verify: quant.maxpool: expected a float tensor, got tensor<1x2x4x4xsi4>

// -----

// quant.annotate: a datatype of 1..32 bits
func.func @f(%x: tensor<1x4xf32>) {
  %a = quant.annotate %x {datatype = "INT0", bits = 0 : i64, signed = true, narrow = false} : tensor<1x4xf32> -> tensor<1x4xf32>
  func.return
}
// CHECK: Operation does not verify: quant.annotate: bit width 0 outside 1..32
