// A residual block of the conv-net cells, at rtl level (tests/cosim/test_conv_dag.py and the
// FileCheck tests tests/filecheck/backends/{verilog,hls}-dag.mlir): a 4x4x2 map of si3 codes is
// forked; one branch is padded by 1, windowed 3x3 (stride 1) and sum-pooled over the 9 window
// positions (a 3x3 box filter), the other waits in a FIFO of one frame; a residual add with
// three thresholds per channel (channel 1 descending) joins them.
rtl.module "add_unit" : (!rtl.stream<!rtl.fixed<7, 0>, 32, 1>, !rtl.stream<!rtl.fixed<3, 0>, 32, 1>) -> !rtl.stream<!rtl.ufixed<2, 0>, 32, 1> {
^bb0(%sum: !rtl.stream<!rtl.fixed<7, 0>, 32, 1>, %skip: !rtl.stream<!rtl.fixed<3, 0>, 32, 1>):
  %t = rtl.rom {data = dense<[[-5, 0, 6], [8, 1, -3]]> : tensor<2x3xsi8>, lane_width = 8 : i64} : !rtl.rom<24, 2>
  %d = rtl.rom {data = dense<[[0], [1]]> : tensor<2x1xui1>, lane_width = 1 : i64} : !rtl.rom<1, 2>
  %o = rtl.cell "qnnc_add"(%sum, %skip, %t, %d) {instance_name = "add", params = {C = 2 : i32, PE = 1 : i32, A_W = 7 : i32, A_SIGNED = 1 : i32, B_W = 3 : i32, B_SIGNED = 1 : i32, KA = 1 : i32, KB = 2 : i32, ACC_W = 8 : i32, N_THRES = 3 : i32, OUT_W = 2 : i32, OUT_BIAS = 0 : i32}} : (!rtl.stream<!rtl.fixed<7, 0>, 32, 1>, !rtl.stream<!rtl.fixed<3, 0>, 32, 1>, !rtl.rom<24, 2>, !rtl.rom<1, 2>) -> !rtl.stream<!rtl.ufixed<2, 0>, 32, 1>
  rtl.output %o : !rtl.stream<!rtl.ufixed<2, 0>, 32, 1>
}

rtl.module "qnnc_top" : (!rtl.stream<!rtl.fixed<3, 0>, 32, 1>) -> !rtl.stream<!rtl.ufixed<2, 0>, 32, 1> {
^bb0(%x: !rtl.stream<!rtl.fixed<3, 0>, 32, 1>):
  %a, %b = rtl.cell "qnnc_fork"(%x) {instance_name = "fork", params = {W = 3 : i32}} : (!rtl.stream<!rtl.fixed<3, 0>, 32, 1>) -> (!rtl.stream<!rtl.fixed<3, 0>, 32, 1>, !rtl.stream<!rtl.fixed<3, 0>, 32, 1>)
  %p = rtl.cell "qnnc_pad"(%a) {instance_name = "pad", params = {H = 4 : i32, W = 4 : i32, C = 2 : i32, P = 1 : i32, ELEM_W = 3 : i32, PT = 1 : i32, PL = 1 : i32, PB = 1 : i32, PR = 1 : i32, VALUE = 0 : i32}} : (!rtl.stream<!rtl.fixed<3, 0>, 32, 1>) -> !rtl.stream<!rtl.fixed<3, 0>, 72, 1>
  %w = rtl.cell "qnnc_swg"(%p) {instance_name = "swg", params = {H = 6 : i32, W = 6 : i32, C = 2 : i32, SIMD = 1 : i32, ELEM_W = 3 : i32, KH = 3 : i32, KW = 3 : i32, SH = 1 : i32, SW = 1 : i32, DH = 1 : i32, DW = 1 : i32}} : (!rtl.stream<!rtl.fixed<3, 0>, 72, 1>) -> !rtl.stream<!rtl.fixed<3, 0>, 288, 1>
  %s = rtl.cell "qnnc_pool"(%w) {instance_name = "pool", params = {K = 9 : i32, C = 2 : i32, PE = 1 : i32, IN_W = 3 : i32, IN_SIGNED = 1 : i32, OUT_W = 7 : i32, MODE = 1 : i32}} : (!rtl.stream<!rtl.fixed<3, 0>, 288, 1>) -> !rtl.stream<!rtl.fixed<7, 0>, 32, 1>
  %f = rtl.cell "qnnc_fifo"(%b) {instance_name = "skip", params = {W = 3 : i32, DEPTH = 32 : i32}} : (!rtl.stream<!rtl.fixed<3, 0>, 32, 1>) -> !rtl.stream<!rtl.fixed<3, 0>, 32, 1>
  %y = rtl.instance @add_unit(%s, %f) {instance_name = "residual"} : (!rtl.stream<!rtl.fixed<7, 0>, 32, 1>, !rtl.stream<!rtl.fixed<3, 0>, 32, 1>) -> !rtl.stream<!rtl.ufixed<2, 0>, 32, 1>
  rtl.output %y : !rtl.stream<!rtl.ufixed<2, 0>, 32, 1>
}
