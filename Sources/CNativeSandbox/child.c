// The native sandbox, child side (see include/CNativeSandbox.h for the protocol and why this is C).
//
// Layout of the shared block (one memfd, MAP_SHARED in parent and child):
//   control page | cases | results | page images | case pages (slots) | probe page
// The child maps the slots again at the case's own addresses (and the probe page at
// CNATIVESANDBOX_PROBE_BASE, read+execute, with a readable, non-executable guard page after it),
// so the parent reads memory effects directly and the child restores pages from their images.
//
// The child after fork runs only this file's code: raw system calls through one gadget (the
// seccomp filter allows system calls only from that gadget's address and rt_sigreturn only
// from our restorer), no libc calls that take locks, no errno (FS may hold the case's base), and
// it ends with exit_group. Signal handlers are compiled without stack protector for the same
// reason: they run with the case's FS base.
#include "internal.h"
#ifndef SYS_close_range
#define SYS_close_range 436  // x86-64, Linux 5.9
#endif

// ---------------------------------------------------------------------------------------------
// Child-private state (globals are private to the child after fork; the parent never uses them).

cnativesandbox_handle cnativesandbox_child_handle;
__attribute__((visibility("hidden"))) uint64_t cnativesandbox_saved_rsp;
__attribute__((visibility("hidden"))) uint64_t cnativesandbox_child_fsbase, cnativesandbox_child_gsbase;
__attribute__((visibility("hidden"))) uint32_t cnativesandbox_fsgsbase;
__attribute__((visibility("hidden"))) uint32_t cnativesandbox_load_bases;
__attribute__((visibility("hidden"))) uint32_t cnativesandbox_xinuse;
__attribute__((visibility("hidden"))) uint32_t cnativesandbox_mxcsr_default = 0x1F80;
__attribute__((visibility("hidden"))) cnativesandbox_regs cnativesandbox_out;
static volatile uint32_t g_in_case;
static cnativesandbox_result *g_result;
__attribute__((visibility("hidden"))) uint64_t cnativesandbox_stub_stack[512] __attribute__((aligned(64)));
static uint8_t g_altstack[65536] __attribute__((aligned(64)));
static cnativesandbox_page g_mapped[CNATIVESANDBOX_MAX_PAGES];
static uint32_t g_mapped_count;
static uint32_t g_pages_suspect;

// Assembly: the system-call gadget, the signal restorer, entering a case and coming back.
// Register-exact work that C cannot express: load all 16 GPRs, RFLAGS (with TF) and RSP at once
// (IRETQ), and capture them again at the jump-back stub without touching the case's stack.
extern long cnativesandbox_sys(long nr, long a1, long a2, long a3, long a4, long a5, long a6);
extern char cnativesandbox_sys_ret[], cnativesandbox_restorer[], cnativesandbox_restorer_ret[];
extern int cnativesandbox_enter(const cnativesandbox_regs *regs);
extern char cnativesandbox_stub_return[], cnativesandbox_resume_signal[];

