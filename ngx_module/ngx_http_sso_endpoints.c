
/*
 * sso_endpoints: the module's own URLs under a location, chosen by their last segments.
 *   .../login          start a login (?provider=&return_to=); several providers: a chooser
 *   .../saml/acs       the SAML assertion consumer service (HTTP-POST binding)
 *   .../saml/metadata  our SP metadata (?provider=)
 *   .../oidc/callback  the OpenID Connect redirect URI (code, state, iss)
 *   .../logout         POST: ends the current session, clears the cookie, 303 to the
 *                      sso_logout_redirect path
 * Every flow is a sequence of core steps; STORE steps run on the worker's Redis connection,
 * HTTP steps on a back-channel connection of their own (ngx_http_sso_http.c), and the
 * request waits (NGX_DONE) without blocking anything else.
 */

#include "ngx_http_sso_module.h"

/* after ngx_config.h, which sets the feature macros (_GNU_SOURCE) for every system header */
#include <openssl/rand.h>


#define NGX_HTTP_SSO_MAX_FORM  (1024 * 1024)


static ngx_int_t ngx_http_sso_endpoints_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_sso_logout(ngx_http_request_t *r);
static ngx_int_t ngx_http_sso_login(ngx_http_request_t *r);
static ngx_int_t ngx_http_sso_metadata(ngx_http_request_t *r);
static ngx_int_t ngx_http_sso_acs(ngx_http_request_t *r);
static void ngx_http_sso_acs_body(ngx_http_request_t *r);
static ngx_int_t ngx_http_sso_flow(ngx_http_request_t *r, ngx_http_sso_ctx_t *ctx);
static void ngx_http_sso_flow_done(ngx_http_request_t *r, ngx_http_sso_ctx_t *ctx);
static ngx_int_t ngx_http_sso_oidc_callback(ngx_http_request_t *r);
static void ngx_http_sso_flow_http_done(ngx_http_request_t *r, ngx_http_sso_ctx_t *ctx,
    ngx_int_t status, ngx_str_t *body);
static void ngx_http_sso_flow_continue(ngx_http_request_t *r, ngx_http_sso_ctx_t *ctx,
    sso_status rc);
static void ngx_http_sso_flow_waited(ngx_event_t *ev);
static void ngx_http_sso_flow_wait_cleanup(void *data);
static void ngx_http_sso_logout_done(ngx_http_request_t *r, ngx_http_sso_ctx_t *ctx);


/* the request's correlation id, for the audit lines of the flow */
static void
ngx_http_sso_txn_request_id(ngx_http_request_t *r, ngx_http_sso_ctx_t *ctx)
{
    sso_str                    id;
    ngx_str_t                  request_id;
    ngx_http_sso_main_conf_t  *smcf;

    smcf = ngx_http_get_module_main_conf(r, ngx_http_sso_module);
    request_id = ngx_http_sso_request_id(r, smcf);

    id.data = request_id.data ? (const char *) request_id.data : "";
    id.len = request_id.len;
    sso_txn_set_request_id(ctx->txn, id);
}


static ngx_uint_t
ngx_http_sso_uri_ends_with(ngx_http_request_t *r, const char *segment, size_t len)
{
    return r->uri.len >= len
           && ngx_strncmp(r->uri.data + r->uri.len - len, segment, len) == 0;
}


static ngx_int_t
ngx_http_sso_endpoints_handler(ngx_http_request_t *r)
{
    if (ngx_http_sso_uri_ends_with(r, "/saml/acs", sizeof("/saml/acs") - 1)) {
        return ngx_http_sso_acs(r);
    }

    if (ngx_http_sso_uri_ends_with(r, "/saml/metadata",
                                   sizeof("/saml/metadata") - 1))
    {
        return ngx_http_sso_metadata(r);
    }

    if (ngx_http_sso_uri_ends_with(r, "/oidc/callback", sizeof("/oidc/callback") - 1)) {
        return ngx_http_sso_oidc_callback(r);
    }

    if (ngx_http_sso_uri_ends_with(r, "/login", sizeof("/login") - 1)) {
        return ngx_http_sso_login(r);
    }

    if (ngx_http_sso_uri_ends_with(r, "/logout", sizeof("/logout") - 1)) {
        return ngx_http_sso_logout(r);
    }

    return NGX_HTTP_NOT_FOUND;
}


