/*
 * input.c: getting logs into a trace: paths (a file, or a directory of
 * *.jsonl and *.stlog), memory-mapping each file (or reading it, for pipes),
 * turning a binary log, its staging ring <log>.ring laid over it, into its
 * JSON lines (common/binlog.h).
 *
 * Files are parsed when the trace is sorted (parallel.c decides how, lines.c
 * cuts them into lines, parse.c reads each); st_trace_sort() then adds the
 * merged time order.  The top of the reading room: input -> parallel ->
 * lines -> parse -> trace (the container), each calling only the ones
 * after it.
 */
#include "read/trace.h"
#include "read/sort.h"
#include "binlog.h"
#include "json.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Largest non-regular file read into memory. */
#define MAX_READ ((size_t)1 << 32)

/* A string value of the stop line into dst (letters and digits only). */
static void stop_value(const struct st_json_value *v, char *dst, size_t cap)
{
	size_t i, n = v->type == ST_JSON_STRING ? v->n : 0;

	if (n >= cap || (v->flags & (ST_JSON_ESCAPED | ST_JSON_WIDE)))
		n = 0;
	for (i = 0; i < n; i++)
		dst[i] = (v->p[i] >= 'A' && v->p[i] <= 'Z') || (v->p[i] >= 'a' && v->p[i] <= 'z') ||
			 (v->p[i] >= '0' && v->p[i] <= '9') ? v->p[i] : '?';
	dst[n] = '\0';
}

/* Whether [p, p + n) is a stop line; its why and errno into f. */
static bool read_stop(struct st_file *f, const char *p, size_t n)
{
	struct st_json_value k, v;
	struct st_json_iter it;
	bool stop = false, call = false;
	int r;

	if (st_json_object_begin(&it, p, n) < 0)
		return false;
	f->stop_why[0] = f->stop_err[0] = '\0';
	while ((r = st_json_object_next(&it, &k, &v)) > 0) {
		if (st_json_key_is(&k, "type"))
			stop = v.type == ST_JSON_STRING && v.n == 4 && memcmp(v.p, "stop", 4) == 0;
		else if (st_json_key_is(&k, "call"))
			call = true;
		else if (st_json_key_is(&k, "why"))
			stop_value(&v, f->stop_why, sizeof(f->stop_why));
		else if (st_json_key_is(&k, "errno"))
			stop_value(&v, f->stop_err, sizeof(f->stop_err));
	}
	return r == 0 && stop && !call;
}

void st_file_ending(struct st_file *f, const char *p, size_t n)
{
	const char *e = p + n, *b;

	f->cut = false;
	f->stop_len = 0;
	while (e > p && (e[-1] == '\0' || e[-1] == ' '))
		e--;
	/* A last line without its newline was cut short (a binary log's text
	 * always ends in one). */
	if (e > p && e[-1] != '\n')
		f->cut = true;
	while (e > p && e[-1] == '\n')
		e--;
	for (b = e; b > p && b[-1] != '\n' && b[-1] != '\0'; b--)
		;
	if (e > b && read_stop(f, b, (size_t)(e - b))) {
		f->stop_line = (uint64_t)(b - p);
		f->stop_len = (uint32_t)(e - b);
	}
}

void st_trace_endings(struct st_trace *tr)
{
	uint32_t fi;

	/* A file without contents is read a line at a time (read/tail.c),
	 * which sets how it ends. */
	for (fi = 0; fi < tr->nfiles; fi++)
		if (tr->files[fi].map)
			st_file_ending(&tr->files[fi], tr->files[fi].map, tr->files[fi].size);
}

/* A log's staging ring file, read whole; buf NULL when there is none. */
struct ring {
	char *buf;
	size_t len;
};

/* A binary log (common/binlog.h) becomes its JSON lines, in memory, in
 * place of the file's contents, its ring (if any) laid over it first
 * (st_binlog_join).  What the decoder skipped and what the library
 * dropped are counted.  -1 (errno set) when memory runs out. */
