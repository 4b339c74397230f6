// SPDX-License-Identifier: GPL-2.0
/*
 * json.c - a tiny JSON writer (see json.h)
 *
 * Output is RFC 8259 JSON, compact (one line) unless json_pretty is set
 * (clshmctl -p): then indented by two spaces.  Strings are written
 * byte for byte except for '"', '\\' and control characters, which are
 * escaped; clshmctl only writes ASCII strings.  Nesting deeper than
 * JSON_MAX_DEPTH is a programming error and aborts.
 */
#include <stdlib.h>

#include "json.h"

bool json_pretty;

void json_init(struct json *j, FILE *f)
{
	j->f = f;
	j->depth = 0;
	j->has_members[0] = false;
}

void json_put_string(FILE *f, const char *s)
{
	const unsigned char *p;

	fputc('"', f);
	for (p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

static void indent(struct json *j)
{
	int i;

	if (!json_pretty)
		return;
	fputc('\n', j->f);
	for (i = 0; i < j->depth; i++)
		fputs("  ", j->f);
}

/* Start a value: the comma, the line break and the key. */
static void member(struct json *j, const char *key)
{
	if (j->depth > 0) {
		if (j->has_members[j->depth])
			fputc(',', j->f);
		j->has_members[j->depth] = true;
		indent(j);
	}
	if (key) {
		json_put_string(j->f, key);
		fputs(json_pretty ? ": " : ":", j->f);
	}
}

static void open_container(struct json *j, const char *key, char c)
{
	member(j, key);
	if (j->depth >= JSON_MAX_DEPTH)
		abort();
	fputc(c, j->f);
	j->depth++;
	j->has_members[j->depth] = false;
}

static void close_container(struct json *j, char c)
{
	if (j->depth <= 0)
		abort();
	j->depth--;
	if (j->has_members[j->depth + 1])
		indent(j);
	fputc(c, j->f);
	if (!j->depth)
		fputc('\n', j->f);
}

void json_obj_begin(struct json *j, const char *key)
{
	open_container(j, key, '{');
}

void json_obj_end(struct json *j)
{
	close_container(j, '}');
}

void json_arr_begin(struct json *j, const char *key)
{
	open_container(j, key, '[');
}

void json_arr_end(struct json *j)
{
	close_container(j, ']');
}

void json_uint(struct json *j, const char *key, unsigned long long v)
{
	member(j, key);
	fprintf(j->f, "%llu", v);
}

/* A u64 that may pass 2^53 (a stamp): a string, so every reader keeps it. */
void json_big(struct json *j, const char *key, unsigned long long v)
{
	member(j, key);
	fprintf(j->f, "\"%llu\"", v);
}

void json_bool(struct json *j, const char *key, bool v)
{
	member(j, key);
	fputs(v ? "true" : "false", j->f);
}

void json_null(struct json *j, const char *key)
{
	member(j, key);
	fputs("null", j->f);
}

void json_str(struct json *j, const char *key, const char *s)
{
	member(j, key);
	json_put_string(j->f, s);
}

void json_hex32(struct json *j, const char *key, unsigned int v)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "0x%08x", v);
	json_str(j, key, buf);
}
