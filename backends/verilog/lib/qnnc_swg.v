// qnnc_swg -- sliding-window generator over a line buffer (Verilog-2005, synthesizable).
//
// Reads an (H, W, C) map, channels-last, SIMD lanes (channels) per beat (CF = C/SIMD beats a
// pixel), and writes, for every output pixel (oh, ow) in row-major order, its window: for
// kh < KH, kw < KW (row-major), the C channels of input pixel (oh*SH + kh*DH, ow*SW + kw*DW)
// (docs/hardware-interface.md).  OH = (H - KE)/SH + 1 with KE = (KH-1)*DH + 1 the kernel's row
// extent, OW likewise; rows and columns no window uses are written and never read.
//
// Line buffer: R rows of W*CF words, used as a circular buffer of input rows (input row r of
// the whole stream, across frames, lives in slot r mod R), so the writer is a plain wrapping
// address.  The reader reads the rows of one output row from its "base" row on.  One signed
// counter, `ahead` = input rows completely written beyond the current base row, paces both:
//   * the writer may write while ahead < R: the row it writes then overwrites a slot whose row
//     lies before the base row, which no present or later window needs;
//   * the reader may read an output row once ahead >= KE (all its rows are written);
//   * ahead grows by one per written row and drops by SH when an output row is done, by
//     H - (OH-1)*SH (the step to the next frame's first row, past dropped rows) after the last
//     output row of a frame; it may go negative until the dropped rows have arrived.
// Since R > KE one of the two can always proceed, so the cell cannot deadlock.
//
// R = KE + max(SH, KE + D), D = H - (OH-1)*SH - KE dropped rows at the bottom.  KE + SH rows let
// the input of the next output row flow in while the current one is read; when the output side
// is the bottleneck the writer must also get the next frame's first KE rows in while the last
// output row of a frame is read, which needs KE + D + KE.  With both, the cell sustains
// max(H*W*CF, OH*OW*KH*KW*CF) cycles a frame with back-to-back frames (the compiler's cycle
// model); with R = KE + SH alone a frame costs up to (KE - SH + D)*W*CF cycles more.
//
// The buffer is a simple dual-port memory with a registered read (block RAM): the read data
// register is the output register itself, loaded by a read only when it is empty or being
// emptied (out_tready), otherwise it holds its beat (the read enable is low).  out_tvalid is a
// register and in_tready depends on registers only; reads run one beat a cycle.  Read and write
// addresses never meet (the pacing above), so the memory's read-during-write behaviour does not
// matter.  Read addresses are kept as running offsets (no multipliers).
module qnnc_swg #(
    parameter integer H      = 4,
    parameter integer W      = 4,
    parameter integer C      = 1,
    parameter integer SIMD   = 1,
    parameter integer ELEM_W = 4,
    parameter integer KH     = 3,
    parameter integer KW     = 3,
    parameter integer SH     = 1,
    parameter integer SW     = 1,
    parameter integer DH     = 1,
    parameter integer DW     = 1
) (
    input  wire                   clk,
    input  wire                   rst_n,
    input  wire [SIMD*ELEM_W-1:0] in_tdata,
    input  wire                   in_tvalid,
    output wire                   in_tready,
    output wire [SIMD*ELEM_W-1:0] out_tdata,
    output wire                   out_tvalid,
    input  wire                   out_tready
);

    localparam integer CF    = C / SIMD;
    localparam integer KE    = (KH - 1) * DH + 1;
    localparam integer KEW   = (KW - 1) * DW + 1;
    localparam integer OH    = (H - KE) / SH + 1;
    localparam integer OW    = (W - KEW) / SW + 1;
    localparam integer FADV  = H - (OH - 1) * SH;       // = KE + D
    localparam integer R     = KE + ((SH > FADV) ? SH : FADV);
    localparam integer ROWW  = W * CF;                  // words a row
    localparam integer DEPTH = R * ROWW;
    localparam integer AW    = (DEPTH > 1) ? $clog2(DEPTH) : 1;
    localparam integer AW1   = AW + 1;                  // offsets before the modulo
    localparam integer AHW   = $clog2(R + 1) + 1;       // signed: -(SH-1) .. R
    localparam integer BW    = SIMD * ELEM_W;
    localparam integer KHW   = (KH > 1) ? $clog2(KH) : 1;
    localparam integer KWW   = (KW > 1) ? $clog2(KW) : 1;
    localparam integer OWW   = (OW > 1) ? $clog2(OW) : 1;
    localparam integer OHW   = (OH > 1) ? $clog2(OH) : 1;
    localparam integer RPW   = (ROWW > 1) ? $clog2(ROWW) : 1;
    // running-offset steps
    localparam integer KW_STEP  = DW * CF;              // next kw: DW pixels right
    localparam integer OW_STEP  = SW * CF;              // next ow: SW pixels right
    localparam integer KH_STEP  = (KH > 1) ? DH * ROWW : 0; // next kh: DH rows down (mod DEPTH)
    localparam integer SH_STEP  = SH * ROWW;            // next output row
    localparam integer FR_STEP  = FADV * ROWW;          // next frame's first row
    localparam integer ROWW_LAST  = ROWW - 1;
    localparam integer DEPTH_LAST = DEPTH - 1;
    localparam integer CF_LAST = CF - 1;
    localparam integer KW_LAST = KW - 1;
    localparam integer KH_LAST = KH - 1;
    localparam integer OW_LAST = OW - 1;
    localparam integer OH_LAST = OH - 1;

    reg [BW-1:0] mem [0:DEPTH-1];

    // ------------------------------------------------------------------------------------------
    // Row accounting
    // ------------------------------------------------------------------------------------------
    reg  signed [AHW-1:0] ahead;
    wire signed [AHW-1:0] r_rows  = R[AHW-1:0];
    wire signed [AHW-1:0] ke_rows = KE[AHW-1:0];
    wire wr_ok = (ahead < r_rows);
    wire rd_ok = (ahead >= ke_rows);

    // ------------------------------------------------------------------------------------------
    // Writer: consecutive addresses modulo DEPTH
    // ------------------------------------------------------------------------------------------
    reg  [AW-1:0]  waddr;
    reg  [RPW-1:0] wpos;                                // word within the row
    wire push     = in_tvalid && wr_ok;
    wire row_done = push && (wpos == ROWW_LAST[RPW-1:0]);

    assign in_tready = wr_ok;

    always @(posedge clk) begin
        if (push)
            mem[waddr] <= in_tdata;
    end

    always @(posedge clk) begin
        if (!rst_n) begin
            waddr <= {AW{1'b0}};
            wpos  <= {RPW{1'b0}};
        end else if (push) begin
            waddr <= (waddr == DEPTH_LAST[AW-1:0]) ? {AW{1'b0}} : waddr + 1'b1;
            wpos  <= (wpos == ROWW_LAST[RPW-1:0]) ? {RPW{1'b0}} : wpos + 1'b1;
        end
    end

    // ------------------------------------------------------------------------------------------
    // Reader: oh, ow, kh, kw, cf (cf fastest); address = row_off + col_off + cf
    // ------------------------------------------------------------------------------------------
    reg  [AW-1:0]  cf;                                  // AW bits: added to the address
    reg  [KWW-1:0] kw;
    reg  [KHW-1:0] kh;
    reg  [OWW-1:0] ow;
    reg  [OHW-1:0] oh;
    reg  [AW-1:0]  base_off;                            // slot of the base row * ROWW
    reg  [AW-1:0]  row_off;                             // slot of row base + kh*DH, * ROWW
    reg  [AW-1:0]  col_base;                            // ow*SW*CF
    reg  [AW-1:0]  col_off;                             // (ow*SW + kw*DW)*CF
    reg            ov;                                  // od holds an output beat
    reg  [BW-1:0]  od;                                  // the memory's read register

    wire step    = rd_ok && (!ov || out_tready);        // read the next beat into od
    wire last_cf = (cf == CF_LAST[AW-1:0]);
    wire last_kw = (kw == KW_LAST[KWW-1:0]);
    wire last_kh = (kh == KH_LAST[KHW-1:0]);
    wire last_ow = (ow == OW_LAST[OWW-1:0]);
    wire last_oh = (oh == OH_LAST[OHW-1:0]);
    wire px_done  = last_cf && last_kw && last_kh;       // a window is complete
    wire row_end  = step && px_done && last_ow;          // an output row is complete

    wire [AW-1:0]  raddr = row_off + col_off + cf;

    // (x + step) mod DEPTH for x < DEPTH and step < DEPTH
    function [AW-1:0] wrap_add;
        input [AW-1:0]  x;
        input [AW1-1:0] inc;
        reg   [AW1-1:0] s;
        begin
            s = {1'b0, x} + inc;
            wrap_add = (s >= DEPTH[AW1-1:0]) ? s[AW-1:0] - DEPTH[AW-1:0] : s[AW-1:0];
        end
    endfunction

    wire [AW-1:0] next_base = wrap_add(base_off, last_oh ? FR_STEP[AW1-1:0] : SH_STEP[AW1-1:0]);

    always @(posedge clk) begin
        if (!rst_n) begin
            cf <= {AW{1'b0}};
            kw <= {KWW{1'b0}};
            kh <= {KHW{1'b0}};
            ow <= {OWW{1'b0}};
            oh <= {OHW{1'b0}};
            base_off <= {AW{1'b0}};
            row_off  <= {AW{1'b0}};
            col_base <= {AW{1'b0}};
            col_off  <= {AW{1'b0}};
        end else if (step) begin
            cf <= last_cf ? {AW{1'b0}} : cf + 1'b1;
            if (last_cf) begin
                kw      <= last_kw ? {KWW{1'b0}} : kw + 1'b1;
                col_off <= col_off + KW_STEP[AW-1:0];
                if (last_kw) begin
                    kh      <= last_kh ? {KHW{1'b0}} : kh + 1'b1;
                    row_off <= wrap_add(row_off, KH_STEP[AW1-1:0]);
                    col_off <= col_base;
                    if (last_kh) begin
                        ow       <= last_ow ? {OWW{1'b0}} : ow + 1'b1;
                        col_base <= col_base + OW_STEP[AW-1:0];
                        col_off  <= col_base + OW_STEP[AW-1:0];
                        row_off  <= base_off;
                        if (last_ow) begin
                            oh       <= last_oh ? {OHW{1'b0}} : oh + 1'b1;
                            base_off <= next_base;
                            row_off  <= next_base;
                            col_base <= {AW{1'b0}};
                            col_off  <= {AW{1'b0}};
                        end
                    end
                end
            end
        end
    end

    // ahead: +1 per written row, -SH per output row, -(KE + D) after a frame's last output row
    wire signed [AHW-1:0] dec = !row_end ? {AHW{1'b0}} :
                                last_oh  ? FADV[AHW-1:0] : SH[AHW-1:0];
    always @(posedge clk) begin
        if (!rst_n)
            ahead <= {AHW{1'b0}};
        else
            ahead <= ahead + {{(AHW-1){1'b0}}, row_done} - dec;
    end

    // ------------------------------------------------------------------------------------------
    // Output: the memory's read register
    // ------------------------------------------------------------------------------------------
    assign out_tvalid = ov;
    assign out_tdata  = od;

    always @(posedge clk) begin
        if (step)
            od <= mem[raddr];
    end

    always @(posedge clk) begin
        if (!rst_n)
            ov <= 1'b0;
        else if (step)
            ov <= 1'b1;
        else if (out_tready)
            ov <= 1'b0;
    end

endmodule
