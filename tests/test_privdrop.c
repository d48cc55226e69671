/*
 * test_privdrop.c: processes that drop their privileges are traced whole,
 * into a log folder no one else can write (issue 15):
 *
 *   bare      LD_PRELOAD with SOCKTRACE_DIR a root-owned 0755 folder:
 *             fork-then-drop and drop-then-close-every-fd traced whole;
 *             drop-then-fork: the child cannot be (nothing but the
 *             launcher can make its file), and stderr says so in one line
 *             that names the way out
 *   launcher  socktrace -o DIR (0700): all three traced whole, the
 *             drop-then-fork child through the launcher's log maker
 *   nginx     master + 2 workers as nobody under the launcher, 3
 *             concurrent curls (traced too): every request's accept4, read
 *             and writev/sendfile in the workers' logs, bytes equal to
 *             nginx's access log, every connection paired by
 *             sockview --conns
 *
 * Every log is ours (the user who ran the trace), mode 0600; no folder is
 * writable by others.  The programs drop to nobody, so the tests run as
 * root (as CI does).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pwd.h>

#include "harness.h"

#define DROPPER ST_BUILD_DIR "/tests/progs/dropper"
#define LAUNCHER ST_BUILD_DIR "/socktrace"
#define SOCKVIEW ST_BUILD_DIR "/sockview"
#define NGINX "/usr/sbin/nginx"
#define CURL "/usr/bin/curl"

static char g_uid[16], g_gid[16];

/* A fresh folder with this mode, ours. */
static void make_dir(char *buf, mode_t mode)
{
	h_tmpdir(buf);
	assert_int_equal(chmod(buf, mode), 0);
}

static size_t count_calls(const struct h_log *log, int64_t pid, const char *call)
{
	size_t i, n = 0;

	for (i = 0; i < log->n; i++)
		if (!log->r[i].header && log->r[i].pid == pid && strcmp(log->r[i].call, call) == 0)
			n++;
	return n;
}

/* Every file in dir ours and 0600, dir itself not writable by others. */
static void check_private(const char *dir)
{
	struct dirent *e;
	struct stat sb;
	char path[512];
	DIR *d;

	assert_int_equal(stat(dir, &sb), 0);
	if (sb.st_mode & 0022)
		fail_msg("%s is writable by others (mode %o)", dir, (unsigned)(sb.st_mode & 0777));
	d = opendir(dir);
	assert_non_null(d);
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		assert_int_equal(lstat(path, &sb), 0);
		if (!S_ISREG(sb.st_mode) || sb.st_uid != geteuid() || (sb.st_mode & 0777) != 0600)
			fail_msg("%s: uid %d mode %o, not ours and 0600", path, (int)sb.st_uid,
				 (unsigned)(sb.st_mode & 07777));
	}
	closedir(d);
}

/*
 * Every process of the run exited: sockview says of none that its log ends
 * early.  Bare, the child that dropped to nobody cannot remove its ring from
 * the root-owned folder, and a left ring is also what a killed process
 * leaves; the CLOCK frame the library writes before exit tells them apart.
 * A log on the realtime clock has no such frame (a limit, docs/design.md):
 * there the ring still reads as "killed (or still runs)".
 */
static void whole_logs(const char *dir)
{
	const char *jargs[] = { "--jsonl", dir, NULL }, *cargs[] = { "--conns", dir, NULL };
	struct h_proc v;
	bool tsc;

	assert_int_equal(h_view(&v, jargs), 0);
	tsc = strstr(v.out.p, "\"clock\":\"tsc\"") != NULL &&
	      strstr(v.out.p, "\"clock\":\"realtime\"") == NULL;
	h_proc_free(&v);
	assert_int_equal(h_view(&v, cargs), 0);
	if (tsc && v.err.p[0])
		fail_msg("sockview --conns %s, every process exited:\n%s", dir, v.err.p);
	if (!tsc && v.err.p[0] && !strstr(v.err.p, "killed (or still runs)"))
		fail_msg("sockview --conns %s:\n%s", dir, v.err.p);
	h_proc_free(&v);
}

/* The pid of the "@ talker pid=N" line. */
static int64_t talker(const char *out)
{
	const char *t = strstr(out, "@ talker pid=");

	if (!t)
		fail_msg("no talker line in:\n%s", out);
	return atoll(t + 13);
}

