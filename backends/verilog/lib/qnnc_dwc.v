// qnnc_dwc -- stream data-width converter (Verilog-2005, synthesizable).
//
// Converts a stream of IN_P elements (ELEM_W bits each) per beat into OUT_P elements per beat,
// for any positive IN_P and OUT_P.  Element order is preserved as a continuous element stream
// (element 0 in the LSBs of a beat, see docs/hardware-interface.md); frames are multiples of both
// IN_P and OUT_P so no frame-boundary handling is needed.
//
// The structure depends on the ratio, chosen at elaboration (a generate-if).  Each converting
// structure keeps the same contract: in_tready and out_tvalid are decoded from registers only
// (in_tready never depends combinationally on out_tready, nor out_tvalid on in_tvalid), the
// converter sustains the slower side's rate (min(IN_P, OUT_P) elements per cycle) when the
// producer is always valid and the consumer always ready, and an input beat's first elements are
// visible at the output one cycle after the beat is accepted.  Why several structures: the
// general one (last) writes the incoming beat at a variable element position, a wide mux on
// every buffer bit (yosys synth_xilinx, ELEM_W=2, 32 -> 16: about 1,160 LUTs plus 650 MUXF7/8),
// while for an integer ratio, which is what the compiler generates almost always, the positions
// are fixed and the converter needs only clock enables and a small output mux (38 LUTs there).
//
// * IN_P == OUT_P: wires.  Nothing is converted, so the cell adds no state, no logic and no
//   latency; its in_tready/out_tvalid are the neighbours' (registered) ones.  The compiler never
//   instantiates this case (it inserts a converter only where the lanes differ).
//
// * IN_P = K*OUT_P (down-sizing): a hold register H of one input beat (K slices of OUT_P
//   elements), written only from in_tdata (a clock enable, no data mux), and a registered output
//   beat O.  On acceptance the beat's slice 0 goes straight to O (if O is free this cycle) and the
//   whole beat to H; O then takes H's slices in turn, chosen by a slice counter.  O's input is a
//   (K+1):1 mux per bit (one LUT for K = 2) selected by registers only (H non-empty, the slice
//   counter): the handshake drives only clock enables, so synthesis cannot fold it into every
//   bit.  in_tready = "H has no slice left to send", so the next beat is accepted while O shows
//   the last slice of the current one (one input beat every K cycles, an output beat every
//   cycle); a beat that arrives while O is still held waits whole in H (hence H keeps slice 0
//   too).  Storage: IN_P + OUT_P elements, as in the general buffer.
//
// * OUT_P = K*IN_P (up-sizing): K-1 slot registers A, slot j written by input beat j of a group
//   (write enables from a beat counter, no data mux), and an output register O loaded with
//   {in_tdata, A} when the group's last beat arrives (a clock enable, no data mux either).  While
//   O waits for the consumer the next group keeps filling A; only its last beat waits
//   (in_tready = !(O full && the next beat is the last of a group)).  No data LUTs at all, at the
//   price of storage: 2K-1 input beats, against K+1 in the general buffer.
//
// * otherwise (fallback, e.g. 2 -> 3): an element buffer of B slots holding the oldest element in
//   slot 0 and an occupancy count c (always a multiple of g = gcd(IN_P, OUT_P)).
//     out_tvalid = c >= OUT_P, out_tdata = slots 0..OUT_P-1 (register outputs, no logic)
//     in_tready  = c <= B - IN_P  (from the registered count only; no dependency on out_tready)
//   With B = max(IN_P,OUT_P) + 2*min(IN_P,OUT_P) - g the converter sustains the slower side's
//   rate.  The incoming beat is written at slot c (c - OUT_P on a pop).
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

    localparam integer IW = IN_P * ELEM_W;     // input beat bits
    localparam integer OW = OUT_P * ELEM_W;    // output beat bits

    generate
        if (IN_P == OUT_P) begin : g_wire
            // ---------------------------------------------------------------- pass-through
            assign out_tdata  = in_tdata;
            assign out_tvalid = in_tvalid;
            assign in_tready  = out_tready;
            wire _unused_clk = &{1'b0, clk, rst_n, 1'b0};

        end else if (IN_P % OUT_P == 0) begin : g_down
            // ---------------------------------------------------------------- IN_P = K*OUT_P
            localparam integer K  = IN_P / OUT_P;
            localparam integer SW = $clog2(K);          // K >= 2, so SW >= 1
            localparam integer KM1 = K - 1;
            wire [SW-1:0] last_c = KM1[SW-1:0];

            reg  [IW-1:0] h;        // held input beat (slices 0..K-1)
            reg           hv;       // h has slices not yet moved to o
            reg  [SW-1:0] hs;       // next slice of h to move to o
            reg  [OW-1:0] o;        // output beat
            reg           ov;

            wire push   = in_tvalid && !hv;
            wire o_free = !ov || out_tready;
            // slice hs of h: a K:1 mux (an array read, a balanced mux tree)
            wire [OW-1:0] h_sl [0:K-1];
            genvar i;
            for (i = 0; i < K; i = i + 1) begin : g_sl
                assign h_sl[i] = h[i*OW +: OW];
            end
            wire [OW-1:0] h_slice = h_sl[hs];

            assign in_tready  = !hv;
            assign out_tvalid = ov;
            assign out_tdata  = o;

            // o loads (when free) from h if h has slices left, else from the input (a push can
            // only happen when h is empty): the data mux is selected by registers only (hv, hs);
            // selecting it by push instead lets synthesis fold the handshake into every bit
            // (yosys: 134 LUTs + 96 MUXF7/8 instead of 38 for ELEM_W=2, 32 -> 16).
            always @(posedge clk) begin
                if (push)
                    h <= in_tdata;
                if (o_free && (hv || in_tvalid))
                    o <= hv ? h_slice : in_tdata[OW-1:0];
            end

            always @(posedge clk) begin
                if (!rst_n) begin
                    hv <= 1'b0;
                    hs <= {SW{1'b0}};
                    ov <= 1'b0;
                end else if (push) begin
                    // slice 0 goes to o now if it can, else it waits in h like the rest
                    hv <= 1'b1;
                    hs <= {{(SW-1){1'b0}}, o_free};
                    ov <= 1'b1;
                end else if (hv && o_free) begin
                    hv <= (hs != last_c);
                    hs <= (hs == last_c) ? {SW{1'b0}} : hs + 1'b1;
                    ov <= 1'b1;
                end else if (out_tready) begin
                    ov <= 1'b0;
                end
            end

        end else if (OUT_P % IN_P == 0) begin : g_up
            // ---------------------------------------------------------------- OUT_P = K*IN_P
            localparam integer K  = OUT_P / IN_P;
            localparam integer CW = $clog2(K);          // K >= 2, so CW >= 1
            localparam integer KM1 = K - 1;
            wire [CW-1:0] last_c = KM1[CW-1:0];

            wire [(K-1)*IW-1:0] a;  // beats 0..K-2 of the group being collected
            reg  [CW-1:0]       n;  // beats of the group collected so far
            reg  [OW-1:0]       o;  // output beat
            reg                 ov;

            wire last = (n == last_c);
            wire push = in_tvalid && in_tready;

            assign in_tready  = !(ov && last);
            assign out_tvalid = ov;
            assign out_tdata  = o;

            genvar j;
            for (j = 0; j < K - 1; j = j + 1) begin : g_slot
                reg [IW-1:0] s;
                always @(posedge clk) begin
                    if (push && n == j)
                        s <= in_tdata;
                end
                assign a[j*IW +: IW] = s;
            end

            always @(posedge clk) begin
                if (push && last)
                    o <= {in_tdata, a};
            end

            always @(posedge clk) begin
                if (!rst_n) begin
                    n  <= {CW{1'b0}};
                    ov <= 1'b0;
                end else begin
                    if (push)
                        n <= last ? {CW{1'b0}} : n + 1'b1;
                    if (push && last)
                        ov <= 1'b1;
                    else if (out_tready)
                        ov <= 1'b0;
                end
            end

        end else begin : g_gcd
            // ---------------------------------------------------------------- any IN_P, OUT_P
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
        end
    endgenerate

endmodule
