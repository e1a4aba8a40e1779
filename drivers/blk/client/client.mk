# drivers/blk/client: the block client library (bastion/blk/client.h). A client PD links
# $(BLK_CLIENT_SRCS) with its own sources:
#   $(eval $(call pd_program,my_client,my_client.c $(BLK_CLIENT_SRCS),OUT_DIR))
# and its sources need $(BLK_INC) (the rule below gives it to everything under drivers/blk;
# a client elsewhere adds `$(LIB_BUILD)/its/dir/%.c.o: USER_INC += $(DRIVER_INC) $(BLK_INC)`).

BLK_CLIENT_SRCS := drivers/blk/client/blk_client.c $(DRIVER_COMMON_SRCS)
