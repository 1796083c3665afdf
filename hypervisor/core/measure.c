/* Measured launch, the hypervisor's part (docs/drtm.md): find the TPM, check
 * that a DRTM event set PCR 17, extend the launch parameters into PCR 18 at
 * locality 2. Without a TPM or a DRTM event the launch is marked
 * unattestable and says so. Runs once, before the OS. */
#include "hv.h"
#include "console.h"
#include "measure.h"
#include "crypto/sha256.h"
#include "tpm/tpm.h"

#define PCR_DRTM 17
#define PCR_PARAMS 18
#define HV_LOCALITY 2

struct tpm hv_tpm;
u32 hv_launch_flags;

static void print_digest(const char *what, const u8 d[32])
{
	char hex[65];

	for (int i = 0; i < 32; i++) {
		hex[2 * i] = "0123456789abcdef"[d[i] >> 4];
		hex[2 * i + 1] = "0123456789abcdef"[d[i] & 15];
	}
	hex[64] = 0;
	hv_printf("%s %s\n", what, hex);
}

/* SHA-256 over what decides this launch besides the image itself: the
 * hypervisor's command line, then each module's string and digest. The
 * same can be computed from the files (docs/drtm.md). */
static void launch_params_digest(const struct bootinfo *bi, u8 out[32])
{
	struct sha256_ctx c;
	u8 d[32];

	sha256_init(&c);
	sha256_update(&c, bi->cmdline, strlen(bi->cmdline) + 1);
	for (u32 i = 0; i < bi->n_mods; i++) {
		sha256((const void *)bi->mods[i].base, bi->mods[i].len, d);
		sha256_update(&c, bi->mods[i].string, strlen(bi->mods[i].string) + 1);
		sha256_update(&c, d, sizeof(d));
	}
	sha256_final(&c, out);
}

void measure_launch(const struct bootinfo *bi)
{
	u8 pcr[32], params[32], ff[32];
	u32 rc = 0;
	int err;

	err = tpm_probe(&hv_tpm, TPM_TIS_BASE);
	if (!err)
		err = tpm_request_locality(&hv_tpm, HV_LOCALITY);
	if (err) {
		hv_printf("measure: no usable TPM 2.0 at %lx (%d): NO ROOT OF TRUST, this launch is "
			  "unattestable\n", (u64)TPM_TIS_BASE, err);
		return;
	}
	hv_launch_flags |= HV_LAUNCH_TPM;
	err = tpm_startup_clear(&hv_tpm, &rc);
	if (!err)
		err = tpm_pcr_read_sha256(&hv_tpm, PCR_DRTM, pcr, &rc);
	if (err) {
		hv_printf("measure: reading PCR %d failed (%d, rc %x): unattestable\n", PCR_DRTM, err, rc);
		goto out;
	}
	memset(ff, 0xff, sizeof(ff));
	if (!memcmp(pcr, ff, sizeof(ff)) || !(bi->flags & BOOTINFO_F_DRTM)) {
		hv_printf("measure: no DRTM event (PCR 17 %s): unattestable\n",
			  memcmp(pcr, ff, sizeof(ff)) ? "set, but the loader did not ask for it" :
			  "is all ones");
	} else {
		hv_launch_flags |= HV_LAUNCH_DRTM;
	}
	print_digest("measure: PCR 17", pcr);

	launch_params_digest(bi, params);
	print_digest("measure: launch parameters", params);
	err = tpm_pcr_extend_sha256(&hv_tpm, PCR_PARAMS, params, &rc);
	if (err) {
		hv_printf("measure: extending PCR %d failed (%d, rc %x): unattestable\n",
			  PCR_PARAMS, err, rc);
		goto out;
	}
	hv_launch_flags |= HV_LAUNCH_PARAMS;
	if ((hv_launch_flags & (HV_LAUNCH_TPM | HV_LAUNCH_DRTM | HV_LAUNCH_PARAMS)) ==
	    (HV_LAUNCH_TPM | HV_LAUNCH_DRTM | HV_LAUNCH_PARAMS))
		hv_launch_flags |= HV_LAUNCH_ATTESTABLE;
out:
	tpm_release_locality(&hv_tpm);
	hv_printf("measure: launch flags %x (%s)\n", hv_launch_flags,
		  hv_launch_flags & HV_LAUNCH_ATTESTABLE ? "attestable" : "NOT attestable");
}
