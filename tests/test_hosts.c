/*
 * test_hosts.c: traces of two hosts merged.  The group setup makes two
 * network namespaces joined by a veth pair (10.250.19.1/30 and .2, inside
 * the namespaces only), and runs in each, in a UTS namespace of its own
 * with its own host name (hosta, hostb), a traced program under the
 * launcher: the TCP and UDP echo servers in hosta, their clients in hostb,
 * logs in separate folders.  Then:
 *
 *   - the merged model has both hosts, each with its processes, and pairs
 *     the TCP connections and the UDP datagrams across them; sockview
 *     --hosts names both, --conns --json (read with jq) gives each
 *     connection's client_host and server_host;
 *   - hostb's logs rewritten with every time 2.5 s later: the offset
 *     estimated from the traffic is within 1 ms of that, and after the
 *     correction no arrow goes back in time (without it, some do);
 *   - --pcapng of the two opened with tshark: an interface per host, real
 *     addresses at both ends, in corrected time each request before its
 *     echo (in raw time, not);
 *   - --otlp of the two checked against OTLP/JSON's rules, and
 *     --otlp-endpoint against a small OTLP/HTTP receiver
 *     (tests/otlp_check.py, which checks path, content type and bodies),
 *     with its errors: a non-2xx answer, refused, timed out, https.
 *
 * Runs as root (CI does); the namespaces are removed in the teardown.
 */
#include "harness.h"

#include <arpa/inet.h>
#include <math.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "model/model.h"
#include "read/trace.h"

#define SHIFT_NS 2500000000LL

struct fixture {
	char ns_a[32], ns_b[32];
	char dir_a[64], dir_b[64], dir_shift[64];
	bool made;
};

static struct fixture fx;

/* Runs a shell command line; fails the test unless it exits 0. */
static void sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	rc = system(cmd);
	if (rc != 0)
		fail_msg("command failed (%d): %s", rc, cmd);
}

/* Starts, untraced, `ip netns exec NS unshare --uts sh -c "hostname H &&
 * exec socktrace -o DIR PROG ARGS"`: the launcher traces PROG. */
static void start_in(struct h_proc *p, const char *ns, const char *host, const char *dir,
		     const char *prog)
{
	static const struct h_opts untraced = { .untraced = true };
	char inner[1024];
	const char *argv[] = { "/bin/sh", "-c", inner, NULL };

	snprintf(inner, sizeof(inner),
		 "exec ip netns exec %s unshare --uts sh -c 'hostname %s && exec %s/socktrace "
		 "-o %s %s'", ns, host, ST_BUILD_DIR, dir, prog);
	h_start(p, &untraced, argv);
}

/* start_in, then waits for a clean exit. */
static void run_in(const char *ns, const char *host, const char *dir, const char *prog)
{
	struct h_proc p;

	start_in(&p, ns, host, dir, prog);
	h_wait_ok(&p);
	h_proc_free(&p);
}

/* Deletes the namespaces (and with them the veth pair), once: from the
 * teardown, or at exit when a failing setup kept the teardown from
 * running. */
static void remove_namespaces(void)
{
	char cmd[256];

	if (!fx.made)
		return;
	fx.made = false;
	snprintf(cmd, sizeof(cmd), "ip netns del %s; ip netns del %s", fx.ns_a, fx.ns_b);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove the namespaces: %s\n", cmd);
}

