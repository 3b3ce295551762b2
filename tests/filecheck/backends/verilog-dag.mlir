// RUN: qnnc-opt %S/../../cosim/data/conv_dag.mlir -t verilog | filecheck %s
// RUN: qnnc-opt %S/../../cosim/data/conv_dag.mlir -t verilog -o %t.all
// RUN: awk '/^\/\/ ----- /{keep = ($0 ~ /\.v$/)} keep' %t.all > %t.v
// RUN: %if verilator %{ verilator --lint-only -Wall -Wno-DECLFILENAME --top-module qnnc_top %t.v %}
// RUN: %if iverilog %{ iverilog -g2005 -s qnnc_top -o %t.vvp %t.v %}

// `-t verilog` on a @qnnc_top that is a DAG (tests/cosim/data/conv_dag.mlir): a fork's two
// output streams feed two branches, a module with two input streams joins them. Cell ports are
// the declared stream ports (out0/out1 of qnnc_fork, a/b of qnnc_add); a module with several
// inputs has ports in0, in1; the top keeps one input and one output stream.

// CHECK-LABEL: // {{-----}} add_unit.v
// CHECK:       module add_unit (
// CHECK-NEXT:      input  wire clk,
// CHECK-NEXT:      input  wire rst_n,
// CHECK-NEXT:      input  wire [6:0] in0_tdata,
// CHECK-NEXT:      input  wire in0_tvalid,
// CHECK-NEXT:      output wire in0_tready,
// CHECK-NEXT:      input  wire [2:0] in1_tdata,
// CHECK-NEXT:      input  wire in1_tvalid,
// CHECK-NEXT:      output wire in1_tready,
// CHECK-NEXT:      output wire [1:0] out_tdata,
// The add reads its thresholds combinationally (latency 0): LUTs.
// CHECK:         // ROM add_t_rom: 2 words of 24 bits, distributed, read latency 0
// CHECK:         initial $readmemh("add_unit_add_t_rom.hex", add_t_rom_mem);
// CHECK-NEXT:    wire [23:0] add_t_rom_data = add_t_rom_mem[add_t_rom_addr];
// CHECK:         assign add_t_desc_rom_addr = add_t_rom_addr;
// CHECK-NEXT:    qnnc_add #(.C(2), .PE(1), .A_W(7), .A_SIGNED(1), .B_W(3), .B_SIGNED(1), .KA(1), .KB(2), .ACC_W(8), .N_THRES(3), .OUT_W(2), .OUT_BIAS(0)) add (
// CHECK-NEXT:      .clk(clk),
// CHECK-NEXT:      .rst_n(rst_n),
// CHECK-NEXT:      .a_tdata(in0_tdata),
// CHECK-NEXT:      .a_tvalid(in0_tvalid),
// CHECK-NEXT:      .a_tready(in0_tready),
// CHECK-NEXT:      .b_tdata(in1_tdata),
// CHECK-NEXT:      .b_tvalid(in1_tvalid),
// CHECK-NEXT:      .b_tready(in1_tready),
// CHECK-NEXT:      .out_tdata(add_out_tdata),
// CHECK:           .t_addr(add_t_rom_addr),
// CHECK-NEXT:      .t_data(add_t_rom_data),
// CHECK-NEXT:      .t_desc(add_t_desc_rom_data)

// The library cells used, in file-name order.
// Thresholds [-5, 0, 6] and [8, 1, -3] at ACC_W = 8 bits, lane 0 in the LSBs.
// CHECK-LABEL: // {{-----}} add_unit_add_t_rom.hex
// CHECK-NEXT:  0600fb
// CHECK-NEXT:  fd0108

// CHECK-LABEL: // {{-----}} qnnc_add.v
// CHECK-LABEL: // {{-----}} qnnc_fifo.v
// CHECK-LABEL: // {{-----}} qnnc_fork.v
// CHECK-LABEL: // {{-----}} qnnc_pad.v
// CHECK-LABEL: // {{-----}} qnnc_pool.v
// CHECK-LABEL: // {{-----}} qnnc_swg.v

// `fork` is a Verilog keyword: the instance is fork_v, its results fork_v_out0 / fork_v_out1.
// CHECK-LABEL: // {{-----}} qnnc_top.v
// CHECK:       module qnnc_top (
// CHECK:         wire _unused_s_axis_pad = &{1'b0, s_axis_tdata[7:3]};
// CHECK-NEXT:    wire [2:0] fork_v_out0_tdata;
// CHECK-NEXT:    wire fork_v_out0_tvalid;
// CHECK-NEXT:    wire fork_v_out0_tready;
// CHECK-NEXT:    wire [2:0] fork_v_out1_tdata;
// CHECK-NEXT:    wire fork_v_out1_tvalid;
// CHECK-NEXT:    wire fork_v_out1_tready;
// CHECK-NEXT:    qnnc_fork #(.W(3)) fork_v (
// CHECK-NEXT:      .clk(clk),
// CHECK-NEXT:      .rst_n(rst_n),
// CHECK-NEXT:      .in_tdata(s_axis_tdata[2:0]),
// CHECK-NEXT:      .in_tvalid(s_axis_tvalid),
// CHECK-NEXT:      .in_tready(s_axis_tready),
// CHECK-NEXT:      .out0_tdata(fork_v_out0_tdata),
// CHECK-NEXT:      .out0_tvalid(fork_v_out0_tvalid),
// CHECK-NEXT:      .out0_tready(fork_v_out0_tready),
// CHECK-NEXT:      .out1_tdata(fork_v_out1_tdata),
// CHECK-NEXT:      .out1_tvalid(fork_v_out1_tvalid),
// CHECK-NEXT:      .out1_tready(fork_v_out1_tready)
// CHECK-NEXT:    );
// CHECK:         qnnc_pad #(.H(4), .W(4), .C(2), .P(1), .ELEM_W(3), .PT(1), .PL(1), .PB(1), .PR(1), .VALUE(0)) pad (
// CHECK:           .in_tdata(fork_v_out0_tdata),
// CHECK:         qnnc_swg #(.H(6), .W(6), .C(2), .SIMD(1), .ELEM_W(3), .KH(3), .KW(3), .SH(1), .SW(1), .DH(1), .DW(1)) swg (
// CHECK:           .in_tdata(pad_out_tdata),
// CHECK:         qnnc_pool #(.K(9), .C(2), .PE(1), .IN_W(3), .IN_SIGNED(1), .OUT_W(7), .MODE(1)) pool (
// CHECK:           .in_tdata(swg_out_tdata),
// CHECK:         qnnc_fifo #(.W(3), .DEPTH(32)) skip (
// CHECK:           .in_tdata(fork_v_out1_tdata),
// CHECK:         add_unit residual (
// CHECK-NEXT:      .clk(clk),
// CHECK-NEXT:      .rst_n(rst_n),
// CHECK-NEXT:      .in0_tdata(pool_out_tdata),
// CHECK-NEXT:      .in0_tvalid(pool_out_tvalid),
// CHECK-NEXT:      .in0_tready(pool_out_tready),
// CHECK-NEXT:      .in1_tdata(skip_out_tdata),
// CHECK-NEXT:      .in1_tvalid(skip_out_tvalid),
// CHECK-NEXT:      .in1_tready(skip_out_tready),
// CHECK-NEXT:      .out_tdata(residual_out_tdata),
// CHECK:         assign m_axis_tdata = {6'd0, residual_out_tdata};
