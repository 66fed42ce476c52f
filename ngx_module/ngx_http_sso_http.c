
/*
 * The back-channel: small HTTP calls the core asks for (OIDC discovery, token exchange,
 * JWKS), made on nginx's event loop so a slow provider never stalls the worker.
 *
 * The core splits the URL, builds the request bytes and parses the answer's bytes
 * (sso_http_call_*); this file only moves them: one connection per call, TLS with the peer
 * verified against sso_backchannel_trusted_certificate and the host name (or IP address) of
 * the URL (in ngx_http_sso_http_tls.c). Host names are resolved with nginx's `resolver`,
 * and every address it returns is tried in turn until one accepts the connection. One
 * deadline covers the whole call. The done handler always runs from a posted event, never
 * from inside ngx_http_sso_http_call.
 */

#include "ngx_http_sso_http.h"
#include "ngx_http_sso_metrics.h"


#define NGX_HTTP_SSO_HTTP_MAX_BODY   SSO_HTTP_MAX_BODY   /* 1m */
#define NGX_HTTP_SSO_HTTP_READ_SIZE  16384


static ngx_int_t ngx_http_sso_http_prepare(ngx_http_sso_http_t *hc, sso_step *step);
static void ngx_http_sso_http_resolved(ngx_resolver_ctx_t *rctx);
static void ngx_http_sso_http_connect(ngx_http_sso_http_t *hc);
static ngx_int_t ngx_http_sso_http_connect_next(ngx_http_sso_http_t *hc);
static void ngx_http_sso_http_answered(ngx_http_sso_http_t *hc);
static void ngx_http_sso_http_close(ngx_http_sso_http_t *hc);
static void ngx_http_sso_http_deadline(ngx_event_t *ev);
static void ngx_http_sso_http_finish(ngx_event_t *ev);
static void ngx_http_sso_http_cleanup(void *data);


static ngx_http_sso_http_t *
ngx_http_sso_http_create(ngx_pool_t *pool, ngx_log_t *log,
    ngx_http_sso_main_conf_t *smcf, sso_step *step)
{
    ngx_pool_cleanup_t   *cln;
    ngx_http_sso_http_t  *hc;

    hc = ngx_pcalloc(pool, sizeof(ngx_http_sso_http_t));
    cln = ngx_pool_cleanup_add(pool, 0);
    if (hc == NULL || cln == NULL) {
        return NULL;
    }

    hc->pool = pool;
    hc->smcf = smcf;
    hc->log = log;
    hc->max_body = NGX_HTTP_SSO_HTTP_MAX_BODY;
    hc->hook = step->http.hook ? 1 : 0;
    hc->started = ngx_current_msec;
    hc->method.data = (u_char *) step->http.method.data;
    hc->method.len = step->http.method.len;

    hc->deadline.handler = ngx_http_sso_http_deadline;
    hc->deadline.data = hc;
    hc->deadline.log = log;
    hc->finish.handler = ngx_http_sso_http_finish;
    hc->finish.data = hc;
    hc->finish.log = log;

    cln->handler = ngx_http_sso_http_cleanup;
    cln->data = hc;

    return hc;
}


