# services/kvstore: the crash-safe key-value store (docs/kvstore.md).
#
#   $(BUILD)/services/kvstore/kvstore.elf   the store's PD (block client on channel 0)
#   make suite-kvstore-host     host tests (ASan, UBSan): CRC vectors, records and
#                               superblocks against hostile bytes, the index, recovery over
#                               garbage, KVSTORE_RUNS (default 1500) random workloads with
#                               power cuts, and two broken builds that must be caught
#   make suite-kvstore-soak     the same with KVSTORE_SOAK_RUNS (default 50000) workloads
#   KVSTORE_RUNS=N KVSTORE_FIRST=S make suite-kvstore-host   other workloads (seeds S..S+N-1)

KVSTORE_DIR := services/kvstore
KVSTORE_INC := -I$(KVSTORE_DIR)/include
KVSTORE_CORE_SRCS := $(addprefix $(KVSTORE_DIR)/,store.c index.c record.c superblock.c crc32c.c)
KVSTORE_SRCS := $(KVSTORE_DIR)/kvstore_pd.c $(KVSTORE_DIR)/selftest.c $(KVSTORE_CORE_SRCS) \
    $(BLK_CLIENT_SRCS)
KVSTORE_BUILD := $(BUILD)/services/kvstore
KVSTORE_RUNS ?= 1500
KVSTORE_FIRST ?= 0
KVSTORE_SOAK_RUNS ?= 50000

# The PD's sources see the driver, block and store headers.
$(LIB_BUILD)/$(KVSTORE_DIR)/%.c.o: USER_INC += $(DRIVER_INC) $(BLK_INC) $(KVSTORE_INC)

$(eval $(call pd_program,kvstore,$(KVSTORE_SRCS),$(KVSTORE_BUILD)))

# Host tests: the core as it is, and two broken builds of it (store.c's KV_BROKEN_*).
KVSTORE_HOST_FLAGS := $(filter-out -MMD -MP,$(HOST_CFLAGS)) -Wconversion $(KVSTORE_INC) \
    -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
KVSTORE_TEST_SRCS := $(KVSTORE_CORE_SRCS) $(KVSTORE_DIR)/tests/simdisk.c \
    $(KVSTORE_DIR)/tests/test_kvstore.c
KVSTORE_TEST_DEPS := $(KVSTORE_TEST_SRCS) $(wildcard $(KVSTORE_DIR)/*.h $(KVSTORE_DIR)/tests/*.h \
    $(KVSTORE_DIR)/include/bastion/*.h)
KVSTORE_TESTS := $(KVSTORE_BUILD)/test-kvstore \
    $(KVSTORE_BUILD)/test-kvstore-broken-ack-before-flush \
    $(KVSTORE_BUILD)/test-kvstore-broken-super-before-data

$(KVSTORE_BUILD)/test-kvstore: $(KVSTORE_TEST_DEPS)
	@mkdir -p $(dir $@)
	$(Q)$(HOST_CC) $(KVSTORE_HOST_FLAGS) $(KVSTORE_TEST_SRCS) -o $@
$(KVSTORE_BUILD)/test-kvstore-broken-ack-before-flush: $(KVSTORE_TEST_DEPS)
	@mkdir -p $(dir $@)
	$(Q)$(HOST_CC) $(KVSTORE_HOST_FLAGS) -DKV_BROKEN_ACK_BEFORE_FLUSH $(KVSTORE_TEST_SRCS) -o $@
$(KVSTORE_BUILD)/test-kvstore-broken-super-before-data: $(KVSTORE_TEST_DEPS)
	@mkdir -p $(dir $@)
	$(Q)$(HOST_CC) $(KVSTORE_HOST_FLAGS) -DKV_BROKEN_SUPER_BEFORE_DATA $(KVSTORE_TEST_SRCS) -o $@

ALL_TARGETS += $(KVSTORE_TESTS)
TEST_SUITES += kvstore-host

.PHONY: suite-kvstore-host suite-kvstore-soak
suite-kvstore-host: $(KVSTORE_TESTS)
	$(Q)scripts/run-suite.sh kvstore-host $(BUILD)/test-results -- \
	    $(KVSTORE_DIR)/tests/run-host.sh $(KVSTORE_BUILD) $(KVSTORE_RUNS) $(KVSTORE_FIRST)
suite-kvstore-soak: $(KVSTORE_TESTS)
	$(Q)scripts/run-suite.sh kvstore-soak $(BUILD)/test-results -- \
	    $(KVSTORE_DIR)/tests/run-host.sh $(KVSTORE_BUILD) $(KVSTORE_SOAK_RUNS) $(KVSTORE_FIRST)
SOAK_TARGETS += suite-kvstore-soak
