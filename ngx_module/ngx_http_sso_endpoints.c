
/*
 * sso_endpoints: the module's own URLs under a location. The core routes each request
 * (login, SAML ACS and metadata, OIDC callback, logout, SCIM), checks its method and
 * runs its flow; this file hands it the request as received and performs the steps it
 * asks for: STORE steps on the worker's Redis connection, HTTP steps on a back-channel
 * connection of their own (ngx_http_sso_http.c), WAIT on a timer, READ_BODY through
 * nginx's body reader. The request waits (NGX_DONE) without blocking anything else.
 */

#include "ngx_http_sso_module.h"

/* after ngx_config.h, which sets the feature macros (_GNU_SOURCE) for every system header */
#include <openssl/rand.h>


static ngx_int_t ngx_http_sso_endpoints_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_sso_cookie_headers(ngx_http_request_t *r,
    sso_endpoint_request *request);
static void ngx_http_sso_redact_request_line(ngx_http_request_t *r);
static ngx_int_t ngx_http_sso_flow(ngx_http_request_t *r, ngx_http_sso_ctx_t *ctx);
static ngx_int_t ngx_http_sso_flow_wait(ngx_http_request_t *r,
    ngx_http_sso_ctx_t *ctx);
static ngx_int_t ngx_http_sso_flow_read_body(ngx_http_request_t *r);
static void ngx_http_sso_flow_body_read(ngx_http_request_t *r);
static ngx_int_t ngx_http_sso_body(ngx_http_request_t *r, size_t limit,
    ngx_str_t *form);
static void ngx_http_sso_flow_done(ngx_http_request_t *r, ngx_http_sso_ctx_t *ctx);
static void ngx_http_sso_flow_http_done(ngx_http_request_t *r, ngx_http_sso_ctx_t *ctx,
    ngx_int_t status, ngx_str_t *body);
static void ngx_http_sso_flow_continue(ngx_http_request_t *r, ngx_http_sso_ctx_t *ctx,
    sso_status rc);
static void ngx_http_sso_flow_waited(ngx_event_t *ev);
static void ngx_http_sso_flow_wait_cleanup(void *data);


