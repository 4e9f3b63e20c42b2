`default_nettype none
// The window bookkeeping every streamed pooling unit shares (bcnn_maxpool, bcnn_sumpool): K2
// consecutive input beats fold into one output beat. The parent computes `merged`, the fold of the
// current beat into the running result (`partial`, to be ignored when `first`); this unit keeps
// the running result, counts the window's beats and holds the output beat until it is taken, one
// input beat per cycle. Tested through the pools' randomized testbenches (hw/maxpool, hw/sumpool).
module bcnn_window_fold #(
    parameter int K2 = 4,
    parameter int WIDTH = 8
) (
    input  wire logic             clk,
    input  wire logic             rst_n,
    input  wire logic             in_tvalid,
    output logic                  in_tready,
    output logic                  first,
    output logic      [WIDTH-1:0] partial,
    input  wire logic [WIDTH-1:0] merged,
    output logic      [WIDTH-1:0] out_tdata,
    output logic                  out_tvalid,
    input  wire logic             out_tready
);
  localparam int K_W = K2 > 1 ? $clog2(K2) : 1;

  logic [K_W-1:0] k;
  wire last_k = int'(k) == K2 - 1;
  assign first = k == '0;
  // The output register frees before the window's last beat lands in it.
  assign in_tready = rst_n && (!last_k || !out_tvalid || out_tready);
  wire fire = in_tvalid && in_tready;

  always_ff @(posedge clk) begin
    if (!rst_n) begin
      k <= '0;
      partial <= '0;
      out_tvalid <= 1'b0;
      out_tdata <= '0;
    end else begin
      if (out_tready) out_tvalid <= 1'b0;
      if (fire) begin
        partial <= merged;
        if (last_k) begin
          out_tdata <= merged;
          out_tvalid <= 1'b1;
          k <= '0;
        end else begin
          k <= k + 1'b1;
        end
      end
    end
  end
endmodule
`default_nettype wire
