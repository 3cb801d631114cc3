/* probe: a small static program that reports what a container sees (crun's idea). Tests put it in
 * an image and ask it questions instead of parsing shell output. Each sub-command prints one
 * answer and exits 0, or prints why not and exits 1.
 *
 *   probe ns NAME...        "net:4026532001" for each /proc/self/ns/NAME
 *   probe hostname          the UTS hostname
 *   probe pid               getpid() and getppid()
 *   probe shm-create KEY    creates a SysV shared memory segment with this key
 *   probe shm-find KEY      exit 0 if a segment with this key exists in our IPC namespace
 *   probe mq-create NAME    creates a POSIX message queue /NAME
 *   probe mq-find NAME      exit 0 if /NAME exists
 *   probe orphan            leaves a child that exits after its parent: a zombie for PID 1 to reap;
 *                           prints that child's pid
 *   probe exists PID        exit 0 if /proc/PID exists (a zombie counts: shows state Z)
 *   probe sleep SECONDS
 *   probe caps              CapInh/CapPrm/CapEff/CapBnd/CapAmb lines of /proc/self/status
 *   probe seccomp           Seccomp: and NoNewPrivs: lines of /proc/self/status
 *   probe id                "uid 1000 gid 1000 groups 5,6" (real ids; effective if different)
 *   probe syscall NAME...   tries each system call with harmless arguments: "NAME:ok" or
 *                           "NAME:EPERM" (the errno name) for each
 *   probe read PATH         "PATH:N" bytes read (or "PATH:ERRNO")
 *   probe write PATH        "PATH:ok" or "PATH:EROFS": opens (creates) PATH for writing, writes
 *                           nothing
 *   probe cgroup            the container's view of /proc/self/cgroup and of its limits
 *   probe memhog MB         allocates and touches MB megabytes, printing progress every 8 MB
 *   probe forkbomb N        forks up to N sleeping children, prints "forked K of N", kills them
 *   probe spin SECONDS      burns CPU for SECONDS of wall time, prints the CPU time used
 *   probe catch-exe ARGV0 SECONDS
 *                           waits for another process of this PID namespace whose argv[0] is
 *                           ARGV0, stops it and tries on its executable what CVE-2019-5736 did
 *                           (see cmd_catch_exe); exit 3 when none showed up in time
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/resource.h>
#include <sys/swap.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <sched.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

static int fail(const char* what) {
  fprintf(stderr, "probe: %s: %s\n", what, strerror(errno));
  return 1;
}

static int cmd_ns(int argc, char** argv) {
  for (int i = 0; i < argc; ++i) {
    char path[64];
    struct stat st;
    snprintf(path, sizeof path, "/proc/self/ns/%s", argv[i]);
    if (stat(path, &st) != 0) return fail(path);
    printf("%s:%lu\n", argv[i], (unsigned long)st.st_ino);
  }
  return 0;
}

static int cmd_orphan(void) {
  int pipefd[2];
  if (pipe(pipefd) != 0) return fail("pipe");
  pid_t middle = fork();
  if (middle < 0) return fail("fork");
  if (middle == 0) {
    pid_t child = fork();
    if (child == 0) {
      /* Outlive the middle process, then exit and become PID 1's zombie. */
      usleep(200 * 1000);
      _exit(0);
    }
    if (write(pipefd[1], &child, sizeof child) != sizeof child) _exit(1);
    _exit(0);
  }
  pid_t child = 0;
  if (read(pipefd[0], &child, sizeof child) != sizeof child) return fail("read");
  waitpid(middle, NULL, 0);
  printf("%d\n", (int)child);
  return 0;
}

static int cmd_exists(const char* pid) {
  char path[64], buf[512];
  snprintf(path, sizeof path, "/proc/%s/stat", pid);
  int fd = open(path, O_RDONLY);
  if (fd < 0) return 1;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return 1;
  buf[n] = 0;
  char* rp = strrchr(buf, ')');
  printf("%s state %c\n", pid, rp && rp[1] && rp[2] ? rp[2] : '?');
  return 0;
}

