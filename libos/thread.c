/* Threads of the program inside the MIEE (libOS CPL 0): clone makes a
 * thread slot with HC_MIEE_SLOT_NEW whose every register comes from here,
 * the runner only learns its number (LIBOS_HC_SPAWN) and lends it time;
 * exit ends the slot (HC_MIEE_SLOT_EXIT), exit_group the MIEE. One lock
 * (libos_lock) covers all of the libOS's state: taken on every way in from
 * the program, dropped only around PARK and a forwarded call's host call,
 * so slots really run in parallel in the program and in the host.
 * docs/libos.md, "Threads". */
#include "kernel.h"
#include "hv/hypercall.h"

#define KSTACK_SIZE 24576	/* the first thread's is entry.S's */
#define MSR_GS_BASE 0xc0000101u
#define MSR_KERNEL_GS_BASE 0xc0000102u
#define USER_TOP 0x0000800000000000ull
#define E2BIG_ 7	/* E2BIG */

#define CLONE_VM 0x100ull
#define CLONE_FS 0x200ull
#define CLONE_FILES 0x400ull
#define CLONE_SIGHAND 0x800ull
#define CLONE_VFORK 0x4000ull
#define CLONE_THREAD 0x10000ull
#define CLONE_SYSVSEM 0x40000ull
#define CLONE_SETTLS 0x80000ull
#define CLONE_PARENT_SETTID 0x100000ull
#define CLONE_CHILD_CLEARTID 0x200000ull
#define CLONE_DETACHED 0x400000ull
#define CLONE_CHILD_SETTID 0x1000000ull
/* What pthread_create (glibc, musl) passes, and what may come with it. */
#define CLONE_NEEDED (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD)
#define CLONE_OPTIONAL (CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID | \
			CLONE_CHILD_CLEARTID | CLONE_DETACHED | CLONE_CHILD_SETTID)

volatile uint32_t libos_lock;
struct thread_tab ttab;
static struct thread threads[THREADS_MAX];
static struct futex_q futexq;
static unsigned char kstacks[THREADS_MAX][KSTACK_SIZE] __attribute__((aligned(4096)));
uint64_t hc_win = LIBOS_HC_DATA_MAX;	/* each slot's data window */

extern unsigned char kstack_top[], tss[];
extern uint64_t tss_desc[];
extern void thread_entry(void);
void thread_start(struct thread *t);
void syscall_locked(struct regs *r);
void trap_locked(struct regs *r);

void klock(void)
{
	while (__atomic_exchange_n(&libos_lock, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&libos_lock, __ATOMIC_RELAXED))
			__asm__ __volatile__("pause");
}

void kunlock(void)
{
	__atomic_store_n(&libos_lock, 0, __ATOMIC_RELEASE);
}

/* The ways in from the program (entry.S): the lock around everything. */
void syscall_locked(struct regs *r)
{
	klock();
	syscall_dispatch(r);
	kunlock();
}

void trap_locked(struct regs *r)
{
	if ((r->cs & 3) == 0) {
		trap(r);	/* a fault in the libOS: it ends the MIEE, lock or not */
		return;
	}
	klock();
	trap(r);
	kunlock();
}

static uint64_t kstack_of(unsigned i)
{
	return i == 0 ? (uint64_t)(uintptr_t)kstack_top : (uint64_t)(uintptr_t)(kstacks[i] + KSTACK_SIZE);
}

static unsigned char *tss_of(unsigned i)
{
	return i == 0 ? tss : threads[i].tss;
}

/* Thread i's TSS descriptor (GDT entry SEL_TSS + 16 i, entry.S), not busy,
 * and its TSS with RSP0 = its kernel stack: exceptions from the program land
 * on the stack of the slot they happen in. SDM Vol. 3A 7.2.3. */
static uint16_t tss_setup(unsigned i)
{
	unsigned char *t = tss_of(i);
	uint64_t base = (uint64_t)(uintptr_t)t, rsp0 = kstack_of(i);
	uint64_t *d = tss_desc + 2 * i;

	memset(t, 0, 104);
	memcpy(t + 4, &rsp0, 8);
	t[102] = 104;
	d[0] = 103 | (base & 0xffffff) << 16 | 0x89ull << 40 | ((base >> 24) & 0xff) << 56;
	d[1] = base >> 32;
	return (uint16_t)(SEL_TSS + 16 * i);
}

