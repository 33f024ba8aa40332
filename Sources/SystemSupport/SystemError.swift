import Glibc

/// A failed system call, with errno and what was being done.
public struct SystemError: Error, CustomStringConvertible, Sendable, Equatable {
    public let operation: String
    public let errno: Int32

    /// Captures the current `errno`: call it right after the failing call.
    public init(_ operation: String) {
        self.init(operation, errno: Glibc.errno)
    }

    public init(_ operation: String, errno: Int32) {
        self.operation = operation
        self.errno = errno
    }

    public var description: String { "\(operation): \(String(cString: strerror(errno)))" }
}
