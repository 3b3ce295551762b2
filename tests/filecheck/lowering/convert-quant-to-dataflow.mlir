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

// -----

// A residual convolution block (channels-last): the conv becomes pad -> swg -> MVAU on 16 vectors
// with its threshold fused; the add joining the conv branch and the accelerator's input takes its
// threshold; the input stream is read by both, so one to_stream feeds a fork; max pooling becomes
// swg -> pool (no padding: the least code would pad).
func.func @core(%x: tensor<1x4x4x2xui2>) -> tensor<1x2x2x2xui2> {
  %w = quant.const dense<1> : tensor<3x3x2x2xsi2> loc("Conv_0_param0"("Initializer"))
  %c = quant.int_conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64, pad_value = 0 : i64} : (tensor<1x4x4x2xui2>, tensor<3x3x2x2xsi2>) -> tensor<1x4x4x2xsi7> loc("Conv_0"("Conv"))
  %t = quant.threshold %c {thresholds = dense<[[2, 3, 5], [0, 1, 4]]> : tensor<2x3xsi7>, descending = dense<[0, 0]> : tensor<2xui1>, out_bias = 0 : i64} : tensor<1x4x4x2xsi7> -> tensor<1x4x4x2xui2> loc("Quant_1"("Quant"))
  %a = quant.int_add %t, %x {ka = 2 : i64, kb = 1 : i64} : (tensor<1x4x4x2xui2>, tensor<1x4x4x2xui2>) -> tensor<1x4x4x2xsi5> loc("Add_0"("Add"))
  %t2 = quant.threshold %a {thresholds = dense<[[2, 3, 5], [0, 1, 4]]> : tensor<2x3xsi5>, descending = dense<[0, 0]> : tensor<2xui1>, out_bias = 0 : i64} : tensor<1x4x4x2xsi5> -> tensor<1x4x4x2xui2> loc("Quant_2"("Quant"))
  %m = quant.int_maxpool %t2 {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>} : tensor<1x4x4x2xui2> -> tensor<1x2x2x2xui2> loc("MaxPool_0"("MaxPool"))
  func.return %m : tensor<1x2x2x2xui2>
}
// CHECK-LABEL: func.func @core(%x: tensor<1x4x4x2xui2>) -> tensor<1x2x2x2xui2> {
// CHECK-NEXT:    %[[S:.*]] = dataflow.to_stream %x : tensor<1x4x4x2xui2> -> !dataflow.stream<ui2, 32, 1>
// CHECK-NEXT:    %[[A:.*]], %[[B:.*]] = dataflow.fork %[[S]]
// CHECK-NEXT:    %[[P:.*]] = dataflow.pad %[[A]] {ifm = array<i64: 4, 4>, pads = array<i64: 1, 1, 1, 1>, value = 0 : i64, pe = 1 : i64} : !dataflow.stream<ui2, 32, 1> -> !dataflow.stream<ui2, 72, 1>
// CHECK-NEXT:    %[[W:.*]] = dataflow.swg %[[P]] {ifm = array<i64: 6, 6>, kernel = array<i64: 3, 3>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, simd = 1 : i64} : !dataflow.stream<ui2, 72, 1> -> !dataflow.stream<ui2, 288, 1>
// CHECK-NEXT:    %[[M:.*]] = dataflow.mvau %[[W]] {weights = dense<1> : tensor<18x2xsi2>, weight_type = !quant.bipolar, acc_type = si7, {{.*}}, thresholds = {{.*}}} : !dataflow.stream<ui2, 288, 1> -> !dataflow.stream<ui2, 32, 1>
// CHECK-NEXT:    %[[R:.*]] = dataflow.add %[[M]], %[[B]] {ka = 2 : i64, kb = 1 : i64, acc_type = si5, channels = 2 : i64, pe = 1 : i64, thresholds = {{.*}}} : !dataflow.stream<ui2, 32, 1>, !dataflow.stream<ui2, 32, 1> -> !dataflow.stream<ui2, 32, 1>
// CHECK-NEXT:    %[[G:.*]] = dataflow.swg %[[R]] {ifm = array<i64: 4, 4>, kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, simd = 1 : i64} : !dataflow.stream<ui2, 32, 1> -> !dataflow.stream<ui2, 32, 1>
// CHECK-NEXT:    %[[O:.*]] = dataflow.pool %[[G]] {window = 4 : i64, channels = 2 : i64, mode = "max", pe = 1 : i64} : !dataflow.stream<ui2, 32, 1> -> !dataflow.stream<ui2, 8, 1>
// CHECK-NEXT:    %m = dataflow.from_stream %[[O]] : !dataflow.stream<ui2, 8, 1> -> tensor<1x2x2x2xui2>

// -----

