"""Data-parallel training with ZeRO on 2 MPI ranks against one process.

    check_zero.py --tessel-run BIN --mpirun BIN --artifact A.tsl
        --data corpus.txt --tmp DIR

Every run trains the same global batches (--batch 4, --seq 32). Checks:

- each ZeRO stage (0-3) on 2 ranks: per-step losses within 1e-6 relative of
  the one-process run's; final weights within 1e-6 with SGD (momentum
  0.9). With AdamW within 1e-5, and not the key biases: the ranks sum
  their gradients in another order than one process does, and Adam divides
  each gradient by its own running magnitude, so an element whose gradient
  is rounding noise (a key bias's is exactly 0: softmax ignores a shift
  shared by all keys) moves by noise times the learning rate;
  what rank 0 holds equals ZeRO's per-rank formula for
  f32 training (parameters 4, gradients 4, Adam's state 8 bytes per
  element, each stage sharding one more of them, shards of
  floor(Psi r / N)); the collectives move 2 Psi elements per step;
- stages 0 and 3 with every collective split into parts of 1000 elements
  (as one of more than 2^31 - 1 elements would be) give the same run;
- --accumulate 2 (one process, and 2 ranks) gives the same run;
- a sharded checkpoint (2 ranks) resumed on 1 process, and a one-process
  checkpoint resumed on 2 ranks at stage 3, end where the straight run
  does; `tessel-run consolidate` writes it as one file that loads as
  --weights;
- a rank killed mid-run ends the job (non-zero, within 60 s) and leaves
  the last checkpoint whole; a rank that stops answering makes the other
  exit within --comm-timeout with a message saying so.

Prints one line per check; exits 1 at the first failure.
"""

import argparse
import json
import os
import signal
import struct
import subprocess
import sys
import time

import numpy as np

ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1",
           OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1", OMP_NUM_THREADS="1",
           OMPI_MCA_btl_vader_single_copy_mechanism="none")


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        out[name] = np.frombuffer(data[begin:end], np.float32).reshape(
            entry["shape"])
    return out, header.get("__metadata__", {})


