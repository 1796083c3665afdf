/* miee-run's host threads for the libOS's thread slots (threads.h): one
 * host thread per live slot, started on LIBOS_HC_SPAWN, entering its slot
 * with MIEE_IOC_ENTER(slot) and serving that slot's host calls from its
 * own header and window. PARK blocks the host thread until an UNPARK of
 * its slot (a token) or the time; MIEE_EXIT_SLOT_DONE ends the host
 * thread; MIEE_EXIT_DONE or a fault from any slot ends the run. The host
 * learns slot numbers only. TEST ONLY hostile modes (threads-*, with
 * MIEE_RUN_TEST_HOSTILE=1) enter slots late and out of order, a slot from
 * two host threads at once, a dead slot, and drop or invent unparks.
 * Guest user space. docs/libos.md, "Threads". */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "libos-run.h"
#include "threads.h"
#include "hostcall.h"
#include "policy.h"

#define H_ORDER 1	/* enter late and out of order */
#define H_TWICE 2	/* a second host thread enters a running slot: EBUSY */
#define H_DROP 4	/* every other UNPARK is lost */
#define H_SPURIOUS 8	/* PARKs return early; UNPARKs go to other slots too */
#define H_DEAD 16	/* enter slots that ended, or were never made: ESLOT */

struct tslot {
	pthread_cond_t cv;
	int token;		/* an UNPARK came and no PARK took it yet */
	unsigned gen;		/* the host thread serving it (each SPAWN a new one) */
	int live;
	int in_enter;		/* its host thread is inside MIEE_IOC_ENTER */
};

struct hthread {
	unsigned slot, gen;
};

static struct {
	pthread_mutex_t mu;
	pthread_cond_t done_cv;
	struct tslot s[MIEE_SLOTS_MAX];
	struct lrun *r;
	int done, code;
	unsigned hostile;
	uint64_t spawned, freed, spawn_refused, parks, unparks, dropped, busy, eslot, intruded;
	unsigned rnd;
} T = { .mu = PTHREAD_MUTEX_INITIALIZER, .done_cv = PTHREAD_COND_INITIALIZER };

static unsigned rnd(void)	/* under T.mu */
{
	T.rnd = T.rnd * 1103515245u + 12345u;
	return (T.rnd >> 16) & 0x7fff;
}

int threads_hostile_ok(const char *name)
{
	if (!getenv("MIEE_RUN_TEST_HOSTILE") || strcmp(getenv("MIEE_RUN_TEST_HOSTILE"), "1"))
		return 0;
	return !strcmp(name, "threads-order") || !strcmp(name, "threads-twice") ||
	       !strcmp(name, "threads-drop") || !strcmp(name, "threads-spurious") ||
	       !strcmp(name, "threads-dead") || !strcmp(name, "threads-all");
}

static unsigned hostile_bits(const char *name)
{
	if (!name)
		return 0;
	if (!strcmp(name, "threads-order")) return H_ORDER;
	if (!strcmp(name, "threads-twice")) return H_TWICE;
	if (!strcmp(name, "threads-drop")) return H_DROP;
	if (!strcmp(name, "threads-spurious")) return H_SPURIOUS;
	if (!strcmp(name, "threads-dead")) return H_DEAD;
	return H_ORDER | H_TWICE | H_DROP | H_SPURIOUS | H_DEAD;
}

/* The run ends with exit e of some slot (the first one wins). */
static void finish(const struct miee_ioc_enter *e, int code_if_no_e)
{
	int code = e ? lrun_finish(T.r, e) : code_if_no_e;
	unsigned i;

	pthread_mutex_lock(&T.mu);
	if (!T.done) {
		T.done = 1;
		T.code = code;
		for (i = 0; i < MIEE_SLOTS_MAX; i++)
			pthread_cond_broadcast(&T.s[i].cv);
		pthread_cond_broadcast(&T.done_cv);
	}
	pthread_mutex_unlock(&T.mu);
}

/* 1 once the run has ended, waiting at most secs for it. */
static int wait_done(int secs)
{
	struct timespec dl;
	int done;

	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += secs;
	pthread_mutex_lock(&T.mu);
	while (!T.done && pthread_cond_timedwait(&T.done_cv, &T.mu, &dl) != ETIMEDOUT)
		;
	done = T.done;
	pthread_mutex_unlock(&T.mu);
	return done;
}

static void sleep_ns(long ns)
{
	struct timespec t = { ns / 1000000000l, ns % 1000000000l };

	nanosleep(&t, NULL);
}

