package Test::Nginx::SSO;

# A small Test::Nginx-style harness: real nginx with the built module, a real redis-server,
# and a header-echo upstream, all on random loopback ports.
#
# Block tests (in a .t file that says `use Test::Base; use Test::Nginx::SSO; run_tests();`):
#   --- http_config      extra lines for http{} (an sso_redis line for the test Redis is added
#                        unless the block has its own)
#   --- config           lines for the test server{}
#   --- session          "field: value" lines for a session made with sso-admin before the
#                        request (fields: provider subject user email name group role attr,
#                        ttl idle); its cookie value is $TEST_NGINX_SESSION
#   --- request          "METHOD /uri" (a body may follow on the next lines)
#   --- more_headers     "Name: value" lines sent as they are (case, '_' kept)
#   --- error_code       expected status
#   --- response_headers "Name: value" (exact), "Name: ~regex" or "!Name" (absent)
#   --- response_body / --- response_body_like / --- response_body_unlike
#   --- error_log / --- no_error_log   lines that must / must not be in the error log
#   --- listen_options   more parameters of the server's listen line (e.g. reuseport)
#   --- workers          worker_processes (default 2, as deployed; TEST_NGINX_WORKERS overrides
#                        the default; a block that needs one worker says `--- workers 1`)
# Every block also checks that the error log has no [alert], [crit] or [emerg] line.
#
# nginx under ASan/UBSan (scripts/build-nginx-source --sanitize): the sanitizer options come
# from the caller's ASAN_OPTIONS/UBSAN_OPTIONS, with log_path pointed at a file per process in
# the test's servroot (GCC's UBSan ignores log_path next to ASan and writes to stderr, which
# nginx points at its error log). A sanitizer report, in a file or in nginx's stderr or error
# log, or a worker that exited on a signal, fails the test (when nginx stops, or at exit).
#
# Variables replaced in config, headers and requests: $TEST_NGINX_SERVER_PORT,
# $TEST_NGINX_REDIS_PORT, $TEST_NGINX_REDIS_SOCKET, $TEST_NGINX_UPSTREAM_PORT, $TEST_NGINX_SESSION, $TEST_NGINX_HTML_DIR.

use strict;
use warnings;

use Cwd qw(abs_path);
use Exporter qw(import);
use File::Basename qw(dirname);
use File::Path qw(make_path remove_tree);
use IO::Socket::INET;
use POSIX ();
use Test::More;
use Test::TCP qw(empty_port wait_port);
use Time::HiRes qw(time sleep);

our @EXPORT = qw(run_tests start_nginx stop_nginx nginx_config_test start_redis stop_redis
    redis_cli create_session revoke_sessions http_request error_log clear_error_log env
    wait_for);

my $repo = abs_path(dirname(__FILE__) . '/../../../..');
my %env = (
    repo => $repo,
    nginx => $ENV{TEST_NGINX_BINARY} || '/usr/sbin/nginx',
    module => $ENV{SSO_MODULE} || "$repo/build/ngx_http_sso_module.so",
    admin => $ENV{SSO_ADMIN} || "$repo/build/sso-admin",
    servroot => "$repo/t/servroot-$$",
);
$env{server_port} = empty_port();
$env{html_dir} = "$env{servroot}/html";

my ($nginx_pid, $redis_pid, $upstream_pid);
my ($in_end, @unreported, @sanitizer_output);
my $sanitizer_report = qr/runtime error:|ERROR: AddressSanitizer|SUMMARY: \w+Sanitizer/;

sub env { return \%env }

sub wait_for {
    my ($what, $seconds, $check) = @_;
    my $deadline = time + $seconds;
    while (time < $deadline) {
        return 1 if $check->();
        sleep 0.05;
    }
    diag("timed out waiting for $what");
    return 0;
}

# ---- Redis ----

