// RUN: QNNC_ROUNDTRIP
// RUN: QNNC_GENERIC_ROUNDTRIP

// Every op of the quant dialect, printed in its custom form, through the generic form and back.

// The QONNX quantizers.
func.func @quantizers(%x: tensor<1x4xf32>) -> tensor<1x4xf32> {
  %s = quant.const dense<5.000000e-01> : tensor<f32>
  %z = quant.const dense<0.000000e+00> : tensor<f32>
  %b = quant.const dense<4.000000e+00> : tensor<f32>
  %b2 = quant.const dense<2.000000e+00> : tensor<f32>
  %os = quant.const dense<1.000000e+00> : tensor<f32>
  %q = quant.quant %x, %s, %z, %b {signed = true, narrow = false, rounding_mode = "ROUND"} : (tensor<1x4xf32>, tensor<f32>, tensor<f32>, tensor<f32>) -> tensor<1x4xf32>
  %bq = quant.bipolar_quant %q, %s : (tensor<1x4xf32>, tensor<f32>) -> tensor<1x4xf32>
  %t1 = quant.trunc %bq, %s, %z, %b, %b2 {rounding_mode = "FLOOR", signed = true, narrow = false, version = 1 : i64} : (tensor<1x4xf32>, tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>) -> tensor<1x4xf32>
  %t2 = quant.trunc %t1, %s, %z, %b output_scale %os, %b2 {rounding_mode = "ROUND", signed = true, narrow = false, version = 2 : i64} : (tensor<1x4xf32>, tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>) -> tensor<1x4xf32>
  %th = quant.const dense<[[-1.0, 0.0, 1.0]]> : tensor<1x3xf32>
  %mt = quant.multithreshold %t2, %th {out_scale = 1.0 : f32, out_bias = -1.0 : f32, data_layout = "NC"} : (tensor<1x4xf32>, tensor<1x3xf32>) -> tensor<1x4xf32>
  %an = quant.annotate %mt {datatype = "INT2", bits = 2 : i64, signed = true, narrow = false} : tensor<1x4xf32> -> tensor<1x4xf32>
  func.return %an : tensor<1x4xf32>
}

// CHECK-LABEL: func.func @quantizers(%x: tensor<1x4xf32>) -> tensor<1x4xf32> {
// CHECK-NEXT:    %s = quant.const dense<5.000000e-01> : tensor<f32>
// CHECK-NEXT:    %z = quant.const dense<0.000000e+00> : tensor<f32>
// CHECK-NEXT:    %b = quant.const dense<4.000000e+00> : tensor<f32>
// CHECK-NEXT:    %b2 = quant.const dense<2.000000e+00> : tensor<f32>
// CHECK-NEXT:    %os = quant.const dense<1.000000e+00> : tensor<f32>
// CHECK-NEXT:    %q = quant.quant %x, %s, %z, %b {signed = true, narrow = false, rounding_mode = "ROUND"} : (tensor<1x4xf32>, tensor<f32>, tensor<f32>, tensor<f32>) -> tensor<1x4xf32>
// CHECK-NEXT:    %bq = quant.bipolar_quant %q, %s : (tensor<1x4xf32>, tensor<f32>) -> tensor<1x4xf32>
// CHECK-NEXT:    %t1 = quant.trunc %bq, %s, %z, %b, %b2 {rounding_mode = "FLOOR", signed = true, narrow = false, version = 1 : i64} : (tensor<1x4xf32>, tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>) -> tensor<1x4xf32>
// CHECK-NEXT:    %t2 = quant.trunc %t1, %s, %z, %b output_scale %os, %b2 {rounding_mode = "ROUND", signed = true, narrow = false, version = 2 : i64} : (tensor<1x4xf32>, tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>) -> tensor<1x4xf32>
// CHECK-NEXT:    %th = quant.const dense<{{\[}}[-1.000000e+00, 0.000000e+00, 1.000000e+00]]> : tensor<1x3xf32>
// CHECK-NEXT:    %mt = quant.multithreshold %t2, %th {out_scale = 1.000000e+00 : f32, out_bias = -1.000000e+00 : f32, data_layout = "NC"} : (tensor<1x4xf32>, tensor<1x3xf32>) -> tensor<1x4xf32>
// CHECK-NEXT:    %an = quant.annotate %mt {datatype = "INT2", bits = 2 : i64, signed = true, narrow = false} : tensor<1x4xf32> -> tensor<1x4xf32>
// CHECK-NEXT:    func.return %an : tensor<1x4xf32>
// CHECK-NEXT:  }

