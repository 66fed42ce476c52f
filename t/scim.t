# SCIM 2.0 (RFC 7643, RFC 7644) through real nginx (two workers, and a second node on the same
# Redis), the test OP for logins and the test app hook (t/jit/test_hook.mjs): the bearer token,
# discovery, Users (CRUD, filters, paging, PATCH in Okta's and Entra ID's dialects, ETags),
# Groups; then what SCIM does to logins: a deactivation (PATCH, PUT) or a DELETE ends every
# session of the person at once on every worker and node, and refuses later logins ("Account
# deactivated") while the IdP still lets the person in; reactivation lets them in again; the app
# is told (provision, deprovision, reactivate) once; a hook outage answers 503 and the retry
# finishes the change; a provisioned account is the one the first login gets.
use strict;
use warnings;
use lib 't/lib';
use HTTP::Tiny;
use JSON::PP qw(encode_json decode_json);
use Test::More;
use Time::HiRes qw(sleep);
use Test::Nginx::SSO;
use Test::Nginx::OidcOp;

import_servers();
my $env = Test::Nginx::SSO::env();
my $root = $env->{servroot};
my $port = $env->{server_port};
my $token = 'scim-token-0123456789abcdef0123456789abcdef';

sub write_file {
    my ($path, $text) = @_;
    open my $fh, '>', $path or die "$path: $!";
    print $fh $text;
    close $fh;
}
write_file("$root/hook.secret", "hook-secret-0123456789abcdef\n");
write_file("$root/op.secret", "test-secret-1\n");
write_file("$root/scim.token", "$token\n");
write_file("$root/other.token", "other-token-0123456789abcdef0123456789ab\n");

my $hook_port = start_test_hook("$root/hook.secret");
my $op = Test::Nginx::OidcOp::start();
my $other_op = Test::Nginx::OidcOp::start();
my $hook = HTTP::Tiny->new(timeout => 10);
sub hook_control { $hook->post("http://127.0.0.1:$hook_port/control", { content => encode_json($_[0]) }) }
sub hook_stats { decode_json($hook->get("http://127.0.0.1:$hook_port/stats")->{content}) }
sub events_of { my ($kind) = @_; grep { $_->{event} eq $kind } @{ hook_stats()->{events} } }

