
/*
 * The back-channel's TLS (see ngx_http_sso_http.c): the client context made at
 * configuration, and for each call the handshake and the check of the peer's certificate.
 */

#include "ngx_http_sso_http.h"
#include "ngx_http_sso_tls.h"

/* after ngx_config.h, which sets the feature macros (_GNU_SOURCE) for every system header */
#include <openssl/x509.h>


static void ngx_http_sso_http_tls_done(ngx_connection_t *c);


void
ngx_http_sso_http_start_tls(ngx_http_sso_http_t *hc)
{
    u_char            *name;
    ngx_int_t          rc;
    ngx_connection_t  *c = hc->peer.connection;

    if (ngx_ssl_create_connection(hc->smcf->backchannel_ssl, c,
                                  NGX_SSL_BUFFER|NGX_SSL_CLIENT)
        != NGX_OK)
    {
        ngx_http_sso_http_fail(hc, "cannot start TLS");
        return;
    }

    name = ngx_pnalloc(hc->pool, hc->host.len + 1);
    if (name == NULL) {
        ngx_http_sso_http_fail(hc, "out of memory");
        return;
    }

    (void) ngx_cpystrn(name, hc->host.data, hc->host.len + 1);

    /* the certificate must name what the URL names */
    if (ngx_http_sso_tls_expect_name(c, name, hc->host_is_ip, 1) != NGX_OK) {
        ngx_http_sso_http_fail(hc, "cannot set the expected TLS name");
        return;
    }

    rc = ngx_ssl_handshake(c);

    if (rc == NGX_AGAIN) {
        c->ssl->handler = ngx_http_sso_http_tls_done;
        return;
    }

    ngx_http_sso_http_tls_done(c);
}


static void
ngx_http_sso_http_tls_done(ngx_connection_t *c)
{
    long                  verify;
    ngx_http_sso_http_t  *hc = c->data;

    if (!c->ssl->handshaked) {
        ngx_http_sso_http_fail(hc, "TLS handshake failed");
        return;
    }

    verify = ngx_http_sso_tls_verify_result(c);

    if (verify != X509_V_OK) {
        ngx_log_error(NGX_LOG_ERR, hc->log, 0,
                      "sso: back-channel %V %V: TLS certificate verification failed: "
                      "(%l: %s)", &hc->method, &hc->target, verify,
                      ngx_http_sso_tls_verify_string(verify));
        hc->failure = "TLS certificate verification failed";
        ngx_http_sso_http_fail(hc, NULL);
        return;
    }

    c->read->handler = ngx_http_sso_http_read;
    c->write->handler = ngx_http_sso_http_write;

    ngx_http_sso_http_write(c->write);
}


char *
ngx_http_sso_backchannel_init(ngx_conf_t *cf, ngx_http_sso_main_conf_t *smcf)
{
    smcf->backchannel_ssl =
        ngx_http_sso_tls_client(cf, &smcf->backchannel_trusted_certificate);
    if (smcf->backchannel_ssl == NULL) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}
