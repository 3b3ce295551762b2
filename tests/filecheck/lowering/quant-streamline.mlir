// RUN: qnnc-opt %s -p quant-streamline --split-input-file --verify-diagnostics | filecheck %s

// quant-streamline: fake-quantized float layers become integer ops. Hand-checked values below.

// A Quant of a constant folds to integer codes: w/0.5 in 3 bits, signed, narrow (-3..3),
// rounded half to even: 0.4 -> 0, -1.2 -> -1, 2.6 -> 3, -0.5 -> 0, 1.5 -> 2, -4 -> -3 (clamped).
func.func @weights() -> tensor<2x3xf32> {
  %w = quant.const dense<[[0.2, -0.6, 1.3], [-0.25, 0.75, -2.0]]> : tensor<2x3xf32>
  %s = quant.const dense<5.000000e-01> : tensor<f32>
  %z = quant.const dense<0.000000e+00> : tensor<f32>
  %b = quant.const dense<3.000000e+00> : tensor<f32>
  %q = quant.quant %w, %s, %z, %b {signed = true, narrow = true, rounding_mode = "ROUND"} : (tensor<2x3xf32>, tensor<f32>, tensor<f32>, tensor<f32>) -> tensor<2x3xf32>
  func.return %q : tensor<2x3xf32>
}

// CHECK-LABEL: func.func @weights() -> tensor<2x3xf32> {
// CHECK-NEXT:    %s = quant.const dense<5.000000e-01> : tensor<f32>
// CHECK-NEXT:    %z = quant.const dense<0.000000e+00> : tensor<f32>
// CHECK-NEXT:    %[[C:.*]] = quant.const dense<{{\[}}[0, -1, 3], [0, 2, -3]]> : tensor<2x3xsi3>
// CHECK-NEXT:    %q = quant.dequantize %[[C]], %s, %z : (tensor<2x3xsi3>, tensor<f32>, tensor<f32>) -> tensor<2x3xf32>
// CHECK-NEXT:    func.return %q : tensor<2x3xf32>
// CHECK-NOT:     quant.quant

// -----

