// RUN: QNNC_VERIFY_DIAG

// One case per verifier error of every rtl op and type (type errors surface while parsing).

// !rtl.fixed: at least one bit
func.func @f(%x: !rtl.fixed<0, 0>) {
  func.return
}
// CHECK: rtl.fixed: width must be positive

// -----

// !rtl.ufixed: at least one bit
func.func @f(%x: !rtl.ufixed<0, 2>) {
  func.return
}
// CHECK: rtl.ufixed: width must be positive

// -----

// !rtl.stream: fixed-point or bipolar elements
func.func @f(%x: !rtl.stream<si2, 4, 1>) {
  func.return
}
// CHECK: rtl.stream elements must be fixed-point or bipolar, got si2

// -----

// !rtl.stream: the lanes divide the frame
func.func @f(%x: !rtl.stream<!rtl.fixed<2, 0>, 4, 3>) {
  func.return
}
// CHECK: rtl.stream: 3 lanes do not divide 4 elements

// -----

// !rtl.stream: at least one lane
func.func @f(%x: !rtl.stream<!rtl.fixed<2, 0>, 4, 0>) {
  func.return
}
// CHECK: rtl.stream: 0 lanes do not divide 4 elements

// -----

// rtl.module: the block arguments are the input ports
rtl.module "m" : (!rtl.stream<!rtl.fixed<2, 0>, 4, 1>) -> (!rtl.stream<!rtl.fixed<2, 0>, 4, 1>) {
^bb0(%in: !rtl.stream<!rtl.fixed<3, 0>, 4, 1>):
  rtl.output %in : !rtl.stream<!rtl.fixed<3, 0>, 4, 1>
}
// CHECK: Operation does not verify: rtl.module @m: block arguments do not match the input ports

// -----

// rtl.module: rtl.output drives the output ports
rtl.module "m" : (!rtl.stream<!rtl.fixed<2, 0>, 4, 1>) -> (!rtl.stream<!rtl.fixed<2, 0>, 4, 1>, !rtl.stream<!rtl.fixed<2, 0>, 4, 1>) {
^bb0(%in: !rtl.stream<!rtl.fixed<2, 0>, 4, 1>):
  rtl.output %in : !rtl.stream<!rtl.fixed<2, 0>, 4, 1>
}
// CHECK: Operation does not verify: rtl.module @m: rtl.output does not match the output ports

// -----

// rtl.module: rtl.output drives the output ports, with their types
rtl.module "m" : (!rtl.stream<!rtl.fixed<2, 0>, 4, 1>) -> (!rtl.stream<!rtl.fixed<2, 0>, 4, 2>) {
^bb0(%in: !rtl.stream<!rtl.fixed<2, 0>, 4, 1>):
  rtl.output %in : !rtl.stream<!rtl.fixed<2, 0>, 4, 1>
}
// CHECK: Operation does not verify: rtl.module @m: rtl.output does not match the output ports

// -----

// rtl.module: fixed-point widths are part of the type (!rtl.fixed<2, 0> != !rtl.fixed<4, 0>)
rtl.module "m" : (!rtl.stream<!rtl.fixed<2, 0>, 4, 1>) -> (!rtl.stream<!rtl.fixed<4, 0>, 4, 1>) {
^bb0(%in: !rtl.stream<!rtl.fixed<2, 0>, 4, 1>):
  rtl.output %in : !rtl.stream<!rtl.fixed<2, 0>, 4, 1>
}
// CHECK: Operation does not verify: rtl.module @m: rtl.output does not match the output ports

// -----

// rtl.module: so are fractional bits
rtl.module "m" : (!rtl.stream<!rtl.fixed<4, 1>, 4, 1>) -> (!rtl.stream<!rtl.fixed<4, 1>, 4, 1>) {
^bb0(%in: !rtl.stream<!rtl.fixed<4, 0>, 4, 1>):
  rtl.output %in : !rtl.stream<!rtl.fixed<4, 0>, 4, 1>
}
// CHECK: Operation does not verify: rtl.module @m: block arguments do not match the input ports

// -----