static int setup(void **state)
{
	struct h_proc srv;
	char prog[512];
	int id = (int)getpid() % 100000;

	(void)state;
	snprintf(fx.ns_a, sizeof(fx.ns_a), "st-hosta-%d", id);
	snprintf(fx.ns_b, sizeof(fx.ns_b), "st-hostb-%d", id);
	h_tmpdir(fx.dir_a);
	h_tmpdir(fx.dir_b);
	h_tmpdir(fx.dir_shift);
	fx.made = true;
	atexit(remove_namespaces);
	sh("ip netns add %s; ip netns add %s", fx.ns_a, fx.ns_b);
	sh("ip link add sta%d netns %s type veth peer name stb%d netns %s", id, fx.ns_a, id,
	   fx.ns_b);
	sh("ip -n %s addr add 10.250.19.1/30 dev sta%d && ip -n %s link set sta%d up && "
	   "ip -n %s link set lo up", fx.ns_a, id, fx.ns_a, id, fx.ns_a);
	sh("ip -n %s addr add 10.250.19.2/30 dev stb%d && ip -n %s link set stb%d up && "
	   "ip -n %s link set lo up", fx.ns_b, id, fx.ns_b, id, fx.ns_b);

	/* TCP: two clients in a row. */
	snprintf(prog, sizeof(prog), "%s/examples/tcp_echo_server -a 10.250.19.1 -n 2 7019",
		 ST_BUILD_DIR);
	start_in(&srv, fx.ns_a, "hosta", fx.dir_a, prog);
	h_server_port(&srv, "listen");
	snprintf(prog, sizeof(prog), "%s/examples/tcp_echo_client 10.250.19.1 7019 hello world "
		 "again", ST_BUILD_DIR);
	run_in(fx.ns_b, "hostb", fx.dir_b, prog);
	snprintf(prog, sizeof(prog), "%s/examples/tcp_echo_client 10.250.19.1 7019 second",
		 ST_BUILD_DIR);
	run_in(fx.ns_b, "hostb", fx.dir_b, prog);
	h_wait_ok(&srv);
	h_proc_free(&srv);

	/* UDP: three datagrams and their echoes. */
	snprintf(prog, sizeof(prog), "%s/examples/udp_echo_server -a 10.250.19.1 -n 3 7020",
		 ST_BUILD_DIR);
	start_in(&srv, fx.ns_a, "hosta", fx.dir_a, prog);
	h_server_port(&srv, "bound");
	snprintf(prog, sizeof(prog), "%s/examples/udp_echo_client 10.250.19.1 7020 one two three",
		 ST_BUILD_DIR);
	run_in(fx.ns_b, "hostb", fx.dir_b, prog);
	h_wait_ok(&srv);
	h_proc_free(&srv);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	remove_namespaces();
	h_rmtree(fx.dir_a);
	h_rmtree(fx.dir_b);
	h_rmtree(fx.dir_shift);
	return 0;
}

struct world {
	struct st_trace tr;
	struct st_model m;
};

static void load(struct world *w, const char *a, const char *b, bool fix)
{
	st_trace_init(&w->tr);
	if (st_trace_add_path(&w->tr, a) < 0 || st_trace_add_path(&w->tr, b) < 0)
		fail_msg("%s", w->tr.error);
	assert_int_equal(st_trace_sort(&w->tr), 0);
	assert_int_equal(w->tr.skipped, 0);
	assert_int_equal(st_model_build_clocked(&w->m, &w->tr, fix), 0);
}

static void unload(struct world *w)
{
	st_model_free(&w->m);
	st_trace_free(&w->tr);
}

static const char *host_name(const struct world *w, uint32_t p)
{
	return st_trace_str(&w->tr, w->m.hosts[w->m.procs[p].host].name, NULL);
}

/* Connections of a protocol whose two sides were both traced, one on each
 * host: returns how many; fails on a one-sided one. */
static int count_paired(const struct world *w, uint8_t proto)
{
	uint32_t i;
	int n = 0;

	for (i = 0; i < w->m.nconns; i++) {
		const struct st_conn *k = &w->m.conns[i];

		if (k->proto != proto)
			continue;
		if (k->proc[0] == ST_NONE || k->proc[1] == ST_NONE)
			fail_msg("%s connection %u has one side only", st_proto_label(proto), k->id);
		assert_string_equal(host_name(w, k->proc[0]), "hostb");
		assert_string_equal(host_name(w, k->proc[1]), "hosta");
		n++;
	}
	return n;
}

/* A command's whole stdout. */
static char *output_of(const char *cmd)
{
	FILE *f = popen(cmd, "r");
	struct h_buf b = { NULL, 0, 0, -1 };
	char chunk[4096];
	size_t n;

	if (!f)
		fail_msg("popen %s: %s", cmd, strerror(errno));
	h_buf_append(&b, "", 0);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		h_buf_append(&b, chunk, n);
	if (pclose(f) != 0)
		fail_msg("%s failed; output:\n%s", cmd, b.p);
	return b.p;
}

