/*
 * test_netopt.c - TCP_NODELAY on listeners, and on what they accept.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "netopt.h"
#include "testlib.h"

static int
nodelay(int fd)
{
	int v = -1;
	socklen_t len = sizeof(v);

	assert_int_equal(getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, &len),
	    0);
	return v;
}

/* A listening socket on 127.0.0.1, any port; *sin gets its address. */
static int
tcp_listener(struct sockaddr_in *sin)
{
	socklen_t len = sizeof(*sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)sin, sizeof(*sin)), 0);
	assert_int_equal(listen(fd, 4), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)sin, &len), 0);
	return fd;
}

static int
accept_one(int lfd, const struct sockaddr_in *sin, int *client)
{
	int fd;

	*client = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(*client >= 0);
	assert_int_equal(connect(*client, (const struct sockaddr *)sin,
	    sizeof(*sin)), 0);
	fd = accept(lfd, NULL, NULL);
	assert_true(fd >= 0);
	return fd;
}

static void
test_accepted_connections_have_nodelay(void **state)
{
	struct sockaddr_in sin;
	int lfd, cfd, afd;

	(void)state;
	lfd = tcp_listener(&sin);
	/* Without the call, Linux's default: Nagle on. */
	afd = accept_one(lfd, &sin, &cfd);
	assert_int_equal(nodelay(afd), 0);
	close(afd);
	close(cfd);

	assert_int_equal(net_listeners_nodelay(), 1);
	assert_int_not_equal(nodelay(lfd), 0);
	afd = accept_one(lfd, &sin, &cfd);
	assert_int_not_equal(nodelay(afd), 0);
	close(afd);
	close(cfd);
	close(lfd);
}

static void
test_connected_and_unix_sockets_are_left_alone(void **state)
{
	struct sockaddr_in sin;
	struct sockaddr_un sun;
	int lfd, cfd, afd, ufd;
	char *path;

	(void)state;
	lfd = tcp_listener(&sin);
	afd = accept_one(lfd, &sin, &cfd);
	close(lfd);
	/* A unix listener: no Nagle there, nothing to set. */
	path = testlib_dir_make("netopt");
	assert_non_null(path);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	assert_true(strlen(path) + 3 < sizeof(sun.sun_path));
	memcpy(sun.sun_path, path, strlen(path));
	memcpy(sun.sun_path + strlen(path), "/s", 3);
	ufd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(ufd >= 0);
	assert_int_equal(bind(ufd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(listen(ufd, 1), 0);

	assert_int_equal(net_listeners_nodelay(), 0);
	assert_int_equal(nodelay(afd), 0);
	assert_int_equal(nodelay(cfd), 0);
	close(ufd);
	testlib_dir_remove(path);
	close(afd);
	close(cfd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accepted_connections_have_nodelay),
		cmocka_unit_test(test_connected_and_unix_sockets_are_left_alone),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