// rtl.output: only in an rtl.module (here it is last in its block, so only HasParent fails;
// which of two failing traits is reported first is not deterministic)
%x = "test.op"() : () -> !rtl.stream<!rtl.fixed<2, 0>, 4, 1>
rtl.output %x : !rtl.stream<!rtl.fixed<2, 0>, 4, 1>
// CHECK: Operation does not verify: 'rtl.output' expects parent op 'rtl.module'

// -----

// rtl.rom: block RAM reads synchronously
func.func @f() {
  %r = rtl.rom {data = dense<[[1], [0]]> : tensor<2x1xsi2>, lane_width = 2 : i64, style = "block"} : !rtl.rom<2, 2>
  func.return
}
// CHECK: Operation does not verify: rtl.rom: block RAM reads synchronously (latency 1)

// -----

// rtl.rom: a place it can live
func.func @f() {
  %r = rtl.rom {data = dense<[[1], [0]]> : tensor<2x1xsi2>, lane_width = 2 : i64, latency = 1 : i64, style = "ultra"} : !rtl.rom<2, 2>
  func.return
}
// CHECK: Operation does not verify: rtl.rom: style must be one of block, distributed

// -----

// rtl.cell: a ROM is read with the latency its port expects (the MVAU's are synchronous)
func.func @f(%x: !rtl.stream<!rtl.fixed<2, 0>, 2, 1>) {
  %w = rtl.rom {data = dense<[[1], [0]]> : tensor<2x1xsi2>, lane_width = 2 : i64} : !rtl.rom<2, 2>
  %o = rtl.cell "qnnc_mvau"(%x, %w) {instance_name = "c", params = {MW = 2 : i32, MH = 1 : i32, SIMD = 1 : i32, PE = 1 : i32, IN_W = 2 : i32, IN_SIGNED = 1 : i32, IN_BIPOLAR = 0 : i32, W_W = 2 : i32, W_SIGNED = 1 : i32, W_BIPOLAR = 0 : i32, ACC_W = 5 : i32, N_THRES = 0 : i32, OUT_W = 5 : i32, OUT_BIAS = 0 : i32}} : (!rtl.stream<!rtl.fixed<2, 0>, 2, 1>, !rtl.rom<2, 2>) -> !rtl.stream<!rtl.fixed<5, 0>, 1, 1>
  func.return
}
// CHECK: Operation does not verify: rtl.cell: ROM port 'w' of qnnc_mvau reads with latency 1, the ROM has 0

// -----

// rtl.rom: data is (depth, lanes)
func.func @f() {
  %r = rtl.rom {data = dense<[1, 0, -1]> : tensor<3xsi2>, lane_width = 2 : i64} : !rtl.rom<2, 3>
  func.return
}
// CHECK: Operation does not verify: rtl.rom: data must be (depth, lanes)

// -----

// rtl.rom: the type is depth words of lanes * lane_width bits
func.func @f() {
  %r = rtl.rom {data = dense<[[1, 0], [-1, 1]]> : tensor<2x2xsi2>, lane_width = 2 : i64} : !rtl.rom<6, 2>
  func.return
}
// CHECK: Operation does not verify: rtl.rom: type !rtl.rom<6, 2> does not match 2 words of 2x2 bits

// -----

// rtl.rom: the depth is the number of words
func.func @f() {
  %r = rtl.rom {data = dense<[[1, 0], [-1, 1]]> : tensor<2x2xsi2>, lane_width = 2 : i64} : !rtl.rom<4, 3>
  func.return
}
// CHECK: Operation does not verify: rtl.rom: type !rtl.rom<4, 3> does not match 2 words of 2x2 bits

// -----

// rtl.rom: values fit lane_width bits (unsigned)
func.func @f() {
  %r = rtl.rom {data = dense<[[1, 4]]> : tensor<1x2xsi4>, lane_width = 2 : i64} : !rtl.rom<4, 1>
  func.return
}
// CHECK: Operation does not verify: rtl.rom: values do not fit 2 bits

// -----

// rtl.rom: values fit lane_width bits (two's complement)
func.func @f() {
  %r = rtl.rom {data = dense<[[1, -3]]> : tensor<1x2xsi4>, lane_width = 2 : i64} : !rtl.rom<4, 1>
  func.return
}
// CHECK: Operation does not verify: rtl.rom: values do not fit 2 bits

