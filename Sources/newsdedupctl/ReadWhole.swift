import Glibc

/// The file's bytes, or exit with `code` and the system's reason in one sentence (Foundation's
/// error would print its domain, code and user-info dictionary).
func readWhole(_ file: String, failing code: Int32) -> [UInt8] {
    let fd = open(file, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { fail("cannot read \(file): \(String(cString: strerror(errno)))", code: code) }
    defer { close(fd) }
    var bytes: [UInt8] = [], buffer = [UInt8](repeating: 0, count: 65_536)
    while true {
        let n = read(fd, &buffer, buffer.count)
        if n == 0 { return bytes }
        if n < 0 {
            if errno == EINTR { continue }
            fail("cannot read \(file): \(String(cString: strerror(errno)))", code: code)
        }
        bytes.append(contentsOf: buffer[..<n])
    }
}
