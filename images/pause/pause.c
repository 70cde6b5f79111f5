/*
 * berth's pause program: the process that holds a pod sandbox's namespaces open.
 *
 * It sleeps until a signal arrives, reaps every child that exits (as PID 1 of a shared PID
 * namespace it inherits orphans), and exits 0 on SIGTERM or SIGINT. A process that is PID 1 of its
 * own PID namespace ignores signals it has no handler for, so the handlers are required.
 *
 * Built static (gcc -static -Os) so the image needs no libc: scripts/lib/runtime-env/images.sh.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t stop_requested;

static void on_stop(int signo) {
  (void)signo;
  stop_requested = 1;
}

static void on_child(int signo) {
  (void)signo;
  int saved = errno;
  while (waitpid(-1, NULL, WNOHANG) > 0) {
  }
  errno = saved;
}

static int install(int signo, void (*handler)(int)) {
  struct sigaction action;
  memset(&action, 0, sizeof(action));
  action.sa_handler = handler;
  action.sa_flags = SA_RESTART | (signo == SIGCHLD ? SA_NOCLDSTOP : 0);
  sigemptyset(&action.sa_mask);
  return sigaction(signo, &action, NULL);
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "-v") == 0) {
    puts("berth-pause 1.0");
    return 0;
  }
  if (install(SIGTERM, on_stop) != 0 || install(SIGINT, on_stop) != 0 || install(SIGCHLD, on_child) != 0) {
    perror("pause: sigaction");
    return 1;
  }
  /* Signals stay blocked except inside sigsuspend, so none can slip in between the check of
   * stop_requested and the wait (the race a plain pause() loop has). */
  sigset_t blocked, waiting;
  sigemptyset(&blocked);
  sigaddset(&blocked, SIGTERM);
  sigaddset(&blocked, SIGINT);
  sigaddset(&blocked, SIGCHLD);
  if (sigprocmask(SIG_BLOCK, &blocked, &waiting) != 0) {
    perror("pause: sigprocmask");
    return 1;
  }
  sigdelset(&waiting, SIGTERM);
  sigdelset(&waiting, SIGINT);
  sigdelset(&waiting, SIGCHLD);
  while (!stop_requested) {
    sigsuspend(&waiting);
  }
  return 0;
}