static void print_status_lines(const char* const* keys) {
  FILE* f = fopen("/proc/self/status", "r");
  char line[256];
  if (!f) return;
  while (fgets(line, sizeof line, f))
    for (const char* const* k = keys; *k; ++k)
      if (!strncmp(line, *k, strlen(*k))) fputs(line, stdout);
  fclose(f);
}

static const char* errno_name(int e) {
  switch (e) {
    case 0: return "ok";
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case EBADF: return "EBADF";
    case EFAULT: return "EFAULT";
    case EINVAL: return "EINVAL";
    case ENOSYS: return "ENOSYS";
    case EACCES: return "EACCES";
    case EROFS: return "EROFS";
    case ENOTDIR: return "ENOTDIR";
    case ENODEV: return "ENODEV";
    case EBUSY: return "EBUSY";
    case ENOMEM: return "ENOMEM";
    case EAGAIN: return "EAGAIN";
    case ENOEXEC: return "ENOEXEC";
    case ENOTBLK: return "ENOTBLK";
    case E2BIG: return "E2BIG";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    case ETXTBSY: return "ETXTBSY";
    case EISDIR: return "EISDIR";
    default: return "other";
  }
}

/* Each call is made so that it cannot do harm even when it is allowed: bogus sources, NULL
 * images, a bad reboot magic, settimeofday with nothing to set. */
static long try_syscall(const char* n) {
  errno = 0;
  long r = -1;
  if (!strcmp(n, "mount")) r = mount("/mpt-probe-none", "/mpt-probe-none", "mpt-none", 0, NULL);
  else if (!strcmp(n, "umount")) r = umount2("/mpt-probe-none", 0);
  else if (!strcmp(n, "unshare")) r = unshare(CLONE_NEWUTS); /* only the probe's own UTS */
  else if (!strcmp(n, "setns")) r = setns(-1, 0);
  else if (!strcmp(n, "keyctl")) r = syscall(SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -100, 0);
  else if (!strcmp(n, "add_key")) r = syscall(SYS_add_key, NULL, NULL, NULL, 0, 0);
  else if (!strcmp(n, "kexec_load")) r = syscall(SYS_kexec_load, 0, 0, NULL, 0xffffffffUL);
  else if (!strcmp(n, "init_module")) r = syscall(SYS_init_module, NULL, 0, "");
  else if (!strcmp(n, "bpf")) r = syscall(SYS_bpf, 0x7fff, NULL, 0);
  else if (!strcmp(n, "reboot")) r = syscall(SYS_reboot, 0, 0, 0, NULL); /* bad magic: EINVAL */
  else if (!strcmp(n, "swapon")) r = swapon("/mpt-probe-none", 0);
  else if (!strcmp(n, "settimeofday")) r = syscall(SYS_settimeofday, NULL, NULL); /* sets nothing */
  else if (!strcmp(n, "pivot_root")) r = syscall(SYS_pivot_root, "/mpt-probe-none", "/mpt-probe-none");
  else if (!strcmp(n, "perf_event_open")) r = syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0);
  else if (!strcmp(n, "userfaultfd")) {
    r = syscall(SYS_userfaultfd, 0);
    if (r >= 0) close((int)r), r = 0;
  } else if (!strcmp(n, "chroot")) r = chroot("/");
  else if (!strcmp(n, "clone3")) r = syscall(SYS_clone3, NULL, 0); /* EINVAL if allowed */
  else if (!strcmp(n, "io_uring_setup")) r = syscall(SYS_io_uring_setup, 0, NULL); /* EINVAL */
  else if (!strcmp(n, "clone-newuser") || !strcmp(n, "clone-newns")) {
    long flags = (!strcmp(n, "clone-newuser") ? CLONE_NEWUSER : CLONE_NEWNS) | SIGCHLD;
    r = syscall(SYS_clone, flags, NULL, NULL, NULL, NULL);
    if (r == 0) _exit(0);
    if (r > 0) waitpid((pid_t)r, NULL, 0), r = 0;
  } else if (!strcmp(n, "clone")) {
    r = syscall(SYS_clone, SIGCHLD, NULL, NULL, NULL, NULL);
    if (r == 0) _exit(0);
    if (r > 0) waitpid((pid_t)r, NULL, 0), r = 0;
  } else {
    errno = ENOSYS;
    return -2;
  }
  return r < 0 ? errno : 0;
}

