# Configuration errors are caught by `nginx -t` with a message that says what to fix.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use Test::Nginx::SSO;

import_servers();

my @cases = (
    ['sso on without sso_redis',
        { http_config => 'sso_redis_absent_marker: ;', config => 'location / { sso on; }' },
        qr/"sso on" needs "sso_redis"/],
    ['idle longer than ttl',
        { http_config => 'sso_session ttl=10m idle=1h;', config => '' },
        qr/idle= must not be longer than ttl=/],
    ['bad cookie name',
        { http_config => 'sso_session "cookie=bad name";', config => '' },
        qr/cookie name is not a valid cookie token/],
    ['__Host- cookie without Secure',
        { http_config => 'sso_session secure=off cookie=__Host-x;', config => '' },
        qr/__Host- or __Secure- cookie requires secure=on/],
    ['unknown sso_redis parameter',
        { http_config => 'sso_redis 127.0.0.1:6379 dbx=1;', config => '' },
        qr/invalid sso_redis parameter "dbx=1"/],
    ['missing password file',
        { http_config => 'sso_redis 127.0.0.1:6379 password_file=/nonexistent/pw;', config => '' },
        qr/cannot open password_file/],
    ['login url that leaves the origin',
        { http_config => 'sso_login_url https://evil.example/;', config => '' },
        qr/login url must be a same-origin path/],
    ['duplicate sso_redis',
        { http_config => "sso_redis 127.0.0.1:1;\nsso_redis 127.0.0.1:2;", config => '' },
        qr/"sso_redis" directive is duplicate/],
    ['sso_endpoints without sso_redis',
        { http_config => 'sso_redis_absent_marker: ;', config => 'location /sso/ { sso_endpoints; }' },
        qr/sso_endpoints.*needs "sso_redis"/],
);

for my $case (@cases) {
    my ($name, $block, $want) = @$case;
    # the marker keeps the harness from adding its own sso_redis line; drop it afterwards
    $block->{http_config} =~ s/sso_redis_absent_marker: ;/# sso_redis absent/;
    my ($ok, $out) = nginx_config_test($block);
    ok(!$ok, "$name: nginx -t fails");
    like($out, $want, "$name: the message says why");
}

# sso on where the login URL is served: browsers would be sent to the login URL forever
my @gated = (
    ['sso on covers the login URL',
        { config => 'location / { sso on; }' },
        qr{"sso on" applies to the login URL "/sso/login" in the server at \S+:\d+ \(served by location "/"\), so browsers would be sent to it forever: add "location /sso/ \{ sso_endpoints; \}" to that server}],
    ['server-level sso on, no location serves the login URL',
        { config => "sso on;\nlocation /app/ { }" },
        qr{"sso on" applies to the login URL "/sso/login" in the server at \S+:\d+ \(no location serves it\)}],
    ['http-level sso on, a one-segment login URL',
        { http_config => "sso on;\nsso_login_url /login?x=1;", config => 'location /app/ { }' },
        qr{login URL "/login\?x=1".*add "location = /login \{ sso_endpoints; \}"}],
    ['a regex location wins over the endpoints prefix',
        { config => "location /sso/ { sso_endpoints; }\nlocation ~ ^/sso/log { sso on; }" },
        qr{served by location "\^/sso/log"}],
    ['an exact location wins over the endpoints prefix',
        { config => "location /sso/ { sso_endpoints; }\nlocation = /sso/login { sso on; }" },
        qr{served by location "/sso/login"}],
    ['a second server without the endpoints',
        { config => "location /sso/ { sso_endpoints; }\nlocation / { sso on; }\n}\n"
            . "server {\n listen 127.0.0.1:1;\n sso on;\n location / { }" },
        qr{in the server at \S+:\d+ \(served by location "/"\)}],
    ['a login URL percent-encoded into a gated location',
        { http_config => 'sso_login_url /app/%6Cogin;',
          config => "location /sso/ { sso_endpoints; }\nlocation /app/login { sso on; }" },
        qr{served by location "/app/login"}],
);
for my $case (@gated) {
    my ($name, $block, $want) = @$case;
    $block->{http_config} //= '';
    my ($ok, $out) = nginx_config_test($block);
    ok(!$ok, "$name: nginx -t fails");
    like($out, $want, "$name: the message says what to add");
}

# ... and where it is not
my @fine = (
    ['the endpoints location', "location /sso/ { sso_endpoints; }\nlocation / { sso on; }"],
    ['endpoints under server-level sso on', "sso on;\nlocation /sso/ { sso_endpoints; }"],
    ['a custom login page with sso off',
        "location = /sso/login { sso off; return 200; }\nlocation / { sso on; }"],
    ['^~ keeps a regex from taking the login URL',
        "location ^~ /sso/ { sso_endpoints; }\nlocation ~ login { sso on; }"],
    ['no sso on anywhere', 'location / { }'],
);
for my $case (@fine) {
    my ($name, $config) = @$case;
    my ($ok, $out) = nginx_config_test({ http_config => '', config => $config });
    ok($ok, "$name: nginx -t passes") or diag($out);
}

