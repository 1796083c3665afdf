/* Signals inside the MIEE: the program's dispositions and mask, the
 * alternate stack, delivery of the faults the libOS sees (SIGSEGV,
 * SIGBUS, SIGFPE, SIGILL, SIGTRAP) and of signals it sends itself (kill,
 * tgkill, raise) with a Linux rt signal frame, and rt_sigreturn. The
 * frame holds the FXSAVE image of the program's x87/SSE state (the libOS
 * itself uses general registers only). docs/libos.md, "Signals". */
#include "kernel.h"

#define NSIG 64
#define SIGKILL 9
#define SIGSEGV 11
#define SIGCHLD 17
#define SIGCONT 18
#define SIGSTOP 19
#define SIGTSTP 20
#define SIGTTIN 21
#define SIGTTOU 22
#define SIGURG 23
#define SIGWINCH 28
#define SIG_DFL 0ull
#define SIG_IGN 1ull
#define SA_SIGINFO 0x4ull
#define SA_ONSTACK 0x08000000ull
#define SA_RESTORER 0x04000000ull
#define SA_NODEFER 0x40000000ull
#define SA_RESETHAND 0x80000000ull
#define SS_ONSTACK 1
#define SS_DISABLE 2
#define SI_USER 0
#define SI_TKILL (-6)
#define MINSIGSTKSZ 2048
#define BIT(s) (1ull << ((s) - 1))
#define UNBLOCKABLE (BIT(SIGKILL) | BIT(SIGSTOP))
#define RFLAGS_USER 0x254dd5ull	/* CF PF AF ZF SF TF DF OF AC ID: the program's own */
#define USER_TOP 0x0000800000000000ull

struct ksigaction {
	uint64_t handler, flags, restorer, mask;
};

struct sigcontext {
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
	uint16_t cs, gs, fs, ss;
	uint64_t err, trapno, oldmask, cr2, fpstate;
	uint64_t reserved[8];
};
_Static_assert(sizeof(struct sigcontext) == 256, "sigcontext layout");

struct ucontext {
	uint64_t flags, link;
	struct kstack stack;
	struct sigcontext mc;
	uint64_t sigmask;
};
_Static_assert(sizeof(struct ucontext) == 304, "ucontext layout");

struct siginfo {
	int32_t signo, err, code, pad;
	uint64_t addr;		/* si_addr (faults) / si_pid, si_uid (kill) */
	uint64_t rest[13];
};
_Static_assert(sizeof(struct siginfo) == 128, "siginfo layout");

struct rt_frame {
	uint64_t pretcode;	/* the restorer: the handler's return address */
	struct ucontext uc;
	struct siginfo info;
};

static struct ksigaction act[NSIG + 1];
/* The mask, the pending set and the alternate stack are each thread's
 * (struct thread, libos/thread.h); the dispositions are the process's. */
#define blocked (cur_thread()->sig_blocked)
#define pending (cur_thread()->sig_pending)
#define alt (cur_thread()->sig_alt)
static unsigned char fx[512] __attribute__((aligned(64)));

static void kill_by(int sig, const char *why, uint64_t rip, uint64_t addr)
{
	libos_log("libos: program killed by signal %d (%s) at rip 0x%lx, address 0x%lx", sig, why, rip,
		  addr);
	libos_exit(LIBOS_EXIT_SIGNAL(sig));
}

static int on_alt(uint64_t sp)
{
	return !(alt.flags & SS_DISABLE) && sp > alt.sp && sp - alt.sp <= alt.size;
}

/* Builds the rt frame on the program's stack and points r at the handler.
 * 0, or -EFAULT if the stack cannot take it. */
