// xskbench: the benchmark's native baseline. One AF_XDP socket on one queue,
// driven by one thread through libxdp's ring helpers, doing what Ringside's
// JS data plane does (agent/src/dataplane/pipeline.ts) with the same
// hand-overs: COMPLETION -> free pool, RX -> free pool (rxdrop) or TX
// (l2fwd), free pool -> TX (txonly), free pool -> FILL. Ring sizes, batch
// size, frame size, need_wakeup and the idle policy are the runner's, so the
// two differ only in the language the loop is written in.
//
// `--loop xdpsock` (rxdrop only) runs the reference receiver instead: the
// loop of xdpsock's rx_drop, described where it is written below.
//
// Prints one JSON object: frames moved and the XDP_STATISTICS deltas over the
// measured window (after a warm-up), and the window's length; and, over the
// same window, what the scheduler did with the loop's thread and how the
// machine's CPUs spent their time, so a slow run says whether it ran, waited
// for a CPU or slept.
#include <errno.h>
#include <getopt.h>
#include <linux/if_link.h>
#include <linux/if_xdp.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>
#include <xdp/xsk.h>

#ifndef SOL_XDP
#define SOL_XDP 283
#endif
/* include/uapi/linux/if_xdp.h of Linux 6.6, newer than Debian 12's headers. */
#ifndef XDP_USE_SG
#define XDP_USE_SG (1 << 4)
#endif

enum workload { RXDROP, TXONLY, L2FWD };
/** Ringside's hand-overs, or xdpsock's rx_drop as the reference receiver. */
enum loop { LOOP_RINGSIDE, LOOP_XDPSOCK };

struct options {
  const char *ifname;
  unsigned queue;
  enum workload workload;
  unsigned frame_count, frame_size, fill_size, comp_size, rx_size, tx_size, batch;
  unsigned frame_length;
  /** txonly: frames per second, 0 for as fast as the loop goes. */
  unsigned rate_pps;
  unsigned warmup_ms, duration_ms;
  /** Bind with XDP_USE_SG: a frame longer than a chunk comes as several descriptors. */
  int multi_buffer;
  /**
   * An XDP object to load instead of libxdp's default program, with its
   * socket put in the object's xsks_map at the queue's index: libxdp 1.3's
   * own program is not frags-aware, and veth refuses it above a page of MTU.
   */
  const char *xdp_program;
  enum loop loop;
};

/** At most this many batches are reaped from COMPLETION at once, as in the JS pipeline. */
#define BURST_BATCHES 4
/** How long an idle receiver sleeps in poll(), as in the JS pipeline. */
#define IDLE_POLL_MS 20
/** The longest quiet spell spun through rather than slept in, as in the JS pipeline (kernel-doorbells.ts). */
#define SPIN_WINDOW_NS 50000ull

/** The lab's addresses (agent/src/lab/lab.ts): the app end sends to the peer end. */
static const uint8_t APP_MAC[6] = {0x02, 0x52, 0x53, 0x00, 0x00, 0x01};
static const uint8_t PEER_MAC[6] = {0x02, 0x52, 0x53, 0x00, 0x00, 0x02};
static const uint8_t APP_IP[4] = {198, 18, 0, 1};
static const uint8_t PEER_IP[4] = {198, 18, 0, 2};
#define APP_PORT 4242
#define PEER_PORT 9000
#define PAYLOAD_MAGIC 0x52534431u

