/*
 * dropper.c: a server's shapes of dropping privileges (tests/test_privdrop.c).
 *
 * usage: dropper MODE UID GID
 *   fork-drop   forks; the child drops to UID/GID (setgid, setgroups,
 *               setuid, as nginx's workers do), then talks
 *   drop-fork   drops, then forks 3 children one after the other; each
 *               talks
 *   drop-close  drops, closes every descriptor from 3 up (a close() loop to
 *               the soft limit, then close_range), then talks
 *   capdrop     drops capabilities through prctl() (the bounding set,
 *               SECBIT_NOROOT and its lock, the ambient set) and capset()
 *               (none left), keeping its uid; talks; forks a child that
 *               talks; then execs itself as "capdrop-exec", which prints
 *               "@ caps eff=<CapEff>" and talks (UID/GID unused)
 * "Talks": 200 rounds of a 40-byte send and recv over a socketpair.  The
 * parent does 10 rounds of its own first.  Prints, from the process that
 * talked, "@ talker pid=<pid> uid=<uid> rounds=200", and at the end
 * "@ done", and exits 0; 1 when anything fails.
 */
#include <err.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"

static void rounds(int n)
{
	char out[40], in[40];
	int sv[2], i;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		err(1, "socketpair");
	for (i = 0; i < n; i++) {
		memset(out, 'a' + i % 26, sizeof(out));
		if (send(sv[0], out, sizeof(out), 0) != (ssize_t)sizeof(out) ||
		    recv(sv[1], in, sizeof(in), MSG_WAITALL) != (ssize_t)sizeof(in) ||
		    memcmp(in, out, sizeof(in)) != 0)
			err(1, "round %d", i);
	}
	close(sv[0]);
	close(sv[1]);
}

static void drop(uid_t uid, gid_t gid)
{
	if (setgid(gid) != 0 || setgroups(0, NULL) != 0 || setuid(uid) != 0)
		err(1, "drop to %d/%d", (int)uid, (int)gid);
	if (getuid() != uid || geteuid() != uid)
		errx(1, "still uid %d", (int)geteuid());
}

static void talk(void)
{
	rounds(200);
	printf("@ talker pid=%d uid=%d rounds=200\n", (int)getpid(), (int)getuid());
	fflush(stdout);
}

/* Every capability gone, for good: what prctl() can take, then capset(). */
static void drop_caps(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	int c;

	for (c = 0; prctl(PR_CAPBSET_READ, c, 0, 0, 0) >= 0; c++)
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) != 0)
			err(1, "PR_CAPBSET_DROP %d", c);
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0 ||
	    prctl(PR_SET_SECUREBITS, SECBIT_NOROOT | SECBIT_NOROOT_LOCKED, 0, 0, 0) != 0 ||
	    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0)
		err(1, "prctl");
	memset(d, 0, sizeof(d));
	if (syscall(SYS_capset, &h, d) != 0)
		err(1, "capset");
}

/* CapEff of /proc/self/status, as written there. */
static void print_caps(void)
{
	char line[256];
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		err(1, "/proc/self/status");
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "CapEff:\t", 8) == 0)
			printf("@ caps eff=%s", line + 8);
	fclose(f);
}

static void wait_ok(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		errx(1, "child %d failed", (int)pid);
}

int main(int argc, char **argv)
{
	uid_t uid;
	gid_t gid;
	pid_t pid;

	if (argc != 4)
		errx(2, "usage: dropper fork-drop|drop-fork|drop-close|capdrop UID GID");
	uid = (uid_t)parse_num(argv[2], 1, 1 << 30);
	gid = (gid_t)parse_num(argv[3], 1, 1 << 30);
	if (strcmp(argv[1], "capdrop-exec") == 0) {
		print_caps();
		talk();
		printf("@ done\n");
		return 0;
	}
	rounds(10);
	if (strcmp(argv[1], "fork-drop") == 0) {
		pid = fork_flushed();
		if (pid == 0) {
			drop(uid, gid);
			talk();
			_exit(0);
		}
		wait_ok(pid);
	} else if (strcmp(argv[1], "drop-fork") == 0) {
		int i;

		drop(uid, gid);
		for (i = 0; i < 3; i++) {
			pid = fork_flushed();
			if (pid == 0) {
				talk();
				_exit(0);
			}
			wait_ok(pid);
		}
	} else if (strcmp(argv[1], "drop-close") == 0) {
		struct rlimit rl;
		int fd;

		drop(uid, gid);
		fflush(stdout);
		if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
			err(1, "getrlimit");
		for (fd = 3; fd < (int)rl.rlim_cur && fd < 65536; fd++)
			close(fd);
		close_range(3, ~0U, 0);
		talk();
	} else if (strcmp(argv[1], "capdrop") == 0) {
		drop_caps();
		talk();
		pid = fork_flushed();
		if (pid == 0) {
			talk();
			_exit(0);
		}
		wait_ok(pid);
		fflush(stdout);
		{
			char *nargv[] = { argv[0], (char *)"capdrop-exec", argv[2], argv[3], NULL };

			execv("/proc/self/exe", nargv);
		}
		err(1, "exec");
	} else {
		errx(2, "unknown mode %s", argv[1]);
	}
	printf("@ done\n");
	return 0;
}
