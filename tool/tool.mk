# The `bastion` host tool: sources in tool/src, schema in tool/schema, fuzz target in
# tool/fuzz, tests in tests/tool. Outputs go to $(BUILD)/tool.
#
#   make $(BUILD)/tool/bastion     the tool (part of `make all`)
#   make suite-tool-...            one test suite (see TOOL_SUITES)
#   make fuzz                      run the libFuzzer target (clang) for FUZZ_SECONDS
#   make bench-tool                time `bastion check` on 1 M and 2 M elements (make bench)

TOOL_DIR := $(BUILD)/tool
TOOL := $(TOOL_DIR)/bastion
TOOL_SRCS := $(wildcard tool/src/*.c)
TOOL_OBJS := $(patsubst tool/src/%.c,$(TOOL_DIR)/obj/%.o,$(TOOL_SRCS)) \
             $(TOOL_DIR)/obj/schema_text.o
TOOL_PKGS := libxml-2.0 libelf
TOOL_PKG_CFLAGS := $(shell pkg-config --cflags $(TOOL_PKGS) 2>/dev/null)
TOOL_PKG_LIBS := $(shell pkg-config --libs $(TOOL_PKGS) 2>/dev/null)
TOOL_CFLAGS = $(HOST_CFLAGS) -Iinclude -Itool/src $(TOOL_PKG_CFLAGS)

ALL_TARGETS += $(TOOL)

$(TOOL_DIR)/obj/%.o: tool/src/%.c
	@mkdir -p $(@D)
	$(Q)$(HOST_CC) $(TOOL_CFLAGS) -c $< -o $@

# The schema is compiled into the tool as one C string, so the tool needs no data files.
$(TOOL_DIR)/schema_text.c: tool/schema/system.rng tool/tool.mk
	@mkdir -p $(@D)
	$(Q){ echo '/* Generated from tool/schema/system.rng by tool/tool.mk; do not edit. */'; \
	  echo '#include "schema.h"'; echo 'const char bastion_schema_rng[] ='; \
	  sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/    "/' -e 's/$$/\\n"/' $<; \
	  echo ';'; } >$@.tmp && mv $@.tmp $@

$(TOOL_DIR)/obj/schema_text.o: $(TOOL_DIR)/schema_text.c
	@mkdir -p $(@D)
	$(Q)$(HOST_CC) $(TOOL_CFLAGS) -c $< -o $@

$(TOOL): $(TOOL_OBJS)
	$(Q)$(HOST_CC) $(HOST_LDFLAGS) -o $@ $^ $(TOOL_PKG_LIBS)

-include $(TOOL_OBJS:.o=.d)

# ---- Sanitized builds: the fuzz target and its corpus replay ---------------------------

TOOL_LIB_SRCS := $(filter-out tool/src/main.c,$(TOOL_SRCS))
TOOL_SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
                  -fno-omit-frame-pointer
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60

# Replays files through the fuzz entry point; built with $(HOST_CC) and ASan + UBSan.
$(TOOL_DIR)/fuzz-replay: tool/fuzz/fuzz_check.c tool/fuzz/replay_main.c $(TOOL_LIB_SRCS) \
                         $(TOOL_DIR)/schema_text.c
	$(Q)$(HOST_CC) $(TOOL_CFLAGS) -O1 $(TOOL_SAN_FLAGS) -o $@ $(filter %.c,$^) $(TOOL_PKG_LIBS)

# The libFuzzer binary (clang only).
$(TOOL_DIR)/fuzz-check: tool/fuzz/fuzz_check.c $(TOOL_LIB_SRCS) $(TOOL_DIR)/schema_text.c
	$(Q)$(FUZZ_CC) $(filter-out -MMD -MP,$(TOOL_CFLAGS)) -O1 -fsanitize=fuzzer,address,undefined \
	    -fno-sanitize-recover=undefined -o $@ $(filter %.c,$^) $(TOOL_PKG_LIBS)

.PHONY: fuzz
fuzz: $(TOOL_DIR)/fuzz-check
	@mkdir -p $(TOOL_DIR)/fuzz-corpus
	$(Q)$< -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
	    -dict=tests/tool/fuzz/system.dict $(TOOL_DIR)/fuzz-corpus tests/tool/fuzz/corpus

# ---- Test suites ------------------------------------------------------------------------

TOOL_SUITES := tool-errors tool-warnings tool-json tool-cli tool-elf tool-fuzz-replay tool-scale \
               tool-flow
TEST_SUITES += $(TOOL_SUITES)
.PHONY: $(addprefix suite-,$(TOOL_SUITES))

suite-tool-errors: $(TOOL)
	$(Q)scripts/run-suite.sh tool-errors $(BUILD)/test-results -- \
	    tests/tool/run-golden.sh $(abspath $(TOOL)) errors 1

suite-tool-warnings: $(TOOL)
	$(Q)scripts/run-suite.sh tool-warnings $(BUILD)/test-results -- \
	    tests/tool/run-golden.sh $(abspath $(TOOL)) warnings 0

suite-tool-json: $(TOOL)
	$(Q)scripts/run-suite.sh tool-json $(BUILD)/test-results -- \
	    tests/tool/run-json.sh $(abspath $(TOOL))

suite-tool-cli: $(TOOL)
	$(Q)scripts/run-suite.sh tool-cli $(BUILD)/test-results -- \
	    tests/tool/run-cli.sh $(abspath $(TOOL)) $(abspath $(TOOL_DIR)/cli-tests)

suite-tool-elf: $(TOOL)
	$(Q)scripts/run-suite.sh tool-elf $(BUILD)/test-results -- \
	    tests/tool/run-elf.sh $(abspath $(TOOL)) $(abspath $(TOOL_DIR)/elf-tests) $(HOST_CC)

suite-tool-fuzz-replay: $(TOOL_DIR)/fuzz-replay
	$(Q)scripts/run-suite.sh tool-fuzz-replay $(BUILD)/test-results -- \
	    tests/tool/run-fuzz-replay.sh $(abspath $<)

suite-tool-flow: $(TOOL)
	$(Q)scripts/run-suite.sh tool-flow $(BUILD)/test-results -- \
	    tests/tool/run-flow.sh $(abspath $(TOOL))

suite-tool-scale: $(TOOL)
	$(Q)scripts/run-suite.sh tool-scale $(BUILD)/test-results -- \
	    tests/tool/run-scale.sh $(abspath $(TOOL)) $(abspath $(TOOL_DIR)/scale-tests) $(HOST_CC)

# `make bench`: the wall-clock time of `bastion check` on about 1 M and 2 M elements.
BENCH_TARGETS += bench-tool
.PHONY: bench-tool
bench-tool: $(TOOL)
	$(Q)tests/tool/scale/bench-large.sh $(TOOL)