__asm__(
    ".text\n"
    ".globl cnativesandbox_sys\n"
    ".type cnativesandbox_sys,@function\n"
    "cnativesandbox_sys:\n"
    "  mov %rdi, %rax\n"
    "  mov %rsi, %rdi\n"
    "  mov %rdx, %rsi\n"
    "  mov %rcx, %rdx\n"
    "  mov %r8, %r10\n"
    "  mov %r9, %r8\n"
    "  mov 8(%rsp), %r9\n"
    "  syscall\n"
    ".globl cnativesandbox_sys_ret\n"
    "cnativesandbox_sys_ret:\n"
    "  ret\n"
    ".globl cnativesandbox_restorer\n"
    "cnativesandbox_restorer:\n"
    "  mov $15, %eax\n"
    "  syscall\n"
    ".globl cnativesandbox_restorer_ret\n"
    "cnativesandbox_restorer_ret:\n"
    "  ud2\n"

    // int cnativesandbox_enter(const cnativesandbox_regs *regs): 0 when the stub came back, 1
    // when a signal ended the case.
    ".globl cnativesandbox_enter\n"
    ".type cnativesandbox_enter,@function\n"
    "cnativesandbox_enter:\n"
    "  push %rbx\n  push %rbp\n  push %r12\n  push %r13\n  push %r14\n  push %r15\n"
    "  mov %rsp, cnativesandbox_saved_rsp(%rip)\n"
    // Selector loads cost ~100 ns each here: only when the last case left one non-null.
    "  xor %eax, %eax\n"
    "  mov %ds, %ecx\n  mov %es, %edx\n  or %edx, %ecx\n"
    "  je 5f\n"
    "  mov %eax, %ds\n  mov %eax, %es\n"
    "5:\n"
    "  cmpl $0, cnativesandbox_fsgsbase(%rip)\n"
    "  je 1f\n"
    "  mov %fs, %ecx\n  mov %gs, %edx\n  or %edx, %ecx\n"
    "  je 6f\n"
    "  mov %eax, %fs\n  mov %eax, %gs\n"
    "6:\n"
    "  cmpl $0, cnativesandbox_load_bases(%rip)\n"
    "  je 1f\n"
    "  mov 144(%rdi), %rax\n  wrfsbase %rax\n"
    "  mov 152(%rdi), %rax\n  wrgsbase %rax\n"
    "1:\n"
    "  mov $0x2b, %eax\n  mov %eax, %ss\n"
    "  pushq $0x2b\n"
    "  pushq 32(%rdi)\n"
    "  pushq 136(%rdi)\n"
    "  pushq $0x33\n"
    "  pushq 128(%rdi)\n"
    "  mov 0(%rdi), %rax\n  mov 8(%rdi), %rcx\n  mov 16(%rdi), %rdx\n  mov 24(%rdi), %rbx\n"
    "  mov 40(%rdi), %rbp\n  mov 48(%rdi), %rsi\n"
    "  mov 64(%rdi), %r8\n  mov 72(%rdi), %r9\n  mov 80(%rdi), %r10\n  mov 88(%rdi), %r11\n"
    "  mov 96(%rdi), %r12\n  mov 104(%rdi), %r13\n  mov 112(%rdi), %r14\n  mov 120(%rdi), %r15\n"
    "  mov 56(%rdi), %rdi\n"
    "  iretq\n"

    // The jump-back stub lands here with the case's registers live.
    ".globl cnativesandbox_stub_return\n"
    "cnativesandbox_stub_return:\n"
    "  mov %rax, cnativesandbox_out+0(%rip)\n  mov %rcx, cnativesandbox_out+8(%rip)\n  mov %rdx, cnativesandbox_out+16(%rip)\n"
    "  mov %rbx, cnativesandbox_out+24(%rip)\n  mov %rsp, cnativesandbox_out+32(%rip)\n  mov %rbp, cnativesandbox_out+40(%rip)\n"
    "  mov %rsi, cnativesandbox_out+48(%rip)\n  mov %rdi, cnativesandbox_out+56(%rip)\n  mov %r8, cnativesandbox_out+64(%rip)\n"
    "  mov %r9, cnativesandbox_out+72(%rip)\n  mov %r10, cnativesandbox_out+80(%rip)\n  mov %r11, cnativesandbox_out+88(%rip)\n"
    "  mov %r12, cnativesandbox_out+96(%rip)\n  mov %r13, cnativesandbox_out+104(%rip)\n  mov %r14, cnativesandbox_out+112(%rip)\n"
    "  mov %r15, cnativesandbox_out+120(%rip)\n"
    "  lea cnativesandbox_stub_stack+4096(%rip), %rsp\n"
    "  pushfq\n  pop %rax\n  mov %rax, cnativesandbox_out+136(%rip)\n"
    "  mov %es, %ax\n  mov %ax, cnativesandbox_out+160(%rip)\n"
    "  mov %cs, %ax\n  mov %ax, cnativesandbox_out+162(%rip)\n"
    "  mov %ss, %ax\n  mov %ax, cnativesandbox_out+164(%rip)\n"
    "  mov %ds, %ax\n  mov %ax, cnativesandbox_out+166(%rip)\n"
    "  mov %fs, %ax\n  mov %ax, cnativesandbox_out+168(%rip)\n"
    "  mov %gs, %ax\n  mov %ax, cnativesandbox_out+170(%rip)\n"
    "  cmpl $0, cnativesandbox_fsgsbase(%rip)\n"
    "  je 2f\n"
    "  rdfsbase %rax\n  mov %rax, cnativesandbox_out+144(%rip)\n"
    "  rdgsbase %rax\n  mov %rax, cnativesandbox_out+152(%rip)\n"
    "2:\n"
    "  xor %r11d, %r11d\n"
    "  jmp 4f\n"
    // A signal handler returns here (it rewrote the ucontext's RIP, RSP, RFLAGS, CS and SS).
    ".globl cnativesandbox_resume_signal\n"
    "cnativesandbox_resume_signal:\n"
    "  mov $1, %r11d\n"
    "4:\n"
    "  lea cnativesandbox_stub_stack+4096(%rip), %rsp\n"
    "  pushq $0x202\n  popfq\n"
    "  xor %eax, %eax\n"
    "  mov %ds, %ecx\n  mov %es, %edx\n  or %edx, %ecx\n"
    "  je 7f\n"
    "  mov %eax, %ds\n  mov %eax, %es\n"
    "7:\n"
    "  mov $0x2b, %ecx\n  mov %ecx, %ss\n"
    "  cmpl $0, cnativesandbox_fsgsbase(%rip)\n"
    "  je 3f\n"
    "  mov %fs, %ecx\n  mov %gs, %edx\n  or %edx, %ecx\n"
    "  je 8f\n"
    "  mov %eax, %fs\n  mov %eax, %gs\n"
    "8:\n"
    "  mov cnativesandbox_child_fsbase(%rip), %rax\n  wrfsbase %rax\n"
    "  mov cnativesandbox_child_gsbase(%rip), %rax\n  wrgsbase %rax\n"
    "3:\n"
    // FNINIT costs ~90 ns here: skip it when XINUSE says the x87 state is still in its
    // initial configuration (XGETBV with ECX=1, when the CPU has it).
    "  cmpl $0, cnativesandbox_xinuse(%rip)\n"
    "  je 9f\n"
    "  mov $1, %ecx\n  xgetbv\n"
    "  test $1, %al\n"
    "  jz 10f\n"
    "9:\n"
    "  fninit\n"
    "10:\n"
    "  ldmxcsr cnativesandbox_mxcsr_default(%rip)\n"
    "  mov cnativesandbox_saved_rsp(%rip), %rsp\n"
    "  pop %r15\n  pop %r14\n  pop %r13\n  pop %r12\n  pop %rbp\n  pop %rbx\n"
    "  mov %r11d, %eax\n"
    "  ret\n");

