/*
 * test_viewer_live.c: sockview on logs of real programs run under the
 * library here: the arrow within one lane names the call it comes from
 * (duphigh), a log that ends early is told per process (killme), every
 * record as JSON Lines (--jsonl, read back with jq), and the live view
 * (--follow) while the program still runs.
 */
#include "harness.h"

#include <ctype.h>

#define SOCKVIEW ST_BUILD_DIR "/sockview"
#define PROG(name) ST_BUILD_DIR "/tests/progs/" name

/* The line of text holding want (a copy, or fails). */
static void line_with(const char *text, const char *want, char *line, size_t cap)
{
	const char *p = strstr(text, want), *b, *e;

	if (!p)
		fail_msg("no \"%s\" in:\n%s", want, text);
	for (b = p; b > text && b[-1] != '\n'; b--)
		;
	e = strchr(p, '\n');
	if (!e)
		e = p + strlen(p);
	snprintf(line, cap, "%.*s", (int)(e - b), b);
}

/* duphigh: the arrow into recv(B) = 1 "t" is drawn in the program's own
 * lane right under write(1000) = 1 "Z"; it must name send(A), where the
 * byte came from, and the arrow of "Z" must name write(1000). */
static void test_dup_high_arrow(void **state)
{
	char dir[64], line[512], want[64];
	const char *argv[] = { PROG("duphigh"), NULL };
	const char *args[] = { "--ascii", "--width=120", dir, NULL };
	struct h_opts o = { .logdir = dir };
	struct h_proc p, v;
	int a, b;

	(void)state;
	h_tmpdir(dir);
	h_start(&p, &o, argv);
	h_wait_ok(&p);
	assert_non_null(strstr(p.out.p, "@ got tZu"));
	assert_int_equal(sscanf(strstr(p.out.p, "@ pair "), "@ pair %d %d", &a, &b), 2);
	assert_int_equal(h_view(&v, args), 0);
	snprintf(want, sizeof(want), "recv(%d) = 1 \"t\"", b);
	if (!strstr(v.out.p, want))
		fail_msg("no %s in:\n%s\n%s", want, v.out.p, v.err.p);
	/* the arrow rows are the lines just above each receive */
	snprintf(want, sizeof(want), "from send(%d)", a);
	line_with(v.out.p, "+> 1 B \"t\"", line, sizeof(line));
	if (!strstr(line, want))
		fail_msg("the arrow of \"t\" does not name send(%d): %s\n%s", a, line, v.out.p);
	line_with(v.out.p, "+> 1 B \"Z\"", line, sizeof(line));
	if (!strstr(line, "from write(1000)"))
		fail_msg("the arrow of \"Z\" does not name write(1000): %s\n%s", line, v.out.p);
	line_with(v.out.p, "+> 1 B \"u\"", line, sizeof(line));
	if (strstr(line, " from "))
		fail_msg("the arrow of \"u\" comes from the row above, named: %s", line);
	h_proc_free(&v);
	h_proc_free(&p);
	h_rmtree(dir);
}

/* ---- --jsonl ---- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The non-empty lines of text (modified in place), sorted; their count. */
static size_t sorted_lines(char *text, char ***out)
{
	size_t n = 0, cap = 64;
	char **v = malloc(cap * sizeof(*v)), *p, *nl;

	assert_non_null(v);
	for (p = text; *p; p = nl + 1) {
		nl = strchr(p, '\n');
		if (!nl)
			nl = p + strlen(p) - 1;
		if (nl > p) {
			if (n == cap)
				assert_non_null(v = realloc(v, (cap *= 2) * sizeof(*v)));
			v[n++] = p;
		}
		if (!nl[1] && *nl != '\n')
			break;
		*nl = '\0';
	}
	qsort(v, n, sizeof(*v), cmp_str);
	*out = v;
	return n;
}

/* Every line of every log in dir, as a reader decodes them (binary logs
 * with their rings laid over them: tests/logtext.h), appended to all. */
static void all_log_lines(const char *dir, struct h_buf *all)
{
	struct dirent **names;
	int n, i;

	n = scandir(dir, &names, NULL, alphasort);
	assert_true(n >= 0);
	for (i = 0; i < n; i++) {
		char path[600], *buf;
		size_t len, zeros;

		if (lt_is_log_name(names[i]->d_name)) {
			snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
			assert_non_null(buf = lt_read_file(path, &len));
			lt_decode(path, &buf, &len, &zeros);
			h_buf_append(all, buf, len);
			if (len && buf[len - 1] != '\n')
				h_buf_append(all, "\n", 1);
			free(buf);
		}
		free(names[i]);
	}
	free(names);
}

