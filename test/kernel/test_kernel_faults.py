"""The nasbook kernel survives user code and obeys interrupts, driven through jupyter_client (the reference client).

Run by test/kernel/faults.test.ts with JUPYTER_DATA_DIR pointing at a private kernelspec. Every interrupt case is
run in both interrupt modes: SIGINT (the kernelspec's interrupt_mode "signal", what KernelManager.interrupt_kernel
sends) and interrupt_request on the control channel.
"""
import os
import time

import pytest
from jupyter_client.manager import start_new_kernel

# How long a test waits for a condition (a deadline, not a timing target: latencies are printed, not asserted).
DEADLINE = 60.0


@pytest.fixture(scope="module")
def kernel():
    km, kc = start_new_kernel(kernel_name="nasbook", startup_timeout=120)
    yield km, kc
    kc.stop_channels()
    km.shutdown_kernel(now=True)


def reply_for(kc, msg_id, timeout=60):
    while True:
        r = kc.get_shell_msg(timeout=timeout)
        if r["parent_header"].get("msg_id") == msg_id:
            return r["content"]


def iopub_for(kc, msg_id, timeout=60):
    out = []
    while True:
        m = kc.get_iopub_msg(timeout=timeout)
        if m["parent_header"].get("msg_id") != msg_id:
            continue
        out.append(m)
        if m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
            return out


def run(kc, code, timeout=60, **kw):
    msg_id = kc.execute(code, **kw)
    reply = reply_for(kc, msg_id, timeout)
    return reply, iopub_for(kc, msg_id, timeout)


def text_of(messages):
    parts = []
    for m in messages:
        c = m["content"]
        if m["msg_type"] == "stream":
            parts.append(c["text"])
        elif "data" in c:
            parts.append(c["data"].get("text/plain", ""))
        elif m["msg_type"] == "error":
            parts.append(c["evalue"])
    return "\n".join(parts)


def interrupt(km, kc, mode):
    if mode == "signal":
        km.interrupt_kernel()
    else:
        kc.control_channel.send(kc.session.msg("interrupt_request", {}))


def wait_for_output(kc, msg_id, text, timeout=DEADLINE):
    """The iopub messages of `msg_id` until one of them shows `text` (the cell signals that it runs)."""
    seen = []
    end = time.time() + timeout
    while not any(text in (m["content"].get("text", "") + str(m["content"].get("data", {}).get("text/plain", ""))) for m in seen):
        assert time.time() < end, f"no output {text!r} within {timeout} s"
        m = kc.get_iopub_msg(timeout=max(0.05, end - time.time()))
        if m["parent_header"].get("msg_id") == msg_id:
            seen.append(m)
    return seen


def wait_for_message(kc, msg_id, msg_type, timeout=DEADLINE):
    """The iopub messages of `msg_id` until one of type `msg_type`."""
    seen = []
    end = time.time() + timeout
    while not any(m["msg_type"] == msg_type for m in seen):
        assert time.time() < end, f"no {msg_type} within {timeout} s"
        m = kc.get_iopub_msg(timeout=max(0.05, end - time.time()))
        if m["parent_header"].get("msg_id") == msg_id:
            seen.append(m)
    return seen


def interrupt_until_replied(km, kc, mode, msg_id, timeout=DEADLINE):
    """Interrupts until the request is answered (the first interrupt may come before the cell runs); returns the
    reply and the seconds from the first interrupt."""
    t0 = time.time()
    while True:
        interrupt(km, kc, mode)
        try:
            r = kc.get_shell_msg(timeout=0.25)
        except Exception:
            assert time.time() - t0 < timeout, "not answered"
            continue
        if r["parent_header"].get("msg_id") == msg_id:
            return r["content"], time.time() - t0


def later_output(kc, seconds):
    """Every iopub message that arrives within `seconds` (background output lands after the request's idle)."""
    out = []
    end = time.time() + seconds
    while time.time() < end:
        try:
            out.append(kc.get_iopub_msg(timeout=max(0.05, end - time.time())))
        except Exception:
            break
    return out