static void thread_clear(struct thread *t, unsigned i)
{
	memset(t, 0, sizeof(*t));
	t->self = t;
	t->index = i;
	t->kstack_top = kstack_of(i);
	t->sig_alt.flags = 2;	/* SS_DISABLE */
}

void thread_boot(void)
{
	struct thread *t = &threads[0];

	thread_clear(t, 0);
	t->tid = 100;
	t->state = T_RUNNING;
	wrmsr(MSR_GS_BASE, (uint64_t)(uintptr_t)t);
	wrmsr(MSR_KERNEL_GS_BASE, 0);	/* the program's GS base */
}

void thread_init(void)
{
	tt_init(&ttab, boot.threads, 100);
	if (tt_alloc(&ttab) != 0)
		libos_abort(LIBOS_ABORT_BOOT, "libos: thread table");
	threads[0].tid = ttab.tid[0];
	fq_init(&futexq);
	hc_win = LIBOS_HC_WINDOW(boot.threads);
}

/* Hypercall with RBX out (HC_MIEE_SLOT_NEW). */
static uint64_t hcall_rbx(uint64_t nr, uint64_t b, uint64_t *rbx)
{
	uint64_t a = nr, c = 0, d = 0;
	uint32_t f = HV_CPUID_FEATURES, x1, x2 = 0, x3;

	__asm__ __volatile__("cpuid" : "+a"(f), "=b"(x1), "+c"(x2), "=d"(x3));
	if (f & HV_FEAT_VMMCALL)
		__asm__ __volatile__("vmmcall" : "+a"(a), "+b"(b), "+c"(c), "+d"(d)
				     : : "rsi", "rdi", "r8", "r9", "r10", "r11", "memory", "cc");
	else
		__asm__ __volatile__("vmcall" : "+a"(a), "+b"(b), "+c"(c), "+d"(d)
				     : : "rsi", "rdi", "r8", "r9", "r10", "r11", "memory", "cc");
	*rbx = b;
	return a;
}

/* A runner-side host call of this slot (SPAWN, PARK, UNPARK): its ret. */
static int64_t slot_hc(uint32_t nr, int64_t a0, int64_t a1)
{
	struct libos_hc *hc = hc_request();

	hc->nr = nr;
	hc->args[0] = a0;
	hc->args[1] = a1;
	hc->in_len = 0;
	if (hc_call_locked())
		return -EIO;
	return *(volatile int64_t *)&hc->ret;
}

long sys_clone(struct regs *r, uint64_t flags, uint64_t sp, uint64_t ptid, uint64_t ctid,
	       uint64_t tls)
{
	struct thread *p = cur_thread(), *t;
	uint64_t slot, st;
	int i;

	if (!(flags & CLONE_VM) || (flags & CLONE_VFORK))
		return refuse(56, "clone", -ENOSYS);	/* no CLONE_VM, or vfork: no processes */
	if ((flags & CLONE_NEEDED) != CLONE_NEEDED || (flags & ~(CLONE_NEEDED | CLONE_OPTIONAL)))
		return -EINVAL;	/* a thread shares all, and signals no parent (exit signal 0) */
	if (!sp || sp >= USER_TOP || ((flags & CLONE_SETTLS) && tls >= USER_TOP))
		return -EINVAL;
	i = tt_alloc(&ttab);
	if (i < 0) {
		/* The limit of the measured layout (manifest 'threads N' or
		 * --threads N): Linux's EAGAIN for RLIMIT_NPROC, and a line. */
		libos_log("libos: clone refused -> EAGAIN: limit threads %u (all live)", ttab.limit);
		return -EAGAIN;
	}
	t = &threads[i];
	thread_clear(t, (unsigned)i);
	t->tid = ttab.tid[i];
	t->fs_base = flags & CLONE_SETTLS ? tls : p->fs_base;
	t->gs_base = p->gs_base;
	t->clear_tid = flags & CLONE_CHILD_CLEARTID ? ctid : 0;
	t->sig_blocked = p->sig_blocked;
	t->start = *r;
	t->start.rax = 0;
	t->start.rsp = sp;
	if (((flags & CLONE_PARENT_SETTID) && copy_to_user(ptid, &t->tid, 4)) ||
	    ((flags & CLONE_CHILD_SETTID) && copy_to_user(ctid, &t->tid, 4))) {
		tt_free(&ttab, (unsigned)i);
		return -EFAULT;
	}
	t->ss.rip = (uint64_t)(uintptr_t)thread_entry;
	t->ss.rsp = t->kstack_top;
	t->ss.arg = (uint64_t)(uintptr_t)t;
	t->ss.fs_base = t->fs_base;
	t->ss.gs_base = (uint64_t)(uintptr_t)t;
	t->state = T_STARTING;
	st = hcall_rbx(HC_MIEE_SLOT_NEW, (uint64_t)(uintptr_t)&t->ss, &slot);
	if (st || slot == 0 || slot >= THREADS_MAX) {
		if (st != (uint64_t)(int64_t)MIEE_ELIMIT)
			libos_log("libos: HC_MIEE_SLOT_NEW refused: %ld", (long)st);
		t->state = T_FREE;
		tt_free(&ttab, (unsigned)i);
		return -EAGAIN;
	}
	t->slot = (uint32_t)slot;
	t->fw.slot = (uint32_t)slot;
	if (slot_hc(LIBOS_HC_SPAWN, (int64_t)slot, 0) != 0) {
		/* The slot lives on in the hypervisor: it ends itself if the
		 * host ever enters it (thread_start); the entry stays taken. */
		t->state = T_CANCELLED;
		return -EAGAIN;
	}
	return t->tid;
}

