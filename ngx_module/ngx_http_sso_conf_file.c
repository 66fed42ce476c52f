
/*
 * The module's one reader of files named in the configuration (keys, certificates,
 * metadata, secrets): read once, at configuration time, at most 1m (IdP metadata: as
 * saml_idp_metadata_max_size says).
 *
 * Both readers return NGX_CONF_OK or a message for the caller to return from its setter,
 * e.g. `cannot open password_file "/etc/nginx/redis.pass" (2: No such file or directory)`;
 * `what` names the setting. No message contains a file's contents.
 */

#include "ngx_http_sso_module.h"


#define NGX_HTTP_SSO_MAX_FILE  (1024 * 1024)


static char *
ngx_http_sso_file_error(ngx_conf_t *cf, char *problem, char *what, ngx_str_t *path,
    ngx_err_t err, char *reason)
{
    u_char  *msg, *p, *last;

    msg = ngx_pnalloc(cf->pool, NGX_MAX_CONF_ERRSTR);
    if (msg == NULL) {
        return NGX_CONF_ERROR;
    }

    last = msg + NGX_MAX_CONF_ERRSTR - 1;
    p = ngx_slprintf(msg, last, "%s %s \"%V\"", problem, what, path);

    if (err) {
        p = ngx_slprintf(p, last, " (%d: ", err);
        p = ngx_strerror(err, p, last - p);
        p = ngx_slprintf(p, last, ")");

    } else if (reason) {
        p = ngx_slprintf(p, last, " (%s)", reason);
    }

    *p = '\0';

    return (char *) msg;
}


char *
ngx_http_sso_read_conf_file(ngx_conf_t *cf, char *what, ngx_str_t *name, ngx_str_t *out)
{
    return ngx_http_sso_read_large_conf_file(cf, what, name, out, NGX_HTTP_SSO_MAX_FILE,
                                             NULL);
}


char *
ngx_http_sso_read_large_conf_file(ngx_conf_t *cf, char *what, ngx_str_t *name,
    ngx_str_t *out, size_t max, char *limit)
{
    u_char          *msg;
    ssize_t          n;
    ngx_fd_t         fd;
    ngx_err_t        err;
    ngx_str_t        path;
    ngx_file_info_t  fi;

    path = *name;

    if (ngx_conf_full_name(cf->cycle, &path, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    fd = ngx_open_file(path.data, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);
    if (fd == NGX_INVALID_FILE) {
        return ngx_http_sso_file_error(cf, "cannot open", what, &path, ngx_errno, NULL);
    }

    if (ngx_fd_info(fd, &fi) == NGX_FILE_ERROR) {
        err = ngx_errno;
        ngx_close_file(fd);
        return ngx_http_sso_file_error(cf, "cannot read", what, &path, err, NULL);
    }

    if (ngx_file_size(&fi) > (off_t) max) {
        ngx_close_file(fd);

        msg = ngx_pnalloc(cf->pool, NGX_MAX_CONF_ERRSTR);
        if (msg == NULL) {
            return NGX_CONF_ERROR;
        }

        /* "larger than 1048576 bytes; raise saml_idp_metadata_max_size" */
        ngx_slprintf(msg, msg + NGX_MAX_CONF_ERRSTR - 1,
                     "%O bytes, larger than %uz%s%s%Z", ngx_file_size(&fi), max,
                     limit ? "; raise " : "", limit ? limit : "");

        return ngx_http_sso_file_error(cf, "cannot read", what, &path, 0,
                                       (char *) msg);
    }

    out->len = ngx_file_size(&fi);
    out->data = ngx_pnalloc(cf->pool, out->len + 1);
    if (out->data == NULL) {
        ngx_close_file(fd);
        return NGX_CONF_ERROR;
    }

    n = ngx_read_fd(fd, out->data, out->len);
    err = (n == -1) ? ngx_errno : 0;
    ngx_close_file(fd);

    if (n != (ssize_t) out->len) {
        return ngx_http_sso_file_error(cf, "cannot read", what, &path, err,
                                       "it changed while it was read");
    }

    out->data[out->len] = '\0';

    return NGX_CONF_OK;
}


char *
ngx_http_sso_read_secret_file(ngx_conf_t *cf, char *what, ngx_str_t *name,
    ngx_str_t *out)
{
    char    *rv;
    u_char  *eol;
    size_t   size;

    rv = ngx_http_sso_read_conf_file(cf, what, name, out);
    if (rv != NGX_CONF_OK) {
        return rv;
    }

    size = out->len;

    /* the first line; its line break is not part of the secret */
    eol = ngx_strlchr(out->data, out->data + out->len, '\n');
    if (eol) {
        out->len = eol - out->data;
    }

    if (out->len && out->data[out->len - 1] == '\r') {
        out->len--;
    }

    /* what else the file held is not kept in memory */
    ngx_explicit_memzero(out->data + out->len, size - out->len);

    if (out->len == 0) {
        return ngx_http_sso_file_error(cf, "cannot use", what, name, 0,
                                       "its first line is empty");
    }

    return NGX_CONF_OK;
}