/* the call, once made: with its deadline, resolving the host name if it has one */
static void
ngx_http_sso_http_start(ngx_http_sso_http_t *hc, sso_step *step,
    ngx_resolver_t *resolver, ngx_msec_t resolver_timeout)
{
    ngx_int_t            rc;
    ngx_resolver_ctx_t  *rctx;

    ngx_add_timer(&hc->deadline, step->http.timeout_ms > 0
                                 ? (ngx_msec_t) step->http.timeout_ms
                                 : hc->smcf->backchannel_timeout);

    if (ngx_http_sso_http_prepare(hc, step) != NGX_OK) {
        return;
    }

    if (hc->https && hc->smcf->backchannel_ssl == NULL) {
        ngx_http_sso_http_fail(hc, "TLS is not set up");
        return;
    }

    if (hc->host_is_ip) {
        ngx_http_sso_http_connect(hc);
        return;
    }

    rctx = resolver ? ngx_resolve_start(resolver, NULL) : NGX_NO_RESOLVER;
    if (rctx == NULL) {
        ngx_http_sso_http_fail(hc, "cannot start resolving");
        return;
    }

    if (rctx == NGX_NO_RESOLVER) {
        ngx_http_sso_http_fail(hc, "a host name needs a \"resolver\" in the "
                                   "sso_endpoints location (or the http block)");
        return;
    }

    rctx->name = hc->host;
    rctx->handler = ngx_http_sso_http_resolved;
    rctx->data = hc;
    rctx->timeout = resolver_timeout;
    hc->resolving = rctx;

    rc = ngx_resolve_name(rctx);
    if (rc != NGX_OK) {
        hc->resolving = NULL;
        ngx_http_sso_http_fail(hc, "cannot start resolving");
    }
}


ngx_int_t
ngx_http_sso_http_call(ngx_http_request_t *r, ngx_http_sso_ctx_t *ctx, sso_step *step,
    ngx_http_sso_http_done_pt done)
{
    ngx_http_sso_http_t       *hc;
    ngx_http_core_loc_conf_t  *clcf;
    ngx_http_sso_main_conf_t  *smcf;

    smcf = ngx_http_get_module_main_conf(r, ngx_http_sso_module);

    hc = ngx_http_sso_http_create(r->pool, r->connection->log, smcf, step);
    if (hc == NULL) {
        return NGX_ERROR;
    }

    hc->request = r;
    hc->ctx = ctx;
    hc->done = done;

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_core_module);

    ngx_http_sso_http_start(hc, step, clcf->resolver, clcf->resolver_timeout);

    return NGX_OK;
}


ngx_int_t
ngx_http_sso_fetch(ngx_pool_t *pool, ngx_log_t *log, ngx_http_sso_main_conf_t *smcf,
    sso_step *step, size_t max_body, ngx_http_sso_fetch_done_pt done, void *data)
{
    ngx_http_sso_http_t  *hc;

    hc = ngx_http_sso_http_create(pool, log, smcf, step);
    if (hc == NULL) {
        return NGX_ERROR;
    }

    hc->fetch_done = done;
    hc->data = data;

    if (max_body) {
        hc->max_body = max_body;
    }

    ngx_http_sso_http_start(hc, step, smcf->resolver, smcf->resolver_timeout);

    return NGX_OK;
}


/* the core checks and splits the URL and builds the request; the rest is ours */
static ngx_int_t
ngx_http_sso_http_prepare(ngx_http_sso_http_t *hc, sso_step *step)
{
    ngx_buf_t           *b;
    sso_status           rc;
    sso_http_call_info   info;

    rc = sso_http_call_create(step, hc->max_body, &hc->call, &info);

    if (rc != SSO_OK) {
        ngx_log_error(NGX_LOG_ERR, hc->log, 0, "sso: back-channel %V: %s: %s",
                      &hc->method, sso_status_name(rc), sso_status_message(rc));
        hc->failure = sso_status_message(rc);
        ngx_http_sso_http_fail(hc, NULL);
        return NGX_ERROR;
    }

    /* from here on, the call's copies: the step's views end with the next call on the txn */
    hc->method.data = (u_char *) info.request.data;
    hc->host.data = (u_char *) info.host.data;
    hc->host.len = info.host.len;
    hc->target.data = (u_char *) info.target.data;
    hc->target.len = info.target.len;
    hc->port = (in_port_t) info.port;
    hc->https = info.tls ? 1 : 0;

    b = ngx_calloc_buf(hc->pool);
    hc->in = ngx_pnalloc(hc->pool, NGX_HTTP_SSO_HTTP_READ_SIZE);
    if (b == NULL || hc->in == NULL) {
        ngx_http_sso_http_fail(hc, "out of memory");
        return NGX_ERROR;
    }

    b->start = (u_char *) info.request.data;
    b->pos = b->start;
    b->last = b->start + info.request.len;
    b->end = b->last;
    hc->out = b;

    if (ngx_parse_addr(hc->pool, &hc->addr, hc->host.data, hc->host.len)
        == NGX_OK)
    {
        hc->host_is_ip = 1;
        ngx_inet_set_port(hc->addr.sockaddr, hc->port);
        hc->addrs = &hc->addr;
        hc->naddrs = 1;
    }

    return NGX_OK;
}


