`default_nettype none
// Stream width converter: IN_ELEMS elements of BITS bits per input beat, OUT_ELEMS per output
// beat, any ratio (FINN's StreamingDataWidthConverter; the element stream is continuous, so a
// vector whose length both widths divide converts exactly). Ready and valid are registers on both
// sides (no combinational path from one side to the other), at full rate on the busier side.
//
// Three forms, by ratio:
//   down (IN = K * OUT): a word register shifts out OUT elements per beat; a skid register holds
//                        the next input word, so the word reloads as its last piece leaves;
//   up   (OUT = K * IN): pieces gather at fixed positions; the last one goes straight into the
//                        output register with them, or waits with them while that is full;
//   other ratios       : a buffer of 2 IN + OUT elements, element 0 at the bottom: an output
//                        beat leaves from the bottom, an input beat enters above the elements
//                        kept (slots above them are zero, so entering is an OR of the shifted
//                        input); ready is decided before the pop, so an input beat must fit above
//                        up to IN + OUT - 1 waiting elements.
module bcnn_dwc #(
    parameter int BITS = 1,
    parameter int IN_ELEMS = 4,
    parameter int OUT_ELEMS = 3
) (
    input  wire logic                      clk,
    input  wire logic                      rst_n,
    input  wire logic [ IN_ELEMS*BITS-1:0] in_tdata,
    input  wire logic                      in_tvalid,
    output logic                           in_tready,
    output logic      [OUT_ELEMS*BITS-1:0] out_tdata,
    output logic                           out_tvalid,
    input  wire logic                      out_tready
);
  localparam int IW = IN_ELEMS * BITS;
  localparam int OW = OUT_ELEMS * BITS;

  if (IN_ELEMS % OUT_ELEMS == 0 && IN_ELEMS > OUT_ELEMS) begin : g_down
    localparam int K = IN_ELEMS / OUT_ELEMS;
    localparam int K_W = $clog2(K);
    logic [IW-1:0] word, skid;
    logic word_valid, skid_valid;
    logic [K_W-1:0] piece;
    assign in_tready = rst_n && !skid_valid;
    assign out_tvalid = word_valid;
    assign out_tdata = word[OW-1:0];
    wire push = in_tvalid && in_tready;
    wire pop = word_valid && out_tready;
    wire word_free = !word_valid || (pop && int'(piece) == K - 1);
    wire load = word_free && (skid_valid || push);
    always_ff @(posedge clk) begin
      if (!rst_n) begin
        word_valid <= 1'b0;
        skid_valid <= 1'b0;
        piece <= '0;
      end else begin
        if (load) begin
          word <= skid_valid ? skid : in_tdata;  // (the skid, when full, holds the older word)
          word_valid <= 1'b1;
          piece <= '0;
        end else if (pop) begin
          word <= word >> OW;
          word_valid <= int'(piece) != K - 1;
          piece <= piece + 1'b1;
        end
        // a push only happens with the skid empty: it goes to the word if that loads, else here
        if (push && !load) skid <= in_tdata;
        skid_valid <= (push || skid_valid) && !load;
      end
    end

  end else if (OUT_ELEMS % IN_ELEMS == 0 && OUT_ELEMS > IN_ELEMS) begin : g_up
    localparam int K = OUT_ELEMS / IN_ELEMS;
    localparam int K_W = $clog2(K);
    logic [OW-1:0] gather, word;
    logic word_valid, held;  // held: a whole word waits in `gather` for the output register
    logic [K_W-1:0] piece;
    assign in_tready = rst_n && !held;
    assign out_tvalid = word_valid;
    assign out_tdata = word;
    wire push = in_tvalid && in_tready;
    wire out_free = !word_valid || out_tready;
    wire last = int'(piece) == K - 1;
    always_ff @(posedge clk) begin
      if (!rst_n) begin
        word_valid <= 1'b0;
        held <= 1'b0;
        piece <= '0;
      end else begin
        if (push) begin
          gather[int'(piece)*IW+:IW] <= in_tdata;
          piece <= last ? '0 : piece + 1'b1;
        end
        if (held && out_free) begin
          word <= gather;
          word_valid <= 1'b1;
          held <= 1'b0;
        end else if (push && last && out_free) begin
          word <= {in_tdata, gather[OW-IW-1:0]};
          word_valid <= 1'b1;
        end else begin
          if (out_tready) word_valid <= 1'b0;
          if (push && last) held <= 1'b1;
        end
      end
    end

  end else begin : g_gearbox
    localparam int CAP = 2 * IN_ELEMS + OUT_ELEMS;
    localparam int CNT_W = $clog2(CAP + 1);
    logic [CAP*BITS-1:0] elements;
    logic [CNT_W-1:0] count;
    assign out_tvalid = int'(count) >= OUT_ELEMS;
    assign out_tdata = elements[OW-1:0];
    assign in_tready = rst_n && int'(count) + IN_ELEMS <= CAP;
    wire push = in_tvalid && in_tready;
    wire pop = out_tvalid && out_tready;
    logic [CNT_W-1:0] kept;
    logic [CAP*BITS-1:0] shifted;
    always_comb begin
      kept = pop ? count - CNT_W'(OUT_ELEMS) : count;
      shifted = pop ? elements >> OW : elements;
    end
    always_ff @(posedge clk) begin
      if (!rst_n) begin
        elements <= '0;
        count <= '0;
      end else begin
        elements <= push ? shifted | ((CAP * BITS)'(in_tdata) << (int'(kept) * BITS)) : shifted;
        count <= kept + (push ? CNT_W'(IN_ELEMS) : '0);
      end
    end
  end
endmodule
`default_nettype wire
