// RUN: qnnc-opt %s -p convert-quant-to-dataflow --split-input-file --verify-diagnostics | filecheck %s
// RUN: qnnc-opt %s -p convert-quant-to-dataflow --split-input-file --verify-diagnostics --print-debuginfo | filecheck %s --check-prefix=LOC

// convert-quant-to-dataflow: the integer ops of @core become unfolded streaming units (one
// element per beat, PE = SIMD = 1); the other functions are left alone.

// int_matmul + its only user, a threshold -> one MVAU with thresholds. An int_matmul without a
// threshold -> an MVAU whose output is the accumulator. The casts between units cancel, so one
// to_stream and one from_stream remain. W2 is all +-1: its weight_type is !quant.bipolar (the
// weights keep their si2 storage).
func.func @core(%x: tensor<1x4xsi2>) -> tensor<1x2xsi4> {
  %w = quant.const dense<[[1, -1, 0], [0, 1, 1], [-1, -1, 1], [1, 0, -1]]> : tensor<4x3xsi2> loc("MatMul_0_param0"("Initializer"))
  %acc = quant.int_matmul %x, %w : (tensor<1x4xsi2>, tensor<4x3xsi2>) -> tensor<1x3xsi4> loc("MatMul_0"("MatMul"))
  %t = quant.threshold %acc {thresholds = dense<[[2, 3, 5], [0, -1, -4], [2, 3, 4]]> : tensor<3x3xsi4>, descending = dense<[0, 1, 0]> : tensor<3xui1>, out_bias = 0 : i64} : tensor<1x3xsi4> -> tensor<1x3xui2> loc("Quant_1"("Quant"))
  %w2 = quant.const dense<[[1, -1], [-1, 1], [1, 1]]> : tensor<3x2xsi2>
  %acc2 = quant.int_matmul %t, %w2 : (tensor<1x3xui2>, tensor<3x2xsi2>) -> tensor<1x2xsi4> loc("MatMul_1"("MatMul"))
  func.return %acc2 : tensor<1x2xsi4>
}
func.func @post(%x: tensor<1x2xsi4>) -> tensor<1x2xsi4> {
  func.return %x : tensor<1x2xsi4>
}

// CHECK-LABEL: func.func @core(%x: tensor<1x4xsi2>) -> tensor<1x2xsi4> {
// CHECK-NEXT:    %[[S:.*]] = dataflow.to_stream %x : tensor<1x4xsi2> -> !dataflow.stream<si2, 4, 1>
// CHECK-NEXT:    %[[M0:.*]] = dataflow.mvau %[[S]] {weights = dense<{{\[}}[1, -1, 0], [0, 1, 1], [-1, -1, 1], [1, 0, -1]]> : tensor<4x3xsi2>, weight_type = si2, acc_type = si4, pe = 1 : i64, simd = 1 : i64, thresholds = dense<{{\[}}[2, 3, 5], [0, -1, -4], [2, 3, 4]]> : tensor<3x3xsi4>, descending = dense<[0, 1, 0]> : tensor<3xui1>, out_bias = 0 : i64} : !dataflow.stream<si2, 4, 1> -> !dataflow.stream<ui2, 3, 1>
// CHECK-NEXT:    %[[M1:.*]] = dataflow.mvau %[[M0]] {weights = dense<{{\[}}[1, -1], [-1, 1], [1, 1]]> : tensor<3x2xsi2>, weight_type = !quant.bipolar, acc_type = si4, pe = 1 : i64, simd = 1 : i64} : !dataflow.stream<ui2, 3, 1> -> !dataflow.stream<si4, 2, 1>
// CHECK-NEXT:    %acc2 = dataflow.from_stream %[[M1]] : !dataflow.stream<si4, 2, 1> -> tensor<1x2xsi4>
// CHECK-NEXT:    func.return %acc2 : tensor<1x2xsi4>
// CHECK-NEXT:  }
// CHECK-NOT:     quant.
// CHECK:       func.func @post

// Each unit keeps the location of its matrix product (the layer's name in later stages).
// LOC-LABEL: func.func @core
// LOC:         dataflow.to_stream {{.*}} loc("MatMul_0"("MatMul"))
// LOC-NEXT:    dataflow.mvau {{.*}} loc("MatMul_0"("MatMul"))
// LOC-NEXT:    dataflow.mvau {{.*}} loc("MatMul_1"("MatMul"))

