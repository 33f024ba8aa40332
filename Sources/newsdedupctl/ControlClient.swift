import ControlProtocol
import Foundation
import Glibc
import SystemSupport

/// A blocking client for one request: connect, send a line, read reply lines. A CLI does one
/// thing and exits, so plain sockets serve it better than an event loop.
struct ControlClient {
    enum Failure: Error {
        case notRunning(String)
        case failed(code: ErrorCode, message: String)
        case cutOff(String)
    }

    let fd: Int32
    private var buffer: [UInt8] = []

    init(path: String) throws(Failure) {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .cutOff("socket: \(String(cString: strerror(errno)))") }
        guard let result = UnixSocketAddress.with(path, { connect(fd, $0, $1) }) else {
            Glibc.close(fd)
            throw .failed(code: .invalidArgument, message: "socket path longer than \(ControlProtocol.maxSocketPathBytes) bytes")
        }
        guard result == 0 else {
            let error = errno
            Glibc.close(fd)
            if error == EACCES || error == EPERM {
                throw .failed(code: .permissionDenied, message: "permission denied on \(path): only the daemon's user and group may connect")
            }
            throw .notRunning("newsdedupd is not running (cannot connect to \(path): \(String(cString: strerror(error))))")
        }
        self.fd = fd
    }

    func send(_ request: Request) throws(Failure) {
        let line: [UInt8]
        do { line = try WireCoding.line(request) } catch { throw .cutOff("cannot encode request: \(error)") }
        var written = 0
        while written < line.count {
            let n = line.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + written, $0.count - written, Int32(MSG_NOSIGNAL)) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { throw .cutOff("send: \(String(cString: strerror(errno)))") }
            written += n
        }
    }

    /// The next reply line, decoded; an error reply becomes `.failed`.
    private mutating func next() throws(Failure) -> Response {
        while true {
            if let newline = buffer.firstIndex(of: 0x0A) {
                let line = buffer[..<newline]
                defer { buffer.removeSubrange(...newline) }
                let response: Response
                do { response = try WireCoding.decode(Response.self, from: line) } catch {
                    throw .cutOff("unreadable reply from the daemon")
                }
                if case .error(let error) = response { throw .failed(code: error.code, message: error.message) }
                return response
            }
            var chunk = [UInt8](repeating: 0, count: 65_536)
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { throw .cutOff("the daemon closed the connection before the reply was complete") }
            buffer.append(contentsOf: chunk[..<n])
        }
    }

    /// The reply asked for, out of the union: `pick` takes the payload of a `kind` reply; any
    /// other kind is a reply this client cannot use, named.
    mutating func receive<T>(_ kind: Response.Kind, _ pick: (Response) -> T?) throws(Failure) -> T {
        let response = try next()
        guard let payload = pick(response) else { throw .cutOff("the daemon sent a \(response.kind.rawValue) reply where \(kind.rawValue) was expected") }
        return payload
    }

    mutating func receive<T: ReplyPayload>(_ type: T.Type) throws(Failure) -> T {
        try receive(T.kind) { T($0) }
    }

    /// `done`: what a command that changes something did.
    mutating func receiveDone() throws(Failure) -> String {
        try receive(.done) { if case .done(let message) = $0 { message } else { nil } }
    }

    /// A list: replies of type `T` until `end`, whose count must match what came.
    mutating func receiveList<T: ReplyPayload>(_ type: T.Type, _ each: (T) throws(Failure) -> Void) throws(Failure) {
        var count = 0
        while true {
            let response = try next()
            if case .end(let announced) = response {
                guard announced == count else { throw .cutOff("the daemon announced \(announced) records, \(count) arrived") }
                return
            }
            guard let item = T(response) else {
                throw .cutOff("the daemon sent a \(response.kind.rawValue) reply in a list of \(T.kind.rawValue)")
            }
            try each(item)
            count += 1
        }
    }

    func close() { Glibc.close(fd) }
}

/// Runs one request against the daemon and maps failures to the documented exit codes.
func withDaemon(socket: String, _ body: (inout ControlClient) throws(ControlClient.Failure) -> Void) -> Never {
    do throws(ControlClient.Failure) {
        var client = try ControlClient(path: socket)
        defer { client.close() }
        try body(&client)
        exit(0)
    } catch {
        switch error {
        case .notRunning(let message): fail(message, code: 3)
        case .failed(let code, let message): fail("error \(code.rawValue): \(message)", code: 1)
        case .cutOff(let message): fail(message, code: 4)
        }
    }
}

func fail(_ message: String, code: Int32) -> Never {
    FileHandle.standardError.write(Data("newsdedupctl: \(message)\n".utf8))
    exit(code)
}