# sso_logout_redirect: same-origin paths only (open-redirect payloads)
for my $bad ('//evil.example/', 'https://evil.example/', '/\\\\evil.example', '/a//b',
    '"/x?next=//evil.example"', '"/\\r\\nSet-Cookie: a=b"', '"/a b"', 'bye', '"/\\tx"')
{
    my ($ok, $out) = nginx_config_test({ http_config => "sso_logout_redirect $bad;",
        config => '' });
    ok(!$ok, "sso_logout_redirect $bad: nginx -t fails");
    like($out, qr/logout redirect must be a same-origin path starting with a single \//,
        "sso_logout_redirect $bad: the message says why");
}
my ($ok, $out) = nginx_config_test({ http_config => 'sso_logout_redirect /signed-out?from=sso;',
    config => '' });
ok($ok, 'sso_logout_redirect with a same-origin path passes') or diag($out);

($ok, $out) = nginx_config_test({ http_config => '',
    config => "location /sso/ { sso_endpoints; }\nlocation / { sso on; }" });
ok($ok, 'a minimal valid configuration passes nginx -t') or diag($out);

# sso_provider blocks: a single-valued line given twice fails nginx -t, naming the provider,
# the line and where it is; the lines that are lists may repeat
my $servroot = Test::Nginx::SSO::env()->{servroot};
open my $secret, '>', "$servroot/provider.secret" or die;
print $secret "provider-secret\n";
close $secret;
sub oidc_block {
    my ($name, @lines) = @_;
    return "sso_provider $name {\n    oidc_issuer https://op.example;\n"
        . "    oidc_client_id app;\n    oidc_client_secret_file $servroot/provider.secret;\n"
        . "    oidc_redirect_uri https://app.example/sso/oidc/callback;\n"
        . join('', map {"    $_;\n"} @lines) . "}\n";
}
system("openssl req -x509 -newkey rsa:2048 -nodes -keyout $servroot/idp.key "
    . "-out $servroot/idp.crt -days 2 -subj /CN=idp.example 2>/dev/null") == 0 or die 'idp.crt';
sub saml_block {
    my ($name, @lines) = @_;
    return "sso_provider $name {\n    saml_idp_entity_id https://idp.example/metadata;\n"
        . "    saml_idp_sso_url https://idp.example/sso;\n"
        . "    saml_idp_certificate $servroot/idp.crt;\n"
        . "    saml_sp_entity_id https://app.example/sso/saml;\n"
        . "    saml_acs_url https://app.example/sso/saml/acs;\n"
        . join('', map {"    $_;\n"} @lines) . "}\n";
}
($ok, $out) = nginx_config_test({ http_config => oidc_block('corp'), config => '' });
ok($ok, 'sso_provider: the OIDC block the duplicate cases start from passes nginx -t')
    or diag($out);
($ok, $out) = nginx_config_test({ http_config => saml_block('vault'), config => '' });
ok($ok, 'sso_provider: the SAML block the duplicate cases start from passes nginx -t')
    or diag($out);

my @duplicates = (
    ['oidc_token_auth', oidc_block('corp', 'oidc_token_auth client_secret_post',
        'oidc_token_auth client_secret_basic')],
    ['oidc_token_auth', oidc_block('corp', 'oidc_token_auth private_key_jwt',
        'oidc_token_auth client_secret_basic')],
    ['oidc_issuer', oidc_block('corp', 'oidc_issuer https://op2.example')],
    ['oidc_client_secret_file', oidc_block('corp',
        "oidc_client_secret_file $servroot/provider.secret")],
    ['oidc_userinfo', oidc_block('corp', 'oidc_userinfo off', 'oidc_userinfo off')],
    ['oidc_clock_skew', oidc_block('corp', 'oidc_clock_skew 1m', 'oidc_clock_skew 2m')],
    ['oidc_jwks_refresh_interval', oidc_block('corp', 'oidc_jwks_refresh_interval 10s',
        'oidc_jwks_refresh_interval 20s')],
    ['default_role', oidc_block('corp', 'default_role member', 'default_role guest')],
    ['link_existing', oidc_block('corp', 'link_existing off', 'link_existing verified_email')],
    ['sync', oidc_block('corp', 'sync on_change', 'sync on_change')],
    ['auto_create', oidc_block('corp', 'auto_create on', 'auto_create off')],
    ['saml_sp_entity_id', saml_block('vault', 'saml_sp_entity_id https://app.example/other')],
    ['saml_sign_requests', saml_block('vault', 'saml_sign_requests off',
        'saml_sign_requests off')],
    ['saml_allow_idp_initiated', saml_block('vault', 'saml_allow_idp_initiated on',
        'saml_allow_idp_initiated off')],
    ['saml_clock_skew', saml_block('vault', 'saml_clock_skew 1m', 'saml_clock_skew 1m')],
);
for my $case (@duplicates) {
    my ($line, $http) = @$case;
    my $provider = $http =~ /^sso_provider (\w+)/ ? $1 : die;
    ($ok, $out) = nginx_config_test({ http_config => $http, config => '' });
    ok(!$ok, "sso_provider: $line twice fails nginx -t");
    like($out, qr/\[emerg\].*sso_provider "$provider": "$line" directive is duplicate in \S+:\d+/,
        "sso_provider: $line twice: the message names the provider, the line and where");
}