// A grouped (here depthwise) convolution: an MVAU whose matrix is block-diagonal (input channel
// c feeds output channel m only within one group), rows in window order (kh, kw, c).
func.func @core(%x: tensor<1x4x4x2xui2>) -> tensor<1x4x4x2xsi6> {
  %w = quant.const dense<[[[[1, -1]], [[1, 1]], [[-1, 1]]], [[[1, 1]], [[1, -1]], [[1, 1]]], [[[-1, -1]], [[1, 1]], [[1, 1]]]]> : tensor<3x3x1x2xsi2>
  %c = quant.int_conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 2 : i64, pad_value = 0 : i64} : (tensor<1x4x4x2xui2>, tensor<3x3x1x2xsi2>) -> tensor<1x4x4x2xsi6> loc("Conv_dw"("Conv"))
  func.return %c : tensor<1x4x4x2xsi6>
}
// CHECK-LABEL: func.func @core(%x: tensor<1x4x4x2xui2>) -> tensor<1x4x4x2xsi6>
// CHECK:         dataflow.swg
// CHECK-NEXT:    dataflow.mvau %{{.*}} {weights = dense<{{\[}}[1, 0], [0, -1], [1, 0], [0, 1], [-1, 0], [0, 1], [1, 0], [0, 1], [1, 0], [0, -1], [1, 0], [0, 1], [-1, 0], [0, -1], [1, 0], [0, 1], [1, 0], [0, 1]]> : tensor<18x2xsi2>, weight_type = si2, acc_type = si6

// -----

// Row gathers, a concatenation and a global sum pool (no window generator: the window is the
// whole map) followed by its threshold (a standalone unit: a pool does not threshold).
func.func @core(%x: tensor<1x3x4x8xui2>, %y: tensor<1x12x16x1xui2>) -> tensor<1x1x1x3xui5> {
  %u = quant.int_upsample %x {scales = array<i64: 2, 2>} : tensor<1x3x4x8xui2> -> tensor<1x6x8x8xui2> loc("Resize_0"("Resize"))
  %d = quant.int_depth_to_space %u {blocksize = 2 : i64, mode = "CRD"} : tensor<1x6x8x8xui2> -> tensor<1x12x16x2xui2> loc("D2S_0"("DepthToSpace"))
  %c = quant.int_concat %d, %y : (tensor<1x12x16x2xui2>, tensor<1x12x16x1xui2>) -> tensor<1x12x16x3xui2> loc("Concat_0"("Concat"))
  %s = quant.int_sumpool %c {kernel_shape = array<i64: 12, 16>, strides = array<i64: 1, 1>} : tensor<1x12x16x3xui2> -> tensor<1x1x1x3xui10> loc("Pool_0"("GlobalAveragePool"))
  %t = quant.threshold %s {thresholds = dense<[[10, 100, 200], [0, 1, 2], [5, 6, 7]]> : tensor<3x3xsi9>, descending = dense<0> : tensor<3xui1>, out_bias = 0 : i64} : tensor<1x1x1x3xui10> -> tensor<1x1x1x3xui5> loc("Trunc_0"("Trunc"))
  func.return %t : tensor<1x1x1x3xui5>
}
// CHECK-LABEL: func.func @core(%x: tensor<1x3x4x8xui2>, %y: tensor<1x12x16x1xui2>)
// CHECK-NEXT:    %[[X:.*]] = dataflow.to_stream %x
// CHECK-NEXT:    %[[U:.*]] = dataflow.upsample %[[X]] {ifm = array<i64: 3, 4>, pe = 1 : i64, scales = array<i64: 2, 2>} : !dataflow.stream<ui2, 96, 1> -> !dataflow.stream<ui2, 384, 1>
// CHECK-NEXT:    %[[D:.*]] = dataflow.depth_to_space %[[U]] {ifm = array<i64: 6, 8>, pe = 1 : i64, blocksize = 2 : i64, mode = "CRD"} : !dataflow.stream<ui2, 384, 1> -> !dataflow.stream<ui2, 384, 1>
// CHECK-NEXT:    %[[Y:.*]] = dataflow.to_stream %y
// CHECK-NEXT:    %[[C:.*]] = dataflow.concat %[[D]], %[[Y]] {lhs_channels = 2 : i64, rhs_channels = 1 : i64, pe = 1 : i64} : !dataflow.stream<ui2, 384, 1>, !dataflow.stream<ui2, 192, 1> -> !dataflow.stream<ui2, 576, 1>
// CHECK-NEXT:    %[[P:.*]] = dataflow.pool %[[C]] {window = 192 : i64, channels = 3 : i64, mode = "sum", pe = 1 : i64} : !dataflow.stream<ui2, 576, 1> -> !dataflow.stream<ui10, 3, 1>
// CHECK-NEXT:    %[[T:.*]] = dataflow.threshold %[[P]]
// CHECK-NEXT:    dataflow.from_stream %[[T]]
