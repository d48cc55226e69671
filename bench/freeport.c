/*
 * freeport.c: prints a TCP port that is free on 127.0.0.1, for bench/run.sh
 * to give to a server it configures (nginx): binds port 0, reads the port the
 * kernel chose, closes.  The port could in principle be taken again before
 * the server binds it; on a bench machine that does not happen in practice,
 * and run.sh fails loudly if it does.
 */
#include <arpa/inet.h>
#include <err.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(void)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		err(1, "socket");
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		err(1, "bind 127.0.0.1:0");
	if (getsockname(fd, (struct sockaddr *)&sa, &sl) != 0)
		err(1, "getsockname");
	printf("%u\n", (unsigned)ntohs(sa.sin_port));
	close(fd);
	return 0;
}
