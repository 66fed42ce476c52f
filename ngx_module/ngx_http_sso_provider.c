
/*
 * sso_provider NAME { ... }: one identity provider. The block's lines are collected here
 * (files are read at configuration time) and handed to the core, which validates them,
 * so that `nginx -t` names the provider and the problem.
 *
 *   sso_provider corp {
 *       saml_idp_metadata        /etc/nginx/sso/corp-idp.xml;
 *       saml_sp_entity_id        https://app.example.com/sso/saml;
 *       saml_acs_url             https://app.example.com/sso/saml/acs;
 *   }
 *
 *   sso_provider google {
 *       oidc_issuer              https://accounts.google.com;
 *       oidc_client_id           1234.apps.googleusercontent.com;
 *       oidc_client_secret_file  /etc/nginx/sso/google.secret;
 *       oidc_redirect_uri        https://app.example.com/sso/oidc/callback;
 *   }
 *
 * A provider is SAML or OIDC by its lines; `email_domains` and `attribute` serve both
 * (for OIDC, `attribute` names a claim).
 */

#include "ngx_http_sso_module.h"


#define NGX_HTTP_SSO_MAX_FILE  (1024 * 1024)


static char *ngx_http_sso_provider_line(ngx_conf_t *cf, ngx_command_t *dummy,
    void *conf);
static char *ngx_http_sso_provider_oidc_line(ngx_conf_t *cf,
    ngx_http_sso_provider_conf_t *pcf, ngx_str_t *name, ngx_str_t *value);


char *
ngx_http_sso_read_conf_file(ngx_conf_t *cf, ngx_str_t *name, ngx_str_t *out)
{
    ssize_t          n;
    ngx_fd_t         fd;
    ngx_str_t        path;
    ngx_file_info_t  fi;

    path = *name;

    if (ngx_conf_full_name(cf->cycle, &path, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    fd = ngx_open_file(path.data, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);
    if (fd == NGX_INVALID_FILE) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno, "cannot open \"%V\"", &path);
        return NGX_CONF_ERROR;
    }

    if (ngx_fd_info(fd, &fi) == NGX_FILE_ERROR
        || ngx_file_size(&fi) > NGX_HTTP_SSO_MAX_FILE)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" is unreadable or larger than 1m", &path);
        ngx_close_file(fd);
        return NGX_CONF_ERROR;
    }

    out->len = ngx_file_size(&fi);
    out->data = ngx_pnalloc(cf->pool, out->len + 1);
    if (out->data == NULL) {
        ngx_close_file(fd);
        return NGX_CONF_ERROR;
    }

    n = ngx_read_fd(fd, out->data, out->len);
    ngx_close_file(fd);

    if (n != (ssize_t) out->len) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno, "cannot read \"%V\"", &path);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/* "on" -> 1, "off" -> 0, anything else NGX_ERROR */
static ngx_int_t
ngx_http_sso_on_off(ngx_str_t *value)
{
    if (value->len == 2 && ngx_strncmp(value->data, "on", 2) == 0) {
        return 1;
    }

    if (value->len == 3 && ngx_strncmp(value->data, "off", 3) == 0) {
        return 0;
    }

    return NGX_ERROR;
}


