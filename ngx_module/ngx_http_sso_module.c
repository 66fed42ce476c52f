
/*
 * nginx-jit-sso: the module's definition, its configuration and the worker lifecycle.
 *
 * The module is thin: it gathers request facts, asks the core (sso/sso.h) what to do,
 * performs the Redis I/O the core asks for on the event loop, and sends what the core
 * decided. It never waits: a request that needs Redis is parked (NGX_AGAIN) and the phases
 * are re-run from the reply callback.
 */

#include "ngx_http_sso_module.h"


static ngx_int_t ngx_http_sso_init(ngx_conf_t *cf);
static ngx_int_t ngx_http_sso_create_engine(ngx_conf_t *cf,
    ngx_http_sso_main_conf_t *smcf);
static ngx_int_t ngx_http_sso_init_provisioning(ngx_conf_t *cf,
    ngx_http_sso_main_conf_t *smcf);
static void ngx_http_sso_engine_cleanup(void *data);
static void *ngx_http_sso_create_main_conf(ngx_conf_t *cf);
static char *ngx_http_sso_init_main_conf(ngx_conf_t *cf, void *conf);
static void *ngx_http_sso_create_srv_conf(ngx_conf_t *cf);
static char *ngx_http_sso_merge_srv_conf(ngx_conf_t *cf, void *parent, void *child);
static char *ngx_http_sso_enable_post(ngx_conf_t *cf, void *post, void *data);
static void *ngx_http_sso_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_sso_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child);
static ngx_int_t ngx_http_sso_init_process(ngx_cycle_t *cycle);
static void ngx_http_sso_exit_process(ngx_cycle_t *cycle);


static ngx_conf_post_t  ngx_http_sso_enable_post_handler =
    { ngx_http_sso_enable_post };


