// xsk-owner: a foreign AF_XDP application for Ringside to discover and watch.
// It runs rxdrop on one socket, or on two sockets sharing one UMEM on two
// queues (each with its own FILL/COMPLETION pair, xsk_socket__create_shared),
// and answers one command per line on stdin, one JSON line on stdout each:
//
//   report   its own view of each socket: the RX and FILL words as it reads
//            them from its rings, frames received, and XDP_STATISTICS
//   pause    stop draining RX and refilling FILL (the kernel then drops, and
//            counts it); resume: start again
//   rebind   close every socket and the UMEM, then bind the same queues again,
//            saying whether the kernel let it and after how long
//   quit     close everything and exit
//
// It prints {"ready":...} with its sockets' fds once bound. With --without-xsk
// it opens a UDP socket instead and no XSK: a process discovery must not list.
// close_range (glibc 2.34+)
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/if_link.h>
#include <linux/if_xdp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <xdp/xsk.h>

#ifndef SOL_XDP
#define SOL_XDP 283
#endif

#define MAX_SOCKETS 2
#define FRAME_SIZE 2048
#define RING_SIZE 2048
#define FRAMES_PER_SOCKET 4096
#define BATCH 64
#define IDLE_POLL_MS 20
/** The kernel frees a queue from a workqueue after its socket closed: a rebind retries EBUSY this long. */
#define REBIND_PATIENCE_MS 3000

struct lane {
  unsigned queue;
  struct xsk_socket *xsk;
  struct xsk_ring_cons rx, comp;
  struct xsk_ring_prod fill;
  /** This lane's frames, [first, first + FRAMES_PER_SOCKET), recycled from RX straight back to FILL. */
  uint64_t first;
  uint64_t *free_pool;
  unsigned free_count;
  uint64_t rx_frames;
};

struct owner {
  const char *ifname;
  unsigned count;
  struct lane lanes[MAX_SOCKETS];
  uint8_t *area;
  size_t area_length;
  struct xsk_umem *umem;
  int paused;
};

static uint64_t now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000u + (uint64_t)t.tv_nsec / 1000000u;
}

static void die(const char *what, int error) {
  fprintf(stderr, "xsk-owner: %s: %s\n", what, strerror(error));
  exit(1);
}

/** Binds every lane; returns 0 or the errno the kernel gave once REBIND_PATIENCE_MS ran out. */
static int bind_all(struct owner *o) {
  struct xsk_umem_config uc = {
      .fill_size = RING_SIZE, .comp_size = RING_SIZE, .frame_size = FRAME_SIZE, .frame_headroom = 0, .flags = 0};
  int err = xsk_umem__create(&o->umem, o->area, o->area_length, &o->lanes[0].fill, &o->lanes[0].comp, &uc);
  if (err) return -err;
  struct xsk_socket_config sc = {
      .rx_size = RING_SIZE,
      .tx_size = 0,
      .xdp_flags = XDP_FLAGS_DRV_MODE,
      .bind_flags = XDP_COPY | XDP_USE_NEED_WAKEUP,
  };
  uint64_t deadline = now_ms() + REBIND_PATIENCE_MS;
  for (unsigned i = 0; i < o->count; i++) {
    struct lane *l = &o->lanes[i];
    for (;;) {
      err = i == 0 ? xsk_socket__create(&l->xsk, o->ifname, l->queue, o->umem, &l->rx, NULL, &sc)
                   : xsk_socket__create_shared(&l->xsk, o->ifname, l->queue, o->umem, &l->rx, NULL, &l->fill,
                                               &l->comp, &sc);
      if (err != -EBUSY || now_ms() > deadline) break;
      usleep(10000);
    }
    if (err) return -err;
    l->free_count = 0;
    for (unsigned f = 0; f < FRAMES_PER_SOCKET; f++) l->free_pool[l->free_count++] = l->first + (uint64_t)f * FRAME_SIZE;
  }
  return 0;
}

static void close_all(struct owner *o) {
  for (unsigned i = o->count; i-- > 0;) {
    if (o->lanes[i].xsk) xsk_socket__delete(o->lanes[i].xsk);
    o->lanes[i].xsk = NULL;
  }
  // libxdp keeps the first socket's fd as the UMEM's: the socket is closed only with it.
  if (o->umem) xsk_umem__delete(o->umem);
  o->umem = NULL;
}

