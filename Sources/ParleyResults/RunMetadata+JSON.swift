import Foundation
import ParleyJSON

/// `run.json`.
extension RunMetadata: JSONRecord {
    public static let blank = RunMetadata(
        runId: "", createdAt: Date(timeIntervalSince1970: 0), paths: [], target: nil, config: nil, filters: [],
        repeatCount: 0, seed: 0, shard: nil, skipUnsupported: false, planned: 0)

    public mutating func members<C: JSONMemberCoder>(_ json: inout C) throws(C.Failure) {
        try json.field("run_id", &runId)
        try json.field("created_at", &createdAt)
        try json.field("paths", &paths)
        try json.optional("target", &target)
        try json.optional("config", &config)
        try json.field("filters", &filters)
        try json.field("repeat_count", &repeatCount)
        try json.field("seed", &seed)
        try json.optional("shard", &shard)
        try json.field("skip_unsupported", &skipUnsupported)
        try json.field("planned", &planned)
        try json.optional("concurrency", &concurrency)
        try json.optional("fail_fast", &failFast)
        try json.optional("junit", &junit)
        try json.optional("html", &html)
        try json.optional("min_pass_rate", &minPassRate)
        try json.optional("k", &k)
        try json.optional("gate", &gate)
        try json.optional("baseline", &baseline)
        try json.optional("alpha", &alpha)
        try json.optional("environment", &environment)
    }
}

extension Shard: JSONRecord {
    public static let blank = Shard(index: 1, count: 1)

    public mutating func members<C: JSONMemberCoder>(_ json: inout C) throws(C.Failure) {
        try json.field("index", &index)
        try json.field("count", &count)
    }
}

/// Where a run was made.
extension RunEnvironment: JSONRecord {
    public static let blank = RunEnvironment()

    public mutating func members<C: JSONMemberCoder>(_ json: inout C) throws(C.Failure) {
        try json.optional("git_commit", &gitCommit)
        try json.optional("git_branch", &gitBranch)
        try json.optional("ci_job", &ciJob)
        try json.optional("ci_url", &ciURL)
    }
}
