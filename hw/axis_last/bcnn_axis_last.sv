`default_nettype none
// AXI-Stream TLAST for a DMA: passes a stream through unchanged and marks every BEATS-th beat as
// the last of a packet. A DMA's stream-to-memory channel ends a transfer only on TLAST, and the
// accelerator's streams have none; BEATS is the output beats of one deployment batch.
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
  logic [CNT_W-1:0] beat;  // beats of the current packet already sent

  // Pure pass-through: no register on the data, so the only state is the beat counter.
  assign out_tdata = in_tdata;
  assign out_tvalid = in_tvalid;
  assign in_tready = out_tready;
  assign out_tlast = int'(beat) == BEATS - 1;

  always_ff @(posedge clk) begin
    if (!rst_n) beat <= '0;
    else if (in_tvalid && out_tready) beat <= out_tlast ? '0 : beat + 1'b1;
  end
endmodule
`default_nettype wire
