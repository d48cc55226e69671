/*
 * lines.c: a stretch of a log file -> its lines -> st_parse_line() (parse.c).
 * A line is cut at '\n', and again at NUL bytes (a killed process leaves
 * NUL padding).  A mapped JSON log is parsed by reading it again in blocks
 * (a page read costs less than a page faulted in); the mapping stays,
 * untouched until a record's raw line is asked for (st_trace_line).
 * Contents parsed from memory have their pages released behind the parser,
 * so a big log costs little resident memory.
 */
#include "read/trace.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Bytes parsed between two releases of mapped pages. */
#define RELEASE_STEP ((size_t)32 << 20)

/* Bytes read at a time when a log is read again rather than through its
 * mapping. */
#define READ_BLOCK ((size_t)1 << 20)

static void release_pages(const struct st_file *f, size_t from, size_t to)
{
	long pg = sysconf(_SC_PAGESIZE);
	size_t a, b;

	if (!f->mapped || pg <= 0)
		return;
	a = (from + (size_t)pg - 1) / (size_t)pg * (size_t)pg;
	b = to / (size_t)pg * (size_t)pg;
	if (b > a)
		madvise((void *)(f->map + a), b - a, MADV_DONTNEED);
}

void st_trace_release(const struct st_trace *tr, uint16_t fi, size_t upto)
{
	const struct st_file *f = &tr->files[fi];

	release_pages(f, 0, upto < f->size ? upto : f->size);
}

/* The parts of line [q, le) cut at NUL bytes (runs of them), each parsed
 * as a line of its own; the line starts at byte off of the file. */
static void parse_parts(struct st_trace *tr, uint16_t fi, const char *q,
			const char *le, uint64_t off, uint64_t lineno)
{
	const char *base = q;

	while (q < le) {
		const char *z = memchr(q, '\0', (size_t)(le - q));
		const char *se = z ? z : le;

		if (se > q && !st_parse_line(tr, fi, off + (uint64_t)(q - base), q, (size_t)(se - q)))
			st_trace_skip(tr, fi, lineno);
		if (!z)
			break;
		q = z + 1;
		while (q < le && *q == '\0')
			q++;
	}
}

size_t st_trace_parse_lines(struct st_trace *tr, uint16_t fi, const char *buf, size_t n,
			  uint64_t off, uint64_t *lineno, bool last)
{
	const char *p = buf, *end = buf + n;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;

		if (!nl && !last)
			break;
		/* A line is read whole first: NUL bytes (padding left by a
		 * killed process) are rare, and a line holding one fails as
		 * JSON before anything of it is kept, so it is looked for only
		 * then. */
		if (le > p && !st_parse_line(tr, fi, off + (uint64_t)(p - buf), p, (size_t)(le - p))) {
			if (memchr(p, '\0', (size_t)(le - p)))
				parse_parts(tr, fi, p, le, off + (uint64_t)(p - buf), *lineno);
			else
				st_trace_skip(tr, fi, *lineno);
		}
		(*lineno)++;
		p = nl ? nl + 1 : end;
	}
	return (size_t)(p - buf);
}

/* Parses [from, to) of file fi from its contents in memory (mapped, the
 * pages released behind as we go, or read). */
static void parse_memory(struct st_trace *tr, uint16_t fi, size_t from, size_t to,
			 uint64_t lineno)
{
	const struct st_file *f = &tr->files[fi];
	size_t pos = from, n, used;

	while (pos < to) {
		n = to - pos < RELEASE_STEP ? to - pos : RELEASE_STEP;
		if (!(used = st_trace_parse_lines(tr, fi, f->map + pos, n, pos, &lineno, pos + n == to))) {
			/* A line longer than a step: all of it. */
			const char *nl = memchr(f->map + pos + n, '\n', to - pos - n);

			n = nl ? (size_t)(nl + 1 - f->map) - pos : to - pos;
			used = st_trace_parse_lines(tr, fi, f->map + pos, n, pos, &lineno, true);
		}
		release_pages(f, pos, pos + used);
		pos += used;
	}
	release_pages(f, from, to);
}

/*
 * Parses [from, to) of mapped file fi by reading it again, in blocks, from
 * its path (the same file: its device and inode are checked): reading a
 * page costs much less than faulting it in through the mapping.  False
 * when the file cannot be opened again.  A file cut short since it was
 * added is parsed as far as it goes.
 */
static bool parse_read(struct st_trace *tr, uint16_t fi, size_t from, size_t to,
		       uint64_t lineno)
{
	const struct st_file *f = &tr->files[fi];
	size_t cap = to - from < READ_BLOCK ? to - from : READ_BLOCK, have = 0, used;
	uint64_t pos = from;
	bool last = false;
	struct stat st;
	char *buf, *nb;
	ssize_t r;
	int fd;

	if (!f->reread || (fd = open(f->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0)
		return false;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_dev != f->dev ||
	    (uint64_t)st.st_ino != f->ino || !(buf = malloc(cap))) {
		close(fd);
		return false;
	}
	while (!last) {
		if (have == cap) {
			/* A line longer than the buffer. */
			if (cap > SIZE_MAX / 2 || !(nb = realloc(buf, cap * 2))) {
				parse_memory(tr, fi, (size_t)pos, to, lineno);
				break;
			}
			buf = nb;
			cap *= 2;
		}
		r = pread(fd, buf + have, (size_t)(to - pos - have) < cap - have ?
			  (size_t)(to - pos - have) : cap - have, (off_t)(pos + have));
		if (r < 0 && errno == EINTR)
			continue;
		if (r > 0)
			have += (size_t)r;
		last = r <= 0 || pos + have >= to;
		used = st_trace_parse_lines(tr, fi, buf, have, pos, &lineno, last);
		memmove(buf, buf + used, have - used);
		pos += used;
		have -= used;
	}
	free(buf);
	close(fd);
	return true;
}

/* Cuts [from, to) of file fi into lines and parses them; lineno is the
 * number of the line at from.  from is the start of a line. */
void st_trace_parse_range(struct st_trace *tr, uint16_t fi, size_t from,
			  size_t to, uint64_t lineno)
{
	tr->cur_hdr = UINT32_MAX;
	if (from < to && !parse_read(tr, fi, from, to, lineno))
		parse_memory(tr, fi, from, to, lineno);
}
