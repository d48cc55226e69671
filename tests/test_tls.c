/*
 * test_tls.c: TLS plaintext (SOCKTRACE_TLS=1) with both ends traced, on
 * real programs over loopback: nginx (its http_ssl_module) serving curl
 * -k, with a self-signed certificate made by `openssl req` in the test's
 * private temp folder.
 *
 * What is checked, in every output a user opens:
 * - the logs: curl's SSL_write of each request and nginx's SSL_read of the
 *   same bytes, on the connection's two sockets;
 * - the model's plaintext arrows: every plaintext byte written is linked
 *   to the read that returned it exactly once (the sum of the OTLP links'
 *   socktrace.bytes, read with jq, against the SSL_write records), and the
 *   HTTP reader reads them (the request lines and the statuses with their
 *   body sizes), in the terminal timeline, the SVG, the HTML page's links,
 *   Perfetto's flows (jq), Mermaid and PlantUML (plantuml -checkonly);
 * - the wire is unchanged: the encrypted arrows keep their TLS labels, one
 *   per record: a record read as its header then its body is named on the
 *   first arrow, the second says "cont. N B" (no arrow shows raw bytes).
 *
 * And GnuTLS: gnutls-cli (Debian's gnutls-bin) against the same nginx,
 * its gnutls_record_send and gnutls_record_recv records tied to nginx's
 * SSL_read and SSL_write of the same bytes.  The connection table names
 * what the plaintext speaks: tls/http, "inner":"http".
 */
#include "harness.h"

#define NGINX "/usr/sbin/nginx"
#define CURL "/usr/bin/curl"
#define OPENSSL "/usr/bin/openssl"
#define JQ "/usr/bin/jq"
#define PLANTUML "/usr/bin/plantuml"
#define PYTHON "/usr/bin/python3"
#define ENV "/usr/bin/env"
#define SH "/bin/sh"
#define GNUTLS_CLI "/usr/bin/gnutls-cli"
#define SOCKVIEW ST_BUILD_DIR "/sockview"

static void need(const char *path)
{
	if (access(path, X_OK) != 0)
		fail_msg("%s is not installed (.ci/deps installs it)", path);
}

/* sockview's output with up to three options (NULL for none) for logdir. */
static char *view(const char *logdir, const char *a, const char *b, const char *c)
{
	const char *argv[6] = { SOCKVIEW };
	int n = 1;

	if (a)
		argv[n++] = a;
	if (b)
		argv[n++] = b;
	if (c)
		argv[n++] = c;
	argv[n++] = logdir;
	argv[n] = NULL;
	return h_output_of(argv);
}

/* jq -n FILTER FILE: its output. */
static char *jq(const char *filter, const char *path)
{
	const char *argv[] = { JQ, "-n", "-r", filter, path, NULL };

	return h_output_of(argv);
}

static int count_of(const char *text, const char *s)
{
	int n = 0;

	for (const char *p = text; (p = strstr(p, s)) != NULL; p += strlen(s))
		n++;
	return n;
}

/* How many lines of text hold a, and b and c when they are not NULL. */
static int lines_with(const char *text, const char *a, const char *b, const char *c)
{
	int n = 0;

	for (const char *line = text, *end; *line; line = *end ? end + 1 : end) {
		size_t len = strcspn(line, "\n");

		end = line + len;
		n += memmem(line, len, a, strlen(a)) && (!b || memmem(line, len, b, strlen(b))) &&
		     (!c || memmem(line, len, c, strlen(c)));
	}
	return n;
}

/* A self-signed certificate and its key in dir (cert.pem, key.pem). */
static void make_cert(const char *dir, char *cert, char *key, size_t cap)
{
	snprintf(cert, cap, "%s/cert.pem", dir);
	snprintf(key, cap, "%s/key.pem", dir);
	{
		const char *argv[] = { OPENSSL, "req", "-x509", "-newkey", "ec", "-pkeyopt",
				       "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key,
				       "-out", cert, "-days", "2", "-subj", "/CN=api.example.test",
				       NULL };

		free(h_output_of(argv));
	}
}

struct tls_run {
	char work[64], logdir[128], cert[128], key[128], conf[160];
	int port;
	int64_t written;	/* plaintext bytes of every SSL_write, both ends */
};

