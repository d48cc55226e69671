/*
 * test_pcapng.c: `sockview --pcapng` opened with tshark, the tool its users
 * read it with.  Real programs run under the library on loopback, their
 * logs go through sockview --pcapng, and tshark must find:
 *
 * - Follow TCP Stream giving back, byte for byte, what curl sent (its -v
 *   request lines) and what python3's http.server answered (curl's -D
 *   headers and its body, a 60 KB page), over IPv4 and IPv6, traced with
 *   SOCKTRACE_PAYLOAD=all;
 * - no tcp.analysis flag (retransmission, lost segment, dup ACK, ...) on
 *   these fully traced connections, a good IP/TCP/UDP checksum on every
 *   packet with checksum checking on, no malformed packet, no expert warning
 *   or error;
 * - a comment on every packet naming the process that made it, with the
 *   direction flag from that process's side;
 * - UDP echo: every datagram once, each way, with the bytes sent;
 * - AF_UNIX: the stream followable on its synthetic address pair;
 * - a close that leaves bytes unread: RST from the closing side; a refused
 *   connect: SYN answered by RST;
 * - a window (--from) that starts mid-stream, and a socket inherited from
 *   an untraced parent (no connection in the model): no SYN made up,
 *   nothing flagged, the stream followable;
 * - snippets: captured length the bytes kept, original length the real one.
 */
#include "harness.h"

#include <ctype.h>
#include <sys/socket.h>

#define SOCKVIEW ST_BUILD_DIR "/sockview"
#define TSHARK "/usr/bin/tshark"
#define PYTHON "/usr/bin/python3"
#define CURL "/usr/bin/curl"
#define PAGE 60000

/* python3's http.server answering one request, on port 0 of argv[2]. */
static const char py_server[] =
	"import http.server, functools, sys, socket\n"
	"H = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])\n"
	"class S(http.server.HTTPServer):\n"
	"    address_family = socket.AF_INET6 if ':' in sys.argv[2] else socket.AF_INET\n"
	"s = S((sys.argv[2], 0), H)\n"
	"print('port', s.server_address[1], flush=True)\n"
	"s.handle_request()\n";

static void need(const char *path)
{
	if (access(path, X_OK) != 0)
		fail_msg("%s is not installed (.ci/deps installs it)", path);
}

/* Removes a test's directory: its log directory, then its files. */
static void cleanup(const char *dir)
{
	char logs[96];

	snprintf(logs, sizeof logs, "%s/log", dir);
	h_rmtree(logs);
	h_rmtree(dir);
}

/* A fresh test directory dir (64 bytes) with an empty log directory
 * dir/log in logs (96 bytes). */
static void make_dirs(char *dir, char *logs)
{
	h_tmpdir(dir);
	snprintf(logs, 96, "%s/log", dir);
	assert_int_equal(mkdir(logs, 0700), 0);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *p;
	long n = 0;

	if (!f || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0)
		fail_msg("cannot read %s", path);
	p = malloc((size_t)n + 1);
	if (!p || fread(p, 1, (size_t)n, f) != (size_t)n)
		fail_msg("cannot read %s", path);
	fclose(f);
	p[n] = '\0';
	*len = (size_t)n;
	return p;
}

/* Runs a shell command line untraced; returns its stdout (malloc'd), failing
 * the test unless it exits 0. */
static char *sh(const char *cmd)
{
	const char *argv[] = { "/bin/sh", "-c", cmd, NULL };
	struct h_opts o = { .untraced = true };
	struct h_proc p;
	char *out;
	int rc;

	h_start(&p, &o, argv);
	rc = h_wait(&p, 60000);
	if (rc != 0)
		fail_msg("`%s` exited with %d: %s", cmd, rc, p.err.p);
	out = p.out.p;
	free(p.err.p);
	return out;
}

/* Writes the pcapng of the logs in dir to dir/t.pcapng. */
static void make_pcapng(const char *dir)
{
	char cmd[512];

	snprintf(cmd, sizeof cmd, "%s --pcapng %s/log > %s/t.pcapng", SOCKVIEW, dir, dir);
	free(sh(cmd));
}

