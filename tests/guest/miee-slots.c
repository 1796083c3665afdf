/* emulators: bochs qemu */
/*
 * miee-slots.c: in-guest test of MIEE thread slots (docs/miee.md "Thread
 * slots") through /dev/miee, with a raw PAL of its own (assembled below,
 * copied into the MIEE's code page) and one host pthread per slot:
 *  1. slot 0 makes slots 1-3 (HC_MIEE_SLOT_NEW; a non-canonical start is
 *     MIEE_EARG); INFO shows 4 live, 4 made;
 *  2. four host threads enter the four slots at once; each slot fills its
 *     GPRs and XMM0-15 with values of its own, spins, makes a host call,
 *     and checks every one of them afterwards, for ROUNDS rounds; its sum
 *     of what it found must be the host's sum of what it wrote (no
 *     register crosses slots, whichever CPU ran what);
 *  3. slots 1-3 end with HC_MIEE_SLOT_EXIT (MIEE_EXIT_SLOT_DONE, their
 *     status); entering one again is MIEE_ESLOT (ESRCH); INFO shows 1
 *     live, 4 made; slot 0 ends the MIEE with HC_MIEE_EXIT;
 *  4. with two CPUs: two host threads entering one spinning slot at once:
 *     one of them is refused with MIEE_EBUSY (EBUSY) while the other runs
 *     it (on one CPU, as under Bochs, this cannot happen: noted);
 *  5. slot 1 calls HC_MIEE_EXIT while slot 2 spins (on the other CPU if
 *     there are two): both ENTERs return MIEE_EXIT_DONE with slot 1's
 *     status, and a later ENTER of slot 3 is refused (MIEE_ESTATE).
 * Exit status 0: every check passed; 1: a check failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "hv/hvcall.h"
#include "hv/miee.h"

#define PG 4096ul
/* The MIEE's layout (offsets = its virtual addresses, mapped 1:1 by its
 * page tables at 0x1000-0x4fff): code 0x5000, GDT 0x6000, private data
 * 0x7000, the stacks of slots 0-3 0x8000-0xbfff, shared page 0xc000. */
#define IMG_PAGES 12
#define CODE 0x5000
#define DATA 0x7000
#define SHARED 0xc000
#define NSLOT 4
/* Shared page, one word per slot k in each array: the sum of what it
 * found, registers not its own, rounds done; slot 0's SLOT_NEW for k: the
 * slot made, RAX; parameters from 0x800. */
#define SH_SUM(k) ((k) * 8)
#define SH_ERR(k) (0x100 + (k) * 8)
#define SH_ROUNDS(k) (0x200 + (k) * 8)
#define SH_SLOT(k) (0x300 + (k) * 8)
#define SH_RAX(k) (0x400 + (k) * 8)
#define SH_EARG 0x700		/* RAX of SLOT_NEW with a non-canonical RIP */
#define SH_SPIN 0x808		/* spin iterations per round */
#define SH_NROUNDS 0x810
#define SH_END(k) (0x880 + 8 * (k))	/* 0 SLOT_EXIT, 1 HC_MIEE_EXIT, 2 spin,
					 * 3 host call 0xd0e then HC_MIEE_EXIT */

/* 64-bit words, as the PAL sees them. */
static volatile uint64_t *shared;
#define SHW(off) shared[(off) / 8]

#define STR_(x) #x
#define STR(x) STR_(x)

/*
 * The PAL. Entry (slot 0): RDI = the hypercall instruction (1 VMCALL,
 * 2 VMMCALL), kept at DATA. Slot k (0-3) then runs `worker` with RDI = k
 * and its stack; frame: k, round, errors; XMM in at 64, out at 320, GPRs
 * found at 576. PAT(k, i, r) = k << 56 | i << 40 | r << 16 | 0xa5a5.
 */
