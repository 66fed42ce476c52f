# SAML 2.0 Single Logout through real nginx (two workers, and a second node on the same Redis),
# against messages signed by the real xmlsec1 and openssl tools.
# IdP-initiated: a LogoutRequest over HTTP-Redirect or HTTP-POST ends every session it names
# at once on every worker and node, and no other; the app is told; the IdP gets a LogoutResponse
# signed with our key, Success also when nothing matched. Every check of the message has a
# negative test seen from outside: a page, the log line naming the check, no session ended.
# Over SOAP (back-channel, no browser), an xmlsec1-signed LogoutRequest in its envelope does
# the same, and the answer is the HTTP response: a SOAP envelope with a LogoutResponse signed
# with our key (xmlsec1 verifies it), or a SOAP Fault naming the check (403 for a refused
# exchange, 500 for a SOAP error), nothing ended.
# SP-initiated: the local logout sends a signed LogoutRequest, and the IdP's LogoutResponse must
# answer it (once). An IdP with only HTTP-POST gets auto-posting forms signed inside the XML.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use JSON::PP ();
use HTTP::Tiny;
use MIME::Base64 qw(decode_base64);
use Test::Nginx::SSO;
use Test::Nginx::SamlIdp;

import_servers();
my $env = Test::Nginx::SSO::env();
my $keys = "$env->{servroot}/keys";
system("$env->{repo}/scripts/gen-test-keys", $keys) == 0 or die "gen-test-keys failed";
my $port = $env->{server_port};
my $acs = "http://localhost:$port/sso/saml/acs";
my $slo = "http://localhost:$port/sso/saml/slo";
my $sp = 'https://app.test.invalid/sso/saml';
my $audit = "$env->{servroot}/audit.log";

my $corp = Test::Nginx::SamlIdp->new(keys_dir => $keys,
    slo_redirect => 'https://idp.test.invalid/slo');
$corp->write_metadata("$env->{servroot}/corp-idp.xml");
my $postonly = Test::Nginx::SamlIdp->new(keys_dir => $keys, key => 'idp2',
    entity_id => 'https://post-idp.test.invalid', sso_url => 'https://post-idp.test.invalid/sso',
    slo_post => 'https://post-idp.test.invalid/slo');
$postonly->write_metadata("$env->{servroot}/post-idp.xml");
my $nokey = Test::Nginx::SamlIdp->new(keys_dir => $keys,
    entity_id => 'https://nokey-idp.test.invalid', sso_url => 'https://nokey-idp.test.invalid/sso',
    slo_redirect => 'https://nokey-idp.test.invalid/slo');
$nokey->write_metadata("$env->{servroot}/nokey-idp.xml");

my $hook_secret = "$env->{servroot}/hook.secret";
open my $hs, '>', $hook_secret or die;
print $hs "hook-secret-0123456789abcdef\n";
close $hs;
my $hook_port = start_test_hook($hook_secret);
sub hook_events {
    return JSON::PP::decode_json(HTTP::Tiny->new->get("http://127.0.0.1:$hook_port/stats")->{content})
        ->{events};
}

