/// The pass rate: the one definition (0 for no runs).
public enum PassRate {
    public static func of(passed: Int, runs: Int) -> Double {
        runs > 0 ? Double(passed) / Double(runs) : 0
    }
}
