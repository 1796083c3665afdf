/* Measured launch, the hypervisor's part (docs/drtm.md): find the TPM, check
 * that a DRTM event set PCR 17, extend the launch parameters into PCR 18 at
 * locality 2. Without a TPM or a DRTM event the launch is marked
 * unattestable and says so. Runs once, before the OS. */
#include "hv.h"
#include "console.h"
#include "measure.h"
#include "crypto/sha256.h"
#include "crypto/drbg.h"
#include "crypto/util.h"
#include "utpm/utpm.h"
#include "x86.h"
#include "tpm/tpm.h"

#define PCR_DRTM 17
#define PCR_PARAMS 18
#define PCR_KEYBIND 19
#define HV_LOCALITY 2

struct tpm hv_tpm;
u32 hv_launch_flags;
struct utpm_root hv_utpm_root;
struct drbg_ctx hv_drbg;

static bool rdrand64(u64 *v)
{
	u8 ok;

	for (int i = 0; i < 10; i++) {
		__asm__ __volatile__("rdrand %0; setc %1" : "=r"(*v), "=qm"(ok));
		if (ok)
			return true;
	}
	return false;
}

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

/*
 * The uTPM root of this launch: a DRBG seeded from the TPM's RNG and
 * RDRAND (SP 800-90A: entropy input plus a nonce), the signing key and the
 * sealing secret derived from it; with a TPM at locality 2, SHA-256 of the
 * public key goes into PCR 19, so a verifier can tie uTPM quotes to this
 * DRTM launch. Without TPM and RDRAND the key is refused: no entropy.
 */
static int measure_root_key(bool tpm)
{
	u8 entropy[64], seed[64], digest[32];
	u64 nonce = rdtsc(), r;
	size_t have = 0;
	u32 a, b, c, d, rc = 0;
	int err;

	if (tpm && !tpm_get_random(&hv_tpm, entropy, 32, &rc))
		have = 32;
	cpuid(1, 0, &a, &b, &c, &d);
	for (int i = 0; i < 4 && (c & BIT(30)); i++) {
		if (rdrand64(&r)) {
			memcpy(entropy + have, &r, 8);
			have += 8;
		}
	}
	if (have < 32) {
		hv_printf("measure: no entropy source (TPM or RDRAND): no uTPM root key\n");
		return -EIO;
	}
	err = drbg_instantiate(&hv_drbg, entropy, have, &nonce, sizeof(nonce),
			       "twoway-hv utpm root", 19);
	crypto_wipe(entropy, sizeof(entropy));
	if (!err)
		err = drbg_generate(&hv_drbg, seed, sizeof(seed), NULL, 0);
	if (!err)
		err = utpm_root_init(&hv_utpm_root, seed);
	crypto_wipe(seed, sizeof(seed));
	if (err) {
		hv_printf("measure: uTPM root key generation failed (%d)\n", err);
		return -EIO;
	}
	sha256(hv_utpm_root.pub, sizeof(hv_utpm_root.pub), digest);
	print_digest("measure: uTPM root key sha256", digest);
	if (!tpm)
		return 0;
	err = tpm_pcr_extend_sha256(&hv_tpm, PCR_KEYBIND, digest, &rc);
	if (err) {
		hv_printf("measure: extending PCR %d failed (%d, rc %x)\n", PCR_KEYBIND, err, rc);
		return err;
	}
	hv_launch_flags |= HV_LAUNCH_KEYBOUND;
	return 0;
}

/*
 * The long-term uTPM storage secret (docs/utpm.md "Long-term sealing"):
 * only for a DRTM launch whose PCR 18 is final, at locality 2. It lives in
 * a TPM NV index that only PolicyPCR(17, 18) + PolicyLocality(2) can read
 * or write; the first launch of a build writes a fresh DRBG secret there.
 * Without it, long-term sealing is refused and per-launch sealing works.
 */
static void measure_longterm(const u8 pcr17[32])
{
	u8 pcr18[32], fresh[32], nonce[32], secret[32];
	u32 index = 0, rc = 0;
	bool created = false;
	int err;

	err = tpm_pcr_read_sha256(&hv_tpm, PCR_PARAMS, pcr18, &rc);
	if (!err)
		err = drbg_generate(&hv_drbg, fresh, sizeof(fresh), NULL, 0) ? -EIO : 0;
	if (!err)
		err = drbg_generate(&hv_drbg, nonce, sizeof(nonce), NULL, 0) ? -EIO : 0;
	if (!err)
		err = tpm_lt_secret(&hv_tpm, pcr17, pcr18, fresh, nonce, secret, &index,
				    &created, &rc);
	if (!err)
		err = utpm_root_set_longterm(&hv_utpm_root, secret);
	crypto_wipe(fresh, sizeof(fresh));
	crypto_wipe(secret, sizeof(secret));
	if (err) {
		hv_printf("measure: long-term uTPM secret unavailable (%d, rc %x, NV index %x): "
			  "long-term sealing refused\n", err, rc, index);
		return;
	}
	hv_printf("measure: long-term uTPM secret %s (NV index %x, now read-locked)\n",
		  created ? "created" : "unsealed", index);
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
		/* uTPMs still work (for testing), but nothing binds their key. */
		measure_root_key(false);
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
	/* The DMA protection of this launch, a second PCR 18 event, so a
	 * verifier can refuse a launch without it (docs/drtm.md). */
	{
		const char *dma = hv_launch_flags & HV_LAUNCH_DMA ? "hv-dma-protection: iommu" :
				  "hv-dma-protection: none";

		sha256(dma, strlen(dma) + 1, params);
		print_digest("measure: DMA protection event", params);
		err = tpm_pcr_extend_sha256(&hv_tpm, PCR_PARAMS, params, &rc);
	}
	if (err) {
		hv_printf("measure: extending PCR %d failed (%d, rc %x): unattestable\n",
			  PCR_PARAMS, err, rc);
		goto out;
	}
	hv_launch_flags |= HV_LAUNCH_PARAMS;
	if (measure_root_key(true))
		goto out;
	if (hv_launch_flags & HV_LAUNCH_DRTM)
		measure_longterm(pcr);
	else
		hv_printf("measure: no DRTM launch: no long-term uTPM secret\n");
	if ((hv_launch_flags & (HV_LAUNCH_TPM | HV_LAUNCH_DRTM | HV_LAUNCH_PARAMS |
				HV_LAUNCH_KEYBOUND)) ==
	    (HV_LAUNCH_TPM | HV_LAUNCH_DRTM | HV_LAUNCH_PARAMS | HV_LAUNCH_KEYBOUND))
		hv_launch_flags |= HV_LAUNCH_ATTESTABLE;
out:
	tpm_release_locality(&hv_tpm);
	hv_printf("measure: launch flags %x (%s)\n", hv_launch_flags,
		  hv_launch_flags & HV_LAUNCH_ATTESTABLE ? "attestable" : "NOT attestable");
}
