/*
 * test_viewer_badinput.c: the sanitized viewer (build/asan/sockview) on
 * input made to hurt it: random bytes, cut lines with NUL padding, giant
 * lines, deep nesting, huge numbers, wrong types, bad escapes, terminal
 * escape sequences and markup in payloads and names.  Each run must exit
 * 0, print at most the one summary line on stderr (how many lines were
 * skipped, and where), and write output with no ESC byte or other control
 * character, and an SVG with no markup from the log.  Missing paths and
 * bad options must fail with one line and status 1 or 2.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "binlog.h"

#define VIEWER ST_BUILD_DIR "/asan/sockview"
#define DATA ST_SRC_DIR "/tests/data"

struct run {
	int status;
	char *out, *err;
	size_t outlen, errlen;
};

static char tmpdir[] = "/tmp/sockview-bad-XXXXXX";

static char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long len;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	assert_non_null(buf = malloc((size_t)len + 1));
	assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
	buf[len] = '\0';
	fclose(f);
	*n = (size_t)len;
	return buf;
}

/* Runs the viewer with up to 6 arguments (NULL-terminated). */
static void run_viewer(struct run *r, const char *const *args)
{
	char out[4200], err[4200];
	const char *argv[10];
	pid_t pid;
	int i, st;

	snprintf(out, sizeof(out), "%s/stdout", tmpdir);
	snprintf(err, sizeof(err), "%s/stderr", tmpdir);
	argv[0] = "sockview";
	for (i = 0; args[i] && i < 8; i++)
		argv[i + 1] = args[i];
	argv[i + 1] = NULL;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int e = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		if (o < 0 || e < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0)
			_exit(127);
		unsetenv("NO_COLOR");
		execv(VIEWER, (char *const *)argv);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	r->out = slurp(out, &r->outlen);
	r->err = slurp(err, &r->errlen);
}

static void free_run(struct run *r)
{
	free(r->out);
	free(r->err);
}

static int count_lines(const char *s, size_t n)
{
	int k = 0;
	size_t i;

	for (i = 0; i < n; i++)
		k += s[i] == '\n';
	return k;
}

/* No ESC, no control character but newline; for text, also no byte that
 * the viewer did not write itself (only ASCII and its box drawing). */
static void assert_clean(const struct run *r)
{
	size_t i;

	for (i = 0; i < r->outlen; i++) {
		unsigned char c = (unsigned char)r->out[i];

		if (c == 0x1b || (c < 0x20 && c != '\n') || c == 0x7f)
			fail_msg("control byte 0x%02x at %zu of the output", c, i);
	}
}

static void assert_no_markup(const struct run *r)
{
	const char *p;

	for (p = r->out; (p = strchr(p, '<')) != NULL; p++) {
		static const char *const allowed[] = {
			"<?xml", "<svg", "</svg", "<defs", "</defs", "<marker", "</marker",
			"<path", "<rect", "<style", "</style", "<text", "</text", "<g>",
			"</g>", "<title>", "</title>", "<line",
		};
		size_t k;
		bool ok = false;

		for (k = 0; k < sizeof(allowed) / sizeof(allowed[0]); k++)
			if (strncmp(p, allowed[k], strlen(allowed[k])) == 0)
				ok = true;
		if (!ok)
			fail_msg("unexpected markup: %.40s", p);
	}
	assert_null(strcasestr(r->out, "<script"));
}

/* Writes a log file into the temp dir (a fresh subdirectory). */
static const char *make_log(const char *name, const void *data, size_t n)
{
	static char dir[4200];
	char path[4300], cmd[4400];
	FILE *f;

	snprintf(dir, sizeof(dir), "%s/%s", tmpdir, name);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(path, sizeof(path), "%s/1.jsonl", dir);
	assert_non_null(f = fopen(path, "wb"));
	assert_int_equal(fwrite(data, 1, n, f), n);
	fclose(f);
	return dir;
}

/* Every mode on a log: exit 0, clean output, stderr one line with a
 * count (or nothing when want_skips is 0). */