/* sockview --jsonl DIR: exactly the logs' lines (none added, lost or
 * twice), every one read by jq, the records in time order; want_lines
 * when not 0. */
static void check_jsonl(const char *dir, size_t want_min)
{
	const char *args[] = { "--jsonl", dir, NULL };
	char cmd[700], **a, **b;
	struct h_buf logs = { 0 };
	struct h_proc v;
	size_t na, nb, i;
	int64_t prev = -1;
	FILE *jq;

	assert_int_equal(h_view(&v, args), 0);
	all_log_lines(dir, &logs);
	h_buf_append(&logs, "", 0);
	/* jq reads every line, and the call records' t never goes down */
	snprintf(cmd, sizeof(cmd), "%s --jsonl '%s' | jq -r 'select(.call) | .t'", SOCKVIEW, dir);
	assert_non_null(jq = popen(cmd, "r"));
	for (i = 0; fgets(cmd, sizeof(cmd), jq); i++) {
		int64_t t = strtoll(cmd, NULL, 10);

		if (t < prev)
			fail_msg("record %zu: t %lld after %lld", i, (long long)t, (long long)prev);
		prev = t;
	}
	assert_int_equal(pclose(jq), 0);
	na = sorted_lines(v.out.p, &a);
	nb = sorted_lines(logs.p, &b);
	if (na < want_min)
		fail_msg("%zu lines, want at least %zu", na, want_min);
	if (i == 0)
		fail_msg("jq read no record");
	for (i = 0; i < na && i < nb; i++)
		if (strcmp(a[i], b[i]) != 0)
			fail_msg("line %zu differs:\n  sockview: %.200s\n  log:      %.200s", i, a[i],
				 b[i]);
	assert_int_equal(na, nb);
	free(a);
	free(b);
	free(logs.p);
	h_proc_free(&v);
}

/* A bare LD_PRELOAD run (binary logs, parent and child), and a process
 * killed with its ring left behind. */
static void test_jsonl(void **state)
{
	char dir[64], line[256];
	const char *argv[] = { PROG("duphigh"), NULL };
	const char *kargv[] = { PROG("killme"), "-n", "300", NULL };
	struct h_opts o = { .logdir = dir };
	struct h_proc p;

	(void)state;
	h_tmpdir(dir);
	h_start(&p, &o, argv);
	h_wait_ok(&p);
	h_proc_free(&p);
	check_jsonl(dir, 11);
	h_start(&p, &o, kargv);
	if (!h_wait_line(&p, "@ ready", 30000, line, sizeof(line)))
		fail_msg("killme did not get ready: %s", p.err.p);
	kill(p.pid, SIGKILL);
	h_wait(&p, 30000);
	h_proc_free(&p);
	check_jsonl(dir, 11 + 600);
	{
		const char *args[] = { "--conns", dir, NULL };
		struct h_proc v;

		assert_int_equal(h_view(&v, args), 0);
		if (!strstr(v.err.p, "killme): its log was not closed: the process was killed"))
			fail_msg("the kill is not told:\n%s", v.err.p);
		h_proc_free(&v);
	}
	h_rmtree(dir);
}

