
/*
 * The back-channel: small HTTP calls the core asks for (OIDC discovery, token exchange,
 * JWKS), made on nginx's event loop so a slow provider never stalls the worker.
 *
 * One connection per call, HTTP/1.0 (so the answer is never chunked and ends when the
 * server closes), TLS with the peer verified against sso_backchannel_trusted_certificate
 * and the host name (or IP address) of the URL. Host names are resolved with nginx's
 * `resolver`. One deadline covers the whole call. The done handler always runs from a
 * posted event, never from inside ngx_http_sso_http_call.
 */

#include "ngx_http_sso_module.h"

/* after ngx_config.h, which sets the feature macros (_GNU_SOURCE) for every system header */
#include <openssl/ssl.h>
#include <openssl/x509v3.h>


#define NGX_HTTP_SSO_HTTP_MAX_RESPONSE  (1024 * 1024)


struct ngx_http_sso_http_s {
    ngx_http_request_t          *request;
    ngx_http_sso_ctx_t          *ctx;
    ngx_http_sso_http_done_pt    done;
    ngx_log_t                   *log;

    ngx_str_t                    method;
    ngx_str_t                    host;       /* without brackets or port */
    ngx_str_t                    target;     /* for log lines: scheme://authority/path */
    in_port_t                    port;
    unsigned                     https:1;
    unsigned                     host_is_ip:1;
    unsigned                     finished:1;

    ngx_buf_t                   *out;        /* the request */
    ngx_buf_t                   *in;         /* the response so far */

    ngx_addr_t                   addr;
    ngx_peer_connection_t        peer;
    ngx_resolver_ctx_t          *resolving;
    ngx_event_t                  deadline;
    ngx_event_t                  finish;

    ngx_int_t                    status;     /* 0: no usable answer */
    ngx_str_t                    body;
};


static ngx_int_t ngx_http_sso_http_parse_url(ngx_http_sso_http_t *hc, sso_str url,
    ngx_str_t *authority, ngx_str_t *path);
static ngx_int_t ngx_http_sso_http_build(ngx_http_sso_http_t *hc, sso_step *step,
    ngx_str_t *authority, ngx_str_t *path);
static void ngx_http_sso_http_resolved(ngx_resolver_ctx_t *rctx);
static void ngx_http_sso_http_connect(ngx_http_sso_http_t *hc);
static void ngx_http_sso_http_start_tls(ngx_http_sso_http_t *hc);
static void ngx_http_sso_http_tls_done(ngx_connection_t *c);
static void ngx_http_sso_http_write(ngx_event_t *wev);
static void ngx_http_sso_http_read(ngx_event_t *rev);
static ngx_int_t ngx_http_sso_http_parse_response(ngx_http_sso_http_t *hc,
    ngx_uint_t eof, const char **why);
static void ngx_http_sso_http_answered(ngx_http_sso_http_t *hc);
static void ngx_http_sso_http_fail(ngx_http_sso_http_t *hc, const char *why);
static void ngx_http_sso_http_close(ngx_http_sso_http_t *hc);
static void ngx_http_sso_http_deadline(ngx_event_t *ev);
static void ngx_http_sso_http_finish(ngx_event_t *ev);
static void ngx_http_sso_http_cleanup(void *data);