static void test_merge(void **state)
{
	struct world w;
	uint32_t h, i;
	char cmd[512], *out;

	(void)state;
	load(&w, fx.dir_a, fx.dir_b, true);
	assert_int_equal(w.m.nhosts, 2);
	assert_string_equal(st_trace_str(&w.tr, w.m.hosts[0].name, NULL), "hosta");
	assert_string_equal(st_trace_str(&w.tr, w.m.hosts[1].name, NULL), "hostb");
	/* Same machine, two network namespaces. */
	assert_int_equal(w.m.hosts[0].boot_id, w.m.hosts[1].boot_id);
	assert_int_not_equal(w.m.hosts[0].netns, w.m.hosts[1].netns);
	assert_int_equal(w.m.hosts[0].nprocs, 2);	/* the two servers */
	assert_int_equal(w.m.hosts[1].nprocs, 3);	/* the three clients */
	for (i = 0; i < w.m.nprocs; i++) {
		h = w.m.procs[i].host;
		assert_string_equal(host_name(&w, i),
				    h == 0 ? "hosta" : "hostb");
	}
	assert_int_equal(count_paired(&w, ST_P_TCP), 2);
	assert_int_equal(count_paired(&w, ST_P_UDP), 1);
	/* One clock (one kernel): the estimate is about 0. */
	assert_int_equal(w.m.hosts[1].clock, ST_CLOCK_FIXED);
	if (w.m.hosts[1].offset > 1000000 || w.m.hosts[1].offset < -1000000)
		fail_msg("offset %lld ns on one machine", (long long)w.m.hosts[1].offset);
	unload(&w);

	snprintf(cmd, sizeof(cmd), "%s/sockview --hosts --ascii %s %s", ST_BUILD_DIR, fx.dir_a,
		 fx.dir_b);
	out = output_of(cmd);
	if (!strstr(out, "hosta  reference clock") || !strstr(out, "\nhostb  ") ||
	    !strstr(out, "tcp_echo_server") || !strstr(out, "tcp_echo_client") ||
	    !strstr(out, " +- "))
		fail_msg("--hosts:\n%s", out);
	free(out);
	/* Every connection names both hosts. */
	snprintf(cmd, sizeof(cmd), "%s/sockview --conns --json %s %s | jq -s -e "
		 "'length == 3 and all(.[]; .client_host == \"hostb\" and "
		 ".server_host == \"hosta\" and .client_pid != null and .server_pid != null)'",
		 ST_BUILD_DIR, fx.dir_a, fx.dir_b);
	free(output_of(cmd));
}

/* Copies every *.jsonl of src into dst with each line's "t" moved by
 * SHIFT_NS, found with the JSON reader (so a payload holding "t": is
 * left alone). */
