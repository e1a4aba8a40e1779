# `make bench`, block part (bench/blk/run-blk-bench.sh; docs/performance.md, "Block:
# against Linux"): the cost per request (busy icount cycles) and the throughput of
# sequential and random 4 KiB and 64 KiB reads and writes, Bastion's block stack (the
# virtio-blk driver, blk_virt, a client PD) against a Linux guest on the same QEMU and the
# same virtio-blk disk.
#
#   $(BUILD)/bench/linux/blk_io                      the Linux guest's workload (static)
#   $(BUILD)/bench/linux/initramfs-blk.cpio.gz       busybox, /init (init-blk.sh), blk_io,
#                                                    the virtio-blk modules
#   $(BUILD)/bench/insn_marks.so   the QEMU plugin: instructions counted at marker insns
#   $(BUILD)/bench/blk/            the Bastion system (bench/blk/system.xml), once the
#                                  driver and blk_virt exist
#   bench/results/blk.json         the figures and the Bastion/Linux ratios
#
# The Linux kernel is the network benchmark's (bench/net/net.mk, bench/linux/fetch.sh).

BENCH_BLK_LINUX_IO := $(BENCH_LINUX_DIR)/blk_io
BENCH_BLK_LINUX_INITRD := $(BENCH_LINUX_DIR)/initramfs-blk.cpio.gz
BENCH_BLK_PLUGIN := $(BUILD)/bench/insn_marks.so
BENCH_BLK_BUILD := $(BUILD)/bench/blk
BENCH_BLK_BASTION_ARGS := $(BENCH_BLK_BUILD)/modules.args

$(BENCH_BLK_LINUX_IO): bench/linux/blk_io.c bench/blk/blk_pattern.h
	$(Q)mkdir -p $(@D)
	$(Q)$(HOST_CC) -static -O2 $(WARN_FLAGS) -Wconversion -o $@ $<

$(BENCH_BLK_LINUX_INITRD): $(BENCH_LINUX_DIR)/kernel-version $(BENCH_BLK_LINUX_IO) \
    bench/linux/init-blk.sh bench/linux/mkinitramfs.sh
	$(Q)bench/linux/mkinitramfs.sh $(BENCH_LINUX_DIR) $(BENCH_BLK_LINUX_IO) $@ \
	    bench/linux/init-blk.sh virtio_pci virtio_blk

$(BENCH_BLK_PLUGIN): bench/blk/insn_marks.c
	$(Q)mkdir -p $(@D)
	$(Q)$(HOST_CC) -shared -fPIC -O2 $(WARN_FLAGS) -Wconversion -o $@ $<

# The Bastion system: the driver and blk_virt (drivers/blk) with the benchmark's client.
# Until both components exist (their makefiles and every source they name) the runner
# reports Bastion as "not built".
$(LIB_BUILD)/bench/blk/%.c.o: USER_INC += $(DRIVER_INC) $(BLK_INC)
BENCH_BLK_DRIVER_SRCS := $(VIRTIO_BLK_SRCS) $(BLK_VIRT_SRCS)
ifneq ($(and $(VIRTIO_BLK_SRCS),$(BLK_VIRT_SRCS)),)
ifeq ($(filter-out $(wildcard $(BENCH_BLK_DRIVER_SRCS)),$(BENCH_BLK_DRIVER_SRCS)),)
$(eval $(call pd_program,virtio_blk,$(VIRTIO_BLK_SRCS),$(BENCH_BLK_BUILD)))
$(eval $(call pd_program,blk_virt,$(BLK_VIRT_SRCS),$(BENCH_BLK_BUILD)))
$(eval $(call pd_program,blk_bench,bench/blk/blk_bench.c $(BLK_CLIENT_SRCS),$(BENCH_BLK_BUILD)))
$(BENCH_BLK_BASTION_ARGS): bench/blk/system.xml $(TOOL) $(INIT_ELF) scripts/build-example.sh \
    $(addprefix $(BENCH_BLK_BUILD)/,virtio_blk.elf blk_virt.elf blk_bench.elf)
	$(Q)scripts/build-example.sh $(TOOL) $(INIT_ELF) $< $(BENCH_BLK_BUILD) > $@.tmp && mv $@.tmp $@
BENCH_BLK_BASTION_DEPS := $(KERNEL_BIN) $(BENCH_BLK_BASTION_ARGS)
endif
endif

.PHONY: bench-blk bench-blk-linux
bench-blk-linux: $(BENCH_LINUX_KERNEL) $(BENCH_BLK_LINUX_INITRD) $(BENCH_BLK_PLUGIN)

BENCH_TARGETS += bench-blk
bench-blk: bench-blk-linux $(BENCH_BLK_BASTION_DEPS)
	$(Q)bench/blk/run-blk-bench.sh --results bench/results --work $(BUILD)/bench/blk-run \
	    --plugin $(BENCH_BLK_PLUGIN) \
	    --linux-kernel $(BENCH_LINUX_KERNEL) --linux-initrd $(BENCH_BLK_LINUX_INITRD) \
	    --bastion-kernel $(KERNEL_BIN) --bastion-modules $(BENCH_BLK_BASTION_ARGS) \
	    $(BENCH_BLK_ARGS)

# Under `make -j bench`, after the network benchmarks: a QEMU beside theirs would take the
# host time that their offered load's timing needs.
ifneq ($(filter bench,$(MAKECMDGOALS)),)
bench-blk: | bench-net bench-net-hostile
endif
