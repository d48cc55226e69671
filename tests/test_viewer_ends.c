/*
 * test_viewer_ends.c: how sockview shows the end of each process's log
 * (issue 14.5 and the QA pass), on real programs run under the library
 * here, and on a stop line as the library writes it when the disk is full:
 *
 * - a log that ends early is marked in the picture, not only on stderr: a
 *   row `-- log of pid N ends early: WHY --` at the end of its lane in the
 *   terminal timeline, the same words in the SVG and in the HTML page, and
 *   in --conns a connection it held is not `open` but `log ends`, with
 *   `client_log_ends_early` / `server_log_ends_early` in --conns --json
 *   (the page is read back as headless Chromium leaves it);
 * - a process whose log is whole but that exited without closing its
 *   sockets: END is `exit`, not `open`, the timeline has no mark, and the
 *   capture (--pcapng, read with tshark) has its FIN at the exit.
 */
#include "harness.h"

#define SOCKVIEW ST_BUILD_DIR "/sockview"
#define PROG(name) ST_BUILD_DIR "/tests/progs/" name
#define PYTHON "/usr/bin/python3"
#define CHROMIUM_FLAGS "--headless --no-sandbox --disable-gpu --disable-quic " \
	"--no-first-run --disable-background-networking --disable-component-update " \
	"--disable-sync"

/* sockview's stdout with up to four arguments; fails unless it exits 0. */
static char *view_out(const char *a, const char *b, const char *c, const char *d)
{
	const char *argv[] = { SOCKVIEW, a, b, c, d, NULL };

	return h_output_of(argv);
}

static void want(const char *text, const char *s, const char *what)
{
	if (!strstr(text, s))
		fail_msg("%s: no \"%s\" in:\n%s", what, s, text);
}

static void want_not(const char *text, const char *s, const char *what)
{
	if (strstr(text, s))
		fail_msg("%s: \"%s\" should not be in:\n%s", what, s, text);
}

/* The END column of --conns row id (its words after the byte counts). */
static void conn_end(const char *table, int id, char *end, size_t cap)
{
	const char *line = table;
	char idtxt[16];
	int k;

	snprintf(idtxt, sizeof(idtxt), "%d ", id);
	while (line && strncmp(line, idtxt, strlen(idtxt)) != 0)
		line = (line = strchr(line, '\n')) ? line + 1 : NULL;
	if (!line)
		fail_msg("no row %d in:\n%s", id, table);
	/* ID PROTO APP CPID CCOMM CLIENT SPID SCOMM SERVER START DUR C>S S>C END */
	for (k = 0; k < 13; k++) {
		line += strcspn(line, " \n");
		line += strspn(line, " ");
	}
	snprintf(end, cap, "%.*s", (int)strcspn(line, "\n"), line);
}

/* killme: a socketpair, 300 rounds on it, then SIGKILL.  Its ring is left
 * behind, so its log ends early: killed (or, for all the viewer can tell,
 * still running).  The connection is not `open`: its end is not known. */
