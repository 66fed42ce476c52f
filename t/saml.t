# SAML 2.0 through nginx: SP-initiated login end to end against responses signed by the real
# xmlsec1 tool, the ACS checks seen from outside, replay, metadata, configuration errors.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use Test::Nginx::SSO;
use Test::Nginx::SamlIdp;

import_servers();
my $env = Test::Nginx::SSO::env();
my $keys = "$env->{servroot}/keys";
system("$env->{repo}/scripts/gen-test-keys", $keys) == 0 or die "gen-test-keys failed";

my $port = $env->{server_port};
my $acs = "http://localhost:$port/sso/saml/acs";
my $sp = 'https://app.test.invalid/sso/saml';

my $corp = Test::Nginx::SamlIdp->new(keys_dir => $keys);
$corp->write_metadata("$env->{servroot}/corp-idp.xml", 'idp2', 'idp');    # rollover: 2 certs
my $partner = Test::Nginx::SamlIdp->new(keys_dir => $keys, key => 'idp2',
    entity_id => 'https://partner-idp.test.invalid', sso_url => 'https://partner-idp.test.invalid/sso');
$partner->write_metadata("$env->{servroot}/partner-idp.xml");

my $config = {
    http_config => <<"CONF",
sso_provider corp {
    saml_idp_metadata   $env->{servroot}/corp-idp.xml;
    saml_sp_entity_id   $sp;
    saml_acs_url        $acs;
    attribute           department dept;
    email_domains       corp.example;
}
sso_provider vault {
    saml_idp_metadata   $env->{servroot}/corp-idp.xml;
    saml_sp_entity_id   $sp;
    saml_acs_url        $acs;
    saml_sp_key         $keys/sp.key;
    saml_sp_certificate $keys/sp.crt;
}
sso_provider partner {
    saml_idp_metadata         $env->{servroot}/partner-idp.xml;
    saml_sp_entity_id         $sp;
    saml_acs_url              $acs;
    saml_allow_idp_initiated  on;
}
CONF
    config => <<'CONF',
location /sso/ { sso_endpoints; }
location / {
    sso on;
    proxy_set_header X-Remote-User     $sso_user;
    proxy_set_header X-Remote-Email    $sso_email;
    proxy_set_header X-Remote-Groups   $sso_groups;
    proxy_set_header X-Remote-Provider $sso_provider;
    proxy_set_header X-Remote-Dept     $sso_attr_department;
    proxy_pass http://127.0.0.1:$TEST_NGINX_UPSTREAM_PORT;
}
CONF
};
start_nginx($config);

sub login {
    my ($provider, $return_to) = @_;
    my $res = http_request('GET', "/sso/login?provider=$provider&return_to="
        . Test::Nginx::SamlIdp::url_encode($return_to));
    is($res->{status}, 302, "login redirects to the IdP ($provider)");
    my $location = $res->{headers}{location}[0] // '';
    return $corp->read_redirect($location);
}


*post_acs = \&Test::Nginx::SamlIdp::post_acs;

