/*
 * genlog.c: writes a large, realistic socktrace run for timing the viewer.
 * Two log files in DIR, as the library would write them for an HTTP-like
 * server and one client process: the server's socket/bind/listen, then
 * connections, four open at a time (so fds interleave and are reused), each
 * with a connect and an accept, EXCHANGES request/response pairs (send/recv
 * with 64-byte data snippets of longer messages, the way the default
 * SOCKTRACE_PAYLOAD=64 cuts them) and a close on both sides.  Connections are
 * added until the two files hold at least RECORDS call records.
 *
 * Usage: genlog [-n RECORDS] [-x EXCHANGES] DIR
 * Prints: genlog records=N bytes=B conns=C
 *
 * The records are made with common/record.c, the same builder the library
 * uses (linked, see the Makefile), so the format cannot drift from the real
 * one.
 */
#include "record.h"

#include <err.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"

#define SRV_PID 4000
#define CLI_PID 4001
#define SRV_ADDR "127.0.0.1:8080"
#define T0 1763700000000000000LL
#define PARALLEL 4		/* connections open at once */
#define SNIP 64			/* payload snippet size */

struct log_file {
	FILE *f;
	int pid;
	long records;
	long long bytes;
};

struct conn {
	int cfd, sfd;		/* client and server fds */
	char cli[32];		/* client address */
	int seq;		/* connection number */
};

static int64_t now = T0;

static void usage(void)
{
	fprintf(stderr, "usage: genlog [-n records] [-x exchanges] dir\n");
	exit(2);
}

static void open_log(struct log_file *lf, const char *dir, int pid, const char *exe,
		     const char *const *argv, int argc)
{
	char path[PATH_MAX], buf[1024];
	struct st_rec r;
	long n;
	int i;

	snprintf(path, sizeof(path), "%s/%d.jsonl", dir, pid);
	lf->f = fopen(path, "wx");
	if (!lf->f)
		err(1, "%s", path);
	setvbuf(lf->f, NULL, _IOFBF, 1 << 20);
	lf->pid = pid;
	lf->records = 0;
	lf->bytes = 0;

	st_rec_begin(&r, buf, sizeof(buf));
	st_rec_int(&r, "socktrace", ST_FORMAT_VERSION);
	st_rec_str(&r, "type", "header");
	st_rec_int(&r, "pid", pid);
	st_rec_int(&r, "ppid", 1);
	st_rec_int(&r, "t", now);
	st_rec_str(&r, "exe", exe);
	st_rec_array_begin(&r, "argv");
	for (i = 0; i < argc; i++)
		st_rec_array_str(&r, argv[i], strlen(argv[i]));
	st_rec_array_end(&r);
	st_rec_bool(&r, "execd", false);
	st_rec_int(&r, "payload", SNIP);
	n = st_rec_end(&r);
	if (n < 0 || fwrite(buf, 1, (size_t)n, lf->f) != (size_t)n)
		err(1, "writing header");
	lf->bytes += n;
}

/* Starts a call record with the keys every record has; the call took dur ns
 * and the clock moves on past it. */
static void rec_start(struct st_rec *r, char *buf, size_t cap, const struct log_file *lf,
		      const char *call, int64_t dur)
{
	st_rec_begin(r, buf, cap);
	st_rec_str(r, "call", call);
	st_rec_int(r, "pid", lf->pid);
	st_rec_int(r, "tid", lf->pid);
	st_rec_int(r, "t", now);
	st_rec_int(r, "dur", dur);
	now += dur + 1500 + (now % 7) * 100;
}

static void rec_write(struct st_rec *r, struct log_file *lf)
{
	long n = st_rec_end(r);

	if (n < 0)
		errx(1, "record too long");
	if (fwrite(r->buf, 1, (size_t)n, lf->f) != (size_t)n)
		err(1, "write");
	lf->records++;
	lf->bytes += n;
}

/* One data call: send or recv of len bytes, msg holding at least SNIP. */
static void rec_data(struct log_file *lf, const char *call, int fd, const char *local,
		     const char *peer, const char *msg, long len)
{
	char buf[1024];
	struct st_rec r;
	size_t snip = strlen(msg);

	if (snip > SNIP)
		snip = SNIP;
	rec_start(&r, buf, sizeof(buf), lf, call, call[0] == 'r' ? 9000 : 4000);
	st_rec_int(&r, "fd", fd);
	st_rec_int(&r, "ret", len);
	st_rec_str(&r, "proto", "tcp");
	st_rec_str(&r, "local", local);
	st_rec_str(&r, "peer", peer);
	st_rec_int(&r, "bytes", len);
	st_rec_bytes(&r, "data", msg, snip);
	rec_write(&r, lf);
}

/* socket/close/connect/accept: the records around a connection. */
static void rec_conn(struct log_file *lf, const char *call, int fd, int ret, const char *local,
		     const char *peer)
{
	char buf[1024];
	struct st_rec r;

	rec_start(&r, buf, sizeof(buf), lf, call, 20000);
	st_rec_int(&r, "fd", fd);
	st_rec_int(&r, "ret", ret);
	st_rec_str(&r, "proto", "tcp");
	if (local)
		st_rec_str(&r, "local", local);
	if (peer)
		st_rec_str(&r, "peer", peer);
	if (strcmp(call, "connect") == 0)
		st_rec_str(&r, "addr", SRV_ADDR);
	if (strcmp(call, "socket") == 0)
		st_rec_str(&r, "family", "AF_INET");
	rec_write(&r, lf);
}