/* The same, also saved in t's work folder under name (its path in path). */
static char *view_saved(const struct tls_run *t, const char *opt, const char *name,
			char *path, size_t cap)
{
	char *text = view(t->logdir, opt, NULL, NULL);

	snprintf(path, cap, "%s/%s", t->work, name);
	h_write_file(path, text, strlen(text));
	return text;
}

/* A site for nginx with TLS on a free port (t->port) serving a.txt
 * (3000 B) and b.txt (300 B), in a fresh work folder. */
static void site(struct tls_run *t)
{
	char www[128], path[192], text[2048];
	char *body = malloc(3000);

	need(NGINX);
	need(OPENSSL);
	h_tmpdir(t->work);
	chmod(t->work, 0755);
	snprintf(t->logdir, sizeof t->logdir, "%s/log", t->work);
	mkdir(t->logdir, 0755);
	make_cert(t->work, t->cert, t->key, sizeof t->cert);
	snprintf(www, sizeof www, "%s/www", t->work);
	mkdir(www, 0755);
	for (int i = 0; i < 3000; i++)
		body[i] = (char)('a' + i % 26);
	snprintf(path, sizeof path, "%s/a.txt", www);
	h_write_file(path, body, 3000);
	snprintf(path, sizeof path, "%s/b.txt", www);
	h_write_file(path, body, 300);
	free(body);
	t->port = h_free_port(SOCK_STREAM);
	snprintf(text, sizeof text, "ssl_certificate %s; ssl_certificate_key %s; ", t->cert,
		 t->key);
	h_nginx_conf(t->work, t->port, www, " ssl", text, t->conf, sizeof t->conf);
}

/* nginx serving the site while each client (NULL-ended argvs) runs to its
 * end with the extra environment env, both under the library; the last
 * client's stdout (malloc'd). */
static char *serve(struct tls_run *t, const char *const env[],
		   const char *const *const *clients)
{
	const char *sargv[] = { NGINX, "-p", t->work, "-c", t->conf, "-e", "stderr", NULL };
	struct h_opts o = { .logdir = t->logdir };
	struct h_proc srv, cli;
	char *out = NULL;

	for (int i = 0; env && env[i] && i < 7; i++)
		o.env[i] = env[i];
	h_start(&srv, &o, sargv);
	h_wait_ready(&srv, "tcp", t->port, NULL);
	for (int c = 0; clients[c]; c++) {
		need(clients[c][0]);
		h_start(&cli, &o, clients[c]);
		h_wait_ok(&cli);
		free(out);
		out = strdup(cli.out.p ? cli.out.p : "");
		h_proc_free(&cli);
	}
	kill(srv.pid, SIGQUIT);
	if (h_wait(&srv, 20000) != 0)
		fail_msg("nginx did not stop: %s", srv.err.p);
	h_proc_free(&srv);
	return out;
}

static const char *const with_tls[] = { "SOCKTRACE_TLS=1", NULL };

/* curl -k fetching both files on one connection, with SOCKTRACE_TLS=1. */
static void run_nginx_curl(struct tls_run *t)
{
	char url[2][96];
	const char *const cargv[] = { CURL, "-s", "-S", "-k", "--http1.1", "-o", "/dev/null",
				      "-o", "/dev/null", url[0], url[1], NULL };
	const char *const *const clients[] = { cargv, NULL };

	site(t);
	for (int i = 0; i < 2; i++)
		snprintf(url[i], sizeof url[i], "https://127.0.0.1:%d/%s.txt", t->port,
			 i ? "b" : "a");
	free(serve(t, with_tls, clients));
}

/* The logs: curl's SSL_write of each request line and nginx's SSL_read of
 * it; the plaintext written in all, in t->written. */
static void check_logs(struct tls_run *t)
{
	struct h_log log;
	int wrote = 0, read = 0;

	h_log_load(&log, t->logdir);
	t->written = 0;
	for (size_t i = 0; i < log.n; i++) {
		const struct h_rec *x = &log.r[i];
		bool get = x->has_data && x->data_len >= 4 && memcmp(x->data, "GET ", 4) == 0;

		if (x->header || x->ret <= 0)
			continue;
		if (strcmp(x->call, "SSL_write") == 0 || strcmp(x->call, "SSL_write_ex") == 0) {
			t->written += x->ret;
			wrote += get;
		}
		if (strcmp(x->call, "SSL_read") == 0 || strcmp(x->call, "SSL_read_ex") == 0)
			read += get;
	}
	h_log_free(&log);
	if (wrote != 2 || read != 2)
		fail_msg("%d SSL_write and %d SSL_read records of a GET, not 2 and 2 (logs in %s)",
			 wrote, read, t->logdir);
}

