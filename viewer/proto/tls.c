/*
 * tls.c: the TLS reader, record by record (RFC 8446 and 5246).  A record
 * gets one summary: the handshake messages it carries while they are in
 * the clear (ClientHello with its server name, ALPN and offered versions;
 * ServerHello with the chosen version and cipher; HelloRetryRequest;
 * Certificate; ...), ChangeCipherSpec, an alert's level and description,
 * and `application data N B` for what is encrypted.  A record's body is
 * read only as far as it is here (a long Certificate is named from its
 * first bytes), the rest skipped.
 */
#include "proto/proto.h"

#include <string.h>

#define REC_MAX (16384 + 2048)

/* The random of a ServerHello that is a HelloRetryRequest (RFC 8446 4.1.3). */
static const unsigned char hrr_random[32] = {
	0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
	0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
};

struct name {
	unsigned v;
	const char *s;
};

static const struct name hs_names[] = {
	{ 0, "HelloRequest" }, { 1, "ClientHello" }, { 2, "ServerHello" },
	{ 4, "NewSessionTicket" }, { 5, "EndOfEarlyData" }, { 8, "EncryptedExtensions" },
	{ 11, "Certificate" }, { 12, "ServerKeyExchange" }, { 13, "CertificateRequest" },
	{ 14, "ServerHelloDone" }, { 15, "CertificateVerify" }, { 16, "ClientKeyExchange" },
	{ 20, "Finished" }, { 24, "KeyUpdate" }, { 254, "MessageHash" },
};

static const struct name alerts[] = {
	{ 0, "close_notify" }, { 10, "unexpected_message" }, { 20, "bad_record_mac" },
	{ 22, "record_overflow" }, { 40, "handshake_failure" }, { 42, "bad_certificate" },
	{ 43, "unsupported_certificate" }, { 44, "certificate_revoked" },
	{ 45, "certificate_expired" }, { 46, "certificate_unknown" },
	{ 47, "illegal_parameter" }, { 48, "unknown_ca" }, { 49, "access_denied" },
	{ 50, "decode_error" }, { 51, "decrypt_error" }, { 70, "protocol_version" },
	{ 71, "insufficient_security" }, { 80, "internal_error" },
	{ 86, "inappropriate_fallback" }, { 90, "user_canceled" },
	{ 109, "missing_extension" }, { 110, "unsupported_extension" },
	{ 112, "unrecognized_name" }, { 113, "bad_certificate_status_response" },
	{ 115, "unknown_psk_identity" }, { 116, "certificate_required" },
	{ 120, "no_application_protocol" },
};

static const struct name ciphers[] = {
	{ 0x1301, "TLS_AES_128_GCM_SHA256" }, { 0x1302, "TLS_AES_256_GCM_SHA384" },
	{ 0x1303, "TLS_CHACHA20_POLY1305_SHA256" }, { 0x1304, "TLS_AES_128_CCM_SHA256" },
	{ 0xc02b, "ECDHE-ECDSA-AES128-GCM-SHA256" }, { 0xc02c, "ECDHE-ECDSA-AES256-GCM-SHA384" },
	{ 0xc02f, "ECDHE-RSA-AES128-GCM-SHA256" }, { 0xc030, "ECDHE-RSA-AES256-GCM-SHA384" },
	{ 0xcca8, "ECDHE-RSA-CHACHA20-POLY1305" }, { 0xcca9, "ECDHE-ECDSA-CHACHA20-POLY1305" },
	{ 0x009c, "AES128-GCM-SHA256" }, { 0x009d, "AES256-GCM-SHA384" },
	{ 0x002f, "AES128-SHA" }, { 0x0035, "AES256-SHA" },
};

static const char *find_name(const struct name *t, size_t n, unsigned v)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (t[i].v == v)
			return t[i].s;
	return NULL;
}

#define FIND(t, v) find_name(t, sizeof(t) / sizeof(t[0]), v)

static void add_version(struct st_text *t, unsigned v)
{
	if (v == 0x0300)
		st_text_add(t, "SSL 3.0");
	else if (v >= 0x0301 && v <= 0x0304)
		st_text_add(t, "TLS 1.%u", v - 0x0301);
	else if ((v & 0x0f0f) == 0x0a0a)
		st_text_add(t, "GREASE");
	else
		st_text_add(t, "0x%04x", v);
}

