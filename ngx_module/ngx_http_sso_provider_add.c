
/*
 * The sso_provider blocks, handed to the core (at the end of the http block's
 * configuration): nginx's strings become the C ABI's structs, and the core validates the
 * values; its status, and each of its warnings, is logged naming the provider.
 * While it checks them it asks what serves the provider's URLs
 * (ngx_http_sso_path_facts), and a refusal names the line at fault.
 */

#include "ngx_http_sso_module.h"


typedef struct {
    sso_str                       *idp_certificates;
    sso_str                       *metadata_certificates;
    sso_str                       *email_domains;
    sso_attribute                 *attributes;
    sso_attribute                 *roles;
    sso_config_facts               facts;   /* the locations, for the core */
} ngx_http_sso_provider_lists_t;


static size_t
ngx_http_sso_count(ngx_array_t *a)
{
    return a ? a->nelts : 0;
}


/* of ngx_str_t */
static sso_str *
ngx_http_sso_sso_strs(ngx_conf_t *cf, ngx_array_t *a)
{
    size_t      i, n;
    sso_str    *out;
    ngx_str_t  *s;

    n = ngx_http_sso_count(a);

    out = ngx_palloc(cf->pool, (n + 1) * sizeof(sso_str));
    if (out == NULL) {
        return NULL;
    }

    s = n ? a->elts : NULL;
    for (i = 0; i < n; i++) {
        out[i] = ngx_http_sso_view(&s[i]);
    }

    return out;
}


/* of ngx_keyval_t */
static sso_attribute *
ngx_http_sso_sso_attributes(ngx_conf_t *cf, ngx_array_t *a)
{
    size_t          i, n;
    ngx_keyval_t   *kv;
    sso_attribute  *out;

    n = ngx_http_sso_count(a);

    out = ngx_palloc(cf->pool, (n + 1) * sizeof(sso_attribute));
    if (out == NULL) {
        return NULL;
    }

    kv = n ? a->elts : NULL;
    for (i = 0; i < n; i++) {
        out[i].name = ngx_http_sso_view(&kv[i].key);
        out[i].value = ngx_http_sso_view(&kv[i].value);
    }

    return out;
}


static sso_status
ngx_http_sso_add_oidc(ngx_http_sso_main_conf_t *smcf, ngx_http_sso_provider_conf_t *pcf,
    ngx_http_sso_provider_lists_t *l)
{
    sso_oidc_provider_config  oc;

    ngx_memzero(&oc, sizeof(sso_oidc_provider_config));

    oc.name = ngx_http_sso_view(&pcf->name);
    oc.issuer = ngx_http_sso_view(&pcf->issuer);
    oc.client_id = ngx_http_sso_view(&pcf->client_id);
    oc.client_secret = ngx_http_sso_view(&pcf->client_secret);
    oc.client_secret_post = (pcf->token_auth == NGX_HTTP_SSO_CLIENT_SECRET_POST);
    oc.algorithm = ngx_http_sso_view(&pcf->algorithm);
    oc.scope = ngx_http_sso_view(&pcf->scope);
    oc.redirect_uri = ngx_http_sso_view(&pcf->redirect_uri);
    oc.authorization_endpoint = ngx_http_sso_view(&pcf->authorization_endpoint);
    oc.token_endpoint = ngx_http_sso_view(&pcf->token_endpoint);
    oc.jwks_uri = ngx_http_sso_view(&pcf->jwks_uri);
    oc.clock_skew_ms = pcf->clock_skew;
    oc.jwks_refresh_interval_ms = pcf->jwks_refresh_interval;
    oc.userinfo = (int) pcf->userinfo;
    oc.frontchannel_logout = (int) pcf->frontchannel_logout;
    oc.userinfo_endpoint = ngx_http_sso_view(&pcf->userinfo_endpoint);
    oc.end_session_endpoint = ngx_http_sso_view(&pcf->end_session_endpoint);
    oc.post_logout_redirect_uri = ngx_http_sso_view(&pcf->post_logout_redirect_uri);
    oc.client_key_pem = ngx_http_sso_view(&pcf->client_key);
    oc.client_key_id = ngx_http_sso_view(&pcf->client_key_id);
    oc.email_domains = l->email_domains;
    oc.email_domains_count = ngx_http_sso_count(pcf->email_domains);
    oc.claim_map = l->attributes;
    oc.claim_map_count = ngx_http_sso_count(pcf->attributes);
    oc.facts = &l->facts;

    return sso_engine_add_oidc_provider(smcf->engine, &oc);
}