char *
ngx_http_sso_provider_block(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_sso_main_conf_t *smcf = conf;

    char                          *rv;
    ngx_str_t                     *value;
    ngx_uint_t                     i;
    ngx_conf_t                     save;
    ngx_http_sso_provider_conf_t  *pcf, *existing;

    value = cf->args->elts;

    if (smcf->providers == NULL) {
        smcf->providers = ngx_array_create(cf->pool, 2,
                                           sizeof(ngx_http_sso_provider_conf_t));
        if (smcf->providers == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    existing = smcf->providers->elts;
    for (i = 0; i < smcf->providers->nelts; i++) {
        if (existing[i].name.len == value[1].len
            && ngx_strncmp(existing[i].name.data, value[1].data, value[1].len) == 0)
        {
            return "is duplicate";
        }
    }

    pcf = ngx_array_push(smcf->providers);
    if (pcf == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_memzero(pcf, sizeof(ngx_http_sso_provider_conf_t));
    pcf->name = value[1];
    pcf->sign_requests = -1;
    pcf->clock_skew = 180000;
    pcf->file = cf->conf_file->file.name;
    pcf->line = cf->conf_file->line;

    pcf->auto_create = 1;
    pcf->link_existing = SSO_LINK_OFF;
    pcf->sync = SSO_SYNC_ON_EACH_LOGIN;

    if (ngx_array_init(&pcf->roles, cf->pool, 4, sizeof(ngx_keyval_t)) != NGX_OK
        || ngx_array_init(&pcf->idp_certificates, cf->pool, 2, sizeof(ngx_str_t)) != NGX_OK
        || ngx_array_init(&pcf->email_domains, cf->pool, 2, sizeof(ngx_str_t)) != NGX_OK
        || ngx_array_init(&pcf->attributes, cf->pool, 4, sizeof(ngx_keyval_t)) != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    save = *cf;
    cf->handler = ngx_http_sso_provider_line;
    cf->handler_conf = (char *) pcf;

    rv = ngx_conf_parse(cf, NULL);

    *cf = save;

    return rv;
}


static char *
ngx_http_sso_provider_line(ngx_conf_t *cf, ngx_command_t *dummy, void *conf)
{
    ngx_http_sso_provider_conf_t *pcf = conf;

    ngx_str_t     *value, *name, *s;
    ngx_uint_t     i, n;
    ngx_int_t      flag;
    ngx_msec_t     ms;
    ngx_keyval_t  *kv;

    value = cf->args->elts;
    name = &value[0];
    n = cf->args->nelts;

#define ngx_http_sso_is(text)                                                  \
    (name->len == sizeof(text) - 1                                             \
     && ngx_strncmp(name->data, text, sizeof(text) - 1) == 0)

    if (ngx_http_sso_is("email_domains")) {
        for (i = 1; i < n; i++) {
            s = ngx_array_push(&pcf->email_domains);
            if (s == NULL) {
                return NGX_CONF_ERROR;
            }

            *s = value[i];
        }

        return n > 1 ? NGX_CONF_OK : "needs at least one domain";
    }

    if (ngx_http_sso_is("attribute")) {
        if (n != 3) {
            return "takes a profile field and an IdP attribute name";
        }

        kv = ngx_array_push(&pcf->attributes);
        if (kv == NULL) {
            return NGX_CONF_ERROR;
        }

        kv->key = value[1];
        kv->value = value[2];
        return NGX_CONF_OK;
    }

    if (ngx_http_sso_is("role")) {
        if (n != 3) {
            return "takes an IdP group and an app role";
        }

        kv = ngx_array_push(&pcf->roles);
        if (kv == NULL) {
            return NGX_CONF_ERROR;
        }

        kv->key = value[1];
        kv->value = value[2];
        return NGX_CONF_OK;
    }

    if (n != 2) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" in sso_provider takes one value", name);
        return NGX_CONF_ERROR;
    }

    if (ngx_http_sso_is("default_role")) {
        pcf->default_role = value[1];
        return NGX_CONF_OK;
    }

    if (ngx_http_sso_is("link_existing")) {
        if (ngx_strcmp(value[1].data, "off") == 0) {
            pcf->link_existing = SSO_LINK_OFF;

        } else if (ngx_strcmp(value[1].data, "verified_email") == 0) {
            pcf->link_existing = SSO_LINK_VERIFIED_EMAIL;

        } else {
            return "takes \"off\" or \"verified_email\"";
        }

        return NGX_CONF_OK;
    }

    if (ngx_http_sso_is("sync")) {
        if (ngx_strcmp(value[1].data, "on_each_login") == 0) {
            pcf->sync = SSO_SYNC_ON_EACH_LOGIN;

        } else if (ngx_strcmp(value[1].data, "on_change") == 0) {
            pcf->sync = SSO_SYNC_ON_CHANGE;

        } else if (ngx_strcmp(value[1].data, "on_first_login") == 0) {
            pcf->sync = SSO_SYNC_ON_FIRST_LOGIN;

        } else {
            return "takes \"on_each_login\", \"on_change\" or \"on_first_login\"";
        }

        return NGX_CONF_OK;
    }

    if (ngx_http_sso_is("auto_create")) {
        flag = ngx_http_sso_on_off(&value[1]);
        if (flag == NGX_ERROR) {
            return "takes \"on\" or \"off\"";
        }

        pcf->auto_create = flag;
        return NGX_CONF_OK;
    }

    if (name->len > 5 && ngx_strncmp(name->data, "saml_", 5) == 0) {
        pcf->saml = 1;

    } else if (name->len > 5 && ngx_strncmp(name->data, "oidc_", 5) == 0) {
        pcf->oidc = 1;
    }

    if (pcf->saml && pcf->oidc) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "sso_provider \"%V\" mixes saml_ and oidc_ lines; "
                           "one provider speaks one protocol", &pcf->name);
        return NGX_CONF_ERROR;
    }

    if (pcf->oidc) {
        return ngx_http_sso_provider_oidc_line(cf, pcf, name, &value[1]);
    }

    if (ngx_http_sso_is("saml_idp_metadata")) {
        return ngx_http_sso_read_conf_file(cf, &value[1], &pcf->idp_metadata);
    }

    if (ngx_http_sso_is("saml_idp_certificate")) {
        s = ngx_array_push(&pcf->idp_certificates);
        if (s == NULL) {
            return NGX_CONF_ERROR;
        }

        return ngx_http_sso_read_conf_file(cf, &value[1], s);
    }

    if (ngx_http_sso_is("saml_sp_key")) {
        return ngx_http_sso_read_conf_file(cf, &value[1], &pcf->sp_key);
    }

    if (ngx_http_sso_is("saml_sp_certificate")) {
        return ngx_http_sso_read_conf_file(cf, &value[1], &pcf->sp_certificate);
    }

    if (ngx_http_sso_is("saml_idp_entity_id")) {
        pcf->idp_entity_id = value[1];
        return NGX_CONF_OK;
    }

    if (ngx_http_sso_is("saml_idp_sso_url")) {
        pcf->idp_sso_url = value[1];
        return NGX_CONF_OK;
    }

    if (ngx_http_sso_is("saml_sp_entity_id")) {
        pcf->sp_entity_id = value[1];
        return NGX_CONF_OK;
    }

    if (ngx_http_sso_is("saml_acs_url")) {
        pcf->acs_url = value[1];
        return NGX_CONF_OK;
    }

    if (ngx_http_sso_is("saml_sign_requests")
        || ngx_http_sso_is("saml_allow_idp_initiated"))
    {
        flag = ngx_http_sso_on_off(&value[1]);
        if (flag == NGX_ERROR) {
            return "takes \"on\" or \"off\"";
        }

        if (name->data[5] == 's') {
            pcf->sign_requests = flag;

        } else {
            pcf->allow_idp_initiated = flag;
        }

        return NGX_CONF_OK;
    }

    if (ngx_http_sso_is("saml_clock_skew")) {
        ms = ngx_parse_time(&value[1], 0);
        if (ms == (ngx_msec_t) NGX_ERROR) {
            return "has an invalid time";
        }

        pcf->clock_skew = ms;
        return NGX_CONF_OK;
    }

#undef ngx_http_sso_is

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "unknown directive \"%V\" in sso_provider", name);
    return NGX_CONF_ERROR;
}


