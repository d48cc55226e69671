/*
 * logtext.h: a log file's contents as the JSON lines the tests read.  The
 * library writes binary logs (common/binlog.h); they are laid under their
 * staging ring (<log>.ring, when the process did not end normally) and
 * decoded here with the same code sockview uses, and anything the decoder
 * had to skip, or the library dropped, is reported to the caller, which
 * counts it as malformed.
 */
#ifndef ST_TESTS_LOGTEXT_H
#define ST_TESTS_LOGTEXT_H

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "binlog.h"

/* A whole file, malloc'd, *len bytes and one spare byte after them; NULL
 * (errno set) when it cannot be read. */
static inline char *lt_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 0, n = 0, got;
	char *buf = NULL, *nb;
	int e;

	if (!f)
		return NULL;
	do {
		if (cap - n < 2) {
			cap = cap ? cap * 2 : 65536;
			nb = realloc(buf, cap);
			if (!nb) {
				errno = ENOMEM;
				goto fail;
			}
			buf = nb;
		}
		got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
	} while (got > 0);
	if (ferror(f))
		goto fail;
	fclose(f);
	*len = n;
	return buf;
fail:
	e = errno;
	fclose(f);
	free(buf);
	errno = e;
	return NULL;
}

/* Lays <path>.ring, when there is one, over the binary log *buf (*len
 * bytes, as lt_read_file gives them); returns the records the library
 * dropped.  A ring that cannot be read, or is not one, is only told. */
static inline unsigned long lt_join_ring(const char *path, char **buf, size_t *len)
{
	char rpath[PATH_MAX + 8];
	struct st_ring_info info;
	unsigned char *out;
	struct stat sb;
	size_t rlen, n;
	char *ring;
	int r;

	snprintf(rpath, sizeof(rpath), "%s.ring", path);
	/* As every reader: a ring is a regular file of its own, never
	 * followed through a symbolic link. */
	if (lstat(rpath, &sb) == 0 && !S_ISREG(sb.st_mode)) {
		fprintf(stderr, "logtext: %s is not a regular file (read as no ring)\n", rpath);
		return 0;
	}
	ring = lt_read_file(rpath, &rlen);
	if (!ring) {
		if (errno != ENOENT)
			fprintf(stderr, "logtext: %s: %s (read as no ring)\n", rpath, strerror(errno));
		return 0;
	}
	r = st_binlog_join((const unsigned char *)*buf, *len, (const unsigned char *)ring, rlen,
			   &out, &n, &info);
	free(ring);
	if (r < 0) {
		fprintf(stderr, "logtext: cannot join %s\n", rpath);
		abort();
	}
	if (r > 0)
		fprintf(stderr, "logtext: %s is not a ring file\n", rpath);
	if (info.dropped)
		fprintf(stderr, "logtext: %s: %llu records dropped\n", rpath,
			(unsigned long long)info.dropped);
	if (info.missing)
		fprintf(stderr, "logtext: %s: %llu log bytes missing\n", rpath,
			(unsigned long long)info.missing);
	free(*buf);
	*buf = realloc(out, n + 1);
	if (!*buf)
		abort();
	*len = n;
	return (unsigned long)(info.dropped + (info.missing != 0));
}

/* Replaces *buf (read from path by lt_read_file) by its JSON lines when it
 * is a binary log, its ring laid over it first; returns the corrupt
 * stretches, lost five-tuples and dropped records met (0 for a JSON file).
 * *tail_zeros gets the zero bytes after the last frame beyond its padding:
 * what a killed process leaves (0 for a JSON file, which keeps its NUL
 * bytes in place). */
static inline unsigned long lt_decode(const char *path, char **buf, size_t *len,
				      size_t *tail_zeros)
{
	struct st_binlog_stats bs;
	unsigned long dropped;
	char *text;
	size_t n, z = 0;

	*tail_zeros = 0;
	if (!st_binlog_is(*buf, *len))
		return 0;
	dropped = lt_join_ring(path, buf, len);
	while (z < *len && (*buf)[*len - 1 - z] == '\0')
		z++;
	*tail_zeros = z >= 8 ? z : 0;
	if (st_binlog_decode((const unsigned char *)*buf, *len, &text, &n, &bs) != 0) {
		fprintf(stderr, "logtext: cannot decode a binary log\n");
		abort();
	}
	if (bs.bad || bs.no_tuple)
		fprintf(stderr, "logtext: %llu corrupt stretches (%llu bytes), %llu lost five-tuples\n",
			(unsigned long long)bs.bad, (unsigned long long)bs.bad_bytes,
			(unsigned long long)bs.no_tuple);
	free(*buf);
	*buf = realloc(text, n + 1);
	if (!*buf)
		abort();
	(*buf)[n] = '\0';
	*len = n;
	return (unsigned long)(bs.bad + bs.no_tuple) + dropped;
}

/* A log's name: <pid>.jsonl (converted by the launcher) or <pid>.stlog. */
static inline int lt_is_log_name(const char *name)
{
	size_t l = strlen(name);

	return l > 6 && (strcmp(name + l - 6, ".jsonl") == 0 || strcmp(name + l - 6, ".stlog") == 0);
}

#endif
