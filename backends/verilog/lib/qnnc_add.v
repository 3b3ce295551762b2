// qnnc_add -- residual add of two streams, optional multi-thresholding (Verilog-2005,
// synthesizable).
//
// Streams a and b carry the same frame, PE lanes per beat; lane p of beat i is channel
// (i*PE + p) mod C.  One beat is taken from both together (a join).  Per lane
//   acc = KA*a + KB*b          in signed ACC_W bits (a, b sign-/zero-extended per A_SIGNED,
//                              B_SIGNED; exact when ACC_W is wide enough, else modulo 2^ACC_W)
//   N_THRES == 0: out = acc    (OUT_W = ACC_W)
//   N_THRES  > 0: out = count + OUT_BIAS modulo 2^OUT_W, count = #k with acc >= T[c][k]
//                 (ascending channel, t_desc[p] = 0) or acc <= T[c][k] (descending).
// Threshold ROM (external, combinational) as qnnc_mvau's: t_addr = (i / PE) mod (C/PE); threshold
// k of lane p at t_data[(p*N_THRES + k)*ACC_W +: ACC_W]; t_desc[p] at the same address; both
// unused (tied off) when N_THRES == 0.
//
// One beat per cycle, latency 1.  a_tready waits for b_tvalid and b_tready for a_tvalid (ready
// may depend on valid); the output register plus skid register (as qnnc_thres) keep out_tvalid a
// register and the readys independent of out_tready.
module qnnc_add #(
    parameter integer C        = 4,
    parameter integer PE       = 2,
    parameter integer A_W      = 4,
    parameter integer A_SIGNED = 1,
    parameter integer B_W      = 4,
    parameter integer B_SIGNED = 1,
    parameter integer KA       = 1,
    parameter integer KB       = 1,
    parameter integer ACC_W    = 6,
    parameter integer N_THRES  = 0,
    parameter integer OUT_W    = 6,
    parameter integer OUT_BIAS = 0
) (
    input  wire                  clk,
    input  wire                  rst_n,
    input  wire [PE*A_W-1:0]     a_tdata,
    input  wire                  a_tvalid,
    output wire                  a_tready,
    input  wire [PE*B_W-1:0]     b_tdata,
    input  wire                  b_tvalid,
    output wire                  b_tready,
    output wire [PE*OUT_W-1:0]   out_tdata,
    output wire                  out_tvalid,
    input  wire                  out_tready,
    output wire [(((C/PE) > 1) ? $clog2(C/PE) : 1)-1:0] t_addr,
    input  wire [PE*((N_THRES > 0) ? N_THRES : 1)*ACC_W-1:0] t_data,
    input  wire [PE-1:0]         t_desc
);

    localparam integer NF      = C / PE;
    localparam integer TA_W    = (NF > 1) ? $clog2(NF) : 1;
    localparam integer NF_LAST = NF - 1;
    localparam integer NT1     = (N_THRES > 0) ? N_THRES : 1;

    reg  [TA_W-1:0]     nf;
    reg                 ov, sv;
    reg  [PE*OUT_W-1:0] od, sd;

    wire take = a_tvalid && b_tvalid && !sv;

    assign a_tready   = b_tvalid && !sv;
    assign b_tready   = a_tvalid && !sv;
    assign out_tvalid = ov;
    assign out_tdata  = od;
    assign t_addr     = nf;

    always @(posedge clk) begin
        if (!rst_n)
            nf <= {TA_W{1'b0}};
        else if (take)
            nf <= (nf == NF_LAST[TA_W-1:0]) ? {TA_W{1'b0}} : nf + 1'b1;
    end

    // KA, KB as ACC_W-bit two's complement (integers are 32 bits: sign-extended when wider);
    // products and sum modulo 2^ACC_W are the low bits of the exact ones.
    wire [ACC_W-1:0] ka, kb;
    generate
        if (ACC_W <= 32) begin : g_k32
            assign ka = KA[ACC_W-1:0];
            assign kb = KB[ACC_W-1:0];
        end else begin : g_kwide
            assign ka = {{(ACC_W-32){KA[31]}}, KA[31:0]};
            assign kb = {{(ACC_W-32){KB[31]}}, KB[31:0]};
        end
    endgenerate

    wire [PE*OUT_W-1:0] res;
    genvar p;
    generate
        for (p = 0; p < PE; p = p + 1) begin : g_lane
            // a and b as ACC_W bits: sign- or zero-extended, or their low bits when wider
            // (arithmetic modulo 2^ACC_W needs no more)
            wire [A_W-1:0]   ar = a_tdata[p*A_W +: A_W];
            wire [B_W-1:0]   br = b_tdata[p*B_W +: B_W];
            wire [ACC_W-1:0] ae, be;
            if (ACC_W <= A_W) begin : g_at
                assign ae = ar[ACC_W-1:0];
                if (ACC_W < A_W) begin : g_hi
                    wire _unused_hi = &{1'b0, ar[A_W-1:ACC_W], 1'b0};
                end
            end else if (A_SIGNED != 0) begin : g_as
                assign ae = {{(ACC_W-A_W){ar[A_W-1]}}, ar};
            end else begin : g_au
                assign ae = {{(ACC_W-A_W){1'b0}}, ar};
            end
            if (ACC_W <= B_W) begin : g_bt
                assign be = br[ACC_W-1:0];
                if (ACC_W < B_W) begin : g_hi
                    wire _unused_hi = &{1'b0, br[B_W-1:ACC_W], 1'b0};
                end
            end else if (B_SIGNED != 0) begin : g_bs
                assign be = {{(ACC_W-B_W){br[B_W-1]}}, br};
            end else begin : g_bu
                assign be = {{(ACC_W-B_W){1'b0}}, br};
            end
            wire [ACC_W-1:0] acc = ae * ka + be * kb;
            if (N_THRES == 0) begin : g_noact
                assign res[p*OUT_W +: OUT_W] = acc;
            end else begin : g_act
                wire [OUT_W-1:0] bias;
                if (OUT_W <= 32) begin : g_b32
                    assign bias = OUT_BIAS[OUT_W-1:0];
                end else begin : g_bwide
                    assign bias = {{(OUT_W-32){OUT_BIAS[31]}}, OUT_BIAS[31:0]};
                end
                reg [OUT_W-1:0] cnt;
                integer k;
                always @* begin
                    cnt = bias;
                    for (k = 0; k < N_THRES; k = k + 1) begin
                        if (t_desc[p] ? ($signed(acc) <= $signed(t_data[(p*NT1 + k)*ACC_W +: ACC_W]))
                                      : ($signed(acc) >= $signed(t_data[(p*NT1 + k)*ACC_W +: ACC_W])))
                            cnt = cnt + 1'b1;
                    end
                end
                assign res[p*OUT_W +: OUT_W] = cnt;
            end
        end
        if (N_THRES == 0) begin : g_tunused
            // The threshold ROM is not used without an activation.
            wire _unused_t = &{1'b0, t_data, t_desc, 1'b0};
        end
    endgenerate

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
                    od <= res;
                    ov <= 1'b1;
                end else begin
                    ov <= 1'b0;
                end
            end else if (take) begin
                sd <= res;
                sv <= 1'b1;
            end
        end
    end

endmodule