static sso_str
ngx_http_sso_args(ngx_http_request_t *r)
{
    sso_str  query;

    query.data = (const char *) r->args.data;
    query.len = r->args.len;

    if (query.data == NULL) {
        query.data = "";
    }

    return query;
}


static ngx_int_t
ngx_http_sso_login(ngx_http_request_t *r)
{
    u_char               random[96];
    ngx_http_sso_ctx_t  *ctx;
    sso_login_request    login;

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    ctx = ngx_http_sso_create_ctx(r);
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (RAND_bytes(random, sizeof(random)) != 1) {
        return ngx_http_sso_send_failure(r, ctx, SSO_ERR_INTERNAL);
    }

    ngx_memzero(&login, sizeof(sso_login_request));
    login.query = ngx_http_sso_args(r);
    login.now_ms = ngx_http_sso_now_ms();
    login.random = random;
    login.random_len = sizeof(random);

    if (sso_login_begin(ctx->txn, &login, &ctx->step) != SSO_OK) {
        return ngx_http_sso_send_failure(r, ctx, SSO_ERR_INTERNAL);
    }

    return ngx_http_sso_flow(r, ctx);
}


static ngx_int_t
ngx_http_sso_metadata(ngx_http_request_t *r)
{
    ngx_str_t            provider;
    sso_str              name;
    ngx_http_sso_ctx_t  *ctx;

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    ctx = ngx_http_sso_create_ctx(r);
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ngx_http_arg(r, (u_char *) "provider", sizeof("provider") - 1, &provider)
        != NGX_OK)
    {
        ngx_str_null(&provider);
    }

    name.data = provider.data ? (const char *) provider.data : "";
    name.len = provider.len;

    if (sso_saml_metadata(ctx->txn, name, &ctx->step) != SSO_OK) {
        return ngx_http_sso_send_failure(r, ctx, SSO_ERR_INTERNAL);
    }

    return ngx_http_sso_flow(r, ctx);
}


static ngx_int_t
ngx_http_sso_acs(ngx_http_request_t *r)
{
    ngx_int_t  rc;

    if (!(r->method & NGX_HTTP_POST)) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    r->request_body_in_single_buf = 1;

    rc = ngx_http_read_client_request_body(r, ngx_http_sso_acs_body);
    if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
        return rc;
    }

    return NGX_DONE;
}


