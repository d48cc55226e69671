/*
 * redis.c: the Redis RESP reader (RESP2, and the simple RESP3 types).  A
 * command (an array of bulk strings) reads `SET greeting hello`, the name
 * in capitals and a long argument cut, with its length; a reply reads
 * `+OK`, `-ERR ...`, `:42`, `$5 "hello"`, `nil`, `*2 [...]`.  A bulk string
 * that is the last thing of its message need not be all here (kept, or in
 * the buffer): what is missing of it is skipped.
 */
#include "proto/proto.h"

#include <string.h>

#define DEPTH_MAX 8
#define ARG_SHOW 32

bool st_redis_starts(const unsigned char *p, size_t n)
{
	if (n < 1)
		return false;
	switch (p[0]) {
	case '*': case '$': case ':':
		return n < 2 || (p[1] >= '0' && p[1] <= '9') || p[1] == '-';
	case '+': case '-':
		return true;
	default:
		return false;
	}
}

struct walk {
	const unsigned char *p;
	size_t n, i;
	struct st_text *t;
	bool cmd;		/* the client's side: a command */
	enum st_cut cut;
	uint64_t skip;		/* of a last bulk string not all here */
	bool stopped;		/* cut short by the cut */
};

/* The line at w->i: its content [*s, *e) and the index after its CRLF;
 * false when it does not end here. */
static bool line(const struct walk *w, size_t *s, size_t *e, size_t *after)
{
	const unsigned char *nl = memchr(w->p + w->i, '\n', w->n - w->i);

	if (!nl || nl == w->p + w->i)
		return false;
	*s = w->i + 1;
	*after = (size_t)(nl - w->p) + 1;
	*e = *after - 1;
	if (*e > *s && w->p[*e - 1] == '\r')
		(*e)--;
	return true;
}

static bool number(const unsigned char *p, size_t n, int64_t *v)
{
	size_t i = 0;
	bool neg = false;

	if (n > 0 && p[0] == '-') {
		neg = true;
		i++;
	}
	if (i == n || n - i > 18)
		return false;
	for (*v = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return false;
		*v = *v * 10 + (p[i] - '0');
	}
	if (neg)
		*v = -*v;
	return true;
}

static void bulk_text(struct walk *w, const unsigned char *b, size_t have, int64_t len,
		      bool name)
{
	struct st_text *t = w->t;

	if (name) {
		size_t k, at = t->n;

		st_text_bytes(t, b, have, ARG_SHOW);
		for (k = at; k < t->n; k++)
			if (t->s[k] >= 'a' && t->s[k] <= 'z')
				t->s[k] = (char)(t->s[k] - 'a' + 'A');
		return;
	}
	if (!w->cmd)
		st_text_add(t, "$%lld \"", (long long)len);
	if ((uint64_t)len > ARG_SHOW) {
		st_text_bytes(t, b, have < ARG_SHOW - 8 ? have : ARG_SHOW - 8, ARG_SHOW - 8);
		st_text_add(t, "...(%lld B)", (long long)len);
	} else {
		st_text_bytes(t, b, have, ARG_SHOW);
	}
	if (!w->cmd)
		st_text_add(t, "\"");
}

/* One value at w->i: 1 read, 0 not all here, -1 not RESP.  last: nothing
 * of the message follows it; name: the first word of a command. */
static int value(struct walk *w, int depth, bool last, bool name)
{
	size_t s, e, after;
	int64_t v, k;
	int r;

	if (depth > DEPTH_MAX)
		return -1;
	if (w->i >= w->n || !line(w, &s, &e, &after))
		return w->n - w->i > 1024 ? -1 : 0;
	switch (w->p[w->i]) {
	case '+': case '-': case ',': case '(':
		st_text_add(w->t, "%c", w->p[w->i]);
		st_text_bytes(w->t, w->p + s, e - s, 64);
		break;
	case ':':
		if (!number(w->p + s, e - s, &v))
			return -1;
		st_text_add(w->t, ":%lld", (long long)v);
		break;
	case '_':
		st_text_add(w->t, "nil");
		break;
	case '#':
		st_text_add(w->t, "%s", e > s && w->p[s] == 't' ? "true" : "false");
		break;
	case '$': case '=': case '!':
		if (!number(w->p + s, e - s, &v) || v < -1)
			return -1;
		if (v == -1) {
			st_text_add(w->t, "nil");
			break;
		}
		w->i = after;
		if ((uint64_t)v + 2 <= w->n - w->i) {
			bulk_text(w, w->p + w->i, (size_t)v, v, name);
			w->i += (size_t)v + 2;
			return 1;
		}
		if (w->cut == ST_CUT_NONE)
			return 0;
		/* Cut (not kept, or longer than the buffer): what is here,
		 * the rest skipped; the message goes on in step only when
		 * nothing follows this string. */
		bulk_text(w, w->p + w->i, w->n - w->i < (uint64_t)v ? w->n - w->i : (size_t)v, v, name);
		w->skip = (uint64_t)v + 2 - (w->n - w->i);
		w->i = w->n;
		w->stopped = !last;
		return 1;
	case '*': case '~': case '>': case '%':
		if (!number(w->p + s, e - s, &v) || v < -1)
			return -1;
		if (v == -1) {
			st_text_add(w->t, "nil");
			break;
		}
		if (w->p[w->i] == '%')
			v *= 2;
		w->i = after;
		if (!w->cmd || depth > 0)
			st_text_add(w->t, "*%lld [", (long long)v);
		for (k = 0; k < v; k++) {
			if (k > 0)
				st_text_add(w->t, " ");
			r = value(w, depth + 1, last && k == v - 1, w->cmd && depth == 0 && k == 0);
			if (r <= 0)
				return r;
			if (w->stopped)
				return 1;
		}
		if (!w->cmd || depth > 0)
			st_text_add(w->t, "]");
		return 1;
	default:
		return -1;
	}
	w->i = after;
	return 1;
}

long st_redis_read(struct st_proto_dir *d, const unsigned char *p, size_t n, enum st_cut cut)
{
	struct st_text t = { .n = 0 };
	struct walk w = { p, n, 0, &t, d->side == 0, cut, 0, false };
	int r = value(&w, 0, true, false);

	if (r == 0 && cut == ST_CUT_NONE)
		return 0;
	if (r <= 0) {
		if (r == 0)
			st_text_add(&t, "...%s", st_cut_note(cut));
		else {
			t.n = 0;
			st_text_add(&t, "? not RESP: ");
			st_text_bytes(&t, p, n, 24);
		}
		st_proto_say_text(d, d->at, &t);
		return -1;
	}
	if (w.stopped)
		st_text_add(&t, " ...%s", st_cut_note(cut));
	st_proto_say_text(d, d->at, &t);
	if (w.stopped)
		return -1;
	d->skip = w.skip;
	return (long)w.i;
}
