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
 * forbids, which the tool would never write; checksum fixed), flow-nodma (the dma kind
 * removed from every rule; checksum fixed), flow-order (the flow policy's labels moved
 * after its other entries, in their order: the same policy, which init must read as
 * before; checksum fixed), colours-shared (the second domain colour run made a copy of
 * the first's colours, so two domains share colours; checksum fixed).
 */
#include <bastion/flow.h>
#include <bastion/spec.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void fix_checksum(uint8_t *blob, size_t size)
{
    struct bastion_spec_header *h = (struct bastion_spec_header *)blob;
    h->checksum = bastion_spec_checksum(blob, size);
}

/* The FLOW table's entries with the labels moved last, each part in its order. */
static void move_labels_last(struct bastion_spec_flow *flow, uint32_t count)
{
    static struct bastion_spec_flow copy[1 << 16];
    uint32_t n = 0;
    for (int labels = 0; labels < 2; labels++)
        for (uint32_t i = 0; i < count && n < (1u << 16); i++)
            if ((flow[i].what == BASTION_FLOW_ENTRY_LABEL) == labels)
                copy[n++] = flow[i];
    memcpy(flow, copy, n * sizeof(*flow));
}

/* Clears `kinds` from every rule of the FLOW table; returns how many rules had one. */
static uint32_t clear_kinds(struct bastion_spec_flow *flow, uint32_t count, uint32_t kinds)
{
    uint32_t changed = 0;
    for (uint32_t i = 0; i < count; i++) {
        if (flow[i].what == BASTION_FLOW_ENTRY_ALLOW && (flow[i].value & kinds)) {
            flow[i].value &= ~kinds;
            changed++;
        }
    }
    return changed;
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
    } else if (strcmp(mode, "colours-shared") == 0) {
        struct bastion_spec_colour *runs =
            (struct bastion_spec_colour *)(blob + h->tables[BASTION_TABLE_COLOURS].offset);
        if (h->tables[BASTION_TABLE_COLOURS].count < 3) {
            fprintf(stderr, "spec-corrupt: %s: fewer than two colour runs\n", argv[2]);
            return 1;
        }
        runs[2].first = runs[1].first;
        runs[2].last = runs[1].last;
        fix_checksum(blob, size);
    } else if (strncmp(mode, "flow", 4) == 0) {
        struct bastion_spec_flow *flow =
            (struct bastion_spec_flow *)(blob + h->tables[BASTION_TABLE_FLOW].offset);
        uint32_t count = h->tables[BASTION_TABLE_FLOW].count, changed = 0;
        if (strcmp(mode, "flow") == 0) {
            changed = clear_kinds(flow, count, 0xffffffffu);
        } else if (strcmp(mode, "flow-nodma") == 0) {
            changed = clear_kinds(flow, count, 1u << BASTION_FLOW_DMA);
        } else if (strcmp(mode, "flow-order") == 0) {
            changed = count > 1 && count < (1u << 16) && flow[0].what == BASTION_FLOW_ENTRY_LABEL;
            move_labels_last(flow, count);
        } else {
            fprintf(stderr, "spec-corrupt: unknown mode %s\n", mode);
            return 2;
        }
        if (changed == 0) {
            fprintf(stderr, "spec-corrupt: %s: nothing to change for %s\n", argv[2], mode);
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
