// qnnc_dwc -- stream data-width converter (Verilog-2005, synthesizable).
//
// Converts a stream of IN_P elements (ELEM_W bits each) per beat into OUT_P elements per beat,
// for any positive IN_P and OUT_P.  Element order is preserved as a continuous element stream
// (element 0 in the LSBs of a beat, see docs/hardware-interface.md); frames are multiples of both
// IN_P and OUT_P so no frame-boundary handling is needed.
//
// Implementation: an element buffer of B slots holding the oldest element in slot 0 and an
// occupancy count c (always a multiple of g = gcd(IN_P, OUT_P)).
//   out_tvalid = c >= OUT_P, out_tdata = slots 0..OUT_P-1 (register outputs, no logic)
//   in_tready  = c <= B - IN_P  (from the registered count only; no dependency on out_tready)
// With B = max(IN_P,OUT_P) + 2*min(IN_P,OUT_P) - g the converter sustains the slower side's rate
// (min(IN_P, OUT_P) elements per cycle) when the producer is always valid and the consumer always
// ready.  Latency: an input beat's elements are visible at the output one cycle after the beat is
// accepted (once OUT_P elements are available).
module qnnc_dwc #(
    parameter integer ELEM_W = 8,
    parameter integer IN_P   = 2,
    parameter integer OUT_P  = 3
) (
    input  wire                    clk,
    input  wire                    rst_n,
    input  wire [IN_P*ELEM_W-1:0]  in_tdata,
    input  wire                    in_tvalid,
    output wire                    in_tready,
    output wire [OUT_P*ELEM_W-1:0] out_tdata,
    output wire                    out_tvalid,
    input  wire                    out_tready
);

    function integer gcd;
        input integer a0;
        input integer b0;
        integer a, b, t, i;
        begin
            a = a0;
            b = b0;
            for (i = 0; i < 64; i = i + 1) begin
                if (b != 0) begin
                    t = a % b;
                    a = b;
                    b = t;
                end
            end
            gcd = a;
        end
    endfunction

    localparam integer G      = gcd(IN_P, OUT_P);
    localparam integer PMAX   = (IN_P > OUT_P) ? IN_P : OUT_P;
    localparam integer PMIN   = (IN_P > OUT_P) ? OUT_P : IN_P;
    localparam integer B      = PMAX + 2 * PMIN - G;     // buffer slots (elements)
    localparam integer BW     = B * ELEM_W;
    localparam integer CW     = $clog2(B + 1);
    localparam integer IN_LIM = B - IN_P;               // accept input while c <= IN_LIM

    reg  [BW-1:0] sbuf;
    reg  [CW-1:0] c;

    wire [CW-1:0] out_p_c  = OUT_P[CW-1:0];
    wire [CW-1:0] in_p_c   = IN_P[CW-1:0];
    wire [CW-1:0] in_lim_c = IN_LIM[CW-1:0];

    assign out_tvalid = (c >= out_p_c);
    assign in_tready  = (c <= in_lim_c);
    assign out_tdata  = sbuf[OUT_P*ELEM_W-1:0];

    wire push = in_tvalid && in_tready;
    wire pop  = out_tready && out_tvalid;

    reg  [BW-1:0] nb;      // next buffer contents
    reg  [CW-1:0] base;    // write position of the incoming beat
    always @* begin
        nb   = pop ? (sbuf >> (OUT_P*ELEM_W)) : sbuf;
        base = pop ? (c - out_p_c) : c;
        if (push)
            nb[base*ELEM_W +: IN_P*ELEM_W] = in_tdata;
    end

    always @(posedge clk) begin
        sbuf <= nb;
    end

    always @(posedge clk) begin
        if (!rst_n)
            c <= {CW{1'b0}};
        else
            c <= base + (push ? in_p_c : {CW{1'b0}});
    end

endmodule
