
/*
 * sso_require (http, server, location): who may use a location once signed in. Each line
 * goes to the core as it is read, so `nginx -t` names a bad one; the core keeps the rules of
 * a level in one object, freed with the configuration's pool. Like add_header, a level with
 * its own lines does not inherit the lines of the levels above.
 *
 *   sso_require role admin;
 *   sso_require group "CN=ops,OU=groups,DC=corp,DC=example" engineering;
 *   sso_require signed_in;            (no rule: clears the inherited ones)
 */

#include "ngx_http_sso_module.h"


static void ngx_http_sso_require_cleanup(void *data);


char *
ngx_http_sso_require(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_sso_loc_conf_t *slcf = conf;

    u_char              *p;
    sso_str             *args;
    ngx_str_t           *value;
    ngx_uint_t           i;
    sso_status           rc;
    sso_access_rules    *rules;
    ngx_pool_cleanup_t  *cln;
    u_char               where[NGX_MAX_PATH + NGX_INT_T_LEN + 2];

    value = cf->args->elts;

    args = ngx_palloc(cf->temp_pool, (cf->args->nelts - 1) * sizeof(sso_str));
    if (args == NULL) {
        return NGX_CONF_ERROR;
    }

    for (i = 1; i < cf->args->nelts; i++) {
        args[i - 1] = ngx_http_sso_view(&value[i]);
    }

    p = ngx_snprintf(where, sizeof(where), "%V:%ui", &cf->conf_file->file.name,
                     cf->conf_file->line);

    rules = (slcf->require == NGX_CONF_UNSET_PTR) ? NULL : slcf->require;

    rc = sso_access_rules_add(&rules, args, cf->args->nelts - 1,
                              (sso_str) { (const char *) where, p - where });

    if (rules != NULL && slcf->require == NGX_CONF_UNSET_PTR) {
        /* the first line of this level made the object */
        cln = ngx_pool_cleanup_add(cf->pool, 0);
        if (cln == NULL) {
            sso_access_rules_destroy(rules);
            return NGX_CONF_ERROR;
        }

        cln->handler = ngx_http_sso_require_cleanup;
        cln->data = rules;
        slcf->require = rules;
    }

    if (rc != SSO_OK) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "%s (%s)", sso_status_message(rc),
                           sso_status_name(rc));
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static void
ngx_http_sso_require_cleanup(void *data)
{
    sso_access_rules_destroy(data);
}
