/*
 * test_optsend.c: the records of setsockopt and sendfile calls, which the
 * library writes as binary frames of their own (OPT frames, and DATA frames
 * whose arg is the file read from: common/binlog.h), come out of a real
 * traced program as the JSON lines of docs/log-format.md, key for key.
 *
 * tests/progs/optsend makes a loopback TCP connection and, on its
 * connecting end, sets options that succeed (an int, an int of 0, a
 * struct) and fail (an unknown option, an unknown level), and sends parts
 * of a file with sendfile (an offset given, nothing sent, the file's own
 * offset through sendfile64 with the file on fd 0, a bad input fd); then
 * one option of a UDP socket.  It prints what each call returned.  Every
 * record must be there in the program's order, its line from "fd" on
 * exactly as built here from what the program printed (the five-tuple,
 * level/opt by name or number, val only for an int that was set; fd2 always,
 * bytes only for a call that succeeded), and each sendfile payload the
 * file's bytes it sent.  That is with SOCKTRACE_SENDFILE_DATA=1; run
 * again without it, the same records must come with no payload at all for
 * sendfile (the library reads nothing back) and the rest unchanged.
 *
 * Running the program and reading its log back: tests/procs.h.
 */
#include "procs.h"
#include "progs/msgfill.h"

#include "names.h"

#define FILE_LEN 10000		/* optsend's file: big_msg_fill(1) */

#define NO_FD2 (-2)		/* a setsockopt record: no "fd2" */
#define THE_FILE (-3)		/* "fd2" is the file's first fd */

/* One call of optsend, in its order, and what its record holds after the
 * five-tuple: "fd2" (sendfile), then tail. */
static const struct {
	const char *name;	/* in the program's "@ call NAME" line */
	const char *call;
	bool udp;		/* on the UDP socket, else the TCP end */
	bool fails;
	long fd2;
	const char *tail;
	size_t data_off, data_len;	/* the file's bytes in "data" */
} calls[] = {
	{ "nodelay", "setsockopt", false, false, NO_FD2,
	  ",\"level\":\"IPPROTO_TCP\",\"opt\":\"TCP_NODELAY\",\"val\":1}", 0, 0 },
	{ "cork", "setsockopt", false, false, NO_FD2,
	  ",\"level\":\"IPPROTO_TCP\",\"opt\":\"TCP_CORK\",\"val\":1}", 0, 0 },
	/* 5000 bytes sent, the first ST_DATA_SNIP_MAX kept */
	{ "sendfile", "sendfile", false, false, THE_FILE, ",\"bytes\":5000,", 0, ST_DATA_SNIP_MAX },
	{ "sendfile_none", "sendfile", false, false, THE_FILE, ",\"bytes\":0}", 0, 0 },
	{ "uncork", "setsockopt", false, false, NO_FD2,
	  ",\"level\":\"IPPROTO_TCP\",\"opt\":\"TCP_CORK\",\"val\":0}", 0, 0 },
	{ "linger", "setsockopt", false, false, NO_FD2,
	  ",\"level\":\"SOL_SOCKET\",\"opt\":\"SO_LINGER\"}", 0, 0 },
	{ "bad_opt", "setsockopt", false, true, NO_FD2,
	  ",\"level\":\"SOL_SOCKET\",\"opt\":12345}", 0, 0 },
	{ "bad_level", "setsockopt", false, true, NO_FD2, ",\"level\":277,\"opt\":1}", 0, 0 },
	/* the file on fd 0, read from its own offset, 1000 */
	{ "sendfile64", "sendfile64", false, false, 0, ",\"bytes\":3000,", 1000, 3000 },
	{ "sendfile_bad", "sendfile", false, true, -1, "}", 0, 0 },
	{ "udp_cork", "setsockopt", true, false, NO_FD2,
	  ",\"level\":\"IPPROTO_UDP\",\"opt\":1,\"val\":1}", 0, 0 },
};
#define N_CALLS (sizeof(calls) / sizeof(calls[0]))

/* r's line from its "fd" key on: what follows the "dur" value. */
static const char *from_fd(const struct rec *r, size_t *n)
{
	const char *line = g_logs.files[r->file].buf + r->off;
	const char *end = line + r->len, *p;

	p = memmem(line, r->len, ",\"dur\":", 7);
	assert_non_null(p);
	for (p += 7; p < end && *p >= '0' && *p <= '9'; p++)
		;
	*n = (size_t)(end - p);
	return p;
}

/* Checks the record of call i against what optsend printed about it;
 * sendfile's payload is expected only when the run asked for it. */
