/* attest/verify: the check records and what is made of them, the human
 * report and the EAR (IETF RATS attestation result, AR4SI
 * trustworthiness tiers). Host side. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "verify.h"

static const char *const tv_name[TV_N] = { "instance-identity", "hardware", "executables",
					   "configuration" };

struct check checks[64];
int nchecks;

void hexs(char *out, size_t max, const uint8_t *p, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n && k + 3 < max; i++)
		k += (size_t)snprintf(out + k, max - k, "%02x", p[i]);
	if (k + 3 >= max && max > 4)
		strcpy(out + max - 4, "...");
	if (!n && max)
		out[0] = 0;
}

struct check *check(enum sub sub, enum tv tv, int ok, const char *name, const char *got,
			   const char *want)
{
	struct check *c = &checks[nchecks < 63 ? nchecks++ : 63];

	snprintf(c->name, sizeof(c->name), "%s", name);
	snprintf(c->got, sizeof(c->got), "%s", got ? got : "");
	snprintf(c->want, sizeof(c->want), "%s", want ? want : "");
	c->ok = ok;
	c->sub = sub;
	c->tv = tv;
	return c;
}

void check_bytes(enum sub sub, enum tv tv, const char *name, const uint8_t *got,
			size_t gn, const uint8_t *want, size_t wn)
{
	char g[160], w[160];

	hexs(g, sizeof(g), got, gn);
	hexs(w, sizeof(w), want, wn);
	if (!gn)
		strcpy(g, "(empty)");
	check(sub, tv, gn == wn && !memcmp(got, want, gn), name, g, w);
}

static const char *status_of(enum sub s)
{
	int fail = 0, na = 0;

	for (int i = 0; i < nchecks; i++) {
		/* The PAL's evidence means something only through the hypervisor's. */
		if (checks[i].sub != s && !(s == SUB_PAL && checks[i].sub == SUB_HV))
			continue;
		fail |= checks[i].ok == 0;
		na |= checks[i].ok < 0;
	}
	return fail ? "contraindicated" : na ? "warning" : "affirming";
}

static int tv_value(enum sub s, enum tv t)
{
	int any = 0, fail = 0;

	for (int i = 0; i < nchecks; i++)
		if (checks[i].sub == s && checks[i].tv == t) {
			any = 1;
			fail |= checks[i].ok == 0;
		}
	/* AR4SI tiers: 2 affirming, 96 contraindicated, 0 no claim. */
	return !any ? 0 : fail ? 96 : 2;
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void print_ear(FILE *f)
{
	static const char *const subname[] = { "hypervisor", "pal" };

	fprintf(f, "{\"eat_profile\":\"tag:github.com,2023:veraison/ear\",\"iat\":%lld,"
		   "\"ear.verifier-id\":{\"developer\":\"twoway-hv\",\"build\":",
		(long long)time(NULL));
	json_str(f, opt.verifier_id);
	fprintf(f, "},\"submods\":{");
	for (int s = 0; s < 2; s++) {
		fprintf(f, "%s\"%s\":{\"ear.status\":\"%s\",\"ear.trustworthiness-vector\":{",
			s ? "," : "", subname[s], status_of((enum sub)s));
		int first = 1;
		for (int t = 0; t < TV_N; t++) {
			int v = tv_value((enum sub)s, (enum tv)t);
			if (!v)
				continue;
			fprintf(f, "%s\"%s\":%d", first ? "" : ",", tv_name[t], v);
			first = 0;
		}
		fprintf(f, "},\"ear.appraisal-policy-id\":\"twoway-hv/attestation-v1\","
			   "\"twoway.checks\":[");
		first = 1;
		for (int i = 0; i < nchecks; i++) {
			if ((int)checks[i].sub != s)
				continue;
			fprintf(f, "%s{\"check\":", first ? "" : ",");
			json_str(f, checks[i].name);
			fprintf(f, ",\"result\":\"%s\",\"got\":",
				checks[i].ok > 0 ? "ok" : checks[i].ok ? "n/a" : "FAIL");
			json_str(f, checks[i].got);
			fprintf(f, ",\"expected\":");
			json_str(f, checks[i].want);
			fprintf(f, "}");
			first = 0;
		}
		fprintf(f, "]}");
	}
	fprintf(f, "}}\n");
}

int report(void)
{
	int bad = 0;
	FILE *f = opt.json ? stderr : stdout;

	for (int i = 0; i < nchecks; i++) {
		const struct check *c = &checks[i];
		bad |= c->ok == 0;
		if (quiet)
			continue;
		fprintf(f, "  %-4s  %s\n", c->ok > 0 ? "ok" : c->ok ? "n/a" : "FAIL", c->name);
		if (c->ok <= 0 || c->got[0])
			fprintf(f, "          got      %s\n", c->got);
		if (c->ok <= 0 && c->want[0])
			fprintf(f, "          expected %s\n", c->want);
	}
	fprintf(f, "%s: hypervisor: %s, pal: %s\n", me, status_of(SUB_HV), status_of(SUB_PAL));
	fprintf(f, "%s: %s\n", me,
		bad ? "NOT attested"
		    : "ATTESTED: the built PAL runs in an MIEE of the built hypervisor, launched by "
		      "DRTM on a TPM certified by --ek-ca");
	if (opt.json)
		print_ear(stdout);
	return bad ? EXIT_NOT_ATTESTED : EXIT_ATTESTED;
}
