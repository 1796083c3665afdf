/* The test PAL: freestanding code that miee-run copies into the MIEE image
 * at MIEE_IMG_CODE (tools/miee-run/pal.c, pal-ctx.c). docs/miee-runner.md. */
#ifndef MIEE_RUN_PAL_H
#define MIEE_RUN_PAL_H

#include <stddef.h>

/* The PAL's code (section miee_pal), its length and its entry's offset. */
const unsigned char *miee_pal_code(size_t *len, size_t *entry);

#endif
