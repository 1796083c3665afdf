/* miee-run's libOS mode: `miee-run [OPTIONS] -- PROGRAM [ARGS...]` loads
 * the library OS and a static Linux program into a new MIEE, runs it and
 * serves its host calls. docs/libos.md. */
#ifndef MIEE_RUN_LIBOS_RUN_H
#define MIEE_RUN_LIBOS_RUN_H

/* miee-run's exit codes in libOS mode besides the program's own status
 * (0..255) and 128 + N for a death by signal N; each comes with one
 * "miee-run: ..." line on stderr saying why. */
#define LRC_USAGE 120		/* bad options */
#define LRC_LOAD 121		/* the MIEE could not be built (file, driver, hypervisor) */
#define LRC_MEASURE 122		/* the hypervisor's measurement differs from ours */
#define LRC_ABORT 123		/* the libOS gave up (LIBOS_ABORT_*: bad ELF, no memory, ...) */
#define LRC_FAULT 124		/* the MIEE faulted (MIEE_EXIT_FAULT) */
#define LRC_PROTOCOL 125	/* an exit status or host call outside the protocol */
#define LRC_NOCKPT 126		/* --checkpoint: SIGUSR2 came, the libOS refused, the program ended */

#define LIBOS_DEFAULT_PATH "/lib/miee/libos.bin"

/* 1 if argv asks for the libOS mode (a "--", or one of its options). */
int libos_mode_wanted(int argc, char **argv);
int libos_run_main(int argc, char **argv);

#endif