__asm__(".pushsection slots_pal, \"ax\", @progbits\n"
	".globl slots_pal_start, slots_pal_end\n"
	"slots_pal_start:\n"
	"	movq %rdi, " STR(DATA) "\n"
	/* Start structs for slots 1-3 at DATA + 0x100 + 64k. */
	"	movq $1, %r12\n"
	"1:	movq %r12, %r13\n"
	"	shlq $6, %r13\n"
	"	addq $" STR(DATA) " + 0x100, %r13\n"
	"	leaq worker(%rip), %rax\n"
	"	movq %rax, 0(%r13)\n"
	"	movq %r12, %rax\n"
	"	shlq $12, %rax\n"
	"	addq $0x9000, %rax\n"
	"	movq %rax, 8(%r13)\n"
	"	movq %r12, 16(%r13)\n"
	"	movl $" STR(HC_MIEE_SLOT_NEW) ", %eax\n"
	"	movq %r13, %rbx\n"
	"	call hc\n"
	"	movq %rbx, " STR(SHARED) " + 0x300(,%r12,8)\n"
	"	movq %rax, " STR(SHARED) " + 0x400(,%r12,8)\n"
	"	incq %r12\n"
	"	cmpq $4, %r12\n"
	"	jb 1b\n"
	/* A non-canonical RIP: MIEE_EARG, nothing made. */
	"	movabsq $0x0000800000000000, %rax\n"
	"	movq %rax, " STR(DATA) " + 0x400\n"
	"	movl $" STR(HC_MIEE_SLOT_NEW) ", %eax\n"
	"	movl $" STR(DATA) " + 0x400, %ebx\n"
	"	call hc\n"
	"	movq %rax, " STR(SHARED) " + " STR(SH_EARG) "\n"
	"	xorl %edi, %edi\n"
	"worker:\n"
	"	subq $0x300, %rsp\n"
	"	movq %rdi, 0(%rsp)\n"
	"	movq $0, 8(%rsp)\n"
	"	movq $0, 16(%rsp)\n"
	"round:\n"
	"	xorl %ecx, %ecx\n"
	"2:	leaq 0x20(%rcx), %rax\n"
	"	call pat\n"
	"	movq %rax, 64(%rsp,%rcx,8)\n"
	"	incl %ecx\n"
	"	cmpl $32, %ecx\n"
	"	jb 2b\n"
	"	movdqu 64(%rsp), %xmm0\n	movdqu 80(%rsp), %xmm1\n"
	"	movdqu 96(%rsp), %xmm2\n	movdqu 112(%rsp), %xmm3\n"
	"	movdqu 128(%rsp), %xmm4\n	movdqu 144(%rsp), %xmm5\n"
	"	movdqu 160(%rsp), %xmm6\n	movdqu 176(%rsp), %xmm7\n"
	"	movdqu 192(%rsp), %xmm8\n	movdqu 208(%rsp), %xmm9\n"
	"	movdqu 224(%rsp), %xmm10\n	movdqu 240(%rsp), %xmm11\n"
	"	movdqu 256(%rsp), %xmm12\n	movdqu 272(%rsp), %xmm13\n"
	"	movdqu 288(%rsp), %xmm14\n	movdqu 304(%rsp), %xmm15\n"
	"	movl $1, %eax\n	call pat\n	movq %rax, %rcx\n"
	"	movl $3, %eax\n	call pat\n	movq %rax, %rsi\n"
	"	movl $4, %eax\n	call pat\n	movq %rax, %rdi\n"
	"	movl $5, %eax\n	call pat\n	movq %rax, %rbp\n"
	"	movl $8, %eax\n	call pat\n	movq %rax, %r8\n"
	"	movl $9, %eax\n	call pat\n	movq %rax, %r9\n"
	"	movl $10, %eax\n	call pat\n	movq %rax, %r10\n"
	"	movl $11, %eax\n	call pat\n	movq %rax, %r11\n"
	"	movl $12, %eax\n	call pat\n	movq %rax, %r12\n"
	"	movl $13, %eax\n	call pat\n	movq %rax, %r13\n"
	"	movl $14, %eax\n	call pat\n	movq %rax, %r14\n"
	"	movl $15, %eax\n	call pat\n	movq %rax, %r15\n"
	"	movl $2, %eax\n	call pat\n	movq %rax, %rdx\n"
	/* Spin (other slots run meanwhile; timer exits), then a host call. */
	"	movq " STR(SHARED) " + " STR(SH_SPIN) ", %rbx\n"
	"3:	testq %rbx, %rbx\n"
	"	jz 4f\n"
	"	decq %rbx\n"
	"	jmp 3b\n"
	"4:	movl $" STR(HC_MIEE_HOSTCALL) ", %eax\n"
	"	movq 0(%rsp), %rbx\n"
	"	call hc\n"
	/* What it finds: GPRs and XMM registers into the frame. */
	"	movq %rcx, 576+8(%rsp)\n	movq %rdx, 576+16(%rsp)\n"
	"	movq %rsi, 576+24(%rsp)\n	movq %rdi, 576+32(%rsp)\n"
	"	movq %rbp, 576+40(%rsp)\n	movq %r8, 576+64(%rsp)\n"
	"	movq %r9, 576+72(%rsp)\n	movq %r10, 576+80(%rsp)\n"
	"	movq %r11, 576+88(%rsp)\n	movq %r12, 576+96(%rsp)\n"
	"	movq %r13, 576+104(%rsp)\n	movq %r14, 576+112(%rsp)\n"
	"	movq %r15, 576+120(%rsp)\n"
	"	movdqu %xmm0, 320(%rsp)\n	movdqu %xmm1, 336(%rsp)\n"
	"	movdqu %xmm2, 352(%rsp)\n	movdqu %xmm3, 368(%rsp)\n"
	"	movdqu %xmm4, 384(%rsp)\n	movdqu %xmm5, 400(%rsp)\n"
	"	movdqu %xmm6, 416(%rsp)\n	movdqu %xmm7, 432(%rsp)\n"
	"	movdqu %xmm8, 448(%rsp)\n	movdqu %xmm9, 464(%rsp)\n"
	"	movdqu %xmm10, 480(%rsp)\n	movdqu %xmm11, 496(%rsp)\n"
	"	movdqu %xmm12, 512(%rsp)\n	movdqu %xmm13, 528(%rsp)\n"
	"	movdqu %xmm14, 544(%rsp)\n	movdqu %xmm15, 560(%rsp)\n"
	/* Check: GPR i (1-5, 8-15) against PAT(k, i, round), XMM lanes
	 * against what was loaded; the sum of everything found. */
	"	movq 0(%rsp), %r12\n"
	"	shlq $3, %r12\n"
	"	movl $1, %ecx\n"
	"5:	cmpl $6, %ecx\n"	/* 6, 7 are not in the set: to 8 */
	"	jne 10f\n"
	"	movl $8, %ecx\n"
	"10:	movq %rcx, %rax\n"
	"	call pat\n"
	"	cmpq %rax, 576(%rsp,%rcx,8)\n"
	"	je 7f\n"
	"	incq 16(%rsp)\n"
	"7:	movq 576(%rsp,%rcx,8), %rax\n"
	"	addq %rax, " STR(SHARED) "(%r12)\n"
	"	incl %ecx\n"
	"	cmpl $16, %ecx\n"
	"	jb 5b\n"
	"	xorl %ecx, %ecx\n"
	"8:	movq 64(%rsp,%rcx,8), %rax\n"
	"	cmpq %rax, 320(%rsp,%rcx,8)\n"
	"	je 9f\n"
	"	incq 16(%rsp)\n"
	"9:	movq 320(%rsp,%rcx,8), %rax\n"
	"	addq %rax, " STR(SHARED) "(%r12)\n"
	"	incl %ecx\n"
	"	cmpl $32, %ecx\n"
	"	jb 8b\n"
	"	movq 16(%rsp), %rax\n"
	"	movq %rax, " STR(SHARED) " + 0x100(%r12)\n"
	"	incq 8(%rsp)\n"
	"	movq 8(%rsp), %rax\n"
	"	movq %rax, " STR(SHARED) " + 0x200(%r12)\n"
	"	cmpq " STR(SHARED) " + " STR(SH_NROUNDS) ", %rax\n"
	"	jb round\n"
	/* The end this slot was given. */
	"	movq " STR(SHARED) " + 0x880(%r12), %rax\n"
	"	cmpq $2, %rax\n"
	"	je 12f\n"
	"	movq 0(%rsp), %rbx\n"
	"	cmpq $1, %rax\n"
	"	je 11f\n"
	"	cmpq $3, %rax\n"
	"	je 14f\n"
	"	addq $0x100, %rbx\n"
	"	movl $" STR(HC_MIEE_SLOT_EXIT) ", %eax\n"
	"	call hc\n"
	"	ud2\n"
	"11:	addq $0xe0, %rbx\n"
	"	movl $" STR(HC_MIEE_EXIT) ", %eax\n"
	"	call hc\n"
	"	ud2\n"
	"12:	jmp 12b\n"
	"14:	movl $" STR(HC_MIEE_HOSTCALL) ", %eax\n"
	"	movl $0xd0e, %ebx\n"
	"	call hc\n"
	"	movq 0(%rsp), %rbx\n"
	"	jmp 11b\n"
	/* PAT(k, i = RAX, round) into RAX; k and round from the caller's
	 * frame (8 above ours); only RAX and flags change. */
	"pat:\n"
	"	pushq %rdx\n"
	"	shlq $40, %rax\n"
	"	movq 16(%rsp), %rdx\n"
	"	shlq $56, %rdx\n"
	"	orq %rdx, %rax\n"
	"	movq 24(%rsp), %rdx\n"
	"	shlq $16, %rdx\n"
	"	orq %rdx, %rax\n"
	"	orq $0xa5a5, %rax\n"
	"	popq %rdx\n"
	"	ret\n"
	/* The hypercall this CPU has; only flags change besides the call's. */
	"hc:\n"
	"	cmpb $2, " STR(DATA) "\n"
	"	je 13f\n"
	"	vmcall\n"
	"	ret\n"
	"13:	vmmcall\n"
	"	ret\n"
	"slots_pal_end:\n"
	".popsection\n");