static void check_all_modes(const char *dir, long want_skips)
{
	static const char *const modes[][4] = {
		{ "--ascii", "--width=80", NULL },
		{ "--color=always", "--threads", NULL },
		{ "--conns", NULL },
		{ "--conns", "--json", NULL },
		{ "--svg", NULL },
		{ "--pcapng", NULL },
	};
	size_t m;

	for (m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
		const char *args[6];
		struct run r;
		int i;

		for (i = 0; modes[m][i]; i++)
			args[i] = modes[m][i];
		args[i++] = dir;
		args[i] = NULL;
		run_viewer(&r, args);
		if (r.status != 0)
			fail_msg("%s %s: status %d: %s", modes[m][0], dir, r.status, r.err);
		if (strcmp(modes[m][0], "--pcapng") == 0)
			/* Binary: a section header block, whatever the log. */
			assert_true(r.outlen >= 28 && memcmp(r.out, "\x0a\x0d\x0d\x0a", 4) == 0);
		else if (strcmp(modes[m][0], "--color=always") != 0)
			assert_clean(&r);
		if (strcmp(modes[m][0], "--svg") == 0)
			assert_no_markup(&r);
		if (want_skips == 0) {
			assert_int_equal(r.errlen, 0);
		} else {
			char want[64];

			/* the count, and a line saying the log's last record
			 * is cut short when it is */
			int lines = count_lines(r.err, r.errlen);

			if (lines != 1 && !(lines == 2 && strstr(r.err, "its log ends early: "
								      "the last record is cut short")))
				fail_msg("stderr: %s", r.err);
			assert_non_null(strstr(r.err, "sockview: skipped "));
			assert_non_null(strstr(r.err, "(first: 1.jsonl:"));
			if (want_skips > 0) {
				snprintf(want, sizeof(want), "skipped %ld malformed", want_skips);
				if (!strstr(r.err, want))
					fail_msg("want '%s', got %s", want, r.err);
			}
		}
		free_run(&r);
	}
}

static const char header[] =
	"{\"socktrace\":1,\"type\":\"header\",\"pid\":10,\"ppid\":1,\"t\":1000,"
	"\"exe\":\"/bin/x\",\"argv\":[\"x\"],\"execd\":false,\"payload\":64}\n";

static void test_random_bytes(void **state)
{
	size_t n = 1 << 18, i;
	unsigned char *buf = malloc(n);
	unsigned seed = 4242;

	(void)state;
	assert_non_null(buf);
	for (i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		buf[i] = (unsigned char)(seed >> 16);
		if (i % 97 == 0)
			buf[i] = '\n';
	}
	/* A log (its header) gone bad: random bytes alone are no log at all,
	 * which is an error of its own (test_not_a_log). */
	memcpy(buf, header, sizeof(header) - 1);
	check_all_modes(make_log("random", buf, n), -1);
	free(buf);
}

/* A good log, every line cut short at a different place, NUL padded. */
static void test_truncated(void **state)
{
	static const char *const good[] = {
		"{\"call\":\"socket\",\"pid\":10,\"tid\":10,\"t\":2000,\"dur\":5,\"ret\":3,\"proto\":\"tcp\"}",
		"{\"call\":\"connect\",\"pid\":10,\"tid\":10,\"t\":3000,\"dur\":5,\"fd\":3,\"ret\":0,\"proto\":\"tcp\",\"local\":\"127.0.0.1:5000\",\"peer\":\"127.0.0.1:80\"}",
		"{\"call\":\"send\",\"pid\":10,\"tid\":10,\"t\":4000,\"dur\":5,\"fd\":3,\"ret\":5,\"bytes\":5,\"data\":\"he\\u0000lo\"}",
	};
	char buf[8192];
	size_t n = 0, i, k, cuts = 0;

	(void)state;
	memcpy(buf, header, sizeof(header) - 1);
	n = sizeof(header) - 1;
	for (i = 0; i < 3; i++) {
		size_t len = strlen(good[i]);

		memcpy(buf + n, good[i], len);
		buf[n + len] = '\n';
		n += len + 1;
		for (k = 5; k < len; k += 13) {
			memcpy(buf + n, good[i], k);
			n += k;
			memset(buf + n, 0, 40);
			n += 40;
			cuts++;
		}
	}
	check_all_modes(make_log("truncated", buf, n), (long)cuts);
}

/* Lines of many megabytes: a valid giant payload, a giant broken one,
 * deep nesting. */
