/* A thread of the program: one MIEE thread slot, for its whole life
 * (libos/thread.c). In the libOS (CPL 0) the GS base points at the
 * running slot's struct thread; SWAPGS on every way in and out keeps the
 * program's GS base in KERNEL_GS_BASE meanwhile. docs/libos.md, "Threads". */
#ifndef LIBOS_THREAD_H
#define LIBOS_THREAD_H

#include <stdint.h>

#include "futex.h"
#include "hv/miee.h"

/* The frame every entry from the program builds (entry.S), lowest first. */
struct regs {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vec, err;		/* vector (VEC_SYSCALL for SYSCALL), error code */
	uint64_t rip, cs, rflags, rsp, ss;	/* the IRETQ frame */
};
#define VEC_SYSCALL 256u

/* sigaltstack's stack_t */
struct kstack {
	uint64_t sp;
	int32_t flags, pad;
	uint64_t size;
};

#define T_FREE 0
#define T_STARTING 1	/* made by clone, its slot not yet run */
#define T_RUNNING 2
#define T_CANCELLED 3	/* the runner refused LIBOS_HC_SPAWN: it ends if ever entered */

struct thread {
	struct thread *self;	/* %gs:0 */
	uint64_t kstack_top;	/* %gs:8: its kernel stack (and its TSS's RSP0) */
	uint64_t user_rsp;	/* %gs:16: the program's RSP at SYSCALL */
	uint32_t slot;		/* %gs:24: its MIEE thread slot */
	uint32_t index;		/* in threads[] and the thread table */
	int32_t tid;
	uint32_t state;
	uint32_t in_forward;	/* a forwarded call: hc_call drops the lock */
	uint32_t hc_seq;
	uint64_t fs_base, gs_base;	/* the program's */
	uint64_t clear_tid;	/* CLONE_CHILD_CLEARTID / set_tid_address */
	uint64_t robust_head;	/* set_robust_list: recorded, not walked */
	uint64_t sig_blocked, sig_pending;
	struct kstack sig_alt;
	struct fwaiter fw;
	struct regs start;	/* a new thread's first user frame */
	struct miee_slot_start ss;
	unsigned char tss[104] __attribute__((aligned(16)));
};
_Static_assert(__builtin_offsetof(struct thread, kstack_top) == 8, "entry.S %gs:8");
_Static_assert(__builtin_offsetof(struct thread, user_rsp) == 16, "entry.S %gs:16");
_Static_assert(__builtin_offsetof(struct thread, slot) == 24, "%gs:24");

static inline struct thread *cur_thread(void)
{
	struct thread *t;

	__asm__("mov %%gs:0, %0" : "=r"(t));
	return t;
}

static inline unsigned cur_slot(void)
{
	uint32_t s;

	__asm__("movl %%gs:24, %0" : "=r"(s));
	return s;
}

extern volatile uint32_t libos_lock;
extern struct thread_tab ttab;

/* thread.c */
void thread_boot(void);		/* first of all: the first thread, GS base */
void thread_init(void);		/* after the boot page: limit, window size */
void klock(void);
void kunlock(void);
long sys_clone(struct regs *r, uint64_t flags, uint64_t sp, uint64_t ptid, uint64_t ctid,
	       uint64_t tls);
long sys_clone3(struct regs *r, uint64_t uargs, uint64_t size);
__attribute__((noreturn)) void thread_exit(uint64_t status);
long thread_futex(uint64_t uaddr, uint64_t op, uint64_t val, uint64_t utime, uint64_t uaddr2,
		  uint64_t val3);
long thread_kill(int64_t tid, uint64_t sig);
long thread_yield(void);
unsigned thread_cpus(void);	/* sched_getaffinity's CPUs: boot.threads */
/* HC_MIEE_FLUSH when another slot may have cached the old translation. */
void thread_tlb_flush(void);

#endif
