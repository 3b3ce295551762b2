// RUN: qnnc-opt %s --split-input-file -p dataflow-choose-activation | filecheck %s
// RUN: qnnc-opt %s --split-input-file -p 'dataflow-choose-activation{kind=multiply-shift}' | filecheck %s --check-prefix=FORCE
// RUN: qnnc-opt %s --split-input-file -p 'dataflow-choose-activation{kind=thresholds}' | filecheck %s --check-prefix=OFF

// dataflow-choose-activation: per thresholded MVAU, a multiply-shift floor((acc*M + B) / 2^S)
// clamped to 0..K where it equals the thresholds on the whole accumulator range and the
// resource model says it is cheaper; the choice and its figures in qnnc.activation.

// A: 7 thresholds (3-bit output) on a 7-bit accumulator: comparators are cheaper than a
// multiplier, so the thresholds stay (kind=multiply-shift forces the exact requantizer:
// channel 0 steps every 4 from -12, channel 1 is descending, so its multiplier is negative).
func.func @core(%x: tensor<1x2xsi4>) -> tensor<1x2xui3> {
  %s = dataflow.to_stream %x : tensor<1x2xsi4> -> !dataflow.stream<si4, 2, 1> loc("MatMul_0"("MatMul"))
  %m = dataflow.mvau %s {weights = dense<[[1, -2], [3, 1]]> : tensor<2x2xsi3>, weight_type = si3, acc_type = si7, pe = 1 : i64, simd = 1 : i64, thresholds = dense<[[-12, -8, -4, 0, 4, 8, 12], [9, 6, 3, 0, -3, -6, -9]]> : tensor<2x7xsi5>, descending = dense<[0, 1]> : tensor<2xui1>, out_bias = 0 : i64} : !dataflow.stream<si4, 2, 1> -> !dataflow.stream<ui3, 2, 1> loc("MatMul_0"("MatMul"))
  %r = dataflow.from_stream %m : !dataflow.stream<ui3, 2, 1> -> tensor<1x2xui3> loc("MatMul_0"("MatMul"))
  func.return %r : tensor<1x2xui3>
}

// CHECK:       dataflow.mvau %s {qnnc.activation = {kind = "thresholds", reason = "cheaper: area 202 <= 211 (LUT + 64*BRAM18 + 100*DSP) at PE=1", luts_thresholds = 202 : i64, luts_requant = 111 : i64, dsp_thresholds = 0 : i64, dsp_requant = 1 : i64, area_thresholds = 202 : i64, area_requant = 211 : i64, mult_bits = 5 : i64, offset_bits = 9 : i64, shift = 5 : i64}
// CHECK-NOT:   requant_
// CHECK-SAME:  out_bias = 0 : i64} : !dataflow.stream<si4, 2, 1> -> !dataflow.stream<ui3, 2, 1>
// FORCE:       dataflow.mvau %s {qnnc.activation = {kind = "multiply-shift", reason = "forced (kind=multiply-shift)"
// FORCE-SAME:  out_bias = 0 : i64, requant_mult = dense<[8, -11]> : tensor<2xsi5>, requant_offset = dense<[128, 131]> : tensor<2xui8>, requant_shift = 5 : i64}
// OFF:         dataflow.mvau %s {qnnc.activation = {kind = "thresholds", reason = "multiply-shift disabled (kind=thresholds)"}
// OFF-NOT:     requant_

// -----

