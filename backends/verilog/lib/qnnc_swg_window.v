// qnnc_swg_window -- sliding-window generator writing a whole window a beat (Verilog-2005,
// synthesizable): the parallel-window form of qnnc_swg, for a convolution whose MVAU reads more
// than one kernel position a cycle.
//
// Reads an (H, W, C) map, channels-last, SIMD lanes (channels) per beat (CF = C/SIMD beats a
// pixel), and writes, for every output pixel (oh, ow) in row-major order, its window in ONE beat
// of KH*KW*C lanes: lane (kh*KW + kw)*C + c holds channel c of input pixel
// (oh*SH + kh*DH, ow*SW + kw*DW) -- the same elements in the same order as qnnc_swg, so the
// two are interchangeable up to the width of the output beat (docs/hardware-interface.md).
//
// Structure: the input pixels run through one delay line of (KE-1)*W + KEW pixels (KE, KEW the
// kernel's extent in rows and columns), so after a pixel is pushed the pixel d pushes older sits
// at delay d. The window whose bottom-right pixel has just been pushed has its tap (kh, kw) at
// delay (KE-1-kh*DH)*W + (KEW-1-kw*DW). The line is KE segments of a KEW-pixel shift register
// (the taps) and, between segments, a W-KEW pixel delay in one memory of (KE-1) pixels a word
// (all segments share its address): a synchronous read one word ahead of the write, so read and
// write addresses differ whenever the memory has two words or more (one word: a register).
// The delay line runs across rows and frames; a pixel whose position is a window's bottom-right
// (row KE-1+oh*SH, column KEW-1+ow*SW, oh < OH, ow < OW) raises `fire` after its push, and the
// taps, which are registers, are the output beat. Rows and columns no window uses are pushed
// and never fire.
//
// Handshake: out_tvalid = fire (a register). The shift registers hold still while a window is
// offered and not taken, so a pixel's last beat is accepted only when no window is waiting or
// the waiting one is taken in the same cycle (in_tready may depend on out_tready; AXI-Stream
// allows it). Other beats of a pixel only fill the gather register and are always accepted.
// One input beat a cycle: H*W*CF cycles a frame with back-to-back frames (at most one window
// a pixel).
module qnnc_swg_window #(
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
    input  wire                            clk,
    input  wire                            rst_n,
    input  wire [SIMD*ELEM_W-1:0]          in_tdata,
    input  wire                            in_tvalid,
    output wire                            in_tready,
    output wire [KH*KW*C*ELEM_W-1:0]       out_tdata,
    output wire                            out_tvalid,
    input  wire                            out_tready
);

    localparam integer CF   = C / SIMD;
    localparam integer BW   = SIMD * ELEM_W;            // bits a beat
    localparam integer PW   = C * ELEM_W;               // bits a pixel
    localparam integer KE   = (KH - 1) * DH + 1;        // rows a window spans
    localparam integer KEW  = (KW - 1) * DW + 1;        // columns a window spans
    localparam integer OH   = (H - KE) / SH + 1;
    localparam integer OW   = (W - KEW) / SW + 1;
    localparam integer D    = W - KEW;                  // memory delay between segments
    localparam integer NT   = KE * KEW;                 // shift-register stages
    localparam integer CFW  = (CF > 1) ? $clog2(CF) : 1;
    localparam integer HW_  = (H > 1) ? $clog2(H) : 1;
    localparam integer WW_  = (W > 1) ? $clog2(W) : 1;
    localparam integer OHW  = (OH > 1) ? $clog2(OH) : 1;
    localparam integer OWW  = (OW > 1) ? $clog2(OW) : 1;
    localparam integer DAW  = (D > 1) ? $clog2(D) : 1;
    localparam integer CF_LAST  = CF - 1;
    localparam integer H_LAST   = H - 1;
    localparam integer W_LAST   = W - 1;
    localparam integer OH_LAST  = OH - 1;
    localparam integer OW_LAST  = OW - 1;
    localparam integer KE_LAST  = KE - 1;
    localparam integer KEW_LAST = KEW - 1;
    localparam integer D_LAST   = D - 1;

    // ------------------------------------------------------------------------------------------
    // Pixel assembly: beats 0..CF-2 of a pixel in the gather register, the last one pushes
    // ------------------------------------------------------------------------------------------
    reg  [CFW-1:0] cfc;
    reg            fire;
    wire           last_beat = (cfc == CF_LAST[CFW-1:0]);
    wire           can_push  = !fire || out_tready;
    wire           push      = in_tvalid && last_beat && can_push;
    wire [PW-1:0]  pixel;

    assign in_tready = !last_beat || can_push;

    always @(posedge clk) begin
        if (!rst_n)
            cfc <= {CFW{1'b0}};
        else if (in_tvalid && in_tready)
            cfc <= last_beat ? {CFW{1'b0}} : cfc + 1'b1;
    end

    generate
        if (CF > 1) begin : g_gather
            // beat k of the pixel in bits [k*BW +: BW]; the last beat completes it on the wire
            reg [(CF-1)*BW-1:0] gather;
            always @(posedge clk) begin
                if (in_tvalid && !last_beat)
                    gather[cfc*BW +: BW] <= in_tdata;
            end
            assign pixel = {in_tdata, gather};
        end else begin : g_whole
            assign pixel = in_tdata;
        end
    endgenerate

    // ------------------------------------------------------------------------------------------
    // Position of the pushed pixel and the next window bottom-right row / column
    // ------------------------------------------------------------------------------------------
    reg  [HW_-1:0] row;
    reg  [WW_-1:0] col;
    reg  [HW_-1:0] rnext;                               // row of the next output row's bottom
    reg  [WW_-1:0] cnext;                               // column of the next window's right
    reg  [OHW-1:0] orow;                                // output rows started in this frame
    reg  [OWW-1:0] ocol;                                // windows started in this row
    reg            rdone;                               // every output row of the frame done
    reg            cdone;                               // every window of the row done
    wire at_row = !rdone && (row == rnext);
    wire at_col = !cdone && (col == cnext);
    wire last_col = (col == W_LAST[WW_-1:0]);
    wire last_row = (row == H_LAST[HW_-1:0]);

    always @(posedge clk) begin
        if (!rst_n) begin
            row   <= {HW_{1'b0}};
            col   <= {WW_{1'b0}};
            rnext <= KE_LAST[HW_-1:0];
            cnext <= KEW_LAST[WW_-1:0];
            orow  <= {OHW{1'b0}};
            ocol  <= {OWW{1'b0}};
            rdone <= 1'b0;
            cdone <= 1'b0;
        end else if (push) begin
            col <= col + 1'b1;
            if (at_col) begin
                if (ocol == OW_LAST[OWW-1:0])
                    cdone <= 1'b1;
                else begin
                    cnext <= cnext + SW[WW_-1:0];
                    ocol  <= ocol + 1'b1;
                end
            end
            if (last_col) begin                         // a row is complete: columns restart
                col   <= {WW_{1'b0}};
                cnext <= KEW_LAST[WW_-1:0];
                ocol  <= {OWW{1'b0}};
                cdone <= 1'b0;
                row   <= row + 1'b1;
                if (at_row) begin
                    if (orow == OH_LAST[OHW-1:0])
                        rdone <= 1'b1;
                    else begin
                        rnext <= rnext + SH[HW_-1:0];
                        orow  <= orow + 1'b1;
                    end
                end
                if (last_row) begin                     // a frame is complete: rows restart
                    row   <= {HW_{1'b0}};
                    rnext <= KE_LAST[HW_-1:0];
                    orow  <= {OHW{1'b0}};
                    rdone <= 1'b0;
                end
            end
        end
    end

    // out_tvalid: set by a push completing a window, held until the window is taken
    always @(posedge clk) begin
        if (!rst_n)
            fire <= 1'b0;
        else if (push)
            fire <= at_row && at_col;
        else if (out_tready)
            fire <= 1'b0;
    end

    // ------------------------------------------------------------------------------------------
    // Delay line: segment s (0 = newest) is stages s*KEW .. s*KEW+KEW-1 of `tap`; between
    // segment s and s+1 a delay of D pixels (lanes s of the memory word)
    // ------------------------------------------------------------------------------------------
    reg  [PW-1:0] tap [0:NT-1];
    wire [PW-1:0] seg_in [0:KE-1];                      // what enters each segment on a push

    assign seg_in[0] = pixel;

    genvar s, t;
    generate
        for (s = 0; s < KE; s = s + 1) begin : g_seg
            always @(posedge clk) begin
                if (push)
                    tap[s*KEW] <= seg_in[s];
            end
            for (t = 1; t < KEW; t = t + 1) begin : g_stage
                always @(posedge clk) begin
                    if (push)
                        tap[s*KEW + t] <= tap[s*KEW + t - 1];
                end
            end
        end

        if (KE > 1) begin : g_lines
            localparam integer LW = (KE - 1) * PW;      // one pixel of every segment a word
            wire [LW-1:0] line_in;                      // segment ends, s = 0 in the LSBs
            wire [LW-1:0] line_out;
            for (s = 0; s < KE - 1; s = s + 1) begin : g_ends
                assign line_in[s*PW +: PW] = tap[s*KEW + KEW - 1];
                assign seg_in[s + 1] = line_out[s*PW +: PW];
            end
            if (D == 0) begin : g_direct
                assign line_out = line_in;
            end else if (D == 1) begin : g_reg
                reg [LW-1:0] q;
                always @(posedge clk) begin
                    if (push)
                        q <= line_in;
                end
                assign line_out = q;
            end else begin : g_mem
                // q holds the word written D pushes before the next push: read one ahead
                reg [LW-1:0]  mem [0:D-1];
                reg [LW-1:0]  q;
                reg [DAW-1:0] wp;
                wire [DAW-1:0] rp = (wp == D_LAST[DAW-1:0]) ? {DAW{1'b0}} : wp + 1'b1;
                always @(posedge clk) begin
                    if (push) begin
                        mem[wp] <= line_in;
                        q       <= mem[rp];
                    end
                end
                always @(posedge clk) begin
                    if (!rst_n)
                        wp <= {DAW{1'b0}};
                    else if (push)
                        wp <= rp;
                end
                assign line_out = q;
            end
        end
    endgenerate

    // ------------------------------------------------------------------------------------------
    // Output: tap (kh, kw) at stage (KE-1-kh*DH)*KEW + KEW-1-kw*DW
    // ------------------------------------------------------------------------------------------
    genvar kh, kw;
    generate
        for (kh = 0; kh < KH; kh = kh + 1) begin : g_kh
            for (kw = 0; kw < KW; kw = kw + 1) begin : g_kw
                assign out_tdata[(kh*KW + kw)*PW +: PW] =
                    tap[(KE - 1 - kh*DH)*KEW + KEW - 1 - kw*DW];
            end
        end
    endgenerate

    assign out_tvalid = fire;

endmodule