// -----

// rtl.cell: a library cell
func.func @f(%x: !rtl.stream<!rtl.fixed<2, 0>, 4, 1>) {
  %o = rtl.cell "qnnc_adder"(%x) {instance_name = "c", params = {W = 2 : i32, DEPTH = 2 : i32}} : (!rtl.stream<!rtl.fixed<2, 0>, 4, 1>) -> !rtl.stream<!rtl.fixed<2, 0>, 4, 1>
  func.return
}
// CHECK: Operation does not verify: rtl.cell: unknown cell 'qnnc_adder'

// -----

// rtl.cell: qnnc_thres reads its stream, thresholds and directions
func.func @f(%x: !rtl.stream<!rtl.fixed<2, 0>, 4, 1>) {
  %w = rtl.rom {data = dense<[[1], [0]]> : tensor<2x1xsi2>, lane_width = 2 : i64} : !rtl.rom<2, 2>
  %o = rtl.cell "qnnc_thres"(%x, %w) {instance_name = "c", params = {W = 2 : i32, DEPTH = 2 : i32}} : (!rtl.stream<!rtl.fixed<2, 0>, 4, 1>, !rtl.rom<2, 2>) -> !rtl.stream<!rtl.fixed<2, 0>, 4, 1>
  func.return
}
// CHECK: Operation does not verify: rtl.cell: qnnc_thres takes 3 operands

// -----

// rtl.cell: the ROMs qnnc_mvau takes follow its parameters: with thresholds (N_THRES > 0,
// ACT = 0) the weights, thresholds and directions
func.func @f(%x: !rtl.stream<!rtl.fixed<2, 0>, 4, 1>) {
  %w = rtl.rom {data = dense<[[1], [0]]> : tensor<2x1xsi2>, lane_width = 2 : i64, latency = 1 : i64} : !rtl.rom<2, 2>
  %o = rtl.cell "qnnc_mvau"(%x, %w, %w) {instance_name = "c", params = {MW = 4 : i32, MH = 2 : i32, SIMD = 1 : i32, PE = 1 : i32, IN_W = 2 : i32, IN_SIGNED = 1 : i32, IN_BIPOLAR = 0 : i32, W_W = 2 : i32, W_SIGNED = 1 : i32, W_BIPOLAR = 0 : i32, ACC_W = 4 : i32, N_THRES = 2 : i32, OUT_W = 2 : i32, OUT_BIAS = 0 : i32}} : (!rtl.stream<!rtl.fixed<2, 0>, 4, 1>, !rtl.rom<2, 2>, !rtl.rom<2, 2>) -> !rtl.stream<!rtl.fixed<2, 0>, 4, 1>
  func.return
}
// CHECK: Operation does not verify: rtl.cell: qnnc_mvau takes 4 operands with these parameters (ROMs w, t, t_desc)

// -----

// rtl.cell: with the multiply-shift (ACT = 1) the weights, multipliers and offsets
func.func @f(%x: !rtl.stream<!rtl.fixed<2, 0>, 4, 1>) {
  %w = rtl.rom {data = dense<[[1], [0]]> : tensor<2x1xsi2>, lane_width = 2 : i64, latency = 1 : i64} : !rtl.rom<2, 2>
  %o = rtl.cell "qnnc_mvau"(%x, %w) {instance_name = "c", params = {MW = 4 : i32, MH = 2 : i32, SIMD = 1 : i32, PE = 1 : i32, IN_W = 2 : i32, IN_SIGNED = 1 : i32, IN_BIPOLAR = 0 : i32, W_W = 2 : i32, W_SIGNED = 1 : i32, W_BIPOLAR = 0 : i32, ACC_W = 4 : i32, N_THRES = 2 : i32, OUT_W = 2 : i32, OUT_BIAS = 0 : i32, ACT = 1 : i32, M_W = 2 : i32, B_W = 3 : i32, SHIFT = 1 : i32}} : (!rtl.stream<!rtl.fixed<2, 0>, 4, 1>, !rtl.rom<2, 2>) -> !rtl.stream<!rtl.fixed<2, 0>, 4, 1>
  func.return
}
// CHECK: Operation does not verify: rtl.cell: qnnc_mvau takes 4 operands with these parameters (ROMs w, rq_mult, rq_offset)

