// RUN: QNNC_VERIFY_DIAG

// One case per verifier error of every dataflow op (and of !dataflow.stream, whose errors
// surface while parsing). Cases are split-input-file chunks.

// !dataflow.stream: elements are integer codes
func.func @f(%x: !dataflow.stream<f32, 4, 1>) {
  func.return
}
// CHECK: stream elements must be integer codes, got f32

// -----

// !dataflow.stream: the lanes divide the frame
func.func @f(%x: !dataflow.stream<si2, 4, 3>) {
  func.return
}
// CHECK: stream of 4 elements cannot have 3 lanes

// -----

// !dataflow.stream: a frame has at least one element
func.func @f(%x: !dataflow.stream<si2, 0, 1>) {
  func.return
}
// CHECK: stream of 0 elements cannot have 1 lanes

// -----

// dataflow.mvau: the weights are a matrix
func.func @f(%x: !dataflow.stream<si2, 4, 1>) {
  %r = dataflow.mvau %x {weights = dense<1> : tensor<12xsi2>, weight_type = si2, acc_type = si4, pe = 1 : i64, simd = 1 : i64, thresholds = dense<[[-1, 1], [0, 2], [3, -2]]> : tensor<3x2xsi3>, descending = dense<[0, 0, 1]> : tensor<3xui1>, out_bias = 0 : i64} : !dataflow.stream<si2, 4, 1> -> !dataflow.stream<ui2, 3, 1>
  func.return
}
// CHECK: Operation does not verify: dataflow.mvau: weights must be MW×MH

// -----

// dataflow.mvau: a multiply-shift that is not the thresholds (offset 0 for channel 0, where
// 128 makes it count from -12: at -12 the thresholds give 1, floor(-96 / 32) clamps to 0)
func.func @f(%x: !dataflow.stream<si4, 2, 1>) {
  %m = dataflow.mvau %x {weights = dense<[[1, -2], [3, 1]]> : tensor<2x2xsi3>, weight_type = si3, acc_type = si7, pe = 1 : i64, simd = 1 : i64, thresholds = dense<[[-12, -8, -4, 0, 4, 8, 12], [9, 6, 3, 0, -3, -6, -9]]> : tensor<2x7xsi5>, descending = dense<[0, 1]> : tensor<2xui1>, out_bias = 0 : i64, requant_mult = dense<[8, -11]> : tensor<2xsi5>, requant_offset = dense<[0, 131]> : tensor<2xui8>, requant_shift = 5 : i64} : !dataflow.stream<si4, 2, 1> -> !dataflow.stream<ui3, 2, 1>
  func.return
}
// CHECK: Operation does not verify: dataflow.mvau: the multiply-shift is not the thresholds: channel 0: accumulator -12 gives 1 by thresholds but 0 by floor((-12·8 + 0) / 2^5)

// -----

// dataflow.mvau: the three requant properties go together
func.func @f(%x: !dataflow.stream<si4, 2, 1>) {
  %m = dataflow.mvau %x {weights = dense<[[1, -2], [3, 1]]> : tensor<2x2xsi3>, weight_type = si3, acc_type = si7, pe = 1 : i64, simd = 1 : i64, thresholds = dense<[[-12, -8, -4, 0, 4, 8, 12], [9, 6, 3, 0, -3, -6, -9]]> : tensor<2x7xsi5>, descending = dense<[0, 1]> : tensor<2xui1>, out_bias = 0 : i64, requant_mult = dense<[8, -11]> : tensor<2xsi5>, requant_shift = 5 : i64} : !dataflow.stream<si4, 2, 1> -> !dataflow.stream<ui3, 2, 1>
  func.return
}
// CHECK: Operation does not verify: dataflow.mvau: requant_mult, requant_offset and requant_shift go together

// -----

