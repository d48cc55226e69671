/*
 * lineread.c: the raw lines of many records, read without touching the
 * logs' mappings (trace.h, st_line_reader).  A renderer that needs every
 * record's whole payload (pcapng) would otherwise fault in every page of
 * every log, as resident memory, through st_trace_line().  Here a log that
 * is still the file it was parsed from (st_file.reread) is read again with
 * pread() into a few windows of WINDOW bytes, reused in LRU order: records
 * come in time order, which in each log is close to file order, so a
 * window serves many records.  A line longer than a window is read on its
 * own.  Logs kept in memory (binary logs decoded, pipes) are read there.
 */
#include "read/trace.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define WINDOW ((size_t)1 << 20)

void st_line_reader_init(struct st_line_reader *r)
{
	memset(r, 0, sizeof(*r));
	for (int k = 0; k < ST_LINE_WINDOWS; k++) {
		r->win[k].fd = -1;
		r->win[k].file = UINT32_MAX;
	}
}

void st_line_reader_free(struct st_line_reader *r)
{
	for (int k = 0; k < ST_LINE_WINDOWS; k++) {
		if (r->win[k].fd >= 0)
			close(r->win[k].fd);
		free(r->win[k].buf);
	}
	free(r->big);
	st_line_reader_init(r);
}

/* Opens file fi again, when it is still the file that was parsed. */
static int reopen(const struct st_file *f)
{
	struct stat st;
	int fd;

	if (!f->reread || (fd = open(f->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_dev != f->dev ||
	    (uint64_t)st.st_ino != f->ino) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Reads n bytes at off into buf; false when the file gives fewer. */
static bool read_at(int fd, char *buf, size_t n, uint64_t off)
{
	size_t got = 0;
	ssize_t r;

	while (got < n) {
		r = pread(fd, buf + got, n - got, (off_t)(off + got));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return false;
		got += (size_t)r;
	}
	return true;
}

/* The window of file fi (opening it in the least recently used one). */
static struct st_line_window *window_of(struct st_line_reader *r, const struct st_trace *tr,
					uint16_t fi)
{
	struct st_line_window *w = NULL;
	int k;

	r->tick++;
	for (k = 0; k < ST_LINE_WINDOWS; k++)
		if (r->win[k].file == fi) {
			r->win[k].used = r->tick;
			return &r->win[k];
		}
	for (k = 0; k < ST_LINE_WINDOWS; k++)
		if (!w || r->win[k].used < w->used)
			w = &r->win[k];
	if (w->fd >= 0)
		close(w->fd);
	w->file = UINT32_MAX;
	w->len = 0;
	if (!w->buf && !(w->buf = malloc(WINDOW)))
		return NULL;
	if ((w->fd = reopen(&tr->files[fi])) < 0)
		return NULL;
	w->file = fi;
	w->used = r->tick;
	return w;
}

const char *st_line_read(struct st_line_reader *r, const struct st_trace *tr, uint32_t i,
			 size_t *n)
{
	const struct st_vevent *e = &tr->ev[i];
	const struct st_file *f = &tr->files[e->file];
	struct st_line_window *w;
	size_t len = e->line_len;

	*n = 0;
	if (e->line > f->size || f->size - e->line < len)
		return "";
	if (!f->reread || !(w = window_of(r, tr, e->file)))
		return st_trace_line(tr, i, n);
	if (len > WINDOW) {
		char *nb = r->big;

		if (len > r->big_cap && !(nb = realloc(r->big, len)))
			return "";
		r->big = nb;
		r->big_cap = len > r->big_cap ? len : r->big_cap;
		if (!read_at(w->fd, r->big, len, e->line))
			return "";
		*n = len;
		return r->big;
	}
	if (e->line < w->off || e->line + len > w->off + w->len) {
		size_t want = f->size - e->line < WINDOW ? (size_t)(f->size - e->line) : WINDOW;

		w->len = 0;
		if (!read_at(w->fd, w->buf, want, e->line))
			return "";
		w->off = e->line;
		w->len = want;
	}
	*n = len;
	return w->buf + (e->line - w->off);
}
