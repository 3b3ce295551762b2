// RUN: qnnc-opt %s -p quant-absorb-transposes --split-input-file | filecheck %s

// quant-absorb-transposes: the layout transposes between channels-last integer ops go away.

// A transpose to NHWC of a transpose to NCHW is the identity: the threshold reads the
// int_conv's accumulator directly.
func.func @pair(%x: tensor<1x3x3x1xsi3>) -> tensor<1x2x2x2xui2> {
  %w = quant.const dense<[[[[1, 1]], [[0, 1]]], [[[0, 1]], [[-1, 1]]]]> : tensor<2x2x1x2xsi2>
  %acc = quant.int_conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, pad_value = 0 : i64} : (tensor<1x3x3x1xsi3>, tensor<2x2x1x2xsi2>) -> tensor<1x2x2x2xsi6>
  %nchw = quant.transpose %acc {perm = array<i64: 0, 3, 1, 2>} : tensor<1x2x2x2xsi6> -> tensor<1x2x2x2xsi6>
  %nhwc = quant.transpose %nchw {perm = array<i64: 0, 2, 3, 1>} : tensor<1x2x2x2xsi6> -> tensor<1x2x2x2xsi6>
  %t = quant.threshold %nhwc {thresholds = dense<[[1, 2, 3], [2, 3, 6]]> : tensor<2x3xui3>, descending = dense<[0, 0]> : tensor<2xui1>, out_bias = 0 : i64} : tensor<1x2x2x2xsi6> -> tensor<1x2x2x2xui2>
  func.return %t : tensor<1x2x2x2xui2>
}

// CHECK-LABEL: func.func @pair(%x: tensor<1x3x3x1xsi3>) -> tensor<1x2x2x2xui2> {
// CHECK-NEXT:    %w = quant.const
// CHECK-NEXT:    %acc = quant.int_conv %x, %w
// CHECK-NEXT:    %t = quant.threshold %acc {{.*}} : tensor<1x2x2x2xsi6> -> tensor<1x2x2x2xui2>
// CHECK-NEXT:    func.return %t : tensor<1x2x2x2xui2>
// CHECK-NOT:     quant.transpose

// -----

// Two transposes that do not cancel become one: (0 2 3 1) then (0 2 3 1) is (0 3 1 2).
func.func @compose(%x: tensor<1x2x3x4xui2>) -> tensor<1x4x2x3xui2> {
  %a = quant.transpose %x {perm = array<i64: 0, 2, 3, 1>} : tensor<1x2x3x4xui2> -> tensor<1x3x4x2xui2>
  %b = quant.transpose %a {perm = array<i64: 0, 2, 3, 1>} : tensor<1x3x4x2xui2> -> tensor<1x4x2x3xui2>
  func.return %b : tensor<1x4x2x3xui2>
}

// CHECK:       // {{-----}}
// CHECK-LABEL: func.func @compose(%x: tensor<1x2x3x4xui2>) -> tensor<1x4x2x3xui2> {
// CHECK-NEXT:    %b = quant.transpose %x {perm = array<i64: 0, 3, 1, 2>} : tensor<1x2x3x4xui2> -> tensor<1x4x2x3xui2>
// CHECK-NEXT:    func.return %b : tensor<1x4x2x3xui2>

// -----

// A residual sum does not care about layout: the transposes of both operands move after it.
func.func @add(%a: tensor<1x2x2x3xui2>, %b: tensor<1x2x2x3xui2>) -> tensor<1x3x2x2xsi5> {
  %ta = quant.transpose %a {perm = array<i64: 0, 3, 1, 2>} : tensor<1x2x2x3xui2> -> tensor<1x3x2x2xui2>
  %tb = quant.transpose %b {perm = array<i64: 0, 3, 1, 2>} : tensor<1x2x2x3xui2> -> tensor<1x3x2x2xui2>
  %s = quant.int_add %ta, %tb {ka = 2 : i64, kb = -1 : i64} : (tensor<1x3x2x2xui2>, tensor<1x3x2x2xui2>) -> tensor<1x3x2x2xsi5>
  func.return %s : tensor<1x3x2x2xsi5>
}

// CHECK:       // {{-----}}
// CHECK-LABEL: func.func @add(%a: tensor<1x2x2x3xui2>, %b: tensor<1x2x2x3xui2>) -> tensor<1x3x2x2xsi5> {
// CHECK-NEXT:    %[[S:.*]] = quant.int_add %a, %b {ka = 2 : i64, kb = -1 : i64} : (tensor<1x2x2x3xui2>, tensor<1x2x2x3xui2>) -> tensor<1x2x2x3xsi5>
// CHECK-NEXT:    %s = quant.transpose %[[S]] {perm = array<i64: 0, 3, 1, 2>} : tensor<1x2x2x3xsi5> -> tensor<1x3x2x2xsi5>
// CHECK-NEXT:    func.return %s : tensor<1x3x2x2xsi5>

// -----

// A Flatten of an NHWC map (H = 1, W = 2, C = 2) read in NCHW order by a dense layer: the
// weight rows, given in NCHW order (c, w) = (0,0) (0,1) (1,0) (1,1), are permuted into NHWC
// order (w, c) = (0,0) (0,1) (1,0) (1,1): [1, 2, 3, 4] becomes [1, 3, 2, 4].
func.func @flatten(%y: tensor<1x1x2x2xui2>) -> tensor<1x1xui5> {
  %t = quant.transpose %y {perm = array<i64: 0, 3, 1, 2>} : tensor<1x1x2x2xui2> -> tensor<1x2x1x2xui2>
  %f = quant.reshape %t : tensor<1x2x1x2xui2> -> tensor<1x4xui2>
  %w = quant.const dense<[[1], [2], [3], [4]]> : tensor<4x1xui3>
  %acc = quant.int_matmul %f, %w : (tensor<1x4xui2>, tensor<4x1xui3>) -> tensor<1x1xui5>
  func.return %acc : tensor<1x1xui5>
}

// CHECK:       // {{-----}}
// CHECK-LABEL: func.func @flatten(%y: tensor<1x1x2x2xui2>) -> tensor<1x1xui5> {
// CHECK-NEXT:    %[[F:.*]] = quant.reshape %y : tensor<1x1x2x2xui2> -> tensor<1x4xui2>
// CHECK-NEXT:    %[[W:.*]] = quant.const dense<{{\[}}[1], [3], [2], [4]]> : tensor<4x1xui3>
// CHECK-NEXT:    %acc = quant.int_matmul %[[F]], %[[W]] : (tensor<1x4xui2>, tensor<4x1xui3>) -> tensor<1x1xui5>
// CHECK-NEXT:    func.return %acc : tensor<1x1xui5>
// CHECK-NOT:     quant.transpose
