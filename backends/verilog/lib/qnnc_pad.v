// qnnc_pad -- constant border around a feature map (Verilog-2005, synthesizable).
//
// Reads an (H, W, C) map, channels-last, P lanes (channels) per beat, and writes the
// (H+PT+PB, W+PL+PR, C) map whose border pixels (PT rows on top, PB at the bottom, PL columns on
// the left, PR on the right) hold the code VALUE in every lane (its low ELEM_W bits) and whose
// inner pixels are the input beats, in order (docs/hardware-interface.md).
//
// The cell walks the output map (row, col, channel group g < C/P): a border position produces
// a VALUE beat by itself (once the frame's first input beat is offered), an inner position
// takes the next input beat.  So it is paced by its
// output: one output beat per cycle, (H+PT+PB)*(W+PL+PR)*C/P cycles a frame without
// back-pressure.  Output register plus a one-entry skid register (as qnnc_thres): out_tvalid
// and in_tready are registers, never combinational from out_tready.
module qnnc_pad #(
    parameter integer H      = 4,
    parameter integer W      = 4,
    parameter integer C      = 2,
    parameter integer P      = 1,
    parameter integer ELEM_W = 4,
    parameter integer PT     = 1,
    parameter integer PL     = 1,
    parameter integer PB     = 1,
    parameter integer PR     = 1,
    parameter integer VALUE  = 0
) (
    input  wire                  clk,
    input  wire                  rst_n,
    input  wire [P*ELEM_W-1:0]   in_tdata,
    input  wire                  in_tvalid,
    output wire                  in_tready,
    output wire [P*ELEM_W-1:0]   out_tdata,
    output wire                  out_tvalid,
    input  wire                  out_tready
);

    localparam integer OH  = H + PT + PB;
    localparam integer OW  = W + PL + PR;
    localparam integer CF  = C / P;
    localparam integer RW  = (OH > 1) ? $clog2(OH) : 1;
    localparam integer XW  = (OW > 1) ? $clog2(OW) : 1;
    localparam integer GW  = (CF > 1) ? $clog2(CF) : 1;
    localparam integer OH_LAST = OH - 1;
    localparam integer OW_LAST = OW - 1;
    localparam integer CF_LAST = CF - 1;
    localparam integer R_LO = PT;          // first inner row
    localparam integer R_HI = PT + H;      // first bottom border row
    localparam integer X_LO = PL;
    localparam integer X_HI = PL + W;
    localparam integer BW   = P * ELEM_W;

    reg  [RW-1:0] row;
    reg  [XW-1:0] col;
    reg  [GW-1:0] g;
    reg           ov, sv;
    reg  [BW-1:0] od, sd;

    // The border code in every lane (VALUE is a 32-bit integer: sign-extended when wider).
    wire [ELEM_W-1:0] v1;
    generate
        if (ELEM_W <= 32) begin : g_v32
            assign v1 = VALUE[ELEM_W-1:0];
        end else begin : g_vwide
            assign v1 = {{(ELEM_W-32){VALUE[31]}}, VALUE[31:0]};
        end
    endgenerate
    wire [BW-1:0] border_beat = {P{v1}};

    /* verilator lint_off UNSIGNED */
    /* verilator lint_off CMPCONST */
    wire inner = (row >= R_LO[RW-1:0]) && ({1'b0, row} < R_HI[RW:0]) &&
                 (col >= X_LO[XW-1:0]) && ({1'b0, col} < X_HI[XW:0]);
    /* verilator lint_on CMPCONST */
    /* verilator lint_on UNSIGNED */

    // The border before a frame's first inner pixel waits until that frame's first input beat
    // is offered (tvalid only: the beat is taken at the inner position), so no beat of a frame
    // that has not begun leaves the cell; later border beats need no input.
    /* verilator lint_off UNSIGNED */
    wire pre   = (row < R_LO[RW-1:0]) || ((row == R_LO[RW-1:0]) && (col < X_LO[XW-1:0]));
    /* verilator lint_on UNSIGNED */
    wire          step = !sv && ((!inner && !pre) || in_tvalid);
    wire [BW-1:0] res  = inner ? in_tdata : border_beat;

    assign in_tready  = !sv && inner;
    assign out_tvalid = ov;
    assign out_tdata  = od;

    wire last_g   = (g == CF_LAST[GW-1:0]);
    wire last_col = (col == OW_LAST[XW-1:0]);
    wire last_row = (row == OH_LAST[RW-1:0]);

    always @(posedge clk) begin
        if (!rst_n) begin
            row <= {RW{1'b0}};
            col <= {XW{1'b0}};
            g   <= {GW{1'b0}};
        end else if (step) begin
            g <= last_g ? {GW{1'b0}} : g + 1'b1;
            if (last_g) begin
                col <= last_col ? {XW{1'b0}} : col + 1'b1;
                if (last_col)
                    row <= last_row ? {RW{1'b0}} : row + 1'b1;
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
                end else if (step) begin
                    od <= res;
                    ov <= 1'b1;
                end else begin
                    ov <= 1'b0;
                end
            end else if (step) begin
                sd <= res;
                sv <= 1'b1;
            end
        end
    end

endmodule
