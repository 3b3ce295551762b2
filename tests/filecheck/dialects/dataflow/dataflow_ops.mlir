// RUN: QNNC_ROUNDTRIP
// RUN: QNNC_GENERIC_ROUNDTRIP

// Every op of the dataflow dialect, through the generic form and back.

// A folded chain: MVAU with thresholds (PE=3, SIMD=2), FIFO, width converter, standalone
// threshold, MVAU without thresholds (the output is the accumulator).
func.func @core(%x: tensor<1x4xsi2>) -> tensor<1x3xsi5> {
  %s = dataflow.to_stream %x : tensor<1x4xsi2> -> !dataflow.stream<si2, 4, 2>
  %m = dataflow.mvau %s {weights = dense<[[1, -1, 0], [0, 1, 1], [-1, -1, 1], [1, 0, -1]]> : tensor<4x3xsi2>, weight_type = si2, acc_type = si4, pe = 3 : i64, simd = 2 : i64, thresholds = dense<[[-1, 1], [0, 2], [3, -2]]> : tensor<3x2xsi3>, descending = dense<[0, 0, 1]> : tensor<3xui1>, out_bias = -1 : i64} : !dataflow.stream<si2, 4, 2> -> !dataflow.stream<si2, 3, 3>
  %f = dataflow.fifo %m {depth = 2 : i64} : !dataflow.stream<si2, 3, 3> -> !dataflow.stream<si2, 3, 3>
  %d = dataflow.dwc %f : !dataflow.stream<si2, 3, 3> -> !dataflow.stream<si2, 3, 1>
  %t = dataflow.threshold %d {thresholds = dense<[[0], [1], [-1]]> : tensor<3x1xsi2>, descending = dense<0> : tensor<3xui1>, out_bias = 0 : i64, pe = 1 : i64} : !dataflow.stream<si2, 3, 1> -> !dataflow.stream<ui1, 3, 1>
  %a = dataflow.mvau %t {weights = dense<[[1, -1, 1], [-1, 1, 1], [1, 1, -1]]> : tensor<3x3xsi2>, weight_type = si2, acc_type = si3, pe = 1 : i64, simd = 1 : i64} : !dataflow.stream<ui1, 3, 1> -> !dataflow.stream<si3, 3, 1>
  %o = dataflow.from_stream %a : !dataflow.stream<si3, 3, 1> -> tensor<1x3xsi3>
  %w = dataflow.to_stream %o : tensor<1x3xsi3> -> !dataflow.stream<si3, 3, 3>
  %e = dataflow.mvau %w {weights = dense<1> : tensor<3x3xsi2>, weight_type = ui1, acc_type = si5, pe = 1 : i64, simd = 3 : i64} : !dataflow.stream<si3, 3, 3> -> !dataflow.stream<si5, 3, 1>
  %r = dataflow.from_stream %e : !dataflow.stream<si5, 3, 1> -> tensor<1x3xsi5>
  func.return %r : tensor<1x3xsi5>
}