static void shift_logs(const char *src, const char *dst)
{
	DIR *d = opendir(src);
	struct dirent *e;
	int files = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		char path[512];
		size_t len, at = 0;
		char *buf;
		FILE *out;

		if (!strstr(e->d_name, ".jsonl"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", src, e->d_name);
		buf = lt_read_file(path, &len);
		assert_non_null(buf);
		snprintf(path, sizeof(path), "%s/%s", dst, e->d_name);
		out = fopen(path, "w");
		assert_non_null(out);
		while (at < len) {
			char *nl = memchr(buf + at, '\n', len - at);
			size_t n = nl ? (size_t)(nl - (buf + at)) : len - at;
			struct st_json_iter it;
			struct st_json_value k, v;
			const char *tp = NULL;
			size_t tn = 0;
			int64_t t = 0;

			assert_int_equal(st_json_object_begin(&it, buf + at, n), 0);
			while (st_json_object_next(&it, &k, &v) > 0) {
				if (st_json_key_is(&k, "t")) {
					assert_int_equal(st_json_get_int(&v, &t), 0);
					tp = v.p;
					tn = v.n;
				}
			}
			assert_non_null(tp);
			fwrite(buf + at, 1, (size_t)(tp - (buf + at)), out);
			fprintf(out, "%lld", (long long)(t + SHIFT_NS));
			fwrite(tp + tn, 1, n - (size_t)(tp + tn - (buf + at)), out);
			fputc('\n', out);
			at += n + 1;
		}
		assert_int_equal(fclose(out), 0);
		free(buf);
		files++;
	}
	closedir(d);
	assert_int_equal(files, 3);
}

static uint32_t links_of(const struct world *w, uint8_t kind)
{
	uint32_t i, n = 0;

	for (i = 0; i < w->m.nlinks; i++)
		n += w->m.links[i].kind == kind;
	return n;
}

/* Every arrow of the model, from a send's start to a receive's end. */
static uint32_t arrows_back(const struct world *w)
{
	uint32_t i, n = 0;

	for (i = 0; i < w->m.nlinks; i++) {
		const struct st_vevent *s = &w->tr.ev[w->m.links[i].from];
		const struct st_vevent *r = &w->tr.ev[w->m.links[i].to];

		if (r->t + r->dur < s->t)
			n++;
	}
	return n;
}

static void test_shifted_clock(void **state)
{
	struct world w;
	int64_t worst, err;
	char cmd[512], *out, *at;

	(void)state;
	shift_logs(fx.dir_b, fx.dir_shift);

	/* Raw times: hostb's replies arrive before they were sent. */
	load(&w, fx.dir_a, fx.dir_shift, false);
	assert_int_equal(w.m.hosts[1].clock, ST_CLOCK_FIXED);
	assert_true(arrows_back(&w) > 0);
	assert_true(st_clock_backwards(&w.m, &worst) > 0);
	assert_true(worst > SHIFT_NS / 2);
	/* Every datagram paired all the same (three and their echoes),
	 * though each request seems to arrive before it was sent. */
	assert_int_equal(links_of(&w, ST_L_DGRAM), 6);
	unload(&w);

	load(&w, fx.dir_a, fx.dir_shift, true);
	assert_true(w.m.clock_fixed);
	assert_int_equal(w.m.hosts[1].clock, ST_CLOCK_FIXED);
	err = w.m.hosts[1].offset - SHIFT_NS;
	if (err > 1000000 || err < -1000000)
		fail_msg("estimated %lld ns, shifted by %lld ns", (long long)w.m.hosts[1].offset,
			 SHIFT_NS);
	/* The uncertainty brackets the truth (one kernel clock: exactly the
	 * shift). */
	assert_true(err <= w.m.hosts[1].spread && -err <= w.m.hosts[1].spread);
	assert_true(w.m.hosts[1].npairs >= 10);
	assert_int_equal(arrows_back(&w), 0);
	assert_int_equal(st_clock_backwards(&w.m, &worst), 0);
	assert_int_equal(count_paired(&w, ST_P_TCP), 2);
	assert_int_equal(count_paired(&w, ST_P_UDP), 1);
	assert_int_equal(links_of(&w, ST_L_DGRAM), 6);
	unload(&w);

	snprintf(cmd, sizeof(cmd), "%s/sockview --hosts --ascii %s %s", ST_BUILD_DIR, fx.dir_a,
		 fx.dir_shift);
	out = output_of(cmd);
	at = strstr(out, "\nhostb  ");
	if (!at || fabs(strtod(at + 8, NULL) - SHIFT_NS / 1e9) > 0.001 ||
	    !strstr(at, " s +- ") || !strstr(at, " pairs)"))
		fail_msg("--hosts:\n%s", out);
	free(out);
}

/* The capture of the two hosts (hostb's clock 2.5 s ahead) as tshark reads
 * it, one packet a line: interface|ip.src|ip.dst|tcp.stream|tcp.len|
 * udp.length|comment.  fix false: the raw times (--no-clock-fix). */
static char *capture(bool fix)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "%s/sockview --pcapng%s %s %s 2>/dev/null > %s/t.pcapng && "
		 "tshark -n -r %s/t.pcapng -T fields -E separator='|' -e frame.interface_name "
		 "-e ip.src -e ip.dst -e tcp.stream -e tcp.len -e udp.length -e frame.comment "
		 "2>/dev/null", ST_BUILD_DIR, fix ? "" : " --no-clock-fix", fx.dir_a,
		 fx.dir_shift, fx.dir_shift, fx.dir_shift);
	return output_of(cmd);
}

