PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# One stamp per set of extras: `make demo` installs only what the demo needs (NumPy, and
# matplotlib for its plots); `make test` adds the dev extra (pytest, torch, graphviz) and
# torchviz, a test-only package installed without its dependencies (it would pull any torch).
DEMO_STAMP := $(VENV)/.installed-plot
STAMP := $(VENV)/.installed-dev

.PHONY: demo test bench bench-quick soak clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(DEMO_STAMP): $(PY) pyproject.toml
	$(PY) -m pip install --quiet -e '.[plot]'
	touch $(DEMO_STAMP)

$(STAMP): $(PY) pyproject.toml
	$(PY) -m pip install --quiet -e '.[dev,plot]'
	$(PY) -m pip install --quiet --no-deps 'torchviz==0.0.3'
	touch $(STAMP) $(DEMO_STAMP)

demo: $(DEMO_STAMP)
	$(VENV)/bin/tapegrad demo

test: $(STAMP)
	$(PY) -m pytest

bench: $(STAMP)
	$(PY) benchmarks/run.py
	$(PY) benchmarks/random_draws.py
	$(PY) benchmarks/peak_memory.py
	$(PY) benchmarks/conv2d.py

bench-quick: $(STAMP)
	$(PY) benchmarks/run.py --quick
	$(PY) benchmarks/random_draws.py --repeat 5

soak: $(STAMP)
	$(PY) -m pytest -m soak tests/test_endurance.py

clean:
	rm -rf $(VENV) build src/*.egg-info