/* clone3's struct clone_args (include/uapi/linux/sched.h), the fields up
 * to tls (CLONE_ARGS_SIZE_VER0 = 64). As in Linux, pidfd and cgroup are
 * read only with CLONE_PIDFD / CLONE_INTO_CGROUP (refused here with every
 * flag a thread does not pass): glibc's pthread_create fills pidfd
 * without CLONE_PIDFD. set_tid must be empty; a thread has no exit signal. */
struct clone_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
	uint64_t set_tid, set_tid_size, cgroup;
};

long sys_clone3(struct regs *r, uint64_t uargs, uint64_t size)
{
	struct clone_args a;

	if (size < 64 || size > 4096)
		return -EINVAL;
	memset(&a, 0, sizeof(a));
	if (copy_from_user(&a, uargs, size < sizeof(a) ? size : sizeof(a)))
		return -EFAULT;
	if (size > sizeof(a)) {
		unsigned char rest[64];
		uint64_t off = sizeof(a);

		while (off < size) {	/* Linux: unknown fields must be 0 */
			uint64_t k = size - off < sizeof(rest) ? size - off : sizeof(rest), j;

			if (copy_from_user(rest, uargs + off, k))
				return -EFAULT;
			for (j = 0; j < k; j++)
				if (rest[j])
					return -E2BIG_;
			off += k;
		}
	}
	if (a.exit_signal || a.set_tid || a.set_tid_size)
		return -EINVAL;
	if (!a.stack || !a.stack_size || a.stack + a.stack_size < a.stack)
		return (a.flags & CLONE_VM) ? -EINVAL : sys_clone(r, a.flags, 0, 0, 0, 0);
	return sys_clone(r, a.flags, a.stack + a.stack_size, a.parent_tid, a.child_tid, a.tls);
}

/* The end of the calling slot: the lock is released by the same asm that
 * makes the hypercall, after which nothing of this thread's memory (its
 * struct, its kernel stack, both free now) is touched again. */
