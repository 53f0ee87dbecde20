import Testing

@testable import memfd_bind

@Suite struct ArgumentsTests {
    @Test func noArgumentsRunsDaemonWithDefaults() throws {
        let invocation = try parseArguments([])
        #expect(invocation.command == .daemon(config: "/etc/memfd-bind.yaml", pidFile: "/run/memfd-bind.pid"))
        #expect(invocation.debug == false)
    }

    @Test func configAndPidFileOptions() throws {
        let invocation = try parseArguments(["--config", "/x.yaml", "--pid-file=/run/x.pid", "--debug"])
        #expect(invocation.command == .daemon(config: "/x.yaml", pidFile: "/run/x.pid"))
        #expect(invocation.debug)
    }

    @Test func onePathMode() throws {
        #expect(try parseArguments(["/usr/sbin/runc"]).command == .single(path: "/usr/sbin/runc"))
        #expect(try parseArguments(["-d", "/usr/sbin/runc"]).debug)
    }

    @Test func modes() throws {
        #expect(try parseArguments(["--check-config", "-c", "/a"]).command == .checkConfig(config: "/a"))
        #expect(
            try parseArguments(["--cleanup", "/a", "/b"]).command
                == .cleanup(paths: ["/a", "/b"], config: "/etc/memfd-bind.yaml", staleOnly: false))
        #expect(try parseArguments(["--cleanup", "--stale"]).command == .cleanup(paths: [], config: "/etc/memfd-bind.yaml", staleOnly: true))
        #expect(try parseArguments(["--status"]).command == .status(config: "/etc/memfd-bind.yaml"))
        #expect(try parseArguments(["--reload"]).command == .reload(config: "/etc/memfd-bind.yaml", pidFile: "/run/memfd-bind.pid"))
        #expect(try parseArguments(["--release", "/a"]).command == .release(paths: ["/a"]))
        #expect(try parseArguments(["--resume"]).command == .resume(paths: []))
        #expect(try parseArguments(["-h"]).command == .help)
        #expect(try parseArguments(["--version"]).command == .version)
    }

    @Test func usageErrors() {
        let cases: [([String], String)] = [
            (["--bogus"], "unknown option --bogus"),
            (["--config"], "option --config requires a value"),
            (["--check-config", "--status"], "--check-config and --status cannot be used together"),
            (["runc"], "path runc is not absolute"),
            (["/a", "/b"], "one-path mode takes exactly one path; list several paths in the configuration file"),
            (["--check-config", "/a"], "--check-config takes no path operand, got /a"),
            (["--config", "/c", "/a"], "--config does not apply to one-path mode"),
            (["--release", "--config", "/c"], "--config does not apply to --release"),
            (["--debug=yes"], "option --debug takes no value"),
            (["--config="], "option --config requires a file name"),
            (["--stale"], "--stale applies only to --cleanup"),
        ]
        for (arguments, message) in cases {
            #expect(throws: UsageError(message: message), "\(arguments)") { try parseArguments(arguments) }
        }
    }

    @Test func pathOperandsAreNormalized() throws {
        #expect(try parseArguments(["--cleanup", "/x//bin/./runc/"]).command == .cleanup(paths: ["/x/bin/runc"], config: "/etc/memfd-bind.yaml", staleOnly: false))
        #expect(try parseArguments(["/usr//sbin/runc"]).command == .single(path: "/usr/sbin/runc"))
        #expect(throws: UsageError(message: "path /x/../runc contains \"..\"; write the path without it")) {
            try parseArguments(["--release", "/x/../runc"])
        }
    }

    @Test func doubleDashEndsOptions() throws {
        #expect(try parseArguments(["--", "/-odd"]).command == .single(path: "/-odd"))
    }
}
