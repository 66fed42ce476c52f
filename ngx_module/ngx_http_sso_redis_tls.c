
/*
 * The Redis connection's TLS (sso_redis tls=on; see ngx_http_sso_redis.c): the
 * handshake on nginx's events once the TCP connect is done, bounded by
 * connect_timeout (the connection's timer, still set), and the check of the
 * server's certificate and name. A failed handshake or check moves to the next
 * address of the name; after the last, it fails like a Redis that is down.
 */

#include "ngx_http_sso_redis_connection.h"
#include "ngx_http_sso_tls.h"

/* after ngx_config.h, which sets the feature macros for every system header */
#include <openssl/x509.h>


#define NGX_HTTP_SSO_REDIS_TLS_POOL  1024


static void ngx_http_sso_redis_tls_done(ngx_connection_t *c);
static void ngx_http_sso_redis_tls_error(ngx_http_sso_redis_t *redis,
    const char *what, long verify);


void
ngx_http_sso_redis_tls_start(ngx_http_sso_redis_t *redis)
{
    ngx_int_t                   rc;
    ngx_connection_t           *c;
    ngx_http_sso_redis_conf_t  *conf;

    c = redis->peer.connection;
    conf = redis->conf;

    redis->state = NGX_HTTP_SSO_REDIS_HANDSHAKE;

    /* the TLS state lives in the connection's pool, freed when it closes */
    c->pool = ngx_create_pool(NGX_HTTP_SSO_REDIS_TLS_POOL, redis->log);
    if (c->pool == NULL) {
        ngx_http_sso_redis_fail(redis, SSO_STORE_UNAVAILABLE, "out of memory",
                                0);
        return;
    }

    if (ngx_ssl_create_connection(conf->ssl, c, NGX_SSL_CLIENT) != NGX_OK) {
        ngx_http_sso_redis_fail(redis, SSO_STORE_UNAVAILABLE,
                                "cannot start TLS", 0);
        return;
    }

    if (ngx_http_sso_tls_expect_name(c, conf->tls_name.data,
                                     conf->tls_name_is_ip, conf->tls_verify)
        != NGX_OK)
    {
        ngx_http_sso_redis_fail(redis, SSO_STORE_UNAVAILABLE,
                                "cannot set the expected TLS name", 0);
        return;
    }

    /*
     * OpenSSL's reason for a failed handshake at info level: the error line,
     * rate-limited, is tls_done's
     */
    c->log_error = NGX_ERROR_INFO;

    rc = ngx_ssl_handshake(c);

    if (rc == NGX_AGAIN) {
        c->ssl->handler = ngx_http_sso_redis_tls_done;
        return;
    }

    ngx_http_sso_redis_tls_done(c);
}


static void
ngx_http_sso_redis_tls_done(ngx_connection_t *c)
{
    long                   verify;
    ngx_http_sso_redis_t  *redis = c->data;

    if (redis->state != NGX_HTTP_SSO_REDIS_HANDSHAKE) {
        return;
    }

    c->log_error = NGX_ERROR_ERR;

    if (!c->ssl->handshaked) {
        ngx_http_sso_redis_tls_error(redis,
            "TLS handshake failed (not a TLS port? OpenSSL's reason is "
            "logged at info level)", X509_V_OK);
        ngx_http_sso_redis_try_next(redis);
        return;
    }

    if (redis->conf->tls_verify) {
        verify = ngx_http_sso_tls_verify_result(c);

        if (verify != X509_V_OK) {
            ngx_http_sso_redis_tls_error(redis,
                ngx_http_sso_tls_is_name_mismatch(verify)
                ? "TLS name mismatch" : "TLS certificate verification failed",
                verify);
            ngx_http_sso_redis_try_next(redis);
            return;
        }
    }

    c->read->handler = ngx_http_sso_redis_read_handler;
    c->write->handler = ngx_http_sso_redis_write_handler;

    if (ngx_http_sso_redis_ready(redis) != NGX_OK) {
        return;
    }

    /* AUTH, SELECT and what else waited for the handshake */
    ngx_http_sso_redis_schedule_write(redis);
}


/* Rate-limited like the connect errors; names the check that failed. */
static void
ngx_http_sso_redis_tls_error(ngx_http_sso_redis_t *redis, const char *what,
    long verify)
{
    if (!ngx_http_sso_redis_may_log(redis)) {
        return;
    }

    if (verify == X509_V_OK) {
        ngx_log_error(NGX_LOG_ERR, redis->log, 0, "sso: redis %V: %s",
                      redis->peer.name, what);
        return;
    }

    ngx_log_error(NGX_LOG_ERR, redis->log, 0,
                  "sso: redis %V: %s (%l: %s); expected name \"%V\", check "
                  "sso_redis tls_name= and tls_trusted_certificate=",
                  redis->peer.name, what, verify,
                  ngx_http_sso_tls_verify_string(verify),
                  &redis->conf->tls_name);
}


/* Closes a connection, with its TLS state and pool if it has them. */
void
ngx_http_sso_redis_close_connection(ngx_connection_t *c)
{
    ngx_pool_t  *pool;

    if (c->ssl) {
        c->ssl->no_wait_shutdown = 1;
        (void) ngx_ssl_shutdown(c);
    }

    pool = c->pool;
    c->pool = NULL;

    ngx_close_connection(c);

    if (pool) {
        ngx_destroy_pool(pool);
    }
}
