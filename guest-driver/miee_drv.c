// SPDX-License-Identifier: GPL-2.0
/*
 * miee_drv: /dev/miee, the OS kernel's side of MIEEs. One MIEE per open
 * file: the driver pins the pages a process offers and issues the HC_MIEE_*
 * lifecycle hypercalls (include/hv/miee.h) from CPL 0. Closing the file
 * destroys the MIEE, then unpins its pages. Runs in the guest OS kernel;
 * the hypervisor checks everything again. docs/driver.md.
 */
#define pr_fmt(fmt) "miee: " fmt

#include <linux/build_bug.h>
#include <linux/fs.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/rwsem.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>

#include "hv/hvcall.h"
#include "hv/miee.h"

/*
 * HC_MIEE_ADD reads its list from one page of OS RAM, so a chunk is at most
 * what fits in the session's argument page (170 entries), and never more
 * than the ABI's MIEE_ADD_MAX.
 */
#define MIEE_CHUNK min_t(u32, MIEE_ADD_MAX, PAGE_SIZE / sizeof(struct miee_page))

/* A refused request: a line for the caller's administrator, rate-limited. */
#define miee_bad(fmt, ...) \
	pr_info_ratelimited("pid %d: " fmt, task_pid_nr(current), ##__VA_ARGS__)

/*
 * One per open file. lock serialises the ioctls of the file but ENTER
 * (release cannot race them: it runs once the last reference is gone).
 * ENTER holds only id_sem for reading, across the hypercall: several host
 * threads may each run one thread slot of the MIEE at once (the
 * hypervisor refuses two in one slot, MIEE_EBUSY), and CREATE, which sets
 * id and destroys the MIEE if it cannot report it, holds it for writing,
 * so no ENTER runs with an id that is being given up. id 0: no MIEE yet.
 * pages[0..npinned) are pinned and owned by the MIEE, in the order added.
 * donated: the pages the driver allocated and donated to the MIEE's
 * reserve (HC_MIEE_DONATE), by PFN; ndonated of them.
 */
struct miee_session {
	struct mutex lock;	/* held through every ioctl of the file but ENTER */
	struct rw_semaphore id_sem;	/* id: read by ENTER, written by CREATE */
	u32 id;
	u32 max_pages;
	u32 npinned;
	struct page **pages;
	void *arg;		/* one page: the argument of ADD, INIT, INFO */
	struct xarray donated;	/* PFN -> struct page */
	u32 ndonated;
};

static int miee_hv_kind;	/* hvc_detect(): 1 VMCALL, 2 VMMCALL */

/*
 * Test aids (docs/driver.md): the frames of the last MIEE_IOC_DONATE (its
 * first 64), which the OS knows anyway, for the attack modules; and, with
 * check_scrub set, every donated page the hypervisor gives back (RECLAIM,
 * DESTROY) is checked to be all zero before it is freed.
 */
static unsigned long donated_pfns[64];
static int ndonated_pfns;
module_param_array(donated_pfns, ulong, &ndonated_pfns, 0444);
MODULE_PARM_DESC(donated_pfns, "PFNs of the last MIEE_IOC_DONATE (first 64)");
static bool check_scrub;
module_param(check_scrub, bool, 0644);
MODULE_PARM_DESC(check_scrub, "check that every donated page comes back zeroed");
static unsigned long scrub_checked, scrub_dirty;
module_param(scrub_checked, ulong, 0444);
module_param(scrub_dirty, ulong, 0444);

#include "miee_ctxcheck.h"

struct miee_hv_error {
	long code;
	int err;
	const char *name;
	const char *what;
};

static const struct miee_hv_error miee_hv_errors[] = {
	{ HVE_NOSYS, -ENOSYS, "HVE_NOSYS", "call not implemented" },
	{ HVE_PERM, -EPERM, "HVE_PERM", "caller not allowed" },
	{ HVE_INVAL, -EINVAL, "HVE_INVAL", "malformed argument" },
	{ MIEE_ENOENT, -ENOENT, "MIEE_ENOENT", "no such MIEE" },
	{ MIEE_ESTATE, -EBUSY, "MIEE_ESTATE", "wrong state for this call" },
	{ MIEE_EFRAME, -EACCES, "MIEE_EFRAME", "a frame is not free OS RAM" },
	{ MIEE_ERANGE, -EINVAL, "MIEE_ERANGE", "offset outside the MIEE" },
	{ MIEE_EDUP, -EEXIST, "MIEE_EDUP", "offset or frame given twice" },
	{ MIEE_ELIMIT, -ENOSPC, "MIEE_ELIMIT", "too many MIEEs or pages" },
	{ MIEE_EFLAGS, -EINVAL, "MIEE_EFLAGS", "bad page flags" },
	{ MIEE_ENOMEM, -ENOMEM, "MIEE_ENOMEM", "hypervisor out of memory" },
	{ MIEE_EARG, -EINVAL, "MIEE_EARG", "bad pointer or initial state" },
	/* HVE_PERM never comes back to the driver (it calls from CPL 0), so
	 * EPERM from ADD means this one. */
	{ MIEE_EWX, -EPERM, "MIEE_EWX",
	  "a private page writable and executable, not measured with MIEE_P_WX (W^X)" },
	{ MIEE_ECPU, -EIO, "MIEE_ECPU", "the CPU refused the MIEE's context" },
	{ MIEE_EBUSY, -EBUSY, "MIEE_EBUSY",
	  "that thread slot of the MIEE runs on another CPU (or, for destroy, one does)" },
	{ MIEE_ESLOT, -ESRCH, "MIEE_ESLOT", "no such live thread slot (never made, or ended)" },
};

static long miee_hc(struct hvcall *h)
{
	return hvc_call(miee_hv_kind, h);
}

/* Log a refused hypercall by the hypervisor's name for the error; the errno. */
static int miee_hv_refused(const struct miee_session *s, const char *call, long code)
{
	const struct miee_hv_error *e = NULL;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(miee_hv_errors); i++)
		if (miee_hv_errors[i].code == code)
			e = &miee_hv_errors[i];
	if (!e) {
		miee_bad("%s (MIEE %u): unknown hypervisor error %ld\n", call, s->id, code);
		return -EIO;
	}
	if (s->id)
		miee_bad("%s of MIEE %u refused by the hypervisor: %s (%s)\n",
			 call, s->id, e->name, e->what);
	else
		miee_bad("%s refused by the hypervisor: %s (%s)\n", call, e->name, e->what);
	return e->err;
}