struct bench {
  struct options o;
  uint8_t *area;
  struct xsk_umem *umem;
  struct xsk_socket *xsk;
  struct xsk_ring_prod fill, tx;
  struct xsk_ring_cons comp, rx;
  int fd;
  uint64_t *free_pool;
  unsigned free_count;
  unsigned given_to_fill, fill_target;
  /** l2fwd: received descriptors waiting for TX (a FIFO, like the JS backlog). */
  struct xdp_desc *backlog;
  unsigned backlog_head, backlog_count;
  uint8_t *templated;
  uint32_t sequence;
  /** txonly's token bucket, refilled by the nanosecond like the JS pipeline's by the millisecond. */
  double tokens;
  uint64_t last_refill;
  uint64_t rx_frames, rx_bytes, tx_frames, completed, wakeups;
  /** Descriptors put on TX since the last kick, as the JS lane's `submitted`. */
  unsigned submitted;
  /** Rounds that moved nothing and slept (poll() with a timeout, or a token's wait), as JS's Counter.IDLE_WAITS. */
  uint64_t idle_waits;
  /** The JS pipeline's spin rule (pipeline.ts run()): the current quiet spell, and whether the last was short. */
  int quiet, last_spell_short;
  uint64_t quiet_since, spin_until;
  struct xdp_program *program;
  int ifindex;
};

static volatile sig_atomic_t stopping;

static void on_signal(int sig) {
  (void)sig;
  stopping = 1;
}

static uint64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static void die(const char *what, int error) {
  fprintf(stderr, "xskbench: %s: %s\n", what, strerror(error));
  exit(1);
}

static uint16_t ip_checksum(const uint8_t *header) {
  uint32_t sum = 0;
  for (int i = 0; i < 20; i += 2) {
    if (i == 10) continue;
    sum += (uint32_t)(header[i] << 8 | header[i + 1]);
  }
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
  return (uint16_t)~sum;
}

static void put16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v) {
  put16(p, (uint16_t)(v >> 16));
  put16(p + 2, (uint16_t)v);
}

/** Ethernet / IPv4 / UDP, the same layout as the lab's frames, written once per frame. */
static void write_frame(uint8_t *f, unsigned length) {
  memset(f, 0, length);
  memcpy(f, PEER_MAC, 6);
  memcpy(f + 6, APP_MAC, 6);
  put16(f + 12, 0x0800);
  uint8_t *ip = f + 14;
  ip[0] = 0x45;
  put16(ip + 2, (uint16_t)(length - 14));
  put32(ip + 4, 0x00004000);
  ip[8] = 64;
  ip[9] = 17;
  memcpy(ip + 12, APP_IP, 4);
  memcpy(ip + 16, PEER_IP, 4);
  put16(ip + 10, ip_checksum(ip));
  uint8_t *udp = ip + 20;
  put16(udp, APP_PORT);
  put16(udp + 2, PEER_PORT);
  put16(udp + 4, (uint16_t)(length - 34));
  uint8_t *payload = udp + 8;
  put32(payload, PAYLOAD_MAGIC);
  for (unsigned i = 8; i + 42 < length; i++) payload[i] = (uint8_t)i;
}

static void load_program(struct bench *b) {
  b->ifindex = (int)if_nametoindex(b->o.ifname);
  if (!b->ifindex) die("if_nametoindex", errno);
  b->program = xdp_program__open_file(b->o.xdp_program, NULL, NULL);
  long err = libxdp_get_error(b->program);
  if (err) die("xdp_program__open_file", (int)-err);
  err = xdp_program__attach(b->program, b->ifindex, XDP_MODE_NATIVE, 0);
  if (err) die("xdp_program__attach", (int)-err);
}

/*
 * The reference receiver: xdpsock's rx_drop (xdp-project/bpf-examples,
 * AF_XDP-example/xdpsock.c; the kernel's old samples/bpf/xdpsock_user.c) as
 * `xdpsock -r -c` runs it: copy mode, need_wakeup on, no poll() (-p) and no
 * busy polling (-B). What it mirrors:
 * - FILL is filled once, whole, before the first round, and afterwards only
 *   from RX: every received address goes straight back to FILL, so the frames
 *   in circulation are as many as FILL holds and none wait in a pool;
 * - a round peeks up to a batch on RX; an empty RX costs a recvfrom() only
 *   when FILL's need_wakeup flag asks for one, and the loop spins on: it
 *   never sleeps;
 * - as many slots as were received are reserved on FILL, the reservation
 *   retried (with a recvfrom() when FILL's flag asks) until it succeeds; the
 *   addresses are copied across, FILL submitted, then RX released.
 * The window's clock is read once per 64 rounds (run_until) where xdpsock
 * reads a flag its statistics thread sets.
 */