extern const unsigned char slots_pal_start[], slots_pal_end[];

static int failed;

#define CHECK(cond, ...)                                              \
	do {                                                          \
		if (!(cond)) {                                        \
			printf("miee-slots: FAIL: " __VA_ARGS__);     \
			printf("\n");                                 \
			failed = 1;                                   \
		}                                                     \
	} while (0)

static uint64_t pat(uint64_t k, uint64_t i, uint64_t r)
{
	return k << 56 | i << 40 | r << 16 | 0xa5a5;
}

/* What slot k must find over `rounds` rounds. */
static uint64_t want_sum(uint64_t k, uint64_t rounds)
{
	uint64_t s = 0;

	for (uint64_t r = 0; r < rounds; r++) {
		for (uint64_t i = 1; i < 16; i++)
			if (i < 6 || i > 7)
				s += pat(k, i, r);
		for (uint64_t j = 0; j < 32; j++)
			s += pat(k, 0x20 + j, r);
	}
	return s;
}

static int fd = -1;
static unsigned char *img;

static int add(uint64_t uaddr, uint64_t off, uint32_t n, uint32_t flags)
{
	struct miee_ioc_add a = { .uaddr = uaddr, .offset = off, .npages = n, .flags = flags };

	return ioctl(fd, MIEE_IOC_ADD, &a);
}