static void
ngx_http_sso_http_resolved(ngx_resolver_ctx_t *rctx)
{
    ngx_http_sso_http_t *hc = rctx->data;

    ngx_uint_t        i;
    struct sockaddr  *sockaddr;

    hc->resolving = NULL;

    if (rctx->state || rctx->naddrs == 0) {
        ngx_log_error(NGX_LOG_ERR, hc->log, 0,
                      "sso: back-channel cannot resolve \"%V\": %s", &hc->host,
                      rctx->state ? ngx_resolver_strerror(rctx->state) : "no address");
        ngx_resolve_name_done(rctx);
        hc->failure = "cannot resolve the host name";
        ngx_http_sso_http_fail(hc, NULL);
        return;
    }

    /* every address, in the resolver's order: one that refuses is no reason to stop */
    hc->addrs = ngx_pcalloc(hc->pool, rctx->naddrs * sizeof(ngx_addr_t));
    if (hc->addrs == NULL) {
        ngx_resolve_name_done(rctx);
        ngx_http_sso_http_fail(hc, "out of memory");
        return;
    }

    for (i = 0; i < rctx->naddrs; i++) {
        sockaddr = ngx_palloc(hc->pool, rctx->addrs[i].socklen);
        if (sockaddr == NULL) {
            ngx_resolve_name_done(rctx);
            ngx_http_sso_http_fail(hc, "out of memory");
            return;
        }

        ngx_memcpy(sockaddr, rctx->addrs[i].sockaddr, rctx->addrs[i].socklen);
        ngx_inet_set_port(sockaddr, hc->port);

        hc->addrs[i].sockaddr = sockaddr;
        hc->addrs[i].socklen = rctx->addrs[i].socklen;
    }

    hc->naddrs = rctx->naddrs;
    ngx_resolve_name_done(rctx);

    ngx_http_sso_http_connect(hc);
}


static void
ngx_http_sso_http_connect(ngx_http_sso_http_t *hc)
{
    if (ngx_http_sso_http_connect_next(hc) != NGX_OK) {
        ngx_http_sso_http_fail(hc, "cannot connect");
    }
}


/*
 * Connects to the next address not tried yet. NGX_OK: under way (or failed and logged by
 * the fail path); NGX_DECLINED: no address left.
 */
static ngx_int_t
ngx_http_sso_http_connect_next(ngx_http_sso_http_t *hc)
{
    ngx_int_t          rc;
    ngx_addr_t        *addr;
    ngx_connection_t  *c;

    for ( ;; ) {
        if (hc->next_addr >= hc->naddrs) {
            return NGX_DECLINED;
        }

        addr = &hc->addrs[hc->next_addr++];

        ngx_memzero(&hc->peer, sizeof(ngx_peer_connection_t));
        hc->peer.sockaddr = addr->sockaddr;
        hc->peer.socklen = addr->socklen;
        hc->peer.name = &hc->host;
        hc->peer.get = ngx_event_get_peer;
        hc->peer.log = hc->log;
        hc->peer.log_error = NGX_ERROR_ERR;

        rc = ngx_event_connect_peer(&hc->peer);

        if (rc == NGX_ERROR || rc == NGX_BUSY || rc == NGX_DECLINED) {
            if (hc->peer.connection) {
                ngx_close_connection(hc->peer.connection);
                hc->peer.connection = NULL;
            }

            if (hc->next_addr < hc->naddrs) {
                ngx_log_error(NGX_LOG_WARN, hc->log, 0,
                              "sso: back-channel %V %V: address %ui of %ui refused the "
                              "connection, trying the next", &hc->method, &hc->target,
                              hc->next_addr, hc->naddrs);
            }

            continue;
        }

        break;
    }

    c = hc->peer.connection;
    c->data = hc;
    c->log = hc->log;
    c->read->log = hc->log;
    c->write->log = hc->log;
    c->pool = hc->pool;
    c->read->handler = ngx_http_sso_http_read;
    c->write->handler = ngx_http_sso_http_write;

    if (rc == NGX_OK) {
        ngx_http_sso_http_write(c->write);
    }

    /* NGX_AGAIN: the write event says when the connect is done */

    return NGX_OK;
}