static int deliver(struct regs *r, int sig, int code, uint64_t addr)
{
	const struct ksigaction *a = &act[sig];
	struct rt_frame f;
	uint64_t sp = r->rsp - 128, fxp;	/* below the red zone */

	if ((a->flags & SA_ONSTACK) && !(alt.flags & SS_DISABLE) && !on_alt(r->rsp))
		sp = alt.sp + alt.size;
	sp = (sp - sizeof(fx)) & ~63ull;
	fxp = sp;
	__asm__ __volatile__("fxsave64 %0" : "=m"(fx));
	if (copy_to_user(fxp, fx, sizeof(fx)))
		return -EFAULT;
	sp = ((sp - sizeof(f)) & ~15ull) - 8;
	memset(&f, 0, sizeof(f));
	f.pretcode = a->restorer;
	f.uc.stack.sp = alt.sp;
	f.uc.stack.flags = alt.flags | (on_alt(r->rsp) ? SS_ONSTACK : 0);
	f.uc.stack.size = alt.size;
	f.uc.mc = (struct sigcontext){
		.r8 = r->r8, .r9 = r->r9, .r10 = r->r10, .r11 = r->r11, .r12 = r->r12,
		.r13 = r->r13, .r14 = r->r14, .r15 = r->r15, .rdi = r->rdi, .rsi = r->rsi,
		.rbp = r->rbp, .rbx = r->rbx, .rdx = r->rdx, .rax = r->rax, .rcx = r->rcx,
		.rsp = r->rsp, .rip = r->rip, .eflags = r->rflags, .cs = SEL_UCODE, .ss = SEL_UDATA,
		.err = r->err, .trapno = r->vec < 32 ? r->vec : 0, .oldmask = blocked,
		.cr2 = r->vec == 14 ? addr : 0, .fpstate = fxp,
	};
	f.uc.sigmask = blocked;
	f.info.signo = sig;
	f.info.code = code;
	f.info.addr = code > 0 ? addr : 100;	/* faults: si_addr; else si_pid */
	if (copy_to_user(sp, &f, sizeof(f)))
		return -EFAULT;
	r->rsp = sp;
	r->rip = a->handler;
	r->rdi = (uint64_t)sig;
	r->rsi = sp + __builtin_offsetof(struct rt_frame, info);
	r->rdx = sp + __builtin_offsetof(struct rt_frame, uc);
	r->rax = 0;
	r->rflags &= ~(1ull << 8 | 1ull << 10);	/* TF, DF clear, as Linux */
	blocked |= a->mask | (a->flags & SA_NODEFER ? 0 : BIT(sig));
	blocked &= ~UNBLOCKABLE;
	if (a->flags & SA_RESETHAND)
		act[sig].handler = SIG_DFL;
	return 0;
}

void sig_fault(struct regs *r, int sig, int code, uint64_t addr)
{
	const struct ksigaction *a = &act[sig];

	if ((blocked & BIT(sig)) || a->handler == SIG_DFL || a->handler == SIG_IGN)
		kill_by(sig, "a fault", r->rip, addr);
	if (deliver(r, sig, code, addr))
		kill_by(SIGSEGV, "no stack for the signal frame", r->rip, r->rsp);
}

