/*
 * Host helper for the system-pd suite: write a damaged copy of a system.spec, to show
 * that init refuses it with a clear message.
 *
 *   spec-corrupt MODE IN OUT
 *
 * MODE: magic, version, checksum (a flipped data byte, checksum left stale), truncated
 * (total_size larger than the file), table (a table count past the end; checksum fixed),
 * reference (a cap naming an object that does not exist; checksum fixed), flow (every
 * rule of the flow policy removed: the caps init hands out then allow flows the policy
 * forbids, which the tool would never write; checksum fixed).
 */
#include <bastion/spec.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void fix_checksum(uint8_t *blob, size_t size)
{
    struct bastion_spec_header *h = (struct bastion_spec_header *)blob;
    h->checksum = bastion_spec_checksum(blob, size);
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: spec-corrupt MODE IN OUT\n");
        return 2;
    }
    FILE *f = fopen(argv[2], "rb");
    static uint8_t blob[1 << 24];
    size_t size = f ? fread(blob, 1, sizeof(blob), f) : 0;
    if (f)
        fclose(f);
    if (size < sizeof(struct bastion_spec_header)) {
        fprintf(stderr, "spec-corrupt: cannot read %s\n", argv[2]);
        return 1;
    }
    struct bastion_spec_header *h = (struct bastion_spec_header *)blob;
    const char *mode = argv[1];
    if (strcmp(mode, "magic") == 0) {
        h->magic ^= 1;
    } else if (strcmp(mode, "version") == 0) {
        h->version = 99;
        fix_checksum(blob, size);
    } else if (strcmp(mode, "checksum") == 0) {
        blob[size - 1] ^= 0x5a;
    } else if (strcmp(mode, "truncated") == 0) {
        size -= 8;
    } else if (strcmp(mode, "table") == 0) {
        h->tables[BASTION_TABLE_CAPS].count += 1000;
        fix_checksum(blob, size);
    } else if (strcmp(mode, "reference") == 0) {
        struct bastion_spec_cap *caps =
            (struct bastion_spec_cap *)(blob + h->tables[BASTION_TABLE_CAPS].offset);
        caps[0].index = h->tables[BASTION_TABLE_OBJECTS].count + 7;
        fix_checksum(blob, size);
    } else if (strcmp(mode, "flow") == 0) {
        struct bastion_spec_flow *flow =
            (struct bastion_spec_flow *)(blob + h->tables[BASTION_TABLE_FLOW].offset);
        uint32_t removed = 0;
        for (uint32_t i = 0; i < h->tables[BASTION_TABLE_FLOW].count; i++) {
            if (flow[i].what == BASTION_FLOW_ENTRY_ALLOW) {
                flow[i].value = 0;
                removed++;
            }
        }
        if (removed == 0) {
            fprintf(stderr, "spec-corrupt: %s has no flow rule to remove\n", argv[2]);
            return 1;
        }
        fix_checksum(blob, size);
    } else {
        fprintf(stderr, "spec-corrupt: unknown mode %s\n", mode);
        return 2;
    }
    f = fopen(argv[3], "wb");
    if (!f || fwrite(blob, 1, size, f) != size) {
        fprintf(stderr, "spec-corrupt: cannot write %s\n", argv[3]);
        return 1;
    }
    fclose(f);
    return 0;
}
