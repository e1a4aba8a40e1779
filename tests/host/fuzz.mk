# Coverage-guided fuzzing on the host (libFuzzer: clang only), the replay of the
# checked-in corpora (any HOST_CC, under ASan + UBSan: part of `make test`), and the
# decode coverage the corpus reaches (clang 14 source-based coverage). docs/testing.md.
#
#   make fuzz [FUZZ_SECONDS=30]        every target for FUZZ_SECONDS each
#   make fuzz-syscalls | fuzz-caps     one target (new inputs and crashes: $(BUILD)/fuzz/)
#   make suite-host-fuzz-syscalls-replay suite-host-fuzz-caps-replay
#   make fuzz-coverage                 line and branch coverage of the system-call layer
#
# Targets: fuzz-syscalls (tests/host/fuzz_syscalls.c: the whole generic kernel on the
# host "architecture", tests/host/arch, through its system-call entry), fuzz-caps
# (tests/host/fuzz_caps.c: the object layer's random operations against their model).
# Each has a seed corpus in tests/host/corpus/<target>/; an input that found a bug is
# added there too (named after the bug), so that the replay suites run it for ever.

FUZZ_SECONDS ?= 30
FUZZ_TARGETS := fuzz-syscalls fuzz-caps
HOST_FUZZ_BUILD := $(BUILD)/fuzz
FUZZ_CORPUS := tests/host/corpus
FUZZ_CFLAGS = $(filter-out -MMD -MP,$(HOST_CFLAGS))
FUZZ_HEADERS = $(wildcard tests/host/*.h tests/host/arch/*.h tests/host/arch/include/arch/*.h \
    kernel/include/*.h kernel/include/*/*.h include/bastion/*.h kernel/arch/x86_64/include/arch/*.h)

FUZZ_CAPS_SRCS := $(HOST_OBJECT_SRCS) tests/host/support.c tests/host/finalise_stubs.c tests/host/guest_stubs.c \
    tests/host/object_only_stubs.c tests/host/random_ops.c tests/host/fuzz_caps.c
FUZZ_CAPS_INC := -Ikernel/include -Iinclude -Itests/host

# The generic kernel as a whole (no fastpath assembly, no arch code but the x86_64
# page-table editing, which the host "architecture" uses as its table format).
FUZZ_KERNEL_SRCS := $(wildcard kernel/object/*.c kernel/ipc/*.c kernel/thread/*.c kernel/vm/*.c \
    kernel/syscall/*.c kernel/config/debug/*.c) kernel/irq/irq.c kernel/tick.c \
    kernel/arch/x86_64/pagetable.c
# The host has no IOMMU (tests/host/arch/iommu.c), once the kernel has I/O spaces, and
# runs no guests (tests/host/arch/virt.c).
FUZZ_HOST_ARCH_SRCS := $(addprefix tests/host/arch/,thread.c stubs.c vspace.c irq.c ioport.c \
    machine.c trap.c) $(if $(wildcard kernel/vm/iospace.c),tests/host/arch/iommu.c) \
    $(if $(wildcard kernel/vm/vcpu.c),tests/host/arch/virt.c) \
    $(if $(wildcard kernel/vm/kimage.c),tests/host/arch/kimage.c)
FUZZ_SYSCALLS_SRCS := $(FUZZ_KERNEL_SRCS) $(FUZZ_HOST_ARCH_SRCS) \
    tests/host/support.c tests/host/fuzz_world.c tests/host/fuzz_check.c tests/host/fuzz_observe.c \
    tests/host/fuzz_calls.c tests/host/fuzz_faults.c \
    tests/host/fuzz_syscalls.c
# The host arch first: its arch/ headers stand in for x86_64's, except the page tables.
FUZZ_SYSCALLS_INC := -Ikernel/include -Iinclude -Itests/host -Itests/host/arch/include \
    -Ikernel/arch/x86_64/include -Dsched_yield=kernel_sched_yield

# The system-call layer whose decode coverage `make fuzz-coverage` reports: the
# dispatcher, the invocation decoders of every object, the debug calls.
FUZZ_DECODE_SRCS := $(wildcard kernel/syscall/*.c) kernel/thread/tcb_invoke.c \
    kernel/thread/schedcontext_invoke.c kernel/thread/domain_invoke.c kernel/vm/vspace.c \
    kernel/irq/irq.c kernel/config/debug/debug_syscalls.c
# What the calls reach beyond it (reported apart, no goal).
FUZZ_REACHED_SRCS := $(filter-out $(FUZZ_DECODE_SRCS),$(wildcard kernel/object/*.c \
    kernel/ipc/*.c kernel/thread/*.c kernel/vm/*.c))

# fuzz_program(TARGET, SOURCES, INCLUDES): the libFuzzer build (clang), the replay build
# (HOST_CC) and the coverage build (clang) of one target.
define fuzz_program
$(HOST_FUZZ_BUILD)/$(1): $(2) $$(FUZZ_HEADERS) tests/host/fuzz_nocov.txt
	@mkdir -p $$(dir $$@)
	$$(Q)clang $$(FUZZ_CFLAGS) -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	    -fsanitize-coverage-ignorelist=tests/host/fuzz_nocov.txt $(3) $(2) -o $$@
$(HOST_FUZZ_BUILD)/replay-$(1): $(2) tests/host/fuzz_replay.c $$(FUZZ_HEADERS)
	@mkdir -p $$(dir $$@)
	$$(Q)$$(HOST_CC) $$(FUZZ_CFLAGS) $$(HOST_SAN_FLAGS) $(3) $(2) tests/host/fuzz_replay.c -o $$@
$(HOST_FUZZ_BUILD)/cover-$(1): $(2) tests/host/fuzz_replay.c $$(FUZZ_HEADERS)
	@mkdir -p $$(dir $$@)
	$$(Q)clang $$(FUZZ_CFLAGS) -fprofile-instr-generate -fcoverage-mapping $(3) $(2) \
	    tests/host/fuzz_replay.c -o $$@
endef
$(eval $(call fuzz_program,fuzz-syscalls,$(FUZZ_SYSCALLS_SRCS),$(FUZZ_SYSCALLS_INC)))
$(eval $(call fuzz_program,fuzz-caps,$(FUZZ_CAPS_SRCS),$(FUZZ_CAPS_INC)))

ALL_TARGETS += $(HOST_FUZZ_BUILD)/replay-fuzz-syscalls $(HOST_FUZZ_BUILD)/replay-fuzz-caps
TEST_SUITES += host-fuzz-syscalls-replay host-fuzz-caps-replay

.PHONY: fuzz $(FUZZ_TARGETS) fuzz-coverage suite-host-fuzz-syscalls-replay \
    suite-host-fuzz-caps-replay
fuzz: $(FUZZ_TARGETS)
$(FUZZ_TARGETS): fuzz-%: $(HOST_FUZZ_BUILD)/fuzz-%
	@mkdir -p $(HOST_FUZZ_BUILD)/corpus-$* $(HOST_FUZZ_BUILD)/crashes-$*
	$(Q)$< -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	    -artifact_prefix=$(HOST_FUZZ_BUILD)/crashes-$*/ $(HOST_FUZZ_BUILD)/corpus-$* \
	    $(FUZZ_CORPUS)/fuzz-$*

suite-host-fuzz-syscalls-replay: $(HOST_FUZZ_BUILD)/replay-fuzz-syscalls
	$(Q)scripts/run-suite.sh host-fuzz-syscalls-replay $(BUILD)/test-results -- \
	    $< fuzz-syscalls $(FUZZ_CORPUS)/fuzz-syscalls
suite-host-fuzz-caps-replay: $(HOST_FUZZ_BUILD)/replay-fuzz-caps
	$(Q)scripts/run-suite.sh host-fuzz-caps-replay $(BUILD)/test-results -- \
	    $< fuzz-caps $(FUZZ_CORPUS)/fuzz-caps

# Coverage of the system-call layer over the checked-in corpus (plus FUZZ_COVER_DIRS).
LLVM_PROFDATA ?= llvm-profdata-14
LLVM_COV ?= llvm-cov-14
FUZZ_COVER_DIRS ?=
fuzz-coverage: $(HOST_FUZZ_BUILD)/cover-fuzz-syscalls
	$(Q)rm -rf $(HOST_FUZZ_BUILD)/coverage && mkdir -p $(HOST_FUZZ_BUILD)/coverage
	$(Q)LLVM_PROFILE_FILE=$(HOST_FUZZ_BUILD)/coverage/run.profraw $< fuzz-syscalls --in-process \
	    $(FUZZ_CORPUS)/fuzz-syscalls $(FUZZ_COVER_DIRS) 2>/dev/null
	$(Q)$(LLVM_PROFDATA) merge -sparse $(HOST_FUZZ_BUILD)/coverage/run.profraw \
	    -o $(HOST_FUZZ_BUILD)/coverage/run.profdata
	@echo "== the system-call layer (goal: 90% of branches) =="
	$(Q)$(LLVM_COV) report $< -instr-profile=$(HOST_FUZZ_BUILD)/coverage/run.profdata \
	    -show-region-summary=0 -show-instantiation-summary=0 $(FUZZ_DECODE_SRCS)
	@echo "== what the calls reach beyond it =="
	$(Q)$(LLVM_COV) report $< -instr-profile=$(HOST_FUZZ_BUILD)/coverage/run.profdata \
	    -show-region-summary=0 -show-instantiation-summary=0 $(FUZZ_REACHED_SRCS)