// CHECK-LABEL: func.func @core(%x: tensor<1x4xsi2>) -> tensor<1x3xsi5> {
// CHECK-NEXT:    %s = dataflow.to_stream %x : tensor<1x4xsi2> -> !dataflow.stream<si2, 4, 2>
// CHECK-NEXT:    %m = dataflow.mvau %s {weights = dense<{{\[}}[1, -1, 0], [0, 1, 1], [-1, -1, 1], [1, 0, -1]]> : tensor<4x3xsi2>, weight_type = si2, acc_type = si4, pe = 3 : i64, simd = 2 : i64, thresholds = dense<{{\[}}[-1, 1], [0, 2], [3, -2]]> : tensor<3x2xsi3>, descending = dense<[0, 0, 1]> : tensor<3xui1>, out_bias = -1 : i64} : !dataflow.stream<si2, 4, 2> -> !dataflow.stream<si2, 3, 3>
// CHECK-NEXT:    %f = dataflow.fifo %m {depth = 2 : i64} : !dataflow.stream<si2, 3, 3> -> !dataflow.stream<si2, 3, 3>
// CHECK-NEXT:    %d = dataflow.dwc %f : !dataflow.stream<si2, 3, 3> -> !dataflow.stream<si2, 3, 1>
// CHECK-NEXT:    %t = dataflow.threshold %d {thresholds = dense<{{\[}}[0], [1], [-1]]> : tensor<3x1xsi2>, descending = dense<0> : tensor<3xui1>, out_bias = 0 : i64, pe = 1 : i64} : !dataflow.stream<si2, 3, 1> -> !dataflow.stream<ui1, 3, 1>
// CHECK-NEXT:    %a = dataflow.mvau %t {weights = dense<{{\[}}[1, -1, 1], [-1, 1, 1], [1, 1, -1]]> : tensor<3x3xsi2>, weight_type = si2, acc_type = si3, pe = 1 : i64, simd = 1 : i64} : !dataflow.stream<ui1, 3, 1> -> !dataflow.stream<si3, 3, 1>
// CHECK-NEXT:    %o = dataflow.from_stream %a : !dataflow.stream<si3, 3, 1> -> tensor<1x3xsi3>
// CHECK-NEXT:    %w = dataflow.to_stream %o : tensor<1x3xsi3> -> !dataflow.stream<si3, 3, 3>
// CHECK-NEXT:    %e = dataflow.mvau %w {weights = dense<1> : tensor<3x3xsi2>, weight_type = ui1, acc_type = si5, pe = 1 : i64, simd = 3 : i64} : !dataflow.stream<si3, 3, 3> -> !dataflow.stream<si5, 3, 1>
// CHECK-NEXT:    %r = dataflow.from_stream %e : !dataflow.stream<si5, 3, 1> -> tensor<1x3xsi5>
// CHECK-NEXT:    func.return %r : tensor<1x3xsi5>
// CHECK-NEXT:  }

// CHECK-GENERIC-LABEL: "func.func"() <{sym_name = "core"
// CHECK-GENERIC:       %s = "dataflow.to_stream"(%x) : (tensor<1x4xsi2>) -> !dataflow.stream<si2, 4, 2>
// CHECK-GENERIC-NEXT:  %m = "dataflow.mvau"(%s) <{weights = dense<{{\[}}[1, -1, 0], [0, 1, 1], [-1, -1, 1], [1, 0, -1]]> : tensor<4x3xsi2>, weight_type = si2, acc_type = si4, pe = 3 : i64, simd = 2 : i64, thresholds = {{.*}}, out_bias = -1 : i64}> : (!dataflow.stream<si2, 4, 2>) -> !dataflow.stream<si2, 3, 3>
// CHECK-GENERIC-NEXT:  %f = "dataflow.fifo"(%m) <{depth = 2 : i64}> : (!dataflow.stream<si2, 3, 3>) -> !dataflow.stream<si2, 3, 3>
// CHECK-GENERIC-NEXT:  %d = "dataflow.dwc"(%f) : (!dataflow.stream<si2, 3, 3>) -> !dataflow.stream<si2, 3, 1>

// -----

// Binarized layer: bipolar activations and bipolar weights (XNOR-popcount), bipolar output.
func.func @xnor(%x: tensor<1x4x!quant.bipolar>) -> tensor<1x2x!quant.bipolar> {
  %s = dataflow.to_stream %x : tensor<1x4x!quant.bipolar> -> !dataflow.stream<!quant.bipolar, 4, 4>
  %m = dataflow.mvau %s {weights = dense<[[1, -1], [-1, 1], [1, 1], [-1, -1]]> : tensor<4x2xsi2>, weight_type = !quant.bipolar, acc_type = si4, pe = 2 : i64, simd = 4 : i64, thresholds = dense<[[0], [1]]> : tensor<2x1xsi2>, descending = dense<0> : tensor<2xui1>, out_bias = 0 : i64} : !dataflow.stream<!quant.bipolar, 4, 4> -> !dataflow.stream<!quant.bipolar, 2, 2>
  %r = dataflow.from_stream %m : !dataflow.stream<!quant.bipolar, 2, 2> -> tensor<1x2x!quant.bipolar>
  func.return %r : tensor<1x2x!quant.bipolar>
}

