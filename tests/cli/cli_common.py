"""Helpers for the tests that drive the anodeless executable."""
import argparse
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "scripts"))
from anodeless_prm import get_parameter, set_parameters  # noqa: E402,F401


def arguments():
    parser = argparse.ArgumentParser()
    parser.add_argument("--anodeless", required=True)
    parser.add_argument("--source", required=True)
    parser.add_argument("--work", required=True)
    args, _ = parser.parse_known_args()
    args.anodeless = os.path.abspath(args.anodeless)
    args.source = os.path.abspath(args.source)
    args.work = os.path.abspath(args.work)
    if os.path.isdir(args.work):
        shutil.rmtree(args.work)
    os.makedirs(args.work)
    return args


def run(command, cwd, timeout=300):
    """Run a command; return (exit code, stdout, stderr)."""
    env = dict(os.environ)
    env.update(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
               OMPI_MCA_rmaps_base_oversubscribe="1")
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True,
                            timeout=timeout, env=env, errors="replace")
    return result.returncode, result.stdout, result.stderr


def mpirun(np, args):
    return ["mpirun", "-np", str(np), "--oversubscribe"] + args


class Checker:
    """Collects failures so that one run reports all of them."""

    def __init__(self):
        self.failures = []
        self.count = 0

    def check(self, condition, message):
        self.count += 1
        if not condition:
            self.failures.append(message)
            print("FAIL:", message)

    def finish(self):
        if self.failures:
            print(f"{len(self.failures)} of {self.count} checks failed")
            sys.exit(1)
        print(f"all {self.count} checks passed")
