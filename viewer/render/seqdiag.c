/*
 * seqdiag.c: the sequence diagram walk of seqdiag.h.  The rows of the
 * layout (process lanes, filters applied) are read in time order; at each
 * row where a record returns, a long wait of it becomes a note and each link
 * ending at it an arrow from the process that began it.  Peeks are left out
 * (the recv that takes the bytes gets the arrow).  The walk runs twice: once
 * to find the participants that have a step among the first N arrows, once
 * to write.
 *
 * Labels come from describe.h, so they are printable ASCII already, with
 * payload bytes escaped; what is left is the diagram's own syntax: every
 * character but letters, digits, space and `.,:()=+` (and `-/_` alone) is
 * written as the dialect's entity, and so is the `e` of a word `end` (a
 * Mermaid keyword).
 */
#include "render/seqdiag.h"

#include <stdlib.h>
#include <string.h>

#include "render/describe.h"
#include "render/out.h"

struct seq {
	const struct st_model *m;
	const struct st_render_opts *o;
	const struct st_seq_dialect *d;
	struct st_layout l;
	struct st_out out;
	struct st_out text;	/* scratch */
	bool *used;		/* lane -> has a step */
	uint32_t first_used, last_used;
	bool write;		/* second walk */
};

static bool plain_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == ' ' || c == '.' || c == ',' ||
	       c == ':' || c == '(' || c == ')' || c == '=' || c == '+';
}

static bool word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_';
}

static void put_entity(struct seq *s, unsigned char c)
{
	static const char hexd[] = "0123456789ABCDEF";

	st_out_str(&s->out, s->d->entity_pre);
	if (s->d->entity_hex) {
		char h[4] = { '0', '0', hexd[c >> 4], hexd[c & 15] };

		st_out_put(&s->out, h, 4);
	} else {
		st_out_uint(&s->out, c);
	}
	st_out_str(&s->out, s->d->entity_post);
}

/* `-`, `/` and `_` mean something to a parser only doubled or in an arrow
 * (`--`, `//`, `__`, `->`, `<-`): alone they stand for themselves. */
static bool plain_alone(const char *p, size_t n, size_t i)
{
	static const char near[] = "-/_<>";

	if (p[i] != '-' && p[i] != '/' && p[i] != '_')
		return false;
	return (i == 0 || !strchr(near, p[i - 1])) &&
	       (i + 1 == n || !strchr(near, p[i + 1]));
}

/* The scratch text as a label of the dialect. */
static void put_label(struct seq *s)
{
	const char *p = s->text.buf;
	size_t n = s->text.len, i;

	for (i = 0; i < n; i++) {
		char c = p[i];

		if ((!plain_char(c) && !plain_alone(p, n, i)) ||
		    ((c == 'e' || c == 'E') && n - i >= 3 &&
		     (i == 0 || !word_char(p[i - 1])) &&
		     (p[i + 1] == 'n' || p[i + 1] == 'N') &&
		     (p[i + 2] == 'd' || p[i + 2] == 'D') &&
		     (n - i == 3 || !word_char(p[i + 3]))))
			put_entity(s, (unsigned char)c);
		else
			st_out_char(&s->out, c);
	}
}

/* A participant's id: P<pid>, with _<lane> when an earlier lane has the
 * same pid (a pid used again); P0 for the stand-in of an empty diagram
 * (lane ST_NONE). */
static void put_id(struct seq *s, uint32_t lane)
{
	const struct st_proc *pr;
	uint32_t k;

	if (lane == ST_NONE) {
		st_out_str(&s->out, "P0");
		return;
	}
	pr = &s->m->procs[s->l.lane_proc[lane]];
	st_out_char(&s->out, 'P');
	st_out_int(&s->out, pr->pid);
	for (k = 0; k < lane; k++)
		if (s->m->procs[s->l.lane_proc[k]].pid == pr->pid) {
			st_out_char(&s->out, '_');
			st_out_uint(&s->out, lane);
			break;
		}
}

/* The participant of a lane, named `comm pid` (ST_NONE: "no calls"). */
static void put_participant(struct seq *s, uint32_t lane)
{
	const struct st_seq_dialect *d = s->d;

	s->text.len = 0;
	if (lane == ST_NONE)
		st_out_str(&s->text, "no calls");
	else
		st_describe_proc(&s->text, s->m, s->l.lane_proc[lane], -1);
	st_out_str(&s->out, d->indent);
	st_out_str(&s->out, d->part_pre);
	if (d->name_first)
		put_label(s);
	else
		put_id(s, lane);
	st_out_str(&s->out, d->part_mid);
	if (d->name_first)
		put_id(s, lane);
	else
		put_label(s);
	st_out_str(&s->out, d->part_post);
	st_out_char(&s->out, '\n');
}

/* A note over one lane, or from lane a to lane b, with the scratch text. */
static void put_note(struct seq *s, uint32_t a, uint32_t b)
{
	if (!s->write) {
		s->used[a] = s->used[b] = true;
		return;
	}
	st_out_str(&s->out, s->d->indent);
	st_out_str(&s->out, s->d->note_over);
	put_id(s, a);
	if (b != a) {
		st_out_str(&s->out, s->d->note_and);
		put_id(s, b);
	}
	st_out_str(&s->out, s->d->label_sep);
	put_label(s);
	st_out_char(&s->out, '\n');
}

