// RUN: qnnc-opt %s -p convert-dataflow-to-rtl --split-input-file | filecheck %s

// convert-dataflow-to-rtl: each MVAU / threshold unit becomes an rtl.module (ROMs + one library
// cell) instantiated from @qnnc_top; FIFOs and width converters are library cells in @qnnc_top;
// @core keeps rtl.to_stream -> rtl.instance @qnnc_top -> rtl.from_stream.

// MatMul_0: MW=4, MH=2, SIMD=2, PE=2, two thresholds per channel; MatMul_1: +-1 weights.
func.func @core(%x: tensor<1x4xsi2>) -> tensor<1x2xsi4> {
  %s = dataflow.to_stream %x : tensor<1x4xsi2> -> !dataflow.stream<si2, 4, 2> loc("MatMul_0"("MatMul"))
  %m0 = dataflow.mvau %s {weights = dense<[[1, -1], [0, 1], [-1, -1], [1, 0]]> : tensor<4x2xsi2>, weight_type = si2, acc_type = si4, pe = 2 : i64, simd = 2 : i64, thresholds = dense<[[-1, 2], [3, 0]]> : tensor<2x2xsi3>, descending = dense<[0, 1]> : tensor<2xui1>, out_bias = 0 : i64} : !dataflow.stream<si2, 4, 2> -> !dataflow.stream<ui2, 2, 2> loc("MatMul_0"("MatMul"))
  %f0 = dataflow.fifo %m0 {depth = 2 : i64} : !dataflow.stream<ui2, 2, 2> -> !dataflow.stream<ui2, 2, 2> loc("MatMul_1"("MatMul"))
  %d = dataflow.dwc %f0 : !dataflow.stream<ui2, 2, 2> -> !dataflow.stream<ui2, 2, 1> loc("MatMul_1"("MatMul"))
  %f1 = dataflow.fifo %d {depth = 2 : i64} : !dataflow.stream<ui2, 2, 1> -> !dataflow.stream<ui2, 2, 1> loc("MatMul_1"("MatMul"))
  %m1 = dataflow.mvau %f1 {weights = dense<[[1, -1], [-1, -1]]> : tensor<2x2xsi2>, weight_type = !quant.bipolar, acc_type = si4, pe = 1 : i64, simd = 1 : i64} : !dataflow.stream<ui2, 2, 1> -> !dataflow.stream<si4, 2, 1> loc("MatMul_1"("MatMul"))
  %r = dataflow.from_stream %m1 : !dataflow.stream<si4, 2, 1> -> tensor<1x2xsi4> loc("MatMul_1"("MatMul"))
  func.return %r : tensor<1x2xsi4>
}

// CHECK-LABEL: func.func @core(%x: tensor<1x4xsi2>) -> tensor<1x2xsi4> {
// CHECK-NEXT:    %[[S:.*]] = rtl.to_stream %x : tensor<1x4xsi2> -> !rtl.stream<!rtl.fixed<2, 0>, 4, 2>
// CHECK-NEXT:    %[[T:.*]] = rtl.instance @qnnc_top(%[[S]]) {instance_name = "qnnc_top"} : (!rtl.stream<!rtl.fixed<2, 0>, 4, 2>) -> !rtl.stream<!rtl.fixed<4, 0>, 2, 1>
// CHECK-NEXT:    %r = rtl.from_stream %[[T]] : !rtl.stream<!rtl.fixed<4, 0>, 2, 1> -> tensor<1x2xsi4>
// CHECK-NEXT:    func.return %r : tensor<1x2xsi4>
// CHECK-NEXT:  }
// CHECK-NOT:   dataflow.

