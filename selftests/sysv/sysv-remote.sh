#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# sysv-remote.sh - the conformance suite with every segment owned by
# partition 0 and attached from this one (run.sh --part sysv, guest 1)

here=$(cd "$(dirname "$0")" && pwd)
SYSV_CONFORM_REMOTE=0
export SYSV_CONFORM_REMOTE
exec "$here/sysv-conform.sh"