// dataflow.mvau: PE divides MH
func.func @f(%x: !dataflow.stream<si2, 4, 1>) {
  %r = dataflow.mvau %x {weights = dense<[[1, -1, 0], [0, 1, 1], [-1, -1, 1], [1, 0, -1]]> : tensor<4x3xsi2>, weight_type = si2, acc_type = si4, pe = 2 : i64, simd = 1 : i64, thresholds = dense<[[-1, 1], [0, 2], [3, -2]]> : tensor<3x2xsi3>, descending = dense<[0, 0, 1]> : tensor<3xui1>, out_bias = 0 : i64} : !dataflow.stream<si2, 4, 1> -> !dataflow.stream<ui2, 3, 1>
  func.return
}
// CHECK: Operation does not verify: dataflow.mvau: PE=2 must divide MH=3 and SIMD=1 must divide MW=4

// -----

// dataflow.mvau: SIMD divides MW
func.func @f(%x: !dataflow.stream<si2, 4, 1>) {
  %r = dataflow.mvau %x {weights = dense<[[1, -1, 0], [0, 1, 1], [-1, -1, 1], [1, 0, -1]]> : tensor<4x3xsi2>, weight_type = si2, acc_type = si4, pe = 1 : i64, simd = 3 : i64, thresholds = dense<[[-1, 1], [0, 2], [3, -2]]> : tensor<3x2xsi3>, descending = dense<[0, 0, 1]> : tensor<3xui1>, out_bias = 0 : i64} : !dataflow.stream<si2, 4, 1> -> !dataflow.stream<ui2, 3, 1>
  func.return
}
// CHECK: Operation does not verify: dataflow.mvau: PE=1 must divide MH=3 and SIMD=3 must divide MW=4

// -----

// dataflow.mvau: the input stream carries vectors of MW elements, SIMD per beat
func.func @f(%x: !dataflow.stream<si2, 4, 1>) {
  %r = dataflow.mvau %x {weights = dense<[[1, -1, 0], [0, 1, 1], [-1, -1, 1], [1, 0, -1]]> : tensor<4x3xsi2>, weight_type = si2, acc_type = si4, pe = 1 : i64, simd = 2 : i64, thresholds = dense<[[-1, 1], [0, 2], [3, -2]]> : tensor<3x2xsi3>, descending = dense<[0, 0, 1]> : tensor<3xui1>, out_bias = 0 : i64} : !dataflow.stream<si2, 4, 1> -> !dataflow.stream<ui2, 3, 1>
  func.return
}
// CHECK: Operation does not verify: dataflow.mvau: input stream must carry vectors of 4 elements, 2 per beat

// -----

// dataflow.mvau: the output stream carries MH elements, PE per beat
func.func @f(%x: !dataflow.stream<si2, 4, 1>) {
  %r = dataflow.mvau %x {weights = dense<[[1, -1, 0], [0, 1, 1], [-1, -1, 1], [1, 0, -1]]> : tensor<4x3xsi2>, weight_type = si2, acc_type = si4, pe = 3 : i64, simd = 1 : i64, thresholds = dense<[[-1, 1], [0, 2], [3, -2]]> : tensor<3x2xsi3>, descending = dense<[0, 0, 1]> : tensor<3xui1>, out_bias = 0 : i64} : !dataflow.stream<si2, 4, 1> -> !dataflow.stream<ui2, 3, 1>
  func.return
}
// CHECK: Operation does not verify: dataflow.mvau: output stream must carry 1 vectors of 3 elements, 3 per beat

// -----

// dataflow.mvau: weight codes have an integer type
func.func @f(%x: !dataflow.stream<si2, 4, 1>) {
  %r = dataflow.mvau %x {weights = dense<[[1, -1, 0], [0, 1, 1], [-1, -1, 1], [1, 0, -1]]> : tensor<4x3xsi2>, weight_type = f32, acc_type = si4, pe = 1 : i64, simd = 1 : i64, thresholds = dense<[[-1, 1], [0, 2], [3, -2]]> : tensor<3x2xsi3>, descending = dense<[0, 0, 1]> : tensor<3xui1>, out_bias = 0 : i64} : !dataflow.stream<si2, 4, 1> -> !dataflow.stream<ui2, 3, 1>
  func.return
}
// CHECK: Operation does not verify: dataflow.mvau: weight_type must be an integer code type

// -----