static inline long sys(long nr, long a1, long a2, long a3, long a4, long a5, long a6) {
    return cnativesandbox_sys(nr, a1, a2, a3, a4, a5, a6);
}

static NO_SP __attribute__((noreturn)) void child_exit(int code) {
    for (;;) sys(SYS_exit_group, code, 0, 0, 0, 0, 0);
}

static inline uint16_t read_selector_es(void) { uint16_t v; __asm__ volatile("mov %%es, %0" : "=r"(v)); return v; }
static inline uint16_t read_selector_ds(void) { uint16_t v; __asm__ volatile("mov %%ds, %0" : "=r"(v)); return v; }
static inline uint16_t read_selector_fs(void) { uint16_t v; __asm__ volatile("mov %%fs, %0" : "=r"(v)); return v; }
static inline uint16_t read_selector_gs(void) { uint16_t v; __asm__ volatile("mov %%gs, %0" : "=r"(v)); return v; }

// ---------------------------------------------------------------------------------------------
// Signal handler: capture, then send the child back to its loop through resume_signal.

__attribute__((visibility("hidden"))) NO_SP void cnativesandbox_on_signal(int signo, siginfo_t *si, void *context);

// The handlers' entry: the case may have left EFLAGS.AC set (POPF), and Linux does not clear AC
// on signal delivery, so the C handler would take #AC on its first misaligned access (with
// every signal blocked: the child dies). Clear AC first, then run the C handler.
extern char cnativesandbox_signal_entry[];
__asm__(
    ".text\n"
    ".globl cnativesandbox_signal_entry\n"
    "cnativesandbox_signal_entry:\n"
    "  pushfq\n"
    "  andq $~0x40000, (%rsp)\n"
    "  popfq\n"
    "  jmp cnativesandbox_on_signal\n");

