// RUN: qnnc-opt %s --split-input-file -p dataflow-insert-fifos | filecheck %s
// RUN: qnnc-opt %s --split-input-file -p 'dataflow-insert-fifos{min-depth=4}' | filecheck %s --check-prefix=MIN4
// RUN: qnnc-opt %s --split-input-file -p dataflow-insert-fifos,dataflow-insert-fifos | filecheck %s --check-prefix=TWICE
// RUN: qnnc-opt %s --split-input-file -p dataflow-insert-fifos --print-debuginfo | filecheck %s --check-prefix=LOC
// RUN: qnnc-opt %s --split-input-file -p dataflow-insert-fifos | filecheck %s --check-prefix=RES

// dataflow-insert-fifos: a FIFO of two bursts of its producer or reader (an MVAU's vector), at
// most one frame's beats (at least min-depth, default 2), on every
// stream from one unit (mvau, threshold, dwc) to another; the accelerator's own input and output
// stay bare. The FIFO takes its consumer's location.

func.func @core(%x: tensor<1x4xsi2>) -> tensor<1x2xsi4> {
  %s = dataflow.to_stream %x : tensor<1x4xsi2> -> !dataflow.stream<si2, 4, 1> loc("MatMul_0"("MatMul"))
  %m0 = dataflow.mvau %s {weights = dense<[[1, -1, 0], [0, 1, 1], [-1, -1, 1], [1, 0, -1]]> : tensor<4x3xsi2>, weight_type = si2, acc_type = si4, pe = 3 : i64, simd = 1 : i64} : !dataflow.stream<si2, 4, 1> -> !dataflow.stream<si4, 3, 3> loc("MatMul_0"("MatMul"))
  %d = dataflow.dwc %m0 : !dataflow.stream<si4, 3, 3> -> !dataflow.stream<si4, 3, 1> loc("Quant_0"("Quant"))
  %t = dataflow.threshold %d {thresholds = dense<[[2, 3, 5], [0, -1, -4], [2, 3, 4]]> : tensor<3x3xsi4>, descending = dense<[0, 1, 0]> : tensor<3xui1>, out_bias = 0 : i64, pe = 1 : i64} : !dataflow.stream<si4, 3, 1> -> !dataflow.stream<ui2, 3, 1> loc("Quant_0"("Quant"))
  %m1 = dataflow.mvau %t {weights = dense<[[1, -1], [-1, 1], [1, 1]]> : tensor<3x2xsi2>, weight_type = !quant.bipolar, acc_type = si4, pe = 2 : i64, simd = 1 : i64} : !dataflow.stream<ui2, 3, 1> -> !dataflow.stream<si4, 2, 2> loc("MatMul_1"("MatMul"))
  %r = dataflow.from_stream %m1 : !dataflow.stream<si4, 2, 2> -> tensor<1x2xsi4> loc("MatMul_1"("MatMul"))
  func.return %r : tensor<1x2xsi4>
}

// mvau -> dwc: 3 elements at 3 lanes are 1 beat, depth max(2, 1) = 2.
// dwc -> threshold: bursts of 1 beat, depth 2; threshold -> mvau: the MVAU reads its vector of
// 3 beats in a burst, depth min(frame 3, 2 * 3) = 3.
// CHECK-LABEL: func.func @core(%x: tensor<1x4xsi2>) -> tensor<1x2xsi4> {
// CHECK-NEXT:    %s = dataflow.to_stream %x : tensor<1x4xsi2> -> !dataflow.stream<si2, 4, 1>
// CHECK-NEXT:    %m0 = dataflow.mvau %s {{.*}} -> !dataflow.stream<si4, 3, 3>
// CHECK-NEXT:    %[[F0:.*]] = dataflow.fifo %m0 {depth = 2 : i64} : !dataflow.stream<si4, 3, 3> -> !dataflow.stream<si4, 3, 3>
// CHECK-NEXT:    %d = dataflow.dwc %[[F0]] : !dataflow.stream<si4, 3, 3> -> !dataflow.stream<si4, 3, 1>
// CHECK-NEXT:    %[[F1:.*]] = dataflow.fifo %d {depth = 2 : i64} : !dataflow.stream<si4, 3, 1> -> !dataflow.stream<si4, 3, 1>
// CHECK-NEXT:    %t = dataflow.threshold %[[F1]] {{.*}} : !dataflow.stream<si4, 3, 1> -> !dataflow.stream<ui2, 3, 1>
// CHECK-NEXT:    %[[F2:.*]] = dataflow.fifo %t {depth = 3 : i64} : !dataflow.stream<ui2, 3, 1> -> !dataflow.stream<ui2, 3, 1>
// CHECK-NEXT:    %m1 = dataflow.mvau %[[F2]] {{.*}} : !dataflow.stream<ui2, 3, 1> -> !dataflow.stream<si4, 2, 2>
// CHECK-NEXT:    %r = dataflow.from_stream %m1 : !dataflow.stream<si4, 2, 2> -> tensor<1x2xsi4>
// CHECK-NEXT:    func.return %r : tensor<1x2xsi4>