static void xdpsock_populate_fill(struct bench *b) {
  unsigned n = b->o.fill_size < b->o.frame_count ? b->o.fill_size : b->o.frame_count;
  uint32_t index;
  if (xsk_ring_prod__reserve(&b->fill, n, &index) != n) die("populating FILL", ENOSPC);
  for (unsigned i = 0; i < n; i++) *xsk_ring_prod__fill_addr(&b->fill, index + i) = (uint64_t)i * b->o.frame_size;
  xsk_ring_prod__submit(&b->fill, n);
}

static void xdpsock_wake_rx(struct bench *b) {
  recvfrom(b->fd, NULL, 0, MSG_DONTWAIT, NULL, NULL);
  b->wakeups++;
}

static void xdpsock_rx_drop(struct bench *b) {
  uint32_t rx_index, fill_index;
  unsigned n = xsk_ring_cons__peek(&b->rx, b->o.batch, &rx_index);
  if (n == 0) {
    if (xsk_ring_prod__needs_wakeup(&b->fill)) xdpsock_wake_rx(b);
    return;
  }
  while (xsk_ring_prod__reserve(&b->fill, n, &fill_index) != n) {
    if (xsk_ring_prod__needs_wakeup(&b->fill)) xdpsock_wake_rx(b);
  }
  for (unsigned i = 0; i < n; i++) {
    const struct xdp_desc *d = xsk_ring_cons__rx_desc(&b->rx, rx_index + i);
    *xsk_ring_prod__fill_addr(&b->fill, fill_index + i) = xsk_umem__extract_addr(d->addr);
    b->rx_bytes += d->len;
  }
  xsk_ring_prod__submit(&b->fill, n);
  xsk_ring_cons__release(&b->rx, n);
  b->rx_frames += n;
}

static void setup(struct bench *b) {
  const struct options *o = &b->o;
  size_t length = (size_t)o->frame_count * o->frame_size;
  b->area = mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (b->area == MAP_FAILED) die("mmap", errno);
  struct xsk_umem_config uc = {
      .fill_size = o->fill_size,
      .comp_size = o->comp_size,
      .frame_size = o->frame_size,
      .frame_headroom = 0,
      .flags = 0,
  };
  int err = xsk_umem__create(&b->umem, b->area, length, &b->fill, &b->comp, &uc);
  if (err) die("xsk_umem__create", -err);
  int receives = o->workload != TXONLY;
  struct xsk_socket_config sc = {
      .rx_size = receives ? o->rx_size : 0,
      .tx_size = o->workload != RXDROP ? o->tx_size : 0,
      // A socket without RX needs no XDP program, as in Ringside's engine; one given by --xdp-program is ours to load.
      .libxdp_flags = receives && !o->xdp_program ? 0 : XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
      .xdp_flags = XDP_FLAGS_DRV_MODE,
      .bind_flags = XDP_COPY | XDP_USE_NEED_WAKEUP | (o->multi_buffer ? XDP_USE_SG : 0),
  };
  if (o->xdp_program) load_program(b);
  // The kernel frees a queue from a workqueue after its last socket closed: the run before ours may hold it a moment.
  for (int attempt = 0;; attempt++) {
    err = xsk_socket__create(&b->xsk, o->ifname, o->queue, b->umem, receives ? &b->rx : NULL,
                             o->workload != RXDROP ? &b->tx : NULL, &sc);
    if (err != -EBUSY || attempt == 100) break;
    usleep(10000);
  }
  if (err) die("xsk_socket__create", -err);
  b->fd = xsk_socket__fd(b->xsk);
  if (b->program) {
    int map = bpf_object__find_map_fd_by_name(xdp_program__bpf_obj(b->program), "xsks_map");
    if (map < 0) die("xsks_map", -map);
    err = xsk_socket__update_xskmap(b->xsk, map);
    if (err) die("xsk_socket__update_xskmap", -err);
  }
  b->free_pool = calloc(o->frame_count, sizeof *b->free_pool);
  b->backlog = calloc(o->frame_count, sizeof *b->backlog);
  b->templated = calloc(o->frame_count, 1);
  if (!b->free_pool || !b->backlog || !b->templated) die("calloc", ENOMEM);
  for (unsigned i = o->frame_count; i-- > 0;) b->free_pool[b->free_count++] = (uint64_t)i * o->frame_size;
  // Ringside's txonly sockets have no RX here, so nothing goes to FILL; receivers keep every frame they can there.
  b->fill_target = receives ? o->frame_count : 0;
  if (o->loop == LOOP_XDPSOCK) xdpsock_populate_fill(b);
}

