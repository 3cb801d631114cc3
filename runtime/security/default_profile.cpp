// Docker's default seccomp profile as data: the allow list one name a line, as in moby's
// profiles/seccomp/default.json, so that following an update of it is a plain diff.
#include "runtime/security/default_profile.h"

#include <iterator>

namespace minipod::security {
namespace {

// Docker's unconditional allow list (moby profiles/seccomp/default.json). Names unknown to this
// libseccomp or architecture are skipped when the filter is compiled. io_uring_setup, _enter and
// _register are not in it, as in Docker and containerd since 2023 (moby#46762, containerd#9320):
// io_uring bypasses the filter for every operation it carries, and has been a steady source of
// kernel exploits.
const char* const kAllowed[] = {
    "accept",
    "accept4",
    "access",
    "adjtimex",
    "alarm",
    "bind",
    "brk",
    "capget",
    "capset",
    "chdir",
    "chmod",
    "chown",
    "chown32",
    "clock_adjtime",
    "clock_adjtime64",
    "clock_getres",
    "clock_getres_time64",
    "clock_gettime",
    "clock_gettime64",
    "clock_nanosleep",
    "clock_nanosleep_time64",
    "close",
    "close_range",
    "connect",
    "copy_file_range",
    "creat",
    "dup",
    "dup2",
    "dup3",
    "epoll_create",
    "epoll_create1",
    "epoll_ctl",
    "epoll_ctl_old",
    "epoll_pwait",
    "epoll_pwait2",
    "epoll_wait",
    "epoll_wait_old",
    "eventfd",
    "eventfd2",
    "execve",
    "execveat",
    "exit",
    "exit_group",
    "faccessat",
    "faccessat2",
    "fadvise64",
    "fadvise64_64",
    "fallocate",
    "fanotify_mark",
    "fchdir",
    "fchmod",
    "fchmodat",
    "fchown",
    "fchown32",
    "fchownat",
    "fcntl",
    "fcntl64",
    "fdatasync",
    "fgetxattr",
    "flistxattr",
    "flock",
    "fork",
    "fremovexattr",
    "fsetxattr",
    "fstat",
    "fstat64",
    "fstatat64",
    "fstatfs",
    "fstatfs64",
    "fsync",
    "ftruncate",
    "ftruncate64",
    "futex",
    "futex_time64",
    "futex_waitv",
    "futimesat",
    "getcpu",
    "getcwd",
    "getdents",
    "getdents64",
    "getegid",
    "getegid32",
    "geteuid",
    "geteuid32",
    "getgid",
    "getgid32",
    "getgroups",
    "getgroups32",
    "getitimer",
    "getpeername",
    "getpgid",
    "getpgrp",
    "getpid",
    "getppid",
    "getpriority",
    "getrandom",
    "getresgid",
    "getresgid32",
    "getresuid",
    "getresuid32",
    "getrlimit",
    "get_robust_list",
    "getrusage",
    "getsid",
    "getsockname",
    "getsockopt",
    "get_thread_area",
    "gettid",
    "gettimeofday",
    "getuid",
    "getuid32",
    "getxattr",
    "inotify_add_watch",
    "inotify_init",
    "inotify_init1",
    "inotify_rm_watch",
    "io_cancel",
    "ioctl",
    "io_destroy",
    "io_getevents",
    "io_pgetevents",
    "io_pgetevents_time64",
    "ioprio_get",
    "ioprio_set",
    "io_setup",
    "io_submit",
    "ipc",
    "kill",
    "landlock_add_rule",
    "landlock_create_ruleset",
    "landlock_restrict_self",
    "lchown",
    "lchown32",
    "lgetxattr",
    "link",
    "linkat",
    "listen",
    "listxattr",
    "llistxattr",
    "_llseek",
    "lremovexattr",
    "lseek",
    "lsetxattr",
    "lstat",
    "lstat64",
    "madvise",
    "membarrier",
    "memfd_create",
    "memfd_secret",
    "mincore",
    "mkdir",
    "mkdirat",
    "mknod",
    "mknodat",
    "mlock",
    "mlock2",
    "mlockall",
    "mmap",
    "mmap2",
    "mprotect",
    "mq_getsetattr",
    "mq_notify",
    "mq_open",
    "mq_timedreceive",
    "mq_timedreceive_time64",
    "mq_timedsend",
    "mq_timedsend_time64",
    "mq_unlink",
    "mremap",
    "msgctl",
    "msgget",
    "msgrcv",
    "msgsnd",
    "msync",
    "munlock",
    "munlockall",
    "munmap",
    "name_to_handle_at",
    "nanosleep",
    "newfstatat",
    "_newselect",
    "open",
    "openat",
    "openat2",
    "pause",
    "pidfd_open",
    "pidfd_send_signal",
    "pipe",
    "pipe2",
    "pkey_alloc",
    "pkey_free",
    "pkey_mprotect",
    "poll",
    "ppoll",
    "ppoll_time64",
    "prctl",
    "pread64",
    "preadv",
    "preadv2",
    "prlimit64",
    "process_mrelease",
    "pselect6",
    "pselect6_time64",
    "pwrite64",
    "pwritev",
    "pwritev2",
    "read",
    "readahead",
    "readlink",
    "readlinkat",
    "readv",
    "recv",
    "recvfrom",
    "recvmmsg",
    "recvmmsg_time64",
    "recvmsg",
    "remap_file_pages",
    "removexattr",
    "rename",
    "renameat",
    "renameat2",
    "restart_syscall",
    "rmdir",
    "rseq",
    "rt_sigaction",
    "rt_sigpending",
    "rt_sigprocmask",
    "rt_sigqueueinfo",
    "rt_sigreturn",
    "rt_sigsuspend",
    "rt_sigtimedwait",
    "rt_sigtimedwait_time64",
    "rt_tgsigqueueinfo",
    "sched_getaffinity",
    "sched_getattr",
    "sched_getparam",
    "sched_get_priority_max",
    "sched_get_priority_min",
    "sched_getscheduler",
    "sched_rr_get_interval",
    "sched_rr_get_interval_time64",
    "sched_setaffinity",
    "sched_setattr",
    "sched_setparam",
    "sched_setscheduler",
    "sched_yield",
    "seccomp",
    "select",
    "semctl",
    "semget",
    "semop",
    "semtimedop",
    "semtimedop_time64",
    "send",
    "sendfile",
    "sendfile64",
    "sendmmsg",
    "sendmsg",
    "sendto",
    "setfsgid",
    "setfsgid32",
    "setfsuid",
    "setfsuid32",
    "setgid",
    "setgid32",
    "setgroups",
    "setgroups32",
    "setitimer",
    "setpgid",
    "setpriority",
    "setregid",
    "setregid32",
    "setresgid",
    "setresgid32",
    "setresuid",
    "setresuid32",
    "setreuid",
    "setreuid32",
    "setrlimit",
    "set_robust_list",
    "setsid",
    "setsockopt",
    "set_thread_area",
    "set_tid_address",
    "setuid",
    "setuid32",
    "setxattr",
    "shmat",
    "shmctl",
    "shmdt",
    "shmget",
    "shutdown",
    "sigaltstack",
    "signalfd",
    "signalfd4",
    "sigprocmask",
    "sigreturn",
    "socketcall",
    "socketpair",
    "splice",
    "stat",
    "stat64",
    "statfs",
    "statfs64",
    "statx",
    "symlink",
    "symlinkat",
    "sync",
    "sync_file_range",
    "syncfs",
    "sysinfo",
    "tee",
    "tgkill",
    "time",
    "timer_create",
    "timer_delete",
    "timer_getoverrun",
    "timer_gettime",
    "timer_gettime64",
    "timer_settime",
    "timer_settime64",
    "timerfd_create",
    "timerfd_gettime",
    "timerfd_gettime64",
    "timerfd_settime",
    "timerfd_settime64",
    "times",
    "tkill",
    "truncate",
    "truncate64",
    "ugetrlimit",
    "umask",
    "uname",
    "unlink",
    "unlinkat",
    "utime",
    "utimensat",
    "utimensat_time64",
    "utimes",
    "vfork",
    "vmsplice",
    "wait4",
    "waitid",
    "waitpid",
    "write",
    "writev",
};

SeccompRule allow(std::vector<std::string> names) {
  SeccompRule r;
  r.names = std::move(names);
  r.action = "SCMP_ACT_ALLOW";
  return r;
}

SeccompRule allow_with_cap(std::vector<std::string> names, const char* cap) {
  SeccompRule r = allow(std::move(names));
  r.include_caps = {cap};
  return r;
}

}  // namespace

SeccompProfile runtime_default_profile() {
  SeccompProfile p;
  p.default_action = "SCMP_ACT_ERRNO";
  p.default_errno = 1;  // EPERM
  p.syscalls.push_back(allow({std::begin(kAllowed), std::end(kAllowed)}));

  SeccompRule trace = allow({"process_vm_readv", "process_vm_writev", "ptrace"});
  trace.min_kernel = "4.8";
  p.syscalls.push_back(trace);

  SeccompRule socket = allow({"socket"});  // every family but AF_VSOCK (40)
  socket.args = {{0, 40, 0, "SCMP_CMP_NE"}};
  p.syscalls.push_back(socket);

  // personality: only the harmless personas (Linux, UNAME26, PER_LINUX32 and the query).
  for (uint64_t persona : {0x0ULL, 0x8ULL, 0x20000ULL, 0x20008ULL, 0xffffffffULL}) {
    SeccompRule r = allow({"personality"});
    r.args = {{0, persona, 0, "SCMP_CMP_EQ"}};
    p.syscalls.push_back(r);
  }

  auto arch_rule = [&p](std::vector<std::string> names, std::vector<std::string> arches) {
    SeccompRule r = allow(std::move(names));
    r.include_arches = std::move(arches);
    p.syscalls.push_back(r);
  };
  arch_rule({"sync_file_range2", "swapcontext"}, {"ppc64le"});
  arch_rule({"arm_fadvise64_64", "arm_sync_file_range", "sync_file_range2", "breakpoint",
             "cacheflush", "set_tls"},
            {"arm", "arm64"});
  arch_rule({"arch_prctl"}, {"amd64", "x32"});
  arch_rule({"modify_ldt"}, {"amd64", "x32", "x86"});
  arch_rule({"s390_pci_mmio_read", "s390_pci_mmio_write", "s390_runtime_instr"}, {"s390", "s390x"});
  arch_rule({"riscv_flush_icache"}, {"riscv64"});

  // What a capability makes safe to allow.
  p.syscalls.push_back(allow_with_cap({"open_by_handle_at"}, "CAP_DAC_READ_SEARCH"));
  p.syscalls.push_back(allow_with_cap(
      {"bpf",           "clone",         "clone3",      "fanotify_init",   "fsconfig",
       "fsmount",       "fsopen",        "fspick",      "lookup_dcookie",  "mount",
       "mount_setattr", "move_mount",    "open_tree",   "perf_event_open", "quotactl",
       "quotactl_fd",   "setdomainname", "sethostname", "setns",           "syslog",
       "umount",        "umount2",       "unshare"},
      "CAP_SYS_ADMIN"));

  // clone without any namespace flag (CLONE_NEWNS|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET|NEWCGROUP).
  SeccompRule clone = allow({"clone"});
  clone.args = {{0, 2114060288, 0, "SCMP_CMP_MASKED_EQ"}};
  clone.exclude_caps = {"CAP_SYS_ADMIN"};
  clone.exclude_arches = {"s390", "s390x"};
  p.syscalls.push_back(clone);
  SeccompRule clone_s390 = clone;
  clone_s390.args = {{1, 2114060288, 0, "SCMP_CMP_MASKED_EQ"}};
  clone_s390.exclude_arches.clear();
  clone_s390.include_arches = {"s390", "s390x"};
  p.syscalls.push_back(clone_s390);

  // clone3 passes its flags in memory a filter cannot read: ENOSYS makes libc fall back to clone.
  SeccompRule clone3;
  clone3.names = {"clone3"};
  clone3.action = "SCMP_ACT_ERRNO";
  clone3.errno_ret = 38;  // ENOSYS
  clone3.exclude_caps = {"CAP_SYS_ADMIN"};
  p.syscalls.push_back(clone3);

  p.syscalls.push_back(allow_with_cap({"reboot"}, "CAP_SYS_BOOT"));
  p.syscalls.push_back(allow_with_cap({"chroot"}, "CAP_SYS_CHROOT"));
  p.syscalls.push_back(
      allow_with_cap({"delete_module", "init_module", "finit_module"}, "CAP_SYS_MODULE"));
  p.syscalls.push_back(allow_with_cap({"acct"}, "CAP_SYS_PACCT"));
  p.syscalls.push_back(allow_with_cap(
      {"kcmp", "pidfd_getfd", "process_madvise", "process_vm_readv", "process_vm_writev", "ptrace"},
      "CAP_SYS_PTRACE"));
  p.syscalls.push_back(allow_with_cap({"iopl", "ioperm"}, "CAP_SYS_RAWIO"));
  p.syscalls.push_back(allow_with_cap({"settimeofday", "stime", "clock_settime", "clock_settime64"},
                                      "CAP_SYS_TIME"));
  p.syscalls.push_back(allow_with_cap({"vhangup"}, "CAP_SYS_TTY_CONFIG"));
  p.syscalls.push_back(allow_with_cap(
      {"get_mempolicy", "mbind", "set_mempolicy", "set_mempolicy_home_node"}, "CAP_SYS_NICE"));
  p.syscalls.push_back(allow_with_cap({"syslog"}, "CAP_SYSLOG"));
  p.syscalls.push_back(allow_with_cap({"bpf"}, "CAP_BPF"));
  p.syscalls.push_back(allow_with_cap({"perf_event_open"}, "CAP_PERFMON"));
  return p;
}

}  // namespace minipod::security