// Weight ROM: word sf (NF = 1), lane p*SIMD+s holds W[sf*SIMD+s][p]:
//   word 0 = W[0][0], W[1][0], W[0][1], W[1][1] = 1, 0, -1, 1
//   word 1 = W[2][0], W[3][0], W[2][1], W[3][1] = -1, 1, -1, 0
// Threshold ROM: word nf, lane p*K+k holds T[nf*PE+p][k], compared at ACC_W = 4 bits.
// The MVAU reads its ROMs synchronously (latency 1), so each may live in block RAM; these are
// far too small for it (dialects/memory.py decides).
// CHECK:       rtl.module "mvau_MatMul_0" : (!rtl.stream<!rtl.fixed<2, 0>, 4, 2>) -> !rtl.stream<!rtl.ufixed<2, 0>, 2, 2> {
// CHECK-NEXT:  ^bb0(%[[IN:.*]]: !rtl.stream<!rtl.fixed<2, 0>, 4, 2>):
// CHECK-NEXT:    %[[W:.*]] = rtl.rom {data = dense<{{\[}}[1, 0, -1, 1], [-1, 1, -1, 0]]> : tensor<2x4xsi2>, lane_width = 2 : i64, latency = 1 : i64, style = "distributed"} : !rtl.rom<8, 2>
// CHECK-NEXT:    %[[TH:.*]] = rtl.rom {data = dense<{{\[}}[-1, 2, 3, 0]]> : tensor<1x4xsi3>, lane_width = 4 : i64, latency = 1 : i64, style = "distributed"} : !rtl.rom<16, 1>
// CHECK-NEXT:    %[[DESC:.*]] = rtl.rom {data = dense<{{\[}}[0, 1]]> : tensor<1x2xui1>, lane_width = 1 : i64, latency = 1 : i64, style = "distributed"} : !rtl.rom<2, 1>
// CHECK-NEXT:    %[[C:.*]] = rtl.cell "qnnc_mvau"(%[[IN]], %[[W]], %[[TH]], %[[DESC]]) {instance_name = "core", params = {MW = 4 : i32, MH = 2 : i32, SIMD = 2 : i32, PE = 2 : i32, IN_W = 2 : i32, IN_SIGNED = 1 : i32, IN_BIPOLAR = 0 : i32, W_W = 2 : i32, W_SIGNED = 1 : i32, W_BIPOLAR = 0 : i32, ACC_W = 4 : i32, N_THRES = 2 : i32, OUT_W = 2 : i32, OUT_BIAS = 0 : i32}}
// CHECK-NEXT:    rtl.output %[[C]] : !rtl.stream<!rtl.ufixed<2, 0>, 2, 2>
// CHECK-NEXT:  }

// Bipolar weights are one bit (1 = +1): W = [[1, -1], [-1, -1]] with PE = SIMD = 1, word
// nf*SF+sf holds W[sf][nf]: W[0][0], W[1][0], W[0][1], W[1][1] = 1, 0, 0, 0. No thresholds: the
// output is the accumulator and the cell takes no threshold ROMs.
// CHECK:       rtl.module "mvau_MatMul_1" : (!rtl.stream<!rtl.ufixed<2, 0>, 2, 1>) -> !rtl.stream<!rtl.fixed<4, 0>, 2, 1> {
// CHECK-NEXT:  ^bb0(%[[IN:.*]]: !rtl.stream<!rtl.ufixed<2, 0>, 2, 1>):
// CHECK-NEXT:    %[[W:.*]] = rtl.rom {data = dense<{{\[}}[1], [0], [0], [0]]> : tensor<4x1xui1>, lane_width = 1 : i64, latency = 1 : i64, style = "distributed"} : !rtl.rom<1, 4>
// CHECK-NEXT:    %[[C:.*]] = rtl.cell "qnnc_mvau"(%[[IN]], %[[W]]) {instance_name = "core", params = {MW = 2 : i32, MH = 2 : i32, SIMD = 1 : i32, PE = 1 : i32, IN_W = 2 : i32, IN_SIGNED = 0 : i32, IN_BIPOLAR = 0 : i32, W_W = 1 : i32, W_SIGNED = 0 : i32, W_BIPOLAR = 1 : i32, ACC_W = 4 : i32, N_THRES = 0 : i32, OUT_W = 4 : i32, OUT_BIAS = 0 : i32}}
// CHECK-NEXT:    rtl.output %[[C]] : !rtl.stream<!rtl.fixed<4, 0>, 2, 1>

