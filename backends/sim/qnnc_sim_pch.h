// Precompiled header for Verilator simulation builds (see `_precompiled_header` in
// verilator.py). Parsing verilated.h and the standard headers the harness uses costs about
// 1.5 s of g++ time per translation unit; a design's build has two (the model and the
// harness), and the test suite builds hundreds of small designs. Compiled once per compiler,
// Verilator version and flag set into the runtime cache, and force-included (`-include`) into
// every translation unit of a build. Anything here must also be safe to include in the model.
#ifndef QNNC_SIM_PCH_H_
#define QNNC_SIM_PCH_H_

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

#endif  // QNNC_SIM_PCH_H_
