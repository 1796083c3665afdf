/* Confinement of the runner before it serves the first host call
 * (docs/policy.md, "Confinement"): new user, mount, pid, ipc, uts (and net)
 * namespaces, a root holding only the allowed paths, an unprivileged
 * uid/gid without capabilities, no_new_privs, then a default-deny
 * seccomp-bpf filter. Linux user space, x86-64. */
#ifndef TOOLS_MIEE_RUN_CONFINE_H
#define TOOLS_MIEE_RUN_CONFINE_H

#include "manifest.h"

#define CONFINE_MAX_FDS 16u
#define CONFINE_UID 65534u	/* the runner's uid/gid outside, when started as root */
#define CONFINE_EXIT 7		/* miee-run's exit code: killed by the filter, or not confined */

struct confine {
	const struct manifest *m;	/* the allowed paths and network rules */
	int miee_fds[CONFINE_MAX_FDS];	/* /dev/miee, opened before: the ioctls allowed */
	unsigned nfds;
	int no_seccomp;			/* test only: the namespaces alone */
	int libos;			/* the libOS host-call server's calls allowed too */
	/* Filled by confine_enter(). */
	int new_net;			/* the runner has a network namespace of its own */
	int pivoted;			/* 1 pivot_root, 0 MS_MOVE + chroot (rootfs) */
	unsigned uid;			/* the runner's uid outside */
};

/* Forks the confined runner. Returns 0 in it: in the new namespaces, in
 * the policy tree, unprivileged. The caller then opens what the policy
 * needs (policy_init) and calls confine_seccomp(). The original process
 * never returns: it closes its /dev/miee fds (the MIEEs live and die with
 * the confined runner), waits, reports a death by the filter (SIGSYS) on
 * stderr and exits with the runner's status, CONFINE_EXIT for such a
 * death, 128+N for another signal. Any failure: a message, exit
 * CONFINE_EXIT, nothing run unconfined. */
int confine_enter(struct confine *c);

/* Installs the filter (unless c->no_seccomp): 0, or a message and exit. */
int confine_seccomp(const struct confine *c);

/* Test only (the "deliberately broken runner"): performs the raw system
 * calls of attack `name` on the PAL's behalf, bypassing the policy, and
 * prints each result. 0 done, -1 unknown name. Names: docs/policy.md. */
int confine_attack(const char *name);

/* 1 if name is one confine_attack() knows. */
int confine_attack_known(const char *name);

#endif