/* Checks every packet of a capture(): both addresses real and different
 * (10.250.19.2 is hostb's, .1 hosta's), the packet on the interface of the
 * host whose call made it.  Returns how many of the data flows (each TCP
 * stream, the UDP exchange) begin with the client's bytes; *flows gets
 * their number. */
static int requests_first(char *out, int *flows)
{
	char seen[8] = { 0 };	/* per TCP stream, then UDP (index 7) */
	char *line, *save = NULL;
	int first = 0, n = 0;

	*flows = 0;
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *p = line, *f[7];
		bool client, from_b;
		int k, at;

		for (k = 0; k < 7; k++)
			f[k] = strsep(&p, "|");
		if (!f[6])
			fail_msg("packet %d: '%s'", n + 1, line);
		n++;
		if ((strcmp(f[1], "10.250.19.1") != 0 && strcmp(f[1], "10.250.19.2") != 0) ||
		    (strcmp(f[2], "10.250.19.1") != 0 && strcmp(f[2], "10.250.19.2") != 0) ||
		    strcmp(f[1], f[2]) == 0)
			fail_msg("packet %d goes from %s to %s: %s", n, f[1], f[2], f[6]);
		client = strstr(f[6], "_echo_client ") != NULL;
		if (strcmp(f[0], client ? "sockview hostb" : "sockview hosta") != 0)
			fail_msg("packet %d on interface '%s': %s", n, f[0], f[6]);
		if (atoi(f[4]) <= 0 && atoi(f[5]) <= 8)
			continue;	/* no data */
		at = f[3][0] ? atoi(f[3]) : 7;
		assert_true(at >= 0 && at < 8);
		if (seen[at])
			continue;
		seen[at] = 1;
		(*flows)++;
		from_b = strcmp(f[1], "10.250.19.2") == 0;
		first += from_b;
	}
	assert_true(n > 0);
	return first;
}

/* --pcapng of the two hosts, hostb's clock 2.5 s ahead: one interface per
 * host, every packet on its host's, real addresses at both ends (the UDP
 * client's unbound socket logs 0.0.0.0:port as its own address; the server
 * saw it as 10.250.19.2), checksums good, nothing flagged by tshark, and in
 * corrected time each request before its echo, which the raw times get the
 * wrong way round. */
static void test_pcapng(void **state)
{
	char cmd[1024], *out;
	int flows;

	(void)state;
	out = capture(true);
	assert_int_equal(requests_first(out, &flows), 3);
	assert_int_equal(flows, 3);	/* two TCP connections, one UDP exchange */
	free(out);
	snprintf(cmd, sizeof(cmd), "tshark -n -r %s/t.pcapng -o ip.check_checksum:TRUE "
		 "-o tcp.check_checksum:TRUE -o udp.check_checksum:TRUE -Y 'tcp.analysis.flags "
		 "|| _ws.malformed || _ws.expert.severity >= 0x00600000 || ip.checksum.status "
		 "!= 1 || tcp.checksum.status != 1 || udp.checksum.status != 1' 2>/dev/null",
		 fx.dir_shift);
	out = output_of(cmd);
	if (out[0])
		fail_msg("tshark flags packets:\n%s", out);
	free(out);

	out = capture(false);
	assert_true(requests_first(out, &flows) < flows);
	free(out);
	snprintf(cmd, sizeof(cmd), "%s/t.pcapng", fx.dir_shift);
	unlink(cmd);
}

#define CHECKER ST_SRC_DIR "/tests/otlp_check.py"

/* A command's exit status, its stderr in err (cap bytes). */
static int run_err(const char *cmd, char *err, size_t cap)
{
	char full[2048], path[96];
	FILE *f;
	size_t n;
	int rc;

	snprintf(path, sizeof(path), "%s/stderr", fx.dir_shift);
	snprintf(full, sizeof(full), "%s 2>%s", cmd, path);
	rc = system(full);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(err, 1, cap - 1, f);
	err[n] = '\0';
	fclose(f);
	unlink(path);
	return WIFEXITED(rc) ? WEXITSTATUS(rc) : 128;
}

