"""scripts/campaign on a real Slurm: the test starts a single-node cluster on
the loopback interface (munged with a key of its own, slurmctld and slurmd,
configured in a temporary folder; the Debian packages are installed if
missing), submits a 4-run campaign as a job array with 'campaign run
--slurm', follows it with 'campaign status', collects it and compares the
results with the same campaign run locally. The daemons are stopped at the
end, also when a check fails. If they cannot start, the test says so and
fails."""
import csv
import json
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

from cli_common import Checker, arguments, run

PYTHON = "/usr/bin/python3"
PACKAGES = ("slurmctld", "slurmd", "slurm-client", "munge")
APT_TIMEOUT = 300       # s, each of apt-get update and install
COMMAND_TIMEOUT = 30    # s, a munge, sinfo, squeue or scancel call
ARRAY_TIMEOUT = 240     # s, for the 4 tasks of the array
args = arguments()
checker = Checker()
script = os.path.join(args.source, "scripts", "campaign")
base = os.path.join(args.source, "parameter_files", "patent_example.prm")

CAMPAIGN = """
[campaign]
name = "slurm test"

[design]
type = "full factorial"

[set]
"Protocol/First cycle steps" = "Charge at 0.1C until 4.25 V; Hold at 4.25 V until 0.05C; Discharge at 0.1C until 3.0 V"
"Protocol/Number of cycles" = 1
"Output/Field output interval" = 0

[factors.carbon]
parameter = "Stack/Carbon layer/Thickness"
values = [5e-6, 20e-6]
scale = "log"
unit = "um"

[factors.pressure]
parameter = "Mechanics/Fixture/Stack pressure"
values = [2e6, 8e6]
unit = "MPa"
"""


class SlurmUnavailable(Exception):
    pass


def loud(message):
    banner = "!" * 78
    text = f"\n{banner}\nSLURM COULD NOT BE STARTED: {message}\n{banner}\n"
    print(text, flush=True)
    print(text, file=sys.stderr, flush=True)


def missing_packages():
    missing = []
    for package in PACKAGES:
        result = subprocess.run(["dpkg-query", "-W", "-f=${Status}",
                                 package], capture_output=True, text=True)
        if "install ok installed" not in result.stdout:
            missing.append(package)
    return missing


def install_packages():
    missing = missing_packages()
    if not missing:
        return
    if os.geteuid() != 0:
        raise SlurmUnavailable("missing Debian packages " + " ".join(missing)
                               + " and not root to install them")
    print("installing " + " ".join(missing), flush=True)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    # Bounded, so that the test ends within ctest's limit (900 s) with a
    # message rather than being killed.
    for command in (["apt-get", "update", "-qq"],
                    ["apt-get", "install", "-y", "-qq",
                     "--no-install-recommends"] + missing):
        result = subprocess.run(command, capture_output=True, text=True,
                                env=env, timeout=APT_TIMEOUT)
        if result.returncode != 0:
            raise SlurmUnavailable(" ".join(command) + " failed: "
                                   + result.stderr.strip()[-2000:])
    if missing_packages():
        raise SlurmUnavailable("still missing after apt-get: "
                               + " ".join(missing_packages()))


def program(name):
    """The path of a daemon or tool (the sbin folders may not be on PATH)."""
    found = shutil.which(name, path=os.environ.get("PATH", "") +
                         ":/usr/sbin:/sbin:/usr/bin:/bin")
    if found is None:
        raise SlurmUnavailable(f"'{name}' not found (packages: "
                               + " ".join(PACKAGES) + ")")
    return found


def die_with_parent():
    """In the child: get SIGTERM when the test process dies, even by
    SIGKILL (a ctest time-out), so that no daemon outlives the test."""
    try:
        import ctypes
        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG,
                                                signal.SIGTERM)
    except (OSError, AttributeError):
        pass


def quick(command, **options):
    """A short command (munge, sinfo, squeue, scancel) with a time limit;
    a command that hangs counts as failed."""
    try:
        return subprocess.run(command, capture_output=True,
                              timeout=COMMAND_TIMEOUT, **options)
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(command, 124, b"", b"timed out")


def free_ports(count):
    sockets = []
    for _ in range(count):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind(("127.0.0.1", 0))
        sockets.append(s)
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


