// tb_qnnc_top.cpp -- C-simulation testbench of a qnnc HLS design (qnnc_top.h gives its widths).
//
// Usage: tb_qnnc_top IN.txt OUT.txt FRAMES
// IN.txt holds FRAMES * QNNC_IN_BEATS input beats, one hexadecimal word per line (element 0 in
// the least significant bits, docs/hardware-interface.md). The testbench calls qnnc_top once per
// frame and writes FRAMES * QNNC_OUT_BEATS output beats to OUT.txt in the same format.
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "qnnc_top.h"

template <int W>
static bool parse_hex(const char *text, ap_uint<W> &value) {
    value = 0;
    int digits = 0;
    for (const char *c = text; *c && *c != '\n' && *c != '\r'; c++) {
        int d;
        if (*c >= '0' && *c <= '9') {
            d = *c - '0';
        } else if (*c >= 'a' && *c <= 'f') {
            d = *c - 'a' + 10;
        } else if (*c >= 'A' && *c <= 'F') {
            d = *c - 'A' + 10;
        } else {
            return false;
        }
        value = (value << 4) | ap_uint<W>(d);
        digits++;
    }
    return digits > 0;
}

template <int W>
static void print_hex(FILE *f, const ap_uint<W> &value) {
    const int nibbles = (W + 3) / 4;
    for (int i = nibbles - 1; i >= 0; i--) {
        const int lo = 4 * i;
        const int hi = (lo + 3 < W) ? lo + 3 : W - 1;
        const unsigned d = (unsigned)value.range(hi, lo).to_uint();
        fputc("0123456789abcdef"[d], f);
    }
    fputc('\n', f);
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s IN.txt OUT.txt FRAMES\n", argv[0]);
        return 2;
    }
    const long frames = strtol(argv[3], NULL, 10);
    FILE *fin = fopen(argv[1], "r");
    FILE *fout = fopen(argv[2], "w");
    if (!fin || !fout) {
        fprintf(stderr, "cannot open %s or %s\n", argv[1], argv[2]);
        return 2;
    }
    static char line[1 << 16];
    hls::stream<ap_uint<QNNC_IN_WIDTH> > in("in");
    hls::stream<ap_uint<QNNC_OUT_WIDTH> > out("out");
    for (long f = 0; f < frames; f++) {
        for (int b = 0; b < QNNC_IN_BEATS; b++) {
            ap_uint<QNNC_IN_WIDTH> beat;
            if (!fgets(line, sizeof line, fin) || !parse_hex(line, beat)) {
                fprintf(stderr, "frame %ld: input beat %d missing or not hexadecimal\n", f, b);
                return 2;
            }
            in.write(beat);
        }
        qnnc_top(in, out);
        for (int b = 0; b < QNNC_OUT_BEATS; b++) {
            if (out.empty()) {
                fprintf(stderr, "frame %ld: only %d of %d output beats\n", f, b, QNNC_OUT_BEATS);
                return 1;
            }
            print_hex(fout, out.read());
        }
        if (!out.empty() || !in.empty()) {
            fprintf(stderr, "frame %ld: beats left over in a stream\n", f);
            return 1;
        }
    }
    fclose(fin);
    fclose(fout);
    return 0;
}
