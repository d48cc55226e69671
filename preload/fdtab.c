/*
 * fdtab.c: the table of file descriptors (see fdtab.h).
 *
 * st_fd_kind is a byte per fd, so the read/write wrappers learn "not a
 * socket" with one load.  A socket's details live in a large anonymous
 * mapping made on first use (MAP_NORESERVE: only the pages of fds in use
 * take memory).  Each entry is guarded by a sequence counter: writers that
 * find it odd give up rather than wait (a signal handler may have
 * interrupted the writer), readers retry a bounded number of times.
 */
#include "fdtab.h"

#include <errno.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>

#include "real.h"
#include "record.h"
#include "state.h"

unsigned char st_fd_kind[ST_MAX_FDS];
struct st_fd_entry *_Atomic st_fd_tab;
static _Atomic uint32_t last_tuple;

/* The table, mapped on first use. */
static __attribute__((noinline)) struct st_fd_entry *make_table(void)
{
	struct st_fd_entry *none = NULL;
	void *p = mmap(NULL, sizeof(struct st_fd_entry) * ST_MAX_FDS, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	if (!atomic_compare_exchange_strong(&st_fd_tab, &none, p)) {
		munmap(p, sizeof(struct st_fd_entry) * ST_MAX_FDS);
		return none;
	}
	return p;
}

static inline struct st_fd_entry *get_entry(int fd)
{
	struct st_fd_entry *t = atomic_load_explicit(&st_fd_tab, memory_order_acquire);

	if ((unsigned)fd >= ST_MAX_FDS)
		return NULL;
	if (__builtin_expect(!t, 0) && !(t = make_table()))
		return NULL;
	return &t[fd];
}

static bool write_begin(struct st_fd_entry *e)
{
	unsigned s = atomic_load(&e->seq);

	if (s & 1)
		return false;
	return atomic_compare_exchange_strong(&e->seq, &s, s + 1);
}

/* Rebuilds e->frag from the fields; called inside a write. */
static void build_frag(struct st_fd_entry *e)
{
	struct st_rec r;
	long n;

	st_rec_begin(&r, e->frag, sizeof(e->frag));
	r.len = 0;	/* no '{': this is the middle of a record */
	r.first = false;
	st_rec_str(&r, "proto", e->proto ? e->proto : "other");
	if (e->has_local)
		st_rec_str(&r, "local", e->local);
	e->frag_nopeer = (unsigned short)r.len;
	if (e->has_peer)
		st_rec_str(&r, "peer", e->peer);
	n = r.overflow ? -1 : (long)r.len;
	if (n < 0)
		n = e->frag_nopeer = 0;
	e->frag_len = (unsigned short)n;
}

static void write_end(struct st_fd_entry *e)
{
	build_frag(e);
	e->tuple = atomic_fetch_add_explicit(&last_tuple, 1, memory_order_relaxed) + 1;
	if (e->tuple == 0)	/* after 2^32 changes: 0 means "none" */
		e->tuple = atomic_fetch_add_explicit(&last_tuple, 1, memory_order_relaxed) + 1;
	atomic_store_explicit(&e->tuple_gen, 0, memory_order_relaxed);
	atomic_fetch_add_explicit(&e->seq, 1, memory_order_release);
}

/* Formats one end of fd as the kernel reports it; false when it cannot
 * (no peer yet, or not a socket). */
static bool format_end(char *out, int fd, bool peer)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int r;

	memset(&ss, 0, sizeof(ss));
	if (peer)
		r = st_real.getpeername(fd, (struct sockaddr *)&ss, &len);
	else
		r = st_real.getsockname(fd, (struct sockaddr *)&ss, &len);
	if (r != 0) {
		out[0] = '\0';
		return false;
	}
	if (len > sizeof(ss))
		len = sizeof(ss);
	st_format_sockaddr(out, ST_ADDR_MAX, (struct sockaddr *)&ss, len);
	return true;
}

void st_fd_new_socket(int fd, int family, int type, int protocol)
{
	struct st_fd_entry *e = get_entry(fd);

	if (!e)
		return;
	if (write_begin(e)) {
		e->family = family;
		e->type = type & 0xf;
		e->proto = st_proto_name(family, type, protocol);
		e->local[0] = '\0';
		e->peer[0] = '\0';
		e->has_local = e->has_peer = false;
		for (int k = 0; k < 4; k++)
			atomic_store_explicit(&e->moved[k], 0, memory_order_relaxed);
		write_end(e);
	}
	st_fd_kind[fd] = ((type & 0xf) == SOCK_DGRAM || (type & 0xf) == SOCK_RAW) ? FD_DGRAM : FD_STREAM;
}

