import Foundation
import ParleyStatistics

/// How statistics read in the terminal: percentages, intervals, p-values, tokens and money.
enum StatisticsText {
    /// `72%` or `72.5%`.
    static func percent(_ value: Double) -> String {
        let tenths = (value * 1000).rounded() / 10
        return tenths == tenths.rounded() ? "\(Int(tenths))%" : String(format: "%.1f%%", tenths)
    }

    /// `[40%–89%]`.
    static func interval(_ interval: WilsonInterval) -> String {
        "[\(percent(interval.lower))–\(percent(interval.upper))]"
    }

    /// `0.031`, `0.50`, `< 0.001`.
    static func pValue(_ p: Double) -> String {
        if p < 0.001 { return "< 0.001" }
        if p < 0.01 { return String(format: "%.4f", p) }
        return String(format: "%.3f", p)
    }

    /// `12,345`.
    static func tokens(_ count: Int) -> String {
        count.formatted(.number.grouping(.automatic).locale(Locale(identifier: "en_US")))
    }

    /// `0.0421` or `12.35`: small costs keep their significant digits.
    static func cost(_ value: Double) -> String {
        value < 1 ? String(format: "%.4f", value) : String(format: "%.2f", value)
    }
}
