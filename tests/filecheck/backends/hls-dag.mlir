// RUN: qnnc-opt %S/../../cosim/data/conv_dag.mlir -t hls | filecheck %s

// `-t hls` on a @qnnc_top that is a DAG (tests/cosim/data/conv_dag.mlir): the fork's two output
// streams are local streams named after its ports, a unit with two input streams is a function
// of in0, in1 and out calling its template with the streams in the cell's declared order (a, b),
// then its ROMs; calls follow the IR order, a topological order of the stream graph.

// CHECK-LABEL: // {{-----}} qnnc_top.cpp
// CHECK:       // add_unit: qnnc_add C=2 PE=1 A_W=7 A_SIGNED=1 B_W=3 B_SIGNED=1 KA=1 KB=2 ACC_W=8 N_THRES=3 OUT_W=2 OUT_BIAS=0
// CHECK-NEXT:  void add_unit(hls::stream<ap_uint<7> > &in0, hls::stream<ap_uint<3> > &in1, hls::stream<ap_uint<2> > &out) {
// CHECK-NEXT:  #pragma HLS INLINE off
// CHECK-NEXT:  #pragma HLS bind_storage variable=add_unit_t type=rom_1p impl=lutram
// CHECK-NEXT:  #pragma HLS bind_storage variable=add_unit_t_desc type=rom_1p impl=lutram
// CHECK-NEXT:      qnnc::add<32, 2, 1, 7, 1, 3, 1, 1, 2, 8, 3, 2, 0>(in0, in1, out, add_unit_t, add_unit_t_desc);
// CHECK-NEXT:  }
// CHECK:       void qnnc_top(hls::stream<ap_uint<3> > &s_axis, hls::stream<ap_uint<2> > &m_axis) {
// CHECK-NEXT:  #pragma HLS INTERFACE axis port=s_axis
// CHECK-NEXT:  #pragma HLS INTERFACE axis port=m_axis
// CHECK-NEXT:  #pragma HLS DATAFLOW
// CHECK-NEXT:      hls::stream<ap_uint<3> > fork_out0("fork_out0");
// CHECK-NEXT:  #pragma HLS STREAM variable=fork_out0 depth=2
// CHECK-NEXT:      hls::stream<ap_uint<3> > fork_out1("fork_out1");
// CHECK-NEXT:  #pragma HLS STREAM variable=fork_out1 depth=2
// CHECK-NEXT:      qnnc::fork<32, 3>(s_axis, fork_out0, fork_out1);
// CHECK-NEXT:      hls::stream<ap_uint<3> > pad("pad");
// CHECK-NEXT:  #pragma HLS STREAM variable=pad depth=2
// CHECK-NEXT:      qnnc::pad<32, 4, 4, 2, 1, 3, 1, 1, 1, 1, 0>(fork_out0, pad);
// CHECK-NEXT:      hls::stream<ap_uint<3> > swg("swg");
// CHECK-NEXT:  #pragma HLS STREAM variable=swg depth=2
// CHECK-NEXT:      qnnc::swg<72, 6, 6, 2, 1, 3, 3, 3, 1, 1, 1, 1>(pad, swg);
// CHECK-NEXT:      hls::stream<ap_uint<7> > pool("pool");
// CHECK-NEXT:  #pragma HLS STREAM variable=pool depth=2
// CHECK-NEXT:      qnnc::pool<288, 9, 2, 1, 3, 1, 7, 1>(swg, pool);
// CHECK-NEXT:      hls::stream<ap_uint<3> > skip("skip");
// CHECK-NEXT:  #pragma HLS STREAM variable=skip depth=32
// CHECK-NEXT:      qnnc::fifo<32, 3, 32>(fork_out1, skip);
// CHECK-NEXT:      add_unit(pool, skip, m_axis);
// CHECK-NEXT:  }
// CHECK-LABEL: // {{-----}} weights.h
// CHECK:       // add_unit: ROM 't', 2 words of 24 bits
// CHECK-NEXT:  static const ap_uint<24> add_unit_t[2] = {
// CHECK-NEXT:      0x600fbULL,
// CHECK-NEXT:      0xfd0108ULL
// CHECK:       static const ap_uint<1> add_unit_t_desc[2] = {