static const char *const labels[] = {
	"plaintext GET /a.txt HTTP/1.1", "plaintext GET /b.txt HTTP/1.1",
	"plaintext 200 OK (3000 B)", "plaintext 200 OK (300 B)", NULL,
};

/* Each label in text, as many times as each is drawn (per), or at least
 * once (per -1). */
static void want_labels(const char *what, const char *text, int per, const char *logdir)
{
	for (int i = 0; labels[i]; i++)
		if (per < 0 ? count_of(text, labels[i]) == 0 : count_of(text, labels[i]) != per)
			fail_msg("%s: \"%s\" %d times, not %d (logs in %s):\n%.4000s", what,
				 labels[i], count_of(text, labels[i]), per, logdir, text);
}

static void test_nginx_curl_plaintext(void **state)
{
	struct tls_run t;
	char path[192], want[64];
	char *text, *out;
	(void)state;

	run_nginx_curl(&t);
	check_logs(&t);

	/* curl's SSL object is on its own BIO: its socket is the one curl
	 * wrote while OpenSSL had the call; nginx's comes from SSL_get_fd. */
	text = view(t.logdir, "--jsonl", NULL, NULL);
	if (lines_with(text, "\"call\":\"SSL_write\"", "GET /", "\"fd_by\":\"io\"") != 2 ||
	    lines_with(text, "\"call\":\"SSL_write\"", "HTTP/1.1 200", NULL) != 2 ||
	    lines_with(text, "\"call\":\"SSL_write\"", "HTTP/1.1 200", "\"fd_by\"") != 0)
		fail_msg("how the SSL_write records name their sockets (logs in %s)", t.logdir);
	free(text);

	/* Every plaintext byte on one arrow, the arrows read as HTTP. */
	free(view_saved(&t, "--otlp", "otlp.json", path, sizeof path));
	out = jq("[inputs | .resourceSpans[].scopeSpans[].spans[].links[]? | .attributes"
		 " | select(any(.[]; .key == \"socktrace.link\" and"
		 " .value.stringValue == \"tls_plaintext\"))"
		 " | .[] | select(.key == \"socktrace.bytes\") | .value.intValue | tonumber]"
		 " | add", path);
	snprintf(want, sizeof want, "%lld\n", (long long)t.written);
	if (strcmp(out, want) != 0)
		fail_msg("the plaintext links carry %s bytes, the SSL_writes wrote %s", out, want);
	free(out);

	text = view(t.logdir, "--width", "200", NULL);
	want_labels("timeline", text, 1, t.logdir);
	if (!strstr(text, "ClientHello") || !strstr(text, "ServerHello TLS 1.") ||
	    !strstr(text, "application data"))
		fail_msg("the encrypted arrows lost their labels:\n%.4000s", text);
	/* curl's OpenSSL reads each record's 5-byte header, then its body:
	 * the header's arrow names the record, the body's says it is the
	 * rest; no arrow of the run shows raw (encrypted) bytes. */
	if (!strstr(text, " cont. "))
		fail_msg("no arrow says it continues a record:\n%.4000s", text);
	for (const char *line = text, *end; *line; line = *end ? end + 1 : end) {
		size_t n = strcspn(line, "\n");
		/* An arrow's row has its head, ◀ or ▶. */
		bool arrow = memmem(line, n, "\xe2\x97\x80", 3) || memmem(line, n, "\xe2\x96\xb6", 3);

		end = line + n;
		if (arrow && memmem(line, n, " B \"", 4))
			fail_msg("an arrow with raw bytes: %.*s", (int)n, line);
	}
	free(text);

	/* The SVG: in the arrow's title, its label tag's (and its text when
	 * short enough). */
	text = view(t.logdir, "--svg", NULL, NULL);
	want_labels("svg", text, -1, t.logdir);
	if (!strstr(text, "TLS plaintext (SSL_write to SSL_read)") ||
	    !strstr(text, "marker-end=\"url(#plain)\""))
		fail_msg("the SVG has no plaintext arrow style or legend");
	free(text);

	/* The HTML page's links: kind "plain", and their labels. */
	text = view(t.logdir, "--html", NULL, NULL);
	want_labels("html", text, 1, t.logdir);
	if (!strstr(text, "\"plain\""))
		fail_msg("the HTML links have no kind \"plain\"");
	free(text);

	/* Perfetto: one flow (its start and its end) per arrow. */
	free(view_saved(&t, "--perfetto", "perfetto.json", path, sizeof path));
	out = jq("[input | .traceEvents[] | select(.cat == \"link\" and"
		 " (.name | startswith(\"plaintext GET /\") or test(\"^plaintext 200 OK\")))"
		 " | .ph] | group_by(.) | map(\"\\(.[0])=\\(length)\") | join(\" \")", path);
	if (strcmp(out, "f=4 s=4\n") != 0)
		fail_msg("perfetto's plaintext flows: %s", out);
	free(out);

	/* The diagrams: one arrow each, and PlantUML accepts the text. */
	text = view(t.logdir, "--mermaid", "--exchanges", "1000");
	want_labels("mermaid", text, 1, t.logdir);
	free(text);
	text = view(t.logdir, "--plantuml", "--exchanges", "1000");
	want_labels("plantuml", text, 1, t.logdir);
	snprintf(path, sizeof path, "%s/seq.puml", t.work);
	h_write_file(path, text, strlen(text));
	free(text);
	{
		const char *argv[] = { PLANTUML, "-checkonly", path, NULL };

		need(PLANTUML);
		free(h_output_of(argv));
	}
	h_rm_tree(t.work);
}