/* PARK: until a token, the time (ns; < 0 none) or the end. */
static void park(unsigned slot, int64_t ns)
{
	struct tslot *s = &T.s[slot];
	struct timespec dl;

	if (ns == 0) {		/* sched_yield */
		sched_yield();
		return;
	}
	pthread_mutex_lock(&T.mu);
	T.parks++;
	if ((T.hostile & H_SPURIOUS) && rnd() % 3 == 0) {
		pthread_mutex_unlock(&T.mu);
		return;		/* back at once, no token taken */
	}
	clock_gettime(CLOCK_REALTIME, &dl);
	if (ns > 0) {
		dl.tv_sec += ns / 1000000000;
		dl.tv_nsec += ns % 1000000000;
		if (dl.tv_nsec >= 1000000000) {
			dl.tv_sec++;
			dl.tv_nsec -= 1000000000;
		}
	}
	while (!s->token && !T.done) {
		if (ns < 0)
			pthread_cond_wait(&s->cv, &T.mu);
		else if (pthread_cond_timedwait(&s->cv, &T.mu, &dl) == ETIMEDOUT)
			break;
	}
	s->token = 0;
	pthread_mutex_unlock(&T.mu);
}

static void unpark(unsigned slot)
{
	pthread_mutex_lock(&T.mu);
	T.unparks++;
	if ((T.hostile & H_DROP) && (T.unparks & 1)) {
		T.dropped++;
		pthread_mutex_unlock(&T.mu);
		return;
	}
	T.s[slot].token = 1;
	pthread_cond_signal(&T.s[slot].cv);
	if (T.hostile & H_SPURIOUS) {	/* and a slot nobody woke */
		unsigned k = rnd() % MIEE_SLOTS_MAX;

		T.s[k].token = 1;
		pthread_cond_signal(&T.s[k].cv);
	}
	pthread_mutex_unlock(&T.mu);
}

static void *slot_main(void *arg);

/* A second host thread for a slot (H_TWICE): it enters only while the
 * slot's own host thread is inside ENTER, so the slot is (almost surely)
 * running, and must be refused with MIEE_EBUSY. If it ever gets in, the
 * slot was out just then (its exit on its way to the slot's own thread):
 * the intruder has answered that exit "refused" and now holds the next
 * one, which the slot's own thread never sees. A host may do that (it is
 * a lie about one host call), but this runner then cannot serve the slot
 * in step any more, so the run stops with a named error at once. Before,
 * the intruder dropped the exit it held: when that was the MIEE's end, no
 * thread ended the run and every other host thread retried its refused
 * enter for ever (a hang). */
static void *twice_main(void *arg)
{
	struct hthread *h = arg;
	struct miee_ioc_enter e;
	int tries;

	for (tries = 0; tries < 20; tries++) {
		int go;

		usleep(500);
		pthread_mutex_lock(&T.mu);
		go = !T.done && T.s[h->slot].gen == h->gen && T.s[h->slot].in_enter;
		pthread_mutex_unlock(&T.mu);
		if (!go)
			continue;
		memset(&e, 0, sizeof(e));
		e.slot = h->slot;
		e.hostcall_ret = 1;
		if (ioctl(T.r->fd, MIEE_IOC_ENTER, &e) == 0) {
			pthread_mutex_lock(&T.mu);
			T.intruded++;
			pthread_mutex_unlock(&T.mu);
			fprintf(stderr, "miee-run: hostile: a second host thread entered slot %u while it "
				"was out and took its exit (reason %u): the run stops\n", h->slot, e.reason);
			finish(NULL, LRC_PROTOCOL);
			break;
		}
		if (errno == EBUSY) {
			pthread_mutex_lock(&T.mu);
			T.busy++;
			pthread_mutex_unlock(&T.mu);
		}
	}
	free(h);
	return NULL;
}

/* H_DEAD: an enter of a slot that is not live must be refused (ESLOT). */
static void probe_dead(void)
{
	struct miee_ioc_enter e;
	unsigned k;

	/* Slots at or past the libOS's thread count are never made (the
	 * hypervisor hands out the lowest free one), so this one is dead for
	 * sure; a just-ended slot could be made again by now. */
	if (T.r->threads >= MIEE_SLOTS_MAX)
		return;
	pthread_mutex_lock(&T.mu);
	k = T.r->threads + rnd() % (MIEE_SLOTS_MAX - T.r->threads);
	if (T.s[k].live || T.done) {
		pthread_mutex_unlock(&T.mu);
		return;
	}
	pthread_mutex_unlock(&T.mu);
	memset(&e, 0, sizeof(e));
	e.slot = k;
	if (ioctl(T.r->fd, MIEE_IOC_ENTER, &e) == 0) {
		fprintf(stderr, "miee-run: hostile: slot %u, never made, was entered (reason %u)\n", k,
			e.reason);
		finish(NULL, LRC_PROTOCOL);
		return;
	}
	pthread_mutex_lock(&T.mu);
	T.eslot++;
	pthread_mutex_unlock(&T.mu);
}

