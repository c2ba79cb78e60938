#!/usr/bin/env python3
"""Sandbox start-up and reload latency.

1. start → outputs: time from spawning `ampbase sandbox` on an app with a 50-model schema
   until amplify_outputs.json has been written (target ≤ 300 ms);
2. save → outputs: with the sandbox running, time from saving a change to the data schema
   until amplify_outputs.json holds the change (target ≤ 100 ms).

Medians of several runs, printed as a table.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCHEMA = os.path.join(ROOT, "conformance", "schemas")

BACKEND_TS = """import { defineBackend } from '@aws-amplify/backend';
import { auth } from './auth/resource';
import { data } from './data/resource';

defineBackend({ auth, data });
"""
AUTH_TS = """import { defineAuth } from '@aws-amplify/backend';

export const auth = defineAuth({ loginWith: { email: true } });
"""


def fifty_model_schema():
    for name in sorted(os.listdir(SCHEMA)):
        if "fifty-models" in name and name.endswith(".ts"):
            return os.path.join(SCHEMA, name)
    sys.exit("no *fifty-models*.ts schema in conformance/schemas")


def make_app(schema_path):
    app = tempfile.mkdtemp(prefix="ampbase-bench-")
    os.makedirs(os.path.join(app, "amplify", "auth"))
    os.makedirs(os.path.join(app, "amplify", "data"))
    with open(os.path.join(app, "amplify", "backend.ts"), "w") as f:
        f.write(BACKEND_TS)
    with open(os.path.join(app, "amplify", "auth", "resource.ts"), "w") as f:
        f.write(AUTH_TS)
    shutil.copy(schema_path, os.path.join(app, "amplify", "data", "resource.ts"))
    with open(os.path.join(app, "package.json"), "w") as f:
        f.write('{"name": "bench-app", "private": true}\n')
    return app


def wait_for(predicate, timeout=10.0):
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if predicate():
            return time.perf_counter()
        time.sleep(0.0005)
    raise TimeoutError("the sandbox did not write its outputs in time")


def read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return None


def start_sandbox(binary, app):
    return subprocess.Popen(
        [binary, "sandbox", "--identifier", "bench", "--yes"],
        cwd=app, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
    )


def bench_start(binary, app, runs):
    outputs = os.path.join(app, "amplify_outputs.json")
    times = []
    for _ in range(runs):
        if os.path.exists(outputs):
            os.remove(outputs)
        t0 = time.perf_counter()
        proc = start_sandbox(binary, app)
        try:
            t1 = wait_for(lambda: read(outputs) not in (None, ""))
        finally:
            proc.terminate()
            proc.wait()
        times.append((t1 - t0) * 1000)
    return times


def bench_reload(binary, app, runs):
    outputs = os.path.join(app, "amplify_outputs.json")
    resource = os.path.join(app, "amplify", "data", "resource.ts")
    original = read(resource)
    anchor = ".model({"
    if anchor not in original:
        sys.exit(f"cannot find '{anchor}' in the schema to edit")
    if os.path.exists(outputs):
        os.remove(outputs)
    proc = start_sandbox(binary, app)
    times = []
    try:
        wait_for(lambda: read(outputs) not in (None, ""))
        time.sleep(0.3)
        for i in range(runs):
            field = f"benchField{i}"
            edited = original.replace(anchor, f"{anchor}\n      {field}: a.string(),", 1)
            t0 = time.perf_counter()
            with open(resource, "w") as f:
                f.write(edited)
            t1 = wait_for(lambda: field in (read(outputs) or ""))
            times.append((t1 - t0) * 1000)
            time.sleep(0.1)
    finally:
        with open(resource, "w") as f:
            f.write(original)
        proc.terminate()
        proc.wait()
    return times


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", required=True)
    parser.add_argument("--runs", type=int, default=11)
    args = parser.parse_args()
    app = make_app(fifty_model_schema())
    try:
        start = bench_start(args.binary, app, args.runs)
        reload = bench_reload(args.binary, app, args.runs)
    finally:
        shutil.rmtree(app, ignore_errors=True)
    rows = [
        ("sandbox start → outputs written (50 models)", start, 300),
        ("saved change → outputs rewritten (50 models)", reload, 100),
    ]
    print()
    print(f"| measurement | runs | median ms | min ms | max ms | target ms | met |")
    print(f"| --- | --- | --- | --- | --- | --- | --- |")
    for name, times, target in rows:
        median = statistics.median(times)
        print(f"| {name} | {len(times)} | {median:.1f} | {min(times):.1f} | {max(times):.1f} | ≤ {target} | {'yes' if median <= target else 'NO'} |")


if __name__ == "__main__":
    main()