static int cmd_syscall(int argc, char** argv) {
  for (int i = 0; i < argc; ++i) {
    long e = try_syscall(argv[i]);
    if (e == -2) {
      fprintf(stderr, "probe: unknown system call test %s\n", argv[i]);
      return 2;
    }
    printf("%s:%s\n", argv[i], errno_name((int)e));
  }
  return 0;
}

static int cmd_read(const char* path) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) {
    printf("%s:%s\n", path, errno_name(errno));
    return 0;
  }
  char buf[65536];
  long total = 0;
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EISDIR) break;
    if (n < 0) {
      printf("%s:%s\n", path, errno_name(errno));
      close(fd);
      return 0;
    }
    if (n == 0) break;
    total += n;
    if (total > 1 << 24) break; /* enough to say "it reads something" */
  }
  close(fd);
  printf("%s:%ld\n", path, total);
  return 0;
}

static int cmd_write(const char* path) {
  /* Opening for writing (creating if need be) is what read-only mounts refuse; nothing is
   * written, so an existing file is left as it is. */
  int fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0644);
  if (fd < 0) {
    printf("%s:%s\n", path, errno_name(errno));
    return 0;
  }
  close(fd);
  printf("%s:ok\n", path);
  return 0;
}

/* argv[0] of /proc/PID, in buf. */
static int argv0_of(int pid, char* buf, size_t size) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/cmdline", pid);
  int fd = open(path, O_RDONLY);
  if (fd < 0) return -1;
  ssize_t n = read(fd, buf, size - 1);
  close(fd);
  if (n <= 0) return -1;
  buf[n] = 0; /* argv[0] ends at its own NUL */
  return 0;
}

/* What a container could do with the executable of a process that a runtime put into it
 * (CVE-2019-5736): the process is stopped as soon as it is seen, then
 *   caught PID
 *   exe-mount:ro | exe-mount:rw | exe-mount:sealed-memfd   where /proc/PID/exe leads
 *   open-write:ERRNO | open-write:ok        opening /proc/PID/exe for writing while it runs
 *   reopen-write:ERRNO | reopen-write:ok    reopening our read handle for writing once the
 *                                           process was killed (the attack's second step)
 * Nothing is ever written: "ok" alone is the finding. */
static int cmd_catch_exe(const char* wanted, int seconds) {
  time_t end = time(NULL) + seconds;
  pid_t self = getpid();
  while (time(NULL) < end) {
    DIR* proc = opendir("/proc");
    if (proc == NULL) return fail("opendir /proc");
    struct dirent* e;
    pid_t pid = 0;
    char argv0[4096];
    while ((e = readdir(proc)) != NULL) {
      pid_t candidate = (pid_t)atoi(e->d_name);
      if (candidate <= 0 || candidate == self) continue;
      if (argv0_of(candidate, argv0, sizeof argv0) == 0 && !strcmp(argv0, wanted)) {
        pid = candidate;
        break;
      }
    }
    closedir(proc);
    if (pid == 0) continue;
    kill(pid, SIGSTOP);
    printf("caught %d\n", (int)pid);
    char exe[64];
    snprintf(exe, sizeof exe, "/proc/%d/exe", (int)pid);
    int rd = open(exe, O_RDONLY);
    if (rd < 0) {
      printf("open-read:%s\n", errno_name(errno));
    } else {
      struct statvfs sv;
      int seals = fcntl(rd, F_GET_SEALS);
      if (seals > 0 && (seals & F_SEAL_WRITE)) printf("exe-mount:sealed-memfd\n");
      else if (fstatvfs(rd, &sv) == 0 && (sv.f_flag & ST_RDONLY)) printf("exe-mount:ro\n");
      else printf("exe-mount:rw\n");
    }
    int wr = open(exe, O_WRONLY);
    printf("open-write:%s\n", wr >= 0 ? "ok" : errno_name(errno));
    if (wr >= 0) close(wr);
    kill(pid, SIGKILL);
    kill(pid, SIGCONT);
    for (int i = 0; i < 500 && kill(pid, 0) == 0; ++i) {
      char stat_path[64], st[256] = "";
      snprintf(stat_path, sizeof stat_path, "/proc/%d/stat", (int)pid);
      int fd = open(stat_path, O_RDONLY);
      if (fd < 0) break;
      ssize_t n = read(fd, st, sizeof st - 1);
      close(fd);
      char* paren = n > 0 ? strrchr(st, ')') : NULL;
      if (paren != NULL && paren[1] == ' ' && paren[2] == 'Z') break; /* dead, not yet reaped */
      usleep(10000);
    }
    if (rd >= 0) {
      char again[64];
      snprintf(again, sizeof again, "/proc/self/fd/%d", rd);
      int w2 = open(again, O_WRONLY);
      printf("reopen-write:%s\n", w2 >= 0 ? "ok" : errno_name(errno));
      if (w2 >= 0) close(w2);
      close(rd);
    }
    return 0;
  }
  printf("nothing caught\n");
  return 3;
}

