"""Run All with a live search, and an edit that restarts it within a trial, through jupyter_client.

Run by test/kernel/liveSearch.test.ts, which writes the notebook's cells (liveSearchNotebook.ts) to the JSON file
named by NASBOOK_LIVE_SEARCH and points JUPYTER_DATA_DIR at a private kernelspec.

As JupyterLab's Run All does, every cell's execute_request is sent at once, each with `metadata.cellId`. Outputs are
followed as a Jupyter client shows them: a display_data with a display id is routed by that id, whichever request an
update_display_data comes under. Every wait polls iopub with a deadline.
"""
import json
import os
import time

import pytest
from jupyter_client.manager import start_new_kernel

SPEC = json.load(open(os.environ["NASBOOK_LIVE_SEARCH"]))
CELLS = SPEC["cells"]
EDITED_SPACE = SPEC["editedSpace"]
QUERIES = 24
DEADLINE = 900  # seconds, for each wait (a loaded 2-core machine trains slowly); never a bound on correctness


@pytest.fixture
def kernel():
    km, kc = start_new_kernel(kernel_name="nasbook", startup_timeout=180)
    yield km, kc
    kc.stop_channels()
    km.shutdown_kernel(now=True)


def send_execute(kc, code, cell_id):
    """An execute_request as JupyterLab sends it: with the cell's id in the metadata. Returns its msg_id."""
    content = {"code": code, "silent": False, "store_history": True, "user_expressions": {}, "allow_stdin": False, "stop_on_error": True}
    msg = kc.session.msg("execute_request", content)
    msg["metadata"]["cellId"] = cell_id
    kc.shell_channel.send(msg)
    return msg["header"]["msg_id"]


class Shown:
    """What a Jupyter client shows in each cell, built from iopub."""

    def __init__(self, kc):
        self.kc = kc
        self.cell_of_request = {}
        self.cell_of_display = {}
        self.displays_of_cell = {}
        self.text = {}  # cell -> text/plain it shows now (its last output)
        self.changes = {}  # cell -> every text it showed, in order, without repeats
        self.errors = []
        self.failed = []  # (cell, status) of execute_replies other than ok

    def request(self, cell_id, code):
        self.cell_of_request[send_execute(self.kc, code, cell_id)] = cell_id

    def show(self, cell, text):
        self.text[cell] = text
        seen = self.changes.setdefault(cell, [])
        if not seen or seen[-1] != text:
            seen.append(text)

    def pump(self, timeout):
        while True:  # replies: a failed or aborted cell ends the wait at once
            try:
                r = self.kc.get_shell_msg(timeout=0)
            except Exception:
                break
            if r["msg_type"] == "execute_reply" and r["content"]["status"] != "ok":
                self.failed.append((self.cell_of_request.get(r["parent_header"].get("msg_id")), r["content"]["status"]))
        try:
            m = self.kc.get_iopub_msg(timeout=timeout)
        except Exception:
            return
        t, c = m["msg_type"], m["content"]
        cell = self.cell_of_request.get(m["parent_header"].get("msg_id"))
        display_id = (c.get("transient") or {}).get("display_id")
        if t in ("display_data", "execute_result") and cell is not None:
            if display_id:
                self.cell_of_display[display_id] = cell
                self.displays_of_cell.setdefault(cell, set()).add(display_id)
            self.show(cell, c["data"].get("text/plain", ""))
        elif t == "update_display_data" and display_id in self.cell_of_display:
            self.show(self.cell_of_display[display_id], c["data"].get("text/plain", ""))
        elif t == "error":
            self.errors.append((cell, c["ename"], c["evalue"]))

    def wait(self, what, check):
        end = time.time() + DEADLINE
        while True:
            v = check()
            if v:
                return v
            assert not self.failed, f"{what}: cells failed {self.failed}; errors: {self.errors}; shown: {self.text}"
            if time.time() > end:
                raise AssertionError(f"{what}: not reached within {DEADLINE} s; shown: {self.text}; errors: {self.errors}")
            self.pump(0.2)


def reader_line(text):
    """'<size> architectures: <n> trials[, done]' -> (size, n, done)."""
    head, _, rest = text.strip().partition(" architectures: ")
    n, _, done = rest.partition(" trials")
    return (head, int(n), done == ", done") if n.isdigit() else None


def test_run_all_streams_live_and_an_edit_restarts_the_search_within_a_trial(kernel):
    km, kc = kernel
    shown = Shown(kc)
    for cell in CELLS:  # Run All: every request at once
        shown.request(cell["id"], cell["source"])

    # The reader shows the search's progress while it runs: several different lines before the search ends.
    def progress():
        lines = [reader_line(t) for t in shown.changes.get("reader", [])]
        assert all(line is not None for line in lines), f"reader shows something else: {shown.changes.get('reader')}"
        assert not any(line[2] for line in lines), f"the search ended before the reader showed progress: {shown.changes['reader']}"
        return lines if len(lines) >= 3 else None

    lines = shown.wait("the reader shows 3 different progress lines", progress)
    first_size = lines[0][0]
    assert [n for _, n, _ in lines] == sorted(n for _, n, _ in lines), lines

    # The edit of the space cell, as JupyterLab sends it while the search runs.
    sent_at = time.time() * 1000
    shown.request("space", EDITED_SPACE)

    def new_search():
        line = reader_line(shown.text.get("reader", ""))
        return line if line and line[0] != first_size and line[1] >= 1 else None

    edited = shown.wait("the reader shows the search over the edited space", new_search)
    shown.request("probe", "JSON.stringify(trials)")
    probe = shown.wait("the probe cell shows the trial log", lambda: shown.text.get("probe"))
    trials = json.loads(probe)

    old = trials[first_size]
    started_after = [t for t in old["started"] if t > sent_at]
    finished_after = [t for t in old["finished"] if t > sent_at]
    summary = f"old search: {len(old['finished'])} trials recorded, {len(started_after)} started and {len(finished_after)} recorded after the edit was sent; reader: {shown.changes['reader']}"
    assert len(old["finished"]) < QUERIES, summary
    assert len(finished_after) <= 1, summary
    assert len(started_after) <= 1, summary
    assert len(trials[edited[0]]["finished"]) >= 1, trials
    # Updated in place: the reader kept one output (one display id) through both searches.
    assert len(shown.displays_of_cell["reader"]) == 1, shown.displays_of_cell
    assert shown.errors == [], shown.errors
    print(summary)
