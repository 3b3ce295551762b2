// RUN: qnnc-opt %s --split-input-file -p rtl-legalize-names | filecheck %s
// RUN: qnnc-opt %s --split-input-file -p rtl-legalize-names,rtl-legalize-names | filecheck %s

// rtl-legalize-names: legal, unique Verilog names for modules (not clashing with the library
// cells qnnc_mvau/qnnc_thres/qnnc_fifo/qnnc_dwc), instances and wires, and port names on every
// module (s_axis/m_axis and pad_to_bytes on the top). Running it twice changes nothing.

rtl.module "mvau.L0" : (!rtl.stream<!rtl.fixed<2, 0>, 2, 1>) -> !rtl.stream<!rtl.fixed<4, 0>, 2, 1> {
^bb0(%0: !rtl.stream<!rtl.fixed<2, 0>, 2, 1>):
  %1 = rtl.rom {data = dense<[[1], [0], [-1], [1]]> : tensor<4x1xsi2>, lane_width = 2 : i64, latency = 1 : i64} : !rtl.rom<2, 4>
  %2 = rtl.cell "qnnc_mvau"(%0, %1) {instance_name = "core", params = {MW = 2 : i32, MH = 2 : i32, SIMD = 1 : i32, PE = 1 : i32, IN_W = 2 : i32, IN_SIGNED = 1 : i32, IN_BIPOLAR = 0 : i32, W_W = 2 : i32, W_SIGNED = 1 : i32, W_BIPOLAR = 0 : i32, ACC_W = 4 : i32, N_THRES = 0 : i32, OUT_W = 4 : i32, OUT_BIAS = 0 : i32}} : (!rtl.stream<!rtl.fixed<2, 0>, 2, 1>, !rtl.rom<2, 4>) -> !rtl.stream<!rtl.fixed<4, 0>, 2, 1>
  rtl.output %2 : !rtl.stream<!rtl.fixed<4, 0>, 2, 1>
}
rtl.module "qnnc_fifo" : (!rtl.stream<!rtl.fixed<4, 0>, 2, 1>) -> !rtl.stream<!rtl.fixed<4, 0>, 2, 1> {
^bb0(%0: !rtl.stream<!rtl.fixed<4, 0>, 2, 1>):
  %1 = rtl.cell "qnnc_fifo"(%0) {instance_name = "fifo", params = {W = 4 : i32, DEPTH = 2 : i32}} : (!rtl.stream<!rtl.fixed<4, 0>, 2, 1>) -> !rtl.stream<!rtl.fixed<4, 0>, 2, 1>
  %2 = rtl.cell "qnnc_fifo"(%1) {instance_name = "fifo", params = {W = 4 : i32, DEPTH = 2 : i32}} : (!rtl.stream<!rtl.fixed<4, 0>, 2, 1>) -> !rtl.stream<!rtl.fixed<4, 0>, 2, 1>
  rtl.output %2 : !rtl.stream<!rtl.fixed<4, 0>, 2, 1>
}
rtl.module "module" : (!rtl.stream<!rtl.fixed<4, 0>, 2, 1>, !rtl.stream<!rtl.fixed<4, 0>, 2, 1>) -> (!rtl.stream<!rtl.fixed<4, 0>, 2, 1>, !rtl.stream<!rtl.fixed<4, 0>, 2, 1>) {
^bb0(%0: !rtl.stream<!rtl.fixed<4, 0>, 2, 1>, %1: !rtl.stream<!rtl.fixed<4, 0>, 2, 1>):
  rtl.output %1, %0 : !rtl.stream<!rtl.fixed<4, 0>, 2, 1>, !rtl.stream<!rtl.fixed<4, 0>, 2, 1>
}
rtl.module "qnnc_top" : (!rtl.stream<!rtl.fixed<2, 0>, 2, 1>) -> !rtl.stream<!rtl.fixed<4, 0>, 2, 1> {
^bb0(%0: !rtl.stream<!rtl.fixed<2, 0>, 2, 1>):
  %1 = rtl.instance @"mvau.L0"(%0) {instance_name = "mvau.L0"} : (!rtl.stream<!rtl.fixed<2, 0>, 2, 1>) -> !rtl.stream<!rtl.fixed<4, 0>, 2, 1>
  %2 = rtl.instance @qnnc_fifo(%1) {instance_name = "9"} : (!rtl.stream<!rtl.fixed<4, 0>, 2, 1>) -> !rtl.stream<!rtl.fixed<4, 0>, 2, 1>
  %3, %4 = rtl.instance @module(%2, %1) {instance_name = "wire"} : (!rtl.stream<!rtl.fixed<4, 0>, 2, 1>, !rtl.stream<!rtl.fixed<4, 0>, 2, 1>) -> (!rtl.stream<!rtl.fixed<4, 0>, 2, 1>, !rtl.stream<!rtl.fixed<4, 0>, 2, 1>)
  rtl.output %3 : !rtl.stream<!rtl.fixed<4, 0>, 2, 1>
}

// '.' is not legal in an identifier.
// CHECK:       rtl.module "mvau_L0" : (!rtl.stream<!rtl.fixed<2, 0>, 2, 1>) -> !rtl.stream<!rtl.fixed<4, 0>, 2, 1> attributes {port_names = ["in", "out"]} {
// CHECK-NEXT:  ^bb0(%in: !rtl.stream<!rtl.fixed<2, 0>, 2, 1>):
// ROMs are named after the cell port that reads them, results after the instance.
// CHECK-NEXT:    %core_w_rom = rtl.rom
// CHECK-NEXT:    %core_out = rtl.cell "qnnc_mvau"(%in, %core_w_rom) {instance_name = "core",
// CHECK-NEXT:    rtl.output %core_out