def test_background_errors_are_reported_on_their_cell_and_values_survive(kernel):
    km, kc = kernel
    assert run(kc, "const kept = 41; kept + 1")[0]["status"] == "ok"
    reply, out = run(kc, "setTimeout(() => { throw new Error('boom from a timer') }, 200);\n"
                         "Promise.reject(new Error('forgotten rejection'));\n'started'")
    assert reply["status"] == "ok"
    late = later_output(kc, 2.0)
    # Printed while the request runs: stderr streams; after its reply: the cell's one updatable display (see
    # src/notebook/outputRouter.ts), under the same request.
    stderr = [m for m in out + late if (m["msg_type"] == "stream" and m["content"]["name"] == "stderr")
              or (m["msg_type"] in ("display_data", "update_display_data") and "Error" in str(m["content"]["data"].get("text/plain", "")))]
    texts = "\n".join(m["content"].get("text") or m["content"]["data"]["text/plain"] for m in stderr)
    assert "forgotten rejection" in texts and "boom from a timer" in texts, texts
    # Attributed to the cell that started the work (its async context), under that cell's request.
    assert "Unhandled promise rejection in the background work of the cell `" in texts
    assert "Uncaught exception in the background work of the cell `" in texts
    parents = {m["parent_header"]["msg_id"] for m in stderr}
    assert len(parents) == 1, parents
    assert km.is_alive()
    reply, out = run(kc, "kept")
    assert reply["status"] == "ok" and "41" in text_of(out)


def test_process_exit_in_a_cell_is_refused_and_the_kernel_lives(kernel):
    km, kc = kernel
    reply, out = run(kc, "process.exit(3)")
    assert reply["status"] == "error" and "process.exit(3) was called in the cell `process.exit(3)`" in reply["evalue"]
    reply, _ = run(kc, "setTimeout(() => process.exit(1), 50); 'scheduled'")
    assert reply["status"] == "ok"
    late = later_output(kc, 1.5)
    assert any("process.exit(1) was called in the cell" in (m["content"].get("text", "") + str(m["content"].get("data", {}).get("text/plain", ""))) for m in late)
    assert km.is_alive()
    assert "41" in text_of(run(kc, "kept")[1])


# Each prints "running" once it runs, then waits or busies for 30 s (the test interrupts when it sees the print).
FLUSH = "console.log('running');\nawait new Promise((r) => setImmediate(r));\nawait new Promise((r) => setImmediate(r));\n"
BUSY_AFTER_AWAIT = FLUSH + "await null;\nconst t0 = Date.now();\nwhile (Date.now() - t0 < 30000) {}\n'ran to the end'"
BUSY_SYNC = "const t1 = Date.now();\nwhile (Date.now() - t1 < 30000) {}\n'ran to the end'"
AWAIT_IGNORING_SIGNAL = FLUSH + "await new Promise((r) => setTimeout(r, 30000));\n'ran to the end'"


@pytest.mark.parametrize("mode", ["signal", "message"])
@pytest.mark.parametrize("code", [BUSY_AFTER_AWAIT, BUSY_SYNC, AWAIT_IGNORING_SIGNAL], ids=["busy-after-await", "busy-sync", "await-ignoring-signal"])
def test_interrupt_stops_a_cell_at_once_and_keeps_state(kernel, mode, code):
    km, kc = kernel
    msg_id = kc.execute(code)
    # A synchronous cell cannot say that it runs: its interrupts start once the kernel has its request.
    if "running" in code:
        wait_for_output(kc, msg_id, "running")
    else:
        wait_for_message(kc, msg_id, "execute_input")
    # A busy cell must not look like a dead kernel.
    assert kc.hb_channel.is_beating()
    reply, took = interrupt_until_replied(km, kc, mode, msg_id)
    print(f"interrupt ({mode}) answered in {took:.2f} s")
    assert reply["status"] == "error" and "interrupted" in reply["evalue"].lower(), reply
    iopub_for(kc, msg_id)
    assert "41" in text_of(run(kc, "kept")[1])


@pytest.mark.parametrize("mode", ["signal", "message"])
def test_interrupt_while_type_checking_stops_the_cell_before_it_runs(kernel, mode):
    km, kc = kernel
    # Enough declarations that compiling takes a while; the loop would run 30 s if the interrupt were lost.
    decls = "\n".join(f"const tc{mode}{i}: {{ a: number; b: string }} = {{ a: {i}, b: '{i}' }};" for i in range(1500))
    msg_id = kc.execute(decls + "\nconst t2 = Date.now();\nwhile (Date.now() - t2 < 30000) {}\n'ran to the end'")
    # execute_input is published before compiling: interrupt the moment the kernel has started on the request.
    seen = []
    while not any(m["msg_type"] == "execute_input" for m in seen):
        m = kc.get_iopub_msg(timeout=30)
        if m["parent_header"].get("msg_id") == msg_id:
            seen.append(m)
    interrupt(km, kc, mode)
    reply = reply_for(kc, msg_id, timeout=25)
    assert reply["status"] == "error" and "interrupted" in reply["evalue"].lower(), reply
    if not any(m["msg_type"] == "status" and m["content"]["execution_state"] == "idle" for m in seen):
        iopub_for(kc, msg_id)


