import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A child process with a hard timeout, its output captured through files (no pipe can fill and block).
///
/// Spawned with posix_spawn in a process group of its own, with no signal blocked and every signal's
/// default action, and reaped with waitpid: the test runner blocks signals (SIGCHLD, SIGTERM) that
/// daemons started by a child (cluster/up.sh) would otherwise inherit, and Foundation's `Process` then
/// never sees its child exit.
public struct Subprocess {
    public let exitCode: Int32
    public let stdout: String
    public let stderr: String
    public let timedOut: Bool
    public let seconds: Double

    /// Runs `arguments` (looked up on PATH by /usr/bin/env) in `directory` with `environment`, sending
    /// SIGTERM to its process group after `timeout` seconds and SIGKILL 2 s later. A child killed by a
    /// signal has exit code 128 + the signal, as in a shell. `killWhen`, polled as the child runs, sends SIGKILL to
    /// its process group at once when it turns true (a crash at a chosen moment).
    public static func run(_ arguments: [String], directory: URL, environment: [String: String],
                           timeout: Double, killWhen: (() -> Bool)? = nil) throws -> Subprocess {
        let scratch = try Scratch.url("subprocess")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let outPath = scratch.appendingPathComponent("out").path, errPath = scratch.appendingPathComponent("err").path

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t(), all = sigset_t()
        sigemptyset(&none)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))

        // env -C: the working folder, then PATH lookup of the command.
        let argv = ["/usr/bin/env", "-C", directory.path] + arguments
        let envp = environment.map { "\($0.key)=\($0.value)" }
        let cArgv = argv.map { strdup($0) } + [nil], cEnvp = envp.map { strdup($0) } + [nil]
        defer { (cArgv + cEnvp).forEach { free($0) } }
        var pid = pid_t()
        let started = Date()
        let spawned = posix_spawn(&pid, argv[0], &actions, &attributes, cArgv, cEnvp)
        guard spawned == 0 else { throw SpawnFailed(description: "posix_spawn \(arguments): \(String(cString: strerror(spawned)))") }

        var status: Int32 = 0, timedOut = false
        while waitpid(pid, &status, WNOHANG) == 0 {
            if let killWhen, killWhen() {
                kill(-pid, SIGKILL)
                waitpid(pid, &status, 0)
                break
            }
            if Date().timeIntervalSince(started) > timeout {
                timedOut = true
                kill(-pid, SIGTERM)
                Thread.sleep(forTimeInterval: 2)
                kill(-pid, SIGKILL)
                waitpid(pid, &status, 0)
                break
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        let signal = status & 0x7f
        return Subprocess(exitCode: signal == 0 ? (status >> 8) & 0xff : 128 + signal,
                          stdout: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
                          stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "",
                          timedOut: timedOut, seconds: Date().timeIntervalSince(started))
    }

    /// Sends SIGKILL to every process whose command line contains `text` (from /proc), and returns how many. Open MPI
    /// puts each rank in a process group of its own, so killing mpirun's group leaves the ranks running: a crash of the
    /// whole job (a node lost, Slurm's SIGKILL to the job's processes) is this.
    @discardableResult
    public static func killAll(commandLineContaining text: String) -> Int {
        let own = getpid()
        var killed = 0
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = pid_t(entry), pid != own,
                  let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline") else { continue }
            let line = String(decoding: data.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
            if line.contains(text) && kill(pid, SIGKILL) == 0 { killed += 1 }
        }
        return killed
    }

    public struct SpawnFailed: Error, CustomStringConvertible { public let description: String }
}
