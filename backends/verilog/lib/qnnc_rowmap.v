// qnnc_rowmap -- row gather: upsampling and depth-to-space (Verilog-2005, synthesizable).
//
// The input is groups of ROW_IN beats (P lanes of ELEM_W bits); for each group the cell writes
// ROW_OUT beats, output beat j being input beat src[j] of the same group, copied whole
// (docs/hardware-interface.md, "Row gather").
//
// Source ROM (external, combinational): src_addr = j, the output beat about to be read;
// src_data = src[j], SW = max(1, clog2(ROW_IN)) bits.
//
// Group memory: two banks of ROW_IN beats (interleaved: beat i of bank b at address {i, b}),
// a simple dual-port RAM with one write and one registered read port (LUTRAM or BRAM).  A bank
// is "full" from the write of its last beat until the read of its last output beat; the writer
// fills one bank while the reader reads the other, so a group takes max(ROW_IN, ROW_OUT) cycles
// without back-pressure.  The reader's read register is the output register (read enable =
// the output moves), so out_tdata holds still while out_tvalid && !out_tready.
//
// Handshake: in_tready = !full[write bank] and out_tvalid are registers / functions of
// registers only; neither depends combinationally on the other side's handshake.  Latency: an
// output beat leaves one cycle after its group's last input beat is written, at the earliest.
module qnnc_rowmap #(
    parameter integer ROW_IN  = 4,
    parameter integer ROW_OUT = 8,
    parameter integer P       = 2,
    parameter integer ELEM_W  = 4
) (
    input  wire                     clk,
    input  wire                     rst_n,
    input  wire [P*ELEM_W-1:0]      in_tdata,
    input  wire                     in_tvalid,
    output wire                     in_tready,
    output wire [P*ELEM_W-1:0]      out_tdata,
    output wire                     out_tvalid,
    input  wire                     out_tready,
    output wire [((ROW_OUT > 1) ? $clog2(ROW_OUT) : 1)-1:0] src_addr,
    input  wire [((ROW_IN > 1) ? $clog2(ROW_IN) : 1)-1:0]   src_data
);

    localparam integer W        = P * ELEM_W;
    localparam integer SW       = (ROW_IN > 1) ? $clog2(ROW_IN) : 1;    // beat index in a group
    localparam integer JW       = (ROW_OUT > 1) ? $clog2(ROW_OUT) : 1;  // output beat index
    localparam integer AW       = $clog2(2 * ROW_IN);                   // memory address
    localparam integer IN_LAST  = ROW_IN - 1;
    localparam integer OUT_LAST = ROW_OUT - 1;

    reg  [W-1:0]  mem [0:2*ROW_IN-1];
    reg  [SW-1:0] wi;           // next beat written into bank wb
    reg           wb;
    reg  [JW-1:0] j;            // next output beat, read from bank rb
    reg           rb;
    reg  [1:0]    full;
    reg           ov;
    reg  [W-1:0]  od;

    wire w_full = wb ? full[1] : full[0];
    wire r_full = rb ? full[1] : full[0];
    wire take   = in_tvalid && !w_full;
    wire give   = r_full && (!ov || out_tready);
    wire w_last = (wi == IN_LAST[SW-1:0]);
    wire r_last = (j == OUT_LAST[JW-1:0]);

    assign in_tready  = !w_full;
    assign out_tvalid = ov;
    assign out_tdata  = od;
    assign src_addr   = j;

    wire [AW-1:0] waddr, raddr;
    generate
        if (ROW_IN > 1) begin : g_addr
            assign waddr = {wi, wb};
            assign raddr = {src_data, rb};
        end else begin : g_addr1           // one beat a group: src is always 0
            assign waddr = wb;
            assign raddr = rb;
            wire _unused_src = &{1'b0, src_data, 1'b0};
        end
    endgenerate

    // group memory: write port, and a read port whose register is the output register
    always @(posedge clk) begin
        if (take)
            mem[waddr] <= in_tdata;
    end

    always @(posedge clk) begin
        if (give)
            od <= mem[raddr];
    end

    wire [1:0] set_full = (take && w_last) ? (wb ? 2'b10 : 2'b01) : 2'b00;
    wire [1:0] clr_full = (give && r_last) ? (rb ? 2'b10 : 2'b01) : 2'b00;

    always @(posedge clk) begin
        if (!rst_n) begin
            wi   <= {SW{1'b0}};
            wb   <= 1'b0;
            j    <= {JW{1'b0}};
            rb   <= 1'b0;
            full <= 2'b00;
            ov   <= 1'b0;
        end else begin
            if (take) begin
                wi <= w_last ? {SW{1'b0}} : wi + 1'b1;
                if (w_last)
                    wb <= !wb;
            end
            if (give) begin
                j <= r_last ? {JW{1'b0}} : j + 1'b1;
                if (r_last)
                    rb <= !rb;
            end
            full <= (full | set_full) & ~clr_full;
            if (give)
                ov <= 1'b1;
            else if (out_tready)
                ov <= 1'b0;
        end
    end

endmodule