static sso_status
ngx_http_sso_add_saml(ngx_http_sso_main_conf_t *smcf, ngx_http_sso_provider_conf_t *pcf,
    ngx_http_sso_provider_lists_t *l)
{
    sso_saml_provider_config  c;

    ngx_memzero(&c, sizeof(sso_saml_provider_config));

    c.name = ngx_http_sso_view(&pcf->name);
    c.idp_metadata_xml = ngx_http_sso_view(&pcf->idp_metadata);
    c.idp_entity_id = ngx_http_sso_view(&pcf->idp_entity_id);
    c.idp_sso_url = ngx_http_sso_view(&pcf->idp_sso_url);
    c.idp_slo_url = ngx_http_sso_view(&pcf->idp_slo_url);
    c.idp_certificates = l->idp_certificates;
    c.idp_certificates_count = ngx_http_sso_count(pcf->idp_certificates);
    c.sp_entity_id = ngx_http_sso_view(&pcf->sp_entity_id);
    c.acs_url = ngx_http_sso_view(&pcf->acs_url);
    c.slo_url = ngx_http_sso_view(&pcf->slo_url);
    c.sp_key_pem = ngx_http_sso_view(&pcf->sp_key);
    c.sp_certificate_pem = ngx_http_sso_view(&pcf->sp_certificate);
    c.sign_requests = (pcf->sign_requests == NGX_CONF_UNSET_UINT)
                      ? -1 : (int) pcf->sign_requests;
    c.allow_idp_initiated = (int) pcf->allow_idp_initiated;
    c.clock_skew_ms = pcf->clock_skew;
    c.email_domains = l->email_domains;
    c.email_domains_count = ngx_http_sso_count(pcf->email_domains);
    c.attribute_map = l->attributes;
    c.attribute_map_count = ngx_http_sso_count(pcf->attributes);
    c.facts = &l->facts;
    c.idp_metadata_url = ngx_http_sso_view(&pcf->idp_metadata_url);
    c.idp_metadata_signing_certificates = l->metadata_certificates;
    c.idp_metadata_signing_certificates_count =
        ngx_http_sso_count(pcf->idp_metadata_signing_certificates);
    c.idp_metadata_refresh_ms = pcf->idp_metadata_refresh;
    c.now_ms = ngx_http_sso_now_ms();
    c.http_resolver = smcf->resolver != NULL;

    return sso_engine_add_saml_provider(smcf->engine, &c);
}


static sso_status
ngx_http_sso_add_policy(ngx_http_sso_main_conf_t *smcf, ngx_http_sso_provider_conf_t *pcf,
    ngx_http_sso_provider_lists_t *l)
{
    sso_provider_policy  policy;

    ngx_memzero(&policy, sizeof(sso_provider_policy));

    policy.role_map = l->roles;
    policy.role_map_count = ngx_http_sso_count(pcf->roles);
    policy.default_role = ngx_http_sso_view(&pcf->default_role);
    policy.link_existing = (sso_link_policy) pcf->link_existing;
    policy.sync = (sso_sync_policy) pcf->sync;
    policy.auto_create = pcf->auto_create ? 1 : 0;

    return sso_engine_set_provider_policy(smcf->engine,
                                          ngx_http_sso_view(&pcf->name), &policy);
}


/*
 * The core's refusal of a provider: its sentence, at the line it names (the
 * block's when it names none, or a line not in the block: a default value).
 */
static ngx_int_t
ngx_http_sso_provider_refused(ngx_conf_t *cf, ngx_http_sso_main_conf_t *smcf,
    ngx_http_sso_provider_conf_t *pcf, sso_status rc)
{
    ngx_uint_t                     line;
    sso_config_error               e;
    ngx_http_sso_provider_line_t  *l;

    e = sso_engine_config_error(smcf->engine);

    if (e.message.len == 0) {
        ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                      "sso_provider \"%V\" in %V:%ui: %s (%s)", &pcf->name,
                      &pcf->file, pcf->line, sso_status_message(rc),
                      sso_status_name(rc));
        return NGX_ERROR;
    }

    l = ngx_http_sso_provider_find_line(pcf, e.directive, e.value);
    line = l ? l->line : pcf->line;

    ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                  "sso_provider \"%V\": %*s in %V:%ui", &pcf->name,
                  e.message.len, e.message.data, &pcf->file, line);

    return NGX_ERROR;
}


