# bgpmux — build, test, fuzz, benchmark.
#
#   make            build/muxd and the test tools
#   make check      install missing dependencies, build, run every test
#   make sanitize   unit tests under AddressSanitizer + UBSan
#   make demo       muxd on the embedded demo config, fed by a replay of real data
#   make bench      benchmarks (figures go in docs/performance.md)
#   make man        the manuals, build/man/ (docs/man/*.md, pandoc)
#   make deb        build/bgpmux_VERSION_amd64.deb (debian/, debhelper)
#
# Sources are found by wildcard: a new module is a new .c/.h pair, a new
# unit test is tests/unit/test_NAME.c with its own main, a new fuzz target
# is tests/fuzz/fuzz_NAME.c. Nothing here needs editing for them.

CC       ?= cc
SANITIZE ?=
BUILD    ?= build

# nettle: SHA-1 and base64 for the WebSocket handshake (web/ws.c).
# libmnl: rtnetlink messages for the data plane (muxd/kernel/).
# libcap, libseccomp: least privilege and the system call filter
# (muxd/privdrop.c, muxd/sandbox.c).
PKGS     := libevent jansson sqlite3 zlib nettle libmnl libcap libseccomp
CFLAGS   ?= -O2 -g
CFLAGS   += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -I. $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS   += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm -pthread
CHECK_LIBS := $(shell pkg-config --libs check 2>/dev/null)

ifeq ($(SANITIZE),1)
BUILD    := build-san
CFLAGS   += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS  += -fsanitize=address,undefined
endif

