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
#include <sys/stat.h>
#include <sys/wait.h>
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
  if (!strcmp(c, "sleep") && argc == 3) {
    sleep((unsigned)atoi(argv[2]));
    return 0;
  }
  fprintf(stderr, "probe: unknown command or wrong arguments: %s\n", c);
  return 2;
}
