
/*
 * Client TLS shared by the back-channel (ngx_http_sso_http_tls.c) and the Redis
 * client (ngx_http_sso_redis_tls.c): the context made at configuration, the
 * name a connection expects, and the check of the peer's certificate once the
 * handshake is done.
 */

#ifndef _NGX_HTTP_SSO_TLS_H_INCLUDED_
#define _NGX_HTTP_SSO_TLS_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>


/*
 * A TLS 1.2+ client context, freed with the configuration's pool. `trusted` is
 * the CA bundle (NULL: none loaded, for a client that does not verify); an
 * unreadable or invalid bundle fails here, at nginx -t.
 */
ngx_ssl_t *ngx_http_sso_tls_client(ngx_conf_t *cf, ngx_str_t *trusted);

/*
 * Before the handshake: SNI (a host name only, never an IP address) and, with
 * `verify`, the name (or IP address) the certificate must hold. `name` is
 * null-terminated.
 */
ngx_int_t ngx_http_sso_tls_expect_name(ngx_connection_t *c, u_char *name,
    ngx_uint_t is_ip, ngx_uint_t verify);

/*
 * After the handshake: X509_V_OK when the peer sent a certificate that chains
 * to a trusted CA and holds the expected name; otherwise the X509_V_ERR_ code
 * of the failed check (X509_V_ERR_UNSPECIFIED: no certificate at all).
 */
long ngx_http_sso_tls_verify_result(ngx_connection_t *c);

/* X509_V_ERR_HOSTNAME_MISMATCH or X509_V_ERR_IP_ADDRESS_MISMATCH */
ngx_uint_t ngx_http_sso_tls_is_name_mismatch(long verify);

const char *ngx_http_sso_tls_verify_string(long verify);


#endif /* _NGX_HTTP_SSO_TLS_H_INCLUDED_ */
