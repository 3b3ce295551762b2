// qnnc_hls.h -- qnnc's HLS C++ library cells (Vitis HLS style; C-simulates with g++ and the
// open-source ap_int.h / hls_stream.h headers).
//
// The same units, with the same parameters, word layouts and bit-true semantics as the Verilog
// library (backends/verilog/lib/*.v, docs/hardware-interface.md); their parameters are declared
// once, in qnnc's rtl dialect (rtl.CELLS), and every template takes IN_BEATS (input beats per
// frame) followed by those parameters in the declared order. Every function processes one frame
// per call, so a top function with `#pragma HLS DATAFLOW` streams frames through them.
//
// Element packing: a beat of P elements of W bits holds element i in bits [i*W, i*W+W); a bipolar
// element is one bit (1 = +1, 0 = -1); signed elements are two's complement.
#ifndef QNNC_HLS_H
#define QNNC_HLS_H

#include <ap_int.h>
#include <hls_stream.h>

namespace qnnc {

// Lane i of a packed word, sign- or zero-extended to an ap_int<R>.
template <int R, int W, int SIGNED, int BIPOLAR, int N>
ap_int<R> lane(const ap_uint<N> &word, int i) {
#pragma HLS INLINE
    ap_uint<W> raw = word.range(i * W + W - 1, i * W);
    if (BIPOLAR) {
        return raw[0] ? ap_int<R>(1) : ap_int<R>(-1);
    }
    if (SIGNED) {
        ap_int<W> s = raw;
        return ap_int<R>(s);
    }
    return ap_int<R>(raw);
}

// Matrix-vector-activation unit: acc[r] = sum_c x[c] * W[r][c] in ACC_W-bit two's complement,
// for each of the V = IN_BEATS/(MW/SIMD) vectors of a frame (a convolution's OH*OW pixels);
// with N_THRES > 0 the output is count + OUT_BIAS (count of thresholds passed, ascending rows
// count acc >= T, descending rows acc <= T), else the accumulator itself (OUT_W = ACC_W).
// With ACT = 1 the count is the multiply-shift clamp(floor((acc*M + B) / 2^SHIFT), 0, N_THRES)
// (M: M_W bits, B: B_W bits, two's complement, word nf lane p of rq_mult / rq_offset) instead.
// Weight word nf*SF+sf, lane p*SIMD+s: W[nf*PE+p][sf*SIMD+s]. Threshold word nf, lane
// p*N_THRES+k: T[nf*PE+p][k] (ACC_W bits); direction word nf, bit p.
template <int IN_BEATS, int MW, int MH, int SIMD, int PE, int IN_W, int IN_SIGNED, int IN_BIPOLAR,
          int W_W, int W_SIGNED, int W_BIPOLAR, int ACC_W, int N_THRES, int OUT_W, int OUT_BIAS,
          int ACT, int M_W, int B_W, int SHIFT>
void mvau(hls::stream<ap_uint<SIMD * IN_W> > &in, hls::stream<ap_uint<PE * OUT_W> > &out,
          const ap_uint<PE * SIMD * W_W> weights[(MH / PE) * (MW / SIMD)],
          const ap_uint<PE * (N_THRES > 0 ? N_THRES : 1) * ACC_W> thresholds[MH / PE],
          const ap_uint<PE> descending[MH / PE], const ap_uint<PE * M_W> rq_mult[MH / PE],
          const ap_uint<PE * B_W> rq_offset[MH / PE]) {
    const int PM_W = ACC_W + M_W;
    const int SUM_W = (PM_W > B_W ? PM_W : B_W) + 1;
    const int TN = N_THRES > 0 ? N_THRES : 1;  // threshold lanes per PE in a word
    const int SF = MW / SIMD;
    const int NF = MH / PE;
    const int V = IN_BEATS / SF;  // vectors a frame (OH*OW pixels of a convolution)
    ap_uint<SIMD * IN_W> frame[SF];
    ap_int<ACC_W> acc[PE];
#pragma HLS ARRAY_PARTITION variable = acc complete
    for (int v = 0; v < V; v++) {
    for (int nf = 0; nf < NF; nf++) {
        for (int sf = 0; sf < SF; sf++) {
#pragma HLS PIPELINE II = 1
            if (nf == 0) {
                frame[sf] = in.read();
            }
            const ap_uint<SIMD * IN_W> x = frame[sf];
            const ap_uint<PE * SIMD * W_W> w = weights[nf * SF + sf];
            for (int p = 0; p < PE; p++) {
#pragma HLS UNROLL
                ap_int<ACC_W> sum = (sf == 0) ? ap_int<ACC_W>(0) : acc[p];
                for (int s = 0; s < SIMD; s++) {
#pragma HLS UNROLL
                    const ap_int<IN_W + 1> xv = lane<IN_W + 1, IN_W, IN_SIGNED, IN_BIPOLAR>(x, s);
                    const ap_int<W_W + 1> wv =
                        lane<W_W + 1, W_W, W_SIGNED, W_BIPOLAR>(w, p * SIMD + s);
                    sum += ap_int<ACC_W>(xv * wv);
                }
                acc[p] = sum;
            }
            if (sf == SF - 1) {
                ap_uint<PE * OUT_W> o = 0;
                for (int p = 0; p < PE; p++) {
#pragma HLS UNROLL
                    if (N_THRES == 0) {
                        o.range(p * OUT_W + OUT_W - 1, p * OUT_W) = ap_uint<ACC_W>(acc[p]);
                    } else if (ACT == 1) {
                        const ap_int<M_W> m = lane<M_W, M_W, 1, 0>(rq_mult[nf], p);
                        const ap_int<B_W> b = lane<B_W, B_W, 1, 0>(rq_offset[nf], p);
                        const ap_int<SUM_W> sum = ap_int<SUM_W>(ap_int<PM_W>(acc[p]) * m) + b;
                        const ap_int<SUM_W> q = sum >> SHIFT;
                        const int count = q < 0 ? 0 : (q > N_THRES ? N_THRES : int(q));
                        o.range(p * OUT_W + OUT_W - 1, p * OUT_W) = ap_uint<OUT_W>(count + OUT_BIAS);
                    } else {
                        const ap_uint<PE * TN * ACC_W> t = thresholds[nf];
                        const bool desc = descending[nf][p];
                        int count = 0;
                        for (int k = 0; k < N_THRES; k++) {
#pragma HLS UNROLL
                            const ap_int<ACC_W> tk = lane<ACC_W, ACC_W, 1, 0>(t, p * TN + k);
                            count += desc ? (acc[p] <= tk) : (acc[p] >= tk);
                        }
                        o.range(p * OUT_W + OUT_W - 1, p * OUT_W) = ap_uint<OUT_W>(count + OUT_BIAS);
                    }
                }
                out.write(o);
            }
        }
    }
    }
}

// Standalone multi-thresholding over C channels, PE per beat; thresholds T_W-bit signed. A frame
// is IN_BEATS/(C/PE) pixels of C channels (V groups).
template <int IN_BEATS, int C, int PE, int IN_W, int IN_SIGNED, int T_W, int N_THRES, int OUT_W,
          int OUT_BIAS>
void thres(hls::stream<ap_uint<PE * IN_W> > &in, hls::stream<ap_uint<PE * OUT_W> > &out,
           const ap_uint<PE * N_THRES * T_W> thresholds[C / PE], const ap_uint<PE> descending[C / PE]) {
    for (int i = 0; i < IN_BEATS; i++) {
#pragma HLS PIPELINE II = 1
        const int nf = i % (C / PE);
        const ap_uint<PE * IN_W> x = in.read();
        const ap_uint<PE * N_THRES * T_W> t = thresholds[nf];
        ap_uint<PE * OUT_W> o = 0;
        for (int p = 0; p < PE; p++) {
#pragma HLS UNROLL
            const ap_int<T_W + 1> xv = lane<T_W + 1, IN_W, IN_SIGNED, 0>(x, p);
            const bool desc = descending[nf][p];
            int count = 0;
            for (int k = 0; k < N_THRES; k++) {
#pragma HLS UNROLL
                const ap_int<T_W + 1> tk = lane<T_W + 1, T_W, 1, 0>(t, p * N_THRES + k);
                count += desc ? (xv <= tk) : (xv >= tk);
            }
            o.range(p * OUT_W + OUT_W - 1, p * OUT_W) = ap_uint<OUT_W>(count + OUT_BIAS);
        }
        out.write(o);
    }
}

// Data-width converter: a frame of IN_BEATS*IN_P elements of ELEM_W bits, IN_P per input beat,
// OUT_P per output beat, element order kept (the frame is a multiple of both).
template <int IN_BEATS, int ELEM_W, int IN_P, int OUT_P>
void dwc(hls::stream<ap_uint<IN_P * ELEM_W> > &in, hls::stream<ap_uint<OUT_P * ELEM_W> > &out) {
    const int N = IN_BEATS * IN_P;
    ap_uint<(IN_P + OUT_P) * ELEM_W> buf = 0;
    int have = 0;  // elements in buf, oldest in the LSBs
    for (int i = 0; i < N / IN_P + N / OUT_P; i++) {
#pragma HLS PIPELINE II = 1
        if (have >= OUT_P) {
            out.write(ap_uint<OUT_P * ELEM_W>(buf.range(OUT_P * ELEM_W - 1, 0)));
            buf = buf >> (OUT_P * ELEM_W);
            have -= OUT_P;
        } else {
            ap_uint<(IN_P + OUT_P) * ELEM_W> beat = in.read();
            buf |= beat << (have * ELEM_W);
            have += IN_P;
        }
    }
}

// ceil(log2(n)) for n >= 1 (a compile-time width).
constexpr int clog2(int n) { return n <= 1 ? 0 : 1 + clog2((n + 1) / 2); }

// Row gather (upsampling, depth-to-space): the frame is groups of ROW_IN beats of P lanes; for
// each group, output beat j is input beat src[j] of the group, copied whole. src: ROW_OUT words
// of max(1, clog2(ROW_IN)) bits. Two group buffers: group g is written while group g-1 is read,
// one beat each per iteration, max(ROW_IN, ROW_OUT) iterations a group (plus one group's drain
// at the end of the frame).
template <int IN_BEATS, int ROW_IN, int ROW_OUT, int P, int ELEM_W>
void rowmap(hls::stream<ap_uint<P * ELEM_W> > &in, hls::stream<ap_uint<P * ELEM_W> > &out,
            const ap_uint<(ROW_IN > 1 ? clog2(ROW_IN) : 1)> src[ROW_OUT]) {
    static_assert(IN_BEATS % ROW_IN == 0, "a frame is whole groups of ROW_IN beats");
    const int GROUPS = IN_BEATS / ROW_IN;
    const int M = ROW_IN > ROW_OUT ? ROW_IN : ROW_OUT;
    ap_uint<P * ELEM_W> buf[2][ROW_IN];
#pragma HLS ARRAY_PARTITION variable = buf complete dim = 1
#pragma HLS DEPENDENCE variable = buf inter false
    for (int g = 0; g <= GROUPS; g++) {
        for (int t = 0; t < M; t++) {
#pragma HLS PIPELINE II = 1
            if (g < GROUPS && t < ROW_IN) {
                buf[g % 2][t] = in.read();
            }
            if (g > 0 && t < ROW_OUT) {
                out.write(buf[(g - 1) % 2][src[t].to_int()]);
            }
        }
    }
}

// A FIFO between two units: the stream itself (its depth is the STREAM pragma on `out` in the
// top); this copy keeps the top a plain chain of calls.
template <int IN_BEATS, int W, int DEPTH>
void fifo(hls::stream<ap_uint<W> > &in, hls::stream<ap_uint<W> > &out) {
    for (int i = 0; i < IN_BEATS; i++) {
#pragma HLS PIPELINE II = 1
        out.write(in.read());
    }
}

// Padding: an (H, W, C) map, channels-last, P lanes per beat, becomes the (H+PT+PB, W+PL+PR, C)
// map whose border pixels hold the code VALUE (its low ELEM_W bits) in every lane. Paced by the
// output: one output beat per iteration.
template <int IN_BEATS, int H, int W, int C, int P, int ELEM_W, int PT, int PL, int PB, int PR,
          int VALUE>
void pad(hls::stream<ap_uint<P * ELEM_W> > &in, hls::stream<ap_uint<P * ELEM_W> > &out) {
    const int CF = C / P;
    ap_uint<P * ELEM_W> border = 0;
    for (int p = 0; p < P; p++) {
#pragma HLS UNROLL
        border.range(p * ELEM_W + ELEM_W - 1, p * ELEM_W) = ap_uint<ELEM_W>(ap_int<ELEM_W>(VALUE));
    }
    for (int r = 0; r < H + PT + PB; r++) {
        for (int c = 0; c < W + PL + PR; c++) {
            for (int g = 0; g < CF; g++) {
#pragma HLS PIPELINE II = 1
                const bool inner = r >= PT && r < PT + H && c >= PL && c < PL + W;
                out.write(inner ? in.read() : border);
            }
        }
    }
}

// Sliding-window generator: for every output pixel (oh, ow) of an (H, W, C) map (SIMD lanes per
// beat), the channels of input pixels (oh*SH + kh*DH, ow*SW + kw*DW), kh < KH, kw < KW row-major,
// channels fastest; rows and columns no window uses are read and dropped. A line buffer of the KE
// = (KH-1)*DH+1 rows one output row needs (input row r in slot r mod KE): the rows an output row
// still lacks are read, then its windows written. Reading and writing alternate here (the
// Verilog cell overlaps them with a deeper buffer); the function is the same.
template <int IN_BEATS, int H, int W, int C, int SIMD, int ELEM_W, int KH, int KW, int SH, int SW,
          int DH, int DW>
void swg(hls::stream<ap_uint<SIMD * ELEM_W> > &in, hls::stream<ap_uint<SIMD * ELEM_W> > &out) {
    const int CF = C / SIMD;
    const int KE = (KH - 1) * DH + 1;
    const int OH = (H - KE) / SH + 1;
    const int OW = (W - (KW - 1) * DW - 1) / SW + 1;
    // Every slot is written in this call before it is read (no state across calls, so two units
    // with the same parameters share nothing).
    ap_uint<SIMD * ELEM_W> rows[KE][W * CF];
    int next = 0;  // input rows read so far in this frame
    for (int oh = 0; oh < OH; oh++) {
        for (; next < oh * SH + KE; next++) {
            for (int i = 0; i < W * CF; i++) {
#pragma HLS PIPELINE II = 1
                rows[next % KE][i] = in.read();
            }
        }
        for (int ow = 0; ow < OW; ow++) {
            for (int kh = 0; kh < KH; kh++) {
                for (int kw = 0; kw < KW; kw++) {
                    for (int cf = 0; cf < CF; cf++) {
#pragma HLS PIPELINE II = 1
                        out.write(rows[(oh * SH + kh * DH) % KE][(ow * SW + kw * DW) * CF + cf]);
                    }
                }
            }
        }
    }
    for (int i = next * W * CF; i < H * W * CF; i++) {  // dropped bottom rows
#pragma HLS PIPELINE II = 1
        in.read();
    }
}

// Sliding-window generator, parallel-window form: the windows of `swg`, each in ONE beat of
// KH*KW*C lanes (lane (kh*KW + kw)*C + c = channel c of input pixel (oh*SH + kh*DH,
// ow*SW + kw*DW)). Pixels are assembled from CF = C/SIMD beats into a line buffer of the KE rows
// a window spans (input row r in slot r mod KE); after the pixel at a window's bottom-right
// corner (row KE-1 + oh*SH, column KEW-1 + ow*SW) the window is written: one input beat an
// iteration, at most one window a pixel (the Verilog cell's order of events).
template <int IN_BEATS, int H, int W, int C, int SIMD, int ELEM_W, int KH, int KW, int SH, int SW,
          int DH, int DW>
void swg_window(hls::stream<ap_uint<SIMD * ELEM_W> > &in,
                hls::stream<ap_uint<KH * KW * C * ELEM_W> > &out) {
    const int CF = C / SIMD;
    const int KE = (KH - 1) * DH + 1;
    const int KEW = (KW - 1) * DW + 1;
    const int OH = (H - KE) / SH + 1;
    const int OW = (W - KEW) / SW + 1;
    const int PW = C * ELEM_W;
    const int BW = SIMD * ELEM_W;
    // a window reads KH rows and KEW consecutive columns at once: rows in separate banks,
    // columns spread over KEW banks
    ap_uint<PW> rows[KE][W];
#pragma HLS ARRAY_PARTITION variable = rows complete dim = 1
#pragma HLS ARRAY_PARTITION variable = rows cyclic factor = KEW dim = 2
    for (int r = 0; r < H; r++) {
        for (int c = 0; c < W; c++) {
            ap_uint<PW> pixel = 0;
            for (int cf = 0; cf < CF; cf++) {
#pragma HLS PIPELINE II = 1
                pixel.range(cf * BW + BW - 1, cf * BW) = in.read();
            }
            rows[r % KE][c] = pixel;
            const int dr = r - (KE - 1), dc = c - (KEW - 1);
            if (dr >= 0 && dr % SH == 0 && dr / SH < OH && dc >= 0 && dc % SW == 0 &&
                dc / SW < OW) {
                ap_uint<KH * KW * C * ELEM_W> window = 0;
                for (int kh = 0; kh < KH; kh++) {
#pragma HLS UNROLL
                    for (int kw = 0; kw < KW; kw++) {
#pragma HLS UNROLL
                        const int lo = (kh * KW + kw) * PW;
                        window.range(lo + PW - 1, lo) = rows[(dr + kh * DH) % KE][dc + kw * DW];
                    }
                }
                out.write(window);
            }
        }
    }
}

// Pooling over groups of K window positions of C channels (channels fastest, PE lanes per beat):
// MODE 0 the maximum per channel (IN_W-bit elements, signed when IN_SIGNED; on 1-bit bipolar
// elements the OR), MODE 1 the sum modulo 2^OUT_W. Partial results per channel group in `part`.
template <int IN_BEATS, int K, int C, int PE, int IN_W, int IN_SIGNED, int OUT_W, int MODE>
void pool(hls::stream<ap_uint<PE * IN_W> > &in, hls::stream<ap_uint<PE * OUT_W> > &out) {
    const int CF = C / PE;
    const int GROUPS = IN_BEATS / (K * CF);
    ap_int<OUT_W + 1> part[CF][PE];
#pragma HLS ARRAY_PARTITION variable = part complete dim = 2
    for (int v = 0; v < GROUPS; v++) {
        for (int k = 0; k < K; k++) {
            for (int cf = 0; cf < CF; cf++) {
#pragma HLS PIPELINE II = 1
                const ap_uint<PE * IN_W> x = in.read();
                ap_uint<PE * OUT_W> o = 0;
                for (int p = 0; p < PE; p++) {
#pragma HLS UNROLL
                    const ap_int<OUT_W + 1> xv = lane<OUT_W + 1, IN_W, IN_SIGNED, 0>(x, p);
                    ap_int<OUT_W + 1> cur = xv;
                    if (k > 0) {
                        cur = MODE == 0 ? (xv > part[cf][p] ? xv : part[cf][p])
                                        : ap_int<OUT_W + 1>(part[cf][p] + xv);
                    }
                    part[cf][p] = cur;
                    o.range(p * OUT_W + OUT_W - 1, p * OUT_W) = ap_uint<OUT_W>(cur);
                }
                if (k == K - 1) {
                    out.write(o);
                }
            }
        }
    }
}

// Fork: every beat of `in` on both outputs.
template <int IN_BEATS, int W>
void fork(hls::stream<ap_uint<W> > &in, hls::stream<ap_uint<W> > &out0,
          hls::stream<ap_uint<W> > &out1) {
    for (int i = 0; i < IN_BEATS; i++) {
#pragma HLS PIPELINE II = 1
        const ap_uint<W> x = in.read();
        out0.write(x);
        out1.write(x);
    }
}

// Residual add: one beat of a and one of b (PE lanes, lane p of beat i is channel
// (i*PE + p) mod C); acc = KA*a + KB*b in ACC_W-bit two's complement; with N_THRES > 0 the output
// is count + OUT_BIAS (thresholds of the channel, as mvau's), else acc (OUT_W = ACC_W).
template <int IN_BEATS, int C, int PE, int A_W, int A_SIGNED, int B_W, int B_SIGNED, int KA, int KB,
          int ACC_W, int N_THRES, int OUT_W, int OUT_BIAS>
void add(hls::stream<ap_uint<PE * A_W> > &a, hls::stream<ap_uint<PE * B_W> > &b,
         hls::stream<ap_uint<PE * OUT_W> > &out,
         const ap_uint<PE * (N_THRES > 0 ? N_THRES : 1) * ACC_W> thresholds[C / PE],
         const ap_uint<PE> descending[C / PE]) {
    const int TN = N_THRES > 0 ? N_THRES : 1;
    for (int i = 0; i < IN_BEATS; i++) {
#pragma HLS PIPELINE II = 1
        const int nf = i % (C / PE);
        const ap_uint<PE * A_W> x = a.read();
        const ap_uint<PE * B_W> y = b.read();
        ap_uint<PE * OUT_W> o = 0;
        for (int p = 0; p < PE; p++) {
#pragma HLS UNROLL
            // products and sum modulo 2^ACC_W: the low bits of the exact ones
            const ap_int<ACC_W> av = lane<A_W + 1, A_W, A_SIGNED, 0>(x, p);
            const ap_int<ACC_W> bv = lane<B_W + 1, B_W, B_SIGNED, 0>(y, p);
            const ap_int<ACC_W> acc = av * ap_int<ACC_W>(KA) + bv * ap_int<ACC_W>(KB);
            if (N_THRES == 0) {
                o.range(p * OUT_W + OUT_W - 1, p * OUT_W) = ap_uint<ACC_W>(acc);
            } else {
                const ap_uint<PE * TN * ACC_W> t = thresholds[nf];
                const bool desc = descending[nf][p];
                int count = 0;
                for (int k = 0; k < N_THRES; k++) {
#pragma HLS UNROLL
                    const ap_int<ACC_W> tk = lane<ACC_W, ACC_W, 1, 0>(t, p * TN + k);
                    count += desc ? (acc <= tk) : (acc >= tk);
                }
                o.range(p * OUT_W + OUT_W - 1, p * OUT_W) = ap_uint<OUT_W>(count + OUT_BIAS);
            }
        }
        out.write(o);
    }
}

// Channel concatenation: a carries pixels of CA channels, b the same pixels of CB channels, P lanes
// of ELEM_W bits (P divides CA and CB); for every pixel the output is its CA/P beats of a, then
// its CB/P beats of b, one beat per iteration. IN_BEATS is a's beats per frame (the first input's).
template <int IN_BEATS, int CA, int CB, int P, int ELEM_W>
void concat(hls::stream<ap_uint<P * ELEM_W> > &a, hls::stream<ap_uint<P * ELEM_W> > &b,
            hls::stream<ap_uint<P * ELEM_W> > &out) {
    static_assert(CA % P == 0 && CB % P == 0, "P divides CA and CB");
    static_assert(IN_BEATS % (CA / P) == 0, "a's frame is whole pixels of CA channels");
    const int BA = CA / P;
    const int BT = (CA + CB) / P;
    const int PIXELS = IN_BEATS / BA;
    for (int px = 0; px < PIXELS; px++) {
        for (int j = 0; j < BT; j++) {
#pragma HLS PIPELINE II = 1
            if (j < BA) {
                out.write(a.read());
            } else {
                out.write(b.read());
            }
        }
    }
}

}  // namespace qnnc

#endif  // QNNC_HLS_H
