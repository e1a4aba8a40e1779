/*
 * init's main: find the spec among the boot modules, check it, build the system, check
 * the capabilities against the spec, start the PDs, then serve faults and requests.
 * Any failure before the start stops everything with one message (init_fatal()).
 */
#include "colour.h"
#include "device.h"
#include "init.h"

#include <stdarg.h>

#include <libbastion/start.h>
#include <libbastion/string.h>
#include <libbastion/tcb.h>

#define SPEC_MODULE "system.spec"

_Noreturn void init_fatal(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    bst_printf("init: error: ");
    bst_vprintf(fmt, ap);
    bst_printf("\ninit: the system was not started\n");
    va_end(ap);
    bst_debug_exit(1);
}

/* True when the module's name (a path, maybe with arguments) names `file`. */
static bool module_is(const struct bst_module_desc *m, const char *file)
{
    size_t len = bst_strnlen(m->name, sizeof(m->name)), start = 0, end = 0;
    while (end < len && m->name[end] != ' ')
        end++;
    for (size_t i = 0; i < end; i++)
        if (m->name[i] == '/')
            start = i + 1;
    size_t flen = bst_strlen(file);
    return end - start == flen && bst_strncmp(m->name + start, file, flen) == 0;
}

static const struct bst_module_desc *find_spec(const struct bst_bootinfo *bi)
{
    for (uint32_t m = 0; m < bi->n_modules && m < BST_BOOTINFO_MAX_MODULES; m++)
        if (module_is(&bi->modules[m], SPEC_MODULE))
            return &bi->modules[m];
    bst_printf("init: boot modules after init:%s\n", bi->n_modules ? "" : " none");
    for (uint32_t m = 0; m < bi->n_modules && m < BST_BOOTINFO_MAX_MODULES; m++)
        bst_printf("init:   %.48s (%lu bytes)\n", bi->modules[m].name,
                   (unsigned long)bi->modules[m].size);
    init_fatal("no boot module named %s: boot init with the system's spec as a module",
               SPEC_MODULE);
}

int main(const struct bst_bootinfo *bi)
{
    if (bi->magic != BST_BOOTINFO_MAGIC || bi->version != BST_BOOTINFO_VERSION)
        init_fatal("boot info version %u, this init needs %u", bi->version, BST_BOOTINFO_VERSION);
    bst_printf("init: Bastion init\n");
    /* Run above every PD: nothing starts until the whole system is built. */
    bst_error_t e = bst_tcb_set_sched_params(ROOT_TCB, ROOT_TCB, INIT_PRIORITY, INIT_PRIORITY);
    if (e != BST_OK)
        init_fatal("cannot take priority %u: %s", INIT_PRIORITY, bst_error_name(e));
    alloc_init(bi);
    acpi_init(bi);
    e = modules_map(bi);
    if (e != BST_OK)
        init_fatal("cannot map the boot modules: %s", bst_error_name(e));
    const struct bst_module_desc *m = find_spec(bi);
    char why[160];
    if (spec_open(&the_spec, module_bytes(m), m->size, why, sizeof(why)) != NULL)
        init_fatal("%s is malformed: %s", SPEC_MODULE, why);
    bst_printf("init: %s: %u PDs, %u object entries, %u caps\n", SPEC_MODULE,
               the_spec.n[BASTION_TABLE_PDS], the_spec.n[BASTION_TABLE_OBJECTS],
               the_spec.n[BASTION_TABLE_CAPS]);
    elf_find_images(bi);
    build_system(bi);
    check_tamper();
    if (!check_cspaces())
        init_fatal("the capabilities differ from the spec");
    if (!check_flow_policy())
        init_fatal("the capabilities allow flows the policy forbids");
    if (!colour_check())
        init_fatal("colours: frames lie outside their domain's colours");
    start_system();
    serve();
}
