/* Signals inside the MIEE: the program's dispositions and mask, the
 * alternate stack, delivery of the faults the libOS sees (SIGSEGV,
 * SIGBUS, SIGFPE, SIGILL, SIGTRAP) and of signals it sends itself (kill,
 * tgkill, raise) with a Linux rt signal frame, and rt_sigreturn. The
 * frame holds the program's FP state (the libOS itself uses general
 * registers only): an XSAVE image in Linux's layout (sigframe.h) when the
 * MIEE's XCR0 has more than x87|SSE, else an FXSAVE image. docs/libos.md,
 * "Signals". */
#include "kernel.h"
#include "sigframe.h"

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
/* One frame's FP part on its way to or from the program (the libOS lock
 * covers it, as all of the libOS's state). */
static unsigned char fpbuf[SIGFP_MAX] __attribute__((aligned(64)));
static struct sigfp_cfg fpc;
static uint64_t fpc_key;	/* OSXSAVE << 63 | XCR0 it was made for; 0: none yet */

static void cpuid(uint32_t leaf, uint32_t sub, uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d)
{
	*a = leaf;
	*c = sub;
	__asm__ __volatile__("cpuid" : "+a"(*a), "=b"(*b), "+c"(*c), "=d"(*d));
}

/* The frame format, from what the MIEE sees: CPUID (answered by the
 * hypervisor, OSXSAVE from the MIEE's CR4) and XCR0 (the OS's, fixed for
 * the MIEE's life: docs/miee.md). Checked again at each use (one CPUID,
 * one XGETBV) because a checkpoint restores this file's data in an MIEE
 * that may have another XCR0; CPUID 0xd is asked only when it changed. */
static const struct sigfp_cfg *fp_cfg(void)
{
	uint32_t a, b = 0, c, d, i;
	uint64_t xcr0 = 0, xfd = 0, key;
	const char *why = "";
	int osxsave;

	cpuid(1, 0, &a, &b, &c, &d);
	osxsave = (c >> 27) & 1;
	if (osxsave) {
		__asm__ __volatile__("xgetbv" : "=a"(a), "=d"(d) : "c"(0));
		xcr0 = (uint64_t)d << 32 | a;
	}
	key = (uint64_t)osxsave << 63 | xcr0 | 1;
	if (key == fpc_key)
		return &fpc;
	b = 0;
	if (osxsave) {
		for (i = 2; i < 63; i++) {
			if (!(xcr0 >> i & 1))
				continue;
			cpuid(0xd, i, &a, &b, &c, &d);
			if (c & (1u << 2))	/* ECX[2]: XFD-capable (SDM Vol. 2A CPUID) */
				xfd |= 1ull << i;
		}
		cpuid(0xd, 0, &a, &b, &c, &d);	/* EBX: the size for XCR0 */
	}
	if (sigfp_setup(&fpc, osxsave, xcr0, b, xfd, &why))
		libos_abort(LIBOS_ABORT_FAULT, "libos: signal frames: %s (XCR0 0x%lx, size %u)", why, xcr0, b);
	fpc_key = key;
	return &fpc;
}

static void fp_save(const struct sigfp_cfg *c)
{
	memset(fpbuf, 0, sigfp_frame_size(c));
	if (c->xcr0)
		__asm__ __volatile__("xsave64 %0"
				     : "=m"(*(unsigned char (*)[SIGFP_MAX])fpbuf)
				     : "a"((uint32_t)c->mask), "d"((uint32_t)(c->mask >> 32)));
	else
		__asm__ __volatile__("fxsave64 %0" : "=m"(*(unsigned char (*)[512])fpbuf));
}

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
	const struct sigfp_cfg *c = fp_cfg();
	struct rt_frame f;
	uint64_t sp = r->rsp - 128, fxp, ucflags;	/* below the red zone */
	int alt_frame = on_alt(r->rsp);

	if ((a->flags & SA_ONSTACK) && !(alt.flags & SS_DISABLE) && !alt_frame) {
		sp = alt.sp + alt.size;
		alt_frame = 1;
	}
	if (sp < sigfp_frame_size(c) + sizeof(f) + 64)
		return -EFAULT;
	sp = (sp - sigfp_frame_size(c)) & ~63ull;
	fxp = sp;
	sp = ((sp - sizeof(f)) & ~15ull) - 8;
	/* A frame that does not fit the alternate stack would overwrite what
	 * lies below it: SIGSEGV instead, as Linux does. */
	if (alt_frame && sp < alt.sp)
		return -EFAULT;
	fp_save(c);
	ucflags = sigfp_seal(c, fpbuf);
	if (copy_to_user(fxp, fpbuf, sigfp_frame_size(c)))
		return -EFAULT;
	memset(&f, 0, sizeof(f));
	f.pretcode = a->restorer;
	f.uc.flags = ucflags;
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

/* The FP part of a frame back into the registers: copied into fpbuf,
 * checked (sigframe.c), then XRSTOR or FXRSTOR of the copy, so the
 * program's memory can neither fault nor change under the libOS's
 * restore. A bad frame kills with SIGSEGV before any register changes. */
static void fp_restore(struct regs *r, uint64_t ufp)
{
	const struct sigfp_cfg *c = fp_cfg();
	const char *why = "";
	uint32_t mxcsr_mask;

	/* The CPU's own MXCSR_MASK, not the frame's (SDM Vol. 1 11.6.6). */
	__asm__ __volatile__("fxsave64 %0" : "=m"(*(unsigned char (*)[512])fpbuf));
	memcpy(&mxcsr_mask, fpbuf + 28, 4);
	if (copy_from_user(fpbuf, ufp, SIGFP_FX_SIZE))
		kill_by(SIGSEGV, "rt_sigreturn with a bad FP state pointer", r->rip, ufp);
	if (sigfp_is_xsave(c, fpbuf) &&
	    copy_from_user(fpbuf + SIGFP_FX_SIZE, ufp + SIGFP_FX_SIZE, sigfp_frame_size(c) - SIGFP_FX_SIZE))
		kill_by(SIGSEGV, "rt_sigreturn with a bad FP state pointer", r->rip, ufp);
	if (sigfp_check(c, fpbuf, mxcsr_mask, &why)) {
		libos_log("libos: rt_sigreturn: %s", why);
		kill_by(SIGSEGV, "rt_sigreturn with a bad FP state", r->rip, ufp);
	}
	if (c->xcr0)
		__asm__ __volatile__("xrstor64 %0"
				     : : "m"(*(unsigned char (*)[SIGFP_MAX])fpbuf),
				       "a"((uint32_t)c->mask), "d"((uint32_t)(c->mask >> 32)));
	else
		__asm__ __volatile__("fxrstor64 %0" : : "m"(*(unsigned char (*)[512])fpbuf));
}

/* rt_sigreturn: the ucontext is where the handler's RET left RSP. Every
 * value comes from the program's memory, so each is forced back into
 * what CPL 3 may have: user selectors, its own RFLAGS bits, a canonical
 * RIP, an FP state XRSTOR or FXRSTOR takes without a fault. */
long sys_rt_sigreturn(struct regs *r)
{
	struct ucontext uc;

	if (copy_from_user(&uc, r->rsp, sizeof(uc)))
		kill_by(SIGSEGV, "rt_sigreturn with no frame", r->rip, r->rsp);
	if (uc.mc.rip >= USER_TOP)
		kill_by(SIGSEGV, "rt_sigreturn to a non-canonical or kernel address", r->rip, uc.mc.rip);
	if (uc.mc.fpstate)
		fp_restore(r, uc.mc.fpstate);
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
