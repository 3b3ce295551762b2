// qnnc_pool -- max / sum pooling over window groups (Verilog-2005, synthesizable).
//
// The input is groups of K*C elements: K window positions, channels fastest (as qnnc_swg writes
// them), PE lanes (channels) per beat, so a group is K*CF beats with CF = C/PE.  For each group
// the cell writes C elements (CF beats): MODE 0 the maximum over the K positions per channel
// (signed or unsigned compare per IN_SIGNED; on 1-bit bipolar elements, 1 = +1, that is the OR),
// MODE 1 the sum, elements extended to OUT_W bits (sign-extended when IN_SIGNED) and added
// modulo 2^OUT_W.  OUT_W must be >= IN_W (= IN_W for MODE 0).
//
// Partial results of the CF channel groups live in a CF-word delay line (groups come in order,
// so a group's partial result is the word written CF beats before); the beat of the last window
// position combines with its partial result and goes straight to the output.  One input beat per
// cycle, K*CF cycles a group without back-pressure.  Output register plus skid register (as
// qnnc_thres): in_tready and out_tvalid are registers.
module qnnc_pool #(
    parameter integer K         = 4,
    parameter integer C         = 2,
    parameter integer PE        = 1,
    parameter integer IN_W      = 4,
    parameter integer IN_SIGNED = 0,
    parameter integer OUT_W     = 4,
    parameter integer MODE      = 0
) (
    input  wire                  clk,
    input  wire                  rst_n,
    input  wire [PE*IN_W-1:0]    in_tdata,
    input  wire                  in_tvalid,
    output wire                  in_tready,
    output wire [PE*OUT_W-1:0]   out_tdata,
    output wire                  out_tvalid,
    input  wire                  out_tready
);

    localparam integer CF      = C / PE;
    localparam integer GW      = (CF > 1) ? $clog2(CF) : 1;
    localparam integer KW      = (K > 1) ? $clog2(K) : 1;
    localparam integer CF_LAST = CF - 1;
    localparam integer K_LAST  = K - 1;
    localparam integer BW      = PE * OUT_W;

    reg  [GW-1:0] g;
    reg  [KW-1:0] k;
    reg           ov, sv;
    reg  [BW-1:0] od, sd;
    reg  [BW-1:0] part [0:CF-1];    // partial max / sum per channel group, a delay line

    wire take    = in_tvalid && !sv;
    wire first_k = (k == {KW{1'b0}});
    wire last_k  = (k == K_LAST[KW-1:0]);
    wire last_g  = (g == CF_LAST[GW-1:0]);
    wire [BW-1:0] prev = part[CF-1];

    assign in_tready  = !sv;
    assign out_tvalid = ov;
    assign out_tdata  = od;

    // cur = the input beat combined with the partial result of its channel group
    wire [BW-1:0] cur;
    genvar p;
    generate
        for (p = 0; p < PE; p = p + 1) begin : g_lane
            wire [IN_W-1:0]  xr = in_tdata[p*IN_W +: IN_W];
            wire [OUT_W-1:0] xe;
            if (OUT_W == IN_W) begin : g_same
                assign xe = xr;
            end else if (IN_SIGNED != 0) begin : g_sext
                assign xe = {{(OUT_W-IN_W){xr[IN_W-1]}}, xr};
            end else begin : g_zext
                assign xe = {{(OUT_W-IN_W){1'b0}}, xr};
            end
            wire [OUT_W-1:0] pv = prev[p*OUT_W +: OUT_W];
            wire [OUT_W-1:0] comb;
            if (MODE == 0) begin : g_max
                wire gt;
                if (IN_SIGNED != 0) begin : g_s
                    assign gt = $signed(xe) > $signed(pv);
                end else begin : g_u
                    assign gt = xe > pv;
                end
                assign comb = gt ? xe : pv;
            end else begin : g_sum
                assign comb = pv + xe;
            end
            assign cur[p*OUT_W +: OUT_W] = first_k ? xe : comb;
        end
    endgenerate

    // Channel groups are visited in order 0..CF-1 and again, so the partial result of group g
    // is the word written CF beats earlier: a CF-word delay line advanced by every taken beat
    // (shift registers, SRL16/SRLC32 in a Xilinx part: no addresses).  The word of the last
    // window position is shifted in too; the first position of the next group ignores it.
    integer s;
    always @(posedge clk) begin
        if (take) begin
            for (s = CF - 1; s > 0; s = s - 1)
                part[s] <= part[s - 1];
            part[0] <= cur;
        end
    end

    always @(posedge clk) begin
        if (!rst_n) begin
            g <= {GW{1'b0}};
            k <= {KW{1'b0}};
        end else if (take) begin
            g <= last_g ? {GW{1'b0}} : g + 1'b1;
            if (last_g)
                k <= last_k ? {KW{1'b0}} : k + 1'b1;
        end
    end

    wire wr_out = take && last_k;

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
                end else if (wr_out) begin
                    od <= cur;
                    ov <= 1'b1;
                end else begin
                    ov <= 1'b0;
                end
            end else if (wr_out) begin
                sd <= cur;
                sv <= 1'b1;
            end
        end
    end

endmodule
