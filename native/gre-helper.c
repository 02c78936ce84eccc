/*
 * pptpmon-gre-helper: the one piece of pptpmon that needs CAP_NET_RAW. It opens a raw IPv4 socket for
 * protocol 47 (GRE) connected to one server and relays packets between that socket and its parent
 * (pptpmon's gre/mtu/login probes) over stdin/stdout. Kept tiny so it can be given the capability alone
 * (`setcap cap_net_raw+ep pptpmon-gre-helper`, as ping is) while Node runs unprivileged.
 *
 * Framing, both directions: [type u8][length u16 big-endian][payload].
 *   helper -> parent: 'O' ready; 'E' fatal error (u32 errno, text) then exit;
 *                     'R' received GRE packet (IP header stripped);
 *                     'X' send failed (u32 errno, u32 current path MTU from IP_MTU);
 *                     'M' answer to 'M' (u32 path MTU);
 *                     'F' ICMP error about a packet we sent (u8 type, u8 code, u32 info = the next-hop
 *                         MTU for "fragmentation needed"), from the socket's error queue (IP_RECVERR).
 *   parent -> helper: 'S' send GRE packet; 'D' set IP_MTU_DISCOVER (u8 mode: 0 DONT = DF clear,
 *                     2 DO, 3 PROBE = DF set ignoring the cached path MTU); 'M' query path MTU.
 * The helper exits when stdin closes. Usage: pptpmon-gre-helper SERVER_IPV4
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#ifndef IPPROTO_GRE
#define IPPROTO_GRE 47
#endif

static int write_all(const uint8_t *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(1, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

static int frame(uint8_t type, const uint8_t *payload, size_t len) {
  uint8_t head[3] = {type, (uint8_t)(len >> 8), (uint8_t)(len & 0xff)};
  if (write_all(head, 3) < 0) return -1;
  return len ? write_all(payload, len) : 0;
}

static void put32(uint8_t *p, uint32_t v) {
  p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v;
}

static void fatal(int err, const char *what) {
  uint8_t buf[256];
  put32(buf, (uint32_t)err);
  int n = snprintf((char *)buf + 4, sizeof buf - 4, "%s: %s", what, strerror(err));
  frame('E', buf, 4 + (size_t)(n > 0 ? n : 0));
  exit(1);
}

static uint32_t path_mtu(int s) {
  int mtu = 0;
  socklen_t l = sizeof mtu;
  if (getsockopt(s, IPPROTO_IP, IP_MTU, &mtu, &l) < 0) return 0;
  return (uint32_t)mtu;
}

/* Reads exactly n bytes from stdin; 0 on EOF. */
static int read_full(uint8_t *p, size_t n) {
  while (n > 0) {
    ssize_t r = read(0, p, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return 0;
    p += r;
    n -= (size_t)r;
  }
  return 1;
}

int main(int argc, char **argv) {
  struct sockaddr_in dst;
  memset(&dst, 0, sizeof dst);
  dst.sin_family = AF_INET;
  if (argc != 2 || inet_pton(AF_INET, argv[1], &dst.sin_addr) != 1) fatal(EINVAL, "usage: pptpmon-gre-helper SERVER_IPV4");
  int s = socket(AF_INET, SOCK_RAW, IPPROTO_GRE);
  if (s < 0) fatal(errno, "raw socket for IP protocol 47");
  /* connect() makes the kernel deliver only GRE from this server to us, and enables IP_MTU. */
  if (connect(s, (struct sockaddr *)&dst, sizeof dst) < 0) fatal(errno, "connect raw socket");
  /* IP_RECVERR: ICMP errors (e.g. fragmentation needed, with the router's MTU) come to us at once,
   * so the mtu probe need not wait for a timeout per size when a router on the path speaks up. */
  int on = 1;
  if (setsockopt(s, IPPROTO_IP, IP_RECVERR, &on, sizeof on) < 0) fatal(errno, "IP_RECVERR");
  frame('O', NULL, 0);

  static uint8_t in[65536 + 3];
  static uint8_t pkt[65536];
  struct pollfd fds[2] = {{0, POLLIN, 0}, {s, POLLIN, 0}};
  for (;;) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      fatal(errno, "poll");
    }
    if (fds[1].revents & POLLERR) {
      uint8_t data[2048], ctl[512];
      struct iovec iov = {data, sizeof data};
      struct msghdr mh;
      memset(&mh, 0, sizeof mh);
      mh.msg_iov = &iov;
      mh.msg_iovlen = 1;
      mh.msg_control = ctl;
      mh.msg_controllen = sizeof ctl;
      if (recvmsg(s, &mh, MSG_ERRQUEUE | MSG_DONTWAIT) >= 0) {
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
          if (c->cmsg_level != IPPROTO_IP || c->cmsg_type != IP_RECVERR) continue;
          struct sock_extended_err ee;
          memcpy(&ee, CMSG_DATA(c), sizeof ee);
          if (ee.ee_origin != SO_EE_ORIGIN_ICMP) continue;
          uint8_t f[6] = {ee.ee_type, ee.ee_code};
          put32(f + 2, ee.ee_info);
          if (frame('F', f, 6) < 0) return 0;
        }
      }
    }
    if (fds[1].revents & POLLIN) {
      ssize_t n = recv(s, pkt, sizeof pkt, 0);
      if (n > 0) {
        size_t ihl = (size_t)(pkt[0] & 0x0f) * 4;
        if ((size_t)n > ihl && ihl >= 20 && frame('R', pkt + ihl, (size_t)n - ihl) < 0) return 0;
      }
    }
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      if (!read_full(in, 3)) return 0;
      size_t len = ((size_t)in[1] << 8) | in[2];
      if (len && !read_full(in + 3, len)) return 0;
      uint8_t type = in[0];
      if (type == 'S') {
        if (send(s, in + 3, len, 0) < 0) {
          uint8_t e[8];
          put32(e, (uint32_t)errno);
          put32(e + 4, path_mtu(s));
          if (frame('X', e, 8) < 0) return 0;
        }
      } else if (type == 'D' && len == 1) {
        int mode = in[3];
        if (setsockopt(s, IPPROTO_IP, IP_MTU_DISCOVER, &mode, sizeof mode) < 0) fatal(errno, "IP_MTU_DISCOVER");
      } else if (type == 'M') {
        uint8_t m[4];
        put32(m, path_mtu(s));
        if (frame('M', m, 4) < 0) return 0;
      }
    }
  }
}
