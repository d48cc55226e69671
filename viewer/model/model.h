/*
 * model.h: the viewer's model of a run, built from a parsed trace
 * (trace.h) and read by every renderer: processes (named from the log
 * headers, linked to their parents), sockets with their lifetimes,
 * connections (a client's connect paired with the server's accept across
 * processes, failed attempts, socketpairs, datagram flows) and links, the
 * arrows of the timeline: handshake, data (each receive tied to the sends
 * whose bytes it returned, by byte offset), datagram, EOF and reset.
 *
 * Building happens in passes over the records in time order: processes
 * (model.c), fd tables and sockets (model.c), then the matchers: stream
 * pairing (pair.c), stream data and EOF (flow.c), datagrams (dgram.c).
 * Each matcher returns what it found to the builder (found.h); none calls
 * back into model.c.
 */
#ifndef ST_MODEL_H
#define ST_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "model/address.h"
#include "model/idmap.h"
#include "proto/proto.h"
#include "read/strtab.h"
#include "read/trace.h"

#define ST_NONE UINT32_MAX
/* A link's label when its bytes continue a message that began in an
 * earlier link (st_link_continues). */
#define ST_LABEL_CONT UINT32_MAX

/* A point of a host's clock offset function (clock.c). */
struct st_clock_knot {
	int64_t t;		/* on the host's own clock, ns */
	int64_t offset;		/* its clock minus the reference's there, ns */
};

/* A host: the processes that share a boot id and a network namespace
 * (logs from several folders of one host make one host).  Logs without
 * host identity (older versions) all go to one host with no name. */
struct st_host {
	uint32_t name;		/* host name (trace strings), 0 when unknown */
	uint32_t boot_id, cgroup;	/* trace strings, 0 when unknown */
	int64_t netns;
	uint32_t nprocs;
	/* Its clock against the reference host's (clock.c): offset is its
	 * clock minus the reference's, in ns (subtracted from its records'
	 * times when corrected); spread is the uncertainty, half the bracket
	 * (ST_CLOCK_ONE_SIDED: +1 when offset is a lower bound, -1 upper). */
	int64_t offset, spread;
	uint32_t npairs;	/* matched messages that bounded it */
	uint8_t clock;		/* enum st_clock */
	/* ST_CLOCK_FIXED: the offset over time, piecewise linear through
	 * these (one knot when the clocks did not drift); offset above is
	 * the first knot's. */
	uint32_t nknots;
	struct st_clock_knot *knots;
};

enum st_clock {
	ST_CLOCK_REF,		/* the reference host (or the only one) */
	ST_CLOCK_FIXED,		/* bounded from both sides: offset applied */
	ST_CLOCK_ONE_SIDED,	/* messages one way only: a bound, not applied */
	ST_CLOCK_UNKNOWN,	/* no message to or from a host with a known clock */
	ST_CLOCK_CONTRADICT,	/* bounds cross even piecewise: not applied */
};

/* How a process's log ends (model.c), read from its last image's file:
 * the first two are whole logs, the rest end early (ST_PE_EARLY). */
enum st_proc_end {
	ST_PE_EXITED,	/* whole: the process ended there (exit, or a signal) */
	ST_PE_EXECD,	/* whole, its last record an exec into an image that
			 * left no log: its sockets went on there */
	ST_PE_STOPPED,	/* the library stopped tracing it (its stop line) */
	ST_PE_RING,	/* its staging ring was left: killed, or still runs */
	ST_PE_CUT,	/* its last record is cut short */
};
#define ST_PE_EARLY(e) ((e) >= ST_PE_STOPPED)

