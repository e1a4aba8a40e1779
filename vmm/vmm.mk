# vmm/: the virtual-machine monitor (docs/virtualisation.md, "The VMM") and its Linux guest.
#
#   $(GUEST_STAMP)           $(BUILD)/guest/{bzImage,initramfs.cpio.gz}: the Linux guest,
#                            built on demand by scripts/guest-assets.sh from Debian's
#                            linux-image-amd64 and busybox-static (never part of `all`:
#                            it downloads about 71 MB the first time; GUEST_CACHE, default
#                            ~/.cache/bastion/debian-bin, keeps the .deb files across
#                            `make clean`)
#   make guest               build the guest's files
#   make suite-guest-linux   the VMM library parses and loads the guest's bzImage and
#                            initramfs; QEMU boots them straight (no Bastion): /init's
#                            marker, its virtio modules and /dev/hvc0, a line echoed over
#                            the virtio console, power-off (vmm/guest/check.sh). `make
#                            test` runs it, which builds the guest first
#   make suite-host-vmm      the VMM library's host tests (ASan, UBSan), the boot-image
#                            parser fuzzed

GUEST_DIR := $(BUILD)/guest
GUEST_STAMP := $(GUEST_DIR)/.bastion-guest
GUEST_CACHE ?= $(if $(HOME),$(HOME)/.cache/bastion/debian-bin,$(GUEST_DIR)/cache)

$(GUEST_STAMP): scripts/guest-assets.sh vmm/guest/init vmm/guest/mkcpio.py
	$(Q)scripts/guest-assets.sh $(GUEST_DIR) $(GUEST_CACHE)

.PHONY: guest suite-guest-linux
guest: $(GUEST_STAMP)

TEST_SUITES += guest-linux

