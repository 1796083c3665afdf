/* The libOS core's internal interfaces (runs at CPL 0 in an MIEE). The
 * forwarding layer sees only api.h. docs/libos.md. */
#ifndef LIBOS_KERNEL_H
#define LIBOS_KERNEL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "api.h"
#include "hv/libos.h"
#include "hv/miee.h"
#include "lerrno.h"
#include "vma.h"

#define PAGE 4096ull
#define PAGE_DOWN(x) ((uint64_t)(x) & ~(PAGE - 1))
#define PAGE_UP(x) (((uint64_t)(x) + PAGE - 1) & ~(PAGE - 1))
/* An MIEE-physical address through the direct map. */
#define DM(pa) ((void *)(uintptr_t)(LIBOS_DIRECT_MAP + (uint64_t)(pa)))

/* GDT selectors (gdt in entry.S): STAR wants user data at base + 8 and
 * 64-bit user code at base + 16 (SDM Vol. 2B SYSRET). */
#define SEL_KCODE 0x08
#define SEL_KDATA 0x10
#define SEL_UCODE32 0x18
#define SEL_UDATA 0x23
#define SEL_UCODE 0x2b
#define SEL_TSS 0x30

#include "thread.h"

/* A copy of the boot page, checked (main.c). */
extern struct libos_boot boot;

/* hc.c: hypercalls and the end of the MIEE */
uint64_t hcall(uint64_t nr, uint64_t b, uint64_t c, uint64_t d);
void hc_init(void);
int hc_call_locked(void);	/* hc_call that never drops the lock */
extern uint64_t hc_win;		/* this MIEE's per-slot data window (thread.c) */
__attribute__((noreturn)) void libos_exit(uint64_t status);
__attribute__((noreturn, format(printf, 2, 3))) void libos_abort(int reason, const char *fmt, ...);
int utpm_random(void *dst, size_t n);

/* fmt.c */
size_t fmt_v(char *buf, size_t size, const char *fmt, va_list ap);

/* string.c */
void *memcpy(void *d, const void *s, size_t n);
void *memset(void *d, int c, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);

/* mm.c: frames, page tables, demand faults */
#define PTE_P (1ull << 0)
#define PTE_W (1ull << 1)
#define PTE_U (1ull << 2)
#define PTE_PS (1ull << 7)
#define PTE_NX (1ull << 63)
#define PTE_ADDR 0x000ffffffffff000ull
extern struct vma_map vmas;
extern uint64_t mm_pages_mapped;	/* dynamic frames in use, for --stats */
void mm_init(void);
int frame_alloc(uint64_t *pa);		/* zeroed; 0 or -ENOMEM */
void frame_free(uint64_t pa);
int pt_map(uint64_t va, uint64_t pa, uint64_t pte_flags);
uint64_t *pt_pte(uint64_t va);		/* the present leaf, or NULL */
void pt_unmap_range(uint64_t start, uint64_t end);
void pt_protect_range(uint64_t start, uint64_t end, uint32_t prot);
uint64_t pte_flags_of(uint32_t prot);
/* Makes the page at va present with the right asked (1 write, 2 exec,
 * 0 read) if a VMA allows it: 0, or -EFAULT. */
int mm_touch(uint64_t va, int access);

/* mem.c: the memory system calls */
long sys_mmap(uint64_t addr, uint64_t len, uint64_t prot, uint64_t flags, uint64_t fd, uint64_t off);
long sys_munmap(uint64_t addr, uint64_t len);
long sys_mprotect(uint64_t addr, uint64_t len, uint64_t prot);
long sys_mremap(uint64_t old, uint64_t olen, uint64_t nlen, uint64_t flags, uint64_t naddr);
long sys_brk(uint64_t addr);
long sys_madvise(uint64_t addr, uint64_t len, uint64_t advice);
void mem_set_brk(uint64_t base);

/* exec.c */
__attribute__((noreturn)) void exec_program(void);

/* trap.c */
void trap_init(void);
void trap_syscall_msrs(void);	/* STAR, LSTAR, SFMASK: each slot's own */
__attribute__((noreturn)) void enter_user(struct regs *r);
void trap(struct regs *r);

/* sys.c */
void syscall_dispatch(struct regs *r);
extern uint64_t st_handled, st_forwarded, st_refused;
long refuse(unsigned nr, const char *name, long err);
int64_t clock_ns(int clk);	/* the host's clock, checked: ns or -errno */

/* ckpt.c: checkpoint and restore (docs/libos.md) */
extern int ckpt_pending;		/* the runner asked for a checkpoint */
void ckpt_note(uint64_t host_flags);	/* from every host-call answer */
void ckpt_take(struct regs *r, unsigned nr);	/* returns only if refused */
void ckpt_boot(void);			/* --restore: never returns */
int mm_ckpt_range(uint64_t *used_end, uint64_t *backed_end);
int mm_back_to(uint64_t end);
void sys_tls_get(uint64_t *fs, uint64_t *gs);
void sys_tls_set(uint64_t fs, uint64_t gs);

/* signal.c */
void sig_fault(struct regs *r, int sig, int code, uint64_t addr);
void sig_deliver_pending(struct regs *r);
long sys_rt_sigaction(uint64_t sig, uint64_t act, uint64_t oact, uint64_t size);
long sys_rt_sigprocmask(uint64_t how, uint64_t set, uint64_t oset, uint64_t size);
long sys_sigaltstack(uint64_t ss, uint64_t oss, struct regs *r);
long sys_rt_sigreturn(struct regs *r);
long sys_kill_self(uint64_t sig);

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ __volatile__("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

static inline void invlpg(uint64_t va)
{
	__asm__ __volatile__("invlpg (%0)" : : "r"(va) : "memory");
}

static inline uint64_t read_cr2(void)
{
	uint64_t v;

	__asm__ __volatile__("mov %%cr2, %0" : "=r"(v));
	return v;
}

#endif