// dataflow.mvau: the weights fit weight_type
func.func @f(%x: !dataflow.stream<si2, 4, 1>) {
  %r = dataflow.mvau %x {weights = dense<[[1, -1, 0], [0, 1, 1], [-1, -1, 1], [1, 0, -1]]> : tensor<4x3xsi2>, weight_type = ui1, acc_type = si4, pe = 1 : i64, simd = 1 : i64, thresholds = dense<[[-1, 1], [0, 2], [3, -2]]> : tensor<3x2xsi3>, descending = dense<[0, 0, 1]> : tensor<3xui1>, out_bias = 0 : i64} : !dataflow.stream<si2, 4, 1> -> !dataflow.stream<ui2, 3, 1>
  func.return
}
// CHECK: Operation does not verify: dataflow.mvau: weights outside ui1

// -----

// dataflow.mvau: bipolar weights are +1/-1
func.func @f(%x: !dataflow.stream<si2, 4, 1>) {
  %r = dataflow.mvau %x {weights = dense<[[1, -1, 0], [0, 1, 1], [-1, -1, 1], [1, 0, -1]]> : tensor<4x3xsi2>, weight_type = !quant.bipolar, acc_type = si4, pe = 1 : i64, simd = 1 : i64, thresholds = dense<[[-1, 1], [0, 2], [3, -2]]> : tensor<3x2xsi3>, descending = dense<[0, 0, 1]> : tensor<3xui1>, out_bias = 0 : i64} : !dataflow.stream<si2, 4, 1> -> !dataflow.stream<ui2, 3, 1>
  func.return
}
// CHECK: Operation does not verify: dataflow.mvau: bipolar weights must be +1/-1

// -----

// dataflow.mvau: the accumulator holds every reachable sum: with si2 inputs (-2..1) the
// columns of W reach -5..4, -4..5 and -5..4, so -5..5 needs si4
func.func @f(%x: !dataflow.stream<si2, 4, 1>) {
  %r = dataflow.mvau %x {weights = dense<[[1, -1, 0], [0, 1, 1], [-1, -1, 1], [1, 0, -1]]> : tensor<4x3xsi2>, weight_type = si2, acc_type = si3, pe = 1 : i64, simd = 1 : i64, thresholds = dense<[[-1, 1], [0, 2], [3, -2]]> : tensor<3x2xsi3>, descending = dense<[0, 0, 1]> : tensor<3xui1>, out_bias = 0 : i64} : !dataflow.stream<si2, 4, 1> -> !dataflow.stream<ui2, 3, 1>
  func.return
}
// CHECK: Operation does not verify: dataflow.mvau: accumulator si3 cannot hold -5..5

// -----

// dataflow.mvau: thresholds, descending and out_bias go together
func.func @f(%x: !dataflow.stream<si2, 4, 1>) {
  %r = dataflow.mvau %x {weights = dense<[[1, -1, 0], [0, 1, 1], [-1, -1, 1], [1, 0, -1]]> : tensor<4x3xsi2>, weight_type = si2, acc_type = si4, pe = 1 : i64, simd = 1 : i64, thresholds = dense<[[-1, 1], [0, 2], [3, -2]]> : tensor<3x2xsi3>, out_bias = 0 : i64} : !dataflow.stream<si2, 4, 1> -> !dataflow.stream<ui2, 3, 1>
  func.return
}
// CHECK: Operation does not verify: dataflow.mvau: thresholds, descending and out_bias go together

// -----

// dataflow.mvau: thresholds need out_bias
func.func @f(%x: !dataflow.stream<si2, 4, 1>) {
  %r = dataflow.mvau %x {weights = dense<[[1, -1, 0], [0, 1, 1], [-1, -1, 1], [1, 0, -1]]> : tensor<4x3xsi2>, weight_type = si2, acc_type = si4, pe = 1 : i64, simd = 1 : i64, thresholds = dense<[[-1, 1], [0, 2], [3, -2]]> : tensor<3x2xsi3>, descending = dense<[0, 0, 1]> : tensor<3xui1>} : !dataflow.stream<si2, 4, 1> -> !dataflow.stream<ui2, 3, 1>
  func.return
}
// CHECK: Operation does not verify: dataflow.mvau: thresholds, descending and out_bias go together

// -----

