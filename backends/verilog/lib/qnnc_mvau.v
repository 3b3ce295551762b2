// qnnc_mvau -- folded matrix-vector-activation unit (Verilog-2005, synthesizable).
//
// See docs/hardware-interface.md for the stream protocol, element packing, ROM word layouts and
// the MVAU semantics.  Summary:
//   * SF = MW/SIMD input beats of SIMD elements form one frame (input vector x[0..MW-1]).
//   * For nf = 0..NF-1 (NF = MH/PE) and sf = 0..SF-1 one weight word (PE*SIMD weights) is
//     processed per cycle; after sf == SF-1 one output beat of PE elements is produced.
//   * acc[r] = sum_c x[c]*W[r][c] in ACC_W-bit two's complement (wrapping).
//   * N_THRES == 0: output element = accumulator (OUT_W must equal ACC_W).
//     N_THRES  > 0: output element = count + OUT_BIAS truncated to OUT_W, where count is the number
//     of thresholds k with acc >= T[k] (ascending row) / acc <= T[k] (descending row, t_desc = 1).
//
// Weight / threshold memories are external combinational ROMs: w_data must present the word at
// w_addr (= nf*SF + sf) in the same cycle; t_data/t_desc the word at t_addr (= nf).
//
// Timing: single pipeline stage.  The datapath (products, adder tree, accumulate, thresholding)
// is combinational into the accumulator / output register.  Output beat nf of a frame becomes
// valid in the cycle after its last weight word (nf, SF-1) was processed.  The output side is an
// output register plus a one-entry skid register, so in_tready never depends on out_tready and
// the unit keeps processing one word per cycle while the consumer accepts one beat per cycle:
// with back-to-back frames and no back-pressure a frame takes exactly NF*SF cycles.
// During nf == 0 input beats are taken from the stream and written into an input buffer of SF
// entries, which is replayed for nf > 0 (no buffer when NF == 1).
module qnnc_mvau #(
    parameter integer MW         = 4,
    parameter integer MH         = 4,
    parameter integer SIMD       = 2,
    parameter integer PE         = 2,
    parameter integer IN_W       = 4,
    parameter integer IN_SIGNED  = 0,
    parameter integer IN_BIPOLAR = 0,
    parameter integer W_W        = 4,
    parameter integer W_SIGNED   = 1,
    parameter integer W_BIPOLAR  = 0,
    parameter integer ACC_W      = 16,
    parameter integer N_THRES    = 0,
    parameter integer OUT_W      = 16,
    parameter integer OUT_BIAS   = 0
) (
    input  wire                                    clk,
    input  wire                                    rst_n,
    // input stream: SIMD elements of IN_W bits per beat
    input  wire [SIMD*IN_W-1:0]                    in_tdata,
    input  wire                                    in_tvalid,
    output wire                                    in_tready,
    // output stream: PE elements of OUT_W bits per beat
    output wire [PE*OUT_W-1:0]                     out_tdata,
    output wire                                    out_tvalid,
    input  wire                                    out_tready,
    // weight ROM (combinational): WA_W = max(1, clog2(NF*SF))
    output wire [(((MH/PE)*(MW/SIMD) > 1) ? $clog2((MH/PE)*(MW/SIMD)) : 1)-1:0] w_addr,
    input  wire [PE*SIMD*W_W-1:0]                  w_data,
    // threshold ROM (combinational): TA_W = max(1, clog2(NF)); unused when N_THRES == 0
    output wire [(((MH/PE) > 1) ? $clog2(MH/PE) : 1)-1:0] t_addr,
    input  wire [PE*((N_THRES > 0) ? N_THRES : 1)*ACC_W-1:0] t_data,
    input  wire [PE-1:0]                           t_desc
);

    // ------------------------------------------------------------------------------------------
    // Derived parameters
    // ------------------------------------------------------------------------------------------
    localparam integer SF    = MW / SIMD;
    localparam integer NF    = MH / PE;
    localparam integer WA_W  = (NF * SF > 1) ? $clog2(NF * SF) : 1;
    localparam integer TA_W  = (NF > 1) ? $clog2(NF) : 1;
    localparam integer SF_W  = (SF > 1) ? $clog2(SF) : 1;
    localparam integer NT1   = (N_THRES > 0) ? N_THRES : 1;
    localparam integer SF_LAST = SF - 1;
    localparam integer NF_LAST = NF - 1;
    localparam integer WA_LAST = NF * SF - 1;
    localparam integer XW    = SIMD * IN_W;
    // Signed widths of the decoded (non-bipolar) elements: unsigned values get one extra bit.
    localparam integer XE_W  = IN_W + ((IN_SIGNED != 0) ? 0 : 1);
    localparam integer WE_W  = W_W + ((W_SIGNED != 0) ? 0 : 1);
    // Width of one exact product before extension/truncation to ACC_W.
    localparam integer P_W   = (IN_BIPOLAR != 0 && W_BIPOLAR != 0) ? 2 :
                               (IN_BIPOLAR != 0) ? WE_W + 1 :
                               (W_BIPOLAR != 0) ? XE_W + 1 : XE_W + WE_W;

    // ------------------------------------------------------------------------------------------
    // Control: counters and handshake
    // ------------------------------------------------------------------------------------------
    reg  [SF_W-1:0]  sf;
    reg  [TA_W-1:0]  nf;
    reg  [WA_W-1:0]  wa;
    reg              ov;      // output register valid
    reg              sv;      // skid register valid
    reg  [PE*OUT_W-1:0] od;   // output register
    reg  [PE*OUT_W-1:0] sd;   // skid register

    wire first_nf = (nf == {TA_W{1'b0}});
    wire last_sf  = (sf == SF_LAST[SF_W-1:0]);
    wire last_nf  = (nf == NF_LAST[TA_W-1:0]);
    wire last_wa  = (wa == WA_LAST[WA_W-1:0]);
    // Room for a result: the skid register is free (result goes to od or sd).
    wire out_room = !sv;
    wire can_go   = !last_sf || out_room;
    wire step     = can_go && (!first_nf || in_tvalid);
    wire wr_out   = step && last_sf;

    assign in_tready  = first_nf && can_go;
    assign w_addr     = wa;
    assign t_addr     = nf;
    assign out_tdata  = od;
    assign out_tvalid = ov;

    always @(posedge clk) begin
        if (!rst_n) begin
            sf <= {SF_W{1'b0}};
            nf <= {TA_W{1'b0}};
            wa <= {WA_W{1'b0}};
        end else if (step) begin
            if (last_sf) begin
                sf <= {SF_W{1'b0}};
                nf <= last_nf ? {TA_W{1'b0}} : nf + 1'b1;
            end else begin
                sf <= sf + 1'b1;
            end
            wa <= last_wa ? {WA_W{1'b0}} : wa + 1'b1;
        end
    end

    // ------------------------------------------------------------------------------------------
    // Input vector: live stream during nf == 0, replayed from the input buffer for nf > 0
    // ------------------------------------------------------------------------------------------
    wire [XW-1:0] xv;
    generate
        if (NF > 1) begin : g_ibuf
            reg  [XW-1:0] ibuf [0:SF-1];
            always @(posedge clk) begin
                if (step && first_nf)
                    ibuf[sf] <= in_tdata;
            end
            assign xv = first_nf ? in_tdata : ibuf[sf];
        end else begin : g_noibuf
            assign xv = in_tdata;
        end
    endgenerate

    // ------------------------------------------------------------------------------------------
    // Products: prod[(p*SIMD+s)*ACC_W +: ACC_W] = x[s] * W[p][s], extended/truncated to ACC_W
    // ------------------------------------------------------------------------------------------
    wire [PE*SIMD*ACC_W-1:0] prod;
    genvar p, s;
    generate
        for (p = 0; p < PE; p = p + 1) begin : g_pe
            for (s = 0; s < SIMD; s = s + 1) begin : g_simd
                wire [IN_W-1:0] xr = xv[s*IN_W +: IN_W];
                wire [W_W-1:0]  wr = w_data[(p*SIMD + s)*W_W +: W_W];
                wire [P_W-1:0]  pr;     // exact product, two's complement
                if (IN_BIPOLAR != 0 && W_BIPOLAR != 0) begin : g_xnor
                    // +1 (2'b01) when bits are equal, -1 (2'b11) otherwise
                    assign pr = {xr[0] ^ wr[0], 1'b1};
                end else if (IN_BIPOLAR != 0) begin : g_bx
                    wire [WE_W-1:0] we;
                    if (W_SIGNED != 0) begin : g_s
                        assign we = wr;
                    end else begin : g_u
                        assign we = {1'b0, wr};
                    end
                    wire [P_W-1:0] wx = {we[WE_W-1], we};
                    assign pr = xr[0] ? wx : (~wx + 1'b1);
                end else if (W_BIPOLAR != 0) begin : g_bw
                    wire [XE_W-1:0] xe;
                    if (IN_SIGNED != 0) begin : g_s
                        assign xe = xr;
                    end else begin : g_u
                        assign xe = {1'b0, xr};
                    end
                    wire [P_W-1:0] xx = {xe[XE_W-1], xe};
                    assign pr = wr[0] ? xx : (~xx + 1'b1);
                end else begin : g_mul
                    wire [XE_W-1:0] xe;
                    wire [WE_W-1:0] we;
                    if (IN_SIGNED != 0) begin : g_xs
                        assign xe = xr;
                    end else begin : g_xu
                        assign xe = {1'b0, xr};
                    end
                    if (W_SIGNED != 0) begin : g_ws
                        assign we = wr;
                    end else begin : g_wu
                        assign we = {1'b0, wr};
                    end
                    assign pr = $signed(xe) * $signed(we);
                end
                // sign-extend or truncate to ACC_W
                if (P_W > ACC_W) begin : g_trunc
                    // Accumulation wraps modulo 2^ACC_W, so the product's upper bits are
                    // irrelevant (named *unused* per the Verilator convention).
                    assign prod[(p*SIMD + s)*ACC_W +: ACC_W] = pr[ACC_W-1:0];
                    wire _unused_hi = &{1'b0, pr[P_W-1:ACC_W], 1'b0};
                end else if (P_W == ACC_W) begin : g_same
                    assign prod[(p*SIMD + s)*ACC_W +: ACC_W] = pr;
                end else begin : g_sext
                    assign prod[(p*SIMD + s)*ACC_W +: ACC_W] = {{(ACC_W-P_W){pr[P_W-1]}}, pr};
                end
            end
        end
    endgenerate

    // ------------------------------------------------------------------------------------------
    // Per-lane adder tree, accumulation and activation
    // ------------------------------------------------------------------------------------------
    reg  [PE*ACC_W-1:0] acc;
    wire [PE*ACC_W-1:0] acc_nx;    // accumulator value after this word
    wire [PE*OUT_W-1:0] res;       // activated results (valid when last_sf)

    generate
        for (p = 0; p < PE; p = p + 1) begin : g_lane
            // heap-shaped binary tree: leaves at SIMD-1 .. 2*SIMD-2, node i = node 2i+1 + node 2i+2.
            // One named net per node (built leaves first, so every reference is to a node
            // already declared): simulators evaluate each addition once, where a loop over one
            // wide vector made Verilator copy the whole vector per node every cycle.
            genvar i;
            for (i = 2*SIMD - 2; i >= 0; i = i - 1) begin : g_node
                wire [ACC_W-1:0] v;
                if (i >= SIMD - 1) begin : g_leaf
                    assign v = prod[(p*SIMD + i - (SIMD - 1))*ACC_W +: ACC_W];
                end else begin : g_sum
                    assign v = g_node[2*i + 1].v + g_node[2*i + 2].v;
                end
            end
            wire [ACC_W-1:0] dot = g_node[0].v;
            wire [ACC_W-1:0] base = (sf == {SF_W{1'b0}}) ? {ACC_W{1'b0}} : acc[p*ACC_W +: ACC_W];
            assign acc_nx[p*ACC_W +: ACC_W] = base + dot;

            if (N_THRES == 0) begin : g_noact
                assign res[p*OUT_W +: OUT_W] = acc_nx[p*ACC_W +: ACC_W];
            end else begin : g_act
                wire signed [ACC_W-1:0] a = acc_nx[p*ACC_W +: ACC_W];
                // count + OUT_BIAS modulo 2^OUT_W: start from the bias and add one per hit.
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
                        if (t_desc[p] ? (a <= $signed(t_data[(p*NT1 + k)*ACC_W +: ACC_W]))
                                      : (a >= $signed(t_data[(p*NT1 + k)*ACC_W +: ACC_W])))
                            cnt = cnt + 1'b1;
                    end
                end
                assign res[p*OUT_W +: OUT_W] = cnt;
            end
        end
    endgenerate

    generate
        if (N_THRES == 0) begin : g_tunused
            // Threshold ROM is not used without an activation.
            wire _unused_t = &{1'b0, t_data, t_desc, 1'b0};
        end
    endgenerate

    always @(posedge clk) begin
        if (step)
            acc <= acc_nx;
    end

    // ------------------------------------------------------------------------------------------
    // Output register + skid register
    // ------------------------------------------------------------------------------------------
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
                end else if (wr_out) begin
                    od <= res;
                    ov <= 1'b1;
                end else begin
                    ov <= 1'b0;
                end
            end else if (wr_out) begin
                sd <= res;
                sv <= 1'b1;
            end
        end
    end

endmodule