/* dropper MODE under the library (bare: SOCKTRACE_DIR a root-owned 0755
 * folder) or the launcher (-o a 0700 folder); returns its log and output. */
static void run_dropper(const char *mode, bool launcher, struct h_log *log, struct h_proc *p,
			char *dir)
{
	struct h_opts o = { 0 };

	make_dir(dir, launcher ? 0700 : 0755);
	if (launcher) {
		const char *argv[] = { LAUNCHER, "-o", dir, "-q", "--no-view", "--", DROPPER, mode,
				       g_uid, g_gid, NULL };

		o.untraced = true;
		h_start(p, &o, argv);
	} else {
		const char *argv[] = { DROPPER, mode, g_uid, g_gid, NULL };

		o.logdir = dir;
		h_start(p, &o, argv);
	}
	h_wait_ok(p);
	assert_non_null(strstr(p->out.p, "@ done\n"));
	check_private(dir);
	h_log_load(log, dir);
	assert_int_equal(log->malformed, 0);
}

static void fork_drop(bool launcher)
{
	struct h_log log;
	struct h_proc p;
	char dir[64];
	int64_t child;

	run_dropper("fork-drop", launcher, &log, &p, dir);
	{
	assert_string_equal(p.err.p, "");
	const struct h_rec *h;
	int64_t parent;

	child = talker(p.out.p);
	h = h_header_of(&log, child);
	assert_non_null(h);
	assert_true(h->has_fork_of);
	parent = h->fork_of;
	assert_non_null(h_header_of(&log, parent));
	assert_int_equal(count_calls(&log, parent, "recv"), 10);
	assert_int_equal(count_calls(&log, child, "recv"), 200);
	assert_int_equal(count_calls(&log, child, "send"), 200);
	}
	whole_logs(dir);
	h_log_free(&log);
	h_proc_free(&p);
	h_rmtree(dir);
}

static void test_fork_drop_bare(void **state)
{
	(void)state;
	fork_drop(false);
}

static void test_fork_drop_launcher(void **state)
{
	(void)state;
	fork_drop(true);
}

static void test_drop_close_bare(void **state)
{
	struct h_log log;
	struct h_proc p;
	char dir[64];

	(void)state;
	run_dropper("drop-close", false, &log, &p, dir);
	assert_string_equal(p.err.p, "");
	assert_int_equal(talker(p.out.p), p.pid);
	assert_int_equal(count_calls(&log, p.pid, "recv"), 210);
	whole_logs(dir);
	h_log_free(&log);
	h_proc_free(&p);
	h_rmtree(dir);
}

static void test_drop_close_launcher(void **state)
{
	struct h_log log;
	struct h_proc p;
	char dir[64];

	(void)state;
	run_dropper("drop-close", true, &log, &p, dir);
	assert_string_equal(p.err.p, "");
	assert_int_equal(count_calls(&log, p.pid, "recv"), 0);	/* p is the launcher */
	{
		int64_t t = talker(p.out.p);

		assert_int_equal(count_calls(&log, t, "recv"), 210);
	}
	h_log_free(&log);
	h_proc_free(&p);
	h_rmtree(dir);
}

/* The pids of every "@ talker pid=N" line, at most max. */
static int talkers(const char *out, int64_t *pids, int max)
{
	int n = 0;

	for (const char *t = out; n < max && (t = strstr(t, "@ talker pid=")); t += 13)
		pids[n++] = atoll(t + 13);
	return n;
}

/* Bare, the children of a process that dropped cannot have logs: one line
 * on stderr for all three says so and what to do; the parent is traced. */
static void test_drop_fork_bare(void **state)
{
	struct h_log log;
	struct h_proc p;
	char dir[64];
	int64_t kids[3];
	const char *nl;
	int i;

	(void)state;
	run_dropper("drop-fork", false, &log, &p, dir);
	assert_int_equal(talkers(p.out.p, kids, 3), 3);
	nl = strchr(p.err.p, '\n');
	if (!nl || nl[1] != '\0' || !strstr(p.err.p, "Permission denied") ||
	    !strstr(p.err.p, "socktrace -o DIR -- COMMAND"))
		fail_msg("stderr is not one line that says what to do:\n%s", p.err.p);
	assert_int_equal(count_calls(&log, p.pid, "recv"), 10);
	for (i = 0; i < 3; i++)
		assert_null(h_header_of(&log, kids[i]));
	h_log_free(&log);
	h_proc_free(&p);
	h_rmtree(dir);
}

