// RUN: QNNC_ROUNDTRIP
// RUN: QNNC_GENERIC_ROUNDTRIP

// Every op and type of the rtl dialect, through the generic form and back.

func.func @core(%x: tensor<1x4xsi2>) -> tensor<1x2xsi4> {
  %s = rtl.to_stream %x : tensor<1x4xsi2> -> !rtl.stream<!rtl.fixed<2, 0>, 4, 2>
  %t = rtl.instance @qnnc_top(%s) {instance_name = "qnnc_top"} : (!rtl.stream<!rtl.fixed<2, 0>, 4, 2>) -> !rtl.stream<!rtl.fixed<4, 0>, 2, 1>
  %r = rtl.from_stream %t : !rtl.stream<!rtl.fixed<4, 0>, 2, 1> -> tensor<1x2xsi4>
  func.return %r : tensor<1x2xsi4>
}

rtl.module "mvau_0" : (!rtl.stream<!rtl.fixed<2, 0>, 4, 2>) -> !rtl.stream<!rtl.ufixed<2, 0>, 2, 2> attributes {port_names = ["in", "out"]} {
^bb0(%in: !rtl.stream<!rtl.fixed<2, 0>, 4, 2>):
  %w = rtl.rom {data = dense<[[1, 0, -1, 1], [-1, 1, -1, 0]]> : tensor<2x4xsi2>, lane_width = 2 : i64, latency = 1 : i64} : !rtl.rom<8, 2>
  %t = rtl.rom {data = dense<[[-1, 2, 3, 0]]> : tensor<1x4xsi3>, lane_width = 4 : i64, latency = 1 : i64} : !rtl.rom<16, 1>
  %d = rtl.rom {data = dense<[[0, 1]]> : tensor<1x2xui1>, lane_width = 1 : i64, latency = 1 : i64} : !rtl.rom<2, 1>
  %o = rtl.cell "qnnc_mvau"(%in, %w, %t, %d) {instance_name = "core", params = {MW = 4 : i32, MH = 2 : i32, SIMD = 2 : i32, PE = 2 : i32, IN_W = 2 : i32, IN_SIGNED = 1 : i32, IN_BIPOLAR = 0 : i32, W_W = 2 : i32, W_SIGNED = 1 : i32, W_BIPOLAR = 0 : i32, ACC_W = 4 : i32, N_THRES = 2 : i32, OUT_W = 2 : i32, OUT_BIAS = 0 : i32}} : (!rtl.stream<!rtl.fixed<2, 0>, 4, 2>, !rtl.rom<8, 2>, !rtl.rom<16, 1>, !rtl.rom<2, 1>) -> !rtl.stream<!rtl.ufixed<2, 0>, 2, 2>
  rtl.output %o : !rtl.stream<!rtl.ufixed<2, 0>, 2, 2>
}

rtl.module "xnor_0" : (!rtl.stream<!quant.bipolar, 2, 1>) -> !rtl.stream<!rtl.fixed<4, 0>, 2, 1> {
^bb0(%in: !rtl.stream<!quant.bipolar, 2, 1>):
  %w = rtl.rom {data = dense<[[1], [0], [0], [1]]> : tensor<4x1xui1>, lane_width = 1 : i64, latency = 1 : i64} : !rtl.rom<1, 4>
  %o = rtl.cell "qnnc_mvau"(%in, %w) {instance_name = "core", params = {MW = 2 : i32, MH = 2 : i32, SIMD = 1 : i32, PE = 1 : i32, IN_W = 1 : i32, IN_SIGNED = 0 : i32, IN_BIPOLAR = 1 : i32, W_W = 1 : i32, W_SIGNED = 0 : i32, W_BIPOLAR = 1 : i32, ACC_W = 4 : i32, N_THRES = 0 : i32, OUT_W = 4 : i32, OUT_BIAS = 0 : i32}} : (!rtl.stream<!quant.bipolar, 2, 1>, !rtl.rom<1, 4>) -> !rtl.stream<!rtl.fixed<4, 0>, 2, 1>
  rtl.output %o : !rtl.stream<!rtl.fixed<4, 0>, 2, 1>
}

rtl.module "sink" : (!rtl.stream<!rtl.fixed<4, 0>, 2, 1>) -> () {
^bb0(%in: !rtl.stream<!rtl.fixed<4, 0>, 2, 1>):
  rtl.output
}

