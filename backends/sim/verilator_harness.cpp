// Generic Verilator testbench for qnnc stream tops.
//
// Compiled together with any Verilated top that has the ports
//   clk, rst_n, s_axis_tdata, s_axis_tvalid, s_axis_tready,
//   m_axis_tdata, m_axis_tvalid, m_axis_tready
// (see docs/hardware-interface.md). The top class is selected at compile time:
//   -DVTOP=Vqnnc_top                      (required)
//   -DVTOP_HEADER='"Vqnnc_top.h"'         (optional, defaults to "<VTOP>.h")
//   -DQNNC_TRACE                          (optional, needs `verilator --trace`; enables --vcd)
//
// Usage:
//   Vsim --in IN.hex --out OUT.hex --stats STATS.json --n-out N
//        [--seed S] [--valid-prob P] [--ready-prob P] [--max-cycles C]
//        [--in-width W] [--drain D] [--reset-cycles R] [--vcd FILE]
//
// IN.hex holds one input beat per line as hex, most significant digit first (optional 0x prefix,
// '_' separators; blank lines and lines starting with '#' or '//' are ignored). OUT.hex receives
// the collected output beats in the same format. STATS.json receives
//   {"status", "total_cycles", "drain_cycles", "n_in_beats", "in_consumed", "n_out_expected",
//    "n_out_received", "extra_out_beats", "in_cycles": [...], "out_cycles": [...]}.
// Cycle 0 is the first clock cycle after reset is released; a beat's cycle is the cycle whose
// closing rising edge transfers it (tvalid && tready sampled just before that edge).
// total_cycles = (cycle of the last expected output transfer) + 1.
//
// Exit codes: 0 ok, 1 usage / IO error, 2 timeout (cycle limit reached before all expected
// output beats), 3 the design emitted more output beats than expected during the drain period.

#include <verilated.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#ifndef VTOP
#error "Define VTOP to the Verilated top class, e.g. -DVTOP=Vqnnc_top"
#endif

#define QNNC_STR2(x) #x
#define QNNC_STR(x) QNNC_STR2(x)
#ifdef VTOP_HEADER
#include VTOP_HEADER
#else
#define QNNC_TOP_HEADER(x) QNNC_STR(x.h)
#include QNNC_TOP_HEADER(VTOP)
#endif

#ifdef QNNC_TRACE
#include <verilated_vcd_c.h>
#endif

namespace {

using Words = std::vector<uint32_t>;  // little-endian 32-bit words (word 0 = bits [31:0])

// ---------------------------------------------------------------------------------------------
// tdata access for every Verilator port representation.

constexpr int port_bits(const CData&) { return 8; }
constexpr int port_bits(const SData&) { return 16; }
constexpr int port_bits(const IData&) { return 32; }
constexpr int port_bits(const QData&) { return 64; }
template <std::size_t N>
constexpr int port_bits(const VlWide<N>&) {
    return static_cast<int>(N) * 32;
}

inline void set_port(CData& p, const Words& w) { p = static_cast<CData>(w.empty() ? 0 : w[0]); }
inline void set_port(SData& p, const Words& w) { p = static_cast<SData>(w.empty() ? 0 : w[0]); }
inline void set_port(IData& p, const Words& w) { p = static_cast<IData>(w.empty() ? 0 : w[0]); }
inline void set_port(QData& p, const Words& w) {
    const uint64_t lo = w.size() > 0 ? w[0] : 0;
    const uint64_t hi = w.size() > 1 ? w[1] : 0;
    p = static_cast<QData>((hi << 32) | lo);
}
template <std::size_t N>
void set_port(VlWide<N>& p, const Words& w) {
    for (std::size_t i = 0; i < N; ++i) p.at(i) = i < w.size() ? w[i] : 0u;
}

inline Words get_port(const CData& p) { return Words{static_cast<uint32_t>(p)}; }
inline Words get_port(const SData& p) { return Words{static_cast<uint32_t>(p)}; }
inline Words get_port(const IData& p) { return Words{static_cast<uint32_t>(p)}; }
inline Words get_port(const QData& p) {
    return Words{static_cast<uint32_t>(p & 0xffffffffu), static_cast<uint32_t>(p >> 32)};
}
template <std::size_t N>
Words get_port(const VlWide<N>& p) {
    Words w(N);
    for (std::size_t i = 0; i < N; ++i) w[i] = p.at(i);
    return w;
}

// ---------------------------------------------------------------------------------------------
// Hex helpers.

// Highest set bit + 1 (0 for an all-zero value).
int bit_length(const Words& w) {
    for (std::size_t i = w.size(); i-- > 0;) {
        if (w[i]) {
            int b = 32;
            while (!((w[i] >> (b - 1)) & 1u)) --b;
            return static_cast<int>(i) * 32 + b;
        }
    }
    return 0;
}

bool parse_hex(const std::string& text, Words& out, std::string& err) {
    std::string digits;
    std::size_t start = 0;
    if (text.size() >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) start = 2;
    for (std::size_t i = start; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '_') continue;
        if (!std::isxdigit(static_cast<unsigned char>(c))) {
            err = std::string("invalid hex character '") + c + "'";
            return false;
        }
        digits.push_back(c);
    }
    if (digits.empty()) {
        err = "empty hex value";
        return false;
    }
    out.assign((digits.size() + 7) / 8, 0u);
    // Least significant digit is last.
    for (std::size_t k = 0; k < digits.size(); ++k) {
        const char c = digits[digits.size() - 1 - k];
        uint32_t v;
        if (c >= '0' && c <= '9') v = c - '0';
        else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
        else v = c - 'A' + 10;
        out[k / 8] |= v << (4 * (k % 8));
    }
    return true;
}