/* The form, in memory; a body nginx buffered to a temp file is read back (it is small). */
static ngx_int_t
ngx_http_sso_form(ngx_http_request_t *r, ngx_str_t *form)
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

    if (len > NGX_HTTP_SSO_MAX_FORM) {
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
ngx_http_sso_acs_body(ngx_http_request_t *r)
{
    u_char               random[32];
    ngx_int_t            rc;
    ngx_str_t            form;
    ngx_http_sso_ctx_t  *ctx;
    sso_acs_request      acs;

    ctx = ngx_http_sso_create_ctx(r);
    if (ctx == NULL) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    rc = ngx_http_sso_form(r, &form);
    if (rc != NGX_OK) {
        ngx_http_finalize_request(r, rc);
        return;
    }

    if (RAND_bytes(random, sizeof(random)) != 1) {
        ngx_http_finalize_request(r, ngx_http_sso_send_failure(r, ctx, SSO_ERR_INTERNAL));
        return;
    }

    ngx_memzero(&acs, sizeof(sso_acs_request));
    acs.form_body.data = (const char *) form.data;
    acs.form_body.len = form.len;
    acs.now_ms = ngx_http_sso_now_ms();
    acs.random = random;
    acs.random_len = sizeof(random);

    ngx_http_sso_txn_request_id(r, ctx);

    rc = sso_acs_begin(ctx->txn, &acs, &ctx->step);
    ngx_explicit_memzero(random, sizeof(random));

    if (rc != SSO_OK) {
        ngx_http_finalize_request(r, ngx_http_sso_send_failure(r, ctx, SSO_ERR_INTERNAL));
        return;
    }

    /*
     * NGX_DONE: the flow took a count of its own while Redis answers; finalizing with
     * NGX_DONE gives back the one reading the body took.
     */
    ngx_http_finalize_request(r, ngx_http_sso_flow(r, ctx));
}


/* Every Cookie header, joined with "; " as one header would carry them. */
static ngx_str_t
ngx_http_sso_cookies(ngx_http_request_t *r)
{
    u_char           *p;
    size_t            len;
    ngx_str_t         out = ngx_null_string;
    ngx_uint_t        i, pass;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    len = 0;
    p = NULL;

    for (pass = 0; pass < 2; pass++) {
        for (part = &r->headers_in.headers.part; part; part = part->next) {
            h = part->elts;

            for (i = 0; i < part->nelts; i++) {
                if (h[i].key.len != sizeof("Cookie") - 1
                    || ngx_strncasecmp(h[i].key.data, (u_char *) "Cookie",
                                       sizeof("Cookie") - 1) != 0)
                {
                    continue;
                }

                if (pass == 0) {
                    len += h[i].value.len + 2;
                    continue;
                }

                if (p != out.data) {
                    *p++ = ';';
                    *p++ = ' ';
                }

                p = ngx_cpymem(p, h[i].value.data, h[i].value.len);
            }
        }

        if (pass == 0) {
            if (len == 0) {
                return out;
            }

            out.data = ngx_pnalloc(r->pool, len);
            if (out.data == NULL) {
                return out;
            }

            p = out.data;
        }
    }

    out.len = p - out.data;

    return out;
}


/*
 * The callback's query carries the authorization code: nginx would write it into every
 * error log line about this request and into the access log ($request). The request line
 * keeps its path and loses its query.
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


static ngx_int_t
ngx_http_sso_oidc_callback(ngx_http_request_t *r)
{
    u_char                      random[32];
    ngx_int_t                   rc;
    ngx_str_t                   cookies;
    ngx_http_sso_ctx_t         *ctx;
    sso_oidc_callback_request   callback;

    ngx_http_sso_redact_request_line(r);

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    ctx = ngx_http_sso_create_ctx(r);
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (RAND_bytes(random, sizeof(random)) != 1) {
        return ngx_http_sso_send_failure(r, ctx, SSO_ERR_INTERNAL);
    }

    cookies = ngx_http_sso_cookies(r);

    ngx_memzero(&callback, sizeof(sso_oidc_callback_request));
    callback.query = ngx_http_sso_args(r);
    callback.cookie_header.data = cookies.data ? (const char *) cookies.data : "";
    callback.cookie_header.len = cookies.len;
    callback.now_ms = ngx_http_sso_now_ms();
    callback.random = random;
    callback.random_len = sizeof(random);

    ngx_http_sso_txn_request_id(r, ctx);

    rc = sso_oidc_callback_begin(ctx->txn, &callback, &ctx->step);
    ngx_explicit_memzero(random, sizeof(random));

    if (rc != SSO_OK) {
        return ngx_http_sso_send_failure(r, ctx, SSO_ERR_INTERNAL);
    }

    return ngx_http_sso_flow(r, ctx);
}


/*
 * Drives a flow from ctx->step. NGX_DONE while Redis is asked (the request was counted
 * once more, and ngx_http_sso_flow_done finishes it); otherwise an rc to finalize with.
 */
static ngx_int_t
ngx_http_sso_flow(ngx_http_request_t *r, ngx_http_sso_ctx_t *ctx)
{
    ngx_str_t                  request_id;
    sso_step                  *step = &ctx->step;
    ngx_pool_cleanup_t        *cln;
    ngx_http_sso_main_conf_t  *smcf;

    smcf = ngx_http_get_module_main_conf(r, ngx_http_sso_module);

    if (step->audit.len) {
        ngx_http_sso_write_audit(r, step->audit);
    }

    /* e.g. a key of the provider's JWKS that failed a check */
    if (step->warning.len) {
        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0, "sso: %*s",
                      step->warning.len, step->warning.data);
    }

    /* e.g. releasing a provisioning lock after a failed hook call */
    if (step->cleanup.argc) {
        (void) ngx_http_sso_redis_send(smcf->store, &step->cleanup, NULL, NULL);
    }

    switch (step->kind) {

    case SSO_STEP_WAIT:
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

        ngx_add_timer(&ctx->wait, step->delay_ms > 0 ? (ngx_msec_t) step->delay_ms : 1);

        r->main->count++;
        return NGX_DONE;

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

    case SSO_STEP_ERROR:
        return ngx_http_sso_send_failure(r, ctx, step->reason);

    case SSO_STEP_REDIRECT:
        /* 303 with a cookie: a login completed (a 302 with one only starts a login) */
        if (step->set_cookie.len && step->http_status == 303) {
            request_id = ngx_http_sso_request_id(r, smcf);

            ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                          "sso: login succeeded, new session, request_id: %V",
                          &request_id);
        }

        return ngx_http_sso_send_step(r, step);

    default:
        return ngx_http_sso_send_step(r, step);
    }
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
    sso_str  answer;

    answer.data = body->data ? (const char *) body->data : "";
    answer.len = body->len;

    ngx_http_sso_flow_continue(r, ctx,
                               sso_flow_resume_http(ctx->txn, (int) status, answer,
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


static ngx_int_t
ngx_http_sso_logout(ngx_http_request_t *r)
{
    ngx_str_t                  cookie;
    sso_str                    value;
    ngx_http_sso_ctx_t        *ctx;
    ngx_http_sso_main_conf_t  *smcf;

    /* a cross-site GET must not log people out: POST only (SameSite=Lax keeps the cookie
     * off cross-site POSTs) */
    if (!(r->method & NGX_HTTP_POST)) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    ctx = ngx_http_sso_create_ctx(r);
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    smcf = ngx_http_get_module_main_conf(r, ngx_http_sso_module);
    cookie = ngx_http_sso_session_cookie(r, smcf);
    value.data = (const char *) cookie.data;
    value.len = cookie.len;

    if (sso_logout(ctx->txn, value, &ctx->step) != SSO_OK) {
        return ngx_http_sso_send_failure(r, ctx, SSO_ERR_INTERNAL);
    }

    if (ctx->step.commands_count == 0) {
        return ngx_http_sso_send_step(r, &ctx->step);
    }

    /*
     * DEL, then PUBLISH (tells every worker's session cache; this worker's was updated by
     * the core), pipelined in this order on one connection: Redis runs them in order, so
     * a worker that hears the announcement can no longer read the record.
     */
    if (ngx_http_sso_run_commands(r, ctx, ngx_http_sso_logout_done) != NGX_OK) {
        return ngx_http_sso_send_failure(r, ctx, SSO_STORE_UNAVAILABLE);
    }

    /* keep the request alive until the reply: finalized in the callback */
    r->main->count++;

    return NGX_DONE;
}


static void
ngx_http_sso_logout_done(ngx_http_request_t *r, ngx_http_sso_ctx_t *ctx)
{
    ngx_int_t         rc;
    sso_store_reply  *reply = &ctx->replies[0];    /* the DEL's */

    if (reply->type == SSO_REPLY_FAILED || reply->type == SSO_REPLY_ERROR) {
        rc = ngx_http_sso_send_failure(r, ctx,
                                       reply->type == SSO_REPLY_ERROR
                                       ? SSO_STORE_ERROR_REPLY : reply->failure);

    } else {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0, "sso: logout");

        reply = &ctx->replies[1];    /* the PUBLISH's: the session is gone already */

        if (reply->type == SSO_REPLY_FAILED || reply->type == SSO_REPLY_ERROR) {
            ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                          "sso: logout not announced to the other workers: %s; their "
                          "session caches drop it when their entries expire",
                          sso_status_name(reply->type == SSO_REPLY_ERROR
                                          ? SSO_STORE_ERROR_REPLY : reply->failure));
        }

        rc = ngx_http_sso_send_step(r, &ctx->step);
    }

    /* also releases the count taken while waiting */
    ngx_http_finalize_request(r, rc);
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