static void test_killed(void **state)
{
	char dir[64], line[256], mark[160], end[64], pidtxt[16];
	const char *kargv[] = { PROG("killme"), "-n", "300", NULL };
	struct h_opts o = { .logdir = dir };
	struct h_proc p;
	char *out;

	(void)state;
	h_tmpdir(dir);
	h_start(&p, &o, kargv);
	if (!h_wait_line(&p, "@ ready", 30000, line, sizeof(line)))
		fail_msg("killme did not get ready: %s", p.err.p);
	kill(p.pid, SIGKILL);
	h_wait(&p, 30000);
	snprintf(pidtxt, sizeof(pidtxt), "%d", (int)p.pid);
	snprintf(mark, sizeof(mark), "log of pid %d ends early: killed, or still running",
		 (int)p.pid);
	h_proc_free(&p);

	out = view_out("--ascii", "--width=140", dir, NULL);
	{
		char row[200];

		snprintf(row, sizeof(row), "-- %s --\n", mark);
		want(out, row, "timeline");
		/* the mark is the last row: nothing of that lane follows */
		if (strlen(strstr(out, row)) != strlen(row))
			fail_msg("the mark is not the timeline's last row:\n%s", out);
	}
	free(out);
	out = view_out("--conns", dir, NULL, NULL);
	conn_end(out, 1, end, sizeof(end));
	assert_string_equal(end, "log ends");
	free(out);
	out = view_out("--conns", "--json", dir, NULL);
	want(out, "\"end\":\"log ends\"", "--conns --json");
	want(out, "\"client_log_ends_early\":\"killed, or still running\"", "--conns --json");
	want(out, "\"server_log_ends_early\":\"killed, or still running\"", "--conns --json");
	free(out);
	out = view_out("--svg", dir, NULL, NULL);
	want(out, mark, "--svg");
	free(out);
	out = view_out("--html", dir, NULL, NULL);
	want(out, "\"ends\":\"log of pid ", "--html");
	want(out, mark + strlen("log of pid ") + strlen(pidtxt), "--html");
	want(out, "\"end\":\"log ends\"", "--html");
	{
		/* The page as headless Chromium leaves it after its script ran:
		 * the line under the connections. */
		char html[128], dom[128], cmd[1024], wanted[400];
		FILE *f;

		snprintf(html, sizeof(html), "%s/page.html", dir);
		snprintf(dom, sizeof(dom), "%s/page.dom", dir);
		assert_non_null(f = fopen(html, "w"));
		assert_int_equal(fwrite(out, 1, strlen(out), f), strlen(out));
		fclose(f);
		free(out);
		snprintf(cmd, sizeof(cmd), "d=$(mktemp -d) && chromium " CHROMIUM_FLAGS
			 " --user-data-dir=\"$d\" --dump-dom 'file://%s' > '%s' 2>/dev/null; "
			 "rc=$?; rm -rf \"$d\"; exit $rc", html, dom);
		assert_int_equal(system(cmd), 0);
		assert_non_null(f = fopen(dom, "r"));
		out = calloc(1, 1 << 20);
		assert_non_null(out);
		assert_true(fread(out, 1, (1 << 20) - 1, f) > 0);
		fclose(f);
		snprintf(wanted, sizeof(wanted), "<p class=\"ends\">killme %s: %s; what it did after "
			 "is not shown.</p>", pidtxt, mark);
		want(out, "data-ready=\"1\"", "the page in Chromium");
		want(out, wanted, "the page in Chromium");
		unlink(html);
		unlink(dom);
	}
	free(out);
	h_rmtree(dir);
}

/* The stop line the library writes when the disk fills (docs/log-format.md,
 * the first record after it never written): the mark says why. */
static void test_stopped(void **state)
{
	static const char log[] =
		"{\"socktrace\":1,\"type\":\"header\",\"pid\":301,\"ppid\":1,\"t\":1000,"
		"\"exe\":\"/bin/full\",\"argv\":[\"full\"],\"execd\":false,\"payload\":64}\n"
		"{\"call\":\"socketpair\",\"pid\":301,\"tid\":301,\"t\":2000,\"dur\":5,\"fd\":3,"
		"\"fd2\":4,\"ret\":0,\"proto\":\"unix-stream\"}\n"
		"{\"call\":\"send\",\"pid\":301,\"tid\":301,\"t\":3000,\"dur\":5,\"fd\":3,"
		"\"ret\":2,\"proto\":\"unix-stream\",\"bytes\":2,\"data\":\"hi\"}\n"
		"{\"type\":\"stop\",\"pid\":301,\"why\":\"write\",\"errno\":\"ENOSPC\"}\n";
	char dir[64], path[128], end[64];
	FILE *f;
	char *out;

	(void)state;
	h_tmpdir(dir);
	snprintf(path, sizeof(path), "%s/301.jsonl", dir);
	assert_non_null(f = fopen(path, "w"));
	assert_int_equal(fwrite(log, 1, sizeof(log) - 1, f), sizeof(log) - 1);
	fclose(f);
	out = view_out("--ascii", dir, NULL, NULL);
	want(out, "-- log of pid 301 ends early: tracing stopped (disk full) --", "timeline");
	free(out);
	out = view_out("--conns", dir, NULL, NULL);
	conn_end(out, 1, end, sizeof(end));
	assert_string_equal(end, "log ends");
	free(out);
	out = view_out("--svg", dir, NULL, NULL);
	want(out, ">log of pid 301 ends early: tracing stopped (disk full)</text>", "--svg");
	free(out);
	h_rmtree(dir);
}

/* duphigh exits with its socketpair open; its log is whole (no ring left,
 * no stop line): the exit closed it.  END `exit`, no mark. */
