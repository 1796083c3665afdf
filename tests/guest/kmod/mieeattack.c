// SPDX-License-Identifier: GPL-2.0
/*
 * mieeattack: a hostile guest kernel module run while an MIEE is alive. It
 * is given the physical frames the OS handed to the MIEE (the OS allocated
 * them, so it knows them) and the secret the PAL keeps there. It reads
 * every frame looking for the secret, then overwrites them all. Loading
 * succeeds only if it saw nothing of the secret and an MIEE holding at
 * least those frames was alive (READY, HC_MIEE_INFO) before and after the
 * attack: a PAL that had already ended, its frames scrubbed, proves
 * nothing. The PAL itself then checks that nothing it reads changed.
 */
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include "hv/hvcall.h"
#include "hv/miee.h"

static unsigned long pfns[64];
static int npfns;
module_param_array(pfns, ulong, &npfns, 0444);
static unsigned long secret;
module_param(secret, ulong, 0444);

/* The id of a READY MIEE with at least npfns pages, or 0 (none alive). */
static unsigned int alive_miee(struct miee_info *in, const char *when)
{
	int kind = hvc_detect();
	unsigned int id;

	for (id = 1; kind && id <= MIEE_MAX; id++) {
		struct hvcall h = { .rax = HC_MIEE_INFO, .rbx = id, .rcx = virt_to_phys(in) };

		memset(in, 0, sizeof(*in));
		if (hvc_call(kind, &h) == 0 && in->state == MIEE_S_READY &&
		    in->pages >= (u32)npfns) {
			pr_info("mieeattack: %s the attack MIEE %u is alive (READY, %u pages, %llu enters)\n",
				when, id, in->pages, (unsigned long long)in->enters);
			return id;
		}
	}
	pr_err("mieeattack: FAIL: no live MIEE %s the attack\n", when);
	return 0;
}

static int __init mieeattack_init(void)
{
	unsigned long seen = 0;
	struct miee_info *in;
	unsigned int id;
	int i, k;

	if (!npfns || !secret) {
		pr_err("mieeattack: give pfns= and secret=\n");
		return -EINVAL;
	}
	in = kzalloc(sizeof(*in), GFP_KERNEL);
	if (!in)
		return -ENOMEM;
	id = alive_miee(in, "before");
	if (!id) {
		kfree(in);
		return -ESRCH;
	}
	for (i = 0; i < npfns; i++) {
		u64 *p = memremap(PFN_PHYS(pfns[i]), PAGE_SIZE, MEMREMAP_WB);

		if (!p) {
			pr_err("mieeattack: cannot map pfn %lx\n", pfns[i]);
			kfree(in);
			return -ENOMEM;
		}
		/* The PAL's words differ in bits 16-31 (their index). */
		for (k = 0; k < PAGE_SIZE / 8; k++)
			if ((READ_ONCE(p[k]) & ~0xffff0000ull) == (secret & ~0xffff0000ull))
				seen++;
		memset(p, 0xcc, PAGE_SIZE);
		memunmap(p);
	}
	pr_info("mieeattack: %d frames read and overwritten, secret words seen %lu\n",
		npfns, seen);
	if (alive_miee(in, "after") != id) {
		kfree(in);
		return -ESRCH;
	}
	kfree(in);
	if (seen) {
		pr_err("mieeattack: FAIL: the OS read MIEE memory\n");
		return -EIO;
	}
	pr_info("mieeattack: PASS\n");
	return 0;
}

static void __exit mieeattack_exit(void)
{
}

module_init(mieeattack_init);
module_exit(mieeattack_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Attack test: the OS reads and writes an MIEE's frames");