void st_fd_refresh(int fd, bool local, bool peer)
{
	struct st_fd_entry *e = get_entry(fd);
	char l[ST_ADDR_MAX], p[ST_ADDR_MAX];
	bool hl = false, hp = false;
	int saved = errno;

	if (!e)
		return;
	if (local)
		hl = format_end(l, fd, false);
	if (peer)
		hp = format_end(p, fd, true);
	if (write_begin(e)) {
		if (local) {
			memcpy(e->local, l, sizeof(l));
			e->has_local = hl;
		}
		if (peer) {
			memcpy(e->peer, p, sizeof(p));
			e->has_peer = hp;
		}
		write_end(e);
	}
	errno = saved;
}

void st_fd_refresh_if_unbound(int fd)
{
	struct st_fd_entry *e = get_entry(fd);
	const char *l;
	size_t n;

	/* AF_UNIX sockets are not bound by a send; only inet ones are. */
	if (!e || !st_fd_known_socket(fd) || e->family == AF_UNIX)
		return;
	l = e->local;
	n = strnlen(l, ST_ADDR_MAX);
	/* Unbound: empty, or an inet address ending in ":0". */
	if (n == 0 || (n >= 2 && l[n - 2] == ':' && l[n - 1] == '0'))
		st_fd_refresh(fd, true, false);
}

void st_fd_set_peer(int fd, const struct sockaddr *sa, socklen_t len)
{
	struct st_fd_entry *e = get_entry(fd);
	char p[ST_ADDR_MAX];

	if (!e || !sa)
		return;
	st_format_sockaddr(p, sizeof(p), sa, len);
	if (write_begin(e)) {
		memcpy(e->peer, p, sizeof(p));
		e->has_peer = true;
		write_end(e);
	}
}