// -----

// An integer reshape is nothing on a stream (row-major order is kept); a threshold with no
// matrix product before it is a standalone dataflow.threshold.
func.func @core(%x: tensor<1x2x2xsi4>) -> tensor<1x4xui1> {
  %r = quant.reshape %x : tensor<1x2x2xsi4> -> tensor<1x4xsi4> loc("Reshape_0"("Reshape"))
  %t = quant.threshold %r {thresholds = dense<[[0], [1], [-1], [7]]> : tensor<4x1xsi4>, descending = dense<[0, 0, 1, 0]> : tensor<4xui1>, out_bias = 0 : i64} : tensor<1x4xsi4> -> tensor<1x4xui1> loc("Quant_0"("Quant"))
  func.return %t : tensor<1x4xui1>
}

// CHECK:       // {{-----}}
// CHECK-LABEL: func.func @core(%x: tensor<1x2x2xsi4>) -> tensor<1x4xui1> {
// CHECK-NEXT:    %[[S:.*]] = dataflow.to_stream %x : tensor<1x2x2xsi4> -> !dataflow.stream<si4, 4, 1>
// CHECK-NEXT:    %[[T:.*]] = dataflow.threshold %[[S]] {thresholds = dense<{{\[}}[0], [1], [-1], [7]]> : tensor<4x1xsi4>, descending = dense<[0, 0, 1, 0]> : tensor<4xui1>, out_bias = 0 : i64, pe = 1 : i64} : !dataflow.stream<si4, 4, 1> -> !dataflow.stream<ui1, 4, 1>
// CHECK-NEXT:    %t = dataflow.from_stream %[[T]] : !dataflow.stream<ui1, 4, 1> -> tensor<1x4xui1>
// CHECK-NEXT:    func.return %t : tensor<1x4xui1>
// LOC:         dataflow.threshold {{.*}} loc("Quant_0"("Quant"))

// -----

// Not partitioned (no @core): nothing to do.
func.func @main(%x: tensor<1x4xsi2>) -> tensor<1x3xsi4> {
  %w = quant.const dense<1> : tensor<4x3xsi2>
  %acc = quant.int_matmul %x, %w : (tensor<1x4xsi2>, tensor<4x3xsi2>) -> tensor<1x3xsi4>
  func.return %acc : tensor<1x3xsi4>
}

// CHECK:       // {{-----}}
// CHECK-LABEL: func.func @main(%x: tensor<1x4xsi2>) -> tensor<1x3xsi4> {
// CHECK-NEXT:    %w = quant.const
// CHECK-NEXT:    %acc = quant.int_matmul %x, %w
// CHECK-NOT:     dataflow.

// -----

// Diagnostics.

func.func @core(%x: tensor<2x4xsi2>) -> tensor<2x3xsi4> {
  %w = quant.const dense<1> : tensor<4x3xsi2>
  %acc = quant.int_matmul %x, %w : (tensor<2x4xsi2>, tensor<4x3xsi2>) -> tensor<2x3xsi4> loc("MatMul_0"("MatMul"))
  func.return %acc : tensor<2x3xsi4>
}
// CHECK: error: node 'MatMul_0' (MatMul): only a batch of one frame (1, K) per matrix product is supported

// -----

func.func @core(%x: tensor<1x4xsi2>) -> tensor<1x3xf32> {
  %w = quant.const dense<1> : tensor<4x3xsi2>
  %acc = quant.int_matmul %x, %w : (tensor<1x4xsi2>, tensor<4x3xsi2>) -> tensor<1x3xsi4> loc("MatMul_0"("MatMul"))
  %one = quant.const dense<1.000000e+00> : tensor<f32>
  %d = quant.dequantize %acc, %one, %one : (tensor<1x3xsi4>, tensor<f32>, tensor<f32>) -> tensor<1x3xf32> loc("MatMul_0"("MatMul"))
  func.return %d : tensor<1x3xf32>
}
// CHECK: error: node 'MatMul_0' (MatMul): 'quant.dequantize' cannot be mapped to a streaming unit yet
