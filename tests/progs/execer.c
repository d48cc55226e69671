/*
 * execer.c: exec and posix_spawn under the library (tests/test_stress.c).
 *
 * usage: execer MODE
 *   child    one round of send+recv of 5 bytes ("exec!") on a new socketpair,
 *            then prints "@ child pid=<pid> ok".
 *   execve   one round on a socketpair, prints "@ execve pid=<pid>", then
 *            execve()s itself in mode child with the environment
 *            {"PATH=/usr/bin", NULL} (no LD_PRELOAD).
 *   execvp   the same, after unsetenv("LD_PRELOAD") and the SOCKTRACE_*
 *            variables, through execvp() with environ (prints
 *            "@ execvp pid=<pid>").
 *   execfail one round, an execve of a path that does not exist (it fails),
 *            another round, then prints "@ execfail pid=<pid> errno=<e>".
 *   spawn    one round, then posix_spawn()s itself in mode child with an
 *            empty environment, waits, prints
 *            "@ spawn pid=<pid> child=<pid> status=0".
 * Expected output for execve: "@ execve pid=P" then "@ child pid=P ok",
 * the same P.
 */
#include <err.h>
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static void one_round(void)
{
	char buf[5];
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		err(1, "socketpair");
	if (send(sv[0], "exec!", 5, 0) != 5)
		err(1, "send");
	if (recv(sv[1], buf, 5, MSG_WAITALL) != 5 || memcmp(buf, "exec!", 5) != 0)
		errx(1, "recv");
}

static const char *self_path(void)
{
	static char path[4096];
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);

	if (n <= 0)
		err(1, "readlink");
	path[n] = '\0';
	return path;
}

int main(int argc, char **argv)
{
	const char *mode = argc == 2 ? argv[1] : "";
	const char *self;
	char *cargv[] = { (char *)"execer", (char *)"child", NULL };

	if (strcmp(mode, "child") == 0) {
		one_round();
		printf("@ child pid=%d ok\n", (int)getpid());
		return 0;
	}
	self = self_path();
	if (strcmp(mode, "execve") == 0) {
		char *env[] = { (char *)"PATH=/usr/bin", NULL };

		one_round();
		printf("@ execve pid=%d\n", (int)getpid());
		fflush(stdout);
		execve(self, cargv, env);
		err(1, "execve");
	}
	if (strcmp(mode, "execvp") == 0) {
		one_round();
		printf("@ execvp pid=%d\n", (int)getpid());
		fflush(stdout);
		unsetenv("LD_PRELOAD");
		unsetenv("SOCKTRACE_DIR");
		unsetenv("SOCKTRACE_PAYLOAD");
		cargv[0] = (char *)self;
		execvp(self, cargv);
		err(1, "execvp");
	}
	if (strcmp(mode, "execfail") == 0) {
		int e;

		one_round();
		execve("/nonexistent/execer", cargv, environ);
		e = errno;
		one_round();
		printf("@ execfail pid=%d errno=%d\n", (int)getpid(), e);
		return 0;
	}
	if (strcmp(mode, "spawn") == 0) {
		char *env[] = { NULL };
		pid_t pid;
		int status, r;

		one_round();
		fflush(stdout);
		r = posix_spawn(&pid, self, NULL, NULL, cargv, env);
		if (r != 0)
			errx(1, "posix_spawn: %s", strerror(r));
		if (waitpid(pid, &status, 0) != pid)
			err(1, "waitpid");
		printf("@ spawn pid=%d child=%d status=%d\n", (int)getpid(), (int)pid,
		       WIFEXITED(status) ? WEXITSTATUS(status) : 128);
		return 0;
	}
	fprintf(stderr, "usage: execer child|execve|execvp|spawn\n");
	return 2;
}