/* The filters pick records; a header goes with its log's records. */
static void test_jsonl_filters(void **state)
{
	char dir[64], pid[32], cmd[700], out[256];
	const char *argv[] = { PROG("duphigh"), NULL };
	struct h_opts o = { .logdir = dir };
	struct h_proc p;
	FILE *jq;

	(void)state;
	h_tmpdir(dir);
	h_start(&p, &o, argv);
	h_wait_ok(&p);
	snprintf(pid, sizeof(pid), "%d", (int)p.pid);
	h_proc_free(&p);
	/* --pid of a process of the run: all its lines, one header */
	snprintf(cmd, sizeof(cmd), "%s --jsonl --pid %s '%s' | jq -s -c "
		 "'[length, (map(select(.type == \"header\")) | length), "
		 "(map(select(.pid != %s)) | length), (map(select(.call == \"write\")) | length)]'",
		 SOCKVIEW, pid, dir, pid);
	assert_non_null(jq = popen(cmd, "r"));
	assert_non_null(fgets(out, sizeof(out), jq));
	assert_int_equal(pclose(jq), 0);
	assert_string_equal(out, "[11,1,0,1]\n");
	/* --conn 1 (the socketpair): its data calls, not the dup2s */
	snprintf(cmd, sizeof(cmd), "%s --jsonl --conn 1 '%s' | jq -s -c "
		 "'[(map(select(.call == \"send\" or .call == \"write\")) | length), "
		 "(map(select(.call == \"recv\" or .call == \"read\")) | length)]'", SOCKVIEW, dir);
	assert_non_null(jq = popen(cmd, "r"));
	assert_non_null(fgets(out, sizeof(out), jq));
	assert_int_equal(pclose(jq), 0);
	assert_string_equal(out, "[3,3]\n");
	/* --to before the first record: nothing */
	snprintf(cmd, sizeof(cmd), "%s --jsonl --from 1000 '%s' | wc -l", SOCKVIEW, dir);
	assert_non_null(jq = popen(cmd, "r"));
	assert_non_null(fgets(out, sizeof(out), jq));
	assert_int_equal(pclose(jq), 0);
	assert_string_equal(out, "0\n");
	h_rmtree(dir);
}

/* ---- logs that end early (issue 14.5) ---- */

static void put_text_file(const char *dir, const char *name, const char *text, size_t n)
{
	char path[600];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_non_null(f = fopen(path, "wb"));
	assert_int_equal(fwrite(text, 1, n, f), n);
	fclose(f);
}

#define HDR(pid, name) "{\"socktrace\":1,\"type\":\"header\",\"pid\":" #pid ",\"ppid\":1," \
	"\"t\":1000,\"exe\":\"/bin/" name "\",\"argv\":[\"" name "\"],\"execd\":false,\"payload\":64}\n"
#define SOCK(pid, t) "{\"call\":\"socket\",\"pid\":" #pid ",\"tid\":" #pid ",\"t\":" #t \
	",\"dur\":5,\"ret\":3,\"proto\":\"tcp\"}\n"

/* A log whose library stopped tracing (its stop line), one whose last
 * record is cut short, one whole: a line on stderr for each of the first
 * two, naming the process and why; the stop line is in --jsonl. */
static void test_ends_early(void **state)
{
	static const char stopped[] = HDR(301, "full") SOCK(301, 2000)
		"{\"type\":\"stop\",\"pid\":301,\"why\":\"write\",\"errno\":\"ENOSPC\"}\n";
	static const char cut[] = HDR(302, "cut") SOCK(302, 3000) "{\"call\":\"send\",\"pid\":302,\"t";
	static const char whole[] = HDR(303, "whole") SOCK(303, 4000);
	char dir[64];
	const char *args[] = { "--ascii", dir, NULL };
	const char *jargs[] = { "--jsonl", dir, NULL };
	struct h_proc v;

	(void)state;
	h_tmpdir(dir);
	put_text_file(dir, "301.jsonl", stopped, sizeof(stopped) - 1);
	put_text_file(dir, "302.jsonl", cut, sizeof(cut) - 1);
	put_text_file(dir, "303.jsonl", whole, sizeof(whole) - 1);
	assert_int_equal(h_view(&v, args), 0);
	if (!strstr(v.err.p, "301.jsonl (process 301, full): its log ends early: tracing stopped "
			     "(cannot write the log: disk full)"))
		fail_msg("no stop told:\n%s", v.err.p);
	if (!strstr(v.err.p, "302.jsonl (process 302, cut): its log ends early: the last record "
			     "is cut short"))
		fail_msg("no cut told:\n%s", v.err.p);
	if (strstr(v.err.p, "303.jsonl") || strstr(v.err.p, "malformed line (first: 301"))
		fail_msg("a whole log or the stop line told:\n%s", v.err.p);
	assert_non_null(strstr(v.out.p, "socket(tcp) = 3"));
	h_proc_free(&v);
	assert_int_equal(h_view(&v, jargs), 0);
	if (!strstr(v.out.p, "{\"type\":\"stop\",\"pid\":301,\"why\":\"write\",\"errno\":\"ENOSPC\"}\n"))
		fail_msg("no stop line in --jsonl:\n%s", v.out.p);
	h_proc_free(&v);
	h_rmtree(dir);
}