my $audit = "$root/logs/audit.log";
sub audit_lines {
    open my $in, '<', $audit or return ();
    return map { decode_json($_) } grep {/\S/} <$in>;
}
sub scim_audit { grep { ($_->{event} // '') eq 'scim' } audit_lines() }

sub provider {
    my ($name, $issuer, @lines) = @_;
    return "sso_provider $name {\n    oidc_issuer $issuer;\n    oidc_client_id nginx-app;\n"
        . "    oidc_client_secret_file $root/op.secret;\n"
        . "    oidc_redirect_uri http://localhost:$port/sso/oidc/callback;\n"
        . "    email_domains corp.example;\n"
        . join('', map {"    $_;\n"} @lines) . "}\n";
}

my %conf = (
    http_config => "sso_provision_hook http://127.0.0.1:$hook_port/provision timeout=2s "
        . "secret_file=$root/hook.secret;\n"
        . "sso_audit_log $audit;\n"
        . provider('corp', $op->{issuer}, "scim_token_file $root/scim.token",
            'default_role member', 'link_existing verified_email')
        . provider('plain', $other_op->{issuer}),
    config => <<'CONF',
location /sso/ { sso_endpoints; }
location / {
    sso on;
    proxy_set_header X-Remote-User $sso_user;
    proxy_pass http://127.0.0.1:$TEST_NGINX_UPSTREAM_PORT;
}
CONF
);
start_nginx(\%conf);
my $node = start_node();

# One SCIM request; `json` is a body (a reference is encoded), `token` replaces ours.
sub scim {
    my ($method, $path, %o) = @_;
    my @headers = exists $o{auth} ? @{ $o{auth} } : ('Authorization: Bearer ' . ($o{token} // $token));
    my $body = $o{json};
    $body = encode_json($body) if ref $body;
    push @headers, 'Content-Type: application/scim+json' if defined $body;
    push @headers, @{ $o{headers} // [] };
    my $res = http_request($method, '/sso/scim/v2/' . ($o{provider} // 'corp') . $path,
        headers => \@headers, body => $body, port => $o{port});
    $res->{json} = eval { decode_json($res->{body}) } if length($res->{body} // '');
    $res->{type} = $res->{headers}{'content-type'}[0] // '';
    return $res;
}

sub create_user {
    my (%u) = @_;
    my $res = scim('POST', '/Users', json => {
        schemas => ['urn:ietf:params:scim:schemas:core:2.0:User'], active => JSON::PP::true, %u });
    is($res->{status}, 201, "POST /Users $u{userName}: 201") or diag($res->{body});
    return $res->{json};
}

sub scim_error_ok {
    my ($res, $status, $scim_type, $name) = @_;
    is($res->{status}, $status, "$name: $status");
    is($res->{type}, 'application/scim+json', "$name: a SCIM body");
    is_deeply($res->{json}{schemas}, ['urn:ietf:params:scim:api:messages:2.0:Error'],
        "$name: the Error schema");
    is($res->{json}{status}, "$status", "$name: status in the body (a string, RFC 7644 §3.12)");
    ok(length($res->{json}{detail} // ''), "$name: a detail");
    is($res->{json}{scimType}, $scim_type, "$name: scimType $scim_type") if defined $scim_type;
}

# ---- the bearer token ----
subtest 'requests without the provider token get 401 and a SCIM error' => sub {
    my $res = scim('GET', '/Users', auth => []);
    scim_error_ok($res, 401, undef, 'no Authorization');
    is($res->{headers}{'www-authenticate'}[0], 'Bearer realm="scim"', 'WWW-Authenticate: Bearer');
    scim_error_ok(scim('GET', '/Users', token => "${token}x"), 401, undef, 'a longer token');
    scim_error_ok(scim('GET', '/Users', token => substr($token, 0, -1)), 401, undef, 'a prefix of it');
    scim_error_ok(scim('GET', '/Users', auth => ["Authorization: Basic $token"]), 401, undef,
        'another scheme');
    scim_error_ok(scim('GET', '/Users', token => 'other-token-0123456789abcdef0123456789ab'), 401,
        undef, "another file's token");
    is(scim('GET', '/Users', auth => ["Authorization: bearer $token"])->{status}, 200,
        'the scheme is case-insensitive (RFC 7235)');
    scim_error_ok(scim('POST', '/Users', auth => [], json => { userName => 'x@corp.example' }), 401,
        undef, 'a write without it');
    is(scim('GET', '/Users?filter=userName%20eq%20%22x@corp.example%22')->{json}{totalResults}, 0,
        'and it wrote nothing');
    sleep 0.1;
    like(error_log(), qr/SCIM request refused: SCIM_UNAUTHORIZED .*provider "corp"/,
        'the refusal is logged');
    unlike(error_log(), qr/\Q$token\E|scim-token/, 'the token never is');
    scim_error_ok(scim('GET', '/Users', provider => 'plain'), 404, undef,
        'a provider without scim_token_file has no SCIM');
    scim_error_ok(scim('GET', '/Users', provider => 'nobody'), 404, undef, 'an unknown provider');
};

# ---- discovery ----
subtest 'discovery: ServiceProviderConfig, ResourceTypes, Schemas' => sub {
    my $res = scim('GET', '/ServiceProviderConfig');
    is($res->{status}, 200, 'ServiceProviderConfig');
    is($res->{type}, 'application/scim+json', 'as application/scim+json');
    is($res->{headers}{'cache-control'}[0], 'no-store', 'never cached');
    ok($res->{json}{patch}{supported}, 'PATCH supported');
    ok($res->{json}{filter}{supported}, 'filter supported');
    is($res->{json}{filter}{maxResults}, 100, 'maxResults, a number');
    ok($res->{json}{etag}{supported}, 'ETags supported');
    ok(!$res->{json}{bulk}{supported}, 'bulk not supported');
    is($res->{json}{authenticationSchemes}[0]{type}, 'oauthbearertoken', 'bearer tokens');
    $res = scim('GET', '/ResourceTypes');
    is($res->{json}{totalResults}, 2, 'two resource types');
    is_deeply([sort map { $_->{endpoint} } @{ $res->{json}{Resources} }], ['/Groups', '/Users'],
        'Users and Groups');
    is(scim('GET', '/ResourceTypes/User')->{json}{schema},
        'urn:ietf:params:scim:schemas:core:2.0:User', 'the User resource type');
    $res = scim('GET', '/Schemas');
    is($res->{json}{totalResults}, 3, 'three schemas');
    $res = scim('GET', '/Schemas/urn:ietf:params:scim:schemas:core:2.0:User');
    is($res->{status}, 200, 'the User schema by its URN');
    my ($user_name) = grep { $_->{name} eq 'userName' } @{ $res->{json}{attributes} };
    is($user_name->{uniqueness}, 'server', 'userName is unique');
    ok($user_name->{required}, 'and required');
    scim_error_ok(scim('GET', '/Schemas/urn:nope'), 404, undef, 'an unknown schema');
    scim_error_ok(scim('GET', '/ResourceTypes/Robot'), 404, undef, 'an unknown resource type');
    for my $method (qw(POST PUT PATCH DELETE)) {
        scim_error_ok(scim($method, '/ServiceProviderConfig', json => '{}'), 405, undef,
            "$method ServiceProviderConfig");
    }
    scim_error_ok(scim('POST', '/Schemas', json => '{}'), 405, undef, 'POST Schemas');
    scim_error_ok(scim('GET', '/Robots'), 404, undef, 'an unknown resource');
    scim_error_ok(scim('GET', '/Users/a/b'), 404, undef, 'a path below a user');
};

# ---- Users ----
my $alice;
subtest 'POST, GET, PUT, DELETE a User' => sub {
    hook_control({ reset => JSON::PP::true });
    my $res = scim('POST', '/Users', json => {
        schemas => ['urn:ietf:params:scim:schemas:core:2.0:User'],
        userName => 'alice@corp.example', externalId => 'ext-alice',
        name => { givenName => 'Alice', familyName => 'Liddell' },
        emails => [{ value => 'alice@corp.example', type => 'work', primary => JSON::PP::true }],
        password => 'hunter2-never-kept', active => JSON::PP::true });
    is($res->{status}, 201, '201 Created') or diag($res->{body});
    $alice = $res->{json};
    like($alice->{id}, qr/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
        'a random UUID id');
    is($res->{headers}{location}[0], "http://localhost:$port/sso/scim/v2/corp/Users/$alice->{id}",
        'Location: the new resource');
    is($res->{headers}{etag}[0], 'W/"1"', 'ETag: its version');
    is($alice->{meta}{version}, 'W/"1"', 'meta.version');
    is($alice->{meta}{resourceType}, 'User', 'meta.resourceType');
    like($alice->{meta}{created}, qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, 'meta.created');
    is($alice->{meta}{location}, "/sso/scim/v2/corp/Users/$alice->{id}", 'meta.location');
    ok(!exists $alice->{password}, 'the password is never returned');
    ok(JSON::PP::is_bool($alice->{active}) && $alice->{active}, 'active: true');
    is($alice->{name}{givenName}, 'Alice', 'attributes kept');
    my ($provision) = events_of('provision');
    is($provision->{scim}{userName}, 'alice@corp.example', 'the app was told: provision');
    like($provision->{idempotency_key}, qr/^[0-9a-f]{32}$/, 'with an Idempotency-Key');
    is($provision->{issuer}, $op->{issuer}, "and the provider's issuer");
    like(redis_cli('--scan', '--pattern', 'sso:scim:*'), qr/sso:scim:u:[0-9a-f]{64}/,
        'kept in Redis under hashed keys');
    unlike(join(' ', map { redis_cli('GET', $_) } split /\n/, redis_cli('--scan', '--pattern', 'sso:scim:u:*')),
        qr/hunter2/, 'the password is not stored');

    $res = scim('GET', "/Users/$alice->{id}");
    is($res->{status}, 200, 'GET by id');
    is($res->{json}{userName}, 'alice@corp.example', 'the same user');
    is($res->{headers}{etag}[0], 'W/"1"', 'with its ETag');
    is(scim('GET', "/Users/$alice->{id}", port => $node->{port})->{status}, 200,
        'from the other node too');
    scim_error_ok(scim('GET', '/Users/00000000-0000-4000-8000-000000000000'), 404, undef,
        'an unknown id');
    scim_error_ok(scim('POST', '/Users', json => { userName => 'ALICE@corp.example' }), 409,
        'uniqueness', 'a userName taken, in another case');
    is(scalar(events_of('provision')), 1, 'the app is not told of a taken userName');

    $res = scim('PUT', "/Users/$alice->{id}", json => {
        schemas => ['urn:ietf:params:scim:schemas:core:2.0:User'], id => $alice->{id},
        userName => 'alice@corp.example', externalId => 'ext-alice', displayName => 'Alice L.',
        emails => [{ value => 'alice@corp.example', primary => JSON::PP::true }],
        active => JSON::PP::true });
    is($res->{status}, 200, 'PUT') or diag($res->{body});
    is($res->{json}{displayName}, 'Alice L.', 'replaced');
    ok(!exists $res->{json}{name}, 'what the PUT left out is gone (a replace)');
    is($res->{headers}{etag}[0], 'W/"2"', 'a new version');
    my $again = scim('PUT', "/Users/$alice->{id}", json => {
        userName => 'alice@corp.example', externalId => 'ext-alice', displayName => 'Alice L.',
        emails => [{ value => 'alice@corp.example', primary => JSON::PP::true }],
        active => JSON::PP::true });
    is($again->{headers}{etag}[0], 'W/"2"', 'the same PUT again changes nothing');
    is($again->{json}{meta}{lastModified}, $res->{json}{meta}{lastModified}, 'not even the time');
};

subtest 'bodies are checked and bounded' => sub {
    scim_error_ok(scim('POST', '/Users', json => { displayName => 'no name' }), 400, 'invalidValue',
        'no userName');
    scim_error_ok(scim('POST', '/Users', json => { userName => '' }), 400, 'invalidValue',
        'an empty userName');
    scim_error_ok(scim('POST', '/Users', json => { userName => "a\nb" }), 400, 'invalidValue',
        'a control character in userName');
    scim_error_ok(scim('POST', '/Users', json => { userName => 'x' x 257 }), 400, 'invalidValue',
        'a userName of 257 characters');
    scim_error_ok(scim('POST', '/Users', json => { userName => 'b@corp.example', active => 'maybe' }),
        400, 'invalidValue', 'active that is not a boolean');
    scim_error_ok(scim('POST', '/Users', json => { userName => 'b@corp.example', emails => [{ type => 'work' }] }),
        400, 'invalidValue', 'an email without a value');
    scim_error_ok(scim('POST', '/Users', json => { userName => 'b@corp.example',
        emails => [map { { value => "b$_\@corp.example" } } 1 .. 21] }), 400, 'invalidValue',
        '21 emails');
    scim_error_ok(scim('POST', '/Users', json => '{"userName": '), 400, 'invalidSyntax', 'not JSON');
    scim_error_ok(scim('POST', '/Users', json => '[1]'), 400, 'invalidSyntax', 'not an object');
    scim_error_ok(scim('POST', '/Users', json => '{"userName":"deep@corp.example","x":'
        . ('[' x 16) . (']' x 16) . '}'), 400, 'invalidSyntax', 'nested 17 deep');
    scim_error_ok(scim('POST', '/Users', json => encode_json({ userName => 'big@corp.example',
        title => 'x' x 40000 })), 413, undef, 'a User over 32 KiB');
    is(scim('POST', '/Users', json => encode_json({ userName => 'huge@corp.example',
        title => 'x' x 70000 }))->{status}, 413, 'a body over 64 KiB is not read');
    is(scim('GET', '/Users?filter=userName%20eq%20%22b@corp.example%22')->{json}{totalResults}, 0,
        'none of them was stored');
    like(error_log(), qr/SCIM request refused: 400 invalidValue \(userName is required/,
        'a refusal is logged (info), naming the check');
    unlike(error_log(), qr/b\d*\@corp\.example|hunter2/, 'but none of the data');
};

subtest 'filters and paging' => sub {
    create_user(userName => "user$_\@corp.example", externalId => "ext-$_",
        emails => [{ value => "User$_\@Corp.Example", type => 'work' }]) for 1 .. 5;
    my $q = sub { scim('GET', '/Users?' . $_[0]) };
    my $res = $q->('filter=userName%20eq%20%22USER3@corp.example%22');
    is($res->{json}{totalResults}, 1, 'userName eq, in any case');
    is($res->{json}{Resources}[0]{userName}, 'user3@corp.example', 'the right one');
    ok(!ref $res->{json}{totalResults} && $res->{body} =~ /"totalResults":1\b/,
        'totalResults is a JSON number');
    like($res->{body}, qr/"itemsPerPage":1\b/, 'itemsPerPage too');
    like($res->{body}, qr/"startIndex":1\b/, 'and startIndex');
    is_deeply($res->{json}{schemas}, ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
        'a ListResponse');
    is($q->('filter=externalId+eq+%22ext-4%22')->{json}{Resources}[0]{userName},
        'user4@corp.example', 'externalId eq (+ for spaces)');
    is($q->('filter=externalId%20eq%20%22EXT-4%22')->{json}{totalResults}, 0,
        'externalId is compared exactly');
    is($q->('filter=emails.value%20eq%20%22user2@corp.example%22')->{json}{Resources}[0]{userName},
        'user2@corp.example', 'emails.value eq, in any case');
    is($q->('filter=userName%20eq%20%22user2@corp.example%22%20and%20externalId%20eq%20%22ext-2%22')
        ->{json}{totalResults}, 1, 'and');
    is($q->('filter=userName%20eq%20%22user2@corp.example%22%20AND%20externalId%20eq%20%22ext-3%22')
        ->{json}{totalResults}, 0, 'and (in capitals) that matches nobody');
    is($q->('filter=userName%20eq%20%22nobody@corp.example%22')->{json}{totalResults}, 0,
        'no match: an empty list');
    is($q->('filter=urn:ietf:params:scim:schemas:core:2.0:User:userName%20eq%20%22user1@corp.example%22')
        ->{json}{totalResults}, 1, 'an attribute with its schema URN');
    for my $bad ('userName%20co%20%22user%22', 'userName%20eq%20%22a%22%20or%20userName%20eq%20%22b%22',
        '(userName%20eq%20%22a%22)', 'userName%20pr', 'displayName%20eq%20%22x%22',
        'userName%20eq%20user1', 'userName%20eq%20%22unterminated', 'not%20userName%20eq%20%22x%22',
        'emails%20eq%20%22x%22', 'userName%20eq%2042') {
        scim_error_ok($q->("filter=$bad"), 400, 'invalidFilter', "filter $bad");
    }

    $res = $q->('startIndex=1&count=2');
    is($res->{json}{totalResults}, 6, 'every user is counted (alice and five)');
    is($res->{json}{itemsPerPage}, 2, 'a page of two');
    is(scalar @{ $res->{json}{Resources} }, 2, 'two resources');
    my @all = map { @{ $q->("startIndex=$_&count=2")->{json}{Resources} } } (1, 3, 5);
    is(scalar(@all), 6, 'three pages of two hold them all');
    my %ids = map { $_->{id} => 1 } @all;
    is(scalar(keys %ids), 6, 'each once');
    is(scalar @{ $q->('startIndex=6&count=10')->{json}{Resources} }, 1, 'the last page');
    is(scalar @{ $q->('startIndex=50')->{json}{Resources} }, 0, 'beyond the end: none');
    $res = $q->('count=0');
    is($res->{json}{totalResults}, 6, 'count=0: the total');
    is(scalar @{ $res->{json}{Resources} }, 0, 'and no resources');
    is($q->('count=1000')->{json}{itemsPerPage}, 6, 'count above 100 is 100 at most');
    is($q->('startIndex=0&count=1')->{json}{startIndex}, 1, 'startIndex below 1 is 1');
    is($q->('startIndex=2&count=1&filter=emails.value%20eq%20%22user1@corp.example%22')
        ->{json}{itemsPerPage}, 0, 'a filter is paged too');
    scim_error_ok($q->('startIndex=abc'), 400, 'invalidValue', 'startIndex that is not a number');
    scim_error_ok($q->('count=1e3'), 400, 'invalidValue', 'count that is not an integer');
};

subtest 'PATCH: both dialects, paths, filters' => sub {
    my $bob = create_user(userName => 'bob@corp.example', externalId => 'ext-bob',
        emails => [{ value => 'bob@corp.example', type => 'work', primary => JSON::PP::true }]);
    my $patch = sub { scim('PATCH', "/Users/$bob->{id}", json => {
        schemas => ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations => [@_] }) };
    my $res = $patch->({ op => 'replace', value => { displayName => 'Bob', 'name.givenName' => 'Robert' } });
    is($res->{status}, 200, 'replace without a path (value object)') or diag($res->{body});
    is($res->{json}{displayName}, 'Bob', 'set');
    is($res->{json}{name}{givenName}, 'Robert', 'a sub-attribute by its path as a key');
    $res = $patch->({ op => 'Replace', path => 'emails[type eq "work"].value', value => 'robert@corp.example' });
    is($res->{json}{emails}[0]{value}, 'robert@corp.example', 'a value filter in the path (Entra ID: "Replace")');
    is(scim('GET', '/Users?filter=emails.value%20eq%20%22robert@corp.example%22')->{json}{totalResults},
        1, 'the email index follows');
    is(scim('GET', '/Users?filter=emails.value%20eq%20%22bob@corp.example%22')->{json}{totalResults},
        0, 'and forgets the old address');
    $res = $patch->({ op => 'Add', path => 'phoneNumbers[type eq "mobile"].value', value => '+1 555 0100' });
    is_deeply($res->{json}{phoneNumbers}, [{ type => 'mobile', value => '+1 555 0100' }],
        'add through a filter that matches nothing makes the element');
    $res = $patch->({ op => 'add', path => 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department',
        value => 'R&D' });
    is($res->{json}{'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'}{department}, 'R&D',
        'the enterprise extension by its URN path');
    ok((grep { $_ eq 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User' } @{ $res->{json}{schemas} }),
        'and its schema is listed');
    $res = $patch->({ op => 'remove', path => 'phoneNumbers[type eq "mobile"]' });
    ok(!@{ $res->{json}{phoneNumbers} // [] }, 'remove through a filter');
    $res = $patch->({ op => 'remove', path => 'displayName' });
    ok(!exists $res->{json}{displayName}, 'remove an attribute');
    $res = $patch->({ op => 'add', path => 'emails', value => [{ value => 'bob2@corp.example', type => 'home' }] });
    is(scalar @{ $res->{json}{emails} }, 2, 'add to a multi-valued attribute appends');
    $res = $patch->({ op => 'replace', path => 'userName', value => 'robert@corp.example' });
    is($res->{json}{userName}, 'robert@corp.example', 'a new userName');
    is(scim('GET', '/Users?filter=userName%20eq%20%22bob@corp.example%22')->{json}{totalResults}, 0,
        'the old one is free');
    is(create_user(userName => 'bob@corp.example')->{userName}, 'bob@corp.example',
        'and can be taken again');
    scim_error_ok($patch->({ op => 'replace', path => 'userName', value => 'user1@corp.example' }), 409,
        'uniqueness', 'a userName taken by another user');
    scim_error_ok($patch->({ op => 'move', path => 'title', value => 'x' }), 400, 'invalidSyntax', 'an unknown op');
    scim_error_ok($patch->({ op => 'remove' }), 400, 'noTarget', 'remove without a path');
    scim_error_ok($patch->({ op => 'replace', path => 'emails[type co "w"].value', value => 'x' }), 400,
        'invalidFilter', 'an unsupported filter in a path');
    scim_error_ok($patch->({ op => 'replace', path => 'urn:example:other:attr', value => 'x' }), 400,
        'invalidPath', 'an unknown schema in a path');
    scim_error_ok($patch->({ op => 'replace', path => 'emails.value', value => 'x' }), 400,
        'invalidPath', 'a sub-attribute of a multi-valued attribute without a filter');
    scim_error_ok($patch->({ op => 'replace', value => 'x' }), 400, 'invalidValue',
        'no path and a value that is not an object');
    scim_error_ok($patch->({ op => 'remove', path => 'userName' }), 400, 'invalidValue',
        'removing userName');
    scim_error_ok($patch->(map { { op => 'add', path => 'title', value => "t$_" } } 1 .. 101), 400,
        'invalidSyntax', '101 operations');
    scim_error_ok(scim('PATCH', "/Users/$bob->{id}", json => { Operations => [] }), 400,
        'invalidSyntax', 'no operations');
    my $before = scim('GET', "/Users/$bob->{id}")->{json};
    scim_error_ok($patch->({ op => 'replace', path => 'title', value => 'Boss' },
        { op => 'replace', path => 'active', value => 'perhaps' }), 400, 'invalidValue',
        'a bad operation after a good one');
    is_deeply(scim('GET', "/Users/$bob->{id}")->{json}, $before, 'all or nothing: nothing changed');
    scim_error_ok(scim('PATCH', '/Users/00000000-0000-4000-8000-000000000000',
        json => { Operations => [{ op => 'replace', path => 'title', value => 'x' }] }), 404, undef,
        'PATCH of an unknown id');
};

subtest 'ETags: If-Match' => sub {
    my $carol = create_user(userName => 'carol@corp.example');
    my $res = scim('PATCH', "/Users/$carol->{id}", headers => ['If-Match: W/"7"'],
        json => { Operations => [{ op => 'replace', path => 'title', value => 'x' }] });
    scim_error_ok($res, 412, undef, 'If-Match with an old version');
    $res = scim('PATCH', "/Users/$carol->{id}", headers => ['If-Match: W/"1"'],
        json => { Operations => [{ op => 'replace', path => 'title', value => 'x' }] });
    is($res->{status}, 200, "If-Match with the current version") or diag($res->{body});
    is($res->{headers}{etag}[0], 'W/"2"', 'the next version');
    scim_error_ok(scim('DELETE', "/Users/$carol->{id}", headers => ['If-Match: W/"1"']), 412, undef,
        'DELETE with an old version');
    is(scim('DELETE', "/Users/$carol->{id}", headers => ['If-Match: *'])->{status}, 204,
        'If-Match: * is any version');
};

subtest 'Groups: an empty list' => sub {
    my $res = scim('GET', '/Groups');
    is($res->{status}, 200, 'GET /Groups');
    is($res->{json}{totalResults}, 0, 'no groups');
    is_deeply($res->{json}{Resources}, [], 'an empty list');
    is(scim('GET', '/Groups?filter=displayName%20eq%20%22Engineering%22&excludedAttributes=members')
        ->{json}{totalResults}, 0, 'a group look-up finds none');
    is(scim('GET', '/Groups?startIndex=1&count=100')->{json}{startIndex}, 1, 'paged');
    scim_error_ok(scim('GET', '/Groups/abc'), 404, undef, 'no group by id');
    scim_error_ok(scim('POST', '/Groups', json => { displayName => 'x' }), 501, undef,
        'groups are not provisioned');
    scim_error_ok(scim('DELETE', '/Groups'), 405, undef, 'DELETE /Groups');
};

# ---- what SCIM does to logins and sessions ----
sub as_user { Test::Nginx::OidcOp::control($op, { user => $_[0] }) }
sub login { Test::Nginx::OidcOp::login($op, provider => 'corp') }
sub app_status {
    my ($session, $p) = @_;
    return http_request('GET', '/app', port => $p // $port, headers => ["Cookie: __Host-sso=$session"])
        ->{status};
}
# Six requests per node reach both workers (and fill their session caches).
sub everywhere {
    my (@sessions) = @_;
    return join(',', map { my $s = $_; map { my $p = $_; map { app_status($s, $p) } 1 .. 6 }
        ($port, $node->{port}) } @sessions);
}

my %dana = (sub => 'okta|dana', email => 'dana@corp.example', email_verified => JSON::PP::true,
    name => 'Dana', groups => []);

subtest 'JIT first, then SCIM: deactivation ends every session and refuses logins' => sub {
    hook_control({ reset => JSON::PP::true });
    as_user(\%dana);
    my @sessions = map { login()->{session} } 1 .. 2;
    ok($sessions[0] && $sessions[1], 'two sessions (a laptop and a phone)') or return;
    my $dana_id = (hook_stats()->{users}[0] // {})->{id};
    is(everywhere(@sessions), join(',', (200) x 24), 'both work on both workers of both nodes');

    # the IdP provisions the person it already let in: matched by email (its sub is another id)
    my $user = create_user(userName => 'dana@corp.example', externalId => '00u-dana',
        emails => [{ value => 'dana@corp.example', primary => JSON::PP::true }]);
    my ($provision) = events_of('provision');
    is($provision->{email}, 'dana@corp.example', 'the app is told: provision');
    is(hook_stats()->{creations}, 1, 'and answers with the account it has: none made');

    my $res = scim('PATCH', "/Users/$user->{id}",
        json => { schemas => ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
                  Operations => [{ op => 'replace', value => { active => JSON::PP::false } }] });
    is($res->{status}, 200, 'PATCH active=false') or diag($res->{body});
    ok(JSON::PP::is_bool($res->{json}{active}) && !$res->{json}{active}, 'answered inactive');
    is(everywhere(@sessions), join(',', (401) x 24),
        'every session ended at once, on every worker and node (caches included)');
    my @deprovision = events_of('deprovision');
    is(scalar(@deprovision), 1, 'the app is told once');
    is($deprovision[0]{reason}, 'deactivated', 'reason: deactivated');
    is($deprovision[0]{sessions}, 2, 'two sessions ended');
    is($deprovision[0]{user_id}, "$dana_id", "the app's user id");
    is($deprovision[0]{scim}{id}, $user->{id}, 'and the SCIM id');
    my ($line) = grep { $_->{action} eq 'deactivated' } scim_audit();
    is($line->{sessions}, 2, 'audit: deactivated, two sessions');
    is($line->{app}, 'told', 'audit: the app was told');
    unlike(join("\n", map { encode_json($_) } scim_audit()), qr/dana\@corp/, 'audit: ids only');

    my $f = login();
    is($f->{callback}{status}, 403, 'a new login while the IdP still lets Dana in: 403');
    like($f->{callback}{body}, qr/Account deactivated/, 'the "Account deactivated" page');
    ok(!$f->{session}, 'no session');
    sleep 0.1;
    like(error_log(), qr/JIT_ACCOUNT_INACTIVE/, 'logged: JIT_ACCOUNT_INACTIVE');
    is((audit_lines())[-1]{reason}, 'JIT_ACCOUNT_INACTIVE', 'audit: denied, JIT_ACCOUNT_INACTIVE');
    is(Test::Nginx::OidcOp::login($op, provider => 'corp')->{callback}{status}, 403,
        'again: still refused');

    $res = scim('PATCH', "/Users/$user->{id}",
        json => { Operations => [{ op => 'replace', value => { active => JSON::PP::false } }] });
    is($res->{status}, 200, 'the same PATCH again: 200');
    is($res->{headers}{etag}[0], 'W/"2"', 'changes nothing');
    is(scalar(events_of('deprovision')), 1, 'and tells the app nothing new');

    $res = scim('PATCH', "/Users/$user->{id}",
        json => { Operations => [{ op => 'replace', path => 'active', value => JSON::PP::true }] });
    is($res->{status}, 200, 'PATCH active=true');
    my @reactivate = events_of('reactivate');
    is(scalar(@reactivate), 1, 'the app is told: reactivate');
    is($reactivate[0]{user_id}, "$dana_id", 'with its user id');
    $f = login();
    is($f->{callback}{status}, 303, 'Dana signs in again');
    is(app_status($f->{session}), 200, 'and works');
    is(hook_stats()->{creations}, 1, 'with the same account');
};

subtest 'PUT active=false, and a subject that is the externalId' => sub {
    hook_control({ reset => JSON::PP::true });
    as_user({ sub => '00u-erin', email => 'erin@elsewhere.corp.example', email_verified => JSON::PP::true,
        name => 'Erin', groups => [] });
    my $session = login()->{session};
    my $user = create_user(userName => 'erin', externalId => '00u-erin');
    is(everywhere($session), join(',', (200) x 12), 'signed in');
    my $res = scim('PUT', "/Users/$user->{id}",
        json => { userName => 'erin', externalId => '00u-erin', active => JSON::PP::false });
    is($res->{status}, 200, 'PUT with active false');
    is(everywhere($session), join(',', (401) x 12), 'the session ended everywhere');
    is((events_of('deprovision'))[0]{sessions}, 1, 'the app is told: one session');
    is(login()->{callback}{status}, 403, 'and the next login is refused');
    $res = scim('PUT', "/Users/$user->{id}", json => { userName => 'erin', externalId => '00u-erin',
        displayName => 'Erin' });
    ok(!$res->{json}{active}, 'a PUT without active does not reactivate');
    is(login()->{callback}{status}, 403, 'still refused');
};

subtest 'DELETE ends sessions and keeps refusing logins; a new POST lets the person in again' => sub {
    hook_control({ reset => JSON::PP::true });
    as_user({ sub => 'frank', email => 'frank@corp.example', email_verified => JSON::PP::true,
        name => 'Frank', groups => [] });
    my $user = create_user(userName => 'Frank');
    my $session = login()->{session};
    is(everywhere($session), join(',', (200) x 12), 'signed in (subject = userName in another case)');
    my $res = scim('DELETE', "/Users/$user->{id}");
    is($res->{status}, 204, 'DELETE: 204');
    is($res->{body}, '', 'no body');
    is(everywhere($session), join(',', (401) x 12), 'the session ended everywhere');
    my @d = events_of('deprovision');
    is($d[0]{reason}, 'deleted', 'the app is told: deprovision, deleted');
    is($d[0]{sessions}, 1, 'one session');
    scim_error_ok(scim('GET', "/Users/$user->{id}"), 404, undef, 'gone from SCIM');
    is(scim('GET', '/Users?filter=userName%20eq%20%22frank%22')->{json}{totalResults}, 0,
        'and from its lists');
    scim_error_ok(scim('DELETE', "/Users/$user->{id}"), 404, undef, 'a second DELETE');
    is(scalar(events_of('deprovision')), 1, 'tells the app nothing new');
    my $f = login();
    is($f->{callback}{status}, 403, 'a login of the deleted person is refused');
    like($f->{callback}{body}, qr/Account deactivated/, 'with the same page');
    create_user(userName => 'frank');
    is(login()->{callback}{status}, 303, 'provisioned again: the person signs in');
};

subtest 'pre-provisioning: the first login gets the account the app made' => sub {
    hook_control({ reset => JSON::PP::true });
    my $user = create_user(userName => 'gina@corp.example', externalId => 'ext-gina',
        name => { givenName => 'Gina', familyName => 'G' },
        emails => [{ value => 'gina@corp.example', primary => JSON::PP::true }]);
    my ($p) = events_of('provision');
    is($p->{name}, 'Gina G', 'the app is told the name');
    is_deeply($p->{roles}, ['member'], 'the roles of the table');
    ok($p->{create}, 'that it may create');
    is(hook_stats()->{creations}, 1, 'the app made the account');
    my $account = hook_stats()->{users}[0]{id};
    as_user({ sub => 'okta|gina', email => 'gina@corp.example', email_verified => JSON::PP::true,
        name => 'Gina', groups => [] });
    my $f = login();
    is($f->{callback}{status}, 303, 'first login');
    my $body = http_request('GET', '/app', headers => ["Cookie: __Host-sso=$f->{session}"])->{body};
    like($body, qr/^X-Remote-User: $account$/m, 'the session is the provisioned account');
    my $call = hook_stats()->{requests}[-1]{body};
    is($call->{user_id}, "$account", 'the hook was told its user id');
    ok($call->{first_login}, 'at the first login');
    is(hook_stats()->{creations}, 1, 'nothing was made a second time');
};

subtest 'a hook outage answers 503, loses nothing, and the retry finishes' => sub {
    hook_control({ reset => JSON::PP::true });
    hook_control({ behaviour => { provision_status => 500 } });
    my %hank = (userName => 'hank@corp.example',
        emails => [{ value => 'hank@corp.example', primary => JSON::PP::true }]);
    my $res = scim('POST', '/Users', json => \%hank);
    scim_error_ok($res, 503, undef, 'POST while the app fails');
    is(scim('GET', '/Users?filter=userName%20eq%20%22hank@corp.example%22')->{json}{totalResults}, 0,
        'nothing stored');
    hook_control({ behaviour => { provision_status => 0 } });
    $res = scim('POST', '/Users', json => \%hank);
    is($res->{status}, 201, 'the retry: 201');
    my @p = events_of('provision');
    is(scalar(@p), 2, 'the app heard the request twice');
    is($p[0]{idempotency_key}, $p[1]{idempotency_key}, 'with the same Idempotency-Key');
    my $user = $res->{json};

    as_user({ sub => 'hank', email => 'hank@corp.example', email_verified => JSON::PP::true,
        name => 'Hank', groups => [] });
    my $session = login()->{session};
    hook_control({ behaviour => { event_status => 500 } });
    my $patch = { Operations => [{ op => 'Replace', path => 'active', value => 'False' }] };
    $res = scim('PATCH', "/Users/$user->{id}", json => $patch);
    scim_error_ok($res, 503, undef, 'a deactivation while the app fails');
    is(app_status($session), 401, 'the session ended anyway');
    is(login()->{callback}{status}, 403, 'and logins are refused');
    my ($line) = grep { $_->{scim_id} eq $user->{id} && $_->{action} eq 'deactivated' } scim_audit();
    is($line->{result}, 'incomplete', 'audit: incomplete');
    is($line->{app}, 'status 500', 'audit: the app answered 500');
    hook_control({ behaviour => { event_status => 200 } });
    $res = scim('PATCH', "/Users/$user->{id}", json => $patch);
    is($res->{status}, 200, 'the IdP retries: 200');
    my @d = events_of('deprovision');
    is(scalar(@d), 2, 'the app heard it again (the first time it failed)');
    is($d[-1]{reason}, 'deactivated', 'deprovision');
    is(scim('PATCH', "/Users/$user->{id}", json => $patch)->{status}, 200, 'once more: 200');
    is(scalar(events_of('deprovision')), 2, 'and nothing new');
};

subtest 'the token file is checked by nginx -t' => sub {
    write_file("$root/weak.token", "short\n");
    my ($ok, $out) = Test::Nginx::SSO::nginx_config_test({
        config => 'location /sso/ { sso_endpoints; }',
        http_config => provider('weak', $op->{issuer}, "scim_token_file $root/weak.token") });
    ok(!$ok, 'a short token fails');
    like($out, qr/sso_provider "weak" in .*: scim_token_file needs a token of at least 32 characters.*CONFIG_WEAK_SCIM_TOKEN/,
        'naming the provider and the directive');
    ($ok, $out) = Test::Nginx::SSO::nginx_config_test({ config => '',
        http_config => provider('weak', $op->{issuer}, "scim_token_file $root/missing.token") });
    ok(!$ok, 'a missing file fails');
    like($out, qr/missing\.token/, 'naming the file');
    ($ok, $out) = Test::Nginx::SSO::nginx_config_test({ config => '',
        http_config => provider('weak', $op->{issuer}, "scim_token_file $root/scim.token",
            "scim_token_file $root/scim.token") });
    like($out, qr/"scim_token_file" directive is duplicate/, 'given twice fails');
};

unlike(error_log(), qr/\[(alert|crit|emerg)\]/, 'no alert/crit/emerg in the error log');
unlike(error_log(), qr/filter=|user\d\@corp|nobody\@corp|ext-\d/,
    'no filter value in the error log (SCIM queries are kept out of the request line)');
done_testing();
