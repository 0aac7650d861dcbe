"""Races settled by the store: concurrent requests, and several processes on one file."""
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from .conftest import Sim, new_order_id, order

ROOT = Path(__file__).resolve().parents[2]


def test_concurrent_settles_settle_once(sim, receiver):
    answer = sim.charged(order("qris"))
    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(lambda _: sim.control(answer["order_id"], "settle").status_code, range(8)))
    assert sorted(codes) == [200] + [409] * 7
    statuses = [r["payload"]["transaction_status"] for r in sim.deliveries(order_id=answer["order_id"])]
    assert statuses == ["settlement", "pending"]


def test_concurrent_charges_of_one_order_id_create_one_transaction(sim):
    order_id = new_order_id()
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: sim.charge(order("qris", order_id=order_id)).json()["status_code"], range(8)))
    assert sorted(answers) == ["201"] + ["406"] * 7


def test_concurrent_refunds_never_exceed_the_amount(sim):
    answer = sim.charged(order("qris", amount=100000))
    sim.settle(answer["order_id"])

    def refund(n):
        return sim.action(answer["order_id"], "refund", {"refund_key": f"k{n}", "amount": 30000}).json()["status_code"]

    with ThreadPoolExecutor(6) as pool:
        codes = list(pool.map(refund, range(6)))
    assert sorted(codes) == ["200"] * 3 + ["414"] * 3
    assert sim.status(answer["order_id"])["refund_amount"] == "90000.00"


SECOND_PROCESS = textwrap.dedent("""
    import sys
    from werkzeug.serving import make_server
    from checkout.simulator import create_app
    app = create_app({"SIMULATOR_DATABASE": sys.argv[1], "SIMULATOR_NOTIFICATION_URL": sys.argv[2],
                      "SIMULATOR_POLL_INTERVAL": 0.02, "SIMULATOR_TIME_SCALE": 0.0001})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    print(server.server_port, flush=True)
    server.serve_forever()
""")


@pytest.fixture
def shared_database(tmp_path) -> str:
    return str(tmp_path / "shared.sqlite3")


@pytest.fixture
def second_process(shared_database, receiver):
    """Another OS process serving the simulator on the same SQLite file, as gunicorn would."""
    process = subprocess.Popen(
        [sys.executable, "-c", SECOND_PROCESS, shared_database, f"{receiver.url}/notify"],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )
    try:
        port = int(process.stdout.readline())
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(10)


def test_two_processes_share_the_store_and_deliver_each_notification_once(
        make_sim, shared_database, second_process, receiver):
    sim = make_sim(SIMULATOR_DATABASE=shared_database, SIMULATOR_POLL_INTERVAL=0.02)
    other = Sim(second_process, app=None)
    created = []
    for index in range(6):
        sim_for_call = sim if index % 2 else other
        created.append(sim_for_call.charged(order("qris"))["order_id"])
    for index, order_id in enumerate(created):
        (other if index % 2 else sim).settle(order_id)  # settle through the other process
    calls = receiver.wait(12)
    records = sim.wait_deliveries(lambda rs: len(rs) == 12 and all(r["state"] == "delivered" for r in rs))
    assert all(len(record["attempts"]) == 1 for record in records)
    assert len(receiver.at("/notify")) == 12 == len(calls)
    assert sorted(c.json["order_id"] for c in calls) == sorted(created * 2)
