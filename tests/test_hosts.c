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
 *     correction no arrow goes back in time (without it, some do).
 *
 * Runs as root (CI does); the namespaces are removed in the teardown.
 */
#include "harness.h"

#include <math.h>

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
	sh("ip netns add %s && ip netns add %s", fx.ns_a, fx.ns_b);
	fx.made = true;
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
	if (fx.made) {
		char cmd[256];

		/* Deleting a namespace deletes its end of the veth pair, and
		 * with it the other end. */
		snprintf(cmd, sizeof(cmd), "ip netns del %s; ip netns del %s", fx.ns_a, fx.ns_b);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove the namespaces: %s\n", cmd);
	}
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_shifted_clock),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
