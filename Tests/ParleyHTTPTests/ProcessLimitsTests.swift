#if os(Linux)
    import Foundation
    import Glibc
    import ParleyHTTP
    import Testing

    @Suite("ProcessLimits")
    struct ProcessLimitsTests {
        /// A file of `pages` pages of `fill`, mapped twice: read-only, and writable then made
        /// read-only after its first byte was changed (the way the loader relocates a library's
        /// constants), so that the second holds a private copy of a page.
        struct Mappings {
            let size: Int
            let plain: UnsafeMutableRawPointer
            let copied: UnsafeMutableRawPointer

            init(pages: Int, fill: UInt8) throws {
                size = pages * Int(sysconf(Int32(_SC_PAGESIZE)))
                let path = FileManager.default.temporaryDirectory.appendingPathComponent("parley-pages-\(UUID())").path
                defer { unlink(path) }
                try Data(repeating: fill, count: size).write(to: URL(fileURLWithPath: path))
                let fd = open(path, O_RDONLY)
                try #require(fd >= 0)
                defer { close(fd) }
                let plain = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
                let copied = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0)
                try #require(plain != MAP_FAILED && copied != MAP_FAILED)
                self.plain = try #require(plain)
                self.copied = try #require(copied)
                self.copied.storeBytes(of: UInt8(ascii: "Z"), as: UInt8.self)
                try #require(mprotect(self.copied, size, PROT_READ) == 0)
            }

            func unmap() {
                munmap(plain, size)
                munmap(copied, size)
            }

            /// Touches every page of the read-only mapping and returns the sum of its bytes.
            func sum() -> Int {
                (0..<size).reduce(0) { $0 + Int(plain.load(fromByteOffset: $1, as: UInt8.self)) }
            }
        }

        /// The resident kilobytes of the mapping that starts at `address`, from /proc/self/smaps.
        func residentKB(at address: UnsafeMutableRawPointer) throws -> Int {
            // Read to its end: the file's size is 0, so reading that size reads nothing.
            let handle = try #require(FileHandle(forReadingAtPath: "/proc/self/smaps"))
            defer { try? handle.close() }
            let smaps = String(decoding: try handle.readToEnd() ?? Data(), as: UTF8.self)
            let start = String(UInt(bitPattern: address), radix: 16)
            var inMapping = false
            for line in smaps.split(separator: "\n") {
                if let dash = line.firstIndex(of: "-"), line[..<dash].allSatisfy(\.isHexDigit) {
                    inMapping = line[..<dash].drop(while: { $0 == "0" }) == start
                } else if inMapping, line.hasPrefix("Rss:") {
                    return Int(line.dropFirst(4).split(separator: " ")[0]) ?? -1
                }
            }
            Issue.record("no mapping at \(start) in /proc/self/smaps")
            return -1
        }

        @Test("Read-only file pages are unmapped, read again from the file, and a private copy is kept")
        func releasesOnlyTheFilesOwnPages() throws {
            let mappings = try Mappings(pages: 16, fill: UInt8(ascii: "a"))
            defer { mappings.unmap() }
            let expected = mappings.size * Int(UInt8(ascii: "a"))
            #expect(mappings.sum() == expected)
            let resident = try residentKB(at: mappings.plain)
            #expect(resident == mappings.size / 1024)

            let released = try #require(ProcessLimits.releaseFilePages())

            #expect(released >= resident)
            #expect(try residentKB(at: mappings.plain) == 0, "the read-only mapping's pages are unmapped")
            #expect(mappings.sum() == expected, "and read back from the file when touched")
            #expect(
                mappings.copied.load(as: UInt8.self) == UInt8(ascii: "Z"),
                "a mapping holding a changed page is left alone")
            #expect(try residentKB(at: mappings.plain) == mappings.size / 1024)
        }
    }
#endif
