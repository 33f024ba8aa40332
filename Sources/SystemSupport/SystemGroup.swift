import Glibc

/// A group of the system's group database, by name or number.
public enum SystemGroup {
    /// The id of the group named `name`, or numbered `name` when it is all digits and such a
    /// group exists; nil when there is none.
    public static func id(of name: String) -> UInt32? {
        if let entry = getgrnam(name) { return entry.pointee.gr_gid }
        return gid_t(name).flatMap { getgrgid($0) }.map { $0.pointee.gr_gid }
    }

    /// Whether this process may give its files to group `id` without privilege: it is the
    /// process's group or one of its supplementary groups (chown(2) asks exactly that).
    public static func isMember(_ id: UInt32) -> Bool {
        if getegid() == id { return true }
        let count = getgroups(0, nil)
        guard count > 0 else { return false }
        var groups = [gid_t](repeating: 0, count: Int(count))
        let got = getgroups(count, &groups)
        return groups.prefix(max(0, Int(got))).contains(id)
    }
}