static unsigned step_lane(struct lane *l) {
  uint32_t index;
  unsigned n = xsk_ring_cons__peek(&l->rx, BATCH, &index);
  for (unsigned i = 0; i < n; i++) {
    const struct xdp_desc *d = xsk_ring_cons__rx_desc(&l->rx, index + i);
    l->free_pool[l->free_count++] = d->addr - d->addr % FRAME_SIZE;
  }
  if (n) xsk_ring_cons__release(&l->rx, n);
  l->rx_frames += n;
  unsigned give = l->free_count < BATCH ? l->free_count : BATCH;
  give = give < xsk_prod_nb_free(&l->fill, give) ? give : xsk_prod_nb_free(&l->fill, give);
  if (give && xsk_ring_prod__reserve(&l->fill, give, &index) == give) {
    for (unsigned i = 0; i < give; i++) *xsk_ring_prod__fill_addr(&l->fill, index + i) = l->free_pool[--l->free_count];
    xsk_ring_prod__submit(&l->fill, give);
  }
  return n + give;
}

static void report(struct owner *o) {
  printf("{\"sockets\":[");
  for (unsigned i = 0; i < o->count; i++) {
    struct lane *l = &o->lanes[i];
    struct xdp_statistics s;
    socklen_t length = sizeof s;
    memset(&s, 0, sizeof s);
    int fd = l->xsk ? xsk_socket__fd(l->xsk) : -1;
    if (fd >= 0 && getsockopt(fd, SOL_XDP, XDP_STATISTICS, &s, &length)) die("getsockopt XDP_STATISTICS", errno);
    unsigned rx_producer = l->xsk ? __atomic_load_n(l->rx.producer, __ATOMIC_ACQUIRE) : 0;
    unsigned rx_consumer = l->xsk ? __atomic_load_n(l->rx.consumer, __ATOMIC_RELAXED) : 0;
    unsigned fill_producer = l->xsk ? __atomic_load_n(l->fill.producer, __ATOMIC_RELAXED) : 0;
    printf("%s{\"queue\":%u,\"fd\":%d,\"rx_producer\":%u,\"rx_consumer\":%u,\"fill_producer\":%u,\"rx_frames\":%llu,"
           "\"stats\":{\"rxDropped\":%llu,\"rxInvalidDescs\":%llu,\"txInvalidDescs\":%llu,\"rxRingFull\":%llu,"
           "\"rxFillRingEmptyDescs\":%llu,\"txRingEmptyDescs\":%llu}}",
           i ? "," : "", l->queue, fd, rx_producer, rx_consumer, fill_producer, (unsigned long long)l->rx_frames,
           (unsigned long long)s.rx_dropped, (unsigned long long)s.rx_invalid_descs,
           (unsigned long long)s.tx_invalid_descs, (unsigned long long)s.rx_ring_full,
           (unsigned long long)s.rx_fill_ring_empty_descs, (unsigned long long)s.tx_ring_empty_descs);
  }
  printf("]}\n");
}

static void ready(struct owner *o, const char *what, int err, uint64_t elapsed_ms) {
  printf("{\"%s\":%s,\"errno\":%d,\"ms\":%llu,\"pid\":%d,\"fds\":[", what, err ? "false" : "true", err,
         (unsigned long long)elapsed_ms, getpid());
  for (unsigned i = 0; !err && i < o->count; i++) printf("%s%d", i ? "," : "", xsk_socket__fd(o->lanes[i].xsk));
  printf("]}\n");
}

/** Runs one command line; returns 0 on quit. */
static int command(struct owner *o, const char *line) {
  if (!strcmp(line, "report")) {
    report(o);
  } else if (!strcmp(line, "pause") || !strcmp(line, "resume")) {
    o->paused = line[0] == 'p';
    printf("{\"paused\":%s}\n", o->paused ? "true" : "false");
  } else if (!strcmp(line, "rebind")) {
    close_all(o);
    uint64_t start = now_ms();
    int err = bind_all(o);
    ready(o, "rebound", err, now_ms() - start);
    if (err) close_all(o);
  } else if (!strcmp(line, "quit")) {
    return 0;
  } else {
    printf("{\"error\":\"unknown command\"}\n");
  }
  fflush(stdout);
  return 1;
}

