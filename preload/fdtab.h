/*
 * fdtab.h: what the library knows about each file descriptor: whether it is
 * a socket and, for a socket, its protocol and both ends.  Looked up on every
 * read/write/close, so the socket test is one byte load; addresses are
 * learnt when a socket is made, bound, connected or accepted, and found out
 * once for an fd the library has not seen (inherited across exec).
 */
#ifndef ST_FDTAB_H
#define ST_FDTAB_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "sockaddr.h"
#include "state.h"

#define ST_MAX_FDS 65536

/* What an fd is: not looked at yet, not a socket, or a socket and of
 * which kind (datagram sockets log each datagram's own peer). */
enum { FD_UNKNOWN = 0, FD_OTHER = 1, FD_STREAM = 2, FD_DGRAM = 3 };

/* Room for a socket's encoded five-tuple keys: two escaped AF_UNIX paths. */
#define ST_FRAG_MAX 1536

extern unsigned char st_fd_kind[ST_MAX_FDS];

/* What the table keeps of a socket.  Each entry is guarded by a sequence
 * counter (fdtab.c says how).  What a data call reads comes first, in one
 * cache line: the counter, the tuple's number and the head counts. */
struct st_fd_entry {
	_Atomic unsigned seq;
	/* The number of the TUPLE frame that carries frag (a new one on every
	 * change), and the log generation that has had it (see st_fd_tuple). */
	uint32_t tuple;
	_Atomic uint32_t tuple_gen;
	/* Bytes moved so far each way (0 out, 1 in; 2 and 3 the plaintext of
	 * TLS on it), counted up to the head kept in full (st_fd_head). */
	_Atomic uint32_t moved[4];
	/* The record keys below, ready to copy: built on every change so a
	 * data call copies them with one memcpy. */
	unsigned short frag_len, frag_nopeer;
	int family;
	int type;
	const char *proto;
	bool has_local, has_peer;	/* the kernel answered for that end */
	char frag[ST_FRAG_MAX];
	char local[ST_ADDR_MAX];
	char peer[ST_ADDR_MAX];
};

/* The entries, one per fd, mapped on first use (fdtab.c). */
extern struct st_fd_entry *_Atomic st_fd_tab;

/* A consistent copy of a socket's identity, for one record. */
struct st_sockinfo {
	const char *proto;
	int family;
	int type;
	bool has_local, has_peer;
	char local[ST_ADDR_MAX];
	char peer[ST_ADDR_MAX];
};

/* True when fd is a socket; probes the kernel once for an unknown fd. */
bool st_fd_is_socket(int fd);
/* Fast form for read/write: only the table, probing when unknown. */
static inline bool st_fd_maybe_socket(int fd)
{
	if ((unsigned)fd < ST_MAX_FDS) {
		unsigned k = st_fd_kind[fd];

		if (k >= FD_STREAM)
			return true;
		if (k == FD_OTHER)
			return false;
	}
	return st_fd_is_socket(fd);
}

/* True when fd is a known socket (no probing). */
static inline bool st_fd_known_socket(int fd)
{
	return (unsigned)fd < ST_MAX_FDS && st_fd_kind[fd] >= FD_STREAM;
}

static inline bool st_fd_is_dgram(int fd)
{
	return (unsigned)fd < ST_MAX_FDS && st_fd_kind[fd] == FD_DGRAM;
}

/* The entry of a known socket, or NULL (not one, or no table yet). */
static inline struct st_fd_entry *st_fd_socket_entry(int fd)
{
	struct st_fd_entry *t = atomic_load_explicit(&st_fd_tab, memory_order_acquire);

	return st_fd_known_socket(fd) && t ? &t[fd] : NULL;
}

/* A reader's side of the entry's sequence lock: take st_fd_read_begin's
 * value, copy the fields, and keep the copy only when st_fd_read_ok says
 * no write was under way or began meanwhile. */