struct st_proc {
	int32_t pid, ppid;
	uint32_t host;		/* index in the model's hosts */
	uint32_t parent;	/* process index, ST_NONE when not traced */
	uint32_t name;		/* program name of its latest image (trace strings) */
	int64_t t_first;	/* its header's t, or its first record's */
	uint32_t nevents;
	bool born;		/* fd table set up (inherited at fork) */
	bool forked;		/* its header says fork_of */
	uint8_t end;		/* enum st_proc_end */
	uint16_t end_file;	/* the file whose end that is */
	uint32_t last_ev;	/* its last record in time order, ST_NONE */
	int64_t t_end;		/* the end of its last record (or its header's t) */
	struct st_idmap fds;	/* fd -> socket, while building */
	int32_t fd_min, fd_max;	/* bounds of the fds it ever had, while building */
};

enum st_role { ST_R_NONE, ST_R_LISTEN, ST_R_CLIENT, ST_R_ACCEPTED, ST_R_PAIR };

struct st_sock {
	uint32_t proc;		/* the process that made it */
	uint32_t conn;		/* its stream connection, ST_NONE when none */
	uint32_t created;	/* record that made it (or first seen in) */
	uint32_t closed;	/* record that closed its last fd, ST_NONE */
	uint32_t eof;		/* first shutdown(SHUT_WR) or the final close */
	uint32_t listener;	/* accepted socket: the listening socket */
	uint32_t refs;		/* open fds across processes */
	uint32_t local, peer;	/* latest known addresses (trace strings) */
	uint64_t sent, rcvd;	/* stream byte counts so far */
	uint64_t tls_sent, tls_rcvd;	/* TLS plaintext (SSL_write, ...) so far */
	uint8_t proto;
	uint8_t role;		/* enum st_role */
	uint8_t side;		/* in its connection: 0 client, 1 server */
	uint8_t fate;		/* enum st_fate: when never closed */
	bool before;		/* opened before tracing (first seen in use):
				 * processes not traced may hold it too */
	uint32_t gone_proc;	/* ST_FATE_EXIT: the process whose exit closed
				 * it (the last to end); ST_FATE_UNKNOWN: one
				 * whose log ends early; else ST_NONE */
};

/* A socket no record closed: what became of it (model.c). */
enum st_fate {
	ST_FATE_OPEN,		/* open at the end of what is known */
	ST_FATE_EXIT,		/* closed by the exit of every process that
				 * held it */
	ST_FATE_UNKNOWN,	/* a process that held it has a log that ends
				 * early */
};

/* How a connection ended.  EXIT: a side was never closed but its process
 * ended (the exit closed it); UNKNOWN: a side was never closed and the log
 * of a process holding it ends early, so whether it stayed open is not
 * known. */
enum st_end { ST_END_OPEN, ST_END_CLOSED, ST_END_RESET, ST_END_REFUSED, ST_END_FAILED,
	      ST_END_EXIT, ST_END_UNKNOWN };
/* The words for them ("open", "closed", ..., "exit", "log ends"). */
extern const char *const st_end_names[];

struct st_conn {
	uint32_t id;		/* 1-based, in order of start */
	uint8_t proto;
	uint8_t end;		/* enum st_end */
	bool dgram;
	uint32_t sock[2];	/* client, server; ST_NONE when not traced */
	uint32_t proc[2];	/* their processes, ST_NONE when not traced */
	uint32_t ev[2];		/* the connect and the accept (or first datagrams) */
	uint32_t addr[2];	/* client address, the address it connected to */
	uint32_t err;		/* errno name of a failed attempt */
	int64_t t_start, t_end;
	uint64_t sent[2], rcvd[2];	/* by direction: 0 client->server */
	uint8_t app;		/* enum st_app (proto/proto.h): what it speaks */
	uint8_t inner;		/* enum st_app: what its TLS plaintext speaks */
	uint32_t sni;		/* TLS: the ClientHello's server name (labels) */
};

/* ST_L_PLAIN: TLS plaintext, an SSL_write tied to the SSL_read(s) that
 * returned its bytes on the other end (both ends traced with --tls),
 * beside the data links of the encrypted records. */
enum st_link_kind {
	ST_L_HANDSHAKE, ST_L_DATA, ST_L_PEEK, ST_L_DGRAM, ST_L_EOF, ST_L_RESET, ST_L_PLAIN,
	ST_L_NKINDS
};

