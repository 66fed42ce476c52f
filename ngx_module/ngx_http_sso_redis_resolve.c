
/*
 * The Redis connection's addresses (see ngx_http_sso_redis.c). When sso_redis
 * names a host and the http block has a `resolver`, every new connection
 * resolves the name again through nginx's resolver (its cache and valid=
 * apply), bounded by connect_timeout, and tries the addresses in turn: a
 * managed Redis fails over by pointing its name at the new primary. A live
 * connection also checks every second that the name still points to its
 * address, and closes (once idle) when it does not: the subscriber hears no
 * error from an old primary turned replica, and reads must not stay on it.
 *
 * Without a resolver, the addresses found at configuration are used.
 */

#include "ngx_http_sso_redis_connection.h"


static void ngx_http_sso_redis_resolved(ngx_resolver_ctx_t *rctx);
static ngx_int_t ngx_http_sso_redis_resolve_into(ngx_http_sso_redis_t *redis,
    ngx_resolver_ctx_t **slot, ngx_resolver_handler_pt handler);
static void ngx_http_sso_redis_recheck_handler(ngx_event_t *ev);
static void ngx_http_sso_redis_rechecked(ngx_resolver_ctx_t *rctx);


void
ngx_http_sso_redis_use_conf_addrs(ngx_http_sso_redis_t *redis)
{
    ngx_uint_t                  i;
    ngx_http_sso_redis_conf_t  *conf;

    conf = redis->conf;

    redis->naddrs = ngx_min(conf->naddrs, NGX_HTTP_SSO_REDIS_MAX_ADDRS);
    redis->next_addr = 0;

    for (i = 0; i < redis->naddrs; i++) {
        redis->addrs[i] = conf->addrs[i];
    }
}


/*
 * Resolves the name into `*slot` (NULL again when done or failed), handled by
 * `handler`, maybe at once from the resolver's cache.
 */
static ngx_int_t
ngx_http_sso_redis_resolve_into(ngx_http_sso_redis_t *redis,
    ngx_resolver_ctx_t **slot, ngx_resolver_handler_pt handler)
{
    ngx_resolver_ctx_t  *rctx;

    rctx = ngx_resolve_start(redis->conf->resolver, NULL);
    if (rctx == NULL || rctx == NGX_NO_RESOLVER) {
        return NGX_ERROR;
    }

    rctx->name = redis->conf->host;
    rctx->handler = handler;
    rctx->data = redis;
    rctx->timeout = redis->conf->connect_timeout;

    *slot = rctx;

    if (ngx_resolve_name(rctx) != NGX_OK) {
        /* the resolver freed the context */
        *slot = NULL;
        return NGX_ERROR;
    }

    return NGX_OK;
}


/* Starts resolving; the connection goes on in resolved(), maybe at once. */
ngx_int_t
ngx_http_sso_redis_resolve(ngx_http_sso_redis_t *redis)
{
    return ngx_http_sso_redis_resolve_into(redis, &redis->resolving,
                                           ngx_http_sso_redis_resolved);
}


/* The connection is gone: what was being resolved for it is of no use now. */
void
ngx_http_sso_redis_resolve_cancel(ngx_http_sso_redis_t *redis)
{
    if (redis->resolving) {
        ngx_resolve_name_done(redis->resolving);
        redis->resolving = NULL;
    }

    if (redis->rechecking) {
        ngx_resolve_name_done(redis->rechecking);
        redis->rechecking = NULL;
    }
}