// B: 63 thresholds (6-bit output) a channel: channel 0 ascending every 16 from -40, channel 1
// descending every 10 from 300. One multiplier a lane replaces 63 comparators.
func.func @core(%x: tensor<1x4xui4>) -> tensor<1x2xui6> {
  %s = dataflow.to_stream %x : tensor<1x4xui4> -> !dataflow.stream<ui4, 4, 1> loc("Gemm_1"("Gemm"))
  %m = dataflow.mvau %s {weights = dense<[[3, -5], [7, 2], [-8, 6], [1, 1]]> : tensor<4x2xsi5>, weight_type = si5, acc_type = si11, pe = 2 : i64, simd = 1 : i64, thresholds = dense<[[-40, -24, -8, 8, 24, 40, 56, 72, 88, 104, 120, 136, 152, 168, 184, 200, 216, 232, 248, 264, 280, 296, 312, 328, 344, 360, 376, 392, 408, 424, 440, 456, 472, 488, 504, 520, 536, 552, 568, 584, 600, 616, 632, 648, 664, 680, 696, 712, 728, 744, 760, 776, 792, 808, 824, 840, 856, 872, 888, 904, 920, 936, 952], [300, 290, 280, 270, 260, 250, 240, 230, 220, 210, 200, 190, 180, 170, 160, 150, 140, 130, 120, 110, 100, 90, 80, 70, 60, 50, 40, 30, 20, 10, 0, -10, -20, -30, -40, -50, -60, -70, -80, -90, -100, -110, -120, -130, -140, -150, -160, -170, -180, -190, -200, -210, -220, -230, -240, -250, -260, -270, -280, -290, -300, -310, -320]]> : tensor<2x63xsi11>, descending = dense<[0, 1]> : tensor<2xui1>, out_bias = 0 : i64} : !dataflow.stream<ui4, 4, 1> -> !dataflow.stream<ui6, 2, 2> loc("Gemm_1"("Gemm"))
  %r = dataflow.from_stream %m : !dataflow.stream<ui6, 2, 2> -> tensor<1x2xui6> loc("Gemm_1"("Gemm"))
  func.return %r : tensor<1x2xui6>
}

// CHECK:       dataflow.mvau %s {qnnc.activation = {kind = "multiply-shift", reason = "cheaper: area 512 < 2724 (LUT + 64*BRAM18 + 100*DSP) at PE=2", luts_thresholds = 2524 : i64, luts_requant = 112 : i64, dsp_thresholds = 2 : i64, dsp_requant = 4 : i64, area_thresholds = 2724 : i64, area_requant = 512 : i64, mult_bits = 7 : i64, offset_bits = 15 : i64, shift = 9 : i64}
// CHECK-SAME:  out_bias = 0 : i64, requant_mult = dense<[32, -51]> : tensor<2xsi7>, requant_offset = dense<[1792, 15886]> : tensor<2xui14>, requant_shift = 9 : i64} : !dataflow.stream<ui4, 4, 1> -> !dataflow.stream<ui6, 2, 2>
// FORCE:       requant_mult = dense<[32, -51]> : tensor<2xsi7>, requant_offset = dense<[1792, 15886]> : tensor<2xui14>, requant_shift = 9 : i64}
// OFF:         dataflow.mvau %s {qnnc.activation = {kind = "thresholds", reason = "multiply-shift disabled (kind=thresholds)"}
// OFF-NOT:     requant_

// -----

// C: steps 1, 3 and 1 apart: no floor((acc*M + B) / 2^S) has them (its steps are never more
// than one apart in length), so thresholds, whatever the kind.
func.func @core(%x: tensor<1x1xsi4>) -> tensor<1x1xui3> {
  %s = dataflow.to_stream %x : tensor<1x1xsi4> -> !dataflow.stream<si4, 1, 1> loc("MatMul_2"("MatMul"))
  %m = dataflow.mvau %s {weights = dense<[[1]]> : tensor<1x1xsi2>, weight_type = si2, acc_type = si5, pe = 1 : i64, simd = 1 : i64, thresholds = dense<[[0, 1, 4, 5]]> : tensor<1x4xsi4>, descending = dense<0> : tensor<1xui1>, out_bias = 0 : i64} : !dataflow.stream<si4, 1, 1> -> !dataflow.stream<ui3, 1, 1> loc("MatMul_2"("MatMul"))
  %r = dataflow.from_stream %m : !dataflow.stream<ui3, 1, 1> -> tensor<1x1xui3> loc("MatMul_2"("MatMul"))
  func.return %r : tensor<1x1xui3>
}

// CHECK:       dataflow.mvau %s {qnnc.activation = {kind = "thresholds", reason = "no multiply-shift with a shift up to 29 equals the thresholds on the accumulator range"}
// CHECK-NOT:   requant_
// FORCE:       dataflow.mvau %s {qnnc.activation = {kind = "thresholds", reason = "no multiply-shift with a shift up to 29 equals the thresholds on the accumulator range"}
// FORCE-NOT:   requant_
// OFF:         dataflow.mvau %s {qnnc.activation = {kind = "thresholds", reason = "multiply-shift disabled (kind=thresholds)"}
