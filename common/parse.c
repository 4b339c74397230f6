// SPDX-License-Identifier: GPL-2.0
/*
 * parse.c - numbers and sizes from command lines and the environment
 * (see clshm-common.h)
 *
 * strtoull(3) alone takes leading blanks, a sign (and negates), octal and
 * an empty string, and stops quietly at the first bad character: a count
 * or a size given to a clshm program takes none of that.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>

#include "clshm-common.h"

/* The number at the start of s: its end in *end, or -EINVAL/-ERANGE. */
static int parse_prefix(const char *s, unsigned long long *out, char **end)
{
	const char *digits = s;
	unsigned long long v;

	if (!s || !(*s >= '0' && *s <= '9'))
		return -EINVAL;
	errno = 0;
	/* Decimal, or hexadecimal with 0x; never octal ("010" is ten). */
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		digits = s + 2;
		if (!isxdigit((unsigned char)*digits))
			return -EINVAL;
		v = strtoull(digits, end, 16);
	} else {
		v = strtoull(digits, end, 10);
	}
	if (errno == ERANGE)
		return -ERANGE;
	*out = v;
	return 0;
}

int parse_u64(const char *s, unsigned long long max, unsigned long long *out)
{
	unsigned long long v;
	char *end;
	int err;

	err = parse_prefix(s, &v, &end);
	if (err)
		return err;
	if (*end)
		return -EINVAL;
	if (v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int parse_size(const char *s, unsigned long long max, unsigned long long *out)
{
	unsigned long long v;
	unsigned int shift = 0;
	char *end;
	int err;

	err = parse_prefix(s, &v, &end);
	if (err)
		return err;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	}
	if (*end == 'b' || *end == 'B')
		end++;
	if (*end)
		return -EINVAL;
	if (v > (max >> shift))
		return -ERANGE;
	*out = v << shift;
	return 0;
}