sub cookie_of {
    my ($res) = @_;
    my ($cookie) = join('; ', @{ $res->{headers}{'set-cookie'} // [] }) =~ /__Host-sso=([^;]+)/;
    return $cookie;
}

subtest 'SP-initiated login reaches the app with the right identity' => sub {
    my $req = login('corp', '/reports?q=1');
    like($req->{xml}, qr/<samlp:AuthnRequest/, 'an AuthnRequest');
    is($req->{acs}, $acs, 'asking for our ACS');
    is($req->{issuer}, $sp, 'from our entity ID');
    like($req->{relay_state}, qr/^[A-Za-z0-9_-]{22}$/, 'RelayState is an opaque handle');
    unlike($req->{relay_state}, qr/reports/, 'not the return URL');

    my $response = $corp->response(in_response_to => $req->{id}, acs => $acs, audience => $sp,
        attributes => { mail => ['new.hire@corp.example'], memberOf => ['engineering'],
            dept => ['R&amp;D'] });
    my $res = post_acs($response, $req->{relay_state});
    is($res->{status}, 303, 'the ACS accepts and redirects');
    is($res->{headers}{location}[0], "http://localhost:$port/reports?q=1", 'to the return URL');
    my $cookie = cookie_of($res);
    ok($cookie, 'with a new session cookie');

    my $app = http_request('GET', '/reports?q=1', headers => ["Cookie: __Host-sso=$cookie"]);
    is($app->{status}, 200, 'the app is reached');
    like($app->{body}, qr/^X-Remote-User: new\.hire\@corp\.example$/m, 'user');
    like($app->{body}, qr/^X-Remote-Email: new\.hire\@corp\.example$/m, 'email');
    like($app->{body}, qr/^X-Remote-Groups: engineering$/m, 'groups');
    like($app->{body}, qr/^X-Remote-Provider: corp$/m, 'provider');
    like($app->{body}, qr/^X-Remote-Dept: R&D$/m, 'mapped attribute');
    like(error_log(), qr/sso: login succeeded/, 'logged');
    unlike(error_log(), qr/\Q$cookie\E/, 'the cookie is not logged');

    my $again = post_acs($response, $req->{relay_state});
    is($again->{status}, 400, 'the same POST again (a reload) is refused');
    like($again->{body}, qr/This sign-in link was already used/, 'saying the link was used');
    like($again->{body}, qr/>Sign in again</, 'offering to start again');
    unlike($again->{body}, qr/did not pass our checks/, 'not that it failed a check');
    like(error_log(), qr/LOGIN_STATE_SPENT/, 'RelayState is single use');
};

subtest 'two logins in parallel tabs both complete, in either order' => sub {
    my $first = login('corp', '/tab-one');
    my $second = login('corp', '/tab-two');
    isnt($first->{relay_state}, $second->{relay_state}, 'each login has its own RelayState');
    my $res2 = post_acs($corp->response(in_response_to => $second->{id}, acs => $acs,
        audience => $sp), $second->{relay_state});
    my $res1 = post_acs($corp->response(in_response_to => $first->{id}, acs => $acs,
        audience => $sp), $first->{relay_state});
    is($res2->{headers}{location}[0], "http://localhost:$port/tab-two", 'second tab first');
    is($res1->{headers}{location}[0], "http://localhost:$port/tab-one", 'then the first');
    isnt(cookie_of($res1), cookie_of($res2), 'each with its own session');
};

subtest 'a response signed with the second metadata certificate works (rollover)' => sub {
    my $req = login('corp', '/');
    my $res = post_acs($corp->response(in_response_to => $req->{id}, acs => $acs, audience => $sp,
        key => 'idp2'), $req->{relay_state});
    is($res->{status}, 303, 'accepted');
};

subtest 'responses that break the rules get a page, a status and a log line' => sub {
    my @cases = (
        ['signed by an unknown key', { key => 'attacker' }, 403, 'SAML_SIGNATURE_INVALID'],
        ['not signed', { sign => 'none' }, 403, 'SAML_NOT_SIGNED'],
        ['tampered after signing', { tamper => sub { $_[0] =~ s/new\.hire/ceo/r } }, 403,
            'SAML_SIGNATURE_INVALID'],
        ['for another audience', { audience => 'https://other.test.invalid' }, 403,
            'SAML_AUDIENCE_MISMATCH'],
        ['for another ACS', { acs => 'https://other.test.invalid/acs' }, 403,
            'SAML_DESTINATION_MISMATCH'],
        ['expired', { not_on_or_after => -600 }, 403, 'SAML_EXPIRED'],
        ['answering another request', { in_response_to => '_someone_else' }, 403,
            'SAML_IN_RESPONSE_TO_MISMATCH'],
        ['with a DTD', { doctype => 1 }, 400, 'SAML_DTD_FORBIDDEN'],
        ['from another IdP', { issuer => 'https://evil.test.invalid' }, 403,
            'SAML_ISSUER_MISMATCH'],
        # a person in more groups than a session keeps: refused with a page that says so,
        # not "something went wrong" and a "try again" that would fail the same way
        ['in more than 512 groups', { attributes => { memberOf => [map {"g$_"} 1 .. 513] } },
            403, 'IDENTITY_TOO_LARGE', qr/too large for this site/],
    );
    for my $case (@cases) {
        my ($name, $opt, $status, $check, $says) = @$case;
        my $req = login('corp', '/');
        my $res = post_acs($corp->response(in_response_to => $req->{id}, acs => $acs,
            audience => $sp, %$opt), $req->{relay_state});
        is($res->{status}, $status, "$name: $status");
        like($res->{body}, qr/reference <code>[0-9a-f]{32}<\/code>/, "$name: page with a reference");
        unlike($res->{body}, qr/SAML_|xmlsec|signature/i, "$name: no internals on the page");
        ok(!cookie_of($res), "$name: no session");
        like($res->{body}, $says, "$name: the page says why") if $says;
        like(error_log(), qr/sso: request failed: \Q$check\E .*request_id: [0-9a-f]{32}/,
            "$name: log names $check");
    }
};

subtest 'a value with a line break never becomes a header of its own' => sub {
    my $req = login('corp', '/');
    my $res = post_acs($corp->response(in_response_to => $req->{id}, acs => $acs,
        audience => $sp, attributes => { mail => ['crlf@corp.example'],
            memberOf => ['ops&#13;&#10;X-Admin: 1', 'staff'], dept => ["R&#10;X-Dept: 2"] }),
        $req->{relay_state});
    is($res->{status}, 303, 'the login succeeds');
    my $app = http_request('GET', '/', headers => ['Cookie: __Host-sso=' . cookie_of($res)]);
    like($app->{body}, qr/^X-Remote-Groups: staff$/m, 'the group with a line break is dropped');
    unlike($app->{body}, qr/X-Admin|X-Dept/i, 'nothing was injected into the request');
    unlike($app->{body}, qr/^X-Remote-Dept:/m, 'the attribute with a line break is dropped');
};

subtest 'encrypted assertions: decrypted with the SP key, safe algorithms only' => sub {
    my $md = http_request('GET', '/sso/saml/metadata?provider=vault');
    like($md->{body}, qr/<md:KeyDescriptor use="encryption">/, 'our metadata offers an encryption key');

    my $req = login('vault', '/vault');
    my $res = post_acs($corp->response(in_response_to => $req->{id}, acs => $acs, audience => $sp,
        encrypt => 'aes128-gcm'), $req->{relay_state});
    is($res->{status}, 303, 'AES-128-GCM + RSA-OAEP: accepted') or diag(error_log());
    my $cookie = cookie_of($res);
    my $app = http_request('GET', '/vault', headers => ["Cookie: __Host-sso=$cookie"]);
    like($app->{body}, qr/^X-Remote-User: new\.hire\@corp\.example$/m, 'identity from the decrypted assertion');

    $req = login('vault', '/vault');
    $res = post_acs($corp->response(in_response_to => $req->{id}, acs => $acs, audience => $sp,
        encrypt => 'aes128-cbc'), $req->{relay_state});
    is($res->{status}, 403, 'AES-CBC: refused');
    like(error_log(), qr/SAML_ENCRYPTION_ALGORITHM/, 'the log names the algorithm check');

    $req = login('corp', '/');
    $res = post_acs($corp->response(in_response_to => $req->{id}, acs => $acs, audience => $sp,
        encrypt => 'aes128-gcm'), $req->{relay_state});
    is($res->{status}, 403, 'a provider without an SP key refuses encrypted assertions');
    like(error_log(), qr/SAML_ENCRYPTED_UNSUPPORTED/, 'and says so');
};

subtest 'IdP-initiated: only where enabled, and an assertion is used once' => sub {
    my $unsolicited = $corp->response(acs => $acs, audience => $sp);
    is(post_acs($unsolicited)->{status}, 403, 'corp does not allow it');
    like(error_log(), qr/SAML_UNSOLICITED/, 'logged');

    my $response = $partner->response(acs => $acs, audience => $sp);
    my $res = post_acs($response, '/welcome');
    is($res->{status}, 303, 'partner allows it');
    is($res->{headers}{location}[0], "http://localhost:$port/welcome", 'to a same-origin RelayState');
    my $replay = post_acs($response, '/welcome');
    is($replay->{status}, 400, 'the same assertion twice (a reload) is refused');
    like($replay->{body}, qr/already used/, 'saying the sign-in was used');
    like(error_log(), qr/SAML_REPLAY/, 'by the replay cache');
    my $offsite = post_acs($partner->response(acs => $acs, audience => $sp),
        'https://evil.test.invalid/');
    is($offsite->{headers}{location}[0], "http://localhost:$port/", 'an off-site RelayState goes to /');
};

subtest 'login page, metadata and garbage' => sub {
    my $chooser = http_request('GET', '/sso/login?return_to=/x');
    is($chooser->{status}, 200, 'several providers and none chosen: a chooser');
    like($chooser->{body}, qr/provider=corp&amp;return_to=\/x/, 'linking each provider');
    like($chooser->{body}, qr/provider=vault&amp;return_to=\/x/, 'all of them');
    is(http_request('GET', '/sso/login?provider=nope')->{status}, 400, 'unknown provider: 400');
    like($chooser->{body}, qr/name="email"/, 'the chooser also asks for a work email');
    my $hrd = http_request('GET', '/sso/login?email=new.hire%40Eng.Corp.Example&return_to=%2Fx');
    is($hrd->{status}, 302, 'an email in corp.example picks the corp IdP');
    like($hrd->{headers}{location}[0], qr{^https://idp\.test\.invalid/sso\?SAMLRequest=}, 'its SSO URL');
    my $other = http_request('GET', '/sso/login?email=a%40corp.example.evil.example');
    is($other->{status}, 200, 'a look-alike domain picks nobody');
    like($other->{body}, qr/No sign-in is set up for that email address/, 'and says so');

    my $md = http_request('GET', '/sso/saml/metadata?provider=corp');
    is($md->{status}, 200, 'SP metadata');
    like($md->{body}, qr/entityID="\Q$sp\E"/, 'with our entity ID');
    like($md->{body}, qr/Location="\Q$acs\E"/, 'and our ACS');

    is(http_request('GET', '/sso/saml/acs')->{status}, 405, 'the ACS takes POST only');
    my $junk = post_acs('not-base64!');
    is($junk->{status}, 400, 'garbage: 400');
};

subtest 'configuration errors name the provider and the problem' => sub {
    my ($ok, $out) = nginx_config_test({ http_config => <<"CONF", config => '' });
sso_provider broken {
    saml_idp_metadata   $keys/idp.crt;
    saml_sp_entity_id   $sp;
    saml_acs_url        $acs;
}
CONF
    ok(!$ok, 'metadata that is not metadata fails nginx -t');
    like($out, qr/sso_provider "broken": the IdP metadata is not well-formed XML in \S+:\d+/,
        'with a clear message');
    ($ok, $out) = nginx_config_test({ http_config => "sso_provider x { saml_colour blue; }",
        config => '' });
    like($out, qr/unknown directive "saml_colour" in sso_provider/, 'unknown lines are named');
};

subtest 'weak IdP keys are refused: skipped among good ones, fatal when none is left' => sub {
    # weak-e3: RSA-2048 with public exponent 3; weak-1024: a 1024-bit modulus
    $corp->write_metadata("$env->{servroot}/mixed-idp.xml", 'weak-e3', 'idp', 'weak-1024');
    $corp->write_metadata("$env->{servroot}/weak-idp.xml", 'weak-e3', 'weak-1024');
    my $provider = sub {
        my ($name, $line) = @_;
        return "sso_provider $name {\n    $line;\n    saml_sp_entity_id $sp;\n"
            . "    saml_acs_url $acs;\n}\n";
    };
    my $mixed = $provider->('mixed', "saml_idp_metadata $env->{servroot}/mixed-idp.xml");
    my ($ok, $out) = nginx_config_test({ http_config => $mixed,
        config => 'location /sso/ { sso_endpoints; }' });
    ok($ok, 'metadata with weak certificates among a good one passes nginx -t') or diag($out);
    like($out, qr/\[warn\].*sso_provider "mixed" .*IdP "https:\/\/idp\.test\.invalid\/metadata": metadata signing certificate 1 skipped: subject CN=weak-e3\.test\.invalid, serial 0x[0-9A-F]+: RSA public exponent is below 65537/,
        'with a warning naming the certificate and the check');
    like($out, qr/\[warn\].*certificate 3 skipped: subject CN=weak-1024\.test\.invalid.*RSA modulus is shorter than 2048 bits/,
        'for each weak certificate');
    start_nginx({ http_config => $mixed, config => 'location /sso/ { sso_endpoints; }' });
    is(http_request('GET', '/sso/saml/metadata?provider=mixed')->{status}, 200,
        'and nginx starts with the good key');

    ($ok, $out) = nginx_config_test({ config => '',
        http_config => $provider->('weak', "saml_idp_metadata $env->{servroot}/weak-idp.xml") });
    ok(!$ok, 'metadata with only weak certificates fails nginx -t');
    like($out, qr/\[emerg\].*sso_provider "weak": .*none of its 2 metadata signing certificates is usable/,
        'naming the provider');
    like($out, qr/sso_provider "weak".*RSA public exponent is below 65537/, 'and the check');

    ($ok, $out) = nginx_config_test({ config => '', http_config =>
        "sso_provider pinned {\n    saml_idp_entity_id https://idp.test.invalid/metadata;\n"
        . "    saml_idp_sso_url https://idp.test.invalid/sso;\n"
        . "    saml_idp_certificate $keys/weak-e3.crt;\n    saml_sp_entity_id $sp;\n"
        . "    saml_acs_url $acs;\n}\n" });
    ok(!$ok, 'a configured weak saml_idp_certificate fails nginx -t');
    like($out, qr/sso_provider "pinned".*saml_idp_certificate 1 refused: .*RSA public exponent is below 65537/,
        'naming the certificate and the check');
    start_nginx($config);
};

unlike(error_log(), qr/\[(alert|crit|emerg)\]/, 'no alert in the error log');
done_testing();
