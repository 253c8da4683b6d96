# lpgtrace - one flat Makefile. pkg-config for every dependency.
#
#   make                 build everything (installs missing packages first)
#   make test            run every test; ends with "N passed, N failed"
#   make demo            build, then show the system working
#   make bench           benchmark programs, against this machine's limits
#   make SANITIZER=address test   the same under AddressSanitizer
#
# Warnings are errors (-Werror). Objects go to build/<variant>/.

SANITIZER ?=
VARIANT := $(if $(SANITIZER),$(SANITIZER),default)
B := build/$(VARIANT)

CC ?= cc
CXX ?= c++
PKGS := libzmq lmdb libqrencode libprotobuf-c openssl libsodium jansson cairo \
        libpng libmicrohttpd
# The flags of every dependency come from $(B)/deps.mk, which make builds
# before anything else: its rule installs what is missing, then asks
# pkg-config. Make then starts over with the file read, so the first run on
# a machine with nothing installed works (pkg-config answers only after the
# packages are there). Goals that build nothing skip it.
NODEPS_GOALS := clean format format-files deps
ifneq ($(filter-out $(NODEPS_GOALS),$(or $(MAKECMDGOALS),all)),)
include $(B)/deps.mk
endif

$(B)/deps.mk: deploy/install-deps.sh Makefile tests/web/package-lock.json \
              web/package-lock.json
	@if ! pkg-config --exists $(PKGS) zxing cmocka 2>/dev/null || \
	    ! command -v protoc-c >/dev/null || \
	    ! command -v chromium >/dev/null || ! command -v wrk >/dev/null || \
	    ! command -v npm >/dev/null || \
	    ! [ tests/web/node_modules/.package-lock.json -nt \
	        tests/web/package-lock.json ] || \
	    ! [ web/node_modules/.package-lock.json -nt \
	        web/package-lock.json ]; then \
	    sh deploy/install-deps.sh || exit 1; \
	fi
	@pkg-config --exists $(PKGS) zxing cmocka || \
	    { echo "Makefile: pkg-config still misses a package:" \
	      "$(PKGS) zxing cmocka" >&2; exit 1; }
	@mkdir -p $(dir $@)
	@{ echo "PKG_CFLAGS := $$(pkg-config --cflags $(PKGS))"; \
	   echo "PKG_LIBS := $$(pkg-config --libs $(PKGS))"; \
	   echo "ZXING_CFLAGS := $$(pkg-config --cflags zxing)"; \
	   echo "ZXING_LIBS := $$(pkg-config --libs zxing)"; \
	   echo "CMOCKA_LIBS := $$(pkg-config --libs cmocka)"; } >$@.tmp
	@mv $@.tmp $@

WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
        -Wformat=2 -Wno-unused-parameter -Wno-missing-field-initializers -Werror
SAN := $(if $(SANITIZER),-fsanitize=$(SANITIZER) -fno-omit-frame-pointer,)
OPT ?= -O2
CPPFLAGS += -D_DEFAULT_SOURCE -D_GNU_SOURCE -Ilib -I$(B)/gen -Iscanner
CFLAGS ?=
CFLAGS += -std=c11 $(OPT) -g $(WARN) $(SAN) $(PKG_CFLAGS) -MMD -MP -pthread
CXXFLAGS += -std=c++17 $(OPT) -g -Wall -Wextra -Werror $(SAN) $(ZXING_CFLAGS) \
            -MMD -MP
LDFLAGS += $(SAN) -pthread
LDLIBS := $(PKG_LIBS) -ljpeg -lm

PROTOS := $(wildcard proto/*.proto)
PROTO_C := $(patsubst proto/%.proto,$(B)/gen/proto/%.pb-c.c,$(PROTOS))
PROTO_H := $(PROTO_C:.c=.h)
LIB_SRC := $(wildcard lib/*/*.c)
LIB_OBJ := $(patsubst %.c,$(B)/obj/%.o,$(LIB_SRC)) $(PROTO_C:.c=.o)
LIBLPG := $(B)/liblpg.a