/* SPAWN: a host thread for slot k, which the libOS has just made. */
static int64_t spawn(unsigned k)
{
	struct hthread *h;
	pthread_t th;
	pthread_attr_t a;
	unsigned i, live = 0;

	if (k == 0 || k >= MIEE_SLOTS_MAX)
		return -EINVAL;
	pthread_mutex_lock(&T.mu);
	for (i = 0; i < MIEE_SLOTS_MAX; i++)
		live += i != k && T.s[i].live;
	if (live >= T.r->threads || T.done) {
		T.spawn_refused++;
		pthread_mutex_unlock(&T.mu);
		/* A libOS that made more slots than its limit (an honest one
		 * refuses the clone itself): the policy's line. */
		if (!T.done && policy_limit(&T.r->srv->pol, LIMIT_THREADS, live + 1) == 0)
			fprintf(stderr, "miee-run: policy: refused SPAWN(slot %u) -> EAGAIN: "
				"threads %u\n", k, T.r->threads);
		return -EAGAIN;
	}
	/* A slot number comes back once the hypervisor freed it; the host
	 * thread of its last life may not have seen SLOT_DONE yet: it goes
	 * on its own (its generation is stale). */
	T.s[k].gen++;
	T.s[k].live = 1;
	T.s[k].token = 0;
	T.spawned++;
	h = malloc(sizeof(*h));
	if (!h) {
		T.s[k].live = 0;
		pthread_mutex_unlock(&T.mu);
		return -EAGAIN;
	}
	h->slot = k;
	h->gen = T.s[k].gen;
	pthread_mutex_unlock(&T.mu);
	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&a, 256 * 1024);
	if (pthread_create(&th, &a, slot_main, h)) {
		pthread_mutex_lock(&T.mu);
		T.s[k].live = 0;
		T.spawn_refused++;
		pthread_mutex_unlock(&T.mu);
		free(h);
		pthread_attr_destroy(&a);
		return -EAGAIN;
	}
	if (T.hostile & H_TWICE) {
		struct hthread *h2 = malloc(sizeof(*h2));

		if (h2) {
			*h2 = (struct hthread){ k, h->gen };
			if (pthread_create(&th, &a, twice_main, h2))
				free(h2);
		}
	}
	pthread_attr_destroy(&a);
	return 0;
}

/* The runner's own host calls for threads; the rest go to lrun_serve. */
static uint64_t slot_hostcall(unsigned slot, unsigned char *buf)
{
	struct lrun *r = T.r;
	struct libos_hc *hc = (struct libos_hc *)(r->buf + LIBOS_OFF_SHARED) + slot;
	unsigned char *data = r->buf + LIBOS_OFF_SHARED + LIBOS_PAGE + slot * r->win;
	struct libos_hc h;

	memcpy(&h, hc, sizeof(h));	/* once */
	if (h.magic != LIBOS_HC_MAGIC)
		return lrun_serve(r, hc, data, buf);
	switch (h.nr) {
	case LIBOS_HC_PARK:
		if ((uint64_t)h.args[0] != slot)
			return 1;	/* a slot parks only itself */
		park(slot, h.args[1]);
		hc->ret = 0;
		return 0;
	case LIBOS_HC_UNPARK:
		if (h.args[0] < 0 || h.args[0] >= MIEE_SLOTS_MAX)
			return 1;
		unpark((unsigned)h.args[0]);
		hc->ret = 0;
		return 0;
	case LIBOS_HC_SPAWN:
		hc->ret = h.args[0] < 0 ? -EINVAL : spawn((unsigned)h.args[0]);
		return 0;
	default:
		return lrun_serve(r, hc, data, buf);
	}
}