static int ignored_by_default(int sig)
{
	return sig == SIGCHLD || sig == SIGURG || sig == SIGWINCH || sig == SIGCONT ||
	       sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

void sig_deliver_pending(struct regs *r)
{
	int sig;

	for (sig = 1; sig <= NSIG && (pending & ~blocked); sig++) {
		const struct ksigaction *a = &act[sig];

		if (!(pending & ~blocked & BIT(sig)))
			continue;
		pending &= ~BIT(sig);
		if (a->handler == SIG_IGN || (a->handler == SIG_DFL && ignored_by_default(sig)))
			continue;
		if (a->handler == SIG_DFL)
			kill_by(sig, "sent by the program", r->rip, 0);
		if (deliver(r, sig, SI_TKILL, 0))
			kill_by(SIGSEGV, "no stack for the signal frame", r->rip, r->rsp);
		return;		/* one frame at a time; the rest after sigreturn */
	}
}

long sys_kill_self(uint64_t sig)
{
	if (sig > NSIG)
		return -EINVAL;
	if (sig)
		pending |= BIT(sig);
	return 0;
}

long sys_rt_sigaction(uint64_t sig, uint64_t uact, uint64_t uoact, uint64_t size)
{
	struct ksigaction k;

	if (size != 8 || sig < 1 || sig > NSIG)
		return -EINVAL;
	if (uact && (sig == SIGKILL || sig == SIGSTOP))
		return -EINVAL;
	if (uact && copy_from_user(&k, uact, sizeof(k)))
		return -EFAULT;
	if (uact && k.handler > SIG_IGN && (!(k.flags & SA_RESTORER) || k.restorer >= USER_TOP))
		return -EINVAL;	/* x86-64 handlers return through SA_RESTORER */
	if (uoact && copy_to_user(uoact, &act[sig], sizeof(act[sig])))
		return -EFAULT;
	if (uact) {
		k.mask &= ~UNBLOCKABLE;
		act[sig] = k;
	}
	return 0;
}

long sys_rt_sigprocmask(uint64_t how, uint64_t uset, uint64_t uoset, uint64_t size)
{
	uint64_t set, old = blocked;

	if (size != 8)
		return -EINVAL;
	if (uset) {
		if (how > 2)
			return -EINVAL;
		if (copy_from_user(&set, uset, 8))
			return -EFAULT;
	}
	if (uoset && copy_to_user(uoset, &old, 8))
		return -EFAULT;
	if (uset) {
		if (how == 0)
			blocked |= set;
		else if (how == 1)
			blocked &= ~set;
		else
			blocked = set;
		blocked &= ~UNBLOCKABLE;
	}
	return 0;
}

long sys_sigaltstack(uint64_t uss, uint64_t uoss, struct regs *r)
{
	struct kstack n, o = alt;

	o.flags = alt.flags | (on_alt(r->rsp) ? SS_ONSTACK : 0);
	if (uss) {
		if (copy_from_user(&n, uss, sizeof(n)))
			return -EFAULT;
		if (on_alt(r->rsp))
			return -EPERM;
		if (n.flags & ~SS_DISABLE)
			return -EINVAL;
		if (!(n.flags & SS_DISABLE)) {
			if (n.size < MINSIGSTKSZ)
				return -ENOMEM;
			if (n.sp >= USER_TOP || n.size > USER_TOP - n.sp)
				return -EINVAL;
		} else {
			n.sp = 0;
			n.size = 0;
		}
	}
	if (uoss && copy_to_user(uoss, &o, sizeof(o)))
		return -EFAULT;
	if (uss)
		alt = n;
	return 0;
}

/* rt_sigreturn: the ucontext is where the handler's RET left RSP. Every
 * value comes from the program's memory, so each is forced back into
 * what CPL 3 may have: user selectors, its own RFLAGS bits, a canonical
 * RIP, an MXCSR without reserved bits. */
long sys_rt_sigreturn(struct regs *r)
{
	struct ucontext uc;
	uint32_t mxcsr_mask;

	if (copy_from_user(&uc, r->rsp, sizeof(uc)))
		kill_by(SIGSEGV, "rt_sigreturn with no frame", r->rip, r->rsp);
	if (uc.mc.rip >= USER_TOP)
		kill_by(SIGSEGV, "rt_sigreturn to a non-canonical or kernel address", r->rip, uc.mc.rip);
	if (uc.mc.fpstate) {
		/* The CPU's own MXCSR_MASK, not the frame's (SDM Vol. 1 11.6.6). */
		__asm__ __volatile__("fxsave64 %0" : "=m"(fx));
		memcpy(&mxcsr_mask, fx + 28, 4);
		if (copy_from_user(fx, uc.mc.fpstate, sizeof(fx)))
			kill_by(SIGSEGV, "rt_sigreturn with a bad FP state pointer", r->rip, uc.mc.fpstate);
		if (!mxcsr_mask)
			mxcsr_mask = 0xffbf;
		fx[24] &= (unsigned char)mxcsr_mask;
		fx[25] &= (unsigned char)(mxcsr_mask >> 8);
		fx[26] = fx[27] = 0;
		__asm__ __volatile__("fxrstor64 %0" : : "m"(fx));
	}
	r->r8 = uc.mc.r8; r->r9 = uc.mc.r9; r->r10 = uc.mc.r10; r->r11 = uc.mc.r11;
	r->r12 = uc.mc.r12; r->r13 = uc.mc.r13; r->r14 = uc.mc.r14; r->r15 = uc.mc.r15;
	r->rdi = uc.mc.rdi; r->rsi = uc.mc.rsi; r->rbp = uc.mc.rbp; r->rbx = uc.mc.rbx;
	r->rdx = uc.mc.rdx; r->rax = uc.mc.rax; r->rcx = uc.mc.rcx; r->rsp = uc.mc.rsp;
	r->rip = uc.mc.rip;
	r->rflags = (r->rflags & ~RFLAGS_USER) | (uc.mc.eflags & RFLAGS_USER) | (1ull << 9);
	r->cs = SEL_UCODE;
	r->ss = SEL_UDATA;
	blocked = uc.sigmask & ~UNBLOCKABLE;
	return (long)r->rax;
}
