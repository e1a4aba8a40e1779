# Host tests of libbastion's SHA-256 against NIST's vectors (lib/tests/host_sha256.c),
# with ASan and UBSan: suite host-sha256.
SHA256_TEST := $(BUILD)/host/sha256-tests
$(SHA256_TEST): lib/tests/host_sha256.c lib/src/sha256.c lib/include/libbastion/sha256.h
	@mkdir -p $(dir $@)
	$(Q)$(HOST_CC) $(filter-out -MMD -MP,$(HOST_CFLAGS)) -fsanitize=address,undefined \
	    -fno-sanitize-recover=all -Ilib/include -o $@ lib/tests/host_sha256.c lib/src/sha256.c
ALL_TARGETS += $(SHA256_TEST)

TEST_SUITES += host-sha256
.PHONY: suite-host-sha256
suite-host-sha256: $(SHA256_TEST)
	$(Q)scripts/run-suite.sh host-sha256 $(BUILD)/test-results -- $<
