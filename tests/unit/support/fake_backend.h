/* Host stand-in for a vendor backend (struct vendor_ops) for the tests of
 * core/miee.c: no control structure, counters of what the core asked for,
 * and an injectable vcpu_setup failure. Linked into every unit test and
 * the MIEE fuzzer (tests/fuzz/build.mk). */
#ifndef TESTS_FAKE_BACKEND_H
#define TESTS_FAKE_BACKEND_H

#include "vcpu.h"

extern const struct vendor_ops fake_backend_ops;
extern int fake_backend_setup_err;	/* vcpu_setup returns it (0: success) */
extern int fake_backend_switches;	/* ctx_switch calls */
extern int fake_backend_flushes;	/* flush_npt calls */
/* The state of the last vcpu_setup call (a thread slot's start state). */
extern struct vcpu_init_state fake_backend_last_setup;

#endif