# Layers (docs/architecture.md, checked by scripts/check-layers.sh):
# muxd/{lib,bgp,config,rib,store,engine} → views → instances, monitors →
# dataplane → web → the composition root (muxd/*.c).
CORE_SRC := $(filter-out muxd/main.c,$(wildcard muxd/*.c muxd/*/*.c)) \
            $(wildcard views/*.c) $(wildcard instances/*.c) \
            $(wildcard monitors/*.c) $(wildcard web/*.c) \
            $(wildcard dataplane/*.c)
CORE_OBJ := $(CORE_SRC:%.c=$(BUILD)/obj/%.o)
# muxd serves the web UI and web/openapi.json from memory: C strings made
# at build time (scripts/embed-assets.sh).
ASSETS   := /:text/html\;charset=utf-8:web/ui/index.html \
            /ui/app.js:application/javascript:web/ui/app.js \
            /ui/style.css:text/css:web/ui/style.css \
            /api/v1/openapi.json:application/json:web/openapi.json
# The version muxd, muxctl and the API report (muxd/lib/version.h): the
# tree's `git describe`, or the package's version (debian/rules sets it).
VERSION  ?= $(shell git describe --always --dirty 2>/dev/null || echo unknown)
GEN_OBJ  := $(BUILD)/obj/gen/web_assets.o $(BUILD)/obj/gen/version.o
MAIN_OBJ := $(BUILD)/obj/muxd/main.o

UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
TOOL_SRC := $(wildcard tests/tools/*.c)
TOOL_BIN := $(TOOL_SRC:tests/tools/%.c=$(BUILD)/tools/%)
# What the tools share (speaker, tables, MRT reading): one static library.
TOOL_LIB_OBJ := $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard tests/tools/lib/*.c))
CTL_SRC  := $(wildcard muxctl/*.c)

FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=build-fuzz/%)
FUZZ_SECONDS ?= 8

.PHONY: all check layers unit sanitize fuzz fuzz-build integration demo bench deps clean FORCE \
        man mancheck doccheck deb

all: $(BUILD)/muxd $(BUILD)/muxd-hooks $(BUILD)/muxctl $(TOOL_BIN)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/gen/web_assets.c: scripts/embed-assets.sh $(foreach a,$(ASSETS),$(lastword $(subst :, ,$(a))))
	@mkdir -p $(dir $@)
	scripts/embed-assets.sh $@ $(ASSETS)

# Rewritten only when the version changes (scripts/gen-version.sh).
$(BUILD)/gen/version.c: FORCE
	@scripts/gen-version.sh $@ '$(VERSION)'

$(BUILD)/obj/gen/%.o: $(BUILD)/gen/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/libmuxcore.a: $(CORE_OBJ) $(GEN_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/muxd: $(MAIN_OBJ) $(BUILD)/libmuxcore.a
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

# muxd with the test hooks (MUXD_TEST_HOOKS in muxd/main.c): a signal
# makes it call a forbidden system call; only tests run it.
$(BUILD)/obj/muxd/main-hooks.o: muxd/main.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -DMUXD_TEST_HOOKS -MMD -MP -c $< -o $@

$(BUILD)/muxd-hooks: $(BUILD)/obj/muxd/main-hooks.o $(BUILD)/libmuxcore.a
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

# muxctl talks HTTP to muxd's API; it links nothing of the daemon.
$(BUILD)/muxctl: $(CTL_SRC) $(wildcard muxctl/*.h) $(BUILD)/gen/version.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) $(CTL_SRC) $(BUILD)/gen/version.c $(shell pkg-config --libs jansson 2>/dev/null) -o $@

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libtools.a $(BUILD)/libmuxcore.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -MF $@.d $(LDFLAGS) $< $(BUILD)/libtools.a $(BUILD)/libmuxcore.a $(CHECK_LIBS) $(LDLIBS) -o $@

$(BUILD)/libtools.a: $(TOOL_LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/tools/%: tests/tools/%.c $(BUILD)/libtools.a $(BUILD)/libmuxcore.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) $< $(BUILD)/libtools.a $(BUILD)/libmuxcore.a $(LDLIBS) -o $@

deps:
	@scripts/deps.sh

# The manuals, from one Markdown source each (docs/man/*.md) with pandoc:
# muxd(8), muxctl(8), muxd.json(5) (the configuration reference).
MAN_SRC := $(wildcard docs/man/*.md)
MAN_OUT := $(MAN_SRC:docs/man/%.md=$(BUILD)/man/%)
man: $(MAN_OUT)

$(BUILD)/man/%: docs/man/%.md
	@mkdir -p $(dir $@)
	pandoc -f markdown-smart --standalone --to man $< -o $@

# Every key the configuration parser accepts is in muxd.json(5), and no
# other; each page renders without a warning.
mancheck: $(BUILD)/muxd man
	@tests/scripts/test_man_keys.sh $(BUILD)/muxd docs/man/muxd.json.5.md $(MAN_OUT)

# No relative link or #anchor of README.md and docs/ dangles.
doccheck:
	@tests/scripts/test_doc_links.sh

# bgpmux_VERSION_amd64.deb in $(BUILD)/ with debhelper (debian/), from the
# tree's build: after `make`, only the version stamp is relinked.
# No -dbgsym package: it doubled the time of the build. dh skips its build
# step after a first package unless its stamp goes.
deb:
	rm -f debian/debhelper-build-stamp
	DEB_DESTDIR=$(BUILD) DEB_BUILD_OPTIONS=noautodbgsym debian/rules binary

# The unit tests, and the normalised configuration against its golden
# files (muxd --check-config -v, tests/config/).
unit: $(UNIT_BIN) $(BUILD)/muxd
	@scripts/run-unit.sh $(UNIT_BIN)
	@tests/scripts/test_config_golden.sh $(BUILD)/muxd

sanitize:
	$(MAKE) SANITIZE=1 unit

# The feed readers' writer (its queues take no lock: sockwriter_int.h)
# under ThreadSanitizer, in make check: its unit test, in one process
# (CK_FORK=no) so that the thread and the loop meet; without address
# randomisation (setarch -R), which gcc 12's TSAN cannot map around on
# kernels that randomise more bits — where setarch may (a container's
# seccomp can refuse the personality call, then it runs as it is).
.PHONY: tsan
TSAN_SRC := tests/unit/test_sockwriter.c muxd/lib/sockwriter.c muxd/lib/sockwriter_io.c muxd/lib/log.c muxd/lib/untrusted.c
tsan: $(TSAN_SRC)
	@mkdir -p $(BUILD)/tsan
	$(CC) -std=c11 -D_GNU_SOURCE -g -O1 -Wall -Wextra -Werror -I. -fsanitize=thread \
	    $(TSAN_SRC) $(CHECK_LIBS) -levent -pthread -o $(BUILD)/tsan/test_sockwriter
	CK_FORK=no $$(setarch $$(uname -m) -R true 2>/dev/null && echo setarch $$(uname -m) -R) \
	    $(BUILD)/tsan/test_sockwriter

# libFuzzer needs clang; the targets link the codec objects built with it
# (the BGP codec, and the WebSocket framing with nettle for its handshake).
# Each source is compiled once into build-fuzz/obj/ (instrumented, without
# libFuzzer's main: fuzzer-no-link) and every target links those objects:
# compiled per target, the codec was built 13 times and fuzz_http's whole
# daemon in one clang process on one core.
FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -g -O1 -I. $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
FUZZ_LINK := $(filter muxd/bgp/%.c web/ws.c,$(CORE_SRC))
FUZZ_OBJ  = $(patsubst %.c,build-fuzz/obj/%.o,$(1))
.PRECIOUS: build-fuzz/obj/%.o
build-fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link,address,undefined -MMD -MP -c $< -o $@

build-fuzz/%: build-fuzz/obj/tests/fuzz/%.o $(call FUZZ_OBJ,$(FUZZ_LINK))
	clang -fsanitize=fuzzer,address,undefined $^ -o $@ -lnettle $(shell pkg-config --libs jansson 2>/dev/null)

# fuzz_http drives whole requests through the API in-process: it links
# every module of the daemon (built here with clang), the embedded assets
# and the daemon's libraries.
build-fuzz/obj/gen/%.o: $(BUILD)/gen/%.c
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link,address,undefined -c $< -o $@

build-fuzz/fuzz_http: build-fuzz/obj/tests/fuzz/fuzz_http.o $(call FUZZ_OBJ,$(CORE_SRC)) \
                      build-fuzz/obj/gen/web_assets.o build-fuzz/obj/gen/version.o
	clang -fsanitize=fuzzer,address,undefined $^ -o $@ $(LDLIBS)

fuzz-build: $(FUZZ_BIN)

fuzz: fuzz-build
	@scripts/run-fuzz.sh $(FUZZ_SECONDS) $(FUZZ_BIN)

integration: all
	@scripts/run-integration.sh

# The layers of docs/architecture.md: no file includes a layer above its
# own (scripts/check-layers.sh), and the check itself catches a planted one.
layers:
	@scripts/check-layers.sh
	@tests/scripts/test_check_layers.sh

# make check builds on every core; the integration tests start after the
# build (two at a time: INTEGRATION_JOBS, scripts/run-integration.sh), so
# they never race a build.
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
check: deps
	$(MAKE) layers
	$(MAKE) -j$(JOBS) all
	$(MAKE) -j$(JOBS) unit
	$(MAKE) mancheck
	$(MAKE) doccheck
	$(MAKE) -j$(JOBS) sanitize
	$(MAKE) tsan
	$(MAKE) -j$(JOBS) fuzz
	$(MAKE) integration

demo: deps
	$(MAKE) all
	@scripts/demo.sh

bench:
	@scripts/deps.sh bench
	$(MAKE) all
	@scripts/bench.sh

clean:
	rm -rf build build-san build-fuzz

-include $(CORE_OBJ:.o=.d) $(MAIN_OBJ:.o=.d) $(TOOL_LIB_OBJ:.o=.d)
-include $(UNIT_BIN:=.d)
-include $(wildcard build-fuzz/obj/*/*.d build-fuzz/obj/*/*/*.d)