static unsigned reap_completion(struct bench *b) {
  uint32_t index;
  unsigned n = xsk_ring_cons__peek(&b->comp, b->o.batch * BURST_BATCHES, &index);
  if (n == 0) return 0;
  for (unsigned i = 0; i < n; i++) {
    uint64_t address = *xsk_ring_cons__comp_addr(&b->comp, index + i);
    if (address / b->o.frame_size >= b->o.frame_count) continue;
    b->free_pool[b->free_count++] = address;
  }
  xsk_ring_cons__release(&b->comp, n);
  b->completed += n;
  return n;
}

static unsigned drain_rx(struct bench *b) {
  if (b->o.workload == TXONLY) return 0;
  uint32_t index;
  unsigned n = xsk_ring_cons__peek(&b->rx, b->o.batch, &index);
  if (n == 0) return 0;
  for (unsigned i = 0; i < n; i++) {
    const struct xdp_desc *d = xsk_ring_cons__rx_desc(&b->rx, index + i);
    if (b->o.workload == L2FWD) {
      unsigned slot = (b->backlog_head + b->backlog_count++) % b->o.frame_count;
      b->backlog[slot] = *d;
    } else {
      b->free_pool[b->free_count++] = d->addr - d->addr % b->o.frame_size;
    }
    b->rx_bytes += d->len;
  }
  xsk_ring_cons__release(&b->rx, n);
  b->given_to_fill -= n;
  b->rx_frames += n;
  return n;
}

static unsigned min3(unsigned a, unsigned b, unsigned c) {
  unsigned m = a < b ? a : b;
  return m < c ? m : c;
}

static unsigned forward_backlog(struct bench *b) {
  unsigned n = min3(b->o.batch, b->backlog_count, xsk_prod_nb_free(&b->tx, b->o.batch));
  uint32_t index;
  if (n == 0 || xsk_ring_prod__reserve(&b->tx, n, &index) != n) return 0;
  for (unsigned i = 0; i < n; i++) {
    const struct xdp_desc *d = &b->backlog[(b->backlog_head + i) % b->o.frame_count];
    uint8_t *f = xsk_umem__get_data(b->area, d->addr);
    uint8_t t[6];
    memcpy(t, f, 6);
    memcpy(f, f + 6, 6);
    memcpy(f + 6, t, 6);
    struct xdp_desc *out = xsk_ring_prod__tx_desc(&b->tx, index + i);
    out->addr = d->addr;
    out->len = d->len;
    out->options = 0;
  }
  xsk_ring_prod__submit(&b->tx, n);
  b->submitted += n;
  b->backlog_head = (b->backlog_head + n) % b->o.frame_count;
  b->backlog_count -= n;
  b->tx_frames += n;
  return n;
}

