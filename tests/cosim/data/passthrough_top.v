// Test top for the Verilator driver (tests/cosim/test_verilator_driver.py).
// A 2-stage registered pipeline that adds 1 (mod 16) to every 4-bit lane of the beat, with
// full AXI-Stream back-pressure: 1 beat/cycle at full rate, latency 2 cycles. A built-in monitor
// stops the simulation if the driver violates the s_axis stability rule.
// DATA_W must be a multiple of 4 (72 by default -> VlWide ports; 8 for the narrow test).
module passthrough_top #(
    parameter integer DATA_W = 72
) (
    input  wire              clk,
    input  wire              rst_n,
    input  wire [DATA_W-1:0] s_axis_tdata,
    input  wire              s_axis_tvalid,
    output wire              s_axis_tready,
    output wire [DATA_W-1:0] m_axis_tdata,
    output wire              m_axis_tvalid,
    input  wire              m_axis_tready
);
    localparam integer LANES = DATA_W / 4;

    reg [DATA_W-1:0] d1, d2;
    reg v1, v2;

    // A stage accepts when it is empty or its content moves on in the same cycle.
    wire rdy2 = !v2 || m_axis_tready;
    wire rdy1 = !v1 || rdy2;

    wire [DATA_W-1:0] inc;
    genvar i;
    generate
        for (i = 0; i < LANES; i = i + 1) begin : g_lane
            assign inc[i*4 +: 4] = s_axis_tdata[i*4 +: 4] + 4'd1;
        end
    endgenerate

    always @(posedge clk) begin
        if (!rst_n) begin
            v1 <= 1'b0;
            v2 <= 1'b0;
            d1 <= {DATA_W{1'b0}};
            d2 <= {DATA_W{1'b0}};
        end else begin
            if (rdy1) begin
                v1 <= s_axis_tvalid;
                if (s_axis_tvalid) d1 <= inc;
            end
            if (rdy2) begin
                v2 <= v1;
                if (v1) d2 <= d1;
            end
        end
    end

    // Protocol monitor (simulation only): the driver must hold tvalid and tdata stable while
    // tvalid && !tready. A violation stops the simulation with an error.
    // synthesis translate_off
    reg             pend;
    reg [DATA_W-1:0] pend_data;
    always @(posedge clk) begin
        if (!rst_n) begin
            pend <= 1'b0;
        end else begin
            if (pend && (!s_axis_tvalid || s_axis_tdata != pend_data)) begin
                $display("passthrough_top: AXI violation on s_axis (valid/data changed while stalled)");
                $stop;
            end
            pend      <= s_axis_tvalid && !s_axis_tready;
            pend_data <= s_axis_tdata;
        end
    end
    // synthesis translate_on

    assign s_axis_tready = rdy1;
    assign m_axis_tvalid = v2;
    assign m_axis_tdata  = d2;
endmodule
