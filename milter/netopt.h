/*
 * netopt.h - socket options for the daemons' network ends.
 */
#ifndef NPSGATE_NETOPT_H
#define NPSGATE_NETOPT_H

/*
 * net_listeners_nodelay - sets TCP_NODELAY on every listening TCP socket
 * the process has open; Linux hands the setting down to each connection
 * accepted from it afterwards. For a listener opened by a library that
 * does not hand out its descriptor (libmilter). Returns how many sockets
 * were set, or -1 when one refused (errno set).
 */
int net_listeners_nodelay(void);

#endif