# start_redis(password => P) or start_redis(tls => { cert => F, key => F, ca => F }): with
# `tls`, the port speaks TLS only (and redis_cli and sso-admin use TLS, trusting `ca`).
sub start_redis {
    my (%opt) = @_;
    $env{redis_port} ||= empty_port();
    my $dir = "$env{servroot}/redis";
    make_path($dir);
    my @port = $opt{tls}
        ? ('--port', 0, '--tls-port', $env{redis_port}, '--tls-cert-file', $opt{tls}{cert},
            '--tls-key-file', $opt{tls}{key}, '--tls-ca-cert-file', $opt{tls}{ca},
            '--tls-auth-clients', 'no')
        : ('--port', $env{redis_port});
    my @args = ('redis-server', @port, '--bind', '127.0.0.1',
        '--save', '', '--appendonly', 'no', '--dir', $dir, '--logfile', "$dir/redis.log",
        '--unixsocket', "$dir/redis.sock", '--unixsocketperm', '777');
    $env{redis_socket} = "$dir/redis.sock";
    $env{redis_tls} = $opt{tls};
    push @args, '--requirepass', $opt{password} if $opt{password};
    $redis_pid = fork // die "fork: $!";
    if ($redis_pid == 0) {
        exec @args or POSIX::_exit(127);
    }
    wait_port({ port => $env{redis_port}, max_wait => 10 });
    $env{redis_password} = $opt{password};
    return $env{redis_port};
}

sub stop_redis {
    return unless $redis_pid;
    kill 'KILL', $redis_pid;
    waitpid $redis_pid, 0;
    $redis_pid = undef;
}

sub redis_cli {
    my @args = @_;
    my @auth = $env{redis_password} ? ('--no-auth-warning', '-a', $env{redis_password}) : ();
    my @tls = $env{redis_tls} ? ('--tls', '--cacert', $env{redis_tls}{ca}) : ();
    open my $fh, '-|', 'redis-cli', '-p', $env{redis_port}, @tls, @auth, @args
        or die "redis-cli: $!";
    local $/;
    my $out = <$fh>;
    close $fh;
    $out //= '';
    $out =~ s/\s+\z//;
    return $out;
}

# ---- the upstream: answers every request with the request headers it received ----

sub start_upstream {
    $env{upstream_port} = empty_port();
    my $listener = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => $env{upstream_port},
        Listen => 128, ReuseAddr => 1) or die "upstream listen: $!";
    $upstream_pid = fork // die "fork: $!";
    if ($upstream_pid == 0) {
        $SIG{CHLD} = 'IGNORE';
        while (my $client = $listener->accept) {
            my $pid = fork;
            if (defined $pid && $pid == 0) {
                serve_echo($client);
                POSIX::_exit(0);
            }
            close $client;
        }
        POSIX::_exit(0);
    }
    close $listener;
}

# The app's provisioning hook of the tests (t/jit/test_hook.mjs), checking signatures with the
# first line of $secret_file. Returns its port; stopped at exit.
my @hook_pids;
END { kill 'TERM', @hook_pids if @hook_pids }
sub start_test_hook {
    my ($secret_file) = @_;
    my $port = empty_port();
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        open STDOUT, '>>', "$env{servroot}/hook.log";
        open STDERR, '>&', \*STDOUT;
        exec 'node', "$env{repo}/t/jit/test_hook.mjs", '--port', $port,
            '--secret-file', $secret_file or POSIX::_exit(127);
    }
    push @hook_pids, $pid;
    wait_port({ port => $port, max_wait => 20 });
    return $port;
}
push @EXPORT, 'start_test_hook';

sub serve_echo {
    my ($client) = @_;
    local $/ = "\r\n";
    my $request_line = <$client> // return;
    $request_line =~ s/\r\n\z//;
    my ($body_len, @lines) = (0);
    while (my $line = <$client>) {
        $line =~ s/\r\n\z//;
        last if $line eq '';
        push @lines, $line;
        $body_len = $1 if $line =~ /^content-length:\s*(\d+)/i;
    }
    read($client, my $body, $body_len) if $body_len;
    my $out = "request: $request_line\n" . join('', map {"$_\n"} @lines);
    print $client "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: "
        . length($out) . "\r\nConnection: close\r\n\r\n$out";
    close $client;
}