static void check_call(size_t i, const struct rec *r, long tcp_fd, long udp_fd, long file_fd,
		       const char *tuple, const unsigned char *file, bool sendfile_data)
{
	bool with_data = calls[i].data_len && sendfile_data;
	char prefix[64], want[512], ebuf[16];
	long ret, err;
	size_t n, k;
	const char *got;

	snprintf(prefix, sizeof(prefix), "@ call %s ", calls[i].name);
	ret = out_num(g_run.out, prefix, "ret");
	err = out_num(g_run.out, prefix, "errno");
	/* The kernel did what the case says it does. */
	if ((ret < 0) != calls[i].fails || (err != 0) != calls[i].fails)
		fail_msg("%s: ret=%ld errno=%ld", calls[i].name, ret, err);
	if (strcmp(r->call, calls[i].call) != 0)
		fail_msg("record %zu: call \"%s\", want \"%s\"", i, r->call, calls[i].call);
	assert_int_equal(r->tid, r->pid);
	assert_true(r->t > 0);
	k = (size_t)snprintf(want, sizeof(want), ",\"fd\":%ld,\"ret\":%ld",
			     calls[i].udp ? udp_fd : tcp_fd, ret);
	if (err)
		k += (size_t)snprintf(want + k, sizeof(want) - k, ",\"errno\":\"%s\"",
				      st_errno_name((int)err, ebuf));
	k += (size_t)snprintf(want + k, sizeof(want) - k, "%s",
			      calls[i].udp ? ",\"proto\":\"udp\"" : tuple);
	if (calls[i].fd2 != NO_FD2)
		k += (size_t)snprintf(want + k, sizeof(want) - k, ",\"fd2\":%ld",
				      calls[i].fd2 == THE_FILE ? file_fd : calls[i].fd2);
	k += (size_t)snprintf(want + k, sizeof(want) - k, "%s", calls[i].tail);
	/* A tail that leads to a payload ends in a comma: with none, the
	 * line ends there. */
	if (calls[i].data_len && !with_data)
		want[k - 1] = '}';
	got = from_fd(r, &n);
	/* A line with a payload is checked up to "data", the payload apart. */
	if (with_data) {
		if (n < strlen(want) || memcmp(got, want, strlen(want)) != 0 ||
		    memcmp(got + strlen(want), "\"data\":", 7) != 0)
			fail_msg("%s: got %.*s\nwant %s\"data\":...", calls[i].name,
				 (int)(n > 300 ? 300 : n), got, want);
		if (!data_is(r, file + calls[i].data_off, calls[i].data_len))
			fail_msg("%s: the payload is not the file's bytes [%zu, %zu)", calls[i].name,
				 calls[i].data_off, calls[i].data_off + calls[i].data_len);
	} else if (n != strlen(want) || memcmp(got, want, n) != 0) {
		fail_msg("%s: got %.*s\nwant %s", calls[i].name, (int)n, got, want);
	}
}

static void check_records(bool sendfile_data)
{
	const char *argv[] = { "optsend", NULL };
	const char *env[] = { "SOCKTRACE_PAYLOAD=all",
			      sendfile_data ? "SOCKTRACE_SENDFILE_DATA=1" : NULL, NULL };
	unsigned char file[FILE_LEN];
	long tcp_fd, udp_fd, file_fd;
	char tuple[128];
	size_t j, i = 0;

	big_msg_fill(file, FILE_LEN, 1);
	run_prog(&g_run, true, argv, env, 30);
	assert_exit_ok(&g_run);
	assert_non_null(strstr(g_run.out, "@ recv ok\n"));
	tcp_fd = out_num(g_run.out, "@ conn", "c");
	udp_fd = out_num(g_run.out, "@ conn", "udp");
	file_fd = out_num(g_run.out, "@ conn", "file");
	assert_true(tcp_fd > 0 && udp_fd > 0 && file_fd > 0);
	snprintf(tuple, sizeof(tuple),
		 ",\"proto\":\"tcp\",\"local\":\"127.0.0.1:%ld\",\"peer\":\"127.0.0.1:%ld\"",
		 out_num(g_run.out, "@ conn", "local"), out_num(g_run.out, "@ conn", "peer"));
	load_logs(&g_logs, g_run.logs);
	assert_int_equal(g_logs.nfiles, 1);
	assert_int_equal(g_logs.malformed, 0);
	for (j = 0; j < g_logs.nrecs; j++) {
		const struct rec *r = &g_logs.recs[j];

		if (strcmp(r->call, "setsockopt") != 0 && strncmp(r->call, "sendfile", 8) != 0)
			continue;
		if (i == N_CALLS)
			fail_msg("more setsockopt and sendfile records than the %zu calls", N_CALLS);
		check_call(i++, r, tcp_fd, udp_fd, file_fd, tuple, file, sendfile_data);
	}
	if (i != N_CALLS)
		fail_msg("%zu setsockopt and sendfile records, want %zu", i, N_CALLS);
}

static void test_setsockopt_and_sendfile_records(void **state)
{
	(void)state;
	check_records(true);
}

/* The default: sendfile records without a payload. */
static void test_sendfile_default_no_data(void **state)
{
	(void)state;
	check_records(false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_setsockopt_and_sendfile_records, run_cleanup),
		cmocka_unit_test_teardown(test_sendfile_default_no_data, run_cleanup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
