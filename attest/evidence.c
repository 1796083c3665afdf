/* Strict parsers for the agent's messages and the TPM 2.0 structures in
 * them (docs/attestation.md). Host side; every input is hostile. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "evidence.h"
#include "hex.h"

static const struct {
	const char *key;
	size_t min, max;
} fields[EVF_N] = {
	[EVF_EK_CERT] = { "ek_cert", 1, 4096 },
	[EVF_EK_PUB] = { "ek_pub", 2, 1024 },
	[EVF_AK_PUB] = { "ak_pub", 2, 1024 },
	[EVF_QUOTE] = { "quote", 1, 1024 },
	[EVF_QUOTE_SIG] = { "quote_sig", 1, 1024 },
	[EVF_PCR17] = { "pcr17", 32, 32 },
	[EVF_PCR18] = { "pcr18", 32, 32 },
	[EVF_PCR19] = { "pcr19", 32, 32 },
	[EVF_UTPM_QUOTE] = { "utpm_quote", 1, 1024 },
	[EVF_UTPM_SIG] = { "utpm_sig", 1, 1024 },
	[EVF_UTPM_PUB] = { "utpm_pub", 65, 65 },
	[EVF_UPCR0] = { "upcr0", 32, 32 },
	[EVF_UPCR1] = { "upcr1", 32, 32 },
	[EVF_ACTIVATED] = { "activated", 0, 64 },
};

const char *ev_field_name(enum ev_field f)
{
	return f < EVF_N ? fields[f].key : "?";
}

static int ev_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static void skip_ws(const char *s, size_t len, size_t *i)
{
	while (*i < len && (s[*i] == ' ' || s[*i] == '\t' || s[*i] == '\n' || s[*i] == '\r'))
		(*i)++;
}

/* A string without escapes or control bytes: [*start, *start + *slen). */
static int get_string(const char *s, size_t len, size_t *i, size_t *start, size_t *slen)
{
	if (*i >= len || s[*i] != '"')
		return -1;
	(*i)++;
	*start = *i;
	while (*i < len && s[*i] != '"') {
		if (s[*i] == '\\' || (unsigned char)s[*i] < 0x20)
			return -1;
		(*i)++;
	}
	if (*i >= len)
		return -1;
	*slen = *i - *start;
	(*i)++;
	return 0;
}

static int store(struct evidence *ev, const char *key, size_t klen, const char *v, size_t vlen,
		 int is_str, long num, char *err, size_t errlen)
{
	int f;

#define KEY_IS(k) (klen == strlen(k) && !memcmp(key, k, klen))
	if (KEY_IS("format")) {
		if (!is_str || vlen >= sizeof(ev->format) || ev->format[0])
			return ev_fail(err, errlen, "bad or repeated \"format\"");
		memcpy(ev->format, v, vlen);
		ev->format[vlen] = 0;
		if (!vlen)
			return ev_fail(err, errlen, "empty \"format\"");
		return 0;
	}
	if (KEY_IS("version")) {
		if (is_str || ev->version >= 0)
			return ev_fail(err, errlen, "bad or repeated \"version\"");
		ev->version = num;
		return 0;
	}
	if (KEY_IS("error")) {
		if (!is_str || ev->error[0])
			return ev_fail(err, errlen, "bad or repeated \"error\"");
		vlen = vlen < sizeof(ev->error) - 1 ? vlen : sizeof(ev->error) - 1;
		memcpy(ev->error, v, vlen);
		ev->error[vlen] = 0;
		if (!vlen)
			strcpy(ev->error, "(empty)");
		return 0;
	}
	for (f = 0; f < EVF_N; f++)
		if (KEY_IS(fields[f].key))
			break;
#undef KEY_IS
	if (f == EVF_N)
		return ev_fail(err, errlen, "unknown key \"%.*s\"", (int)(klen > 40 ? 40 : klen), key);
	if (ev->have & (1u << f))
		return ev_fail(err, errlen, "repeated key \"%s\"", fields[f].key);
	if (!is_str || vlen % 2)
		return ev_fail(err, errlen, "\"%s\" is not a string of hex digit pairs", fields[f].key);
	if (vlen / 2 < fields[f].min || vlen / 2 > fields[f].max)
		return ev_fail(err, errlen, "\"%s\" has %zu bytes (allowed %zu..%zu)", fields[f].key,
			    vlen / 2, fields[f].min, fields[f].max);
	for (size_t j = 0; j < vlen / 2; j++) {
		int b = hex_byte(v + 2 * j);

		if (b < 0)
			return ev_fail(err, errlen, "\"%s\": not hex at offset %zu", fields[f].key, 2 * j);
		ev->f[f].b[j] = (uint8_t)b;
	}
	ev->f[f].n = vlen / 2;
	ev->have |= 1u << f;
	return 0;
}

