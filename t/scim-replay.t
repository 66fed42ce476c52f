# What Okta's and Entra ID's provisioning send, replayed through real nginx (two workers): each
# one's connection test, look-up by filter, create, update, deactivate, reactivate and delete,
# with the headers and bodies their documentation shows, and what each step does to the
# person's logins: Okta's over OpenID Connect (the ID token's sub is Okta's user id, which its
# SCIM client sends as externalId), Entra ID's over SAML (the NameID is the userPrincipalName,
# which its SCIM client sends as userName, in its older PATCH dialect: capitalised ops and
# "False" as a string). The app's hook hears provision, deprovision and reactivate once each.
#
# Sources: Okta, "SCIM 2.0 protocol reference" and "Build a SCIM provisioning integration"
# (developer.okta.com); Microsoft, "Tutorial: Develop and plan provisioning for a SCIM
# endpoint" and "Known issues and resolutions with SCIM 2.0 protocol compliance"
# (learn.microsoft.com). No tenant of either was available: the requests are reproduced from
# those documents, not captured.
use strict;
use warnings;
use lib 't/lib';
use HTTP::Tiny;
use JSON::PP qw(encode_json decode_json);
use MIME::Base64 qw(decode_base64);
use Test::More;
use Test::Nginx::SSO;
use Test::Nginx::OidcOp;
use Test::Nginx::SamlIdp;

import_servers();
my $env = Test::Nginx::SSO::env();
my $root = $env->{servroot};
my $port = $env->{server_port};
my $keys = "$root/keys";
system("$env->{repo}/scripts/gen-test-keys", $keys) == 0 or die 'gen-test-keys failed';

my %token = (okta => 'okta-scim-0123456789abcdef0123456789abcdef',
    entra => 'entra-scim-0123456789abcdef0123456789abcdef');
sub write_file {
    my ($path, $text) = @_;
    open my $fh, '>', $path or die "$path: $!";
    print $fh $text;
    close $fh;
}
write_file("$root/hook.secret", "hook-secret-0123456789abcdef\n");
write_file("$root/op.secret", "test-secret-1\n");
write_file("$root/$_.token", "$token{$_}\n") for keys %token;

my $hook_port = start_test_hook("$root/hook.secret");
my $hook = HTTP::Tiny->new(timeout => 10);
sub hook_stats { decode_json($hook->get("http://127.0.0.1:$hook_port/stats")->{content}) }
sub events { map { "$_->{event}" . ($_->{reason} ? ":$_->{reason}" : '') }
    grep { $_->{provider} eq $_[0] } @{ hook_stats()->{events} } }

my $op = Test::Nginx::OidcOp::start();
my $idp = Test::Nginx::SamlIdp->new(keys_dir => $keys,
    entity_id => 'https://sts.windows.net/tenant-id/', sso_url => 'https://login.microsoftonline.test/saml2');
$idp->write_metadata("$root/entra.xml");
my $acs = "http://localhost:$port/sso/saml/acs";
my $sp = 'https://app.test.invalid/sso/saml';

start_nginx({
    http_config => <<"CONF",
sso_provision_hook http://127.0.0.1:$hook_port/provision secret_file=$root/hook.secret;
sso_provider okta {
    oidc_issuer             $op->{issuer};
    oidc_client_id          nginx-app;
    oidc_client_secret_file $root/op.secret;
    oidc_redirect_uri       http://localhost:$port/sso/oidc/callback;
    email_domains           okta.example;
    scim_token_file         $root/okta.token;
}
sso_provider entra {
    saml_idp_metadata $root/entra.xml;
    saml_sp_entity_id $sp;
    saml_acs_url      $acs;
    email_domains     contoso.example;
    scim_token_file   $root/entra.token;
}
CONF
    config => <<'CONF',
location /sso/ { sso_endpoints; }
location / {
    sso on;
    proxy_set_header X-Remote-User $sso_user;
    proxy_pass http://127.0.0.1:$TEST_NGINX_UPSTREAM_PORT;
}
CONF
});