// The top chains instances and cells in stream order; FIFO width = lanes * element bits.
// Instance names are not unique yet (rtl-legalize-names does that).
// CHECK:       rtl.module "qnnc_top" : (!rtl.stream<!rtl.fixed<2, 0>, 4, 2>) -> !rtl.stream<!rtl.fixed<4, 0>, 2, 1> {
// CHECK-NEXT:  ^bb0(%[[IN:.*]]: !rtl.stream<!rtl.fixed<2, 0>, 4, 2>):
// CHECK-NEXT:    %[[M0:.*]] = rtl.instance @mvau_MatMul_0(%[[IN]]) {instance_name = "mvau_MatMul_0"}
// CHECK-NEXT:    %[[F0:.*]] = rtl.cell "qnnc_fifo"(%[[M0]]) {instance_name = "fifo_MatMul_1", params = {W = 4 : i32, DEPTH = 2 : i32}} : (!rtl.stream<!rtl.ufixed<2, 0>, 2, 2>) -> !rtl.stream<!rtl.ufixed<2, 0>, 2, 2>
// CHECK-NEXT:    %[[D:.*]] = rtl.cell "qnnc_dwc"(%[[F0]]) {instance_name = "dwc_MatMul_1", params = {ELEM_W = 2 : i32, IN_P = 2 : i32, OUT_P = 1 : i32}} : (!rtl.stream<!rtl.ufixed<2, 0>, 2, 2>) -> !rtl.stream<!rtl.ufixed<2, 0>, 2, 1>
// CHECK-NEXT:    %[[F1:.*]] = rtl.cell "qnnc_fifo"(%[[D]]) {instance_name = "fifo_MatMul_1", params = {W = 2 : i32, DEPTH = 2 : i32}}
// CHECK-NEXT:    %[[M1:.*]] = rtl.instance @mvau_MatMul_1(%[[F1]]) {instance_name = "mvau_MatMul_1"}
// CHECK-NEXT:    rtl.output %[[M1]] : !rtl.stream<!rtl.fixed<4, 0>, 2, 1>

// -----

// A standalone threshold unit, 4 channels, PE=2, K=1: word nf holds T[2nf], T[2nf+1].
func.func @core(%x: tensor<1x4xsi3>) -> tensor<1x4xui1> {
  %s = dataflow.to_stream %x : tensor<1x4xsi3> -> !dataflow.stream<si3, 4, 2> loc("Quant_0"("Quant"))
  %t = dataflow.threshold %s {thresholds = dense<[[1], [2], [3], [-1]]> : tensor<4x1xsi3>, descending = dense<[0, 0, 0, 1]> : tensor<4xui1>, out_bias = 0 : i64, pe = 2 : i64} : !dataflow.stream<si3, 4, 2> -> !dataflow.stream<ui1, 4, 2> loc("Quant_0"("Quant"))
  %r = dataflow.from_stream %t : !dataflow.stream<ui1, 4, 2> -> tensor<1x4xui1> loc("Quant_0"("Quant"))
  func.return %r : tensor<1x4xui1>
}

// CHECK:       // {{-----}}
// CHECK:       rtl.module "thres_Quant_0" : (!rtl.stream<!rtl.fixed<3, 0>, 4, 2>) -> !rtl.stream<!rtl.ufixed<1, 0>, 4, 2> {
// CHECK-NEXT:  ^bb0(%[[IN:.*]]: !rtl.stream<!rtl.fixed<3, 0>, 4, 2>):
// CHECK-NEXT:    %[[T:.*]] = rtl.rom {data = dense<{{\[}}[1, 2], [3, -1]]> : tensor<2x2xsi3>, lane_width = 3 : i64, style = "distributed"} : !rtl.rom<6, 2>
// CHECK-NEXT:    %[[D:.*]] = rtl.rom {data = dense<{{\[}}[0, 0], [0, 1]]> : tensor<2x2xui1>, lane_width = 1 : i64, style = "distributed"} : !rtl.rom<2, 2>
// CHECK-NEXT:    %[[C:.*]] = rtl.cell "qnnc_thres"(%[[IN]], %[[T]], %[[D]]) {instance_name = "core", params = {C = 4 : i32, PE = 2 : i32, IN_W = 3 : i32, IN_SIGNED = 1 : i32, T_W = 3 : i32, N_THRES = 1 : i32, OUT_W = 1 : i32, OUT_BIAS = 0 : i32}}
// CHECK:       rtl.module "qnnc_top"
// CHECK-NEXT:  ^bb0(%[[IN:.*]]: !rtl.stream<!rtl.fixed<3, 0>, 4, 2>):
// CHECK-NEXT:    %[[I:.*]] = rtl.instance @thres_Quant_0(%[[IN]]) {instance_name = "thres_Quant_0"}
// CHECK-NEXT:    rtl.output %[[I]]