static ngx_int_t
ngx_http_sso_add_provider(ngx_conf_t *cf, ngx_http_sso_main_conf_t *smcf,
    ngx_http_sso_provider_conf_t *pcf)
{
    size_t                         i;
    sso_str                        w;
    sso_status                     rc;
    ngx_http_sso_provider_lists_t  l;

    l.idp_certificates = ngx_http_sso_sso_strs(cf, pcf->idp_certificates);
    l.metadata_certificates = ngx_http_sso_sso_strs(cf,
                                  pcf->idp_metadata_signing_certificates);
    l.email_domains = ngx_http_sso_sso_strs(cf, pcf->email_domains);
    l.attributes = ngx_http_sso_sso_attributes(cf, pcf->attributes);
    l.roles = ngx_http_sso_sso_attributes(cf, pcf->roles);

    if (l.idp_certificates == NULL || l.metadata_certificates == NULL
        || l.email_domains == NULL
        || l.attributes == NULL || l.roles == NULL)
    {
        return NGX_ERROR;
    }

    l.facts.path = ngx_http_sso_path_facts;
    l.facts.data = cf;

    /* OIDC, and IdP metadata from a URL, call the back-channel over TLS */
    if (pcf->oidc || pcf->idp_metadata_url.len) {
        if (smcf->backchannel_ssl == NULL
            && ngx_http_sso_backchannel_init(cf, smcf) != NGX_CONF_OK)
        {
            return NGX_ERROR;
        }
    }

    if (pcf->oidc) {
        rc = ngx_http_sso_add_oidc(smcf, pcf, &l);

    } else {
        rc = ngx_http_sso_add_saml(smcf, pcf, &l);

        /* the core kept what it needs of the metadata (an aggregate is megabytes) */
        if (pcf->idp_metadata.data) {
            ngx_pfree(cf->pool, pcf->idp_metadata.data);
            ngx_str_null(&pcf->idp_metadata);
        }
    }

    /* e.g. an IdP certificate that was skipped, and why */
    for (i = 0; i < sso_engine_warnings_count(smcf->engine); i++) {
        w = sso_engine_warning(smcf->engine, i);
        ngx_log_error(NGX_LOG_WARN, cf->log, 0, "sso_provider \"%V\" in %V:%ui: %*s",
                      &pcf->name, &pcf->file, pcf->line, w.len, w.data);
    }

    if (rc != SSO_OK) {
        return ngx_http_sso_provider_refused(cf, smcf, pcf, rc);
    }

    rc = ngx_http_sso_add_policy(smcf, pcf, &l);

    if (rc == SSO_OK && pcf->display_name.data) {
        rc = sso_engine_set_display_name(smcf->engine, ngx_http_sso_view(&pcf->name),
                                         ngx_http_sso_view(&pcf->display_name));
    }

    if (rc == SSO_OK && pcf->scim_token.len) {
        rc = sso_engine_set_scim(smcf->engine, ngx_http_sso_view(&pcf->name),
                                 ngx_http_sso_view(&pcf->scim_token));
    }

    if (rc != SSO_OK) {
        return ngx_http_sso_provider_refused(cf, smcf, pcf, rc);
    }

    return NGX_OK;
}


ngx_int_t
ngx_http_sso_add_providers(ngx_conf_t *cf, ngx_http_sso_main_conf_t *smcf)
{
    ngx_uint_t                     i;
    ngx_http_sso_provider_conf_t  *pcf;

    ngx_http_core_loc_conf_t      *clcf;

    if (smcf->providers == NULL) {
        return NGX_OK;
    }

    /* a metadata URL is fetched by the worker, with the http block's resolver */
    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);

    if (clcf->resolver && clcf->resolver->connections.nelts) {
        smcf->resolver = clcf->resolver;
        smcf->resolver_timeout = clcf->resolver_timeout == NGX_CONF_UNSET_MSEC
                                 ? 30000 : clcf->resolver_timeout;
    }

    pcf = smcf->providers->elts;

    for (i = 0; i < smcf->providers->nelts; i++) {
        if (ngx_http_sso_add_provider(cf, smcf, &pcf[i]) != NGX_OK) {
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}
