
/*
 * nginx-jit-sso: the sso_redis and sso_session directives.
 *
 *   sso_redis    ADDRESS [db=N] [prefix=P] [user=NAME] [password_file=F]
 *                [timeout=T] [connect_timeout=T] [tls=on|off]
 *                [tls_trusted_certificate=F] [tls_name=NAME]
 *                [tls_verify=on|off];
 *   sso_session  [ttl=T] [idle=T] [cookie=NAME] [secure=on|off] [cache=T] [cache_size=N];
 *
 * Their defaults are set in ngx_http_sso_init_main_conf(); the core checks the session's
 * values and the key prefix again when the engine is created.
 */

#include "ngx_http_sso_module.h"
#include "ngx_http_sso_tls.h"


static char *ngx_http_sso_redis_param(ngx_conf_t *cf,
    ngx_http_sso_main_conf_t *smcf, ngx_str_t *value);
static char *ngx_http_sso_redis_flag(ngx_conf_t *cf, ngx_str_t *value,
    size_t skip, ngx_flag_t *flag);
static char *ngx_http_sso_redis_check(ngx_conf_t *cf,
    ngx_http_sso_redis_conf_t *conf, ngx_str_t *host);
static char *ngx_http_sso_redis_tls(ngx_conf_t *cf,
    ngx_http_sso_redis_conf_t *conf, ngx_str_t *host);


char *
ngx_http_sso_redis(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_sso_main_conf_t *smcf = conf;

    char        *rv;
    ngx_str_t   *value;
    ngx_url_t    u;
    ngx_uint_t   i;
    ngx_addr_t   addr;

    if (smcf->redis_configured) {
        return "is duplicate";
    }

    value = cf->args->elts;

    ngx_memzero(&u, sizeof(ngx_url_t));
    u.url = value[1];
    u.default_port = 6379;
    u.no_resolve = 1;

    if (ngx_parse_url(cf->pool, &u) != NGX_OK) {
        if (u.err) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "%s in sso_redis \"%V\"", u.err,
                               &u.url);
        }

        return NGX_CONF_ERROR;
    }

    /* a host name is resolved again by each new connection, with a resolver */
    smcf->redis.host_is_name = u.family != AF_UNIX && u.host.len
                               && u.host.data[0] != '['
                               && ngx_parse_addr(cf->pool, &addr, u.host.data,
                                                 u.host.len)
                                  != NGX_OK;

    if (smcf->redis.host_is_name
        && ngx_inet_resolve_host(cf->pool, &u) != NGX_OK)
    {
        if (u.err == NULL) {
            return NGX_CONF_ERROR;
        }

        /* an error only without a resolver: init_resolver() */
        u.naddrs = 0;
    }

    smcf->redis.addrs = u.addrs;
    smcf->redis.naddrs = u.naddrs;
    smcf->redis.name = u.url;
    smcf->redis.host = u.host;
    smcf->redis.port = u.port;
    smcf->redis_configured = 1;

    for (i = 2; i < cf->args->nelts; i++) {
        rv = ngx_http_sso_redis_param(cf, smcf, &value[i]);
        if (rv != NGX_CONF_OK) {
            return rv;
        }
    }

    return ngx_http_sso_redis_check(cf, &smcf->redis, &u.host);
}


/* One parameter of sso_redis after the address. */
static char *
ngx_http_sso_redis_param(ngx_conf_t *cf, ngx_http_sso_main_conf_t *smcf,
    ngx_str_t *value)
{
    ngx_str_t   s, path;
    ngx_int_t   db;
    ngx_uint_t  i;
    ngx_msec_t  ms;

    struct {
        ngx_str_t   name;
        ngx_str_t  *value;
    } strings[] = {
        { ngx_string("user="), &smcf->redis.user },
        { ngx_string("tls_trusted_certificate="),
          &smcf->redis.tls_trusted_certificate },
        { ngx_string("tls_name="), &smcf->redis.tls_name },
    };

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

    if (ngx_strncmp(value->data, "tls=", 4) == 0) {
        return ngx_http_sso_redis_flag(cf, value, 4, &smcf->redis.tls);
    }

    if (ngx_strncmp(value->data, "tls_verify=", 11) == 0) {
        return ngx_http_sso_redis_flag(cf, value, 11, &smcf->redis.tls_verify);
    }

    /* NAME=VALUE, VALUE not empty; an argument is null-terminated, as OpenSSL
     * wants tls_name */
    for (i = 0; i < sizeof(strings) / sizeof(strings[0]); i++) {
        if (value->len > strings[i].name.len
            && ngx_strncmp(value->data, strings[i].name.data,
                           strings[i].name.len) == 0)
        {
            strings[i].value->data = value->data + strings[i].name.len;
            strings[i].value->len = value->len - strings[i].name.len;
            return NGX_CONF_OK;
        }
    }

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "invalid sso_redis parameter \"%V\"",
                       value);
    return NGX_CONF_ERROR;
}