# A request as the IdP's SCIM client sends it: its headers, its body as a JSON text.
sub send_scim {
    my ($who, $method, $path, $body, @headers) = @_;
    my $res = http_request($method, "/sso/scim/v2/$who$path", body => $body,
        headers => ["Authorization: Bearer $token{$who}", @headers]);
    $res->{json} = eval { decode_json($res->{body}) } if length($res->{body} // '');
    return $res;
}

# The app as the person sees it: the status of a page, or of a new login.
sub app_status {
    my ($session) = @_;
    return http_request('GET', '/app', headers => ["Cookie: __Host-sso=$session"])->{status};
}

# ================= Okta =================
my @okta = ('Accept: application/scim+json', 'Content-Type: application/scim+json; charset=utf-8',
    'User-Agent: Okta SCIM Client 1.0.0');
sub okta { send_scim('okta', @_[0 .. 2], @okta) }
my %okta_user = (sub => '00ujl29u0le5T6Aj10h7', email => 'test.user@okta.example',
    email_verified => JSON::PP::true, name => 'Test User', groups => []);
sub okta_login {
    Test::Nginx::OidcOp::control($op, { user => \%okta_user });
    return Test::Nginx::OidcOp::login($op, provider => 'okta');
}

subtest 'Okta' => sub {
    # "Test Connector Configuration"
    my $res = okta('GET', '/Users?startIndex=1&count=2');
    is($res->{status}, 200, 'connection test: GET /Users?startIndex=1&count=2');
    is($res->{json}{totalResults}, 0, 'an empty ListResponse');
    is(okta('GET', '/Groups?startIndex=1&count=100')->{json}{totalResults}, 0, 'groups: none');

    # does the user exist?
    $res = okta('GET', '/Users?filter=userName%20eq%20%22test.user%40okta.example%22&startIndex=1&count=100');
    is($res->{status}, 200, 'look-up by userName');
    is($res->{json}{totalResults}, 0, 'not yet');

    $res = okta('POST', '/Users', '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],'
        . '"userName":"test.user@okta.example","name":{"givenName":"Test","familyName":"User"},'
        . '"emails":[{"primary":true,"value":"test.user@okta.example","type":"work"}],'
        . '"displayName":"Test User","locale":"en-US","externalId":"00ujl29u0le5T6Aj10h7",'
        . '"groups":[],"password":"1mz050nq","active":true}');
    is($res->{status}, 201, 'create: 201') or diag($res->{body});
    my $id = $res->{json}{id};
    ok($id, 'with an id');
    is($res->{json}{externalId}, '00ujl29u0le5T6Aj10h7', 'externalId kept');
    ok(!exists $res->{json}{password}, 'no password in the answer');
    is_deeply([events('okta')], ['provision'], 'the app is told: provision');
    my $account = hook_stats()->{users}[-1]{id};

    $res = okta('GET', "/Users/$id");
    is($res->{status}, 200, 'retrieve by id');
    is($res->{json}{userName}, 'test.user@okta.example', 'the user');

    my $f = okta_login();
    is($f->{callback}{status}, 303, 'the person signs in (sub = externalId)');
    like(http_request('GET', '/app', headers => ["Cookie: __Host-sso=$f->{session}"])->{body},
        qr/^X-Remote-User: $account$/m, 'as the account the app made at provisioning');

    $res = okta('PUT', "/Users/$id", encode_json({
        schemas => ['urn:ietf:params:scim:schemas:core:2.0:User'], id => $id,
        userName => 'test.user@okta.example', name => { givenName => 'Another', familyName => 'User' },
        emails => [{ primary => JSON::PP::true, value => 'test.user@okta.example', type => 'work' }],
        displayName => 'Another User', locale => 'en-US', externalId => '00ujl29u0le5T6Aj10h7',
        groups => [], password => 'I%LG0ub9', active => JSON::PP::true,
        meta => { resourceType => 'User', created => $res->{json}{meta}{created},
                  lastModified => $res->{json}{meta}{lastModified} } }));
    is($res->{status}, 200, 'update: PUT') or diag($res->{body});
    is($res->{json}{name}{givenName}, 'Another', 'updated');
    is(app_status($f->{session}), 200, 'an update does not end the session');

    my $deactivate = '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],'
        . '"Operations":[{"op":"replace","value":{"active":false}}]}';
    $res = okta('PATCH', "/Users/$id", $deactivate);
    is($res->{status}, 200, 'deactivate: PATCH replace {active: false}') or diag($res->{body});
    is($res->{json}{active}, JSON::PP::false, 'inactive');
    is(app_status($f->{session}), 401, 'the session ended');
    is(okta_login()->{callback}{status}, 403, 'and Okta still lets the person in, but we do not');
    is(okta('PATCH', "/Users/$id", $deactivate)->{status}, 200, 'Okta retries: 200');

    $res = okta('PATCH', "/Users/$id", '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],'
        . '"Operations":[{"op":"replace","value":{"active":true}}]}');
    is($res->{status}, 200, 'reactivate');
    $f = okta_login();
    is($f->{callback}{status}, 303, 'the person signs in again');

    # Okta deactivates rather than deletes; an administrator's clean-up (or another client)
    # may still DELETE
    $res = okta('DELETE', "/Users/$id");
    is($res->{status}, 204, 'delete: 204');
    is(app_status($f->{session}), 401, 'the session ended');
    is(okta_login()->{callback}{status}, 403, 'and logins are refused');
    is_deeply([events('okta')], ['provision', 'deprovision:deactivated', 'reactivate',
        'deprovision:deleted'], 'the app heard each change once');
};

# ================= Entra ID =================
my @entra = ('Content-Type: application/scim+json');
sub entra { send_scim('entra', @_[0 .. 2], @entra) }
my $upn = 'adele.vance@contoso.example';
sub entra_login {
    my $res = http_request('GET', '/sso/login?provider=entra&return_to=%2Fapp');
    my $req = $idp->read_redirect($res->{headers}{location}[0] // '');
    my $response = $idp->response(in_response_to => $req->{id}, acs => $acs, audience => $sp,
        name_id => $upn);
    my $acs_res = Test::Nginx::SamlIdp::post_acs($response, $req->{relay_state});
    my ($cookie) = join('; ', @{ $acs_res->{headers}{'set-cookie'} // [] }) =~ /__Host-sso=([^;]+)/;
    return { status => $acs_res->{status}, session => $cookie, body => $acs_res->{body} };
}

subtest 'Entra ID' => sub {
    # "Test Connection": a user that cannot exist
    my $res = entra('GET', '/Users?filter=userName+eq+%22a9a5c3a1-6b4e-4b8e-9b5e-0f1c2d3e4f50%22');
    is($res->{status}, 200, 'connection test: a filter on a random GUID');
    is($res->{json}{totalResults}, 0, 'an empty ListResponse');
    is(entra('GET', '/Groups?excludedAttributes=members&filter=displayName+eq+%22Sales%22')
        ->{json}{totalResults}, 0, 'a group look-up: none');

    $res = entra('GET', '/Users?filter=userName+eq+%22adele.vance%40contoso.example%22');
    is($res->{json}{totalResults}, 0, 'look-up by userName: not yet');

    $res = entra('POST', '/Users', '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User",'
        . '"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],'
        . '"externalId":"0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef","userName":"adele.vance@contoso.example",'
        . '"active":true,"emails":[{"primary":true,"type":"work","value":"adele.vance@contoso.example"}],'
        . '"meta":{"resourceType":"User"},"name":{"formatted":"Adele Vance","familyName":"Vance",'
        . '"givenName":"Adele"},"roles":[]}');
    is($res->{status}, 201, 'create: 201') or diag($res->{body});
    my $id = $res->{json}{id};
    is($res->{json}{meta}{resourceType}, 'User', 'with meta');

    $res = entra('GET', '/Users?filter=userName+eq+%22adele.vance%40contoso.example%22');
    is($res->{json}{totalResults}, 1, 'found by userName');
    is($res->{json}{Resources}[0]{id}, $id, 'the one created');

    my $f = entra_login();
    is($f->{status}, 303, 'the person signs in (NameID = userPrincipalName = userName)');

    $res = entra('PATCH', "/Users/$id", '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],'
        . '"Operations":[{"op":"Replace","path":"emails[type eq \"work\"].value",'
        . '"value":"adele.v@contoso.example"},'
        . '{"op":"Replace","path":"name.familyName","value":"Vance-Smith"},'
        . '{"op":"Add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",'
        . '"value":"Retail"},'
        . '{"op":"Add","path":"phoneNumbers[type eq \"work\"].value","value":"+1 425 555 0109"}]}');
    is($res->{status}, 200, 'update: PATCH, older dialect') or diag($res->{body});
    is($res->{json}{emails}[0]{value}, 'adele.v@contoso.example', 'the work email');
    is($res->{json}{name}{familyName}, 'Vance-Smith', 'the family name');
    is($res->{json}{'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'}{department}, 'Retail',
        'the department');
    is($res->{json}{phoneNumbers}[0]{value}, '+1 425 555 0109', 'a new work phone');
    is(app_status($f->{session}), 200, 'the session goes on');

    my $disable = '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],'
        . '"Operations":[{"op":"Replace","path":"active","value":"False"}]}';
    $res = entra('PATCH', "/Users/$id", $disable);
    is($res->{status}, 200, 'disable: "Replace" active "False"') or diag($res->{body});
    is($res->{json}{active}, JSON::PP::false, 'inactive (a boolean in the answer)');
    is(app_status($f->{session}), 401, 'the session ended');
    my $again = entra_login();
    is($again->{status}, 403, 'Entra ID still issues assertions: refused');
    like($again->{body}, qr/Account deactivated/, 'account deactivated');
    is(entra('PATCH', "/Users/$id", $disable)->{status}, 200, 'the next cycle sends it again: 200');

    $res = entra('PATCH', "/Users/$id", '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],'
        . '"Operations":[{"op":"Replace","path":"active","value":"True"}]}');
    is($res->{status}, 200, 'enable: "True"');
    $f = entra_login();
    is($f->{status}, 303, 'the person signs in again');

    $res = entra('DELETE', "/Users/$id");
    is($res->{status}, 204, 'delete: 204');
    is(app_status($f->{session}), 401, 'the session ended');
    is(entra_login()->{status}, 403, 'and logins are refused');
    is(entra('GET', "/Users/$id")->{status}, 404, 'gone');
    is_deeply([events('entra')], ['provision', 'deprovision:deactivated', 'reactivate',
        'deprovision:deleted'], 'the app heard each change once');
};

subtest 'each provider has its own token and users' => sub {
    is(http_request('GET', '/sso/scim/v2/entra/Users', headers => ["Authorization: Bearer $token{okta}"])
        ->{status}, 401, "Okta's token is not Entra ID's");
    my $res = http_request('GET', '/sso/scim/v2/okta/Users', headers => ["Authorization: Bearer $token{entra}"]);
    is($res->{status}, 401, 'nor the other way round');
};

unlike(error_log(), qr/\[(alert|crit|emerg)\]/, 'no alert/crit/emerg in the error log');
unlike(error_log(), qr/\Q$token{okta}\E|\Q$token{entra}\E/, 'no token in the error log');
done_testing();
