
/*
 * sso_endpoints: the module's own URLs under a location, chosen by the last path segment.
 *   .../logout   ends the current session (record deleted, cookie cleared), 303 to /
 *   .../login    sign-in; no identity provider can be configured yet, so it says so
 */

#include "ngx_http_sso_module.h"


static ngx_int_t ngx_http_sso_endpoints_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_sso_logout(ngx_http_request_t *r);
static void ngx_http_sso_logout_reply(void *data, redisReply *reply,
    sso_status failure);
static ngx_int_t ngx_http_sso_login(ngx_http_request_t *r);


static ngx_uint_t
ngx_http_sso_uri_ends_with(ngx_http_request_t *r, const char *segment, size_t len)
{
    return r->uri.len >= len
           && ngx_strncmp(r->uri.data + r->uri.len - len, segment, len) == 0;
}


static ngx_int_t
ngx_http_sso_endpoints_handler(ngx_http_request_t *r)
{
    if (ngx_http_sso_uri_ends_with(r, "/logout", sizeof("/logout") - 1)) {
        return ngx_http_sso_logout(r);
    }

    if (ngx_http_sso_uri_ends_with(r, "/login", sizeof("/login") - 1)) {
        return ngx_http_sso_login(r);
    }

    return NGX_HTTP_NOT_FOUND;
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

    /* tells every worker's session cache; this worker's was updated by the core */
    (void) ngx_http_sso_redis_send(smcf->store, &ctx->step.cleanup, NULL, NULL);

    ctx->pending = ngx_http_sso_redis_send(smcf->store, &ctx->step.commands[0],
                                           ngx_http_sso_logout_reply, ctx);
    if (ctx->pending == NULL) {
        return ngx_http_sso_send_failure(r, ctx, SSO_STORE_UNAVAILABLE);
    }

    /* keep the request alive until the reply: finalized in the callback */
    r->main->count++;

    return NGX_DONE;
}


static void
ngx_http_sso_logout_reply(void *data, redisReply *reply, sso_status failure)
{
    ngx_http_sso_ctx_t  *ctx = data;

    ngx_int_t            rc;
    ngx_connection_t    *c;
    ngx_http_request_t  *r;

    r = ctx->request;
    c = r->connection;
    ctx->pending = NULL;

    if (reply == NULL || reply->type == REDIS_REPLY_ERROR) {
        rc = ngx_http_sso_send_failure(r, ctx,
                                       reply ? SSO_STORE_ERROR_REPLY : failure);

    } else {
        ngx_log_error(NGX_LOG_INFO, c->log, 0, "sso: logout");
        rc = ngx_http_sso_send_step(r, &ctx->step);
    }

    /* also releases the count taken while waiting */
    ngx_http_finalize_request(r, rc);
    ngx_http_run_posted_requests(c);
}


static ngx_int_t
ngx_http_sso_login(ngx_http_request_t *r)
{
    ngx_http_sso_ctx_t  *ctx;

    ctx = ngx_http_sso_create_ctx(r);
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /* SAML and OIDC providers arrive with their own directives; until one is configured
     * there is nothing to sign in with, and the page says so (no internals). */
    return ngx_http_sso_send_failure(r, ctx, SSO_LOGIN_NO_PROVIDER);
}


char *
ngx_http_sso_endpoints(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_core_loc_conf_t  *clcf;
    ngx_http_sso_main_conf_t  *smcf;

    smcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_sso_module);

    if (!smcf->redis_configured) {
        return "needs \"sso_redis\" before it in the http block";
    }

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_sso_endpoints_handler;

    return NGX_CONF_OK;
}
