
/*
 * nginx-jit-sso: sending what the core decided (a redirect, a 401, a page), and the error
 * page for a failure seen by the module itself.
 */

#include "ngx_http_sso_module.h"


static ngx_int_t ngx_http_sso_add_step_headers(ngx_http_request_t *r,
    sso_step *step);
static ngx_int_t ngx_http_sso_send_page(ngx_http_request_t *r, sso_step *step);
static ngx_int_t ngx_http_sso_add_header(ngx_http_request_t *r, ngx_str_t *key,
    sso_str value, ngx_table_elt_t **out);


static ngx_str_t  ngx_http_sso_set_cookie = ngx_string("Set-Cookie");
static ngx_str_t  ngx_http_sso_location = ngx_string("Location");
static ngx_str_t  ngx_http_sso_www_authenticate = ngx_string("WWW-Authenticate");
static ngx_str_t  ngx_http_sso_cache_control = ngx_string("Cache-Control");
static ngx_str_t  ngx_http_sso_etag = ngx_string("ETag");
static ngx_str_t  ngx_http_sso_csp = ngx_string("Content-Security-Policy");
static ngx_str_t  ngx_http_sso_retry_after = ngx_string("Retry-After");


/* Sends what the core decided; returns an rc for ngx_http_finalize_request(). */
ngx_int_t
ngx_http_sso_send_step(ngx_http_request_t *r, sso_step *step)
{
    ngx_int_t         rc;
    ngx_table_elt_t  *h;

    if (ngx_http_sso_add_step_headers(r, step) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    switch (step->kind) {

    case SSO_STEP_REDIRECT:
        if (ngx_http_sso_add_header(r, &ngx_http_sso_location, step->location, &h)
            != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        /* lets nginx make the Location absolute like its own redirects */
        r->headers_out.location = h;
        return step->http_status;

    case SSO_STEP_UNAUTHORIZED:
        if (ngx_http_sso_add_header(r, &ngx_http_sso_www_authenticate,
                                    step->www_authenticate, &h)
            != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        r->headers_out.www_authenticate = h;
        break;

    case SSO_STEP_PAGE:
        /* SCIM: the created resource (made absolute like a redirect's), its version */
        if (step->location.len) {
            if (ngx_http_sso_add_header(r, &ngx_http_sso_location, step->location, &h)
                != NGX_OK)
            {
                return NGX_HTTP_INTERNAL_SERVER_ERROR;
            }

            r->headers_out.location = h;
        }

        if (step->etag.len
            && ngx_http_sso_add_header(r, &ngx_http_sso_etag, step->etag, NULL)
               != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        break;

    case SSO_STEP_ERROR:
        break;

    default:
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    return ngx_http_sso_send_page(r, step);
}


/* Cache-Control and the cookies (every answer of the core carries them), a page's
 * Content-Security-Policy, a 503's Retry-After. */
static ngx_int_t
ngx_http_sso_add_step_headers(ngx_http_request_t *r, sso_step *step)
{
    u_char   *p;
    sso_str   retry;

    if (ngx_http_sso_add_header(r, &ngx_http_sso_cache_control,
                                (sso_str) { "no-store", 8 }, NULL)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (step->set_cookie.len
        && ngx_http_sso_add_header(r, &ngx_http_sso_set_cookie, step->set_cookie,
                                   NULL)
           != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (step->set_cookie2.len
        && ngx_http_sso_add_header(r, &ngx_http_sso_set_cookie, step->set_cookie2,
                                   NULL)
           != NGX_OK)
    {
        return NGX_ERROR;
    }

    /* a page of the pages' template (its own styles and nothing else), or a page that
     * posts a SAML message (only its own script runs) */
    if (step->content_security_policy.len
        && ngx_http_sso_add_header(r, &ngx_http_sso_csp,
                                   step->content_security_policy, NULL)
           != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (step->retry_after_s > 0) {
        p = ngx_pnalloc(r->pool, NGX_INT_T_LEN);
        if (p == NULL) {
            return NGX_ERROR;
        }

        retry.data = (const char *) p;
        retry.len = ngx_sprintf(p, "%i", (ngx_int_t) step->retry_after_s) - p;

        if (ngx_http_sso_add_header(r, &ngx_http_sso_retry_after, retry, NULL)
            != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


/* The status, the content type and the body: what all but a redirect send. */
static ngx_int_t
ngx_http_sso_send_page(ngx_http_request_t *r, sso_step *step)
{
    u_char      *p;
    ngx_buf_t   *b;
    ngx_int_t    rc;
    ngx_chain_t  out;

    r->headers_out.status = step->http_status;
    r->headers_out.content_length_n = step->body.len;

    /* the core decided: If-Match and the like were its to check (SCIM), not nginx's
     * not_modified filter's, which would refuse a 200 whose ETag it does not know */
    r->disable_not_modified = 1;

    r->headers_out.content_type.len = step->content_type.len;
    r->headers_out.content_type.data = ngx_pnalloc(r->pool, step->content_type.len);
    if (r->headers_out.content_type.data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_memcpy(r->headers_out.content_type.data, step->content_type.data,
               step->content_type.len);

    /* the type without its parameters, as nginx sets it: gzip_types, addition_types,
     * sub_filter_types match on this */
    p = ngx_strlchr(r->headers_out.content_type.data,
                    r->headers_out.content_type.data + step->content_type.len, ';');
    r->headers_out.content_type_len = p ? (size_t) (p - r->headers_out.content_type.data)
                                        : step->content_type.len;

    rc = ngx_http_send_header(r);
    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    b = ngx_create_temp_buf(r->pool, step->body.len);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b->last = ngx_cpymem(b->last, step->body.data, step->body.len);
    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}


/*
 * An error page for a failure seen by the module itself (store down, core refused);
 * returns an rc for ngx_http_finalize_request().
 */
ngx_int_t
ngx_http_sso_send_failure(ngx_http_request_t *r, ngx_http_sso_ctx_t *ctx,
    sso_status status)
{
    ngx_str_t                  request_id;
    sso_str                    id;
    ngx_http_sso_main_conf_t  *smcf;

    smcf = ngx_http_get_module_main_conf(r, ngx_http_sso_module);
    request_id = ngx_http_sso_request_id(r, smcf);

    /* e.g. the sso_require line a signed-in user did not meet */
    if (ctx->step.warning.len) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "sso: request failed: %s (%s): %*s, request_id: %V",
                      sso_status_name(status), sso_status_message(status),
                      ctx->step.warning.len, ctx->step.warning.data, &request_id);

    } else {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "sso: request failed: %s (%s), request_id: %V",
                      sso_status_name(status), sso_status_message(status), &request_id);
    }

    id = ngx_http_sso_view(&request_id);

    if (sso_error_page(ctx->txn, status, id, &ctx->step) != SSO_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /* e.g. a refusal by an sso_require line */
    if (ctx->step.audit.len) {
        ngx_http_sso_write_audit(r, ctx->step.audit);
    }

    return ngx_http_sso_send_step(r, &ctx->step);
}


static ngx_int_t
ngx_http_sso_add_header(ngx_http_request_t *r, ngx_str_t *key, sso_str value,
    ngx_table_elt_t **out)
{
    ngx_table_elt_t  *h;

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    h->value.data = ngx_pnalloc(r->pool, value.len);
    if (h->value.data == NULL) {
        h->hash = 0;
        return NGX_ERROR;
    }

    ngx_memcpy(h->value.data, value.data, value.len);
    h->value.len = value.len;
    h->key = *key;
    h->hash = 1;
    h->lowcase_key = NULL;
#if (nginx_version >= 1023000)
    h->next = NULL;
#endif

    if (out) {
        *out = h;
    }

    return NGX_OK;
}
