// qnnc_fifo -- stream FIFO (Verilog-2005, synthesizable).
//
// DEPTH (>= 2, any value, not only powers of two) entries of W bits.  One push and one pop per
// cycle.  out_tdata is the memory entry at the (registered) read pointer; out_tvalid and
// in_tready are decoded from the registered occupancy count only, so neither depends
// combinationally on the other side's handshake (a push into a full FIFO is refused even if a pop
// happens in the same cycle).  Latency: a pushed beat is visible at the output in the next cycle.
module qnnc_fifo #(
    parameter integer W     = 8,
    parameter integer DEPTH = 4
) (
    input  wire         clk,
    input  wire         rst_n,
    input  wire [W-1:0] in_tdata,
    input  wire         in_tvalid,
    output wire         in_tready,
    output wire [W-1:0] out_tdata,
    output wire         out_tvalid,
    input  wire         out_tready
);

    localparam integer AW   = (DEPTH > 1) ? $clog2(DEPTH) : 1;
    localparam integer CW   = $clog2(DEPTH + 1);
    localparam integer LAST = DEPTH - 1;

    reg [W-1:0]  mem [0:DEPTH-1];
    reg [AW-1:0] wp, rp;
    reg [CW-1:0] cnt;
    reg          full, empty;

    wire push = in_tvalid && !full;
    wire pop  = out_tready && !empty;

    assign in_tready  = !full;
    assign out_tvalid = !empty;
    assign out_tdata  = mem[rp];

    always @(posedge clk) begin
        if (push)
            mem[wp] <= in_tdata;
    end

    always @(posedge clk) begin
        if (!rst_n) begin
            wp    <= {AW{1'b0}};
            rp    <= {AW{1'b0}};
            cnt   <= {CW{1'b0}};
            full  <= 1'b0;
            empty <= 1'b1;
        end else begin
            if (push)
                wp <= (wp == LAST[AW-1:0]) ? {AW{1'b0}} : wp + 1'b1;
            if (pop)
                rp <= (rp == LAST[AW-1:0]) ? {AW{1'b0}} : rp + 1'b1;
            if (push && !pop) begin
                cnt   <= cnt + 1'b1;
                empty <= 1'b0;
                full  <= (cnt == LAST[CW-1:0]);
            end else if (pop && !push) begin
                cnt   <= cnt - 1'b1;
                full  <= 1'b0;
                empty <= (cnt == {{(CW-1){1'b0}}, 1'b1});
            end
        end
    end

endmodule
