/*
 * address.h - the one form of a mail address that npsgate stores and
 * compares.
 *
 * SYNOPSIS
 *	char *a = address_normalise(s, len);	(NULL: not an address)
 *	char *b = address_first(value, vlen);	(a From, Reply-To, ...)
 *	free(a); free(b);
 *
 * DESCRIPTION
 *	The same mailbox reaches npsgate written several ways: in angle
 *	brackets or not, in any case, its local part quoted although it
 *	needs no quotes ("john.doe"@example.com) or quoted because it must
 *	be ("john doe"@example.com). Every address that is stored (a
 *	survey's recipient, a reply's sender, an opt-out) and every address
 *	a person names (npsgate forget) goes through address_normalise, so
 *	that one mailbox is one string:
 *	  - blanks around it and one pair of angle brackets are dropped;
 *	  - the domain follows the last '@' outside quotes;
 *	  - a quoted local part is unquoted (its backslash pairs read);
 *	    when what it says is a dot-atom it is written bare, else it is
 *	    written quoted again, with only '"' and '\' escaped;
 *	  - ASCII letters are lowercased, in the local part too (mail
 *	    systems treat local parts without case in practice, and
 *	    npsgate always has).
 *	An input with a control character, an empty local part or domain,
 *	a blank outside quotes, or more than 320 bytes is not an address.
 */
#ifndef NPSGATE_ADDRESS_H
#define NPSGATE_ADDRESS_H

#include <stdbool.h>
#include <stddef.h>

/* The normal form of the address s[0..len), as a new string (caller
 * frees), or NULL when it is not an address. Never reads past len. */
char *address_normalise(const char *s, size_t len);
/* The address of the first mailbox of a header value v[0..n) (From,
 * Reply-To, To: "Name <a@b>, c@d", "a@b (Name)"), normalised as above, as
 * a new string (caller frees), or NULL. The display name's quotes and
 * comments are read as such, so a '<' or ',' inside them does not count;
 * a mailbox written without brackets beside other words ("Jean
 * jean@example.com") gives its first word that holds an '@'. Never reads
 * past n. */
char *address_first(const char *v, size_t n);
/* The items of an address-list value v[0..n) (To, Cc), one a call from
 * *pos (0 to start): *a and *alen get the item's part in angle brackets,
 * else the item itself without blanks around it (it may be empty, or
 * hold no '@': the caller decides). Quotes keep a ',' or '<' inside them.
 * Returns false when the list has no item left. Never reads past n. */
bool address_list_next(const char *v, size_t n, size_t *pos,
    const char **a, size_t *alen);

#endif