// CHECK:       // {{-----}}
// CHECK-LABEL: func.func @xnor(%x: tensor<1x4x!quant.bipolar>) -> tensor<1x2x!quant.bipolar> {
// CHECK-NEXT:    %s = dataflow.to_stream %x : tensor<1x4x!quant.bipolar> -> !dataflow.stream<!quant.bipolar, 4, 4>
// CHECK-NEXT:    %m = dataflow.mvau %s {weights = dense<{{\[}}[1, -1], [-1, 1], [1, 1], [-1, -1]]> : tensor<4x2xsi2>, weight_type = !quant.bipolar, acc_type = si4, pe = 2 : i64, simd = 4 : i64, thresholds = dense<{{\[}}[0], [1]]> : tensor<2x1xsi2>, descending = dense<0> : tensor<2xui1>, out_bias = 0 : i64} : !dataflow.stream<!quant.bipolar, 4, 4> -> !dataflow.stream<!quant.bipolar, 2, 2>
// CHECK-NEXT:    %r = dataflow.from_stream %m : !dataflow.stream<!quant.bipolar, 2, 2> -> tensor<1x2x!quant.bipolar>
// CHECK-NEXT:    func.return %r : tensor<1x2x!quant.bipolar>
// CHECK-NEXT:  }

// CHECK-GENERIC: %m = "dataflow.mvau"(%s) <{weights = {{.*}}, weight_type = !quant.bipolar, {{.*}}}> : (!dataflow.stream<!quant.bipolar, 4, 4>) -> !dataflow.stream<!quant.bipolar, 2, 2>

// -----

// An MVAU whose thresholds the hardware computes as a multiply-shift (requant_*): channel 0
// steps every 4 from -12, channel 1 is descending every 3 (a negative multiplier).
func.func @requant(%x: tensor<1x2xsi4>) -> tensor<1x2xui3> {
  %s = dataflow.to_stream %x : tensor<1x2xsi4> -> !dataflow.stream<si4, 2, 1>
  %m = dataflow.mvau %s {weights = dense<[[1, -2], [3, 1]]> : tensor<2x2xsi3>, weight_type = si3, acc_type = si7, pe = 1 : i64, simd = 1 : i64, thresholds = dense<[[-12, -8, -4, 0, 4, 8, 12], [9, 6, 3, 0, -3, -6, -9]]> : tensor<2x7xsi5>, descending = dense<[0, 1]> : tensor<2xui1>, out_bias = 0 : i64, requant_mult = dense<[8, -11]> : tensor<2xsi5>, requant_offset = dense<[128, 131]> : tensor<2xui8>, requant_shift = 5 : i64} : !dataflow.stream<si4, 2, 1> -> !dataflow.stream<ui3, 2, 1>
  %r = dataflow.from_stream %m : !dataflow.stream<ui3, 2, 1> -> tensor<1x2xui3>
  func.return %r : tensor<1x2xui3>
}

// CHECK:       // {{-----}}
// CHECK-LABEL: func.func @requant
// CHECK-NEXT:    %s = dataflow.to_stream
// CHECK-NEXT:    %m = dataflow.mvau %s {{{.*}}, out_bias = 0 : i64, requant_mult = dense<[8, -11]> : tensor<2xsi5>, requant_offset = dense<[128, 131]> : tensor<2xui8>, requant_shift = 5 : i64} : !dataflow.stream<si4, 2, 1> -> !dataflow.stream<ui3, 2, 1>
// CHECK-GENERIC: %m = "dataflow.mvau"(%s) <{{{.*}}requant_mult = dense<[8, -11]> : tensor<2xsi5>, requant_offset = dense<[128, 131]> : tensor<2xui8>, requant_shift = 5 : i64}>

// -----