# The VMM library: pure C, no C library, built for the host tests here (and freestanding
# for the VMM PD once the kernel runs guests). Its exit dispatcher needs the vCPU ABI
# (include/bastion/vcpu.h).
VMM_LIB_SRCS := $(wildcard vmm/lib/*.c)
VMM_TEST_SRCS := $(wildcard vmm/tests/*.c)
VMM_BUILD := $(BUILD)/vmm
VMM_HOST_FLAGS := $(filter-out -MMD -MP,$(HOST_CFLAGS)) -Wconversion -Ivmm/include -Ivmm/lib \
    -Iinclude -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
VMM_TEST := $(VMM_BUILD)/test-vmm

$(VMM_TEST): $(VMM_LIB_SRCS) $(VMM_TEST_SRCS) $(wildcard vmm/include/vmm/*.h vmm/lib/*.h \
    vmm/tests/*.h) include/bastion/vcpu.h
	@mkdir -p $(dir $@)
	$(Q)$(HOST_CC) $(VMM_HOST_FLAGS) $(VMM_LIB_SRCS) $(VMM_TEST_SRCS) -o $@

ALL_TARGETS += $(VMM_TEST)
TEST_SUITES += host-vmm

.PHONY: suite-host-vmm
suite-host-vmm: $(VMM_TEST)
	$(Q)scripts/run-suite.sh host-vmm $(BUILD)/test-results -- $(VMM_TEST)

suite-guest-linux: $(GUEST_STAMP) $(VMM_TEST)
	$(Q)scripts/run-suite.sh guest-linux $(BUILD)/test-results -- \
	    vmm/guest/check.sh $(VMM_TEST) $(GUEST_DIR)

# The VMM PD (vmm/vmm_pd.c), linked with the library built freestanding. It builds in
# `all`; the system vmm/tests/linux runs it (below).
VMM_PD_SRCS := vmm/vmm_pd.c vmm/run.c $(VMM_LIB_SRCS) $(TIMER_CLIENT_SRCS)
$(LIB_BUILD)/vmm/%.c.o: USER_INC += -Ivmm/include -Ivmm/lib -Idrivers/timer/include
$(eval $(call pd_program,vmm,$(VMM_PD_SRCS),$(VMM_BUILD)))

# Suite system-vmm: the root task is the VMM of tiny guests (vmm/tests/system), with the
# library and run loop of the VMM PD, on the root-task harness and the virtualisation
# tests' environment (tests/system/roottask/vm/vm_env.c). QEMU TCG -cpu max (AMD SVM
# with nested paging emulated).
VMM_SYSTEM_SRCS := $(ROOTTASK_COMMON) tests/system/roottask/vm/vm_env.c \
    vmm/tests/system/vmm_system.c vmm/tests/system/guest.S vmm/run.c $(VMM_LIB_SRCS)
$(LIB_BUILD)/vmm/tests/system/%.o: USER_INC += -Itests/system/roottask/vm -Itests/system/roottask
$(eval $(call user_program,vmm-tests,$(VMM_SYSTEM_SRCS)))

TEST_SUITES += system-vmm

.PHONY: suite-system-vmm
suite-system-vmm: $(KERNEL_BIN) $(BUILD)/user/vmm-tests.elf
	$(Q)scripts/run-suite.sh system-vmm $(BUILD)/test-results -- \
	    scripts/qemu-run.sh --image $(KERNEL_BIN) --module $(BUILD)/user/vmm-tests.elf \
	    --append "" --name vmm --timeout 120 --log $(BUILD)/test-logs/vmm.log \
	    --expect "^BASTION-TINY-GUEST: hello from a guest of the Bastion VMM"

# `make bench` (bench-vmm): a VM exit handled by the VMM under -icount, against the
# kernel's part alone (vmm_system.c, bench_vmm_uart_out); the figures go to
# $(BUILD)/test-logs/vmm-bench.log and the terminal.
BENCH_TARGETS += bench-vmm

.PHONY: bench-vmm
bench-vmm: $(KERNEL_BIN) $(BUILD)/user/vmm-tests.elf
	$(Q)scripts/qemu-run.sh --image $(KERNEL_BIN) --module $(BUILD)/user/vmm-tests.elf \
	    --append "" --name vmm-bench --timeout 120 --icount --harness-args "bench=1" \
	    --log $(BUILD)/test-logs/vmm-bench.log >/dev/null
	$(Q)grep "^bench: vmm\." $(BUILD)/test-logs/vmm-bench.log

# Linux under Bastion (vmm/tests/linux, docs/virtualisation.md "Linux under Bastion"):
# init makes the VMM PD's guest, the VMM PD loads the bzImage and initramfs from
# prefilled regions and runs Linux beside the timer driver and a native PD (a timer
# client checking its deadlines, and the guest console's partner through the console
# link, which the VMM joins to the guest's legacy virtio-pci console). Nested under TCG's
# SVM emulation the whole boot takes about 1-1.5 minutes, so it is not in `make test`:
# `make soak-linux-boot` (SOAK_TARGETS) boots it and waits for the banner, the virtio
# console on the PCI bus, /init's marker and /dev/hvc0, the echo of the native PD's line
# through virtio (md5 checked on the host by vmm/tests/linux/check_echo.py), eth0 up on
# the VMM's virtio-net device and the guest's first ARP request as the VMM took it from
# the transmit queue, the power-off and the VMM's report of the stop (log in
# $(BUILD)/test-logs/linux/). About 100-110 s on the loaded shared machine, so it stays
# out of `make test` (docs/testing.md).
LINUX_SYSTEM := $(VMM_BUILD)/linux-system
$(eval $(call pd_program,native,vmm/tests/linux/native.c $(TIMER_CLIENT_SRCS),$(LINUX_SYSTEM)))
$(eval $(call pd_program,timer,$(TIMER_DRIVER_SRCS),$(LINUX_SYSTEM)))
$(LINUX_SYSTEM)/modules.args: vmm/tests/linux/system.xml $(LINUX_SYSTEM)/native.elf \
    $(LINUX_SYSTEM)/timer.elf $(VMM_BUILD)/vmm.elf $(GUEST_STAMP) $(TOOL) $(INIT_ELF) \
    scripts/build-example.sh
	$(Q)cp $(VMM_BUILD)/vmm.elf $(GUEST_DIR)/bzImage $(GUEST_DIR)/initramfs.cpio.gz $(LINUX_SYSTEM)/
	$(Q)scripts/build-example.sh $(TOOL) $(INIT_ELF) $< $(LINUX_SYSTEM) > $@.tmp && mv $@.tmp $@

SOAK_TARGETS += soak-linux-boot
.PHONY: soak-linux-boot
soak-linux-boot: $(KERNEL_BIN) $(LINUX_SYSTEM)/modules.args
	$(Q)scripts/run-suite.sh linux-boot $(BUILD)/test-results -- \
	    scripts/test-system.sh $(KERNEL_BIN) $(BUILD)/test-logs/linux \
	    linux:vmm/tests/linux:$(LINUX_SYSTEM)

# A hostile Linux guest (vmm/tests/linux/hostile/expect): the same system with the VMM's
# guest_hostile set (the system description is the one of vmm/tests/linux with that
# setvar added, made here), so that /init pokes an unemulated port and memory past the
# end of its RAM after its echo; the VMM reports both and stops the guest, and the
# native PD keeps its deadlines. SOAK_TARGETS, about as long as soak-linux-boot.
LINUX_HOSTILE := $(VMM_BUILD)/linux-hostile
$(LINUX_HOSTILE)/modules.args: vmm/tests/linux/system.xml $(LINUX_SYSTEM)/modules.args
	$(Q)mkdir -p $(LINUX_HOSTILE)
	$(Q)sed 's|^\( *\)<setvar symbol="guest_ram_size"|\1<setvar symbol="guest_hostile" value="1"/>\n&|' \
	    $< >$(LINUX_HOSTILE)/system.xml
	$(Q)grep -q guest_hostile $(LINUX_HOSTILE)/system.xml
	$(Q)scripts/build-example.sh $(TOOL) $(INIT_ELF) $(LINUX_HOSTILE)/system.xml $(LINUX_HOSTILE) \
	    $(LINUX_SYSTEM) > $@.tmp && mv $@.tmp $@

SOAK_TARGETS += soak-linux-hostile
.PHONY: soak-linux-hostile
soak-linux-hostile: $(KERNEL_BIN) $(LINUX_HOSTILE)/modules.args
	$(Q)scripts/run-suite.sh linux-hostile $(BUILD)/test-results -- \
	    scripts/test-system.sh $(KERNEL_BIN) $(BUILD)/test-logs/linux \
	    linux-hostile:vmm/tests/linux/hostile:$(LINUX_HOSTILE)

# `make bench` (bench-linux-exit): the whole Linux boot of the same system under
# -icount shift=0,align=off (vmm/tests/linux/bench/expect); the VMM's own cycles per
# exit (VCPU_RUN's return to the next call, waits left out), over all exits and over the
# I/O exits, printed as bench lines (log in $(BUILD)/test-logs/linux-bench/).
BENCH_TARGETS += bench-linux-exit
.PHONY: bench-linux-exit
bench-linux-exit: $(KERNEL_BIN) $(LINUX_SYSTEM)/modules.args
	$(Q)scripts/test-system.sh $(KERNEL_BIN) $(BUILD)/test-logs/linux-bench \
	    linux-bench:vmm/tests/linux/bench:$(LINUX_SYSTEM) >/dev/null
	$(Q)sed -n 's/^vmm: the VMM.s own time per exit .*: mean \([0-9]*\) TSC cycles over \([0-9]*\) exits; I\/O exits \([0-9]*\) over \([0-9]*\)$$/bench: vmm.linux_exit.vmm_part mean \1 icount cycles over \2 exits (I\/O exits: mean \3 over \4)/p' \
	    $(BUILD)/test-logs/linux-bench/linux-bench.log | grep .

# The bounded sample in `make test`: the same system until Linux has read the VMM's
# ACPI MADT, chosen its x2APIC driver, found the PCI bus with the virtio console and
# switched to the TSC clock with the emulated APIC timer running
# (vmm/tests/linux/banner/expect; about 15 guest seconds in).
TEST_SUITES += system-linux-banner
.PHONY: suite-system-linux-banner
suite-system-linux-banner: $(KERNEL_BIN) $(LINUX_SYSTEM)/modules.args
	$(Q)scripts/run-suite.sh system-linux-banner $(BUILD)/test-results -- \
	    scripts/test-system.sh $(KERNEL_BIN) $(BUILD)/test-logs/linux \
	    linux-banner:vmm/tests/linux/banner:$(LINUX_SYSTEM)