NO_SP void cnativesandbox_on_signal(int signo, siginfo_t *si, void *context) {
    ucontext_t *uc = context;
    greg_t *g = uc->uc_mcontext.gregs;
    if (!g_in_case) child_exit(100 + signo);  // the child's own code faulted: give up, be re-forked
    g_in_case = 0;
    cnativesandbox_result *r = g_result;
    cnativesandbox_regs *o = &r->regs;
    o->selectors[0] = read_selector_es();
    o->selectors[3] = read_selector_ds();
    o->selectors[4] = read_selector_fs();
    o->selectors[5] = read_selector_gs();
    if (cnativesandbox_fsgsbase) {
        uint64_t fs, gs;
        __asm__ volatile("rdfsbase %0" : "=r"(fs));
        __asm__ volatile("rdgsbase %0" : "=r"(gs));
        o->fs_base = fs;
        o->gs_base = gs;
    }
    o->gpr[0] = g[REG_RAX];
    o->gpr[1] = g[REG_RCX];
    o->gpr[2] = g[REG_RDX];
    o->gpr[3] = g[REG_RBX];
    o->gpr[4] = g[REG_RSP];
    o->gpr[5] = g[REG_RBP];
    o->gpr[6] = g[REG_RSI];
    o->gpr[7] = g[REG_RDI];
    o->gpr[8] = g[REG_R8];
    o->gpr[9] = g[REG_R9];
    o->gpr[10] = g[REG_R10];
    o->gpr[11] = g[REG_R11];
    o->gpr[12] = g[REG_R12];
    o->gpr[13] = g[REG_R13];
    o->gpr[14] = g[REG_R14];
    o->gpr[15] = g[REG_R15];
    o->rip = g[REG_RIP];
    o->rflags = g[REG_EFL];
    uint64_t csgsfs = g[REG_CSGSFS];
    o->selectors[1] = csgsfs & 0xFFFF;
    o->selectors[2] = (csgsfs >> 48) & 0xFFFF;
    r->kind = CNATIVESANDBOX_RESULT_SIGNAL;
    r->signo = signo;
    r->si_code = si->si_code;
    r->trapno = g[REG_TRAPNO];
    r->error_code = g[REG_ERR];
    r->fault_address = (uint64_t)si->si_addr;
    if (signo == SIGSYS) {
        r->syscall_nr = si->si_syscall;
        r->syscall_arch = si->si_arch;
        r->fault_address = (uint64_t)si->si_call_addr;
    }
    g[REG_RIP] = (greg_t)cnativesandbox_resume_signal;
    g[REG_RSP] = (greg_t)(cnativesandbox_stub_stack + 512);
    g[REG_EFL] = 0x202;
    g[REG_CSGSFS] = (greg_t)(0x33 | (0x2BULL << 48));
}

// ---------------------------------------------------------------------------------------------
// Child set-up.

struct kernel_sigaction {
    void *handler;
    unsigned long flags;
    void *restorer;
    uint64_t mask;
};

static NO_SP int install_handlers(void) {
    stack_t ss = {.ss_sp = g_altstack, .ss_size = sizeof g_altstack, .ss_flags = 0};
    if (sys(SYS_sigaltstack, (long)&ss, 0, 0, 0, 0, 0) != 0) return -1;
    static const int signals[] = {SIGILL, SIGSEGV, SIGBUS, SIGFPE, SIGTRAP, SIGSYS};
    for (unsigned i = 0; i < sizeof signals / sizeof signals[0]; i++) {
        struct kernel_sigaction ksa = {
            .handler = (void *)cnativesandbox_signal_entry,
            .flags = SA_SIGINFO | SA_ONSTACK | SA_RESTORER_FLAG,
            .restorer = (void *)cnativesandbox_restorer,
            .mask = ~0ULL,
        };
        if (sys(SYS_rt_sigaction, signals[i], (long)&ksa, 0, 8, 0, 0) != 0) return -1;
    }
    // Everything else that could stop the child by default is ignored or left to the watchdog.
    return 0;
}