CLI_SRC := $(wildcard cli/*.c)
CLI_OBJ := $(patsubst %.c,$(B)/obj/%.o,$(CLI_SRC))
SCAN_SRC := $(wildcard scanner/*.c)
SCAN_CXX := $(wildcard scanner/*.cpp)
SCAN_OBJ := $(patsubst %.c,$(B)/obj/%.o,$(SCAN_SRC)) \
            $(patsubst %.cpp,$(B)/obj/%.o,$(SCAN_CXX))
# Each services/<name>/ is the daemon lpg-<name>d, but for services/webd/
# (lpg-webd, the HTTP face).
SERVICES := $(filter-out webd,$(notdir $(wildcard services/*)))
SERVICE_BINS := $(foreach s,$(SERVICES),$(B)/bin/lpg-$(s)d) $(B)/bin/lpg-webd
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(B)/tests/%,$(UNIT_SRC))
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(B)/tests/%,$(FUZZ_SRC))
BENCH_SRC := $(wildcard tests/bench/bench_*.c)
BENCH_BINS := $(patsubst tests/bench/%.c,$(B)/bench/%,$(BENCH_SRC))
TOOL_SRC := $(wildcard tests/tools/*.c)
TOOL_BINS := $(patsubst tests/tools/%.c,$(B)/tests/%,$(TOOL_SRC))

BINS := $(B)/bin/lpgtrace $(if $(SCAN_SRC),$(B)/bin/lpg-scan,) $(SERVICE_BINS)

.PHONY: all deps deps-checked test demo bench run clean format format-files
.DEFAULT_GOAL := all

all: deps-checked $(BINS) $(UNIT_BINS) $(FUZZ_BINS) $(TOOL_BINS) $(BENCH_BINS)

# Installs what is missing (the one package list): done by $(B)/deps.mk.
deps-checked: $(B)/deps.mk
deps:
	sh deploy/install-deps.sh

$(B)/gen/proto/%.pb-c.c $(B)/gen/proto/%.pb-c.h: proto/%.proto
	@mkdir -p $(B)/gen
	protoc-c --c_out=$(B)/gen $<

$(B)/obj/%.o: %.c | $(PROTO_H)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(B)/gen/proto/%.pb-c.o: $(B)/gen/proto/%.pb-c.c
	$(CC) $(CPPFLAGS) $(filter-out -Wmissing-prototypes,$(CFLAGS)) -c -o $@ $<

$(B)/obj/%.o: %.cpp
	@mkdir -p $(dir $@)
	$(CXX) $(CPPFLAGS) $(CXXFLAGS) -c -o $@ $<

$(LIBLPG): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(B)/bin/lpgtrace: $(CLI_OBJ) $(LIBLPG)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/bin/lpg-scan: $(SCAN_OBJ) $(LIBLPG)
	@mkdir -p $(dir $@)
	$(CXX) $(LDFLAGS) -o $@ $^ $(ZXING_LIBS) $(LDLIBS)

.SECONDARY:
svc_objs = $(patsubst %.c,$(B)/obj/%.o,$(wildcard services/$(1)/*.c))
.SECONDEXPANSION:
$(B)/bin/lpg-%d: $$(call svc_objs,$$*) $(LIBLPG)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/bin/lpg-webd: $(call svc_objs,webd) $(LIBLPG)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The console's files default to the source tree (webd.www_dir).
$(B)/obj/services/webd/console.o: CPPFLAGS += -DLPG_SOURCE_DIR='"$(CURDIR)"'

# The API's OpenAPI document is built into lpg-webd (api_openapi.c).
$(B)/obj/services/webd/api_openapi.o: services/webd/openapi.json

$(B)/tests/test_%: $(B)/obj/tests/unit/test_%.o $(LIBLPG)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(CMOCKA_LIBS) $(LDLIBS)

$(B)/tests/fuzz_%: $(B)/obj/tests/fuzz/fuzz_%.o $(B)/obj/tests/fuzz/standalone.o $(LIBLPG)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/tests/%: $(B)/obj/tests/tools/%.o $(LIBLPG)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/bench/bench_%: $(B)/obj/tests/bench/bench_%.o $(LIBLPG)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

test: all
	@sh tests/run.sh $(B)

demo: all
	@sh deploy/demo.sh $(B)

bench: all
	@sh tests/bench/run.sh $(B)

run: all
	@sh deploy/run.sh $(B)

# libFuzzer builds of tests/fuzz/fuzz_*.c, with clang, into build/fuzz/
# (the lib sources compiled by clang too). Run one for a minute with
#   build/fuzz/fuzz_code -max_total_time=60 tests/fuzz/corpus/code
FUZZ_CC ?= clang
FZ := build/fuzz
FUZZ_SAN := -fsanitize=address -fno-omit-frame-pointer
FUZZ_CFLAGS := -std=c11 -O1 -g $(filter-out -Wmissing-prototypes,$(WARN)) \
               $(PKG_CFLAGS) -MMD -MP -pthread $(FUZZ_SAN) \
               -fsanitize=fuzzer-no-link
FUZZ_LIB_OBJ := $(patsubst %.c,$(FZ)/obj/%.o,$(LIB_SRC) $(PROTO_C))

.PHONY: fuzz
fuzz: deps-checked $(patsubst tests/fuzz/%.c,$(FZ)/%,$(FUZZ_SRC))

$(FZ)/obj/%.o: %.c | $(PROTO_H)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -c -o $@ $<

$(FZ)/liblpg.a: $(FUZZ_LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(FZ)/fuzz_%: $(FZ)/obj/tests/fuzz/fuzz_%.o $(FZ)/liblpg.a
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -pthread -o $@ $^ $(LDLIBS)

-include $(shell find $(FZ) -name '*.d' 2>/dev/null)

# The sources `make format` rewrites with .clang-format (the C code:
# lib/, cli/, scanner/, services/ and the tests), and tests/lint/format.sh
# checks are as it leaves them.
FORMAT_SRC = $(sort $(wildcard lib/*/*.[ch] cli/*.[ch] scanner/*.[ch] \
               services/*/*.[ch] tests/*/*.c))

format:
	clang-format -i $(FORMAT_SRC)

format-files:
	@echo $(FORMAT_SRC)

clean:
	rm -rf build

-include $(shell find build/$(VARIANT) -name '*.d' 2>/dev/null)
