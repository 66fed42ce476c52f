
/*
 * Just-in-time provisioning glue: the hook's directives and the audit log. The decisions
 * themselves, and the checks of the hook's settings, are the core's (core/src/provision/);
 * the hook call is a back-channel HTTP step (ngx_http_sso_http.c).
 *
 *   sso_provision_hook  http://127.0.0.1:8080/internal/provision  timeout=5s
 *                       [lease=10s] secret_file=/etc/nginx/sso/hook.secret;
 *   sso_audit_log       /var/log/nginx/sso-audit.log;     # or syslog:server=..., or off
 */

#include "ngx_http_sso_module.h"


static char *ngx_http_sso_provision_check(ngx_conf_t *cf,
    ngx_http_sso_main_conf_t *smcf);


char *
ngx_http_sso_provision_hook(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_sso_main_conf_t *smcf = conf;

    char        *rv;
    ngx_str_t   *value, *secret, s, path;
    ngx_uint_t   i;

    if (smcf->hook_url.data) {
        return "is duplicate";
    }

    value = cf->args->elts;
    smcf->hook_url = value[1];
    secret = &smcf->hook_secret;

    for (i = 2; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "timeout=", 8) == 0) {
            s.data = value[i].data + 8;
            s.len = value[i].len - 8;

            smcf->hook_timeout = ngx_parse_time(&s, 0);
            if (smcf->hook_timeout == (ngx_msec_t) NGX_ERROR || smcf->hook_timeout == 0) {
                return "has an invalid timeout=";
            }

            continue;
        }

        /* the single-flight lock's lease; the core checks it against the timeout */
        if (ngx_strncmp(value[i].data, "lease=", 6) == 0) {
            s.data = value[i].data + 6;
            s.len = value[i].len - 6;

            smcf->hook_lease = ngx_parse_time(&s, 0);
            if (smcf->hook_lease == (ngx_msec_t) NGX_ERROR || smcf->hook_lease == 0) {
                return "has an invalid lease=";
            }

            continue;
        }

        if (ngx_strncmp(value[i].data, "secret_file=", 12) == 0) {
            path.data = value[i].data + 12;
            path.len = value[i].len - 12;

            /* the first line */
            rv = ngx_http_sso_read_secret_file(cf, "secret_file", &path, secret);
            if (rv != NGX_CONF_OK) {
                return rv;
            }

            continue;
        }

        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid sso_provision_hook parameter \"%V\"", &value[i]);
        return NGX_CONF_ERROR;
    }

    return ngx_http_sso_provision_check(cf, smcf);
}


/* The hook's settings as the core takes them (an unset timeout: the core's default). */
void
ngx_http_sso_provisioning_config(ngx_http_sso_main_conf_t *smcf,
    sso_provisioning_config *config)
{
    ngx_memzero(config, sizeof(sso_provisioning_config));
    config->hook_url = ngx_http_sso_view(&smcf->hook_url);
    config->hook_secret = ngx_http_sso_view(&smcf->hook_secret);
    config->hook_timeout_ms = smcf->hook_timeout == NGX_CONF_UNSET_MSEC
                              ? 0 : (int64_t) smcf->hook_timeout;
    config->hook_lease_ms = smcf->hook_lease;
}


/* The core's checks, reported at this directive's line. */
static char *
ngx_http_sso_provision_check(ngx_conf_t *cf, ngx_http_sso_main_conf_t *smcf)
{
    sso_status               rc;
    sso_provisioning_config  config;

    ngx_http_sso_provisioning_config(smcf, &config);

    rc = sso_provisioning_check(&config);
    if (rc != SSO_OK) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "%s (%s)", sso_status_message(rc),
                           sso_status_name(rc));
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


char *
ngx_http_sso_audit_log(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_sso_main_conf_t *smcf = conf;

    ngx_str_t  *value;

    if (smcf->audit_log) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0) {
        smcf->audit_log = ngx_pcalloc(cf->pool, sizeof(ngx_log_t));
        if (smcf->audit_log == NULL) {
            return NGX_CONF_ERROR;
        }

        smcf->audit_log->log_level = 0;  /* nothing is written */
        return NGX_CONF_OK;
    }

    /* a file (reopened with the others on USR1) or syslog:..., as error_log takes them */
    return ngx_log_set_log(cf, &smcf->audit_log);
}


/* One JSON line per provisioning decision, as the core wrote it (no secrets in it). */
void
ngx_http_sso_write_audit(ngx_http_request_t *r, sso_str line)
{
    u_char                    *buf;
    ngx_log_t                 *log;
    ngx_http_sso_main_conf_t  *smcf;

    smcf = ngx_http_get_module_main_conf(r, ngx_http_sso_module);
    log = smcf->audit_log;

    if (log == NULL) {
        ngx_log_error(NGX_LOG_NOTICE, r->connection->log, 0, "sso: audit %*s",
                      line.len, line.data);
        return;
    }

    if (log->log_level == 0 && log->file == NULL && log->writer == NULL) {
        return;  /* sso_audit_log off */
    }

    buf = ngx_pnalloc(r->pool, line.len + 1);
    if (buf == NULL) {
        return;
    }

    ngx_memcpy(buf, line.data, line.len);
    buf[line.len] = '\n';

    if (log->writer) {
        log->writer(log, NGX_LOG_NOTICE, buf, line.len + 1);
        return;
    }

    if (log->file && log->file->fd != NGX_INVALID_FILE) {
        (void) ngx_write_fd(log->file->fd, buf, line.len + 1);
    }
}