/* A donated page the hypervisor gave back (zeroed) to the page allocator. */
static void miee_free_returned(struct page *page)
{
	if (check_scrub) {
		scrub_checked++;
		if (memchr_inv(page_address(page), 0, PAGE_SIZE)) {
			scrub_dirty++;
			pr_err("donated frame 0x%llx came back not zeroed\n",
			       (unsigned long long)page_to_phys(page));
		}
	}
	__free_page(page);
}

/* After DESTROY: every donated frame is the OS's again, zeroed. */
static void miee_free_donated(struct miee_session *s)
{
	struct page *page;
	unsigned long pfn;

	xa_for_each(&s->donated, pfn, page) {
		xa_erase(&s->donated, pfn);
		miee_free_returned(page);
	}
	s->ndonated = 0;
}

/*
 * Destroy the MIEE, then unpin: the hypervisor zeroes the frames and gives
 * them back to the OS in HC_MIEE_DESTROY, so until it has, they must not
 * return to the page allocator. If it refuses, they stay pinned for good.
 */
static void miee_destroy(struct miee_session *s)
{
	struct hvcall h = { .rax = HC_MIEE_DESTROY, .rbx = s->id };
	long ret = miee_hc(&h);

	if (ret) {
		pr_err("DESTROY of MIEE %u failed (hypervisor error %ld): its %u pages stay pinned and its %u donated pages allocated, never reused\n",
		       s->id, ret, s->npinned, s->ndonated);
	} else {
		/* Their contents changed (zeroed): dirty, as after a device write. */
		if (s->npinned)
			unpin_user_pages_dirty_lock(s->pages, s->npinned, true);
		miee_free_donated(s);
	}
	s->id = 0;
	s->npinned = 0;
}

static int miee_check_created(const struct miee_session *s, const char *call)
{
	if (s->id)
		return 0;
	miee_bad("%s before MIEE_IOC_CREATE on this file\n", call);
	return -ENXIO;
}

