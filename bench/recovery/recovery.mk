# `make bench`, recovery part (bench/recovery/run-recovery-bench.sh; docs/performance.md,
# "Recovery time"): fault to the first completed client request after a driver restart,
# in icount cycles, per driver class. It boots the restart tests' bench variants
# (drivers/blk/tests/restart/restart.mk: 100 crashes; drivers/net/tests/restart/restart.mk:
# 60; drivers/serial/serial.mk: the UART and timer restart test, about 2,000 crashes;
# drivers/blk/tests/virt_restart/virt_restart.mk: blk_virt crashed instead, 100 crashes;
# drivers/net/tests/virt_restart/virt_restart.mk: the network virtualisers faulting, 200
# restarts of each)
# under -icount and reads `crasher: recovery N cycles` (`supervisor: child C ...`) lines.
#
#   bench/results/recovery.json   median, p90 and max per class

BENCH_RECOVERY_DEPS := $(KERNEL_BIN) $(if $(BLK_RESTART_BUILD),$(BLK_RESTART_BUILD)/bench/modules.args) \
    $(if $(NET_RESTART_BUILD),$(NET_RESTART_BUILD)/bench/modules.args) \
    $(if $(SERIAL_RESTART_BUILD),$(SERIAL_RESTART_BUILD)/bench/modules.args) \
    $(if $(BLK_VRESTART_BUILD),$(BLK_VRESTART_BUILD)/bench/modules.args) \
    $(if $(NET_VRESTART_BUILD),$(NET_VRESTART_BUILD)/bench/modules.args)

.PHONY: bench-recovery
BENCH_TARGETS += bench-recovery
bench-recovery: $(BENCH_RECOVERY_DEPS)
	$(Q)bench/recovery/run-recovery-bench.sh --kernel $(KERNEL_BIN) --results bench/results \
	    --work $(BUILD)/bench/recovery \
	    $(if $(BLK_RESTART_BUILD),--block $(BLK_RESTART_BUILD)/bench) \
	    $(if $(NET_RESTART_BUILD),--network $(NET_RESTART_BUILD)/bench) \
	    $(if $(SERIAL_RESTART_BUILD),--serial $(SERIAL_RESTART_BUILD)/bench) \
	    $(if $(BLK_VRESTART_BUILD),--block-virt $(BLK_VRESTART_BUILD)/bench) \
	    $(if $(NET_VRESTART_BUILD),--net-virt $(NET_VRESTART_BUILD)/bench)

# Under `make -j bench`, after the other QEMU benchmarks (as bench-net-hostile is).
ifneq ($(filter bench,$(MAKECMDGOALS)),)
bench-recovery: | bench-blk
endif
