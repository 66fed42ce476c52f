# Interop with pysaml2 (Debian's python3-pysaml2) as the identity provider: its metadata
# configures our provider, it parses our AuthnRequest and signs the response; a scripted
# SP-initiated login goes through nginx to the app.
# Single Logout, HTTP-Redirect both ways, pysaml2 doing all the IdP's SAML work: its signed
# LogoutRequest ends the session it names, and it verifies our signed LogoutResponse with the
# certificate in our metadata; our signed LogoutRequest passes its checks, and its signed
# LogoutResponse completes our logout (once). pysaml2 refuses our messages once tampered with.
# Single Logout over SOAP (back-channel): pysaml2 posts its signed LogoutRequest in a SOAP
# envelope itself (application/soap+xml), opens our SOAP answer with its SOAP parser, and its
# verifier checks the LogoutResponse's signature as received (its parse_logout_request_response
# cannot: it re-serializes the message out of the envelope, renaming prefixes; issue #551).
use strict;
use warnings;
use lib 't/lib';
use JSON::PP qw(decode_json);
use MIME::Base64 qw(decode_base64 encode_base64);
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
my $slo = "http://localhost:$port/sso/saml/slo";
my $idp_slo = 'https://pysaml2-idp.test.invalid/slo';
my @idp = ("$env->{repo}/t/interop/pysaml2_idp.py", '--keys', $keys,
    '--entity-id', 'https://pysaml2-idp.test.invalid', '--sso-url', 'https://pysaml2-idp.test.invalid/sso',
    '--slo-url', $idp_slo);

sub run {
    my @cmd = @_;
    open my $fh, '-|', '/usr/bin/python3', @cmd or die "python3: $!";
    local $/;
    my $out = <$fh>;
    close $fh;
    die "@cmd failed: $?" if $?;
    return $out;
}

# A mode expected to refuse: its exit status and what it wrote to stderr.
sub run_refused {
    my @cmd = @_;
    my $err_file = "$env->{servroot}/pysaml2.err";
    open my $saved, '>&', \*STDERR or die;
    open STDERR, '>', $err_file or die;
    my $pid = open my $fh, '-|', '/usr/bin/python3', @cmd;
    open STDERR, '>&', $saved or die;
    die "python3: $!" unless $pid;
    local $/;
    my $out = <$fh>;
    close $fh;
    return ($? >> 8, Test::Nginx::SamlIdp::slurp($err_file));
}

# The log is cleared between checks; what was cleared is kept for the last check (no alert).
my $cleared_log = '';
sub clear_log { $cleared_log .= error_log(); clear_error_log() }

my $metadata = "$env->{servroot}/pysaml2-idp.xml";
open my $fh, '>', $metadata or die;
print $fh run(@idp, 'metadata');
close $fh;

start_nginx({
    http_config => <<"CONF",
sso_provider pysaml2 {
    saml_idp_metadata   $metadata;
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
    proxy_set_header X-Remote-User   $sso_user;
    proxy_set_header X-Remote-Name   $sso_name;
    proxy_set_header X-Remote-Groups $sso_groups;
    proxy_pass http://127.0.0.1:$TEST_NGINX_UPSTREAM_PORT;
}
CONF
});

my $sp_metadata = "$env->{servroot}/sp.xml";
my $md = http_request('GET', '/sso/saml/metadata?provider=pysaml2');
is($md->{status}, 200, 'our SP metadata, for pysaml2 to load');
open $fh, '>', $sp_metadata or die;
print $fh $md->{body};
close $fh;
# Our metadata with another key's certificate: pysaml2 must find our signatures bad.
sub cert_body {
    my $pem = Test::Nginx::SamlIdp::slurp("$keys/$_[0].crt");
    $pem =~ s/-----[A-Z ]+-----|\s+//g;
    return $pem;
}
my $not_our_cert = "$env->{servroot}/sp-not-our-cert.xml";
my $swapped = $md->{body};
my $our_cert = cert_body('sp');
ok($swapped =~ s/\Q$our_cert\E/cert_body('attacker')/ge, 'our metadata has our certificate');
Test::Nginx::SamlIdp::spew($not_our_cert, $swapped);
like($md->{body}, qr{<md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="\Q$slo\E"/>},
    'it names our SingleLogoutService (HTTP-Redirect)');