static long miee_ioc_create(struct miee_session *s, struct miee_ioc_create __user *uarg)
{
	struct hvcall h = { .rax = HC_MIEE_CREATE };
	struct miee_ioc_create req;
	struct page **pages = NULL;
	void *arg = NULL;
	long ret;

	if (copy_from_user(&req, uarg, sizeof(req))) {
		miee_bad("CREATE: argument at 0x%lx not readable\n", (unsigned long)uarg);
		return -EFAULT;
	}
	if (!req.max_pages) {
		miee_bad("CREATE: max_pages is 0\n");
		return -EINVAL;
	}
	if (req.max_pages > MIEE_MAX_PAGES) {
		miee_bad("CREATE: max_pages %u above %d\n", req.max_pages, MIEE_MAX_PAGES);
		return -E2BIG;
	}

	mutex_lock(&s->lock);
	if (s->id) {
		miee_bad("CREATE: this file already has MIEE %u\n", s->id);
		ret = -EBUSY;
		goto out;
	}
	pages = kvcalloc(req.max_pages, sizeof(*pages), GFP_KERNEL);
	arg = (void *)get_zeroed_page(GFP_KERNEL);
	if (!pages || !arg) {
		miee_bad("CREATE: out of memory for %u page pointers\n", req.max_pages);
		ret = -ENOMEM;
		goto out;
	}
	h.rbx = req.max_pages;
	ret = miee_hc(&h);
	if (ret) {
		ret = miee_hv_refused(s, "CREATE", ret);
		goto out;
	}
	if (h.rbx < 1 || h.rbx > MIEE_MAX) {
		/* Not an id we can destroy: nothing to hold on to. */
		pr_err("CREATE: hypervisor returned id %llu, outside 1..%d\n", h.rbx, MIEE_MAX);
		ret = -EIO;
		goto out;
	}
	down_write(&s->id_sem);
	s->id = h.rbx;
	up_write(&s->id_sem);
	s->max_pages = req.max_pages;
	swap(s->pages, pages);
	swap(s->arg, arg);
	if (put_user(s->id, &uarg->id)) {
		miee_bad("CREATE: cannot write the id back to 0x%lx; MIEE %u destroyed\n",
			 (unsigned long)uarg, s->id);
		down_write(&s->id_sem);	/* no ENTER of it runs now */
		miee_destroy(s);
		up_write(&s->id_sem);
		ret = -EFAULT;
		goto out;
	}
	ret = 0;
out:
	mutex_unlock(&s->lock);
	kvfree(pages);
	free_page((unsigned long)arg);
	return ret;
}

/* Hand pages[0..n) to the MIEE at offset; the chunk is all or nothing. */
static int miee_add_chunk(struct miee_session *s, struct page **pages, u64 offset, u32 n,
			  u32 flags)
{
	struct miee_page *list = s->arg;
	struct hvcall h = {
		.rax = HC_MIEE_ADD,
		.rbx = s->id,
		.rcx = virt_to_phys(list),
		.rdx = n,
	};
	long ret;
	u32 i;

	for (i = 0; i < n; i++) {
		list[i].frame = page_to_phys(pages[i]);
		list[i].offset = offset + (u64)i * PAGE_SIZE;
		list[i].flags = flags;
		list[i].reserved = 0;
	}
	ret = miee_hc(&h);
	return ret ? miee_hv_refused(s, "ADD", ret) : 0;
}

