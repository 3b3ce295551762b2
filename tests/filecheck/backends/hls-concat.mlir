// RUN: qnnc-opt %S/../../cosim/data/concat_dag.mlir -t hls | filecheck %s

// `-t hls` on a channel concatenation (tests/cosim/data/concat_dag.mlir): the template's IN_BEATS
// is its first input's (a, the window: 16 pixels of 18/2 beats = 144), then CA, CB, P, ELEM_W;
// the streams a, b, out in declared order.

// CHECK-LABEL: void qnnc_top(hls::stream<ap_uint<6> > &s_axis, hls::stream<ap_uint<6> > &m_axis) {
// CHECK:           qnnc::concat<144, 18, 2, 2, 3>(swg, skip, m_axis);
// CHECK-NEXT:  }
