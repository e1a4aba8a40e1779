# `make bench`, network part (bench/net/run-net-bench.sh; docs/performance.md, "Network:
# UDP echo against Linux"): UDP echo cost per packet and throughput, Bastion's network
# example against a Linux guest on the same QEMU and virtio-net device.
#
#   $(BUILD)/bench/linux/          Debian's kernel and busybox-static, fetched and unpacked
#                                  by bench/linux/fetch.sh (apt-get download; never in git)
#   $(BUILD)/bench/linux/initramfs.cpio.gz   busybox, /init, udp_echo, virtio-net modules
#   $(BUILD)/bench/insn_count.so   the QEMU plugin that counts guest instructions
#   bench/results/net-udp-echo.json          the figures and the Bastion/Linux ratio
#   bench/results/net-udp-echo-iommu.json    Bastion's again behind QEMU's VT-d unit
#                                            (bench-net-iommu: IOMMU on; the file above
#                                            is the IOMMU-off figure)
#
# The Bastion side is the network example (examples/net), booted when it exists.

BENCH_LINUX_DIR := $(BUILD)/bench/linux
BENCH_LINUX_KERNEL := $(BENCH_LINUX_DIR)/vmlinuz
BENCH_LINUX_INITRD := $(BENCH_LINUX_DIR)/initramfs.cpio.gz
BENCH_LINUX_ECHO := $(BENCH_LINUX_DIR)/udp_echo
BENCH_INSN_COUNT := $(BUILD)/bench/insn_count.so
BENCH_NET_BASTION_ARGS := $(BUILD)/examples/net/modules.args
BENCH_NET_BASTION_DEPS := $(if $(wildcard examples/net/system.xml),$(KERNEL_BIN) $(BENCH_NET_BASTION_ARGS))

# The fetch runs once (kernel-version records what was unpacked); delete
# $(BENCH_LINUX_DIR) to take a newer kernel.
$(BENCH_LINUX_DIR)/kernel-version: bench/linux/fetch.sh
	$(Q)bench/linux/fetch.sh $(BENCH_LINUX_DIR)
	$(Q)touch $@

$(BENCH_LINUX_KERNEL): $(BENCH_LINUX_DIR)/kernel-version

$(BENCH_LINUX_ECHO): bench/linux/udp_echo.c
	$(Q)mkdir -p $(@D)
	$(Q)$(HOST_CC) -static -O2 $(WARN_FLAGS) -Wconversion -o $@ $<

$(BENCH_LINUX_INITRD): $(BENCH_LINUX_DIR)/kernel-version $(BENCH_LINUX_ECHO) bench/linux/init.sh \
    bench/linux/mkinitramfs.sh
	$(Q)bench/linux/mkinitramfs.sh $(BENCH_LINUX_DIR) $(BENCH_LINUX_ECHO) $@

$(BENCH_INSN_COUNT): bench/net/insn_count.c
	$(Q)mkdir -p $(@D)
	$(Q)$(HOST_CC) -shared -fPIC -O2 $(WARN_FLAGS) -Wconversion -o $@ $< -lpthread

.PHONY: bench-net bench-net-linux
bench-net-linux: $(BENCH_LINUX_KERNEL) $(BENCH_LINUX_INITRD) $(BENCH_INSN_COUNT)

BENCH_TARGETS += bench-net
bench-net: bench-net-linux $(BENCH_NET_BASTION_DEPS)
	$(Q)bench/net/run-net-bench.sh --results bench/results --work $(BUILD)/bench/net \
	    --plugin $(BENCH_INSN_COUNT) \
	    --linux-kernel $(BENCH_LINUX_KERNEL) --linux-initrd $(BENCH_LINUX_INITRD) \
	    --bastion-kernel $(KERNEL_BIN) --bastion-modules $(BENCH_NET_BASTION_ARGS) \
	    $(BENCH_NET_ARGS)

# Under `make -j bench`, after the path-length boots: a second QEMU beside them would
# steal the host time that the network figures (and the offered load's timing) need.
ifneq ($(filter bench,$(MAKECMDGOALS)),)
bench-net: | bench-icount
endif

# What a hostile client costs the others (bench/net/hostile-client.sh; docs/performance.md,
# "Network: a hostile client"): the network test system (drivers/net/tests) under the same
# QEMU, the UDP echo server's throughput alone and while evil floods and corrupts.
.PHONY: bench-net-hostile
BENCH_TARGETS += bench-net-hostile
bench-net-hostile: $(KERNEL_BIN) $(NET_TEST_BUILD)/modules.args
	$(Q)bench/net/hostile-client.sh $(KERNEL_BIN) $(NET_TEST_BUILD)/modules.args \
	    bench/results/net-hostile.json $(BUILD)/bench/hostile
ifneq ($(filter bench,$(MAKECMDGOALS)),)
bench-net-hostile: | bench-net
endif

# Bastion's network example again behind QEMU's Intel VT-d unit (the device with
# iommu_platform=on; init confines its DMA to the I/O space of the driver): the same
# measurement, IOMMU on (docs/performance.md, "Network with the IOMMU on and off").
BENCH_TARGETS += bench-net-iommu
.PHONY: bench-net-iommu
bench-net-iommu: $(BENCH_INSN_COUNT) $(BENCH_NET_BASTION_DEPS)
	$(Q)bench/net/run-net-bench.sh --results $(BUILD)/bench/net-iommu --work $(BUILD)/bench/net-iommu \
	    --plugin $(BENCH_INSN_COUNT) --iommu on \
	    --bastion-kernel $(KERNEL_BIN) --bastion-modules $(BENCH_NET_BASTION_ARGS) \
	    $(BENCH_NET_ARGS)
	$(Q)cp $(BUILD)/bench/net-iommu/net-udp-echo.json bench/results/net-udp-echo-iommu.json
