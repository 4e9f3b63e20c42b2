`default_nettype none
// Simulation-only checks of one AXI-Stream: once the producer raises valid, valid and data must
// hold until the consumer's ready takes the beat. The stitched core instantiates one per stream
// (outside synthesis); a failure stops the simulation naming the stream.
module bcnn_axis_check #(
    parameter int WIDTH = 8,
    parameter string NAME = "stream"
) (
    input wire logic             clk,
    input wire logic             rst_n,
    input wire logic [WIDTH-1:0] tdata,
    input wire logic             tvalid,
    input wire logic             tready
);
  logic pending;  // last cycle offered a beat that was not taken
  logic [WIDTH-1:0] held;

  always_ff @(posedge clk) begin
    if (!rst_n) begin
      pending <= 1'b0;
    end else begin
      if (pending) begin
        assert (tvalid)
        else $error("%s: valid dropped before ready took the beat", NAME);
        assert (tdata == held)
        else $error("%s: data changed while valid was up and ready low", NAME);
      end
      pending <= tvalid && !tready;
    end
    held <= tdata;
  end
endmodule
`default_nettype wire