/* tshark on dir/t.pcapng with checksum checking on and extra arguments. */
static char *tshark(const char *dir, const char *args)
{
	char cmd[1024];

	snprintf(cmd, sizeof cmd, "%s -n -r %s/t.pcapng -o ip.check_checksum:TRUE "
		 "-o tcp.check_checksum:TRUE -o udp.check_checksum:TRUE %s 2>/dev/null",
		 TSHARK, dir, args);
	return sh(cmd);
}

static int hexval(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Appends the bytes of a hex string (up to a newline) to b. */
static void unhex(struct h_buf *b, const char *s)
{
	while (hexval(s[0]) >= 0 && hexval(s[1]) >= 0) {
		char c = (char)(hexval(s[0]) * 16 + hexval(s[1]));

		h_buf_append(b, &c, 1);
		s += 2;
	}
}

/* Follow TCP Stream n in raw form: what node 0 (the first packet's
 * source) sent into out[0], node 1's into out[1]. */
static void follow(const char *dir, int n, struct h_buf out[2])
{
	char args[64], *text, *s;

	snprintf(args, sizeof args, "-q -z follow,tcp,raw,%d", n);
	text = tshark(dir, args);
	memset(out, 0, 2 * sizeof(*out));
	h_buf_append(&out[0], "", 0);
	h_buf_append(&out[1], "", 0);
	s = strstr(text, "Node 1:");
	assert_non_null(s);
	s = strchr(s, '\n');
	while (s && *++s && *s != '=') {
		if (*s == '\t')
			unhex(&out[1], s + 1);
		else
			unhex(&out[0], s);
		s = strchr(s, '\n');
	}
	free(text);
}

static void assert_same_bytes(const char *what, const struct h_buf *got, const char *want,
			      size_t n)
{
	if (got->len != n || memcmp(got->p, want, n) != 0)
		fail_msg("%s: Follow TCP Stream gave %zu bytes, the programs moved %zu%s", what,
			 got->len, n, got->len == n ? " (different bytes)" : "");
}

/* The checks every capture here must pass: no tcp.analysis flag, every
 * checksum good, nothing malformed, no expert warning or error, a comment on every
 * packet. */
static void check_clean(const char *dir)
{
	char *s = tshark(dir, "-Y 'tcp.analysis.flags || _ws.malformed || "
			 "_ws.expert.severity >= 0x00600000'");
	char *line;
	int n = 0;

	if (s[0])
		fail_msg("tshark flags packets:\n%s", s);
	free(s);
	s = tshark(dir, "-T fields -E 'separator=|' -e frame.number -e ip.checksum.status "
		   "-e tcp.checksum.status -e udp.checksum.status -e frame.comment");
	for (line = strtok(s, "\n"); line; line = strtok(NULL, "\n")) {
		char ipst[8] = "", tcpst[8] = "", udpst[8] = "", *p = line;
		char *f[5];
		int k;

		for (k = 0; k < 5; k++)
			f[k] = strsep(&p, "|");
		assert_non_null(f[4]);
		snprintf(ipst, sizeof ipst, "%s", f[1]);
		snprintf(tcpst, sizeof tcpst, "%s", f[2]);
		snprintf(udpst, sizeof udpst, "%s", f[3]);
		if ((ipst[0] && strcmp(ipst, "1") != 0) ||
		    !((strcmp(tcpst, "1") == 0) ^ (strcmp(udpst, "1") == 0)))
			fail_msg("packet %s: checksum status ip '%s' tcp '%s' udp '%s' (1 is good)",
				 f[0], ipst, tcpst, udpst);
		if (strncmp(f[4], "pid ", 4) != 0)
			fail_msg("packet %s has no comment naming its process: '%s'", f[0], f[4]);
		n++;
	}
	assert_true(n > 0);
	free(s);
}

/* Every packet's comment names the process of the side it is reported
 * from: the source for an outbound packet, the destination for an inbound
 * one.  pid_at[i] is the process of port port_at[i]. */
static void check_comments(const char *dir, const char *proto, const int port_at[2],
			   const pid_t pid_at[2])
{
	char args[256], *s, *line;

	snprintf(args, sizeof args, "-Y '%s.port == %d' -T fields -E 'separator=|' "
		 "-e frame.number -e %s.srcport -e %s.dstport -e frame.packet_flags_direction "
		 "-e frame.comment", proto, port_at[1], proto, proto);
	s = tshark(dir, args);
	for (line = strtok(s, "\n"); line; line = strtok(NULL, "\n")) {
		char *p = line, *f[5], want[32];
		int k, port;
		long dir_flag;

		for (k = 0; k < 5; k++)
			f[k] = strsep(&p, "|");
		assert_non_null(f[4]);
		dir_flag = strtol(f[3], NULL, 16);
		if (dir_flag != 1 && dir_flag != 2)
			fail_msg("packet %s: direction flag %s", f[0], f[3]);
		port = atoi(dir_flag == 2 ? f[1] : f[2]);
		for (k = 0; k < 2 && port_at[k] != port; k++)
			;
		if (k == 2)
			fail_msg("packet %s: port %d is neither end's", f[0], port);
		snprintf(want, sizeof want, "pid %d ", (int)pid_at[k]);
		if (strncmp(f[4], want, strlen(want)) != 0)
			fail_msg("packet %s (%s) should name %s: '%s'", f[0],
				 dir_flag == 2 ? "outbound" : "inbound", want, f[4]);
	}
	free(s);
}

/* The request curl sent, from its -v lines "> ..." (each ends in \r\n). */
static void curl_request(const char *verbose, struct h_buf *req)
{
	const char *s = verbose;

	memset(req, 0, sizeof(*req));
	h_buf_append(req, "", 0);
	while (s && *s) {
		const char *nl = strchr(s, '\n');
		size_t n = nl ? (size_t)(nl - s) + 1 : strlen(s);

		if (n >= 2 && s[0] == '>' && s[1] == ' ')
			h_buf_append(req, s + 2, n - 2);
		s += n;
	}
}

/* curl fetches a 60 KB page from python3's http.server on host, both
 * traced with whole payloads. */
static void http_case(const char *host)
{
	char dir[64], path[256], url[128], line[128], port_s[16];
	char hdr[160], body[160], logs[96];
	const char *env[] = { "SOCKTRACE_PAYLOAD=all", NULL };
	struct h_opts o = { .logdir = logs, .env = { env[0] } };
	struct h_proc srv, cli;
	struct h_buf req, got[2];
	char *text, *want_hdr, *want_body, *resp, *streams;
	size_t hn, bn;
	int port, cport, port_at[2], stream;
	pid_t pid_at[2];
	FILE *f;

	need(TSHARK);
	need(PYTHON);
	need(CURL);
	make_dirs(dir, logs);
	snprintf(path, sizeof path, "%s/page.html", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	for (int i = 0; i < PAGE; i++)
		fputc(i % 61 == 60 ? '\n' : 'a' + (i * 7) % 26, f);
	fclose(f);
	{
		const char *argv[] = { PYTHON, "-c", py_server, dir, host, NULL };

		h_start(&srv, &o, argv);
	}
	if (!h_wait_line(&srv, "port ", 10000, line, sizeof line))
		fail_msg("python3 did not start: %s", srv.err.p);
	port = atoi(line + 5);
	snprintf(port_s, sizeof port_s, "%d", port);
	snprintf(url, sizeof url, strchr(host, ':') ? "http://[%s]:%d/page.html" :
		 "http://%s:%d/page.html", host, port);
	snprintf(hdr, sizeof hdr, "%s/hdr", dir);
	snprintf(body, sizeof body, "%s/body", dir);
	{
		const char *argv[] = { CURL, "-s", "-S", "-g", "-v", "--max-time", "30",
				       "-D", hdr, "-o", body, "-w", "port=%{local_port}\n", url, NULL };

		h_start(&cli, &o, argv);
	}
	assert_int_equal(h_wait(&cli, 30000), 0);
	assert_int_equal(h_wait(&srv, 30000), 0);
	text = strstr(cli.out.p, "port=");
	assert_non_null(text);
	cport = atoi(text + 5);

	make_pcapng(dir);
	check_clean(dir);
	/* One connection to the server (curl has a socketpair of its own). */
	snprintf(line, sizeof line, "-Y 'tcp.port == %d' -T fields -e tcp.stream", port);
	streams = tshark(dir, line);
	stream = atoi(streams);
	for (text = streams; *text; text = strchr(text, '\n') + 1)
		if (atoi(text) != stream)
			fail_msg("more than one TCP stream on port %d:\n%s", port, streams);
	free(streams);

	follow(dir, stream, got);
	curl_request(cli.err.p, &req);
	assert_true(req.len > 20);
	assert_same_bytes("curl's request", &got[0], req.p, req.len);
	want_hdr = slurp(hdr, &hn);
	want_body = slurp(body, &bn);
	assert_int_equal(bn, PAGE);
	resp = malloc(hn + bn);
	assert_non_null(resp);
	memcpy(resp, want_hdr, hn);
	memcpy(resp + hn, want_body, bn);
	assert_same_bytes("python's response", &got[1], resp, hn + bn);

	port_at[0] = cport;
	port_at[1] = port;
	pid_at[0] = cli.pid;
	pid_at[1] = srv.pid;
	check_comments(dir, "tcp", port_at, pid_at);

	free(resp);
	free(want_hdr);
	free(want_body);
	free(req.p);
	free(got[0].p);
	free(got[1].p);
	h_proc_free(&srv);
	h_proc_free(&cli);
	cleanup(dir);
}

static void test_http_ipv4(void **state)
{
	(void)state;
	http_case("127.0.0.1");
}

static void test_http_ipv6(void **state)
{
	(void)state;
	http_case("::1");
}

/* Runs an example server and its client, traced with SOCKTRACE_PAYLOAD
 * payload, into dir/log; returns the server's port (0 for AF_UNIX). */
static int echo_run(const char *dir, const char *payload, const char *const sargv[],
		    const char *event, const char *const cargv_in[], pid_t pids[2])
{
	char logs[96], port_s[16], env[64];
	const char *cargv[12];
	struct h_opts o = { .logdir = logs };
	struct h_proc srv, cli;
	int port, i;

	snprintf(logs, sizeof logs, "%s/log", dir);
	snprintf(env, sizeof env, "SOCKTRACE_PAYLOAD=%s", payload);
	o.env[0] = env;
	assert_int_equal(mkdir(logs, 0700), 0);
	h_start(&srv, &o, sargv);
	port = h_server_ready(&srv, event);
	snprintf(port_s, sizeof port_s, "%d", port);
	for (i = 0; cargv_in[i] && i < 11; i++)
		cargv[i] = strcmp(cargv_in[i], "PORT") == 0 ? port_s : cargv_in[i];
	cargv[i] = NULL;
	h_start(&cli, &o, cargv);
	assert_int_equal(h_wait(&cli, 20000), 0);
	assert_int_equal(h_wait(&srv, 20000), 0);
	pids[0] = cli.pid;
	pids[1] = srv.pid;
	h_proc_free(&srv);
	h_proc_free(&cli);
	return port;
}

/* The hex of a string (in capitals: what the echo servers answer), for
 * comparing with tshark's payload fields. */
static void to_hex(const char *s, bool upper, char *out)
{
	for (; *s; s++, out += 2)
		sprintf(out, "%02x", upper ? toupper((unsigned char)*s) : (unsigned char)*s);
	*out = '\0';
}

static void test_udp_echo(void **state)
{
	static const char *const msgs[] = { "one", "two\n\x01", "three three", NULL };
	const char *sargv[] = { H_EXAMPLE("udp_echo_server"), "-n", "3", NULL };
	const char *cargv[] = { H_EXAMPLE("udp_echo_client"), "127.0.0.1", "PORT",
				msgs[0], msgs[1], msgs[2], NULL };
	char dir[64], *s, *line, hex[64];
	int port, n = 0, port_at[2];
	pid_t pids[2];
	(void)state;

	need(TSHARK);
	h_tmpdir(dir);
	port = echo_run(dir, "all", sargv, "bound", cargv, pids);
	make_pcapng(dir);
	check_clean(dir);
	/* In order: each datagram to the server, then its echo. */
	s = tshark(dir, "-T fields -E 'separator=|' -e udp.srcport -e udp.dstport -e udp.payload");
	for (line = strtok(s, "\n"); line; line = strtok(NULL, "\n"), n++) {
		char *p = line, *src = strsep(&p, "|"), *dst = strsep(&p, "|");

		assert_true(n < 6);
		assert_non_null(p);
		port_at[0] = atoi(src) == port ? atoi(dst) : atoi(src);
		assert_int_equal(atoi(n % 2 ? src : dst), port);
		to_hex(msgs[n / 2], n % 2, hex);
		assert_string_equal(p, hex);
	}
	assert_int_equal(n, 6);
	free(s);
	port_at[1] = port;
	check_comments(dir, "udp", port_at, pids);
	cleanup(dir);
}

/* The unix echo server runs under the launcher (its log becomes JSON
 * Lines, read again from the file), its client under the library alone
 * (a binary log, read in memory): both kinds of log feed the packets. */
static void test_unix_stream(void **state)
{
	char dir[64], path[128], logs[96], logs2[96], cmd[320], *s;
	const char *sargv[] = { ST_BUILD_DIR "/socktrace", "-o", logs, "-s", "all", "--no-view",
				"-q", "--", H_EXAMPLE("unix_echo_server"), "-n", "1", path, NULL };
	/* Longer than the 32 bytes the viewer keeps: read again from the logs. */
	static const char msg[] = "unix world, a message longer than the viewer's snippet";
	const char *cargv[] = { H_EXAMPLE("unix_echo_client"), path, "hello", msg, NULL };
	char want[2][80];
	struct h_opts so = { .untraced = true };
	struct h_opts co = { .logdir = logs2, .env = { "SOCKTRACE_PAYLOAD=all" } };
	struct h_proc srv, cli;
	struct h_buf got[2];
	pid_t pids[2];
	const int port_at[2] = { 40000, 30000 };
	(void)state;

	need(TSHARK);
	h_tmpdir(dir);
	snprintf(path, sizeof path, "%s/echo.sock", dir);
	snprintf(logs, sizeof logs, "%s/log", dir);
	snprintf(logs2, sizeof logs2, "%s/log2", dir);
	assert_int_equal(mkdir(logs2, 0700), 0);
	h_start(&srv, &so, sargv);
	h_server_ready(&srv, "listen");
	h_start(&cli, &co, cargv);
	assert_int_equal(h_wait(&cli, 20000), 0);
	assert_int_equal(h_wait(&srv, 20000), 0);
	snprintf(cmd, sizeof cmd, "ls %s | grep -c 'jsonl$'", logs);
	s = sh(cmd);
	assert_string_equal(s, "1\n");
	free(s);
	/* The server is the launcher's child. */
	snprintf(cmd, sizeof cmd, "ls %s | sed 's/[.-].*//'", logs);
	s = sh(cmd);
	pids[1] = atoi(s);
	free(s);
	pids[0] = cli.pid;
	h_proc_free(&srv);
	h_proc_free(&cli);

	snprintf(cmd, sizeof cmd, "%s --pcapng %s %s > %s/t.pcapng", SOCKVIEW, logs, logs2, dir);
	free(sh(cmd));
	check_clean(dir);
	follow(dir, 0, got);
	snprintf(want[0], sizeof want[0], "hello%s", msg);
	for (size_t i = 0; i <= strlen(want[0]); i++)
		want[1][i] = (char)toupper((unsigned char)want[0][i]);
	assert_same_bytes("the unix client's bytes", &got[0], want[0], strlen(want[0]));
	assert_same_bytes("the unix server's echo", &got[1], want[1], strlen(want[1]));
	/* The synthetic pair of connection 1, client first. */
	s = tshark(dir, "-c 1 -T fields -E 'separator=|' -e ipv6.src -e ipv6.dst");
	assert_string_equal(s, "fd00:7578::1:0:1|fd00:7578::2:0:1\n");
	free(s);
	check_comments(dir, "tcp", port_at, pids);
	free(got[0].p);
	free(got[1].p);
	h_rmtree(logs2);
	cleanup(dir);
}

/* A window (--from) that starts after the handshake and the first
 * exchange: the connection begins mid-stream, with no SYN made up and
 * nothing for Wireshark to flag. */
static void test_mid_stream(void **state)
{
	const char *sargv[] = { H_EXAMPLE("tcp_echo_server"), "-n", "1", NULL };
	const char *cargv[] = { H_EXAMPLE("tcp_echo_client"), "127.0.0.1", "PORT", "first",
				"second", "third", NULL };
	char dir[64], logs[96], cmd[320], *s;
	struct h_log log;
	int64_t t0 = INT64_MAX, t_second = -1, first_echo_end = -1;
	struct h_buf got[2];
	pid_t pids[2];
	(void)state;

	need(TSHARK);
	h_tmpdir(dir);
	echo_run(dir, "all", sargv, "listen", cargv, pids);
	snprintf(logs, sizeof logs, "%s/log", dir);
	memset(&log, 0, sizeof log);
	h_log_load(&log, logs);
	for (size_t i = 0; i < log.n; i++) {
		const struct h_rec *r = &log.r[i];

		if (r->header)
			continue;
		if (r->t < t0)
			t0 = r->t;
		if (r->pid == pids[0] && strcmp(r->call, "send") == 0 && r->has_data &&
		    r->data_len == 6 && memcmp(r->data, "second", 6) == 0)
			t_second = r->t;
		if (r->pid == pids[1] && strcmp(r->call, "send") == 0 && r->has_data &&
		    r->data_len == 5 && memcmp(r->data, "FIRST", 5) == 0)
			first_echo_end = r->t + r->dur;
	}
	h_log_free(&log);
	assert_true(t_second > t0);
	assert_true(first_echo_end > t0);
	snprintf(cmd, sizeof cmd, "%s --pcapng --from %.9f %s > %s/t.pcapng", SOCKVIEW,
		 (double)(t_second - t0) / 1e9, logs, dir);
	free(sh(cmd));
	check_clean(dir);
	s = tshark(dir, "-Y 'tcp.flags.syn == 1'");
	assert_string_equal(s, "");
	free(s);
	follow(dir, 0, got);
	/* The window holds every call that ends in it.  The client's send of
	 * "second" follows its receive of "FIRST", but the server's send of
	 * "FIRST" can still be returning then (its bytes are delivered before
	 * the call returns): such a send is in the window, and so are its
	 * bytes, which are then the stream's first (Follow's node 0 is the
	 * side that sends first). */
	if (first_echo_end >= t_second) {
		assert_same_bytes("the echo from the window's start", &got[0],
				  "FIRSTSECONDTHIRD", 16);
		assert_same_bytes("the client's bytes after the window's start", &got[1],
				  "secondthird", 11);
	} else {
		assert_same_bytes("the client's bytes after the window's start", &got[0],
				  "secondthird", 11);
		assert_same_bytes("the echo after the window's start", &got[1],
				  "SECONDTHIRD", 11);
	}
	free(got[0].p);
	free(got[1].p);
	cleanup(dir);
}

/* A server that reads 1 byte of the client's 100 and closes: its kernel
 * answers with RST, and the client's recv fails with ECONNRESET.  Once the
 * server has exited, a second client connects to its port: refused. */
static const char py_reset_server[] =
	"import socket\n"
	"s = socket.socket()\n"
	"s.bind(('127.0.0.1', 0))\n"
	"s.listen(1)\n"
	"print('port', s.getsockname()[1], flush=True)\n"
	"c, _ = s.accept()\n"
	"c.recv(1)\n"
	"c.close()\n"
	"s.close()\n";
static const char py_reset_client[] =
	"import socket, sys\n"
	"if sys.argv[2] == 'refused':\n"
	"    try:\n"
	"        socket.create_connection(('127.0.0.1', int(sys.argv[1])))\n"
	"    except ConnectionRefusedError:\n"
	"        print('refused')\n"
	"    sys.exit(0)\n"
	"c = socket.create_connection(('127.0.0.1', int(sys.argv[1])))\n"
	"c.sendall(b'x' * 100)\n"
	"try:\n"
	"    c.recv(10)\n"
	"    print('no reset')\n"
	"except ConnectionResetError:\n"
	"    print('reset')\n"
	"c.close()\n";

/* A close that leaves bytes unread sends RST, not FIN, from the closing
 * side; a refused connect is a SYN answered by RST. */
static void test_reset_refused(void **state)
{
	char dir[64], logs[96], line[128], args[160], *s, *row;
	struct h_opts o = { .logdir = logs };
	struct h_proc srv, cli, cli2;
	int port, n = 0;
	(void)state;

	need(TSHARK);
	need(PYTHON);
	make_dirs(dir, logs);
	{
		const char *argv[] = { PYTHON, "-c", py_reset_server, NULL };

		h_start(&srv, &o, argv);
	}
	if (!h_wait_line(&srv, "port ", 10000, line, sizeof line))
		fail_msg("python3 did not start: %s", srv.err.p);
	port = atoi(line + 5);
	{
		const char *argv[] = { PYTHON, "-c", py_reset_client, line + 5, "reset", NULL };

		h_start(&cli, &o, argv);
	}
	assert_int_equal(h_wait(&cli, 30000), 0);
	assert_int_equal(h_wait(&srv, 30000), 0);
	assert_string_equal(cli.out.p, "reset\n");
	{
		/* The server has exited: nothing listens on its port. */
		const char *argv[] = { PYTHON, "-c", py_reset_client, line + 5, "refused", NULL };

		h_start(&cli2, &o, argv);
	}
	assert_int_equal(h_wait(&cli2, 30000), 0);
	assert_string_equal(cli2.out.p, "refused\n");
	make_pcapng(dir);

	/* Two resets, both from the server's port: its close, and the answer
	 * to the refused connect. */
	snprintf(args, sizeof args, "-Y 'tcp.flags.reset == 1' -T fields -E 'separator=|' "
		 "-e tcp.srcport -e frame.comment");
	s = tshark(dir, args);
	for (row = strtok(s, "\n"); row; row = strtok(NULL, "\n"), n++) {
		char want[48];

		assert_int_equal(atoi(row), port);
		snprintf(want, sizeof want, "|pid %d ", n == 0 ? (int)srv.pid : (int)cli2.pid);
		if (strncmp(strchr(row, '|'), want, strlen(want)) != 0 ||
		    !strstr(row, n == 0 ? "close(" : "ECONNREFUSED; reply of the peer"))
			fail_msg("reset %d: '%s'", n, row);
	}
	assert_int_equal(n, 2);
	free(s);
	/* No FIN from the server; the refused connect's SYN is there. */
	snprintf(args, sizeof args, "-Y 'tcp.flags.fin == 1 && tcp.srcport == %d'", port);
	s = tshark(dir, args);
	assert_string_equal(s, "");
	free(s);
	s = tshark(dir, "-Y 'tcp.flags.syn == 1 && tcp.flags.ack == 0' -T fields -e tcp.stream");
	assert_string_equal(s, "0\n1\n");
	free(s);
	s = tshark(dir, "-Y 'tcp.analysis.flags || _ws.malformed || _ws.expert.severity >= 0x00800000'");
	assert_string_equal(s, "");
	free(s);
	h_proc_free(&srv);
	h_proc_free(&cli);
	h_proc_free(&cli2);
	cleanup(dir);
}

/* An untraced python3 makes a TCP connection with itself and hands one
 * end to a traced child, which writes on it and reads the answer: the
 * model has no connection for that socket (its start was not traced). */
static const char py_orphan[] =
	"import socket, subprocess, sys, os\n"
	"l = socket.socket()\n"
	"l.bind(('127.0.0.1', 0))\n"
	"l.listen(1)\n"
	"c = socket.create_connection(l.getsockname())\n"
	"s, _ = l.accept()\n"
	"env = dict(os.environ, LD_PRELOAD=sys.argv[1], SOCKTRACE_DIR=sys.argv[2],\n"
	"           SOCKTRACE_PAYLOAD='all')\n"
	"code = 'import os, sys\\nfd = int(sys.argv[1])\\n' \\\n"
	"       'os.write(fd, b\"hello from a traced child\")\\nprint(os.read(fd, 100).decode())'\n"
	"p = subprocess.Popen([sys.executable, '-c', code, str(c.fileno())],\n"
	"                     pass_fds=[c.fileno()], env=env, stdout=subprocess.PIPE)\n"
	"s.sendall(s.recv(100).upper())\n"
	"print(p.communicate()[0].decode().strip())\n";

/* A socket whose connection started before the trace: its packets begin
 * mid-stream (no SYN made up), the untraced peer's bytes come from the
 * traced side's read, and nothing is flagged. */
static void test_orphan(void **state)
{
	char dir[64], logs[96], *s;
	const char *argv[] = { PYTHON, "-c", py_orphan, H_LIB, logs, NULL };
	struct h_opts o = { .untraced = true };
	struct h_proc py;
	struct h_buf got[2];
	(void)state;

	need(TSHARK);
	need(PYTHON);
	make_dirs(dir, logs);
	h_start(&py, &o, argv);
	assert_int_equal(h_wait(&py, 30000), 0);
	assert_string_equal(py.out.p, "HELLO FROM A TRACED CHILD\n");
	h_proc_free(&py);
	make_pcapng(dir);
	check_clean(dir);
	s = tshark(dir, "-Y 'tcp.flags.syn == 1 || tcp.flags.fin == 1 || tcp.flags.reset == 1'");
	assert_string_equal(s, "");
	free(s);
	follow(dir, 0, got);
	assert_same_bytes("the traced child's write", &got[0], "hello from a traced child", 25);
	assert_same_bytes("the untraced peer's answer", &got[1], "HELLO FROM A TRACED CHILD",
			  25);
	free(got[0].p);
	free(got[1].p);
	cleanup(dir);
}

/* With 4-byte snippets, data packets are cut after 4 payload bytes and
 * keep their real length. */
static void test_snippets(void **state)
{
	const char *sargv[] = { H_EXAMPLE("tcp_echo_server"), "-n", "1", NULL };
	const char *cargv[] = { H_EXAMPLE("tcp_echo_client"), "127.0.0.1", "PORT",
				"a message of 30 bytes, or so.", NULL };
	char dir[64], *s, *line;
	int data = 0;
	pid_t pids[2];
	(void)state;

	need(TSHARK);
	h_tmpdir(dir);
	echo_run(dir, "4", sargv, "listen", cargv, pids);
	make_pcapng(dir);
	s = tshark(dir, "-T fields -E 'separator=|' -e frame.cap_len -e frame.len -e tcp.len "
		   "-e ip.checksum.status");
	for (line = strtok(s, "\n"); line; line = strtok(NULL, "\n")) {
		int cap, len, tlen;
		char ipst[8];

		assert_int_equal(sscanf(line, "%d|%d|%d|%7s", &cap, &len, &tlen, ipst), 4);
		assert_string_equal(ipst, "1");
		if (tlen == 0) {
			assert_int_equal(cap, len);
			continue;
		}
		assert_int_equal(tlen, 29);
		assert_int_equal(len, 40 + 29);
		assert_int_equal(cap, 40 + 4);
		data++;
	}
	assert_int_equal(data, 2);	/* the message and its echo */
	free(s);
	cleanup(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_http_ipv4),
		cmocka_unit_test(test_http_ipv6),
		cmocka_unit_test(test_udp_echo),
		cmocka_unit_test(test_unix_stream),
		cmocka_unit_test(test_mid_stream),
		cmocka_unit_test(test_reset_refused),
		cmocka_unit_test(test_orphan),
		cmocka_unit_test(test_snippets),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