// A whole layer: input quantizer, quantized weights, MatMul, BatchNorm (epsilon 0, so exact),
// then a 2-bit unsigned quantizer (levels 0..3, ROUND = half to even).
// x codes are si2 (-2..1) and W codes -1..1, so per column acc spans -5..4, -4..5, -5..4: si4.
// Per channel (the BN output is y, the level round(clamp(y, 0, 3))):
//   c0: y = acc/2       acc=1 -> 0.5 -> 0, acc=2 -> 1, acc=3 -> 1.5 -> 2, acc never reaches 6
//       ascending thresholds [2, 3, 5] (5 = max acc + 1: "never")
//   c1: y = 1 - acc/2   (gamma < 0: descending, count acc <= T)
//       acc=0 -> 1, acc=-1 -> 1.5 -> 2, acc=-3 -> 2.5 -> 2, acc=-4 -> 3, acc=1 -> 0.5 -> 0
//       descending thresholds [0, -1, -4]
//   c2: y = acc - 1     levels 1, 2, 3 at acc = 2, 3, 4: thresholds [2, 3, 4]
func.func @layer(%x: tensor<1x4xf32>) -> tensor<1x3xf32> {
  %one = quant.const dense<1.000000e+00> : tensor<f32>
  %zero = quant.const dense<0.000000e+00> : tensor<f32>
  %two = quant.const dense<2.000000e+00> : tensor<f32>
  %xq = quant.quant %x, %one, %zero, %two {signed = true, narrow = false, rounding_mode = "ROUND"} : (tensor<1x4xf32>, tensor<f32>, tensor<f32>, tensor<f32>) -> tensor<1x4xf32>
  %w = quant.const dense<[[1.0, -1.0, 0.0], [0.0, 1.0, 1.0], [-1.0, -1.0, 1.0], [1.0, 0.0, -1.0]]> : tensor<4x3xf32>
  %wq = quant.quant %w, %one, %zero, %two {signed = true, narrow = true, rounding_mode = "ROUND"} : (tensor<4x3xf32>, tensor<f32>, tensor<f32>, tensor<f32>) -> tensor<4x3xf32>
  %mm = quant.matmul %xq, %wq : (tensor<1x4xf32>, tensor<4x3xf32>) -> tensor<1x3xf32>
  %gamma = quant.const dense<[1.0, -1.0, 1.0]> : tensor<3xf32>
  %beta = quant.const dense<[0.0, 1.0, 0.0]> : tensor<3xf32>
  %mean = quant.const dense<[0.0, 0.0, 1.0]> : tensor<3xf32>
  %var = quant.const dense<[4.0, 4.0, 1.0]> : tensor<3xf32>
  %bn = quant.batchnorm %mm, %gamma, %beta, %mean, %var {epsilon = 0.000000e+00 : f32} : (tensor<1x3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<1x3xf32>
  %yq = quant.quant %bn, %one, %zero, %two {signed = false, narrow = false, rounding_mode = "ROUND"} : (tensor<1x3xf32>, tensor<f32>, tensor<f32>, tensor<f32>) -> tensor<1x3xf32>
  func.return %yq : tensor<1x3xf32>
}

// CHECK:       // {{-----}}
// CHECK-LABEL: func.func @layer(%x: tensor<1x4xf32>) -> tensor<1x3xf32> {
// CHECK-NEXT:    %one = quant.const dense<1.000000e+00> : tensor<f32>
// CHECK-NEXT:    %zero = quant.const dense<0.000000e+00> : tensor<f32>
// CHECK-NEXT:    %[[X:.*]] = quant.quantize %x, %one, %zero {bits = 2 : i64, signed = true, narrow = false, rounding_mode = "ROUND"} : (tensor<1x4xf32>, tensor<f32>, tensor<f32>) -> tensor<1x4xsi2>
// CHECK-NEXT:    %[[W:.*]] = quant.const dense<{{\[}}[1, -1, 0], [0, 1, 1], [-1, -1, 1], [1, 0, -1]]> : tensor<4x3xsi2>
// CHECK-NEXT:    %[[ACC:.*]] = quant.int_matmul %[[X]], %[[W]] : (tensor<1x4xsi2>, tensor<4x3xsi2>) -> tensor<1x3xsi4>
// CHECK-NEXT:    %[[T:.*]] = quant.threshold %[[ACC]] {thresholds = dense<{{\[}}[2, 3, 5], [0, -1, -4], [2, 3, 4]]> : tensor<3x3xsi4>, descending = dense<[0, 1, 0]> : tensor<3xui1>, out_bias = 0 : i64} : tensor<1x3xsi4> -> tensor<1x3xui2>
// CHECK-NEXT:    %yq = quant.dequantize %[[T]], %one, %zero : (tensor<1x3xui2>, tensor<f32>, tensor<f32>) -> tensor<1x3xf32>
// CHECK-NEXT:    func.return %yq : tensor<1x3xf32>
// CHECK-NOT:     quant.batchnorm
// CHECK-NOT:     quant.matmul

// -----

// Zero points and per-channel weight scales: x codes q = round(x/0.5 + 1) in ui2 (0..3), weight
// scales [0.5, 0.25, 1] per output channel. x@W = 0.5*sw*(q@Wc - 1*colsum(Wc)), so the
// dequantize scale is [0.25, 0.125, 0.5] and its zero point colsum(Wc) = [1, -1, 1].
// acc: with codes 0..3 the columns of Wc span -3..6, -6..3 and -3..6, so si4.
func.func @zero_point(%x: tensor<1x4xf32>) -> tensor<1x3xf32> {
  %half = quant.const dense<5.000000e-01> : tensor<f32>
  %one = quant.const dense<1.000000e+00> : tensor<f32>
  %zero = quant.const dense<0.000000e+00> : tensor<f32>
  %two = quant.const dense<2.000000e+00> : tensor<f32>
  %xq = quant.quant %x, %half, %one, %two {signed = false, narrow = false, rounding_mode = "ROUND"} : (tensor<1x4xf32>, tensor<f32>, tensor<f32>, tensor<f32>) -> tensor<1x4xf32>
  %ws = quant.const dense<[5.000000e-01, 2.500000e-01, 1.000000e+00]> : tensor<3xf32>
  %w = quant.const dense<[[0.5, -0.25, 0.0], [0.0, 0.25, 1.0], [-0.5, -0.25, 1.0], [0.5, 0.0, -1.0]]> : tensor<4x3xf32>
  %wq = quant.quant %w, %ws, %zero, %two {signed = true, narrow = true, rounding_mode = "ROUND"} : (tensor<4x3xf32>, tensor<3xf32>, tensor<f32>, tensor<f32>) -> tensor<4x3xf32>
  %mm = quant.matmul %xq, %wq : (tensor<1x4xf32>, tensor<4x3xf32>) -> tensor<1x3xf32>
  func.return %mm : tensor<1x3xf32>
}

// CHECK:       // {{-----}}
// CHECK-LABEL: func.func @zero_point(%x: tensor<1x4xf32>) -> tensor<1x3xf32> {
// CHECK:         %[[X:.*]] = quant.quantize %x, %half, %one {bits = 2 : i64, signed = false, narrow = false, rounding_mode = "ROUND"} : (tensor<1x4xf32>, tensor<f32>, tensor<f32>) -> tensor<1x4xui2>
// CHECK-NEXT:    %[[W:.*]] = quant.const dense<{{\[}}[1, -1, 0], [0, 1, 1], [-1, -1, 1], [1, 0, -1]]> : tensor<4x3xsi2>
// CHECK-NEXT:    %[[ACC:.*]] = quant.int_matmul %[[X]], %[[W]] : (tensor<1x4xui2>, tensor<4x3xsi2>) -> tensor<1x3xsi4>
// CHECK-NEXT:    %[[S:.*]] = quant.const dense<{{\[}}[2.500000e-01, 1.250000e-01, 5.000000e-01]]> : tensor<1x3xf64>
// CHECK-NEXT:    %[[Z:.*]] = quant.const dense<{{\[}}[1.000000e+00, -1.000000e+00, 1.000000e+00]]> : tensor<1x3xf64>
// CHECK-NEXT:    %mm = quant.dequantize %[[ACC]], %[[S]], %[[Z]] : (tensor<1x3xsi4>, tensor<1x3xf64>, tensor<1x3xf64>) -> tensor<1x3xf32>
// CHECK-NEXT:    func.return %mm : tensor<1x3xf32>

// -----

// Binarized layer: BipolarQuant inputs and weights (w >= 0 -> +1), a bipolar output quantizer.
// The output is +1 exactly when acc >= 0: one threshold 0 per channel, bipolar result.
func.func @bipolar(%x: tensor<1x4xf32>) -> tensor<1x2xf32> {
  %s = quant.const dense<1.000000e+00> : tensor<f32>
  %xq = quant.bipolar_quant %x, %s : (tensor<1x4xf32>, tensor<f32>) -> tensor<1x4xf32>
  %w = quant.const dense<[[0.5, -0.5], [-2.0, 0.0], [3.0, 1.0], [-0.1, -1.0]]> : tensor<4x2xf32>
  %wq = quant.bipolar_quant %w, %s : (tensor<4x2xf32>, tensor<f32>) -> tensor<4x2xf32>
  %mm = quant.matmul %xq, %wq : (tensor<1x4xf32>, tensor<4x2xf32>) -> tensor<1x2xf32>
  %yq = quant.bipolar_quant %mm, %s : (tensor<1x2xf32>, tensor<f32>) -> tensor<1x2xf32>
  func.return %yq : tensor<1x2xf32>
}

// CHECK:       // {{-----}}
// CHECK-LABEL: func.func @bipolar(%x: tensor<1x4xf32>) -> tensor<1x2xf32> {
// CHECK:         %[[X:.*]] = quant.quantize %x, %{{.*}}, %{{.*}} {bits = 1 : i64, signed = true, narrow = false, rounding_mode = "ROUND"} : (tensor<1x4xf32>, tensor<f32>, tensor<f32>) -> tensor<1x4x!quant.bipolar>
// CHECK-NEXT:    %[[W:.*]] = quant.const dense<{{\[}}[1, -1], [-1, 1], [1, 1], [-1, -1]]> : tensor<4x2xsi2>
// CHECK-NEXT:    %[[ACC:.*]] = quant.int_matmul %[[X]], %[[W]] : (tensor<1x4x!quant.bipolar>, tensor<4x2xsi2>) -> tensor<1x2xsi4>
// CHECK:         %[[T:.*]] = quant.threshold %[[ACC]] {thresholds = dense<0> : tensor<2x1xui1>, descending = dense<0> : tensor<2xui1>, out_bias = 0 : i64} : tensor<1x2xsi4> -> tensor<1x2x!quant.bipolar>
// CHECK-NEXT:    %yq = quant.dequantize %[[T]], %s, %{{.*}} : (tensor<1x2x!quant.bipolar>, tensor<f32>, tensor<f32>) -> tensor<1x2xf32>
// CHECK-NOT:     quant.bipolar_quant

// -----

// Gemm becomes MatMul (constant B transposed for transB), Mul by alpha, Add of C.
func.func @gemm(%x: tensor<1x4xf32>, %c: tensor<3xf32>) -> tensor<1x3xf32> {
  %b = quant.const dense<[[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0], [9.0, 10.0, 11.0, 12.0]]> : tensor<3x4xf32>
  %y = quant.gemm %x, %b, %c {alpha = 2.000000e+00 : f32, beta = 1.000000e+00 : f32, trans_a = false, trans_b = true} : (tensor<1x4xf32>, tensor<3x4xf32>, tensor<3xf32>) -> tensor<1x3xf32>
  func.return %y : tensor<1x3xf32>
}

// CHECK:       // {{-----}}
// CHECK-LABEL: func.func @gemm(%x: tensor<1x4xf32>, %c: tensor<3xf32>) -> tensor<1x3xf32> {
// CHECK-NEXT:    %[[BT:.*]] = quant.const dense<{{\[}}[1.000000e+00, 5.000000e+00, 9.000000e+00], [2.000000e+00, 6.000000e+00, 1.000000e+01], [3.000000e+00, 7.000000e+00, 1.100000e+01], [4.000000e+00, 8.000000e+00, 1.200000e+01]]> : tensor<4x3xf32>
// CHECK-NEXT:    %[[MM:.*]] = quant.matmul %x, %[[BT]] : (tensor<1x4xf32>, tensor<4x3xf32>) -> tensor<1x3xf32>
// CHECK-NEXT:    %[[ALPHA:.*]] = quant.const dense<2.000000e+00> : tensor<f32>
// CHECK-NEXT:    %[[M:.*]] = quant.mul %[[MM]], %[[ALPHA]] : (tensor<1x3xf32>, tensor<f32>) -> tensor<1x3xf32>
// CHECK-NEXT:    %y = quant.add %[[M]], %c : (tensor<1x3xf32>, tensor<3xf32>) -> tensor<1x3xf32>
// CHECK-NEXT:    func.return %y : tensor<1x3xf32>

// -----

// A dequantize with per-tensor parameters moves below a reshape, so the reshape is integer.
func.func @reshape(%x: tensor<1x2x2xf32>) -> tensor<1x4xf32> {
  %one = quant.const dense<1.000000e+00> : tensor<f32>
  %zero = quant.const dense<0.000000e+00> : tensor<f32>
  %bits = quant.const dense<1.000000e+00> : tensor<f32>
  %xq = quant.quant %x, %one, %zero, %bits {signed = true, narrow = false, rounding_mode = "ROUND"} : (tensor<1x2x2xf32>, tensor<f32>, tensor<f32>, tensor<f32>) -> tensor<1x2x2xf32>
  %r = quant.reshape %xq : tensor<1x2x2xf32> -> tensor<1x4xf32>
  func.return %r : tensor<1x4xf32>
}

// CHECK:       // {{-----}}
// CHECK-LABEL: func.func @reshape(%x: tensor<1x2x2xf32>) -> tensor<1x4xf32> {
// CHECK:         %[[Q:.*]] = quant.quantize %x, %one, %zero {bits = 1 : i64, signed = true, narrow = false, rounding_mode = "ROUND"} : (tensor<1x2x2xf32>, tensor<f32>, tensor<f32>) -> tensor<1x2x2x!quant.bipolar>
// CHECK-NEXT:    %[[R:.*]] = quant.reshape %[[Q]] : tensor<1x2x2x!quant.bipolar> -> tensor<1x4x!quant.bipolar>
// CHECK-NEXT:    %r = quant.dequantize %[[R]], %one, %zero : (tensor<1x4x!quant.bipolar>, tensor<f32>, tensor<f32>) -> tensor<1x4xf32>
// CHECK-NEXT:    func.return %r : tensor<1x4xf32>

// -----

// Likewise a transpose: the layout op moves onto the codes.
func.func @transpose(%x: tensor<4x1xf32>) -> tensor<1x4xf32> {
  %one = quant.const dense<1.000000e+00> : tensor<f32>
  %zero = quant.const dense<0.000000e+00> : tensor<f32>
  %bits = quant.const dense<3.000000e+00> : tensor<f32>
  %xq = quant.quant %x, %one, %zero, %bits {signed = true, narrow = false, rounding_mode = "ROUND"} : (tensor<4x1xf32>, tensor<f32>, tensor<f32>, tensor<f32>) -> tensor<4x1xf32>
  %t = quant.transpose %xq {perm = array<i64: 1, 0>} : tensor<4x1xf32> -> tensor<1x4xf32>
  func.return %t : tensor<1x4xf32>
}

// CHECK:       // {{-----}}
// CHECK-LABEL: func.func @transpose(%x: tensor<4x1xf32>) -> tensor<1x4xf32> {
// CHECK:         %[[Q:.*]] = quant.quantize %x, %one, %zero {bits = 3 : i64, signed = true, narrow = false, rounding_mode = "ROUND"} : (tensor<4x1xf32>, tensor<f32>, tensor<f32>) -> tensor<4x1xsi3>
// CHECK-NEXT:    %[[T:.*]] = quant.transpose %[[Q]] {perm = array<i64: 1, 0>} : tensor<4x1xsi3> -> tensor<1x4xsi3>
// CHECK-NEXT:    %t = quant.dequantize %[[T]], %one, %zero : (tensor<1x4xsi3>, tensor<f32>, tensor<f32>) -> tensor<1x4xf32>
// CHECK-NEXT:    func.return %t : tensor<1x4xf32>

// -----

// Errors name the ONNX node (the op's location).

func.func @gemm_trans_a(%x: tensor<4x1xf32>) -> tensor<1x3xf32> {
  %b = quant.const dense<1.000000e+00> : tensor<4x3xf32>
  %y = quant.gemm %x, %b {alpha = 1.000000e+00 : f32, beta = 1.000000e+00 : f32, trans_a = true, trans_b = false} : (tensor<4x1xf32>, tensor<4x3xf32>) -> tensor<1x3xf32> loc("Gemm_0"("Gemm"))
  func.return %y : tensor<1x3xf32>
}
// CHECK: error: node 'Gemm_0' (Gemm): Gemm with transA=1 is not supported

// -----

func.func @gemm_beta(%x: tensor<1x4xf32>, %c: tensor<3xf32>) -> tensor<1x3xf32> {
  %b = quant.const dense<1.000000e+00> : tensor<4x3xf32>
  %y = quant.gemm %x, %b, %c {alpha = 1.000000e+00 : f32, beta = 5.000000e-01 : f32, trans_a = false, trans_b = false} : (tensor<1x4xf32>, tensor<4x3xf32>, tensor<3xf32>) -> tensor<1x3xf32> loc("Gemm_1"("Gemm"))
  func.return %y : tensor<1x3xf32>
}
// CHECK: error: node 'Gemm_1' (Gemm): Gemm with beta != 1 needs a constant C

// -----

func.func @non_integer_weights(%x: tensor<1x4xf32>) -> tensor<1x3xf32> {
  %one = quant.const dense<1.000000e+00> : tensor<f32>
  %zero = quant.const dense<0.000000e+00> : tensor<f32>
  %two = quant.const dense<2.000000e+00> : tensor<f32>
  %xq = quant.quant %x, %one, %zero, %two {signed = true, narrow = false, rounding_mode = "ROUND"} : (tensor<1x4xf32>, tensor<f32>, tensor<f32>, tensor<f32>) -> tensor<1x4xf32>
  %w = quant.const dense<5.000000e-01> : tensor<4x3xf32>
  %mm = quant.matmul %xq, %w : (tensor<1x4xf32>, tensor<4x3xf32>) -> tensor<1x3xf32> loc("MatMul_0"("MatMul"))
  func.return %mm : tensor<1x3xf32>
}
// CHECK: error: node 'MatMul_0' (MatMul): weights are neither quantized nor integer; cannot map to integer hardware

// -----

func.func @row_scale(%x: tensor<1x4xf32>) -> tensor<1x3xf32> {
  %one = quant.const dense<1.000000e+00> : tensor<f32>
  %zero = quant.const dense<0.000000e+00> : tensor<f32>
  %two = quant.const dense<2.000000e+00> : tensor<f32>
  %xq = quant.quant %x, %one, %zero, %two {signed = true, narrow = false, rounding_mode = "ROUND"} : (tensor<1x4xf32>, tensor<f32>, tensor<f32>, tensor<f32>) -> tensor<1x4xf32>
  %rs = quant.const dense<[[1.0], [0.5], [1.0], [0.5]]> : tensor<4x1xf32>
  %w = quant.const dense<1.000000e+00> : tensor<4x3xf32>
  %wq = quant.quant %w, %rs, %zero, %two {signed = true, narrow = true, rounding_mode = "ROUND"} : (tensor<4x3xf32>, tensor<4x1xf32>, tensor<f32>, tensor<f32>) -> tensor<4x3xf32>
  %mm = quant.matmul %xq, %wq : (tensor<1x4xf32>, tensor<4x3xf32>) -> tensor<1x3xf32> loc("MatMul_1"("MatMul"))
  func.return %mm : tensor<1x3xf32>
}
// CHECK: error: node 'MatMul_1' (MatMul): weight scale/zero point must be per-tensor or per output channel

// -----

func.func @three_d(%x: tensor<1x2x4xf32>) -> tensor<1x2x3xf32> {
  %one = quant.const dense<1.000000e+00> : tensor<f32>
  %zero = quant.const dense<0.000000e+00> : tensor<f32>
  %two = quant.const dense<2.000000e+00> : tensor<f32>
  %xq = quant.quant %x, %one, %zero, %two {signed = true, narrow = false, rounding_mode = "ROUND"} : (tensor<1x2x4xf32>, tensor<f32>, tensor<f32>, tensor<f32>) -> tensor<1x2x4xf32>
  %w = quant.const dense<1.000000e+00> : tensor<4x3xf32>
  %wq = quant.quant %w, %one, %zero, %two {signed = true, narrow = true, rounding_mode = "ROUND"} : (tensor<4x3xf32>, tensor<f32>, tensor<f32>, tensor<f32>) -> tensor<4x3xf32>
  %mm = quant.matmul %xq, %wq : (tensor<1x2x4xf32>, tensor<4x3xf32>) -> tensor<1x2x3xf32> loc("MatMul_2"("MatMul"))
  func.return %mm : tensor<1x2x3xf32>
}
// CHECK: error: node 'MatMul_2' (MatMul): only 2-D matrix products (N, K) x (K, M) are supported

// -----

// A scale that varies along the batch axis cannot be folded into per-channel thresholds.
func.func @row_scaled_activation(%x: tensor<2x4xf32>) -> tensor<2x3xf32> {
  %one = quant.const dense<1.000000e+00> : tensor<f32>
  %zero = quant.const dense<0.000000e+00> : tensor<f32>
  %two = quant.const dense<2.000000e+00> : tensor<f32>
  %xq = quant.quant %x, %one, %zero, %two {signed = true, narrow = false, rounding_mode = "ROUND"} : (tensor<2x4xf32>, tensor<f32>, tensor<f32>, tensor<f32>) -> tensor<2x4xf32>
  %w = quant.const dense<1.000000e+00> : tensor<4x3xf32>
  %wq = quant.quant %w, %one, %zero, %two {signed = true, narrow = true, rounding_mode = "ROUND"} : (tensor<4x3xf32>, tensor<f32>, tensor<f32>, tensor<f32>) -> tensor<4x3xf32>
  %mm = quant.matmul %xq, %wq : (tensor<2x4xf32>, tensor<4x3xf32>) -> tensor<2x3xf32>
  %rows = quant.const dense<[[1.0], [2.0]]> : tensor<2x1xf32>
  %m = quant.mul %mm, %rows : (tensor<2x3xf32>, tensor<2x1xf32>) -> tensor<2x3xf32> loc("Mul_0"("Mul"))
  %yq = quant.quant %m, %one, %zero, %two {signed = false, narrow = false, rounding_mode = "ROUND"} : (tensor<2x3xf32>, tensor<f32>, tensor<f32>, tensor<f32>) -> tensor<2x3xf32> loc("Quant_1"("Quant"))
  func.return %yq : tensor<2x3xf32>
}
// CHECK: error: node 'Mul_0' (Mul): parameter varies along a non-channel axis; cannot fold into thresholds

// -----

// 4 / acc is not monotone in acc (it jumps at 0): no thresholds reproduce it.
func.func @non_monotone(%x: tensor<1x4xf32>) -> tensor<1x3xf32> {
  %one = quant.const dense<1.000000e+00> : tensor<f32>
  %zero = quant.const dense<0.000000e+00> : tensor<f32>
  %two = quant.const dense<2.000000e+00> : tensor<f32>
  %xq = quant.quant %x, %one, %zero, %two {signed = true, narrow = false, rounding_mode = "ROUND"} : (tensor<1x4xf32>, tensor<f32>, tensor<f32>, tensor<f32>) -> tensor<1x4xf32>
  %w = quant.const dense<1.000000e+00> : tensor<4x3xf32>
  %wq = quant.quant %w, %one, %zero, %two {signed = true, narrow = true, rounding_mode = "ROUND"} : (tensor<4x3xf32>, tensor<f32>, tensor<f32>, tensor<f32>) -> tensor<4x3xf32>
  %mm = quant.matmul %xq, %wq : (tensor<1x4xf32>, tensor<4x3xf32>) -> tensor<1x3xf32>
  %c = quant.const dense<4.000000e+00> : tensor<f32>
  %d = quant.div %c, %mm : (tensor<f32>, tensor<1x3xf32>) -> tensor<1x3xf32>
  %yq = quant.quant %d, %one, %zero, %two {signed = false, narrow = false, rounding_mode = "ROUND"} : (tensor<1x3xf32>, tensor<f32>, tensor<f32>, tensor<f32>) -> tensor<1x3xf32> loc("Quant_2"("Quant"))
  func.return %yq : tensor<1x3xf32>
}
// CHECK: error: node 'Quant_2' (Quant): cannot express the activation as thresholds: channel 0: {{.*}} (activation not monotone)

// -----

// FINN-ONNX's input quantizer: a MultiThreshold on the float input. The host counts the
// thresholds passed (out_scale 1, out_bias 0) and quantizes the count to ui2; the model's
// `count * 0.5 - 1.0` is exactly dequantize(count, 0.5, 2.0) for every count 0..3.
func.func @input_multithreshold(%x: tensor<1x4xf32>) -> tensor<1x4xf32> {
  %t = quant.const dense<[[-0.5, 0.5, 1.5]]> : tensor<1x3xf32>
  %mt = quant.multithreshold %x, %t {out_scale = 0.5 : f64, out_bias = -1.0 : f64, data_layout = "NC"} : (tensor<1x4xf32>, tensor<1x3xf32>) -> tensor<1x4xf32> loc("MT_in"("MultiThreshold"))
  func.return %mt : tensor<1x4xf32>
}
// CHECK-LABEL: func.func @input_multithreshold(%x: tensor<1x4xf32>) -> tensor<1x4xf32> {
// CHECK-NEXT:    %t = quant.const dense<{{\[}}[-5.000000e-01, 5.000000e-01, 1.500000e+00]]> : tensor<1x3xf32>
// CHECK-NEXT:    %0 = quant.multithreshold %x, %t {out_scale = 1.000000e+00 : f64, out_bias = 0.000000e+00 : f64, data_layout = "NC"} : (tensor<1x4xf32>, tensor<1x3xf32>) -> tensor<1x4xf32>
// CHECK-NEXT:    %1 = quant.const dense<1.000000e+00> : tensor<f32>
// CHECK-NEXT:    %2 = quant.const dense<0.000000e+00> : tensor<f32>
// CHECK-NEXT:    %3 = quant.quantize %0, %1, %2 {bits = 2 : i64, signed = false, narrow = false, rounding_mode = "ROUND"} : (tensor<1x4xf32>, tensor<f32>, tensor<f32>) -> tensor<1x4xui2>
// CHECK-NEXT:    %4 = quant.const dense<5.000000e-01> : tensor<f32>
// CHECK-NEXT:    %5 = quant.const dense<2.000000e+00> : tensor<f32>
// CHECK-NEXT:    %mt = quant.dequantize %3, %4, %5 : (tensor<1x4xui2>, tensor<f32>, tensor<f32>) -> tensor<1x4xf32>
// CHECK-NEXT:    func.return %mt : tensor<1x4xf32>

// -----

// Per-tensor affine ops on a dequantized value fold into its scale and zero point when that
// is the same float32 value for every code: (q + 1) / 2 = (q - (-1)) * 0.5 for bipolar q.
func.func @fold_affine(%x: tensor<1x4xf32>) -> tensor<1x4xf32> {
  %one = quant.const dense<1.000000e+00> : tensor<f32>
  %xq = quant.bipolar_quant %x, %one : (tensor<1x4xf32>, tensor<f32>) -> tensor<1x4xf32> loc("BQ"("BipolarQuant"))
  %a = quant.add %xq, %one : (tensor<1x4xf32>, tensor<f32>) -> tensor<1x4xf32> loc("Add_0"("Add"))
  %two = quant.const dense<2.000000e+00> : tensor<f32>
  %d = quant.div %a, %two : (tensor<1x4xf32>, tensor<f32>) -> tensor<1x4xf32> loc("Div_0"("Div"))
  func.return %d : tensor<1x4xf32>
}
// CHECK-LABEL: func.func @fold_affine(%x: tensor<1x4xf32>) -> tensor<1x4xf32> {
// CHECK-NEXT:    %0 = quant.const dense<1.000000e+00> : tensor<f32>
// CHECK-NEXT:    %1 = quant.const dense<0.000000e+00> : tensor<f32>
// CHECK-NEXT:    %2 = quant.quantize %x, %0, %1 {bits = 1 : i64, signed = true, narrow = false, rounding_mode = "ROUND"} : (tensor<1x4xf32>, tensor<f32>, tensor<f32>) -> tensor<1x4x!quant.bipolar>
// CHECK-NEXT:    %3 = quant.const dense<5.000000e-01> : tensor<f32>
// CHECK-NEXT:    %4 = quant.const dense<-1.000000e+00> : tensor<f32>
// CHECK-NEXT:    %d = quant.dequantize %2, %3, %4 : (tensor<1x4x!quant.bipolar>, tensor<f32>, tensor<f32>) -> tensor<1x4xf32>
// CHECK-NEXT:    func.return %d : tensor<1x4xf32>

// -----

// Not exact: (q + 0.1) / 3 rounds differently from any (q - z') * s' in float32 on some code,
// so the Div stays.
func.func @fold_affine_inexact(%x: tensor<1x4xf32>) -> tensor<1x4xf32> {
  %one = quant.const dense<1.000000e+00> : tensor<f32>
  %xq = quant.bipolar_quant %x, %one : (tensor<1x4xf32>, tensor<f32>) -> tensor<1x4xf32> loc("BQ"("BipolarQuant"))
  %c = quant.const dense<1.000000e-01> : tensor<f32>
  %a = quant.add %xq, %c : (tensor<1x4xf32>, tensor<f32>) -> tensor<1x4xf32> loc("Add_0"("Add"))
  %three = quant.const dense<3.000000e+00> : tensor<f32>
  %d = quant.div %a, %three : (tensor<1x4xf32>, tensor<f32>) -> tensor<1x4xf32> loc("Div_0"("Div"))
  func.return %d : tensor<1x4xf32>
}
// CHECK-LABEL: func.func @fold_affine_inexact(%x: tensor<1x4xf32>) -> tensor<1x4xf32> {
// CHECK-NEXT:    %0 = quant.const dense<1.000000e+00> : tensor<f32>
// CHECK-NEXT:    %1 = quant.const dense<0.000000e+00> : tensor<f32>
// CHECK-NEXT:    %2 = quant.quantize %x, %0, %1 {bits = 1 : i64, signed = true, narrow = false, rounding_mode = "ROUND"} : (tensor<1x4xf32>, tensor<f32>, tensor<f32>) -> tensor<1x4x!quant.bipolar>
// CHECK-NEXT:    %3 = quant.const dense<1.000000e+00> : tensor<f32>
// CHECK-NEXT:    %4 = quant.const dense<-1.000000e-01> : tensor<f32>
// CHECK-NEXT:    %a = quant.dequantize %2, %3, %4 : (tensor<1x4x!quant.bipolar>, tensor<f32>, tensor<f32>) -> tensor<1x4xf32>
// CHECK-NEXT:    %three = quant.const dense<3.000000e+00> : tensor<f32>
// CHECK-NEXT:    %d = quant.div %a, %three : (tensor<1x4xf32>, tensor<f32>) -> tensor<1x4xf32>
// CHECK-NEXT:    func.return %d : tensor<1x4xf32>

// -----

// A graph input annotated BIPOLAR holds the codes: quantize (identity on codes) + dequantize,
// and the pre-processing (x + 1) / 2 folds into the dequantize.
func.func @annotated_input(%x: tensor<1x4xf32>) -> tensor<1x4xf32> {
  %an = quant.annotate %x {datatype = "BIPOLAR", bits = 1 : i64, signed = true, narrow = false} : tensor<1x4xf32> -> tensor<1x4xf32> loc("x"("Annotation"))
  %one = quant.const dense<1.000000e+00> : tensor<f32>
  %a = quant.add %an, %one : (tensor<1x4xf32>, tensor<f32>) -> tensor<1x4xf32> loc("Add_0"("Add"))
  %two = quant.const dense<2.000000e+00> : tensor<f32>
  %d = quant.div %a, %two : (tensor<1x4xf32>, tensor<f32>) -> tensor<1x4xf32> loc("Div_0"("Div"))
  func.return %d : tensor<1x4xf32>
}
// CHECK-LABEL: func.func @annotated_input(%x: tensor<1x4xf32>) -> tensor<1x4xf32> {
// CHECK-NEXT:    %0 = quant.const dense<1.000000e+00> : tensor<f32>
// CHECK-NEXT:    %1 = quant.const dense<0.000000e+00> : tensor<f32>
// CHECK-NEXT:    %2 = quant.quantize %x, %0, %1 {bits = 1 : i64, signed = true, narrow = false, rounding_mode = "ROUND"} : (tensor<1x4xf32>, tensor<f32>, tensor<f32>) -> tensor<1x4x!quant.bipolar>
// CHECK-NEXT:    %3 = quant.const dense<5.000000e-01> : tensor<f32>
// CHECK-NEXT:    %4 = quant.const dense<-1.000000e+00> : tensor<f32>
// CHECK-NEXT:    %d = quant.dequantize %2, %3, %4 : (tensor<1x4x!quant.bipolar>, tensor<f32>, tensor<f32>) -> tensor<1x4xf32>
// CHECK-NEXT:    func.return %d : tensor<1x4xf32>

// -----

// When the pre-processing does not fold exactly, the annotation stays (marked `unfolded`,
// naming the op) and the input is treated as float.
func.func @annotated_input_inexact(%x: tensor<1x4xf32>) -> tensor<1x4xf32> {
  %an = quant.annotate %x {datatype = "BIPOLAR", bits = 1 : i64, signed = true, narrow = false} : tensor<1x4xf32> -> tensor<1x4xf32> loc("x"("Annotation"))
  %c = quant.const dense<1.000000e-01> : tensor<f32>
  %a = quant.add %an, %c : (tensor<1x4xf32>, tensor<f32>) -> tensor<1x4xf32> loc("Add_0"("Add"))
  %three = quant.const dense<3.000000e+00> : tensor<f32>
  %d = quant.div %a, %three : (tensor<1x4xf32>, tensor<f32>) -> tensor<1x4xf32> loc("Div_0"("Div"))
  func.return %d : tensor<1x4xf32>
}
// CHECK-LABEL: func.func @annotated_input_inexact(%x: tensor<1x4xf32>) -> tensor<1x4xf32> {
// CHECK-NEXT:    %an = quant.annotate %x {unfolded = "Div_0", datatype = "BIPOLAR", bits = 1 : i64, signed = true, narrow = false} : tensor<1x4xf32> -> tensor<1x4xf32>
// CHECK-NEXT:    %c = quant.const dense<1.000000e-01> : tensor<f32>
// CHECK-NEXT:    %a = quant.add %an, %c : (tensor<1x4xf32>, tensor<f32>) -> tensor<1x4xf32>
// CHECK-NEXT:    %three = quant.const dense<3.000000e+00> : tensor<f32>
// CHECK-NEXT:    %d = quant.div %a, %three : (tensor<1x4xf32>, tensor<f32>) -> tensor<1x4xf32>
// CHECK-NEXT:    func.return %d : tensor<1x4xf32>

// -----

// A float first layer (QKeras-like): its weight quantizer folds to dequantize(codes), which is
// not the data path, so the activation quantizer after the layer is the input quantizer.
func.func @float_first_layer(%x: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %one = quant.const dense<1.000000e+00> : tensor<f32>
  %zero = quant.const dense<0.000000e+00> : tensor<f32>
  %two = quant.const dense<2.000000e+00> : tensor<f32>
  %w = quant.const dense<[[1.0, -1.0], [0.5, 1.0]]> : tensor<2x2xf32>
  %wq = quant.quant %w, %one, %zero, %two {signed = true, narrow = false, rounding_mode = "ROUND"} : (tensor<2x2xf32>, tensor<f32>, tensor<f32>, tensor<f32>) -> tensor<2x2xf32> loc("Wq"("Quant"))
  %mm = quant.matmul %x, %wq : (tensor<1x2xf32>, tensor<2x2xf32>) -> tensor<1x2xf32> loc("MatMul_0"("MatMul"))
  %yq = quant.quant %mm, %one, %zero, %two {signed = false, narrow = false, rounding_mode = "ROUND"} : (tensor<1x2xf32>, tensor<f32>, tensor<f32>, tensor<f32>) -> tensor<1x2xf32> loc("Act"("Quant"))
  func.return %yq : tensor<1x2xf32>
}
// CHECK-LABEL: func.func @float_first_layer(%x: tensor<1x2xf32>) -> tensor<1x2xf32> {
// CHECK-NEXT:    %one = quant.const dense<1.000000e+00> : tensor<f32>
// CHECK-NEXT:    %zero = quant.const dense<0.000000e+00> : tensor<f32>
// CHECK-NEXT:    %0 = quant.const dense<{{\[}}[1, -1], [0, 1]]> : tensor<2x2xsi2>
// CHECK-NEXT:    %wq = quant.dequantize %0, %one, %zero : (tensor<2x2xsi2>, tensor<f32>, tensor<f32>) -> tensor<2x2xf32>
// CHECK-NEXT:    %mm = quant.matmul %x, %wq : (tensor<1x2xf32>, tensor<2x2xf32>) -> tensor<1x2xf32>
// CHECK-NEXT:    %1 = quant.quantize %mm, %one, %zero {bits = 2 : i64, signed = false, narrow = false, rounding_mode = "ROUND"} : (tensor<1x2xf32>, tensor<f32>, tensor<f32>) -> tensor<1x2xui2>
// CHECK-NEXT:    %yq = quant.dequantize %1, %one, %zero : (tensor<1x2xui2>, tensor<f32>, tensor<f32>) -> tensor<1x2xf32>
// CHECK-NEXT:    func.return %yq : tensor<1x2xf32>

// -----

// A convolution becomes int_conv on channels-last codes and the activation a threshold on its
// channels-last accumulator. x codes are si3 (-4..3); the weights (per output channel scales
// 1 and 0.5) have codes [[1, 0], [0, -1]] and [[1, 1], [1, 1]], stored (kH, kW, C, M).
//   c0: y = acc, acc in -7..7; the level round(clamp(y, 0, 3)) rises at 1, 2, 3
//   c1: y = acc/2, acc in -16..12 (si6 holds the bounds ± 1); half to even: acc = 1 -> 0,
//       2 -> 1, 3 -> 2, 5 -> 2, 6 -> 3: thresholds [2, 3, 6]
func.func @conv(%x: tensor<1x1x3x3xf32>) -> tensor<1x2x2x2xf32> {
  %one = quant.const dense<1.000000e+00> : tensor<f32>
  %zero = quant.const dense<0.000000e+00> : tensor<f32>
  %two = quant.const dense<2.000000e+00> : tensor<f32>
  %three = quant.const dense<3.000000e+00> : tensor<f32>
  %xq = quant.quant %x, %one, %zero, %three {signed = true, narrow = false, rounding_mode = "ROUND"} : (tensor<1x1x3x3xf32>, tensor<f32>, tensor<f32>, tensor<f32>) -> tensor<1x1x3x3xf32>
  %ws = quant.const dense<[[[[1.0]]], [[[0.5]]]]> : tensor<2x1x1x1xf32>
  %w = quant.const dense<[[[[1.0, 0.0], [0.0, -1.0]]], [[[0.5, 0.5], [0.5, 0.5]]]]> : tensor<2x1x2x2xf32>
  %wq = quant.quant %w, %ws, %zero, %two {signed = true, narrow = true, rounding_mode = "ROUND"} : (tensor<2x1x2x2xf32>, tensor<2x1x1x1xf32>, tensor<f32>, tensor<f32>) -> tensor<2x1x2x2xf32>
  %c = quant.conv %xq, %wq {kernel_shape = array<i64: 2, 2>, strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x1x3x3xf32>, tensor<2x1x2x2xf32>) -> tensor<1x2x2x2xf32>
  %r = quant.relu %c : tensor<1x2x2x2xf32> -> tensor<1x2x2x2xf32>
  %yq = quant.quant %r, %one, %zero, %two {signed = false, narrow = false, rounding_mode = "ROUND"} : (tensor<1x2x2x2xf32>, tensor<f32>, tensor<f32>, tensor<f32>) -> tensor<1x2x2x2xf32>
  func.return %yq : tensor<1x2x2x2xf32>
}

// CHECK:       // {{-----}}
// CHECK-LABEL: func.func @conv(%x: tensor<1x1x3x3xf32>) -> tensor<1x2x2x2xf32> {
// CHECK:         %[[X:.*]] = quant.quantize %x, %one, %zero {bits = 3 : i64, {{.*}}} : (tensor<1x1x3x3xf32>, tensor<f32>, tensor<f32>) -> tensor<1x1x3x3xsi3>
// CHECK-NEXT:    %[[W:.*]] = quant.const dense<{{\[\[\[\[1, 1\]\], \[\[0, 1\]\]\], \[\[\[0, 1\]\], \[\[-1, 1\]\]\]\]}}> : tensor<2x2x1x2xsi2>
// CHECK-NEXT:    %[[XT:.*]] = quant.transpose %[[X]] {perm = array<i64: 0, 2, 3, 1>} : tensor<1x1x3x3xsi3> -> tensor<1x3x3x1xsi3>
// CHECK-NEXT:    %[[ACC:.*]] = quant.int_conv %[[XT]], %[[W]] {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, pad_value = 0 : i64} : (tensor<1x3x3x1xsi3>, tensor<2x2x1x2xsi2>) -> tensor<1x2x2x2xsi6>
// CHECK-NEXT:    %[[T:.*]] = quant.threshold %[[ACC]] {thresholds = dense<{{\[}}[1, 2, 3], [2, 3, 6]]> : tensor<2x3xui3>, descending = dense<0> : tensor<2xui1>, out_bias = 0 : i64} : tensor<1x2x2x2xsi6> -> tensor<1x2x2x2xui2>
// CHECK-NEXT:    %[[TT:.*]] = quant.transpose %[[T]] {perm = array<i64: 0, 3, 1, 2>} : tensor<1x2x2x2xui2> -> tensor<1x2x2x2xui2>
// CHECK-NEXT:    %yq = quant.dequantize %[[TT]], %one, %zero : (tensor<1x2x2x2xui2>, tensor<f32>, tensor<f32>) -> tensor<1x2x2x2xf32>
// CHECK-NEXT:    func.return %yq
// CHECK-NOT:     quant.conv

// -----

// MaxPool of codes with a positive scale pools the codes (channels-last).
func.func @maxpool(%x: tensor<1x2x2x2xf32>) -> tensor<1x2x1x1xf32> {
  %s = quant.const dense<2.500000e-01> : tensor<f32>
  %z = quant.const dense<1.000000e+00> : tensor<f32>
  %b = quant.const dense<2.000000e+00> : tensor<f32>
  %xq = quant.quant %x, %s, %z, %b {signed = false, narrow = false, rounding_mode = "ROUND"} : (tensor<1x2x2x2xf32>, tensor<f32>, tensor<f32>, tensor<f32>) -> tensor<1x2x2x2xf32>
  %p = quant.maxpool %xq {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, ceil_mode = 0 : i64} : tensor<1x2x2x2xf32> -> tensor<1x2x1x1xf32>
  func.return %p : tensor<1x2x1x1xf32>
}

// CHECK:       // {{-----}}
// CHECK-LABEL: func.func @maxpool(%x: tensor<1x2x2x2xf32>) -> tensor<1x2x1x1xf32> {
// CHECK:         %[[X:.*]] = quant.quantize %x, %s, %z {{.*}} -> tensor<1x2x2x2xui2>
// CHECK-NEXT:    %[[XT:.*]] = quant.transpose %[[X]] {perm = array<i64: 0, 2, 3, 1>} : tensor<1x2x2x2xui2> -> tensor<1x2x2x2xui2>
// CHECK-NEXT:    %[[P:.*]] = quant.int_maxpool %[[XT]] {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>} : tensor<1x2x2x2xui2> -> tensor<1x1x1x2xui2>
// CHECK-NEXT:    %[[PT:.*]] = quant.transpose %[[P]] {perm = array<i64: 0, 3, 1, 2>} : tensor<1x1x1x2xui2> -> tensor<1x2x1x1xui2>
// CHECK-NEXT:    %p = quant.dequantize %[[PT]], %s, %z : (tensor<1x2x1x1xui2>, tensor<f32>, tensor<f32>) -> tensor<1x2x1x1xf32>
// CHECK-NEXT:    func.return %p

// -----

// A residual join: a (ui2, scale 0.5) and b (ui2, scale 0.25, b = min(2a, 3) through a 1x1
// conv) add up to 0.5a + 0.25b = (2a + b)/4, so ka = 2, kb = 1 (the convergent of 0.5/0.25).
// b's thresholds: 2a is 0, 2, 4 -> 3 for a = 0, 1, 2: levels 1, 2 at a >= 1, 3 at a >= 2.
// The 3-bit quantizer rounds (2a + b)/4 half to even: sum 3..5 -> 1, 6..9 -> 2 (sums reach
// 0..9, so level 3 is never reached): thresholds [3, 6]; int_add's si5 holds -1..10. The skip
// reads the conv's input stream: one transpose of a's codes, not two.
func.func @residual(%x: tensor<1x1x2x2xf32>) -> tensor<1x1x2x2xf32> {
  %half = quant.const dense<5.000000e-01> : tensor<f32>
  %quarter = quant.const dense<2.500000e-01> : tensor<f32>
  %one = quant.const dense<1.000000e+00> : tensor<f32>
  %zero = quant.const dense<0.000000e+00> : tensor<f32>
  %two = quant.const dense<2.000000e+00> : tensor<f32>
  %three = quant.const dense<3.000000e+00> : tensor<f32>
  %a = quant.quant %x, %half, %zero, %two {signed = false, narrow = false, rounding_mode = "ROUND"} : (tensor<1x1x2x2xf32>, tensor<f32>, tensor<f32>, tensor<f32>) -> tensor<1x1x2x2xf32>
  %w = quant.const dense<1.000000e+00> : tensor<1x1x1x1xf32>
  %wq = quant.quant %w, %one, %zero, %two {signed = true, narrow = true, rounding_mode = "ROUND"} : (tensor<1x1x1x1xf32>, tensor<f32>, tensor<f32>, tensor<f32>) -> tensor<1x1x1x1xf32>
  %c = quant.conv %a, %wq {kernel_shape = array<i64: 1, 1>, strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x1x2x2xf32>, tensor<1x1x1x1xf32>) -> tensor<1x1x2x2xf32>
  %b = quant.quant %c, %quarter, %zero, %two {signed = false, narrow = false, rounding_mode = "ROUND"} : (tensor<1x1x2x2xf32>, tensor<f32>, tensor<f32>, tensor<f32>) -> tensor<1x1x2x2xf32>
  %s = quant.add %a, %b : (tensor<1x1x2x2xf32>, tensor<1x1x2x2xf32>) -> tensor<1x1x2x2xf32>
  %r = quant.relu %s : tensor<1x1x2x2xf32> -> tensor<1x1x2x2xf32>
  %y = quant.quant %r, %one, %zero, %three {signed = false, narrow = false, rounding_mode = "ROUND"} : (tensor<1x1x2x2xf32>, tensor<f32>, tensor<f32>, tensor<f32>) -> tensor<1x1x2x2xf32>
  func.return %y : tensor<1x1x2x2xf32>
}

// CHECK:       // {{-----}}
// CHECK-LABEL: func.func @residual(%x: tensor<1x1x2x2xf32>) -> tensor<1x1x2x2xf32> {
// CHECK:         %[[A:.*]] = quant.quantize %x, %half, %zero {{.*}} -> tensor<1x1x2x2xui2>
// CHECK:         %[[AT:.*]] = quant.transpose %[[A]] {perm = array<i64: 0, 2, 3, 1>}
// CHECK-NEXT:    %[[ACC:.*]] = quant.int_conv %[[AT]], {{.*}} -> tensor<1x2x2x1xsi4>
// CHECK-NEXT:    %[[B:.*]] = quant.threshold %[[ACC]] {thresholds = dense<{{\[}}[1, 1, 2]]> : {{.*}} -> tensor<1x2x2x1xui2>
// CHECK:         %[[S:.*]] = quant.int_add %[[AT]], %[[B]] {ka = 2 : i64, kb = 1 : i64} : (tensor<1x2x2x1xui2>, tensor<1x2x2x1xui2>) -> tensor<1x2x2x1xsi5>
// CHECK-NEXT:    %[[Y:.*]] = quant.threshold %[[S]] {thresholds = dense<{{\[}}[3, 6]]> : tensor<1x2xui3>, descending = dense<0> : tensor<1xui1>, out_bias = 0 : i64} : tensor<1x2x2x1xsi5> -> tensor<1x2x2x1xui3>
// CHECK-NEXT:    %[[YT:.*]] = quant.transpose %[[Y]] {perm = array<i64: 0, 3, 1, 2>}
// CHECK-NEXT:    %y = quant.dequantize %[[YT]], %one, %zero
// CHECK-NEXT:    func.return %y
// CHECK-NOT:     quant.add

// -----

// Max of values is the max of codes only for a positive scale: a negative one is refused.
func.func @maxpool_negative_scale(%x: tensor<1x1x2x2xf32>) -> tensor<1x1x1x1xf32> {
  %s = quant.const dense<-2.500000e-01> : tensor<f32>
  %z = quant.const dense<0.000000e+00> : tensor<f32>
  %b = quant.const dense<2.000000e+00> : tensor<f32>
  %xq = quant.quant %x, %s, %z, %b {signed = true, narrow = false, rounding_mode = "ROUND"} : (tensor<1x1x2x2xf32>, tensor<f32>, tensor<f32>, tensor<f32>) -> tensor<1x1x2x2xf32>
  %p = quant.maxpool %xq {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, ceil_mode = 0 : i64} : tensor<1x1x2x2xf32> -> tensor<1x1x1x1xf32> loc("pool"("MaxPool"))
  func.return %p : tensor<1x1x1x1xf32>
}

// CHECK:       // {{-----}}
// CHECK:       Error while applying pattern: error: node 'pool' (MaxPool): the pooled codes' scale is negative or zero: the maximum of the values is not the maximum of the codes

// -----

// Padding writes the real value 0, which no bipolar code is: refused.
func.func @conv_bipolar_pad(%x: tensor<1x1x2x2xf32>) -> tensor<1x1x3x3xf32> {
  %one = quant.const dense<1.000000e+00> : tensor<f32>
  %xq = quant.bipolar_quant %x, %one : (tensor<1x1x2x2xf32>, tensor<f32>) -> tensor<1x1x2x2xf32>
  %w = quant.const dense<1.000000e+00> : tensor<1x1x2x2xf32>
  %wq = quant.bipolar_quant %w, %one : (tensor<1x1x2x2xf32>, tensor<f32>) -> tensor<1x1x2x2xf32>
  %c = quant.conv %xq, %wq {kernel_shape = array<i64: 2, 2>, strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x1x2x2xf32>, tensor<1x1x2x2xf32>) -> tensor<1x1x3x3xf32> loc("c1"("Conv"))
  func.return %c : tensor<1x1x3x3xf32>
}

// CHECK:       // {{-----}}
// CHECK:       Error while applying pattern: error: node 'c1' (Conv): padding needs the real value 0 as an input code (the zero point 0 is no code of !quant.bipolar)