static void copy_str(char *dst, const char *src)
{
	size_t n = strnlen(src, ST_ADDR_MAX - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* The entry of a descriptor known to be a socket, or NULL. */
static struct st_fd_entry *socket_entry(int fd)
{
	return st_fd_known_socket(fd) ? get_entry(fd) : NULL;
}

/* Copies n bytes of e's fragment to dst, which has room for ST_FRAG_MAX
 * rounded up to 32; returns n, or 0 for a length a torn read made absurd.
 * Fixed 32-byte blocks: a fragment is some 50 bytes, for which a
 * variable-length copy (rep movs) costs more than the copy. */
static size_t copy_frag(const struct st_fd_entry *e, char *dst, size_t n)
{
	size_t k;

	if (n > ST_FRAG_MAX)
		return 0;
	for (k = 0; k < n; k += 32)
		memcpy(dst + k, e->frag + k, 32);
	return n;
}

bool st_fd_get(int fd, struct st_sockinfo *out)
{
	struct st_fd_entry *e;
	int tries;

	e = socket_entry(fd);
	if (!e)
		return false;
	for (tries = 0; tries < 64; tries++) {
		unsigned s1 = st_fd_read_begin(e);

		out->proto = e->proto;
		out->family = e->family;
		out->type = e->type;
		out->has_local = e->has_local;
		out->has_peer = e->has_peer;
		copy_str(out->local, e->local);
		copy_str(out->peer, e->peer);
		if (st_fd_read_ok(e, s1))
			return out->proto != NULL;
	}
	return false;
}

size_t st_fd_frag(int fd, char *dst, bool with_peer)
{
	struct st_fd_entry *e;
	int tries;

	e = socket_entry(fd);
	if (!e)
		return 0;
	for (tries = 0; tries < 64; tries++) {
		unsigned s1 = st_fd_read_begin(e);
		size_t n = copy_frag(e, dst, with_peer ? e->frag_len : e->frag_nopeer);

		if (st_fd_read_ok(e, s1))
			return n;
	}
	return 0;
}

uint32_t st_fd_tuple(int fd, uint32_t gen, char *frag, size_t *fraglen)
{
	struct st_fd_entry *e;
	int tries;

	*fraglen = 0;
	e = socket_entry(fd);
	if (!e)
		return 0;
	for (tries = 0; tries < 64; tries++) {
		unsigned s1 = st_fd_read_begin(e);
		uint32_t id = e->tuple;
		size_t n = 0;

		if (atomic_load_explicit(&e->tuple_gen, memory_order_relaxed) != gen)
			n = copy_frag(e, frag, e->frag_len);
		if (st_fd_read_ok(e, s1)) {
			*fraglen = n;
			return n || atomic_load_explicit(&e->tuple_gen, memory_order_relaxed) == gen
				? id : 0;
		}
	}
	return 0;
}

/* The entry's five-tuple number when the log of generation gen (> 0) has
 * had its TUPLE frame, else 0. */
static inline uint32_t tuple_known(struct st_fd_entry *e, uint32_t gen)
{
	unsigned s1 = st_fd_read_begin(e);
	uint32_t id = e->tuple;

	if (atomic_load_explicit(&e->tuple_gen, memory_order_relaxed) != gen || !st_fd_read_ok(e, s1))
		return 0;
	return id;
}

uint32_t st_fd_tuple_known(int fd, uint32_t gen)
{
	struct st_fd_entry *e = socket_entry(fd);

	return e ? tuple_known(e, gen) : 0;
}

void st_fd_tuple_logged(int fd, uint32_t id, uint32_t gen)
{
	struct st_fd_entry *e;
	unsigned s1;

	e = socket_entry(fd);
	if (!e)
		return;
	s1 = atomic_load(&e->seq);
	/* A change since the frame was written gave the entry a new number,
	 * whose frame is still to come; one that raced with this store undoes
	 * it (an extra frame later is harmless, a missing one is not). */
	if ((s1 & 1) || e->tuple != id)
		return;
	atomic_store(&e->tuple_gen, gen);
	if (atomic_load(&e->seq) != s1)
		atomic_store(&e->tuple_gen, 0);
}

bool st_fd_is_socket(int fd)
{
	int type = 0, domain = 0, proto = 0;
	socklen_t len = sizeof(int);
	int saved = errno;
	bool sock = false;

	if (fd < 0)
		return false;
	if (fd < ST_MAX_FDS && st_fd_kind[fd] != FD_UNKNOWN)
		return st_fd_kind[fd] >= FD_STREAM;
	if (st_real.getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0) {
		len = sizeof(int);
		st_real.getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len);
		len = sizeof(int);
		st_real.getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &len);
		if (fd < ST_MAX_FDS) {
			st_fd_new_socket(fd, domain, type, proto);
			st_fd_refresh(fd, true, true);
		}
		sock = true;
	} else if (errno == ENOTSOCK && fd < ST_MAX_FDS) {
		st_fd_kind[fd] = FD_OTHER;
	}
	errno = saved;
	return sock;
}

size_t st_fd_head(int fd, unsigned way, int64_t ret)
{
	struct st_fd_entry *e = socket_entry(fd);

	return e ? st_fd_count_head(e, way, ret) : 0;
}

size_t st_fd_data(int fd, bool in, int64_t ret, uint32_t gen, uint32_t *tuple)
{
	struct st_fd_entry *e = socket_entry(fd);

	*tuple = 0;
	if (!e)
		return 0;
	if (gen)
		*tuple = tuple_known(e, gen);
	return st_fd_count_head(e, in ? ST_WAY_IN : ST_WAY_OUT, ret);
}

void st_fd_copy(int oldfd, int newfd)
{
	struct st_fd_entry *src, *dst;

	if ((unsigned)newfd >= ST_MAX_FDS)
		return;
	if (!st_fd_known_socket(oldfd)) {
		st_fd_kind[newfd] = (unsigned)oldfd < ST_MAX_FDS ? st_fd_kind[oldfd] : FD_UNKNOWN;
		return;
	}
	src = get_entry(oldfd);
	dst = get_entry(newfd);
	if (!src || !dst)
		return;
	if (write_begin(dst)) {
		struct st_sockinfo si;

		if (st_fd_get(oldfd, &si)) {
			dst->family = si.family;
			dst->type = si.type;
			dst->proto = si.proto;
			memcpy(dst->local, si.local, sizeof(si.local));
			memcpy(dst->peer, si.peer, sizeof(si.peer));
			dst->has_local = si.has_local;
			dst->has_peer = si.has_peer;
		}
		write_end(dst);
	}
	st_fd_kind[newfd] = st_fd_kind[oldfd];
}

void st_fd_forget(int fd)
{
	if ((unsigned)fd < ST_MAX_FDS)
		st_fd_kind[fd] = FD_UNKNOWN;
}