static unsigned send_from_pool(struct bench *b) {
  unsigned n = min3(b->o.batch, b->free_count, xsk_prod_nb_free(&b->tx, b->o.batch));
  if (b->o.rate_pps) {
    uint64_t now = now_ns();
    double cap = (double)b->o.batch * BURST_BATCHES;
    b->tokens += (double)(now - b->last_refill) * b->o.rate_pps / 1e9;
    if (b->tokens > cap) b->tokens = cap;
    b->last_refill = now;
    if ((double)n > b->tokens) n = (unsigned)b->tokens;
  }
  uint32_t index;
  if (n == 0 || xsk_ring_prod__reserve(&b->tx, n, &index) != n) return 0;
  for (unsigned i = 0; i < n; i++) {
    uint64_t address = b->free_pool[--b->free_count];
    uint8_t *f = xsk_umem__get_data(b->area, address);
    unsigned frame = (unsigned)(address / b->o.frame_size);
    if (!b->templated[frame]) {
      write_frame(f, b->o.frame_length);
      b->templated[frame] = 1;
    }
    put32(f + 42 + 4, b->sequence++);
    struct xdp_desc *out = xsk_ring_prod__tx_desc(&b->tx, index + i);
    out->addr = address;
    out->len = b->o.frame_length;
    out->options = 0;
  }
  xsk_ring_prod__submit(&b->tx, n);
  b->submitted += n;
  if (b->o.rate_pps) b->tokens -= n;
  b->tx_frames += n;
  return n;
}

static unsigned refill_fill(struct bench *b) {
  unsigned n = min3(b->o.batch, b->free_count, b->fill_target - b->given_to_fill);
  n = n < xsk_prod_nb_free(&b->fill, b->o.batch) ? n : xsk_prod_nb_free(&b->fill, b->o.batch);
  uint32_t index;
  if (n == 0 || xsk_ring_prod__reserve(&b->fill, n, &index) != n) return 0;
  for (unsigned i = 0; i < n; i++) *xsk_ring_prod__fill_addr(&b->fill, index + i) = b->free_pool[--b->free_count];
  xsk_ring_prod__submit(&b->fill, n);
  b->given_to_fill += n;
  return n;
}

/** The kernel's producer and consumer words of TX: copy-mode TX moves only inside a syscall. */
static int tx_pending(const struct bench *b) {
  if (b->o.workload == RXDROP) return 0;
  return __atomic_load_n(b->tx.producer, __ATOMIC_RELAXED) != __atomic_load_n(b->tx.consumer, __ATOMIC_ACQUIRE);
}

/** TX is kicked until the kernel has taken what this round put on it, a budget a sendto, as in handovers.ts kick(). */
static void kick(struct bench *b) {
  if (b->o.workload != RXDROP) {
    uint32_t start = __atomic_load_n(b->tx.consumer, __ATOMIC_ACQUIRE), consumer = start;
    while (tx_pending(b) && xsk_ring_prod__needs_wakeup(&b->tx)) {
      sendto(b->fd, NULL, 0, MSG_DONTWAIT, NULL, 0);
      b->wakeups++;
      uint32_t now = __atomic_load_n(b->tx.consumer, __ATOMIC_ACQUIRE);
      uint32_t taken = now - consumer;
      consumer = now;
      if (taken == 0 || consumer - start >= b->submitted) break;
    }
    b->submitted = 0;
  }
  if (b->o.workload != TXONLY && xsk_ring_prod__needs_wakeup(&b->fill)) {
    struct pollfd p = {.fd = b->fd, .events = POLLIN};
    poll(&p, 1, 0);
    b->wakeups++;
  }
}

static void idle(struct bench *b) {
  if (tx_pending(b)) return;
  if (b->o.workload != TXONLY) {
    struct pollfd p = {.fd = b->fd, .events = POLLIN};
    poll(&p, 1, IDLE_POLL_MS);
    b->idle_waits++;
  } else if (b->o.rate_pps) {
    // Tokens accrue by the millisecond: the JS pipeline waits one too.
    usleep(1000);
    b->idle_waits++;
  }
}