bool st_tls_starts(const unsigned char *p, size_t n)
{
	return n >= 3 && p[0] >= 20 && p[0] <= 24 && p[1] == 3 && p[2] <= 4;
}

/* A cursor over bytes that are here: every read checks its bounds. */
struct cur {
	const unsigned char *p;
	size_t n, i;
	bool bad;
};

static unsigned get(struct cur *c, size_t k)
{
	unsigned v = 0;

	if (c->bad || k > c->n - c->i) {
		c->bad = true;
		return 0;
	}
	while (k--)
		v = v << 8 | c->p[c->i++];
	return v;
}

static void skip(struct cur *c, size_t k)
{
	if (c->bad || k > c->n - c->i)
		c->bad = true;
	else
		c->i += k;
}

/* A sub-cursor over the next k bytes (cut to what is here). */
static struct cur sub(struct cur *c, size_t k)
{
	struct cur s = { c->p + c->i, 0, 0, c->bad };

	if (!c->bad)
		s.n = k < c->n - c->i ? k : c->n - c->i;
	skip(c, k);
	return s;
}

static void client_ext(struct st_proto_dir *d, struct st_text *t, unsigned type, struct cur *e)
{
	unsigned k, v;

	if (type == 0) {		/* server_name */
		struct cur l;

		get(e, 2);
		if (get(e, 1) != 0)
			return;
		k = get(e, 2);
		l = sub(e, k);
		if (l.bad)
			return;
		st_text_add(t, " sni=");
		st_text_bytes(t, l.p, l.n, 64);
		if (l.n < sizeof(d->sni)) {
			memcpy(d->sni, l.p, l.n);
			d->sni[l.n] = '\0';
		}
	} else if (type == 16) {	/* ALPN */
		struct cur l = sub(e, get(e, 2));
		const char *sep = " alpn=";

		while (!l.bad && l.i < l.n) {
			struct cur a = sub(&l, get(&l, 1));

			if (a.bad)
				break;
			st_text_add(t, "%s", sep);
			st_text_bytes(t, a.p, a.n, 16);
			sep = ",";
		}
	} else if (type == 43) {	/* supported_versions */
		struct cur l = sub(e, get(e, 1));
		const char *sep = " versions=";

		while (!l.bad && l.i + 2 <= l.n) {
			v = get(&l, 2);
			if ((v & 0x0f0f) == 0x0a0a)
				continue;	/* GREASE */
			st_text_add(t, "%s", sep);
			add_version(t, v);
			sep = ",";
		}
	}
}

static void client_hello(struct st_proto_dir *d, struct st_text *t, struct cur *c)
{
	unsigned legacy = get(c, 2);
	struct cur exts;
	size_t mark;

	skip(c, 32);
	skip(c, get(c, 1));
	skip(c, get(c, 2));
	skip(c, get(c, 1));
	mark = t->n;
	if (c->i + 2 <= c->n) {
		exts = sub(c, get(c, 2));
		while (!exts.bad && exts.i + 4 <= exts.n) {
			unsigned type = get(&exts, 2);
			struct cur e = sub(&exts, get(&exts, 2));

			if (!e.bad)
				client_ext(d, t, type, &e);
		}
	}
	if (!strstr(t->s + mark, "versions=") && !c->bad) {
		st_text_add(t, " ");
		add_version(t, legacy);
	}
}

static void server_hello(struct st_text *t, struct cur *c, size_t name_at)
{
	unsigned legacy = get(c, 2), cipher, chosen = 0, group = 0;
	const char *cn;
	bool hrr;
	struct cur exts;

	hrr = !c->bad && c->n - c->i >= 32 && memcmp(c->p + c->i, hrr_random, 32) == 0;
	skip(c, 32);
	skip(c, get(c, 1));
	cipher = get(c, 2);
	skip(c, 1);
	if (c->bad)
		return;
	if (hrr) {
		/* Renamed: "ServerHello" -> "HelloRetryRequest". */
		t->n = name_at;
		t->s[t->n] = '\0';
		st_text_add(t, "HelloRetryRequest");
	}
	if (c->i + 2 <= c->n) {
		exts = sub(c, get(c, 2));
		while (!exts.bad && exts.i + 4 <= exts.n) {
			unsigned type = get(&exts, 2);
			struct cur e = sub(&exts, get(&exts, 2));

			if (type == 43)
				chosen = get(&e, 2);
			else if (type == 51 && hrr)
				group = get(&e, 2);
		}
	}
	st_text_add(t, " ");
	add_version(t, chosen ? chosen : legacy);
	cn = FIND(ciphers, cipher);
	if (cn)
		st_text_add(t, " %s", cn);
	else
		st_text_add(t, " cipher 0x%04x", cipher);
	if (group)
		st_text_add(t, " group 0x%04x", group);
}

