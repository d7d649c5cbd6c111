/*
 * netopt.c - socket options for the daemons' network ends.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netopt.h"

/* Descriptors above this are not looked at: a daemon that just opened its
 * listener has a handful. */
#define NETOPT_MAX_FD 4096

/* net_listeners_nodelay - see netopt.h. */
int
net_listeners_nodelay(void)
{
	long max = sysconf(_SC_OPEN_MAX);
	int fd, on = 1, listening, n = 0, failed = 0, saved = 0;
	struct sockaddr_storage sa;
	socklen_t len;

	if (max < 0 || max > NETOPT_MAX_FD)
		max = NETOPT_MAX_FD;
	for (fd = 0; fd < max; fd++) {
		len = sizeof(listening);
		if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening,
		    &len) < 0 || !listening)
			continue;
		len = sizeof(sa);
		if (getsockname(fd, (struct sockaddr *)&sa, &len) < 0 ||
		    (sa.ss_family != AF_INET && sa.ss_family != AF_INET6))
			continue;
		if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on,
		    sizeof(on)) < 0) {
			failed = 1;
			saved = errno;
			continue;
		}
		n++;
	}
	if (failed) {
		errno = saved;
		return -1;
	}
	return n;
}