static void rec_listen_setup(struct log_file *lf)
{
	char buf[1024];
	struct st_rec r;

	rec_conn(lf, "socket", 3, 3, NULL, NULL);
	rec_start(&r, buf, sizeof(buf), lf, "setsockopt", 3000);
	st_rec_int(&r, "fd", 3);
	st_rec_int(&r, "ret", 0);
	st_rec_str(&r, "proto", "tcp");
	st_rec_str(&r, "level", "SOL_SOCKET");
	st_rec_str(&r, "opt", "SO_REUSEADDR");
	st_rec_int(&r, "val", 1);
	rec_write(&r, lf);
	rec_start(&r, buf, sizeof(buf), lf, "bind", 30000);
	st_rec_int(&r, "fd", 3);
	st_rec_int(&r, "ret", 0);
	st_rec_str(&r, "proto", "tcp");
	st_rec_str(&r, "local", SRV_ADDR);
	st_rec_str(&r, "addr", SRV_ADDR);
	rec_write(&r, lf);
	rec_start(&r, buf, sizeof(buf), lf, "listen", 3000);
	st_rec_int(&r, "fd", 3);
	st_rec_int(&r, "ret", 0);
	st_rec_str(&r, "proto", "tcp");
	st_rec_str(&r, "local", SRV_ADDR);
	st_rec_int(&r, "backlog", 511);
	rec_write(&r, lf);
}

static void open_conn(struct log_file *srv, struct log_file *cli, struct conn *c, int slot,
		      int seq)
{
	c->cfd = 3 + slot;
	c->sfd = 4 + slot;
	c->seq = seq;
	snprintf(c->cli, sizeof(c->cli), "127.0.0.1:%d", 32768 + seq % 28000);
	rec_conn(cli, "socket", c->cfd, c->cfd, NULL, NULL);
	rec_conn(cli, "connect", c->cfd, 0, c->cli, SRV_ADDR);
	rec_conn(srv, "accept", 3, c->sfd, SRV_ADDR, c->cli);
}

/* One request and its response, both sides. */
static void exchange(struct log_file *srv, struct log_file *cli, const struct conn *c, int i)
{
	char req[256], resp[256];
	long reqlen, resplen = 1024 + (c->seq * 31 + i * 17) % 4096;

	reqlen = snprintf(req, sizeof(req),
			  "GET /items/%d/%d HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n"
			  "User-Agent: genlog\r\nAccept: */*\r\n\r\n", c->seq, i);
	snprintf(resp, sizeof(resp),
		 "HTTP/1.1 200 OK\r\nContent-Length: %ld\r\nContent-Type: text/plain\r\n\r\n",
		 resplen - 70);
	rec_data(cli, "send", c->cfd, c->cli, SRV_ADDR, req, reqlen);
	rec_data(srv, "recv", c->sfd, SRV_ADDR, c->cli, req, reqlen);
	rec_data(srv, "send", c->sfd, SRV_ADDR, c->cli, resp, resplen);
	rec_data(cli, "recv", c->cfd, c->cli, SRV_ADDR, resp, resplen);
}

static void close_conn(struct log_file *srv, struct log_file *cli, const struct conn *c)
{
	rec_conn(cli, "close", c->cfd, 0, c->cli, SRV_ADDR);
	rec_conn(srv, "close", c->sfd, 0, SRV_ADDR, c->cli);
}

static void close_log(struct log_file *lf)
{
	if (fclose(lf->f) != 0)
		err(1, "closing a log");
}

int main(int argc, char **argv)
{
	static const char *const srv_argv[] = { "httpd", "-p", "8080" };
	static const char *const cli_argv[] = { "loadgen", "http://127.0.0.1:8080/" };
	long records = 1000000, exchanges = 100;
	struct log_file srv, cli;
	struct conn conns[PARALLEL];
	int c, seq = 0, slot, i;

	while ((c = getopt(argc, argv, "n:x:")) != -1) {
		switch (c) {
		case 'n':
			records = parse_num(optarg, 1, LONG_MAX / 2, "record count");
			break;
		case 'x':
			exchanges = parse_num(optarg, 1, INT_MAX, "exchange count");
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 1)
		usage();

	open_log(&srv, argv[optind], SRV_PID, "/usr/sbin/httpd", srv_argv, 3);
	open_log(&cli, argv[optind], CLI_PID, "/usr/bin/loadgen", cli_argv, 2);
	rec_listen_setup(&srv);

	/* Batches of PARALLEL connections, their exchanges interleaved. */
	while (srv.records + cli.records < records) {
		for (slot = 0; slot < PARALLEL; slot++)
			open_conn(&srv, &cli, &conns[slot], slot, seq++);
		for (i = 0; i < exchanges; i++)
			for (slot = 0; slot < PARALLEL; slot++)
				exchange(&srv, &cli, &conns[slot], i);
		for (slot = 0; slot < PARALLEL; slot++)
			close_conn(&srv, &cli, &conns[slot]);
	}
	close_log(&srv);
	close_log(&cli);
	printf("genlog records=%ld bytes=%lld conns=%d\n", srv.records + cli.records,
	       srv.bytes + cli.bytes, seq);
	return 0;
}
