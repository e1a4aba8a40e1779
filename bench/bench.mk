# `make bench`: the benchmark suite (bench/run-bench.sh). Results go to bench/results/.
BENCH_TARGETS += bench-icount

.PHONY: bench-icount
bench-icount: $(KERNEL_BIN)
	$(Q)bench/run-bench.sh $(KERNEL_BIN) bench/results
