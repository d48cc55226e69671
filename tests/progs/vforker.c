/*
 * vforker.c: vfork then exec (tests/test_faults.c).
 *
 * usage: vforker
 * Does one send+recv on a socketpair, then vfork()s; the child execs
 * /bin/true through execve (with the program's environment) and, in a second
 * round, through execvp("true"); the parent waits for each.  Then one more
 * send+recv.  Expected output:
 *   @ vfork execve status=0
 *   @ vfork execvp status=0
 *   @ after ok
 */
#include <err.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static int round_trip(int sv[2])
{
	char buf[4];

	if (send(sv[0], "ping", 4, 0) != 4)
		return -1;
	if (recv(sv[1], buf, 4, MSG_WAITALL) != 4 || memcmp(buf, "ping", 4) != 0)
		return -1;
	return 0;
}

static int spawn(int how)
{
	char *argv[] = { (char *)"true", NULL };
	pid_t pid;
	int status;

	pid = vfork();
	if (pid < 0)
		err(1, "vfork");
	if (pid == 0) {
		if (how == 0)
			execve("/bin/true", argv, environ);
		else
			execvp("true", argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid)
		err(1, "waitpid");
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int main(void)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0 || round_trip(sv) != 0)
		errx(1, "round trip");
	printf("@ vfork execve status=%d\n", spawn(0));
	printf("@ vfork execvp status=%d\n", spawn(1));
	printf("@ after %s\n", round_trip(sv) == 0 ? "ok" : "bad");
	return 0;
}
