// The native sandbox: a persistent, seccomp-filtered child process that runs instruction bytes
// on this CPU and reports what they did (registers, RFLAGS, signal, fault address, memory
// writes), and probes instruction lengths with the page-boundary method.
//
// Why C: the child is forked and must run only async-signal-safe code (never Swift: no runtime,
// no allocator, no locks after fork), its signal handlers rewrite a ucontext, the seccomp filter
// is a BPF program, and entering/leaving the case bytes needs register-exact assembly. The
// parent side (spawn, submit, wait) is here too because it shares the memory layout with the
// child; Swift owns the handle (Sources/DiffTest/Native/NativeSandbox.swift) and its lifetime.
//
// Protocol: one shared memory block (a memfd, mapped in both processes). The parent writes up to
// CNATIVESANDBOX_BATCH cases and the page layout, bumps `request_seq`; the child runs them in
// order, writes one result each, publishes `current` before each case (so a case that kills or
// hangs the child is known), bumps `response_seq`. Waiting is a short spin, then a futex.
//
// Every struct here is mirrored by Swift through the Clang importer; _Static_asserts in
// internal.h pin their layout (child.c and parent.c both include it).
#ifndef CNATIVESANDBOX_H
#define CNATIVESANDBOX_H

#include <stdint.h>

#define CNATIVESANDBOX_PAGE_SIZE 4096
/// Cases per request.
#define CNATIVESANDBOX_BATCH 1024
/// Case pages (code and data) mapped at the case's own addresses.
#define CNATIVESANDBOX_MAX_PAGES 8
/// Byte writes recorded per case by the child; more sets `writes_overflow`.
#define CNATIVESANDBOX_MAX_WRITES 512
/// The probe page (executable, INT3 fill) and the guard page after it (readable, not executable).
#define CNATIVESANDBOX_PROBE_BASE 0x100000000000ULL

/// Operations.
enum {
    CNATIVESANDBOX_OP_EXEC = 1,
    CNATIVESANDBOX_OP_PROBE = 2,
    /// Test only: the child spins forever in its own code (only the watchdog ends it).
    CNATIVESANDBOX_OP_HANG = 3,
    /// Test only: the child crashes (SIGKILL to itself is not allowed by seccomp: a wild store).
    CNATIVESANDBOX_OP_CRASH = 4,
};

/// Case flags.
enum {
    /// Return through a jump-back stub placed after the instruction (non-faulting straight-line
    /// code); otherwise TF is set through IRETQ and the single-step trap ends the case.
    CNATIVESANDBOX_FLAG_STUB = 1,
    /// Probe: skip the confirm-predicted fast path and run the full search (k = 1, 2, ...).
    CNATIVESANDBOX_FLAG_FULL_SEARCH = 2,
    /// Load FS/GS bases from the case (needs FSGSBASE; otherwise they stay 0).
    CNATIVESANDBOX_FLAG_BASES = 4,
    /// EXEC: probe the length first (fast path with `length` as the prediction), then place
    /// exactly the probed length; the stub is dropped when the probe disagrees with the
    /// prediction. The probed length is reported in the result's `length`.
    CNATIVESANDBOX_FLAG_PROBE_FIRST = 8,
    /// PROBE (and the probe of PROBE_FIRST): run the probes with TF, so a control transfer
    /// executes once and traps. Without it a probe that fetched the whole instruction ends at
    /// the next fetch (the guard page), which costs one #PF instead of a #DB (about 4 µs
    /// against 15 µs under this host's hypervisor); the harness sets it for instructions the
    /// project decoder calls control transfers or cannot decode.
    CNATIVESANDBOX_FLAG_PROBE_TRAP = 16,
};

/// Result kinds.
enum {
    /// The instruction ran and control came back through the stub or the single-step trap.
    CNATIVESANDBOX_RESULT_COMPLETED = 1,
    /// A signal ended the case (fault, trap, SIGSYS); see signo/si_code/fault_address.
    CNATIVESANDBOX_RESULT_SIGNAL = 2,
    /// The case pages could not be mapped at the requested addresses.
    CNATIVESANDBOX_RESULT_LAYOUT = 3,
    /// Probe finished: see length / signo.
    CNATIVESANDBOX_RESULT_PROBED = 4,
};

