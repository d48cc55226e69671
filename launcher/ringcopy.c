/*
 * ringcopy.c: see ringcopy.h.  The walk is the library's flush()
 * (preload/sink.c) on the other side of the mapping: a frame whose head
 * word is non-zero is complete (the head is stored last); frames are
 * copied to the log file at their log offsets with pwrite(), then cleared
 * in the ring, then the flushed offset moves past them (release), so the
 * process never writes into bytes not yet copied.  A PAD frame, or the
 * ring's head of a frame already in the file, is only cleared.  The ring
 * is the process's: every head is checked (mark, size within the ring)
 * and a ring that lies is let go.
 */
#include "ringcopy.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "binlog.h"

struct held {
	int log, ring;		/* descriptors of the log and its ring file */
	struct st_ring_head *head;
	unsigned char *data;
	uint64_t cap;
	pid_t pid;
	char name[64];
};

static struct held *held;
static size_t nheld;

void (*st_ringcopy_say)(int pid, const char *line);

static void let_go(size_t i)
{
	munmap(held[i].head, ST_RING_DATA_OFF + held[i].cap);
	close(held[i].log);
	close(held[i].ring);
	held[i] = held[--nheld];
}

int st_ringcopy_adopt(int dirfd, const char *name, pid_t pid)
{
	struct held h, *nh;
	char rname[80];
	struct stat ls, rs;
	void *p;
	int e;

	/* <pid>.stlog or <pid>-<n>.stlog of the asking process only. */
	if (strlen(name) >= sizeof(h.name) || atol(name) != (long)pid ||
	    name[strspn(name, "0123456789")] != (strchr(name, '-') ? '-' : '.'))
		return EPERM;
	snprintf(rname, sizeof(rname), "%s.ring", name);
	h.log = openat(dirfd, name, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
	h.ring = openat(dirfd, rname, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	e = EINVAL;
	if (h.log < 0 || h.ring < 0) {
		e = errno;
		goto fail;
	}
	if (fstat(h.log, &ls) != 0 || fstat(h.ring, &rs) != 0 || !S_ISREG(ls.st_mode) ||
	    !S_ISREG(rs.st_mode) || rs.st_size < ST_RING_DATA_OFF + 4096)
		goto fail;
	p = mmap(NULL, ST_RING_DATA_OFF, PROT_READ, MAP_SHARED, h.ring, 0);
	if (p == MAP_FAILED)
		goto fail;
	memcpy(&h.cap, &((struct st_ring_head *)p)->cap, sizeof(h.cap));
	e = memcmp(((struct st_ring_head *)p)->magic, ST_RING_MAGIC, 8) == 0 ? 0 : EINVAL;
	munmap(p, ST_RING_DATA_OFF);
	if (e || h.cap < 4096 || (h.cap & (h.cap - 1)) ||
	    h.cap > (uint64_t)rs.st_size - ST_RING_DATA_OFF) {
		e = EINVAL;
		goto fail;
	}
	p = mmap(NULL, ST_RING_DATA_OFF + h.cap, PROT_READ | PROT_WRITE, MAP_SHARED, h.ring, 0);
	nh = p == MAP_FAILED ? NULL : realloc(held, (nheld + 1) * sizeof(*held));
	if (!nh) {
		e = p == MAP_FAILED ? errno : ENOMEM;
		if (p != MAP_FAILED)
			munmap(p, ST_RING_DATA_OFF + h.cap);
		goto fail;
	}
	held = nh;
	h.head = p;
	h.data = (unsigned char *)p + ST_RING_DATA_OFF;
	h.pid = pid;
	strcpy(h.name, name);
	held[nheld++] = h;
	return 0;
fail:
	if (h.log >= 0)
		close(h.log);
	if (h.ring >= 0)
		close(h.ring);
	return e;
}

/* Log bytes [from, to) from the ring into the file, then cleared. */
static bool put(struct held *h, uint64_t from, uint64_t to)
{
	uint64_t at = from & (h->cap - 1), n = to - from;
	uint64_t first = n < h->cap - at ? n : h->cap - at;
	const unsigned char *src[2] = { h->data + at, h->data };
	uint64_t len[2] = { first, n - first }, off = from;
	int i;

	for (i = 0; i < 2; i++) {
		uint64_t done = 0;

		while (done < len[i]) {
			ssize_t k = pwrite(h->log, src[i] + done, len[i] - done, (off_t)(off + done));

			if (k < 0 && errno == EINTR)
				continue;
			if (k <= 0)
				return false;
			done += (uint64_t)k;
		}
		off += len[i];
	}
	memset(h->data + at, 0, first);
	memset(h->data, 0, n - first);
	return true;
}

static uint64_t word(const struct held *h, uint64_t off)
{
	return __atomic_load_n((uint64_t *)(void *)(h->data + (off & (h->cap - 1))),
			       __ATOMIC_ACQUIRE);
}

/* One ring copied as far as it is complete; false when it must be let go
 * (a write failed, or the ring lies). */
static bool copy(struct held *h)
{
	uint64_t from = __atomic_load_n(&h->head->flushed, __ATOMIC_ACQUIRE);
	uint64_t p = from, run = from, w;
	bool ok = true;

	while (ok && p - from < h->cap && (w = word(h, p)) != 0) {
		struct st_frame f;
		uint64_t size;

		memcpy(&f, &w, sizeof(f));
		size = st_frame_size(f.len);
		if (f.mark != ST_FRAME_MARK || size > h->cap - (p - from))
			return false;
		if ((f.kind == ST_FRAME_TEXT && f.aux == ST_RING_AUX_DIRECT) ||
		    f.kind == ST_FRAME_PAD) {
			ok = put(h, run, p);
			if (ok) {
				__atomic_store_n((uint64_t *)(void *)(h->data + (p & (h->cap - 1))), 0,
						 __ATOMIC_RELAXED);
				run = p + size;
			}
		}
		p += size;
	}
	if (ok && p > run && (ok = put(h, run, p)))
		run = p;
	if (run > from)
		__atomic_store_n(&h->head->flushed, run, __ATOMIC_RELEASE);
	if (!ok && st_ringcopy_say) {
		char line[200];

		snprintf(line, sizeof(line), "cannot write the log file %s: %s (tracing off, "
			 "program runs on)", h->name, strerror(errno));
		st_ringcopy_say(h->pid, line);
	}
	return ok;
}

bool st_ringcopy_run(void)
{
	size_t i = 0;

	while (i < nheld) {
		struct held *h = &held[i];
		struct stat sb;

		/* Its process removed the ring at exit, everything copied. */
		if (!copy(h) || (fstat(h->ring, &sb) == 0 && sb.st_nlink == 0 &&
				 word(h, __atomic_load_n(&h->head->flushed, __ATOMIC_ACQUIRE)) == 0))
			let_go(i);
		else
			i++;
	}
	return nheld > 0;
}

void st_ringcopy_end(void)
{
	while (nheld > 0) {
		copy(&held[0]);
		let_go(0);
	}
	free(held);
	held = NULL;
}