int ev_parse_json(const char *s, size_t len, struct evidence *ev, char *err, size_t errlen)
{
	size_t i = 0;
	int first = 1;

	memset(ev, 0, sizeof(*ev));
	ev->version = -1;
	if (len > EV_MAX_JSON)
		return ev_fail(err, errlen, "message longer than %d bytes", EV_MAX_JSON);
	skip_ws(s, len, &i);
	if (i >= len || s[i] != '{')
		return ev_fail(err, errlen, "not a JSON object (offset %zu)", i);
	i++;
	for (;;) {
		size_t ks, kl, vs = 0, vl = 0;
		long num = 0;
		int is_str;

		skip_ws(s, len, &i);
		if (i < len && s[i] == '}' && first) {
			i++;
			break;
		}
		if (get_string(s, len, &i, &ks, &kl))
			return ev_fail(err, errlen, "expected a key string at offset %zu", i);
		skip_ws(s, len, &i);
		if (i >= len || s[i] != ':')
			return ev_fail(err, errlen, "expected ':' at offset %zu", i);
		i++;
		skip_ws(s, len, &i);
		if (i < len && s[i] == '"') {
			if (get_string(s, len, &i, &vs, &vl))
				return ev_fail(err, errlen, "bad string value at offset %zu", i);
			is_str = 1;
		} else if (i < len && s[i] >= '0' && s[i] <= '9') {
			size_t d = 0;
			while (i < len && s[i] >= '0' && s[i] <= '9') {
				if (++d > 9)
					return ev_fail(err, errlen, "number too long at offset %zu", i);
				num = num * 10 + (s[i++] - '0');
			}
			is_str = 0;
		} else {
			return ev_fail(err, errlen, "expected a string or a number at offset %zu", i);
		}
		if (store(ev, s + ks, kl, s + vs, vl, is_str, num, err, errlen))
			return -1;
		first = 0;
		skip_ws(s, len, &i);
		if (i < len && s[i] == ',') {
			i++;
			continue;
		}
		if (i < len && s[i] == '}') {
			i++;
			break;
		}
		return ev_fail(err, errlen, "expected ',' or '}' at offset %zu", i);
	}
	skip_ws(s, len, &i);
	if (i != len)
		return ev_fail(err, errlen, "bytes after the object (offset %zu)", i);
	return 0;
}

int ev_parse_message(const char *s, size_t len, const char *format, unsigned want,
		     struct evidence *ev, char *err, size_t errlen)
{
	if (ev_parse_json(s, len, ev, err, errlen))
		goto bad;
	if (ev->error[0]) {
		ev_fail(err, errlen, "the agent reports an error: %s", ev->error);
		goto bad;
	}
	if (strcmp(ev->format, format)) {
		ev_fail(err, errlen, "format \"%s\", expected \"%s\"", ev->format, format);
		goto bad;
	}
	if (*format && ev->version != EV_VERSION) {
		ev_fail(err, errlen, "version %ld, this verifier reads version %d", ev->version,
		     EV_VERSION);
		goto bad;
	}
	if (!*format && ev->version != -1) {
		ev_fail(err, errlen, "unexpected \"version\"");
		goto bad;
	}
	if (ev->have != want) {
		for (int f = 0; f < EVF_N; f++)
			if ((want ^ ev->have) & (1u << f)) {
				ev_fail(err, errlen, "field \"%s\" %s", fields[f].key,
				     want & (1u << f) ? "missing" : "not allowed here");
				break;
			}
		goto bad;
	}
	return 0;
bad:
	memset(ev, 0, sizeof(*ev));
	return -1;
}

/* ---- TPM structures: a bounded big-endian reader */
struct rd {
	const uint8_t *p;
	size_t n, i;
	int bad;
};

static uint32_t rd_n(struct rd *r, unsigned bytes)
{
	uint32_t v = 0;

	if (r->bad || r->n - r->i < bytes) {
		r->bad = 1;
		return 0;
	}
	for (unsigned k = 0; k < bytes; k++)
		v = v << 8 | r->p[r->i++];
	return v;
}

static uint64_t rd_u64(struct rd *r)
{
	uint64_t hi = rd_n(r, 4);
	return hi << 32 | rd_n(r, 4);
}

/* TPM2B: size then bytes, at most max (else the reader goes bad). */
static size_t rd_2b(struct rd *r, uint8_t *out, size_t max)
{
	size_t n = rd_n(r, 2);

	if (r->bad || n > max || r->n - r->i < n) {
		r->bad = 1;
		return 0;
	}
	if (out)
		memcpy(out, r->p + r->i, n);
	r->i += n;
	return n;
}

