// See redis_link.h.
#include "redis_link.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace sso_admin {

namespace {

struct AddrinfoFree {
  void operator()(addrinfo *a) const { freeaddrinfo(a); }
};

bool IsIp(const std::string &name) {
  in6_addr addr;
  return inet_pton(AF_INET, name.c_str(), &addr) == 1 ||
         inet_pton(AF_INET6, name.c_str(), &addr) == 1;
}

std::string OpensslError() {
  unsigned long e = ERR_get_error();
  if (e == 0) return "connection closed";
  char text[256];
  ERR_error_string_n(e, text, sizeof text);
  ERR_clear_error();
  return text;
}

}  // namespace

RedisLink::~RedisLink() {
  if (ssl_) SSL_shutdown(ssl_.get());  // best effort, never waited for
  ssl_.reset();
  if (fd_ >= 0) close(fd_);
}

bool RedisLink::Fail(const std::string &why) {
  error_ = why;
  return false;
}

bool RedisLink::Open(const LinkOptions &options) {
  timeout_ms_ = options.timeout_ms;
  reader_.reset(redisReaderCreate());
  if (!reader_) return Fail("out of memory");
  std::string host;
  if (!Connect(options, host)) return false;
  if (options.tls && !StartTls(options, host)) return false;
  return true;
}

// A non-blocking socket, connected within the timeout.
bool RedisLink::Connect(const LinkOptions &options, std::string &host) {
  const std::string &address = options.address;
  if (address.rfind("unix:", 0) == 0) {
    if (options.tls) return Fail("--tls needs a HOST:PORT address, not unix:");
    sockaddr_un sun{};
    sun.sun_family = AF_UNIX;
    std::string path = address.substr(5);
    if (path.size() >= sizeof sun.sun_path) return Fail("socket path too long");
    std::memcpy(sun.sun_path, path.c_str(), path.size() + 1);
    fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return Fail(std::strerror(errno));
    if (connect(fd_, reinterpret_cast<sockaddr *>(&sun), sizeof sun) != 0 && errno != EINPROGRESS)
      return Fail(std::strerror(errno));
    return WaitFor(true);
  }
  auto colon = address.rfind(':');
  host = colon == std::string::npos ? address : address.substr(0, colon);
  std::string port = colon == std::string::npos ? "6379" : address.substr(colon + 1);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo *raw = nullptr;
  if (int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &raw); rc != 0)
    return Fail(gai_strerror(rc));
  std::unique_ptr<addrinfo, AddrinfoFree> list(raw);
  // every address of the name in turn, like hiredis
  for (addrinfo *a = raw; a; a = a->ai_next) {
    if (fd_ >= 0) close(fd_);
    fd_ = socket(a->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd_ < 0) {
      Fail(std::strerror(errno));
      continue;
    }
    if (connect(fd_, a->ai_addr, a->ai_addrlen) != 0 && errno != EINPROGRESS) {
      Fail(std::strerror(errno));
      continue;
    }
    if (!WaitFor(true)) continue;
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
    if (err == 0) return true;
    Fail(std::strerror(err));
  }
  return false;
}

// TLS 1.2+, SNI for a host name, the chain and the name (or IP address) verified.
bool RedisLink::StartTls(const LinkOptions &options, const std::string &host) {
  ctx_.reset(SSL_CTX_new(TLS_client_method()));
  if (!ctx_) return Fail("TLS: " + OpensslError());
  SSL_CTX_set_min_proto_version(ctx_.get(), TLS1_2_VERSION);
  SSL_CTX_set_verify(ctx_.get(), SSL_VERIFY_PEER, nullptr);
  int loaded = options.tls_ca.empty()
                   ? SSL_CTX_set_default_verify_paths(ctx_.get())
                   : SSL_CTX_load_verify_locations(ctx_.get(), options.tls_ca.c_str(), nullptr);
  if (loaded != 1)
    return Fail("cannot load the CA bundle " +
                (options.tls_ca.empty() ? std::string("(system)") : options.tls_ca) + ": " +
                OpensslError());
  ssl_.reset(SSL_new(ctx_.get()));
  if (!ssl_ || SSL_set_fd(ssl_.get(), fd_) != 1) return Fail("TLS: " + OpensslError());
  std::string name = options.tls_name.empty() ? host : options.tls_name;
  X509_VERIFY_PARAM *param = SSL_get0_param(ssl_.get());
  bool set;
  if (IsIp(name)) {
    set = X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str()) == 1;
  } else {
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    set = X509_VERIFY_PARAM_set1_host(param, name.c_str(), 0) == 1 &&
          SSL_set_tlsext_host_name(ssl_.get(), name.c_str()) == 1;
  }
  if (!set) return Fail("TLS: cannot expect the name " + name);
  for (;;) {
    int rc = SSL_connect(ssl_.get());
    if (rc == 1) return true;
    int e = SSL_get_error(ssl_.get(), rc);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
      if (!WaitFor(e == SSL_ERROR_WANT_WRITE)) return Fail("TLS handshake timed out");
      continue;
    }
    long verify = SSL_get_verify_result(ssl_.get());
    if (verify != X509_V_OK) {
      const char *what =
          verify == X509_V_ERR_HOSTNAME_MISMATCH || verify == X509_V_ERR_IP_ADDRESS_MISMATCH
              ? "TLS name mismatch"
              : "TLS certificate verification failed";
      ERR_clear_error();
      return Fail(std::string(what) + " (" + X509_verify_cert_error_string(verify) +
                  "); expected name " + name);
    }
    return Fail("TLS handshake failed: " + OpensslError());
  }
}