/* ---- --follow (issue 15.3) ---- */

/* Waits (at most 20 s) until p's stdout holds text; false when it does
 * not (or p ended first). */
static bool wait_text(struct h_proc *p, const char *text)
{
	int64_t end = h_now_ms() + 20000;

	while (!strstr(p->out.p, text)) {
		if (p->out.fd < 0 || h_now_ms() > end)
			return false;
		h_pump(p, 50);
	}
	return true;
}

static int count_of(const char *text, const char *s)
{
	int n = 0;

	for (; (text = strstr(text, s)) != NULL; text++)
		n++;
	return n;
}

static bool running(const struct h_proc *p)
{
	int st;

	return waitpid(p->pid, &st, WNOHANG) == 0;
}

/* A FIFO in a fresh folder ctl (fifo its path, at most 96 bytes), the
 * view v and the stepped program p started (p reads fifo): the FIFO's
 * write end, line-buffered. */
static FILE *start_stepped(char *ctl, char *fifo, struct h_proc *v, const char *const *vargv,
			   struct h_proc *p, const struct h_opts *o, const char *const *sargv)
{
	struct h_opts vo = { .untraced = true };
	FILE *w;

	h_tmpdir(ctl);
	snprintf(fifo, 96, "%s/ctl", ctl);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	h_start(v, &vo, vargv);
	h_start(p, o, sargv);
	assert_non_null(w = fopen(fifo, "w"));
	setvbuf(w, NULL, _IOLBF, 0);
	return w;
}

static void end_stepped(const char *ctl, const char *fifo)
{
	unlink(fifo);
	rmdir(ctl);
}

/* A traced program that calls when told to (through a FIFO), and
 * sockview --follow beside it: each call shows while the program still
 * runs, a new process is picked up with the arrow from it, Ctrl-C (SIGINT)
 * ends the view with status 0.  Synchronised on content only. */
static void test_follow(void **state)
{
	char dir[64], ctl[64], fifo[96], line[256], want[128];
	const char *sargv[] = { PROG("stepper"), fifo, NULL };
	const char *vargv[] = { SOCKVIEW, "--follow", dir, NULL };
	struct h_opts o = { .logdir = dir };
	struct h_proc p, v;
	int child;
	FILE *w;

	(void)state;
	h_tmpdir(dir);
	w = start_stepped(ctl, fifo, &v, vargv, &p, &o, sargv);

	fputs("send alpha\n", w);
	if (!h_wait_line(&p, "@ sent alpha", 20000, line, sizeof(line)))
		fail_msg("stepper: %s", p.err.p);
	if (!wait_text(&v, "send(") || !wait_text(&v, "\"alpha\""))
		fail_msg("the send is not shown:\n%s\n%s", v.out.p, v.err.p);
	assert_true(running(&p));
	if (!wait_text(&v, "<- 5 B \"alpha\" from stepper"))
		fail_msg("no arrow for alpha:\n%s", v.out.p);

	fputs("fork beta\n", w);
	if (!h_wait_line(&p, "@ forked beta pid=", 20000, line, sizeof(line)))
		fail_msg("stepper: %s", p.err.p);
	child = atoi(line + strlen("@ forked beta pid="));
	snprintf(want, sizeof(want), "new process stepper %d", child);
	if (!wait_text(&v, want))
		fail_msg("the child is not picked up:\n%s", v.out.p);
	snprintf(want, sizeof(want), "<- 4 B \"beta\" from stepper %d send(", child);
	if (!wait_text(&v, want))
		fail_msg("no arrow from the child:\n%s", v.out.p);
	assert_true(running(&p));

	fputs("quit\n", w);
	fclose(w);
	h_wait_ok(&p);
	kill(v.pid, SIGINT);
	assert_int_equal(h_wait(&v, 20000), 0);
	/* each call once: one send of alpha, one receive */
	{
		const char *a = strstr(v.out.p, "] send("), *b = a ? strstr(a + 1, "] send(") : NULL;

		if (!a || (b && strstr(b, "= 5 \"alpha\"") && !strstr(a, "beta")))
			fail_msg("a call twice:\n%s", v.out.p);
		if (count_of(v.out.p, "= 5 \"alpha\"") != 2 || count_of(v.out.p, "= 4 \"beta\"") != 2)
			fail_msg("not each call once:\n%s", v.out.p);
	}
	h_proc_free(&p);
	h_proc_free(&v);
	end_stepped(ctl, fifo);
	h_rmtree(dir);
}