/* oidc_* lines that take one string as it is */
typedef struct {
    ngx_str_t   name;
    size_t      offset;
} ngx_http_sso_oidc_str_line_t;

static ngx_http_sso_oidc_str_line_t  ngx_http_sso_oidc_str_lines[] = {
    { ngx_string("oidc_client_key_id"),
      offsetof(ngx_http_sso_provider_conf_t, client_key_id) },
    { ngx_string("oidc_issuer"),
      offsetof(ngx_http_sso_provider_conf_t, issuer) },
    { ngx_string("oidc_client_id"),
      offsetof(ngx_http_sso_provider_conf_t, client_id) },
    { ngx_string("oidc_alg"),
      offsetof(ngx_http_sso_provider_conf_t, algorithm) },
    { ngx_string("oidc_scope"),
      offsetof(ngx_http_sso_provider_conf_t, scope) },
    { ngx_string("oidc_redirect_uri"),
      offsetof(ngx_http_sso_provider_conf_t, redirect_uri) },
    { ngx_string("oidc_authorization_endpoint"),
      offsetof(ngx_http_sso_provider_conf_t, authorization_endpoint) },
    { ngx_string("oidc_token_endpoint"),
      offsetof(ngx_http_sso_provider_conf_t, token_endpoint) },
    { ngx_string("oidc_jwks_uri"),
      offsetof(ngx_http_sso_provider_conf_t, jwks_uri) },
    { ngx_string("oidc_userinfo_endpoint"),
      offsetof(ngx_http_sso_provider_conf_t, userinfo_endpoint) },
    { ngx_null_string, 0 }
};