void
ngx_http_sso_http_write(ngx_event_t *wev)
{
    ssize_t               n;
    ngx_connection_t     *c = wev->data;
    ngx_http_sso_http_t  *hc = c->data;

    if (hc->finished) {
        return;
    }

    if (wev->timedout) {
        return;  /* the call's own deadline decides */
    }

    if (c->ssl == NULL) {
        /* the first write event tells that the connect finished */
        if (hc->out->pos == hc->out->start) {
            int        err = 0;
            socklen_t  len = sizeof(int);

            if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, (void *) &err, &len) == -1) {
                err = ngx_socket_errno;
            }

            if (err) {
                ngx_log_error(NGX_LOG_ERR, hc->log, err,
                              "sso: back-channel %V %V: connect() to address %ui of %ui "
                              "failed", &hc->method, &hc->target, hc->next_addr,
                              hc->naddrs);

                hc->peer.connection = NULL;
                c->pool = NULL;
                ngx_close_connection(c);

                if (ngx_http_sso_http_connect_next(hc) != NGX_OK) {
                    hc->failure = "cannot connect";
                    ngx_http_sso_http_fail(hc, NULL);
                }

                return;
            }

            if (hc->https) {
                ngx_http_sso_http_start_tls(hc);
                return;
            }
        }
    }

    while (hc->out->pos < hc->out->last) {
        n = c->send(c, hc->out->pos, hc->out->last - hc->out->pos);

        if (n == NGX_AGAIN) {
            if (ngx_handle_write_event(wev, 0) != NGX_OK) {
                ngx_http_sso_http_fail(hc, "cannot wait to write");
            }

            return;
        }

        if (n <= 0) {
            ngx_http_sso_http_fail(hc, "cannot send the request");
            return;
        }

        hc->out->pos += n;
    }

    /* all sent: from now on only reading matters */
    c->write->handler = ngx_http_sso_http_write;

    if (wev->active && ngx_del_event(wev, NGX_WRITE_EVENT, 0) != NGX_OK) {
        ngx_http_sso_http_fail(hc, "cannot stop writing");
        return;
    }

    ngx_http_sso_http_read(c->read);
}


void
ngx_http_sso_http_read(ngx_event_t *rev)
{
    ssize_t               n;
    sso_str               bytes;
    sso_status            rc;
    sso_http_answer       answer;
    ngx_connection_t     *c = rev->data;
    ngx_http_sso_http_t  *hc = c->data;

    if (hc->finished || hc->out->pos < hc->out->last) {
        return;
    }

    for ( ;; ) {
        n = c->recv(c, hc->in, NGX_HTTP_SSO_HTTP_READ_SIZE);

        if (n == NGX_AGAIN) {
            if (ngx_handle_read_event(rev, 0) != NGX_OK) {
                ngx_http_sso_http_fail(hc, "cannot wait to read");
            }

            return;
        }

        bytes.data = (const char *) hc->in;
        bytes.len = n > 0 ? (size_t) n : 0;

        /* n == 0: closed; NGX_ERROR after a complete answer (a TLS peer that closes
         * without close_notify) is no reason to throw the answer away */
        rc = sso_http_call_feed(hc->call, bytes, n <= 0, &answer);

        if (rc != SSO_OK) {
            if (n == NGX_ERROR) {
                ngx_http_sso_http_fail(hc, "cannot read the answer");
                return;
            }

            ngx_log_error(NGX_LOG_ERR, hc->log, 0, "sso: back-channel %V %V: %s: %s",
                          &hc->method, &hc->target, sso_status_name(rc),
                          sso_status_message(rc));
            hc->failure = sso_status_message(rc);
            ngx_http_sso_http_fail(hc, NULL);
            return;
        }

        if (answer.complete) {
            hc->status = answer.status;
            hc->body.data = (u_char *) answer.body.data;
            hc->body.len = answer.body.len;
            ngx_http_sso_http_answered(hc);
            return;
        }

        if (n <= 0) {
            ngx_http_sso_http_fail(hc, "cannot read the answer");
            return;
        }
    }
}