static int decode_binary(struct st_trace *tr, const char *path, const struct ring *ring,
			 const char **map, size_t *size, bool *mapped, struct st_ring_info *info,
			 bool *closed)
{
	const unsigned char *in = (const unsigned char *)*map;
	unsigned char *joined = NULL;
	struct st_binlog_stats bs;
	size_t len = *size, n;
	char *text;
	int r;

	memset(info, 0, sizeof(*info));
	if (ring->buf) {
		r = st_binlog_join(in, len, (const unsigned char *)ring->buf, ring->len, &joined,
				   &len, info);
		if (r < 0)
			return -1;
		if (r > 0) {
			tr->bad_rings++;
			st_trace_note(tr, "%s.ring: not a staging ring; read without it", path);
		}
		tr->dropped += info->dropped;
		in = joined;
	}
	r = st_binlog_decode(in, len, &text, &n, &bs);
	free(joined);
	if (r < 0)
		return -1;
	if (bs.bad && tr->bad_frames == 0) {
		const char *slash = strrchr(path, '/');

		snprintf(tr->bad_file, sizeof(tr->bad_file), "%s",
			 slash && slash[1] ? slash + 1 : path);
	}
	tr->bad_frames += bs.bad;
	tr->bad_bytes += bs.bad_bytes;
	tr->no_tuple += bs.no_tuple;
	*closed = bs.closed;
	st_trace_release_map(*map, *size, *mapped);
	*map = text;
	*size = n;
	*mapped = false;
	return 0;
}

/* Adds a file's contents (then owned by the trace) and lays its ring over
 * them (then freed; ring->buf NULL for none).  A binary log that cannot
 * be decoded is named in a note and left out (0): it costs only itself. */
static int add_file_entry(struct st_trace *tr, char *path, struct ring *ring, const char *map,
			  size_t size, bool mapped)
{
	struct st_ring_info info = { 0, 0 };
	struct st_file *f;
	bool had_ring = ring->buf != NULL, closed = false;
	int r = 0;

	if (st_binlog_is(map, size))
		r = decode_binary(tr, path, ring, &map, &size, &mapped, &info, &closed);
	free(ring->buf);
	ring->buf = NULL;
	if (r < 0) {
		st_trace_note(tr, "%s: %s; left out", path, strerror(errno));
		st_trace_release_map(map, size, mapped);
		free(path);
		return 0;
	}
	if (st_trace_new_file(tr, path) < 0)
		goto fail;
	f = &tr->files[tr->nfiles - 1];
	f->map = map;
	f->size = size;
	f->mapped = mapped;
	/* A ring left by a process that exited (or exec'd) but could not
	 * remove it, having dropped its rights: the log is whole. */
	f->had_ring = had_ring && !closed;
	f->missing = info.missing;
	if (info.missing)
		st_trace_note(tr, "%s: %llu bytes of the log are missing from the file "
			      "(not written: disk full?); what follows them is shown", path,
			      (unsigned long long)info.missing);
	free(path);
	return 0;
fail:
	st_trace_release_map(map, size, mapped);
	free(path);
	return -1;
}

int st_trace_add_buffer(struct st_trace *tr, const char *name, const void *buf,
			size_t n)
{
	char *copy = malloc(n ? n : 1), *path = strdup(name);
	struct ring none = { NULL, 0 };

	if (!copy || !path) {
		free(copy);
		free(path);
		snprintf(tr->error, sizeof(tr->error), "out of memory");
		return -1;
	}
	memcpy(copy, buf, n);
	return add_file_entry(tr, path, &none, copy, n, false);
}

/* Reads a non-regular file (a pipe), or a ring file, into memory. */
static char *read_all(int fd, size_t *size)
{
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap), *nb;
	ssize_t r;

	if (!buf)
		return NULL;
	for (;;) {
		if (len == cap) {
			if (cap >= MAX_READ || !(nb = realloc(buf, cap * 2))) {
				errno = EFBIG;
				goto fail;
			}
			buf = nb;
			cap *= 2;
		}
		r = read(fd, buf + len, cap - len);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	*size = len;
	return buf;
fail:
	free(buf);
	return NULL;
}

/* Reads exactly size bytes of fd (fewer when it shrinks meanwhile); NULL
 * when memory runs out or it cannot be read. */
