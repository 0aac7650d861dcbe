"""The background worker: lazy start, stop, inline passes, and no threads outliving their app."""
import gc

from checkout.simulator import create_app
from checkout.simulator.runtime import EXTENSION

from .conftest import base_config, order


def test_no_thread_before_the_first_request_and_none_after_the_app_is_gone(tmp_path):
    app = create_app(base_config(tmp_path, None, "lifecycle"))
    worker = app.extensions[EXTENSION].worker
    assert worker._thread is None  # creating the app starts nothing
    app.test_client().get("/simulator/faults")
    threads = [worker._thread, *worker._senders]
    assert all(thread.is_alive() for thread in threads)
    del app, worker
    gc.collect()
    for thread in threads:
        thread.join(5)
    assert not any(thread.is_alive() for thread in threads)


def test_a_stopped_worker_stays_stopped(tmp_path):
    app = create_app(base_config(tmp_path, None, "stopped"))
    client = app.test_client()
    client.get("/simulator/faults")
    simulator = app.extensions[EXTENSION]
    simulator.stop()
    client.get("/simulator/faults")
    assert simulator.worker._thread is None


def test_run_once_does_the_work_inline_when_the_background_is_off(make_sim, receiver):
    sim = make_sim(SIMULATOR_BACKGROUND=False)
    answer = sim.charged(order("qris"))
    [record] = sim.deliveries(order_id=answer["order_id"])
    assert record["state"] == "due" and receiver.at("/notify") == []
    sim.app.extensions[EXTENSION].worker.run_once()
    assert receiver.at("/notify")[0].json["order_id"] == answer["order_id"]
    assert sim.deliveries(order_id=answer["order_id"])[0]["state"] == "delivered"