static long miee_ioc_add(struct miee_session *s, struct miee_ioc_add __user *uarg)
{
	struct miee_ioc_add req;
	struct page **pages;
	u64 len, end;
	u32 done = 0, n;
	long ret;
	int pinned;

	if (copy_from_user(&req, uarg, sizeof(req))) {
		miee_bad("ADD: argument at 0x%lx not readable\n", (unsigned long)uarg);
		return -EFAULT;
	}
	if (!PAGE_ALIGNED(req.uaddr) || !PAGE_ALIGNED(req.offset)) {
		miee_bad("ADD: uaddr 0x%llx and offset 0x%llx must be page-aligned\n",
			 req.uaddr, req.offset);
		return -EINVAL;
	}
	if (!req.npages) {
		miee_bad("ADD: npages is 0\n");
		return -EINVAL;
	}
	if (req.npages > MIEE_MAX_PAGES) {
		miee_bad("ADD: npages %u above %d\n", req.npages, MIEE_MAX_PAGES);
		return -E2BIG;
	}
	len = (u64)req.npages * PAGE_SIZE;
	if (check_add_overflow(req.uaddr, len, &end) || check_add_overflow(req.offset, len, &end)) {
		miee_bad("ADD: %u page(s) at uaddr 0x%llx / offset 0x%llx run past 2^64\n",
			 req.npages, req.uaddr, req.offset);
		return -EINVAL;
	}
	if (req.flags & ~MIEE_P_ALL) {
		miee_bad("ADD: flags 0x%x outside MIEE_P_ALL 0x%x\n", req.flags, MIEE_P_ALL);
		return -EINVAL;
	}

	mutex_lock(&s->lock);
	ret = miee_check_created(s, "ADD");
	if (ret)
		goto out;
	if (req.npages > s->max_pages - s->npinned) {
		miee_bad("ADD: %u more pages do not fit in MIEE %u (%u of %u used)\n",
			 req.npages, s->id, s->npinned, s->max_pages);
		ret = -ENOSPC;
		goto out;
	}
	/*
	 * FOLL_WRITE breaks copy-on-write first, so every frame is this
	 * process's own (never the zero page or a page shared with another
	 * process); FOLL_LONGTERM moves it out of movable/CMA memory.
	 */
	pages = s->pages + s->npinned;
	pinned = pin_user_pages_fast(req.uaddr, req.npages, FOLL_WRITE | FOLL_LONGTERM, pages);
	if (pinned != req.npages) {
		if (pinned > 0)
			unpin_user_pages(pages, pinned);
		miee_bad("ADD: %u page(s) at 0x%llx not all mapped writable here (pin: %d)\n",
			 req.npages, req.uaddr, pinned);
		ret = pinned < 0 ? pinned : -EFAULT;
		goto out;
	}
	while (done < req.npages) {
		n = min_t(u32, req.npages - done, MIEE_CHUNK);
		ret = miee_add_chunk(s, pages + done, req.offset + (u64)done * PAGE_SIZE, n,
				     req.flags);
		if (ret)
			break;
		done += n;
		s->npinned += n;
	}
	if (ret) {
		/* The failed chunk changed nothing; the chunks before it stay. */
		unpin_user_pages(pages + done, req.npages - done);
		if (done)
			miee_bad("ADD: MIEE %u keeps the first %u of the %u pages\n",
				 s->id, done, req.npages);
	}
out:
	mutex_unlock(&s->lock);
	return ret;
}

static long miee_ioc_init(struct miee_session *s, struct miee_init __user *uarg)
{
	struct miee_init init;
	struct hvcall h = { .rax = HC_MIEE_INIT };
	long ret;

	if (copy_from_user(&init, uarg, sizeof(init))) {
		miee_bad("INIT: argument at 0x%lx not readable\n", (unsigned long)uarg);
		return -EFAULT;
	}
	mutex_lock(&s->lock);
	ret = miee_check_created(s, "INIT");
	if (ret)
		goto out;
	/* The hypervisor validates the state (it copies it before checking). */
	memcpy(s->arg, &init, sizeof(init));
	h.rbx = s->id;
	h.rcx = virt_to_phys(s->arg);
	ret = miee_hc(&h);
	if (ret)
		ret = miee_hv_refused(s, "INIT", ret);
out:
	mutex_unlock(&s->lock);
	return ret;
}

/*
 * Run the MIEE until it exits, asks for a host call or an interrupt for the
 * OS arrives (MIEE_EXIT_INTERRUPTED): preemption stays enabled, the
 * interrupt is taken when the hypercall returns, and the runner re-enters.
 */
