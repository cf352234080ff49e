PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test bench bench-quick soak clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): $(PY) pyproject.toml
	$(PY) -m pip install --quiet -e '.[dev,plot]'
	touch $(STAMP)

demo: $(STAMP)
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
