/*
 * hex.h - the value of a hexadecimal digit.
 *
 * SYNOPSIS
 *	int hex_digit(unsigned char c);
 *
 * DESCRIPTION
 *	hex_digit() returns 0 to 15 for a hexadecimal digit in either case
 *	(QP and RFC 2047 escapes, the key file's secrets), -1 for any other
 *	byte.
 */
#ifndef NPSGATE_HEX_H
#define NPSGATE_HEX_H

static inline int
hex_digit(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

#endif
