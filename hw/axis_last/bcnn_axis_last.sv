`default_nettype none
// AXI-Stream TLAST for a DMA: passes a stream through unchanged and marks every BEATS-th beat as
// the last of a packet. A DMA's stream-to-memory channel ends a transfer only on TLAST, and the
// accelerator's streams have none; BEATS is the output beats of one deployment batch.
//
// A register slice at full rate: data, valid, last and ready all come from registers, so no
// combinational path runs between the accelerator's last stage and the DMA. A beat accepted while
// the output is stalled waits in a skid register (ready drops one cycle later, as it is registered).
module bcnn_axis_last #(
    parameter int WIDTH = 8,
    parameter int BEATS = 4,
    localparam int CNT_W = BEATS > 1 ? $clog2(BEATS) : 1
) (
    input  wire logic             clk,
    input  wire logic             rst_n,
    input  wire logic [WIDTH-1:0] in_tdata,
    input  wire logic             in_tvalid,
    output logic             in_tready,
    output logic [WIDTH-1:0] out_tdata,
    output logic             out_tvalid,
    input  wire logic             out_tready,
    output logic             out_tlast
);
  logic [CNT_W-1:0] beat;  // beats of the current packet already accepted
  logic skid_valid, skid_last;
  logic [WIDTH-1:0] skid_data;

  assign in_tready = !skid_valid;
  wire take = in_tvalid && !skid_valid;
  wire last_now = int'(beat) == BEATS - 1;
  wire out_free = out_tready || !out_tvalid;  // the output register may load this cycle

  always_ff @(posedge clk) begin
    if (out_free) begin
      if (skid_valid) begin
        out_tdata <= skid_data;
        out_tlast <= skid_last;
      end else if (take) begin
        out_tdata <= in_tdata;
        out_tlast <= last_now;
      end
    end else if (take) begin
      skid_data <= in_tdata;
      skid_last <= last_now;
    end
  end

  always_ff @(posedge clk) begin
    if (!rst_n) begin
      beat <= '0;
      out_tvalid <= 1'b0;
      skid_valid <= 1'b0;
    end else begin
      if (take) beat <= last_now ? '0 : beat + 1'b1;
      if (out_free) begin
        out_tvalid <= skid_valid || take;
        skid_valid <= 1'b0;
      end else if (take) begin
        skid_valid <= 1'b1;
      end
    end
  end
endmodule
`default_nettype wire