static void step(struct bench *b) {
  if (b->o.loop == LOOP_XDPSOCK) {
    xdpsock_rx_drop(b);
    return;
  }
  unsigned work = reap_completion(b) + drain_rx(b);
  if (b->o.workload == TXONLY) work += send_from_pool(b);
  if (b->o.workload == L2FWD) work += forward_backlog(b);
  work += refill_fill(b);
  kick(b);
  if (work > 0) {
    if (b->quiet) {
      b->quiet = 0;
      b->last_spell_short = now_ns() - b->quiet_since <= SPIN_WINDOW_NS;
    }
  } else if (!b->quiet) {
    b->quiet = 1;
    b->quiet_since = now_ns();
    b->spin_until = b->last_spell_short ? b->quiet_since + SPIN_WINDOW_NS : b->quiet_since;
  } else if (now_ns() >= b->spin_until) {
    idle(b);
  }
}

static struct xdp_statistics statistics(const struct bench *b) {
  struct xdp_statistics s;
  socklen_t length = sizeof s;
  memset(&s, 0, sizeof s);
  if (getsockopt(b->fd, SOL_XDP, XDP_STATISTICS, &s, &length)) die("getsockopt XDP_STATISTICS", errno);
  return s;
}

/** What the scheduler did with this thread so far (/proc/thread-self): on a CPU, waiting for one, and switches. */
struct thread_times {
  unsigned long long run_ns, wait_ns, timeslices, voluntary, nonvoluntary;
};

static struct thread_times thread_times(void) {
  struct thread_times t;
  memset(&t, 0, sizeof t);
  FILE *f = fopen("/proc/thread-self/schedstat", "r");
  if (!f) die("/proc/thread-self/schedstat", errno);
  if (fscanf(f, "%llu %llu %llu", &t.run_ns, &t.wait_ns, &t.timeslices) != 3) die("/proc/thread-self/schedstat", EINVAL);
  fclose(f);
  f = fopen("/proc/thread-self/status", "r");
  if (!f) die("/proc/thread-self/status", errno);
  char line[256];
  while (fgets(line, sizeof line, f)) {
    sscanf(line, "voluntary_ctxt_switches: %llu", &t.voluntary);
    sscanf(line, "nonvoluntary_ctxt_switches: %llu", &t.nonvoluntary);
  }
  fclose(f);
  return t;
}

/** The machine's CPU time so far by state, in clock ticks: /proc/stat's first line. */
enum { CPU_USER, CPU_NICE, CPU_SYSTEM, CPU_IDLE, CPU_IOWAIT, CPU_IRQ, CPU_SOFTIRQ, CPU_STEAL, CPU_STATES };
static const char *CPU_STATE_NAMES[CPU_STATES] = {"user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal"};

static void cpu_ticks(unsigned long long ticks[CPU_STATES]) {
  FILE *f = fopen("/proc/stat", "r");
  if (!f) die("/proc/stat", errno);
  int read = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &ticks[0], &ticks[1], &ticks[2], &ticks[3],
                    &ticks[4], &ticks[5], &ticks[6], &ticks[7]);
  fclose(f);
  if (read != CPU_STATES) die("/proc/stat", EINVAL);
}

static void run_until(struct bench *b, uint64_t deadline) {
  while (!stopping && now_ns() < deadline) {
    // The clock is read once per 64 rounds: a loop round is far shorter than the window's precision needs.
    for (int i = 0; i < 64; i++) step(b);
  }
}

static enum workload parse_workload(const char *name) {
  if (!strcmp(name, "rxdrop")) return RXDROP;
  if (!strcmp(name, "txonly")) return TXONLY;
  if (!strcmp(name, "l2fwd")) return L2FWD;
  fprintf(stderr, "xskbench: workload must be rxdrop, txonly or l2fwd, not '%s'\n", name);
  exit(2);
}

