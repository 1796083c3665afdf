/* miee-run's script modes (tools/miee-pal-mem.h, docs/miee-runner.md
 * "Script modes"): memory after init. Each mode writes its list of
 * operations with the result it expects of each, serves the host calls
 * (MIEE_IOC_DONATE, MIEE_IOC_RECLAIM, the hold), and judges every result.
 * Include only from tools/miee-run.c, after its helpers. */
#ifndef TOOLS_MIEE_RUN_MEM_H
#define TOOLS_MIEE_RUN_MEM_H

#define RUN_MEM_MAX_PAGES 64u	/* max_pages of a script MIEE (without --max-pages) */
#define RUN_MEM_AT 0x20000ull	/* where the scripts map */
#define RUN_MEM_GROW 4u		/* pages a MIEE_PAL_HC_GROW donates */
#define RUN_MEM_SHRINK 2u	/* pages a MIEE_PAL_HC_SHRINK reclaims */
#define RUN_MEM_SECRET_PAGES 4u
#define RUN_DONATED_PFNS "/sys/module/miee_drv/parameters/donated_pfns"

static int run_is_script(uint64_t mode)
{
	return mode >= RUN_M_MEM && mode <= RUN_M_MEM_SECRET;
}

static struct {
	unsigned n;
	int64_t expect[MIEE_PAL_MAX_OPS];
	int at_least[MIEE_PAL_MAX_OPS];	/* expect is a minimum (the hold) */
	uint64_t donated, reclaimed;
} rc_mem;

static void run_op(struct miee *m, uint64_t op, uint64_t a, uint64_t b, uint64_t c, uint64_t d,
		   int64_t expect)
{
	volatile struct miee_pal_script *s =
		(volatile struct miee_pal_script *)(m->buf + MIEE_IMG_SHARED + MIEE_PAL_SCRIPT_OFF);
	volatile struct miee_pal_op *o = &s->ops[rc_mem.n];

	if (rc_mem.n >= MIEE_PAL_MAX_OPS)
		die("the script has more than %u operations", MIEE_PAL_MAX_OPS);
	o->op = op;
	o->a = a;
	o->b = b;
	o->c = c;
	o->d = d;
	o->res = 0x5a5a5a5a5a5a5a5aull;	/* the PAL overwrites it */
	rc_mem.expect[rc_mem.n++] = expect;
	s->nops = rc_mem.n;
}

#define RW (MIEE_P_R | MIEE_P_W)
static void run_map(struct miee *m, uint64_t off, uint64_t n, uint64_t flags, int64_t expect)
{
	run_op(m, MIEE_PAL_OP_HC, HC_MIEE_MAP, off, n, flags, expect);
}

static void run_unmap(struct miee *m, uint64_t off, uint64_t n, int64_t expect)
{
	run_op(m, MIEE_PAL_OP_HC, HC_MIEE_UNMAP, off, n, 0, expect);
}

static void run_host(struct miee *m, uint64_t nr, int64_t expect)
{
	run_op(m, MIEE_PAL_OP_HC, HC_MIEE_HOSTCALL, nr, 0, 0, expect);
}

