
/*
 * A small Redis client that lives on nginx's event loop: one pipelined connection per
 * worker, non-blocking connect, a deadline on every command, reconnect on demand.
 * Commands are formatted here (RESP); hiredis only parses replies; all I/O is nginx's.
 */

#ifndef _NGX_HTTP_SSO_REDIS_H_INCLUDED_
#define _NGX_HTTP_SSO_REDIS_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>
#include <ngx_event_connect.h>
#include <hiredis/hiredis.h>
#include <sso/sso.h>


typedef struct ngx_http_sso_redis_s      ngx_http_sso_redis_t;
typedef struct ngx_http_sso_redis_cmd_s  ngx_http_sso_redis_cmd_t;

/*
 * Called exactly once per command unless cancelled: with the reply, or with reply == NULL
 * and failure set to SSO_STORE_TIMEOUT or SSO_STORE_UNAVAILABLE. The reply is freed after
 * the handler returns.
 */
typedef void (*ngx_http_sso_redis_handler_pt)(void *data, redisReply *reply,
    sso_status failure);


typedef struct {
    ngx_addr_t                  *addrs;       /* resolved at configuration */
    ngx_uint_t                   naddrs;
    ngx_str_t                    name;        /* ADDRESS, for the log */
    ngx_str_t                    host;        /* of ADDRESS; empty for unix: */
    in_port_t                    port;

    /*
     * ADDRESS is a host name and the http block has a resolver: every new
     * connection resolves it again (a managed Redis fails over by moving it)
     */
    ngx_resolver_t              *resolver;
    ngx_str_t                    user;        /* ACL user of AUTH, or none */
    ngx_str_t                    password;
    ngx_uint_t                   db;
    ngx_msec_t                   connect_timeout;
    ngx_msec_t                   timeout;

    /* tls=on: NULL without TLS */
    ngx_ssl_t                   *ssl;
    ngx_str_t                    tls_name;    /* null-terminated */
    ngx_str_t                    tls_trusted_certificate;
    ngx_flag_t                   tls;
    ngx_flag_t                   tls_verify;
    unsigned                     tls_name_is_ip:1;
    unsigned                     host_is_name:1;
} ngx_http_sso_redis_conf_t;


ngx_http_sso_redis_t *ngx_http_sso_redis_create(ngx_http_sso_redis_conf_t *conf,
    ngx_log_t *log);
void ngx_http_sso_redis_destroy(ngx_http_sso_redis_t *redis);

/* Starts connecting if not connected; never waits. */
void ngx_http_sso_redis_connect(ngx_http_sso_redis_t *redis);

/*
 * Queues a command. Returns NULL when it cannot even be queued (no memory, connect failed at
 * once); the handler is then not called. A NULL handler makes the command fire-and-forget.
 */
ngx_http_sso_redis_cmd_t *ngx_http_sso_redis_send(ngx_http_sso_redis_t *redis,
    const sso_command *command, ngx_http_sso_redis_handler_pt handler, void *data);

/*
 * Reads now what the event loop has reported readable but not handled yet (the subscriber:
 * a revocation that arrived in the same loop iteration as a request must be heard before
 * the request trusts the session cache). No system call unless there is data.
 */
void ngx_http_sso_redis_read_ready(ngx_http_sso_redis_t *redis);

/* The handler of `cmd` will not be called; the reply is still consumed in order. */
void ngx_http_sso_redis_cancel(ngx_http_sso_redis_cmd_t *cmd);

/*
 * Subscriber use: pub/sub "message" pushes go to `push` instead of a command's handler,
 * and `closed` is called whenever the connection is lost (messages may have been missed).
 */
typedef void (*ngx_http_sso_redis_push_pt)(void *data, redisReply *message);
typedef void (*ngx_http_sso_redis_closed_pt)(void *data);

void ngx_http_sso_redis_set_subscriber(ngx_http_sso_redis_t *redis,
    ngx_http_sso_redis_push_pt push, ngx_http_sso_redis_closed_pt closed, void *data);

/* Closes the connection; pending commands fail with SSO_STORE_UNAVAILABLE. */
void ngx_http_sso_redis_close(ngx_http_sso_redis_t *redis, const char *why);


#endif /* _NGX_HTTP_SSO_REDIS_H_INCLUDED_ */