@pytest.mark.parametrize("mode", ["signal", "message"])
def test_interrupt_during_the_first_library_type_check_stops_it(mode):
    # A fresh kernel: its first `nas` cell parses and checks the library's types, seconds on a loaded machine
    # (an interrupt used to wait for all of it). The loop would run 30 s if the interrupt were lost.
    km, kc = start_new_kernel(kernel_name="nasbook", startup_timeout=120)
    try:
        space = "const firstSpace = nas.chainSpace({ maxConv: 1, filters: [8], kernels: [3], units: [16] });"
        msg_id = kc.execute(space + "\nconst t4 = Date.now();\nwhile (Date.now() - t4 < 30000) {}\n'ran to the end'")
        seen = []
        while not any(m["msg_type"] == "execute_input" for m in seen):
            m = kc.get_iopub_msg(timeout=30)
            if m["parent_header"].get("msg_id") == msg_id:
                seen.append(m)
        reply, took = interrupt_until_replied(km, kc, mode, msg_id)
        print(f"interrupt during the first library check ({mode}) answered in {took:.2f} s")
        assert reply["status"] == "error" and "interrupted" in reply["evalue"].lower(), reply
        # Nothing of the interrupted version ran or stuck: the cell sent again checks to the end and runs.
        reply, out = run(kc, space + "\n'checked'", timeout=120)
        assert reply["status"] == "ok" and "checked" in text_of(out), (reply, text_of(out))
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


@pytest.mark.parametrize("mode", ["signal", "message"])
def test_interrupted_request_aborts_the_queue_under_stop_on_error(kernel, mode):
    km, kc = kernel
    first = kc.execute(BUSY_AFTER_AWAIT.replace("t0", "t3"), stop_on_error=True)
    queued = kc.execute("'must not run'", stop_on_error=True)
    wait_for_output(kc, first, "running")
    reply, _ = interrupt_until_replied(km, kc, mode, first)
    assert reply["status"] == "error"
    queued_reply = reply_for(kc, queued, timeout=15)
    assert queued_reply["status"] == "aborted", queued_reply
    iopub_for(kc, queued)
    assert "41" in text_of(run(kc, "kept")[1])


@pytest.mark.parametrize("mode", ["signal", "message"])
def test_interrupt_stops_a_running_search_and_its_training(kernel, mode):
    km, kc = kernel
    setup = [
        f"const data{mode} = nas.syntheticSplits({{ seed: 1 }});\n"
        f"const space{mode} = nas.chainSpace({{ maxConv: 2, filters: [8, 16], kernels: [3], units: [32] }});\n"
        f"const evaluator{mode} = nas.trainEvaluator({{ data: data{mode}, build: (arch: nas.ChainArch, opts) => nas.chainModel(arch, opts, space{mode}),"
        " train: { epochs: 50, batchSize: 16, optimizer: 'adam', learningRate: 1e-3 } });\n'ready'",
    ]
    for code in setup:
        reply, out = run(kc, code, timeout=120)
        assert reply["status"] == "ok", (reply, text_of(out))
    msg_id = kc.execute(
        f"const events{mode} = nas.search({{ space: space{mode}, strategy: nas.randomSearch(), evaluator: evaluator{mode},"
        f" budget: {{ queries: 1000 }}, seed: 1, signal, startedEvent: true }});\nevents{mode}"
    )
    # The search shows its started event: it runs.
    wait_for_output(kc, msg_id, "started")
    reply, took = interrupt_until_replied(km, kc, mode, msg_id)
    print(f"interrupt of a running search ({mode}) answered in {took:.2f} s")
    out = iopub_for(kc, msg_id, timeout=30)
    assert "interrupted" in (reply.get("evalue", "") + text_of(out)).lower(), (reply, text_of(out))
    assert "41" in text_of(run(kc, "kept")[1])