static void
ngx_http_sso_http_answered(ngx_http_sso_http_t *hc)
{
    ngx_log_debug3(NGX_LOG_DEBUG_HTTP, hc->log, 0,
                   "sso: back-channel %V %V: %i", &hc->method, &hc->target, hc->status);

    ngx_http_sso_http_close(hc);
    ngx_post_event(&hc->finish, &ngx_posted_events);
}


/* Ends the call without an answer; `why` is logged unless the caller already did. */
void
ngx_http_sso_http_fail(ngx_http_sso_http_t *hc, const char *why)
{
    if (hc->finished) {
        return;
    }

    if (why) {
        ngx_log_error(NGX_LOG_ERR, hc->log, 0, "sso: back-channel %V %V: %s",
                      &hc->method, &hc->target, why);
        hc->failure = why;
    }

    hc->status = 0;
    ngx_str_null(&hc->body);

    ngx_http_sso_http_close(hc);
    ngx_post_event(&hc->finish, &ngx_posted_events);
}


static void
ngx_http_sso_http_close(ngx_http_sso_http_t *hc)
{
    ngx_connection_t  *c;

    hc->finished = 1;

    if (hc->deadline.timer_set) {
        ngx_del_timer(&hc->deadline);
    }

    if (hc->resolving) {
        ngx_resolve_name_done(hc->resolving);
        hc->resolving = NULL;
    }

    c = hc->peer.connection;

    if (c) {
        hc->peer.connection = NULL;

        if (c->ssl) {
            c->ssl->no_wait_shutdown = 1;
            (void) ngx_ssl_shutdown(c);
        }

        c->pool = NULL;
        ngx_close_connection(c);
    }
}


static void
ngx_http_sso_http_deadline(ngx_event_t *ev)
{
    ngx_http_sso_http_t *hc = ev->data;

    ngx_http_sso_http_fail(hc, "timed out");
}


static void
ngx_http_sso_http_finish(ngx_event_t *ev)
{
    ngx_http_sso_http_t *hc = ev->data;

    sso_http_call     *call;
    ngx_connection_t  *c;

    /* the body stays the call's until done() has read it; hc may be gone after done() */
    call = hc->call;
    hc->call = NULL;

    ngx_http_sso_metrics_latency(hc->hook ? NGX_HTTP_SSO_LATENCY_HOOK
                                          : NGX_HTTP_SSO_LATENCY_BACKCHANNEL,
                                 ngx_current_msec - hc->started);

    if (hc->request == NULL) {
        hc->fetch_done(hc->data, hc->status, &hc->body,
                       hc->failure ? hc->failure : "no usable answer");
        sso_http_call_destroy(call);
        return;
    }

    c = hc->request->connection;

    hc->done(hc->request, hc->ctx, hc->status, &hc->body);

    sso_http_call_destroy(call);

    /* the request may be finalized: run what it posted, as nginx's upstream does */
    ngx_http_run_posted_requests(c);
}


/* the request went away while the call was under way */
static void
ngx_http_sso_http_cleanup(void *data)
{
    ngx_http_sso_http_t *hc = data;

    if (!hc->finished) {
        ngx_http_sso_http_close(hc);
    }

    if (hc->finish.posted) {
        ngx_delete_posted_event(&hc->finish);
    }

    if (hc->call) {
        sso_http_call_destroy(hc->call);
        hc->call = NULL;
    }
}
