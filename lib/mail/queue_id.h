/*
 * queue_id.h - Postfix queue ids, as npsgate records them and hands them
 * to postsuper.
 *
 * SYNOPSIS
 *	if (queue_id_valid(s, len)) ... record it, or run postsuper -H s
 *
 * DESCRIPTION
 *	A queue id comes from the milter protocol (the "i" macro), that is
 *	from whoever talks to the milter's socket, and goes back to
 *	postsuper, which also takes words such as ALL: only the two forms
 *	Postfix itself makes are accepted.
 *	  - Short (the default): upper-case hexadecimal, 5 digits of
 *	    microseconds then the queue file's inode number: 6 to 21
 *	    characters of 0-9 A-F.
 *	  - Long (enable_long_queue_ids = yes): at least 6 characters of
 *	    seconds and 4 of microseconds in Postfix's 52-character alphabet
 *	    (0-9, B-Z and b-z without the vowels), a 'z', then the inode
 *	    number in the first 51 characters of that alphabet (no 'z').
 *	queue_id_valid() reads exactly len bytes; at most QUEUE_ID_MAX.
 */
#ifndef NPSGATE_QUEUE_ID_H
#define NPSGATE_QUEUE_ID_H

#include <stdbool.h>
#include <stddef.h>

#define QUEUE_ID_MAX 64

bool queue_id_valid(const char *s, size_t len);

#endif