static void test_exit_socketpair(void **state)
{
	char dir[64], end[64];
	const char *argv[] = { PROG("duphigh"), NULL };
	struct h_opts o = { .logdir = dir };
	struct h_proc p;
	char *out;

	(void)state;
	h_tmpdir(dir);
	h_start(&p, &o, argv);
	h_wait_ok(&p);
	h_proc_free(&p);
	out = view_out("--conns", dir, NULL, NULL);
	conn_end(out, 1, end, sizeof(end));
	assert_string_equal(end, "exit");
	free(out);
	out = view_out("--conns", "--json", dir, NULL);
	want(out, "\"end\":\"exit\"", "--conns --json");
	want_not(out, "_log_ends_early", "--conns --json");
	free(out);
	out = view_out("--ascii", dir, NULL, NULL);
	want_not(out, "ends early", "timeline");
	free(out);
	h_rmtree(dir);
}

/* TCP over loopback between two processes: the server reads to EOF and
 * closes; the client sends and leaves with os._exit, its socket never
 * closed.  Was `open`; the client's exit closed it: `exit`, and the
 * connection lasts until the client's last call. */
static const char py_server[] =
	"import socket\n"
	"s = socket.socket()\n"
	"s.bind(('127.0.0.1', 0))\n"
	"s.listen(1)\n"
	"print('@ listen', s.getsockname()[1], flush=True)\n"
	"c, _ = s.accept()\n"
	"while c.recv(100):\n"
	"    pass\n"
	"c.close()\n"
	"s.close()\n";
static const char py_client[] =
	"import os, socket, sys\n"
	"c = socket.create_connection(('127.0.0.1', int(sys.argv[1])))\n"
	"c.sendall(b'bye')\n"
	"os._exit(0)\n";

static void test_exit_tcp(void **state)
{
	char dir[64], line[128], port[16], end[64];
	const char *sargv[] = { PYTHON, "-c", py_server, NULL };
	const char *cargv[] = { PYTHON, "-c", py_client, port, NULL };
	struct h_opts o = { .logdir = dir };
	struct h_proc s, c;
	char *out;

	(void)state;
	if (access(PYTHON, X_OK) != 0)
		fail_msg("%s is needed (.ci/deps installs it)", PYTHON);
	h_tmpdir(dir);
	h_start(&s, &o, sargv);
	if (!h_wait_line(&s, "@ listen ", 30000, line, sizeof(line)))
		fail_msg("the server did not listen: %s", s.err.p);
	snprintf(port, sizeof(port), "%d", atoi(line + 9));
	h_start(&c, &o, cargv);
	h_wait_ok(&c);
	h_wait_ok(&s);
	h_proc_free(&c);
	h_proc_free(&s);
	out = view_out("--conns", "--port", port, dir);
	conn_end(out, 1, end, sizeof(end));
	assert_string_equal(end, "exit");
	free(out);
	{
		/* In the capture (opened with tshark, checksums checked): the
		 * client's FIN at its exit, then the server's at its close, and
		 * nothing tshark finds wrong. */
		char cmd[1024], fins[128] = "", want[64];
		const char *ts = "/usr/bin/tshark -n -o ip.check_checksum:TRUE "
				 "-o tcp.check_checksum:TRUE";
		size_t k;
		FILE *f;

		snprintf(cmd, sizeof(cmd), "%s --pcapng --port %s '%s' > '%s/t.pcapng' && "
			 "%s -r '%s/t.pcapng' -Y 'tcp.flags.fin == 1' -T fields -e tcp.srcport "
			 "2>/dev/null | tr '\\n' ' ' && %s -r '%s/t.pcapng' -Y 'tcp.analysis.flags "
			 "|| _ws.malformed || _ws.expert.severity >= 0x00600000' 2>/dev/null",
			 SOCKVIEW, port, dir, dir, ts, dir, ts, dir);
		assert_non_null(f = popen(cmd, "r"));
		k = fread(fins, 1, sizeof(fins) - 1, f);
		fins[k] = '\0';
		assert_int_equal(pclose(f), 0);
		snprintf(want, sizeof(want), " %s ", port);
		if (strlen(fins) < strlen(want) + 1 || fins[0] == ' ' ||
		    strcmp(fins + strlen(fins) - strlen(want), want) != 0 ||
		    strchr(fins, ' ') != fins + strlen(fins) - strlen(want) ||
		    strncmp(fins, want + 1, strlen(want) - 1) == 0)
			fail_msg("FINs (source ports, then what tshark flags): \"%s\", want the "
				 "client's port, then %s", fins, port);
	}
	h_rmtree(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_killed),
		cmocka_unit_test(test_stopped),
		cmocka_unit_test(test_exit_socketpair),
		cmocka_unit_test(test_exit_tcp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