static void test_giant(void **state)
{
	size_t big = (size_t)8 << 20, n = 0;
	char *buf = malloc(3 * big + 4096);
	const char *pre = "{\"call\":\"send\",\"pid\":10,\"tid\":10,\"t\":5000,\"dur\":1,\"fd\":3,\"ret\":5,\"data\":\"";

	(void)state;
	assert_non_null(buf);
	memcpy(buf, header, sizeof(header) - 1);
	n = sizeof(header) - 1;
	memcpy(buf + n, pre, strlen(pre));
	n += strlen(pre);
	memset(buf + n, 'A', big);
	n += big;
	memcpy(buf + n, "\"}\n", 3);
	n += 3;
	/* The same without its end. */
	memcpy(buf + n, pre, strlen(pre));
	n += strlen(pre);
	memset(buf + n, 'B', big);
	n += big;
	buf[n++] = '\n';
	/* Nesting far deeper than any parser's stack. */
	memcpy(buf + n, "{\"call\":\"x\",\"pid\":1,\"t\":1,\"deep\":", 33);
	n += 33;
	memset(buf + n, '[', big / 2);
	n += big / 2;
	memset(buf + n, ']', big / 2);
	n += big / 2;
	memcpy(buf + n, "}\n", 2);
	n += 2;
	check_all_modes(make_log("giant", buf, n), 2);
	free(buf);
}

