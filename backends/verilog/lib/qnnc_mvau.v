// qnnc_mvau -- folded matrix-vector-activation unit, pipelined (Verilog-2005, synthesizable).
//
// See docs/hardware-interface.md for the stream protocol, element packing, ROM word layouts and
// the MVAU semantics.  Summary:
//   * SF = MW/SIMD input beats of SIMD elements form one vector x[0..MW-1].
//   * For nf = 0..NF-1 (NF = MH/PE) and sf = 0..SF-1 one weight word (PE*SIMD weights) is
//     processed per cycle; after sf == SF-1 one output beat of PE elements is produced.
//   * acc[r] = sum_c x[c]*W[r][c] in ACC_W-bit two's complement (wrapping).
//   * N_THRES == 0: output element = accumulator (OUT_W must equal ACC_W).
//     N_THRES  > 0: output element = count + OUT_BIAS truncated to OUT_W, where count is the number
//     of thresholds k with acc >= T[k] (ascending row) / acc <= T[k] (descending row, t_desc = 1)
//     (ACT == 0), or with ACT == 1 (multiply-shift) count = clamp(floor((acc*M + B) / 2^SHIFT),
//     0, N_THRES) with M (M_W bits) and B (B_W bits) two's complement per row, exact.
//
// Memories: weights and thresholds are external synchronous ROMs (read latency 1): the word at
// w_addr (= nf*SF + sf) is on w_data in the next cycle, likewise t_data/t_desc for t_addr (= nf).
// Synchronous reads are what block RAM offers, so the parent may place either ROM in block RAM or
// LUTs.  The input buffer (SF beats, replayed for nf > 0) is read synchronously too.
//
// Pipeline (stage = one register; a word issued in cycle 0 is pushed into the output queue at
// the end of cycle LAT_PUSH):
//   issue   counters, handshake, ROM and input-buffer addresses          (cycle 0)
//   S1      weight word, input beat (the memories' read registers)       (registers at end of 0)
//   S2      the same, registered again: block RAM is slow from clock to data (5.8 ns on ECP5),
//           so nothing is computed on it before this register (a BRAM output register)
//   S3      PE*SIMD products                                             (end of 2)
//   tree    the adder tree of each lane (SIMD leaves padded to a power of two) gets a register
//           after every TREE_LVLS levels, TREE_REGS = floor((LEVELS-1)/TREE_LVLS) registers
//   acc     last levels + accumulate; with N_THRES == 0 the result is pushed here
//   cmp     N_THRES > 0: threshold comparisons (thresholds read at the acc stage's nf), or with
//           ACT == 1 the product acc*M and the offset B (ROMs read likewise), registered
//   count   N_THRES > 0: count + OUT_BIAS (ACT == 1: B added, shifted, clamped), pushed
// LAT_PUSH = 3 + TREE_REGS (no thresholds) or 5 + TREE_REGS; the first output beat of a frame is
// valid LAT_PUSH + 1 cycles after its last weight word was issued.  The pipeline never stalls:
// a word is issued only when the output queue is sure to have room (credits: queued + in-flight
// results < QDEPTH = LAT_PUSH + 2, enough that a consumer taking one beat a cycle never slows
// the unit), so in_tready never depends on out_tready.  With back-to-back frames and no
// back-pressure a frame takes exactly NF*SF cycles.
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
    parameter integer OUT_BIAS   = 0,
    parameter integer ACT        = 0,
    parameter integer M_W        = 1,
    parameter integer B_W        = 1,
    parameter integer SHIFT      = 0
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
    // weight ROM (synchronous read): WA_W = max(1, clog2(NF*SF))
    output wire [(((MH/PE)*(MW/SIMD) > 1) ? $clog2((MH/PE)*(MW/SIMD)) : 1)-1:0] w_addr,
    input  wire [PE*SIMD*W_W-1:0]                  w_data,
    // threshold ROM (synchronous read): TA_W = max(1, clog2(NF)); unused when N_THRES == 0
    output wire [(((MH/PE) > 1) ? $clog2(MH/PE) : 1)-1:0] t_addr,
    input  wire [PE*((N_THRES > 0) ? N_THRES : 1)*ACC_W-1:0] t_data,
    input  wire [PE-1:0]                           t_desc,
    // multiply-shift ROMs (synchronous read), used when ACT == 1: RA_W = max(1, clog2(NF))
    output wire [(((MH/PE) > 1) ? $clog2(MH/PE) : 1)-1:0] rq_addr,
    input  wire [PE*M_W-1:0]                       rq_mult,
    input  wire [PE*B_W-1:0]                       rq_offset
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
    localparam integer PR_W  = (P_W < ACC_W) ? P_W : ACC_W;   // registered product width
    // Adder tree: LEAVES = SIMD rounded up to a power of two (the padding leaves are zero and
    // vanish in synthesis), LEVELS additions deep, a register after every TREE_LVLS levels.
    localparam integer LEVELS    = (SIMD > 1) ? $clog2(SIMD) : 0;
    localparam integer LEAVES    = 1 << LEVELS;
    localparam integer TREE_LVLS = 2;
    localparam integer TREE_REGS = (LEVELS > 0) ? (LEVELS - 1) / TREE_LVLS : 0;
    // Stages: 1 = weight word and input beat, 2 = both registered again, 3 = products,
    // 4 .. 3+TREE_REGS = tree registers,
    // ACC_ST = accumulator, then (with thresholds) CMP_ST = comparisons; a result is pushed at
    // the end of stage PUSH_ST - 1 ... see the header for the resulting latency.
    localparam integer ACC_ST    = 4 + TREE_REGS;
    localparam integer LAT_PUSH  = (N_THRES > 0) ? ACC_ST + 1 : ACC_ST - 1;
    localparam integer NSTAGES   = LAT_PUSH;        // tag registers 1 .. NSTAGES
    localparam integer QDEPTH    = LAT_PUSH + 2;
    localparam integer QA_W      = $clog2(QDEPTH);
    localparam integer QC_W      = $clog2(QDEPTH + 1);
    localparam integer QLAST     = QDEPTH - 1;
    // A tag follows every issued word down the pipeline: valid, first word of an accumulation,
    // last word (a result), first pass over the weights (input from the stream), output block nf.
    localparam integer TAG_W     = 4 + TA_W;

    // ------------------------------------------------------------------------------------------
    // Issue: counters, credits and handshake
    // ------------------------------------------------------------------------------------------
    reg  [SF_W-1:0]  sf;
    reg  [TA_W-1:0]  nf;
    reg  [WA_W-1:0]  wa;
    reg  [QC_W-1:0]  pending;   // results queued or in flight

    wire first_nf = (nf == {TA_W{1'b0}});
    wire first_sf = (sf == {SF_W{1'b0}});
    wire last_sf  = (sf == SF_LAST[SF_W-1:0]);
    wire last_nf  = (nf == NF_LAST[TA_W-1:0]);
    wire last_wa  = (wa == WA_LAST[WA_W-1:0]);
    wire credit   = (pending != QDEPTH[QC_W-1:0]);
    wire can_go   = !last_sf || credit;
    wire step     = can_go && (!first_nf || in_tvalid);
    wire pop      = out_tvalid && out_tready;

    assign in_tready = first_nf && can_go;
    assign w_addr    = wa;

    always @(posedge clk) begin
        if (!rst_n) begin
            sf <= {SF_W{1'b0}};
            nf <= {TA_W{1'b0}};
            wa <= {WA_W{1'b0}};
            pending <= {QC_W{1'b0}};
        end else begin
            if (step) begin
                if (last_sf) begin
                    sf <= {SF_W{1'b0}};
                    nf <= last_nf ? {TA_W{1'b0}} : nf + 1'b1;
                end else begin
                    sf <= sf + 1'b1;
                end
                wa <= last_wa ? {WA_W{1'b0}} : wa + 1'b1;
            end
            if ((step && last_sf) && !pop)
                pending <= pending + 1'b1;
            else if (!(step && last_sf) && pop)
                pending <= pending - 1'b1;
        end
    end

    // g_tag[k].r describes the word in stage k (k = 1 .. NSTAGES): one register per stage (an
    // array would be a memory to synthesis)
    wire [TAG_W-1:0] tag0 = {step, first_sf, last_sf, first_nf, nf};
    genvar k;
    generate
        for (k = 1; k <= NSTAGES; k = k + 1) begin : g_tag
            reg  [TAG_W-1:0] r;
            wire [TAG_W-1:0] prev;
            if (k == 1) begin : g_first
                assign prev = tag0;
            end else begin : g_next
                assign prev = g_tag[k - 1].r;
            end
            always @(posedge clk) begin
                if (!rst_n)
                    r <= {TAG_W{1'b0}};
                else
                    r <= prev;
            end
        end
    endgenerate

    // ------------------------------------------------------------------------------------------
    // Stage 1: input vector, live from the stream during nf == 0, replayed from the input buffer
    // (read synchronously) for nf > 0
    // ------------------------------------------------------------------------------------------
    reg  [XW-1:0] x_live;
    wire [XW-1:0] x1;      // stage 1: the beat as read
    reg  [XW-1:0] xv;      // stage 2: registered again
    reg  [PE*SIMD*W_W-1:0] wv;
    always @(posedge clk) begin
        x_live <= in_tdata;
        xv <= x1;
        wv <= w_data;
    end
    generate
        if (NF > 1) begin : g_ibuf
            reg  [XW-1:0] ibuf [0:SF-1];
            reg  [XW-1:0] x_replay;
            always @(posedge clk) begin
                if (step && first_nf)
                    ibuf[sf] <= in_tdata;
                x_replay <= ibuf[sf];
            end
            wire from_stream = g_tag[1].r[TA_W];
            assign x1 = from_stream ? x_live : x_replay;
        end else begin : g_noibuf
            assign x1 = x_live;
        end
    endgenerate

    // ------------------------------------------------------------------------------------------
    // Stage 2: products g_pe[p].g_simd[s].prod_r = x[s] * W[p][s], registered at their own
    // width PR_W = min(P_W, ACC_W) (only the low ACC_W bits matter: accumulation wraps).
    // One register per product, not one PE*SIMD*PR_W-bit vector written a slice per product:
    // the simulator would build such a vector by concatenating the slices one after another,
    // in time quadratic in its width every cycle (cnv at one pixel a cycle, 36 k products in
    // one layer: 80 ms a cycle).
    // ------------------------------------------------------------------------------------------
    // Products of at most 6 input bits come from a table of constants: each product bit is then
    // one function of the operand bits (one LUT), where a multiplier or negation would be built
    // from carry chains.  Entry {x, w} (raw bits) holds the exact product of the decoded values.
    localparam integer TAB_BITS = IN_W + W_W;
    localparam integer USE_TAB  = (TAB_BITS <= 6 && !(IN_BIPOLAR != 0 && W_BIPOLAR != 0)) ? 1 : 0;
    genvar j;
    generate
        if (USE_TAB != 0) begin : g_ptab
            wire [(1 << TAB_BITS)*P_W-1:0] t;
            for (j = 0; j < (1 << TAB_BITS); j = j + 1) begin : g_entry
                localparam integer XR = j >> W_W;
                localparam integer WR = j & ((1 << W_W) - 1);
                localparam integer XV = (IN_BIPOLAR != 0) ? 2 * XR - 1 :
                                        (IN_SIGNED != 0 && XR >= (1 << (IN_W - 1))) ? XR - (1 << IN_W) : XR;
                localparam integer WV = (W_BIPOLAR != 0) ? 2 * WR - 1 :
                                        (W_SIGNED != 0 && WR >= (1 << (W_W - 1))) ? WR - (1 << W_W) : WR;
                localparam integer PV = XV * WV;
                assign t[j*P_W +: P_W] = PV[P_W-1:0];
            end
        end
    endgenerate

    genvar p, s;
    generate
        for (p = 0; p < PE; p = p + 1) begin : g_pe
            for (s = 0; s < SIMD; s = s + 1) begin : g_simd
                wire [IN_W-1:0] xr = xv[s*IN_W +: IN_W];
                wire [W_W-1:0]  wr = wv[(p*SIMD + s)*W_W +: W_W];
                wire [P_W-1:0]  pr;     // exact product, two's complement
                if (USE_TAB != 0) begin : g_tab
                    assign pr = g_ptab.t[{xr, wr}*P_W +: P_W];
                end else if (IN_BIPOLAR != 0 && W_BIPOLAR != 0) begin : g_xnor
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
                reg [PR_W-1:0] prod_r;
                always @(posedge clk) begin
                    prod_r <= pr[PR_W-1:0];
                end
                if (P_W > ACC_W) begin : g_trunc
                    // Accumulation wraps modulo 2^ACC_W, so the product's upper bits are
                    // irrelevant (named *unused* per the Verilator convention).
                    wire _unused_hi = &{1'b0, pr[P_W-1:ACC_W], 1'b0};
                end
            end
        end
    endgenerate

    // ------------------------------------------------------------------------------------------
    // Adder trees (pipelined), accumulation
    // ------------------------------------------------------------------------------------------
    wire [TAG_W-1:0] tag_acc = g_tag[ACC_ST - 1].r;   // the word entering the accumulator
    wire acc_valid = tag_acc[TAG_W-1];
    wire acc_first = tag_acc[TAG_W-2];
    reg  [PE*ACC_W-1:0] acc;
    wire [PE*ACC_W-1:0] acc_nx;    // accumulator value after this word

    generate
        for (p = 0; p < PE; p = p + 1) begin : g_lane
            // heap-shaped complete binary tree: leaves at LEAVES-1 .. 2*LEAVES-2, node
            // i = node 2i+1 + node 2i+2, level(i) = LEVELS - depth(i) (leaves at level 0).
            // A node at level l sums 2^l products of PR_W bits, so NW = min(ACC_W, PR_W + l)
            // bits hold it exactly (modulo 2^ACC_W, all the accumulator keeps): the tree grows
            // one bit a level instead of adding at full accumulator width.
            // One named net per node (built leaves first, so every reference is to a node
            // already declared): simulators evaluate each addition once, where a loop over one
            // wide vector made Verilator copy the whole vector per node every cycle.  A node
            // whose level is a positive multiple of TREE_LVLS (the root excepted) is registered.
            genvar i;
            for (i = 2*LEAVES - 2; i >= 0; i = i - 1) begin : g_node
                // level = LEVELS - floor(log2(i+1)); width of this node and of its children
                localparam integer LVL = (i >= LEAVES - 1) ? 0 : LEVELS - $clog2(i + 2) + 1;
                localparam integer NW  = (PR_W + LVL < ACC_W) ? PR_W + LVL : ACC_W;
                localparam integer CW  = (LVL == 0) ? NW :
                                         (PR_W + LVL - 1 < ACC_W) ? PR_W + LVL - 1 : ACC_W;
                wire [NW-1:0] v;
                if (i >= LEAVES - 1) begin : g_leaf
                    if (i - (LEAVES - 1) < SIMD) begin : g_prod
                        assign v = g_pe[p].g_simd[i - (LEAVES - 1)].prod_r;
                    end else begin : g_zero
                        assign v = {NW{1'b0}};
                    end
                end else begin : g_sum
                    wire [CW-1:0] a = g_node[2*i + 1].v;
                    wire [CW-1:0] b = g_node[2*i + 2].v;
                    wire [NW-1:0] sum;
                    if (NW > CW) begin : g_grow
                        assign sum = {a[CW-1], a} + {b[CW-1], b};
                    end else begin : g_wrap
                        assign sum = a + b;
                    end
                    if (i > 0 && LVL % TREE_LVLS == 0) begin : g_reg
                        reg [NW-1:0] r;
                        always @(posedge clk) begin
                            r <= sum;
                        end
                        assign v = r;
                    end else begin : g_comb
                        assign v = sum;
                    end
                end
            end
            localparam integer DW = (PR_W + LEVELS < ACC_W) ? PR_W + LEVELS : ACC_W;
            wire [ACC_W-1:0] dot;
            if (DW < ACC_W) begin : g_dot_sext
                assign dot = {{(ACC_W-DW){g_node[0].v[DW-1]}}, g_node[0].v};
            end else begin : g_dot
                assign dot = g_node[0].v;
            end
            wire [ACC_W-1:0] base = acc_first ? {ACC_W{1'b0}} : acc[p*ACC_W +: ACC_W];
            assign acc_nx[p*ACC_W +: ACC_W] = base + dot;
        end
    endgenerate

    always @(posedge clk) begin
        if (acc_valid)
            acc <= acc_nx;
    end

    // OUT_BIAS at OUT_W bits (sign-extended past 32), added by either activation
    generate
        if (N_THRES > 0) begin : g_bias
            wire [OUT_W-1:0] v;
            if (OUT_W <= 32) begin : g_b32
                assign v = OUT_BIAS[OUT_W-1:0];
            end else begin : g_bwide
                assign v = {{(OUT_W-32){OUT_BIAS[31]}}, OUT_BIAS[31:0]};
            end
        end
    endgenerate

    // ------------------------------------------------------------------------------------------
    // Activation: the result pushed into the output queue
    // ------------------------------------------------------------------------------------------
    wire                push;
    wire [PE*OUT_W-1:0] res;
    generate
        if (N_THRES == 0) begin : g_noact
            assign push = acc_valid && tag_acc[TAG_W-3];   // last word: a result
            assign res  = acc_nx;
            assign t_addr = {TA_W{1'b0}};
            assign rq_addr = {TA_W{1'b0}};
            // Threshold ROM is not used without an activation.
            wire _unused_t = &{1'b0, t_data, t_desc, rq_mult, rq_offset, 1'b0};
        end else if (ACT != 0) begin : g_rq
            // multiply-shift: M and B of block nf arrive with the accumulator value (synchronous
            // ROMs, as the thresholds); the product and B are registered (the thresholds'
            // comparison stage), then B is added, the sum shifted and clamped to 0..N_THRES.
            localparam integer PM_W  = ACC_W + M_W;
            localparam integer SUM_W = ((PM_W > B_W) ? PM_W : B_W) + 1;
            localparam integer CNT_W = (N_THRES > 1) ? $clog2(N_THRES + 1) : 1;
            localparam integer QX_W  = (SUM_W > CNT_W + 1) ? SUM_W : CNT_W + 2;
            localparam [CNT_W-1:0] KMAX = N_THRES[CNT_W-1:0];
            assign rq_addr = tag_acc[TA_W-1:0];
            assign t_addr = {TA_W{1'b0}};
            wire _unused_t = &{1'b0, t_data, t_desc, 1'b0};
            wire [TAG_W-1:0] tag_cnt = g_tag[ACC_ST + 1].r;   // word whose product is in pm
            assign push = tag_cnt[TAG_W-1] && tag_cnt[TAG_W-3];
            wire [OUT_W-1:0] bias = g_bias.v;
            genvar pq;
            for (pq = 0; pq < PE; pq = pq + 1) begin : g_lane_rq
                reg  signed [PM_W-1:0]  pm;
                reg  signed [B_W-1:0]   ob;
                always @(posedge clk) begin
                    pm <= $signed(acc[pq*ACC_W +: ACC_W]) * $signed(rq_mult[pq*M_W +: M_W]);
                    ob <= $signed(rq_offset[pq*B_W +: B_W]);
                end
                wire signed [SUM_W-1:0] pme = {{(SUM_W-PM_W){pm[PM_W-1]}}, pm};
                wire signed [SUM_W-1:0] obe = {{(SUM_W-B_W){ob[B_W-1]}}, ob};
                wire signed [SUM_W-1:0] sum = pme + obe;
                wire signed [SUM_W-1:0] q   = sum >>> SHIFT;
                wire [QX_W-1:0] qx;
                if (QX_W > SUM_W) begin : g_qext
                    assign qx = {{(QX_W-SUM_W){q[SUM_W-1]}}, q};
                end else begin : g_qsame
                    assign qx = q;
                end
                // clamp: negative -> 0, above N_THRES (high bits set or low bits larger) -> N_THRES
                wire neg  = qx[QX_W-1];
                wire over;
                if (N_THRES == (1 << CNT_W) - 1) begin : g_full
                    assign over = |qx[QX_W-2:CNT_W];
                end else begin : g_part
                    assign over = (|qx[QX_W-2:CNT_W]) || (qx[CNT_W-1:0] > KMAX);
                end
                wire [CNT_W-1:0] cnt = neg ? {CNT_W{1'b0}} : (over ? KMAX : qx[CNT_W-1:0]);
                if (OUT_W > CNT_W) begin : g_cext
                    assign res[pq*OUT_W +: OUT_W] = {{(OUT_W-CNT_W){1'b0}}, cnt} + bias;
                end else begin : g_csame
                    assign res[pq*OUT_W +: OUT_W] = cnt[OUT_W-1:0] + bias;
                end
            end
        end else begin : g_act
            assign rq_addr = {TA_W{1'b0}};
            // The multiply-shift ROMs are not used with thresholds.
            wire _unused_rq = &{1'b0, rq_mult, rq_offset, 1'b0};
            // thresholds of block nf arrive with the accumulator value (synchronous ROM)
            assign t_addr = tag_acc[TA_W-1:0];
            wire [TAG_W-1:0] tag_cnt = g_tag[ACC_ST + 1].r;    // word whose comparisons are in hit
            reg  [PE*N_THRES-1:0] hit;
            integer q, kt;
            always @(posedge clk) begin
                for (q = 0; q < PE; q = q + 1)
                    for (kt = 0; kt < N_THRES; kt = kt + 1)
                        hit[q*N_THRES + kt] <= t_desc[q]
                            ? ($signed(acc[q*ACC_W +: ACC_W]) <= $signed(t_data[(q*NT1 + kt)*ACC_W +: ACC_W]))
                            : ($signed(acc[q*ACC_W +: ACC_W]) >= $signed(t_data[(q*NT1 + kt)*ACC_W +: ACC_W]));
            end
            assign push = tag_cnt[TAG_W-1] && tag_cnt[TAG_W-3];
            // count + OUT_BIAS modulo 2^OUT_W: start from the bias and add one per hit.
            wire [OUT_W-1:0] bias = g_bias.v;
            genvar pp;
            for (pp = 0; pp < PE; pp = pp + 1) begin : g_count
                reg [OUT_W-1:0] cnt;
                integer kk;
                always @* begin
                    cnt = bias;
                    for (kk = 0; kk < N_THRES; kk = kk + 1)
                        cnt = cnt + {{(OUT_W-1){1'b0}}, hit[pp*N_THRES + kk]};
                end
                assign res[pp*OUT_W +: OUT_W] = cnt;
            end
        end
    endgenerate

    // ------------------------------------------------------------------------------------------
    // Output queue: QDEPTH entries; credits at issue guarantee a push always finds room
    // ------------------------------------------------------------------------------------------
    reg  [PE*OUT_W-1:0] q_mem [0:QDEPTH-1];
    reg  [QA_W-1:0]     q_wp, q_rp;
    reg  [QC_W-1:0]     q_cnt;
    assign out_tvalid = (q_cnt != {QC_W{1'b0}});
    assign out_tdata  = q_mem[q_rp];
    always @(posedge clk) begin
        if (push)
            q_mem[q_wp] <= res;
    end
    always @(posedge clk) begin
        if (!rst_n) begin
            q_wp  <= {QA_W{1'b0}};
            q_rp  <= {QA_W{1'b0}};
            q_cnt <= {QC_W{1'b0}};
        end else begin
            if (push)
                q_wp <= (q_wp == QLAST[QA_W-1:0]) ? {QA_W{1'b0}} : q_wp + 1'b1;
            if (pop)
                q_rp <= (q_rp == QLAST[QA_W-1:0]) ? {QA_W{1'b0}} : q_rp + 1'b1;
            if (push && !pop)
                q_cnt <= q_cnt + 1'b1;
            else if (pop && !push)
                q_cnt <= q_cnt - 1'b1;
        end
    end

endmodule
