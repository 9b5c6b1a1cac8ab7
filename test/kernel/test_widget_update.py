"""A control moved through jupyter_client, as a widget front end moves it (run by test/kernel/widgetUpdate.test.ts).

The kernel opens a `jupyter.widget` comm for the slider (an IntSliderModel); the client sends that comm a
`comm_msg {method: "update", state: {value}}`. Exactly the cells that read the control re-run with the new value
(an update_display_data of their display, under the comm message), the kernel echoes the value (echo_update), and
the cells that do not read it send nothing. Every wait polls iopub with a deadline.
"""
import pytest
from jupyter_client.manager import start_new_kernel
from test_kernel_faults import iopub_for  # a request's iopub messages up to its idle

DEADLINE = 300  # seconds, for each wait (a loaded 2-core machine); never a bound on correctness
CELLS = [
    ("budget", 'const budget = nas.ui.range([10, 300], { value: 100, step: 10, label: "queries" });'),
    ("double", "`${budget * 2} half-queries`"),
    ("other", "const n = 7;\n`n is ${n}`"),
    ("both", "`${n} and ${budget}`"),
]


@pytest.fixture
def kernel():
    km, kc = start_new_kernel(kernel_name="nasbook", startup_timeout=180)
    yield kc
    kc.stop_channels()
    km.shutdown_kernel(now=True)


def execute(kc, cell_id, code):
    msg = kc.session.msg("execute_request", {"code": code, "silent": False, "store_history": True, "user_expressions": {}, "allow_stdin": False, "stop_on_error": True})
    msg["metadata"]["cellId"] = cell_id
    kc.shell_channel.send(msg)
    return iopub_for(kc, msg["header"]["msg_id"], DEADLINE)


def test_an_update_of_a_control_reruns_exactly_its_readers_with_the_new_value(kernel):
    kc = kernel
    display_of = {}  # cell -> the display id of what it shows
    slider = None
    for cell_id, code in CELLS:
        for m in execute(kc, cell_id, code):
            c = m["content"]
            assert m["msg_type"] != "error", c
            if m["msg_type"] == "comm_open" and c["target_name"] == "jupyter.widget" and c["data"]["state"].get("_model_name") == "IntSliderModel":
                assert m["metadata"].get("version") == "2.1.0", m["metadata"]
                slider = c["comm_id"]
            if m["msg_type"] in ("display_data", "execute_result"):
                display_id = (c.get("transient") or {}).get("display_id")
                if display_id:
                    display_of[cell_id] = display_id
    assert slider is not None, "the budget cell opened no IntSliderModel comm"
    assert {"double", "both"} <= display_of.keys(), display_of

    update = kc.session.msg("comm_msg", {"comm_id": slider, "data": {"method": "update", "state": {"value": 150}, "buffer_paths": []}})
    kc.shell_channel.send(update)
    got = iopub_for(kc, update["header"]["msg_id"], DEADLINE)

    cell_of = {d: cell for cell, d in display_of.items()}
    updated = {}
    for m in got:
        if m["msg_type"] == "update_display_data":
            cell = cell_of.get(m["content"]["transient"]["display_id"])
            updated[cell] = m["content"]["data"]["text/plain"]
    assert updated == {"double": "300 half-queries", "both": "7 and 150"}, updated
    outputs = [m["msg_type"] for m in got if m["msg_type"] in ("display_data", "execute_result", "stream", "error")]
    assert outputs == [], f"the move produced other outputs: {outputs}"
    echoes = [m["content"]["data"] for m in got if m["msg_type"] == "comm_msg" and m["content"]["comm_id"] == slider]
    assert {"method": "echo_update", "state": {"value": 150}, "buffer_paths": []} in echoes, echoes

    # The new value is the one every later cell sees.
    shown = [m["content"]["data"]["text/plain"] for m in execute(kc, "probe", "`${budget} ${n}`") if m["msg_type"] in ("display_data", "execute_result")]
    assert shown == ["150 7"], shown