int tpm_parse_public(const uint8_t *p, size_t n, struct tpm_public *pub, ev_sha256_fn sha,
		     char *err, size_t errlen)
{
	struct rd r = { p, n, 0, 0 };
	size_t size, start;

	memset(pub, 0, sizeof(*pub));
	size = rd_n(&r, 2);
	if (r.bad || size != n - 2)
		return ev_fail(err, errlen, "TPM2B_PUBLIC: size %zu, %zu bytes follow", size,
			    n >= 2 ? n - 2 : 0);
	start = r.i;
	pub->type = (uint16_t)rd_n(&r, 2);
	pub->name_alg = (uint16_t)rd_n(&r, 2);
	pub->attrs = rd_n(&r, 4);
	pub->policy_len = rd_2b(&r, NULL, 64);
	pub->sym_alg = (uint16_t)rd_n(&r, 2);
	if (pub->sym_alg != TPM_ALG_NULL) {
		pub->sym_bits = (uint16_t)rd_n(&r, 2);
		pub->sym_mode = (uint16_t)rd_n(&r, 2);
	}
	pub->scheme = (uint16_t)rd_n(&r, 2);
	if (pub->scheme != TPM_ALG_NULL)
		pub->scheme_hash = (uint16_t)rd_n(&r, 2);
	if (pub->type == TPM_ALG_RSA) {
		pub->rsa_bits = (uint16_t)rd_n(&r, 2);
		pub->rsa_exp = rd_n(&r, 4);
		pub->unique_len = rd_2b(&r, pub->unique, sizeof(pub->unique));
	} else if (pub->type == TPM_ALG_ECC) {
		pub->curve = (uint16_t)rd_n(&r, 2);
		pub->kdf = (uint16_t)rd_n(&r, 2);
		if (pub->kdf != TPM_ALG_NULL)
			rd_n(&r, 2);
		pub->unique_len = rd_2b(&r, pub->unique, sizeof(pub->y));
		pub->y_len = rd_2b(&r, pub->y, sizeof(pub->y));
	} else {
		return ev_fail(err, errlen, "TPMT_PUBLIC: type 0x%04x is neither RSA nor ECC", pub->type);
	}
	if (r.bad)
		return ev_fail(err, errlen, "TPMT_PUBLIC: truncated or a length out of bounds");
	if (r.i != n)
		return ev_fail(err, errlen, "TPMT_PUBLIC: %zu bytes left over", n - r.i);
	if (pub->name_alg != TPM_ALG_SHA256)
		return ev_fail(err, errlen, "TPMT_PUBLIC: nameAlg 0x%04x, only SHA-256 is accepted",
			    pub->name_alg);
	pub->name[0] = 0;
	pub->name[1] = TPM_ALG_SHA256;
	sha(p + start, n - start, pub->name + 2);
	return 0;
}

int tpm_parse_attest(const uint8_t *p, size_t n, struct tpm_attest *a, char *err, size_t errlen)
{
	struct rd r = { p, n, 0, 0 };

	memset(a, 0, sizeof(*a));
	a->magic = rd_n(&r, 4);
	a->type = (uint16_t)rd_n(&r, 2);
	if (!r.bad && a->type != TPM_ST_ATTEST_QUOTE)
		return ev_fail(err, errlen, "TPMS_ATTEST: type 0x%04x is not TPM_ST_ATTEST_QUOTE",
			    a->type);
	a->signer_len = rd_2b(&r, a->signer, sizeof(a->signer));
	a->extra_len = rd_2b(&r, a->extra, sizeof(a->extra));
	a->clock = rd_u64(&r);
	a->reset_count = rd_n(&r, 4);
	a->restart_count = rd_n(&r, 4);
	a->safe = (uint8_t)rd_n(&r, 1);
	a->firmware = rd_u64(&r);
	a->nsel = rd_n(&r, 4);
	if (!r.bad && a->nsel > 4)
		return ev_fail(err, errlen, "TPMS_ATTEST: %u PCR selections", a->nsel);
	for (uint32_t k = 0; k < a->nsel && !r.bad; k++) {
		a->sel[k].hash = (uint16_t)rd_n(&r, 2);
		a->sel[k].size = (uint8_t)rd_n(&r, 1);
		if (a->sel[k].size > 4)
			return ev_fail(err, errlen, "TPMS_ATTEST: sizeofSelect %u", a->sel[k].size);
		for (unsigned b = 0; b < a->sel[k].size; b++)
			a->sel[k].bits[b] = (uint8_t)rd_n(&r, 1);
	}
	a->digest_len = rd_2b(&r, a->digest, sizeof(a->digest));
	if (r.bad)
		return ev_fail(err, errlen, "TPMS_ATTEST: truncated or a length out of bounds");
	if (r.i != n)
		return ev_fail(err, errlen, "TPMS_ATTEST: %zu bytes left over", n - r.i);
	return 0;
}

int tpm_parse_sig_ecdsa(const uint8_t *p, size_t n, struct tpm_sig_ecdsa *s, char *err,
			size_t errlen)
{
	struct rd r = { p, n, 0, 0 };

	memset(s, 0, sizeof(*s));
	s->alg = (uint16_t)rd_n(&r, 2);
	if (!r.bad && s->alg != TPM_ALG_ECDSA)
		return ev_fail(err, errlen, "TPMT_SIGNATURE: sigAlg 0x%04x is not ECDSA", s->alg);
	s->hash = (uint16_t)rd_n(&r, 2);
	s->r_len = rd_2b(&r, s->r, sizeof(s->r));
	s->s_len = rd_2b(&r, s->s, sizeof(s->s));
	if (r.bad)
		return ev_fail(err, errlen, "TPMT_SIGNATURE: truncated or a length out of bounds");
	if (r.i != n)
		return ev_fail(err, errlen, "TPMT_SIGNATURE: %zu bytes left over", n - r.i);
	return 0;
}