std::string to_hex(const Words& w, int bits) {
    const int ndig = bits <= 0 ? 1 : (bits + 3) / 4;
    std::string s(static_cast<std::size_t>(ndig), '0');
    for (int k = 0; k < ndig; ++k) {
        const std::size_t word = static_cast<std::size_t>(k / 8);
        const uint32_t v = word < w.size() ? (w[word] >> (4 * (k % 8))) & 0xfu : 0u;
        s[static_cast<std::size_t>(ndig - 1 - k)] = "0123456789abcdef"[v];
    }
    return s;
}

// ---------------------------------------------------------------------------------------------

[[noreturn]] void die(const std::string& msg) {
    std::fprintf(stderr, "verilator_harness: error: %s\n", msg.c_str());
    std::exit(1);
}

struct Options {
    std::string in_path, out_path, stats_path, vcd_path;
    long long n_out = -1;
    uint64_t seed = 1;
    double valid_prob = 1.0;
    double ready_prob = 1.0;
    long long max_cycles = 1000000;
    int in_width = -1;        // if >= 0: reject input beats with bits at or above this width
    long long drain = -1;     // < 0: automatic
    int reset_cycles = 4;
};

Options parse_args(int argc, char** argv) {
    Options o;
    auto need = [&](int& i) -> std::string {
        if (i + 1 >= argc) die(std::string("missing value for ") + argv[i]);
        return std::string(argv[++i]);
    };
    auto to_ll = [](const std::string& s, const char* what) -> long long {
        char* end = nullptr;
        errno = 0;
        const long long v = std::strtoll(s.c_str(), &end, 0);
        if (errno || !end || *end) die(std::string("bad integer for ") + what + ": " + s);
        return v;
    };
    auto to_d = [](const std::string& s, const char* what) -> double {
        char* end = nullptr;
        const double v = std::strtod(s.c_str(), &end);
        if (!end || *end) die(std::string("bad number for ") + what + ": " + s);
        return v;
    };
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--in") o.in_path = need(i);
        else if (a == "--out") o.out_path = need(i);
        else if (a == "--stats") o.stats_path = need(i);
        else if (a == "--vcd") o.vcd_path = need(i);
        else if (a == "--n-out") o.n_out = to_ll(need(i), "--n-out");
        else if (a == "--seed") o.seed = static_cast<uint64_t>(to_ll(need(i), "--seed"));
        else if (a == "--valid-prob") o.valid_prob = to_d(need(i), "--valid-prob");
        else if (a == "--ready-prob") o.ready_prob = to_d(need(i), "--ready-prob");
        else if (a == "--max-cycles") o.max_cycles = to_ll(need(i), "--max-cycles");
        else if (a == "--in-width") o.in_width = static_cast<int>(to_ll(need(i), "--in-width"));
        else if (a == "--drain") o.drain = to_ll(need(i), "--drain");
        else if (a == "--reset-cycles")
            o.reset_cycles = static_cast<int>(to_ll(need(i), "--reset-cycles"));
        else if (a.rfind("+verilator", 0) == 0) continue;  // Verilator runtime args
        else die("unknown argument " + a);
    }
    if (o.in_path.empty() || o.out_path.empty() || o.stats_path.empty())
        die("--in, --out and --stats are required");
    if (o.n_out < 0) die("--n-out is required and must be >= 0");
    if (!(o.valid_prob > 0.0 && o.valid_prob <= 1.0)) die("--valid-prob must be in (0, 1]");
    if (!(o.ready_prob > 0.0 && o.ready_prob <= 1.0)) die("--ready-prob must be in (0, 1]");
    if (o.max_cycles <= 0) die("--max-cycles must be > 0");
    if (o.reset_cycles < 1) die("--reset-cycles must be >= 1");
    return o;
}