static char *read_sized(int fd, size_t size, size_t *got)
{
	char *buf = malloc(size ? size : 1);
	size_t len = 0;
	ssize_t r;

	if (!buf)
		return NULL;
	while (len < size) {
		r = pread(fd, buf + len, size - len, (off_t)len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			free(buf);
			return NULL;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	*got = len;
	return buf;
}

/*
 * Reads <path>.ring, the staging ring of the log at path.  None is fine; a
 * ring that is not a regular file of its own (a symlink, a device, a FIFO)
 * or cannot be read is named in a note and left out; it is read for no
 * more than its size.  Returns -1 only when memory runs out.
 */
static int read_ring(struct st_trace *tr, const char *path, struct ring *ring)
{
	struct stat st;
	char *rpath;
	int fd;

	ring->buf = NULL;
	ring->len = 0;
	if (asprintf(&rpath, "%s.ring", path) < 0) {
		snprintf(tr->error, sizeof(tr->error), "out of memory");
		return -1;
	}
	/* Non-blocking: a FIFO by that name fails the read, never hangs. */
	fd = open(rpath, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW);
	if (fd < 0) {
		if (errno != ENOENT) {
			tr->bad_rings++;
			st_trace_note(tr, "%s: %s; read without it", rpath,
				      errno == ELOOP ? "a symbolic link, not a staging ring"
						     : strerror(errno));
		}
	} else if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		tr->bad_rings++;
		st_trace_note(tr, "%s: not a regular file; read without it", rpath);
	} else if (!(ring->buf = read_sized(fd, (size_t)st.st_size, &ring->len))) {
		tr->bad_rings++;
		st_trace_note(tr, "%s: %s; read without it", rpath, strerror(errno));
	}
	if (fd >= 0)
		close(fd);
	free(rpath);
	return 0;
}

/* The ring is read before the log's size is taken: what a live owner
 * copies out of the ring meanwhile is in the log file by then. */
static int add_open_file(struct st_trace *tr, const char *path, int fd,
			 const struct stat *st)
{
	char *copy = strdup(path), *map;
	struct ring ring;
	struct stat now;
	size_t size = 0;

	if (!copy) {
		snprintf(tr->error, sizeof(tr->error), "out of memory");
		return -1;
	}
	if (read_ring(tr, path, &ring) < 0) {
		free(copy);
		return -1;
	}
	if (fstat(fd, &now) != 0)
		now = *st;
	/* A file with holes is read, not mapped: on a full tmpfs, touching
	 * a hole's page through a mapping is a SIGBUS (the library leaves
	 * such a log when the disk fills). */
	if (S_ISREG(now.st_mode) && now.st_size > 0 &&
	    (uint64_t)now.st_blocks * 512 >= (uint64_t)now.st_size) {
		size = (size_t)now.st_size;
		map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (map != MAP_FAILED) {
			struct st_file *f;

			uint32_t before = tr->nfiles;

			madvise(map, size, MADV_SEQUENTIAL);
			if (add_file_entry(tr, copy, &ring, map, size, true) < 0)
				return -1;
			if (tr->nfiles == before)
				return 0;	/* left out */
			/* A JSON log (not decoded from binary) is parsed by
			 * reading it again; the mapping stays for the lines
			 * asked for later (st_trace_line). */
			f = &tr->files[tr->nfiles - 1];
			f->reread = f->mapped;
			f->dev = (uint64_t)now.st_dev;
			f->ino = (uint64_t)now.st_ino;
			return 0;
		}
	}
	if (!(map = read_all(fd, &size))) {
		snprintf(tr->error, sizeof(tr->error), "%s: %s", path, strerror(errno));
		free(ring.buf);
		free(copy);
		return -1;
	}
	return add_file_entry(tr, copy, &ring, map, size, false);
}

/* *.jsonl or *.stlog; never a ring (<log>.ring), which its log brings. */
bool st_is_log_name(const char *name)
{
	size_t n = strlen(name);

	return name[0] != '.' && n > 6 &&
	       (strcmp(name + n - 6, ".jsonl") == 0 || strcmp(name + n - 6, ".stlog") == 0);
}

/* Adds a log found in a directory: a regular file (a symbolic link to
 * one is followed), read like a named one; anything else, or a file that
 * cannot be opened, is named in a note and left out. */
static int add_dir_entry(struct st_trace *tr, const char *path)
{
	struct stat st;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		st_trace_note(tr, "%s: %s; left out", path,
			      fd < 0 ? strerror(errno) : "not a regular file");
		if (fd >= 0)
			close(fd);
		return 0;
	}
	r = add_open_file(tr, path, fd, &st);
	close(fd);
	return r;
}