static enum loop parse_loop(const char *name) {
  if (!strcmp(name, "ringside")) return LOOP_RINGSIDE;
  if (!strcmp(name, "xdpsock")) return LOOP_XDPSOCK;
  fprintf(stderr, "xskbench: loop must be ringside or xdpsock, not '%s'\n", name);
  exit(2);
}

static unsigned number(const char *name, const char *text) {
  char *end;
  unsigned long v = strtoul(text, &end, 10);
  if (*text == '\0' || *end != '\0' || v > 0xffffffffu) {
    fprintf(stderr, "xskbench: --%s must be a whole number, not '%s'\n", name, text);
    exit(2);
  }
  return (unsigned)v;
}

static void usage(void) {
  fprintf(stderr,
          "usage: xskbench --iface IF --workload rxdrop|txonly|l2fwd [--queue N] [--frames N]\n"
          "  [--frame-size N] [--fill N] [--comp N] [--rx N] [--tx N] [--batch N]\n"
          "  [--frame-length N] [--rate PPS] [--warmup-ms N] [--duration-ms N]\n"
          "  [--multi-buffer] [--xdp-program OBJECT] [--loop ringside|xdpsock]\n");
  exit(2);
}

static struct options parse(int argc, char **argv) {
  struct options o = {
      .queue = 0,
      .workload = RXDROP,
      .frame_count = 4096,
      .frame_size = 2048,
      .fill_size = 2048,
      .comp_size = 2048,
      .rx_size = 2048,
      .tx_size = 2048,
      .batch = 64,
      .frame_length = 64,
      .rate_pps = 0,
      .warmup_ms = 1000,
      .duration_ms = 3000,
  };
  static const struct option longs[] = {
      {"iface", required_argument, 0, 'i'},     {"queue", required_argument, 0, 'q'},
      {"workload", required_argument, 0, 'w'},  {"frames", required_argument, 0, 'n'},
      {"frame-size", required_argument, 0, 's'}, {"fill", required_argument, 0, 'f'},
      {"comp", required_argument, 0, 'c'},      {"rx", required_argument, 0, 'r'},
      {"tx", required_argument, 0, 't'},        {"batch", required_argument, 0, 'b'},
      {"frame-length", required_argument, 0, 'l'}, {"warmup-ms", required_argument, 0, 'W'},
      {"duration-ms", required_argument, 0, 'D'}, {"rate", required_argument, 0, 'R'},
      {"multi-buffer", no_argument, 0, 'M'},    {"xdp-program", required_argument, 0, 'P'},
      {"loop", required_argument, 0, 'L'},
      {0, 0, 0, 0},
  };
  int c;
  while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
    switch (c) {
      case 'i': o.ifname = optarg; break;
      case 'q': o.queue = number("queue", optarg); break;
      case 'w': o.workload = parse_workload(optarg); break;
      case 'n': o.frame_count = number("frames", optarg); break;
      case 's': o.frame_size = number("frame-size", optarg); break;
      case 'f': o.fill_size = number("fill", optarg); break;
      case 'c': o.comp_size = number("comp", optarg); break;
      case 'r': o.rx_size = number("rx", optarg); break;
      case 't': o.tx_size = number("tx", optarg); break;
      case 'b': o.batch = number("batch", optarg); break;
      case 'l': o.frame_length = number("frame-length", optarg); break;
      case 'W': o.warmup_ms = number("warmup-ms", optarg); break;
      case 'D': o.duration_ms = number("duration-ms", optarg); break;
      case 'R': o.rate_pps = number("rate", optarg); break;
      case 'M': o.multi_buffer = 1; break;
      case 'P': o.xdp_program = optarg; break;
      case 'L': o.loop = parse_loop(optarg); break;
      default: usage();
    }
  }
  if (!o.ifname || o.batch == 0 || o.frame_length < 60 || o.frame_length > o.frame_size) usage();
  if (o.loop == LOOP_XDPSOCK && o.workload != RXDROP) {
    fprintf(stderr, "xskbench: --loop xdpsock is xdpsock's rx_drop: rxdrop only\n");
    exit(2);
  }
  return o;
}

