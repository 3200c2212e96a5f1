import Foundation

/// Where a run was made: the git commit and branch, and the CI job, as the usual CI environment
/// variables tell (GitHub Actions, GitLab CI, Jenkins, Buildkite, CircleCI, Azure Pipelines), else
/// the git checkout the run was started in. Kept in `run.json`, so a run imported into the history
/// elsewhere keeps it.
public struct RunEnvironment: Sendable, Hashable {
    public var gitCommit: String?
    public var gitBranch: String?
    /// The CI job's id or number, prefixed by the CI's name (`github:123456`).
    public var ciJob: String?
    /// A link to the CI job, when the CI says.
    public var ciURL: String?

    public init(gitCommit: String? = nil, gitBranch: String? = nil, ciJob: String? = nil, ciURL: String? = nil) {
        self.gitCommit = gitCommit
        self.gitBranch = gitBranch
        self.ciJob = ciJob
        self.ciURL = ciURL
    }

    /// True when nothing is known.
    public var isEmpty: Bool { gitCommit == nil && gitBranch == nil && ciJob == nil && ciURL == nil }

    /// Reads the CI variables of `environment`; what they leave unknown comes from the git checkout
    /// at `directory` (its `.git/HEAD`), when there is one.
    public static func detect(environment: [String: String], directory: String = ".") -> RunEnvironment {
        func value(_ names: String...) -> String? {
            names.lazy.compactMap { environment[$0]?.trimmingCharacters(in: .whitespaces) }.first { !$0.isEmpty }
        }
        var found = RunEnvironment()
        found.gitCommit = value(
            "GITHUB_SHA", "CI_COMMIT_SHA", "BUILDKITE_COMMIT", "CIRCLE_SHA1", "GIT_COMMIT", "BUILD_SOURCEVERSION")
        found.gitBranch = value(
            "GITHUB_HEAD_REF", "GITHUB_REF_NAME", "CI_COMMIT_REF_NAME", "BUILDKITE_BRANCH", "CIRCLE_BRANCH",
            "GIT_BRANCH", "BUILD_SOURCEBRANCHNAME")
        if let run = value("GITHUB_RUN_ID") {
            found.ciJob = "github:\(run)" + (value("GITHUB_RUN_ATTEMPT").map { "/\($0)" } ?? "")
            if let server = value("GITHUB_SERVER_URL"), let repository = value("GITHUB_REPOSITORY") {
                found.ciURL = "\(server)/\(repository)/actions/runs/\(run)"
            }
        } else if let job = value("CI_JOB_ID") {
            found.ciJob = "gitlab:\(job)"
            found.ciURL = value("CI_JOB_URL")
        } else if let build = value("BUILDKITE_BUILD_NUMBER") {
            found.ciJob = "buildkite:\(build)"
            found.ciURL = value("BUILDKITE_BUILD_URL")
        } else if let build = value("CIRCLE_BUILD_NUM") {
            found.ciJob = "circleci:\(build)"
            found.ciURL = value("CIRCLE_BUILD_URL")
        } else if let build = value("BUILD_BUILDID") {
            found.ciJob = "azure:\(build)"
        } else if let build = value("BUILD_NUMBER"), let job = value("JOB_NAME") {
            found.ciJob = "jenkins:\(job)#\(build)"
            found.ciURL = value("BUILD_URL")
        }
        if found.gitCommit == nil || found.gitBranch == nil {
            let checkout = GitCheckout.head(in: directory)
            found.gitCommit = found.gitCommit ?? checkout.commit
            found.gitBranch = found.gitBranch ?? checkout.branch
        }
        return found
    }
}

/// Reads a git checkout's current commit and branch from its files, without running git.
enum GitCheckout {
    static func head(in directory: String) -> (commit: String?, branch: String?) {
        var folder = URL(fileURLWithPath: directory).standardizedFileURL
        for _ in 0..<32 {
            let git = folder.appendingPathComponent(".git")
            if let gitDirectory = gitDirectory(git) { return read(gitDirectory) }
            let parent = folder.deletingLastPathComponent()
            if parent.path == folder.path { break }
            folder = parent
        }
        return (nil, nil)
    }

    /// `.git` is a folder, or (in worktrees and submodules) a file saying `gitdir: PATH`.
    private static func gitDirectory(_ git: URL) -> URL? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: git.path, isDirectory: &isDirectory) else { return nil }
        if isDirectory.boolValue { return git }
        guard let text = try? String(contentsOf: git, encoding: .utf8), text.hasPrefix("gitdir:") else { return nil }
        let path = text.dropFirst("gitdir:".count).trimmingCharacters(in: .whitespacesAndNewlines)
        return URL(fileURLWithPath: path, relativeTo: git.deletingLastPathComponent()).standardizedFileURL
    }

    private static func read(_ gitDirectory: URL) -> (commit: String?, branch: String?) {
        guard let head = try? String(contentsOf: gitDirectory.appendingPathComponent("HEAD"), encoding: .utf8)
        else { return (nil, nil) }
        let text = head.trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.hasPrefix("ref: ") else { return (isCommit(text) ? text : nil, nil) }
        let ref = String(text.dropFirst(5))
        let branch = ref.hasPrefix("refs/heads/") ? String(ref.dropFirst("refs/heads/".count)) : ref
        // A worktree keeps its HEAD; branches live in the common directory.
        var directories = [gitDirectory]
        if let common = try? String(contentsOf: gitDirectory.appendingPathComponent("commondir"), encoding: .utf8) {
            let path = common.trimmingCharacters(in: .whitespacesAndNewlines)
            directories.append(URL(fileURLWithPath: path, relativeTo: gitDirectory).standardizedFileURL)
        }
        for directory in directories {
            if let loose = try? String(contentsOf: directory.appendingPathComponent(ref), encoding: .utf8) {
                let commit = loose.trimmingCharacters(in: .whitespacesAndNewlines)
                if isCommit(commit) { return (commit, branch) }
            }
            if let packed = try? String(contentsOf: directory.appendingPathComponent("packed-refs"), encoding: .utf8) {
                for line in packed.split(separator: "\n") where line.hasSuffix(" " + ref) {
                    let commit = String(line.prefix { $0 != " " })
                    if isCommit(commit) { return (commit, branch) }
                }
            }
        }
        return (nil, branch)
    }

    private static func isCommit(_ text: String) -> Bool {
        (text.count == 40 || text.count == 64) && text.allSatisfy(\.isHexDigit)
    }
}
