/*
 * Reads a packed spec the way init will (include/bastion/spec.h): checks magic, version,
 * size, checksum and every table's bounds, then prints a summary and, with
 * `--peek PD VADDR`, the 8 bytes a PD's image holds at VADDR after patching, as a
 * little-endian number; `--bytes PD VADDR` prints the same 8 bytes one by one, in memory
 * order ("56 34 12 00 54 52 00 00"). The summary ends with one line per guest and per
 * guest map ("vm NAME pd P vcpus N maps FIRST+COUNT", "vm_map V region R gpa 0x... perms P").
 */
#include <bastion/spec.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const size_t entry_size[BASTION_TABLE_COUNT] = {1,
                                                       1,
                                                       sizeof(struct bastion_spec_pd),
                                                       sizeof(struct bastion_spec_region),
                                                       sizeof(struct bastion_spec_map),
                                                       sizeof(struct bastion_spec_channel),
                                                       sizeof(struct bastion_spec_irq),
                                                       sizeof(struct bastion_spec_ioport),
                                                       sizeof(struct bastion_spec_pci_device),
                                                       sizeof(struct bastion_spec_bar),
                                                       sizeof(struct bastion_spec_domain),
                                                       sizeof(struct bastion_spec_segment),
                                                       sizeof(struct bastion_spec_patch),
                                                       sizeof(struct bastion_spec_object),
                                                       sizeof(struct bastion_spec_cap),
                                                       sizeof(struct bastion_spec_flow),
                                                       sizeof(struct bastion_spec_colour),
                                                       sizeof(struct bastion_spec_vm),
                                                       sizeof(struct bastion_spec_vm_map)};

static const char *validate(const uint8_t *blob, size_t size)
{
    const struct bastion_spec_header *h = (const void *)blob;
    if (size < sizeof(*h) || h->magic != BASTION_SPEC_MAGIC)
        return "bad magic";
    if (h->version != BASTION_SPEC_VERSION || h->header_size != sizeof(*h))
        return "bad version or header size";
    if (h->total_size != size)
        return "total_size differs from the file size";
    if (h->checksum != bastion_spec_checksum(blob, size))
        return "bad checksum";
    for (int t = 0; t < BASTION_TABLE_COUNT; t++) {
        uint64_t end = (uint64_t)h->tables[t].offset + (uint64_t)h->tables[t].count * entry_size[t];
        if (h->tables[t].offset % BASTION_SPEC_ALIGN || end > size)
            return "table out of bounds";
    }
    return NULL;
}

static const void *table(const uint8_t *blob, int t, uint32_t *count)
{
    const struct bastion_spec_header *h = (const void *)blob;
    *count = h->tables[t].count;
    return blob + h->tables[t].offset;
}

enum peek_format {
    PEEK_NUMBER,
    PEEK_BYTES,
};

static int peek(const uint8_t *blob, const char *pd_name, uint64_t vaddr, enum peek_format format)
{
    uint32_t npd, nseg;
    const struct bastion_spec_pd *pds = table(blob, BASTION_TABLE_PDS, &npd);
    const struct bastion_spec_segment *segs = table(blob, BASTION_TABLE_SEGMENTS, &nseg);
    uint32_t nstr, ndata;
    const char *strings = table(blob, BASTION_TABLE_STRINGS, &nstr);
    const uint8_t *data = table(blob, BASTION_TABLE_DATA, &ndata);
    for (uint32_t p = 0; p < npd; p++) {
        if (strcmp(strings + pds[p].name, pd_name) != 0)
            continue;
        for (uint32_t s = pds[p].first_segment; s < pds[p].first_segment + pds[p].segment_count;
             s++) {
            if (vaddr < segs[s].vaddr || vaddr + 8 > segs[s].vaddr + segs[s].filesz)
                continue;
            const uint8_t *at = data + segs[s].data_offset + (vaddr - segs[s].vaddr);
            uint64_t v = 0;
            for (int i = 7; i >= 0; i--)
                v = v << 8 | at[i];
            if (format == PEEK_NUMBER)
                printf("0x%" PRIx64 "\n", v);
            else
                printf("%02x %02x %02x %02x %02x %02x %02x %02x\n", at[0], at[1], at[2], at[3],
                       at[4], at[5], at[6], at[7]);
            return 0;
        }
    }
    fprintf(stderr, "spec_dump: %s has no data at 0x%" PRIx64 "\n", pd_name, vaddr);
    return 1;
}

int main(int argc, char **argv)
{
    FILE *f = argc > 1 ? fopen(argv[1], "rb") : NULL;
    if (!f)
        return 2;
    static uint8_t blob[1 << 24];
    size_t size = fread(blob, 1, sizeof(blob), f);
    fclose(f);
    const char *why = validate(blob, size);
    if (why) {
        printf("invalid spec: %s\n", why);
        return 1;
    }
    if (argc == 5 && strcmp(argv[2], "--peek") == 0)
        return peek(blob, argv[3], strtoull(argv[4], NULL, 0), PEEK_NUMBER);
    if (argc == 5 && strcmp(argv[2], "--bytes") == 0)
        return peek(blob, argv[3], strtoull(argv[4], NULL, 0), PEEK_BYTES);
    uint32_t n;
    printf("spec v%u, %zu bytes\n", BASTION_SPEC_VERSION, size);
    static const char *const names[] = {"strings",  "data",     "pds",     "regions",     "maps",
                                        "channels", "irqs",     "ioports", "pci_devices", "bars",
                                        "domains",  "segments", "patches", "objects",     "caps",
                                        "flow",     "colours",  "vms",     "vm_maps"};
    for (int t = 2; t < BASTION_TABLE_COUNT; t++) {
        table(blob, t, &n);
        printf("%s %u\n", names[t], n);
    }
    uint32_t nstr, nvm, nmap;
    const char *strings = table(blob, BASTION_TABLE_STRINGS, &nstr);
    const struct bastion_spec_vm *vms = table(blob, BASTION_TABLE_VMS, &nvm);
    const struct bastion_spec_vm_map *maps = table(blob, BASTION_TABLE_VM_MAPS, &nmap);
    for (uint32_t i = 0; i < nvm; i++)
        printf("vm %s pd %u vcpus %u maps %u+%u\n",
               vms[i].name < nstr && memchr(strings + vms[i].name, 0, nstr - vms[i].name)
                   ? strings + vms[i].name
                   : "(bad name)",
               vms[i].pd, vms[i].vcpus, vms[i].first_map, vms[i].map_count);
    for (uint32_t i = 0; i < nmap; i++)
        printf("vm_map %u region %u gpa 0x%" PRIx64 " perms %u\n", maps[i].vm, maps[i].region,
               maps[i].gpa, maps[i].perms);
    return 0;
}