// dataflow.mvau: one row of thresholds per output channel
func.func @f(%x: !dataflow.stream<si2, 4, 1>) {
  %r = dataflow.mvau %x {weights = dense<[[1, -1, 0], [0, 1, 1], [-1, -1, 1], [1, 0, -1]]> : tensor<4x3xsi2>, weight_type = si2, acc_type = si4, pe = 1 : i64, simd = 1 : i64, thresholds = dense<0> : tensor<2x2xsi3>, descending = dense<[0, 0, 1]> : tensor<3xui1>, out_bias = 0 : i64} : !dataflow.stream<si2, 4, 1> -> !dataflow.stream<ui2, 3, 1>
  func.return
}
// CHECK: Operation does not verify: dataflow.mvau: thresholds shape (2, 2), expected (3, K)

// -----

// dataflow.mvau: one direction flag per output channel
func.func @f(%x: !dataflow.stream<si2, 4, 1>) {
  %r = dataflow.mvau %x {weights = dense<[[1, -1, 0], [0, 1, 1], [-1, -1, 1], [1, 0, -1]]> : tensor<4x3xsi2>, weight_type = si2, acc_type = si4, pe = 1 : i64, simd = 1 : i64, thresholds = dense<[[-1, 1], [0, 2], [3, -2]]> : tensor<3x2xsi3>, descending = dense<0> : tensor<2xui1>, out_bias = 0 : i64} : !dataflow.stream<si2, 4, 1> -> !dataflow.stream<ui2, 3, 1>
  func.return
}
// CHECK: Operation does not verify: dataflow.mvau: one descending flag per channel required

// -----

// dataflow.mvau: thresholds sorted in their channel's direction
func.func @f(%x: !dataflow.stream<si2, 4, 1>) {
  %r = dataflow.mvau %x {weights = dense<[[1, -1, 0], [0, 1, 1], [-1, -1, 1], [1, 0, -1]]> : tensor<4x3xsi2>, weight_type = si2, acc_type = si4, pe = 1 : i64, simd = 1 : i64, thresholds = dense<[[-1, 1], [0, 2], [3, -2]]> : tensor<3x2xsi3>, descending = dense<[1, 0, 1]> : tensor<3xui1>, out_bias = 0 : i64} : !dataflow.stream<si2, 4, 1> -> !dataflow.stream<ui2, 3, 1>
  func.return
}
// CHECK: Operation does not verify: dataflow.mvau: thresholds not sorted in their channel's direction

// -----

// dataflow.mvau: a bipolar output takes one threshold
func.func @f(%x: !dataflow.stream<si2, 4, 1>) {
  %r = dataflow.mvau %x {weights = dense<[[1, -1, 0], [0, 1, 1], [-1, -1, 1], [1, 0, -1]]> : tensor<4x3xsi2>, weight_type = si2, acc_type = si4, pe = 1 : i64, simd = 1 : i64, thresholds = dense<[[-1, 1], [0, 2], [3, -2]]> : tensor<3x2xsi3>, descending = dense<[0, 0, 1]> : tensor<3xui1>, out_bias = 0 : i64} : !dataflow.stream<si2, 4, 1> -> !dataflow.stream<!quant.bipolar, 3, 1>
  func.return
}
// CHECK: Operation does not verify: dataflow.mvau: bipolar output takes one threshold and bias 0

// -----

// dataflow.mvau: the output levels fit the output type
func.func @f(%x: !dataflow.stream<si2, 4, 1>) {
  %r = dataflow.mvau %x {weights = dense<[[1, -1, 0], [0, 1, 1], [-1, -1, 1], [1, 0, -1]]> : tensor<4x3xsi2>, weight_type = si2, acc_type = si4, pe = 1 : i64, simd = 1 : i64, thresholds = dense<[[-1, 1], [0, 2], [3, -2]]> : tensor<3x2xsi3>, descending = dense<[0, 0, 1]> : tensor<3xui1>, out_bias = 3 : i64} : !dataflow.stream<si2, 4, 1> -> !dataflow.stream<ui2, 3, 1>
  func.return
}
// CHECK: Operation does not verify: dataflow.mvau: outputs 3..5 overflow ui2

// -----

