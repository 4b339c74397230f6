/* SPDX-License-Identifier: GPL-2.0 */
/*
 * json.h - a tiny JSON writer for clshmctl -j
 *
 * Writes one indented JSON value to a stdio stream as it is built:
 * objects and arrays nest up to JSON_MAX_DEPTH, members of an object are
 * given a key, members of an array are given NULL.  Strings are escaped;
 * nothing is buffered beyond stdio.
 */
#ifndef CLSHMCTL_JSON_H
#define CLSHMCTL_JSON_H

#include <stdbool.h>
#include <stdio.h>

#define JSON_MAX_DEPTH	8

struct json {
	FILE *f;
	int depth;
	bool has_members[JSON_MAX_DEPTH + 1];
};

/* Indented output (clshmctl -p), else one line. */
extern bool json_pretty;

void json_init(struct json *j, FILE *f);
void json_obj_begin(struct json *j, const char *key);
void json_obj_end(struct json *j);
void json_arr_begin(struct json *j, const char *key);
void json_arr_end(struct json *j);
void json_uint(struct json *j, const char *key, unsigned long long v);
void json_big(struct json *j, const char *key, unsigned long long v);
void json_bool(struct json *j, const char *key, bool v);
void json_null(struct json *j, const char *key);
void json_str(struct json *j, const char *key, const char *s);
/* @s as a JSON string, quoted and escaped, straight to @f. */
void json_put_string(FILE *f, const char *s);
/* A 32-bit id as the string "0x%08x". */
void json_hex32(struct json *j, const char *key, unsigned int v);

#endif /* CLSHMCTL_JSON_H */