static long miee_ioc_enter(struct miee_session *s, struct miee_ioc_enter __user *uarg)
{
	struct miee_ioc_enter req;
	struct hvcall h = { .rax = HC_MIEE_ENTER };
	long ret;

	if (copy_from_user(&req, uarg, sizeof(req))) {
		miee_bad("ENTER: argument at 0x%lx not readable\n", (unsigned long)uarg);
		return -EFAULT;
	}
	if (req.slot >= MIEE_SLOTS_MAX) {
		miee_bad("ENTER: thread slot %u outside 0..%d\n", req.slot, MIEE_SLOTS_MAX - 1);
		return -EINVAL;
	}
	down_read(&s->id_sem);
	ret = miee_check_created(s, "ENTER");
	if (ret)
		goto out;
	if (signal_pending(current)) {
		miee_bad("ENTER: signal pending, not entering MIEE %u\n", s->id);
		ret = -EINTR;
		goto out;
	}
	h.rbx = s->id;
	h.rcx = req.hostcall_ret;
	h.rdx = req.slot;
	ret = verify_context ? ctx_checked_enter(s->id, &h) : miee_hc(&h);
	if (ret) {
		ret = miee_hv_refused(s, "ENTER", ret);
		goto out;
	}
	req.reason = h.rbx;
	/* req.slot: as the caller gave it */
	req.info = h.rcx;
	req.info2 = h.rdx;
	if (copy_to_user(uarg, &req, sizeof(req))) {
		miee_bad("ENTER: exit reason %u of MIEE %u slot %u lost: 0x%lx not writable\n",
			 req.reason, s->id, req.slot, (unsigned long)uarg);
		ret = -EFAULT;
	}
out:
	up_read(&s->id_sem);
	return ret;
}

static long miee_ioc_info(struct miee_session *s, struct miee_info __user *uarg)
{
	struct miee_info info;
	struct hvcall h = { .rax = HC_MIEE_INFO };
	long ret;

	mutex_lock(&s->lock);
	ret = miee_check_created(s, "INFO");
	if (ret)
		goto out;
	memset(s->arg, 0, sizeof(info));
	h.rbx = s->id;
	h.rcx = virt_to_phys(s->arg);
	ret = miee_hc(&h);
	if (ret) {
		ret = miee_hv_refused(s, "INFO", ret);
		goto out;
	}
	memcpy(&info, s->arg, sizeof(info));
	if (copy_to_user(uarg, &info, sizeof(info))) {
		miee_bad("INFO: result buffer at 0x%lx not writable\n", (unsigned long)uarg);
		ret = -EFAULT;
	}
out:
	mutex_unlock(&s->lock);
	return ret;
}

/*
 * HC_MIEE_RECLAIM of up to n frames into the argument page; each comes back
 * to the page allocator (the hypervisor zeroed it). Returns how many came
 * back (*got) or the refusal.
 */
static int miee_reclaim_batch(struct miee_session *s, u32 n, u32 *got, u64 *reserve)
{
	struct hvcall h = { .rax = HC_MIEE_RECLAIM, .rbx = s->id,
			    .rcx = virt_to_phys(s->arg), .rdx = n };
	u64 *list = s->arg;
	long ret;
	u32 i;

	ret = miee_hc(&h);
	if (ret)
		return miee_hv_refused(s, "RECLAIM", ret);
	if (h.rbx > n) {
		pr_err("RECLAIM: hypervisor says %llu frames, asked for %u\n", h.rbx, n);
		return -EIO;
	}
	for (i = 0; i < h.rbx; i++) {
		struct page *page = xa_erase(&s->donated, PHYS_PFN(list[i]));

		if (!page) {	/* never ours: leave it alone */
			pr_err("RECLAIM: frame 0x%llx was not donated by this file\n", list[i]);
			continue;
		}
		miee_free_returned(page);
		s->ndonated--;
	}
	*got = h.rbx;
	*reserve -= min_t(u64, *reserve, h.rbx);
	return 0;
}

/* The reserve's size as the hypervisor counts it. */
static int miee_reserve_count(struct miee_session *s, u64 *reserve)
{
	struct hvcall h = { .rax = HC_MIEE_INFO, .rbx = s->id, .rcx = virt_to_phys(s->arg) };
	long ret = miee_hc(&h);

	if (ret)
		return miee_hv_refused(s, "INFO", ret);
	*reserve = ((struct miee_info *)s->arg)->reserve;
	return 0;
}

