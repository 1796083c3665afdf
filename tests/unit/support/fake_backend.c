/* Host stand-in for a vendor backend (fake_backend.h). */
#include "fake_backend.h"

int fake_backend_setup_err, fake_backend_switches, fake_backend_flushes;
struct vcpu_init_state fake_backend_last_setup;

static int fake_setup(struct vcpu *v, const struct vcpu_init_state *s)
{
	fake_backend_last_setup = *s;
	if (fake_backend_setup_err)
		return fake_backend_setup_err;	/* a backend frees its part on error */
	v->vendor = v;
	return 0;
}

static void fake_switch(struct vcpu *from, struct vcpu *to)
{
	(void)from;
	(void)to;
	fake_backend_switches++;
}

static void fake_free(struct vcpu *v)
{
	v->vendor = NULL;
}

static void fake_flush(struct vcpu *v)
{
	(void)v;
	fake_backend_flushes++;
}

static unsigned fake_cpl(struct vcpu *v)
{
	(void)v;
	return 0;
}

static void fake_nmi(struct vcpu *v)
{
	(void)v;
}

const struct vendor_ops fake_backend_ops = {
	.name = "fake",
	.npt_fmt = NPT_FMT_EPT,
	.vcpu_setup = fake_setup,
	.ctx_switch = fake_switch,
	.ctx_free = fake_free,
	.flush_npt = fake_flush,
	.guest_cpl = fake_cpl,
	.inject_nmi = fake_nmi,
};
