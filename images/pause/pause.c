/* minipod-pause: the process that holds a pod's namespaces (Kubernetes' pause, rewritten).
 *
 * It is PID 1 of the pod's PID namespace, so it must
 *  - exit 0 on SIGINT/SIGTERM: PID 1 only receives the signals it installed a handler for, so
 *    without handlers `minipod stop` could not end it gracefully;
 *  - reap every zombie on SIGCHLD: orphans of the pod's containers are reparented to it when the
 *    PID namespace is shared, and nobody else would ever wait for them;
 *  - sleep in pause() in a loop: pause() returns after every handled signal, so calling it once
 *    would make the first SIGCHLD end the pod.
 *
 * Plain C with musl, static and stripped: no C++ runtime, no dynamic loader, a few KB. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef MINIPOD_VERSION
#define MINIPOD_VERSION "unknown"
#endif

static void on_terminate(int sig) {
  (void)sig;
  _exit(0);
}

static void reap_all(void) {
  /* One SIGCHLD may stand for many exited children (signals do not queue), hence the loop. */
  int saved_errno = errno;
  while (waitpid(-1, NULL, WNOHANG) > 0) {
  }
  errno = saved_errno;
}

static void on_child(int sig) {
  (void)sig;
  reap_all();
}

/* No SA_RESTART: nothing here makes system calls that would need restarting, and a handler that
 * interrupts pause() is exactly what lets the loop go round. */
static int install(int sig, void (*handler)(int), int flags) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = handler;
  sa.sa_flags = flags;
  sigemptyset(&sa.sa_mask);
  if (sigaction(sig, &sa, NULL) != 0) {
    fprintf(stderr, "minipod-pause: sigaction(%d): %s\n", sig, strerror(errno));
    return -1;
  }
  return 0;
}

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (strcmp(argv[i], "-v") == 0) {
      printf("minipod-pause %s\n", MINIPOD_VERSION);
      return 0;
    }
    fprintf(stderr, "minipod-pause: unknown argument \"%s\" (usage: minipod-pause [-v])\n",
            argv[i]);
    return 2;
  }
  if (getpid() != 1) fprintf(stderr, "minipod-pause: warning: not running as PID 1\n");
  /* exec made us dumpable again: nothing in the pod may ptrace us or open our /proc files. And
   * our name, which is the descriptor we were run from when minipod executes us by fd. */
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  prctl(PR_SET_NAME, "minipod-pause", 0, 0, 0);

  if (install(SIGINT, on_terminate, 0) != 0 || install(SIGTERM, on_terminate, 0) != 0 ||
      install(SIGCHLD, on_child, SA_NOCLDSTOP) != 0)
    return 1;
  /* Children that ended before the handler was installed sent a SIGCHLD nobody caught. */
  reap_all();

  for (;;) pause();
  return 42; /* unreachable, as in Kubernetes' pause */
}