class Cluster:
    """munged, slurmctld and slurmd in the foreground, as our children, with
    every file in one temporary folder."""

    def __init__(self):
        # Short paths: a Unix socket path has at most 107 characters.
        self.root = tempfile.mkdtemp(prefix="anodeless-slurm-")
        os.chmod(self.root, 0o755)  # munged wants its socket reachable
        self.host = socket.gethostname().split(".")[0]
        # Two CPUs (the test's PROCESSORS), fewer where there are fewer:
        # a node that reports fewer CPUs than configured is drained.
        self.cpus = max(1, min(2, len(os.sched_getaffinity(0))))
        self.processes = {}
        for name in ("munge", "run", "state", "spool", "log"):
            os.makedirs(os.path.join(self.root, name))
        os.chmod(os.path.join(self.root, "munge"), 0o700)
        os.chmod(os.path.join(self.root, "run"), 0o755)
        self.socket = os.path.join(self.root, "run", "munge.socket")
        self.conf = os.path.join(self.root, "slurm.conf")

    def path(self, *parts):
        return os.path.join(self.root, *parts)

    def configure(self):
        key = self.path("munge", "munge.key")
        with open(key, "wb") as f:
            f.write(os.urandom(1024))
        os.chmod(key, 0o400)
        open(self.path("plugstack.conf"), "w").close()
        ctld_port, slurmd_port = free_ports(2)
        lines = [
            "ClusterName=campaigntest",
            f"SlurmctldHost={self.host}(127.0.0.1)",
            f"SlurmctldPort={ctld_port}",
            f"SlurmdPort={slurmd_port}",
            "SlurmUser=root",
            "SlurmdUser=root",
            "AuthType=auth/munge",
            "CredType=cred/munge",
            f"AuthInfo=socket={self.socket}",
            f"StateSaveLocation={self.path('state')}",
            f"SlurmdSpoolDir={self.path('spool')}",
            f"SlurmctldPidFile={self.path('run', 'slurmctld.pid')}",
            f"SlurmdPidFile={self.path('run', 'slurmd.pid')}",
            f"SlurmctldLogFile={self.path('log', 'slurmctld.log')}",
            f"SlurmdLogFile={self.path('log', 'slurmd.log')}",
            f"PlugStackConfig={self.path('plugstack.conf')}",
            "SlurmctldDebug=info",
            "MailProg=/bin/true",
            "SlurmdDebug=info",
            # No cgroups: processes are tracked through /proc.
            "ProctrackType=proctrack/linuxproc",
            "TaskPlugin=task/none",
            "JobAcctGatherType=jobacct_gather/none",
            "AccountingStorageType=accounting_storage/none",
            "JobCompType=jobcomp/none",
            "SwitchType=switch/none",
            "MpiDefault=none",
            "SchedulerType=sched/backfill",
            "SelectType=select/cons_tres",
            "SelectTypeParameters=CR_Core",
            "ReturnToService=2",
            f"NodeName={self.host} NodeAddr=127.0.0.1 CPUs={self.cpus} "
            "State=UNKNOWN",
            f"PartitionName=debug Nodes={self.host} Default=YES "
            "MaxTime=INFINITE State=UP",
        ]
        with open(self.conf, "w") as f:
            f.write("\n".join(lines) + "\n")
        os.environ["SLURM_CONF"] = self.conf

    def spawn(self, name, command):
        log = open(self.path("log", name + ".out"), "w")
        self.processes[name] = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
            preexec_fn=die_with_parent)

    def wait_for(self, what, condition, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return
            for name, process in self.processes.items():
                if process.poll() is not None:
                    raise SlurmUnavailable(
                        f"{name} exited with code {process.returncode} "
                        f"before {what} (its log: below)")
            time.sleep(0.3)
        raise SlurmUnavailable(f"no {what} after {timeout} s")

    def start(self):
        self.configure()
        self.spawn("munged", [
            program("munged"), "--foreground",
            f"--key-file={self.path('munge', 'munge.key')}",
            f"--socket={self.socket}",
            f"--pid-file={self.path('run', 'munged.pid')}",
            f"--log-file={self.path('munge', 'munged.log')}",
            f"--seed-file={self.path('munge', 'munged.seed')}"])
        self.wait_for("munge socket", lambda: os.path.exists(self.socket))

        def credential_round_trip():
            encoded = quick([program("munge"), "-n", "-S", self.socket])
            if encoded.returncode != 0:
                return False
            decoded = quick([program("unmunge"), "-S", self.socket],
                            input=encoded.stdout)
            return decoded.returncode == 0

        self.wait_for("munge credential round trip", credential_round_trip,
                      timeout=20)
        self.spawn("slurmctld", [program("slurmctld"), "-D", "-f",
                                 self.conf])
        self.spawn("slurmd", [program("slurmd"), "-D", "-f", self.conf,
                              "-N", self.host])

        def node_idle():
            result = quick(["sinfo", "--noheader", "--format", "%T",
                            "--nodes", self.host], text=True)
            return result.returncode == 0 and \
                result.stdout.strip() == "idle"

        self.wait_for("idle node in sinfo", node_idle)

    def logs(self):
        text = []
        for name in ("munge/munged.log", "log/munged.out",
                     "log/slurmctld.log", "log/slurmctld.out",
                     "log/slurmd.log", "log/slurmd.out"):
            try:
                with open(self.path(*name.split("/")), errors="replace") as f:
                    lines = f.readlines()[-15:]
            except OSError:
                continue
            text.append(f"--- {name} (last lines)\n" + "".join(lines))
        return "\n".join(text)

    def stop_leftovers(self):
        """SIGTERM, then SIGKILL, to what the daemons started and left."""
        for sig in (signal.SIGTERM, signal.SIGKILL):
            pids = processes_of(self.conf)
            if not pids:
                return
            print(f"stopping {len(pids)} leftover process(es) of the test "
                  f"cluster ({sig.name}): {pids}", flush=True)
            for pid in pids:
                try:
                    os.kill(pid, sig)
                except ProcessLookupError:
                    pass
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and processes_of(self.conf):
                time.sleep(0.2)

    def stop(self, jobs=()):
        if jobs and shutil.which("scancel"):
            quick(["scancel"] + list(jobs))
        # slurmd first, the controller next, munge last.
        for name in ("slurmd", "slurmctld", "munged"):
            process = self.processes.get(name)
            if process is None or process.poll() is not None:
                continue
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=15)
        self.stop_leftovers()
        stopped = all(p.poll() is not None for p in self.processes.values())
        if stopped:
            shutil.rmtree(self.root, ignore_errors=True)
        return stopped