/* Lines wrong in every small way. */
static void test_malformed_values(void **state)
{
	static const char *const bad[] = {
		"{\"call\":\"recv\",\"pid\":10,\"t\":1e400}",
		"{\"call\":\"recv\",\"pid\":10,\"t\":99999999999999999999999}",
		"{\"call\":\"recv\",\"pid\":10,\"t\":-5}",
		"{\"call\":\"recv\",\"pid\":\"10\",\"t\":5}",
		"{\"call\":7,\"pid\":10,\"t\":5}",
		"{\"call\":\"recv\",\"pid\":10,\"t\":5,\"fd\":4294967296}",
		"{\"call\":\"recv\",\"pid\":10,\"t\":5,\"data\":\"\\x41\"}",
		"{\"call\":\"recv\",\"pid\":10,\"t\":5,\"data\":\"\\u0100\"}",
		"{\"call\":\"recv\",\"pid\":10,\"t\":5,\"data\":\"caf\xc3\xa9\"}",
		"{\"call\":\"recv\",\"pid\":10,\"t\":5,\"local\":[\"a\"]}",
		"{\"call\":\"recv\",\"pid\":10,\"t\":5,\"data\":\"a\nb\"}",
		"{\"call\":\"recv\",\"pid\":10,\"t\":5,\"how\":3}",
		"{\"socktrace\":1,\"type\":\"header\",\"pid\":-1}",
		"{\"socktrace\":1,\"type\":\"header\",\"pid\":1,\"execd\":\"yes\"}",
		"[1,2,3]",
		"\"just a string\"",
		"{\"call\":\"recv\",\"pid\":10,\"t\":5",
		"{\"call\":\"recv\",\"pid\":10,\"t\":5}}",
		"{\"call\":\"recv\",\"pid\":10,\"t\":5,\"x\":{\"y\":}}",
	};
	/* Odd but valid: duplicate keys, unknown keys, huge but legal values. */
	static const char *const odd[] = {
		"{\"call\":\"recv\",\"call\":\"send\",\"pid\":10,\"pid\":10,\"t\":6,\"fd\":3,\"ret\":9223372036854775807,\"bytes\":9223372036854775807}",
		"{\"call\":\"recv\",\"pid\":10,\"t\":7,\"fd\":3,\"ret\":-9223372036854775808,\"dur\":-9223372036854775808}",
		"{\"call\":\"no-such-call\",\"pid\":10,\"t\":8,\"future\":{\"a\":[1,{\"b\":null}]},\"fd\":2147483647}",
		"{\"call\":\"close_range\",\"pid\":10,\"t\":9,\"fd\":0,\"fd2\":-1,\"ret\":0}",
		"{\"call\":\"recv\",\"pid\":10,\"t\":4611686018427387904,\"dur\":4611686018427387904,\"fd\":3,\"ret\":1}",
	};
	char buf[8192];
	size_t n, i;

	(void)state;
	memcpy(buf, header, sizeof(header) - 1);
	n = sizeof(header) - 1;
	for (i = 0; i < sizeof(odd) / sizeof(odd[0]); i++)
		n += (size_t)sprintf(buf + n, "%s\n", odd[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		n += (size_t)sprintf(buf + n, "%s\n", bad[i]);
	/* An embedded NUL splits a line in two bad halves. */
	memcpy(buf + n, "{\"call\":\"recv\",\0\"pid\":10,\"t\":5}\n", 33);
	n += 33;
	/* The raw newline in one bad line and the NUL make two more. */
	check_all_modes(make_log("malformed", buf, n), (long)(sizeof(bad) / sizeof(bad[0])) + 3);
}

/* Valid records full of terminal escapes and markup: shown escaped. */
static void test_escapes_and_markup(void **state)
{
	static const char log[] =
		"{\"socktrace\":1,\"type\":\"header\",\"pid\":10,\"ppid\":1,\"t\":1000,"
		"\"exe\":\"/bin/<script>alert(1)</script>\",\"argv\":[\"\\u001b]0;pwned\\u0007\\u001b[2J<b>\"],\"execd\":false,\"payload\":64}\n"
		"{\"call\":\"socket\",\"pid\":10,\"tid\":10,\"t\":2000,\"dur\":5,\"ret\":3,\"proto\":\"tcp\",\"family\":\"\\u001b[31mAF\"}\n"
		"{\"call\":\"connect\",\"pid\":10,\"tid\":10,\"t\":3000,\"dur\":5,\"fd\":3,\"ret\":0,\"proto\":\"tcp\","
		"\"local\":\"127.0.0.1:5000\",\"peer\":\"<script>x</script>:80\",\"addr\":\"\\u001b[1m&amp;\"}\n"
		"{\"call\":\"send\",\"pid\":10,\"tid\":10,\"t\":4000,\"dur\":5,\"fd\":3,\"ret\":40,\"bytes\":40,"
		"\"data\":\"\\u001b[31mRED\\u001b[0m\\r\\n<script>alert('x')</script>\\u009b\\u00ff\\\"&\"}\n"
		"{\"call\":\"\\u001b[5mblink\",\"pid\":10,\"tid\":10,\"t\":5000,\"dur\":5,\"fd\":3,\"ret\":0,\"errno\":\"\\u001b[0m<i>\"}\n"
		"{\"call\":\"recv\",\"pid\":10,\"tid\":10,\"t\":6000,\"dur\":5,\"fd\":3,\"ret\":-1,\"errno\":\"ECONNRESET\\u0000\\u007f\"}\n"
		"not json at all \x1b[31m\n";
	struct run r;
	const char *args[] = { "--svg", NULL, NULL };

	(void)state;
	args[1] = make_log("escapes", log, sizeof(log) - 1);
	check_all_modes(args[1], 1);
	run_viewer(&r, args);
	assert_non_null(strstr(r.out, "&lt;script&gt;"));
	free_run(&r);
	args[0] = "--ascii";
	run_viewer(&r, args);
	assert_non_null(strstr(r.out, "\\x1b[31mRED"));
	free_run(&r);
}

/* Errors: missing paths (1), empty directories (1), usage (2). */
static void test_errors(void **state)
{
	static const struct {
		const char *args[4];
		int status;
	} cases[] = {
		{ { "/no/such/path", NULL }, 1 },
		{ { "--conns", "/no/such/dir/1.jsonl", NULL }, 1 },
		{ { "--width", "12x", "/tmp", NULL }, 2 },
		{ { "--pid", "-3", "/tmp", NULL }, 2 },
		{ { "--from", "nan", "/tmp", NULL }, 2 },
		{ { "--color=sometimes", "/tmp", NULL }, 2 },
		{ { "--json", "/tmp", NULL }, 2 },
		{ { "--bogus", NULL }, 2 },
		{ { NULL }, 2 },
	};
	size_t i;
	char empty[4200];

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct run r;

		run_viewer(&r, cases[i].args);
		if (r.status != cases[i].status)
			fail_msg("case %zu: status %d, want %d", i, r.status, cases[i].status);
		assert_int_equal(r.outlen, 0);
		if (cases[i].status == 1)
			assert_int_equal(count_lines(r.err, r.errlen), 1);
		free_run(&r);
	}
	snprintf(empty, sizeof(empty), "%s/empty", tmpdir);
	assert_int_equal(mkdir(empty, 0700), 0);
	{
		const char *args[] = { empty, NULL };
		struct run r;

		run_viewer(&r, args);
		assert_int_equal(r.status, 1);
		assert_int_equal(count_lines(r.err, r.errlen), 1);
		assert_non_null(strstr(r.err, "no *.jsonl"));
		free_run(&r);
	}
}

/* Two outputs, or a --from after --to: a usage error (2) that names both,
 * where the last output used to win silently and the window drew
 * nothing.  An output with its own modifiers (--conns --json, an output
 * given twice) stays legitimate. */
static void test_conflicting_options(void **state)
{
	static const struct {
		const char *args[7];
		int status;
		const char *said;	/* in the one error line */
	} cases[] = {
		{ { "--conns", "--svg", DATA "/echo", NULL }, 2, "--conns and --svg" },
		{ { "--pcapng", "--jsonl", DATA "/echo", NULL }, 2, "--pcapng and --jsonl" },
		{ { "--html", "--follow", DATA "/echo", NULL }, 2, "--html and --follow" },
		{ { "--otlp", "--otlp-endpoint", "http://127.0.0.1:9/", DATA "/echo", NULL }, 2,
		  "--otlp and --otlp-endpoint" },
		{ { "--from", "5", "--to", "1.5", DATA "/echo", NULL }, 2,
		  "--from 5 is later than --to 1.5" },
		{ { "--conns", "--json", DATA "/echo", NULL }, 0, NULL },
		{ { "--svg", "--svg", DATA "/echo", NULL }, 0, NULL },
		{ { "--from", "0.1", "--to", "0.1", "--conns", DATA "/echo", NULL }, 0, NULL },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct run r;

		run_viewer(&r, cases[i].args);
		if (r.status != cases[i].status)
			fail_msg("case %zu: status %d, want %d: %s", i, r.status,
				 cases[i].status, r.err);
		if (cases[i].said) {
			assert_int_equal(r.outlen, 0);
			if (!strstr(r.err, cases[i].said) || strncmp(r.err, "sockview: ", 10))
				fail_msg("case %zu: want \"%s\" first, got %s", i, cases[i].said,
					 r.err);
		} else {
			assert_true(r.outlen > 0);
		}
		free_run(&r);
	}
}

/* A PATH in which no file is a log (sockview /etc/passwd): status 1 and a
 * line naming it, not status 0 after "skipped N malformed lines".  In a
 * folder that also holds logs, each file that is none is named on a line
 * and the logs are drawn (status 0). */
static void test_not_a_log(void **state)
{
	static const char text[] = "root:x:0:0:root:/root:/bin/bash\nnobody:x:65534\n";
	char path[4300], cmd[8800];
	const char *dir;
	struct run r;

	(void)state;
	dir = make_log("notalog", text, sizeof(text) - 1);
	snprintf(path, sizeof(path), "%s/1.jsonl", dir);
	{
		const char *args[] = { path, NULL };

		run_viewer(&r, args);
		assert_int_equal(r.status, 1);
		assert_int_equal(r.outlen, 0);
		assert_int_equal(count_lines(r.err, r.errlen), 1);
		if (!strstr(r.err, path) || !strstr(r.err, "not a socktrace log"))
			fail_msg("stderr: %s", r.err);
		free_run(&r);
	}
	{
		const char *args[] = { "--conns", dir, NULL };

		run_viewer(&r, args);
		assert_int_equal(r.status, 1);
		assert_int_equal(r.outlen, 0);
		if (!strstr(r.err, dir) || !strstr(r.err, "not a socktrace log"))
			fail_msg("stderr: %s", r.err);
		free_run(&r);
	}
	/* The echo logs beside it, and an empty file. */
	snprintf(cmd, sizeof(cmd), "cp %s/echo/*.jsonl '%s' && : > '%s/2.jsonl'", DATA, dir, dir);
	assert_int_equal(system(cmd), 0);
	{
		const char *args[] = { "--conns", dir, NULL };

		run_viewer(&r, args);
		assert_int_equal(r.status, 0);
		assert_non_null(strstr(r.out, "echo-server"));
		if (!strstr(r.err, "sockview: 1.jsonl: not a socktrace log") ||
		    !strstr(r.err, "sockview: 2.jsonl: not a socktrace log"))
			fail_msg("stderr: %s", r.err);
		free_run(&r);
	}
}

/* A newer format version: one warning, and what can be read is read. */
static void test_newer_version(void **state)
{
	static const char log[] =
		"{\"socktrace\":3,\"type\":\"header\",\"pid\":10,\"ppid\":1,\"t\":1000,\"exe\":\"/bin/x\",\"argv\":[\"x\"],\"execd\":false,\"payload\":64}\n"
		"{\"call\":\"socket\",\"pid\":10,\"tid\":10,\"t\":2000,\"dur\":5,\"ret\":3,\"proto\":\"tcp\",\"new\":{\"k\":1}}\n";
	const char *args[] = { "--ascii", NULL, NULL };
	struct run r;

	(void)state;
	args[1] = make_log("newer", log, sizeof(log) - 1);
	run_viewer(&r, args);
	assert_int_equal(r.status, 0);
	assert_int_equal(count_lines(r.err, r.errlen), 1);
	assert_non_null(strstr(r.err, "version 3"));
	assert_non_null(strstr(r.out, "socket(tcp) = 3"));
	free_run(&r);
}

/* Inputs the fuzzer (tests/fuzz/) found, cut down to what still broke
 * the viewer before its fix; each must now pass every mode cleanly. */
static const struct {
	const char *name;
	const char *log;
	long skips;
} fuzz_cases[] = {
	/* A connection of 4e17 ns: its duration in ms overflowed int64 when
	 * taken times 1000 for the table. */
	{ "conn_duration_overflow",
	  "{\"call\":\"socketpair\",\"pid\":1,\"t\":1,\"fd\":3,\"fd2\":4,\"ret\":0,\"proto\":\"unix-stream\"}\n"
	  "{\"call\":\"close\",\"pid\":1,\"t\":400000000000000000,\"fd\":3,\"ret\":0}\n", 0 },
	/* The largest t and dur accepted: t + dur overflowed int64. */
	{ "t_plus_dur_overflow",
	  "{\"call\":\"connect\",\"pid\":1,\"t\":4611686018427387904,\"dur\":4611686018427387904,"
	  "\"fd\":3,\"ret\":0,\"proto\":\"tcp\"}\n"
	  "{\"call\":\"recvfrom\",\"pid\":1,\"t\":4611686018427387904,\"dur\":4611686018427387904,"
	  "\"fd\":4,\"ret\":3,\"bytes\":3,\"proto\":\"udp\",\"peer\":\"127.0.0.1:2\"}\n", 0 },
};

static void test_fuzz_found(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(fuzz_cases) / sizeof(fuzz_cases[0]); i++)
		check_all_modes(make_log(fuzz_cases[i].name, fuzz_cases[i].log,
					 strlen(fuzz_cases[i].log)),
				fuzz_cases[i].skips);
}