/* Under the launcher they are: the launcher makes their files. */
static void test_drop_fork_launcher(void **state)
{
	struct h_log log;
	struct h_proc p;
	char dir[64];
	int64_t kids[3];
	int i;

	(void)state;
	run_dropper("drop-fork", true, &log, &p, dir);
	assert_string_equal(p.err.p, "");
	assert_int_equal(talkers(p.out.p, kids, 3), 3);
	for (i = 0; i < 3; i++) {
		assert_non_null(h_header_of(&log, kids[i]));
		assert_int_equal(count_calls(&log, kids[i], "recv"), 200);
		assert_int_equal(count_calls(&log, kids[i], "send"), 200);
	}
	h_log_free(&log);
	h_proc_free(&p);
	h_rmtree(dir);
}

/* ---- capability drops through prctl() and capset() ---- */

/* dropper capdrop: root drops every capability (bounding set, securebits,
 * ambient set through prctl; then capset), keeping uid 0; talks, forks a
 * talker, execs a talker.  Its log is made before the drop and serves it
 * after.  Bare, the folder is nobody's, 0700: root reaches it only through
 * CAP_DAC_OVERRIDE, so the fork child and the exec'd image, which have
 * none, cannot make logs there: one line for the whole tree says so and
 * what to do.  Under the launcher all three images are traced. */
static void capdrop(bool launcher)
{
	struct h_opts o = { 0 };
	struct h_log log;
	struct h_proc p;
	int64_t t[3];
	char dir[64];

	h_tmpdir(dir);
	if (launcher) {
		const char *argv[] = { LAUNCHER, "-o", dir, "-q", "--no-view", "--", DROPPER,
				       "capdrop", g_uid, g_gid, NULL };

		assert_int_equal(chmod(dir, 0700), 0);
		o.untraced = true;
		h_start(&p, &o, argv);
	} else {
		const char *argv[] = { DROPPER, "capdrop", g_uid, g_gid, NULL };

		assert_int_equal(chown(dir, (uid_t)atoi(g_uid), (gid_t)atoi(g_gid)), 0);
		assert_int_equal(chmod(dir, 0700), 0);
		o.logdir = dir;
		h_start(&p, &o, argv);
	}
	h_wait_ok(&p);
	assert_non_null(strstr(p.out.p, "@ done\n"));
	/* The drop was real: the exec'd image has no capability left. */
	assert_non_null(strstr(p.out.p, "@ caps eff=0000000000000000\n"));
	assert_int_equal(talkers(p.out.p, t, 3), 3);
	assert_int_equal(t[0], t[2]);	/* the first image and the exec'd one */
	check_private(dir);
	h_log_load(&log, dir);
	assert_int_equal(log.malformed, 0);
	if (launcher) {
		assert_string_equal(p.err.p, "");
		assert_int_equal(count_calls(&log, t[0], "recv"), 10 + 200 + 200);
		assert_int_equal(count_calls(&log, t[1], "recv"), 200);
	} else {
		const char *nl = strchr(p.err.p, '\n');

		if (!nl || nl[1] != '\0' || !strstr(p.err.p, "Permission denied") ||
		    !strstr(p.err.p, "socktrace -o DIR -- COMMAND"))
			fail_msg("stderr is not one line that says what to do:\n%s", p.err.p);
		/* The first image whole, before and after its drop. */
		assert_int_equal(count_calls(&log, t[0], "recv"), 10 + 200);
		assert_null(h_header_of(&log, t[1]));
	}
	h_log_free(&log);
	h_proc_free(&p);
	h_rmtree(dir);
}

static void test_capdrop_bare(void **state)
{
	(void)state;
	capdrop(false);
}

static void test_capdrop_launcher(void **state)
{
	(void)state;
	capdrop(true);
}

/* ---- nginx under the launcher ---- */

static int free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM, 0), port;

	assert_true(s >= 0);
	assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&a, &al), 0);
	port = ntohs(a.sin_port);
	close(s);
	return port;
}

