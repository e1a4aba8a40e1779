/* What the victim and the driver of the IOMMU test agree on. */
#ifndef IOMMU_TEST_H
#define IOMMU_TEST_H

#define SECRET_BYTE          0x5a
#define SECRET_PATTERN_BYTES 0xff8u /* then the region's physical address */
#define SECRET_PADDR_OFFSET  0xff8u

#endif
