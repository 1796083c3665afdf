/* Loading Linux as the OS guest (core/linux.c). */
#ifndef HV_LINUX_H
#define HV_LINUX_H

#include "hv.h"
#include "vcpu.h"

int linux_prepare(const struct bootinfo *bi, struct vcpu_init_state *s);

#endif
