
/*
 * The Redis client's internals, shared by ngx_http_sso_redis.c (the connection, its setup,
 * deadlines and failure) and ngx_http_sso_redis_io.c (the bytes in and out). The rest of
 * the module sees only ngx_http_sso_redis.h.
 */

#ifndef _NGX_HTTP_SSO_REDIS_CONNECTION_H_INCLUDED_
#define _NGX_HTTP_SSO_REDIS_CONNECTION_H_INCLUDED_


#include "ngx_http_sso_redis.h"


#define NGX_HTTP_SSO_REDIS_CLOSED      0
#define NGX_HTTP_SSO_REDIS_CONNECTING  1
#define NGX_HTTP_SSO_REDIS_READY       2
#define NGX_HTTP_SSO_REDIS_HANDSHAKE   3    /* tls=on: not verified yet */
#define NGX_HTTP_SSO_REDIS_RESOLVING   4    /* the name, before connecting */

/* the addresses of one resolution that are tried in turn */
#define NGX_HTTP_SSO_REDIS_MAX_ADDRS   8

/* how often a live connection checks that the name still points to it */
#define NGX_HTTP_SSO_REDIS_RECHECK     1000


struct ngx_http_sso_redis_cmd_s {
    ngx_queue_t                      queue;
    ngx_http_sso_redis_handler_pt    handler;
    void                            *data;
    ngx_msec_t                       deadline;
    unsigned                         setup:1;    /* AUTH / SELECT of the connection */
};


struct ngx_http_sso_redis_s {
    ngx_http_sso_redis_conf_t       *conf;
    ngx_log_t                       *log;
    ngx_peer_connection_t            peer;
    ngx_uint_t                       state;
    redisReader                     *reader;
    ngx_queue_t                      pending;
    ngx_event_t                      timer;

    u_char                          *out;        /* formatted, not yet sent */
    size_t                           out_len;
    size_t                           out_sent;
    size_t                           out_size;

    ngx_http_sso_redis_push_pt       push;
    ngx_http_sso_redis_closed_pt     closed;
    void                            *subscriber_data;

    time_t                           last_error_log;
    ngx_uint_t                       generation; /* bumped at every close */
    ngx_uint_t                       counted;    /* in sso_redis_connections */

    /* the addresses of this connection, tried in turn: resolved, or conf's */
    ngx_resolver_ctx_t              *resolving;
    ngx_addr_t                       addrs[NGX_HTTP_SSO_REDIS_MAX_ADDRS];
    ngx_sockaddr_t                   sockaddrs[NGX_HTTP_SSO_REDIS_MAX_ADDRS];
    ngx_uint_t                       naddrs;
    ngx_uint_t                       next_addr;
    ngx_str_t                        name;       /* "host:port (address)" */
    u_char                           name_buf[NGX_MAXHOSTNAMELEN
                                              + NGX_SOCKADDR_STRLEN + 16];

    /* sso_redis with a host name and a resolver: does it still point here? */
    ngx_event_t                      recheck;
    ngx_resolver_ctx_t              *rechecking;
    unsigned                         retire:1;   /* close once idle */
};


/* ngx_http_sso_redis.c */
ngx_int_t ngx_http_sso_redis_connected(ngx_http_sso_redis_t *redis);
ngx_int_t ngx_http_sso_redis_ready(ngx_http_sso_redis_t *redis);
ngx_uint_t ngx_http_sso_redis_may_log(ngx_http_sso_redis_t *redis);
void ngx_http_sso_redis_arm_timer(ngx_http_sso_redis_t *redis);
void ngx_http_sso_redis_fail(ngx_http_sso_redis_t *redis, sso_status failure,
    const char *why, ngx_err_t err);
ngx_int_t ngx_http_sso_redis_connect_next(ngx_http_sso_redis_t *redis);
void ngx_http_sso_redis_try_next(ngx_http_sso_redis_t *redis);

/* ngx_http_sso_redis_resolve.c */
ngx_int_t ngx_http_sso_redis_resolve(ngx_http_sso_redis_t *redis);
void ngx_http_sso_redis_use_conf_addrs(ngx_http_sso_redis_t *redis);
void ngx_http_sso_redis_recheck_init(ngx_http_sso_redis_t *redis);
void ngx_http_sso_redis_resolve_cancel(ngx_http_sso_redis_t *redis);

/* ngx_http_sso_redis_io.c */
ngx_int_t ngx_http_sso_redis_append(ngx_http_sso_redis_t *redis,
    ngx_uint_t argc, const char **argv, const size_t *lens);
void ngx_http_sso_redis_schedule_write(ngx_http_sso_redis_t *redis);
void ngx_http_sso_redis_write_handler(ngx_event_t *wev);
void ngx_http_sso_redis_read_handler(ngx_event_t *rev);

/* ngx_http_sso_redis_tls.c */
void ngx_http_sso_redis_tls_start(ngx_http_sso_redis_t *redis);
void ngx_http_sso_redis_close_connection(ngx_connection_t *c);


#endif /* _NGX_HTTP_SSO_REDIS_CONNECTION_H_INCLUDED_ */
