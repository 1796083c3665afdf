/* The loader's DRTM launch request (hypervisor/efi/drtm.c). */
#ifndef HV_EFI_DRTM_H
#define HV_EFI_DRTM_H

#include "loader.h"

void drtm_calibrate(void);
int drtm_launch(struct bootinfo *bi);

#endif