// -----

// No thresholds left (a constant output, out_bias 1): one threshold no 3-bit accumulator
// reaches, 2^(3-1) = 4, compared at 4 bits.
func.func @core(%x: tensor<1x2xsi2>) -> tensor<1x2xui1> {
  %s = dataflow.to_stream %x : tensor<1x2xsi2> -> !dataflow.stream<si2, 2, 1> loc("MatMul_0"("MatMul"))
  %m = dataflow.mvau %s {weights = dense<[[1, -1], [0, 1]]> : tensor<2x2xsi2>, weight_type = si2, acc_type = si3, pe = 1 : i64, simd = 1 : i64, thresholds = dense<> : tensor<2x0xsi3>, descending = dense<0> : tensor<2xui1>, out_bias = 1 : i64} : !dataflow.stream<si2, 2, 1> -> !dataflow.stream<ui1, 2, 1> loc("MatMul_0"("MatMul"))
  %r = dataflow.from_stream %m : !dataflow.stream<ui1, 2, 1> -> tensor<1x2xui1> loc("MatMul_0"("MatMul"))
  func.return %r : tensor<1x2xui1>
}

// CHECK:       // {{-----}}
// CHECK:       rtl.module "mvau_MatMul_0"
// CHECK:         rtl.rom {data = dense<4> : tensor<2x1xui3>, lane_width = 4 : i64, latency = 1 : i64, style = "distributed"} : !rtl.rom<4, 2>
// CHECK:         rtl.cell "qnnc_mvau"({{.*}}) {instance_name = "core", params = {{{.*}} ACC_W = 4 : i32, N_THRES = 1 : i32, OUT_W = 1 : i32, OUT_BIAS = 1 : i32}}

// -----

// Nothing to do without a @core holding dataflow.to_stream.
func.func @main(%x: tensor<1x2xsi2>) -> tensor<1x2xsi2> {
  %s = dataflow.to_stream %x : tensor<1x2xsi2> -> !dataflow.stream<si2, 2, 1>
  %r = dataflow.from_stream %s : !dataflow.stream<si2, 2, 1> -> tensor<1x2xsi2>
  func.return %r : tensor<1x2xsi2>
}

// CHECK:       // {{-----}}
// CHECK-LABEL: func.func @main
// CHECK-NEXT:    dataflow.to_stream
// CHECK-NEXT:    dataflow.from_stream
// CHECK-NOT:     rtl.

// -----

// An MVAU whose count is the multiply-shift (requant_*, dataflow-choose-activation): ACT = 1,
// N_THRES = K = 7, M_W/B_W the multipliers' and offsets' widths, the multiplier and offset ROMs
// (NF words of PE lanes, read like the thresholds) in place of thresholds and directions.
func.func @core(%x: tensor<1x2xsi4>) -> tensor<1x2xui3> {
  %s = dataflow.to_stream %x : tensor<1x2xsi4> -> !dataflow.stream<si4, 2, 1> loc("MatMul_0"("MatMul"))
  %m = dataflow.mvau %s {weights = dense<[[1, -2], [3, 1]]> : tensor<2x2xsi3>, weight_type = si3, acc_type = si7, pe = 1 : i64, simd = 1 : i64, thresholds = dense<[[-12, -8, -4, 0, 4, 8, 12], [9, 6, 3, 0, -3, -6, -9]]> : tensor<2x7xsi5>, descending = dense<[0, 1]> : tensor<2xui1>, out_bias = 0 : i64, requant_mult = dense<[8, -11]> : tensor<2xsi5>, requant_offset = dense<[128, 131]> : tensor<2xui8>, requant_shift = 5 : i64} : !dataflow.stream<si4, 2, 1> -> !dataflow.stream<ui3, 2, 1> loc("MatMul_0"("MatMul"))
  %r = dataflow.from_stream %m : !dataflow.stream<ui3, 2, 1> -> tensor<1x2xui3> loc("MatMul_0"("MatMul"))
  func.return %r : tensor<1x2xui3>
}