/** Reads what stdin has (non-blocking) and runs each whole line; returns 0 on quit or end of input. */
static int commands(struct owner *o, char *buffer, size_t *used, size_t size) {
  ssize_t n = read(STDIN_FILENO, buffer + *used, size - 1 - *used);
  if (n == 0) return 0;
  if (n < 0) return errno == EAGAIN || errno == EINTR;
  *used += (size_t)n;
  buffer[*used] = '\0';
  char *line = buffer;
  char *end;
  while ((end = strchr(line, '\n'))) {
    *end = '\0';
    if (!command(o, line)) return 0;
    line = end + 1;
  }
  *used = strlen(line);
  memmove(buffer, line, *used + 1);
  return 1;
}

static void usage(void) {
  fprintf(stderr, "usage: xsk-owner --iface IF [--queues Q[,Q2]] [--without-xsk]\n");
  exit(2);
}

int main(int argc, char **argv) {
  // A parent's fds without close-on-exec (libxdp 1.3 opens its XSKs so) would make this process hold the
  // parent's sockets too, and show up as their owner.
  close_range(3, ~0u, 0);
  struct owner o;
  memset(&o, 0, sizeof o);
  const char *queues = "0";
  int without_xsk = 0;
  static const struct option longs[] = {{"iface", required_argument, 0, 'i'},
                                        {"queues", required_argument, 0, 'q'},
                                        {"without-xsk", no_argument, 0, 'n'},
                                        {0, 0, 0, 0}};
  int c;
  while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
    if (c == 'i') o.ifname = optarg;
    else if (c == 'q') queues = optarg;
    else if (c == 'n') without_xsk = 1;
    else usage();
  }
  if (!o.ifname) usage();
  char *end;
  o.lanes[0].queue = (unsigned)strtoul(queues, &end, 10);
  o.count = 1;
  if (*end == ',') o.lanes[o.count++].queue = (unsigned)strtoul(end + 1, &end, 10);
  if (*end != '\0') usage();

  o.area_length = (size_t)o.count * FRAMES_PER_SOCKET * FRAME_SIZE;
  o.area = mmap(NULL, o.area_length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (o.area == MAP_FAILED) die("mmap", errno);
  for (unsigned i = 0; i < o.count; i++) {
    o.lanes[i].first = (uint64_t)i * FRAMES_PER_SOCKET * FRAME_SIZE;
    o.lanes[i].free_pool = calloc(FRAMES_PER_SOCKET, sizeof(uint64_t));
    if (!o.lanes[i].free_pool) die("calloc", ENOMEM);
  }
  int err = 0;
  if (without_xsk) {
    o.count = 0;
    if (socket(AF_INET, SOCK_DGRAM, 0) < 0) die("socket(AF_INET)", errno);
  } else {
    err = bind_all(&o);
  }
  ready(&o, "ready", err, 0);
  fflush(stdout);
  if (err) return 1;

  fcntl(STDIN_FILENO, F_SETFL, fcntl(STDIN_FILENO, F_GETFL) | O_NONBLOCK);
  char buffer[4096];
  size_t used = 0;
  for (unsigned round = 0;; round++) {
    unsigned work = 0;
    if (!o.paused && o.umem) {
      for (unsigned i = 0; i < o.count; i++) work += step_lane(&o.lanes[i]);
    }
    // Commands are read every 256 busy rounds, and at once when idle: a read per round would cost the data plane.
    if (work && round % 256) continue;
    if (!work) {
      struct pollfd p[MAX_SOCKETS + 1] = {{.fd = STDIN_FILENO, .events = POLLIN}};
      unsigned n = 1;
      for (unsigned i = 0; !o.paused && o.umem && i < o.count; i++)
        p[n++] = (struct pollfd){.fd = xsk_socket__fd(o.lanes[i].xsk), .events = POLLIN};
      poll(p, n, IDLE_POLL_MS);
    }
    if (!commands(&o, buffer, &used, sizeof buffer)) break;
  }
  close_all(&o);
  return 0;
}