bool RedisLink::WaitFor(bool write) {
  pollfd p{fd_, static_cast<short>(write ? POLLOUT : POLLIN), 0};
  for (;;) {
    int rc = poll(&p, 1, timeout_ms_);
    if (rc > 0) return true;
    if (rc == 0) return Fail("timed out");
    if (errno != EINTR) return Fail(std::strerror(errno));
  }
}

bool RedisLink::WriteAll(const char *data, size_t len) {
  while (len > 0) {
    long n;
    bool want_write = true;
    if (ssl_) {
      n = SSL_write(ssl_.get(), data, static_cast<int>(len));
      if (n <= 0) {
        int e = SSL_get_error(ssl_.get(), static_cast<int>(n));
        if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
          return Fail("TLS write: " + OpensslError());
        want_write = e == SSL_ERROR_WANT_WRITE;
        n = -1;
        errno = EAGAIN;
      }
    } else {
      n = send(fd_, data, len, MSG_NOSIGNAL);
    }
    if (n < 0) {
      if (errno != EAGAIN && errno != EINTR) return Fail(std::strerror(errno));
      if (!WaitFor(want_write)) return false;
      continue;
    }
    data += n;
    len -= static_cast<size_t>(n);
  }
  return true;
}

// Bytes read (> 0), or -1 with Error() set.
long RedisLink::ReadSome(char *buf, size_t len) {
  for (;;) {
    bool want_write = false;
    if (ssl_) {
      int n = SSL_read(ssl_.get(), buf, static_cast<int>(len));
      if (n > 0) return n;
      int e = SSL_get_error(ssl_.get(), n);
      if (e == SSL_ERROR_ZERO_RETURN) return Fail("connection closed by redis"), -1;
      if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
        return Fail("TLS read: " + OpensslError()), -1;
      want_write = e == SSL_ERROR_WANT_WRITE;
    } else {
      ssize_t n = recv(fd_, buf, len, 0);
      if (n > 0) return n;
      if (n == 0) return Fail("connection closed by redis"), -1;
      if (errno != EAGAIN && errno != EINTR) return Fail(std::strerror(errno)), -1;
    }
    if (!WaitFor(want_write)) return -1;
  }
}

ReplyPtr RedisLink::Command(int argc, const char **argv, const size_t *lens) {
  if (fd_ < 0 || !reader_) return Fail("not connected"), nullptr;
  char *raw = nullptr;
  int len = redisFormatCommandArgv(&raw, argc, argv, lens);
  if (len < 0) return Fail("out of memory"), nullptr;
  std::unique_ptr<char, decltype(&redisFreeCommand)> formatted(raw, &redisFreeCommand);
  if (!WriteAll(formatted.get(), static_cast<size_t>(len))) return nullptr;
  for (;;) {
    void *reply = nullptr;
    if (redisReaderGetReply(reader_.get(), &reply) != REDIS_OK)
      return Fail("protocol error"), nullptr;
    if (reply) return ReplyPtr(static_cast<redisReply *>(reply));
    char buf[16384];
    long n = ReadSome(buf, sizeof buf);
    if (n < 0) return nullptr;
    if (redisReaderFeed(reader_.get(), buf, static_cast<size_t>(n)) != REDIS_OK)
      return Fail("out of memory"), nullptr;
  }
}

}  // namespace sso_admin
