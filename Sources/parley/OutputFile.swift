import Foundation
import ParleyResults

/// A file a command was asked to write (`--junit`, `--html`, `report --out`): its folder is made
/// before any work starts, so a path that cannot be written stops the command at once instead of
/// after the run.
enum OutputFile {
    /// Creates the folders `path` needs and checks that a file can be written there.
    static func prepare(_ path: String, for option: String) throws(RunDirectoryError) {
        let folder = (path as NSString).deletingLastPathComponent
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw RunDirectoryError(path: path, message: "\(option) names a folder; give a file name")
        }
        if !folder.isEmpty {
            do {
                try fm.createDirectory(atPath: folder, withIntermediateDirectories: true)
            } catch {
                throw RunDirectoryError(
                    path: path, message: "cannot create the folder for \(option) (\(Self.reason(error)))")
            }
        }
        guard access(folder.isEmpty ? "." : folder, W_OK) == 0 else {
            throw RunDirectoryError(
                path: path, message: "cannot write \(option) there (\(String(cString: strerror(errno))))")
        }
    }

    private static func reason(_ error: Error) -> String {
        let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError
        if let code = underlying?.code, underlying?.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(code)))
        }
        return error.localizedDescription
    }
}
