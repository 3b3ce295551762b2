// RUN: qnnc-opt %S/../../cosim/data/concat_dag.mlir -t verilog | filecheck %s

// `-t verilog` on a channel concatenation (tests/cosim/data/concat_dag.mlir): the library module
// is emitted once, and the instance takes the declared parameters in order and its two input
// streams on the declared ports a (the window) and b (the FIFO'd map).

// CHECK:       module qnnc_concat #(
// CHECK-NOT:   module qnnc_concat #(
// CHECK:       qnnc_concat #(.CA(18), .CB(2), .P(2), .ELEM_W(3)) cat (
// CHECK-NEXT:    .clk(clk),
// CHECK-NEXT:    .rst_n(rst_n),
// CHECK-NEXT:    .a_tdata(swg_out_tdata),
// CHECK-NEXT:    .a_tvalid(swg_out_tvalid),
// CHECK-NEXT:    .a_tready(swg_out_tready),
// CHECK-NEXT:    .b_tdata(skip_out_tdata),
// CHECK-NEXT:    .b_tvalid(skip_out_tvalid),
// CHECK-NEXT:    .b_tready(skip_out_tready),
// CHECK-NEXT:    .out_tdata(cat_out_tdata),
// CHECK-NEXT:    .out_tvalid(cat_out_tvalid),
// CHECK-NEXT:    .out_tready(cat_out_tready)
// CHECK-NEXT:  );