/* One arrow: from a record to a record. */
struct st_link {
	uint32_t from, to;
	uint32_t conn;
	uint8_t kind;		/* enum st_link_kind */
	uint64_t off;		/* data: offset of the first byte in its direction */
	uint64_t len;		/* data: bytes */
};

/* Whether a link takes bytes of the record it ends at: the links into one
 * receive each take the next of its bytes (data, peek, TLS plaintext). */
static inline bool st_link_takes(const struct st_link *l)
{
	return l->kind == ST_L_DATA || l->kind == ST_L_PEEK || l->kind == ST_L_PLAIN;
}

/* A range of one direction's bytes that one record moved (flow.c). */
struct st_seg {
	uint64_t off, len;
	uint32_t ev;
	uint32_t key;		/* connection * 2 + direction, plus
				 * st_plain_key's base for TLS plaintext */
	bool peek;
};

/* A message the protocol readers found: where it starts, its summary. */
struct st_msg {
	uint64_t off;
	uint64_t end;		/* just past it, as far as its reader knew */
	uint32_t key;		/* connection * 2 + direction */
	uint32_t label;		/* in st_model.labels */
};

/* A ready fd of a wait (epoll_wait, select, poll, ...): its socket then. */
struct st_ready {
	uint32_t ev;
	int32_t fd;
	uint32_t sock;
};

struct st_model {
	const struct st_trace *tr;
	struct st_host *hosts;
	uint32_t nhosts;
	uint32_t *hdr_host;	/* header -> host */
	uint32_t *file_host;	/* file -> host of its first header */
	struct st_proc *procs;
	uint32_t nprocs;
	uint32_t *ev_proc;	/* per record: its process */
	uint32_t *ev_sock;	/* per record: its socket (accept: the new one) */
	uint32_t *ev_conn;	/* per record: its connection, ST_NONE */
	struct st_sock *socks;
	uint32_t nsocks, sockcap;
	struct st_conn *conns;
	uint32_t nconns, conncap;
	struct st_link *links;	/* sorted by the record they point to */
	uint32_t nlinks, linkcap;
	uint32_t *link_at;	/* per record +1: links[link_at[i]..link_at[i+1]) end at i */
	uint32_t *conn_by_id;	/* id - 1 -> connection index */
	struct st_strtab keys;	/* pairing keys, while building */
	uint32_t *hdr_proc;	/* header -> process */
	bool clock_fixed;	/* records' times corrected by hosts' offsets */
	/* What the protocol readers said (app.c): the summary of every link
	 * that carries the start of a message, and the strings. */
	uint32_t *link_label;	/* per link: its summary in labels, 0: none,
				 * ST_LABEL_CONT: the rest of a message */
	struct st_strtab labels;
	uint32_t *ev_label;	/* per record, TLS plaintext (SSL_write, ...):
				 * its summary in labels, 0: none; NULL when
				 * the run has no such record */
	struct st_msg *msgs;	/* by key, then offset (while building) */
	uint32_t nmsgs, msgcap;
	struct st_ready *ready;	/* by record, then fd */
	uint32_t nready, readycap;
};

/* The key of a direction's TLS plaintext (SSL_write, SSL_read): after
 * every encrypted direction's (c * 2 + dir), so that lists sorted by key
 * hold the encrypted streams first, then the plaintext ones. */
static inline uint32_t st_plain_key(const struct st_model *m, uint32_t c, uint32_t dir)
{
	return m->nconns * 2 + c * 2 + dir;
}

/* Builds the model of a sorted trace; 0, or -1 when out of memory. */
int st_model_build(struct st_model *m, const struct st_trace *tr);
void st_model_free(struct st_model *m);

/*
 * Builds the model (st_model_build), and with several hosts estimates
 * their clock offsets from the messages between them (clock.c); with fix,
 * corrects the trace's times by them (once: every renderer then sees the
 * corrected times) and builds the model again on those.
 */