/* Many 1-byte sends, then as many peeks of all of them: each peek may
 * overlap every send, but gets at most a few arrows, so the timeline stays
 * about as long as the log (it had one row per send and peek pair). */
static void test_peek_arrows_bounded(void **state)
{
	enum { N = 300 };
	size_t cap = 400 * (2 * N + 4), n = 0, i;
	char *buf = malloc(cap);
	const char *args[] = { "--ascii", NULL, NULL };
	struct run r;

	(void)state;
	assert_non_null(buf);
	n += (size_t)sprintf(buf + n, "%s", header);
	n += (size_t)sprintf(buf + n, "{\"call\":\"connect\",\"pid\":10,\"t\":2000,\"fd\":3,\"ret\":0,"
			     "\"proto\":\"tcp\",\"local\":\"127.0.0.1:5000\",\"peer\":\"127.0.0.1:80\"}\n"
			     "{\"call\":\"accept\",\"pid\":10,\"t\":1900,\"dur\":200,\"fd\":4,\"ret\":5,"
			     "\"proto\":\"tcp\",\"local\":\"127.0.0.1:80\",\"peer\":\"127.0.0.1:5000\"}\n");
	for (i = 0; i < N; i++)
		n += (size_t)sprintf(buf + n, "{\"call\":\"send\",\"pid\":10,\"t\":%zu,\"fd\":3,\"ret\":1}\n",
				     3000 + i);
	for (i = 0; i < N; i++)
		n += (size_t)sprintf(buf + n, "{\"call\":\"recv\",\"pid\":10,\"t\":%zu,\"fd\":5,\"ret\":%d,"
				     "\"flags\":\"MSG_PEEK\"}\n", 100000 + 10 * i, N);
	assert_true(n < cap);
	args[1] = make_log("peek", buf, n);
	check_all_modes(args[1], 0);
	run_viewer(&r, args);
	assert_int_equal(r.status, 0);
	if (count_lines(r.out, r.outlen) > 20 * (2 * N + 4))
		fail_msg("%d lines of timeline for %d records", count_lines(r.out, r.outlen), 2 * N + 2);
	free_run(&r);
	free(buf);
}

