// RUN: qnnc-opt %s --split-input-file -p 'apply-rules{file="%S/../../../examples/rules/fuse-threshold-into-mvau.qrr"}' --print-debuginfo | filecheck %s --check-prefix=FUSE
// RUN: qnnc-opt %s --split-input-file --rules %S/../../../examples/rules/drop-redundant-converters.qrr | filecheck %s --check-prefix=DROP
// RUN: qnnc-opt %s --split-input-file --rules %S/../../../examples/rules/drop-redundant-converters.qrr --rules %S/../../../examples/rules/fuse-threshold-into-mvau.qrr | filecheck %s --check-prefix=BOTH
// RUN: not qnnc-opt %s --split-input-file --rules %S/Inputs/apply-rules-errors.qrr 2>&1 | filecheck %s --check-prefix=TYPE-ERROR
// RUN: not qnnc-opt %s --split-input-file --rules %S/Inputs/apply-rules-unverified.qrr 2>&1 | filecheck %s --check-prefix=UNVERIFIED
// RUN: not qnnc-opt %s --split-input-file -p apply-rules 2>&1 | filecheck %s --check-prefix=NO-FILE

// apply-rules: the rules of a .qrr file (docs/rules.md), here the two examples of
// examples/rules/, applied greedily until none matches.

// An MVAU without activation feeding a threshold unit through a width converter that changes
// nothing (3 lanes in and out), then a FIFO chain.
func.func @core(%x: tensor<1x4xsi2>) -> tensor<1x3xui2> {
  %s = dataflow.to_stream %x : tensor<1x4xsi2> -> !dataflow.stream<si2, 4, 1> loc("MatMul_0"("MatMul"))
  %m0 = dataflow.mvau %s {weights = dense<[[1, -1, 0], [0, 1, 1], [-1, -1, 1], [1, 0, -1]]> : tensor<4x3xsi2>, weight_type = si2, acc_type = si4, pe = 3 : i64, simd = 1 : i64} : !dataflow.stream<si2, 4, 1> -> !dataflow.stream<si4, 3, 3> loc("MatMul_0"("MatMul"))
  %d = dataflow.dwc %m0 : !dataflow.stream<si4, 3, 3> -> !dataflow.stream<si4, 3, 3> loc("Quant_0"("Quant"))
  %t = dataflow.threshold %d {thresholds = dense<[[2, 3, 5], [0, -1, -4], [2, 3, 4]]> : tensor<3x3xsi4>, descending = dense<[0, 1, 0]> : tensor<3xui1>, out_bias = 0 : i64, pe = 3 : i64} : !dataflow.stream<si4, 3, 3> -> !dataflow.stream<ui2, 3, 3> loc("Quant_0"("Quant"))
  %f0 = dataflow.fifo %t {depth = 2 : i64} : !dataflow.stream<ui2, 3, 3> -> !dataflow.stream<ui2, 3, 3> loc("Quant_0"("Quant"))
  %f1 = dataflow.fifo %f0 {depth = 3 : i64} : !dataflow.stream<ui2, 3, 3> -> !dataflow.stream<ui2, 3, 3> loc("Quant_0"("Quant"))
  %r = dataflow.from_stream %f1 : !dataflow.stream<ui2, 3, 3> -> tensor<1x3xui2> loc("MatMul_1"("MatMul"))
  func.return %r : tensor<1x3xui2>
}

// The fusion alone does not apply: the width converter sits between the two units.
// FUSE-LABEL: func.func @core
// FUSE:         dataflow.mvau %s {{.*}} -> !dataflow.stream<si4, 3, 3>
// FUSE-NEXT:    dataflow.dwc
// FUSE-NEXT:    dataflow.threshold

// The converters' rules drop the identity converter and merge the FIFOs (depth 2 + 3).
// DROP-LABEL: func.func @core
// DROP-NEXT:    %s = dataflow.to_stream
// DROP-NEXT:    %m0 = dataflow.mvau %s {{.*}} -> !dataflow.stream<si4, 3, 3>
// DROP-NEXT:    %t = dataflow.threshold %m0 {{.*}} : !dataflow.stream<si4, 3, 3> -> !dataflow.stream<ui2, 3, 3>
// DROP-NEXT:    %{{.*}} = dataflow.fifo %t {depth = 5 : i64} : !dataflow.stream<ui2, 3, 3> -> !dataflow.stream<ui2, 3, 3>
// DROP-NEXT:    %r = dataflow.from_stream

// Then the threshold fuses into the MVAU: one unit with the thresholds, the threshold's type.
// BOTH-LABEL: func.func @core
// BOTH-NEXT:    %s = dataflow.to_stream
// BOTH-NEXT:    %t = dataflow.mvau %s {weights = dense<{{.*}}> : tensor<4x3xsi2>, weight_type = si2, acc_type = si4, pe = 3 : i64, simd = 1 : i64, thresholds = dense<[[2, 3, 5], [0, -1, -4], [2, 3, 4]]> : tensor<3x3xsi4>, descending = dense<[0, 1, 0]> : tensor<3xui1>, out_bias = 0 : i64} : !dataflow.stream<si2, 4, 1> -> !dataflow.stream<ui2, 3, 3>
// BOTH-NEXT:    dataflow.fifo %t {depth = 5 : i64}
// BOTH-NEXT:    dataflow.from_stream
// BOTH-NOT:     dataflow.threshold