// A residual convolution block, channels-last: fork, pad, sliding windows, an MVAU on 16
// vectors, the add joining both branches, max pooling.
func.func @residual(%x: tensor<1x4x4x2xui2>) -> tensor<1x2x2x2xui2> {
  %s = dataflow.to_stream %x : tensor<1x4x4x2xui2> -> !dataflow.stream<ui2, 32, 2>
  %a, %b = dataflow.fork %s : !dataflow.stream<ui2, 32, 2> -> !dataflow.stream<ui2, 32, 2>, !dataflow.stream<ui2, 32, 2>
  %p = dataflow.pad %a {ifm = array<i64: 4, 4>, pads = array<i64: 1, 1, 1, 1>, value = 0 : i64, pe = 2 : i64} : !dataflow.stream<ui2, 32, 2> -> !dataflow.stream<ui2, 72, 2>
  %w = dataflow.swg %p {ifm = array<i64: 6, 6>, kernel = array<i64: 3, 3>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, simd = 2 : i64} : !dataflow.stream<ui2, 72, 2> -> !dataflow.stream<ui2, 288, 2>
  %m = dataflow.mvau %w {weights = dense<1> : tensor<18x2xsi2>, weight_type = !quant.bipolar, acc_type = si7, pe = 2 : i64, simd = 2 : i64, thresholds = dense<[[2, 3, 5], [0, 1, 4]]> : tensor<2x3xsi7>, descending = dense<0> : tensor<2xui1>, out_bias = 0 : i64} : !dataflow.stream<ui2, 288, 2> -> !dataflow.stream<ui2, 32, 2>
  %r = dataflow.add %m, %b {ka = 2 : i64, kb = 1 : i64, acc_type = si5, channels = 2 : i64, pe = 2 : i64, thresholds = dense<[[2, 3, 5], [0, 1, 4]]> : tensor<2x3xsi5>, descending = dense<0> : tensor<2xui1>, out_bias = 0 : i64} : !dataflow.stream<ui2, 32, 2>, !dataflow.stream<ui2, 32, 2> -> !dataflow.stream<ui2, 32, 2>
  %g = dataflow.swg %r {ifm = array<i64: 4, 4>, kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, simd = 2 : i64} : !dataflow.stream<ui2, 32, 2> -> !dataflow.stream<ui2, 32, 2>
  %o = dataflow.pool %g {window = 4 : i64, channels = 2 : i64, mode = "max", pe = 2 : i64} : !dataflow.stream<ui2, 32, 2> -> !dataflow.stream<ui2, 8, 2>
  %y = dataflow.from_stream %o : !dataflow.stream<ui2, 8, 2> -> tensor<1x2x2x2xui2>
  func.return %y : tensor<1x2x2x2xui2>
}

// CHECK:       // {{-----}}
// CHECK-LABEL: func.func @residual
// CHECK-NEXT:    %s = dataflow.to_stream
// CHECK-NEXT:    %a, %b = dataflow.fork %s : !dataflow.stream<ui2, 32, 2> -> !dataflow.stream<ui2, 32, 2>, !dataflow.stream<ui2, 32, 2>
// CHECK-NEXT:    %p = dataflow.pad %a {ifm = array<i64: 4, 4>, pads = array<i64: 1, 1, 1, 1>, value = 0 : i64, pe = 2 : i64} : !dataflow.stream<ui2, 32, 2> -> !dataflow.stream<ui2, 72, 2>
// CHECK-NEXT:    %w = dataflow.swg %p {ifm = array<i64: 6, 6>, kernel = array<i64: 3, 3>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, simd = 2 : i64} : !dataflow.stream<ui2, 72, 2> -> !dataflow.stream<ui2, 288, 2>
// CHECK-NEXT:    %m = dataflow.mvau %w
// CHECK-NEXT:    %r = dataflow.add %m, %b {ka = 2 : i64, kb = 1 : i64, acc_type = si5, channels = 2 : i64, pe = 2 : i64, thresholds = dense<{{\[}}[2, 3, 5], [0, 1, 4]]> : tensor<2x3xsi5>, descending = dense<0> : tensor<2xui1>, out_bias = 0 : i64} : !dataflow.stream<ui2, 32, 2>, !dataflow.stream<ui2, 32, 2> -> !dataflow.stream<ui2, 32, 2>
// CHECK-NEXT:    %g = dataflow.swg %r
// CHECK-NEXT:    %o = dataflow.pool %g {window = 4 : i64, channels = 2 : i64, mode = "max", pe = 2 : i64} : !dataflow.stream<ui2, 32, 2> -> !dataflow.stream<ui2, 8, 2>

// CHECK-GENERIC: %a, %b = "dataflow.fork"(%s) : (!dataflow.stream<ui2, 32, 2>) -> (!dataflow.stream<ui2, 32, 2>, !dataflow.stream<ui2, 32, 2>)

// -----