ngx_int_t
ngx_http_sso_http_call(ngx_http_request_t *r, ngx_http_sso_ctx_t *ctx, sso_step *step,
    ngx_http_sso_http_done_pt done)
{
    ngx_int_t                  rc;
    ngx_str_t                  authority, path;
    ngx_pool_cleanup_t        *cln;
    ngx_resolver_ctx_t        *rctx;
    ngx_http_sso_http_t       *hc;
    ngx_http_core_loc_conf_t  *clcf;
    ngx_http_sso_main_conf_t  *smcf;

    smcf = ngx_http_get_module_main_conf(r, ngx_http_sso_module);

    hc = ngx_pcalloc(r->pool, sizeof(ngx_http_sso_http_t));
    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (hc == NULL || cln == NULL) {
        return NGX_ERROR;
    }

    hc->request = r;
    hc->ctx = ctx;
    hc->done = done;
    hc->log = r->connection->log;

    hc->deadline.handler = ngx_http_sso_http_deadline;
    hc->deadline.data = hc;
    hc->deadline.log = hc->log;
    hc->finish.handler = ngx_http_sso_http_finish;
    hc->finish.data = hc;
    hc->finish.log = hc->log;

    cln->handler = ngx_http_sso_http_cleanup;
    cln->data = hc;

    ngx_add_timer(&hc->deadline, step->http.timeout_ms > 0
                                 ? (ngx_msec_t) step->http.timeout_ms
                                 : smcf->backchannel_timeout);

    if (ngx_http_sso_http_parse_url(hc, step->http.url, &authority, &path) != NGX_OK
        || ngx_http_sso_http_build(hc, step, &authority, &path) != NGX_OK)
    {
        ngx_http_sso_http_fail(hc, "invalid URL");
        return NGX_OK;
    }

    if (hc->https && smcf->backchannel_ssl == NULL) {
        ngx_http_sso_http_fail(hc, "TLS is not set up");
        return NGX_OK;
    }

    if (hc->host_is_ip) {
        ngx_http_sso_http_connect(hc);
        return NGX_OK;
    }

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_core_module);

    rctx = ngx_resolve_start(clcf->resolver, NULL);
    if (rctx == NULL) {
        ngx_http_sso_http_fail(hc, "cannot start resolving");
        return NGX_OK;
    }

    if (rctx == NGX_NO_RESOLVER) {
        ngx_http_sso_http_fail(hc, "a host name needs a \"resolver\" in the "
                                   "sso_endpoints location (or the http block)");
        return NGX_OK;
    }

    rctx->name = hc->host;
    rctx->handler = ngx_http_sso_http_resolved;
    rctx->data = hc;
    rctx->timeout = clcf->resolver_timeout;
    hc->resolving = rctx;

    rc = ngx_resolve_name(rctx);
    if (rc != NGX_OK) {
        hc->resolving = NULL;
        ngx_http_sso_http_fail(hc, "cannot start resolving");
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_sso_http_parse_url(ngx_http_sso_http_t *hc, sso_str url, ngx_str_t *authority,
    ngx_str_t *path)
{
    u_char     *p, *end, *host_end;
    ngx_int_t   port;

    p = (u_char *) url.data;
    end = p + url.len;

    if (url.len > 8 && ngx_strncasecmp(p, (u_char *) "https://", 8) == 0) {
        hc->https = 1;
        hc->port = 443;
        p += 8;

    } else if (url.len > 7 && ngx_strncasecmp(p, (u_char *) "http://", 7) == 0) {
        hc->port = 80;
        p += 7;

    } else {
        return NGX_ERROR;
    }

    authority->data = p;
    while (p < end && *p != '/' && *p != '?' && *p != '#') {
        if (*p == '@' || *p <= ' ' || *p >= 0x7f) {
            return NGX_ERROR;  /* no userinfo, nothing to smuggle into Host: */
        }
        p++;
    }
    authority->len = p - authority->data;

    if (authority->len == 0) {
        return NGX_ERROR;
    }

    path->data = p;
    path->len = end - p;

    for (p = path->data; p < end; p++) {
        if (*p == '#') {
            path->len = p - path->data;
            break;
        }

        if (*p <= ' ' || *p >= 0x7f) {
            return NGX_ERROR;
        }
    }

    hc->target.len = (path->data + path->len) - (u_char *) url.data;
    hc->target.data = (u_char *) url.data;

    /* host, port: "[v6]:port", "v4:port", "name:port", or without the port */
    p = authority->data;
    end = p + authority->len;

    if (*p == '[') {
        host_end = ngx_strlchr(p, end, ']');
        if (host_end == NULL) {
            return NGX_ERROR;
        }

        hc->host.data = p + 1;
        hc->host.len = host_end - p - 1;
        p = host_end + 1;

    } else {
        host_end = ngx_strlchr(p, end, ':');
        if (host_end == NULL) {
            host_end = end;
        }

        hc->host.data = p;
        hc->host.len = host_end - p;
        p = host_end;
    }

    if (p < end) {
        if (*p != ':' || p + 1 == end) {
            return NGX_ERROR;
        }

        port = ngx_atoi(p + 1, end - p - 1);
        if (port < 1 || port > 65535) {
            return NGX_ERROR;
        }

        hc->port = (in_port_t) port;
    }

    if (hc->host.len == 0) {
        return NGX_ERROR;
    }

    if (ngx_parse_addr(hc->request->pool, &hc->addr, hc->host.data, hc->host.len)
        == NGX_OK)
    {
        hc->host_is_ip = 1;
        ngx_inet_set_port(hc->addr.sockaddr, hc->port);
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_sso_http_build(ngx_http_sso_http_t *hc, sso_step *step, ngx_str_t *authority,
    ngx_str_t *path)
{
    size_t      len;
    ngx_buf_t  *b;

    static const char  accept[] = "Accept: application/json\r\n"
                                  "User-Agent: nginx-jit-sso\r\n"
                                  "Connection: close\r\n";

    if (step->http.method.len == 0 || step->http.method.len > 16) {
        return NGX_ERROR;
    }

    hc->method.data = (u_char *) step->http.method.data;
    hc->method.len = step->http.method.len;

    len = hc->method.len + 1 + (path->len ? path->len : 1) + sizeof(" HTTP/1.0\r\n") - 1
          + sizeof("Host: \r\n") - 1 + authority->len
          + sizeof(accept) - 1
          + sizeof("Authorization: \r\n") - 1 + step->http.authorization.len
          + sizeof("Content-Type: \r\n") - 1 + step->http.content_type.len
          + sizeof("Content-Length: \r\n") - 1 + NGX_SIZE_T_LEN
          + step->http.headers.len
          + 2 + step->http.body.len;

    b = ngx_create_temp_buf(hc->request->pool, len);
    if (b == NULL) {
        return NGX_ERROR;
    }

    b->last = ngx_cpymem(b->last, hc->method.data, hc->method.len);
    *b->last++ = ' ';

    if (path->len == 0 || path->data[0] == '?') {
        *b->last++ = '/';
    }

    b->last = ngx_cpymem(b->last, path->data, path->len);
    b->last = ngx_sprintf(b->last, " HTTP/1.0\r\nHost: %V\r\n", authority);
    b->last = ngx_cpymem(b->last, accept, sizeof(accept) - 1);

    if (step->http.authorization.len) {
        b->last = ngx_sprintf(b->last, "Authorization: %*s\r\n",
                              step->http.authorization.len,
                              step->http.authorization.data);
    }

    if (step->http.content_type.len) {
        b->last = ngx_sprintf(b->last, "Content-Type: %*s\r\n",
                              step->http.content_type.len,
                              step->http.content_type.data);
    }

    /* the core's own header lines (Idempotency-Key, X-SSO-Signature): hex and digits */
    b->last = ngx_cpymem(b->last, step->http.headers.data, step->http.headers.len);

    if (step->http.body.len || hc->method.len != 3) {
        b->last = ngx_sprintf(b->last, "Content-Length: %uz\r\n", step->http.body.len);
    }

    *b->last++ = '\r';
    *b->last++ = '\n';
    b->last = ngx_cpymem(b->last, step->http.body.data, step->http.body.len);

    hc->out = b;

    return NGX_OK;
}


static void
ngx_http_sso_http_resolved(ngx_resolver_ctx_t *rctx)
{
    ngx_http_sso_http_t *hc = rctx->data;

    socklen_t         socklen;
    struct sockaddr  *sockaddr;

    hc->resolving = NULL;

    if (rctx->state || rctx->naddrs == 0) {
        ngx_log_error(NGX_LOG_ERR, hc->log, 0,
                      "sso: back-channel cannot resolve \"%V\": %s", &hc->host,
                      rctx->state ? ngx_resolver_strerror(rctx->state) : "no address");
        ngx_resolve_name_done(rctx);
        ngx_http_sso_http_fail(hc, NULL);
        return;
    }

    socklen = rctx->addrs[0].socklen;
    sockaddr = ngx_palloc(hc->request->pool, socklen);
    if (sockaddr == NULL) {
        ngx_resolve_name_done(rctx);
        ngx_http_sso_http_fail(hc, "out of memory");
        return;
    }

    ngx_memcpy(sockaddr, rctx->addrs[0].sockaddr, socklen);
    ngx_inet_set_port(sockaddr, hc->port);
    ngx_resolve_name_done(rctx);

    hc->addr.sockaddr = sockaddr;
    hc->addr.socklen = socklen;

    ngx_http_sso_http_connect(hc);
}


static void
ngx_http_sso_http_connect(ngx_http_sso_http_t *hc)
{
    ngx_int_t          rc;
    ngx_connection_t  *c;

    hc->peer.sockaddr = hc->addr.sockaddr;
    hc->peer.socklen = hc->addr.socklen;
    hc->peer.name = &hc->host;
    hc->peer.get = ngx_event_get_peer;
    hc->peer.log = hc->log;
    hc->peer.log_error = NGX_ERROR_ERR;

    rc = ngx_event_connect_peer(&hc->peer);

    if (rc == NGX_ERROR || rc == NGX_BUSY || rc == NGX_DECLINED) {
        ngx_http_sso_http_fail(hc, "cannot connect");
        return;
    }

    c = hc->peer.connection;
    c->data = hc;
    c->log = hc->log;
    c->read->log = hc->log;
    c->write->log = hc->log;
    c->pool = hc->request->pool;
    c->read->handler = ngx_http_sso_http_read;
    c->write->handler = ngx_http_sso_http_write;

    if (rc == NGX_OK) {
        ngx_http_sso_http_write(c->write);
    }

    /* NGX_AGAIN: the write event says when the connect is done */
}


static void
ngx_http_sso_http_start_tls(ngx_http_sso_http_t *hc)
{
    u_char                    *name;
    ngx_int_t                  rc;
    ngx_connection_t          *c = hc->peer.connection;
    X509_VERIFY_PARAM         *param;
    ngx_http_sso_main_conf_t  *smcf;

    smcf = ngx_http_get_module_main_conf(hc->request, ngx_http_sso_module);

    if (ngx_ssl_create_connection(smcf->backchannel_ssl, c,
                                  NGX_SSL_BUFFER|NGX_SSL_CLIENT)
        != NGX_OK)
    {
        ngx_http_sso_http_fail(hc, "cannot start TLS");
        return;
    }

    name = ngx_pnalloc(hc->request->pool, hc->host.len + 1);
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
        ngx_http_sso_http_fail(hc, NULL);
        return;
    }

    c->read->handler = ngx_http_sso_http_read;
    c->write->handler = ngx_http_sso_http_write;

    ngx_http_sso_http_write(c->write);
}


static void
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
                              "sso: back-channel %V %V: connect() failed",
                              &hc->method, &hc->target);
                ngx_http_sso_http_fail(hc, NULL);
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


static void
ngx_http_sso_http_read(ngx_event_t *rev)
{
    size_t                size;
    ssize_t               n;
    ngx_int_t             rc;
    ngx_buf_t            *b;
    const char           *why;
    ngx_connection_t     *c = rev->data;
    ngx_http_sso_http_t  *hc = c->data;

    if (hc->finished || hc->out->pos < hc->out->last) {
        return;
    }

    for ( ;; ) {
        b = hc->in;

        if (b == NULL || b->last == b->end) {
            size = b ? 2 * (size_t) (b->end - b->start) : 16384;

            if (size > NGX_HTTP_SSO_HTTP_MAX_RESPONSE) {
                ngx_http_sso_http_fail(hc, "the answer is larger than 1m");
                return;
            }

            b = ngx_create_temp_buf(hc->request->pool, size);
            if (b == NULL) {
                ngx_http_sso_http_fail(hc, "out of memory");
                return;
            }

            if (hc->in) {
                b->last = ngx_cpymem(b->last, hc->in->pos, hc->in->last - hc->in->pos);
            }

            hc->in = b;
        }

        n = c->recv(c, b->last, b->end - b->last);

        if (n == NGX_AGAIN) {
            if (ngx_handle_read_event(rev, 0) != NGX_OK) {
                ngx_http_sso_http_fail(hc, "cannot wait to read");
            }

            return;
        }

        if (n > 0) {
            b->last += n;
        }

        /* n == 0: closed; NGX_ERROR after a complete answer (a TLS peer that closes
         * without close_notify) is no reason to throw the answer away */
        rc = ngx_http_sso_http_parse_response(hc, n <= 0, &why);

        if (rc == NGX_OK) {
            ngx_http_sso_http_answered(hc);
            return;
        }

        if (rc == NGX_ERROR) {
            ngx_http_sso_http_fail(hc, n == NGX_ERROR ? "cannot read the answer" : why);
            return;
        }
    }
}


/*
 * "HTTP/1.x NNN ...\r\n" headers "\r\n\r\n" body. NGX_AGAIN until the body is complete:
 * Content-Length bytes, or everything up to the close when there is no Content-Length.
 */
static ngx_int_t
ngx_http_sso_http_parse_response(ngx_http_sso_http_t *hc, ngx_uint_t eof,
    const char **why)
{
    u_char     *p, *end, *headers_end, *line, *eol, *value;
    off_t       content_length;
    ngx_int_t   status;

    p = hc->in ? hc->in->pos : NULL;
    end = hc->in ? hc->in->last : NULL;

    headers_end = p ? ngx_strlcasestrn(p, end, (u_char *) "\r\n\r\n", 4 - 1) : NULL;

    if (headers_end == NULL) {
        *why = "the answer ended before its headers did";
        return eof ? NGX_ERROR : NGX_AGAIN;
    }

    if (headers_end - p < 12 || ngx_strncmp(p, "HTTP/1.", 7) != 0 || p[8] != ' ') {
        *why = "the answer is not HTTP/1.x";
        return NGX_ERROR;
    }

    status = ngx_atoi(p + 9, 3);
    if (status < 100 || status > 599) {
        *why = "the answer has no valid status";
        return NGX_ERROR;
    }

    content_length = -1;

    for (line = ngx_strlchr(p, headers_end, '\n'); line; line = eol) {
        line++;
        eol = ngx_strlchr(line, headers_end + 2, '\n');
        if (eol == NULL) {
            break;
        }

        if (eol - line > 18
            && ngx_strncasecmp(line, (u_char *) "transfer-encoding:", 18) == 0)
        {
            *why = "the answer to an HTTP/1.0 request is chunked";
            return NGX_ERROR;
        }

        if (eol - line > 15
            && ngx_strncasecmp(line, (u_char *) "content-length:", 15) == 0)
        {
            value = line + 15;
            while (value < eol && (*value == ' ' || *value == '\t')) {
                value++;
            }

            p = eol;
            while (p > value && (p[-1] == '\r' || p[-1] == ' ' || p[-1] == '\t')) {
                p--;
            }

            content_length = ngx_atoof(value, p - value);
            if (content_length < 0) {
                *why = "the answer has a bad Content-Length";
                return NGX_ERROR;
            }
        }
    }

    hc->body.data = headers_end + 4;
    hc->body.len = end - hc->body.data;

    if (content_length >= 0) {
        if ((off_t) hc->body.len < content_length) {
            *why = "the answer is shorter than its Content-Length";
            return eof ? NGX_ERROR : NGX_AGAIN;
        }

        /* a second answer, or anything else after this one: which one is meant? */
        if ((off_t) hc->body.len > content_length) {
            *why = "the answer goes on after its Content-Length";
            return NGX_ERROR;
        }

    } else if (!eof) {
        return NGX_AGAIN;
    }

    hc->status = status;

    return NGX_OK;
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
static void
ngx_http_sso_http_fail(ngx_http_sso_http_t *hc, const char *why)
{
    if (hc->finished) {
        return;
    }

    if (why) {
        ngx_log_error(NGX_LOG_ERR, hc->log, 0, "sso: back-channel %V %V: %s",
                      &hc->method, &hc->target, why);
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

    ngx_connection_t  *c;

    c = hc->request->connection;

    hc->done(hc->request, hc->ctx, hc->status, &hc->body);

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
