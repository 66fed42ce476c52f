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
    # stripping these would break routing, body framing or the session cookie
    (map { my ($rule, $header) = @$_;
           ["sso_strip_header $rule",
            { http_config => '', config => "location / { sso_strip_header X-Ok $rule; }" },
            qr/sso_strip_header "\Q$rule\E" would remove the "$header" header, which nginx or sso needs/] }
        ['Host', 'host'], ['content_length', 'content-length'],
        ['Transfer-Encoding', 'transfer-encoding'], ['CONNECTION', 'connection'],
        ['Cookie', 'cookie'], ['C*', 'content-length'], ['Co*', 'content-length']),
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
# the provider's URLs are served by an sso_endpoints location; its host names need a resolver
my $served = 'location /sso/ { sso_endpoints; }';
my $resolver = "resolver 127.0.0.1:53;\n";
($ok, $out) = nginx_config_test({ http_config => $resolver . oidc_block('corp'),
    config => $served });
ok($ok, 'sso_provider: the OIDC block the duplicate cases start from passes nginx -t')
    or diag($out);
($ok, $out) = nginx_config_test({ http_config => saml_block('vault'), config => $served });
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

($ok, $out) = nginx_config_test({ config => $served, http_config => $resolver . oidc_block('corp',
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
my $endpoints = 'location /sso/ { sso_endpoints; }';
sub metadata_block {
    my ($name, @lines) = @_;
    my @all = ("saml_idp_metadata $keycloak", 'saml_sp_entity_id https://app.example/sso/saml',
        'saml_acs_url https://app.example/sso/saml/acs', @lines);
    return "sso_provider $name {\n" . join('', map {"    $_;\n"} @all) . "}\n";
}
($ok, $out) = nginx_config_test({ config => $endpoints, http_config => metadata_block('kc') });
ok(!$ok, 'WantAuthnRequestsSigned without saml_sp_key fails nginx -t');
like($out, qr/\[emerg\].*sso_provider "kc": IdP "http:\/\/localhost:8080\/realms\/firezone" wants signed AuthnRequests \(WantAuthnRequestsSigned="true" in its metadata\) and there is no SP key: set saml_sp_key.* in \S+:\d+/,
    'WantAuthnRequestsSigned without saml_sp_key: the message says so, and the fix');
unlike($out, qr/IdP certificate|SAML_KEY_INVALID/, 'and blames no certificate');
($ok, $out) = nginx_config_test({ config => $endpoints,
    http_config => metadata_block('kc', "saml_sp_key $servroot/idp.key") });
ok($ok, 'with saml_sp_key it passes') or diag($out);
($ok, $out) = nginx_config_test({ config => $endpoints,
    http_config => metadata_block('kc', 'saml_idp_metadata_max_size 1k') });
like($out, qr/sso_provider "kc" in \S+:\d+: "saml_idp_metadata" cannot read file "\S+keycloak\.xml" \(\d+ bytes, larger than 1024; raise saml_idp_metadata_max_size\)/,
    'a metadata file over saml_idp_metadata_max_size: the size, the limit and the line to raise');
($ok, $out) = nginx_config_test({ config => $endpoints,
    http_config => metadata_block('kc', "saml_idp_metadata $keycloak") });
like($out, qr/sso_provider "kc": "saml_idp_metadata" directive is duplicate/,
    'saml_idp_metadata twice is named');

# Mistakes that passed nginx -t (and broke at the first login), or failed naming another
# cause: each fails naming the provider, the line at fault (file:line) and what to do.
sub without {
    my ($block, $line) = @_;
    $block =~ s/^ *\Q$line\E[^\n]*\n//m or die "no $line";
    return $block;
}
sub replacing {
    my ($block, $line, $by) = @_;
    $block =~ s/^( *)\Q$line\E[^;\n]*;/$1$by;/m or die "no $line";
    return $block;
}
sub conf_line {
    my ($n) = @_;
    open my $c, '<', $conf or die;
    my @lines = <$c>;
    return defined $n ? $lines[$n - 1] // '' : '';
}
sub mistake {
    my ($name, $http, $want, $line, $config) = @_;
    my ($ok, $out) = nginx_config_test({ http_config => $http, config => $config // $served });
    ok(!$ok, "$name: nginx -t fails");
    like($out, $want, "$name: the message names the provider and what to do");
    my ($n) = $out =~ /\[emerg\] [^\n]* in \S+:(\d+)\n/;
    like(conf_line($n), $line, "$name: the message names the line at fault");
}
my $oidc = $resolver . oidc_block('corp');
my $saml = saml_block('vault');

($ok, $out) = nginx_config_test({ http_config => $oidc . $saml, config => $served });
ok($ok, 'the OIDC and SAML blocks the mistakes start from pass nginx -t') or diag($out);

mistake('a relative oidc_redirect_uri',
    replacing($oidc, 'oidc_redirect_uri', 'oidc_redirect_uri /sso/oidc/callback'),
    qr{sso_provider "corp": "oidc_redirect_uri /sso/oidc/callback" is not an absolute URL: .*"https://app\.example\.com/sso/oidc/callback"},
    qr{oidc_redirect_uri /sso/oidc/callback;});
mistake('a relative saml_acs_url', replacing($saml, 'saml_acs_url', 'saml_acs_url /sso/saml/acs'),
    qr{sso_provider "vault": "saml_acs_url /sso/saml/acs" is not an absolute URL: .*"https://app\.example\.com/sso/saml/acs"},
    qr{saml_acs_url /sso/saml/acs;});
mistake('oidc_redirect_uri not served by an sso_endpoints location',
    replacing($oidc, 'oidc_redirect_uri', 'oidc_redirect_uri https://app.example/auth/oidc/callback'),
    qr{sso_provider "corp": the path "/auth/oidc/callback" of "oidc_redirect_uri" is not served by an sso_endpoints location in any server \(the server at \S+:\d+ has no location for it\): add "location /auth/ \{ sso_endpoints; \}"},
    qr{oidc_redirect_uri https://app\.example/auth/oidc/callback;});
mistake('saml_acs_url not served by an sso_endpoints location', $saml,
    qr{sso_provider "vault": the path "/sso/saml/acs" of "saml_acs_url" is not served by an sso_endpoints location in any server \(the server at \S+:\d+ serves it with location "/"\): add "location /sso/ \{ sso_endpoints; \}"},
    qr{saml_acs_url https://app\.example/sso/saml/acs;}, 'location / { }');
mistake('an oidc_redirect_uri no endpoint answers',
    replacing($oidc, 'oidc_redirect_uri', 'oidc_redirect_uri https://app.example/sso/callback'),
    qr{sso_provider "corp": "oidc_redirect_uri https://app\.example/sso/callback" must end in "/oidc/callback", .*e\.g\. "https://app\.example/sso/oidc/callback"},
    qr{oidc_redirect_uri https://app\.example/sso/callback;});
mistake('no client secret with the default oidc_token_auth', without($oidc, 'oidc_client_secret_file'),
    qr{sso_provider "corp": "oidc_token_auth client_secret_basic" \(the default\) needs the client secret: add "oidc_client_secret_file /path/to/secret;".* or use "oidc_token_auth private_key_jwt" with "oidc_client_key"},
    qr{sso_provider corp \{});
mistake('no client secret with oidc_token_auth client_secret_post',
    without($resolver . oidc_block('corp', 'oidc_token_auth client_secret_post'),
        'oidc_client_secret_file'),
    qr{sso_provider "corp": "oidc_token_auth client_secret_post" needs the client secret: add "oidc_client_secret_file},
    qr{oidc_token_auth client_secret_post;});
($ok, $out) = nginx_config_test({ config => $served, http_config =>
    replacing($oidc, 'oidc_issuer', 'oidc_issuer http://op.example') });
unlike($out, qr/discovery document is not usable/, 'an http issuer: no word of a discovery document');
mistake('an issuer that is not an https URL',
    replacing($oidc, 'oidc_issuer', 'oidc_issuer http://op.example'),
    qr{sso_provider "corp": "oidc_issuer http://op\.example" is not an https URL: the issuer is the provider's https URL}, qr{oidc_issuer http://op\.example;});
mistake('an issuer that is no URL', replacing($oidc, 'oidc_issuer', 'oidc_issuer op.example'),
    qr{sso_provider "corp": "oidc_issuer op\.example" is not an https URL}, qr{oidc_issuer op\.example;});
mistake('a host name in the issuer, no resolver', oidc_block('corp'),
    qr{sso_provider "corp": "oidc_issuer https://op\.example" names the host "op\.example", and the sso_endpoints location serving "/sso/oidc/callback" has no "resolver": add "resolver} , qr{oidc_issuer https://op\.example;});
mistake('a host name in oidc_jwks_uri, no resolver',
    replacing(oidc_block('corp', 'oidc_authorization_endpoint https://127.0.0.1/authorize',
        'oidc_token_endpoint https://127.0.0.1/token', 'oidc_jwks_uri https://keys.example/jwks'),
        'oidc_issuer', 'oidc_issuer https://127.0.0.1'),
    qr{sso_provider "corp": "oidc_jwks_uri https://keys\.example/jwks" names the host "keys\.example".*no "resolver"},
    qr{oidc_jwks_uri https://keys\.example/jwks;});
mistake('email_domains *.corp.example',
    $resolver . oidc_block('corp', 'email_domains acquired.example', 'email_domains other.example *.corp.example'),
    qr{sso_provider "corp": "email_domains \*\.corp\.example" matches nobody: a domain covers its subdomains, write "corp\.example"},
    qr{email_domains other\.example \*\.corp\.example;});
mistake('no oidc_client_id', without($oidc, 'oidc_client_id'),
    qr{sso_provider "corp": "oidc_client_id" is missing: add the client id the provider registered this app under},
    qr{sso_provider corp \{});
mistake('no saml_sp_entity_id', without($saml, 'saml_sp_entity_id'),
    qr{sso_provider "vault": "saml_sp_entity_id" is missing: add this app's entity ID},
    qr{sso_provider vault \{});
mistake('no IdP in a SAML block',
    without(without(without($saml, 'saml_idp_entity_id'), 'saml_idp_sso_url'), 'saml_idp_certificate'),
    qr{sso_provider "vault": the IdP is missing: add "saml_idp_metadata /path/to/idp-metadata\.xml;", or "saml_idp_entity_id", "saml_idp_sso_url" and "saml_idp_certificate"},
    qr{sso_provider vault \{});
mistake('an empty provider block', "sso_provider corp {\n}\n",
    qr{sso_provider "corp" has no saml_ or oidc_ lines: give it the lines of one protocol},
    qr{sso_provider corp \{});
mistake('a provider block with only email_domains', "sso_provider corp {\n    email_domains corp.example;\n}\n",
    qr{sso_provider "corp" has no saml_ or oidc_ lines}, qr{sso_provider corp \{});
mistake('role with one value', $resolver . oidc_block('corp', 'role engineering'),
    qr{sso_provider "corp": "role engineering" takes an IdP group and an app role, e\.g\. "role engineering developer"},
    qr{role engineering;});
mistake('attribute with one value', $resolver . oidc_block('corp', 'attribute email'),
    qr{sso_provider "corp": "attribute email" takes a profile field and an IdP attribute name},
    qr{attribute email;});
mistake('a provider name given twice', $oidc . "sso_provider corp {\n    oidc_issuer https://op2.example;\n}\n",
    qr{sso_provider "corp" is defined twice \(first in \S+:\d+\): give each provider a name of its own},
    qr{sso_provider corp \{\n});
mistake('oidc_alg HS256', $resolver . oidc_block('corp', 'oidc_alg HS256'),
    qr{sso_provider "corp": "oidc_alg HS256" is not an ID token algorithm this module takes: use RS256 \(the default\), PS256, ES256 or EdDSA},
    qr{oidc_alg HS256;});

# saml_idp_metadata_url (run for real in t/saml-metadata-url.t): nginx -t fetches nothing, and
# refuses what could not be refreshed safely
sub feed_block { return feed_block_of('saml_idp_entity_id https://idp.example/saml', @_) }
sub feed_block_of {
    my (@lines) = @_;
    return "sso_provider feed {\n" . join('', map {"    $_;\n"} @lines,
        'saml_sp_entity_id https://app.example/sso/saml',
        'saml_acs_url https://app.example/sso/saml/acs') . "}\n";
}
my $pinned = "saml_idp_metadata_signing_certificate $servroot/idp.crt";
($ok, $out) = nginx_config_test({ config => $served,
    http_config => feed_block('saml_idp_metadata_url https://127.0.0.1:9/md.xml', $pinned,
        "saml_idp_metadata $servroot/no-copy-yet.xml") });
ok($ok, 'a metadata URL with its signing certificate, and no backing copy yet, passes nginx -t')
    or diag($out);
like($out, qr/\[warn\].*no backing copy "\S+no-copy-yet\.xml" yet: sign-in waits for the first refresh from https:\/\/127\.0\.0\.1:9\/md\.xml/,
    'and says that sign-in waits for the first refresh');
mistake('an http metadata URL',
    feed_block('saml_idp_metadata_url http://127.0.0.1/md.xml', $pinned),
    qr{sso_provider "feed": "saml_idp_metadata_url http://127\.0\.0\.1/md\.xml" is not an https URL: IdP metadata is fetched over https only},
    qr{saml_idp_metadata_url http://127\.0\.0\.1/md\.xml;});
mistake('a metadata URL without a signing certificate',
    feed_block('saml_idp_metadata_url https://127.0.0.1/md.xml'),
    qr{sso_provider "feed": "saml_idp_metadata_url https://127\.0\.0\.1/md\.xml" needs "saml_idp_metadata_signing_certificate": the certificate the metadata is signed with \(an unsigned metadata feed is refused\)},
    qr{saml_idp_metadata_url https://127\.0\.0\.1/md\.xml;});
mistake('a metadata URL naming a host, without a resolver',
    feed_block('saml_idp_metadata_url https://idp.example/md.xml', $pinned),
    qr{sso_provider "feed": "saml_idp_metadata_url https://idp\.example/md\.xml" names the host "idp\.example", and the http block has no "resolver"},
    qr{saml_idp_metadata_url https://idp\.example/md\.xml;});
($ok, $out) = nginx_config_test({ config => $served, http_config => $resolver
    . feed_block('saml_idp_metadata_url https://idp.example/md.xml', $pinned) });
ok($ok, 'with a resolver in the http block it passes') or diag($out);
mistake('an unreadable metadata signing certificate',
    feed_block('saml_idp_metadata_url https://127.0.0.1/md.xml',
        'saml_idp_metadata_signing_certificate /nonexistent/md.crt'),
    qr{sso_provider "feed": "saml_idp_metadata_signing_certificate" directive cannot open file "/nonexistent/md\.crt" \(2: },
    qr{saml_idp_metadata_signing_certificate /nonexistent/md\.crt;});
mistake('a metadata signing certificate that is not one',
    feed_block('saml_idp_metadata_url https://127.0.0.1/md.xml',
        "saml_idp_metadata_signing_certificate $servroot/provider.secret"),
    qr{sso_provider "feed": saml_idp_metadata_signing_certificate 1: not a readable PEM certificate},
    qr{saml_idp_metadata_signing_certificate \S+provider\.secret;});
mistake('a metadata refresh interval under a second',
    feed_block('saml_idp_metadata_url https://127.0.0.1/md.xml', $pinned,
        'saml_idp_metadata_refresh 500ms'),
    qr{sso_provider "feed": "saml_idp_metadata_refresh" directive takes a time of at least 1s},
    qr{saml_idp_metadata_refresh 500ms;});
mistake('a metadata URL without saml_idp_entity_id',
    feed_block_of('saml_idp_metadata_url https://127.0.0.1/md.xml', $pinned),
    qr{sso_provider "feed": "saml_idp_metadata_url https://127\.0\.0\.1/md\.xml" needs "saml_idp_entity_id": the entityID the fetched metadata must describe \(accounts are keyed by it, so a refresh may not change it\)},
    qr{saml_idp_metadata_url https://127\.0\.0\.1/md\.xml;});
mistake('a metadata signing certificate without a URL',
    saml_block('vault', $pinned),
    qr{sso_provider "vault": "saml_idp_metadata_signing_certificate" is for metadata fetched from a URL: add "saml_idp_metadata_url https://\.\.\.;", or remove it},
    qr{saml_idp_metadata_signing_certificate \S+idp\.crt;});

done_testing();