// The generic form carries the properties in <{...}>; trunc v1 simply has one operand less.
// CHECK-GENERIC-LABEL: "func.func"() <{sym_name = "quantizers"
// CHECK-GENERIC:       %q = "quant.quant"(%x, %s, %z, %b) <{signed = true, narrow = false, rounding_mode = "ROUND"}> : (tensor<1x4xf32>, tensor<f32>, tensor<f32>, tensor<f32>) -> tensor<1x4xf32>
// CHECK-GENERIC-NEXT:  %bq = "quant.bipolar_quant"(%q, %s) : (tensor<1x4xf32>, tensor<f32>) -> tensor<1x4xf32>
// CHECK-GENERIC-NEXT:  %t1 = "quant.trunc"(%bq, %s, %z, %b, %b2) <{rounding_mode = "FLOOR", signed = true, narrow = false, version = 1 : i64}>
// CHECK-GENERIC-NEXT:  %t2 = "quant.trunc"(%t1, %s, %z, %b, %os, %b2) <{rounding_mode = "ROUND", signed = true, narrow = false, version = 2 : i64}>

// -----

// The standard ONNX ops a quantized network needs.
func.func @float_ops(%x: tensor<1x4xf32>, %w: tensor<4x3xf32>) -> tensor<3x1xf32> {
  %c = quant.const dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %add = quant.add %x, %c : (tensor<1x4xf32>, tensor<4xf32>) -> tensor<1x4xf32>
  %sub = quant.sub %add, %c : (tensor<1x4xf32>, tensor<4xf32>) -> tensor<1x4xf32>
  %mul = quant.mul %sub, %c : (tensor<1x4xf32>, tensor<4xf32>) -> tensor<1x4xf32>
  %div = quant.div %mul, %c : (tensor<1x4xf32>, tensor<4xf32>) -> tensor<1x4xf32>
  %bn = quant.batchnorm %div, %c, %c, %c, %c {epsilon = 1.000000e-05 : f32} : (tensor<1x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<1x4xf32>
  %relu = quant.relu %bn : tensor<1x4xf32> -> tensor<1x4xf32>
  %id = quant.identity %relu : tensor<1x4xf32> -> tensor<1x4xf32>
  %mm = quant.matmul %id, %w : (tensor<1x4xf32>, tensor<4x3xf32>) -> tensor<1x3xf32>
  %wt = quant.const dense<0.5> : tensor<3x4xf32>
  %bias = quant.const dense<[0.0, 1.0, 2.0]> : tensor<3xf32>
  %g1 = quant.gemm %id, %wt, %bias {alpha = 1.000000e+00 : f32, beta = 1.000000e+00 : f32, trans_a = false, trans_b = true} : (tensor<1x4xf32>, tensor<3x4xf32>, tensor<3xf32>) -> tensor<1x3xf32>
  %g2 = quant.gemm %id, %w {alpha = 2.000000e+00 : f32, beta = 1.000000e+00 : f32, trans_a = false, trans_b = false} : (tensor<1x4xf32>, tensor<4x3xf32>) -> tensor<1x3xf32>
  %r = quant.reshape %g2 : tensor<1x3xf32> -> tensor<3x1xf32>
  func.return %r : tensor<3x1xf32>
}

// CHECK:       // {{-----}}
// CHECK-LABEL: func.func @float_ops(%x: tensor<1x4xf32>, %w: tensor<4x3xf32>) -> tensor<3x1xf32> {
// CHECK-NEXT:    %c = quant.const dense<[1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00]> : tensor<4xf32>
// CHECK-NEXT:    %add = quant.add %x, %c : (tensor<1x4xf32>, tensor<4xf32>) -> tensor<1x4xf32>
// CHECK-NEXT:    %sub = quant.sub %add, %c : (tensor<1x4xf32>, tensor<4xf32>) -> tensor<1x4xf32>
// CHECK-NEXT:    %mul = quant.mul %sub, %c : (tensor<1x4xf32>, tensor<4xf32>) -> tensor<1x4xf32>
// CHECK-NEXT:    %div = quant.div %mul, %c : (tensor<1x4xf32>, tensor<4xf32>) -> tensor<1x4xf32>
// CHECK-NEXT:    %bn = quant.batchnorm %div, %c, %c, %c, %c {epsilon = 1.000000e-05 : f32} : (tensor<1x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<1x4xf32>
// CHECK-NEXT:    %relu = quant.relu %bn : tensor<1x4xf32> -> tensor<1x4xf32>
// CHECK-NEXT:    %id = quant.identity %relu : tensor<1x4xf32> -> tensor<1x4xf32>
// CHECK-NEXT:    %mm = quant.matmul %id, %w : (tensor<1x4xf32>, tensor<4x3xf32>) -> tensor<1x3xf32>
// CHECK-NEXT:    %wt = quant.const dense<5.000000e-01> : tensor<3x4xf32>
// CHECK-NEXT:    %bias = quant.const dense<[0.000000e+00, 1.000000e+00, 2.000000e+00]> : tensor<3xf32>
// CHECK-NEXT:    %g1 = quant.gemm %id, %wt, %bias {alpha = 1.000000e+00 : f32, beta = 1.000000e+00 : f32, trans_a = false, trans_b = true} : (tensor<1x4xf32>, tensor<3x4xf32>, tensor<3xf32>) -> tensor<1x3xf32>
// CHECK-NEXT:    %g2 = quant.gemm %id, %w {alpha = 2.000000e+00 : f32, beta = 1.000000e+00 : f32, trans_a = false, trans_b = false} : (tensor<1x4xf32>, tensor<4x3xf32>) -> tensor<1x3xf32>
// CHECK-NEXT:    %r = quant.reshape %g2 : tensor<1x3xf32> -> tensor<3x1xf32>
// CHECK-NEXT:    func.return %r : tensor<3x1xf32>
// CHECK-NEXT:  }

// CHECK-GENERIC:       %add = "quant.add"(%x, %c) : (tensor<1x4xf32>, tensor<4xf32>) -> tensor<1x4xf32>
// CHECK-GENERIC:       %g1 = "quant.gemm"(%id, %wt, %bias) <{alpha = 1.000000e+00 : f32, beta = 1.000000e+00 : f32, trans_a = false, trans_b = true}>
// CHECK-GENERIC-NEXT:  %g2 = "quant.gemm"(%id, %w) <{alpha = 2.000000e+00 : f32, beta = 1.000000e+00 : f32, trans_a = false, trans_b = false}>

// -----

// Convolution (optional bias, NCHW) and max pooling, with ONNX's attributes as i64 arrays.
func.func @conv_pool(%x: tensor<1x2x5x5xf32>) -> tensor<1x4x2x2xf32> {
  %w = quant.const dense<0.5> : tensor<4x2x3x3xf32>
  %wg = quant.const dense<0.25> : tensor<4x1x1x1xf32>
  %bias = quant.const dense<[0.0, 1.0, 2.0, 3.0]> : tensor<4xf32>
  %c1 = quant.conv %x, %w, %bias {kernel_shape = array<i64: 3, 3>, strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x2x5x5xf32>, tensor<4x2x3x3xf32>, tensor<4xf32>) -> tensor<1x4x5x5xf32>
  %c2 = quant.conv %x, %wg {kernel_shape = array<i64: 1, 1>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 1, 1>, dilations = array<i64: 1, 1>, group = 2 : i64} : (tensor<1x2x5x5xf32>, tensor<4x1x1x1xf32>) -> tensor<1x4x3x3xf32>
  %p = quant.maxpool %c1 {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, ceil_mode = 0 : i64} : tensor<1x4x5x5xf32> -> tensor<1x4x2x2xf32>
  func.return %p : tensor<1x4x2x2xf32>
}

// CHECK:       // {{-----}}
// CHECK-LABEL: func.func @conv_pool(%x: tensor<1x2x5x5xf32>) -> tensor<1x4x2x2xf32> {
// CHECK-NEXT:    %w = quant.const dense<5.000000e-01> : tensor<4x2x3x3xf32>
// CHECK-NEXT:    %wg = quant.const dense<2.500000e-01> : tensor<4x1x1x1xf32>
// CHECK-NEXT:    %bias = quant.const dense<[0.000000e+00, 1.000000e+00, 2.000000e+00, 3.000000e+00]> : tensor<4xf32>
// CHECK-NEXT:    %c1 = quant.conv %x, %w, %bias {kernel_shape = array<i64: 3, 3>, strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x2x5x5xf32>, tensor<4x2x3x3xf32>, tensor<4xf32>) -> tensor<1x4x5x5xf32>
// CHECK-NEXT:    %c2 = quant.conv %x, %wg {kernel_shape = array<i64: 1, 1>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 1, 1>, dilations = array<i64: 1, 1>, group = 2 : i64} : (tensor<1x2x5x5xf32>, tensor<4x1x1x1xf32>) -> tensor<1x4x3x3xf32>
// CHECK-NEXT:    %p = quant.maxpool %c1 {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, ceil_mode = 0 : i64} : tensor<1x4x5x5xf32> -> tensor<1x4x2x2xf32>
// CHECK-NEXT:    func.return %p : tensor<1x4x2x2xf32>
// CHECK-NEXT:  }

// CHECK-GENERIC:       %c1 = "quant.conv"(%x, %w, %bias) <{kernel_shape = array<i64: 3, 3>, strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64}> : (tensor<1x2x5x5xf32>, tensor<4x2x3x3xf32>, tensor<4xf32>) -> tensor<1x4x5x5xf32>
// CHECK-GENERIC-NEXT:  %c2 = "quant.conv"(%x, %wg) <{kernel_shape = array<i64: 1, 1>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 1, 1>, dilations = array<i64: 1, 1>, group = 2 : i64}>
// CHECK-GENERIC-NEXT:  %p = "quant.maxpool"(%c1) <{kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, ceil_mode = 0 : i64}> : (tensor<1x4x5x5xf32>) -> tensor<1x4x2x2xf32>

// -----

// The integer ops streamlining produces, on builtin integer and !quant.bipolar codes.
func.func @integer_ops(%x: tensor<1x4xf32>) -> tensor<1x3xf32> {
  %s = quant.const dense<5.000000e-01> : tensor<f32>
  %z = quant.const dense<0.000000e+00> : tensor<f32>
  %q = quant.quantize %x, %s, %z {bits = 2 : i64, signed = true, narrow = true, rounding_mode = "ROUND"} : (tensor<1x4xf32>, tensor<f32>, tensor<f32>) -> tensor<1x4xsi2>
  %qb = quant.quantize %x, %s, %z {bits = 1 : i64, signed = true, narrow = false, rounding_mode = "ROUND"} : (tensor<1x4xf32>, tensor<f32>, tensor<f32>) -> tensor<1x4x!quant.bipolar>
  %w = quant.const dense<[[1, -1, 0], [0, 1, 1], [-1, -1, 1], [1, 0, -1]]> : tensor<4x3xsi2>
  %acc = quant.int_matmul %q, %w : (tensor<1x4xsi2>, tensor<4x3xsi2>) -> tensor<1x3xsi3>
  %th = quant.threshold %acc {thresholds = dense<[[-1, 1], [0, 2], [3, -2]]> : tensor<3x2xsi3>, descending = dense<[0, 0, 1]> : tensor<3xui1>, out_bias = -1 : i64} : tensor<1x3xsi3> -> tensor<1x3xsi2>
  %thb = quant.threshold %acc {thresholds = dense<[[0], [0], [0]]> : tensor<3x1xsi1>, descending = dense<0> : tensor<3xui1>, out_bias = 0 : i64} : tensor<1x3xsi3> -> tensor<1x3x!quant.bipolar>
  %rs = quant.reshape %th : tensor<1x3xsi2> -> tensor<3xsi2>
  %tr = quant.transpose %th {perm = array<i64: 1, 0>} : tensor<1x3xsi2> -> tensor<3x1xsi2>
  %d = quant.dequantize %th, %s, %z : (tensor<1x3xsi2>, tensor<f32>, tensor<f32>) -> tensor<1x3xf32>
  func.return %d : tensor<1x3xf32>
}

// CHECK:       // {{-----}}
// CHECK-LABEL: func.func @integer_ops(%x: tensor<1x4xf32>) -> tensor<1x3xf32> {
// CHECK-NEXT:    %s = quant.const dense<5.000000e-01> : tensor<f32>
// CHECK-NEXT:    %z = quant.const dense<0.000000e+00> : tensor<f32>
// CHECK-NEXT:    %q = quant.quantize %x, %s, %z {bits = 2 : i64, signed = true, narrow = true, rounding_mode = "ROUND"} : (tensor<1x4xf32>, tensor<f32>, tensor<f32>) -> tensor<1x4xsi2>
// CHECK-NEXT:    %qb = quant.quantize %x, %s, %z {bits = 1 : i64, signed = true, narrow = false, rounding_mode = "ROUND"} : (tensor<1x4xf32>, tensor<f32>, tensor<f32>) -> tensor<1x4x!quant.bipolar>
// CHECK-NEXT:    %w = quant.const dense<{{\[}}[1, -1, 0], [0, 1, 1], [-1, -1, 1], [1, 0, -1]]> : tensor<4x3xsi2>
// CHECK-NEXT:    %acc = quant.int_matmul %q, %w : (tensor<1x4xsi2>, tensor<4x3xsi2>) -> tensor<1x3xsi3>
// CHECK-NEXT:    %th = quant.threshold %acc {thresholds = dense<{{\[}}[-1, 1], [0, 2], [3, -2]]> : tensor<3x2xsi3>, descending = dense<[0, 0, 1]> : tensor<3xui1>, out_bias = -1 : i64} : tensor<1x3xsi3> -> tensor<1x3xsi2>
// A splat list prints as a splat.
// CHECK-NEXT:    %thb = quant.threshold %acc {thresholds = dense<0> : tensor<3x1xsi1>, descending = dense<0> : tensor<3xui1>, out_bias = 0 : i64} : tensor<1x3xsi3> -> tensor<1x3x!quant.bipolar>
// CHECK-NEXT:    %rs = quant.reshape %th : tensor<1x3xsi2> -> tensor<3xsi2>
// CHECK-NEXT:    %tr = quant.transpose %th {perm = array<i64: 1, 0>} : tensor<1x3xsi2> -> tensor<3x1xsi2>
// CHECK-NEXT:    %d = quant.dequantize %th, %s, %z : (tensor<1x3xsi2>, tensor<f32>, tensor<f32>) -> tensor<1x3xf32>
// CHECK-NEXT:    func.return %d : tensor<1x3xf32>
// CHECK-NEXT:  }

// CHECK-GENERIC:       %q = "quant.quantize"(%x, %s, %z) <{bits = 2 : i64, signed = true, narrow = true, rounding_mode = "ROUND"}> : (tensor<1x4xf32>, tensor<f32>, tensor<f32>) -> tensor<1x4xsi2>
// CHECK-GENERIC-NEXT:  %qb = "quant.quantize"(%x, %s, %z) <{bits = 1 : i64, signed = true, narrow = false, rounding_mode = "ROUND"}> : (tensor<1x4xf32>, tensor<f32>, tensor<f32>) -> tensor<1x4x!quant.bipolar>
// CHECK-GENERIC:       %th = "quant.threshold"(%acc) <{thresholds = dense<{{\[}}[-1, 1], [0, 2], [3, -2]]> : tensor<3x2xsi3>, descending = dense<[0, 0, 1]> : tensor<3xui1>, out_bias = -1 : i64}> : (tensor<1x3xsi3>) -> tensor<1x3xsi2>

// Channels-last integer ops of convolutional networks.
func.func @conv_ops(%x: tensor<1x5x5x2xsi4>, %y: tensor<1x2x2x3xui4>) -> tensor<1x2x2x3xsi7> {
  %w = quant.const dense<1> : tensor<3x3x2x3xsi2>
  %c = quant.int_conv %x, %w {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, pad_value = 0 : i64} : (tensor<1x5x5x2xsi4>, tensor<3x3x2x3xsi2>) -> tensor<1x2x2x3xsi9>
  %m = quant.int_maxpool %x {kernel_shape = array<i64: 2, 3>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>} : tensor<1x5x5x2xsi4> -> tensor<1x2x2x2xsi4>
  %a = quant.int_add %y, %y {ka = 3 : i64, kb = 1 : i64} : (tensor<1x2x2x3xui4>, tensor<1x2x2x3xui4>) -> tensor<1x2x2x3xsi7>
  func.return %a : tensor<1x2x2x3xsi7>
}

// CHECK-LABEL: func.func @conv_ops
// CHECK-NEXT:    %w = quant.const dense<1> : tensor<3x3x2x3xsi2>
// CHECK-NEXT:    %c = quant.int_conv %x, %w {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, pad_value = 0 : i64} : (tensor<1x5x5x2xsi4>, tensor<3x3x2x3xsi2>) -> tensor<1x2x2x3xsi9>
// CHECK-NEXT:    %m = quant.int_maxpool %x {kernel_shape = array<i64: 2, 3>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>} : tensor<1x5x5x2xsi4> -> tensor<1x2x2x2xsi4>
// CHECK-NEXT:    %a = quant.int_add %y, %y {ka = 3 : i64, kb = 1 : i64} : (tensor<1x2x2x3xui4>, tensor<1x2x2x3xui4>) -> tensor<1x2x2x3xsi7>

// Gathers, concatenation and window sums of codes (channels-last).
func.func @gather_ops(%x: tensor<1x3x4x8xui2>, %y: tensor<1x6x8x8xui2>) -> tensor<1x1x1x16xui8> {
  %u = quant.int_upsample %x {scales = array<i64: 2, 2>} : tensor<1x3x4x8xui2> -> tensor<1x6x8x8xui2>
  %d = quant.int_depth_to_space %u {blocksize = 2 : i64, mode = "DCR"} : tensor<1x6x8x8xui2> -> tensor<1x12x16x2xui2>
  %c = quant.int_concat %u, %y : (tensor<1x6x8x8xui2>, tensor<1x6x8x8xui2>) -> tensor<1x6x8x16xui2>
  %s = quant.int_sumpool %c {kernel_shape = array<i64: 6, 8>, strides = array<i64: 1, 1>} : tensor<1x6x8x16xui2> -> tensor<1x1x1x16xui8>
  func.return %s : tensor<1x1x1x16xui8>
}

// CHECK-LABEL: func.func @gather_ops
// CHECK-NEXT:    %u = quant.int_upsample %x {scales = array<i64: 2, 2>} : tensor<1x3x4x8xui2> -> tensor<1x6x8x8xui2>
// CHECK-NEXT:    %d = quant.int_depth_to_space %u {blocksize = 2 : i64, mode = "DCR"} : tensor<1x6x8x8xui2> -> tensor<1x12x16x2xui2>
// CHECK-NEXT:    %c = quant.int_concat %u, %y : (tensor<1x6x8x8xui2>, tensor<1x6x8x8xui2>) -> tensor<1x6x8x16xui2>
// CHECK-NEXT:    %s = quant.int_sumpool %c {kernel_shape = array<i64: 6, 8>, strides = array<i64: 1, 1>} : tensor<1x6x8x16xui2> -> tensor<1x1x1x16xui8>