/* --otlp of the two hosts (hostb's clock 2.5 s ahead, corrected), checked
 * against OTLP/JSON's rules by tests/otlp_check.py: ids, times, kinds,
 * attributes, parents and links that point at spans of the file, traces
 * shared by both hosts, no link back in time. */
static void test_otlp_file(void **state)
{
	char cmd[1024], *out;

	(void)state;
	snprintf(cmd, sizeof(cmd), "%s/sockview --otlp %s %s > %s/spans.json && python3 %s check "
		 "%s/spans.json --hosts hosta,hostb", ST_BUILD_DIR, fx.dir_a, fx.dir_shift,
		 fx.dir_shift, CHECKER, fx.dir_shift);
	out = output_of(cmd);
	if (!strstr(out, "ok: 1 requests"))
		fail_msg("%s", out);
	free(out);
	/* Uncorrected, the links go back in time: the checker sees it. */
	snprintf(cmd, sizeof(cmd), "%s/sockview --otlp --no-clock-fix %s %s 2>/dev/null > "
		 "%s/raw.json && python3 %s check %s/raw.json --hosts hosta,hostb > /dev/null "
		 "2>&1", ST_BUILD_DIR, fx.dir_a, fx.dir_shift, fx.dir_shift, CHECKER,
		 fx.dir_shift);
	assert_int_not_equal(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "%s/raw.json", fx.dir_shift);
	unlink(cmd);
}

/* A socketpair's two ends are unnamed AF_UNIX sockets: their spans carry
 * the connection but no address, and still pass the checker. */
