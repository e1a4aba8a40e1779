# Host unit tests of the generic object layer (capabilities, CDT, untyped, boot CSpace),
# the x86_64 page-table editing, the scheduler's ready queues, and IPC (a model-based
# random test), built with AddressSanitizer and UndefinedBehaviorSanitizer.
#
#   make suite-host-abi suite-host-caps suite-host-boot suite-host-caps-random
#   make suite-host-pagetable suite-host-sched suite-host-ipc-random
#   BASTION_RANDOM_STEPS=2000000 make suite-host-ipc-random      (a longer IPC run)
#   BASTION_RANDOM_STEPS=20000000 make suite-host-caps-random     (a longer random run)
#   make fuzz [FUZZ_SECONDS=60]           (libFuzzer, needs clang: tests/host/fuzz.mk)

HOST_TEST_BUILD := $(BUILD)/host
HOST_SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
# tests/host/arch/include holds the host "architecture" (arch/thread.h): it stands in
# for kernel/arch/x86_64/include, which only the page-table test adds (after it).
# The kernel's sched_yield() would stand in for the C library's, which the sanitizers'
# runtime calls (LeakSanitizer at exit): on the host it has another name.
HOST_TEST_CFLAGS := $(HOST_CFLAGS) $(HOST_SAN_FLAGS) -Ikernel/include -Iinclude -Itests/host \
    -Itests/host/arch/include -Dsched_yield=kernel_sched_yield
