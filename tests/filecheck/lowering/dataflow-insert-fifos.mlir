// RUN: qnnc-opt %s -p dataflow-insert-fifos | filecheck %s
// RUN: qnnc-opt %s -p 'dataflow-insert-fifos{min-depth=4}' | filecheck %s --check-prefix=MIN4
// RUN: qnnc-opt %s -p dataflow-insert-fifos,dataflow-insert-fifos | filecheck %s --check-prefix=TWICE
// RUN: qnnc-opt %s -p dataflow-insert-fifos --print-debuginfo | filecheck %s --check-prefix=LOC

// dataflow-insert-fifos: a FIFO of one frame's beats (at least min-depth, default 2) on every
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
// dwc -> threshold and threshold -> mvau: 3 beats of 1 lane, depth 3.
// CHECK-LABEL: func.func @core(%x: tensor<1x4xsi2>) -> tensor<1x2xsi4> {
// CHECK-NEXT:    %s = dataflow.to_stream %x : tensor<1x4xsi2> -> !dataflow.stream<si2, 4, 1>
// CHECK-NEXT:    %m0 = dataflow.mvau %s {{.*}} -> !dataflow.stream<si4, 3, 3>
// CHECK-NEXT:    %[[F0:.*]] = dataflow.fifo %m0 {depth = 2 : i64} : !dataflow.stream<si4, 3, 3> -> !dataflow.stream<si4, 3, 3>
// CHECK-NEXT:    %d = dataflow.dwc %[[F0]] : !dataflow.stream<si4, 3, 3> -> !dataflow.stream<si4, 3, 1>
// CHECK-NEXT:    %[[F1:.*]] = dataflow.fifo %d {depth = 3 : i64} : !dataflow.stream<si4, 3, 1> -> !dataflow.stream<si4, 3, 1>
// CHECK-NEXT:    %t = dataflow.threshold %[[F1]] {{.*}} : !dataflow.stream<si4, 3, 1> -> !dataflow.stream<ui2, 3, 1>
// CHECK-NEXT:    %[[F2:.*]] = dataflow.fifo %t {depth = 3 : i64} : !dataflow.stream<ui2, 3, 1> -> !dataflow.stream<ui2, 3, 1>
// CHECK-NEXT:    %m1 = dataflow.mvau %[[F2]] {{.*}} : !dataflow.stream<ui2, 3, 1> -> !dataflow.stream<si4, 2, 2>
// CHECK-NEXT:    %r = dataflow.from_stream %m1 : !dataflow.stream<si4, 2, 2> -> tensor<1x2xsi4>
// CHECK-NEXT:    func.return %r : tensor<1x2xsi4>

// MIN4-LABEL: func.func @core
// MIN4-COUNT-3: dataflow.fifo {{%.*}} {depth = 4 : i64}
// MIN4-NOT:     dataflow.fifo

// Idempotent: a FIFO is not a producer, so a second run adds nothing.
// TWICE-LABEL: func.func @core
// TWICE-COUNT-3: dataflow.fifo
// TWICE-NOT:     dataflow.fifo

// LOC:      dataflow.fifo %m0 {{.*}} loc("Quant_0"("Quant"))
// LOC:      dataflow.fifo %d {{.*}} loc("Quant_0"("Quant"))
// LOC:      dataflow.fifo %t {{.*}} loc("MatMul_1"("MatMul"))