// The seccomp filter: system calls only from the gadget (a handful of numbers), rt_sigreturn only
// from the restorer; anything else (including int 0x80, which arrives as AUDIT_ARCH_I386, and
// x32 numbers) is SECCOMP_RET_TRAP: a SIGSYS the handler reports as "system call".
static NO_SP int install_seccomp(void) {
    uint64_t gadget = (uint64_t)cnativesandbox_sys_ret, restorer = (uint64_t)cnativesandbox_restorer_ret;
    if ((gadget >> 32) != (restorer >> 32)) return -1;
    const uint32_t ip_lo = offsetof(struct seccomp_data, instruction_pointer);
    struct sock_filter f[] = {
        /* 0 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        /* 1 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, 18),
        /* 2 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ip_lo + 4),
        /* 3 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)(gadget >> 32), 0, 16),
        /* 4 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ip_lo),
        /* 5 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)gadget, 3, 0),
        /* 6 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)restorer, 0, 13),
        /* 7 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        /* 8 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_rt_sigreturn, 10, 11),
        /* 9 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        /* 10 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_futex, 8, 0),
        /* 11 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_mmap, 7, 0),
        /* 12 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_munmap, 6, 0),
        /* 13 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_exit_group, 5, 0),
        /* 14 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_exit, 4, 0),
        /* 15 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 3, 0),
        /* 16 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_sched_yield, 2, 0),
        /* 17 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
        /* 18 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
        /* 19 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        /* 20 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
    };
    struct sock_fprog prog = {.len = sizeof f / sizeof f[0], .filter = f};
    if (sys(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0, 0) != 0) return -1;
    return sys(SYS_prctl, PR_SET_SECCOMP, SECCOMP_MODE_FILTER, (long)&prog, 0, 0, 0) == 0 ? 0 : -1;
}

// Waits at most one second, so an idle child notices a dead parent (no PR_SET_PDEATHSIG: it
// fires when the *thread* that forked ends, and the harness forks from pool threads).
static NO_SP void futex_wait(uint32_t *word, uint32_t value) {
    struct timespec second = {1, 0};
    sys(SYS_futex, (long)word, FUTEX_WAIT, value, (long)&second, 0, 0);
}

static NO_SP void futex_wake(uint32_t *word) { sys(SYS_futex, (long)word, FUTEX_WAKE, 1, 0, 0, 0); }

// ---------------------------------------------------------------------------------------------
// Child: case pages.

static inline uint8_t *slot(uint32_t i) { return (uint8_t *)cnativesandbox_child_handle.slots + (uint64_t)i * PAGE; }
static inline uint8_t *image(uint32_t i) { return (uint8_t *)cnativesandbox_child_handle.images + (uint64_t)i * PAGE; }

static NO_SP void unmap_pages(void) {
    for (uint32_t i = 0; i < g_mapped_count; i++) sys(SYS_munmap, (long)g_mapped[i].address, PAGE, 0, 0, 0, 0);
    g_mapped_count = 0;
}

// Maps the request's pages (from the slots) unless they are mapped already. 0, or -errno with
// `*bad` the address that could not be mapped.
static NO_SP long ensure_layout(uint64_t *bad) {
    cnativesandbox_control *c = cnativesandbox_child_handle.control;
    uint32_t n = c->page_count;
    if (n > CNATIVESANDBOX_MAX_PAGES) n = CNATIVESANDBOX_MAX_PAGES;
    int same = n == g_mapped_count;
    for (uint32_t i = 0; same && i < n; i++)
        same = g_mapped[i].address == c->pages[i].address && g_mapped[i].prot == c->pages[i].prot;
    if (same) return 0;
    unmap_pages();
    for (uint32_t i = 0; i < n; i++) {
        cnativesandbox_page p = c->pages[i];
        long r = sys(SYS_mmap, (long)p.address, PAGE, p.prot, MAP_SHARED | MAP_FIXED_NOREPLACE, cnativesandbox_child_handle.memfd,
                     (long)(OFF_SLOTS + (uint64_t)i * PAGE));
        if (r < 0 || (uint64_t)r != p.address) {
            if (r >= 0) sys(SYS_munmap, r, PAGE, 0, 0, 0, 0);
            *bad = p.address;
            unmap_pages();
            return r < 0 ? r : -EEXIST;
        }
        g_mapped[g_mapped_count++] = p;
    }
    g_pages_suspect = 1;
    return 0;
}

static inline int page_of(uint64_t address) {
    uint64_t base = address & ~(uint64_t)(PAGE - 1);
    for (uint32_t i = 0; i < g_mapped_count; i++)
        if (g_mapped[i].address == base) return (int)i;
    return -1;
}

static NO_SP void restore_all_pages(void) {
    for (uint32_t i = 0; i < g_mapped_count; i++)
        if (memcmp(slot(i), image(i), PAGE) != 0) memcpy(slot(i), image(i), PAGE);
    g_pages_suspect = 0;
}

static inline void record(cnativesandbox_result *r, uint64_t address, uint8_t byte) {
    if (r->write_count < CNATIVESANDBOX_MAX_WRITES) {
        r->write_address[r->write_count] = address;
        r->write_byte[r->write_count] = byte;
        r->write_count++;
    } else {
        r->writes_overflow = 1;
    }
}

// Records the bytes of [from, to) that differ; 1 when any did.
static NO_SP int diff_range(cnativesandbox_result *r, uint64_t page, const uint8_t *now, const uint8_t *was, uint32_t from,
                            uint32_t to) {
    if (to <= from || memcmp(now + from, was + from, to - from) == 0) return 0;
    for (uint32_t k = from; k < to; k++)
        if (now[k] != was[k]) record(r, page + k, now[k]);
    return 1;
}

// After a case: record bytes that differ from what was there (image, or the placed code), then
// put the page back as its image.
static NO_SP void collect_writes(cnativesandbox_result *r, uint64_t code, const uint8_t *placed, uint32_t placed_len) {
    for (uint32_t i = 0; i < g_mapped_count; i++) {
        uint64_t base = g_mapped[i].address;
        uint8_t *now = slot(i), *was = image(i);
        uint32_t ps = 0, pe = 0;
        if (placed_len && code < base + PAGE && code + placed_len > base) {
            ps = code > base ? (uint32_t)(code - base) : 0;
            pe = code + placed_len < base + PAGE ? (uint32_t)(code + placed_len - base) : PAGE;
        }
        // Whether the page changed, counted per page (the write list may be full already).
        int dirty = diff_range(r, base, now, was, 0, ps);
        dirty |= diff_range(r, base, now, was, pe, PAGE);
        if (pe > ps) {
            const uint8_t *expected = placed + (base + ps - code);
            dirty |= diff_range(r, base + ps, now + ps, expected, 0, pe - ps);
        }
        if (dirty) {
            memcpy(now, was, PAGE);
        } else if (pe > ps) {
            memcpy(now + ps, was + ps, pe - ps);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Child: running one case.

static NO_SP void clear_result(cnativesandbox_result *r) {
    r->kind = 0;
    r->signo = 0;
    r->si_code = 0;
    r->trapno = 0;
    r->error_code = 0;
    r->fault_address = 0;
    r->syscall_nr = 0;
    r->syscall_arch = 0;
    r->length = 0;
    r->probes = 0;
    r->write_count = 0;
    r->writes_overflow = 0;
}

static NO_SP void run_probe(const cnativesandbox_case *c, cnativesandbox_result *r);

static NO_SP void run_exec(const cnativesandbox_case *c, cnativesandbox_result *r) {
    uint8_t placed[48];
    uint32_t len = c->length > 15 ? 15 : c->length;
    uint32_t flags = c->flags;
    if (flags & CNATIVESANDBOX_FLAG_PROBE_FIRST) {
        run_probe(c, r);
        uint32_t probed = r->length, probes = r->probes;
        clear_result(r);
        r->length = probed;
        r->probes = probes;
        if (probed != len) flags &= ~(uint32_t)CNATIVESANDBOX_FLAG_STUB;
        len = probed ? probed : 15;
    }
    uint64_t rip = c->regs.rip;
    memcpy(placed, c->bytes, len);
    uint32_t placed_len = len;
    if (flags & CNATIVESANDBOX_FLAG_STUB) {
        // jmp qword [rip+disp]; pad; .quad cnativesandbox_stub_return — the quadword 8-aligned,
        // so the stub still works when the case left EFLAGS.AC set.
        uint64_t next = rip + len + 6;
        uint32_t pad = (uint32_t)((8 - (next & 7)) & 7);
        uint8_t jmp[6] = {0xFF, 0x25, (uint8_t)pad, 0, 0, 0};
        uint64_t target = (uint64_t)cnativesandbox_stub_return;
        memcpy(placed + len, jmp, 6);
        memset(placed + len + 6, 0xCC, pad);
        memcpy(placed + len + 6 + pad, &target, 8);
        placed_len += 14 + pad;
    }
    if (g_pages_suspect) restore_all_pages();
    for (uint32_t k = 0; k < placed_len; k++) {
        int p = page_of(rip + k);
        if (p < 0) {
            // Code outside the case pages: undo what was placed, report the layout.
            for (uint32_t j = 0; j < k; j++) {
                int q = page_of(rip + j);
                slot((uint32_t)q)[(rip + j) & (PAGE - 1)] = image((uint32_t)q)[(rip + j) & (PAGE - 1)];
            }
            r->kind = CNATIVESANDBOX_RESULT_LAYOUT;
            r->error_code = EFAULT;
            r->fault_address = rip + k;
            return;
        }
        slot((uint32_t)p)[(rip + k) & (PAGE - 1)] = placed[k];
    }
    cnativesandbox_regs in = c->regs;
    if (!(flags & CNATIVESANDBOX_FLAG_STUB)) in.rflags |= TF;
    cnativesandbox_load_bases = (flags & CNATIVESANDBOX_FLAG_BASES) != 0;
    g_result = r;
    g_in_case = 1;
    int how = cnativesandbox_enter(&in);
    g_in_case = 0;
    if (how == 0) {
        r->regs = cnativesandbox_out;
        r->regs.rip = rip + len;
        r->kind = CNATIVESANDBOX_RESULT_COMPLETED;
    }
    if (!cnativesandbox_fsgsbase || !cnativesandbox_load_bases) {
        r->regs.fs_base = 0;
        r->regs.gs_base = 0;
    }
    collect_writes(r, rip, placed, placed_len);
}

// One probe: the first k bytes end at the probe page's end; the guard page after it is readable
// but not executable. Returns 1 when the fetch faulted at the boundary (the instruction is
// longer than k), else 0; `r` holds the signal of the attempt.
static NO_SP int probe_once(const uint8_t *bytes, uint32_t k, uint32_t flags, cnativesandbox_result *r) {
    uint8_t *page = (uint8_t *)cnativesandbox_child_handle.shared + OFF_PROBE;
    uint64_t boundary = CNATIVESANDBOX_PROBE_BASE + PAGE;
    uint64_t start = boundary - k;
    memcpy(page + PAGE - k, bytes, k);
    cnativesandbox_regs in;
    memset(&in, 0, sizeof in);
    in.rip = start;
    in.rflags = 0x202 | ((flags & CNATIVESANDBOX_FLAG_PROBE_TRAP) ? TF : 0);
    cnativesandbox_load_bases = cnativesandbox_fsgsbase;
    g_result = r;
    g_in_case = 1;
    int how = cnativesandbox_enter(&in);
    g_in_case = 0;
    memset(page + PAGE - k, 0xCC, k);
    r->probes++;
    g_pages_suspect = 1;
    if (how == 0) return 0;
    return r->signo == SIGSEGV && r->regs.rip == start && r->fault_address == boundary && (r->error_code & 0x10);
}

static NO_SP void run_probe(const cnativesandbox_case *c, cnativesandbox_result *r) {
    uint32_t n = c->length;
    uint32_t probes = 0;
    if (!(c->flags & CNATIVESANDBOX_FLAG_FULL_SEARCH) && n >= 1 && n <= 15) {
        int shorter_faults = 1;
        if (n > 1) {
            shorter_faults = probe_once(c->bytes, n - 1, c->flags, r);
            probes = r->probes;
        }
        if (shorter_faults) {
            clear_result(r);
            r->probes = probes;
            if (!probe_once(c->bytes, n, c->flags, r)) {
                r->length = n;
                r->kind = CNATIVESANDBOX_RESULT_PROBED;
                return;
            }
            probes = r->probes;
        }
    }
    for (uint32_t k = 1; k <= 15; k++) {
        clear_result(r);
        r->probes = probes;
        int longer = probe_once(c->bytes, k, c->flags, r);
        probes = r->probes;
        if (!longer) {
            r->length = k;
            break;
        }
    }
    r->kind = CNATIVESANDBOX_RESULT_PROBED;
}

static NO_SP void run_case(const cnativesandbox_case *c, cnativesandbox_result *r, long layout, uint64_t bad) {
    clear_result(r);
    switch (c->op) {
    case CNATIVESANDBOX_OP_EXEC:
        if (layout != 0) {
            r->kind = CNATIVESANDBOX_RESULT_LAYOUT;
            r->error_code = (uint64_t)-layout;
            r->fault_address = bad;
            return;
        }
        run_exec(c, r);
        return;
    case CNATIVESANDBOX_OP_PROBE: run_probe(c, r); return;
    case CNATIVESANDBOX_OP_HANG:
        for (;;) __asm__ volatile("" ::: "memory");  // no PAUSE: the hypervisor traps PAUSE loops
    case CNATIVESANDBOX_OP_CRASH: *(volatile uint64_t *)16 = 0; return;
    default: return;
    }
}

NO_SP void cnativesandbox_child_main(void) {
    long parent = sys(SYS_getppid, 0, 0, 0, 0, 0, 0);
    if (parent <= 1) child_exit(90);
    uint64_t none = 0;
    if (sys(SYS_rt_sigprocmask, SIG_SETMASK, (long)&none, 0, 8, 0, 0) != 0) child_exit(91);
    if (install_handlers() != 0) child_exit(91);
    uint8_t *probe = (uint8_t *)cnativesandbox_child_handle.shared + OFF_PROBE;
    memset(probe, 0xCC, PAGE);
    long p = sys(SYS_mmap, (long)CNATIVESANDBOX_PROBE_BASE, PAGE, PROT_READ | PROT_EXEC, MAP_SHARED | MAP_FIXED_NOREPLACE,
                 cnativesandbox_child_handle.memfd, (long)OFF_PROBE);
    long q = sys(SYS_mmap, (long)(CNATIVESANDBOX_PROBE_BASE + PAGE), PAGE, PROT_READ,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (p != (long)CNATIVESANDBOX_PROBE_BASE || q != (long)(CNATIVESANDBOX_PROBE_BASE + PAGE)) child_exit(92);
    // Drop every descriptor inherited from the parent but the memfd (case pages are mapped from
    // it). An inherited pipe end would stay open as long as the child lives: a harness thread
    // reading another process's output to its end would wait for it (seen in the test suite: a
    // sandbox forked while a test held a Pipe's write end).
    long keep = cnativesandbox_child_handle.memfd;
    long below = keep > 0 ? sys(SYS_close_range, 0, keep - 1, 0, 0, 0, 0) : 0;
    long above = sys(SYS_close_range, keep + 1, 0xFFFFFFFFL, 0, 0, 0, 0);
    if (below != 0 || above != 0) {
        for (long fd = 0; fd < 4096; fd++)
            if (fd != keep) sys(SYS_close, fd, 0, 0, 0, 0, 0);
    }
    cnativesandbox_fsgsbase = cnativesandbox_child_handle.control->has_fsgsbase;
    if (cnativesandbox_fsgsbase) {
        __asm__ volatile("rdfsbase %0" : "=r"(cnativesandbox_child_fsbase));
        __asm__ volatile("rdgsbase %0" : "=r"(cnativesandbox_child_gsbase));
    }
    {
        // XGETBV with ECX=1 (XINUSE): CPUID.(EAX=0DH,ECX=1):EAX bit 2, with OSXSAVE.
        uint32_t a, b, c1, d;
        __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c1), "=d"(d) : "a"(1), "c"(0));
        int osxsave = (c1 >> 27) & 1;
        __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c1), "=d"(d) : "a"(0xD), "c"(1));
        cnativesandbox_xinuse = osxsave && ((a >> 2) & 1);
    }
    if (install_seccomp() != 0) child_exit(93);
    cnativesandbox_control *c = cnativesandbox_child_handle.control;
    uint32_t seen = __atomic_load_n(&c->request_seq, __ATOMIC_ACQUIRE);
    c->current = UINT32_MAX;
    __atomic_store_n(&c->child_ready, 1, __ATOMIC_SEQ_CST);
    futex_wake(&c->child_ready);
    for (;;) {
        uint32_t seq;
        for (int spin = 0;; spin++) {
            seq = __atomic_load_n(&c->request_seq, __ATOMIC_ACQUIRE);
            if (seq != seen) break;
            if (spin < 4000) {
                __asm__ volatile("" ::: "memory");  // no PAUSE: the hypervisor traps PAUSE loops
                continue;
            }
            __atomic_store_n(&c->child_sleeping, 1, __ATOMIC_SEQ_CST);
            if (__atomic_load_n(&c->request_seq, __ATOMIC_SEQ_CST) == seen) futex_wait(&c->request_seq, seen);
            __atomic_store_n(&c->child_sleeping, 0, __ATOMIC_SEQ_CST);
            if (sys(SYS_getppid, 0, 0, 0, 0, 0, 0) != parent) child_exit(0);  // the harness is gone
        }
        seen = seq;
        uint32_t n = c->count > CNATIVESANDBOX_BATCH ? CNATIVESANDBOX_BATCH : c->count;
        uint64_t bad = 0;
        long layout = ensure_layout(&bad);
        for (uint32_t i = 0; i < n; i++) {
            __atomic_store_n(&c->current, i, __ATOMIC_RELEASE);
            run_case(&cnativesandbox_child_handle.cases[i], &cnativesandbox_child_handle.results[i], layout, bad);
        }
        __atomic_store_n(&c->current, UINT32_MAX, __ATOMIC_RELEASE);
        __atomic_store_n(&c->response_seq, seq, __ATOMIC_SEQ_CST);
        if (__atomic_load_n(&c->parent_sleeping, __ATOMIC_SEQ_CST)) futex_wake(&c->response_seq);
    }
}