/* A client on Python's ssl with memory BIOs (as asyncio's): the SSL
 * object has no fd, Python moves the records on the socket itself, and
 * _ssl's libssl comes in privately (RTLD_LOCAL, a dlopened module). */
static const char mem_bio_py[] =
	"import socket, ssl, sys\n"
	"ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)\n"
	"ctx.check_hostname = False\n"
	"ctx.verify_mode = ssl.CERT_NONE\n"
	"inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()\n"
	"tls = ctx.wrap_bio(inc, out, server_hostname='api.example.test')\n"
	"s = socket.create_connection(('127.0.0.1', int(sys.argv[1])))\n"
	"def more():\n"
	"    data = s.recv(65536)\n"
	"    inc.write(data)\n"
	"    return data\n"
	"while True:\n"
	"    try:\n"
	"        tls.do_handshake()\n"
	"        break\n"
	"    except ssl.SSLWantReadError:\n"
	"        s.sendall(out.read())\n"
	"        more()\n"
	"s.sendall(out.read())\n"
	"tls.write(b'GET /b.txt HTTP/1.1\\r\\nHost: a\\r\\nConnection: close\\r\\n\\r\\n')\n"
	"s.sendall(out.read())\n"
	"body = b''\n"
	"while True:\n"
	"    try:\n"
	"        got = tls.read(65536)\n"
	"    except ssl.SSLWantReadError:\n"
	"        if not more():\n"
	"            break\n"
	"        continue\n"
	"    if not got:\n"
	"        break\n"
	"    body += got\n"
	"assert body.startswith(b'HTTP/1.1 200 OK'), body[:40]\n"
	"print('@ fd %d' % s.fileno())\n";

/* Python's memory-BIO client, traced without --tls (the program runs as
 * untraced: libssl found where _ssl loaded it) and with it: its
 * SSL_write_ex and SSL_read_ex records name the socket by the thread's
 * last data call ("fd_by":"last") and are linked to nginx's SSL calls. */