static char *
ngx_http_sso_provider_oidc_line(ngx_conf_t *cf, ngx_http_sso_provider_conf_t *pcf,
    ngx_str_t *name, ngx_str_t *value)
{
    char                          *rv;
    ngx_str_t                     *secret;
    ngx_int_t                      flag;
    ngx_msec_t                     ms;
    ngx_http_sso_oidc_str_line_t  *line;

#define ngx_http_sso_is(text)                                                  \
    (name->len == sizeof(text) - 1                                             \
     && ngx_strncmp(name->data, text, sizeof(text) - 1) == 0)

    for (line = ngx_http_sso_oidc_str_lines; line->name.len; line++) {
        if (name->len == line->name.len
            && ngx_strncmp(name->data, line->name.data, name->len) == 0)
        {
            *(ngx_str_t *) ((char *) pcf + line->offset) = *value;
            return NGX_CONF_OK;
        }
    }

    if (ngx_http_sso_is("oidc_client_key")) {
        return ngx_http_sso_read_conf_file(cf, value, &pcf->client_key);
    }

    if (ngx_http_sso_is("oidc_client_secret_file")) {
        secret = &pcf->client_secret;

        rv = ngx_http_sso_read_conf_file(cf, value, secret);
        if (rv != NGX_CONF_OK) {
            return rv;
        }

        /* a file written with echo ends with a newline that is not part of the secret */
        while (secret->len
               && (secret->data[secret->len - 1] == '\n'
                   || secret->data[secret->len - 1] == '\r'
                   || secret->data[secret->len - 1] == ' '))
        {
            secret->len--;
        }

        return secret->len ? NGX_CONF_OK : "names an empty file";
    }

    if (ngx_http_sso_is("oidc_token_auth")) {
        if (ngx_strcmp(value->data, "client_secret_basic") == 0) {
            pcf->client_secret_post = 0;

        } else if (ngx_strcmp(value->data, "client_secret_post") == 0) {
            pcf->client_secret_post = 1;

        } else if (ngx_strcmp(value->data, "private_key_jwt") == 0) {
            pcf->private_key_jwt = 1;

        } else {
            return "takes \"client_secret_basic\", \"client_secret_post\" "
                   "or \"private_key_jwt\"";
        }

        return NGX_CONF_OK;
    }

    if (ngx_http_sso_is("oidc_userinfo")) {
        flag = ngx_http_sso_on_off(value);
        if (flag == NGX_ERROR) {
            return "takes \"on\" or \"off\"";
        }

        pcf->userinfo = flag;
        return NGX_CONF_OK;
    }

    if (ngx_http_sso_is("oidc_jwks_refresh_interval")) {
        ms = ngx_parse_time(value, 0);
        if (ms == (ngx_msec_t) NGX_ERROR || ms < 1000) {
            return "takes a time of at least 1s";
        }

        pcf->jwks_refresh_interval = ms;
        return NGX_CONF_OK;
    }

    if (ngx_http_sso_is("oidc_clock_skew")) {
        ms = ngx_parse_time(value, 0);
        if (ms == (ngx_msec_t) NGX_ERROR) {
            return "has an invalid time";
        }

        pcf->clock_skew = ms;
        return NGX_CONF_OK;
    }

#undef ngx_http_sso_is

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "unknown directive \"%V\" in sso_provider", name);
    return NGX_CONF_ERROR;
}


