# Host unit tests of the generic object layer (capabilities, CDT, untyped, boot CSpace),
# built with AddressSanitizer and UndefinedBehaviorSanitizer.
#
#   make suite-host-abi suite-host-caps suite-host-boot suite-host-caps-random
#   BASTION_RANDOM_STEPS=20000000 make suite-host-caps-random     (a longer random run)
#   make fuzz-caps [FUZZ_SECONDS=60]      (libFuzzer, needs clang; `make fuzz` runs it too)

HOST_TEST_BUILD := $(BUILD)/host
HOST_SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
HOST_TEST_CFLAGS := $(HOST_CFLAGS) $(HOST_SAN_FLAGS) -Ikernel/include -Iinclude -Itests/host
HOST_OBJECT_SRCS := $(wildcard kernel/object/*.c)
HOST_OBJECT_OBJS := $(patsubst %.c,$(HOST_TEST_BUILD)/%.o,$(HOST_OBJECT_SRCS))
HOST_SUPPORT_OBJS := $(HOST_TEST_BUILD)/tests/host/support.o

$(HOST_TEST_BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(Q)$(HOST_CC) $(HOST_TEST_CFLAGS) -c $< -o $@

# host_test_program(NAME, SOURCES)
define host_test_program
$(HOST_TEST_BUILD)/$(1): $(patsubst %.c,$(HOST_TEST_BUILD)/%.o,$(2)) $(HOST_OBJECT_OBJS) $(HOST_SUPPORT_OBJS)
	$$(Q)$$(HOST_CC) $$(HOST_TEST_CFLAGS) $$^ -o $$@ $$(HOST_LDFLAGS)
endef

$(eval $(call host_test_program,test-abi,tests/host/test_abi.c))
$(eval $(call host_test_program,test-caps,tests/host/test_cnode.c tests/host/test_untyped.c tests/host/test_caps_main.c))
$(eval $(call host_test_program,test-boot,tests/host/test_boot.c))
$(eval $(call host_test_program,test-caps-random,tests/host/test_random.c tests/host/random_ops.c))

HOST_TEST_PROGRAMS := test-abi test-caps test-boot test-caps-random
ALL_TARGETS += $(addprefix $(HOST_TEST_BUILD)/,$(HOST_TEST_PROGRAMS))

TEST_SUITES += host-abi host-caps host-boot host-caps-random

.PHONY: suite-host-abi suite-host-caps suite-host-boot suite-host-caps-random fuzz fuzz-caps
suite-host-abi: $(HOST_TEST_BUILD)/test-abi
	$(Q)scripts/run-suite.sh host-abi $(BUILD)/test-results -- $<
suite-host-caps: $(HOST_TEST_BUILD)/test-caps
	$(Q)scripts/run-suite.sh host-caps $(BUILD)/test-results -- $<
suite-host-boot: $(HOST_TEST_BUILD)/test-boot
	$(Q)scripts/run-suite.sh host-boot $(BUILD)/test-results -- $<
suite-host-caps-random: $(HOST_TEST_BUILD)/test-caps-random
	$(Q)scripts/run-suite.sh host-caps-random $(BUILD)/test-results -- $<

# libFuzzer over the same random operations (clang only): bytes choose the operations.
FUZZ_SECONDS ?= 60
HOST_FUZZ_BUILD := $(BUILD)/fuzz
HOST_FUZZ_SRCS := $(HOST_OBJECT_SRCS) tests/host/support.c tests/host/random_ops.c tests/host/fuzz_caps.c
$(HOST_FUZZ_BUILD)/fuzz-caps: $(HOST_FUZZ_SRCS) $(wildcard tests/host/*.h)
	@mkdir -p $(dir $@)
	$(Q)clang $(filter-out -MMD -MP,$(HOST_CFLAGS)) -fsanitize=fuzzer,address,undefined \
	    -fno-sanitize-recover=all -Ikernel/include -Iinclude -Itests/host $(HOST_FUZZ_SRCS) -o $@

fuzz: fuzz-caps
fuzz-caps: $(HOST_FUZZ_BUILD)/fuzz-caps
	@mkdir -p $(HOST_FUZZ_BUILD)/corpus
	$(Q)$< -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 $(HOST_FUZZ_BUILD)/corpus

-include $(HOST_OBJECT_OBJS:.o=.d) $(HOST_SUPPORT_OBJS:.o=.d) $(wildcard $(HOST_TEST_BUILD)/tests/host/*.d)