static void
ngx_http_sso_redis_resolved(ngx_resolver_ctx_t *rctx)
{
    ngx_http_sso_redis_t *redis = rctx->data;

    ngx_uint_t   i, n;
    ngx_addr_t  *addr;

    redis->resolving = NULL;

    if (rctx->state || rctx->naddrs == 0) {
        if (ngx_http_sso_redis_may_log(redis)) {
            ngx_log_error(NGX_LOG_ERR, redis->log, 0,
                          "sso: cannot resolve redis \"%V\": %s",
                          &redis->conf->host,
                          rctx->state ? ngx_resolver_strerror(rctx->state)
                                      : "no address");
        }

        ngx_resolve_name_done(rctx);
        ngx_http_sso_redis_fail(redis, SSO_STORE_UNAVAILABLE, NULL, 0);
        return;
    }

    n = ngx_min(rctx->naddrs, NGX_HTTP_SSO_REDIS_MAX_ADDRS);

    for (i = 0; i < n; i++) {
        addr = &redis->addrs[i];

        ngx_memcpy(&redis->sockaddrs[i], rctx->addrs[i].sockaddr,
                   rctx->addrs[i].socklen);
        addr->sockaddr = &redis->sockaddrs[i].sockaddr;
        addr->socklen = rctx->addrs[i].socklen;
        ngx_inet_set_port(addr->sockaddr, redis->conf->port);
        ngx_str_null(&addr->name);
    }

    redis->naddrs = n;
    redis->next_addr = 0;

    ngx_resolve_name_done(rctx);

    if (ngx_http_sso_redis_connect_next(redis) != NGX_OK) {
        ngx_http_sso_redis_fail(redis, SSO_STORE_UNAVAILABLE, NULL, 0);
    }
}


void
ngx_http_sso_redis_recheck_init(ngx_http_sso_redis_t *redis)
{
    if (redis->conf->resolver == NULL) {
        return;
    }

    redis->recheck.handler = ngx_http_sso_redis_recheck_handler;
    redis->recheck.data = redis;
    redis->recheck.log = redis->log;
    redis->recheck.cancelable = 1;

    ngx_add_timer(&redis->recheck, NGX_HTTP_SSO_REDIS_RECHECK);
}


static void
ngx_http_sso_redis_recheck_handler(ngx_event_t *ev)
{
    ngx_http_sso_redis_t *redis = ev->data;

    if (ngx_exiting || ngx_terminate || ngx_quit) {
        return;
    }

    ngx_add_timer(ev, NGX_HTTP_SSO_REDIS_RECHECK);

    if (redis->state != NGX_HTTP_SSO_REDIS_READY || redis->rechecking
        || redis->retire)
    {
        return;
    }

    /* a failure proves nothing: the next tick tries again */
    (void) ngx_http_sso_redis_resolve_into(redis, &redis->rechecking,
                                           ngx_http_sso_redis_rechecked);
}


/*
 * The name's addresses now: if the connection's is not among them, it closes
 * once no command waits on it (the next one reconnects, resolving again). A
 * failed resolution proves nothing: the connection stays.
 */
static void
ngx_http_sso_redis_rechecked(ngx_resolver_ctx_t *rctx)
{
    ngx_http_sso_redis_t *redis = rctx->data;

    ngx_uint_t  i;

    redis->rechecking = NULL;

    if (rctx->state || rctx->naddrs == 0
        || redis->state != NGX_HTTP_SSO_REDIS_READY
        || redis->peer.connection == NULL)
    {
        ngx_resolve_name_done(rctx);
        return;
    }

    for (i = 0; i < rctx->naddrs; i++) {
        if (ngx_cmp_sockaddr(rctx->addrs[i].sockaddr, rctx->addrs[i].socklen,
                             redis->peer.sockaddr, redis->peer.socklen, 0)
            == NGX_OK)
        {
            ngx_resolve_name_done(rctx);
            return;
        }
    }

    ngx_resolve_name_done(rctx);

    ngx_log_error(NGX_LOG_WARN, redis->log, 0,
                  "sso: redis \"%V\" no longer resolves to the address of "
                  "%V: reconnecting", &redis->conf->host, redis->peer.name);

    if (ngx_queue_empty(&redis->pending)) {
        ngx_http_sso_redis_fail(redis, SSO_STORE_UNAVAILABLE, NULL, 0);
        return;
    }

    redis->retire = 1;
}