/* A fresh MIEE with the PAL, READY; shared points at its shared page. */
static int build(uint64_t spin, uint64_t rounds, const uint64_t *ends)
{
	const uint32_t rwm = MIEE_P_R | MIEE_P_W | MIEE_P_MEASURED;
	struct miee_ioc_create c = { .max_pages = 16 };
	struct miee_init in;
	uint64_t *pml4, *pdpt, *pd, *pt, *gdt;
	uintptr_t u;

	if (fd >= 0)
		close(fd);
	fd = open("/dev/miee", O_RDWR);
	if (fd < 0) {
		perror("miee-slots: /dev/miee");
		return -1;
	}
	if (!img)
		img = mmap(NULL, (IMG_PAGES + 1) * PG, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (img == MAP_FAILED)
		return -1;
	memset(img, 0, (IMG_PAGES + 1) * PG);
	u = (uintptr_t)img;
	/* img + (off - 0x1000) holds offset off. */
	pml4 = (uint64_t *)img;
	pdpt = pml4 + 512;
	pd = pdpt + 512;
	pt = pd + 512;
	pml4[0] = 0x2000 | 3;
	pdpt[0] = 0x3000 | 3;
	pd[0] = 0x4000 | 3;
	for (int i = 1; i <= IMG_PAGES; i++)
		pt[i] = (uint64_t)i * PG | 3;
	if (slots_pal_end - slots_pal_start > (long)PG)
		return -1;
	memcpy(img + CODE - 0x1000, slots_pal_start, slots_pal_end - slots_pal_start);
	gdt = (uint64_t *)(img + 0x6000 - 0x1000);
	gdt[1] = 0x00af9b000000ffffull;	/* 64-bit code, DPL 0 */
	gdt[2] = 0x00cf93000000ffffull;	/* data, DPL 0 */
	shared = (volatile uint64_t *)(img + SHARED - 0x1000);
	SHW(SH_SPIN) = spin;
	SHW(SH_NROUNDS) = rounds;
	for (int k = 0; k < NSLOT; k++)
		SHW(SH_END(k)) = ends[k];
	memset(&in, 0, sizeof(in));
	in.rip = CODE;
	in.rsp = 0x9000;
	in.cr3 = 0x1000;
	in.gdt_base = 0x6000;
	in.gdt_limit = 3 * 8 - 1;
	in.idt_base = 0x6800;
	in.idt_limit = 0;
	in.cs = 0x08;
	in.ds = 0x10;
	in.arg = (uint64_t)hvc_detect();
	if (ioctl(fd, MIEE_IOC_CREATE, &c) || add(u, 0x1000, 4, rwm) ||
	    add(u + 0x4000, CODE, 1, MIEE_P_R | MIEE_P_X | MIEE_P_MEASURED) ||
	    add(u + 0x5000, 0x6000, 1, MIEE_P_R | MIEE_P_MEASURED) ||
	    add(u + 0x6000, DATA, 5, MIEE_P_R | MIEE_P_W) ||
	    add(u + 0xb000, SHARED, 1, MIEE_P_R | MIEE_P_W | MIEE_P_SHARED) ||
	    ioctl(fd, MIEE_IOC_INIT, &in)) {
		perror("miee-slots: building the MIEE");
		return -1;
	}
	return 0;
}

static int enter(uint32_t slot, uint64_t ret, struct miee_ioc_enter *e)
{
	memset(e, 0, sizeof(*e));
	e->slot = slot;
	e->hostcall_ret = ret;
	return ioctl(fd, MIEE_IOC_ENTER, e) ? -errno : 0;
}

static int info(struct miee_info *i)
{
	return ioctl(fd, MIEE_IOC_INFO, i);
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/* One host thread per slot: enter until the slot's end. */
struct runner {
	pthread_t t;
	uint32_t slot;
	uint32_t reason;	/* the last exit reason */
	uint64_t info;
	int err;		/* an unexpected errno, or 0 */
	unsigned hostcalls, interrupts, ebusy;
	double until;		/* stop re-entering after this time (0: never) */
	uint64_t hold;		/* return on the host call with this argument */
	int dead;		/* ENTER refused because the MIEE ended (ESTATE) */
};

static void *run_slot(void *arg)
{
	struct runner *r = arg;
	struct miee_ioc_enter e;
	int err;

	for (;;) {
		if (r->until && now() > r->until)
			return NULL;
		err = enter(r->slot, 0, &e);
		if (err == -EBUSY) {
			struct miee_info i;

			/* MIEE_ESTATE and MIEE_EBUSY are both EBUSY: only a
			 * READY MIEE has busy slots. */
			if (!info(&i) && i.state == MIEE_S_DEAD) {
				r->dead = 1;
				return NULL;
			}
			r->ebusy++;
			continue;
		}
		if (err) {
			r->err = err;
			return NULL;
		}
		r->reason = e.reason;
		r->info = e.info;
		if (e.reason == MIEE_EXIT_HOSTCALL && r->hold && e.info == r->hold)
			return NULL;
		if (e.reason == MIEE_EXIT_HOSTCALL)
			r->hostcalls++;
		else if (e.reason == MIEE_EXIT_INTERRUPTED)
			r->interrupts++;
		else
			return NULL;
	}
}

#define ROUNDS 40

static void part_concurrent(void)
{
	const uint64_t ends[NSLOT] = { 3, 0, 0, 0 };	/* slot 0 ends the MIEE, last */
	struct runner r[NSLOT];
	struct miee_ioc_enter e;
	struct miee_info i;
	int err;

	if (build(20000, ROUNDS, ends)) {
		failed = 1;
		return;
	}
	/* Slot 0's first run: it makes slots 1-3, then its first host call. */
	err = enter(0, 0, &e);
	while (!err && e.reason == MIEE_EXIT_INTERRUPTED)
		err = enter(0, 0, &e);
	CHECK(!err && e.reason == MIEE_EXIT_HOSTCALL && e.info == 0,
	      "slot 0's first run: error %d, reason %u info %llu (want its first host call)",
	      err, e.reason, (unsigned long long)e.info);
	for (uint64_t k = 1; k < NSLOT; k++)
		CHECK(SHW(SH_RAX(k)) == 0 && SHW(SH_SLOT(k)) == k,
		      "SLOT_NEW %llu: RAX %lld, slot %llu (want 0, %llu)", (unsigned long long)k,
		      (long long)SHW(SH_RAX(k)), (unsigned long long)SHW(SH_SLOT(k)),
		      (unsigned long long)k);
	CHECK((int64_t)SHW(SH_EARG) == MIEE_EARG,
	      "SLOT_NEW with a non-canonical RIP: %lld (want MIEE_EARG %d)",
	      (long long)SHW(SH_EARG), MIEE_EARG);
	CHECK(!info(&i) && i.slots_live == 4 && i.slots_made == 4,
	      "INFO after SLOT_NEW: live %u made %u (want 4, 4)", i.slots_live, i.slots_made);
	printf("miee-slots: slot 0 made slots 1-3; a non-canonical start refused (MIEE_EARG); "
	       "INFO: %u live, %u made\n", i.slots_live, i.slots_made);

	/* All four at once: slot 0 resumes from its host call. */
	memset(r, 0, sizeof(r));
	for (uint32_t k = 0; k < NSLOT; k++) {
		r[k].slot = k;
		r[k].hold = 0xd0e;
		pthread_create(&r[k].t, NULL, run_slot, &r[k]);
	}
	for (uint32_t k = 1; k < NSLOT; k++)
		pthread_join(r[k].t, NULL);
	for (uint32_t k = 1; k < NSLOT; k++) {
		CHECK(!r[k].err && r[k].reason == MIEE_EXIT_SLOT_DONE && r[k].info == 0x100 + k,
		      "slot %u: error %d, end reason %u status 0x%llx (want SLOT_DONE 0x%x)", k,
		      r[k].err, r[k].reason, (unsigned long long)r[k].info, 0x100 + k);
		err = enter(k, 0, &e);
		CHECK(err == -ESRCH, "ENTER of ended slot %u: %d (want -ESRCH, MIEE_ESLOT)", k, err);
	}
	CHECK(!info(&i) && i.slots_live == 1 && i.slots_made == 4 && i.state == MIEE_S_READY,
	      "INFO after three SLOT_EXITs: state %u live %u made %u (want READY, 1, 4)",
	      i.state, i.slots_live, i.slots_made);
	pthread_join(r[0].t, NULL);
	CHECK(!r[0].err && r[0].reason == MIEE_EXIT_HOSTCALL && r[0].info == 0xd0e,
	      "slot 0: error %d, reason %u info 0x%llx (want its last host call)", r[0].err,
	      r[0].reason, (unsigned long long)r[0].info);
	err = enter(0, 0, &e);
	CHECK(!err && e.reason == MIEE_EXIT_DONE && e.info == 0xe0,
	      "slot 0's HC_MIEE_EXIT: error %d, reason %u status 0x%llx (want DONE 0xe0)", err,
	      e.reason, (unsigned long long)e.info);
	for (uint32_t k = 0; k < NSLOT; k++) {
		uint64_t want = want_sum(k, ROUNDS);

		CHECK(SHW(SH_ERR(k)) == 0 && SHW(SH_ROUNDS(k)) == ROUNDS && SHW(SH_SUM(k)) == want,
		      "slot %u: %llu registers not its own, %llu rounds, sum 0x%llx (want 0, %d, "
		      "0x%llx)", k, (unsigned long long)SHW(SH_ERR(k)),
		      (unsigned long long)SHW(SH_ROUNDS(k)), (unsigned long long)SHW(SH_SUM(k)),
		      ROUNDS, (unsigned long long)want);
		printf("miee-slots: slot %u: %llu rounds, %llu registers not its own, sum 0x%llx "
		       "(%s), %u host calls, %u interrupts\n", k,
		       (unsigned long long)SHW(SH_ROUNDS(k)), (unsigned long long)SHW(SH_ERR(k)),
		       (unsigned long long)SHW(SH_SUM(k)),
		       SHW(SH_SUM(k)) == want ? "right" : "WRONG", r[k].hostcalls, r[k].interrupts);
	}
	CHECK(!info(&i) && i.state == MIEE_S_DEAD && i.slots_live == 0,
	      "INFO at the end: state %u live %u (want DEAD, 0)", i.state, i.slots_live);
	printf("miee-slots: SLOT_EXIT gave SLOT_DONE, ENTER of an ended slot MIEE_ESLOT, "
	       "INFO 1 live / 4 made, HC_MIEE_EXIT ended the MIEE\n");
}

/* Slot 0 up to its first host call, having made slots 1-3. */
static int start(const uint64_t *ends)
{
	struct miee_ioc_enter e;
	int err;

	if (build(0, 1, ends))
		return -1;
	err = enter(0, 0, &e);
	while (!err && e.reason == MIEE_EXIT_INTERRUPTED)
		err = enter(0, 0, &e);
	return err || e.reason != MIEE_EXIT_HOSTCALL ? -1 : 0;
}

static void part_busy(long ncpu)
{
	const uint64_t ends[NSLOT] = { 2, 2, 2, 2 };
	struct runner r[2];

	if (start(ends)) {	/* a slot spins once past its host call */
		CHECK(0, "building the MIEE for the EBUSY part");
		return;
	}
	memset(r, 0, sizeof(r));
	for (int k = 0; k < 2; k++) {
		r[k].slot = 1;
		r[k].until = now() + 3;
		pthread_create(&r[k].t, NULL, run_slot, &r[k]);
	}
	for (int k = 0; k < 2; k++)
		pthread_join(r[k].t, NULL);
	for (int k = 0; k < 2; k++)
		CHECK(!r[k].err && r[k].reason != MIEE_EXIT_DONE && r[k].reason != MIEE_EXIT_FAULT,
		      "two threads in slot 1: thread %d error %d reason %u", k, r[k].err,
		      r[k].reason);
	printf("miee-slots: two host threads on slot 1 for 3 s: %u + %u MIEE_EBUSY, "
	       "%u + %u interrupts\n", r[0].ebusy, r[1].ebusy, r[0].interrupts, r[1].interrupts);
	if (ncpu > 1)
		CHECK(r[0].ebusy + r[1].ebusy > 0 && r[0].interrupts + r[1].interrupts > 0,
		      "with %ld CPUs, no MIEE_EBUSY for a slot entered twice at once", ncpu);
	else
		printf("miee-slots: note: 1 CPU: a slot never runs while its other host thread "
		       "enters, so no MIEE_EBUSY is possible here\n");
}

static void part_exit_kills(long ncpu)
{
	const uint64_t ends[NSLOT] = { 2, 1, 2, 2 };	/* slot 1 exits, the others spin */
	struct runner r[3];
	struct miee_ioc_enter e;
	int err;

	if (start(ends)) {
		CHECK(0, "building the MIEE for the exit part");
		return;
	}
	memset(r, 0, sizeof(r));
	r[0].slot = 2;		/* spins forever in its end */
	r[0].until = now() + 20;
	pthread_create(&r[0].t, NULL, run_slot, &r[0]);
	usleep(300000);		/* slot 2 is in its spin now */
	r[1].slot = 1;
	r[1].until = now() + 20;
	pthread_create(&r[1].t, NULL, run_slot, &r[1]);
	pthread_join(r[1].t, NULL);
	pthread_join(r[0].t, NULL);
	CHECK(!r[1].err && r[1].reason == MIEE_EXIT_DONE && r[1].info == 0xe1,
	      "slot 1's HC_MIEE_EXIT: error %d reason %u status 0x%llx (want DONE 0xe1)",
	      r[1].err, r[1].reason, (unsigned long long)r[1].info);
	/* Slot 2 was in the MIEE (kicked: DONE with slot 1's status) or
	 * between two ENTERs (then its next one is refused, MIEE_ESTATE). */
	CHECK(!r[0].err && (r[0].dead || (r[0].reason == MIEE_EXIT_DONE && r[0].info == 0xe1)),
	      "spinning slot 2 after slot 1's exit: error %d reason %u status 0x%llx (want DONE "
	      "0xe1, or MIEE_ESTATE)", r[0].err, r[0].reason, (unsigned long long)r[0].info);
	CHECK(r[0].dead || now() < r[0].until,
	      "slot 2 was still running 20 s later");
	err = enter(3, 0, &e);
	CHECK(err == -EBUSY, "ENTER of slot 3 of the dead MIEE: %d (want -EBUSY: MIEE_ESTATE)",
	      err);
	printf("miee-slots: HC_MIEE_EXIT in slot 1 while slot 2 spun (%ld CPUs): slot 1 DONE "
	       "0x%llx, slot 2 %s 0x%llx after %u interrupts; slot 3 refused\n", ncpu,
	       (unsigned long long)r[1].info,
	       r[0].dead ? "refused (it was outside), last reason" : "DONE (kicked)",
	       (unsigned long long)r[0].info, r[0].interrupts);
}

int main(void)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	setvbuf(stdout, NULL, _IONBF, 0);
	if (access("/dev/miee", F_OK) && system("insmod /lib/modules/extra/miee_drv.ko"))
		return 1;
	printf("miee-slots: %ld CPUs online, %s\n", ncpu, hvc_detect() == 2 ? "SVM" : "VMX");
	part_concurrent();
	part_busy(ncpu);
	part_exit_kills(ncpu);
	if (fd >= 0)
		close(fd);
	printf("miee-slots: %s\n", failed ? "FAIL" : "ok");
	return failed;
}