static void print_file(const char* label, const char* path) {
  char buf[512];
  int fd = open(path, O_RDONLY);
  if (fd < 0) return;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return;
  buf[n] = 0;
  if (buf[n - 1] == '\n') buf[n - 1] = 0;
  printf("%s %s\n", label, buf);
}

static int cmd_cgroup(void) {
  FILE* f = fopen("/proc/self/cgroup", "r");
  char line[512];
  if (f) {
    while (fgets(line, sizeof line, f)) printf("cgroup %s", line);
    fclose(f);
  }
  /* Only visible when the container has /sys/fs/cgroup; tests read the host side otherwise. */
  print_file("memory.max", "/sys/fs/cgroup/memory.max");
  print_file("memory.limit_in_bytes", "/sys/fs/cgroup/memory/memory.limit_in_bytes");
  print_file("cpu.max", "/sys/fs/cgroup/cpu.max");
  print_file("pids.max", "/sys/fs/cgroup/pids.max");
  return 0;
}

static int cmd_memhog(long mb) {
  const long chunk = 1 << 20;
  for (long i = 1; i <= mb; ++i) {
    char* p = malloc((size_t)chunk);
    if (!p) return fail("malloc");
    memset(p, (int)i, (size_t)chunk);
    if (i % 8 == 0 || i == mb) {
      printf("allocated %ld MB\n", i);
      fflush(stdout);
    }
  }
  printf("memhog done\n");
  return 0;
}

static int cmd_forkbomb(int n) {
  pid_t* kids = calloc((size_t)n, sizeof(pid_t));
  int made = 0, err = 0;
  if (!kids) return fail("calloc");
  for (int i = 0; i < n; ++i) {
    pid_t p = fork();
    if (p == 0) {
      /* Sleep until killed (bounded: a minute at most, should the parent vanish). */
      struct timespec ts = {60, 0};
      nanosleep(&ts, NULL);
      _exit(0);
    }
    if (p < 0) {
      err = errno;
      break;
    }
    kids[made++] = p;
  }
  printf("forked %d of %d%s%s\n", made, n, err ? " then " : "", err ? errno_name(err) : "");
  fflush(stdout);
  for (int i = 0; i < made; ++i) kill(kids[i], SIGKILL);
  for (int i = 0; i < made; ++i) waitpid(kids[i], NULL, 0);
  free(kids);
  return 0;
}