static __attribute__((noreturn)) void slot_exit_unlocked(uint64_t status)
{
	uint32_t f = HV_CPUID_FEATURES, x1, x2 = 0, x3;

	__asm__ __volatile__("cpuid" : "+a"(f), "=b"(x1), "+c"(x2), "=d"(x3));
	for (;;) {
		if (f & HV_FEAT_VMMCALL)
			__asm__ __volatile__("movl $0, %0\n\tvmmcall"
					     : "=m"(libos_lock)
					     : "a"((uint64_t)HC_MIEE_SLOT_EXIT), "b"(status)
					     : "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "memory");
		else
			__asm__ __volatile__("movl $0, %0\n\tvmcall"
					     : "=m"(libos_lock)
					     : "a"((uint64_t)HC_MIEE_SLOT_EXIT), "b"(status)
					     : "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "memory");
		klock();	/* refused: never expected; try again */
	}
}

/* The first instructions of a new slot (entry.S thread_entry: RDI = t, RSP
 * its kernel stack, GS base t). The parent holds the lock until the thread
 * is ready; the host may enter the slot at any moment after SLOT_NEW. */
void thread_start(struct thread *t)
{
	uint16_t sel;

	klock();
	if (t->state != T_STARTING) {
		if (t->state == T_CANCELLED) {
			t->state = T_FREE;
			tt_free(&ttab, t->index);
		}
		slot_exit_unlocked(0);
	}
	sel = tss_setup(t->index);
	__asm__ __volatile__("ltr %w0" : : "r"(sel));
	trap_syscall_msrs();
	wrmsr(MSR_KERNEL_GS_BASE, t->gs_base);
	t->state = T_RUNNING;
	kunlock();
	enter_user(&t->start);
}

static int env_read_word(uint64_t addr, uint32_t *v)
{
	return copy_from_user(v, addr, 4) ? -EFAULT : 0;
}

static int env_read_time(uint64_t uaddr, int64_t *sec, int64_t *nsec)
{
	int64_t ts[2];

	if (copy_from_user(ts, uaddr, sizeof(ts)))
		return -EFAULT;
	*sec = ts[0];
	*nsec = ts[1];
	return 0;
}

static void env_park(unsigned slot, int64_t ns)
{
	slot_hc(LIBOS_HC_PARK, slot, ns);
}

static void env_unpark(unsigned slot)
{
	slot_hc(LIBOS_HC_UNPARK, slot, 0);
}

static int env_interrupted(void)
{
	struct thread *t = cur_thread();

	return (t->sig_pending & ~t->sig_blocked) != 0;
}

static unsigned env_live(void)
{
	return ttab.nlive;
}

static const struct futex_env fenv = {
	.read_word = env_read_word,
	.read_time = env_read_time,
	.now = clock_ns,
	.park = env_park,
	.unpark = env_unpark,
	.lock = klock,
	.unlock = kunlock,
	.interrupted = env_interrupted,
	.live = env_live,
};

long thread_futex(uint64_t uaddr, uint64_t op, uint64_t val, uint64_t utime, uint64_t uaddr2,
		  uint64_t val3)
{
	struct thread *t = cur_thread();

	t->fw.slot = t->slot;
	return futex_op(&futexq, &fenv, &t->fw, uaddr, op, val, utime, uaddr2, val3);
}

void thread_exit(uint64_t status)
{
	struct thread *t = cur_thread();
	uint32_t zero = 0;

	if (ttab.nlive <= 1)
		libos_exit(LIBOS_EXIT_CODE(status));	/* the last thread: the process ends */
	/* CLONE_CHILD_CLEARTID: pthread_join waits on this word. */
	if (t->clear_tid && !copy_to_user(t->clear_tid, &zero, 4))
		fq_wake(&futexq, &fenv, t->clear_tid, FUTEX_BITSET_ANY, 1);
	if (t->fw.queued)
		libos_abort(LIBOS_ABORT_FAULT, "libos: exiting thread still on a futex queue");
	t->state = T_FREE;
	tt_free(&ttab, t->index);
	slot_exit_unlocked(status & 0xff);
}

long thread_kill(int64_t tid, uint64_t sig)
{
	struct thread *t;
	int i;

	if (sig > 64)
		return -EINVAL;
	if (tid <= 0 || tid > 0x7fffffff)
		return -EINVAL;
	i = tt_find(&ttab, (int32_t)tid);
	if (i < 0)
		return -ESRCH;
	t = &threads[i];
	if (t == cur_thread())
		return sys_kill_self(sig);
	if (!sig)
		return 0;
	/* Its pending set; it takes the signal at its next return to the
	 * program. A wait it sits in ends with EINTR (thread_futex). */
	t->sig_pending |= 1ull << (sig - 1);
	if (t->state == T_RUNNING && t->fw.queued)
		env_unpark(t->slot);
	return 0;
}

long thread_yield(void)
{
	struct thread *t = cur_thread();

	if (ttab.nlive <= 1)
		return 0;
	kunlock();
	slot_hc(LIBOS_HC_PARK, t->slot, 0);
	klock();
	return 0;
}

unsigned int libos_threads_live(void)
{
	return ttab.nlive;
}

unsigned thread_cpus(void)
{
	return ttab.limit;
}

void thread_tlb_flush(void)
{
	if (ttab.nlive > 1)
		hcall(HC_MIEE_FLUSH, 0, 0, 0);
}