// MIN4-LABEL: func.func @core
// MIN4-COUNT-3: dataflow.fifo {{%.*}} {depth = 4 : i64}
// MIN4-NOT:     dataflow.fifo
// MIN4:         // {{-----}}

// Idempotent: a FIFO is not a producer, so a second run adds nothing.
// TWICE-LABEL: func.func @core
// TWICE-COUNT-3: dataflow.fifo
// TWICE-NOT:     dataflow.fifo
// TWICE:         // {{-----}}

// LOC:      dataflow.fifo %m0 {{.*}} loc("Quant_0"("Quant"))
// LOC:      dataflow.fifo %d {{.*}} loc("Quant_0"("Quant"))
// LOC:      dataflow.fifo %t {{.*}} loc("MatMul_1"("MatMul"))

// -----

// dataflow-insert-fifos on a residual block (the dense case: dataflow-insert-fifos.mlir). Every
// unit-to-unit stream gets a FIFO. The add joins the conv branch (pad, a window generator with a
// line buffer of 3 + 1 rows of the 6-wide padded map, MVAU, width converter) and the fork's
// second output: that short branch's FIFO holds the long branch's lag, at most a frame of beats
// (32) + 2, so the fork never stalls the conv branch the add waits for. The FIFO before the MVAU
// holds two of its windows (2 * 18/2 beats).
func.func @core(%x: tensor<1x4x4x2xui2>) -> tensor<1x2x2x2xui2> {
  %0 = dataflow.to_stream %x : tensor<1x4x4x2xui2> -> !dataflow.stream<ui2, 32, 1>
  %1, %2 = dataflow.fork %0 : !dataflow.stream<ui2, 32, 1> -> !dataflow.stream<ui2, 32, 1>, !dataflow.stream<ui2, 32, 1>
  %3 = dataflow.dwc %1 : !dataflow.stream<ui2, 32, 1> -> !dataflow.stream<ui2, 32, 2>
  %4 = dataflow.pad %3 {ifm = array<i64: 4, 4>, pads = array<i64: 1, 1, 1, 1>, value = 0 : i64, pe = 2 : i64} : !dataflow.stream<ui2, 32, 2> -> !dataflow.stream<ui2, 72, 2>
  %5 = dataflow.swg %4 {ifm = array<i64: 6, 6>, kernel = array<i64: 3, 3>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, simd = 2 : i64} : !dataflow.stream<ui2, 72, 2> -> !dataflow.stream<ui2, 288, 2>
  %6 = dataflow.mvau %5 {weights = dense<1> : tensor<18x2xsi2>, weight_type = !quant.bipolar, acc_type = si7, pe = 2 : i64, simd = 2 : i64, thresholds = dense<[[2, 3, 5], [0, 1, 4]]> : tensor<2x3xsi7>, descending = dense<0> : tensor<2xui1>, out_bias = 0 : i64} : !dataflow.stream<ui2, 288, 2> -> !dataflow.stream<ui2, 32, 2>
  %7 = dataflow.dwc %6 : !dataflow.stream<ui2, 32, 2> -> !dataflow.stream<ui2, 32, 1>
  %8 = dataflow.add %7, %2 {ka = 2 : i64, kb = 1 : i64, acc_type = si5, channels = 2 : i64, pe = 1 : i64, thresholds = dense<[[2, 3, 5], [0, 1, 4]]> : tensor<2x3xsi5>, descending = dense<0> : tensor<2xui1>, out_bias = 0 : i64} : !dataflow.stream<ui2, 32, 1>, !dataflow.stream<ui2, 32, 1> -> !dataflow.stream<ui2, 32, 1>
  %9 = dataflow.swg %8 {ifm = array<i64: 4, 4>, kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, simd = 1 : i64} : !dataflow.stream<ui2, 32, 1> -> !dataflow.stream<ui2, 32, 1>
  %10 = dataflow.pool %9 {window = 4 : i64, channels = 2 : i64, mode = "max", pe = 1 : i64} : !dataflow.stream<ui2, 32, 1> -> !dataflow.stream<ui2, 8, 1>
  %m = dataflow.from_stream %10 : !dataflow.stream<ui2, 8, 1> -> tensor<1x2x2x2xui2>
  func.return %m : tensor<1x2x2x2xui2>
}