// dataflow.mvau: thresholds are accumulator values
func.func @f(%x: !dataflow.stream<si2, 4, 1>) {
  %r = dataflow.mvau %x {weights = dense<[[1, -1, 0], [0, 1, 1], [-1, -1, 1], [1, 0, -1]]> : tensor<4x3xsi2>, weight_type = si2, acc_type = si4, pe = 1 : i64, simd = 1 : i64, thresholds = dense<[[-1, 9], [0, 2], [3, -2]]> : tensor<3x2xsi5>, descending = dense<[0, 0, 1]> : tensor<3xui1>, out_bias = 0 : i64} : !dataflow.stream<si2, 4, 1> -> !dataflow.stream<ui2, 3, 1>
  func.return
}
// CHECK: Operation does not verify: dataflow.mvau: thresholds do not fit si4

// -----

// dataflow.mvau: without thresholds the output is the accumulator
func.func @f(%x: !dataflow.stream<si2, 4, 1>) {
  %r = dataflow.mvau %x {weights = dense<[[1, -1, 0], [0, 1, 1], [-1, -1, 1], [1, 0, -1]]> : tensor<4x3xsi2>, weight_type = si2, acc_type = si4, pe = 1 : i64, simd = 1 : i64} : !dataflow.stream<si2, 4, 1> -> !dataflow.stream<ui2, 3, 1>
  func.return
}
// CHECK: Operation does not verify: dataflow.mvau: without thresholds the output is the accumulator

// -----

// dataflow.threshold: same frame in and out
func.func @f(%x: !dataflow.stream<si4, 3, 1>) {
  %r = dataflow.threshold %x {thresholds = dense<[[-1, 1], [0, 2], [3, -2]]> : tensor<3x2xsi3>, descending = dense<[0, 0, 1]> : tensor<3xui1>, out_bias = 0 : i64, pe = 1 : i64} : !dataflow.stream<si4, 3, 1> -> !dataflow.stream<ui2, 6, 1>
  func.return
}
// CHECK: Operation does not verify: dataflow.threshold: input and output must carry the same frame with PE=1 lanes

// -----

// dataflow.threshold: PE lanes in and out
func.func @f(%x: !dataflow.stream<si4, 3, 3>) {
  %r = dataflow.threshold %x {thresholds = dense<[[-1, 1], [0, 2], [3, -2]]> : tensor<3x2xsi3>, descending = dense<[0, 0, 1]> : tensor<3xui1>, out_bias = 0 : i64, pe = 1 : i64} : !dataflow.stream<si4, 3, 3> -> !dataflow.stream<ui2, 3, 3>
  func.return
}
// CHECK: Operation does not verify: dataflow.threshold: input and output must carry the same frame with PE=1 lanes

// -----

// dataflow.threshold: bipolar codes are not thresholded
func.func @f(%x: !dataflow.stream<!quant.bipolar, 3, 1>) {
  %r = dataflow.threshold %x {thresholds = dense<[[-1, 1], [0, 2], [3, -2]]> : tensor<3x2xsi3>, descending = dense<[0, 0, 1]> : tensor<3xui1>, out_bias = 0 : i64, pe = 1 : i64} : !dataflow.stream<!quant.bipolar, 3, 1> -> !dataflow.stream<ui2, 3, 1>
  func.return
}
// CHECK: Operation does not verify: dataflow.threshold: bipolar input cannot be thresholded

// -----

// dataflow.threshold: one row of thresholds per channel
func.func @f(%x: !dataflow.stream<si4, 3, 1>) {
  %r = dataflow.threshold %x {thresholds = dense<0> : tensor<3xsi3>, descending = dense<[0, 0, 1]> : tensor<3xui1>, out_bias = 0 : i64, pe = 1 : i64} : !dataflow.stream<si4, 3, 1> -> !dataflow.stream<ui2, 3, 1>
  func.return
}
// CHECK: Operation does not verify: dataflow.threshold: thresholds shape (3,), expected (3, K)

// -----

