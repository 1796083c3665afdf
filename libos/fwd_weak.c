/* Bring-up default of the forwarding layer (api.h): write(2) to fds 1 and
 * 2 only. The real layer (libos/fwd*.c) replaces it at link time. */
#include "kernel.h"

__attribute__((weak)) long libos_forward(unsigned int nr, const uint64_t a[6], int *handled)
{
	struct libos_hc *hc;
	uint64_t n = a[2];
	int64_t ret;

	*handled = 0;
	if (nr != 1 || (a[0] != 1 && a[0] != 2))
		return 0;
	*handled = 1;
	if (n > LIBOS_HC_DATA_MAX)
		n = LIBOS_HC_DATA_MAX;
	if (copy_from_user(hc_data(), a[1], n))
		return -EFAULT;
	hc = hc_request();
	hc->nr = 1;
	hc->args[0] = (int64_t)a[0];
	hc->args[1] = 0;
	hc->args[2] = (int64_t)n;
	hc->in_len = n;
	if (hc_call())
		return -EIO;
	ret = *(volatile int64_t *)&hc->ret;
	if (ret > (int64_t)n || ret < -4095) {
		libos_log("libos: write: host returned %ld for %lu bytes (count check)", (long)ret, n);
		return -EIO;
	}
	return ret;
}