/* One host thread: enters its slot until the slot or the MIEE ends. */
static void *slot_main(void *arg)
{
	struct hthread *h = arg;
	struct tslot *s = &T.s[h->slot];
	struct miee_ioc_enter e;
	unsigned char *buf = malloc(LIBOS_HC_DATA_MAX);
	unsigned busy_tries = 0;

	memset(&e, 0, sizeof(e));
	if (!buf) {
		finish(NULL, LRC_LOAD);
		return NULL;
	}
	for (;;) {
		int rc, err;

		pthread_mutex_lock(&T.mu);
		if (T.done) {
			pthread_mutex_unlock(&T.mu);
			break;
		}
		if ((T.hostile & H_ORDER) && rnd() % 4 == 0) {
			long ns = (long)(rnd() % 2000) * 1000;

			pthread_mutex_unlock(&T.mu);
			sleep_ns(ns);	/* another slot goes first */
			pthread_mutex_lock(&T.mu);
		}
		if ((T.hostile & H_DEAD) && rnd() % 16 == 0) {
			pthread_mutex_unlock(&T.mu);
			probe_dead();
			pthread_mutex_lock(&T.mu);
		}
		s->in_enter = 1;
		pthread_mutex_unlock(&T.mu);
		e.reason = 0;
		e.slot = h->slot;
		rc = ioctl(T.r->fd, MIEE_IOC_ENTER, &e);
		err = errno;
		pthread_mutex_lock(&T.mu);
		s->in_enter = 0;
		pthread_mutex_unlock(&T.mu);
		if (rc && err == EINTR)
			continue;	/* SIGUSR2 (--checkpoint): enter again */
		if (rc && err == EBUSY && (T.hostile & H_TWICE) && busy_tries++ < 50000) {
			/* Our own second host thread is in the slot: the
			 * hypervisor refused this enter; try again (for at
			 * most about 10 s: EBUSY is also MIEE_ESTATE, an
			 * MIEE that ended, and the run ends by then). */
			sleep_ns(200000);
			continue;
		}
		busy_tries = 0;
		if (rc) {
			/* An MIEE that has just ended refuses every enter
			 * (MIEE_ESTATE, EBUSY) while its end is still on its
			 * way from the slot that ended it: that end wins. */
			if (wait_done(5))
				break;
			fprintf(stderr, "miee-run: MIEE_IOC_ENTER slot %u: %s\n", h->slot, strerror(err));
			finish(NULL, LRC_LOAD);
			break;
		}
		e.hostcall_ret = 0;
		if (e.reason == MIEE_EXIT_HOSTCALL) {
			if (e.info != LIBOS_HOSTCALL) {
				__atomic_fetch_add(&T.r->refused, 1, __ATOMIC_RELAXED);
				e.hostcall_ret = 1;
			} else {
				e.hostcall_ret = slot_hostcall(h->slot, buf);
			}
			/* Every answer says whether a checkpoint is wanted. */
			((struct libos_hc *)(T.r->buf + LIBOS_OFF_SHARED) + h->slot)->host_flags =
				ckpt_host_flags(&T.r->ck);
			continue;
		}
		if (e.reason == MIEE_EXIT_INTERRUPTED)
			continue;
		if (e.reason == MIEE_EXIT_SLOT_DONE) {
			pthread_mutex_lock(&T.mu);
			T.freed++;
			if (s->gen == h->gen)
				s->live = 0;
			pthread_mutex_unlock(&T.mu);
			break;
		}
		finish(&e, 0);	/* DONE, FAULT or outside the protocol */
		break;
	}
	free(buf);
	if (h->slot)
		free(h);
	return NULL;
}

int threads_run(struct lrun *r, const char *hostile)
{
	static struct hthread h0;
	pthread_t th;
	sigset_t usr2;
	unsigned i;

	T.r = r;
	T.hostile = hostile_bits(hostile);
	T.rnd = (unsigned)time(NULL) ^ (unsigned)getpid();
	for (i = 0; i < MIEE_SLOTS_MAX; i++)
		pthread_cond_init(&T.s[i].cv, NULL);
	T.s[0].live = 1;
	T.spawned = 1;		/* slot 0, made by HC_MIEE_INIT */
	h0.slot = 0;
	h0.gen = 0;
	if (pthread_create(&th, NULL, slot_main, &h0)) {
		fprintf(stderr, "miee-run: no host thread for slot 0\n");
		return LRC_LOAD;
	}
	pthread_detach(th);
	/* SIGUSR2 (--checkpoint) goes to a host thread of a slot, never to
	 * this one: it must interrupt a host call blocked in the host (a
	 * read from a FIFO) so that the libOS sees the request. The slot
	 * threads were started with it unblocked. */
	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &usr2, NULL);
	pthread_mutex_lock(&T.mu);
	while (!T.done)
		pthread_cond_wait(&T.done_cv, &T.mu);
	if (r->stats)
		fprintf(stderr, "miee-run: threads: slots created %" PRIu64 ", freed %" PRIu64
			" (+1 at the end: the MIEE's), live at the end %" PRIu64 "; spawns refused %" PRIu64
			"; parks %" PRIu64 ", unparks %" PRIu64 "\n", T.spawned, T.freed,
			T.spawned - T.freed, T.spawn_refused, T.parks, T.unparks);
	if (T.hostile)
		fprintf(stderr, "miee-run: hostile threads: unparks dropped %" PRIu64
			", second enters refused busy %" PRIu64 ", dead-slot enters refused %" PRIu64
			", second enters that got in %" PRIu64 "\n",
			T.dropped, T.busy, T.eslot, T.intruded);
	i = (unsigned)T.code;
	pthread_mutex_unlock(&T.mu);
	return (int)i;
}
