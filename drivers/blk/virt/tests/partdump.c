/*
 * partdump IMAGE: the partition table of a disk image as blk_virt's parser reads it, as
 * JSON on stdout: {"label": "gpt"|"dos", "partitions": [{"number", "start", "size",
 * "blocks", "type", "name"}]} or {"error": "..."}. The disk is the image's whole 4 KiB
 * blocks, as the driver reports it. sfdisk_check.sh compares this with `sfdisk --json`.
 */
#include <stdio.h>
#include <stdlib.h>

#include "parse_image.h"

#define READ_AT_MOST (4u << 20) /* the parser never looks further than the first 4 MiB here */

static void print_guid(const uint8_t *g)
{
    printf("%02X%02X%02X%02X-%02X%02X-%02X%02X-%02X%02X-", g[3], g[2], g[1], g[0], g[5], g[4], g[7],
           g[6], g[8], g[9]);
    for (unsigned i = 10; i < 16; i++)
        printf("%02X", g[i]);
}

static void print_json_string(const char *s)
{
    putchar('"');
    for (; *s != '\0'; s++) {
        if (*s == '"' || *s == '\\')
            putchar('\\');
        putchar(*s);
    }
    putchar('"');
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: partdump IMAGE\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    if (f == NULL || fseek(f, 0, SEEK_END) != 0) {
        perror(argv[1]);
        return 2;
    }
    long size = ftell(f);
    rewind(f);
    size_t want = size < (long)READ_AT_MOST ? (size_t)size : READ_AT_MOST;
    uint8_t *disk = calloc(1, READ_AT_MOST);
    if (disk == NULL || fread(disk, 1, want, f) != want) {
        perror(argv[1]);
        return 2;
    }
    fclose(f);
    static struct partition_table t;
    uint64_t sectors = (uint64_t)size / 4096u * 8u;
    struct partition_result r = parse_image(disk, want, sectors, &t);
    if (r.step != PARTITION_DONE) {
        char msg[256];
        printf("{\"error\": ");
        print_json_string(partition_describe(&r.error, msg, sizeof msg));
        printf("}\n");
        free(disk);
        return 0;
    }
    printf("{\"label\": \"%s\", \"partitions\": [",
           t.scheme == PARTITION_SCHEME_GPT ? "gpt" : "dos");
    for (uint32_t i = 0; i < t.count; i++) {
        const struct partition *p = &t.parts[i];
        printf("%s{\"number\": %u, \"start\": %llu, \"size\": %llu, \"blocks\": %llu, \"type\": \"",
               i ? ", " : "", p->number, (unsigned long long)p->first_lba,
               (unsigned long long)p->sectors, (unsigned long long)p->blocks);
        if (t.scheme == PARTITION_SCHEME_GPT)
            print_guid(p->type_guid);
        else
            printf("%x", p->mbr_type);
        printf("\", \"name\": ");
        print_json_string(p->name);
        printf("}");
    }
    printf("]}\n");
    free(disk);
    return 0;
}
