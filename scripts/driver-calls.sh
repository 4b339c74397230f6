#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/driver-calls.sh: which driver file calls which.
#
# Lists, for every pair of driver files, the non-static functions one
# defines and the other calls directly (calls through a table of
# operations do not count: they are how news goes up).  The driver's rule
# (Documentation/architecture.md) is that calls only go down: no two files
# may call each other, directly or around a loop.  Exit status 1 if a loop
# exists, with the loop printed.
#
#   scripts/driver-calls.sh [-v]     -v: also print every file -> file edge
set -euo pipefail
cd "$(dirname "$0")/.."
verbose=${1:-}

files=$(find driver -name '*.c' | sort)
declare -A defs=()	# function -> file
for f in $files; do
	# A definition: a line starting with a type, not static, ending in '('
	# ... and the function name just before the parenthesis.
	while read -r fn; do
		defs[$fn]=$f
	done < <(grep -E '^[a-z_][a-z0-9_ *]*[ *]([a-z_][a-z0-9_]*)\(' "$f" |
		 grep -vE '^static|^\s' | sed -E 's/^.*[ *]([a-z_][a-z0-9_]*)\(.*/\1/')
done

declare -A edge=()
for f in $files; do
	# Identifiers followed by '(' in f, minus comments (roughly).
	for fn in $(sed -E 's#//.*##' "$f" | grep -oE '\b[a-z_][a-z0-9_]*\(' |
		    tr -d '(' | sort -u); do
		g=${defs[$fn]:-}
		[ -n "$g" ] && [ "$g" != "$f" ] || continue
		edge["$f $g"]+="$fn "
	done
done

if [ "$verbose" = -v ]; then
	for e in "${!edge[@]}"; do echo "$e: ${edge[$e]}"; done | sort
fi

# Loops: a depth-first search over the file graph.
declare -A color=()
loop=0
dfs() {
	local f=$1 path=$2 e g
	color[$f]=1
	for e in "${!edge[@]}"; do
		[ "${e%% *}" = "$f" ] || continue
		g=${e#* }
		if [ "${color[$g]:-0}" = 1 ]; then
			echo "loop: $path -> $g (${edge[$e]% })"
			loop=1
		elif [ "${color[$g]:-0}" = 0 ]; then
			dfs "$g" "$path -> $g"
		fi
	done
	color[$f]=2
}
for f in $files; do
	[ "${color[$f]:-0}" = 0 ] && dfs "$f" "$f"
done
if [ $loop = 0 ]; then
	echo "driver calls: no loops among $(echo $files | wc -w) files"
fi
exit $loop