static ngx_command_t  ngx_http_sso_commands[] = {

    { ngx_string("sso_redis"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_1MORE,
      ngx_http_sso_redis,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("sso_session"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_1MORE,
      ngx_http_sso_session,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("sso_provider"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_BLOCK|NGX_CONF_TAKE1,
      ngx_http_sso_provider_block,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("sso_login_url"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_sso_main_conf_t, login_url),
      NULL },

    { ngx_string("sso_logout_redirect"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_sso_main_conf_t, logout_redirect),
      NULL },

    { ngx_string("sso_backchannel_trusted_certificate"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_sso_main_conf_t, backchannel_trusted_certificate),
      NULL },

    { ngx_string("sso_backchannel_timeout"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_sso_main_conf_t, backchannel_timeout),
      NULL },

    { ngx_string("sso_provision_hook"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_1MORE,
      ngx_http_sso_provision_hook,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("sso_audit_log"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_1MORE,
      ngx_http_sso_audit_log,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("sso_pages"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_sso_pages,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("sso"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_sso_loc_conf_t, enable),
      &ngx_http_sso_enable_post_handler },

    { ngx_string("sso_strip_header"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_sso_strip_header,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("sso_identity_token"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_1MORE,
      ngx_http_sso_identity_token,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("sso_identity_audience"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_sso_loc_conf_t, identity_audience),
      NULL },

    { ngx_string("sso_require"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_sso_require,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("sso_metrics"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_sso_metrics_directive,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("sso_endpoints"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_sso_endpoints,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_sso_module_ctx = {
    NULL,                                  /* preconfiguration */
    ngx_http_sso_init,                     /* postconfiguration */

    ngx_http_sso_create_main_conf,         /* create main configuration */
    ngx_http_sso_init_main_conf,           /* init main configuration */

    ngx_http_sso_create_srv_conf,          /* create server configuration */
    ngx_http_sso_merge_srv_conf,           /* merge server configuration */

    ngx_http_sso_create_loc_conf,          /* create location configuration */
    ngx_http_sso_merge_loc_conf            /* merge location configuration */
};


ngx_module_t  ngx_http_sso_module = {
    NGX_MODULE_V1,
    &ngx_http_sso_module_ctx,              /* module context */
    ngx_http_sso_commands,                 /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    ngx_http_sso_init_process,             /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    ngx_http_sso_exit_process,             /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static void *
ngx_http_sso_create_main_conf(ngx_conf_t *cf)
{
    ngx_http_sso_main_conf_t  *smcf;

    smcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_sso_main_conf_t));
    if (smcf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     smcf->redis.addrs = NULL;
     *     smcf->redis.password = { 0, NULL };
     *     smcf->redis.db = 0;
     *     smcf->redis_prefix = { 0, NULL };
     *     smcf->cookie_name = { 0, NULL };
     *     smcf->login_url = { 0, NULL };
     *     smcf->logout_redirect = { 0, NULL };
     *     smcf->engine = NULL;
     *     smcf->pages = NULL;
     */

    smcf->redis.connect_timeout = NGX_CONF_UNSET_MSEC;
    smcf->redis.tls = NGX_CONF_UNSET;
    smcf->redis.tls_verify = NGX_CONF_UNSET;
    smcf->redis.timeout = NGX_CONF_UNSET_MSEC;
    smcf->ttl = NGX_CONF_UNSET_MSEC;
    smcf->idle = NGX_CONF_UNSET_MSEC;
    smcf->cache = NGX_CONF_UNSET_MSEC;
    smcf->cookie_secure = NGX_CONF_UNSET;
    smcf->backchannel_timeout = NGX_CONF_UNSET_MSEC;
    smcf->hook_timeout = NGX_CONF_UNSET_MSEC;
    smcf->request_id_index = NGX_ERROR;

    return smcf;
}


static char *
ngx_http_sso_init_main_conf(ngx_conf_t *cf, void *conf)
{
    ngx_http_sso_main_conf_t *smcf = conf;

    ngx_conf_init_msec_value(smcf->redis.connect_timeout, 1000);
    ngx_conf_init_msec_value(smcf->redis.timeout, 1000);
    ngx_conf_init_msec_value(smcf->ttl, 8 * 60 * 60 * 1000);
    ngx_conf_init_msec_value(smcf->idle, 30 * 60 * 1000);
    ngx_conf_init_value(smcf->cookie_secure, 1);
    ngx_conf_init_msec_value(smcf->backchannel_timeout, 10000);
    ngx_conf_init_msec_value(smcf->hook_timeout, 5000);

    if (smcf->backchannel_trusted_certificate.data == NULL) {
        ngx_str_set(&smcf->backchannel_trusted_certificate,
                    "/etc/ssl/certs/ca-certificates.crt");
    }

    if (smcf->redis_prefix.data == NULL) {
        ngx_str_set(&smcf->redis_prefix, "sso:");
    }

    if (smcf->cookie_name.data == NULL) {
        if (smcf->cookie_secure) {
            ngx_str_set(&smcf->cookie_name, "__Host-sso");

        } else {
            ngx_str_set(&smcf->cookie_name, "sso");
        }
    }

    if (smcf->login_url.data == NULL) {
        ngx_str_set(&smcf->login_url, "/sso/login");
    }

    /*
     * default: five minutes, never more than idle; revocations are pushed to every worker and
     * hits slide the idle timeout in the background
     */
    if (smcf->cache == NGX_CONF_UNSET_MSEC) {
        smcf->cache = 300000;

        if (smcf->idle && smcf->cache > smcf->idle) {
            smcf->cache = smcf->idle;
        }
    }

    return NGX_CONF_OK;
}


static void *
ngx_http_sso_create_srv_conf(ngx_conf_t *cf)
{
    ngx_http_sso_srv_conf_t  *sscf;

    sscf = ngx_pcalloc(cf->pool, sizeof(ngx_http_sso_srv_conf_t));
    if (sscf == NULL) {
        return NULL;
    }

    sscf->uses_sso = NGX_CONF_UNSET;

    return sscf;
}


static char *
ngx_http_sso_merge_srv_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_sso_srv_conf_t *prev = parent;
    ngx_http_sso_srv_conf_t *conf = child;

    ngx_conf_merge_value(conf->uses_sso, prev->uses_sso, 0);

    return NGX_CONF_OK;
}


/*
 * "sso on" anywhere in a server (or at the http level) makes every location
 * of it strip forged identity headers, "sso off" ones included: a legacy app
 * that trusts them everywhere must not get them through its public paths.
 */
static char *
ngx_http_sso_enable_post(ngx_conf_t *cf, void *post, void *data)
{
    ngx_flag_t  *enable = data;

    ngx_http_sso_srv_conf_t  *sscf;

    if (*enable) {
        sscf = ngx_http_conf_get_module_srv_conf(cf, ngx_http_sso_module);
        sscf->uses_sso = 1;
    }

    return NGX_CONF_OK;
}


static void *
ngx_http_sso_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_sso_loc_conf_t  *slcf;

    slcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_sso_loc_conf_t));
    if (slcf == NULL) {
        return NULL;
    }

    slcf->enable = NGX_CONF_UNSET;
    slcf->endpoints = NGX_CONF_UNSET;
    slcf->strip_headers = NGX_CONF_UNSET_PTR;
    slcf->require = NGX_CONF_UNSET_PTR;

    return slcf;
}


static char *
ngx_http_sso_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_sso_loc_conf_t *prev = parent;
    ngx_http_sso_loc_conf_t *conf = child;

    ngx_http_sso_main_conf_t  *smcf;

    ngx_conf_merge_value(conf->enable, prev->enable, 0);
    ngx_conf_merge_value(conf->endpoints, prev->endpoints, 0);
    ngx_conf_merge_ptr_value(conf->strip_headers, prev->strip_headers, NULL);
    ngx_conf_merge_ptr_value(conf->require, prev->require, NULL);
    ngx_conf_merge_str_value(conf->identity_audience, prev->identity_audience, "");

    if (conf->enable) {
        smcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_sso_module);

        if (!smcf->redis_configured) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"sso on\" needs \"sso_redis\" in the http block");
            return NGX_CONF_ERROR;
        }
    }

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_sso_init(ngx_conf_t *cf)
{
    ngx_str_t                   request_id = ngx_string("request_id");
    ngx_http_handler_pt        *h;
    ngx_http_core_main_conf_t  *cmcf;
    ngx_http_sso_main_conf_t   *smcf;

    if (ngx_http_sso_add_variables(cf) != NGX_OK) {
        return NGX_ERROR;
    }

    if (ngx_http_sso_metrics_add_zone(cf) != NGX_OK) {
        return NGX_ERROR;
    }

    smcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_sso_module);

    smcf->request_id_index = ngx_http_get_variable_index(cf, &request_id);

    if (ngx_http_sso_create_engine(cf, smcf) != NGX_OK) {
        return NGX_ERROR;
    }

    if (ngx_http_sso_init_pages(cf, smcf) != NGX_OK) {
        return NGX_ERROR;
    }

    if (ngx_http_sso_check_login_location(cf, smcf) != NGX_OK) {
        return NGX_ERROR;
    }

    if (ngx_http_sso_add_providers(cf, smcf) != NGX_OK) {
        return NGX_ERROR;
    }

    if (ngx_http_sso_redis_init_resolver(cf, smcf) != NGX_OK) {
        return NGX_ERROR;
    }

    if (smcf->hook_url.len
        && ngx_http_sso_init_provisioning(cf, smcf) != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (smcf->identity_token_keys
        && ngx_http_sso_init_identity_token(cf, smcf) != NGX_OK)
    {
        return NGX_ERROR;
    }

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_ACCESS_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_sso_access_handler;

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_REWRITE_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_sso_rewrite_handler;

    return NGX_OK;
}


/* The core's engine, which checks the configuration's values once more. */
static ngx_int_t
ngx_http_sso_create_engine(ngx_conf_t *cf, ngx_http_sso_main_conf_t *smcf)
{
    sso_status           rc;
    sso_engine_config    config;
    ngx_pool_cleanup_t  *cln;

    ngx_memzero(&config, sizeof(sso_engine_config));
    config.key_prefix = ngx_http_sso_view(&smcf->redis_prefix);
    config.cookie_name = ngx_http_sso_view(&smcf->cookie_name);
    config.cookie_secure = smcf->cookie_secure ? 1 : 0;
    config.ttl_ms = smcf->ttl;
    config.idle_ms = smcf->idle;
    config.login_url = ngx_http_sso_view(&smcf->login_url);
    config.cache_ms = smcf->cache;
    config.cache_entries = smcf->cache_size;
    config.logout_redirect = ngx_http_sso_view(&smcf->logout_redirect);

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        return NGX_ERROR;
    }

    rc = sso_engine_create(&config, &smcf->engine);
    if (rc != SSO_OK) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "sso: invalid configuration: %s",
                           sso_status_message(rc));
        return NGX_ERROR;
    }

    cln->handler = ngx_http_sso_engine_cleanup;
    cln->data = smcf->engine;

    return NGX_OK;
}


static ngx_int_t
ngx_http_sso_init_provisioning(ngx_conf_t *cf, ngx_http_sso_main_conf_t *smcf)
{
    sso_status               rc;
    sso_provisioning_config  provisioning;

    ngx_http_sso_provisioning_config(smcf, &provisioning);

    rc = sso_engine_set_provisioning(smcf->engine, &provisioning);
    if (rc != SSO_OK) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "%s (%s)",
                           sso_status_message(rc), sso_status_name(rc));
        return NGX_ERROR;
    }

    /* an https hook needs the back-channel's TLS context */
    if (smcf->backchannel_ssl == NULL
        && ngx_strncmp(smcf->hook_url.data, "https://", 8) == 0
        && ngx_http_sso_backchannel_init(cf, smcf) != NGX_CONF_OK)
    {
        return NGX_ERROR;
    }

    return NGX_OK;
}


static void
ngx_http_sso_engine_cleanup(void *data)
{
    sso_engine_destroy(data);
}


static ngx_int_t
ngx_http_sso_init_process(ngx_cycle_t *cycle)
{
    ngx_http_sso_main_conf_t  *smcf;

    smcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_sso_module);

    if (smcf == NULL) {
        return NGX_OK;
    }

    if (ngx_http_sso_metadata_init_process(smcf, cycle) != NGX_OK) {
        return NGX_ERROR;
    }

    if (!smcf->redis_configured) {
        return NGX_OK;
    }

    smcf->store = ngx_http_sso_redis_create(&smcf->redis, cycle->log);
    if (smcf->store == NULL) {
        return NGX_ERROR;
    }

    /* connect now so a Redis that is down shows in the log at start, not at first use */
    ngx_http_sso_redis_connect(smcf->store);

    return ngx_http_sso_cache_init_process(smcf, cycle);
}


static void
ngx_http_sso_exit_process(ngx_cycle_t *cycle)
{
    ngx_http_sso_main_conf_t  *smcf;

    smcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_sso_module);

    if (smcf == NULL) {
        return;
    }

    ngx_http_sso_metadata_exit_process(smcf);
    ngx_http_sso_cache_exit_process(smcf);

    if (smcf->store) {
        ngx_http_sso_redis_destroy(smcf->store);
        smcf->store = NULL;
    }
}