// dataflow.threshold: one direction flag per channel
func.func @f(%x: !dataflow.stream<si4, 3, 1>) {
  %r = dataflow.threshold %x {thresholds = dense<[[-1, 1], [0, 2], [3, -2]]> : tensor<3x2xsi3>, descending = dense<0> : tensor<1x3xui1>, out_bias = 0 : i64, pe = 1 : i64} : !dataflow.stream<si4, 3, 1> -> !dataflow.stream<ui2, 3, 1>
  func.return
}
// CHECK: Operation does not verify: dataflow.threshold: one descending flag per channel required

// -----

// dataflow.threshold: thresholds sorted in their channel's direction
func.func @f(%x: !dataflow.stream<si4, 3, 1>) {
  %r = dataflow.threshold %x {thresholds = dense<[[-1, 1], [0, 2], [3, -2]]> : tensor<3x2xsi3>, descending = dense<0> : tensor<3xui1>, out_bias = 0 : i64, pe = 1 : i64} : !dataflow.stream<si4, 3, 1> -> !dataflow.stream<ui2, 3, 1>
  func.return
}
// CHECK: Operation does not verify: dataflow.threshold: thresholds not sorted in their channel's direction

// -----

// dataflow.threshold: a bipolar output has bias 0
func.func @f(%x: !dataflow.stream<si4, 3, 1>) {
  %r = dataflow.threshold %x {thresholds = dense<0> : tensor<3x1xsi3>, descending = dense<[0, 0, 1]> : tensor<3xui1>, out_bias = 1 : i64, pe = 1 : i64} : !dataflow.stream<si4, 3, 1> -> !dataflow.stream<!quant.bipolar, 3, 1>
  func.return
}
// CHECK: Operation does not verify: dataflow.threshold: bipolar output takes one threshold and bias 0

// -----

// dataflow.threshold: the output levels fit the output type
func.func @f(%x: !dataflow.stream<si4, 3, 1>) {
  %r = dataflow.threshold %x {thresholds = dense<[[-1, 1], [0, 2], [3, -2]]> : tensor<3x2xsi3>, descending = dense<[0, 0, 1]> : tensor<3xui1>, out_bias = -3 : i64, pe = 1 : i64} : !dataflow.stream<si4, 3, 1> -> !dataflow.stream<si2, 3, 1>
  func.return
}
// CHECK: Operation does not verify: dataflow.threshold: outputs -3..-1 overflow si2

// -----

// dataflow.fifo: the stream passes unchanged
func.func @f(%x: !dataflow.stream<si2, 4, 2>) {
  %r = dataflow.fifo %x {depth = 2 : i64} : !dataflow.stream<si2, 4, 2> -> !dataflow.stream<si2, 4, 1>
  func.return
}
// CHECK: Operation does not verify: dataflow.fifo: input and output stream types differ

// -----

// dataflow.fifo: at least two beats deep
func.func @f(%x: !dataflow.stream<si2, 4, 2>) {
  %r = dataflow.fifo %x {depth = 1 : i64} : !dataflow.stream<si2, 4, 2> -> !dataflow.stream<si2, 4, 2>
  func.return
}
// CHECK: Operation does not verify: dataflow.fifo: depth must be at least 2

// -----

// dataflow.dwc: the element type is kept
func.func @f(%x: !dataflow.stream<si2, 4, 2>) {
  %r = dataflow.dwc %x : !dataflow.stream<si2, 4, 2> -> !dataflow.stream<si4, 4, 1>
  func.return
}
// CHECK: Operation does not verify: dataflow.dwc: only the lanes may change

// -----

// dataflow.dwc: the frame is kept
func.func @f(%x: !dataflow.stream<si2, 4, 2>) {
  %r = dataflow.dwc %x : !dataflow.stream<si2, 4, 2> -> !dataflow.stream<si2, 8, 4>
  func.return
}
// CHECK: Operation does not verify: dataflow.dwc: only the lanes may change

// -----

// dataflow.to_stream: same elements
func.func @f(%x: tensor<1x4xsi2>) {
  %r = dataflow.to_stream %x : tensor<1x4xsi2> -> !dataflow.stream<ui2, 4, 1>
  func.return
}
// CHECK: Operation does not verify: dataflow.to_stream: tensor tensor<1x4xsi2> does not match stream !dataflow.stream<ui2, 4, 1>

// -----