// CHECK:       // {{-----}}
// CHECK:       rtl.module "mvau_MatMul_0"
// CHECK-NEXT:  ^bb0(%[[IN:.*]]: !rtl.stream<!rtl.fixed<4, 0>, 2, 1>):
// CHECK-NEXT:    %[[W:.*]] = rtl.rom {data = dense<{{\[}}[1], [3], [-2], [1]]> : tensor<4x1xsi3>, lane_width = 3 : i64, latency = 1 : i64, style = "distributed"} : !rtl.rom<3, 4>
// CHECK-NEXT:    %[[M:.*]] = rtl.rom {data = dense<{{\[}}[8], [-11]]> : tensor<2x1xsi5>, lane_width = 5 : i64, latency = 1 : i64, style = "distributed"} : !rtl.rom<5, 2>
// CHECK-NEXT:    %[[B:.*]] = rtl.rom {data = dense<{{\[}}[128], [131]]> : tensor<2x1xui8>, lane_width = 9 : i64, latency = 1 : i64, style = "distributed"} : !rtl.rom<9, 2>
// CHECK-NEXT:    %[[C:.*]] = rtl.cell "qnnc_mvau"(%[[IN]], %[[W]], %[[M]], %[[B]]) {instance_name = "core", params = {{{.*}}, ACC_W = 7 : i32, N_THRES = 7 : i32, OUT_W = 3 : i32, OUT_BIAS = 0 : i32, ACT = 1 : i32, M_W = 5 : i32, B_W = 9 : i32, SHIFT = 5 : i32}}

// -----

// A parallel-window generator (18 lanes out: the whole 3x3 window of 2 channels) becomes the
// qnnc_swg_window cell; by position (SIMD lanes out) it would be qnnc_swg.
func.func @core(%x: tensor<1x4x4x2xui2>) -> tensor<1x2x2x2xui2> {
  %s = dataflow.to_stream %x : tensor<1x4x4x2xui2> -> !dataflow.stream<ui2, 32, 1>
  %w = dataflow.swg %s {ifm = array<i64: 4, 4>, kernel = array<i64: 3, 3>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, simd = 1 : i64} : !dataflow.stream<ui2, 32, 1> -> !dataflow.stream<ui2, 72, 18>
  %m = dataflow.mvau %w {weights = dense<1> : tensor<18x2xsi2>, weight_type = !quant.bipolar, acc_type = si7, pe = 2 : i64, simd = 18 : i64, thresholds = dense<[[2, 3, 5], [0, 1, 4]]> : tensor<2x3xsi7>, descending = dense<0> : tensor<2xui1>, out_bias = 0 : i64} : !dataflow.stream<ui2, 72, 18> -> !dataflow.stream<ui2, 8, 2>
  %y = dataflow.from_stream %m : !dataflow.stream<ui2, 8, 2> -> tensor<1x2x2x2xui2>
  func.return %y : tensor<1x2x2x2xui2>
}

// CHECK:       rtl.cell "qnnc_swg_window"(%{{.*}}) {instance_name = "swg_dataflow.swg", params = {H = 4 : i32, W = 4 : i32, C = 2 : i32, SIMD = 1 : i32, {{.*}}} : (!rtl.stream<!rtl.ufixed<2, 0>, 32, 1>) -> !rtl.stream<!rtl.ufixed<2, 0>, 72, 18>