static void test_otlp_socketpair(void **state)
{
	char dir[] = "/tmp/st_otlp_pair.XXXXXX", cmd[1024], *out;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(cmd, sizeof(cmd), "SOCKTRACE_DIR=%s LD_PRELOAD=%s/libtrace.so "
		 "%s/examples/socketpair_demo > /dev/null && %s/sockview --otlp %s > %s/spans.json "
		 "&& python3 %s check %s/spans.json && grep -c '\"socktrace.conn\"' %s/spans.json",
		 dir, ST_BUILD_DIR, ST_BUILD_DIR, ST_BUILD_DIR, dir, dir, CHECKER, dir, dir);
	out = output_of(cmd);
	if (!strstr(out, "ok: 1 requests"))
		fail_msg("%s", out);
	free(out);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

/* The spans in a request (each has one "kind"). */
static int kinds(const char *s)
{
	int n = 0;

	while ((s = strstr(s, "\"kind\":")) != NULL) {
		n++;
		s++;
	}
	return n;
}

static int lines(const char *s)
{
	int n = 0;

	while ((s = strchr(s, '\n')) != NULL) {
		n++;
		s++;
	}
	return n;
}

/* --otlp-endpoint against a small OTLP/HTTP receiver (otlp_check.py serve)
 * that checks the path, the content type and each body: batches of 10
 * spans, which together are exactly the --otlp file. */
static void test_otlp_endpoint(void **state)
{
	static const struct h_opts untraced = { .untraced = true };
	char store[64], cmd[1024], err[2048], *file, *got;
	const char *argv[] = { "/usr/bin/python3", CHECKER, "serve", store, NULL };
	struct h_proc rx;
	int port, rc, n = 0;
	struct dirent **names;
	size_t len;

	(void)state;
	h_tmpdir(store);
	h_start(&rx, &untraced, argv);
	port = h_server_port(&rx, "listen");
	snprintf(cmd, sizeof(cmd), "%s/sockview --otlp-endpoint http://127.0.0.1:%d/ "
		 "--otlp-batch 10 %s %s", ST_BUILD_DIR, port, fx.dir_a, fx.dir_shift);
	rc = run_err(cmd, err, sizeof(err));
	kill(rx.pid, SIGTERM);
	h_wait(&rx, 10000);
	if (rc != 0)
		fail_msg("%s: %d\n%s\nreceiver: %s", cmd, rc, err, rx.err.p);
	h_proc_free(&rx);
	/* The requests, in order, are the lines of --otlp --otlp-batch 10. */
	snprintf(cmd, sizeof(cmd), "%s/sockview --otlp --otlp-batch 10 %s %s", ST_BUILD_DIR,
		 fx.dir_a, fx.dir_shift);
	file = output_of(cmd);
	n = scandir(store, &names, NULL, alphasort);
	assert_true(n > 2);
	{
		struct h_buf all = { NULL, 0, 0, -1 };
		int i, reqs = 0;

		h_buf_append(&all, "", 0);
		for (i = 0; i < n; i++) {
			char path[600];

			if (strncmp(names[i]->d_name, "req-", 4) == 0) {
				snprintf(path, sizeof(path), "%s/%s", store, names[i]->d_name);
				got = lt_read_file(path, &len);
				assert_non_null(got);
				got[len] = '\0';
				assert_true(kinds(got) <= 10);
				h_buf_append(&all, got, len);
				free(got);
				reqs++;
			}
			free(names[i]);
		}
		free(names);
		/* One request a line, each of at most 10 spans. */
		assert_true(reqs >= 3);
		assert_int_equal(reqs, lines(file));
		assert_string_equal(all.p, file);
		free(all.p);
	}
	free(file);
	h_rmtree(store);
}

/* What --otlp-endpoint says when it cannot deliver: a non-2xx answer (its
 * status and the first line of its body), a refused connection, a server
 * that never answers (the timeout), an https URL. */
static void test_otlp_errors(void **state)
{
	static const struct h_opts untraced = { .untraced = true };
	char store[64], cmd[1024], err[2048];
	const char *argv[] = { "/usr/bin/python3", CHECKER, "serve", store, "--fail", NULL };
	struct h_proc rx;
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	int port, rc, fd;

	(void)state;
	h_tmpdir(store);
	h_start(&rx, &untraced, argv);
	port = h_server_port(&rx, "listen");
	snprintf(cmd, sizeof(cmd), "%s/sockview --otlp-endpoint http://127.0.0.1:%d %s %s",
		 ST_BUILD_DIR, port, fx.dir_a, fx.dir_b);
	rc = run_err(cmd, err, sizeof(err));
	kill(rx.pid, SIGTERM);
	h_wait(&rx, 10000);
	h_proc_free(&rx);
	h_rmtree(store);
	assert_int_equal(rc, 1);
	if (!strstr(err, "503") || !strstr(err, "collector overloaded: retry later") ||
	    strstr(err, "second line") || strchr(err, '\n') != err + strlen(err) - 1)
		fail_msg("503: %s", err);

	/* A port nobody listens on: bound, then closed. */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	close(fd);
	snprintf(cmd, sizeof(cmd), "%s/sockview --otlp-endpoint http://127.0.0.1:%d %s",
		 ST_BUILD_DIR, ntohs(sa.sin_port), fx.dir_a);
	assert_int_equal(run_err(cmd, err, sizeof(err)), 1);
	if (!strstr(err, "connection refused"))
		fail_msg("refused: %s", err);

	/* Listening, never accepting nor answering. */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	sa.sin_port = 0;
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 8), 0);
	sl = sizeof(sa);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	snprintf(cmd, sizeof(cmd), "%s/sockview --otlp-endpoint http://127.0.0.1:%d "
		 "--otlp-timeout 0.3 %s", ST_BUILD_DIR, ntohs(sa.sin_port), fx.dir_a);
	assert_int_equal(run_err(cmd, err, sizeof(err)), 1);
	close(fd);
	if (!strstr(err, "timed out waiting for the answer"))
		fail_msg("timeout: %s", err);

	snprintf(cmd, sizeof(cmd), "%s/sockview --otlp-endpoint https://127.0.0.1:4318 %s",
		 ST_BUILD_DIR, fx.dir_a);
	assert_int_equal(run_err(cmd, err, sizeof(err)), 1);
	if (!strstr(err, "https is not supported"))
		fail_msg("https: %s", err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_shifted_clock),
		cmocka_unit_test(test_pcapng),
		cmocka_unit_test(test_otlp_file),
		cmocka_unit_test(test_otlp_socketpair),
		cmocka_unit_test(test_otlp_endpoint),
		cmocka_unit_test(test_otlp_errors),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
