# Static checks, run by `make test` as the suite "static".
#
#   format          every tracked C file is clang-format clean (.clang-format)
#   kernel-no-heap  the kernel links no allocator: no malloc/free/heap symbols
#   multiboot       grub-file recognises both boot headers

TEST_SUITES += static

.PHONY: suite-static
suite-static: $(KERNEL_ELF) $(KERNEL_BIN)
	$(Q)scripts/run-suite.sh static $(BUILD)/test-results -- scripts/static-checks.sh \
	    $(KERNEL_ELF) $(KERNEL_BIN)
