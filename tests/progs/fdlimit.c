/*
 * fdlimit.c: a program at its descriptor limit (tests/test_sink.c): it must
 * get the same descriptors, the same count before EMFILE and the same
 * limits traced as untraced.
 *
 * usage: fdlimit SOFT HARD [late] [raise] [nocap] [many]
 *   nocap: first drops CAP_SYS_RESOURCE (so the hard limit cannot be
 *          raised, not even by root);
 *   late:  makes and closes one socket before setting the limit (the log
 *          is then open, its descriptor placed under the old limit);
 *   raise: sets the soft limit to 16 first and makes and closes one socket
 *          (the log is then open, its descriptor placed over 16), so the
 *          limit set next raises it;
 *   then sets RLIMIT_NOFILE to SOFT/HARD, opens UDP sockets until one
 *   fails, and prints
 *     @ count n=<sockets> first=<fd> last=<fd> errno=<name>
 *     @ limit soft=<soft> hard=<hard>      (getrlimit afterwards)
 *   closes them, sends 3 messages over a socketpair (many: 5000, some 1 MB
 *   of log, four times the staging ring) and prints
 *     @ done
 */
#include <err.h>
#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "helpers.h"

static void drop_sys_resource(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d) != 0)
		err(1, "capget");
	d[CAP_SYS_RESOURCE / 32].effective &= ~(1u << (CAP_SYS_RESOURCE % 32));
	d[CAP_SYS_RESOURCE / 32].permitted &= ~(1u << (CAP_SYS_RESOURCE % 32));
	d[CAP_SYS_RESOURCE / 32].inheritable &= ~(1u << (CAP_SYS_RESOURCE % 32));
	if (syscall(SYS_capset, &h, d) != 0)
		err(1, "capset");
}

int main(int argc, char **argv)
{
	static int fds[1 << 16];
	struct rlimit rl;
	int n = 0, i, e, sv[2], rounds = 3;
	char buf[8];

	if (argc < 3)
		errx(2, "usage: fdlimit SOFT HARD [late] [nocap]");
	rl.rlim_cur = (rlim_t)parse_num(argv[1], 4, 1 << 16);
	rl.rlim_max = (rlim_t)parse_num(argv[2], 4, 1 << 16);
	for (i = 3; i < argc; i++)
		if (strcmp(argv[i], "nocap") == 0)
			drop_sys_resource();
	for (i = 3; i < argc; i++) {
		if (strcmp(argv[i], "many") == 0)
			rounds = 5000;
		if (strcmp(argv[i], "late") == 0)
			close(socket(AF_INET, SOCK_DGRAM, 0));
		if (strcmp(argv[i], "raise") == 0) {
			struct rlimit low = { 16, rl.rlim_max };

			if (setrlimit(RLIMIT_NOFILE, &low) != 0)
				err(1, "setrlimit 16");
			close(socket(AF_INET, SOCK_DGRAM, 0));
		}
	}
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
		err(1, "setrlimit");
	for (;;) {
		int fd = socket(AF_INET, SOCK_DGRAM, 0);

		if (fd < 0) {
			e = errno;
			break;
		}
		fds[n++] = fd;
		if (n == (int)(sizeof(fds) / sizeof(fds[0])))
			errx(1, "no limit met");
	}
	printf("@ count n=%d first=%d last=%d errno=%s\n", n, n ? fds[0] : -1,
	       n ? fds[n - 1] : -1, e == EMFILE ? "EMFILE" : strerror(e));
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		err(1, "getrlimit");
	printf("@ limit soft=%ld hard=%ld\n", (long)rl.rlim_cur, (long)rl.rlim_max);
	for (i = 0; i < n; i++)
		close(fds[i]);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		err(1, "socketpair");
	for (i = 0; i < rounds; i++) {
		if (send(sv[0], "abc", 3, 0) != 3 || recv(sv[1], buf, 3, 0) != 3)
			err(1, "socketpair round");
	}
	printf("@ done\n");
	return 0;
}
