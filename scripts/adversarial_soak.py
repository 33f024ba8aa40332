#!/usr/bin/env python3
"""Adversarial soak (issue 14), nightly, not CI: producers that keep mtimes (inode reuse after
pruning), files written in place beside files renamed in, producer names that collide with the
quarantine's reasons, bad files, pruning of processed/DAY and removal of quarantine/, pauses,
SIGHUP, and kill -9 rounds of the daemon. At the end every file dropped must be in exactly one
place, byte for byte: stored (in processed/, and once in the feed), quarantined, or waiting.

    scripts/adversarial-soak.sh [--rounds N] [--files-per-round N] [--keep]
"""
import argparse, hashlib, json, os, random, shutil, signal, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def ctl(work, *args):
    return subprocess.run([os.path.join(ROOT, ".build/release/newsdedupctl"), "--socket", work + "/c.sock", *args],
                          capture_output=True, text=True, timeout=60)


def start(work):
    log = open(work + "/daemon.log", "a")
    process = subprocess.Popen([os.path.join(ROOT, ".build/release/newsdedupd"), "--inbox", work + "/inbox",
                                "--store", work + "/store.sqlite", "--socket", work + "/c.sock", "--poll-interval", "0.2"],
                               stdout=subprocess.DEVNULL, stderr=log, env=dict(os.environ, NEWSDEDUP_BATCH_SIZE="64"))
    deadline = time.time() + 60
    while time.time() < deadline:
        if ctl(work, "status").returncode == 0:
            return process
        if process.poll() is not None:
            sys.exit("newsdedupd exited at start; see " + work + "/daemon.log")
        time.sleep(0.1)
    sys.exit("newsdedupd did not answer")


def article(rng, index):
    words = ["समाचार", "सरकार", "নির্বাচন", "ekonomi", "haber", "новости", "market", "weather", "पुलिस", "বাংলাদেশ"]
    body = " ".join(rng.choice(words) + str(rng.randrange(10 ** 6)) for _ in range(rng.randrange(200, 900)))
    return f"Story {index}.\n{body}\n".encode()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--files-per-round", type=int, default=400)
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    options = parser.parse_args()
    rng = random.Random(14)
    work = tempfile.mkdtemp(prefix="nd-soak-")
    inbox = work + "/inbox"
    os.makedirs(inbox)
    dropped = {}  # name -> sha256 of the bytes
    daemon = start(work)
    started = time.time()
    kills = 0
    for round in range(options.rounds):
        for i in range(options.files_per_round):
            index = len(dropped)
            kind = rng.random()
            if kind < 0.05:
                name, data = f"bad-{index}.reason", bytes([0, 1, 2, index % 256])  # collides with reason names
            elif kind < 0.08:
                name, data = f"bad-{index}", b"\x00binary"
            else:
                name, data = f"a-{index}.txt", article(rng, index)
            dropped[name] = hashlib.sha256(data).hexdigest()
            if kind > 0.9:
                # Written in place, in pieces, with the producer's mtime kept (cp -p, rsync -t).
                with open(inbox + "/" + name, "wb") as f:
                    for piece in range(0, len(data), 997):
                        f.write(data[piece:piece + 997])
                os.utime(inbox + "/" + name, (1_700_000_000, 1_700_000_000))
            else:
                with open(inbox + "/." + name + ".tmp", "wb") as f:
                    f.write(data)
                os.utime(inbox + "/." + name + ".tmp", (1_700_000_000, 1_700_000_000))
                os.rename(inbox + "/." + name + ".tmp", inbox + "/" + name)
        event = rng.random()
        if event < 0.4:
            time.sleep(rng.random())
            daemon.send_signal(signal.SIGKILL)
            daemon.wait()
            kills += 1
            daemon = start(work)
        elif event < 0.55:
            ctl(work, "pause")
            time.sleep(0.3)
            ctl(work, "resume")
        elif event < 0.7:
            daemon.send_signal(signal.SIGHUP)
        elif event < 0.8:
            # Prune processed/ by day, as the README invites: the inodes are freed for reuse.
            for day in os.listdir(work + "/processed") if os.path.isdir(work + "/processed") else []:
                shutil.rmtree(work + "/processed/" + day, ignore_errors=True)
        elif event < 0.85:
            # quarantine/ removed from under the daemon (moved aside, so that what was in it
            # still counts as quarantined).
            if os.path.isdir(work + "/quarantine"):
                os.rename(work + "/quarantine", f"{work}/quarantine.removed-{round}")
        time.sleep(0.2)
    # Let it finish, then count.
    deadline = time.time() + 600
    while time.time() < deadline:
        status = json.loads(ctl(work, "status", "--json").stdout)
        if status["backlog"] == 0:
            break
        time.sleep(0.5)
    daemon.send_signal(signal.SIGTERM)
    daemon.wait(timeout=60)

    # Where each dropped file ended, byte for byte. Pruned processed/ days were stored before
    # they went: the feed says so.
    found = {}
    def walk(top, place):
        for directory, _, files in os.walk(top):
            for name in files:
                if name.startswith("."):
                    continue
                with open(os.path.join(directory, name), "rb") as f:
                    found.setdefault(name, []).append((place, hashlib.sha256(f.read()).hexdigest()))
    walk(work + "/processed", "processed")
    for name in os.listdir(work):
        if name == "quarantine" or name.startswith("quarantine.removed-"):
            walk(work + "/" + name, "quarantined")
    walk(work + "/inbox", "waiting")
    walk(work + "/processing", "waiting")
    daemon = start(work)
    export = ctl(work, "export")
    feed = [json.loads(line) for line in export.stdout.splitlines() if line.strip()]
    daemon.send_signal(signal.SIGTERM)
    daemon.wait(timeout=60)
    in_feed = {}
    for record in feed:
        in_feed[record["source"]] = in_feed.get(record["source"], 0) + 1
    twice = [name for name, count in in_feed.items() if count > 1]
    lost, changed, quarantined_count, waiting_count, stored_count = [], [], 0, 0, 0
    for name, digest in dropped.items():
        places = [p for p in found.get(name, []) if p[1] == digest]
        if any(p[1] != digest for p in found.get(name, [])) or len(found.get(name, [])) > 1:
            changed.append(name)  # other bytes under its name, or in two places
        if name in in_feed:
            stored_count += 1
        elif any(p[0] == "quarantined" for p in places):
            quarantined_count += 1
        elif any(p[0] == "waiting" for p in places):
            waiting_count += 1
        else:
            lost.append(name)
    print(f"soak: {len(dropped)} files dropped in {options.rounds} rounds, {kills} kill -9, {time.time() - started:.0f} s")
    print(f"soak: stored {stored_count} + quarantined {quarantined_count} + waiting {waiting_count} "
          f"= {stored_count + quarantined_count + waiting_count}; lost {len(lost)}, stored twice {len(twice)}, "
          f"bytes changed {len(changed)}")
    if lost or twice or changed:
        print("soak: FAILED; lost", lost[:10], "twice", twice[:10], "changed", changed[:10])
        print("soak: work directory kept:", work)
        sys.exit(1)
    if not options.keep:
        shutil.rmtree(work)
    print("soak: ok")


if __name__ == "__main__":
    main()
