/* miee-run: one MIEE's run: MIEE_IOC_ENTER until it ends, the host-call
 * policy, the verdict on what it left in its shared page. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "miee-run/confine.h"
#include "miee-run/policy.h"
#include "miee-run/runner.h"

static const char *fault_name(uint64_t r)
{
	switch (r) {
	case MIEE_F_TRIPLE: return "MIEE_F_TRIPLE";
	case MIEE_F_NPF: return "MIEE_F_NPF";
	case MIEE_F_BADCALL: return "MIEE_F_BADCALL";
	case MIEE_F_INSN: return "MIEE_F_INSN";
	default: return "unknown";
	}
}

static const char *status_name(uint64_t s)
{
	switch (s) {
	case MIEE_PAL_ST_OK: return "ok";
	case MIEE_PAL_ST_BADINPUT: return "bad input";
	case MIEE_PAL_ST_BADMODE: return "bad mode";
	case MIEE_PAL_ST_IAGO: return "the host lied";
	case MIEE_PAL_ST_TAMPERED: return "secret page tampered with";
	case MIEE_PAL_ST_NOFAULT: return "a forbidden access did not fault";
	case MIEE_PAL_ST_HOSTERR: return "a refused host call was answered";
	case MIEE_PAL_ST_U_EXT0: return "uTPM: extending uPCR 0 was accepted";
	case MIEE_PAL_ST_U_ACCEPTED: return "uTPM: a bad buffer, index or mask was accepted";
	case MIEE_PAL_ST_U_EXTEND: return "uTPM: extending uPCR 1 failed";
	case MIEE_PAL_ST_U_READ: return "uTPM: reading a uPCR failed";
	case MIEE_PAL_ST_U_QUOTE: return "uTPM: the quote failed";
	case MIEE_PAL_ST_U_PUBKEY: return "uTPM: HC_UTPM_PUBKEY failed";
	case MIEE_PAL_ST_U_SEAL: return "uTPM: seal failed or wrong blob size";
	case MIEE_PAL_ST_U_UNSEAL: return "uTPM: unsealing its own blob failed";
	case MIEE_PAL_ST_U_ROUNDTRIP: return "uTPM: the unsealed bytes differ";
	case MIEE_PAL_ST_U_TAMPER: return "uTPM: a changed blob was not refused";
	case MIEE_PAL_ST_U_STALE: return "uTPM: a blob opened after uPCR 1 changed";
	case MIEE_PAL_ST_U_LEAK: return "uTPM: a refused unseal wrote its output";
	case MIEE_PAL_ST_NOTAVAIL: return "not available on this CPU";
	case MIEE_PAL_ST_UA: return "uTPM: a bad argument case went wrong";
	default: return "?";
	}
}

/* For an attack test: the frames of the MIEE's private pages (pinned by the
 * driver, so stable; /proc/self/pagemap gives PFNs to root only) and a
 * secret word, in the form tests/guest/kmod/mieeattack takes them. */
static void print_attack_params(struct miee *m)
{
	char line[2048];
	size_t n = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC), r;
	uint32_t k;

	n += (size_t)snprintf(line + n, sizeof(line) - n, "pfns=");
	for (r = 0; fd >= 0 && r < m->im.nregions; r++) {
		const struct miee_region *g = &m->im.regions[r];

		if (g->flags & MIEE_P_SHARED)
			continue;
		for (k = 0; k < g->npages; k++) {
			uint64_t va = (uint64_t)(uintptr_t)(m->buf + g->offset) + (uint64_t)k * MIEE_PG;
			uint64_t e = 0;

			if (pread(fd, &e, 8, (off_t)(va / MIEE_PG * 8)) != 8 || !(e >> 63) ||
			    !(e & ((1ull << 55) - 1))) {
				close(fd);
				fd = -1;
				break;
			}
			n += (size_t)snprintf(line + n, sizeof(line) - n, "%s0x%" PRIx64,
					      n > 5 ? "," : "", (uint64_t)(e & ((1ull << 55) - 1)));
		}
	}
	if (fd < 0) {
		printf("miee-run: attack-params unavailable (no PFNs in /proc/self/pagemap)\n");
		return;
	}
	close(fd);
	printf("miee-run: attack-params %s secret=0x%" PRIx64 "\n", line,
	       (uint64_t)MIEE_PAL_SECRET_WORD(1));
}