# ---- nginx ----

sub render_config {
    my ($block) = @_;
    my $http = $block->{http_config} // '';
    my $redis = $http =~ /\bsso_redis\b/ ? ''
        : "sso_redis 127.0.0.1:\$TEST_NGINX_REDIS_PORT timeout=500ms connect_timeout=500ms;";
    my $workers = workers($block);
    # `listen_options => 'reuseport'` spreads connections evenly over the workers
    my $listen = $block->{listen_options} ? " $block->{listen_options}" : '';
    # SSO_MODULE=static: an nginx built with --add-module, nothing to load
    my $load = $env{module} eq 'static' ? '' : "load_module $env{module};";
    my $conf = <<"EOF";
$load
worker_processes $workers;
daemon off;
master_process on;
pid logs/nginx.pid;
error_log logs/error.log info;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $env{servroot}/tmp;
    proxy_temp_path $env{servroot}/tmp;
    $redis
$http
    server {
        listen 127.0.0.1:\$TEST_NGINX_SERVER_PORT$listen;
        server_name localhost;
$block->{config}
    }
}
EOF
    return expand($conf);
}

sub workers {
    my ($block) = @_;
    return $block->{workers} // $ENV{TEST_NGINX_WORKERS} // 2;
}

sub expand {
    my ($text) = @_;
    return '' unless defined $text;
    my %vars = (
        TEST_NGINX_SERVER_PORT => $env{server_port},
        TEST_NGINX_REDIS_PORT => $env{redis_port},
        TEST_NGINX_REDIS_SOCKET => $env{redis_socket},
        TEST_NGINX_UPSTREAM_PORT => $env{upstream_port},
        TEST_NGINX_SESSION => $env{session} // '',
        TEST_NGINX_HTML_DIR => $env{html_dir},
    );
    $text =~ s/\$(TEST_NGINX_[A-Z_]+)/exists $vars{$1} ? $vars{$1} : "\$$1"/ge;
    return $text;
}

sub write_config {
    my ($block) = @_;
    make_path("$env{servroot}/conf", "$env{servroot}/logs", "$env{servroot}/tmp", $env{html_dir});
    my $path = "$env{servroot}/conf/nginx.conf";
    open my $fh, '>', $path or die "$path: $!";
    print $fh render_config($block);
    close $fh;
    return $path;
}

# Returns (ok, output) of `nginx -t` for a block's config.
sub nginx_config_test {
    my ($block) = @_;
    my $conf = write_config($block);
    local @ENV{qw(ASAN_OPTIONS UBSAN_OPTIONS)} = sanitizer_options();
    my $out = `$env{nginx} -p $env{servroot}/ -c $conf -e $env{servroot}/logs/config-test.log -t 2>&1`;
    my $rc = $?;
    push @sanitizer_output, $out if $out =~ $sanitizer_report;
    return ($rc == 0, $out);
}

sub start_nginx {
    my ($block) = @_;
    stop_nginx();
    my $conf = write_config($block);
    $env{block} = $block;
    clear_error_log();
    $nginx_pid = fork // die "fork: $!";
    if ($nginx_pid == 0) {
        open STDERR, '>>', "$env{servroot}/logs/stderr.log";
        @ENV{qw(ASAN_OPTIONS UBSAN_OPTIONS)} = sanitizer_options();
        exec $env{nginx}, '-p', "$env{servroot}/", '-c', $conf, '-e',
            "$env{servroot}/logs/error.log" or POSIX::_exit(127);
    }
    my $ok = wait_for('nginx to listen', 10, sub {
        my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $env{server_port});
        return $s ? (close($s), 1) : 0;
    });
    # each worker logs its start (and its Redis connection, or the failure to connect)
    my $workers = workers($block);
    wait_for('workers start', 5, sub { started_workers() >= $workers });
    die "nginx did not start:\n" . error_log() unless $ok;
    $env{workers} = $workers;
}