like($md->{body}, qr{<md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:SOAP" Location="\Q$slo\E"/>},
    'and the same URL for the SOAP binding');

sub idp_login {
    my (@extra) = @_;
    my $res = http_request('GET', '/sso/login?return_to=%2Fwelcome');
    is($res->{status}, 302, 'login redirects to pysaml2');
    my $answer = decode_json(run(@idp, 'respond', '--sp-metadata', $sp_metadata,
        '--redirect', $res->{headers}{location}[0], @extra));
    is($answer->{destination}, $acs, 'pysaml2 answers to our ACS');
    my $acs_res = Test::Nginx::SamlIdp::post_acs($answer->{SAMLResponse}, $answer->{RelayState});
    ($acs_res->{cookie}) = join('', @{ $acs_res->{headers}{'set-cookie'} // [] }) =~ /__Host-sso=([^;]+)/;
    $acs_res->{session_index} = $answer->{session_index};
    return $acs_res;
}

sub app_status {
    my ($cookie) = @_;
    return http_request('GET', '/welcome',
        headers => ["Cookie: __Host-sso=$cookie", 'Accept: text/html'])->{status};
}

# The query of a URL, and the URL with one of its parameters' value changed by `$change`.
sub query_of { ($_[0] =~ /\?(.*)$/)[0] }
sub with_param {
    my ($url, $name, $change) = @_;
    return $url =~ s{([?&]\Q$name\E=)([^&]*)}{$1 . $change->($2)}er;
}
# A signature (base64, percent-encoded) with one bit of one byte flipped: still well-formed.
sub flip_base64 {
    my $bytes = decode_base64(Test::Nginx::SamlIdp::url_decode($_[0]));
    substr($bytes, 10, 1) = chr(ord(substr($bytes, 10, 1)) ^ 1);
    return Test::Nginx::SamlIdp::url_encode(encode_base64($bytes, ''));
}

my $res = idp_login();
is($res->{status}, 303, 'the ACS accepts the pysaml2 response') or diag(error_log());
is($res->{headers}{location}[0], "http://localhost:$port/welcome", 'back to the return URL');
my ($cookie) = join('', @{ $res->{headers}{'set-cookie'} // [] }) =~ /__Host-sso=([^;]+)/;
my $app = http_request('GET', '/welcome', headers => ["Cookie: __Host-sso=$cookie"]);
is($app->{status}, 200, 'the app is reached');
like($app->{body}, qr/^X-Remote-User: new\.hire\@corp\.example$/m, 'user from the NameID');
like($app->{body}, qr/^X-Remote-Name: New Hire$/m, 'name from displayName');
like($app->{body}, qr/^X-Remote-Groups: engineering$/m, 'groups from memberOf');

subtest 'IdP-initiated Single Logout: pysaml2 LogoutRequest, verified LogoutResponse' => sub {
    my $login = idp_login();
    is($login->{status}, 303, 'signed in') or return;
    ok($login->{session_index}, "pysaml2's AuthnStatement has a SessionIndex");
    is(app_status($login->{cookie}), 200, 'the session works');

    my $other = idp_login();
    is(app_status($other->{cookie}), 200, 'a second session of the same person');

    clear_log();
    my $sha1 = decode_json(run(@idp, 'logout-request', '--sp-metadata', $sp_metadata,
        '--name-id', 'new.hire@corp.example', '--session-index', $login->{session_index}, '--sha1'));
    is(http_request('GET', '/sso/saml/slo?' . query_of($sha1->{url}))->{status}, 400,
        "a LogoutRequest signed with pysaml2's default RSA-SHA1: 400");
    like(error_log(), qr/SAML logout refused: SAML_SIGNATURE_ALGORITHM/, 'and the log says why');
    is(app_status($login->{cookie}), 200, 'the session goes on');

    # A RelayState without spaces: pysaml2 signs "+" for a space, we echo it as "%20" (both
    # right), and it checks our signature over the parameters re-encoded its way, not over the
    # bytes it got (SAML Bindings 3.4.4.1), so it would refuse our LogoutResponse.
    my $request = decode_json(run(@idp, 'logout-request', '--sp-metadata', $sp_metadata,
        '--name-id', 'new.hire@corp.example', '--session-index', $login->{session_index},
        '--relay-state', 'pysaml2-chain-7'));
    is($request->{destination}, $slo, 'pysaml2 found our SingleLogoutService in our metadata');
    like($request->{url}, qr{^\Q$slo\E\?SAMLRequest=[^&]+&RelayState=pysaml2-chain-7&SigAlg=http%3A%2F%2Fwww\.w3\.org%2F2001%2F04%2Fxmldsig-more%23rsa-sha256&Signature=[^&]+$},
        'its LogoutRequest: HTTP-Redirect, the query signed RSA-SHA256');

    clear_log();
    my $res = http_request('GET', '/sso/saml/slo?' . query_of($request->{url}));
    is($res->{status}, 303, 'nginx accepts it and answers') or diag(error_log());
    my $location = $res->{headers}{location}[0] // '';
    like($location, qr{^\Q$idp_slo\E\?SAMLResponse=}, "with a LogoutResponse to pysaml2's SingleLogoutService");
    like(error_log(), qr/SAML single logout: 1 session\(s\) ended/, 'one session ended');
    is(app_status($login->{cookie}), 302, 'the session it named is gone: back to the login');
    is(app_status($other->{cookie}), 200, 'the other session (another SessionIndex) goes on');

    my $answer = decode_json(run(@idp, 'logout-response-check', '--sp-metadata', $sp_metadata,
        '--redirect', $location));
    ok($answer->{signature_verified}, 'pysaml2 verifies our signature with the certificate in our metadata');
    is($answer->{sig_alg}, 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256', 'RSA-SHA256');
    is($answer->{issuer}, $sp, 'issued by our SP');
    is($answer->{destination}, $idp_slo, 'to its SingleLogoutService');
    is($answer->{in_response_to}, $request->{id}, 'answering its LogoutRequest');
    is($answer->{status}, 'urn:oasis:names:tc:SAML:2.0:status:Success', 'Success');
    is($answer->{relay_state}, 'pysaml2-chain-7', 'its RelayState echoed');

    my @broken = (
        [ 'the signature changed', with_param($location, 'Signature', \&flip_base64),
          qr/^refused: the query signature does not verify$/m ],
        [ 'the RelayState changed after signing', with_param($location, 'RelayState', sub { "$_[0]x" }),
          qr/^refused: the query signature does not verify$/m ],
        [ 'the signature left out', $location =~ s/&Signature=[^&]*//r, qr/^refused: the query is not signed$/m ],
        [ 'our metadata with a certificate not ours', $location, qr/^refused: the query signature does not verify$/m,
          $not_our_cert ],
    );
    for my $case (@broken) {
        my ($what, $url, $why, $metadata) = @$case;
        my ($status, $stderr) = run_refused(@idp, 'logout-response-check',
            '--sp-metadata', $metadata // $sp_metadata, '--redirect', $url);
        isnt($status, 0, "$what: pysaml2 refuses our LogoutResponse");
        like($stderr, $why, "$what: and says why");
        unlike($stderr, qr/Traceback|verify_redirect_signature:/, "$what: a clean refusal, not a crash");
    }

    clear_log();
    is(http_request('GET', '/sso/saml/slo?' . query_of($request->{url}))->{status}, 400,
        'the same LogoutRequest again: 400');
    like(error_log(), qr/SAML logout refused: SAML_REPLAY/, 'its ID was spent');
};

subtest 'SP-initiated Single Logout: pysaml2 verifies our LogoutRequest and answers' => sub {
    my $login = idp_login();
    is($login->{status}, 303, 'signed in') or return;
    my $res = http_request('POST', '/sso/logout', headers => ["Cookie: __Host-sso=$login->{cookie}"]);
    is($res->{status}, 303, 'the local logout redirects');
    my $location = $res->{headers}{location}[0] // '';
    like($location, qr{^\Q$idp_slo\E\?SAMLRequest=[^&]+&SigAlg=[^&]+&Signature=[^&]+$},
        "to pysaml2's SingleLogoutService with a signed LogoutRequest");
    is(app_status($login->{cookie}), 302, 'the session is gone before the IdP answers');

    my $answer = decode_json(run(@idp, 'logout-respond', '--sp-metadata', $sp_metadata,
        '--redirect', $location, '--name-id', 'new.hire@corp.example',
        '--session-index', $login->{session_index}));
    ok($answer->{signature_verified}, 'pysaml2 verifies our signature with the certificate in our metadata');
    is($answer->{sig_alg}, 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256', 'RSA-SHA256');
    is($answer->{issuer}, $sp, 'issued by our SP');
    is($answer->{name_id}, 'new.hire@corp.example', 'naming the NameID');
    is($answer->{name_id_format}, 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress', 'with its Format');
    is_deeply($answer->{session_indexes}, [$login->{session_index}], "and pysaml2's SessionIndex");
    like($answer->{url}, qr{^\Q$slo\E\?SAMLResponse=[^&]+&SigAlg=http%3A%2F%2Fwww\.w3\.org%2F2001%2F04%2Fxmldsig-more%23rsa-sha256&Signature=[^&]+$},
        'its LogoutResponse: to our SingleLogoutService, HTTP-Redirect, the query signed RSA-SHA256');

    for my $case ([ 'the signature changed', with_param($location, 'Signature', \&flip_base64),
                    qr/^refused: the query signature does not verify$/m ],
                  [ 'the signature left out', $location =~ s/&Signature=[^&]*//r, qr/^refused: the query is not signed$/m ]) {
        my ($what, $url, $why) = @$case;
        my ($status, $stderr) = run_refused(@idp, 'logout-respond', '--sp-metadata', $sp_metadata,
            '--redirect', $url);
        isnt($status, 0, "$what: pysaml2 refuses our LogoutRequest");
        like($stderr, $why, "$what: and says why");
        unlike($stderr, qr/Traceback|verify_redirect_signature:/, "$what: a clean refusal, not a crash");
    }

    my $tampered = with_param($answer->{url}, 'Signature', \&flip_base64);
    clear_log();
    is(http_request('GET', '/sso/saml/slo?' . query_of($tampered))->{status}, 400,
        "pysaml2's LogoutResponse with its signature changed: 400");
    like(error_log(), qr/SAML logout refused: SAML_SIGNATURE_INVALID/, 'logged');

    clear_log();
    my $back = http_request('GET', '/sso/saml/slo?' . query_of($answer->{url}));
    is($back->{status}, 303, "pysaml2's LogoutResponse completes the logout") or diag(error_log());
    is($back->{headers}{location}[0], "http://localhost:$port/", 'at the logout redirect, /');
    like(error_log(), qr/SAML single logout confirmed by the IdP/, 'logged');
    clear_log();
    is(http_request('GET', '/sso/saml/slo?' . query_of($answer->{url}))->{status}, 400,
        'the same LogoutResponse again: 400');
    like(error_log(), qr/SAML_IN_RESPONSE_TO_MISMATCH/, 'it answers no pending request any more');
};

subtest 'IdP-initiated Single Logout over SOAP: pysaml2 posts it, and verifies our answer' => sub {
    my $login = idp_login();
    is($login->{status}, 303, 'signed in') or return;
    my $other = idp_login();
    is(app_status($other->{cookie}), 200, 'a second session of the same person');

    clear_log();
    my $answer = decode_json(run(@idp, 'soap-logout', '--sp-metadata', $sp_metadata,
        '--name-id', 'new.hire@corp.example', '--session-index', $login->{session_index}));
    is($answer->{posted_to}, $slo, 'pysaml2 found our SOAP SingleLogoutService in our metadata');
    is($answer->{http_status}, 200, 'nginx answers 200');
    is($answer->{content_type}, 'text/xml; charset=utf-8', 'in XML');
    ok($answer->{signature_verified} && $answer->{signed},
        'pysaml2 parses our SOAP answer and verifies its signature with the certificate in our metadata');
    is($answer->{issuer}, $sp, 'issued by our SP');
    is($answer->{in_response_to}, $answer->{id}, 'answering its LogoutRequest');
    is($answer->{destination}, undef, 'no Destination (the answer is the HTTP response)');
    is($answer->{status}, 'urn:oasis:names:tc:SAML:2.0:status:Success', 'Success');
    like(error_log(), qr/SAML single logout: 1 session\(s\) ended/, 'one session ended');
    is(app_status($login->{cookie}), 302, 'the session it named is gone');
    is(app_status($other->{cookie}), 200, 'the other session (another SessionIndex) goes on');

    my ($status, $stderr) = run_refused(@idp, 'soap-logout', '--sp-metadata', $not_our_cert,
        '--name-id', 'new.hire@corp.example');
    isnt($status, 0, 'our metadata with a certificate not ours: pysaml2 refuses our answer');
    like($stderr, qr/^refused: the LogoutResponse's signature does not verify/m, 'and says why');
    unlike($stderr, qr/Traceback/, 'a clean refusal, not a crash');
    is(app_status($other->{cookie}), 302, 'its request was good: the person\'s last session ended');
};

my $sha1 = idp_login('--sha1');
is($sha1->{status}, 403, "pysaml2's default RSA-SHA1 signature is refused");
like(error_log(), qr/SAML_SIGNATURE_ALGORITHM/, 'and the log says why');

unlike($cleared_log . error_log(), qr/\[(alert|crit|emerg)\]/, 'no alert in the error log');
done_testing();