// A module may not take a library cell's name; instance names are unique within a module.
// CHECK:       rtl.module "qnnc_fifo_1" : {{.*}} attributes {port_names = ["in", "out"]} {
// CHECK-NEXT:  ^bb0(%in: !rtl.stream<!rtl.fixed<4, 0>, 2, 1>):
// CHECK-NEXT:    %fifo_out = rtl.cell "qnnc_fifo"(%in) {instance_name = "fifo",
// CHECK-NEXT:    %fifo_1_out = rtl.cell "qnnc_fifo"(%fifo_out) {instance_name = "fifo_1",
// CHECK-NEXT:    rtl.output %fifo_1_out

// Verilog, SystemVerilog and C++ keywords get the suffix '_v'; several ports are numbered.
// CHECK:       rtl.module "module_v" : {{.*}} attributes {port_names = ["in0", "in1", "out0", "out1"]} {
// CHECK-NEXT:  ^bb0(%in0: !rtl.stream<!rtl.fixed<4, 0>, 2, 1>, %in1: !rtl.stream<!rtl.fixed<4, 0>, 2, 1>):
// CHECK-NEXT:    rtl.output %in1, %in0

// The top keeps its name and has AXI-Stream port names; instances follow the module renames;
// an identifier cannot start with a digit.
// CHECK:       rtl.module "qnnc_top" : {{.*}} attributes {port_names = ["s_axis", "m_axis"], pad_to_bytes} {
// CHECK-NEXT:  ^bb0(%s_axis: !rtl.stream<!rtl.fixed<2, 0>, 2, 1>):
// CHECK-NEXT:    %mvau_L0_out = rtl.instance @mvau_L0(%s_axis) {instance_name = "mvau_L0"}
// CHECK-NEXT:    %n_9_out = rtl.instance @qnnc_fifo_1(%mvau_L0_out) {instance_name = "n_9"}
// CHECK-NEXT:    %wire_v_out0, %wire_v_out1 = rtl.instance @module_v(%n_9_out, %mvau_L0_out) {instance_name = "wire_v"}
// CHECK-NEXT:    rtl.output %wire_v_out0

// -----

// A cell's results are named after its declared output ports (a fork's out0/out1); `fork` is a
// Verilog keyword (so is `join`). A module with two input streams gets ports in0, in1.
rtl.module "join" : (!rtl.stream<!rtl.fixed<2, 0>, 2, 1>, !rtl.stream<!rtl.fixed<2, 0>, 2, 1>) -> !rtl.stream<!rtl.fixed<3, 0>, 2, 1> {
^bb0(%0: !rtl.stream<!rtl.fixed<2, 0>, 2, 1>, %1: !rtl.stream<!rtl.fixed<2, 0>, 2, 1>):
  %2 = rtl.cell "qnnc_add"(%0, %1) {instance_name = "add", params = {C = 2 : i32, PE = 1 : i32, A_W = 2 : i32, A_SIGNED = 1 : i32, B_W = 2 : i32, B_SIGNED = 1 : i32, KA = 1 : i32, KB = 1 : i32, ACC_W = 3 : i32, N_THRES = 0 : i32, OUT_W = 3 : i32, OUT_BIAS = 0 : i32}} : (!rtl.stream<!rtl.fixed<2, 0>, 2, 1>, !rtl.stream<!rtl.fixed<2, 0>, 2, 1>) -> !rtl.stream<!rtl.fixed<3, 0>, 2, 1>
  rtl.output %2 : !rtl.stream<!rtl.fixed<3, 0>, 2, 1>
}
rtl.module "qnnc_top" : (!rtl.stream<!rtl.fixed<2, 0>, 2, 1>) -> !rtl.stream<!rtl.fixed<3, 0>, 2, 1> {
^bb0(%0: !rtl.stream<!rtl.fixed<2, 0>, 2, 1>):
  %1, %2 = rtl.cell "qnnc_fork"(%0) {instance_name = "fork", params = {W = 2 : i32}} : (!rtl.stream<!rtl.fixed<2, 0>, 2, 1>) -> (!rtl.stream<!rtl.fixed<2, 0>, 2, 1>, !rtl.stream<!rtl.fixed<2, 0>, 2, 1>)
  %3 = rtl.instance @join(%1, %2) {instance_name = "join"} : (!rtl.stream<!rtl.fixed<2, 0>, 2, 1>, !rtl.stream<!rtl.fixed<2, 0>, 2, 1>) -> !rtl.stream<!rtl.fixed<3, 0>, 2, 1>
  rtl.output %3 : !rtl.stream<!rtl.fixed<3, 0>, 2, 1>
}

// CHECK:       rtl.module "join_v" : {{.*}} attributes {port_names = ["in0", "in1", "out"]} {
// CHECK-NEXT:  ^bb0(%in0: !rtl.stream<!rtl.fixed<2, 0>, 2, 1>, %in1: !rtl.stream<!rtl.fixed<2, 0>, 2, 1>):
// CHECK-NEXT:    %add_out = rtl.cell "qnnc_add"(%in0, %in1) {instance_name = "add",
// CHECK:       rtl.module "qnnc_top" : {{.*}} attributes {port_names = ["s_axis", "m_axis"], pad_to_bytes} {
// CHECK-NEXT:  ^bb0(%s_axis: !rtl.stream<!rtl.fixed<2, 0>, 2, 1>):
// CHECK-NEXT:    %fork_v_out0, %fork_v_out1 = rtl.cell "qnnc_fork"(%s_axis) {instance_name = "fork_v",
// CHECK-NEXT:    %join_v_out = rtl.instance @join_v(%fork_v_out0, %fork_v_out1) {instance_name = "join_v"}