/* Bursts of stepper (burst N W): W, then 6 digits. */
#define BURST_ROUNDS 20
#define BURST_N 300
#define BURST_LAST 5000

/* Per payload "W%06d" of follow_copyout's bursts: how often its send, its
 * receive and its arrow were printed; the rounds are r00..r19, then zzz. */
struct seen {
	unsigned char send, recv, arrow;
};

static struct seen *seen_of(struct seen *s, const char *w)
{
	int i, round;

	for (i = 3; i < 9; i++)
		if (!isdigit((unsigned char)w[i]))
			return NULL;
	i = atoi(w + 3);
	if (memcmp(w, "zzz", 3) == 0)
		return i < BURST_LAST ? &s[BURST_ROUNDS * BURST_N + i] : NULL;
	if (w[0] != 'r' || !isdigit((unsigned char)w[1]) || !isdigit((unsigned char)w[2]))
		return NULL;
	round = (w[1] - '0') * 10 + (w[2] - '0');
	return round < BURST_ROUNDS && i < BURST_N ? &s[round * BURST_N + i] : NULL;
}

/*
 * More than a staging ring's worth of calls (20 rounds of 300 sends and
 * receives, each round waited for in the view, then 5000 more at once),
 * followed while the library copies its ring into the log file again and
 * again: every call and every arrow printed exactly once, the sends in
 * the order they were made.  Synchronised on content only.
 */
static void test_follow_copyout(void **state)
{
	char dir[64], ctl[64], fifo[96], line[256], want[64];
	const char *sargv[] = { PROG("stepper"), fifo, NULL };
	const char *vargv[] = { SOCKVIEW, "--follow", dir, NULL };
	struct h_opts o = { .logdir = dir };
	size_t total = BURST_ROUNDS * BURST_N + BURST_LAST, k, order = 0;
	struct seen *seen = calloc(total, sizeof(*seen));
	struct h_proc p, v;
	const char *q;
	FILE *w;
	int r;

	(void)state;
	assert_non_null(seen);
	h_tmpdir(dir);
	w = start_stepped(ctl, fifo, &v, vargv, &p, &o, sargv);
	for (r = 0; r < BURST_ROUNDS; r++) {
		fprintf(w, "burst %d r%02d\n", BURST_N, r);
		snprintf(want, sizeof(want), "@ burst r%02d", r);
		if (!h_wait_line(&p, want, 60000, line, sizeof(line)))
			fail_msg("stepper: %s", p.err.p);
		snprintf(want, sizeof(want), "= 9 \"r%02d%06d\"", r, BURST_N - 1);
		if (!wait_text(&v, want))
			fail_msg("round %d is not shown:\n%s", r, v.err.p);
	}
	fprintf(w, "burst %d zzz\nquit\n", BURST_LAST);
	fclose(w);
	h_wait_ok(&p);
	snprintf(want, sizeof(want), "= 9 \"zzz%06d\"", BURST_LAST - 1);
	if (!wait_text(&v, want))
		fail_msg("the last burst is not shown:\n%s", v.err.p);
	kill(v.pid, SIGINT);
	assert_int_equal(h_wait(&v, 20000), 0);
	for (q = v.out.p; q && *q; q = strchr(q, '\n') ? strchr(q, '\n') + 1 : NULL) {
		const char *nl = strchr(q, '\n'), *d = strstr(q, "= 9 \""), *a = strstr(q, "<- 9 B \"");
		struct seen *s;

		if (d && (!nl || d < nl) && (s = seen_of(seen, d + 5)) != NULL) {
			if (strstr(q, "] send(") && strstr(q, "] send(") < d) {
				s->send++;
				/* in the order they were made */
				if ((size_t)(s - seen) != order++)
					fail_msg("send of %.9s out of order", d + 5);
			} else if (strstr(q, "] recv(") && strstr(q, "] recv(") < d) {
				s->recv++;
			}
		} else if (a && (!nl || a < nl) && (s = seen_of(seen, a + 8)) != NULL) {
			s->arrow++;
		}
	}
	for (k = 0; k < total; k++)
		if (seen[k].send != 1 || seen[k].recv != 1 || seen[k].arrow != 1)
			fail_msg("call %zu of the bursts printed %d/%d/%d times (send, receive, "
				 "arrow), not once", k, seen[k].send, seen[k].recv, seen[k].arrow);
	free(seen);
	h_proc_free(&p);
	h_proc_free(&v);
	end_stepped(ctl, fifo);
	h_rmtree(dir);
}

