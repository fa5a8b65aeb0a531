// Internals shared by child.c (the forked child) and parent.c (spawn, submit, wait): the
// shared block's layout, and the layout checks of every struct mirrored in Swift.
#ifndef CNATIVESANDBOX_INTERNAL_H
#define CNATIVESANDBOX_INTERNAL_H

#include "CNativeSandbox.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/futex.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

// Layouts mirrored in Swift (imported through the module map) and used by the assembly below.
_Static_assert(sizeof(cnativesandbox_regs) == 176, "cnativesandbox_regs layout");
_Static_assert(offsetof(cnativesandbox_regs, rip) == 128, "rip offset used by the assembly");
_Static_assert(offsetof(cnativesandbox_regs, rflags) == 136, "rflags offset used by the assembly");
_Static_assert(offsetof(cnativesandbox_regs, fs_base) == 144, "fs_base offset used by the assembly");
_Static_assert(offsetof(cnativesandbox_regs, gs_base) == 152, "gs_base offset used by the assembly");
_Static_assert(offsetof(cnativesandbox_regs, selectors) == 160, "selectors offset used by the assembly");
_Static_assert(sizeof(cnativesandbox_page) == 16, "cnativesandbox_page layout");
_Static_assert(sizeof(cnativesandbox_case) == 32 + sizeof(cnativesandbox_regs), "cnativesandbox_case layout");
_Static_assert(offsetof(cnativesandbox_case, regs) == 32, "cnativesandbox_case.regs offset");
_Static_assert(offsetof(cnativesandbox_result, regs) == 56, "cnativesandbox_result.regs offset");
_Static_assert(sizeof(cnativesandbox_result) == 56 + 176 + 8 * CNATIVESANDBOX_MAX_WRITES + CNATIVESANDBOX_MAX_WRITES,
               "cnativesandbox_result layout");
_Static_assert(sizeof(cnativesandbox_control) == 40 + 16 * CNATIVESANDBOX_MAX_PAGES, "cnativesandbox_control layout");
_Static_assert(sizeof(cnativesandbox_control) <= CNATIVESANDBOX_PAGE_SIZE, "control fits its page");
_Static_assert(sizeof(cnativesandbox_handle) == 64, "cnativesandbox_handle layout");

#define PAGE CNATIVESANDBOX_PAGE_SIZE
#define ROUND_PAGE(n) (((n) + PAGE - 1) & ~(uint64_t)(PAGE - 1))
#define NO_SP __attribute__((no_stack_protector, noinline))
#define TF 0x100ULL
#define SA_RESTORER_FLAG 0x04000000UL

// Section offsets in the shared block.
#define OFF_CASES ((uint64_t)PAGE)
#define OFF_RESULTS ROUND_PAGE(OFF_CASES + sizeof(cnativesandbox_case) * CNATIVESANDBOX_BATCH)
#define OFF_IMAGES ROUND_PAGE(OFF_RESULTS + sizeof(cnativesandbox_result) * CNATIVESANDBOX_BATCH)
#define OFF_SLOTS (OFF_IMAGES + (uint64_t)PAGE * CNATIVESANDBOX_MAX_PAGES)
#define OFF_PROBE (OFF_SLOTS + (uint64_t)PAGE * CNATIVESANDBOX_MAX_PAGES)
#define SHARED_SIZE (OFF_PROBE + PAGE)


/// The child's copy of the handle (set by the parent right before fork).
extern cnativesandbox_handle cnativesandbox_child_handle __attribute__((visibility("hidden")));
/// The child's entry after fork; never returns.
__attribute__((visibility("hidden"), noreturn)) void cnativesandbox_child_main(void);

#endif
