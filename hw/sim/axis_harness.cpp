// Cycle-accurate AXI-Stream harness for any Verilated top with ports
//   clk, rst_n, in_tdata/in_tvalid/in_tready, out_tdata/out_tvalid/out_tready.
// The model class is always `Vdut` (verilator --prefix Vdut).
//
// usage: harness IN_FILE IN_WORDS OUT_FILE OUT_WORDS OUT_BEATS VALID_PERCENT READY_PERCENT SEED MAX_IDLE [PROBE_FILE [+PLUSARG...]]
//   IN_FILE   input beats, each IN_WORDS little-endian uint32 words (bit 0 of word 0 = bit 0 of tdata)
//   OUT_FILE  written: OUT_BEATS output beats, same layout, then one uint64 per output beat: its cycle
//   *_PERCENT probability (0-100) that the harness offers in_tvalid / out_tready on a cycle
//   MAX_IDLE  cycles in which no data moves (no handshake at the ports, no FIFO occupancy change
//             with FIFO_FIELDS, no probed beat) after which the run stops as a deadlock (exit 3)
//   PLUSARG   read by the design's $value$plusargs (e.g. bcnn_fifo's +bcnn_fifo_cap_<INDEX>=N)
// Prints one line: "cycles=N in_beats=N out_beats=N first_in=N seconds=S" (exit 0; S: the
// simulation loop's wall time, so a caller that works while the model runs still gets its speed). A failed assertion in
// the design ends the run with exit 4 (Verilator prints the assertion's message first).
// Built with -DFIFO_FIELDS=n, the top also has `fifo_count` (n x 16-bit FIFO occupancies): the
// line then ends with "fifo_max=a,b,..." and a deadlock report with "fifo_now=a,b,...".
// Built with -DPROBE_WORDS=w0,w1,..., the top also has `probe_fire` (one bit per probed stream:
// a beat transfers) and `probe_tdata` (stream i's data at bit 32 * (w0 + ... + w(i-1))). Given a
// PROBE_FILE (not "-"), every beat that transfers on every probed stream is recorded, and written
// (also after a deadlock) as, per stream: uint64 beat count, then the beats, w(i) words each.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "Vdut.h"
#include "verilated.h"

template <typename T>
static void put(T& sig, const uint32_t* w) {
  uint64_t v = w[0];
  if (sizeof(T) > 4) v |= static_cast<uint64_t>(w[1]) << 32;
  sig = static_cast<T>(v);
}
template <std::size_t N>
static void put(VlWide<N>& sig, const uint32_t* w) {
  for (std::size_t i = 0; i < N; ++i) sig[i] = w[i];
}
template <typename T>
static void get(const T& sig, uint32_t* w) {
  uint64_t v = sig;
  w[0] = static_cast<uint32_t>(v);
  if (sizeof(T) > 4) w[1] = static_cast<uint32_t>(v >> 32);
}
template <std::size_t N>
static void get(const VlWide<N>& sig, uint32_t* w) {
  for (std::size_t i = 0; i < N; ++i) w[i] = sig[i];
}

#ifdef FIFO_FIELDS
static uint32_t fifo_words[(FIFO_FIELDS * 16 + 31) / 32 + 2];
static long fifo_max[FIFO_FIELDS], fifo_now[FIFO_FIELDS];
// -> whether any occupancy changed since the last sample (data moved inside the design)
static bool sample_fifos(const Vdut& dut) {
  get(dut.fifo_count, fifo_words);
  bool moved = false;
  for (int i = 0; i < FIFO_FIELDS; ++i) {
    const long now = (fifo_words[(i * 16) / 32] >> ((i * 16) % 32)) & 0xFFFF;
    moved |= now != fifo_now[i];
    fifo_now[i] = now;
    if (now > fifo_max[i]) fifo_max[i] = now;
  }
  return moved;
}
static void print_fifos(const char* label, const long* values) {
  std::printf(" %s=", label);
  for (int i = 0; i < FIFO_FIELDS; ++i) std::printf(i ? ",%ld" : "%ld", values[i]);
}
#endif

