// The native sandbox, parent side: create the shared block, fork the child, hand it batches
// and wait for its answers (why C: fork and futex; see include/CNativeSandbox.h).
#include "internal.h"

// ---------------------------------------------------------------------------------------------
// Parent side.

int cnativesandbox_host_has_fsgsbase(void) { return (getauxval(AT_HWCAP2) & 2) != 0; }

int cnativesandbox_syncfs(int fd) { return syncfs(fd); }

void cnativesandbox_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t out[4]) {
    uint32_t a, b, c, d;
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(leaf), "c"(subleaf));
    out[0] = a;
    out[1] = b;
    out[2] = c;
    out[3] = d;
}

static uint64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000ULL + (uint64_t)t.tv_nsec;
}

// Waits until *word == want (spin, then futex in 1 ms slices), the child dies, or the timeout.
static int wait_word(cnativesandbox_handle *h, uint32_t *word, uint32_t want, uint64_t timeout_ns, int32_t *status) {
    for (int spin = 0; spin < 20000; spin++) {
        if (__atomic_load_n(word, __ATOMIC_ACQUIRE) == want) return CNATIVESANDBOX_WAIT_DONE;
        __asm__ volatile("" ::: "memory");  // no PAUSE: the hypervisor traps PAUSE loops
    }
    // The timeout is per case: it restarts whenever the child moves on to the next case.
    uint64_t start = now_ns();
    uint32_t last = __atomic_load_n(&h->control->current, __ATOMIC_ACQUIRE);
    for (;;) {
        __atomic_store_n(&h->control->parent_sleeping, 1, __ATOMIC_SEQ_CST);
        uint32_t v = __atomic_load_n(word, __ATOMIC_SEQ_CST);
        if (v == want) {
            __atomic_store_n(&h->control->parent_sleeping, 0, __ATOMIC_SEQ_CST);
            return CNATIVESANDBOX_WAIT_DONE;
        }
        struct timespec slice = {0, 1000000};
        syscall(SYS_futex, word, FUTEX_WAIT, v, &slice, NULL, 0);
        __atomic_store_n(&h->control->parent_sleeping, 0, __ATOMIC_SEQ_CST);
        if (__atomic_load_n(word, __ATOMIC_ACQUIRE) == want) return CNATIVESANDBOX_WAIT_DONE;
        int st = 0;
        pid_t r;
        do r = waitpid(h->pid, &st, WNOHANG);
        while (r < 0 && errno == EINTR);
        if (r == h->pid) {
            *status = st;
            return CNATIVESANDBOX_WAIT_DIED;
        }
        uint32_t current = __atomic_load_n(&h->control->current, __ATOMIC_ACQUIRE);
        if (current != last) {
            last = current;
            start = now_ns();
        }
        if (now_ns() - start > timeout_ns) return CNATIVESANDBOX_WAIT_TIMEOUT;
    }
}

int cnativesandbox_spawn(cnativesandbox_handle *h, const char **stage) {
    memset(h, 0, sizeof *h);
    h->pid = -1;
    *stage = "memfd_create";
    int fd = (int)syscall(SYS_memfd_create, "cnativesandbox", 1 /* MFD_CLOEXEC */);
    if (fd < 0) return errno;
    *stage = "ftruncate";
    if (ftruncate(fd, (off_t)SHARED_SIZE) != 0) {
        int e = errno;
        close(fd);
        return e;
    }
    *stage = "mmap";
    void *m = mmap(NULL, SHARED_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (m == MAP_FAILED) {
        int e = errno;
        close(fd);
        return e;
    }
    h->memfd = fd;
    h->shared = m;
    h->shared_size = SHARED_SIZE;
    h->control = m;
    h->cases = (cnativesandbox_case *)((uint8_t *)m + OFF_CASES);
    h->results = (cnativesandbox_result *)((uint8_t *)m + OFF_RESULTS);
    h->images = (uint8_t *)m + OFF_IMAGES;
    h->slots = (uint8_t *)m + OFF_SLOTS;
    h->control->has_fsgsbase = (uint32_t)cnativesandbox_host_has_fsgsbase();
    h->control->current = UINT32_MAX;
    cnativesandbox_child_handle = *h;  // the child's copy (fork duplicates it); the parent never reads cnativesandbox_child_handle
    *stage = "fork";
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        munmap(m, SHARED_SIZE);
        close(fd);
        return e;
    }
    if (pid == 0) cnativesandbox_child_main();
    h->pid = pid;
    *stage = "child start-up";
    int32_t status = 0;
    int w = wait_word(h, &h->control->child_ready, 1, 2000000000ULL, &status);
    if (w != CNATIVESANDBOX_WAIT_DONE) {
        if (w == CNATIVESANDBOX_WAIT_TIMEOUT) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
        }
        munmap(m, SHARED_SIZE);
        close(fd);
        h->pid = -1;
        // Exit codes 90–93: which set-up step failed in the child.
        return WIFEXITED(status) ? 1000 + WEXITSTATUS(status) : ECHILD;
    }
    return 0;
}

void cnativesandbox_submit(cnativesandbox_handle *h, uint32_t count) {
    cnativesandbox_control *c = h->control;
    c->count = count;
    uint32_t seq = __atomic_load_n(&c->request_seq, __ATOMIC_RELAXED) + 1;
    __atomic_store_n(&c->request_seq, seq, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&c->child_sleeping, __ATOMIC_SEQ_CST)) syscall(SYS_futex, &c->request_seq, FUTEX_WAKE, 1, NULL, NULL, 0);
}

int cnativesandbox_wait(cnativesandbox_handle *h, uint64_t timeout_ns, int32_t *status) {
    uint32_t want = __atomic_load_n(&h->control->request_seq, __ATOMIC_RELAXED);
    return wait_word(h, &h->control->response_seq, want, timeout_ns, status);
}
