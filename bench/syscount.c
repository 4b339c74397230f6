// SPDX-License-Identifier: GPL-2.0
/*
 * syscount.c - count the system calls one operation makes (exactly)
 *
 * A child runs the operation between two getppid() markers under
 * ptrace(PTRACE_SYSCALL); the parent counts the syscall entries between
 * the markers and names them.  Unlike a time this is exact, and it is the
 * same on TCG and on hardware.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

static const char *sys_name(long nr)
{
	static char buf[16];

	switch (nr) {
	case SYS_close: return "close";
	case SYS_mmap: return "mmap";
	case SYS_munmap: return "munmap";
	case SYS_ioctl: return "ioctl";
	case SYS_madvise: return "madvise";
	case SYS_shmget: return "shmget";
	case SYS_shmat: return "shmat";
	case SYS_shmctl: return "shmctl";
	case SYS_shmdt: return "shmdt";
	case SYS_ftruncate: return "ftruncate";
	case SYS_memfd_create: return "memfd_create";
	case SYS_openat: return "openat";
	case SYS_fstat: return "fstat";
	case SYS_newfstatat: return "newfstatat";
	case SYS_fcntl: return "fcntl";
	case SYS_brk: return "brk";
	}
	snprintf(buf, sizeof(buf), "sys%ld", nr);
	return buf;
}

int count_syscalls(void (*setup)(void *), void (*op)(void *),
		   void (*teardown)(void *), void *arg, struct sysc *out)
{
	struct __ptrace_syscall_info info;
	int status, markers = 0, sig = 0;
	pid_t pid;

	memset(out, 0, sizeof(*out));
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (setup)
			setup(arg);
		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) < 0)
			_exit(2);
		raise(SIGSTOP);
		syscall(SYS_getppid);
		op(arg);
		syscall(SYS_getppid);
		if (teardown)
			teardown(arg);
		_exit(0);
	}

	if (waitpid(pid, &status, 0) < 0 || !WIFSTOPPED(status))
		goto fail;
	if (ptrace(PTRACE_SETOPTIONS, pid, NULL,
		   (void *)(long)(PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL)) < 0)
		goto fail;
	for (;;) {
		if (ptrace(PTRACE_SYSCALL, pid, NULL, (void *)(long)sig) < 0)
			goto fail;
		sig = 0;
		if (waitpid(pid, &status, 0) < 0)
			goto fail;
		if (WIFEXITED(status) || WIFSIGNALED(status))
			break;
		if (!WIFSTOPPED(status))
			continue;
		if (WSTOPSIG(status) != (SIGTRAP | 0x80)) {
			sig = WSTOPSIG(status);	/* deliver it */
			continue;
		}
		if (ptrace(PTRACE_GET_SYSCALL_INFO, pid, (void *)sizeof(info),
			   &info) < 0)
			goto fail;
		if (info.op != PTRACE_SYSCALL_INFO_ENTRY)
			continue;
		if ((long)info.entry.nr == SYS_getppid) {
			markers++;
			continue;
		}
		if (markers == 1) {
			size_t l = strlen(out->names);

			snprintf(out->names + l, sizeof(out->names) - l, "%s%s",
				 out->n ? "," : "", sys_name((long)info.entry.nr));
			out->n++;
		}
	}
	return (WIFEXITED(status) && WEXITSTATUS(status) == 0 && markers == 2) ?
	       0 : -1;
fail:
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -1;
}