static sso_str
ngx_http_sso_sso_str(ngx_str_t *s)
{
    sso_str  out;

    out.data = s->data ? (const char *) s->data : "";
    out.len = s->len;

    return out;
}


static sso_status
ngx_http_sso_add_policy(ngx_conf_t *cf, ngx_http_sso_main_conf_t *smcf,
    ngx_http_sso_provider_conf_t *pcf)
{
    ngx_uint_t            j;
    ngx_keyval_t         *kv;
    sso_attribute        *roles;
    sso_provider_policy   policy;

    roles = ngx_palloc(cf->pool, (pcf->roles.nelts + 1) * sizeof(sso_attribute));
    if (roles == NULL) {
        return SSO_ERR_OUT_OF_MEMORY;
    }

    kv = pcf->roles.elts;
    for (j = 0; j < pcf->roles.nelts; j++) {
        roles[j].name = ngx_http_sso_sso_str(&kv[j].key);
        roles[j].value = ngx_http_sso_sso_str(&kv[j].value);
    }

    ngx_memzero(&policy, sizeof(sso_provider_policy));
    policy.role_map = roles;
    policy.role_map_count = pcf->roles.nelts;
    policy.default_role = ngx_http_sso_sso_str(&pcf->default_role);
    policy.link_existing = (sso_link_policy) pcf->link_existing;
    policy.sync = (sso_sync_policy) pcf->sync;
    policy.auto_create = pcf->auto_create ? 1 : 0;

    return sso_engine_set_provider_policy(smcf->engine, ngx_http_sso_sso_str(&pcf->name),
                                          &policy);
}


