import Foundation
import ParleyJSON
import ParleyResults

extension HTMLReport {

    /// JSON that can sit inside `<script type="application/json">`: `<`, `>` and `&` are written as
    /// `\u003c`, `\u003e` and `\u0026` (valid JSON, same string), so no text — `</script>`, `<!--` —
    /// can end the element early.
    static func scriptSafeJSON(_ value: JSONValue) -> String {
        let bytes = value.bytes
        let (lt, gt, amp) = (UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "&"))
        guard bytes.contains(where: { $0 == lt || $0 == gt || $0 == amp }) else {
            return String(decoding: bytes, as: UTF8.self)
        }
        var out = [UInt8]()
        out.reserveCapacity(bytes.count + 64)
        for byte in bytes {
            switch byte {
            case lt: out += [0x5C, 0x75, 0x30, 0x30, 0x33, 0x63]  // \u003c
            case gt: out += [0x5C, 0x75, 0x30, 0x30, 0x33, 0x65]  // \u003e
            case amp: out += [0x5C, 0x75, 0x30, 0x30, 0x32, 0x36]  // \u0026
            default: out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `87.5%`, `100%`, `0%`.
    static func percent(_ rate: Double) -> String {
        guard rate.isFinite else { return "–" }
        let value = (rate * 1000).rounded() / 10
        return value == value.rounded() ? "\(Int(value))%" : String(format: "%.1f%%", value)
    }

    /// `840 ms`, `1.25 s`, `2m 05s`, `1h 05m`: latencies in the unit a reader compares at a glance.
    static func milliseconds(_ ms: Double) -> String {
        guard ms.isFinite else { return "–" }
        if ms < 1 { return ms == 0 ? "0 ms" : String(format: "%.2f ms", ms) }
        if ms < 1000 { return "\(Int(ms.rounded())) ms" }
        if ms < 60_000 { return String(format: ms < 10_000 ? "%.2f s" : "%.1f s", ms / 1000) }
        let seconds = Int((ms / 1000).rounded())
        if seconds < 3600 { return String(format: "%dm %02ds", seconds / 60, seconds % 60) }
        return String(format: "%dh %02dm", seconds / 3600, seconds % 3600 / 60)
    }
}
