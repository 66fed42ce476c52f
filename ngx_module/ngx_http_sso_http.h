
/*
 * The back-channel call's internals, shared by ngx_http_sso_http.c (resolve, connect, the
 * request and the answer) and ngx_http_sso_http_tls.c (TLS). The rest of the module sees
 * only ngx_http_sso_http_call() and ngx_http_sso_backchannel_init().
 */

#ifndef _NGX_HTTP_SSO_HTTP_H_INCLUDED_
#define _NGX_HTTP_SSO_HTTP_H_INCLUDED_


#include "ngx_http_sso_module.h"


struct ngx_http_sso_http_s {
    ngx_http_request_t          *request;    /* NULL: a call of the worker's own */
    ngx_http_sso_ctx_t          *ctx;
    ngx_http_sso_http_done_pt    done;
    ngx_http_sso_fetch_done_pt   fetch_done; /* the worker's own calls */
    void                        *data;
    ngx_pool_t                  *pool;
    ngx_http_sso_main_conf_t    *smcf;
    ngx_log_t                   *log;
    size_t                       max_body;
    const char                  *failure;    /* why there is no answer */

    ngx_str_t                    method;
    ngx_str_t                    host;       /* without brackets or port */
    ngx_str_t                    target;     /* for log lines: scheme://authority/path */
    in_port_t                    port;
    unsigned                     https:1;
    unsigned                     host_is_ip:1;
    unsigned                     finished:1;
    unsigned                     hook:1;     /* the app's hook, for the metrics */
    ngx_msec_t                   started;

    sso_http_call               *call;       /* the core's side: request and parser */
    ngx_buf_t                   *out;        /* the request */
    u_char                      *in;         /* one read's worth of the answer */

    ngx_addr_t                   addr;       /* an IP literal's */
    ngx_addr_t                  *addrs;      /* to try in turn */
    ngx_uint_t                   naddrs;
    ngx_uint_t                   next_addr;
    ngx_peer_connection_t        peer;
    ngx_resolver_ctx_t          *resolving;
    ngx_event_t                  deadline;
    ngx_event_t                  finish;

    ngx_int_t                    status;     /* 0: no usable answer */
    ngx_str_t                    body;
};


/* ngx_http_sso_http.c */
void ngx_http_sso_http_write(ngx_event_t *wev);
void ngx_http_sso_http_read(ngx_event_t *rev);
void ngx_http_sso_http_fail(ngx_http_sso_http_t *hc, const char *why);

/* ngx_http_sso_http_tls.c */
void ngx_http_sso_http_start_tls(ngx_http_sso_http_t *hc);


#endif /* _NGX_HTTP_SSO_HTTP_H_INCLUDED_ */
