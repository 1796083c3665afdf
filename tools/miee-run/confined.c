/* miee-run --confine: the runner's side of tools/miee-run/confine.c (the
 * manifest read, /dev/miee opened first, then the confined runner) and
 * the test-only --confine-test words. docs/policy.md, "Confinement". */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "miee-run/confine.h"
#include "miee-run/manifest.h"
#include "miee-run/policy.h"
#include "miee-run/runner.h"

#define DEV "/dev/miee"

_Static_assert(RC_CONFINE == CONFINE_EXIT, "one exit code for a confinement failure");
_Static_assert(MAX_COUNT <= CONFINE_MAX_FDS, "every MIEE's fd fits the filter");

/* --confine-test=noseccomp,ATTACK: test only. */
void confine_test_arg(const char *arg)
{
	static char buf[128];
	char *w, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", arg);
	for (w = strtok_r(buf, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		if (!strcmp(w, "noseccomp")) {
			o.confine_noseccomp = 1;
		} else if (confine_attack_known(w) && !o.attack) {
			o.attack = w;
		} else {
			fprintf(stderr, "miee-run: --confine-test: unknown or second attack '%s'\n", w);
			exit(RC_USAGE);
		}
	}
}

/* The policy (the empty one without MANIFEST), /dev/miee opened for every
 * MIEE, then the confined runner forked (the caller goes on in it; this
 * process only supervises) and its filter installed. */
void confine_runner(struct miee *ms)
{
	static struct manifest mf;
	static struct confine c;
	static struct policy pol;
	struct manifest_error err;
	unsigned k;

	if (o.confine_manifest) {
		static char text[MANIFEST_MAX_BYTES + 1];
		FILE *f = fopen(o.confine_manifest, "rb");
		size_t n;

		if (!f)
			die("--confine=%s: %s", o.confine_manifest, strerror(errno));
		n = fread(text, 1, sizeof(text), f);
		fclose(f);
		if (manifest_parse(text, n, &mf, &err)) {
			fprintf(stderr, "miee-run: %s:%u: %s\n", o.confine_manifest, err.line, err.reason);
			exit(RC_USAGE);
		}
	}
	c.m = &mf;
	c.no_seccomp = o.confine_noseccomp;
	for (k = 0; k < o.count; k++) {
		ms[k].fd = open(DEV, O_RDWR | O_CLOEXEC);
		if (ms[k].fd < 0)
			die("open %s: %s", DEV, strerror(errno));
		c.miee_fds[c.nfds++] = ms[k].fd;
	}
	confine_enter(&c);
	/* The policy's roots, opened inside the tree before the filter
	 * (which allows no open/openat). */
	if (policy_init(&pol, &mf, NULL, NULL)) {
		fprintf(stderr, "miee-run: --confine: the policy's paths cannot be opened\n");
		exit(RC_CONFINE);
	}
	o.policy = &pol;
	printf("miee-run: confined: namespaces user mount pid ipc uts%s, root %s, uid %u outside, "
	       "no capabilities, no_new_privs, seccomp %s\n", c.new_net ? " net" : "",
	       c.pivoted ? "pivot_root" : "moved + chroot (rootfs)", c.uid,
	       c.no_seccomp ? "OFF (test)" : "on");
	confine_seccomp(&c);
}
