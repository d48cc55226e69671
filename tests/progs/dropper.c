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
 * "Talks": 200 rounds of a 40-byte send and recv over a socketpair.  The
 * parent does 10 rounds of its own first.  Prints, from the process that
 * talked, "@ talker pid=<pid> uid=<uid> rounds=200", and at the end
 * "@ done", and exits 0; 1 when anything fails.
 */
#include <err.h>
#include <grp.h>
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
		errx(2, "usage: dropper fork-drop|drop-fork|drop-close UID GID");
	uid = (uid_t)parse_num(argv[2], 1, 1 << 30);
	gid = (gid_t)parse_num(argv[3], 1, 1 << 30);
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
	} else {
		errx(2, "unknown mode %s", argv[1]);
	}
	printf("@ done\n");
	return 0;
}