static int miee_mem_args(struct miee_ioc_mem *req, struct miee_ioc_mem __user *uarg,
			 const char *call)
{
	if (copy_from_user(req, uarg, sizeof(*req))) {
		miee_bad("%s: argument at 0x%lx not readable\n", call, (unsigned long)uarg);
		return -EFAULT;
	}
	if (!req->npages || req->npages > MIEE_MAX_PAGES) {
		miee_bad("%s: npages %u outside 1..%d\n", call, req->npages, MIEE_MAX_PAGES);
		return -EINVAL;
	}
	if (req->done || req->reserve) {
		miee_bad("%s: the out fields done and reserve must be 0 (%u, %llu)\n", call,
			 req->done, req->reserve);
		return -EINVAL;
	}
	return 0;
}

/*
 * One HC_MIEE_DONATE of n fresh pages (n <= MIEE_ADD_MAX): the frame list
 * in the first half of the argument page, the struct pages in the second.
 * Their slots in s->donated are reserved first, so that once the
 * hypervisor has them the driver cannot lose track of one. All or nothing.
 */
static int miee_donate_batch(struct miee_session *s, u32 n, u64 *reserve)
{
	struct hvcall h = { .rax = HC_MIEE_DONATE, .rbx = s->id, .rcx = virt_to_phys(s->arg),
			    .rdx = n };
	u64 *list = s->arg;
	struct page **batch = (struct page **)(list + MIEE_ADD_MAX);
	long ret = 0;
	u32 i;

	BUILD_BUG_ON(MIEE_ADD_MAX * (sizeof(u64) + sizeof(struct page *)) > PAGE_SIZE);
	for (i = 0; i < n; i++) {
		batch[i] = alloc_page(GFP_KERNEL);
		if (!batch[i])
			break;
		if (xa_reserve(&s->donated, page_to_pfn(batch[i]), GFP_KERNEL)) {
			__free_page(batch[i]);
			break;
		}
		list[i] = page_to_phys(batch[i]);
	}
	if (i < n) {
		miee_bad("DONATE: out of memory for page %u of a batch of %u\n", i, n);
		ret = -ENOMEM;
	} else {
		ret = miee_hc(&h);
		if (ret)
			ret = miee_hv_refused(s, "DONATE", ret);
	}
	if (ret) {
		while (i--) {
			xa_release(&s->donated, page_to_pfn(batch[i]));
			__free_page(batch[i]);
		}
		return ret;
	}
	for (i = 0; i < n; i++) {
		xa_store(&s->donated, page_to_pfn(batch[i]), batch[i], GFP_NOWAIT);
		if (ndonated_pfns < (int)ARRAY_SIZE(donated_pfns))
			donated_pfns[ndonated_pfns++] = page_to_pfn(batch[i]);
	}
	s->ndonated += n;
	*reserve = h.rbx;
	return 0;
}

/*
 * MIEE_IOC_DONATE: npages fresh pages into the MIEE's reserve, MIEE_ADD_MAX
 * at a time. All or nothing: if the hypervisor refuses a batch, the
 * batches before it are reclaimed and freed again.
 */
static long miee_ioc_donate(struct miee_session *s, struct miee_ioc_mem __user *uarg)
{
	struct miee_ioc_mem req;
	u32 done = 0, n, back;
	u64 reserve = 0;
	long ret;

	ret = miee_mem_args(&req, uarg, "DONATE");
	if (ret)
		return ret;
	mutex_lock(&s->lock);
	ret = miee_check_created(s, "DONATE");
	if (ret)
		goto out;
	ndonated_pfns = 0;
	while (done < req.npages) {
		n = min_t(u32, req.npages - done, MIEE_ADD_MAX);
		ret = miee_donate_batch(s, n, &reserve);
		if (ret)
			break;
		done += n;
	}
	if (ret && done) {
		/* Undo the batches that went through. */
		u64 left = done;

		while (left) {
			if (miee_reclaim_batch(s, min_t(u64, left, MIEE_ADD_MAX), &back, &reserve) ||
			    !back)
				break;
			left -= min_t(u64, left, back);
		}
		if (left)
			pr_err("DONATE: %llu pages of MIEE %u could not be taken back\n", left, s->id);
		done = 0;
	}
	if (!ret) {
		req.done = done;
		req.reserve = reserve;
		if (copy_to_user(uarg, &req, sizeof(req))) {
			miee_bad("DONATE: result at 0x%lx not writable\n", (unsigned long)uarg);
			ret = -EFAULT;
		}
	}
out:
	mutex_unlock(&s->lock);
	return ret;
}