HOST_OBJECT_SRCS := $(wildcard kernel/object/*.c)
HOST_OBJECT_OBJS := $(patsubst %.c,$(HOST_TEST_BUILD)/%.o,$(HOST_OBJECT_SRCS))
HOST_SUPPORT_OBJS := $(HOST_TEST_BUILD)/tests/host/support.o
# The object layer alone: empty finalisers for threads, IPC and VM.
HOST_CAPS_OBJS := $(HOST_TEST_BUILD)/tests/host/finalise_stubs.o \
    $(HOST_TEST_BUILD)/tests/host/guest_stubs.o $(HOST_TEST_BUILD)/tests/host/object_only_stubs.o
# Threads and IPC on the host arch shim. Named one by one: tcb_invoke.c needs the syscall
# layer, and an IPC fast path needs the real architecture.
HOST_THREAD_SRCS := kernel/ipc/endpoint.c kernel/ipc/notification.c kernel/ipc/queue.c \
    kernel/thread/budget.c kernel/thread/schedcontext.c kernel/thread/donation.c \
    kernel/thread/domain.c kernel/thread/domain_irq.c \
    kernel/ipc/transfer.c kernel/thread/tcb.c kernel/thread/sched.c kernel/thread/fault.c \
    tests/host/arch/thread.c tests/host/arch/stubs.c tests/host/arch/thread_only_stubs.c \
    tests/host/finalise_stubs.c tests/host/guest_stubs.c
HOST_THREAD_OBJS := $(patsubst %.c,$(HOST_TEST_BUILD)/%.o,$(HOST_THREAD_SRCS))
HOST_X86_PT_OBJS := $(HOST_TEST_BUILD)/kernel/arch/x86_64/pagetable.o
$(HOST_X86_PT_OBJS) $(HOST_TEST_BUILD)/tests/host/test_pagetable.o: \
    HOST_TEST_CFLAGS += -Ikernel/arch/x86_64/include

$(HOST_TEST_BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(Q)$(HOST_CC) $(HOST_TEST_CFLAGS) -c $< -o $@

# host_test_program(NAME, SOURCES, OBJECTS): the object layer and support, and OBJECTS
define host_test_program
$(HOST_TEST_BUILD)/$(1): $(patsubst %.c,$(HOST_TEST_BUILD)/%.o,$(2)) $(HOST_OBJECT_OBJS) $(HOST_SUPPORT_OBJS) $(3)
	$$(Q)$$(HOST_CC) $$(HOST_TEST_CFLAGS) $$^ -o $$@ $$(HOST_LDFLAGS)
endef

$(eval $(call host_test_program,test-abi,tests/host/test_abi.c,$(HOST_CAPS_OBJS)))
$(eval $(call host_test_program,test-caps,tests/host/test_cnode.c tests/host/test_untyped.c tests/host/test_caps_main.c,$(HOST_CAPS_OBJS)))
$(eval $(call host_test_program,test-boot,tests/host/test_boot.c,$(HOST_CAPS_OBJS)))
$(eval $(call host_test_program,test-caps-random,tests/host/test_random.c tests/host/random_ops.c,$(HOST_CAPS_OBJS)))
$(eval $(call host_test_program,test-pagetable,tests/host/test_pagetable.c,$(HOST_X86_PT_OBJS) $(HOST_CAPS_OBJS)))
$(eval $(call host_test_program,test-sched,tests/host/test_sched.c,$(HOST_THREAD_OBJS)))
$(eval $(call host_test_program,test-ipc-random,tests/host/test_ipc_random.c,$(HOST_THREAD_OBJS)))
$(eval $(call host_test_program,test-donation,tests/host/test_donation.c,$(HOST_THREAD_OBJS)))
$(eval $(call host_test_program,test-schedcontext,tests/host/test_schedcontext.c kernel/thread/schedcontext.c,$(HOST_CAPS_OBJS)))

# The VSpace oracle in the host model: the real vm/ and x86_64 page tables, so the real
# arch/vspace.h (kernel/arch/x86_64/include) comes before the host one.
HOST_VSPACE_SRCS := kernel/vm/vspace.c kernel/vm/vspace_check.c tests/host/vspace_arch.c \
    tests/host/test_vspace_random.c
HOST_VSPACE_OBJS := $(patsubst %.c,$(HOST_TEST_BUILD)/%.o,$(HOST_VSPACE_SRCS))
$(HOST_VSPACE_OBJS): HOST_TEST_CFLAGS := $(HOST_CFLAGS) $(HOST_SAN_FLAGS) -Ikernel/include \
    -Iinclude -Itests/host -Ikernel/arch/x86_64/include -Dsched_yield=kernel_sched_yield
$(HOST_TEST_BUILD)/test-vspace-random: $(HOST_VSPACE_OBJS) $(HOST_OBJECT_OBJS) \
    $(HOST_SUPPORT_OBJS) $(HOST_X86_PT_OBJS) $(HOST_TEST_BUILD)/tests/host/object_only_stubs.o \
    $(HOST_TEST_BUILD)/tests/host/guest_stubs.o
	$(Q)$(HOST_CC) $(HOST_TEST_CFLAGS) $^ -o $@ $(HOST_LDFLAGS)

# The kernel's MADT reading (I/O APICs, GSI ranges): pure x86_64 code, no object layer.
HOST_MADT_SRCS := kernel/arch/x86_64/madt.c tests/host/test_madt.c
HOST_MADT_OBJS := $(patsubst %.c,$(HOST_TEST_BUILD)/%.o,$(HOST_MADT_SRCS))
$(HOST_MADT_OBJS): HOST_TEST_CFLAGS += -Ikernel/arch/x86_64/include
$(HOST_TEST_BUILD)/test-madt: $(HOST_MADT_OBJS)
	$(Q)$(HOST_CC) $(HOST_TEST_CFLAGS) $^ -o $@ $(HOST_LDFLAGS)

HOST_TEST_PROGRAMS := test-abi test-caps test-boot test-caps-random test-pagetable test-sched \
    test-ipc-random test-schedcontext test-donation test-vspace-random test-madt
ALL_TARGETS += $(addprefix $(HOST_TEST_BUILD)/,$(HOST_TEST_PROGRAMS))

TEST_SUITES += host-abi host-caps host-boot host-caps-random host-pagetable host-sched \
    host-ipc-random host-schedcontext host-donation host-vspace-random host-madt

.PHONY: suite-host-abi suite-host-caps suite-host-boot suite-host-caps-random
.PHONY: suite-host-pagetable suite-host-sched suite-host-ipc-random suite-host-schedcontext
.PHONY: suite-host-donation suite-host-vspace-random suite-host-madt
suite-host-madt: $(HOST_TEST_BUILD)/test-madt
	$(Q)scripts/run-suite.sh host-madt $(BUILD)/test-results -- $<
suite-host-vspace-random: $(HOST_TEST_BUILD)/test-vspace-random
	$(Q)scripts/run-suite.sh host-vspace-random $(BUILD)/test-results -- $<
suite-host-abi: $(HOST_TEST_BUILD)/test-abi
	$(Q)scripts/run-suite.sh host-abi $(BUILD)/test-results -- $<
suite-host-caps: $(HOST_TEST_BUILD)/test-caps
	$(Q)scripts/run-suite.sh host-caps $(BUILD)/test-results -- $<
suite-host-boot: $(HOST_TEST_BUILD)/test-boot
	$(Q)scripts/run-suite.sh host-boot $(BUILD)/test-results -- $<
suite-host-caps-random: $(HOST_TEST_BUILD)/test-caps-random
	$(Q)scripts/run-suite.sh host-caps-random $(BUILD)/test-results -- $<
suite-host-pagetable: $(HOST_TEST_BUILD)/test-pagetable
	$(Q)scripts/run-suite.sh host-pagetable $(BUILD)/test-results -- $<
suite-host-sched: $(HOST_TEST_BUILD)/test-sched
	$(Q)scripts/run-suite.sh host-sched $(BUILD)/test-results -- $<
suite-host-ipc-random: $(HOST_TEST_BUILD)/test-ipc-random
	$(Q)scripts/run-suite.sh host-ipc-random $(BUILD)/test-results -- $<
suite-host-schedcontext: $(HOST_TEST_BUILD)/test-schedcontext
	$(Q)scripts/run-suite.sh host-schedcontext $(BUILD)/test-results -- $<
suite-host-donation: $(HOST_TEST_BUILD)/test-donation
	$(Q)scripts/run-suite.sh host-donation $(BUILD)/test-results -- $<

# The fuzz targets, their corpora and their replay suite: tests/host/fuzz.mk.
include tests/host/fuzz.mk

-include $(HOST_OBJECT_OBJS:.o=.d) $(HOST_SUPPORT_OBJS:.o=.d) $(HOST_THREAD_OBJS:.o=.d) \
    $(HOST_X86_PT_OBJS:.o=.d) $(HOST_MADT_OBJS:.o=.d) $(wildcard $(HOST_TEST_BUILD)/tests/host/*.d)
