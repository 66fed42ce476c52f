# SAML 2.0 Single Logout over the SOAP binding (back-channel, no browser) through real nginx
# (two workers, and a second node on the same Redis), against LogoutRequests signed in place in
# their SOAP envelope by the real xmlsec1.
# A valid one ends every session it names at once on every worker and node; the app is told;
# the IdP gets, in the HTTP response, a SOAP envelope with a LogoutResponse signed with our key
# (xmlsec1 verifies it against our certificate). Every check has a negative test seen from
# outside: a SOAP Fault (403 for a refused exchange, 500 for a SOAP error), the log line naming
# the check, no session ended.
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

# A login at the IdP as `$name_id`: the session cookie and the assertion's SessionIndex.
sub login {
    my ($name_id) = @_;
    my $res = http_request('GET', '/sso/login?provider=corp&return_to=%2Fapp');
    my $req = $corp->read_redirect($res->{headers}{location}[0] // '');
    my $response = $corp->response(in_response_to => $req->{id}, acs => $acs, audience => $sp,
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

# As an IdP sends it: server to server, text/xml, a SOAPAction header.
sub soap {
    my ($msg, %o) = @_;
    http_request('POST', '/sso/saml/slo', port => $o{port}, body => $msg->{soap},
        headers => ['Content-Type: ' . ($o{content_type} // 'text/xml; charset=utf-8'),
                    'SOAPAction: "http://www.oasis-open.org/committees/security"']);
}
sub audit_lines { grep {/"event":"logout"/} split /\n/, (do { local (@ARGV, $/) = $audit; <> } // '') }

subtest 'our metadata publishes a SOAP SingleLogoutService at the same URL' => sub {
    my $md = http_request('GET', '/sso/saml/metadata?provider=corp');
    like($md->{body}, qr{<md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:SOAP" Location="\Q$slo\E"/>},
        'SOAP');
};

my @alice = map { login('alice@corp.example') } 1 .. 3;
my $bob = login('bob@corp.example');
is(works_everywhere($_), $all_200, 'each session works on both nodes, both workers') for @alice, $bob;

subtest 'a SOAP LogoutRequest that fails a check ends nothing and gets a Fault' => sub {
    my %ok = (binding => 'soap', destination => $slo, name_id => 'alice@corp.example',
        session_indexes => [$alice[0]{session_index}]);
    my $unsigned_bob = $corp->logout_message(%ok, sign => 'none', name_id => 'bob@corp.example',
        session_indexes => [])->{soap};
    my ($evil) = $unsigned_bob =~ m{(<samlp:LogoutRequest.*</samlp:LogoutRequest>)}s;
    my $signed_part = sub { ($_[0] =~ m{(<samlp:LogoutRequest.*</samlp:LogoutRequest>)}s)[0] };
    my @cases = (
        [ 'unsigned', { %ok, sign => 'none' }, 403, 'SAML_NOT_SIGNED' ],
        [ 'signed by a key we do not trust', { %ok, key => 'attacker' }, 403, 'SAML_SIGNATURE_INVALID' ],
        [ 'the NameID changed after signing',
          { %ok, tamper => sub { $_[0] =~ s/alice\@/bob\@/r } }, 403, 'SAML_SIGNATURE_INVALID' ],
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
    is(works_everywhere($_), $all_200, 'no session ended') for @alice, $bob;
};

subtest 'a SessionIndex ends its session everywhere, at once; the IdP gets a signed answer' => sub {
    my $msg = $corp->logout_message(binding => 'soap', destination => $slo,
        name_id => 'alice@corp.example', session_indexes => [$alice[0]{session_index}]);
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
    is(works_everywhere($alice[0]), $all_302, 'the session is gone on every worker and node');
    is(works_everywhere($alice[1]), $all_200, 'the same person\'s other session goes on');
    my ($told) = grep { $_->{reason} eq 'idp_slo' } @{ hook_events() };
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

subtest 'a NameID alone ends every session of the person, and no other' => sub {
    my $res = soap($corp->logout_message(binding => 'soap', destination => $slo,
        name_id => 'alice@corp.example'));
    is($res->{status}, 200, 'answered 200');
    my $answer = $corp->read_soap_answer($res->{body}, "$keys/sp.crt");
    is($answer->{status}, 'urn:oasis:names:tc:SAML:2.0:status:Success', 'Success');
    ok($answer->{signature_ok}, 'signed');
    is(works_everywhere($_), $all_302, 'gone everywhere') for @alice[1, 2];
    is(works_everywhere($bob), $all_200, 'another person\'s session goes on');
    my ($line) = grep {/"binding":"soap"/ && /"sessions":2/} audit_lines();
    like($line // '', qr/"app":"told"/, 'the audit line says how many ended and that the app knows');

    $res = soap($corp->logout_message(binding => 'soap', destination => $slo,
        name_id => 'nobody@corp.example'));
    is($res->{status}, 200, 'a NameID without sessions: 200');
    is($corp->read_soap_answer($res->{body}, "$keys/sp.crt")->{status},
        'urn:oasis:names:tc:SAML:2.0:status:Success', 'Success (the IdP\'s chain goes on)');
};

unlike(error_log(), qr/\[(alert|crit|emerg)\]/, 'no alert in the error log');
done_testing();
