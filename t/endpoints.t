# The endpoints' routing as the core decides it, seen through nginx: unknown paths and
# methods get nginx's own answers (so error_page applies), the ACS's form has a size limit,
# a secret query never reaches a log, and logout and login leave an info line.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use Test::Nginx::SSO;

import_servers();

my $root = env()->{servroot};
start_nginx({
    http_config => "log_format reqline '\$status \$request';",
    config => <<"CONF",
location /sso/ {
    sso_endpoints;
    client_max_body_size 4m;
    access_log $root/logs/endpoints.log reqline;
}
location /other/ {
    sso_endpoints;
    error_page 404 405 /handled.html;
}
location = /handled.html { return 200 "handled by error_page\\n"; }
location / { sso on; return 200 "app\\n"; }
CONF
});

subtest 'unknown endpoints are nginx 404s' => sub {
    for my $path ('/sso/', '/sso/nothing', '/sso/login/', '/sso/saml/acs/x') {
        my $res = http_request('GET', $path);
        is($res->{status}, 404, "$path: 404");
        like($res->{body}, qr{<center>nginx}, "$path: nginx's own page");
    }
    my $res = http_request('GET', '/other/nothing');
    is($res->{status}, 404, 'error_page keeps the status');
    is($res->{body}, "handled by error_page\n", 'and serves its target');
};

subtest 'each endpoint takes only its methods' => sub {
    is(http_request('POST', '/sso/login', body => 'a=1')->{status}, 405, 'POST login');
    is(http_request('GET', '/sso/saml/acs')->{status}, 405, 'GET ACS');
    is(http_request('PUT', '/sso/saml/metadata')->{status}, 405, 'PUT metadata');
    is(http_request('GET', '/sso/logout')->{status}, 405, 'GET logout');
    is(http_request('POST', '/other/login', body => 'a=1')->{body}, "handled by error_page\n",
        'a 405 goes through error_page too');
};

subtest 'the callback code stays out of the access log, whatever the answer' => sub {
    http_request('POST', '/sso/oidc/callback?code=SECRETCODE1&state=x', body => 'a=1');
    http_request('GET', '/sso/oidc/callback?code=SECRETCODE2&state=x');
    http_request('GET', '/sso/login?return_to=/visible');
    my $log = do { local (@ARGV, $/) = "$root/logs/endpoints.log"; <> } // '';
    like($log, qr{^405 POST /sso/oidc/callback\?\.\.\. HTTP/1\.1$}m, 'the 405 is logged redacted');
    like($log, qr{GET /sso/oidc/callback\?\.\.\. HTTP/1\.1$}m, 'the callback too');
    unlike($log, qr/SECRETCODE/, 'no code in the access log');
    unlike(error_log(), qr/SECRETCODE/, 'none in the error log');
    like($log, qr{GET /sso/login\?return_to=/visible}, 'other queries stay');
};

subtest 'the ACS form has a limit of 1 MiB' => sub {
    my $form = 'SAMLResponse=' . ('A' x (1024 * 1024 + 1));
    my $res = http_request('POST', '/sso/saml/acs', body => $form,
        headers => ['Content-Type: application/x-www-form-urlencoded']);
    is($res->{status}, 413, 'larger: 413');
    $res = http_request('POST', '/sso/saml/acs', body => 'SAMLResponse=AAAA',
        headers => ['Content-Type: application/x-www-form-urlencoded']);
    is($res->{status}, 400, 'smaller: read and judged by the ACS');
    like(error_log(), qr/sso: request failed: SAML_/, 'the check named');
};

subtest 'logout leaves an info line' => sub {
    my $cookie = create_session(user => 'u1', subject => 'endpoints-logout');
    my $res = http_request('POST', '/sso/logout', headers => ["Cookie: __Host-sso=$cookie"]);
    is($res->{status}, 303, 'logged out');
    like(error_log(), qr/\[info\].*sso: logout/, 'logged');
};

done_testing();
