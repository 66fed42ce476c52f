
/*
 * The identity token: sso_identity_token (http) reads the keys and settings, which the core
 * checks when the engine is made, so `nginx -t` names a bad key; sso_identity_audience
 * (http, server, location) names the token's audience where it is passed upstream:
 *
 *   sso_identity_token key=/etc/nginx/sso/token.key issuer=https://app.example.com ttl=60s;
 *   location / {
 *       sso on;
 *       sso_identity_audience https://app.internal;
 *       proxy_set_header X-SSO-Identity $sso_identity_token;
 *   }
 */

#include "ngx_http_sso_module.h"


char *
ngx_http_sso_identity_token(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_sso_main_conf_t *smcf = conf;

    ngx_str_t   *value, *key, path, s;
    ngx_uint_t   i;
    ngx_msec_t   ms;

    if (smcf->identity_token_keys != NULL) {
        return "is duplicate";
    }

    smcf->identity_token_keys = ngx_array_create(cf->pool, 2, sizeof(ngx_str_t));
    if (smcf->identity_token_keys == NULL) {
        return NGX_CONF_ERROR;
    }

    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "key=", 4) == 0) {
            path.data = value[i].data + 4;
            path.len = value[i].len - 4;

            key = ngx_array_push(smcf->identity_token_keys);
            if (key == NULL) {
                return NGX_CONF_ERROR;
            }

            if (ngx_http_sso_read_conf_file(cf, "key", &path, key)
                != NGX_CONF_OK)
            {
                return NGX_CONF_ERROR;
            }

            continue;
        }

        if (ngx_strncmp(value[i].data, "issuer=", 7) == 0) {
            smcf->identity_token_issuer.data = value[i].data + 7;
            smcf->identity_token_issuer.len = value[i].len - 7;
            continue;
        }

        if (ngx_strncmp(value[i].data, "ttl=", 4) == 0) {
            s.data = value[i].data + 4;
            s.len = value[i].len - 4;

            ms = ngx_parse_time(&s, 0);
            if (ms == (ngx_msec_t) NGX_ERROR) {
                goto invalid;
            }

            smcf->identity_token_ttl = ms;
            continue;
        }

        goto invalid;
    }

    return NGX_CONF_OK;

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "invalid sso_identity_token parameter \"%V\"", &value[i]);
    return NGX_CONF_ERROR;
}


ngx_int_t
ngx_http_sso_init_identity_token(ngx_conf_t *cf, ngx_http_sso_main_conf_t *smcf)
{
    ngx_str_t                 *keys;
    sso_str                   *pem;
    ngx_uint_t                 i;
    sso_status                 rc;
    sso_identity_token_config  c;

    keys = smcf->identity_token_keys->elts;

    pem = ngx_palloc(cf->temp_pool,
                     (smcf->identity_token_keys->nelts + 1) * sizeof(sso_str));
    if (pem == NULL) {
        return NGX_ERROR;
    }

    for (i = 0; i < smcf->identity_token_keys->nelts; i++) {
        pem[i] = ngx_http_sso_view(&keys[i]);
    }

    ngx_memzero(&c, sizeof(sso_identity_token_config));
    c.keys_pem = pem;
    c.keys_count = smcf->identity_token_keys->nelts;
    c.issuer = ngx_http_sso_view(&smcf->identity_token_issuer);
    c.ttl_ms = smcf->identity_token_ttl;

    rc = sso_engine_set_identity_token(smcf->engine, &c);
    if (rc != SSO_OK) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "%s (%s)", sso_status_message(rc),
                           sso_status_name(rc));
        return NGX_ERROR;
    }

    return NGX_OK;
}
