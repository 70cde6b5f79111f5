/*
 * berth's gRPC health server for probe tests: answers grpc.health.v1.Health/Check over plaintext
 * HTTP/2 (h2c) with just enough of the protocol for one unary call per stream:
 *   - reads the client preface, sends an empty SETTINGS, acknowledges the client's SETTINGS and
 *     PINGs;
 *   - collects each stream's DATA until END_STREAM, decodes HealthCheckRequest{service};
 *   - answers HEADERS (:status 200, content-type application/grpc, a literal HPACK encoding),
 *     DATA (HealthCheckResponse{status}) and trailers (grpc-status 0); an unknown service gets
 *     trailers-only grpc-status 5 (NOT_FOUND).
 * Request headers are not decoded (every stream is taken as Health/Check).
 *
 * Usage: grpc-health PORT [SERVICE=SERVING|NOT_SERVING ...]
 * The empty service "" is SERVING unless given. While the file /tmp/grpc-health-down exists every
 * service answers NOT_SERVING, so a test can flip the state with an exec.
 *
 * Built static (gcc -static -Os) so the image needs no libc: scripts/lib/runtime-env/images.sh.
 */
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#define MAX_SERVICES 32
#define MAX_STREAMS 16
#define MAX_BODY 4096
#define DOWN_FILE "/tmp/grpc-health-down"

enum { FRAME_DATA = 0, FRAME_HEADERS = 1, FRAME_RST_STREAM = 3, FRAME_SETTINGS = 4, FRAME_PING = 6, FRAME_GOAWAY = 7 };
enum { FLAG_END_STREAM = 0x1, FLAG_ACK = 0x1, FLAG_END_HEADERS = 0x4, FLAG_PADDED = 0x8 };
enum { STATUS_SERVING = 1, STATUS_NOT_SERVING = 2 };

static struct {
  char name[128];
  int status;
} services[MAX_SERVICES];
static int service_count;

static struct {
  unsigned id;
  size_t len;
  unsigned char body[MAX_BODY];
} streams[MAX_STREAMS];

static const char preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

static int read_full(int fd, unsigned char *buf, size_t n) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = read(fd, buf + got, n - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return -1;
    got += (size_t)r;
  }
  return 0;
}