#ifdef PROBE_WORDS
static const int probe_words[] = {PROBE_WORDS};
static constexpr int PROBES = sizeof(probe_words) / sizeof(probe_words[0]);
static int probe_offset[PROBES];
static std::vector<uint32_t> probe_beats[PROBES];
static uint32_t fire_words[(PROBES + 31) / 32 + 2];
static std::vector<uint32_t> probe_data;

static bool record_probes(const Vdut& dut) {  // -> whether any probed stream transferred
  get(dut.probe_fire, fire_words);
  bool any = false;
  for (int w = 0; w < (PROBES + 31) / 32; ++w) any = any || fire_words[w];
  if (!any) return false;
  get(dut.probe_tdata, probe_data.data());
  for (int i = 0; i < PROBES; ++i) {
    if ((fire_words[i / 32] >> (i % 32)) & 1) {
      probe_beats[i].insert(probe_beats[i].end(), &probe_data[probe_offset[i]],
                            &probe_data[probe_offset[i]] + probe_words[i]);
    }
  }
  return true;
}

static void write_probes(const char* path) {
  FILE* f = std::fopen(path, "wb");
  for (int i = 0; i < PROBES; ++i) {
    const uint64_t beats = probe_beats[i].size() / probe_words[i];
    std::fwrite(&beats, 8, 1, f);
    std::fwrite(probe_beats[i].data(), 4, probe_beats[i].size(), f);
  }
  std::fclose(f);
}
#endif