rtl.module "qnnc_top" : (!rtl.stream<!rtl.fixed<2, 0>, 4, 2>) -> !rtl.stream<!rtl.fixed<4, 0>, 2, 1> attributes {port_names = ["s_axis", "m_axis"], pad_to_bytes} {
^bb0(%s_axis: !rtl.stream<!rtl.fixed<2, 0>, 4, 2>):
  %m = rtl.instance @mvau_0(%s_axis) {instance_name = "mvau_0"} : (!rtl.stream<!rtl.fixed<2, 0>, 4, 2>) -> !rtl.stream<!rtl.ufixed<2, 0>, 2, 2>
  %f = rtl.cell "qnnc_fifo"(%m) {instance_name = "fifo", params = {W = 4 : i32, DEPTH = 2 : i32}} : (!rtl.stream<!rtl.ufixed<2, 0>, 2, 2>) -> !rtl.stream<!rtl.ufixed<2, 0>, 2, 2>
  %d = rtl.cell "qnnc_dwc"(%f) {instance_name = "dwc", params = {ELEM_W = 2 : i32, IN_P = 2 : i32, OUT_P = 1 : i32}} : (!rtl.stream<!rtl.ufixed<2, 0>, 2, 2>) -> !rtl.stream<!rtl.ufixed<2, 0>, 2, 1>
  %tr = rtl.rom {data = dense<[[1], [-2]]> : tensor<2x1xsi3>, lane_width = 3 : i64} : !rtl.rom<3, 2>
  %dr = rtl.rom {data = dense<[[0], [1]]> : tensor<2x1xui1>, lane_width = 1 : i64} : !rtl.rom<1, 2>
  %t = rtl.cell "qnnc_thres"(%d, %tr, %dr) {instance_name = "thres", params = {C = 2 : i32, PE = 1 : i32, IN_W = 2 : i32, IN_SIGNED = 0 : i32, T_W = 3 : i32, N_THRES = 1 : i32, OUT_W = 1 : i32, OUT_BIAS = 0 : i32}} : (!rtl.stream<!rtl.ufixed<2, 0>, 2, 1>, !rtl.rom<3, 2>, !rtl.rom<1, 2>) -> !rtl.stream<!quant.bipolar, 2, 1>
  %x = rtl.instance @xnor_0(%t) {instance_name = "xnor"} : (!rtl.stream<!quant.bipolar, 2, 1>) -> !rtl.stream<!rtl.fixed<4, 0>, 2, 1>
  rtl.instance @sink(%x) {instance_name = "sink"} : (!rtl.stream<!rtl.fixed<4, 0>, 2, 1>) -> ()
  rtl.output %x : !rtl.stream<!rtl.fixed<4, 0>, 2, 1>
}

