
/*
 * The back-channel's TLS (see ngx_http_sso_http.c): the client context made at
 * configuration, and for each call the handshake and the check of the peer's certificate.
 */

#include "ngx_http_sso_http.h"

/* after ngx_config.h, which sets the feature macros (_GNU_SOURCE) for every system header */
#include <openssl/ssl.h>
#include <openssl/x509v3.h>


static void ngx_http_sso_http_tls_done(ngx_connection_t *c);


void
ngx_http_sso_http_start_tls(ngx_http_sso_http_t *hc)
{
    u_char             *name;
    ngx_int_t           rc;
    ngx_connection_t   *c = hc->peer.connection;
    X509_VERIFY_PARAM  *param;

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

    /* the certificate must name what the URL names: checked by OpenSSL in the chain
     * verification, whose result is read when the handshake is done */
    param = SSL_get0_param(c->ssl->connection);

    if (hc->host_is_ip) {
        rc = X509_VERIFY_PARAM_set1_ip_asc(param, (char *) name);

    } else {
        X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
        rc = X509_VERIFY_PARAM_set1_host(param, (char *) name, 0)
             && SSL_set_tlsext_host_name(c->ssl->connection, (char *) name);
    }

    if (rc != 1) {
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
    X509                 *cert;
    ngx_http_sso_http_t  *hc = c->data;

    if (!c->ssl->handshaked) {
        ngx_http_sso_http_fail(hc, "TLS handshake failed");
        return;
    }

#if OPENSSL_VERSION_NUMBER >= 0x30000000L
    cert = SSL_get1_peer_certificate(c->ssl->connection);
#else
    cert = SSL_get_peer_certificate(c->ssl->connection);
#endif

    if (cert == NULL) {
        ngx_http_sso_http_fail(hc, "TLS peer sent no certificate");
        return;
    }

    X509_free(cert);

    verify = SSL_get_verify_result(c->ssl->connection);

    if (verify != X509_V_OK) {
        ngx_log_error(NGX_LOG_ERR, hc->log, 0,
                      "sso: back-channel %V %V: TLS certificate verification failed: "
                      "(%l: %s)", &hc->method, &hc->target, verify,
                      X509_verify_cert_error_string(verify));
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
    ngx_pool_cleanup_t  *cln;

    smcf->backchannel_ssl = ngx_pcalloc(cf->pool, sizeof(ngx_ssl_t));
    if (smcf->backchannel_ssl == NULL) {
        return NGX_CONF_ERROR;
    }

    smcf->backchannel_ssl->log = cf->log;

    if (ngx_ssl_create(smcf->backchannel_ssl, NGX_SSL_TLSv1_2|NGX_SSL_TLSv1_3, NULL)
        != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        ngx_ssl_cleanup_ctx(smcf->backchannel_ssl);
        return NGX_CONF_ERROR;
    }

    cln->handler = ngx_ssl_cleanup_ctx;
    cln->data = smcf->backchannel_ssl;

    if (ngx_ssl_trusted_certificate(cf, smcf->backchannel_ssl,
                                    &smcf->backchannel_trusted_certificate, 8)
        != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}
