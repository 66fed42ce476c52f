// sso-admin's connection to Redis: TCP or a unix socket, optionally TLS (OpenSSL, the
// server's certificate and name verified), blocking with a deadline on every wait. hiredis
// (0.14, which has no TLS) only formats the commands and parses the replies.
#pragma once

#include <hiredis/hiredis.h>
#include <openssl/ssl.h>

#include <memory>
#include <string>

namespace sso_admin {

struct ReplyFree {
  void operator()(redisReply *r) const { freeReplyObject(r); }
};
using ReplyPtr = std::unique_ptr<redisReply, ReplyFree>;

struct LinkOptions {
  std::string address;  // HOST:PORT or unix:PATH
  bool tls = false;
  std::string tls_ca;    // CA bundle; empty: the system's
  std::string tls_name;  // the name the certificate must hold; empty: the host of address
  int timeout_ms = 5000;
};

class RedisLink {
 public:
  RedisLink() = default;
  RedisLink(const RedisLink &) = delete;
  RedisLink &operator=(const RedisLink &) = delete;
  ~RedisLink();

  // false with Error() set: not connected.
  bool Open(const LinkOptions &options);
  // The reply, or null with Error() set (the connection is then unusable).
  ReplyPtr Command(int argc, const char **argv, const size_t *lens);
  const std::string &Error() const { return error_; }

 private:
  struct SslCtxFree {
    void operator()(SSL_CTX *c) const { SSL_CTX_free(c); }
  };
  struct SslFree {
    void operator()(SSL *s) const { SSL_free(s); }
  };
  struct ReaderFree {
    void operator()(redisReader *r) const { redisReaderFree(r); }
  };

  bool Connect(const LinkOptions &options, std::string &host);
  bool StartTls(const LinkOptions &options, const std::string &host);
  bool Fail(const std::string &why);
  bool WaitFor(bool write);
  bool WriteAll(const char *data, size_t len);
  long ReadSome(char *buf, size_t len);

  int fd_ = -1;
  int timeout_ms_ = 5000;
  std::unique_ptr<SSL_CTX, SslCtxFree> ctx_;
  std::unique_ptr<SSL, SslFree> ssl_;
  std::unique_ptr<redisReader, ReaderFree> reader_;
  std::string error_;
};

}  // namespace sso_admin
