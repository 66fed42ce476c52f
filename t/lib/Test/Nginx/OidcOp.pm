package Test::Nginx::OidcOp;

# Drives the OpenID providers of the tests: t/oidc/test_op.mjs (ours, steerable) and
# t/interop/oidc_provider.mjs (the real `oidc-provider` from npm). Each runs as a Node
# process on a random loopback port; this module starts them, steers them, and walks a
# browser through a code flow (nginx -> provider -> nginx callback).

use strict;
use warnings;

use File::Path qw(make_path);
use HTTP::Tiny;
use JSON::PP qw(encode_json decode_json);
use POSIX ();
use Test::TCP qw(empty_port wait_port);
use Test::Nginx::SSO qw(http_request env);

my @pids;
END { kill 'TERM', @pids if @pids }

# A test CA and server certificates signed by it (and one self-signed), made with the
# openssl command-line tool: $dir/ca.crt, $dir/<name>.crt, $dir/<name>.key.
sub make_tls {
    my ($dir, %certs) = @_;    # name => subjectAltName, e.g. op => 'IP:127.0.0.1'
    mkdir $dir;
    my $q = "2>>$dir/openssl.log";
    system("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=test-ca "
        . "-keyout $dir/ca.key -out $dir/ca.crt $q") == 0 or die 'openssl ca';
    system("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=other-ca "
        . "-keyout $dir/other-ca.key -out $dir/other-ca.crt $q") == 0 or die 'openssl other ca';
    for my $name (sort keys %certs) {
        open my $ext, '>', "$dir/$name.ext" or die;
        print $ext "subjectAltName=$certs{$name}\n";
        close $ext;
        system("openssl req -newkey rsa:2048 -nodes -subj /CN=$name -keyout $dir/$name.key "
            . "-out $dir/$name.csr $q") == 0 or die "openssl $name csr";
        system("openssl x509 -req -in $dir/$name.csr -CA $dir/ca.crt -CAkey $dir/ca.key "
            . "-CAcreateserial -days 2 -extfile $dir/$name.ext -out $dir/$name.crt $q") == 0
            or die "openssl $name cert";
    }
}

# start(script => 'test_op.mjs', tls => [cert, key], alg => 'ES256') -> { port, issuer, pid }
sub start {
    my (%opt) = @_;
    my $env = env();
    my $port = $opt{port} // empty_port();
    my $script = $opt{script} // "$env->{repo}/t/oidc/test_op.mjs";
    my @args = ('--port', $port);
    push @args, '--tls-cert', $opt{tls}[0], '--tls-key', $opt{tls}[1] if $opt{tls};
    push @args, '--alg', $opt{alg} if $opt{alg};
    push @args, @{ $opt{args} // [] };
    make_path("$env->{servroot}/logs");
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        open STDOUT, '>>', "$env->{servroot}/logs/op-$port.log";
        open STDERR, '>&', \*STDOUT;
        exec 'node', $script, @args or POSIX::_exit(127);
    }
    push @pids, $pid;
    wait_port({ port => $port, max_wait => 20 });
    my $scheme = $opt{tls} ? 'https' : 'http';
    return { port => $port, pid => $pid, issuer => "$scheme://127.0.0.1:$port",
        ca => $opt{ca} };
}

sub stop {
    my ($op) = @_;
    kill 'TERM', $op->{pid};
    waitpid $op->{pid}, 0;
}

sub agent {
    my ($op) = @_;
    return HTTP::Tiny->new(max_redirect => 0, timeout => 10,
        verify_SSL => $op->{ca} ? 1 : 0, SSL_options => { SSL_ca_file => $op->{ca} });
}

sub control {
    my ($op, $change) = @_;
    my $res = agent($op)->post("$op->{issuer}/control",
        { content => encode_json($change), headers => { 'content-type' => 'application/json' } });
    die "control: $res->{status} $res->{content}" unless $res->{success};
    return decode_json($res->{content});
}

# A logout token the provider signs: logout_token($op, sid => ..., sub => ..., tamper => 1...)
sub logout_token {
    my ($op, %claims) = @_;
    my $res = agent($op)->post("$op->{issuer}/logout-token",
        { content => encode_json(\%claims), headers => { 'content-type' => 'application/json' } });
    die "logout-token: $res->{status}" unless $res->{success};
    return decode_json($res->{content})->{token};
}

sub stats {
    my ($op) = @_;
    my $res = agent($op)->get("$op->{issuer}/stats");
    die "stats: $res->{status}" unless $res->{success};
    return decode_json($res->{content});
}

sub cookie_pairs {
    my ($res) = @_;
    my %jar;
    for (@{ $res->{headers}{'set-cookie'} // [] }) {
        my ($name, $value) = /^([^=]+)=([^;]*)/ or next;
        $jar{$name} = $value;
    }
    return %jar;
}

# The three legs of a login as a browser makes them. Returns { login, authorize, callback,
# cookies } where `callback` is nginx's answer to the redirect back from the provider.
# `authorize` may be a code ref that takes the authorization URL and returns the URL the
# provider sends the browser back to (for providers with a login form). callback => 0 stops
# before the last leg: `callback_path` and `callback_cookie` say how to send it.
sub login {
    my ($op, %opt) = @_;
    my $query = 'return_to=' . ($opt{return_to} // '%2Fwelcome');
    $query .= "&provider=$opt{provider}" if $opt{provider};
    my $login = http_request('GET', "/sso/login?$query");
    my %jar = cookie_pairs($login);
    my $out = { login => $login, cookies => \%jar };
    return $out unless $login->{status} == 302;
    my $location = $login->{headers}{location}[0];
    my $back;
    if (ref $opt{authorize} eq 'CODE') {
        $back = $opt{authorize}->($location);
    } else {
        my $authorize = agent($op)->get($location);
        $out->{authorize} = $authorize;
        return $out unless $authorize->{status} == 302;
        $back = $authorize->{headers}{location};
    }
    $out->{back} = $back;
    my ($path) = $back =~ m{^https?://[^/]+(/.*)$} or return $out;
    my %send = (%jar, %{ $opt{extra_cookies} // {} });
    delete $send{$_} for @{ $opt{drop_cookies} // [] };
    my @cookie = %send ? ('Cookie: ' . join('; ', map {"$_=$send{$_}"} sort keys %send)) : ();
    $out->{callback_path} = $path;
    $out->{callback_cookie} = \@cookie;
    return $out if exists $opt{callback} && !$opt{callback};    # the test sends it later
    $out->{callback} = http_request('GET', $path, headers => \@cookie);
    my %after = cookie_pairs($out->{callback});
    $out->{session} = $after{'__Host-sso'} // $after{sso};
    $out->{cookies_after} = \%after;
    return $out;
}

1;
