/*
 * CRC32C (Castagnoli, reflected polynomial 0x82f63b78), the checksum of every record and
 * superblock of the store. Pure: no system calls, no global state that needs setting up.
 */
#ifndef KVSTORE_CRC32C_H
#define KVSTORE_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* Continue a CRC32C: start with crc = 0; crc32c(crc32c(0, a), b) is the CRC of a then b. */
uint32_t crc32c(uint32_t crc, const void *data, size_t length);

#endif /* KVSTORE_CRC32C_H */
