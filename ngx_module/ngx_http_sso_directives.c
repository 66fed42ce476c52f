
/*
 * nginx-jit-sso: the sso_redis and sso_session directives.
 *
 *   sso_redis    ADDRESS [db=N] [prefix=P] [password_file=F] [timeout=T]
 *                [connect_timeout=T];
 *   sso_session  [ttl=T] [idle=T] [cookie=NAME] [secure=on|off] [cache=T] [cache_size=N];
 *
 * Their defaults are set in ngx_http_sso_init_main_conf(); the core checks the session's
 * values and the key prefix again when the engine is created.
 */

#include "ngx_http_sso_module.h"


static char *ngx_http_sso_redis_param(ngx_conf_t *cf,
    ngx_http_sso_main_conf_t *smcf, ngx_str_t *value);


char *
ngx_http_sso_redis(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_sso_main_conf_t *smcf = conf;

    char       *rv;
    ngx_str_t  *value;
    ngx_url_t   u;
    ngx_uint_t  i;

    if (smcf->redis_configured) {
        return "is duplicate";
    }

    value = cf->args->elts;

    ngx_memzero(&u, sizeof(ngx_url_t));
    u.url = value[1];
    u.default_port = 6379;

    if (ngx_parse_url(cf->pool, &u) != NGX_OK) {
        if (u.err) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "%s in sso_redis \"%V\"", u.err,
                               &u.url);
        }

        return NGX_CONF_ERROR;
    }

    smcf->redis.addr = &u.addrs[0];
    smcf->redis_configured = 1;

    for (i = 2; i < cf->args->nelts; i++) {
        rv = ngx_http_sso_redis_param(cf, smcf, &value[i]);
        if (rv != NGX_CONF_OK) {
            return rv;
        }
    }

    return NGX_CONF_OK;
}


/* One parameter of sso_redis after the address. */
static char *
ngx_http_sso_redis_param(ngx_conf_t *cf, ngx_http_sso_main_conf_t *smcf,
    ngx_str_t *value)
{
    ngx_str_t   s, path;
    ngx_int_t   db;
    ngx_msec_t  ms;

    if (ngx_strncmp(value->data, "db=", 3) == 0) {
        db = ngx_atoi(value->data + 3, value->len - 3);
        if (db == NGX_ERROR || db > 1024) {
            goto invalid;
        }

        smcf->redis.db = db;
        return NGX_CONF_OK;
    }

    if (ngx_strncmp(value->data, "prefix=", 7) == 0) {
        smcf->redis_prefix.data = value->data + 7;
        smcf->redis_prefix.len = value->len - 7;
        return NGX_CONF_OK;
    }

    if (ngx_strncmp(value->data, "connect_timeout=", 16) == 0
        || ngx_strncmp(value->data, "timeout=", 8) == 0)
    {
        s.data = (u_char *) ngx_strchr(value->data, '=') + 1;
        s.len = value->data + value->len - s.data;

        ms = ngx_parse_time(&s, 0);
        if (ms == (ngx_msec_t) NGX_ERROR || ms == 0) {
            goto invalid;
        }

        if (value->data[0] == 'c') {
            smcf->redis.connect_timeout = ms;

        } else {
            smcf->redis.timeout = ms;
        }

        return NGX_CONF_OK;
    }

    if (ngx_strncmp(value->data, "password_file=", 14) == 0) {
        path.data = value->data + 14;
        path.len = value->len - 14;

        return ngx_http_sso_read_secret_file(cf, "password_file", &path,
                                             &smcf->redis.password);
    }

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "invalid sso_redis parameter \"%V\"",
                       value);
    return NGX_CONF_ERROR;
}


char *
ngx_http_sso_session(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_sso_main_conf_t *smcf = conf;

    ngx_int_t    n;
    ngx_str_t   *value, s;
    ngx_uint_t   i;
    ngx_msec_t   ms;

    if (smcf->session_configured) {
        return "is duplicate";
    }

    smcf->session_configured = 1;
    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "ttl=", 4) == 0
            || ngx_strncmp(value[i].data, "idle=", 5) == 0
            || ngx_strncmp(value[i].data, "cache=", 6) == 0)
        {
            s.data = (u_char *) ngx_strchr(value[i].data, '=') + 1;
            s.len = value[i].data + value[i].len - s.data;

            ms = ngx_parse_time(&s, 0);
            if (ms == (ngx_msec_t) NGX_ERROR) {
                goto invalid;
            }

            if (value[i].data[0] == 't') {
                smcf->ttl = ms;

            } else if (value[i].data[0] == 'i') {
                smcf->idle = ms;

            } else {
                smcf->cache = ms;
            }

            continue;
        }

        if (ngx_strncmp(value[i].data, "cache_size=", 11) == 0) {
            n = ngx_atoi(value[i].data + 11, value[i].len - 11);
            if (n <= 0) {
                goto invalid;
            }

            smcf->cache_size = (size_t) n;
            continue;
        }

        if (ngx_strncmp(value[i].data, "cookie=", 7) == 0) {
            smcf->cookie_name.data = value[i].data + 7;
            smcf->cookie_name.len = value[i].len - 7;
            continue;
        }

        if (ngx_strcmp(value[i].data, "secure=on") == 0) {
            smcf->cookie_secure = 1;
            continue;
        }

        if (ngx_strcmp(value[i].data, "secure=off") == 0) {
            smcf->cookie_secure = 0;
            ngx_conf_log_error(NGX_LOG_WARN, cf, 0,
                               "sso_session secure=off: the session cookie is sent "
                               "over plain HTTP; use this for development only");
            continue;
        }

        goto invalid;
    }

    return NGX_CONF_OK;

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "invalid sso_session parameter \"%V\"",
                       &value[i]);
    return NGX_CONF_ERROR;
}