/* ---- hostile binary logs and rings (issue 14) ---- */

/* Fails, showing the run, when text lacks want. */
static void want_in(const struct run *r, const char *text, const char *want)
{
	if (!strstr(text, want))
		fail_msg("no \"%s\" in the %s:\n--- stdout\n%.3000s\n--- stderr\n%.3000s", want,
			 text == r->out ? "output" : "messages", r->out, r->err);
}

/* Writes n bytes to dir/name. */
static void put_file(const char *dir, const char *name, const void *data, size_t n)
{
	char path[4400];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_non_null(f = fopen(path, "wb"));
	assert_int_equal(fwrite(data, 1, n, f), n);
	fclose(f);
}

/* A frame head and body into buf at *n (8-byte padded). */
static void put_frame(unsigned char *buf, size_t *n, unsigned kind, unsigned aux,
		      const void *body, uint32_t len)
{
	struct st_frame h = { ST_FRAME_MARK, (uint8_t)kind, (uint16_t)aux, len };

	memcpy(buf + *n, &h, sizeof(h));
	memcpy(buf + *n + 8, body, len);
	memset(buf + *n + 8 + len, 0, (size_t)(st_frame_size(len) - 8 - len));
	*n += (size_t)st_frame_size(len);
}

/* A binary log of pid's header and one socket record, as TEXT frames;
 * returns its length in buf (room for 1 KiB). */