# A second nginx node on the same Redis (another machine behind the load balancer): the same
# configuration as `$block` but its own prefix and port. Returns its port; stopped at exit.
my @nodes;
sub start_node {
    my ($block) = @_;
    $block //= $env{block};
    my $port = empty_port();
    my $root = "$env{servroot}/node-$port";
    make_path("$root/conf", "$root/logs", "$root/tmp");
    my $conf = render_config($block);
    $conf =~ s/listen 127\.0\.0\.1:$env{server_port}\b/listen 127.0.0.1:$port/ or die 'node port';
    $conf =~ s/\Q$env{servroot}\E\/tmp/$root\/tmp/g;
    open my $fh, '>', "$root/conf/nginx.conf" or die "$root: $!";
    print $fh $conf;
    close $fh;
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        open STDERR, '>>', "$root/logs/stderr.log";
        @ENV{qw(ASAN_OPTIONS UBSAN_OPTIONS)} = sanitizer_options();    # reports land beside ours
        exec $env{nginx}, '-p', "$root/", '-c', "$root/conf/nginx.conf", '-e',
            "$root/logs/error.log" or POSIX::_exit(127);
    }
    my $node = { port => $port, pid => $pid, error_log => "$root/logs/error.log" };
    push @nodes, $node;
    wait_port({ port => $port, max_wait => 10 });
    return $node;
}
push @EXPORT, 'start_node';

sub stop_nodes {
    kill 'QUIT', map { $_->{pid} } @nodes if @nodes;
    for my $node (@nodes) {
        waitpid $node->{pid}, 0;
        open my $fh, '<', $node->{error_log} or next;
        my @crashed = grep {/exited on signal|\[(alert|crit|emerg)\]/} <$fh>;
        push @unreported, map {"second node: $_"} @crashed;
    }
    @nodes = ();
}
push @EXPORT, 'stop_nodes';

sub started_workers {
    my @started = error_log() =~ /start worker process/g;
    return scalar @started;
}

# `nginx -s reload` as an operator does it: SIGHUP to the master, which starts new workers
# with the (re-read) configuration and lets the old ones finish what they are doing. Returns
# once the new workers are up and the old ones have stopped accepting.
sub reload_nginx {
    my ($block) = @_;
    write_config($block) if $block;
    my $before = started_workers();
    my $want = $block ? workers($block) : $env{workers};
    my $shut_before = () = error_log() =~ /gracefully shutting down/g;
    kill 'HUP', $nginx_pid or die "reload: no nginx";
    wait_for('new workers', 10, sub { started_workers() >= $before + $want })
        or die "reload: new workers did not start:\n" . error_log();
    wait_for('old workers stop accepting', 10, sub {
        my $shut = () = error_log() =~ /gracefully shutting down/g;
        $shut >= $shut_before + $env{workers};
    }) or die "reload: old workers did not shut down:\n" . error_log();
    $env{workers} = $want;
}
push @EXPORT, 'reload_nginx';

# `nginx -s reopen` (USR1, what logrotate sends): every worker reopens its log files
sub reopen_logs {
    my $before = () = error_log() =~ /reopening logs/g;
    kill 'USR1', $nginx_pid or die 'reopen: no nginx';
    wait_for('workers reopen their logs', 10, sub {
        my $now = () = error_log() =~ /reopening logs/g;
        $now >= $before + 1 + $env{workers};    # the master, then each worker
    }) or die "reopen: the workers did not reopen their logs:\n" . error_log();
}
push @EXPORT, 'reopen_logs';

sub stop_nginx {
    return unless $nginx_pid;
    kill 'QUIT', $nginx_pid;
    my $deadline = time + 5;
    while (time < $deadline) {
        last if waitpid($nginx_pid, POSIX::WNOHANG()) == $nginx_pid;
        sleep 0.02;
    }
    if (kill 0, $nginx_pid) {
        kill 'KILL', $nginx_pid;
        waitpid $nginx_pid, 0;
    }
    $nginx_pid = undef;
    check_nginx_health();
}

# ---- sanitizer reports and crashed workers ----