static inline unsigned st_fd_read_begin(struct st_fd_entry *e)
{
	return atomic_load_explicit(&e->seq, memory_order_acquire);
}

static inline bool st_fd_read_ok(struct st_fd_entry *e, unsigned s1)
{
	if (s1 & 1)
		return false;
	atomic_thread_fence(memory_order_acquire);
	return atomic_load_explicit(&e->seq, memory_order_relaxed) == s1;
}

/* st_fd_head() on an entry. */
static inline size_t st_fd_count_head(struct st_fd_entry *e, unsigned way, int64_t ret)
{
	uint32_t done, limit = (uint32_t)st_cfg.head;

	if (ret <= 0 || limit == 0)
		return 0;
	done = atomic_load_explicit(&e->moved[way & 3], memory_order_relaxed);
	if (done >= limit)
		return 0;
	/* Two threads moving bytes on one socket at once may lose one's
	 * count: the head then runs a little long, which is harmless. */
	atomic_store_explicit(&e->moved[way & 3], (uint64_t)ret >= limit - done ? limit :
			      done + (uint32_t)ret, memory_order_relaxed);
	return (uint64_t)ret < limit - done ? (size_t)ret : limit - done;
}

/* A new socket of this family and type (flags allowed in type). */
void st_fd_new_socket(int fd, int family, int type, int protocol);
/* Refreshes the local end (getsockname) and, when peer is NULL, the peer
 * end (getpeername); a given peer address is stored as it is. */
void st_fd_refresh(int fd, bool local, bool peer);
void st_fd_set_peer(int fd, const struct sockaddr *sa, socklen_t len);
/* Refreshes local only when it is still unbound (port 0 or unnamed). */
void st_fd_refresh_if_unbound(int fd);
/* Copies the socket's identity; false when fd is not a known socket. */
bool st_fd_get(int fd, struct st_sockinfo *out);
/* Copies the socket's five-tuple as record keys, already encoded
 * (,"proto":"tcp","local":"...","peer":"..."), leaving out the peer when
 * with_peer is false.  Returns the length, 0 when fd is not a known
 * socket; dst needs ST_FRAG_MAX bytes. */
size_t st_fd_frag(int fd, char *dst, bool with_peer);
/* The number of fd's five-tuple for DATA frames (common/binlog.h), 0 when
 * fd is not a known socket or its keys are empty.  When the log of
 * generation gen has not had that TUPLE frame yet, the keys are copied into
 * frag (ST_FRAG_MAX bytes) and *fraglen set; the caller writes the frame,
 * then calls st_fd_tuple_logged().  Otherwise *fraglen is 0. */
uint32_t st_fd_tuple(int fd, uint32_t gen, char *frag, size_t *fraglen);
/* The common case of st_fd_tuple(), nothing copied: fd's number when the
 * log of generation gen has had its TUPLE frame, else 0. */
uint32_t st_fd_tuple_known(int fd, uint32_t gen);
void st_fd_tuple_logged(int fd, uint32_t id, uint32_t gen);
/* How many of the ret bytes a data call just moved on fd fall in the first
 * st_cfg.head bytes of that way, which records keep in full; counts them.
 * way: ST_WAY_OUT or ST_WAY_IN, plus ST_WAY_TLS for the plaintext of TLS
 * on the socket.  0 when fd is not a known socket. */
enum { ST_WAY_OUT = 0, ST_WAY_IN = 1, ST_WAY_TLS = 2 };
size_t st_fd_head(int fd, unsigned way, int64_t ret);
/* What a data call's record needs of fd, in one look-up: st_fd_head(fd,
 * in, ret), and in *tuple st_fd_tuple_known(fd, gen) (0 when gen is 0). */
size_t st_fd_data(int fd, bool in, int64_t ret, uint32_t gen, uint32_t *tuple);
/* newfd now refers to what oldfd refers to. */
void st_fd_copy(int oldfd, int newfd);
/* fd was closed (or replaced). */
void st_fd_forget(int fd);

#endif
