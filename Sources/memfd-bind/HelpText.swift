/// The program version, printed by `--version`.
let programVersion = "0.1.0"

/// The text of `--help`.
let helpText = """
    Usage:
      memfd-bind [--config FILE] [--pid-file FILE] [--debug]
      memfd-bind [--debug] PATH
      memfd-bind --check-config [--config FILE]
      memfd-bind --status [--config FILE]
      memfd-bind --cleanup [--stale] [--config FILE] [PATH...]
      memfd-bind --reload [--config FILE] [--pid-file FILE]
      memfd-bind --release [PATH...]
      memfd-bind --resume [PATH...]

    Keeps one sealed in-memory (memfd) copy of each listed binary and bind-mounts it
    over the binary's path, so that container runtimes such as runc run from the
    sealed copy instead of copying themselves for every container.

    Modes:
      (none)            Run the daemon for every binary listed in the configuration file.
      PATH              Run the daemon for one binary with the default options.
      --check-config    Validate the configuration file and the listed binaries, print one
                        line per binary, and exit. Creates nothing and mounts nothing.
      --status          Print, for each configured path, whether it is protected (live),
                        left with a dead owner (stale) or unprotected. Exit 3 unless all
                        are live.
      --cleanup         Remove memfd-bind mounts from each PATH (default: every configured
                        path, plus stale memfd-bind mounts anywhere), live or stale.
                        With --stale, only mounts whose daemon is gone.
      --reload          Validate the configuration file, then make the running daemon
                        re-read it and print what changed. Sends nothing when invalid.
      --release         Make the running daemons lift their binds (all, or the named
                        paths) and keep them lifted, for a package upgrade.
      --resume          Make the running daemons protect released paths again.
      --help, -h        Print this help and exit.
      --version, -V     Print the version and exit.

    Options:
      --config FILE, -c FILE   Configuration file (default /etc/memfd-bind.yaml).
      --pid-file FILE          Pid file of the daemon (default /run/memfd-bind.pid).
      --debug, -d              Log each system call step.
      --stale                  With --cleanup: leave binds of running daemons alone.

    Signals (daemon):
      SIGHUP            Re-read the configuration file and apply the difference.
      SIGTERM, SIGINT   Remove every bind and exit.

    Exit status:
      0  success
      1  runtime or configuration error
      2  usage error
      3  --status found a configured path that is not protected

    """