static size_t small_binlog(unsigned char *buf, int pid)
{
	char line[512];
	size_t n = ST_BINLOG_MAGIC_LEN;

	memcpy(buf, ST_BINLOG_MAGIC, n);
	snprintf(line, sizeof(line), "{\"socktrace\":1,\"type\":\"header\",\"pid\":%d,\"ppid\":1,"
		 "\"t\":1000,\"exe\":\"/bin/h\",\"argv\":[\"h\"],\"execd\":false,\"payload\":64}\n", pid);
	put_frame(buf, &n, ST_FRAME_TEXT, 0, line, (uint32_t)strlen(line));
	snprintf(line, sizeof(line), "{\"call\":\"socket\",\"pid\":%d,\"tid\":%d,\"t\":%d,\"dur\":5,"
		 "\"ret\":%d,\"proto\":\"udp\"}\n", pid, pid, 2000 + pid, pid % 100);
	put_frame(buf, &n, ST_FRAME_TEXT, 0, line, (uint32_t)strlen(line));
	return n;
}

/* A ring whose head says flushed and whose data holds a socket record of
 * pid where the library would have put it. */
static void put_ring(const char *dir, const char *name, uint64_t flushed, int pid)
{
	size_t len = ST_RING_DATA_OFF + 4096, n = 0, k;
	unsigned char *ring = calloc(1, len), rec[1024];
	struct st_ring_head h = { ST_RING_MAGIC, 4096, flushed, 0 };
	char line[256];

	assert_non_null(ring);
	memcpy(ring, &h, sizeof(h));
	snprintf(line, sizeof(line), "{\"call\":\"socket\",\"pid\":%d,\"tid\":%d,\"t\":%d,\"dur\":5,"
		 "\"ret\":77,\"proto\":\"tcp\"}\n", pid, pid, 9000 + pid);
	put_frame(rec, &n, ST_FRAME_TEXT, 0, line, (uint32_t)strlen(line));
	for (k = 0; k < n; k++)
		ring[ST_RING_DATA_OFF + (flushed + k) % 4096] = rec[k];
	put_file(dir, name, ring, len);
	free(ring);
}

