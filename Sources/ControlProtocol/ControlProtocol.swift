import SystemSupport
/// The control socket's wire format, shared by `newsdedupd` and `newsdedupctl`: the one module to
/// read to know it.
///
/// - Framing: one JSON object per line (UTF-8, `\n`). Requests longer than `maxRequestBytes`
///   are refused with an error reply before any parsing.
/// - Every message carries `version`. A request with another version gets an error reply
///   (code 9003), never a dropped connection.
/// - A reply is one line, except multi-record replies (`export`, `similar`, `duplicates`,
///   `quarantine_list`), which send one line per record and then an `end` line with the count,
///   so a client can tell "done" from "cut off" (as OpenNTPD's `*_END` messages do).
/// - Error codes: 8xxx the daemon failed at run time (store fault, not found); 9xxx the request
///   was wrong. They are stable: scripts may match on them.
/// - Commands that change what the daemon does (`Request.Command.isMutating`) are answered only
///   for root and the daemon's own user; members of the socket's group may read.
///
/// Requests are in Request.swift, replies in Response.swift, the records they carry in
/// Records.swift, framing and decoding in WireCoding.swift.
public enum ControlProtocol {
    public static let version = 1

    /// newsdedup's release, which `--version` of both programs prints (with the protocol and,
    /// for the daemon, the fingerprint algorithm).
    public static let release = "0.5.0"
    public static let maxRequestBytes = 4096
    /// Linux `sockaddr_un.sun_path` holds 108 bytes including the terminating NUL.
    public static let maxSocketPathBytes = UnixSocketAddress.maxPathBytes
}