/* MIEE_IOC_RECLAIM: up to npages reserve frames back, freed. */
static long miee_ioc_reclaim(struct miee_session *s, struct miee_ioc_mem __user *uarg)
{
	struct miee_ioc_mem req;
	u32 done = 0, got;
	u64 reserve = 0;
	long ret;

	ret = miee_mem_args(&req, uarg, "RECLAIM");
	if (ret)
		return ret;
	mutex_lock(&s->lock);
	ret = miee_check_created(s, "RECLAIM");
	if (ret)
		goto out;
	while (done < req.npages) {
		ret = miee_reclaim_batch(s, min_t(u32, req.npages - done, MIEE_ADD_MAX), &got,
					 &reserve);
		if (ret || !got)
			break;
		done += got;
	}
	if (!ret)
		ret = miee_reserve_count(s, &reserve);
	if (!ret) {
		req.done = done;
		req.reserve = reserve;
		if (copy_to_user(uarg, &req, sizeof(req))) {
			miee_bad("RECLAIM: result at 0x%lx not writable\n", (unsigned long)uarg);
			ret = -EFAULT;
		}
	}
out:
	mutex_unlock(&s->lock);
	return ret;
}

static long miee_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct miee_session *s = file->private_data;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case MIEE_IOC_CREATE:
		return miee_ioc_create(s, uarg);
	case MIEE_IOC_ADD:
		return miee_ioc_add(s, uarg);
	case MIEE_IOC_INIT:
		return miee_ioc_init(s, uarg);
	case MIEE_IOC_ENTER:
		return miee_ioc_enter(s, uarg);
	case MIEE_IOC_INFO:
		return miee_ioc_info(s, uarg);
	case MIEE_IOC_DONATE:
		return miee_ioc_donate(s, uarg);
	case MIEE_IOC_RECLAIM:
		return miee_ioc_reclaim(s, uarg);
	}
	miee_bad("unknown ioctl 0x%x\n", cmd);
	return -ENOTTY;
}

static int miee_open(struct inode *inode, struct file *file)
{
	struct miee_session *s = kzalloc(sizeof(*s), GFP_KERNEL);

	if (!s)
		return -ENOMEM;
	mutex_init(&s->lock);
	init_rwsem(&s->id_sem);
	xa_init(&s->donated);
	file->private_data = s;
	return nonseekable_open(inode, file);
}

/* Last close of the file, also on exit or kill of the process. */
static int miee_release(struct inode *inode, struct file *file)
{
	struct miee_session *s = file->private_data;

	if (s->id)
		miee_destroy(s);
	xa_destroy(&s->donated);	/* pages kept after a failed destroy stay allocated */
	free_page((unsigned long)s->arg);
	kvfree(s->pages);
	mutex_destroy(&s->lock);
	kfree(s);
	return 0;
}

static const struct file_operations miee_fops = {
	.owner = THIS_MODULE,
	.open = miee_open,
	.release = miee_release,
	.unlocked_ioctl = miee_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = no_llseek,
};

static struct miscdevice miee_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "miee",
	.fops = &miee_fops,
	.mode = 0600,
};

static int __init miee_drv_init(void)
{
	int ret;

	BUILD_BUG_ON(PAGE_SIZE != 4096);
	BUILD_BUG_ON(sizeof(struct miee_init) > PAGE_SIZE);
	BUILD_BUG_ON(sizeof(struct miee_info) > PAGE_SIZE);

	miee_hv_kind = hvc_detect();
	if (!miee_hv_kind) {
		pr_err("no hypervisor (CPUID 0x%x lacks the TwoWayIsoHV signature): /dev/miee not created\n",
		       HV_CPUID_BASE);
		return -ENODEV;
	}
	ret = misc_register(&miee_misc);
	if (ret) {
		pr_err("cannot register /dev/miee: %d\n", ret);
		return ret;
	}
	pr_info("/dev/miee ready (hypercalls by %s)\n", miee_hv_kind == 2 ? "VMMCALL" : "VMCALL");
	return 0;
}

static void __exit miee_drv_exit(void)
{
	misc_deregister(&miee_misc);
}

module_init(miee_drv_init);
module_exit(miee_drv_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("MIEE isolated environments: /dev/miee and the HC_MIEE_* lifecycle");