static ngx_int_t
ngx_http_sso_endpoints_handler(ngx_http_request_t *r)
{
    u_char                     random[96];
    sso_status                 rc;
    ngx_str_t                  request_id;
    ngx_http_sso_ctx_t        *ctx;
    sso_endpoint_request       request;
    ngx_http_sso_main_conf_t  *smcf;

    ctx = ngx_http_sso_create_ctx(r);
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (RAND_bytes(random, sizeof(random)) != 1) {
        return ngx_http_sso_send_failure(r, ctx, SSO_ERR_INTERNAL);
    }

    smcf = ngx_http_get_module_main_conf(r, ngx_http_sso_module);
    request_id = ngx_http_sso_request_id(r, smcf);

    ngx_memzero(&request, sizeof(sso_endpoint_request));
    request.method = ngx_http_sso_view(&r->method_name);
    request.path = ngx_http_sso_view(&r->uri);
    request.query = ngx_http_sso_view(&r->args);
    request.request_id = ngx_http_sso_view(&request_id);
    request.now_ms = ngx_http_sso_now_ms();
    request.random = random;
    request.random_len = sizeof(random);

    /* SCIM's bearer token (a secret: never logged) and its ETag precondition */
    if (r->headers_in.authorization) {
        request.authorization = ngx_http_sso_view(&r->headers_in.authorization->value);
    }

    if (r->headers_in.if_match) {
        request.if_match = ngx_http_sso_view(&r->headers_in.if_match->value);
    }

    /* SAML Single Logout tells its SOAP binding from the form ones by it */
    if (r->headers_in.content_type) {
        request.content_type =
            ngx_http_sso_view(&r->headers_in.content_type->value);
    }

    if (ngx_http_sso_cookie_headers(r, &request) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    rc = sso_endpoint_begin(ctx->txn, &request, &ctx->step);
    ngx_explicit_memzero(random, sizeof(random));

    if (rc != SSO_OK) {
        return ngx_http_sso_send_failure(r, ctx, SSO_ERR_INTERNAL);
    }

    if (ctx->step.redact_query) {
        ngx_http_sso_redact_request_line(r);
    }

    return ngx_http_sso_flow(r, ctx);
}


/* Every Cookie header's value, in the order received, for the core to read. */
static ngx_int_t
ngx_http_sso_cookie_headers(ngx_http_request_t *r, sso_endpoint_request *request)
{
    sso_str          *value;
    ngx_uint_t        i;
    ngx_array_t      *values;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    values = ngx_array_create(r->pool, 2, sizeof(sso_str));
    if (values == NULL) {
        return NGX_ERROR;
    }

    for (part = &r->headers_in.headers.part; part; part = part->next) {
        h = part->elts;

        for (i = 0; i < part->nelts; i++) {
            if (h[i].key.len != sizeof("Cookie") - 1
                || ngx_strncasecmp(h[i].key.data, (u_char *) "Cookie",
                                   sizeof("Cookie") - 1) != 0)
            {
                continue;
            }

            value = ngx_array_push(values);
            if (value == NULL) {
                return NGX_ERROR;
            }

            *value = ngx_http_sso_view(&h[i].value);
        }
    }

    request->cookie_headers = values->elts;
    request->cookie_headers_count = values->nelts;

    return NGX_OK;
}


/*
 * The query carries a secret (the OIDC callback's authorization code): nginx would write
 * it into every error log line about this request and into the access log ($request).
 * The request line keeps its path and loses its query.
 */
static void
ngx_http_sso_redact_request_line(ngx_http_request_t *r)
{
    u_char  *start, *end, *query, *rest, *p;

    start = r->request_line.data;
    end = start + r->request_line.len;

    query = ngx_strlchr(start, end, '?');
    if (query == NULL) {
        return;
    }

    rest = ngx_strlchr(query, end, ' ');
    if (rest == NULL) {
        rest = end;
    }

    p = ngx_pnalloc(r->pool, (query - start) + sizeof("?...") - 1 + (end - rest));
    if (p == NULL) {
        r->request_line.len = query - start;
        return;
    }

    r->request_line.data = p;
    p = ngx_cpymem(p, start, query - start);
    p = ngx_cpymem(p, "?...", sizeof("?...") - 1);
    p = ngx_cpymem(p, rest, end - rest);
    r->request_line.len = p - r->request_line.data;
}


/*
 * Drives a flow from ctx->step. NGX_DONE while a step is under way (the request was
 * counted once more, and its completion finishes it); otherwise an rc to finalize with.
 */
static ngx_int_t
ngx_http_sso_flow(ngx_http_request_t *r, ngx_http_sso_ctx_t *ctx)
{
    sso_step                  *step = &ctx->step;
    ngx_http_sso_main_conf_t  *smcf;

    smcf = ngx_http_get_module_main_conf(r, ngx_http_sso_module);

    ngx_http_sso_metrics_step(step);

    if (step->audit.len) {
        ngx_http_sso_write_audit(r, step->audit);
    }

    /* e.g. a key of the provider's JWKS that failed a check */
    if (step->warning.len) {
        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0, "sso: %*s",
                      step->warning.len, step->warning.data);
    }

    /* e.g. "login succeeded, new session" */
    if (step->notice.len) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0, "sso: %*s",
                      step->notice.len, step->notice.data);
    }

    /* e.g. releasing a provisioning lock after a failed hook call */
    if (step->cleanup.argc) {
        (void) ngx_http_sso_redis_send(smcf->store, &step->cleanup, NULL, NULL);
    }

    switch (step->kind) {

    case SSO_STEP_WAIT:
        return ngx_http_sso_flow_wait(r, ctx);

    case SSO_STEP_STORE:
        if (ngx_http_sso_run_commands(r, ctx, ngx_http_sso_flow_done) != NGX_OK) {
            return ngx_http_sso_send_failure(r, ctx, SSO_STORE_UNAVAILABLE);
        }

        r->main->count++;
        return NGX_DONE;

    case SSO_STEP_HTTP:
        if (ngx_http_sso_http_call(r, ctx, step, ngx_http_sso_flow_http_done) != NGX_OK) {
            return ngx_http_sso_send_failure(r, ctx, SSO_ERR_INTERNAL);
        }

        r->main->count++;
        return NGX_DONE;

    case SSO_STEP_READ_BODY:
        return ngx_http_sso_flow_read_body(r);

    case SSO_STEP_STATUS:
        /* nginx's own page, so that error_page applies */
        return step->http_status;

    case SSO_STEP_ERROR:
        return ngx_http_sso_send_failure(r, ctx, step->reason);

    default:
        return ngx_http_sso_send_step(r, step);
    }
}


static ngx_int_t
ngx_http_sso_flow_wait(ngx_http_request_t *r, ngx_http_sso_ctx_t *ctx)
{
    ngx_pool_cleanup_t  *cln;

    if (ctx->wait.handler == NULL) {
        cln = ngx_pool_cleanup_add(r->pool, 0);
        if (cln == NULL) {
            return ngx_http_sso_send_failure(r, ctx, SSO_ERR_INTERNAL);
        }

        cln->handler = ngx_http_sso_flow_wait_cleanup;
        cln->data = ctx;

        ctx->wait.handler = ngx_http_sso_flow_waited;
        ctx->wait.data = ctx;
        ctx->wait.log = r->connection->log;
    }

    ngx_add_timer(&ctx->wait,
                  ctx->step.delay_ms > 0 ? (ngx_msec_t) ctx->step.delay_ms : 1);

    r->main->count++;
    return NGX_DONE;
}


/* the body reader takes its own count and calls back once the body is in */
static ngx_int_t
ngx_http_sso_flow_read_body(ngx_http_request_t *r)
{
    ngx_int_t  rc;

    r->request_body_in_single_buf = 1;

    rc = ngx_http_read_client_request_body(r, ngx_http_sso_flow_body_read);
    if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
        return rc;
    }

    return NGX_DONE;
}


