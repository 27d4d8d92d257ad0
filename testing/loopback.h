#ifndef TESTING_LOOPBACK_H_
#define TESTING_LOOPBACK_H_

// Raw TCP on this machine's loopback, for tests and benchmarks that speak bytes themselves (slow
// clients, WebSocket frames) or need a peer that never answers.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>

namespace therapy::homework::testing {

// A blocking TCP connection to 127.0.0.1:`port` with TCP_NODELAY (small writes leave at once):
// its file descriptor, which the caller closes; -1 when it could not connect.
inline int ConnectLoopback(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    close(fd);
    return -1;
  }
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return fd;
}

// A socket listening on 127.0.0.1 on a free port, which it writes to `port`: connections to it
// are made by the kernel and never accepted or answered (a server that hangs). Its file
// descriptor, which the caller closes; -1 when it could not listen.
inline int ListenLoopback(int& port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), length) != 0 || listen(fd, 16) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    close(fd);
    return -1;
  }
  port = ntohs(address.sin_port);
  return fd;
}

}  // namespace therapy::homework::testing

#endif  // TESTING_LOOPBACK_H_