# the second line is the one named, with its own line number
($ok, $out) = nginx_config_test({ http_config => oidc_block('corp', 'oidc_scope openid',
    'oidc_scope "openid email"'), config => '' });
my ($conf_line) = $out =~ /"oidc_scope" directive is duplicate in \S+:(\d+)/;
my $conf = Test::Nginx::SSO::env()->{servroot} . '/conf/nginx.conf';
my @conf_lines = -f $conf ? do { open my $c, '<', $conf or die; <$c> } : ();
like($conf_lines[($conf_line // 1) - 1] // '', qr/oidc_scope "openid email"/,
    'sso_provider: the line number is the repeated line\'s');

($ok, $out) = nginx_config_test({ config => '', http_config => oidc_block('corp',
    'email_domains corp.example', 'email_domains acquired.example other.example',
    'attribute name name', 'attribute groups groups',
    'role engineering developer', 'role finance accountant') });
ok($ok, 'sso_provider: email_domains, attribute and role may repeat') or diag($out);

($ok, $out) = nginx_config_test({ config => '', http_config =>
    saml_block('vault', 'saml_idp_certificate /nonexistent/a.crt') });
like($out, qr/sso_provider "vault": "saml_idp_certificate" directive cannot open file "\/nonexistent\/a\.crt" \(2: /,
    'sso_provider: a file that cannot be read: the provider, the line and the file');

for my $case (
    ['oidc_userinfo maybe', qr/sso_provider "corp": "oidc_userinfo" directive takes "on" or "off"/],
    ['oidc_scope a b', qr/sso_provider "corp": "oidc_scope" directive takes one value/],
    ['oidc_jwks_refresh_interval 500ms', qr/"oidc_jwks_refresh_interval" directive takes a time of at least 1s/],
    ['oidc_clock_skew soon', qr/sso_provider "corp": "oidc_clock_skew" directive invalid value/],
    ['oidc_colour blue', qr/unknown directive "oidc_colour" in sso_provider "corp"/],
) {
    my ($line, $want) = @$case;
    ($ok, $out) = nginx_config_test({ http_config => oidc_block('corp', $line), config => '' });
    ok(!$ok, "sso_provider: $line fails nginx -t");
    like($out, $want, "sso_provider: $line: the message names the provider and the line");
}

# IdP metadata that wants signed AuthnRequests (Keycloak's default descriptor) and no SP key
my $keycloak = Test::Nginx::SSO::env()->{repo} . '/t/saml/metadata-corpus/keycloak.xml';
sub metadata_block {
    my ($name, @lines) = @_;
    my @all = ("saml_idp_metadata $keycloak", 'saml_sp_entity_id https://app.example/sso/saml',
        'saml_acs_url https://app.example/sso/saml/acs', @lines);
    return "sso_provider $name {\n" . join('', map {"    $_;\n"} @all) . "}\n";
}
($ok, $out) = nginx_config_test({ config => '', http_config => metadata_block('kc') });
ok(!$ok, 'WantAuthnRequestsSigned without saml_sp_key fails nginx -t');
like($out, qr/\[emerg\].*sso_provider "kc" in \S+:\d+: signed AuthnRequests need an SP key \(saml_sp_key\) \(CONFIG_SP_KEY_REQUIRED\): IdP "http:\/\/localhost:8080\/realms\/firezone" wants signed AuthnRequests \(WantAuthnRequestsSigned="true" in its metadata\) and there is no SP key: set saml_sp_key/,
    'WantAuthnRequestsSigned without saml_sp_key: the message says so, and the fix');
unlike($out, qr/IdP certificate|SAML_KEY_INVALID/, 'and blames no certificate');
($ok, $out) = nginx_config_test({ config => '',
    http_config => metadata_block('kc', "saml_sp_key $servroot/idp.key") });
ok($ok, 'with saml_sp_key it passes') or diag($out);
($ok, $out) = nginx_config_test({ config => '',
    http_config => metadata_block('kc', 'saml_idp_metadata_max_size 1k') });
like($out, qr/sso_provider "kc" in \S+:\d+: "saml_idp_metadata" cannot read file "\S+keycloak\.xml" \(\d+ bytes, larger than 1024; raise saml_idp_metadata_max_size\)/,
    'a metadata file over saml_idp_metadata_max_size: the size, the limit and the line to raise');
($ok, $out) = nginx_config_test({ config => '',
    http_config => metadata_block('kc', "saml_idp_metadata $keycloak") });
like($out, qr/sso_provider "kc": "saml_idp_metadata" directive is duplicate/,
    'saml_idp_metadata twice is named');

done_testing();