def children(pid):
    """The processes whose parent is `pid`, from /proc (no procps)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                # pid (comm) state ppid ...: comm may hold spaces.
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(entry))
    return sorted(found)


def fail(message):
    sys.exit(f"FAIL: {message}")


def run(command, expect=0):
    r = subprocess.run(command, capture_output=True, text=True, env=ENV,
                       timeout=300)
    if expect is not None and r.returncode != expect:
        sys.stderr.write(r.stderr)
        fail(f"{' '.join(command)} exited with {r.returncode}")
    return r


def losses(path):
    with open(path) as f:
        return [json.loads(line)["loss"] for line in f]


def compare(name, ref, got, adam):
    a, b = losses(ref + ".jsonl"), losses(got + ".jsonl")
    if len(a) != len(b):
        fail(f"{name}: {len(b)} steps logged, the reference {len(a)}")
    rel = max(abs(x - y) / abs(x) for x, y in zip(a, b))
    if rel > 1e-6:
        fail(f"{name}: losses differ by {rel:.3g} relative (> 1e-6)")
    wa, _ = read_safetensors(ref + ".safetensors")
    wb, _ = read_safetensors(got + ".safetensors")
    if set(wa) != set(wb):
        fail(f"{name}: saved other tensors than the reference")
    worst, where = 0.0, ""
    for key in wa:
        if adam and key.endswith("k_proj.bias"):
            continue
        d = float(np.max(np.abs(wa[key] - wb[key])))
        if d > worst:
            worst, where = d, key
    bound = 1e-5 if adam else 1e-6
    if worst > bound:
        fail(f"{name}: weight {where} differs by {worst:.3g} (> {bound})")
    print(f"ok: {name}: losses within {rel:.2g}, weights within {worst:.2g}")


def check_report(name, stderr, stage, ranks, psi):
    """The memory and communication lines against the formulas."""
    memory = [l for l in stderr.splitlines() if "rank 0 holds" in l]
    volume = [l for l in stderr.splitlines() if "communication per step" in l]
    if not memory or not volume:
        fail(f"{name}: no memory or communication report:\n{stderr}")
    words = memory[0].replace(",", "").split()
    held = {k: int(words[words.index(k) + 1])
            for k in ("parameters", "gradients", "state")}
    shard = psi * 1 // ranks  # rank 0's: floor(Psi * 1 / N)
    expected = {"parameters": 4 * (shard if stage >= 3 else psi),
                "gradients": 4 * (shard if stage >= 2 else psi),
                "state": 8 * (shard if stage >= 1 else psi)}
    if held != expected:
        fail(f"{name}: rank 0 holds {held}, the formula says {expected}")
    elements = int(volume[0].split("step: ")[1].split()[0])
    if elements != 2 * psi:
        fail(f"{name}: {elements} elements per step, not 2 Psi = {2 * psi}")
    print(f"ok: {name}: rank 0 holds {sum(held.values())} bytes as the "
          f"formula says; {elements} = 2 Psi elements per step")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--tessel-run", required=True)
    p.add_argument("--mpirun", required=True)
    p.add_argument("--artifact", required=True)
    p.add_argument("--data", required=True)
    p.add_argument("--tmp", required=True)
    args = p.parse_args()
    os.makedirs(args.tmp, exist_ok=True)
    t = lambda name: os.path.join(args.tmp, name)
    mpi = [args.mpirun, "--oversubscribe", "-np", "2"]
    common = [args.tessel_run, "train", args.artifact, "--data", args.data,
              "--seed", "0", "--steps", "6", "--batch", "4", "--seq", "32",
              "--lr", "3e-3", "--warmup", "2", "--schedule", "cosine",
              "--clip", "1.0", "--weight-decay", "0.1"]

    def train(name, extra, launcher=(), expect=0):
        return run(list(launcher) + common + extra +
                   ["--log", t(name + ".jsonl"),
                    "--save", t(name + ".safetensors")], expect)

    train("one", [])
    with open(os.path.join(args.artifact, "manifest.json")) as f:
        manifest = json.load(f)
    grads = [e for e in manifest["entry_points"].values()
             if e["kind"] == "grads"][0]
    sizes = {p["name"]: int(np.prod(p["shape"]))
             for p in manifest["parameters"]}
    psi = sum(sizes[r["name"][5:]] for r in grads["results"]
              if r["name"].startswith("grad."))

    sgd = ["--optimizer", "sgd", "--momentum", "0.9"]
    train("sgd", sgd)
    for stage in range(4):
        r = train(f"zero{stage}", ["--zero", str(stage)], mpi)
        compare(f"stage {stage} on 2 ranks, AdamW", t("one"),
                t(f"zero{stage}"), True)
        check_report(f"stage {stage}", r.stderr, stage, 2, psi)
        train(f"sgd{stage}", sgd + ["--zero", str(stage)], mpi)
        compare(f"stage {stage} on 2 ranks, SGD", t("sgd"), t(f"sgd{stage}"),
                False)

    # Collectives split into parts of 1000 elements (what a part of more
    # than 2^31 - 1 elements takes): all-reduce in parts (stage 0),
    # reduce-scatter and all-gather as per-rank reduces and broadcasts
    # (stage 3).
    parts = mpi + ["-x", "TESSEL_MPI_MAX_COUNT=1000"]
    for stage in (0, 3):
        train(f"parts{stage}", ["--zero", str(stage)], parts)
        compare(f"stage {stage} on 2 ranks, collectives in parts of 1000",
                t("one"), t(f"parts{stage}"), True)

    train("acc", sgd + ["--accumulate", "2"])
    compare("--accumulate 2", t("sgd"), t("acc"), False)
    train("acc2", sgd + ["--accumulate", "2", "--zero", "1"], mpi)
    compare("--accumulate 2 on 2 ranks", t("sgd"), t("acc2"), False)

    # 2 ranks -> 1 process, through a sharded checkpoint.
    ck = t("ck")
    train("resume1", ["--zero", "2", "--stop-after", "3", "--checkpoint", ck],
          mpi)
    names = sorted(os.listdir(ck))
    if names != ["index.json", "rank-0-of-2.safetensors",
                 "rank-1-of-2.safetensors"]:
        fail(f"sharded checkpoint holds {names}")
    train("resume1", ["--resume", ck])
    compare("stage 2 on 2 ranks, resumed on 1", t("one"), t("resume1"), True)
    # 1 process -> 2 ranks at stage 3, through a one-file checkpoint.
    train("resume2", ["--stop-after", "3", "--checkpoint", t("ck1.st")])
    train("resume2", ["--zero", "3", "--resume", t("ck1.st"),
                      "--checkpoint", t("ck3")], mpi)
    compare("1 process, resumed at stage 3 on 2 ranks", t("one"),
            t("resume2"), True)
    run([args.tessel_run, "consolidate", t("ck3"), "--out", t("ck3.st")])
    tensors, metadata = read_safetensors(t("ck3.st"))
    state = json.loads(metadata["tessel.train"])
    missing = [n for n in sizes if n not in tensors]
    if missing or state["step"] != 6 or not any(
            n.startswith("optimizer.first.") for n in tensors):
        fail(f"consolidated checkpoint: missing {missing}, step "
             f"{state['step']}")
    saved, _ = read_safetensors(t("resume2.safetensors"))
    if any(not np.array_equal(saved[n], tensors[n]) for n in sizes):
        fail("the consolidated parameters are not those saved")
    print("ok: consolidate: one file with every parameter by name, the "
          "optimizer state and the step")

    # A rank killed mid-run, then a rank that stops answering.
    for how, sig in (("killed", signal.SIGKILL), ("stopped", signal.SIGSTOP)):
        ck = t("ck-" + how)
        command = mpi + [args.tessel_run, "train", args.artifact, "--data",
                         args.data, "--seed", "0", "--steps", "1000000",
                         "--batch", "4", "--seq", "32", "--zero", "1",
                         "--checkpoint", ck, "--checkpoint-every", "5",
                         "--log-every", "1000000", "--comm-timeout", "3"]
        proc = subprocess.Popen(command, env=ENV, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 120
        while not os.path.exists(os.path.join(ck, "index.json")):
            if time.time() > deadline or proc.poll() is not None:
                proc.kill()
                fail(f"{how}: no checkpoint was written")
            time.sleep(0.1)
        ranks = children(proc.pid)
        if len(ranks) != 2:
            proc.kill()
            fail(f"{how}: mpirun has {len(ranks)} children, not 2 ranks")
        os.kill(ranks[1], sig)
        start = time.time()
        try:
            _, err = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            fail(f"{how}: the run still runs 60 s after a rank was {how}")
        finally:
            for pid in ranks:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        took = time.time() - start
        if proc.returncode == 0:
            fail(f"{how}: mpirun exited 0 after a rank was {how}")
        if how == "stopped" and "did not complete in time" not in err:
            fail(f"stopped: no message about the collective:\n{err}")
        run([args.tessel_run, "consolidate", ck, "--out", t(how + ".st")])
        _, metadata = read_safetensors(t(how + ".st"))
        step = json.loads(metadata["tessel.train"])["step"]
        if step % 5:
            fail(f"{how}: the checkpoint is at step {step}")
        print(f"ok: a rank {how}: the job ended in {took:.1f} s (exit "
              f"{proc.returncode}); the checkpoint of step {step} is whole")


if __name__ == "__main__":
    main()