static void
ngx_http_sso_flow_body_read(ngx_http_request_t *r)
{
    ngx_int_t            rc;
    ngx_str_t            body;
    ngx_http_sso_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_sso_module);

    rc = ngx_http_sso_body(r, ctx->step.body_limit, &body);
    if (rc != NGX_OK) {
        ngx_http_finalize_request(r, rc);
        return;
    }

    if (sso_endpoint_resume_body(ctx->txn, ngx_http_sso_view(&body),
                                 ngx_http_sso_now_ms(), &ctx->step)
        != SSO_OK)
    {
        ngx_http_finalize_request(r, ngx_http_sso_send_failure(r, ctx, SSO_ERR_INTERNAL));
        return;
    }

    /*
     * NGX_DONE: the flow took a count of its own for its next step; finalizing with
     * NGX_DONE gives back the one reading the body took.
     */
    ngx_http_finalize_request(r, ngx_http_sso_flow(r, ctx));
}


/* The body, in memory; one nginx buffered to a temp file is read back (it is small). */
static ngx_int_t
ngx_http_sso_body(ngx_http_request_t *r, size_t limit, ngx_str_t *form)
{
    size_t        len;
    u_char       *p;
    ssize_t       n;
    ngx_buf_t    *b;
    ngx_chain_t  *cl;

    len = 0;

    for (cl = r->request_body ? r->request_body->bufs : NULL; cl; cl = cl->next) {
        b = cl->buf;
        len += b->in_file ? (size_t) (b->file_last - b->file_pos)
                          : (size_t) (b->last - b->pos);
    }

    if (len > limit) {
        return NGX_HTTP_REQUEST_ENTITY_TOO_LARGE;
    }

    p = ngx_pnalloc(r->pool, len + 1);
    if (p == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    form->data = p;

    for (cl = r->request_body ? r->request_body->bufs : NULL; cl; cl = cl->next) {
        b = cl->buf;

        if (b->in_file) {
            n = ngx_read_file(b->file, p, b->file_last - b->file_pos, b->file_pos);
            if (n != b->file_last - b->file_pos) {
                return NGX_HTTP_INTERNAL_SERVER_ERROR;
            }

            p += n;
            continue;
        }

        p = ngx_cpymem(p, b->pos, b->last - b->pos);
    }

    form->len = p - form->data;

    return NGX_OK;
}


static void
ngx_http_sso_flow_done(ngx_http_request_t *r, ngx_http_sso_ctx_t *ctx)
{
    ngx_http_sso_flow_continue(r, ctx,
                               sso_flow_resume(ctx->txn, ctx->replies,
                                               ctx->step.commands_count,
                                               ngx_http_sso_now_ms(), &ctx->step));
}


static void
ngx_http_sso_flow_http_done(ngx_http_request_t *r, ngx_http_sso_ctx_t *ctx,
    ngx_int_t status, ngx_str_t *body)
{
    ngx_http_sso_flow_continue(r, ctx,
                               sso_flow_resume_http(ctx->txn, (int) status,
                                                    ngx_http_sso_view(body),
                                                    ngx_http_sso_now_ms(), &ctx->step));
}


static void
ngx_http_sso_flow_waited(ngx_event_t *ev)
{
    ngx_connection_t    *c;
    ngx_http_sso_ctx_t  *ctx = ev->data;
    ngx_http_request_t  *r = ctx->request;

    c = r->connection;

    ngx_http_sso_flow_continue(r, ctx,
                               sso_flow_resume_wait(ctx->txn, ngx_http_sso_now_ms(),
                                                    &ctx->step));

    /* from a timer, as nginx's upstream does after an event: subrequests the response
     * posted (add_after_body, SSI) run now, not at the connection's next event */
    ngx_http_run_posted_requests(c);
}


static void
ngx_http_sso_flow_wait_cleanup(void *data)
{
    ngx_http_sso_ctx_t *ctx = data;

    if (ctx->wait.timer_set) {
        ngx_del_timer(&ctx->wait);
    }
}


/* After a STORE or HTTP step came back: the next step, while holding the waiting count. */
static void
ngx_http_sso_flow_continue(ngx_http_request_t *r, ngx_http_sso_ctx_t *ctx, sso_status rc)
{
    ngx_int_t  next;

    if (rc != SSO_OK) {
        next = ngx_http_sso_send_failure(r, ctx, SSO_ERR_INTERNAL);

    } else {
        next = ngx_http_sso_flow(r, ctx);
    }

    if (next == NGX_DONE) {
        /* another round trip: it took its own count */
        r->main->count--;
        return;
    }

    /* also releases the count taken while waiting */
    ngx_http_finalize_request(r, next);
}


char *
ngx_http_sso_endpoints(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_sso_loc_conf_t *slcf = conf;

    ngx_http_core_loc_conf_t  *clcf;
    ngx_http_sso_main_conf_t  *smcf;

    smcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_sso_module);

    if (!smcf->redis_configured) {
        return "needs \"sso_redis\" before it in the http block";
    }

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_sso_endpoints_handler;
    slcf->endpoints = 1;

    return NGX_CONF_OK;
}
