
/*
 * sso_provider NAME { ... }: one identity provider. The block's lines are parsed like
 * nginx's own map {} block: a command table, one setter per line, "is duplicate" for every
 * single-valued line, and the provider's name in every message. Files are read here, at
 * configuration time; ngx_http_sso_provider_add.c hands the values to the core, which
 * validates them, so that `nginx -t` names the provider and the problem.
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
 * A provider is SAML or OIDC by its lines; `email_domains`, `attribute`, the policy lines
 * and `scim_token_file` serve both (for OIDC, `attribute` names a claim).
 * `email_domains`, `attribute`, `role`, `saml_idp_certificate` and
 * `saml_idp_metadata_signing_certificate` may repeat; every other
 * line may not. Every line is kept as written, with its line number, so that
 * the core's refusal of a value (at the end of the http block) can name the
 * line at fault.
 */

#include "ngx_http_sso_module.h"


static char *ngx_http_sso_provider_line(ngx_conf_t *cf, ngx_command_t *dummy,
    void *conf);
static char *ngx_http_sso_provider_enum(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_sso_provider_list(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_sso_provider_pair(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_sso_provider_file(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_sso_provider_files(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_sso_at_least_1s(ngx_conf_t *cf, void *post, void *data);
static ngx_int_t ngx_http_sso_provider_keep_line(ngx_conf_t *cf,
    ngx_http_sso_provider_conf_t *pcf);


static ngx_conf_enum_t  ngx_http_sso_on_off[] = {
    { ngx_string("on"), 1 },
    { ngx_string("off"), 0 },
    { ngx_null_string, 0 }
};

static ngx_conf_enum_t  ngx_http_sso_link_existing[] = {
    { ngx_string("off"), SSO_LINK_OFF },
    { ngx_string("verified_email"), SSO_LINK_VERIFIED_EMAIL },
    { ngx_null_string, 0 }
};

static ngx_conf_enum_t  ngx_http_sso_sync[] = {
    { ngx_string("on_each_login"), SSO_SYNC_ON_EACH_LOGIN },
    { ngx_string("on_change"), SSO_SYNC_ON_CHANGE },
    { ngx_string("on_first_login"), SSO_SYNC_ON_FIRST_LOGIN },
    { ngx_null_string, 0 }
};

static ngx_conf_enum_t  ngx_http_sso_token_auth[] = {
    { ngx_string("client_secret_basic"), NGX_HTTP_SSO_CLIENT_SECRET_BASIC },
    { ngx_string("client_secret_post"), NGX_HTTP_SSO_CLIENT_SECRET_POST },
    { ngx_string("private_key_jwt"), NGX_HTTP_SSO_PRIVATE_KEY_JWT },
    { ngx_null_string, 0 }
};

static ngx_conf_post_t  ngx_http_sso_at_least_1s_post = { ngx_http_sso_at_least_1s };


/* a NAME VALUE line's usage, and an example (and its second value alone) */
typedef struct {
    char                        *usage;
    char                        *example;
    char                        *second;
} ngx_http_sso_pair_usage_t;

static ngx_http_sso_pair_usage_t  ngx_http_sso_attribute_usage = {
    "takes a profile field and an IdP attribute name", "email mail", "mail"
};

static ngx_http_sso_pair_usage_t  ngx_http_sso_role_usage = {
    "takes an IdP group and an app role", "engineering developer", "developer"
};


#define ngx_http_sso_line(name, type, set, field, post)                       \
    { ngx_string(name), type, set, 0,                                         \
      offsetof(ngx_http_sso_provider_conf_t, field), post }

#define ngx_http_sso_str_line(name, field)                                    \
    ngx_http_sso_line(name, NGX_CONF_TAKE1, ngx_conf_set_str_slot, field, NULL)

#define ngx_http_sso_enum_line(name, field, values)                           \
    ngx_http_sso_line(name, NGX_CONF_TAKE1, ngx_http_sso_provider_enum, field, \
                      values)

#define ngx_http_sso_file_line(name, field)                                   \
    ngx_http_sso_line(name, NGX_CONF_TAKE1, ngx_http_sso_provider_file, field, \
                      NULL)

/*
 * The lines of an sso_provider block. The handler checks the number of values of
 * NGX_CONF_TAKE1 lines; the list setters check theirs, and their cmd->post is the usage.
 */
static ngx_command_t  ngx_http_sso_provider_commands[] = {

    /* either protocol */
    ngx_http_sso_line("email_domains", NGX_CONF_1MORE, ngx_http_sso_provider_list,
                      email_domains, "needs at least one domain"),
    ngx_http_sso_line("attribute", NGX_CONF_TAKE2, ngx_http_sso_provider_pair,
                      attributes, &ngx_http_sso_attribute_usage),
    ngx_http_sso_line("role", NGX_CONF_TAKE2, ngx_http_sso_provider_pair, roles,
                      &ngx_http_sso_role_usage),
    ngx_http_sso_str_line("display_name", display_name),
    ngx_http_sso_str_line("default_role", default_role),
    ngx_http_sso_enum_line("link_existing", link_existing, ngx_http_sso_link_existing),
    ngx_http_sso_enum_line("sync", sync, ngx_http_sso_sync),
    ngx_http_sso_enum_line("auto_create", auto_create, ngx_http_sso_on_off),

    /* SCIM 2.0: the identity provider's bearer token (the first line of the file) */
    ngx_http_sso_line("scim_token_file", NGX_CONF_TAKE1, ngx_http_sso_provider_file,
                      scim_token, "secret"),

    /* SAML */
    ngx_http_sso_str_line("saml_idp_metadata", idp_metadata_file),
    ngx_http_sso_line("saml_idp_metadata_max_size", NGX_CONF_TAKE1,
                      ngx_conf_set_size_slot, idp_metadata_max_size, NULL),
    ngx_http_sso_line("saml_idp_certificate", NGX_CONF_TAKE1,
                      ngx_http_sso_provider_files, idp_certificates, NULL),
    ngx_http_sso_str_line("saml_idp_metadata_url", idp_metadata_url),
    ngx_http_sso_line("saml_idp_metadata_signing_certificate", NGX_CONF_TAKE1,
                      ngx_http_sso_provider_files, idp_metadata_signing_certificates,
                      NULL),
    ngx_http_sso_line("saml_idp_metadata_refresh", NGX_CONF_TAKE1,
                      ngx_conf_set_msec_slot, idp_metadata_refresh,
                      &ngx_http_sso_at_least_1s_post),
    ngx_http_sso_file_line("saml_sp_key", sp_key),
    ngx_http_sso_file_line("saml_sp_certificate", sp_certificate),
    ngx_http_sso_str_line("saml_idp_entity_id", idp_entity_id),
    ngx_http_sso_str_line("saml_idp_sso_url", idp_sso_url),
    ngx_http_sso_str_line("saml_idp_slo_url", idp_slo_url),
    ngx_http_sso_str_line("saml_sp_entity_id", sp_entity_id),
    ngx_http_sso_str_line("saml_acs_url", acs_url),
    ngx_http_sso_str_line("saml_slo_url", slo_url),
    ngx_http_sso_enum_line("saml_sign_requests", sign_requests, ngx_http_sso_on_off),
    ngx_http_sso_enum_line("saml_allow_idp_initiated", allow_idp_initiated,
                           ngx_http_sso_on_off),
    ngx_http_sso_line("saml_clock_skew", NGX_CONF_TAKE1, ngx_conf_set_msec_slot,
                      clock_skew, NULL),

    /* OpenID Connect */
    ngx_http_sso_str_line("oidc_issuer", issuer),
    ngx_http_sso_str_line("oidc_client_id", client_id),
    ngx_http_sso_line("oidc_client_secret_file", NGX_CONF_TAKE1,
                      ngx_http_sso_provider_file, client_secret, "secret"),
    ngx_http_sso_enum_line("oidc_token_auth", token_auth, ngx_http_sso_token_auth),
    ngx_http_sso_file_line("oidc_client_key", client_key),
    ngx_http_sso_str_line("oidc_client_key_id", client_key_id),
    ngx_http_sso_str_line("oidc_alg", algorithm),
    ngx_http_sso_str_line("oidc_scope", scope),
    ngx_http_sso_str_line("oidc_redirect_uri", redirect_uri),
    ngx_http_sso_str_line("oidc_authorization_endpoint", authorization_endpoint),
    ngx_http_sso_str_line("oidc_token_endpoint", token_endpoint),
    ngx_http_sso_str_line("oidc_jwks_uri", jwks_uri),
    ngx_http_sso_str_line("oidc_userinfo_endpoint", userinfo_endpoint),
    ngx_http_sso_str_line("oidc_end_session_endpoint", end_session_endpoint),
    ngx_http_sso_str_line("oidc_post_logout_redirect_uri", post_logout_redirect_uri),
    ngx_http_sso_enum_line("oidc_userinfo", userinfo, ngx_http_sso_on_off),
    ngx_http_sso_enum_line("oidc_frontchannel_logout", frontchannel_logout,
                           ngx_http_sso_on_off),
    ngx_http_sso_line("oidc_jwks_refresh_interval", NGX_CONF_TAKE1,
                      ngx_conf_set_msec_slot, jwks_refresh_interval,
                      &ngx_http_sso_at_least_1s_post),
    ngx_http_sso_line("oidc_clock_skew", NGX_CONF_TAKE1, ngx_conf_set_msec_slot,
                      clock_skew, NULL),

    ngx_null_command
};


static ngx_int_t
ngx_http_sso_provider_init(ngx_conf_t *cf, ngx_http_sso_main_conf_t *smcf,
    ngx_http_sso_provider_conf_t **out)
{
    ngx_str_t                     *value;
    ngx_uint_t                     i;
    ngx_http_sso_provider_conf_t  *pcf;

    value = cf->args->elts;

    if (smcf->providers == NULL) {
        smcf->providers = ngx_array_create(cf->pool, 2,
                                           sizeof(ngx_http_sso_provider_conf_t));
        if (smcf->providers == NULL) {
            return NGX_ERROR;
        }
    }

    pcf = smcf->providers->elts;
    for (i = 0; i < smcf->providers->nelts; i++) {
        if (pcf[i].name.len == value[1].len
            && ngx_strncmp(pcf[i].name.data, value[1].data, value[1].len) == 0)
        {
            *out = &pcf[i];
            return NGX_DECLINED;
        }
    }

    pcf = ngx_array_push(smcf->providers);
    if (pcf == NULL) {
        return NGX_ERROR;
    }

    ngx_memzero(pcf, sizeof(ngx_http_sso_provider_conf_t));

    pcf->name = value[1];
    pcf->file = cf->conf_file->file.name;
    pcf->line = cf->conf_file->line;

    pcf->token_auth = NGX_CONF_UNSET_UINT;
    pcf->jwks_refresh_interval = NGX_CONF_UNSET_MSEC;
    pcf->userinfo = NGX_CONF_UNSET_UINT;
    pcf->frontchannel_logout = NGX_CONF_UNSET_UINT;
    pcf->sign_requests = NGX_CONF_UNSET_UINT;
    pcf->allow_idp_initiated = NGX_CONF_UNSET_UINT;
    pcf->clock_skew = NGX_CONF_UNSET_MSEC;
    pcf->idp_metadata_max_size = NGX_CONF_UNSET_SIZE;
    pcf->idp_metadata_refresh = NGX_CONF_UNSET_MSEC;
    pcf->link_existing = NGX_CONF_UNSET_UINT;
    pcf->sync = NGX_CONF_UNSET_UINT;
    pcf->auto_create = NGX_CONF_UNSET_UINT;

    *out = pcf;

    return NGX_OK;
}


/* after the block: defaults, and what only the lines together can tell */
static char *
ngx_http_sso_provider_done(ngx_conf_t *cf, ngx_http_sso_provider_conf_t *pcf)
{
    char             *rv;
    ngx_file_info_t   fi;

    ngx_conf_init_uint_value(pcf->token_auth, NGX_HTTP_SSO_CLIENT_SECRET_BASIC);
    ngx_conf_init_msec_value(pcf->jwks_refresh_interval, 0);
    ngx_conf_init_uint_value(pcf->userinfo, 0);
    ngx_conf_init_uint_value(pcf->frontchannel_logout, 0);
    ngx_conf_init_uint_value(pcf->allow_idp_initiated, 0);
    ngx_conf_init_msec_value(pcf->clock_skew, 180000);
    ngx_conf_init_uint_value(pcf->link_existing, SSO_LINK_OFF);
    ngx_conf_init_uint_value(pcf->sync, SSO_SYNC_ON_EACH_LOGIN);
    ngx_conf_init_uint_value(pcf->auto_create, 1);
    ngx_conf_init_msec_value(pcf->idp_metadata_refresh, 0);   /* the core's default */

    /* sign_requests stays unset: as the IdP metadata asks */

    if (!pcf->saml && !pcf->oidc) {
        ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                      "sso_provider \"%V\" has no saml_ or oidc_ lines: "
                      "give it the lines of one protocol, "
                      "saml_idp_metadata, saml_sp_entity_id and saml_acs_url "
                      "for SAML 2.0, or oidc_issuer, oidc_client_id, "
                      "oidc_client_secret_file and oidc_redirect_uri for "
                      "OpenID Connect (see README.md) in %V:%ui",
                      &pcf->name, &pcf->file, pcf->line);
        return NGX_CONF_ERROR;
    }

    /* read once the block told how large it may be (federation aggregates are) */
    ngx_conf_init_size_value(pcf->idp_metadata_max_size, 1024 * 1024);

    if (pcf->idp_metadata_file.len) {
        pcf->idp_metadata_path = pcf->idp_metadata_file;

        if (ngx_conf_full_name(cf->cycle, &pcf->idp_metadata_path, 1) != NGX_OK) {
            return NGX_CONF_ERROR;
        }
    }

    /* with a URL, the file is the backing copy: none yet is no error */
    if (pcf->idp_metadata_file.len && pcf->idp_metadata_url.len
        && ngx_file_info(pcf->idp_metadata_path.data, &fi) == NGX_FILE_ERROR
        && ngx_errno == NGX_ENOENT)
    {
        ngx_log_error(NGX_LOG_WARN, cf->log, 0,
                      "sso_provider \"%V\" in %V:%ui: no backing copy \"%V\" yet: "
                      "sign-in waits for the first refresh from %V", &pcf->name,
                      &pcf->file, pcf->line, &pcf->idp_metadata_path,
                      &pcf->idp_metadata_url);

    } else if (pcf->idp_metadata_file.len) {
        rv = ngx_http_sso_read_large_conf_file(cf, "file", &pcf->idp_metadata_file,
                                               &pcf->idp_metadata,
                                               pcf->idp_metadata_max_size,
                                               "saml_idp_metadata_max_size");
        if (rv != NGX_CONF_OK) {
            if (rv != NGX_CONF_ERROR) {
                ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                              "sso_provider \"%V\" in %V:%ui: \"saml_idp_metadata\" "
                              "%s", &pcf->name, &pcf->file, pcf->line, rv);
            }

            return NGX_CONF_ERROR;
        }
    }

    if ((pcf->token_auth == NGX_HTTP_SSO_PRIVATE_KEY_JWT) != (pcf->client_key.len != 0)) {
        ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                      "sso_provider \"%V\" in %V:%ui: \"oidc_token_auth "
                      "private_key_jwt\" and \"oidc_client_key\" go together",
                      &pcf->name, &pcf->file, pcf->line);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


char *
ngx_http_sso_provider_block(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_sso_main_conf_t *smcf = conf;

    char                          *rv;
    ngx_int_t                      rc;
    ngx_conf_t                     save;
    ngx_http_sso_provider_conf_t  *pcf;

    rc = ngx_http_sso_provider_init(cf, smcf, &pcf);

    if (rc == NGX_DECLINED) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "sso_provider \"%V\" is defined twice "
                           "(first in %V:%ui): give each provider a name "
                           "of its own", &pcf->name, &pcf->file, pcf->line);
        return NGX_CONF_ERROR;
    }

    if (rc != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    save = *cf;
    cf->handler = ngx_http_sso_provider_line;
    cf->handler_conf = (char *) pcf;

    rv = ngx_conf_parse(cf, NULL);

    *cf = save;

    if (rv != NGX_CONF_OK) {
        return rv;
    }

    return ngx_http_sso_provider_done(cf, pcf);
}


/* the line as written and where, for the core's messages at the http's end */
static ngx_int_t
ngx_http_sso_provider_keep_line(ngx_conf_t *cf,
    ngx_http_sso_provider_conf_t *pcf)
{
    ngx_http_sso_provider_line_t  *l;

    if (pcf->lines == NULL) {
        pcf->lines = ngx_array_create(cf->pool, 8,
                                      sizeof(ngx_http_sso_provider_line_t));
        if (pcf->lines == NULL) {
            return NGX_ERROR;
        }
    }

    l = ngx_array_push(pcf->lines);
    if (l == NULL) {
        return NGX_ERROR;
    }

    /* the values stay in cf->pool; the array holding them is reused */
    l->nargs = cf->args->nelts;
    l->line = cf->conf_file->line;
    l->args = ngx_pnalloc(cf->pool, l->nargs * sizeof(ngx_str_t));
    if (l->args == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(l->args, cf->args->elts, l->nargs * sizeof(ngx_str_t));

    return NGX_OK;
}


static ngx_uint_t
ngx_http_sso_str_eq(ngx_str_t *s, sso_str v)
{
    return s->len == v.len && ngx_strncmp(s->data, v.data, v.len) == 0;
}


ngx_http_sso_provider_line_t *
ngx_http_sso_provider_find_line(ngx_http_sso_provider_conf_t *pcf,
    sso_str directive, sso_str value)
{
    ngx_uint_t                     i, j;
    ngx_http_sso_provider_line_t  *l;

    if (pcf->lines == NULL || directive.len == 0) {
        return NULL;
    }

    l = pcf->lines->elts;

    for (i = 0; i < pcf->lines->nelts; i++) {
        if (!ngx_http_sso_str_eq(&l[i].args[0], directive)) {
            continue;
        }

        if (value.len == 0) {
            return &l[i];
        }

        for (j = 1; j < l[i].nargs; j++) {
            if (ngx_http_sso_str_eq(&l[i].args[j], value)) {
                return &l[i];
            }
        }
    }

    return NULL;
}


/* one line of the block: its command, the number of its values, the protocol */
static char *
ngx_http_sso_provider_line(ngx_conf_t *cf, ngx_command_t *dummy, void *conf)
{
    ngx_http_sso_provider_conf_t *pcf = conf;

    char           *rv;
    ngx_str_t      *name;
    ngx_command_t  *cmd;

    name = cf->args->elts;

    for (cmd = ngx_http_sso_provider_commands; cmd->name.len; cmd++) {
        if (cmd->name.len == name->len
            && ngx_strncmp(cmd->name.data, name->data, name->len) == 0)
        {
            break;
        }
    }

    if (cmd->name.len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "unknown directive \"%V\" in sso_provider \"%V\"",
                           name, &pcf->name);
        return NGX_CONF_ERROR;
    }

    if (ngx_http_sso_provider_keep_line(cf, pcf) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    if (ngx_strncmp(name->data, "saml_", 5) == 0) {
        pcf->saml = 1;

    } else if (ngx_strncmp(name->data, "oidc_", 5) == 0) {
        pcf->oidc = 1;
    }

    if (pcf->saml && pcf->oidc) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "sso_provider \"%V\" mixes saml_ and oidc_ lines; "
                           "one provider speaks one protocol", &pcf->name);
        return NGX_CONF_ERROR;
    }

    if ((cmd->type & NGX_CONF_TAKE1) && cf->args->nelts != 2) {
        rv = "takes one value";

    } else {
        rv = cmd->set(cf, cmd, pcf);
    }

    if (rv == NGX_CONF_OK || rv == NGX_CONF_ERROR) {
        return rv;
    }

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "sso_provider \"%V\": \"%V\" directive %s",
                       &pcf->name, name, rv);

    return NGX_CONF_ERROR;
}


/* one of cmd->post's words (ngx_conf_enum_t), e.g. "on" or "off" */
static char *
ngx_http_sso_provider_enum(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    char  *p = conf;

    u_char           *msg, *m, *last;
    ngx_str_t        *value;
    ngx_uint_t       *field, i;
    ngx_conf_enum_t  *e;

    field = (ngx_uint_t *) (p + cmd->offset);
    if (*field != NGX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;
    e = cmd->post;

    for (i = 0; e[i].name.len; i++) {
        if (e[i].name.len == value[1].len
            && ngx_strncmp(e[i].name.data, value[1].data, value[1].len) == 0)
        {
            *field = e[i].value;
            return NGX_CONF_OK;
        }
    }

    /* takes "a", "b" or "c" */

    msg = ngx_pnalloc(cf->pool, NGX_MAX_CONF_ERRSTR);
    if (msg == NULL) {
        return NGX_CONF_ERROR;
    }

    last = msg + NGX_MAX_CONF_ERRSTR - 1;
    m = ngx_slprintf(msg, last, "takes");

    for (i = 0; e[i].name.len; i++) {
        m = ngx_slprintf(m, last, "%s\"%V\"",
                         i == 0 ? " " : (e[i + 1].name.len ? ", " : " or "),
                         &e[i].name);
    }

    *m = '\0';

    return (char *) msg;
}


static ngx_array_t *
ngx_http_sso_provider_array(ngx_conf_t *cf, ngx_command_t *cmd, void *conf,
    size_t size)
{
    ngx_array_t  **a;

    a = (ngx_array_t **) ((char *) conf + cmd->offset);

    if (*a == NULL) {
        *a = ngx_array_create(cf->pool, 4, size);
    }

    return *a;
}


/* every value of the line, added to the list (the line may repeat) */
static char *
ngx_http_sso_provider_list(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_str_t    *value, *s;
    ngx_uint_t    i;
    ngx_array_t  *a;

    if (cf->args->nelts < 2) {
        return cmd->post;
    }

    a = ngx_http_sso_provider_array(cf, cmd, conf, sizeof(ngx_str_t));
    if (a == NULL) {
        return NGX_CONF_ERROR;
    }

    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {
        s = ngx_array_push(a);
        if (s == NULL) {
            return NGX_CONF_ERROR;
        }

        *s = value[i];
    }

    return NGX_CONF_OK;
}


/* the line as written, e.g. "role engineering" */
static ngx_str_t
ngx_http_sso_provider_text(ngx_conf_t *cf)
{
    u_char      *p, *last;
    ngx_str_t    text, *value;
    ngx_uint_t   i;

    value = cf->args->elts;

    text.len = 0;
    for (i = 0; i < cf->args->nelts; i++) {
        text.len += value[i].len + 1;
    }

    text.data = ngx_pnalloc(cf->pool, text.len);
    if (text.data == NULL) {
        text.len = 0;
        return text;
    }

    p = text.data;
    last = text.data + text.len;

    for (i = 0; i < cf->args->nelts; i++) {
        p = ngx_slprintf(p, last, "%s%V", i ? " " : "", &value[i]);
    }

    text.len = p - text.data;

    return text;
}


/* NAME VALUE, added to the list (the line may repeat) */
static char *
ngx_http_sso_provider_pair(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_sso_provider_conf_t *pcf = conf;

    ngx_str_t                  *value, text;
    ngx_array_t                *a;
    ngx_keyval_t               *kv;
    ngx_http_sso_pair_usage_t  *usage;

    value = cf->args->elts;

    if (cf->args->nelts != 3) {
        usage = cmd->post;
        text = ngx_http_sso_provider_text(cf);

        if (cf->args->nelts == 2) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "sso_provider \"%V\": \"%V\" %s, "
                               "e.g. \"%V %V %s\"", &pcf->name, &text,
                               usage->usage, &value[0], &value[1],
                               usage->second);

        } else {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "sso_provider \"%V\": \"%V\" %s, e.g. \"%V %s\"",
                               &pcf->name, &text, usage->usage, &value[0],
                               usage->example);
        }

        return NGX_CONF_ERROR;
    }

    a = ngx_http_sso_provider_array(cf, cmd, conf, sizeof(ngx_keyval_t));
    if (a == NULL) {
        return NGX_CONF_ERROR;
    }

    kv = ngx_array_push(a);
    if (kv == NULL) {
        return NGX_CONF_ERROR;
    }

    kv->key = value[1];
    kv->value = value[2];

    return NGX_CONF_OK;
}


/* a file's contents; with cmd->post, a secret: the file's first line */
static char *
ngx_http_sso_provider_file(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    char  *p = conf;

    ngx_str_t  *field, *value;

    field = (ngx_str_t *) (p + cmd->offset);
    if (field->data) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (cmd->post) {
        return ngx_http_sso_read_secret_file(cf, "file", &value[1], field);
    }

    return ngx_http_sso_read_conf_file(cf, "file", &value[1], field);
}


/* a file's contents, added to the list (the line may repeat) */
static char *
ngx_http_sso_provider_files(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_str_t    *value, *s;
    ngx_array_t  *a;

    a = ngx_http_sso_provider_array(cf, cmd, conf, sizeof(ngx_str_t));
    if (a == NULL) {
        return NGX_CONF_ERROR;
    }

    s = ngx_array_push(a);
    if (s == NULL) {
        return NGX_CONF_ERROR;
    }

    value = cf->args->elts;

    return ngx_http_sso_read_conf_file(cf, "file", &value[1], s);
}


static char *
ngx_http_sso_at_least_1s(ngx_conf_t *cf, void *post, void *data)
{
    ngx_msec_t  *ms = data;

    return *ms < 1000 ? "takes a time of at least 1s" : NGX_CONF_OK;
}