/* Before the measurement: the script in the shared page. */
static void run_script_prepare(struct miee *m)
{
	uint64_t end;

	if (!run_is_script(o.mode))
		return;
	m->mode = MIEE_PAL_M_SCRIPT;
	m->sh->mode = MIEE_PAL_M_SCRIPT;
	if (!o.max_pages)
		m->im.max_pages = RUN_MEM_MAX_PAGES;
	end = (uint64_t)m->im.max_pages * MIEE_PG;
	if (end < RUN_MEM_AT + 0x20000)
		die("the script modes need --max-pages of at least %llu",
		    (unsigned long long)((RUN_MEM_AT + 0x20000) / MIEE_PG));
	memset(&rc_mem, 0, sizeof(rc_mem));
	if (o.mode == RUN_M_MEM_SECRET) {
		/* Donated before the first entry (run_script_begin). */
		run_map(m, RUN_MEM_AT, RUN_MEM_SECRET_PAGES, RW, 0);
		run_op(m, MIEE_PAL_OP_FILL, RUN_MEM_AT, RUN_MEM_SECRET_PAGES, 0, 0, 0);
		run_op(m, MIEE_PAL_OP_HOLD, 0, 0, 0, 0, 1);
		rc_mem.at_least[rc_mem.n - 1] = 1;
		run_op(m, MIEE_PAL_OP_CHECK, RUN_MEM_AT, RUN_MEM_SECRET_PAGES, 0, 0, 0);
		return;
	}
	run_host(m, MIEE_PAL_HC_GROW, 0);
	run_map(m, RUN_MEM_AT, 1, RW, 0);
	run_op(m, MIEE_PAL_OP_FILL, RUN_MEM_AT, 1, 0, 0, 0);
	run_unmap(m, RUN_MEM_AT, 1, 0);
	if (o.mode == RUN_M_MEM_UNMAPPED) {
		/* Must fault: if a stale translation let it through, it reads
		 * the scrubbed frame and counts 512 words that differ. */
		run_op(m, MIEE_PAL_OP_CHECK, RUN_MEM_AT, 1, 0, 0, 0);
		return;
	}
	/* Grown by 4; 1 mapped and unmapped again: the reserve holds 4. */
	run_map(m, RUN_MEM_AT, 5, RW, MIEE_ENOMEM);	/* short: nothing mapped */
	run_map(m, RUN_MEM_AT, 2, RW, 0);
	run_op(m, MIEE_PAL_OP_ZERO, RUN_MEM_AT, 2, 0, 0, 0);	/* zeroed, though the
								 * first was filled */
	run_op(m, MIEE_PAL_OP_FILL, RUN_MEM_AT, 2, 0, 0, 0);
	run_op(m, MIEE_PAL_OP_CHECK, RUN_MEM_AT, 2, 0, 0, 0);
	run_map(m, RUN_MEM_AT + MIEE_PG, 1, RW, MIEE_EDUP);	/* mapped already */
	run_map(m, MIEE_IMG_CODE, 1, RW, MIEE_EDUP);		/* an image page */
	run_map(m, MIEE_IMG_SHARED, 1, RW, MIEE_EDUP);		/* the shared page */
	run_map(m, end, 1, RW, MIEE_ERANGE);			/* past the range */
	run_map(m, end - MIEE_PG, 2, RW, MIEE_ERANGE);		/* across its end */
	run_map(m, RUN_MEM_AT + 0x10800, 1, RW, MIEE_ERANGE);	/* unaligned */
	run_map(m, RUN_MEM_AT + 0x10000, 1, RW | MIEE_P_X, MIEE_EFLAGS);	/* executable */
	run_map(m, RUN_MEM_AT + 0x10000, 1, MIEE_P_R, MIEE_EFLAGS);
	run_map(m, RUN_MEM_AT + 0x10000, 1, RW | MIEE_P_MEASURED, MIEE_EFLAGS);
	run_map(m, RUN_MEM_AT + 0x10000, 0, RW, MIEE_ELIMIT);
	run_map(m, RUN_MEM_AT + 0x10000, MIEE_ADD_MAX + 1, RW, MIEE_ELIMIT);
	run_map(m, RUN_MEM_AT + 0x10000, 3, RW, MIEE_ENOMEM);	/* 2 left */
	run_unmap(m, MIEE_IMG_DATA, 1, MIEE_EARG);		/* an image page */
	run_unmap(m, RUN_MEM_AT + 0x10000, 1, MIEE_EARG);	/* never mapped */
	run_unmap(m, RUN_MEM_AT, 3, MIEE_EARG);	/* the third is not: nothing changes */
	run_op(m, MIEE_PAL_OP_CHECK, RUN_MEM_AT, 2, 0, 0, 0);
	run_unmap(m, RUN_MEM_AT, 2, 0);
	run_map(m, RUN_MEM_AT, 2, RW, 0);	/* the same frames come back, zeroed */
	run_op(m, MIEE_PAL_OP_ZERO, RUN_MEM_AT, 2, 0, 0, 0);
	run_op(m, MIEE_PAL_OP_FILL, RUN_MEM_AT, 2, 0, 0, 0);
	run_unmap(m, RUN_MEM_AT, 2, 0);
	run_host(m, MIEE_PAL_HC_SHRINK, RUN_MEM_SHRINK);	/* the OS takes 2 back */
	run_map(m, RUN_MEM_AT, 3, RW, MIEE_ENOMEM);
	run_map(m, RUN_MEM_AT + 0x10000, 2, RW, 0);
	run_op(m, MIEE_PAL_OP_FILL, RUN_MEM_AT + 0x10000, 2, 0, 0, 0);	/* left mapped:
									 * destroy scrubs */
}
#undef RW

static int run_donate(struct miee *m, uint32_t n)
{
	struct miee_ioc_mem r = { .npages = n };

	if (ioctl(m->fd, MIEE_IOC_DONATE, &r)) {
		printf("miee-run: MIEE_IOC_DONATE %u: %s (errno %d)\n", n, strerror(errno), errno);
		return -errno;
	}
	rc_mem.donated += r.done;
	printf("miee-run: donated %u pages, reserve %" PRIu64 "\n", r.done, (uint64_t)r.reserve);
	return 0;
}

/* mem-secret: the reserve is filled before the MIEE first runs. */
static void run_script_begin(struct miee *m)
{
	if (m->mode == MIEE_PAL_M_SCRIPT && o.mode == RUN_M_MEM_SECRET &&
	    run_donate(m, RUN_MEM_SECRET_PAGES))
		die("cannot donate the secret's pages");
}