// dataflow.to_stream: one frame per tensor
func.func @f(%x: tensor<1x4xsi2>) {
  %r = dataflow.to_stream %x : tensor<1x4xsi2> -> !dataflow.stream<si2, 2, 1>
  func.return
}
// CHECK: Operation does not verify: dataflow.to_stream: tensor tensor<1x4xsi2> does not match stream !dataflow.stream<si2, 2, 1>

// -----

// dataflow.from_stream: same elements
func.func @f(%x: !dataflow.stream<si2, 4, 1>) {
  %r = dataflow.from_stream %x : !dataflow.stream<si2, 4, 1> -> tensor<1x4xsi4>
  func.return
}
// CHECK: Operation does not verify: dataflow.from_stream: stream !dataflow.stream<si2, 4, 1> does not match tensor tensor<1x4xsi4>

// -----

// dataflow.from_stream: one frame per tensor
func.func @f(%x: !dataflow.stream<si2, 4, 1>) {
  %r = dataflow.from_stream %x : !dataflow.stream<si2, 4, 1> -> tensor<2x4xsi2>
  func.return
}
// CHECK: Operation does not verify: dataflow.from_stream: stream !dataflow.stream<si2, 4, 1> does not match tensor tensor<2x4xsi2>

// -----

// dataflow.pad: the pad value is a code of the element type
func.func @f(%x: !dataflow.stream<ui2, 32, 1>) {
  %p = dataflow.pad %x {ifm = array<i64: 4, 4>, pads = array<i64: 1, 1, 1, 1>, value = 4 : i64, pe = 1 : i64} : !dataflow.stream<ui2, 32, 1> -> !dataflow.stream<ui2, 72, 1>
  func.return
}
// CHECK: Operation does not verify: dataflow.pad: pad value 4 is not a code of ui2

// -----

// dataflow.pad: the output is the padded map
func.func @f(%x: !dataflow.stream<ui2, 32, 1>) {
  %p = dataflow.pad %x {ifm = array<i64: 4, 4>, pads = array<i64: 1, 1, 1, 0>, value = 0 : i64, pe = 1 : i64} : !dataflow.stream<ui2, 32, 1> -> !dataflow.stream<ui2, 72, 1>
  func.return
}
// CHECK: Operation does not verify: dataflow.pad: output must be the (6, 5, 2) map of the input's elements, 1 lanes in and out

// -----

// dataflow.swg: the window fits the map
func.func @f(%x: !dataflow.stream<ui2, 32, 1>) {
  %w = dataflow.swg %x {ifm = array<i64: 4, 4>, kernel = array<i64: 5, 1>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, simd = 1 : i64} : !dataflow.stream<ui2, 32, 1> -> !dataflow.stream<ui2, 32, 1>
  func.return
}
// CHECK: Operation does not verify: dataflow.swg: the window does not fit the (4, 4) map

// -----

// dataflow.swg: out lanes are SIMD (by position) or the whole window (parallel window)
func.func @f(%x: !dataflow.stream<ui2, 32, 2>) {
  %w = dataflow.swg %x {ifm = array<i64: 4, 4>, kernel = array<i64: 3, 3>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, simd = 2 : i64} : !dataflow.stream<ui2, 32, 2> -> !dataflow.stream<ui2, 72, 6>
  func.return
}
// CHECK: Operation does not verify: dataflow.swg: output must be 2x2 windows of 9x2 input elements, 2 lanes in and 2 (by position) or 18 (a whole window) out

// -----

// dataflow.swg: SIMD lanes divide the channels
func.func @f(%x: !dataflow.stream<ui2, 48, 3>) {
  %w = dataflow.swg %x {ifm = array<i64: 4, 4>, kernel = array<i64: 1, 1>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, simd = 2 : i64} : !dataflow.stream<ui2, 48, 3> -> !dataflow.stream<ui2, 12, 2>
  func.return
}
// CHECK: Operation does not verify: dataflow.swg: 2 lanes do not divide 3 channels

// -----

// dataflow.pool: a sum needs a wider element type
func.func @f(%x: !dataflow.stream<ui2, 32, 1>) {
  %o = dataflow.pool %x {window = 4 : i64, channels = 2 : i64, mode = "sum", pe = 1 : i64} : !dataflow.stream<ui2, 32, 1> -> !dataflow.stream<ui2, 8, 1>
  func.return
}
// CHECK: Operation does not verify: dataflow.pool: ui2 cannot hold sums of 4 codes of ui2

