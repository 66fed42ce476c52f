
/*
 * $sso_* variables: the identity of a valid session, for proxy_set_header and logs.
 * Empty (not found) until the gate has allowed the request.
 */

#include "ngx_http_sso_module.h"


static ngx_int_t ngx_http_sso_field_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_sso_attr_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_sso_token_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);


static ngx_http_variable_t  ngx_http_sso_vars[] = {

    { ngx_string("sso_user"), NULL, ngx_http_sso_field_variable,
      SSO_FIELD_USER, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("sso_email"), NULL, ngx_http_sso_field_variable,
      SSO_FIELD_EMAIL, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("sso_name"), NULL, ngx_http_sso_field_variable,
      SSO_FIELD_NAME, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("sso_groups"), NULL, ngx_http_sso_field_variable,
      SSO_FIELD_GROUPS, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("sso_roles"), NULL, ngx_http_sso_field_variable,
      SSO_FIELD_ROLES, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("sso_provider"), NULL, ngx_http_sso_field_variable,
      SSO_FIELD_PROVIDER, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("sso_subject"), NULL, ngx_http_sso_field_variable,
      SSO_FIELD_SUBJECT, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("sso_identity_token"), NULL, ngx_http_sso_token_variable,
      0, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("sso_attr_"), NULL, ngx_http_sso_attr_variable,
      0, NGX_HTTP_VAR_NOCACHEABLE|NGX_HTTP_VAR_PREFIX, 0 },

      ngx_http_null_variable
};


static ngx_int_t
ngx_http_sso_set_value(ngx_http_request_t *r, ngx_http_variable_value_t *v,
    sso_str value)
{
    u_char  *p;

    /* views from the core are only valid until its next call: keep a copy */
    p = ngx_pnalloc(r->pool, value.len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(p, value.data, value.len);

    v->data = p;
    v->len = value.len;
    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;

    return NGX_OK;
}


static ngx_http_sso_ctx_t *
ngx_http_sso_allowed_ctx(ngx_http_request_t *r)
{
    ngx_http_sso_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r->main, ngx_http_sso_module);

    if (ctx == NULL || !ctx->allowed || ctx->txn == NULL) {
        return NULL;
    }

    return ctx;
}


static ngx_int_t
ngx_http_sso_field_variable(ngx_http_request_t *r, ngx_http_variable_value_t *v,
    uintptr_t data)
{
    ngx_http_sso_ctx_t  *ctx;

    ctx = ngx_http_sso_allowed_ctx(r);
    if (ctx == NULL) {
        v->not_found = 1;
        return NGX_OK;
    }

    return ngx_http_sso_set_value(r, v,
                                  sso_txn_identity_field(ctx->txn, (sso_field) data));
}


static ngx_int_t
ngx_http_sso_attr_variable(ngx_http_request_t *r, ngx_http_variable_value_t *v,
    uintptr_t data)
{
    ngx_str_t  *name = (ngx_str_t *) data;

    int                  found;
    sso_str              attr, value;
    ngx_http_sso_ctx_t  *ctx;

    ctx = ngx_http_sso_allowed_ctx(r);
    if (ctx == NULL) {
        v->not_found = 1;
        return NGX_OK;
    }

    attr.data = (const char *) name->data + sizeof("sso_attr_") - 1;
    attr.len = name->len - (sizeof("sso_attr_") - 1);

    value = sso_txn_identity_attribute(ctx->txn, attr, &found);
    if (!found) {
        v->not_found = 1;
        return NGX_OK;
    }

    return ngx_http_sso_set_value(r, v, value);
}


/* signed by the core, or reused while it has life left: rarely a signature per request */
static ngx_int_t
ngx_http_sso_token_variable(ngx_http_request_t *r, ngx_http_variable_value_t *v,
    uintptr_t data)
{
    sso_str                   token;
    ngx_http_sso_ctx_t       *ctx;
    ngx_http_sso_loc_conf_t  *slcf;

    ctx = ngx_http_sso_allowed_ctx(r);
    if (ctx == NULL) {
        v->not_found = 1;
        return NGX_OK;
    }

    slcf = ngx_http_get_module_loc_conf(r, ngx_http_sso_module);

    token = sso_txn_identity_token(ctx->txn, ngx_http_sso_view(&slcf->identity_audience),
                                   ngx_http_sso_now_ms());
    if (token.len == 0) {
        v->not_found = 1;
        return NGX_OK;
    }

    return ngx_http_sso_set_value(r, v, token);
}


ngx_int_t
ngx_http_sso_add_variables(ngx_conf_t *cf)
{
    ngx_http_variable_t  *var, *v;

    for (v = ngx_http_sso_vars; v->name.len; v++) {
        var = ngx_http_add_variable(cf, &v->name, v->flags);
        if (var == NULL) {
            return NGX_ERROR;
        }

        var->get_handler = v->get_handler;
        var->data = v->data;
    }

    return NGX_OK;
}
