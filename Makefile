# OpenDuck developer entry points. `make serve` sets up everything and starts the server;
# `make test` runs the whole test suite. Both install what they need first (idempotently).
JOBS ?= 2
BUILD_DIR ?= build
PYTHON := .venv/bin/python

.PHONY: all deps build serve test unit-test asan-test e2e-test bench clean

all: build

deps:
	bash scripts/install_deps.sh

build: deps
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo > $(BUILD_DIR).configure.log 2>&1 || (cat $(BUILD_DIR).configure.log; exit 1)
	ninja -C $(BUILD_DIR) -j$(JOBS)

serve: build
	$(BUILD_DIR)/bin/openduck serve $(SERVE_ARGS)

unit-test: build
	$(BUILD_DIR)/bin/openduck_unit_tests --gtest_brief=1

# The unit tests again under AddressSanitizer and UndefinedBehaviorSanitizer.
asan-test: deps
	cmake -S . -B $(BUILD_DIR)-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOPENDUCK_SANITIZE=ON > $(BUILD_DIR)-asan.configure.log 2>&1 || (cat $(BUILD_DIR)-asan.configure.log; exit 1)
	ninja -C $(BUILD_DIR)-asan -j$(JOBS) openduck_unit_tests
	ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 $(BUILD_DIR)-asan/bin/openduck_unit_tests --gtest_brief=1

e2e-test: build
	$(PYTHON) -m pytest -q

test: build asan-test
	$(BUILD_DIR)/bin/openduck_unit_tests --gtest_brief=1
	$(PYTHON) -m pytest -q

bench: build
	$(PYTHON) bench/run_benchmarks.py

clean:
	rm -rf $(BUILD_DIR) $(BUILD_DIR)-asan $(BUILD_DIR).configure.log $(BUILD_DIR)-asan.configure.log
