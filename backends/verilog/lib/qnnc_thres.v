// qnnc_thres -- standalone multi-thresholding of a stream (Verilog-2005, synthesizable).
//
// A frame has C channels, PE lanes per beat, NF = C/PE beats; lane p of beat nf is channel
// nf*PE + p.  Output element = count + OUT_BIAS truncated to OUT_W, where count is the number of
// thresholds k with x >= T[k] (ascending channel, t_desc[p] = 0) or x <= T[k] (descending,
// t_desc[p] = 1).  Inputs are zero-/sign-extended (IN_SIGNED) and thresholds are signed T_W-bit;
// both are compared at CMP_W = max(IN_W + 1, T_W) bits, which is exact.
//
// Threshold ROM (external, combinational): t_addr = nf of the current input beat; word layout:
// threshold k of lane p at t_data[(p*N_THRES + k)*T_W +: T_W]; t_desc[p] at the same address.
//
// Timing: one beat per cycle, latency 1 cycle (registered output).  An output register plus a
// one-entry skid register decouple in_tready from out_tready (in_tready is a register output).
module qnnc_thres #(
    parameter integer C         = 4,
    parameter integer PE        = 2,
    parameter integer IN_W      = 8,
    parameter integer IN_SIGNED = 1,
    parameter integer T_W       = 8,
    parameter integer N_THRES   = 3,
    parameter integer OUT_W     = 2,
    parameter integer OUT_BIAS  = 0
) (
    input  wire                         clk,
    input  wire                         rst_n,
    input  wire [PE*IN_W-1:0]           in_tdata,
    input  wire                         in_tvalid,
    output wire                         in_tready,
    output wire [PE*OUT_W-1:0]          out_tdata,
    output wire                         out_tvalid,
    input  wire                         out_tready,
    output wire [(((C/PE) > 1) ? $clog2(C/PE) : 1)-1:0] t_addr,
    input  wire [PE*N_THRES*T_W-1:0]    t_data,
    input  wire [PE-1:0]                t_desc
);

    localparam integer NF      = C / PE;
    localparam integer TA_W    = (NF > 1) ? $clog2(NF) : 1;
    localparam integer NF_LAST = NF - 1;
    localparam integer CMP_W   = (IN_W + 1 > T_W) ? IN_W + 1 : T_W;

    reg  [TA_W-1:0]     nf;
    reg                 ov, sv;
    reg  [PE*OUT_W-1:0] od, sd;

    assign in_tready  = !sv;
    assign out_tvalid = ov;
    assign out_tdata  = od;
    assign t_addr     = nf;

    wire take    = in_tvalid && !sv;
    wire last_nf = (nf == NF_LAST[TA_W-1:0]);

    always @(posedge clk) begin
        if (!rst_n)
            nf <= {TA_W{1'b0}};
        else if (take)
            nf <= last_nf ? {TA_W{1'b0}} : nf + 1'b1;
    end

    wire [PE*OUT_W-1:0] res;
    genvar p, k;
    generate
        for (p = 0; p < PE; p = p + 1) begin : g_lane
            // input extended to CMP_W
            wire [IN_W-1:0]  xr = in_tdata[p*IN_W +: IN_W];
            wire [CMP_W-1:0] xe;
            if (IN_SIGNED != 0) begin : g_xs       // CMP_W > IN_W always
                assign xe = {{(CMP_W-IN_W){xr[IN_W-1]}}, xr};
            end else begin : g_xu
                assign xe = {{(CMP_W-IN_W){1'b0}}, xr};
            end
            // per-threshold comparison results
            wire [N_THRES-1:0] hit;
            for (k = 0; k < N_THRES; k = k + 1) begin : g_t
                wire [T_W-1:0]   tr = t_data[(p*N_THRES + k)*T_W +: T_W];
                wire [CMP_W-1:0] te;
                if (CMP_W == T_W) begin : g_teq
                    assign te = tr;
                end else begin : g_tx
                    assign te = {{(CMP_W-T_W){tr[T_W-1]}}, tr};
                end
                assign hit[k] = t_desc[p] ? ($signed(xe) <= $signed(te))
                                          : ($signed(xe) >= $signed(te));
            end
            // count + OUT_BIAS modulo 2^OUT_W
            wire [OUT_W-1:0] bias;
            if (OUT_W <= 32) begin : g_b32
                assign bias = OUT_BIAS[OUT_W-1:0];
            end else begin : g_bwide
                assign bias = {{(OUT_W-32){OUT_BIAS[31]}}, OUT_BIAS[31:0]};
            end
            reg [OUT_W-1:0] cnt;
            integer i;
            always @* begin
                cnt = bias;
                for (i = 0; i < N_THRES; i = i + 1)
                    if (hit[i])
                        cnt = cnt + 1'b1;
            end
            assign res[p*OUT_W +: OUT_W] = cnt;
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
