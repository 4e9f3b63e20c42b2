`default_nettype none
// Unit testbench top for bcnn_concat (single in/out stream, for the shared harness): each input
// word is one pixel, all inputs' channels in concatenated order. It is forked to every input;
// input i keeps its FOLDS[i] beats, serializes them (bcnn_dwc) and passes a random stall gate of
// its own before the join. Expected output: the pixel words' beats in order, whatever the stalls.
module tb_bcnn_concat #(
    parameter int WIDTH = 8,
    parameter int INPUTS = 3,
    // an override is a literal as wide as its value (hw.sv_literal), not as the packed vector
    /* verilator lint_off WIDTHEXPAND */
    /* verilator lint_off WIDTHTRUNC */
    parameter logic [INPUTS*16-1:0] FOLDS = {16'd1, 16'd3, 16'd2},
    /* verilator lint_on WIDTHTRUNC */
    /* verilator lint_on WIDTHEXPAND */
    parameter int TOTAL = 6,  // sum of FOLDS
    parameter bit BIPOLAR_IN = 1'b0,
    localparam int W = TOTAL * WIDTH,
    localparam int OUT_WIDTH = BIPOLAR_IN ? 2 * WIDTH : WIDTH
) (
    input  wire logic             clk,
    input  wire logic             rst_n,
    input  wire logic [    W-1:0] in_tdata,
    input  wire logic             in_tvalid,
    output logic                  in_tready,
    output logic [OUT_WIDTH-1:0] out_tdata,
    output logic                  out_tvalid,
    input  wire logic             out_tready
);
  logic [INPUTS*W-1:0] fork_tdata;
  logic [INPUTS-1:0] fork_tvalid, fork_tready;
  bcnn_fork #(.WIDTH(W), .OUTPUTS(INPUTS)) u_fork (
      .clk, .rst_n, .in_tdata, .in_tvalid, .in_tready,
      .out_tdata(fork_tdata), .out_tvalid(fork_tvalid), .out_tready(fork_tready)
  );

  // A free-running LFSR opens each input's gate at random; an offered beat stays offered.
  logic [15:0] lfsr;
  always_ff @(posedge clk) begin
    if (!rst_n) lfsr <= 16'hACE1;
    else lfsr <= {lfsr[14:0], lfsr[15] ^ lfsr[13] ^ lfsr[12] ^ lfsr[10]};
  end

  function automatic int beats_before(int input_index);
    int sum = 0;
    for (int j = 0; j < input_index; j++) sum += int'(FOLDS[16*j+:16]);
    return sum;
  endfunction

  logic [INPUTS*WIDTH-1:0] join_tdata;
  logic [INPUTS-1:0] join_tvalid, join_tready;
  for (genvar i = 0; i < INPUTS; i++) begin : g_input
    localparam int FOLD = int'(FOLDS[16*i+:16]);
    localparam int OFFSET = beats_before(i);
    logic [WIDTH-1:0] dwc_tdata;
    logic dwc_tvalid, dwc_tready, open_gate;
    /* verilator lint_off UNUSEDSIGNAL */  // each input keeps only its own beats of the pixel
    wire [W-1:0] pixel = fork_tdata[i*W+:W];
    /* verilator lint_on UNUSEDSIGNAL */
    bcnn_dwc #(.BITS(WIDTH), .IN_ELEMS(FOLD), .OUT_ELEMS(1)) u_dwc (
        .clk, .rst_n, .in_tdata(pixel[OFFSET*WIDTH+:FOLD*WIDTH]), .in_tvalid(fork_tvalid[i]),
        .in_tready(fork_tready[i]), .out_tdata(dwc_tdata), .out_tvalid(dwc_tvalid), .out_tready(dwc_tready)
    );
    always_ff @(posedge clk) begin
      if (!rst_n) open_gate <= 1'b0;
      else open_gate <= lfsr[(3 * i + 2) % 16] | (join_tvalid[i] & ~join_tready[i]);
    end
    assign join_tvalid[i] = dwc_tvalid & open_gate;
    assign dwc_tready = join_tready[i] & open_gate;
    assign join_tdata[i*WIDTH+:WIDTH] = dwc_tdata;
  end

  bcnn_concat #(.WIDTH(WIDTH), .INPUTS(INPUTS), .FOLDS(FOLDS), .BIPOLAR_IN(BIPOLAR_IN)) u_concat (
      .clk, .rst_n, .in_tdata(join_tdata), .in_tvalid(join_tvalid), .in_tready(join_tready),
      .out_tdata, .out_tvalid, .out_tready
  );
endmodule
`default_nettype wire