/* The handshake messages of a record body (c: the bytes of it here). */
static void handshakes(struct st_proto_dir *d, struct st_text *t, struct cur *c, size_t body)
{
	const char *sep = "";

	while (c->i < c->n && !c->bad) {
		unsigned type, len;
		const char *name;
		size_t at;
		struct cur m;

		if (c->n - c->i < 4) {
			st_text_add(t, "%shandshake (cut)", sep);
			return;
		}
		type = get(c, 1);
		len = get(c, 3);
		name = FIND(hs_names, type);
		st_text_add(t, "%s", sep);
		at = t->n;
		if (name)
			st_text_add(t, "%s", name);
		else
			st_text_add(t, "handshake type %u", type);
		m = sub(c, len);
		if (type == 1)
			client_hello(d, t, &m);
		else if (type == 2)
			server_hello(t, &m, at);
		else if (type == 11)
			st_text_add(t, " %u B", len);
		if (len > body)
			st_text_add(t, " (continues)");
		sep = ", ";
	}
}

long st_tls_read(struct st_proto_dir *d, const unsigned char *p, size_t n, enum st_cut cut)
{
	struct st_text t = { .n = 0 };
	unsigned type, len;
	size_t have;
	struct cur c;

	if (n < 5) {
		if (cut == ST_CUT_NONE && (n < 3 || st_tls_starts(p, n)))
			return 0;
		st_text_add(&t, "? TLS record head cut: ");
		st_text_bytes(&t, p, n, 5);
		st_proto_say_text(d, d->at, &t);
		return -1;
	}
	type = p[0];
	len = (unsigned)p[3] << 8 | p[4];
	if (!st_tls_starts(p, n) || len > REC_MAX) {
		st_text_add(&t, "? not a TLS record: ");
		st_text_bytes(&t, p, n, 8);
		st_proto_say_text(d, d->at, &t);
		return -1;
	}
	have = n - 5 < len ? n - 5 : len;
	if (have < len && cut == ST_CUT_NONE && (type == 21 || type == 22) &&
	    !d->u.tls.encrypted)
		return 0;	/* gathered whole, or as far as the buffer goes */
	c = (struct cur){ p + 5, have, 0, false };
	switch (type) {
	case 20:
		st_text_add(&t, "ChangeCipherSpec");
		d->u.tls.encrypted = true;
		break;
	case 21:
		if (d->u.tls.encrypted || len != 2) {
			st_text_add(&t, "alert (encrypted) %u B", len);
		} else if (have == 2) {
			const char *a = FIND(alerts, p[6]);

			st_text_add(&t, "Alert %s ", p[5] == 1 ? "warning" : p[5] == 2 ? "fatal" : "level?");
			if (a)
				st_text_add(&t, "%s", a);
			else
				st_text_add(&t, "%u", p[6]);
		} else {
			st_text_add(&t, "Alert (cut)");
		}
		break;
	case 22:
		if (d->u.tls.encrypted)
			st_text_add(&t, "encrypted handshake %u B", len);
		else
			handshakes(d, &t, &c, len);
		break;
	case 23:
		st_text_add(&t, "application data %u B", len);
		break;
	default:
		st_text_add(&t, "heartbeat %u B", len);
		break;
	}
	if (have < len && (type == 21 || type == 22) && !d->u.tls.encrypted) {
		if (cut == ST_CUT_FULL)
			st_text_add(&t, " (first %zu of %u B read)", have, len);
		else
			st_text_str(&t, st_cut_note(cut));
	}
	st_proto_say_text(d, d->at, &t);
	d->skip = len - have;
	return (long)(5 + have);
}
