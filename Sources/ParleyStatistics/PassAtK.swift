/// pass@k and pass^k: what `n` repetitions of a flow with `c` passes say about `k` fresh attempts.
///
/// Both are the unbiased estimators over the `n` observed runs (drawing `k` of them without
/// replacement), not powers of the pass rate, so they are exact for the runs seen:
/// - pass@k, the chance that at least one of `k` attempts passes: 1 − C(n−c, k) / C(n, k)
///   (Chen et al., 2021, "Evaluating Large Language Models Trained on Code");
/// - pass^k, the chance that all `k` attempts pass: C(c, k) / C(n, k) (Yao et al., 2024, τ-bench),
///   the measure of an agent users can rely on every time.
public enum PassAtK {
    /// pass@k; `nil` when `k` is not between 1 and `n` or the counts make no sense.
    public static func atLeastOne(passed c: Int, runs n: Int, k: Int) -> Double? {
        guard valid(c, n, k) else { return nil }
        if c == 0 { return 0 }
        if n - c < k { return 1 }
        // 1 − Π_{i=n−c+1}^{n} (1 − k/i): the ratio of binomials as a product, which neither
        // overflows nor loses precision for large n.
        var product = 1.0
        for i in (n - c + 1)...n {
            product *= 1 - Double(k) / Double(i)
        }
        return 1 - product
    }

    /// pass^k; `nil` when `k` is not between 1 and `n` or the counts make no sense.
    public static func all(passed c: Int, runs n: Int, k: Int) -> Double? {
        guard valid(c, n, k) else { return nil }
        if c < k { return 0 }
        // Π_{i=0}^{k−1} (c−i)/(n−i)
        var product = 1.0
        for i in 0..<k {
            product *= Double(c - i) / Double(n - i)
        }
        return product
    }

    private static func valid(_ c: Int, _ n: Int, _ k: Int) -> Bool {
        n >= 1 && c >= 0 && c <= n && k >= 1 && k <= n
    }
}