// RES:      %1, %2 = dataflow.fork %0
// RES-NEXT: %[[F1:.*]] = dataflow.fifo %1 {depth = 2 : i64}
// RES-NEXT: %[[D:.*]] = dataflow.dwc %[[F1]]
// RES:      dataflow.swg
// RES-NEXT: %[[FW:.*]] = dataflow.fifo %{{.*}} {depth = 18 : i64} : !dataflow.stream<ui2, 288, 2>
// RES-NEXT: dataflow.mvau %[[FW]]
// RES:      %[[SKIP:.*]] = dataflow.fifo %2 {depth = 34 : i64} : !dataflow.stream<ui2, 32, 1>
// RES-NEXT: dataflow.add %{{.*}}, %[[SKIP]]

// -----

// Before a padding: room for its border pauses (bottom and top rows, right and left columns:
// (2*6 + 2) pixels of 1 beat) beyond the 2 a stream gets, here capped at the 16 beats of a frame;
// the parallel-window generator's reader keeps pace with it (no room for its pause).
func.func @core(%x: tensor<1x4x4x2xui2>) -> tensor<1x4x4x2xui2> {
  %s = dataflow.to_stream %x : tensor<1x4x4x2xui2> -> !dataflow.stream<ui2, 32, 2>
  %t = dataflow.threshold %s {thresholds = dense<[[0, 1, 2], [0, 1, 2]]> : tensor<2x3xsi3>, descending = dense<0> : tensor<2xui1>, out_bias = 0 : i64, pe = 2 : i64} : !dataflow.stream<ui2, 32, 2> -> !dataflow.stream<ui2, 32, 2>
  %p = dataflow.pad %t {ifm = array<i64: 4, 4>, pads = array<i64: 1, 1, 1, 1>, value = 0 : i64, pe = 2 : i64} : !dataflow.stream<ui2, 32, 2> -> !dataflow.stream<ui2, 72, 2>
  %w = dataflow.swg %p {ifm = array<i64: 6, 6>, kernel = array<i64: 3, 3>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, simd = 2 : i64} : !dataflow.stream<ui2, 72, 2> -> !dataflow.stream<ui2, 288, 18>
  %m = dataflow.mvau %w {weights = dense<1> : tensor<18x2xsi2>, weight_type = !quant.bipolar, acc_type = si7, pe = 2 : i64, simd = 18 : i64, thresholds = dense<[[2, 3, 5], [0, 1, 4]]> : tensor<2x3xsi7>, descending = dense<0> : tensor<2xui1>, out_bias = 0 : i64} : !dataflow.stream<ui2, 288, 18> -> !dataflow.stream<ui2, 32, 2>
  %y = dataflow.from_stream %m : !dataflow.stream<ui2, 32, 2> -> tensor<1x4x4x2xui2>
  func.return %y : tensor<1x4x4x2xui2>
}

// CHECK:         %t = dataflow.threshold %s {thresholds = dense<{{\[\[}}0, 1, 2], [0, 1, 2]]>
// CHECK-NEXT:    dataflow.fifo %t {depth = 16 : i64}
// CHECK-NEXT:    %p = dataflow.pad
// CHECK-NEXT:    dataflow.fifo %p {depth = 2 : i64}
// CHECK-NEXT:    %w = dataflow.swg
// CHECK-NEXT:    dataflow.fifo %w {depth = 2 : i64}
