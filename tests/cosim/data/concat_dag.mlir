// A channel concatenation at rtl level (tests/cosim/test_conv_dag.py): a 4x4x2 map of si3 codes,
// two channels a beat, is forked; one branch is padded by 1 and windowed 3x3 (stride 1), so each
// output pixel carries its 9 window positions (18 channels, 9 beats); the other waits in a FIFO;
// a qnnc_concat writes, per pixel, the window (a, CA = 18) then the pixel itself (b, CB = 2).
rtl.module "qnnc_top" : (!rtl.stream<!rtl.fixed<3, 0>, 32, 2>) -> !rtl.stream<!rtl.fixed<3, 0>, 320, 2> {
^bb0(%x: !rtl.stream<!rtl.fixed<3, 0>, 32, 2>):
  %a, %b = rtl.cell "qnnc_fork"(%x) {instance_name = "fork", params = {W = 6 : i32}} : (!rtl.stream<!rtl.fixed<3, 0>, 32, 2>) -> (!rtl.stream<!rtl.fixed<3, 0>, 32, 2>, !rtl.stream<!rtl.fixed<3, 0>, 32, 2>)
  %p = rtl.cell "qnnc_pad"(%a) {instance_name = "pad", params = {H = 4 : i32, W = 4 : i32, C = 2 : i32, P = 2 : i32, ELEM_W = 3 : i32, PT = 1 : i32, PL = 1 : i32, PB = 1 : i32, PR = 1 : i32, VALUE = 0 : i32}} : (!rtl.stream<!rtl.fixed<3, 0>, 32, 2>) -> !rtl.stream<!rtl.fixed<3, 0>, 72, 2>
  %w = rtl.cell "qnnc_swg"(%p) {instance_name = "swg", params = {H = 6 : i32, W = 6 : i32, C = 2 : i32, SIMD = 2 : i32, ELEM_W = 3 : i32, KH = 3 : i32, KW = 3 : i32, SH = 1 : i32, SW = 1 : i32, DH = 1 : i32, DW = 1 : i32}} : (!rtl.stream<!rtl.fixed<3, 0>, 72, 2>) -> !rtl.stream<!rtl.fixed<3, 0>, 288, 2>
  %f = rtl.cell "qnnc_fifo"(%b) {instance_name = "skip", params = {W = 6 : i32, DEPTH = 32 : i32}} : (!rtl.stream<!rtl.fixed<3, 0>, 32, 2>) -> !rtl.stream<!rtl.fixed<3, 0>, 32, 2>
  %y = rtl.cell "qnnc_concat"(%w, %f) {instance_name = "cat", params = {CA = 18 : i32, CB = 2 : i32, P = 2 : i32, ELEM_W = 3 : i32}} : (!rtl.stream<!rtl.fixed<3, 0>, 288, 2>, !rtl.stream<!rtl.fixed<3, 0>, 32, 2>) -> !rtl.stream<!rtl.fixed<3, 0>, 320, 2>
  rtl.output %y : !rtl.stream<!rtl.fixed<3, 0>, 320, 2>
}