/* "on" or "off" after `skip` bytes of NAME= */
static char *
ngx_http_sso_redis_flag(ngx_conf_t *cf, ngx_str_t *value, size_t skip,
    ngx_flag_t *flag)
{
    ngx_str_t  s;

    s.data = value->data + skip;
    s.len = value->len - skip;

    if (s.len == 2 && ngx_strncmp(s.data, "on", 2) == 0) {
        *flag = 1;
        return NGX_CONF_OK;
    }

    if (s.len == 3 && ngx_strncmp(s.data, "off", 3) == 0) {
        *flag = 0;
        return NGX_CONF_OK;
    }

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "invalid sso_redis parameter \"%V\": on or off", value);
    return NGX_CONF_ERROR;
}


/* The parameters together, once all are read. */
static char *
ngx_http_sso_redis_check(ngx_conf_t *cf, ngx_http_sso_redis_conf_t *conf,
    ngx_str_t *host)
{
    if (conf->user.len && conf->password.len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "sso_redis user= needs password_file= "
                           "(AUTH with an ACL user takes a password)");
        return NGX_CONF_ERROR;
    }

    if (conf->tls == 1) {
        return ngx_http_sso_redis_tls(cf, conf, host);
    }

    if (conf->tls_verify != NGX_CONF_UNSET
        || conf->tls_trusted_certificate.len || conf->tls_name.len)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "sso_redis tls_verify=, tls_trusted_certificate= "
                           "and tls_name= need tls=on");
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/* tls=on: the client context, and the name the certificate must hold. */
static char *
ngx_http_sso_redis_tls(ngx_conf_t *cf, ngx_http_sso_redis_conf_t *conf,
    ngx_str_t *host)
{
    u_char      *name;
    ngx_str_t   *trusted;
    ngx_addr_t   addr;

    if (!conf->host_is_name && conf->addrs[0].sockaddr->sa_family == AF_UNIX) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "sso_redis tls=on cannot be used with "
                           "a unix: socket");
        return NGX_CONF_ERROR;
    }

    if (conf->tls_verify == NGX_CONF_UNSET) {
        conf->tls_verify = 1;
    }

    if (!conf->tls_verify) {
        ngx_conf_log_error(NGX_LOG_WARN, cf, 0,
                           "sso_redis tls_verify=off is unsafe: the Redis "
                           "server's certificate and name are not checked, so "
                           "anyone on the path can read and change sessions");
    }

    if (conf->tls_name.len == 0) {
        /* the host of ADDRESS, an IPv6 literal without its brackets */
        conf->tls_name = *host;

        if (host->len > 2 && host->data[0] == '[') {
            conf->tls_name.data++;
            conf->tls_name.len -= 2;
        }

        name = ngx_pnalloc(cf->pool, conf->tls_name.len + 1);
        if (name == NULL) {
            return NGX_CONF_ERROR;
        }

        (void) ngx_cpystrn(name, conf->tls_name.data, conf->tls_name.len + 1);
        conf->tls_name.data = name;
    }

    conf->tls_name_is_ip = (ngx_parse_addr(cf->pool, &addr, conf->tls_name.data,
                                           conf->tls_name.len)
                            == NGX_OK);

    if (conf->tls_trusted_certificate.len == 0) {
        ngx_str_set(&conf->tls_trusted_certificate,
                    "/etc/ssl/certs/ca-certificates.crt");
    }

    trusted = conf->tls_verify ? &conf->tls_trusted_certificate : NULL;

    conf->ssl = ngx_http_sso_tls_client(cf, trusted);
    if (conf->ssl == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "sso_redis: cannot use "
                           "tls_trusted_certificate=\"%V\"",
                           &conf->tls_trusted_certificate);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/*
 * After the http block: sso_redis with a host name uses the http block's
 * resolver. Without one, the name stays resolved once, and nginx -t says so.
 */
ngx_int_t
ngx_http_sso_redis_init_resolver(ngx_conf_t *cf, ngx_http_sso_main_conf_t *smcf)
{
    ngx_http_core_loc_conf_t  *clcf;

    if (!smcf->redis_configured || !smcf->redis.host_is_name) {
        return NGX_OK;
    }

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);

    if (clcf->resolver && clcf->resolver->connections.nelts) {
        smcf->redis.resolver = clcf->resolver;
        return NGX_OK;
    }

    if (smcf->redis.naddrs == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "host not found in sso_redis \"%V\" (with a "
                           "\"resolver\" in the http block, it would be "
                           "looked up again by each connection)",
                           &smcf->redis.name);
        return NGX_ERROR;
    }

    ngx_conf_log_error(NGX_LOG_WARN, cf, 0,
                       "sso_redis \"%V\" is resolved once, at start; to follow "
                       "a failover without a reload, add a \"resolver\" to the "
                       "http block", &smcf->redis.name);

    return NGX_OK;
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
