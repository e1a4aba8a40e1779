# The storage example (examples/storage; make run EXAMPLE=storage): the block class, the
# key-value store and its two clients, and the network class for kv_http. Its programs
# live in examples/storage/src/, out of reach of examples.mk's one-file-per-program rule,
# because they link the store's, the block and the network client libraries.
#
# `make run EXAMPLE=storage` keeps its disk in $(BUILD)/examples/storage/disk.img (made
# once by drivers/blk/tests/disk.py with sfdisk; delete it for a fresh disk), so the
# counter goes on across runs, and forwards 127.0.0.1:$(STORAGE_HTTP_PORT) to kv_http.

STORAGE_BUILD := $(EXAMPLE_BUILD)/storage
STORAGE_DISK := $(STORAGE_BUILD)/disk.img
STORAGE_HTTP_PORT ?= 8081
$(LIB_BUILD)/examples/storage/%.c.o: USER_INC += $(DRIVER_INC) $(BLK_INC) -Iservices/kvstore/include

ifneq ($(and $(VIRTIO_BLK_SRCS),$(BLK_VIRT_SRCS),$(KVSTORE_SRCS)),)
$(call net_components,$(STORAGE_BUILD))
$(eval $(call pd_program,timer,$(TIMER_DRIVER_SRCS),$(STORAGE_BUILD)))
$(eval $(call pd_program,virtio_net,$(VIRTIO_NET_SRCS),$(STORAGE_BUILD)))
$(eval $(call pd_program,virtio_blk,$(VIRTIO_BLK_SRCS),$(STORAGE_BUILD)))
$(eval $(call pd_program,blk_virt,$(BLK_VIRT_SRCS),$(STORAGE_BUILD)))
$(eval $(call pd_program,kvstore,$(KVSTORE_SRCS),$(STORAGE_BUILD)))
$(eval $(call pd_program,counter,examples/storage/src/counter.c,$(STORAGE_BUILD)))
$(eval $(call net_client_program,kv_http,examples/storage/src/kv_http.c $(NET_HTTP_SERVER_SRCS),$(STORAGE_BUILD)))
$(STORAGE_BUILD)/modules.args: $(call NET_COMPONENT_ELFS,$(STORAGE_BUILD)) \
    $(addprefix $(STORAGE_BUILD)/,timer.elf virtio_net.elf virtio_blk.elf blk_virt.elf \
        kvstore.elf counter.elf kv_http.elf)
endif

$(STORAGE_DISK): drivers/blk/tests/disk.py
	@mkdir -p $(@D)
	$(Q)python3 drivers/blk/tests/disk.py good $@

ifneq ($(filter run,$(MAKECMDGOALS)),)
ifeq ($(EXAMPLE),storage)
run: $(STORAGE_DISK) storage-run-banner
RUN_ARGS += --qemu-arg -drive --qemu-arg file=$(STORAGE_DISK),if=none,format=raw,id=d0 \
    --qemu-arg -device --qemu-arg virtio-blk-pci,drive=d0,addr=11.0,serial=bastion-example \
    --qemu-arg -netdev --qemu-arg user,id=n0,hostfwd=tcp:127.0.0.1:$(STORAGE_HTTP_PORT)-10.0.2.20:80 \
    --qemu-arg -device --qemu-arg virtio-net-pci,netdev=n0,addr=10.0
.PHONY: storage-run-banner
storage-run-banner:
	@echo "The storage example: its disk is $(STORAGE_DISK) (delete it for a fresh one)."
	@echo "Once kv_http is up, from another terminal:"
	@echo "    curl -X PUT --data 'hello' http://127.0.0.1:$(STORAGE_HTTP_PORT)/kv/greeting"
	@echo "    curl http://127.0.0.1:$(STORAGE_HTTP_PORT)/kv/greeting"
	@echo "    curl http://127.0.0.1:$(STORAGE_HTTP_PORT)/       the store's figures"
endif
endif

# The example driven from the host over HTTP, killed and booted again (suite system-storage).
ifneq ($(and $(VIRTIO_BLK_SRCS),$(BLK_VIRT_SRCS),$(KVSTORE_SRCS)),)
TEST_SUITES += system-storage
.PHONY: suite-system-storage
suite-system-storage: $(KERNEL_BIN) $(STORAGE_BUILD)/modules.args
	$(Q)scripts/run-suite.sh system-storage $(BUILD)/test-results -- \
	    examples/storage/tests/run.sh $(KERNEL_BIN) $(STORAGE_BUILD) $(BUILD)/test-logs/storage
endif