/* The host-call policy: only the calls the PAL is known to make, each
 * with its operand checked; anything else gets MIEE_PAL_HC_ERR. */
/* `secret`: SIGUSR1 ends the PAL's stay early, at its next host call (a
 * test that has finished attacking it need not wait out the seconds). */
static volatile sig_atomic_t secret_stop;

static void on_secret_stop(int sig)
{
	(void)sig;
	secret_stop = 1;
}

static uint64_t serve(struct miee *m, uint64_t nr, double secret_until)
{
	uint64_t x;

	/* The manifest's host-calls-per-second limit, on every host call. */
	if (o.policy && policy_hostcall(o.policy, (uint64_t)(now() * 1e9))) {
		m->refused++;
		return MIEE_PAL_HC_ERR;
	}
	if (o.attack) {		/* test only: the broken runner obeys the PAL */
		confine_attack(o.attack);
		o.attack = NULL;
	}
	if (run_script_serve(m, nr, secret_until, &x))
		return x;
	if (nr == MIEE_PAL_HC_PRINT && o.mode == MIEE_PAL_M_SUM) {
		printf("miee-run: host call print: sum %" PRIu64 " fnv 0x%016" PRIx64 "\n",
		       (uint64_t)m->sh->sum, (uint64_t)m->sh->fnv);
		return 0;
	}
	if (nr == MIEE_PAL_HC_DOUBLE && o.mode == MIEE_PAL_M_SUM) {
		x = m->sh->call_in;	/* read once */
		if (x > 0xffffffffull) {
			printf("miee-run: host call double: operand 0x%" PRIx64 " out of range, refused\n", x);
			m->refused++;
			return MIEE_PAL_HC_ERR;
		}
		m->sh->call_out = o.lie ? 2 * x + 1 : 2 * x;
		printf("miee-run: host call double: %" PRIu64 " -> %" PRIu64 "%s\n", x,
		       (uint64_t)m->sh->call_out, o.lie ? " (a lie, --lie)" : "");
		return 0;
	}
	if (nr == MIEE_PAL_HC_YIELD && o.mode == MIEE_PAL_M_SECRET) {
		if (!m->yields++)
			printf("miee-run: host call yield: the secret is in MIEE page 0x%x (pid %d, "
			       "user address %p before it was added); keeping the PAL live %u s\n",
			       MIEE_IMG_DATA, (int)getpid(), (void *)(m->buf + MIEE_IMG_DATA),
			       o.secret_s);
		if (m->yields == 1 && !o.confine)	/* confined: no /proc, no open() */
			print_attack_params(m);
		if (o.bench)
			return m->yields < o.bench ? MIEE_PAL_GO : MIEE_PAL_STOP;
		if (now() < secret_until && !secret_stop) {
			usleep(1000);	/* give the CPU to whoever else wants it */
			return MIEE_PAL_GO;
		}
		printf("miee-run: host call yield: %" PRIu64 " served, stop\n", m->yields);
		return MIEE_PAL_STOP;
	}
	if (nr == MIEE_PAL_HC_CTX && o.mode == MIEE_PAL_M_CTX)
		return MIEE_PAL_CTX_ANSWER;
	if (nr == MIEE_PAL_HC_MARK && o.mode == MIEE_PAL_M_TWO)
		return run_two_mark(m);
	printf("miee-run: host call 0x%" PRIx64 " refused (not in the policy for mode %s)\n", nr,
	       o.mode_name);
	m->refused++;
	return MIEE_PAL_HC_ERR;
}

