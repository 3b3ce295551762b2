// qnnc_concat -- channel concatenation of two streams of the same pixels (Verilog-2005,
// synthesizable).
//
// Stream a carries pixels of CA channels, stream b pixels of CB channels, P lanes of ELEM_W bits
// per beat (P divides CA and CB).  For every pixel the output (CA + CB channels, P lanes) is the
// pixel's BA = CA/P beats of a, then its BB = CB/P beats of b; beats are copied whole.
//
// A phase flag `sb` (0: a's part of the pixel, 1: b's part) and a beat counter `j` within the
// part say which input the next output beat comes from: a_tready only while the next beat is one
// of a pixel's first BA beats, b_tready only for the rest, so the cell never reads ahead on
// either input.  One beat per cycle, latency 1: (CA + CB)/P cycles a pixel.  The output register
// plus skid register (as qnnc_add) keep out_tvalid a register; a_tready and b_tready are
// registers too (never combinational from out_tready or any tvalid).  No ROMs.
module qnnc_concat #(
    parameter integer CA     = 4,
    parameter integer CB     = 2,
    parameter integer P      = 2,
    parameter integer ELEM_W = 4
) (
    input  wire                clk,
    input  wire                rst_n,
    input  wire [P*ELEM_W-1:0] a_tdata,
    input  wire                a_tvalid,
    output wire                a_tready,
    input  wire [P*ELEM_W-1:0] b_tdata,
    input  wire                b_tvalid,
    output wire                b_tready,
    output wire [P*ELEM_W-1:0] out_tdata,
    output wire                out_tvalid,
    input  wire                out_tready
);

    localparam integer BA      = CA / P;
    localparam integer BB      = CB / P;
    localparam integer BMAX    = (BA > BB) ? BA : BB;
    localparam integer J_W     = (BMAX > 1) ? $clog2(BMAX) : 1;
    localparam integer BA_LAST = BA - 1;
    localparam integer BB_LAST = BB - 1;

    reg                sb;      // the next beat is b's (1) or a's (0)
    reg  [J_W-1:0]     j;       // beats of the current part taken so far
    reg                ov, sv;
    reg  [P*ELEM_W-1:0] od, sd;

    assign a_tready   = !sb && !sv;
    assign b_tready   = sb && !sv;
    assign out_tvalid = ov;
    assign out_tdata  = od;

    wire               take  = (sb ? b_tvalid : a_tvalid) && !sv;
    wire [P*ELEM_W-1:0] din  = sb ? b_tdata : a_tdata;
    wire               j_end = (j == (sb ? BB_LAST[J_W-1:0] : BA_LAST[J_W-1:0]));

    always @(posedge clk) begin
        if (!rst_n) begin
            sb <= 1'b0;
            j  <= {J_W{1'b0}};
        end else if (take) begin
            if (j_end) begin
                sb <= !sb;
                j  <= {J_W{1'b0}};
            end else begin
                j  <= j + 1'b1;
            end
        end
    end

    // output register + skid register
    always @(posedge clk) begin
        if (!rst_n) begin
            ov <= 1'b0;
            sv <= 1'b0;
        end else begin
            if (!ov || out_tready) begin
                if (sv) begin
                    od <= sd;
                    ov <= 1'b1;
                    sv <= 1'b0;
                end else if (take) begin
                    od <= din;
                    ov <= 1'b1;
                end else begin
                    ov <= 1'b0;
                end
            end else if (take) begin
                sd <= din;
                sv <= 1'b1;
            end
        end
    end

endmodule