static void put_arrow(struct seq *s, uint32_t from, uint32_t to, bool dashed)
{
	if (!s->write) {
		s->used[from] = s->used[to] = true;
		return;
	}
	st_out_str(&s->out, s->d->indent);
	put_id(s, from);
	st_out_str(&s->out, dashed ? s->d->dashed : s->d->solid);
	put_id(s, to);
	st_out_str(&s->out, s->d->label_sep);
	put_label(s);
	st_out_char(&s->out, '\n');
}

static bool waits(const struct st_vevent *e)
{
	return e->call == ST_C_ACCEPT || e->call == ST_C_POLL ||
	       e->call == ST_C_RECV || e->call == ST_C_CONNECT;
}

/* "waited 200 ms in accept(3)" */
static void describe_wait(struct seq *s, const struct st_vevent *e)
{
	size_t n;
	const char *name = st_trace_str(s->m->tr, e->name, &n);

	s->text.len = 0;
	st_out_str(&s->text, "waited ");
	st_out_duration(&s->text, e->dur);
	st_out_str(&s->text, " in ");
	st_out_bytes(&s->text, name, n, 32);
	st_out_char(&s->text, '(');
	if (e->fd >= 0)
		st_out_int(&s->text, e->fd);
	st_out_char(&s->text, ')');
}

/* One walk over the rows: notes and arrows, the first `max` arrows, and
 * the number of arrows left out. */
static uint64_t walk(struct seq *s, uint64_t max)
{
	const struct st_layout *l = &s->l;
	const struct st_trace *tr = s->m->tr;
	uint64_t drawn = 0, left = 0;
	uint32_t k, j, n;

	for (k = 0; k < l->nrows; k++) {
		const struct st_row *row = &l->rows[k];
		const struct st_vevent *e = &tr->ev[row->ev];
		const struct st_link *lk;
		uint64_t skip = 0;
		uint32_t lane = l->ev_lane[row->ev];

		if (row->part == ST_START)
			continue;
		if (drawn < max && waits(e) && e->dur >= ST_SEQ_WAIT_NS) {
			describe_wait(s, e);
			put_note(s, lane, lane);
		}
		n = st_model_links(s->m, row->ev, &lk);
		for (j = 0; j < n; j++) {
			uint64_t at = skip;
			uint32_t from = l->ev_lane[lk[j].from];

			if (st_link_takes(&lk[j]))
				skip += lk[j].len;
			if (lk[j].kind == ST_L_PEEK || from == ST_NONE)
				continue;
			if (drawn == max) {
				left++;
				continue;
			}
			drawn++;
			s->text.len = 0;
			st_describe_link(&s->text, s->m, &lk[j], at);
			put_arrow(s, from, lane, lk[j].kind == ST_L_EOF ||
				  lk[j].kind == ST_L_RESET);
		}
	}
	return left;
}

int st_render_seqdiag(FILE *fp, const struct st_model *m,
		      const struct st_render_opts *o,
		      const struct st_seq_dialect *d)
{
	struct st_render_opts lo = *o;
	char scratch[1 << 12];
	struct seq s;
	uint64_t max = o->exchanges ? o->exchanges : ST_SEQ_EXCHANGES, left;
	uint32_t k, a = ST_NONE, b = ST_NONE;
	int r = -1;

	memset(&s, 0, sizeof(s));
	s.m = m;
	s.o = o;
	s.d = d;
	s.text.buf = scratch;
	s.text.cap = sizeof(scratch);
	lo.threads = false;
	if (st_layout_build(&s.l, m, &lo) < 0)
		return -1;
	if (!(s.used = calloc((size_t)s.l.nlanes + 1, sizeof(*s.used))) ||
	    st_out_init(&s.out, fp) < 0)
		goto out;
	left = walk(&s, max);
	for (k = 0; k < s.l.nlanes; k++)
		if (s.used[k]) {
			if (a == ST_NONE)
				a = k;
			b = k;
		}
	/* An empty diagram is an error to both parsers: with no step, the
	 * first process (or a stand-in) and a note that says so. */
	if (a == ST_NONE && s.l.nlanes)
		s.used[0] = true;
	st_out_str(&s.out, d->head);
	for (k = 0; k < s.l.nlanes; k++)
		if (s.used[k])
			put_participant(&s, k);
	if (!s.l.nlanes)
		put_participant(&s, ST_NONE);
	s.write = true;
	walk(&s, max);
	if (a == ST_NONE) {
		s.text.len = 0;
		st_out_str(&s.text, "no exchanges");
		a = b = s.l.nlanes ? 0 : ST_NONE;
		put_note(&s, a, b);
	}
	if (left) {
		s.text.len = 0;
		st_out_uint(&s.text, left);
		st_out_str(&s.text, left == 1 ? " more exchange" : " more exchanges");
		st_out_str(&s.text, " left out (sockview --exchanges N draws N)");
		put_note(&s, a, b);
	}
	st_out_str(&s.out, d->tail);
	r = 0;
out:
	r = st_out_end(&s.out, r);
	free(s.used);
	st_layout_free(&s.l);
	return r;
}
