/* Measured launch (core/measure.c). */
#ifndef HV_MEASURE_H
#define HV_MEASURE_H

#include "hv.h"
#include "tpm/tpm.h"
#include "tpm/tpm_tis.h"
#include "hv/hypercall.h"


struct utpm_root;
struct drbg_ctx;
extern struct tpm hv_tpm;
extern struct utpm_root hv_utpm_root;	/* the uTPM root key of this launch */
extern struct drbg_ctx hv_drbg;
extern u32 hv_launch_flags;	/* HV_LAUNCH_* */

void measure_launch(const struct bootinfo *bi);

#endif