static bool port_open(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool ok = connect(s, (struct sockaddr *)&a, sizeof(a)) == 0;

	close(s);
	return ok;
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static char *read_text(const char *path)
{
	size_t n;
	char *s = lt_read_file(path, &n);

	if (!s)
		fail_msg("cannot read %s: %s", path, strerror(errno));
	s[n] = '\0';
	return s;
}

/* Bytes of the calls whose name is one of calls, in a process other than
 * not_pid, on the socket whose peer is peer. */
static int64_t bytes_to(const struct h_log *log, int64_t not_pid, const char *peer,
			const char *const calls[])
{
	int64_t sum = 0;
	size_t i, k;

	for (i = 0; i < log->n; i++) {
		const struct h_rec *r = &log->r[i];

		if (r->header || r->pid == not_pid || !r->has_bytes || r->bytes <= 0 ||
		    strcmp(r->peer, peer) != 0)
			continue;
		for (k = 0; calls[k]; k++)
			if (strcmp(r->call, calls[k]) == 0)
				sum += r->bytes;
	}
	return sum;
}

static void test_nginx_launcher(void **state)
{
	static const char *const reads[] = { "read", "recv", "recvfrom", "readv", NULL };
	static const char *const writes[] = { "writev", "write", "send", "sendfile",
					       "sendfile64", NULL };
	char work[64], dir[160], conf[160], www[160], pidf[160], acc[160], errl[160];
	char text[2048], curls[1024], big[256], *pid_text, *acc_text, *conns, *s;
	struct h_opts o = { .untraced = true };
	struct h_proc srv, cl, view;
	struct h_log log;
	int port, i, lines = 0, workers = 0;
	int64_t master;

	(void)state;
	if (access(NGINX, X_OK) != 0 || access(CURL, X_OK) != 0)
		fail_msg("needs %s and %s (.ci/deps)", NGINX, CURL);
	make_dir(work, 0755);	/* the workers (nobody) read www */
	snprintf(dir, sizeof(dir), "%s/trace", work);
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(www, sizeof(www), "%s/www", work);
	assert_int_equal(mkdir(www, 0755), 0);
	snprintf(big, sizeof(big), "%s/big.txt", www);
	{
		char *b = malloc(60001);

		assert_non_null(b);
		for (i = 0; i < 60000; i++)
			b[i] = (char)('a' + i % 26);
		b[60000] = '\0';
		write_text(big, b);
		free(b);
	}
	snprintf(conf, sizeof(conf), "%s/nginx.conf", work);
	snprintf(pidf, sizeof(pidf), "%s/nginx.pid", work);
	snprintf(acc, sizeof(acc), "%s/access.log", work);
	snprintf(errl, sizeof(errl), "%s/error.log", work);
	port = free_port();
	snprintf(text, sizeof(text),
		 "daemon off;\nmaster_process on;\nworker_processes 2;\n"
		 "user nobody nogroup;\npid %s;\nerror_log %s info;\n"
		 "events { worker_connections 64; }\n"
		 "http {\n"
		 "  log_format st '$remote_addr:$remote_port $status $request_length $bytes_sent';\n"
		 "  access_log %s st;\n"
		 "  client_body_temp_path %s/body;\n  proxy_temp_path %s/proxy;\n"
		 "  fastcgi_temp_path %s/fcgi;\n  uwsgi_temp_path %s/uwsgi;\n"
		 "  scgi_temp_path %s/scgi;\n  sendfile on;\n"
		 "  server { listen 127.0.0.1:%d; root %s; }\n}\n",
		 pidf, errl, acc, work, work, work, work, work, port, www);
	write_text(conf, text);
	{
		const char *argv[] = { LAUNCHER, "-o", dir, "-q", "--no-view", "--", NGINX, "-p", work,
				       "-c", conf, "-e", errl, NULL };

		h_start(&srv, &o, argv);
	}
	for (int64_t end = h_now_ms() + 10000; !port_open(port); usleep(20000))
		if (h_now_ms() > end)
			fail_msg("nginx did not listen on %d; stderr:\n%s", port, srv.err.p);
	/* Three concurrent curls, traced by a second launcher into the same
	 * folder, so both ends of each connection are in the trace. */
	snprintf(curls, sizeof(curls),
		 "for i in 1 2 3; do %s -s -o /dev/null http://127.0.0.1:%d/big.txt & done; wait",
		 CURL, port);
	{
		const char *argv[] = { LAUNCHER, "-o", dir, "-q", "--no-view", "--", "/bin/sh", "-c",
				       curls, NULL };

		h_start(&cl, &o, argv);
		h_wait_ok(&cl);
	}
	pid_text = read_text(pidf);
	master = atoll(pid_text);
	free(pid_text);
	kill((pid_t)master, SIGQUIT);
	assert_int_equal(h_wait(&srv, 20000), 0);
	/* Nothing said about processes not traced. */
	if (strstr(srv.err.p, "socktrace") || strstr(cl.err.p, "socktrace"))
		fail_msg("the launchers said:\n%s%s", srv.err.p, cl.err.p);
	check_private(dir);
	h_log_load(&log, dir);
	assert_int_equal(log.malformed, 0);
	for (size_t k = 0; k < log.n; k++)
		workers += log.r[k].header && log.r[k].has_fork_of && log.r[k].fork_of == master;
	assert_int_equal(workers, 2);
	/* Each request of the access log, against the workers' logs. */
	acc_text = read_text(acc);
	for (s = acc_text; *s; s = strchr(s, '\n') ? strchr(s, '\n') + 1 : s + strlen(s)) {
		char remote[64];
		long req_len, sent;
		int status;
		const struct h_rec *a = NULL;

		if (sscanf(s, "%63s %d %ld %ld", remote, &status, &req_len, &sent) != 4)
			continue;
		lines++;
		for (size_t k = 0; k < log.n; k++)
			if (strcmp(log.r[k].call, "accept4") == 0 &&
			    strcmp(log.r[k].peer, remote) == 0)
				a = &log.r[k];
		if (!a || a->pid == master || a->pid == srv.pid)
			fail_msg("no accept4 of %s in a worker's log", remote);
		if (bytes_to(&log, master, remote, reads) != req_len ||
		    bytes_to(&log, master, remote, writes) != sent)
			fail_msg("%s: nginx says %ld bytes in, %ld out; the workers' logs %lld, %lld",
				 remote, req_len, sent, (long long)bytes_to(&log, master, remote, reads),
				 (long long)bytes_to(&log, master, remote, writes));
	}
	assert_int_equal(lines, 3);
	/* Every request's connection paired: both ends' processes known. */
	{
		const char *argv[] = { SOCKVIEW, "--conns", dir, NULL };

		h_start(&view, &o, argv);
		h_wait_ok(&view);
	}
	conns = view.out.p;
	for (s = acc_text; *s; s = strchr(s, '\n') ? strchr(s, '\n') + 1 : s + strlen(s)) {
		char remote[64], id[16], proto[32], app[32], cpid[16], *line;

		if (sscanf(s, "%62s", remote) != 1)
			continue;
		strcat(remote, " ");
		line = strstr(conns, remote);
		while (line && line > conns && line[-1] != '\n')
			line--;
		if (!line || sscanf(line, "%15s %31s %31s %15s", id, proto, app, cpid) != 4 ||
		    strcmp(proto, "tcp") != 0 || strcmp(cpid, "-") == 0)
			fail_msg("the connection of %s is not paired:\n%s", remote, conns);
	}
	free(acc_text);
	h_proc_free(&view);
	h_proc_free(&cl);
	h_proc_free(&srv);
	h_log_free(&log);
	h_rmtree(dir);
	h_rmtree(www);
	unlink(conf);
	unlink(pidf);
	unlink(acc);
	unlink(errl);
	rmdir(work);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fork_drop_bare),
		cmocka_unit_test(test_fork_drop_launcher),
		cmocka_unit_test(test_drop_close_bare),
		cmocka_unit_test(test_drop_close_launcher),
		cmocka_unit_test(test_drop_fork_bare),
		cmocka_unit_test(test_drop_fork_launcher),
		cmocka_unit_test(test_capdrop_bare),
		cmocka_unit_test(test_capdrop_launcher),
		cmocka_unit_test(test_nginx_launcher),
	};
	struct passwd *nobody = getpwnam("nobody");

	if (geteuid() != 0 || !nobody) {
		fprintf(stderr, "test_privdrop: needs root and a user nobody (CI runs as root)\n");
		return 1;
	}
	snprintf(g_uid, sizeof(g_uid), "%d", (int)nobody->pw_uid);
	snprintf(g_gid, sizeof(g_gid), "%d", (int)nobody->pw_gid);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