// TYPE-ERROR: error: {{.*}}Inputs/apply-rules-errors.qrr:6:9: type error: '+' needs an integer, but $t is an attribute
// UNVERIFIED: error: {{.*}}Inputs/apply-rules-unverified.qrr:8:5: rule 'shallow-fifo': the new dataflow.fifo does not verify: dataflow.fifo: depth must be at least 2
// NO-FILE: error: apply-rules: needs a rule file: apply-rules{file="rules.qrr"}

// -----

// After dataflow-insert-fifos: MVAU → FIFO → threshold fuses, keeping the FIFO (now on the
// thresholded stream) and the MVAU's location.
func.func @core(%x: tensor<1x4xsi2>) -> tensor<1x3xui2> {
  %s = dataflow.to_stream %x : tensor<1x4xsi2> -> !dataflow.stream<si2, 4, 1> loc("MatMul_0"("MatMul"))
  %m0 = dataflow.mvau %s {weights = dense<[[1, -1, 0], [0, 1, 1], [-1, -1, 1], [1, 0, -1]]> : tensor<4x3xsi2>, weight_type = si2, acc_type = si4, pe = 1 : i64, simd = 1 : i64} : !dataflow.stream<si2, 4, 1> -> !dataflow.stream<si4, 3, 1> loc("MatMul_0"("MatMul"))
  %q = dataflow.fifo %m0 {depth = 3 : i64} : !dataflow.stream<si4, 3, 1> -> !dataflow.stream<si4, 3, 1> loc("Quant_0"("Quant"))
  %t = dataflow.threshold %q {thresholds = dense<[[2, 3, 5], [0, -1, -4], [2, 3, 4]]> : tensor<3x3xsi4>, descending = dense<[0, 1, 0]> : tensor<3xui1>, out_bias = 0 : i64, pe = 1 : i64} : !dataflow.stream<si4, 3, 1> -> !dataflow.stream<ui2, 3, 1> loc("Quant_0"("Quant"))
  %r = dataflow.from_stream %t : !dataflow.stream<ui2, 3, 1> -> tensor<1x3xui2> loc("MatMul_1"("MatMul"))
  func.return %r : tensor<1x3xui2>
}

// FUSE-LABEL: func.func @core
// FUSE-NEXT:    %s = dataflow.to_stream
// FUSE-NEXT:    %[[M:.*]] = dataflow.mvau %s {{{.*}}thresholds = {{.*}}} : !dataflow.stream<si2, 4, 1> -> !dataflow.stream<ui2, 3, 1> loc("MatMul_0"("MatMul"))
// FUSE-NEXT:    %[[F:.*]] = dataflow.fifo %[[M]] {depth = 3 : i64} : !dataflow.stream<ui2, 3, 1> -> !dataflow.stream<ui2, 3, 1> loc("Quant_0"("Quant"))
// FUSE-NEXT:    dataflow.from_stream %[[F]]

// -----

// Not fused: the accumulator has a second reader (a fork), and here the threshold's lanes
// differ from the MVAU's (through a real width converter, which stays).
func.func @core(%x: tensor<1x4xsi2>) -> tensor<1x3xui2> {
  %s = dataflow.to_stream %x : tensor<1x4xsi2> -> !dataflow.stream<si2, 4, 1>
  %m0 = dataflow.mvau %s {weights = dense<[[1, -1, 0], [0, 1, 1], [-1, -1, 1], [1, 0, -1]]> : tensor<4x3xsi2>, weight_type = si2, acc_type = si4, pe = 3 : i64, simd = 1 : i64} : !dataflow.stream<si2, 4, 1> -> !dataflow.stream<si4, 3, 3>
  %d = dataflow.dwc %m0 : !dataflow.stream<si4, 3, 3> -> !dataflow.stream<si4, 3, 1>
  %t = dataflow.threshold %d {thresholds = dense<[[2, 3, 5], [0, -1, -4], [2, 3, 4]]> : tensor<3x3xsi4>, descending = dense<[0, 1, 0]> : tensor<3xui1>, out_bias = 0 : i64, pe = 1 : i64} : !dataflow.stream<si4, 3, 1> -> !dataflow.stream<ui2, 3, 1>
  %r = dataflow.from_stream %t : !dataflow.stream<ui2, 3, 1> -> tensor<1x3xui2>
  func.return %r : tensor<1x3xui2>
}

// BOTH-LABEL: func.func @core
// BOTH:         dataflow.mvau %s {{.*}} -> !dataflow.stream<si4, 3, 3>
// BOTH-NEXT:    dataflow.dwc %m0 : !dataflow.stream<si4, 3, 3> -> !dataflow.stream<si4, 3, 1>
// BOTH-NEXT:    dataflow.threshold