// -----

// dataflow.pool: known modes only
func.func @f(%x: !dataflow.stream<ui2, 32, 1>) {
  %o = dataflow.pool %x {window = 4 : i64, channels = 2 : i64, mode = "avg", pe = 1 : i64} : !dataflow.stream<ui2, 32, 1> -> !dataflow.stream<ui2, 8, 1>
  func.return
}
// CHECK: Operation does not verify: dataflow.pool: mode must be one of max, sum

// -----

// dataflow.fork: both outputs carry the input stream
func.func @f(%x: !dataflow.stream<ui2, 32, 1>) {
  %a, %b = dataflow.fork %x : !dataflow.stream<ui2, 32, 1> -> !dataflow.stream<ui2, 32, 1>, !dataflow.stream<ui2, 32, 2>
  func.return
}
// CHECK: Operation does not verify: dataflow.fork: both outputs carry the input stream

// -----

// dataflow.add: the accumulator holds every weighted sum
func.func @f(%x: !dataflow.stream<ui2, 32, 1>, %y: !dataflow.stream<ui2, 32, 1>) {
  %r = dataflow.add %x, %y {ka = 3 : i64, kb = 1 : i64, acc_type = si4, channels = 2 : i64, pe = 1 : i64} : !dataflow.stream<ui2, 32, 1>, !dataflow.stream<ui2, 32, 1> -> !dataflow.stream<si4, 32, 1>
  func.return
}
// CHECK: Operation does not verify: dataflow.add: accumulator si4 cannot hold 0..12

// -----

// dataflow.add: both inputs carry one frame at PE lanes
func.func @f(%x: !dataflow.stream<ui2, 32, 1>, %y: !dataflow.stream<ui2, 32, 2>) {
  %r = dataflow.add %x, %y {ka = 1 : i64, kb = 1 : i64, acc_type = si4, channels = 2 : i64, pe = 1 : i64} : !dataflow.stream<ui2, 32, 1>, !dataflow.stream<ui2, 32, 2> -> !dataflow.stream<si4, 32, 1>
  func.return
}
// CHECK: Operation does not verify: dataflow.add: both inputs and the output must carry one frame of 2-channel pixels with PE=1 lanes

// -----

// dataflow.depth_to_space: CRD interleaves channels, so one lane
func.func @f(%x: !dataflow.stream<ui2, 384, 2>) {
  %d = dataflow.depth_to_space %x {ifm = array<i64: 6, 8>, blocksize = 2 : i64, mode = "CRD", pe = 2 : i64} : !dataflow.stream<ui2, 384, 2> -> !dataflow.stream<ui2, 384, 2>
  func.return
}
// CHECK: Operation does not verify: dataflow.depth_to_space: 2 lanes cannot carry CRD output channels whole

// -----

// dataflow.concat: both inputs are the same pixels
func.func @f(%x: !dataflow.stream<ui2, 384, 2>, %y: !dataflow.stream<ui2, 380, 2>) {
  %c = dataflow.concat %x, %y {lhs_channels = 2 : i64, rhs_channels = 2 : i64, pe = 2 : i64} : !dataflow.stream<ui2, 384, 2>, !dataflow.stream<ui2, 380, 2> -> !dataflow.stream<ui2, 764, 2>
  func.return
}
// CHECK: Operation does not verify: dataflow.concat: inputs of 384 and 380 elements are not the same pixels of 2 and 2 channels

// -----

// dataflow.upsample: the output is the input upsampled
func.func @f(%x: !dataflow.stream<ui2, 96, 2>) {
  %u = dataflow.upsample %x {ifm = array<i64: 3, 4>, scales = array<i64: 2, 3>, pe = 2 : i64} : !dataflow.stream<ui2, 96, 2> -> !dataflow.stream<ui2, 384, 2>
  func.return
}
// CHECK: Operation does not verify: dataflow.upsample: output must be the input upsampled by (2, 3), 2 lanes in and out