static int cmd_spin(int seconds) {
  struct timespec start, now;
  clock_gettime(CLOCK_MONOTONIC, &start);
  volatile unsigned long x = 0;
  do {
    for (int i = 0; i < 1000000; ++i) x += (unsigned long)i;
    clock_gettime(CLOCK_MONOTONIC, &now);
  } while (now.tv_sec - start.tv_sec < seconds);
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  printf("cpu_ms %ld wall_ms %ld\n", ru.ru_utime.tv_sec * 1000 + ru.ru_utime.tv_usec / 1000,
         (long)((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000));
  return 0;
}

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: probe COMMAND [ARGS]\n");
    return 2;
  }
  const char* c = argv[1];
  if (!strcmp(c, "ns")) return cmd_ns(argc - 2, argv + 2);
  if (!strcmp(c, "hostname")) {
    char h[256];
    if (gethostname(h, sizeof h) != 0) return fail("gethostname");
    printf("%s\n", h);
    return 0;
  }
  if (!strcmp(c, "pid")) {
    printf("pid %d ppid %d\n", (int)getpid(), (int)getppid());
    return 0;
  }
  if (!strcmp(c, "shm-create") && argc == 3) {
    int id = shmget((key_t)strtol(argv[2], NULL, 0), 4096, IPC_CREAT | IPC_EXCL | 0600);
    if (id < 0) return fail("shmget");
    printf("shmid %d\n", id);
    return 0;
  }
  if (!strcmp(c, "shm-find") && argc == 3) {
    int id = shmget((key_t)strtol(argv[2], NULL, 0), 0, 0);
    if (id < 0) return fail("shmget");
    printf("shmid %d\n", id);
    return 0;
  }
  if (!strcmp(c, "mq-create") && argc == 3) {
    char name[128];
    snprintf(name, sizeof name, "/%s", argv[2]);
    mqd_t q = mq_open(name, O_CREAT | O_EXCL | O_RDWR, 0600, NULL);
    if (q == (mqd_t)-1) return fail("mq_open");
    return 0;
  }
  if (!strcmp(c, "mq-find") && argc == 3) {
    char name[128];
    snprintf(name, sizeof name, "/%s", argv[2]);
    mqd_t q = mq_open(name, O_RDONLY);
    if (q == (mqd_t)-1) return fail("mq_open");
    return 0;
  }
  if (!strcmp(c, "orphan")) return cmd_orphan();
  if (!strcmp(c, "exists") && argc == 3) return cmd_exists(argv[2]);
  if (!strcmp(c, "caps")) {
    static const char* const keys[] = {"CapInh:", "CapPrm:", "CapEff:", "CapBnd:", "CapAmb:", NULL};
    print_status_lines(keys);
    return 0;
  }
  if (!strcmp(c, "seccomp")) {
    static const char* const keys[] = {"Seccomp:", "NoNewPrivs:", NULL};
    print_status_lines(keys);
    return 0;
  }
  if (!strcmp(c, "id")) {
    gid_t groups[64];
    int n = getgroups(64, groups);
    printf("uid %d gid %d groups ", (int)getuid(), (int)getgid());
    for (int i = 0; i < n; ++i) printf("%s%d", i ? "," : "", (int)groups[i]);
    printf("\n");
    return 0;
  }
  if (!strcmp(c, "syscall")) return cmd_syscall(argc - 2, argv + 2);
  if (!strcmp(c, "read") && argc == 3) return cmd_read(argv[2]);
  if (!strcmp(c, "write") && argc == 3) return cmd_write(argv[2]);
  if (!strcmp(c, "cgroup")) return cmd_cgroup();
  if (!strcmp(c, "memhog") && argc == 3) return cmd_memhog(atol(argv[2]));
  if (!strcmp(c, "forkbomb") && argc == 3) return cmd_forkbomb(atoi(argv[2]));
  if (!strcmp(c, "spin") && argc == 3) return cmd_spin(atoi(argv[2]));
  if (!strcmp(c, "catch-exe") && argc == 4) return cmd_catch_exe(argv[2], atoi(argv[3]));
  if (!strcmp(c, "sleep") && argc == 3) {
    sleep((unsigned)atoi(argv[2]));
    return 0;
  }
  fprintf(stderr, "probe: unknown command or wrong arguments: %s\n", c);
  return 2;
}