/// Register file in the encoding order: RAX RCX RDX RBX RSP RBP RSI RDI R8–R15, then RIP,
/// RFLAGS, FS base, GS base, and the selectors ES CS SS DS FS GS.
typedef struct cnativesandbox_regs {
    uint64_t gpr[16];
    uint64_t rip;
    uint64_t rflags;
    uint64_t fs_base;
    uint64_t gs_base;
    uint16_t selectors[6];
    uint16_t reserved[2];
} cnativesandbox_regs;

/// One case page: where it goes and its protection (PROT_* bits).
typedef struct cnativesandbox_page {
    uint64_t address;
    uint32_t prot;
    uint32_t reserved;
} cnativesandbox_page;

typedef struct cnativesandbox_case {
    uint32_t op;
    uint32_t flags;
    /// EXEC: how many of `bytes` to place at RIP. PROBE: the predicted length (0: none).
    uint32_t length;
    uint32_t reserved;
    uint8_t bytes[16];
    cnativesandbox_regs regs;
} cnativesandbox_case;

typedef struct cnativesandbox_result {
    uint32_t kind;
    int32_t signo;
    int32_t si_code;
    uint32_t trapno;
    uint64_t error_code;
    /// si_addr (SIGSEGV/SIGBUS), or the call address for SIGSYS.
    uint64_t fault_address;
    /// SIGSYS: the system call number and AUDIT_ARCH of the attempt.
    int32_t syscall_nr;
    uint32_t syscall_arch;
    /// PROBE: the length found (0: none up to 15), probes spent.
    uint32_t length;
    uint32_t probes;
    uint32_t write_count;
    uint32_t writes_overflow;
    cnativesandbox_regs regs;
    uint64_t write_address[CNATIVESANDBOX_MAX_WRITES];
    uint8_t write_byte[CNATIVESANDBOX_MAX_WRITES];
} cnativesandbox_result;

/// The shared block's header.
typedef struct cnativesandbox_control {
    uint32_t request_seq;
    uint32_t response_seq;
    uint32_t child_sleeping;
    uint32_t parent_sleeping;
    /// Index of the case the child is running (valid while a request is in flight).
    uint32_t current;
    uint32_t count;
    uint32_t page_count;
    uint32_t child_ready;
    /// Set by the child at start-up: FSGSBASE usable from user mode.
    uint32_t has_fsgsbase;
    uint32_t reserved;
    cnativesandbox_page pages[CNATIVESANDBOX_MAX_PAGES];
} cnativesandbox_control;

/// A running sandbox as the parent sees it.
typedef struct cnativesandbox_handle {
    int32_t pid;
    int32_t memfd;
    /// The shared block in the parent: control, cases, results, images, slots.
    void *shared;
    uint64_t shared_size;
    cnativesandbox_control *control;
    cnativesandbox_case *cases;
    cnativesandbox_result *results;
    /// Page images (what each case page holds before a case) and the live pages themselves.
    uint8_t *images;
    uint8_t *slots;
} cnativesandbox_handle;

/// Wait outcomes.
enum {
    CNATIVESANDBOX_WAIT_DONE = 0,
    CNATIVESANDBOX_WAIT_TIMEOUT = 1,
    CNATIVESANDBOX_WAIT_DIED = 2,
};

/// Creates the shared block and forks the child. 0 on success, else an errno value; `stage`
/// says which step failed. The child is ready when this returns 0.
int cnativesandbox_spawn(cnativesandbox_handle *handle, const char **stage);

/// Publishes `count` cases (already written to handle->cases) and the page layout in the control
/// block; wakes the child.
void cnativesandbox_submit(cnativesandbox_handle *handle, uint32_t count);

/// Waits for the child's response: spins, then futex waits in 1 ms slices, checking that the
/// child lives. `timeout_ns` is per case: it restarts each time the child starts the next one.
/// CNATIVESANDBOX_WAIT_DIED fills `status` (waitpid, the child is reaped); TIMEOUT leaves the
/// child running for the caller to kill.
int cnativesandbox_wait(cnativesandbox_handle *handle, uint64_t timeout_ns, int32_t *status);

/// FSGSBASE usable from user mode on this host (AT_HWCAP2).
int cnativesandbox_host_has_fsgsbase(void);

/// CPUID on the host (parent side; for the vendor/family/model recorded on results).
void cnativesandbox_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t out[4]);

/// syncfs(2) on the file system holding `fd` (not exported by Swift's Glibc module). Used by
/// the corpus store to make one batch of atomic writes durable at once; here because this is
/// the project's only C target.
int cnativesandbox_syncfs(int fd);

#endif
