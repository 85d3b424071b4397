# StressFlux quick start (README): `make run` runs the main job, `make test` runs the tests.
# Both install missing system packages first and build in release mode.
SHELL := /bin/bash
SWIFT ?= swift
NP ?= 2
BIN := .build/release/stressflux
# Instruction set of the release build: `native` uses this machine's vector units (AVX2/AVX-512 for the
# pair loop and the noise). Build on the machine type that runs the jobs, or name a CPU that all nodes
# have, e.g. `make ARCH=haswell` (AVX2) or `make ARCH=x86-64` (no vector extensions, slower). Where ARCH has
# AVX-512 the pair loop takes eight pairs at a time, else four (scripts/arch-flags.sh; `stressflux info` tells).
ARCH ?= native
RELEASE := -c release -Xswiftc -target-cpu -Xswiftc $(ARCH) $(shell scripts/arch-flags.sh $(ARCH))

# Open MPI refuses to run as root unless told; harmless for other users.
export OMPI_ALLOW_RUN_AS_ROOT := 1
export OMPI_ALLOW_RUN_AS_ROOT_CONFIRM := 1
# --oversubscribe: more ranks than cores is fine for checks; -q: no Open MPI banners on failure.
MPIRUN := mpirun -q --oversubscribe

.PHONY: all deps build run test clean

all: build

deps:
	@scripts/install-deps.sh

build: deps
	$(SWIFT) build $(RELEASE) --product stressflux

# The default study (examples/study-2d.toml): a 2D bidisperse harmonic glass (N = 4096, φ = 0.90), two seeds, each
# prepared by FIRE and sheared quasistatically to strain 0.05 with overdamped relaxation; before every plastic event
# the box's windows are scored by local indicators (local ξ_3, |Q^flux_ℓ| at ℓ = 1, 2, 4, 8, and the baselines) and
# roc.csv ranks them by AUC against the events' cores (physics.md §6.4). Then tools/plot.py draws the figures. About
# 5 minutes on $(NP) ranks; started again, finished runs are skipped and an interrupted one continues.
STUDY := runs/study-2d
run: build
	@scripts/python-env.sh --required
	$(MPIRUN) -np $(NP) $(BIN) study examples/study-2d.toml --output $(STUDY)
	@echo "plots:"
	@.venv/bin/python tools/plot.py $(STUDY)

# Unit tests (one process, an MPI singleton) and integration tests (the release binary under mpirun). The unit tests'
# debug build takes the pair loop of the other lane width (8 if the release build has 4, 4 if it has 8; eight lanes run
# as two AVX2 halves without AVX-512), so both widths meet the all-pairs reference (pairLoopMatchesAllPairs).
OTHER_LANES_FLAGS := $(if $(findstring WIDE,$(shell scripts/arch-flags.sh $(ARCH))),,-Xswiftc -DSTRESSFLUX_WIDE_PAIRS)
test: build
	@scripts/python-env.sh
	STRESSFLUX_BIN="$(CURDIR)/$(BIN)" STRESSFLUX_PYTHON="$(CURDIR)/.venv/bin/python" $(SWIFT) test --no-parallel $(OTHER_LANES_FLAGS)

clean:
	rm -rf .build