# The caller's options plus a report file per process (workers run as another user, hence a
# world-writable directory).
sub sanitizer_options {
    my $dir = "$env{servroot}/sanitizer";
    if (!-d $dir) {
        make_path($dir);
        chmod 01777, $dir;
    }
    return map { join ':', grep { length } $ENV{$_} // '', "log_path=$dir/$_" }
        qw(ASAN_OPTIONS UBSAN_OPTIONS);
}

sub check_nginx_health {
    my @problems;
    for my $file (glob "$env{servroot}/sanitizer/*") {
        next if $file =~ /\.seen\z/;
        open my $fh, '<', $file or next;
        local $/;
        my $text = <$fh> // '';
        close $fh;
        rename $file, "$file.seen";
        push @problems, "sanitizer report $file:\n$text";
    }
    my @lines = split /\n/, error_log();
    for my $i (0 .. $#lines) {
        push @problems, "nginx error log: $lines[$i]" if $lines[$i] =~ /exited on signal/;
        # with the stack trace that follows
        push @problems, join "\n", 'nginx error log:', grep {defined} @lines[$i .. $i + 20]
            if $lines[$i] =~ $sanitizer_report;
    }
    my $stderr = "$env{servroot}/logs/stderr.log";
    if (-s $stderr) {
        open my $fh, '<', $stderr or die "$stderr: $!";
        local $/;
        my $text = <$fh> // '';
        close $fh;
        truncate $stderr, 0;
        push @problems, "nginx stderr:\n$text" if $text =~ $sanitizer_report;
    }
    push @problems, map {"nginx -t:\n$_"} splice @sanitizer_output;
    return unless @problems;
    if ($in_end) {
        push @unreported, @problems;
    } else {
        ok(0, 'nginx: no sanitizer report, no worker killed by a signal');
        diag($_) for @problems;
    }
}

sub error_log {
    my $path = "$env{servroot}/logs/error.log";
    open my $fh, '<', $path or return '';
    local $/;
    my $text = <$fh>;
    return $text // '';
}

sub clear_error_log {
    my $path = "$env{servroot}/logs/error.log";
    truncate $path, 0 if -e $path;
}

# ---- sessions through the real sso-admin tool (same core, same record format) ----

# sso-admin's store options. With `admin_redis_user` set in env() (an ACL user: [name,
# password]), sso-admin logs in as that user; over TLS when Redis speaks TLS.
sub admin_store_args {
    my @args = ('--redis', "127.0.0.1:$env{redis_port}");
    my ($user, $password) = @{ $env{admin_redis_user} // [undef, $env{redis_password}] };
    if ($password) {
        my $file = "$env{servroot}/redis.password";
        open my $fh, '>', $file or die "$file: $!";
        print $fh "$password\n";
        close $fh;
        push @args, '--password-file', $file;
    }
    push @args, '--redis-user', $user if defined $user;
    push @args, '--tls', '--tls-ca', $env{redis_tls}{ca} if $env{redis_tls};
    return @args;
}

sub create_session {
    my (%f) = @_;
    my @args = admin_store_args();
    push @args, '--ttl', delete $f{ttl} if $f{ttl};
    push @args, '--idle', delete $f{idle} if defined $f{idle};
    push @args, 'session', 'create';
    $f{provider} //= 'corp';
    $f{subject} //= 'subject-1';
    for my $key (sort keys %f) {
        my @values = ref $f{$key} ? @{ $f{$key} } : ($f{$key});
        push @args, "--$key", $_ for @values;
    }
    open my $fh, '-|', $env{admin}, @args or die "sso-admin: $!";
    my $cookie = <$fh>;
    close $fh;
    die "sso-admin session create failed (@args)" if $? != 0 || !defined $cookie;
    chomp $cookie;
    return $cookie;
}

# The number of sessions revoked; in list context also sso-admin's exit code. The person is
# `subject` (and `provider`, corp by default), or `user` (the app's user id), or `email`. With
# `hook` and `hook_secret_file`, the app is told through its hook.
sub revoke_sessions {
    my (%f) = @_;
    my @hook = $f{hook} ? ('--hook', $f{hook}, '--hook-secret-file', $f{hook_secret_file}) : ();
    # the person: --provider/--subject, or --user (the app's user id), or --email
    my @person = $f{user} ? ('--user', $f{user}) : $f{email} ? ('--email', $f{email})
        : ('--provider', $f{provider} // 'corp', '--subject', $f{subject});
    my @args = (admin_store_args(), @hook, 'session', 'revoke', @person);
    open my $fh, '-|', $env{admin}, @args or die "sso-admin: $!";
    my $count = <$fh>;
    close $fh;
    my $exit = $? >> 8;
    chomp $count if defined $count;
    return wantarray ? ($count, $exit) : $count;
}

# ---- HTTP over a raw socket, so header names go out exactly as written ----

sub http_request {
    my ($method, $uri, %opt) = @_;
    my $start = time;
    my $sock = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
        PeerPort => $opt{port} // $env{server_port}, Timeout => 5)
        or return { status => 0, error => "connect: $!" };
    my $body = $opt{body} // '';
    my $req = "$method $uri HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n";
    $req .= "$_\r\n" for @{ $opt{headers} // [] };
    $req .= "Content-Length: " . length($body) . "\r\n" if length $body;
    $req .= "\r\n$body";
    print $sock $req;

    my $timeout = $opt{timeout} // 10;
    my $raw = '';
    my $rin = '';
    vec($rin, fileno($sock), 1) = 1;
    while (1) {
        my $left = $start + $timeout - time;
        last if $left <= 0;
        my $n = select(my $rout = $rin, undef, undef, $left);
        last if $n <= 0;
        my $got = sysread($sock, my $buf, 65536);
        last unless $got;
        $raw .= $buf;
    }
    close $sock;
    my $elapsed = time - $start;
    return { status => 0, error => 'no response', elapsed => $elapsed } unless length $raw;

    my ($head, $rest) = split /\r\n\r\n/, $raw, 2;
    my @lines = split /\r\n/, $head;
    my ($status) = (shift(@lines) // '') =~ m{^HTTP/\d\.\d (\d{3})};
    my %headers;
    for (@lines) {
        my ($k, $v) = /^([^:]+):\s*(.*)$/ or next;
        push @{ $headers{lc $k} }, $v;
    }
    $rest //= '';
    if (($headers{'transfer-encoding'}[0] // '') =~ /chunked/i) {
        my $decoded = '';
        while ($rest =~ s/^([0-9a-fA-F]+)\r\n//) {
            my $len = hex $1;
            last if $len == 0;
            $decoded .= substr($rest, 0, $len, '');
            $rest =~ s/^\r\n//;
        }
        $rest = $decoded;
    }
    return { status => $status // 0, headers => \%headers, body => $rest, elapsed => $elapsed };
}

# Runs `slow` (a code ref making one request that waits on something slow; true if it got
# what it wanted) in a child, then makes `probes` GETs of `path` meanwhile. Returns
# { answered => n, worst => seconds, slow_ok => 0|1 }: on a one-worker nginx, proof that the
# waiting request does not block the worker.
sub while_one_waits {
    my (%o) = @_;
    my $pid = fork // die "fork: $!";
    POSIX::_exit($o{slow}->() ? 0 : 1) if $pid == 0;
    sleep 0.2;
    my ($worst, $answered) = (0, 0);
    for (1 .. ($o{probes} // 20)) {
        my $r = http_request('GET', $o{path});
        $answered++ if $r->{status} == 200;
        $worst = $r->{elapsed} if ($r->{elapsed} // 0) > $worst;
    }
    waitpid $pid, 0;
    return { answered => $answered, worst => $worst, slow_ok => $? == 0 ? 1 : 0 };
}
push @EXPORT, 'while_one_waits';

# ---- block runner ----

sub lines_of {
    my ($text) = @_;
    return () unless defined $text;
    return grep { length } map { s/^\s+|\s+$//gr } split /\n/, $text;
}

# A block's section text, or undef when the block has no such section.
sub section {
    my ($block, $name) = @_;
    my $value = $block->{$name};
    return ref $value eq 'ARRAY' ? $value->[0] : $value;
}

sub run_block {
    my ($block) = @_;
    my $name = $block->name;
    my %spec = map { $_ => section($block, $_) } qw(http_config config workers listen_options);
    $spec{config} //= '';

    $env{session} = undef;
    if (defined section($block, 'session')) {
        my %f;
        for (lines_of(section($block, 'session'))) {
            my ($k, $v) = /^(\w+):\s*(.*)$/ or die "$name: bad session line '$_'";
            if ($k eq 'group' || $k eq 'role' || $k eq 'attr') {
                push @{ $f{$k} }, $v;
            } else {
                $f{$k} = $v;
            }
        }
        $env{session} = create_session(%f);
    }

    start_nginx(\%spec);

    my $request = expand(section($block, 'request') // "GET /");
    my ($line, $body) = split /\n/, $request, 2;
    my ($method, $uri) = split ' ', $line;
    my @headers = map { expand($_) } lines_of(section($block, 'more_headers'));
    my $res = http_request($method, $uri, headers => \@headers, body => $body,
        timeout => section($block, 'timeout') // 10);

    my $want = section($block, 'error_code') // 200;
    is($res->{status}, $want, "$name - status code") or diag($res->{error} // $res->{body});

    for my $spec (lines_of(section($block, 'response_headers'))) {
        if ($spec =~ /^!(.+)$/) {
            ok(!exists $res->{headers}{ lc $1 }, "$name - header $1 absent");
            next;
        }
        my ($k, $v) = $spec =~ /^([^:]+):\s*(.*)$/ or die "$name: bad header spec '$spec'";
        my $got = join(', ', @{ $res->{headers}{ lc $k } // [] });
        if ($v =~ s/^~//) {
            like($got, qr/$v/, "$name - header $k");
        } else {
            is($got, expand($v), "$name - header $k");
        }
    }

    if (defined section($block, 'response_body')) {
        is($res->{body}, expand(section($block, 'response_body')), "$name - response body");
    }
    for my $re (lines_of(section($block, 'response_body_like'))) {
        like($res->{body}, qr/$re/m, "$name - response body like $re");
    }
    for my $re (lines_of(section($block, 'response_body_unlike'))) {
        unlike($res->{body}, qr/$re/mi, "$name - response body unlike $re");
    }

    # let the worker flush its log lines for this request
    sleep 0.05;
    my $log = error_log();
    for my $want_line (lines_of(section($block, 'error_log'))) {
        ok(index($log, expand($want_line)) >= 0, "$name - error log has '$want_line'")
            or diag($log);
    }
    for my $bad (lines_of(section($block, 'no_error_log'))) {
        ok(index($log, $bad) < 0, "$name - error log has no '$bad'") or diag($log);
    }
    unlike($log, qr/\[(alert|crit|emerg)\]/, "$name - no alert/crit/emerg in error log");
}

sub run_tests {
    start_servers();
    for my $block (main::blocks()) {
        run_block($block);
    }
    stop_nginx();
    done_testing();
}

my $servers_started;

sub start_servers {
    return if $servers_started++;
    remove_tree($env{servroot});
    make_path($env{servroot});
    die "module not built: $env{module} (run scripts/test or cmake --build build)\n"
        unless $env{module} eq 'static' || -f $env{module};
    start_redis() unless $redis_pid;
    start_upstream();
}

# Functional tests call this instead of run_tests().
sub import_servers { start_servers() }
push @EXPORT, 'import_servers';

END {
    my $status = $?;
    $in_end = 1;
    stop_nodes();
    stop_nginx();
    check_nginx_health() if $env{servroot} && -d "$env{servroot}/sanitizer";
    if (@unreported) {
        diag("nginx: a sanitizer report or a worker killed by a signal:");
        diag($_) for @unreported;
        $status ||= 1;
    }
    stop_redis();
    if ($upstream_pid) {
        kill 'KILL', $upstream_pid;
        waitpid $upstream_pid, 0;
    }
    remove_tree($env{servroot}) if $env{servroot} && !$ENV{TEST_NGINX_KEEP};
    $? = $status;
}

1;