int st_model_build_clocked(struct st_model *m, struct st_trace *tr, bool fix);
/* Estimates the hosts' offsets from the model's cross-host links. */
int st_clock_estimate(struct st_model *m);
/* Subtracts each host's offset from its records' and headers' times. */
void st_clock_apply(const struct st_model *m, struct st_trace *tr);
/* A host's offset at time t of its clock. */
int64_t st_clock_offset_at(const struct st_host *h, int64_t t);
/* Cross-host links that go back in time (the receive ended before the
 * send began): how many, and *worst by how much at most. */
uint32_t st_clock_backwards(const struct st_model *m, int64_t *worst);

/* Links ending at record i. */
static inline uint32_t st_model_links(const struct st_model *m, uint32_t i,
				      const struct st_link **first)
{
	*first = &m->links[m->link_at[i]];
	return m->link_at[i + 1] - m->link_at[i];
}

/* The summary of what a link carries (`GET / HTTP/1.1`, `ClientHello
 * sni=...`), printable ASCII; NULL when the readers said nothing of it. */
const char *st_link_label(const struct st_model *m, const struct st_link *l);
/* Whether a link carries no start of a message but the rest of one the
 * readers read (a TLS record's body read after its 5-byte header, an
 * HTTP body read in parts): it is drawn as such, not with its bytes. */
bool st_link_continues(const struct st_model *m, const struct st_link *l);
/* The socket that fd of wait record ev was when it came back ready,
 * ST_NONE when not known. */
uint32_t st_model_ready_sock(const struct st_model *m, uint32_t ev, int32_t fd);
/* The summary of what record i carries when the link labels cannot say
 * it (TLS plaintext: GET / HTTP/1.1), NULL when none. */
const char *st_event_label(const struct st_model *m, uint32_t i);
/* A connection's server name (TLS), NULL when none. */
const char *st_conn_sni(const struct st_model *m, const struct st_conn *k);
/* Why process p's log ends early, in a few words ("tracing stopped (disk
 * full)", "killed, or still running", "its last record is cut short"),
 * into buf; NULL when it does not.  May hold letters and digits from the
 * log (its stop line's errno name). */
const char *st_proc_end_why(const struct st_model *m, uint32_t p, char *buf, size_t n);
/* The host of a process, of a record (host.c). */
static inline uint32_t st_model_proc_host(const struct st_model *m, uint32_t p)
{
	return p == ST_NONE ? ST_NONE : m->procs[p].host;
}

/* An address (trace string) that means something on its host only
 * (loopback, AF_UNIX): ends with one never pair across hosts. */
static inline bool st_model_host_only(const struct st_trace *tr, uint32_t addr)
{
	size_t n;
	const char *s = st_trace_str(tr, addr, &n);

	return addr && st_addr_is_host_only(s, n);
}

/* Groups the headers into hosts (host.c); before the processes. */
int st_model_find_hosts(struct st_model *m);

/* The matchers, run by the builder (model.c) in this order: each adds the
 * connections and links it found to *out (found.h), and may note the
 * connections on the model's sockets and records. */
struct st_found;
/* Pairs each stream connect with its accept (pair.c). */
int st_model_pair_streams(struct st_model *m, struct st_found *out);
/* Links each stream receive to the sends it read (flow.c). */
int st_model_flow_streams(struct st_model *m, struct st_found *out);
/* Matches datagrams, and makes their flows (dgram.c). */
int st_model_pair_datagrams(struct st_model *m, struct st_found *out);
/* Reads each stream direction's bytes with its protocol's reader (app.c):
 * the sends of each key (or its receives, when its sender was not
 * traced), each list in key order and time order within a key. */
int st_model_read_streams(struct st_model *m, const struct st_seg *snd, uint32_t nsnd,
			  const struct st_seg *rcv, uint32_t nrcv);
/* Gives each link the summaries of the messages that start in it, and
 * reads datagrams (once the links are in their final order). */
int st_model_label_links(struct st_model *m);

#endif
