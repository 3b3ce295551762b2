// qnnc_fork -- eager stream fork: every input beat on both outputs (Verilog-2005, synthesizable).
//
// One beat register feeds out0 and out1, each with its own handshake: a per-output "pending"
// flag says the held beat has not been taken by that output yet, so out0 may take it before
// out1 or after (an eager fork, which never stalls one branch on the other's ready within a
// beat).  The input beat is taken when the register is empty or being emptied in this cycle
// (every pending output is taking it), so with both consumers ready it moves one beat per cycle.
//
// out*_tvalid and out*_tdata are registers (never combinational from any tready); in_tready is
// combinational from the outputs' tready, which AXI-Stream allows.
module qnnc_fork #(
    parameter integer W = 8
) (
    input  wire         clk,
    input  wire         rst_n,
    input  wire [W-1:0] in_tdata,
    input  wire         in_tvalid,
    output wire         in_tready,
    output wire [W-1:0] out0_tdata,
    output wire         out0_tvalid,
    input  wire         out0_tready,
    output wire [W-1:0] out1_tdata,
    output wire         out1_tvalid,
    input  wire         out1_tready
);

    reg  [W-1:0] d;
    reg          p0, p1;    // beat in d not yet taken by out0 / out1

    // after this cycle, out0 / out1 no longer needs the held beat
    wire done0 = !p0 || out0_tready;
    wire done1 = !p1 || out1_tready;
    wire take  = in_tvalid && done0 && done1;

    assign in_tready   = done0 && done1;
    assign out0_tdata  = d;
    assign out1_tdata  = d;
    assign out0_tvalid = p0;
    assign out1_tvalid = p1;

    always @(posedge clk) begin
        if (take)
            d <= in_tdata;
    end

    always @(posedge clk) begin
        if (!rst_n) begin
            p0 <= 1'b0;
            p1 <= 1'b0;
        end else begin
            p0 <= take || !done0;
            p1 <= take || !done1;
        end
    end

endmodule
