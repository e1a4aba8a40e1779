# The loader (services/loader/loader.c, docs/late-loading.md) and its system test (suite
# system-late): the images it loads are built here, their digests written into the test's
# description, a tampered copy made, and the disk prepared by the expect file.
LATE_BUILD := $(BUILD)/late
LOADER_SRCS := services/loader/loader.c $(BLK_CLIENT_SRCS)
$(LIB_BUILD)/services/loader/%.c.o: USER_INC += $(DRIVER_INC) $(BLK_INC)

ifneq ($(and $(VIRTIO_BLK_SRCS),$(BLK_VIRT_SRCS)),)
$(eval $(call pd_program,virtio_blk,$(VIRTIO_BLK_SRCS),$(LATE_BUILD)))
$(eval $(call pd_program,blk_virt,$(BLK_VIRT_SRCS),$(LATE_BUILD)))
$(eval $(call pd_program,loader,$(LOADER_SRCS),$(LATE_BUILD)))
$(eval $(call pd_program,late_app,services/loader/tests/late_app.c,$(LATE_BUILD)))
$(eval $(call pd_program,late_big,services/loader/tests/late_big.c,$(LATE_BUILD)))

$(LATE_BUILD)/late_app.tampered: $(LATE_BUILD)/late_app.elf services/loader/tests/put_images.py
	$(Q)python3 services/loader/tests/put_images.py --tamper $< $@

$(LATE_BUILD)/system.xml: services/loader/tests/system.xml.in $(LATE_BUILD)/late_app.elf \
    $(LATE_BUILD)/late_big.elf
	$(Q)sed -e "s/@APP_SHA256@/$$(sha256sum $(LATE_BUILD)/late_app.elf | cut -d' ' -f1)/" \
	    -e "s/@BIG_SHA256@/$$(sha256sum $(LATE_BUILD)/late_big.elf | cut -d' ' -f1)/" $< > $@

$(LATE_BUILD)/expect: services/loader/tests/expect.in
	@mkdir -p $(@D)
	$(Q)sed -e "s|@OUT@|$(LATE_BUILD)|g" $< > $@

$(LATE_BUILD)/modules.args: $(LATE_BUILD)/system.xml $(TOOL) $(INIT_ELF) scripts/build-example.sh \
    $(addprefix $(LATE_BUILD)/,virtio_blk.elf blk_virt.elf loader.elf late_app.tampered expect)
	$(Q)scripts/build-example.sh $(TOOL) $(INIT_ELF) $< $(LATE_BUILD) > $@.tmp && mv $@.tmp $@

ALL_TARGETS += $(LATE_BUILD)/modules.args
TEST_SUITES += system-late

.PHONY: suite-system-late
suite-system-late: $(KERNEL_BIN) $(LATE_BUILD)/modules.args
	$(Q)scripts/run-suite.sh system-late $(BUILD)/test-results -- \
	    scripts/test-system.sh $(KERNEL_BIN) $(BUILD)/test-logs/late late:$(LATE_BUILD):$(LATE_BUILD)
endif
