# services/: system services built on the driver classes (docs/kvstore.md).
include services/kvstore/kvstore.mk
include services/loader/loader.mk