start_nginx({
    http_config => <<"CONF",
sso_session secure=off;
sso_audit_log $audit;
sso_provision_hook http://127.0.0.1:$hook_port/provision secret_file=$hook_secret;
sso_provider corp {
    saml_idp_metadata   $env->{servroot}/corp-idp.xml;
    saml_sp_entity_id   $sp;
    saml_acs_url        $acs;
    saml_sp_key         $keys/sp.key;
    saml_sp_certificate $keys/sp.crt;
}
sso_provider postonly {
    saml_idp_metadata   $env->{servroot}/post-idp.xml;
    saml_sp_entity_id   $sp;
    saml_acs_url        $acs;
    saml_sp_key         $keys/sp.key;
    saml_sp_certificate $keys/sp.crt;
}
sso_provider nokey {
    saml_idp_metadata   $env->{servroot}/nokey-idp.xml;
    saml_sp_entity_id   $sp;
    saml_acs_url        $acs;
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
my $node = start_node();

# A login at `$idp` as `$name_id`: the session cookie and the assertion's SessionIndex.
sub login {
    my ($idp, $provider, $name_id) = @_;
    my $res = http_request('GET', "/sso/login?provider=$provider&return_to=%2Fapp");
    my $req = $idp->read_redirect($res->{headers}{location}[0] // '');
    my $response = $idp->response(in_response_to => $req->{id}, acs => $acs, audience => $sp,
        name_id => $name_id);
    my ($session_index) = decode_base64($response) =~ /SessionIndex="([^"]+)"/;
    my $acs_res = Test::Nginx::SamlIdp::post_acs($response, $req->{relay_state});
    my ($cookie) = join('; ', @{ $acs_res->{headers}{'set-cookie'} // [] }) =~ /\bsso=([^;]+)/;
    return { cookie => $cookie, session_index => $session_index };
}

# Six requests per node reach both workers (and fill their session caches).
sub works_everywhere {
    my ($session) = @_;
    return join(',', map {
        my $p = $_;
        map { http_request('GET', '/app', port => $p,
                  headers => ["Cookie: sso=$session->{cookie}", 'Accept: text/html'])->{status} } 1 .. 6
    } ($port, $node->{port}));
}
my $all_200 = join(',', (200) x 12);
my $all_302 = join(',', (302) x 12);

sub slo_get { http_request('GET', "/sso/saml/slo?$_[0]{query}") }
sub slo_post {
    http_request('POST', '/sso/saml/slo', body => $_[0]{form},
        headers => ['Content-Type: application/x-www-form-urlencoded']);
}
# As an IdP sends it: server to server, text/xml, a SOAPAction header.
sub soap {
    my ($msg, %o) = @_;
    http_request('POST', '/sso/saml/slo', port => $o{port}, body => $msg->{soap},
        headers => ['Content-Type: ' . ($o{content_type} // 'text/xml; charset=utf-8'),
                    'SOAPAction: "http://www.oasis-open.org/committees/security"']);
}
sub audit_lines { grep {/"event":"logout"/} split /\n/, (do { local (@ARGV, $/) = $audit; <> } // '') }

subtest 'our metadata publishes the SingleLogoutService when we can sign' => sub {
    my $md = http_request('GET', '/sso/saml/metadata?provider=corp');
    like($md->{body}, qr{<md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="\Q$slo\E"/>},
        'HTTP-Redirect');
    like($md->{body}, qr{<md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="\Q$slo\E"/>},
        'HTTP-POST');
    like($md->{body}, qr{<md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:SOAP" Location="\Q$slo\E"/>},
        'SOAP');
    unlike(http_request('GET', '/sso/saml/metadata?provider=nokey')->{body}, qr/SingleLogoutService/,
        'none without a key to sign logout messages with');
};

my @alice = map { login($corp, 'corp', 'alice@corp.example') } 1 .. 3;
my $bob = login($corp, 'corp', 'bob@corp.example');
is(works_everywhere($_), $all_200, 'each session works on both nodes, both workers') for @alice, $bob;

subtest 'a LogoutRequest that fails a check ends nothing and gets no answer' => sub {
    my %ok = (destination => $slo, session_indexes => [$alice[0]{session_index}],
        name_id => 'alice@corp.example');
    my @cases = (
        [ 'unsigned (HTTP-Redirect)', 'get', { %ok, sign => 'none' }, 'SAML_NOT_SIGNED' ],
        [ 'unsigned (HTTP-POST)', 'post', { %ok, binding => 'post', sign => 'none' }, 'SAML_NOT_SIGNED' ],
        [ 'signed by a key we do not trust', 'get', { %ok, key => 'attacker' }, 'SAML_SIGNATURE_INVALID' ],
        [ 'signed in the XML by a key we do not trust', 'post', { %ok, binding => 'post', key => 'attacker' },
          'SAML_SIGNATURE_INVALID' ],
        [ 'RSA-SHA1', 'get', { %ok, sha1 => 1 }, 'SAML_SIGNATURE_ALGORITHM' ],
        [ 'the NameID changed after signing (HTTP-POST)', 'post',
          { %ok, binding => 'post', tamper => sub { $_[0] =~ s/alice\@/bob\@/r } }, 'SAML_SIGNATURE_INVALID' ],
        [ 'for another SP', 'get', { %ok, destination => 'https://other.test.invalid/slo' },
          'SAML_DESTINATION_MISMATCH' ],
        [ 'from an IdP we do not know', 'get', { %ok, issuer => 'https://evil.test.invalid' },
          'SAML_ISSUER_MISMATCH' ],
        [ 'issued long ago', 'get', { %ok, issue_offset => -3600 }, 'SAML_EXPIRED' ],
        [ 'issued in the future', 'get', { %ok, issue_offset => 3600 }, 'SAML_NOT_YET_VALID' ],
        [ 'without a NameID', 'get', { %ok, name_id => undef }, 'SAML_MISSING_NAMEID' ],
        [ 'with a DOCTYPE', 'post', { %ok, binding => 'post', doctype => 1 }, 'SAML_DTD_FORBIDDEN' ],
    );
    for my $case (@cases) {
        my ($what, $method, $opts, $check) = @$case;
        clear_error_log();
        my $msg = $corp->logout_message(%$opts);
        my $res = $method eq 'get' ? slo_get($msg) : slo_post($msg);
        is($res->{status}, 400, "$what: 400");
        like($res->{body}, qr/Sign-out message not accepted/, "$what: a page that says so");
        ok(!$res->{headers}{location}, "$what: nothing goes back to the IdP");
        like(error_log(), qr/SAML logout refused: \Q$check\E/, "$what: the log names $check");
    }
    is(http_request('GET', '/sso/saml/slo')->{status}, 400, 'no message: 400');
    is(http_request('PUT', '/sso/saml/slo')->{status}, 405, 'PUT: 405');
    is(works_everywhere($alice[0]), $all_200, 'the session those messages named still works');
};

subtest 'a SessionIndex ends its session everywhere, at once, and no other' => sub {
    my $msg = $corp->logout_message(destination => $slo, name_id => 'alice@corp.example',
        session_indexes => [$alice[0]{session_index}], relay_state => 'idp-chain-42');
    my $res = slo_get($msg);
    is($res->{status}, 303, 'a redirect back to the IdP');
    my $answer = $corp->read_sp_message(location => $res->{headers}{location}[0],
        sp_cert => "$keys/sp.crt");
    is($answer->{url}, 'https://idp.test.invalid/slo', 'to its SingleLogoutService');
    is($answer->{param}, 'SAMLResponse', 'with a LogoutResponse');
    ok($answer->{signature_ok}, 'signed with our key (openssl verifies it)');
    is($answer->{sig_alg}, 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256', 'RSA-SHA256');
    is($answer->{in_response_to}, $msg->{id}, 'answering that request');
    is($answer->{destination}, 'https://idp.test.invalid/slo', 'its Destination');
    is($answer->{status}, 'urn:oasis:names:tc:SAML:2.0:status:Success', 'Success');
    is($answer->{relay_state}, 'idp-chain-42', 'the RelayState echoed');
    is(works_everywhere($alice[0]), $all_302, 'the session is gone on every worker and node');
    is(works_everywhere($alice[1]), $all_200, 'the same person\'s other session goes on');
    my ($told) = grep { $_->{reason} eq 'idp_slo' } @{ hook_events() };
    is($told->{sessions}, 1, 'the app is told: one session ended') or diag(explain(hook_events()));
    like(error_log(), qr/SAML single logout: 1 session\(s\) ended/, 'logged');

    clear_error_log();
    is(slo_get($msg)->{status}, 400, 'the same request again: 400');
    like(error_log(), qr/SAML logout refused: SAML_REPLAY/, 'its ID was spent');
};

subtest "a SessionIndex of someone else's session ends nothing, and is answered Success" => sub {
    my $res = slo_get($corp->logout_message(destination => $slo, name_id => 'alice@corp.example',
        session_indexes => [$bob->{session_index}]));
    is($res->{status}, 303, 'answered');
    my $answer = $corp->read_sp_message(location => $res->{headers}{location}[0],
        sp_cert => "$keys/sp.crt");
    is($answer->{status}, 'urn:oasis:names:tc:SAML:2.0:status:Success', 'Success (the IdP\'s chain goes on)');
    is(works_everywhere($bob), $all_200, 'the session of the SessionIndex lives: its NameID differs');
    like(error_log(), qr/SAML single logout: 0 session\(s\) ended/, 'logged as none');
};

subtest 'a NameID alone over HTTP-POST ends every session of the person' => sub {
    my $res = slo_post($corp->logout_message(destination => $slo, binding => 'post',
        name_id => 'alice@corp.example'));
    is($res->{status}, 303, 'answered over HTTP-Redirect, the binding the IdP offers');
    is(works_everywhere($_), $all_302, 'gone everywhere') for @alice[1, 2];
    is(works_everywhere($bob), $all_200, 'another person\'s session goes on');
    my ($line) = grep {/"reason":"idp_slo"/ && /"sessions":2/} audit_lines();
    like($line // '', qr/"app":"told"/, 'the audit line says how many ended and that the app knows');
};

my @sam;
subtest 'a SOAP LogoutRequest that fails a check ends nothing and gets a Fault' => sub {
    @sam = map { login($corp, 'corp', 'sam@corp.example') } 1 .. 3;
    is(works_everywhere($_), $all_200, 'signed in') for @sam;
    my %ok = (binding => 'soap', destination => $slo, name_id => 'sam@corp.example',
        session_indexes => [$sam[0]{session_index}]);
    my $unsigned_bob = $corp->logout_message(%ok, sign => 'none', name_id => 'bob@corp.example',
        session_indexes => [])->{soap};
    my ($evil) = $unsigned_bob =~ m{(<samlp:LogoutRequest.*</samlp:LogoutRequest>)}s;
    my $signed_part = sub { ($_[0] =~ m{(<samlp:LogoutRequest.*</samlp:LogoutRequest>)}s)[0] };
    my @cases = (
        [ 'unsigned', { %ok, sign => 'none' }, 403, 'SAML_NOT_SIGNED' ],
        [ 'signed by a key we do not trust', { %ok, key => 'attacker' }, 403, 'SAML_SIGNATURE_INVALID' ],
        [ 'the NameID changed after signing',
          { %ok, tamper => sub { $_[0] =~ s/sam\@/bob\@/r } }, 403, 'SAML_SIGNATURE_INVALID' ],
        [ 'the SessionIndex changed after signing',
          { %ok, tamper => sub { $_[0] =~ s/<samlp:SessionIndex>[^<]*/<samlp:SessionIndex>$bob->{session_index}/r } },
          403, 'SAML_SIGNATURE_INVALID' ],
        [ 'from an IdP we do not know', { %ok, issuer => 'https://evil.test.invalid' }, 403,
          'SAML_ISSUER_MISMATCH' ],
        [ 'for another SP', { %ok, destination => 'https://other.test.invalid/slo' }, 403,
          'SAML_DESTINATION_MISMATCH' ],
        [ 'issued long ago', { %ok, issue_offset => -3600 }, 403, 'SAML_EXPIRED' ],
        [ 'issued in the future', { %ok, issue_offset => 3600 }, 403, 'SAML_NOT_YET_VALID' ],
        [ 'without a NameID', { %ok, name_id => undef }, 403, 'SAML_MISSING_NAMEID' ],
        [ 'the signed request moved into the Header, another in the Body (wrapping)',
          { %ok, tamper => sub { my $s = $signed_part->($_[0]);
              $_[0] =~ s{\Q$s\E}{$evil}r =~ s{<soap11:Body>}{<soap11:Header>$s</soap11:Header><soap11:Body>}r } },
          500, 'SAML_SOAP_MALFORMED' ],
        [ 'a second LogoutRequest in the Body',
          { %ok, tamper => sub { $_[0] =~ s{</soap11:Body>}{$evil</soap11:Body>}r } }, 500,
          'SAML_SOAP_MALFORMED' ],
        [ 'a second LogoutRequest after the Body',
          { %ok, tamper => sub { $_[0] =~ s{</soap11:Body>}{</soap11:Body>$evil}r } }, 500,
          'SAML_SOAP_MALFORMED' ],
        [ 'an extra element in the Body',
          { %ok, tamper => sub { $_[0] =~ s{</soap11:Body>}{<x:More xmlns:x="urn:x"/></soap11:Body>}r } },
          500, 'SAML_SOAP_MALFORMED' ],
        [ 'a header block marked mustUnderstand',
          { %ok, header => '<x:Tx xmlns:x="urn:x" soap11:mustUnderstand="1"/>' }, 500,
          'SAML_SOAP_MUST_UNDERSTAND', 'soap11:MustUnderstand' ],
        [ 'with a DOCTYPE', { %ok, doctype => 1 }, 500, 'SAML_DTD_FORBIDDEN' ],
        [ 'a huge body', { %ok, header => '<x:Pad xmlns:x="urn:x">' . ('a' x 300_000) . '</x:Pad>' },
          500, 'SAML_RESPONSE_TOO_LARGE' ],
        [ 'not XML', { %ok, tamper => sub { 'SAMLRequest=abc' } }, 500, 'SAML_XML_MALFORMED' ],
    );
    for my $case (@cases) {
        my ($what, $opts, $status, $check, $code) = @$case;
        clear_error_log();
        my $res = soap($corp->logout_message(%$opts));
        is($res->{status}, $status, "$what: $status");
        like($res->{headers}{'content-type'}[0] // '', qr{^text/xml; charset=utf-8$}, "$what: text/xml");
        my $fault = $corp->read_soap_answer($res->{body}, "$keys/sp.crt");
        ok($fault->{well_formed} && $fault->{envelope}, "$what: a SOAP envelope");
        is($fault->{fault_code}, $code // 'soap11:Client', "$what: faultcode");
        like($fault->{fault_string} // '', qr/^\Q$check\E: /, "$what: the faultstring names $check");
        ok(!$res->{headers}{'set-cookie'} && !$res->{headers}{location}, "$what: no cookie, no redirect");
        like(error_log(), qr/SAML SOAP logout refused: \Q$check\E/, "$what: the log names $check");
    }
    my $page = soap($corp->logout_message(%ok), content_type => 'application/x-www-form-urlencoded');
    is($page->{status}, 400, 'an envelope posted as a form: the HTTP-POST binding refuses it');
    like($page->{headers}{'content-type'}[0], qr{^text/html}, 'with a page');
    is(works_everywhere($_), $all_200, 'no session ended') for @sam, $bob;
};

subtest 'over SOAP, a SessionIndex ends its session everywhere, at once; the IdP gets a signed answer' => sub {
    my $msg = $corp->logout_message(binding => 'soap', destination => $slo,
        name_id => 'sam@corp.example', session_indexes => [$sam[0]{session_index}]);
    clear_error_log();
    my $res = soap($msg, port => $node->{port});
    is($res->{status}, 200, '200 (sent to the other node)');
    is($res->{headers}{'content-type'}[0], 'text/xml; charset=utf-8', 'text/xml');
    is($res->{headers}{'cache-control'}[0], 'no-store', 'no-store');
    ok(!$res->{headers}{'set-cookie'} && !$res->{headers}{location}, 'no cookie, no redirect');
    my $answer = $corp->read_soap_answer($res->{body}, "$keys/sp.crt");
    ok($answer->{well_formed} && $answer->{envelope}, 'a well-formed SOAP envelope')
        or diag($res->{body});
    ok($answer->{signature_ok}, 'its LogoutResponse is signed with our key (xmlsec1 verifies it)');
    is($answer->{in_response_to}, $msg->{id}, 'answering that request');
    is($answer->{destination}, undef, 'no Destination: the answer is the HTTP response');
    is($answer->{issuer}, $sp, 'from us');
    is($answer->{status}, 'urn:oasis:names:tc:SAML:2.0:status:Success', 'Success');
    is(works_everywhere($sam[0]), $all_302, 'the session is gone on every worker and node');
    is(works_everywhere($sam[1]), $all_200, 'the same person\'s other session goes on');
    my ($told) = (grep { $_->{reason} eq 'idp_slo' } @{ hook_events() })[-1];
    is($told->{sessions}, 1, 'the app is told: one session ended') or diag(explain(hook_events()));
    my ($line) = grep {/"binding":"soap"/} audit_lines();
    like($line // '', qr/"reason":"idp_slo".*"sessions":1/, 'the audit line: idp_slo, binding soap');

    my $tampered = $corp->read_soap_answer($res->{body} =~ s/Success/Requester/r, "$keys/sp.crt");
    ok(!$tampered->{signature_ok}, 'the same answer changed does not verify (the check can fail)');

    clear_error_log();
    my $again = soap($msg);
    is($again->{status}, 403, 'the same request again: 403');
    is($corp->read_soap_answer($again->{body}, "$keys/sp.crt")->{fault_code}, 'soap11:Client',
        'a Fault');
    like(error_log(), qr/SAML SOAP logout refused: SAML_REPLAY/, 'its ID was spent');
};

subtest 'over SOAP, a NameID alone ends every session of the person, and no other' => sub {
    my $res = soap($corp->logout_message(binding => 'soap', destination => $slo,
        name_id => 'sam@corp.example'));
    is($res->{status}, 200, 'answered 200');
    my $answer = $corp->read_soap_answer($res->{body}, "$keys/sp.crt");
    is($answer->{status}, 'urn:oasis:names:tc:SAML:2.0:status:Success', 'Success');
    ok($answer->{signature_ok}, 'signed');
    is(works_everywhere($_), $all_302, 'gone everywhere') for @sam[1, 2];
    is(works_everywhere($bob), $all_200, 'another person\'s session goes on');
    my ($line) = grep {/"binding":"soap"/ && /"sessions":2/} audit_lines();
    like($line // '', qr/"app":"told"/, 'the audit line says how many ended and that the app knows');

    $res = soap($corp->logout_message(binding => 'soap', destination => $slo,
        name_id => 'nobody@corp.example'));
    is($res->{status}, 200, 'a NameID without sessions: 200');
    is($corp->read_soap_answer($res->{body}, "$keys/sp.crt")->{status},
        'urn:oasis:names:tc:SAML:2.0:status:Success', 'Success (the IdP\'s chain goes on)');
};

subtest 'SP-initiated: the local logout asks the IdP, its answer must match' => sub {
    my $carol = login($corp, 'corp', 'carol@corp.example');
    my $res = http_request('POST', '/sso/logout', headers => ["Cookie: sso=$carol->{cookie}"]);
    is($res->{status}, 303, 'the local logout redirects');
    my $req = $corp->read_sp_message(location => $res->{headers}{location}[0],
        sp_cert => "$keys/sp.crt");
    is($req->{url}, 'https://idp.test.invalid/slo', 'to the IdP\'s SingleLogoutService');
    is($req->{param}, 'SAMLRequest', 'with a LogoutRequest');
    ok($req->{signature_ok}, 'signed with our key (openssl verifies it)');
    is($req->{name_id}, 'carol@corp.example', 'naming the NameID');
    is($req->{name_id_format}, 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress', 'with its Format');
    is_deeply($req->{session_indexes}, [$carol->{session_index}], 'and the SessionIndex');
    like(join(';', @{ $res->{headers}{'set-cookie'} // [] }), qr/\bsso=;/, 'the cookie is cleared');
    is(works_everywhere($carol), $all_302, 'the session is gone everywhere before the IdP answers');

    clear_error_log();
    my $bad = $corp->logout_message(response => 1, destination => $slo,
        in_response_to => '_not-one-of-ours');
    is(slo_get($bad)->{status}, 400, 'a LogoutResponse to a request we did not send: 400');
    like(error_log(), qr/SAML_IN_RESPONSE_TO_MISMATCH/, 'logged');

    my $answer = $corp->logout_message(response => 1, destination => $slo,
        in_response_to => $req->{id});
    my $back = slo_get($answer);
    is($back->{status}, 303, 'the IdP\'s answer ends at the logout redirect');
    like($back->{headers}{location}[0], qr{^http://localhost:\d+/$}, 'which is /');
    is(slo_get($answer)->{status}, 400, 'the same answer again: 400');

    my $dave = login($corp, 'corp', 'dave@corp.example');
    $res = http_request('POST', '/sso/logout', headers => ["Cookie: sso=$dave->{cookie}"]);
    $req = $corp->read_sp_message(location => $res->{headers}{location}[0], sp_cert => "$keys/sp.crt");
    my $partial = slo_post($corp->logout_message(response => 1, destination => $slo, binding => 'post',
        in_response_to => $req->{id}, status => 'urn:oasis:names:tc:SAML:2.0:status:Responder'));
    is($partial->{status}, 200, 'an answer that is not Success: a page');
    like($partial->{body}, qr/signed out here, but the identity provider could not end/, 'that says so');
    like(error_log(), qr/the IdP answered urn:oasis:names:tc:SAML:2.0:status:Responder/, 'logged');
};

subtest 'an IdP with only HTTP-POST gets forms, signed inside the XML' => sub {
    my $erin = login($postonly, 'postonly', 'erin@corp.example');
    is(works_everywhere($erin), $all_200, 'signed in');
    my $res = http_request('POST', '/sso/logout', headers => ["Cookie: sso=$erin->{cookie}"]);
    is($res->{status}, 200, 'the local logout answers with a form page');
    like($res->{headers}{'content-type'}[0], qr{^text/html}, 'HTML');
    my $req = $postonly->read_sp_message(form_page => $res->{body}, sp_cert => "$keys/sp.crt");
    is($req->{url}, 'https://post-idp.test.invalid/slo', 'posting to its SingleLogoutService');
    ok($req->{signature_ok}, 'the LogoutRequest\'s XML signature verifies (xmlsec1)');
    is($req->{name_id}, 'erin@corp.example', 'naming the NameID');
    is(works_everywhere($erin), $all_302, 'the session is gone');

    my $frank = login($postonly, 'postonly', 'frank@corp.example');
    $res = slo_post($postonly->logout_message(destination => $slo, binding => 'post',
        name_id => 'frank@corp.example', relay_state => 'r1'));
    is($res->{status}, 200, 'its LogoutRequest is answered with a form page');
    my $answer = $postonly->read_sp_message(form_page => $res->{body}, sp_cert => "$keys/sp.crt");
    ok($answer->{signature_ok}, 'the LogoutResponse\'s XML signature verifies (xmlsec1)');
    is($answer->{status}, 'urn:oasis:names:tc:SAML:2.0:status:Success', 'Success');
    is($answer->{relay_state}, 'r1', 'the RelayState echoed');
    is(works_everywhere($frank), $all_302, 'the session is gone');
};

subtest 'a provider without a key does no Single Logout, and says why' => sub {
    my $gina = login($nokey, 'nokey', 'gina@corp.example');
    clear_error_log();
    my $res = slo_get($nokey->logout_message(destination => $slo, name_id => 'gina@corp.example'));
    is($res->{status}, 501, 'not implemented: 501');
    like(error_log(), qr/SAML_SLO_NOT_CONFIGURED/, 'the log names what is missing');
    is(works_everywhere($gina), $all_200, 'nothing ended');
    $res = http_request('POST', '/sso/logout', headers => ["Cookie: sso=$gina->{cookie}"]);
    like($res->{headers}{location}[0], qr{^http://localhost:\d+/$}, 'the local logout goes home');
    is(works_everywhere($gina), $all_302, 'and ends the session');
};

subtest 'no logout path redirects where a request says' => sub {
    my @payloads = ('//evil.example', '/\\evil.example', 'https:evil.example', 'https://evil.example',
        '%2F%2Fevil.example', '/%5Cevil.example', '%0d%0aLocation:%20https://evil.example',
        '/%09/evil.example', 'javascript:alert(1)', '\\/\\/evil.example', '%252F%252Fevil.example');
    for my $payload (@payloads) {
        my $query = join '&', map {"$_=$payload"} qw(return_to next redirect redirect_uri
            post_logout_redirect_uri RelayState);
        my $res = http_request('POST', "/sso/logout?$query");
        is($res->{headers}{location}[0], "http://localhost:$port/", "logout ?…=$payload: home");
        my $carl = login($corp, 'corp', 'carl@corp.example');
        $res = http_request('POST', "/sso/logout?$query", headers => ["Cookie: sso=$carl->{cookie}"]);
        my $req = $corp->read_sp_message(location => $res->{headers}{location}[0],
            sp_cert => "$keys/sp.crt");
        is($req->{url}, 'https://idp.test.invalid/slo', "SAML logout ?…=$payload: to the IdP only");
        my $answer = $corp->logout_message(response => 1, destination => $slo,
            in_response_to => $req->{id}, relay_state => Test::Nginx::SamlIdp::url_decode($payload));
        $res = http_request('GET', "/sso/saml/slo?$answer->{query}&return_to=$payload");
        is($res->{headers}{location}[0], "http://localhost:$port/", "LogoutResponse, RelayState=$payload: home");
    }
};

subtest 'sso-admin ends every session of a person, and the app is told' => sub {
    my @henry = map { login($corp, 'corp', 'henry@corp.example') } 1 .. 2;
    is(works_everywhere($_), $all_200, 'signed in') for @henry;
    my ($count, $exit) = revoke_sessions(provider => 'corp', subject => 'henry@corp.example',
        hook => "http://127.0.0.1:$hook_port/provision", hook_secret_file => $hook_secret);
    is($count, 2, 'two sessions revoked');
    is($exit, 0, 'the app was told: exit 0');
    is(works_everywhere($_), $all_302, 'gone everywhere') for @henry;
    my ($told) = grep { $_->{reason} eq 'admin' } @{ hook_events() };
    is($told->{sessions}, 2, 'the app hears "admin" and how many') or diag(explain(hook_events()));
    ok($told->{user_id}, 'with the app\'s user id');

    my $ivan = login($corp, 'corp', 'ivan@corp.example');
    ($count, $exit) = revoke_sessions(provider => 'corp', subject => 'ivan@corp.example',
        hook => 'http://127.0.0.1:9/down', hook_secret_file => $hook_secret);
    is($count, 1, 'a hook that is down does not stop the revocation');
    is($exit, 3, 'but the exit code says the app was not told');
    is(works_everywhere($ivan), $all_302, 'gone everywhere');

    # a real SAML login (through the hook) is found by the app's user id and by email too
    my @jill = map { login($corp, 'corp', 'jill@corp.example') } 1 .. 2;
    is(works_everywhere($_), $all_200, 'signed in') for @jill;
    open my $fh, '-|', Test::Nginx::SSO::env()->{admin}, Test::Nginx::SSO::admin_store_args(),
        '--json', 'session', 'list', '--provider', 'corp', '--subject', 'jill@corp.example'
        or die "sso-admin: $!";
    my $listed = JSON::PP::decode_json(scalar <$fh>)->{sessions};
    close $fh;
    is(scalar @$listed, 2, 'sso-admin lists both sessions');
    my $user_id = $listed->[0]{user};
    ok($user_id, "with the app's user id ($user_id)");
    ($count, $exit) = revoke_sessions(user => $user_id,
        hook => "http://127.0.0.1:$hook_port/provision", hook_secret_file => $hook_secret);
    is($count, 2, 'revoked by user id: both sessions');
    is($exit, 0, 'the app was told');
    is(works_everywhere($_), $all_302, 'gone everywhere') for @jill;
};

unlike(error_log(), qr/\[(alert|crit|emerg)\]/, 'no alert in the error log');
done_testing();