/* The frames the driver donated last (test aid of the driver), all of
 * which the script maps: what the attack modules are given. */
static void run_print_dyn_params(void)
{
	char line[1024] = "", *p;
	FILE *f = fopen(RUN_DONATED_PFNS, "r");
	size_t n;

	if (!f || !fgets(line, sizeof(line), f)) {
		printf("miee-run: attack-params unavailable (%s: %s)\n", RUN_DONATED_PFNS,
		       strerror(errno));
		if (f)
			fclose(f);
		return;
	}
	fclose(f);
	n = strcspn(line, "\n");
	line[n] = 0;
	printf("miee-run: attack-params pfns=");
	for (p = strtok(line, ","); p; p = strtok(NULL, ","))
		printf("%s0x%lx", p == line ? "" : ",", strtoul(p, NULL, 10));
	printf(" secret=0x%" PRIx64 "\n", (uint64_t)MIEE_PAL_SECRET_WORD(1));
}

/* A host call of a script mode: 1 and *ans, or 0 if it is not one of its. */
static int run_script_serve(struct miee *m, uint64_t nr, double secret_until, uint64_t *ans)
{
	struct miee_ioc_mem r = { .npages = RUN_MEM_SHRINK };

	if (!run_is_script(o.mode))
		return 0;
	if (nr == MIEE_PAL_HC_GROW) {
		*ans = (uint64_t)(int64_t)run_donate(m, RUN_MEM_GROW);
		return 1;
	}
	if (nr == MIEE_PAL_HC_SHRINK) {
		if (ioctl(m->fd, MIEE_IOC_RECLAIM, &r)) {
			printf("miee-run: MIEE_IOC_RECLAIM: %s (errno %d)\n", strerror(errno), errno);
			*ans = (uint64_t)-(int64_t)errno;
			return 1;
		}
		rc_mem.reclaimed += r.done;
		printf("miee-run: reclaimed %u pages, reserve %" PRIu64 "\n", r.done,
		       (uint64_t)r.reserve);
		*ans = r.done;
		return 1;
	}
	if (nr == MIEE_PAL_HC_YIELD && o.mode == RUN_M_MEM_SECRET) {
		if (!m->yields++) {
			printf("miee-run: host call yield: the secret is in %u dynamic pages at 0x%llx; "
			       "keeping the PAL live %u s\n", RUN_MEM_SECRET_PAGES,
			       (unsigned long long)RUN_MEM_AT, o.secret_s);
			run_print_dyn_params();
		}
		*ans = now() < secret_until ? MIEE_PAL_GO : MIEE_PAL_STOP;
		if (*ans == MIEE_PAL_GO)
			usleep(1000);	/* give the CPU to whoever else wants it */
		return 1;
	}
	return 0;
}

static const char *run_op_name(const volatile struct miee_pal_op *op)
{
	if (op->op == MIEE_PAL_OP_HC)
		return op->a == HC_MIEE_MAP ? "MAP" : op->a == HC_MIEE_UNMAP ? "UNMAP" :
		       op->b == MIEE_PAL_HC_GROW ? "host call grow" : "host call shrink";
	return op->op == MIEE_PAL_OP_FILL ? "fill" : op->op == MIEE_PAL_OP_CHECK ? "check" :
	       op->op == MIEE_PAL_OP_ZERO ? "zero?" : "hold";
}

/* Every operation's result against what the script expects. */
static int run_script_verdict(struct miee *m)
{
	volatile struct miee_pal_script *s =
		(volatile struct miee_pal_script *)(m->buf + MIEE_IMG_SHARED + MIEE_PAL_SCRIPT_OFF);
	unsigned i, bad = 0;

	for (i = 0; i < rc_mem.n; i++) {
		volatile struct miee_pal_op *op = &s->ops[i];
		int64_t res = (int64_t)op->res, want = rc_mem.expect[i];
		int ok = rc_mem.at_least[i] ? res >= want : res == want;

		printf("miee-run: script %2u %s 0x%" PRIx64 " %" PRIu64 " 0x%" PRIx64 ": %" PRId64
		       " (expected %s%" PRId64 ") %s\n", i, run_op_name(op),
		       (uint64_t)(op->op == MIEE_PAL_OP_HC ? op->b : op->a),
		       (uint64_t)(op->op == MIEE_PAL_OP_HC ? op->c : op->b), (uint64_t)op->d, res,
		       rc_mem.at_least[i] ? ">= " : "", want, ok ? "ok" : "WRONG");
		bad += !ok;
	}
	printf("miee-run: script result: %s (%u of %u operations as expected; %" PRIu64
	       " pages donated, %" PRIu64 " reclaimed)\n", bad ? "WRONG" : "ok", rc_mem.n - bad,
	       rc_mem.n, rc_mem.donated, rc_mem.reclaimed);
	return bad ? RC_WRONG : RC_OK;
}

#endif