/*
 * The launcher turns a finished binary log into <pid>.jsonl while
 * sockview --follow reads it: the view reads on from the JSON log and
 * prints nothing twice.
 */
static void test_follow_converted(void **state)
{
	char dir[64], out[96], ctl[64], fifo[96], line[256];
	const char *sargv[] = { ST_BUILD_DIR "/socktrace", "-o", out, "--", PROG("stepper"), fifo,
				NULL };
	const char *vargv[] = { SOCKVIEW, "--follow", out, NULL };
	struct h_opts o = { .untraced = true };
	struct h_proc p, v;
	FILE *w;

	(void)state;
	h_tmpdir(dir);
	snprintf(out, sizeof(out), "%s/t", dir);
	assert_int_equal(mkdir(out, 0700), 0);
	w = start_stepped(ctl, fifo, &v, vargv, &p, &o, sargv);
	fputs("send alpha\n", w);
	if (!h_wait_line(&p, "@ sent alpha", 20000, line, sizeof(line)))
		fail_msg("stepper: %s", p.err.p);
	if (!wait_text(&v, "<- 5 B \"alpha\" from stepper") ||
	    !wait_text(&v, ", MSG_WAITALL) = 5 \"alpha\""))
		fail_msg("alpha is not shown:\n%s\n%s", v.out.p, v.err.p);
	fputs("quit\n", w);
	fclose(w);
	h_wait_ok(&p);
	/* the launcher has made the JSON log and removed the binary one */
	assert_non_null(strstr(p.err.p, "socktrace: trace in "));
	kill(v.pid, SIGINT);
	assert_int_equal(h_wait(&v, 20000), 0);
	/* the launcher may hold a descriptor of its own: fds not named */
	if (count_of(v.out.p, "= 5 \"alpha\"") != 2 ||
	    count_of(v.out.p, ", MSG_WAITALL) = 5 \"alpha\"") != 1 ||
	    count_of(v.out.p, "<- 5 B \"alpha\"") != 1 ||
	    count_of(v.out.p, "] socketpair(") != 1 || count_of(v.out.p, "new process") != 1)
		fail_msg("not each call once:\n%s", v.out.p);
	h_proc_free(&p);
	h_proc_free(&v);
	end_stepped(ctl, fifo);
	h_rmtree(dir);
}

/* socktrace --follow -- CMD: the live view on the launcher's stderr while
 * the command runs, every call once, then the summary (no timeline). */
static void test_launcher_follow(void **state)
{
	char dir[64], out[96];
	const char *argv[] = { ST_BUILD_DIR "/socktrace", "-o", out, "--follow", "--",
			       PROG("duphigh"), NULL };
	struct h_opts o = { .untraced = true };
	struct h_proc p;

	(void)state;
	h_tmpdir(dir);
	snprintf(out, sizeof(out), "%s/t", dir);
	h_start(&p, &o, argv);
	h_wait_ok(&p);
	assert_non_null(strstr(p.out.p, "@ got tZu"));
	if (count_of(p.err.p, "] write(1000) = 1 \"Z\"") != 1 ||
	    count_of(p.err.p, "<- 1 B \"Z\" from duphigh") != 1 ||
	    count_of(p.err.p, "new process duphigh") != 1)
		fail_msg("the live view is not on stderr, each call once:\n%s", p.err.p);
	assert_non_null(strstr(p.err.p, "socktrace: trace in "));
	h_proc_free(&p);
	snprintf(out, sizeof(out), "rm -rf '%s'", dir);
	assert_int_equal(system(out), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dup_high_arrow),
		cmocka_unit_test(test_jsonl),
		cmocka_unit_test(test_jsonl_filters),
		cmocka_unit_test(test_ends_early),
		cmocka_unit_test(test_follow),
		cmocka_unit_test(test_follow_copyout),
		cmocka_unit_test(test_follow_converted),
		cmocka_unit_test(test_launcher_follow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
