import Glibc

// Block the daemon's signals before anything else runs, so that they queue for its signalfd
// instead of killing the process or reaching a handler.
var blockedSignals = sigset_t()
sigemptyset(&blockedSignals)
for signal in handledSignals {
    sigaddset(&blockedSignals, signal)
}
pthread_sigmask(SIG_BLOCK, &blockedSignals, nil)
signal(SIGPIPE, SIG_IGN)

let invocation: Invocation
do {
    invocation = try parseArguments(Array(CommandLine.arguments.dropFirst()))
} catch {
    printError("memfd-bind: \(error.message)\nTry 'memfd-bind --help' for more information.")
    exit(2)
}

Log.detectJournal()
if invocation.debug {
    Log.threshold = .debug
}

let status: Int32
switch invocation.command {
case .help:
    printOut(helpText)
    status = 0
case .version:
    printOut("memfd-bind \(programVersion)")
    status = 0
case .daemon(let config, let pidFile):
    status = Daemon(source: .configuration(file: config, pidFile: pidFile)).run()
case .single(let path):
    status = Daemon(source: .singlePath(path)).run()
case .checkConfig(let config):
    status = CheckConfigCommand.run(config: config)
case .cleanup(let paths, let config, let staleOnly):
    status = CleanupCommand.run(paths: paths, config: config, staleOnly: staleOnly)
case .status(let config):
    status = StatusCommand.run(config: config)
case .reload(let config, let pidFile):
    status = ControlClient.reload(config: config, pidFile: pidFile)
case .release(let paths):
    status = ControlClient.broadcast("release", paths: paths.map(TargetInspection.resolvedDirectory))
case .resume(let paths):
    status = ControlClient.broadcast("resume", paths: paths.map(TargetInspection.resolvedDirectory))
}
exit(status)