int main(int argc, char** argv) {
  if (argc < 10) {
    std::fprintf(stderr, "usage: %s IN_FILE IN_WORDS OUT_FILE OUT_WORDS OUT_BEATS VALID%% READY%% SEED MAX_IDLE "
                 "[PROBE_FILE [+PLUSARG...]]\n", argv[0]);
    return 2;
  }
  const char* probe_file = argc >= 11 && std::string(argv[10]) != "-" ? argv[10] : nullptr;
#ifdef PROBE_WORDS
  int total_probe_words = 0;
  for (int i = 0; i < PROBES; ++i) {
    probe_offset[i] = total_probe_words;
    total_probe_words += probe_words[i];
  }
  probe_data.resize(static_cast<std::size_t>(total_probe_words) + 2);
#else
  if (probe_file) {
    std::fprintf(stderr, "this harness was built without probes (-DPROBE_WORDS)\n");
    return 2;
  }
#endif
  const int in_words = std::atoi(argv[2]), out_words = std::atoi(argv[4]);
  const long out_beats = std::atol(argv[5]);
  const int valid_pct = std::atoi(argv[6]), ready_pct = std::atoi(argv[7]);
  const long max_idle = std::atol(argv[9]);
  std::mt19937_64 rng(std::strtoull(argv[8], nullptr, 10));
  std::uniform_int_distribution<int> pct(0, 99);

  std::vector<uint32_t> in;
  if (FILE* f = std::fopen(argv[1], "rb")) {
    uint32_t word;
    while (std::fread(&word, 4, 1, f) == 1) in.push_back(word);
    std::fclose(f);
  } else {
    std::fprintf(stderr, "cannot read %s\n", argv[1]);
    return 2;
  }
  const long in_beats = static_cast<long>(in.size()) / in_words;
  std::vector<uint32_t> out(static_cast<std::size_t>(out_beats) * out_words);
  std::vector<uint64_t> out_cycle(static_cast<std::size_t>(out_beats));

  VerilatedContext ctx;
  ctx.commandArgs(argc, argv);  // the design's $value$plusargs see the +PLUSARGs
  ctx.fatalOnError(false);  // a failed assertion sets gotFinish (reported as exit 4), no exit(1)
  Vdut dut(&ctx);
  dut.clk = 0;
  dut.rst_n = 0;
  dut.in_tvalid = 0;
  dut.out_tready = 0;
  for (int i = 0; i < 4; ++i) {  // reset
    dut.clk = 0; dut.eval(); dut.clk = 1; dut.eval();
  }
  dut.clk = 0;
  dut.rst_n = 1;
  dut.eval();

  const auto started = std::chrono::steady_clock::now();
  long sent = 0, received = 0, idle = 0, first_in = -1;
  uint64_t cycle = 0;
  while (received < out_beats) {
    // Drive this cycle's offers (valid stays up once offered until taken, as AXI-Stream requires).
    if (!dut.in_tvalid && sent < in_beats && pct(rng) < valid_pct) {
      put(dut.in_tdata, &in[static_cast<std::size_t>(sent) * in_words]);
      dut.in_tvalid = 1;
    }
    dut.out_tready = pct(rng) < ready_pct;
    dut.eval();
    const bool in_fire = dut.in_tvalid && dut.in_tready;
    const bool out_fire = dut.out_tvalid && dut.out_tready;
    if (out_fire) {
      get(dut.out_tdata, &out[static_cast<std::size_t>(received) * out_words]);
      out_cycle[static_cast<std::size_t>(received)] = cycle;
      ++received;
    }
    bool inside = false;  // a probed stream's beat (more below)
#ifdef PROBE_WORDS
    if (probe_file) inside = record_probes(dut);
#endif
    dut.clk = 1;
    dut.eval();
    if (ctx.gotFinish()) {  // $fatal or a failed assertion (Verilator has printed its message)
      std::printf("assertion cycle=%llu in_beats=%ld/%ld out_beats=%ld/%ld\n",
                  static_cast<unsigned long long>(cycle), sent, in_beats, received, out_beats);
      return 4;
    }
    // The falling edge is evaluated together with the next cycle's inputs (no logic uses negedge).
    dut.clk = 0;
    if (in_fire) {
      if (first_in < 0) first_in = static_cast<long>(cycle);
      ++sent;
      dut.in_tvalid = 0;
    }
    ++cycle;
    // Progress is data moving anywhere: a network whose first output waits on whole frames
    // (DGRL's pixel sums, one frame per unit) moves nothing in or out for longer than MAX_IDLE.
#ifdef FIFO_FIELDS
    inside |= sample_fifos(dut);
#endif
    idle = (in_fire || out_fire || inside) ? 0 : idle + 1;
    if (idle > max_idle) {
      std::printf("deadlock cycle=%llu in_beats=%ld/%ld out_beats=%ld/%ld",
                  static_cast<unsigned long long>(cycle), sent, in_beats, received, out_beats);
#ifdef FIFO_FIELDS
      print_fifos("fifo_now", fifo_now);
#endif
      std::printf("\n");
#ifdef PROBE_WORDS
      if (probe_file) write_probes(probe_file);
#endif
      return 3;
    }
  }
#ifdef PROBE_WORDS
  // Drain: the last frame's tail that no output needs (the rows and columns a strided window
  // skips) still moves through the layers before it, as the next frame would push it; clock on,
  // taking any input left, until no probed stream has moved for MAX_IDLE cycles, so that every
  // stream shows whole frames. The cycle count above stays the last output's.
  if (probe_file) {
    long quiet = 0;
    dut.out_tready = 1;
    while (quiet <= max_idle) {
      if (!dut.in_tvalid && sent < in_beats) {
        put(dut.in_tdata, &in[static_cast<std::size_t>(sent) * in_words]);
        dut.in_tvalid = 1;
      }
      dut.eval();
      const bool in_fire = dut.in_tvalid && dut.in_tready;
      const bool moved = record_probes(dut) || in_fire;
      dut.clk = 1;
      dut.eval();
      if (ctx.gotFinish()) return 4;
      dut.clk = 0;
      if (in_fire) {
        ++sent;
        dut.in_tvalid = 0;
      }
      quiet = moved ? 0 : quiet + 1;
    }
    write_probes(probe_file);
  }
#endif
  FILE* f = std::fopen(argv[3], "wb");
  std::fwrite(out.data(), 4, out.size(), f);
  std::fwrite(out_cycle.data(), 8, out_cycle.size(), f);
  std::fclose(f);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf("cycles=%llu in_beats=%ld out_beats=%ld first_in=%ld seconds=%.6f",
              static_cast<unsigned long long>(cycle), sent, received, first_in, seconds);
#ifdef FIFO_FIELDS
  print_fifos("fifo_max", fifo_max);
#endif
  std::printf("\n");
  dut.final();
  return 0;
}