static int write_full(int fd, const unsigned char *buf, size_t n) {
  size_t done = 0;
  while (done < n) {
    ssize_t w = write(fd, buf + done, n - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return -1;
    done += (size_t)w;
  }
  return 0;
}

static int send_frame(int fd, int type, int flags, unsigned stream, const unsigned char *payload, size_t len) {
  unsigned char head[9] = {(unsigned char)(len >> 16), (unsigned char)(len >> 8), (unsigned char)len,
                           (unsigned char)type,        (unsigned char)flags,      (unsigned char)(stream >> 24),
                           (unsigned char)(stream >> 16), (unsigned char)(stream >> 8), (unsigned char)stream};
  if (write_full(fd, head, sizeof head) < 0) return -1;
  return len == 0 ? 0 : write_full(fd, payload, len);
}

/* HPACK literal header field without indexing, new name, no Huffman (RFC 7541 6.2.2). */
static size_t literal(unsigned char *out, const char *name, const char *value) {
  size_t n = strlen(name), v = strlen(value), at = 0;
  out[at++] = 0x00;
  out[at++] = (unsigned char)n;
  memcpy(out + at, name, n);
  at += n;
  out[at++] = (unsigned char)v;
  memcpy(out + at, value, v);
  return at + v;
}

/* :status 200 (static index 8) and content-type: application/grpc (static name 31). */
static size_t response_headers(unsigned char *out) {
  static const char type[] = "application/grpc";
  size_t at = 0;
  out[at++] = 0x88;
  out[at++] = 0x0f;
  out[at++] = 0x10;
  out[at++] = (unsigned char)(sizeof type - 1);
  memcpy(out + at, type, sizeof type - 1);
  return at + sizeof type - 1;
}

static int lookup(const char *service) {
  struct stat st;
  for (int i = 0; i < service_count; i++) {
    if (strcmp(services[i].name, service) == 0) {
      return stat(DOWN_FILE, &st) == 0 ? STATUS_NOT_SERVING : services[i].status;
    }
  }
  return -1;
}

static int answer(int fd, unsigned id, const unsigned char *body, size_t len) {
  char service[128] = "";
  /* 5-byte gRPC prefix, then field 1 (0x0a), one-byte length, the name. */
  if (len >= 7 && body[5] == 0x0a && body[6] < sizeof service && (size_t)body[6] + 7 <= len) {
    memcpy(service, body + 7, body[6]);
    service[body[6]] = '\0';
  }
  int status = lookup(service);
  unsigned char block[256];
  size_t n = response_headers(block);
  if (status < 0) {
    n += literal(block + n, "grpc-status", "5");
    n += literal(block + n, "grpc-message", "unknown service");
    return send_frame(fd, FRAME_HEADERS, FLAG_END_HEADERS | FLAG_END_STREAM, id, block, n);
  }
  if (send_frame(fd, FRAME_HEADERS, FLAG_END_HEADERS, id, block, n) < 0) return -1;
  unsigned char message[7] = {0, 0, 0, 0, 2, 0x08, (unsigned char)status};
  if (send_frame(fd, FRAME_DATA, 0, id, message, sizeof message) < 0) return -1;
  n = literal(block, "grpc-status", "0");
  return send_frame(fd, FRAME_HEADERS, FLAG_END_HEADERS | FLAG_END_STREAM, id, block, n);
}

static int slot_for(unsigned id) {
  for (int i = 0; i < MAX_STREAMS; i++)
    if (streams[i].id == id) return i;
  for (int i = 0; i < MAX_STREAMS; i++) {
    if (streams[i].id == 0) {
      streams[i].id = id;
      streams[i].len = 0;
      return i;
    }
  }
  return -1;
}

static void serve(int fd) {
  unsigned char head[9];
  static unsigned char payload[1 << 16];
  struct timeval tv = {10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (read_full(fd, payload, sizeof preface - 1) < 0 || memcmp(payload, preface, sizeof preface - 1) != 0) return;
  if (send_frame(fd, FRAME_SETTINGS, 0, 0, NULL, 0) < 0) return;
  for (;;) {
    if (read_full(fd, head, sizeof head) < 0) return;
    size_t len = ((size_t)head[0] << 16) | ((size_t)head[1] << 8) | head[2];
    int type = head[3], flags = head[4];
    unsigned id = (((unsigned)head[5] & 0x7f) << 24) | ((unsigned)head[6] << 16) | ((unsigned)head[7] << 8) | head[8];
    if (len > sizeof payload || read_full(fd, payload, len) < 0) return;
    switch (type) {
      case FRAME_SETTINGS:
        if (!(flags & FLAG_ACK) && send_frame(fd, FRAME_SETTINGS, FLAG_ACK, 0, NULL, 0) < 0) return;
        break;
      case FRAME_PING:
        if (!(flags & FLAG_ACK) && send_frame(fd, FRAME_PING, FLAG_ACK, 0, payload, len) < 0) return;
        break;
      case FRAME_GOAWAY:
        return;
      case FRAME_HEADERS:
      case FRAME_DATA: {
        int slot = slot_for(id);
        if (slot < 0) return;
        if (type == FRAME_DATA) {
          size_t start = 0, end = len;
          if (flags & FLAG_PADDED) {
            start = 1;
            end = len - (len > 0 ? payload[0] : 0);
          }
          for (size_t i = start; i < end && streams[slot].len < MAX_BODY; i++) streams[slot].body[streams[slot].len++] = payload[i];
        }
        if (flags & FLAG_END_STREAM) {
          int r = answer(fd, id, streams[slot].body, streams[slot].len);
          streams[slot].id = 0;
          if (r < 0) return;
        }
        break;
      }
      case FRAME_RST_STREAM: {
        int slot = slot_for(id);
        if (slot >= 0) streams[slot].id = 0;
        break;
      }
      default:
        break;
    }
  }
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: grpc-health PORT [SERVICE=SERVING|NOT_SERVING ...]\n");
    return 2;
  }
  int port = atoi(argv[1]);
  int has_default = 0;
  for (int i = 2; i < argc && service_count < MAX_SERVICES; i++) {
    char *eq = strchr(argv[i], '=');
    if (eq == NULL || (size_t)(eq - argv[i]) >= sizeof services[0].name) {
      fprintf(stderr, "grpc-health: bad service %s\n", argv[i]);
      return 2;
    }
    memcpy(services[service_count].name, argv[i], (size_t)(eq - argv[i]));
    services[service_count].name[eq - argv[i]] = '\0';
    services[service_count].status = strcmp(eq + 1, "SERVING") == 0 ? STATUS_SERVING : STATUS_NOT_SERVING;
    if (services[service_count].name[0] == '\0') has_default = 1;
    service_count++;
  }
  if (!has_default && service_count < MAX_SERVICES) services[service_count++].status = STATUS_SERVING;

  signal(SIGCHLD, SIG_IGN);
  signal(SIGPIPE, SIG_IGN);
  signal(SIGTERM, SIG_DFL);
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_port = htons((unsigned short)port);
  addr.sin_addr.s_addr = htonl(INADDR_ANY);
  if (bind(listener, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(listener, 64) < 0) {
    perror("grpc-health: listen");
    return 1;
  }
  fprintf(stderr, "grpc-health: listening on %d\n", port);
  for (;;) {
    int fd = accept(listener, NULL, NULL);
    if (fd < 0) continue;
    pid_t pid = fork();
    if (pid == 0) {
      close(listener);
      serve(fd);
      close(fd);
      _exit(0);
    }
    close(fd);
  }
}