ngx_int_t
ngx_http_sso_add_providers(ngx_conf_t *cf, ngx_http_sso_main_conf_t *smcf)
{
    sso_str                       *certs, *domains, w;
    sso_status                     rc;
    ngx_str_t                     *s;
    ngx_uint_t                     i, j;
    ngx_keyval_t                  *kv;
    sso_attribute                 *attrs;
    sso_saml_provider_config       c;
    sso_oidc_provider_config       oc;
    ngx_http_sso_provider_conf_t  *pcf;

    if (smcf->providers == NULL) {
        return NGX_OK;
    }

    pcf = smcf->providers->elts;

    for (i = 0; i < smcf->providers->nelts; i++) {
        certs = ngx_palloc(cf->pool, (pcf[i].idp_certificates.nelts + 1) * sizeof(sso_str));
        domains = ngx_palloc(cf->pool, (pcf[i].email_domains.nelts + 1) * sizeof(sso_str));
        attrs = ngx_palloc(cf->pool,
                           (pcf[i].attributes.nelts + 1) * sizeof(sso_attribute));
        if (certs == NULL || domains == NULL || attrs == NULL) {
            return NGX_ERROR;
        }

        s = pcf[i].idp_certificates.elts;
        for (j = 0; j < pcf[i].idp_certificates.nelts; j++) {
            certs[j] = ngx_http_sso_sso_str(&s[j]);
        }

        s = pcf[i].email_domains.elts;
        for (j = 0; j < pcf[i].email_domains.nelts; j++) {
            domains[j] = ngx_http_sso_sso_str(&s[j]);
        }

        kv = pcf[i].attributes.elts;
        for (j = 0; j < pcf[i].attributes.nelts; j++) {
            attrs[j].name = ngx_http_sso_sso_str(&kv[j].key);
            attrs[j].value = ngx_http_sso_sso_str(&kv[j].value);
        }

        if (pcf[i].oidc) {
            if (smcf->backchannel_ssl == NULL
                && ngx_http_sso_backchannel_init(cf, smcf) != NGX_CONF_OK)
            {
                return NGX_ERROR;
            }

            if (pcf[i].private_key_jwt != (pcf[i].client_key.len != 0)) {
                ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                              "sso_provider \"%V\" in %V:%ui: \"oidc_token_auth "
                              "private_key_jwt\" and \"oidc_client_key\" go together",
                              &pcf[i].name, &pcf[i].file, pcf[i].line);
                return NGX_ERROR;
            }

            ngx_memzero(&oc, sizeof(sso_oidc_provider_config));
            oc.name = ngx_http_sso_sso_str(&pcf[i].name);
            oc.issuer = ngx_http_sso_sso_str(&pcf[i].issuer);
            oc.client_id = ngx_http_sso_sso_str(&pcf[i].client_id);
            oc.client_secret = ngx_http_sso_sso_str(&pcf[i].client_secret);
            oc.client_secret_post = (int) pcf[i].client_secret_post;
            oc.algorithm = ngx_http_sso_sso_str(&pcf[i].algorithm);
            oc.scope = ngx_http_sso_sso_str(&pcf[i].scope);
            oc.redirect_uri = ngx_http_sso_sso_str(&pcf[i].redirect_uri);
            oc.authorization_endpoint =
                ngx_http_sso_sso_str(&pcf[i].authorization_endpoint);
            oc.token_endpoint = ngx_http_sso_sso_str(&pcf[i].token_endpoint);
            oc.jwks_uri = ngx_http_sso_sso_str(&pcf[i].jwks_uri);
            oc.clock_skew_ms = pcf[i].clock_skew;
            oc.jwks_refresh_interval_ms = pcf[i].jwks_refresh_interval;
            oc.userinfo = (int) pcf[i].userinfo;
            oc.client_key_pem = ngx_http_sso_sso_str(&pcf[i].client_key);
            oc.client_key_id = ngx_http_sso_sso_str(&pcf[i].client_key_id);
            oc.userinfo_endpoint = ngx_http_sso_sso_str(&pcf[i].userinfo_endpoint);
            oc.email_domains = domains;
            oc.email_domains_count = pcf[i].email_domains.nelts;
            oc.claim_map = attrs;
            oc.claim_map_count = pcf[i].attributes.nelts;

            rc = sso_engine_add_oidc_provider(smcf->engine, &oc);

        } else {
            ngx_memzero(&c, sizeof(sso_saml_provider_config));
            c.name = ngx_http_sso_sso_str(&pcf[i].name);
            c.idp_metadata_xml = ngx_http_sso_sso_str(&pcf[i].idp_metadata);
            c.idp_entity_id = ngx_http_sso_sso_str(&pcf[i].idp_entity_id);
            c.idp_sso_url = ngx_http_sso_sso_str(&pcf[i].idp_sso_url);
            c.idp_certificates = certs;
            c.idp_certificates_count = pcf[i].idp_certificates.nelts;
            c.sp_entity_id = ngx_http_sso_sso_str(&pcf[i].sp_entity_id);
            c.acs_url = ngx_http_sso_sso_str(&pcf[i].acs_url);
            c.sp_key_pem = ngx_http_sso_sso_str(&pcf[i].sp_key);
            c.sp_certificate_pem = ngx_http_sso_sso_str(&pcf[i].sp_certificate);
            c.sign_requests = (int) pcf[i].sign_requests;
            c.allow_idp_initiated = (int) pcf[i].allow_idp_initiated;
            c.clock_skew_ms = pcf[i].clock_skew;
            c.email_domains = domains;
            c.email_domains_count = pcf[i].email_domains.nelts;
            c.attribute_map = attrs;
            c.attribute_map_count = pcf[i].attributes.nelts;

            rc = sso_engine_add_saml_provider(smcf->engine, &c);
        }

        /* e.g. an IdP certificate that was skipped, and why */
        for (j = 0; j < sso_engine_warnings_count(smcf->engine); j++) {
            w = sso_engine_warning(smcf->engine, j);
            ngx_log_error(NGX_LOG_WARN, cf->log, 0, "sso_provider \"%V\" in %V:%ui: %*s",
                          &pcf[i].name, &pcf[i].file, pcf[i].line, w.len, w.data);
        }

        if (rc == SSO_OK) {
            rc = ngx_http_sso_add_policy(cf, smcf, &pcf[i]);
        }

        if (rc != SSO_OK) {
            ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                          "sso_provider \"%V\" in %V:%ui: %s (%s)", &pcf[i].name,
                          &pcf[i].file, pcf[i].line, sso_status_message(rc),
                          sso_status_name(rc));
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}
