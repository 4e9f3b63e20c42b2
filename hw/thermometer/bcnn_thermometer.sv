`default_nettype none
// Thermometer input encoder (FracBNN): every IN_BITS-bit pixel becomes LEVELS binary channels,
// bit l set where the pixel reaches level l's threshold (pixel >= THRESHOLDS[l], thresholds
// ascending), so the first layer sees only binary channels. PE pixels per beat; pixel i's code
// leaves at bits [i*LEVELS +: LEVELS], level 0 lowest (the order the first layer's weights are
// laid out in). One registered stage; thresholds are constants, so each bit is one comparator.
module bcnn_thermometer #(
    parameter int PE = 1,
    parameter int IN_BITS = 8,
    parameter int LEVELS = 4,
    // LEVELS thresholds of IN_BITS + 1 bits each (a threshold above every pixel never fires),
    // level l at bits [l*(IN_BITS+1) +: IN_BITS+1]. Waiver: an override arrives as an integer
    // literal (32 bits, or sized to its value when wider) and is meant to be zero-extended or
    // cut to the vector, whose width is what counts.
    /* verilator lint_off WIDTHTRUNC */
    /* verilator lint_off WIDTHEXPAND */
    parameter logic [LEVELS*(IN_BITS+1)-1:0] THRESHOLDS = {9'd192, 9'd128, 9'd64, 9'd1}
    /* verilator lint_on WIDTHEXPAND */
    /* verilator lint_on WIDTHTRUNC */
) (
    input  wire logic                   clk,
    input  wire logic                   rst_n,
    input  wire logic [ PE*IN_BITS-1:0] in_tdata,
    input  wire logic                   in_tvalid,
    output logic                        in_tready,
    output logic      [  PE*LEVELS-1:0] out_tdata,
    output logic                        out_tvalid,
    input  wire logic                   out_tready
);
  localparam int TB = IN_BITS + 1;

  assign in_tready = rst_n && (!out_tvalid || out_tready);

  always_ff @(posedge clk) begin
    if (!rst_n) begin
      out_tvalid <= 1'b0;
    end else if (in_tready) begin
      out_tvalid <= in_tvalid;
      for (int i = 0; i < PE; i++) begin
        for (int l = 0; l < LEVELS; l++) begin
          out_tdata[i*LEVELS+l] <= {1'b0, in_tdata[i*IN_BITS+:IN_BITS]} >= THRESHOLDS[l*TB+:TB];
        end
      end
    end
  end
endmodule
`default_nettype wire
