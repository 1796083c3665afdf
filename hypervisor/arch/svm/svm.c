/* AMD SVM backend. Only the feature check exists in this build; the
 * backend itself is issue 4's work, so an AMD machine stops with a clear
 * message instead of half-working. */
#include "hv.h"
#include "console.h"
#include "vcpu.h"
#include "x86.h"

static int svm_probe(void)
{
	hv_printf("SVM: the AMD backend is not built yet; use an Intel (VMX) CPU or Bochs\n");
	return -ENOSYS;
}

const struct vendor_ops svm_ops = {
	.name = "svm",
	.backend = HV_BACKEND_SVM,
	.npt_fmt = NPT_FMT_AMD,
	.probe = svm_probe,
};
