// SPDX-License-Identifier: GPL-2.0
/*
 * jsoncheck - is standard input one JSON object?  (testlib.sh's json
 * check, so that the guest scripts validate clshmctl -j output without a
 * JSON tool in the guest)
 *
 *   clshmctl -j status | jsoncheck      exit 0 if it is an object, 1 if
 *                                       not (reason on stderr)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

int main(void)
{
	static char buf[1 << 20];
	size_t n = fread(buf, 1, sizeof(buf) - 1, stdin);
	const char *p = buf;

	buf[n] = 0;
	if (n == sizeof(buf) - 1) {
		fprintf(stderr, "jsoncheck: input longer than %zu bytes\n", n);
		return 1;
	}
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	if (*p != '{') {
		fprintf(stderr, "jsoncheck: not an object\n");
		return 1;
	}
	if (!json_valid(buf)) {
		fprintf(stderr, "jsoncheck: not valid JSON\n");
		return 1;
	}
	return 0;
}
