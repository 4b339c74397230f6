#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# bench/guest.sh - the guest side of "make bench" (busybox sh, as root,
# with clshm loaded and started by vm/run's init).
#
#   sh guest.sh SUITE [--quick] [--row N] [--tag NAME] [--diag] [--profile]
#
# SUITE local runs in one guest; SUITE fabric in both guests of vm/run
# --guests 2 at once (clshm-bench finds its role from CLSHM_GUEST).
#
# Prepares the guest for the suite (huge pages for the SHM_HUGETLB and
# MFD_HUGETLB rows, room for 10,000 System V segments), runs clshm-bench;
# with --diag also row 1 with the daemon stopped, and with --profile
# traces one cycle of each kind with ftrace's function_graph (lines
# "T ..." for bench/report.py).  Turning function_graph on and off patches
# every function of the kernel: under TCG on a loaded host that takes
# minutes and can trip RCU stall reports, so it is not on by default.

suite=${1:-local}
[ $# -gt 0 ] && shift
profile=0
diag=0
args=
while [ $# -gt 0 ]; do
	case $1 in
	--profile) profile=1 ;;
	--diag) diag=1 ;;
	--row) args="$args --row $2"; shift ;;
	*) args="$args $1" ;;
	esac
	shift
done

# 48 huge pages of 2 MiB: the 16 MiB populate rows need 8 at a time
# (the local suite only).
if [ "$suite" = local ]; then
	echo 48 > /proc/sys/vm/nr_hugepages 2>/dev/null ||
		echo "# guest.sh: could not reserve huge pages"
fi
# Row 7 keeps 10,000 System V segments alive (default limit 4096), row 12
# 100,000 (past 32768 only with the ipcmni_extend boot parameter).
echo 131072 > /proc/sys/kernel/shmmni 2>/dev/null ||
	echo 32768 > /proc/sys/kernel/shmmni
echo "# guest.sh: ${CLSHM_GUEST:+guest $CLSHM_GUEST, }$(uname -r), $(grep -c ^processor /proc/cpuinfo) CPUs, huge pages $(cat /proc/sys/vm/nr_hugepages)"

clshm-bench --suite "$suite" $args || exit $?

# Diagnostic: row 1 again with clshmd stopped.  Every create and remove
# posts to the daemon's ring and wakes it, and it logs a line through
# syslogd: with two vCPUs those processes compete with the caller.  With
# the daemon stopped (the ring fills and drops its messages) the cells
# show the driver's own cost; they are tagged "local:daemon-stopped".
case " $args " in *" --quick "*) dq=--quick ;; *) dq= ;; esac
if [ $diag = 1 ] && [ "$suite" = local ] && dpid=$(pidof clshmd); then
	echo "# guest.sh: row 1 again with clshmd stopped (a diagnostic)"
	kill -STOP $dpid
	clshm-bench --suite local --row 1 --tag daemon-stopped $dq
	kill -CONT $dpid
fi

[ $profile = 1 ] || exit 0
T=/sys/kernel/tracing
[ -d $T/events ] || mount -t tracefs nodev $T 2>/dev/null
if ! grep -qw function_graph $T/available_tracers 2>/dev/null; then
	echo "# guest.sh: no function_graph tracer; no profile"
	exit 0
fi
echo 0 > $T/tracing_on
echo function_graph > $T/current_tracer
echo 8 > $T/max_graph_depth
echo funcgraph-tail > $T/trace_options
echo nofuncgraph-irqs > $T/trace_options 2>/dev/null
echo nofuncgraph-cpu > $T/trace_options 2>/dev/null
echo funcgraph-abstime > $T/trace_options 2>/dev/null
: > $T/set_graph_function
for f in __x64_sys_ioctl __x64_sys_mmap __x64_sys_munmap __x64_sys_close \
	 __x64_sys_shmget __x64_sys_shmat __x64_sys_shmdt __x64_sys_shmctl \
	 __x64_sys_memfd_create __x64_sys_ftruncate handle_mm_fault; do
	echo $f >> $T/set_graph_function 2>/dev/null
done
echo 16384 > $T/buffer_size_kb
: > $T/trace
clshm-bench --profile 3
sed -e '/^#/d' -e 's/^/T /' $T/trace
echo nop > $T/current_tracer
exit 0