/*
 * One run's folder: a good JSON log beside binary logs made to hurt the
 * reader: rings whose flushed is 2^32 and 2^46 past a small log, a ring
 * that is a symbolic link to /dev/zero, a log that is one, a log of 1 MB
 * of DATA frames naming one TUPLE frame with over-long keys.  Each costs
 * only itself: the good log and every good record are drawn, each bad
 * file is named on stderr, the exit status is 0.
 */
static void test_hostile_rings(void **state)
{
	static const char good[] =
		"{\"socktrace\":1,\"type\":\"header\",\"pid\":10,\"ppid\":1,\"t\":1000,"
		"\"exe\":\"/bin/good\",\"argv\":[\"good\"],\"execd\":false,\"payload\":64}\n"
		"{\"call\":\"socket\",\"pid\":10,\"tid\":10,\"t\":1500,\"dur\":5,\"ret\":42,"
		"\"proto\":\"tcp\"}\n";
	const char *dir = make_log("hostile", good, sizeof(good) - 1);
	const size_t big = (size_t)1 << 20;
	unsigned char small[1024], *buf = malloc(big + 8192);
	char path[4400], keys[4096];
	struct st_frame_data d;
	const char *args[] = { "--ascii", "--width=200", dir, NULL };
	struct run r;
	size_t n, i;

	(void)state;
	assert_non_null(buf);
	/* far flushed offsets: the ring's record is read, after the log's */
	n = small_binlog(small, 201);
	put_file(dir, "201.stlog", small, n);
	put_ring(dir, "201.stlog.ring", (uint64_t)1 << 32, 201);
	n = small_binlog(small, 202);
	put_file(dir, "202.stlog", small, n);
	put_ring(dir, "202.stlog.ring", (uint64_t)1 << 46, 202);
	/* a ring that is a link to /dev/zero; a log that is one */
	n = small_binlog(small, 203);
	put_file(dir, "203.stlog", small, n);
	snprintf(path, sizeof(path), "%s/203.stlog.ring", dir);
	assert_int_equal(symlink("/dev/zero", path), 0);
	snprintf(path, sizeof(path), "%s/204.stlog", dir);
	assert_int_equal(symlink("/dev/zero", path), 0);
	/* 1 MB of DATA frames, all naming TUPLE 1, whose keys are longer
	 * than any the library writes */
	n = small_binlog(buf, 205);
	keys[0] = 1;
	memset(keys + 1, 0, 7);
	keys[8] = ',';
	keys[9] = '"';
	memset(keys + 10, 'k', sizeof(keys) - 10);
	put_frame(buf, &n, ST_FRAME_TUPLE, 0, keys, sizeof(keys));
	memset(&d, 0, sizeof(d));
	d.pid = d.tid = 205;
	d.t = 5000;
	d.fd = 3;
	d.tuple = 1;
	d.ret = 0;
	for (i = 0; n + 64 <= big; i++)
		put_frame(buf, &n, ST_FRAME_DATA, ST_DC_RECV, &d, sizeof(d));
	put_file(dir, "205.stlog", buf, n);
	free(buf);

	run_viewer(&r, args);
	if (r.status != 0)
		fail_msg("status %d: %s", r.status, r.err);
	/* the good log, and every good record of the hostile ones */
	want_in(&r, r.out, "good 10");
	want_in(&r, r.out, "socket(tcp) = 42");
	want_in(&r, r.out, "socket(udp) = 1");	/* 201 */
	want_in(&r, r.out, "socket(udp) = 2");	/* 202 */
	want_in(&r, r.out, "socket(udp) = 3");	/* 203 */
	want_in(&r, r.out, "socket(tcp) = 77");	/* the rings' */
	want_in(&r, r.out, "recv(3) = 0");		/* 205 */
	/* each bad file named */
	want_in(&r, r.err, "203.stlog.ring");
	want_in(&r, r.err, "204.stlog: not a regular file");
	want_in(&r, r.err, "201.stlog");
	want_in(&r, r.err, "202.stlog");
	want_in(&r, r.err, "five-tuple");
	free_run(&r);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[4200];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_bytes),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_giant),
		cmocka_unit_test(test_malformed_values),
		cmocka_unit_test(test_escapes_and_markup),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_conflicting_options),
		cmocka_unit_test(test_not_a_log),
		cmocka_unit_test(test_newer_version),
		cmocka_unit_test(test_fuzz_found),
		cmocka_unit_test(test_peek_arrows_bounded),
		cmocka_unit_test(test_hostile_rings),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