static const char *NAMES[] = {"rxdrop", "txonly", "l2fwd"};

int main(int argc, char **argv) {
  struct bench b;
  memset(&b, 0, sizeof b);
  b.o = parse(argc, argv);
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  setup(&b);
  b.quiet = 1;
  b.quiet_since = now_ns();

  run_until(&b, now_ns() + (uint64_t)b.o.warmup_ms * 1000000ull);
  struct xdp_statistics s0 = statistics(&b);
  uint64_t rx0 = b.rx_frames, bytes0 = b.rx_bytes, tx0 = b.tx_frames, done0 = b.completed, wake0 = b.wakeups,
           idle0 = b.idle_waits;
  unsigned long long cpu0[CPU_STATES], cpu1[CPU_STATES];
  cpu_ticks(cpu0);
  struct thread_times times0 = thread_times();
  uint64_t t0 = now_ns();
  run_until(&b, t0 + (uint64_t)b.o.duration_ms * 1000000ull);
  uint64_t t1 = now_ns();
  struct thread_times times1 = thread_times();
  cpu_ticks(cpu1);
  struct xdp_statistics s1 = statistics(&b);

  printf("{\"workload\":\"%s\",\"window_ns\":[%llu,%llu],\"duration_s\":%.6f,\"rx_frames\":%llu,\"rx_bytes\":%llu,\"tx_frames\":%llu,\"completed\":%llu,"
         "\"wakeups\":%llu,\"stats\":{\"rx_dropped\":%llu,\"rx_invalid_descs\":%llu,\"tx_invalid_descs\":%llu,"
         "\"rx_ring_full\":%llu,\"rx_fill_ring_empty_descs\":%llu,\"tx_ring_empty_descs\":%llu}",
         NAMES[b.o.workload], (unsigned long long)t0, (unsigned long long)t1, (double)(t1 - t0) / 1e9, (unsigned long long)(b.rx_frames - rx0),
         (unsigned long long)(b.rx_bytes - bytes0),
         (unsigned long long)(b.tx_frames - tx0), (unsigned long long)(b.completed - done0),
         (unsigned long long)(b.wakeups - wake0), (unsigned long long)(s1.rx_dropped - s0.rx_dropped),
         (unsigned long long)(s1.rx_invalid_descs - s0.rx_invalid_descs),
         (unsigned long long)(s1.tx_invalid_descs - s0.tx_invalid_descs),
         (unsigned long long)(s1.rx_ring_full - s0.rx_ring_full),
         (unsigned long long)(s1.rx_fill_ring_empty_descs - s0.rx_fill_ring_empty_descs),
         (unsigned long long)(s1.tx_ring_empty_descs - s0.tx_ring_empty_descs));
  printf(",\"idle_waits\":%llu", (unsigned long long)(b.idle_waits - idle0));
  printf(",\"thread\":{\"run_ns\":%llu,\"wait_ns\":%llu,\"timeslices\":%llu,\"voluntary_switches\":%llu,"
         "\"nonvoluntary_switches\":%llu},\"cpu_ticks\":{",
         times1.run_ns - times0.run_ns, times1.wait_ns - times0.wait_ns, times1.timeslices - times0.timeslices,
         times1.voluntary - times0.voluntary, times1.nonvoluntary - times0.nonvoluntary);
  for (int i = 0; i < CPU_STATES; i++) printf("%s\"%s\":%llu", i ? "," : "", CPU_STATE_NAMES[i], cpu1[i] - cpu0[i]);
  printf("}}\n");
  fflush(stdout);

  xsk_socket__delete(b.xsk);
  if (b.program) {
    xdp_program__detach(b.program, b.ifindex, XDP_MODE_NATIVE, 0);
    xdp_program__close(b.program);
  }
  xsk_umem__delete(b.umem);
  munmap(b.area, (size_t)b.o.frame_count * b.o.frame_size);
  return 0;
}
