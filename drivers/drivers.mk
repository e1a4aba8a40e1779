# drivers/: the driver framework (for now the queue library, drivers/queue) and its tests.
#
#   make suite-queue-model       Spin model check of the queue signalling protocol, and
#                                proof that two broken variants of it are caught
#   make suite-queue-host        host unit and two-thread stress tests, ASan + UBSan
#   make suite-queue-host-tsan   the stress tests under ThreadSanitizer
#   make queue-header-check      the headers as freestanding C11 with gcc and clang
#   BASTION_QUEUE_STRESS_ITEMS=10000000 make suite-queue-host   (a longer stress run)
#
# The queue library is header-only: a component adds -Idrivers/queue/include and includes
# <bastion/queue/queue.h>.

QUEUE_INCLUDE := drivers/queue/include
QUEUE_HEADERS := $(wildcard $(QUEUE_INCLUDE)/bastion/queue/*.h)
QUEUE_BUILD := $(BUILD)/drivers/queue
QUEUE_TEST_DIR := drivers/queue/tests
QUEUE_TEST_HEADERS := $(QUEUE_TEST_DIR)/check.h
QUEUE_HOST_FLAGS := $(filter-out -MMD -MP,$(HOST_CFLAGS)) -Wconversion -I$(QUEUE_INCLUDE) -pthread
QUEUE_HOST_CC_IS_CLANG := $(shell $(HOST_CC) --version 2>/dev/null | grep -q clang && echo 1)
# gcc warns that ThreadSanitizer does not model atomic_thread_fence (the fences of
# signal.h): true, and why the Spin model covers the protocol; the data path is
# release/acquire, which TSan does check.
QUEUE_TSAN_FLAGS := -fsanitize=thread $(if $(QUEUE_HOST_CC_IS_CLANG),,-Wno-tsan)
QUEUE_ASAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

$(QUEUE_BUILD)/test-queue: $(QUEUE_TEST_DIR)/test_queue.c $(QUEUE_TEST_DIR)/stress.c \
    $(QUEUE_TEST_DIR)/test_move.c $(QUEUE_TEST_DIR)/check.c $(QUEUE_TEST_HEADERS) $(QUEUE_HEADERS) $(QUEUE_BUILD)/header-check.stamp
	@mkdir -p $(dir $@)
	$(Q)$(HOST_CC) $(QUEUE_HOST_FLAGS) $(QUEUE_ASAN_FLAGS) $(filter %.c,$^) -o $@

$(QUEUE_BUILD)/test-queue-tsan: $(QUEUE_TEST_DIR)/test_queue_tsan.c $(QUEUE_TEST_DIR)/stress.c \
    $(QUEUE_TEST_DIR)/check.c $(QUEUE_TEST_HEADERS) $(QUEUE_HEADERS)
	@mkdir -p $(dir $@)
	$(Q)$(HOST_CC) $(QUEUE_HOST_FLAGS) $(QUEUE_TSAN_FLAGS) $(filter %.c,$^) -o $@

# Every header compiles on its own as freestanding C11 (no libc headers), pedantic, with
# -Wconversion, with gcc and with clang.
QUEUE_FREESTANDING := -std=c11 -pedantic -ffreestanding -nostdinc $(WARN_FLAGS) -Wconversion \
    -Wsign-conversion -Wcast-qual -I$(QUEUE_INCLUDE) -O2
$(QUEUE_BUILD)/header-check.stamp: $(QUEUE_HEADERS)
	@mkdir -p $(dir $@)
	$(Q)for cc in gcc clang; do for h in $(QUEUE_HEADERS); do \
	    echo "#include <$${h#$(QUEUE_INCLUDE)/}>" | \
	    $$cc $(QUEUE_FREESTANDING) -isystem "$$($$cc -print-file-name=include)" \
	        -x c -c - -o /dev/null || exit 1; \
	done; done
	$(Q)touch $@

.PHONY: queue-header-check
queue-header-check: $(QUEUE_BUILD)/header-check.stamp

ALL_TARGETS += $(QUEUE_BUILD)/test-queue $(QUEUE_BUILD)/test-queue-tsan
TEST_SUITES += queue-model queue-host queue-host-tsan

.PHONY: suite-queue-model suite-queue-host suite-queue-host-tsan
suite-queue-model:
	$(Q)scripts/run-suite.sh queue-model $(BUILD)/test-results -- \
	    drivers/queue/model/check.sh $(QUEUE_BUILD)/model
suite-queue-host: $(QUEUE_BUILD)/test-queue
	$(Q)scripts/run-suite.sh queue-host $(BUILD)/test-results -- $<
suite-queue-host-tsan: $(QUEUE_BUILD)/test-queue-tsan
	$(Q)scripts/run-suite.sh queue-host-tsan $(BUILD)/test-results -- $<

# The serial subsystem and the timer (drivers/serial, drivers/timer).
include drivers/serial/serial.mk

# The network class (drivers/net).
include drivers/net/net.mk

# The block class (drivers/blk).
include drivers/blk/blk.mk