static int add_dir(struct st_trace *tr, const char *path)
{
	struct dirent **names;
	int n, i, r = 0, found = 0;

	n = scandir(path, &names, NULL, alphasort);
	if (n < 0) {
		snprintf(tr->error, sizeof(tr->error), "%s: %s", path, strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++) {
		char *full;

		if (r == 0 && st_is_log_name(names[i]->d_name)) {
			found++;
			if (asprintf(&full, "%s/%s", path, names[i]->d_name) < 0) {
				snprintf(tr->error, sizeof(tr->error), "out of memory");
				r = -1;
			} else {
				r = names[i]->d_type == DT_DIR ? st_trace_add_path(tr, full)
							       : add_dir_entry(tr, full);
				free(full);
			}
		}
		free(names[i]);
	}
	free(names);
	if (r == 0 && !found) {
		snprintf(tr->error, sizeof(tr->error), "%s: no *.jsonl or *.stlog logs in this directory",
			 path);
		r = -1;
	}
	return r;
}

int st_trace_add_path(struct st_trace *tr, const char *path)
{
	struct stat st;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 || fstat(fd, &st) < 0) {
		snprintf(tr->error, sizeof(tr->error), "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		return add_dir(tr, path);
	}
	/* A log named on the command line may be a pipe; not a device. */
	if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode)) {
		snprintf(tr->error, sizeof(tr->error), "%s: not a log file", path);
		close(fd);
		return -1;
	}
	/* Blocking reads from here on (a FIFO opened non-blocking). */
	fcntl(fd, F_SETFL, 0);
	r = add_open_file(tr, path, fd, &st);
	close(fd);
	return r;
}

/* At most this many ascending runs of records are merged straight from
 * the records (one per log file, typically). */
#define MAX_RUNS 16

/*
 * The time order when the records are a few ascending runs of t (each log
 * file is in time order, unless threads interleave): a merge that reads the
 * times from the records and writes tr->order, the only array it touches,
 * ties going to the earlier run, so it is the same stable order as the
 * sort's.  False (nothing done) when there are more runs.
 */
static bool merge_runs(struct st_trace *tr)
{
	const struct st_vevent *ev = tr->ev;
	uint32_t pos[MAX_RUNS + 1], end[MAX_RUNS], nruns = 1, i, k, r, best;

	pos[0] = 0;
	for (i = 1; i < tr->nev; i++)
		if (ev[i].t < ev[i - 1].t) {
			if (nruns == MAX_RUNS)
				return false;
			pos[nruns++] = i;
		}
	for (r = 0; r < nruns; r++)
		end[r] = r + 1 < nruns ? pos[r + 1] : tr->nev;
	for (k = 0; k < tr->nev; k++) {
		best = MAX_RUNS;
		for (r = 0; r < nruns; r++)
			if (pos[r] < end[r] &&
			    (best == MAX_RUNS || ev[pos[r]].t < ev[pos[best]].t))
				best = r;
		tr->order[k] = pos[best]++;
	}
	return true;
}

int st_trace_sort(struct st_trace *tr)
{
	uint64_t *keys;
	uint32_t i;

	if (st_trace_parse_pending(tr) < 0)
		return -1;
	st_trace_endings(tr);	/* the model tells how each process's log ends */
	st_big_free(tr->order);
	tr->order = st_big_alloc(((size_t)tr->nev + 1) * sizeof(*tr->order));
	if (!tr->order)
		return -1;
	tr->t0 = INT64_MAX;
	for (i = 0; i < tr->nev; i++)
		if (tr->ev[i].t < tr->t0)
			tr->t0 = tr->ev[i].t;
	if (tr->nev == 0)
		tr->t0 = 0;
	if (merge_runs(tr))
		return 0;
	if (!(keys = st_big_alloc(((size_t)tr->nev + 1) * sizeof(*keys))))
		return -1;
	for (i = 0; i < tr->nev; i++) {
		tr->order[i] = i;
		keys[i] = (uint64_t)tr->ev[i].t;
	}
	if (st_sort_by_key(keys, tr->order, tr->nev) < 0) {
		st_big_free(keys);
		return -1;
	}
	st_big_free(keys);
	return 0;
}