// -----

// rtl.cell: one output stream
func.func @f(%x: !rtl.stream<!rtl.fixed<2, 0>, 4, 1>) {
  %o, %p = rtl.cell "qnnc_fifo"(%x) {instance_name = "c", params = {W = 2 : i32, DEPTH = 2 : i32}} : (!rtl.stream<!rtl.fixed<2, 0>, 4, 1>) -> (!rtl.stream<!rtl.fixed<2, 0>, 4, 1>, !rtl.stream<!rtl.fixed<2, 0>, 4, 1>)
  func.return
}
// CHECK: Operation does not verify: rtl.cell: qnnc_fifo has 1 result

// -----

// rtl.cell: a fork has two output streams
func.func @f(%x: !rtl.stream<!rtl.fixed<2, 0>, 4, 1>) {
  %o = rtl.cell "qnnc_fork"(%x) {instance_name = "c", params = {W = 2 : i32}} : (!rtl.stream<!rtl.fixed<2, 0>, 4, 1>) -> !rtl.stream<!rtl.fixed<2, 0>, 4, 1>
  func.return
}
// CHECK: Operation does not verify: rtl.cell: qnnc_fork has 2 results

// -----

// rtl.cell: an add reads two streams (a, b), then its optional ROMs
func.func @f(%x: !rtl.stream<!rtl.fixed<2, 0>, 4, 1>) {
  %w = rtl.rom {data = dense<[[1], [0]]> : tensor<2x1xsi2>, lane_width = 2 : i64} : !rtl.rom<2, 2>
  %o = rtl.cell "qnnc_add"(%x, %w) {instance_name = "c", params = {C = 4 : i32, PE = 1 : i32, A_W = 2 : i32, A_SIGNED = 1 : i32, B_W = 2 : i32, B_SIGNED = 1 : i32, KA = 1 : i32, KB = 1 : i32, ACC_W = 3 : i32, N_THRES = 0 : i32, OUT_W = 3 : i32, OUT_BIAS = 0 : i32}} : (!rtl.stream<!rtl.fixed<2, 0>, 4, 1>, !rtl.rom<2, 2>) -> !rtl.stream<!rtl.fixed<3, 0>, 4, 1>
  func.return
}
// CHECK: Operation does not verify: rtl.cell: operand 'b' of qnnc_add must be a stream (the input streams come first, then the ROMs)

// -----

// rtl.cell: the stream comes first
func.func @f() {
  %w = rtl.rom {data = dense<[[1], [0]]> : tensor<2x1xsi2>, lane_width = 2 : i64} : !rtl.rom<2, 2>
  %o = rtl.cell "qnnc_fifo"(%w) {instance_name = "c", params = {W = 2 : i32, DEPTH = 2 : i32}} : (!rtl.rom<2, 2>) -> !rtl.stream<!rtl.fixed<2, 0>, 4, 1>
  func.return
}
// CHECK: Operation does not verify: rtl.cell: operand 'in' of qnnc_fifo must be a stream (the input streams come first, then the ROMs)

// -----

// rtl.cell: then ROMs
func.func @f(%x: !rtl.stream<!rtl.fixed<2, 0>, 4, 1>, %y: !rtl.stream<!rtl.fixed<2, 0>, 4, 1>) {
  %w = rtl.rom {data = dense<[[1], [0]]> : tensor<2x1xsi2>, lane_width = 2 : i64} : !rtl.rom<2, 2>
  %o = rtl.cell "qnnc_thres"(%x, %y, %w) {instance_name = "c", params = {W = 2 : i32, DEPTH = 2 : i32}} : (!rtl.stream<!rtl.fixed<2, 0>, 4, 1>, !rtl.stream<!rtl.fixed<2, 0>, 4, 1>, !rtl.rom<2, 2>) -> !rtl.stream<!rtl.fixed<2, 0>, 4, 1>
  func.return
}
// CHECK: Operation does not verify: rtl.cell: operands after the streams must be ROMs

// -----

