# Build, test and package memfd-bind. The Swift toolchain comes from PATH.

SWIFT ?= swift
RELEASE_FLAGS = -c release --static-swift-stdlib -Xswiftc -Osize
BINARY = .build/release/memfd-bind

.PHONY: all build debug test unit integration system fuzz-replay deb bench bench-smoke clean

all: build

## build: the release binary at .build/release/memfd-bind, Swift runtime linked in.
build:
	$(SWIFT) build $(RELEASE_FLAGS)

debug:
	$(SWIFT) build

## test: every test; the integration, system and benchmark smoke tests need root.
test: unit integration fuzz-replay bench-smoke system

unit:
	$(SWIFT) test

integration: build
	Tests/integration/run.sh $(abspath $(BINARY))

system:
	Tests/system/run.sh

## fuzz-replay: every saved fuzzer input once through the config loader (see Tests/fuzz/README.md).
fuzz-replay:
	Tests/fuzz/replay.sh

deb:
	packaging/build-deb.sh

bench: build
	Tests/bench/run.sh $(abspath $(BINARY))

bench-smoke: build
	Tests/bench/run.sh --smoke $(abspath $(BINARY))

clean:
	rm -rf .build build