// A parallel-window generator: 1 lane in, the whole 3x3 window of 2 channels (18 lanes) out,
// read by an MVAU taking a window a beat.
func.func @parallel_window(%x: tensor<1x4x4x2xui2>) -> tensor<1x2x2x2xui2> {
  %s = dataflow.to_stream %x : tensor<1x4x4x2xui2> -> !dataflow.stream<ui2, 32, 1>
  %w = dataflow.swg %s {ifm = array<i64: 4, 4>, kernel = array<i64: 3, 3>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, simd = 1 : i64} : !dataflow.stream<ui2, 32, 1> -> !dataflow.stream<ui2, 72, 18>
  %m = dataflow.mvau %w {weights = dense<1> : tensor<18x2xsi2>, weight_type = !quant.bipolar, acc_type = si7, pe = 2 : i64, simd = 18 : i64, thresholds = dense<[[2, 3, 5], [0, 1, 4]]> : tensor<2x3xsi7>, descending = dense<0> : tensor<2xui1>, out_bias = 0 : i64} : !dataflow.stream<ui2, 72, 18> -> !dataflow.stream<ui2, 8, 2>
  %y = dataflow.from_stream %m : !dataflow.stream<ui2, 8, 2> -> tensor<1x2x2x2xui2>
  func.return %y : tensor<1x2x2x2xui2>
}

// CHECK:       // {{-----}}
// CHECK-LABEL: func.func @parallel_window
// CHECK:         %w = dataflow.swg %s {ifm = array<i64: 4, 4>, kernel = array<i64: 3, 3>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, simd = 1 : i64} : !dataflow.stream<ui2, 32, 1> -> !dataflow.stream<ui2, 72, 18>
// CHECK-GENERIC: %w = "dataflow.swg"(%s) <{ifm = array<i64: 4, 4>, kernel = array<i64: 3, 3>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, simd = 1 : i64}> : (!dataflow.stream<ui2, 32, 1>) -> !dataflow.stream<ui2, 72, 18>

// -----

// Row gathers and a channel concatenation.
func.func @gathers(%x: tensor<1x3x4x8xui2>) -> tensor<1x12x16x4xui2> {
  %s = dataflow.to_stream %x : tensor<1x3x4x8xui2> -> !dataflow.stream<ui2, 96, 2>
  %u = dataflow.upsample %s {ifm = array<i64: 3, 4>, scales = array<i64: 2, 2>, pe = 2 : i64} : !dataflow.stream<ui2, 96, 2> -> !dataflow.stream<ui2, 384, 2>
  %a, %b = dataflow.fork %u : !dataflow.stream<ui2, 384, 2> -> !dataflow.stream<ui2, 384, 2>, !dataflow.stream<ui2, 384, 2>
  %d = dataflow.depth_to_space %a {ifm = array<i64: 6, 8>, blocksize = 2 : i64, mode = "DCR", pe = 2 : i64} : !dataflow.stream<ui2, 384, 2> -> !dataflow.stream<ui2, 384, 2>
  %b1 = dataflow.dwc %b : !dataflow.stream<ui2, 384, 2> -> !dataflow.stream<ui2, 384, 1>
  %e = dataflow.depth_to_space %b1 {ifm = array<i64: 6, 8>, blocksize = 2 : i64, mode = "CRD", pe = 1 : i64} : !dataflow.stream<ui2, 384, 1> -> !dataflow.stream<ui2, 384, 1>
  %w = dataflow.dwc %e : !dataflow.stream<ui2, 384, 1> -> !dataflow.stream<ui2, 384, 2>
  %c = dataflow.concat %d, %w {lhs_channels = 2 : i64, rhs_channels = 2 : i64, pe = 2 : i64} : !dataflow.stream<ui2, 384, 2>, !dataflow.stream<ui2, 384, 2> -> !dataflow.stream<ui2, 768, 2>
  %y = dataflow.from_stream %c : !dataflow.stream<ui2, 768, 2> -> tensor<1x12x16x4xui2>
  func.return %y : tensor<1x12x16x4xui2>
}

// CHECK:       // {{-----}}
// CHECK-LABEL: func.func @gathers
// CHECK:         %u = dataflow.upsample %s {ifm = array<i64: 3, 4>, scales = array<i64: 2, 2>, pe = 2 : i64} : !dataflow.stream<ui2, 96, 2> -> !dataflow.stream<ui2, 384, 2>
// CHECK:         %d = dataflow.depth_to_space %a {ifm = array<i64: 6, 8>, blocksize = 2 : i64, mode = "DCR", pe = 2 : i64} : !dataflow.stream<ui2, 384, 2> -> !dataflow.stream<ui2, 384, 2>
// CHECK:         %c = dataflow.concat %d, %w {lhs_channels = 2 : i64, rhs_channels = 2 : i64, pe = 2 : i64} : !dataflow.stream<ui2, 384, 2>, !dataflow.stream<ui2, 384, 2> -> !dataflow.stream<ui2, 768, 2>
