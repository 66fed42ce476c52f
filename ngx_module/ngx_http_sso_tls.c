
/*
 * Client TLS shared by the back-channel and the Redis client.
 * See ngx_http_sso_tls.h.
 */

#include "ngx_http_sso_tls.h"

/* after ngx_config.h, which sets the feature macros for every system header */
#include <openssl/ssl.h>
#include <openssl/x509v3.h>


ngx_ssl_t *
ngx_http_sso_tls_client(ngx_conf_t *cf, ngx_str_t *trusted)
{
    ngx_ssl_t           *ssl;
    ngx_str_t            none = ngx_null_string;
    ngx_pool_cleanup_t  *cln;

    ssl = ngx_pcalloc(cf->pool, sizeof(ngx_ssl_t));
    if (ssl == NULL) {
        return NULL;
    }

    ssl->log = cf->log;

    if (ngx_ssl_create(ssl, NGX_SSL_TLSv1_2|NGX_SSL_TLSv1_3, NULL) != NGX_OK) {
        return NULL;
    }

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        ngx_ssl_cleanup_ctx(ssl);
        return NULL;
    }

    cln->handler = ngx_ssl_cleanup_ctx;
    cln->data = ssl;

    if (ngx_ssl_trusted_certificate(cf, ssl, trusted ? trusted : &none, 8)
        != NGX_OK)
    {
        return NULL;
    }

    return ssl;
}


ngx_int_t
ngx_http_sso_tls_expect_name(ngx_connection_t *c, u_char *name,
    ngx_uint_t is_ip, ngx_uint_t verify)
{
    X509_VERIFY_PARAM  *param;

    /* RFC 6066: SNI carries host names only */
    if (!is_ip
        && SSL_set_tlsext_host_name(c->ssl->connection, (char *) name) != 1)
    {
        return NGX_ERROR;
    }

    if (!verify) {
        return NGX_OK;
    }

    /*
     * checked by OpenSSL in the chain verification, whose result is read
     * when the handshake is done
     */
    param = SSL_get0_param(c->ssl->connection);

    if (is_ip) {
        return X509_VERIFY_PARAM_set1_ip_asc(param, (char *) name) == 1
               ? NGX_OK : NGX_ERROR;
    }

    X509_VERIFY_PARAM_set_hostflags(param,
                                    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);

    return X509_VERIFY_PARAM_set1_host(param, (char *) name, 0) == 1
           ? NGX_OK : NGX_ERROR;
}


long
ngx_http_sso_tls_verify_result(ngx_connection_t *c)
{
    X509  *cert;

#if OPENSSL_VERSION_NUMBER >= 0x30000000L
    cert = SSL_get1_peer_certificate(c->ssl->connection);
#else
    cert = SSL_get_peer_certificate(c->ssl->connection);
#endif

    if (cert == NULL) {
        return X509_V_ERR_UNSPECIFIED;
    }

    X509_free(cert);

    return SSL_get_verify_result(c->ssl->connection);
}


ngx_uint_t
ngx_http_sso_tls_is_name_mismatch(long verify)
{
    return verify == X509_V_ERR_HOSTNAME_MISMATCH
           || verify == X509_V_ERR_IP_ADDRESS_MISMATCH;
}


const char *
ngx_http_sso_tls_verify_string(long verify)
{
    if (verify == X509_V_ERR_UNSPECIFIED) {
        return "no certificate";
    }

    return X509_verify_cert_error_string(verify);
}
