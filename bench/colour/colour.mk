# What cache colouring costs at boot (bench/colour/run-colour.sh; docs/performance.md,
# "Cache colouring"): `make bench-colour`, part of `make bench`.

BENCH_TARGETS += bench-colour

.PHONY: bench-colour
bench-colour: $(KERNEL_BIN) $(TOOL) $(INIT_ELF) $(PD_TEST_BUILD)/colour/modules.args
	$(Q)bench/colour/run-colour.sh $(KERNEL_BIN) $(TOOL) $(INIT_ELF) $(PD_TEST_BUILD)/colour \
	    $(BUILD)/bench-colour