// rtl.cell: exactly the cell's declared parameters
func.func @f(%x: !rtl.stream<!rtl.fixed<2, 0>, 4, 1>) {
  %o = rtl.cell "qnnc_fifo"(%x) {instance_name = "c", params = {W = 2 : i32}} : (!rtl.stream<!rtl.fixed<2, 0>, 4, 1>) -> !rtl.stream<!rtl.fixed<2, 0>, 4, 1>
  func.return
}
// CHECK: Operation does not verify: rtl.cell: qnnc_fifo has parameters W, DEPTH; got W

// -----

// rtl.cell: each ROM has the shape the parameters give its port (here 2 words of 3 bits)
func.func @f(%x: !rtl.stream<!rtl.fixed<2, 0>, 2, 1>) {
  %t = rtl.rom {data = dense<[[1], [0]]> : tensor<2x1xsi2>, lane_width = 2 : i64} : !rtl.rom<2, 2>
  %d = rtl.rom {data = dense<[[0], [1]]> : tensor<2x1xui1>, lane_width = 1 : i64} : !rtl.rom<1, 2>
  %o = rtl.cell "qnnc_thres"(%x, %t, %d) {instance_name = "c", params = {C = 2 : i32, PE = 1 : i32, IN_W = 2 : i32, IN_SIGNED = 1 : i32, T_W = 3 : i32, N_THRES = 1 : i32, OUT_W = 1 : i32, OUT_BIAS = 0 : i32}} : (!rtl.stream<!rtl.fixed<2, 0>, 2, 1>, !rtl.rom<2, 2>, !rtl.rom<1, 2>) -> !rtl.stream<!rtl.ufixed<1, 0>, 2, 1>
  func.return
}
// CHECK: Operation does not verify: rtl.cell: ROM port 't' of qnnc_thres is !rtl.rom<3, 2>, got !rtl.rom<2, 2>

// -----

// rtl.cell: integer parameters
func.func @f(%x: !rtl.stream<!rtl.fixed<2, 0>, 4, 1>) {
  %o = rtl.cell "qnnc_fifo"(%x) {instance_name = "c", params = {W = 2 : i32, DEPTH = "deep"}} : (!rtl.stream<!rtl.fixed<2, 0>, 4, 1>) -> !rtl.stream<!rtl.fixed<2, 0>, 4, 1>
  func.return
}
// CHECK: Operation does not verify: rtl.cell: parameter DEPTH must be an integer

// -----

// rtl.instance: the ports match the instantiated module
builtin.module {
  rtl.module "m" : (!rtl.stream<!rtl.fixed<2, 0>, 4, 1>) -> !rtl.stream<!rtl.fixed<2, 0>, 4, 1> {
  ^bb0(%a: !rtl.stream<!rtl.fixed<2, 0>, 4, 1>):
    rtl.output %a : !rtl.stream<!rtl.fixed<2, 0>, 4, 1>
  }
  rtl.module "top" : (!rtl.stream<!rtl.fixed<3, 0>, 4, 1>) -> !rtl.stream<!rtl.fixed<3, 0>, 4, 1> {
  ^bb0(%b: !rtl.stream<!rtl.fixed<3, 0>, 4, 1>):
    %o = rtl.instance @m(%b) {instance_name = "i"} : (!rtl.stream<!rtl.fixed<3, 0>, 4, 1>) -> !rtl.stream<!rtl.fixed<3, 0>, 4, 1>
    rtl.output %o : !rtl.stream<!rtl.fixed<3, 0>, 4, 1>
  }
}
// CHECK: rtl.instance: ports do not match @m

// -----

// rtl.to_stream: the tensor matches the stream
func.func @f(%t: tensor<1x4xsi2>) {
  %s = rtl.to_stream %t : tensor<1x4xsi2> -> !rtl.stream<!rtl.fixed<2, 0>, 8, 1>
  func.return
}
// CHECK: rtl.to_stream: tensor of 4 elements, stream frame of 8

// -----

// rtl.from_stream: the element types correspond
func.func @f(%s: !rtl.stream<!rtl.fixed<2, 0>, 4, 1>) {
  %t = rtl.from_stream %s : !rtl.stream<!rtl.fixed<2, 0>, 4, 1> -> tensor<1x4xui2>
  func.return
}
// CHECK: rtl.from_stream: tensor element ui2 does not match stream element !rtl.fixed<2, 0>