/* The worse of two outcomes: fault > wrong > measurement > timeout > ok. */
int worse(int a, int b)
{
	static const int rank[] = { [RC_OK] = 0, [RC_ERR] = 9, [RC_USAGE] = 9, [RC_FAULT] = 5,
				    [RC_MEAS] = 3, [RC_WRONG] = 4, [RC_TIMEOUT] = 2 };

	return rank[b] > rank[a] ? b : a;
}

/* Runs MIEE m until it ends. Returns an RC_* code. */
int run(struct miee *m)
{
	struct miee_ioc_enter e;
	double start = now(), secret_until = start + o.secret_s;
	double deadline = start + o.timeout +
			  (o.mode == MIEE_PAL_M_SECRET || o.mode == RUN_M_MEM_SECRET ? o.secret_s : 0);
	uint64_t ret = 0;
	int rc;

	run_script_begin(m);
	if (run_is_ctx_mode(m->mode))
		run_ctx_begin(m);
	if (o.mode == MIEE_PAL_M_SECRET)
		signal(SIGUSR1, on_secret_stop);
	for (;;) {
		memset(&e, 0, sizeof(e));
		e.hostcall_ret = ret;
		uint64_t t0 = tsc();

		if (run_is_ctx_mode(m->mode) ? run_ctx_enter(m, &e) : ioctl(m->fd, MIEE_IOC_ENTER, &e)) {
			if (errno == EINTR)
				continue;	/* same hostcall_ret again */
			die("miee %d: MIEE_IOC_ENTER: %s (errno %d)", m->k, strerror(errno), errno);
		}
		t0 = tsc() - t0;
		/* A round trip: resume after a host call to the next host call. */
		if (o.bench && e.reason == MIEE_EXIT_HOSTCALL && m->hostcalls) {
			if (!m->rt_n || t0 < m->rt_min)
				m->rt_min = t0;
			m->rt_sum += t0;
			m->rt_n++;
		}
		m->entries++;
		ret = 0;
		if (e.reason == MIEE_EXIT_INTERRUPTED) {
			m->interrupted++;
			m->slices += e.info == MIEE_INTR_SLICE;
		} else if (e.reason == MIEE_EXIT_HOSTCALL) {
			m->hostcalls++;
			ret = serve(m, e.info, secret_until);
		} else if (e.reason == MIEE_EXIT_DONE) {
			if (e.info == MIEE_PAL_ST_OK)
				printf("miee-run: exit status 0\n");
			else
				printf("miee-run: exit status %" PRIu64 " (0x%" PRIx64 ": %s; progress %" PRIu64 ")\n",
				       (uint64_t)e.info, (uint64_t)e.info, status_name(e.info),
				       (uint64_t)m->sh->progress);
			rc = e.info == MIEE_PAL_ST_OK ? RC_OK : RC_WRONG;
			if (rc != RC_OK && ((m->mode >= MIEE_PAL_M_QUOTE && m->mode <= MIEE_PAL_M_UNSEAL) ||
					    m->mode == MIEE_PAL_M_SEAL_LT))
				printf("miee-run: utpm failing call: RAX/value %" PRId64 " (%s)\n",
				       (int64_t)m->u->err, rax_name(m->u->err));
			break;
		} else if (e.reason == MIEE_EXIT_FAULT) {
			printf("miee-run: fault reason %" PRIu64 " at 0x%" PRIx64 " (%s; progress %" PRIu64 ")\n",
			       (uint64_t)e.info, (uint64_t)e.info2, fault_name(e.info),
			       (uint64_t)m->sh->progress);
			if (e.info == MIEE_F_INSN)
				run_print_insn(e.info2);
			rc = RC_FAULT;
			break;
		} else {
			die("miee %d: unknown exit reason %u", m->k, e.reason);
		}
		if (now() > deadline) {
			printf("miee-run: miee %d: gave up after %.0f s (--timeout %u)\n", m->k,
			       now() - start, o.timeout);
			rc = RC_TIMEOUT;
			break;
		}
	}
	printf("miee-run: entries %" PRIu64 ", host calls %" PRIu64 " (%" PRIu64
	       " refused), interrupted exits %" PRIu64 "\n", m->entries, m->hostcalls, m->refused,
	       m->interrupted);

	if (rc == RC_OK && o.mode == MIEE_PAL_M_SUM) {
		uint64_t s = m->sh->sum, f = m->sh->fnv, d = m->sh->doubled;
		int ok = s == m->exp_sum && f == m->exp_fnv && d == 2 * (m->exp_sum & 0xffffffff);

		printf("miee-run: result sum %" PRIu64 " fnv 0x%016" PRIx64 " doubled %" PRIu64 ": %s\n",
		       s, f, d, ok ? "ok" : "WRONG");
		if (!ok) {
			printf("miee-run: expected sum %" PRIu64 " fnv 0x%016" PRIx64 " doubled %" PRIu64 "\n",
			       m->exp_sum, m->exp_fnv, 2 * (m->exp_sum & 0xffffffff));
			rc = RC_WRONG;
		}
	}
	if (rc == RC_OK && o.mode == MIEE_PAL_M_SECRET)
		printf("miee-run: result secret intact after %" PRIu64 " host calls\n",
		       (uint64_t)m->sh->rounds);
	if (o.bench && m->rt_n) {
		struct miee_info inf;

		printf("bench miee host-call round trip (user space -> driver -> hypervisor -> PAL -> back): "
		       "%" PRIu64 " calls, tsc min %" PRIu64 " mean %" PRIu64 "\n",
		       m->rt_n, m->rt_min, m->rt_sum / m->rt_n);
		if (!get_info(m, &inf) && m->hostcalls)
			printf("bench miee VM transitions per host call: %.2f (%" PRIu64 " enters + %"
			       PRIu64 " exits over %" PRIu64 " host calls)\n",
			       (double)(inf.enters + inf.exits) / (double)m->hostcalls,
			       (uint64_t)inf.enters, (uint64_t)inf.exits, m->hostcalls);
		printf("bench miee add: tsc per page %" PRIu64 " (%" PRIu64 " pages, measured ones hashed)\n",
		       m->add_tsc / (m->add_pages ? m->add_pages : 1), m->add_pages);
	}
	if (rc == RC_OK && m->mode == MIEE_PAL_M_CTX)
		rc = run_ctx_verdict(m);
	if (rc == RC_OK && m->mode == MIEE_PAL_M_TWO)
		rc = run_two_verdict(m);
	if (rc == RC_OK && m->mode == MIEE_PAL_M_SCRIPT)
		rc = run_script_verdict(m);
	if (rc == RC_OK && (m->mode == MIEE_PAL_M_CLI_SPIN || m->mode == MIEE_PAL_M_TPR_SPIN))
		rc = run_spin_verdict(m);
	if (rc == RC_OK && m->mode == MIEE_PAL_M_QUOTE)
		rc = check_quote(m);
	if (rc == RC_OK && (m->mode == MIEE_PAL_M_SEAL || m->mode == MIEE_PAL_M_SEAL_LT))
		rc = check_seal(m);
	if (rc == RC_OK && m->mode == MIEE_PAL_M_UNSEAL)
		report_unseal(m);
	if (m->mode == MIEE_PAL_M_UTPM_ARGS && (rc == RC_OK || rc == RC_WRONG))
		rc = report_uargs(m, rc);
	/* `unseal BLOB` alone: the exit status says whether it opened. */
	if (rc == RC_OK && o.mode == MIEE_PAL_M_UNSEAL && m->u->unseal_result != MIEE_PAL_U_OPENED)
		rc = RC_WRONG;
	if (o.info) {
		struct miee_info inf;

		if (!get_info(m, &inf))
			print_info(m, &inf);
	}
	m->rc = rc;
	return rc;
}