static void test_python_memory_bio(void **state)
{
	struct tls_run t;
	char port_s[16], want[64];
	const char *off[] = { ENV, "-u", "SOCKTRACE_TLS", PYTHON, "-c", mem_bio_py, port_s, NULL };
	const char *on[] = { PYTHON, "-c", mem_bio_py, port_s, NULL };
	const char *const *const clients[] = { off, on, NULL };
	char *out, *text;
	int fd = -1, named, guessed;
	(void)state;

	site(&t);
	snprintf(port_s, sizeof port_s, "%d", t.port);
	out = serve(&t, with_tls, clients);
	if (sscanf(out, "@ fd %d", &fd) != 1)
		fail_msg("python said %s", out);
	free(out);
	text = view(t.logdir, "--jsonl", NULL, NULL);
	snprintf(want, sizeof want, "\"fd\":%d,", fd);
	named = lines_with(text, "\"call\":\"SSL_write_ex\"", NULL, NULL) +
		lines_with(text, "\"call\":\"SSL_read_ex\"", NULL, NULL);
	guessed = lines_with(text, "\"call\":\"SSL_write_ex\"", "\"fd_by\":\"last\"", want) +
		  lines_with(text, "\"call\":\"SSL_read_ex\"", "\"fd_by\":\"last\"", want);
	free(text);
	if (named < 2 || guessed != named)
		fail_msg("%d of python's %d SSL_*_ex records name fd %d by its last data call (logs "
			 "in %s)", guessed, named, fd, t.logdir);
	text = view(t.logdir, "--width", "200", NULL);
	if (count_of(text, "plaintext GET /b.txt HTTP/1.1") != 1 ||
	    count_of(text, "plaintext 200 OK (300 B)") != 1)
		fail_msg("python's plaintext arrows:\n%.6000s", text);
	free(text);
	h_rm_tree(t.work);
}

/* gnutls-cli sending one request read from its stdin, with and without
 * SOCKTRACE_TLS: its plaintext records only with it, on the socket
 * gnutls_transport_get_int names (no fd_by), read by nginx's SSL_read, and
 * the plaintext arrows both ways. */
static void test_gnutls_cli_plaintext(void **state)
{
	struct tls_run t;
	char cmd[512];
	const char *cli[] = { SH, "-c", cmd, NULL };
	const char *off[] = { ENV, "-u", "SOCKTRACE_TLS", SH, "-c", cmd, NULL };
	const char *const *const clients[] = { off, cli, NULL };
	char *text;
	int sent, got, read;
	(void)state;

	need(GNUTLS_CLI);
	site(&t);
	snprintf(cmd, sizeof cmd,
		 "printf 'GET /b.txt HTTP/1.1\\r\\nHost: a\\r\\nConnection: close\\r\\n\\r\\n' | "
		 GNUTLS_CLI " --insecure --port %d 127.0.0.1", t.port);
	free(serve(&t, with_tls, clients));
	text = view(t.logdir, "--jsonl", NULL, NULL);
	sent = lines_with(text, "\"call\":\"gnutls_record_send\"", "GET /b.txt HTTP/1.1", NULL);
	got = lines_with(text, "\"call\":\"gnutls_record_recv\"", "HTTP/1.1 200 OK", NULL);
	read = lines_with(text, "\"call\":\"SSL_read\"", "GET /b.txt HTTP/1.1", NULL);
	if (sent != 1 || got != 1 || read != 2 ||
	    lines_with(text, "\"call\":\"gnutls_record_", "\"fd_by\"", NULL) != 0)
		fail_msg("%d gnutls_record_send of the GET, %d gnutls_record_recv of the status, "
			 "%d SSL_read of the GET (not 1, 1 and 2), or a GnuTLS record without its "
			 "session's fd (logs in %s)", sent, got, read, t.logdir);
	free(text);
	text = view(t.logdir, "--width", "200", NULL);
	if (count_of(text, "plaintext GET /b.txt HTTP/1.1") != 1 ||
	    count_of(text, "plaintext 200 OK (300 B)") != 1)
		fail_msg("gnutls-cli's plaintext arrows (logs in %s):\n%.6000s", t.logdir, text);
	free(text);
	/* Both connections: nginx logged its plaintext on each. */
	text = view(t.logdir, "--conns", NULL, NULL);
	if (lines_with(text, " tls/http ", "gnutls-cli", NULL) != 2)
		fail_msg("the connection table does not say tls/http twice:\n%s", text);
	free(text);
	text = view(t.logdir, "--conns", "--json", NULL);
	if (lines_with(text, "\"app\":\"tls\"", "\"inner\":\"http\"", "gnutls-cli") != 2)
		fail_msg("--conns --json does not say \"inner\":\"http\" twice:\n%s", text);
	free(text);
	h_rm_tree(t.work);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nginx_curl_plaintext),
		cmocka_unit_test(test_python_memory_bio),
		cmocka_unit_test(test_gnutls_cli_plaintext),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
