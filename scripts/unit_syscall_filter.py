#!/usr/bin/python3
"""Runs a command under a systemd unit's system-call filter, as systemd would apply it, through
libseccomp (Debian's python3-seccomp): the unit's SystemCallFilter= lines in order (an allow
list, then `~` lines that take groups out of it), SystemCallErrorNumber= as the action for
everything else (without it, the process is killed with SIGSYS, as under systemd).

    unit_syscall_filter.py UNIT-FILE COMMAND [ARG...]

Groups are expanded with `systemd-analyze syscall-filter`. Used by the end-to-end test that
runs the daemon the way its unit would (an unprivileged user, its own network and mount
namespaces, this filter).
"""
import errno
import os
import subprocess
import sys

import seccomp


def group(name, seen=None):
    seen = seen or set()
    if not name.startswith("@"):
        return {name}
    if name in seen:
        return set()
    seen.add(name)
    out = subprocess.run(["systemd-analyze", "syscall-filter", name], capture_output=True, text=True, check=True).stdout
    calls = set()
    for line in out.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or line == name:
            continue
        calls |= group(line, seen)
    return calls


def main():
    unit, command = sys.argv[1], sys.argv[2:]
    allowed, action = None, seccomp.KILL_PROCESS
    with open(unit) as f:
        for raw in f:
            line = raw.strip()
            if line.startswith("SystemCallFilter="):
                value = line.split("=", 1)[1]
                deny = value.startswith("~")
                names = set().union(*(group(n) for n in value.lstrip("~").split()))
                if deny:
                    allowed = (allowed if allowed is not None else group("@default")) - names
                else:
                    allowed = (allowed or set()) | names | group("@default")
            elif line.startswith("SystemCallErrorNumber="):
                action = seccomp.ERRNO(getattr(errno, line.split("=", 1)[1]))
    rules = seccomp.SyscallFilter(defaction=action)
    for name in sorted(allowed or set()):
        try:
            rules.add_rule(seccomp.ALLOW, name)
        except (RuntimeError, ValueError):
            pass  # not a system call of this architecture
    rules.load()
    os.execvp(command[0], command)


if __name__ == "__main__":
    main()