// CHECK-LABEL: func.func @core(%x: tensor<1x4xsi2>) -> tensor<1x2xsi4> {
// CHECK-NEXT:    %s = rtl.to_stream %x : tensor<1x4xsi2> -> !rtl.stream<!rtl.fixed<2, 0>, 4, 2>
// CHECK-NEXT:    %t = rtl.instance @qnnc_top(%s) {instance_name = "qnnc_top"} : (!rtl.stream<!rtl.fixed<2, 0>, 4, 2>) -> !rtl.stream<!rtl.fixed<4, 0>, 2, 1>
// CHECK-NEXT:    %r = rtl.from_stream %t : !rtl.stream<!rtl.fixed<4, 0>, 2, 1> -> tensor<1x2xsi4>
// CHECK-NEXT:    func.return %r : tensor<1x2xsi4>
// CHECK-NEXT:  }
// CHECK-NEXT:  rtl.module "mvau_0" : (!rtl.stream<!rtl.fixed<2, 0>, 4, 2>) -> !rtl.stream<!rtl.ufixed<2, 0>, 2, 2> attributes {port_names = ["in", "out"]} {
// CHECK-NEXT:  ^bb0(%in: !rtl.stream<!rtl.fixed<2, 0>, 4, 2>):
// CHECK-NEXT:    %w = rtl.rom {data = dense<{{\[}}[1, 0, -1, 1], [-1, 1, -1, 0]]> : tensor<2x4xsi2>, lane_width = 2 : i64, latency = 1 : i64} : !rtl.rom<8, 2>
// CHECK-NEXT:    %t = rtl.rom {data = dense<{{\[}}[-1, 2, 3, 0]]> : tensor<1x4xsi3>, lane_width = 4 : i64, latency = 1 : i64} : !rtl.rom<16, 1>
// CHECK-NEXT:    %d = rtl.rom {data = dense<{{\[}}[0, 1]]> : tensor<1x2xui1>, lane_width = 1 : i64, latency = 1 : i64} : !rtl.rom<2, 1>
// CHECK-NEXT:    %o = rtl.cell "qnnc_mvau"(%in, %w, %t, %d) {instance_name = "core", params = {MW = 4 : i32, MH = 2 : i32, SIMD = 2 : i32, PE = 2 : i32, IN_W = 2 : i32, IN_SIGNED = 1 : i32, IN_BIPOLAR = 0 : i32, W_W = 2 : i32, W_SIGNED = 1 : i32, W_BIPOLAR = 0 : i32, ACC_W = 4 : i32, N_THRES = 2 : i32, OUT_W = 2 : i32, OUT_BIAS = 0 : i32}} : (!rtl.stream<!rtl.fixed<2, 0>, 4, 2>, !rtl.rom<8, 2>, !rtl.rom<16, 1>, !rtl.rom<2, 1>) -> !rtl.stream<!rtl.ufixed<2, 0>, 2, 2>
// CHECK-NEXT:    rtl.output %o : !rtl.stream<!rtl.ufixed<2, 0>, 2, 2>
// CHECK-NEXT:  }
// CHECK-NEXT:  rtl.module "xnor_0" : (!rtl.stream<!quant.bipolar, 2, 1>) -> !rtl.stream<!rtl.fixed<4, 0>, 2, 1> {
// CHECK-NEXT:  ^bb0(%in: !rtl.stream<!quant.bipolar, 2, 1>):
// CHECK-NEXT:    %w = rtl.rom {data = dense<{{\[}}[1], [0], [0], [1]]> : tensor<4x1xui1>, lane_width = 1 : i64, latency = 1 : i64} : !rtl.rom<1, 4>
// CHECK-NEXT:    %o = rtl.cell "qnnc_mvau"(%in, %w) {instance_name = "core", params = {MW = 2 : i32, MH = 2 : i32, SIMD = 1 : i32, PE = 1 : i32, IN_W = 1 : i32, IN_SIGNED = 0 : i32, IN_BIPOLAR = 1 : i32, W_W = 1 : i32, W_SIGNED = 0 : i32, W_BIPOLAR = 1 : i32, ACC_W = 4 : i32, N_THRES = 0 : i32, OUT_W = 4 : i32, OUT_BIAS = 0 : i32}} : (!rtl.stream<!quant.bipolar, 2, 1>, !rtl.rom<1, 4>) -> !rtl.stream<!rtl.fixed<4, 0>, 2, 1>
// CHECK-NEXT:    rtl.output %o : !rtl.stream<!rtl.fixed<4, 0>, 2, 1>
// CHECK-NEXT:  }
// CHECK-NEXT:  rtl.module "sink" : (!rtl.stream<!rtl.fixed<4, 0>, 2, 1>) -> () {
// CHECK-NEXT:  ^bb0(%in: !rtl.stream<!rtl.fixed<4, 0>, 2, 1>):
// CHECK-NEXT:    rtl.output
// CHECK-NEXT:  }
// CHECK-NEXT:  rtl.module "qnnc_top" : (!rtl.stream<!rtl.fixed<2, 0>, 4, 2>) -> !rtl.stream<!rtl.fixed<4, 0>, 2, 1> attributes {port_names = ["s_axis", "m_axis"], pad_to_bytes} {
// CHECK-NEXT:  ^bb0(%s_axis: !rtl.stream<!rtl.fixed<2, 0>, 4, 2>):
// CHECK-NEXT:    %m = rtl.instance @mvau_0(%s_axis) {instance_name = "mvau_0"} : (!rtl.stream<!rtl.fixed<2, 0>, 4, 2>) -> !rtl.stream<!rtl.ufixed<2, 0>, 2, 2>
// CHECK-NEXT:    %f = rtl.cell "qnnc_fifo"(%m) {instance_name = "fifo", params = {W = 4 : i32, DEPTH = 2 : i32}} : (!rtl.stream<!rtl.ufixed<2, 0>, 2, 2>) -> !rtl.stream<!rtl.ufixed<2, 0>, 2, 2>
// CHECK-NEXT:    %d = rtl.cell "qnnc_dwc"(%f) {instance_name = "dwc", params = {ELEM_W = 2 : i32, IN_P = 2 : i32, OUT_P = 1 : i32}} : (!rtl.stream<!rtl.ufixed<2, 0>, 2, 2>) -> !rtl.stream<!rtl.ufixed<2, 0>, 2, 1>
// CHECK-NEXT:    %tr = rtl.rom {data = dense<{{\[}}[1], [-2]]> : tensor<2x1xsi3>, lane_width = 3 : i64} : !rtl.rom<3, 2>
// CHECK-NEXT:    %dr = rtl.rom {data = dense<{{\[}}[0], [1]]> : tensor<2x1xui1>, lane_width = 1 : i64} : !rtl.rom<1, 2>
// CHECK-NEXT:    %t = rtl.cell "qnnc_thres"(%d, %tr, %dr) {instance_name = "thres", params = {C = 2 : i32, PE = 1 : i32, IN_W = 2 : i32, IN_SIGNED = 0 : i32, T_W = 3 : i32, N_THRES = 1 : i32, OUT_W = 1 : i32, OUT_BIAS = 0 : i32}} : (!rtl.stream<!rtl.ufixed<2, 0>, 2, 1>, !rtl.rom<3, 2>, !rtl.rom<1, 2>) -> !rtl.stream<!quant.bipolar, 2, 1>
// CHECK-NEXT:    %x = rtl.instance @xnor_0(%t) {instance_name = "xnor"} : (!rtl.stream<!quant.bipolar, 2, 1>) -> !rtl.stream<!rtl.fixed<4, 0>, 2, 1>
// CHECK-NEXT:    rtl.instance @sink(%x) {instance_name = "sink"} : (!rtl.stream<!rtl.fixed<4, 0>, 2, 1>) -> ()
// CHECK-NEXT:    rtl.output %x : !rtl.stream<!rtl.fixed<4, 0>, 2, 1>
// CHECK-NEXT:  }