void write_int_list(std::ostream& os, const std::vector<long long>& v) {
    os << '[';
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (i) os << ',';
        os << v[i];
    }
    os << ']';
}

}  // namespace

int main(int argc, char** argv) {
    const Options opt = parse_args(argc, argv);

    // ---- read input beats
    std::vector<Words> in_beats;
    {
        std::ifstream f(opt.in_path);
        if (!f) die("cannot open input file " + opt.in_path);
        std::string line;
        long long lineno = 0;
        while (std::getline(f, line)) {
            ++lineno;
            const std::size_t b = line.find_first_not_of(" \t\r\n");
            if (b == std::string::npos) continue;
            const std::size_t e = line.find_last_not_of(" \t\r\n");
            const std::string t = line.substr(b, e - b + 1);
            if (t[0] == '#' || t.rfind("//", 0) == 0) continue;
            Words w;
            std::string err;
            if (!parse_hex(t, w, err))
                die(opt.in_path + ":" + std::to_string(lineno) + ": " + err);
            in_beats.push_back(std::move(w));
        }
    }

    const std::unique_ptr<VerilatedContext> ctx{new VerilatedContext};
    ctx->randReset(0);  // deterministic initial state; +verilator+rand+reset+2 overrides
    ctx->commandArgs(argc, argv);
#ifdef QNNC_TRACE
    if (!opt.vcd_path.empty()) ctx->traceEverOn(true);
#endif
    const std::unique_ptr<VTOP> top{new VTOP{ctx.get(), "TOP"}};

    const int in_port_bits = port_bits(top->s_axis_tdata);
    const int out_port_bits = port_bits(top->m_axis_tdata);
    const int in_limit = opt.in_width >= 0 ? opt.in_width : in_port_bits;
    for (std::size_t i = 0; i < in_beats.size(); ++i) {
        const int bl = bit_length(in_beats[i]);
        if (bl > in_limit || bl > in_port_bits)
            die("input beat " + std::to_string(i) + " has " + std::to_string(bl) +
                " significant bits, but s_axis_tdata is " + std::to_string(in_limit) +
                " bits wide");
    }

#ifdef QNNC_TRACE
    std::unique_ptr<VerilatedVcdC> vcd;
    if (!opt.vcd_path.empty()) {
        vcd.reset(new VerilatedVcdC);
        top->trace(vcd.get(), 99);
        vcd->open(opt.vcd_path.c_str());
    }
    auto dump = [&]() {
        if (vcd) vcd->dump(ctx->time());
    };
#else
    if (!opt.vcd_path.empty())
        die("--vcd requires building with `verilator --trace` and -DQNNC_TRACE");
    auto dump = [&]() {};
#endif

    // One rising edge (inputs must already be applied and evaluated with clk low).
    auto rising_edge = [&]() {
        ctx->timeInc(1);
        top->clk = 1;
        top->eval();
        dump();
        ctx->timeInc(1);
        top->clk = 0;
    };

    std::mt19937_64 rng(opt.seed);
    std::uniform_real_distribution<double> uni(0.0, 1.0);
    auto bern = [&](double p) { return p >= 1.0 || uni(rng) < p; };

    // ---- reset (synchronous, active low)
    const Words zero;
    top->clk = 0;
    top->rst_n = 0;
    top->s_axis_tvalid = 0;
    top->m_axis_tready = 0;
    set_port(top->s_axis_tdata, zero);
    top->eval();
    dump();
    for (int i = 0; i < opt.reset_cycles; ++i) {
        rising_edge();
        top->eval();
        dump();
    }
    top->rst_n = 1;

    // ---- main loop
    const std::size_t n_in = in_beats.size();
    const std::size_t n_out = static_cast<std::size_t>(opt.n_out);
    std::vector<Words> out_beats;
    std::vector<long long> in_cycles, out_cycles;
    out_beats.reserve(n_out);
    std::size_t in_idx = 0;
    bool holding = false;  // s_axis_tvalid asserted and not yet accepted: must keep valid & data
    bool valid = false;
    long long cycle = 0;
    long long total_cycles = 0;
    long long extra_out = 0;
    long long last_event = 0;    // cycle of the last output transfer (for the automatic drain)
    long long max_out_gap = 0;   // largest distance between consecutive output transfers
    bool done = n_out == 0;      // all expected outputs received
    long long drain_len = opt.drain;
    long long drain_end = 0;
    if (done) {
        total_cycles = 0;
        drain_len = drain_len >= 0 ? drain_len : 100;
        drain_end = drain_len;
    }

    while (true) {
        if (!done && cycle >= opt.max_cycles) break;
        if (done && cycle >= drain_end) break;

        // Drive inputs for this cycle (clk is low).
        if (!holding) {
            valid = in_idx < n_in && bern(opt.valid_prob);
            if (valid) set_port(top->s_axis_tdata, in_beats[in_idx]);
        }
        top->s_axis_tvalid = valid ? 1 : 0;
        const bool ready = done ? true : bern(opt.ready_prob);
        top->m_axis_tready = ready ? 1 : 0;
        top->eval();
        dump();

        // Sample the handshakes (tready may depend combinationally on tvalid).
        const bool in_fire = valid && top->s_axis_tready;
        const bool out_fire = ready && top->m_axis_tvalid;
        if (in_fire) {
            in_cycles.push_back(cycle);
            ++in_idx;
            holding = false;
        } else {
            holding = valid;
        }
        if (out_fire) {
            if (out_beats.size() < n_out) {
                out_beats.push_back(get_port(top->m_axis_tdata));
                out_cycles.push_back(cycle);
                const long long gap = cycle - (out_cycles.size() > 1 ? last_event : -1);
                if (gap > max_out_gap) max_out_gap = gap;
                last_event = cycle;
                if (out_beats.size() == n_out) {
                    done = true;
                    total_cycles = cycle + 1;
                    if (drain_len < 0) drain_len = std::max<long long>(100, 2 * max_out_gap);
                    drain_end = cycle + 1 + drain_len;
                }
            } else {
                ++extra_out;
                if (extra_out == 1)
                    std::fprintf(stderr,
                                 "verilator_harness: error: unexpected output beat %lld "
                                 "(expected only %zu) at cycle %lld: 0x%s\n",
                                 static_cast<long long>(n_out + extra_out - 1), n_out, cycle,
                                 to_hex(get_port(top->m_axis_tdata), out_port_bits).c_str());
            }
        }

        rising_edge();
        ++cycle;
    }
    const bool timeout = !done;
    if (timeout) total_cycles = cycle;
    top->final();
#ifdef QNNC_TRACE
    if (vcd) vcd->close();
#endif

    // ---- write outputs
    {
        std::ofstream f(opt.out_path);
        if (!f) die("cannot write output file " + opt.out_path);
        for (const Words& w : out_beats) f << to_hex(w, out_port_bits) << '\n';
    }
    const char* status = timeout ? "timeout" : (extra_out ? "extra_output" : "ok");
    {
        std::ofstream f(opt.stats_path);
        if (!f) die("cannot write stats file " + opt.stats_path);
        f << "{\"status\":\"" << status << "\""
          << ",\"total_cycles\":" << total_cycles
          << ",\"drain_cycles\":" << (timeout ? 0 : cycle - total_cycles)
          << ",\"n_in_beats\":" << n_in << ",\"in_consumed\":" << in_idx
          << ",\"n_out_expected\":" << n_out << ",\"n_out_received\":" << out_beats.size()
          << ",\"extra_out_beats\":" << extra_out
          << ",\"in_port_bits\":" << in_port_bits << ",\"out_port_bits\":" << out_port_bits
          << ",\"seed\":" << opt.seed << ",\"valid_prob\":" << opt.valid_prob
          << ",\"ready_prob\":" << opt.ready_prob << ",\"in_cycles\":";
        write_int_list(f, in_cycles);
        f << ",\"out_cycles\":";
        write_int_list(f, out_cycles);
        f << "}\n";
    }

    if (timeout) {
        std::fprintf(stderr,
                     "verilator_harness: error: TIMEOUT after %lld cycles: received %zu of %zu "
                     "expected output beats, consumed %zu of %zu input beats "
                     "(valid_prob=%g ready_prob=%g seed=%" PRIu64 ")\n",
                     cycle, out_beats.size(), n_out, in_idx, n_in, opt.valid_prob,
                     opt.ready_prob, opt.seed);
        return 2;
    }
    if (extra_out) {
        std::fprintf(stderr,
                     "verilator_harness: error: design emitted %lld more output beat(s) than the "
                     "%zu expected within %lld drain cycles\n",
                     extra_out, n_out, cycle - total_cycles);
        return 3;
    }
    if (in_idx < n_in)
        std::fprintf(stderr,
                     "verilator_harness: warning: all %zu output beats received but only %zu of "
                     "%zu input beats were consumed\n",
                     n_out, in_idx, n_in);
    return 0;
}