def processes_of(conf):
    """The pids of the processes whose environment holds SLURM_CONF=conf:
    this cluster's step daemons (slurmstepd) and job tasks, which outlive
    slurmd when it stops in the middle of a job."""
    marker = f"SLURM_CONF={conf}".encode()
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as f:
                if marker in f.read().split(b"\0"):
                    pids.append(int(entry))
        except OSError:
            continue
    return pids


def campaign(*arguments_, timeout=300):
    return run([PYTHON, script] + list(arguments_), cwd=args.work,
               timeout=timeout)


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def same(a, b):
    try:
        x, y = float(a), float(b)
    except ValueError:
        return a == b
    if math.isnan(x) or math.isnan(y):
        return math.isnan(x) and math.isnan(y)
    return abs(x - y) <= 1e-9 * max(1.0, abs(x), abs(y))


def on_sigterm(*_):
    raise SystemExit("terminated")


signal.signal(signal.SIGTERM, on_sigterm)
toml = os.path.join(args.work, "campaign.toml")
with open(toml, "w") as f:
    f.write(CAMPAIGN)
slurm_folder = os.path.join(args.work, "slurm")
local_folder = os.path.join(args.work, "local")
anodeless = ["--anodeless", args.anodeless]
started = time.monotonic()

cluster, jobs = None, []
try:
    try:
        install_packages()
        cluster = Cluster()
        cluster.start()
    except (SlurmUnavailable, OSError, subprocess.SubprocessError) as e:
        loud(str(e))
        checker.check(False, f"Slurm could not be started: {e}")
        raise SystemExit(1)
    print(f"Slurm up in {time.monotonic() - started:.1f} s "
          f"({cluster.root})", flush=True)

    # --- Plan and submit ---------------------------------------------------------
    code, out, err = campaign("plan", base, toml, "--out", slurm_folder,
                              *anodeless)
    checker.check(code == 0, f"plan: exit {code}: {err.strip()}")
    code, out, err = campaign("run", slurm_folder, "--slurm", "--time",
                              "00:05:00", "--partition", "debug")
    checker.check(code == 0, f"run --slurm: exit {code}: {err.strip()}")
    checker.check("submitted job array" in out, f"run --slurm: {out}")
    records = json.load(open(os.path.join(slurm_folder, "slurm",
                                          "jobs.json")))
    jobs = [r["job id"] for r in records]
    checker.check(len(jobs) == 1 and jobs[0].isdigit() and
                  records[0]["array"] == "0-3",
                  f"recorded submissions: {records}")
    job = jobs[0] if jobs else "?"
    checker.check(f"job array {job} " in out, f"job id not printed: {out}")

    # The tasks are queued or running at first (2 CPUs, 4 tasks of 1 s).
    code, out, err = campaign("status", slurm_folder, "--json")
    first = json.loads(out) if code == 0 else {"runs": [], "squeue": False}
    checker.check(first["squeue"], "status did not consult squeue")
    early = {r["state"] for r in first["runs"]}
    checker.check(early <= {"queued", "running", "completed"} and
                  early & {"queued", "running"},
                  f"states right after the submission: {first['runs']}")

    # --- Wait for the array --------------------------------------------------------
    deadline = time.monotonic() + ARRAY_TIMEOUT
    states = {}
    while time.monotonic() < deadline:
        code, out, err = campaign("status", slurm_folder, "--json")
        if code != 0:
            checker.check(False, f"status: exit {code}: {err.strip()}")
            break
        states = {r["run"]: r["state"] for r in json.loads(out)["runs"]}
        queue = quick(["squeue", "--noheader", "--jobs", job],
                      text=True).stdout
        if not set(states.values()) & {"queued", "running"} and \
                not queue.strip():
            break
        time.sleep(1)
    print(f"array done after {time.monotonic() - started:.1f} s: {states}",
          flush=True)
    checker.check(set(states.values()) == {"completed"} and len(states) == 4,
                  f"Slurm run states: {states}")
    for r in json.load(open(os.path.join(slurm_folder,
                                         "manifest.json")))["runs"]:
        folder = os.path.join(slurm_folder, r["folder"])
        state = json.load(open(os.path.join(folder, "state.json")))
        checker.check(state.get("runner") == "slurm" and
                      state.get("job") == f"{job}_{r['index']}" and
                      state.get("state") == "done",
                      f"{r['id']}/state.json: {state}")
        log = open(os.path.join(folder, "log.txt")).read()
        checker.check(f"Slurm task {job}_{r['index']}" in log and
                      "run completed" in log, f"{r['id']}/log.txt:\n{log}")
        checker.check(os.path.isfile(os.path.join(
            slurm_folder, "slurm", f"{job}_{r['index']}.out")),
            f"no Slurm output file of task {r['index']}")
    code, out, err = campaign("status", slurm_folder)
    checker.check(code == 0 and "4 completed" in out and "squeue" not in out,
                  f"status: exit {code}: {out}")

    # Resubmitting skips the finished runs.
    code, out, err = campaign("run", slurm_folder, "--slurm")
    checker.check(code == 0 and "4 already done (skipped)" in err and
                  "nothing to submit" in err,
                  f"second run --slurm: exit {code}: {out} {err}")
    checker.check(len(json.load(open(os.path.join(
        slurm_folder, "slurm", "jobs.json")))) == 1,
        "a second job was submitted with nothing to run")
    code, out, err = campaign("collect", slurm_folder, "--no-figures")
    checker.check(code == 0, f"collect (Slurm): exit {code}: {err.strip()}")

    # --- The same campaign on this machine -----------------------------------------
    code, out, err = campaign("plan", base, toml, "--out", local_folder,
                              *anodeless)
    checker.check(code == 0, f"plan (local): exit {code}: {err.strip()}")
    code, out, err = campaign("run", local_folder, "--local", "--jobs", "2")
    checker.check(code == 0, f"run --local: exit {code}: {err.strip()}")
    code, out, err = campaign("collect", local_folder, "--no-figures")
    checker.check(code == 0, f"collect (local): exit {code}: {err.strip()}")
    on_slurm = read_csv(os.path.join(slurm_folder, "collected.csv"))
    local = read_csv(os.path.join(local_folder, "collected.csv"))
    checker.check(len(on_slurm) == 4 and len(local) == 4,
                  f"rows: {len(on_slurm)} (Slurm), {len(local)} (local)")
    compared = [c for c in (local[0].keys() if local else [])
                if c not in ("wall time [s]", "note")]
    for a, b in zip(on_slurm, local):
        differ = [c for c in compared if not same(a[c], b[c])]
        checker.check(not differ, f"{a['run']}: Slurm and local results "
                      "differ in " + ", ".join(
                          f"{c}: {a[c]} vs {b[c]}" for c in differ))
    checker.check(all(r["status"] == "completed" for r in on_slurm) and
                  all(150 < float(r["first discharge capacity [mAh/g]"]) < 230
                      for r in on_slurm), f"Slurm results: {on_slurm}")
except BaseException:
    checker.failures.append("stopped by an exception")
    raise
finally:
    if cluster is not None and checker.failures:
        print(cluster.logs(), flush=True)
    if cluster is not None:
        if not cluster.stop(jobs):
            print(f"some Slurm daemons did not stop; files in "
                  f"{cluster.root}", file=sys.stderr)
print(f"total {time.monotonic() - started:.1f} s")
checker.finish()