// CHECK-GENERIC:       "rtl.module"() <{sym_name = "mvau_0", function_type = (!rtl.stream<!rtl.fixed<2, 0>, 4, 2>) -> !rtl.stream<!rtl.ufixed<2, 0>, 2, 2>}> ({
// CHECK-GENERIC:         %w = "rtl.rom"() <{data = dense<{{\[}}[1, 0, -1, 1], [-1, 1, -1, 0]]> : tensor<2x4xsi2>, lane_width = 2 : i64, latency = 1 : i64}> : () -> !rtl.rom<8, 2>
// CHECK-GENERIC:         "rtl.output"(%o) : (!rtl.stream<!rtl.ufixed<2, 0>, 2, 2>) -> ()
// CHECK-GENERIC:       }) {port_names = ["in", "out"]} : () -> ()
// CHECK-GENERIC:         %f = "rtl.cell"(%m) <{cell = "qnnc_fifo", instance_name = "fifo", params = {W = 4 : i32, DEPTH = 2 : i32}}> : (!rtl.stream<!rtl.ufixed<2, 0>, 2, 2>) -> !rtl.stream<!rtl.ufixed<2, 0>, 2, 2>

// -----

// Cells with several streams: a fork has two results, an add reads two streams.
rtl.module "qnnc_top" : (!rtl.stream<!rtl.fixed<3, 0>, 4, 2>) -> !rtl.stream<!rtl.fixed<5, 0>, 4, 2> {
^bb0(%in: !rtl.stream<!rtl.fixed<3, 0>, 4, 2>):
  %a, %b = rtl.cell "qnnc_fork"(%in) {instance_name = "fork", params = {W = 6 : i32}} : (!rtl.stream<!rtl.fixed<3, 0>, 4, 2>) -> (!rtl.stream<!rtl.fixed<3, 0>, 4, 2>, !rtl.stream<!rtl.fixed<3, 0>, 4, 2>)
  %s = rtl.cell "qnnc_add"(%a, %b) {instance_name = "add", params = {C = 4 : i32, PE = 2 : i32, A_W = 3 : i32, A_SIGNED = 1 : i32, B_W = 3 : i32, B_SIGNED = 1 : i32, KA = 1 : i32, KB = 2 : i32, ACC_W = 5 : i32, N_THRES = 0 : i32, OUT_W = 5 : i32, OUT_BIAS = 0 : i32}} : (!rtl.stream<!rtl.fixed<3, 0>, 4, 2>, !rtl.stream<!rtl.fixed<3, 0>, 4, 2>) -> !rtl.stream<!rtl.fixed<5, 0>, 4, 2>
  rtl.output %s : !rtl.stream<!rtl.fixed<5, 0>, 4, 2>
}

// CHECK:       %a, %b = rtl.cell "qnnc_fork"(%in) {instance_name = "fork", params = {W = 6 : i32}} : (!rtl.stream<!rtl.fixed<3, 0>, 4, 2>) -> (!rtl.stream<!rtl.fixed<3, 0>, 4, 2>, !rtl.stream<!rtl.fixed<3, 0>, 4, 2>)
// CHECK-NEXT:  %s = rtl.cell "qnnc_add"(%a, %b) {instance_name = "add", params = {C = 4 : i32, PE = 2 : i32, A_W = 3 : i32, A_SIGNED = 1 : i32, B_W = 3 : i32, B_SIGNED = 1 : i32, KA = 1 : i32, KB = 2 : i32, ACC_W = 5 : i32, N_THRES = 0 : i32, OUT_W = 5 : i32, OUT_BIAS = 0 : i32}} : (!rtl.stream<!rtl.fixed<3, 0>, 4, 2>, !rtl.stream<!rtl.fixed<3, 0>, 4, 2>) -> !rtl.stream<!rtl.fixed<5, 0>, 4, 2>
// CHECK-GENERIC:   %a, %b = "rtl.cell"(%in) <{cell = "qnnc_fork", instance_name = "fork", params = {W = 6 : i32}}>
// CHECK-GENERIC:   %s = "rtl.cell"(%a, %b) <{cell = "qnnc_add", instance_name = "add"
