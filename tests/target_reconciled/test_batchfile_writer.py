"""The batch file finds records by line; the writer runs one job at a time and hands its error back."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import msgspec
import pytest

from target_reconciled.batchfile import BatchFile
from target_reconciled.writer import Writer


def test_batch_file_lines_and_lookup(tmp_path: Path) -> None:
    batch_file = BatchFile(str(tmp_path))
    batch_file.add(3, None, msgspec.Raw(b'{"id":"a"}'))
    batch_file.add(7, 12, b'{"id":"b","n":[1,2]}')
    assert batch_file.describe() == "2 records from lines 3-7"
    batch = batch_file.close()
    assert batch.records == 2
    text = Path(batch.path).read_bytes().splitlines()
    assert text == [
        b'{"i":0,"l":3,"v":null,"r":{"id":"a"}}',
        b'{"i":1,"l":7,"v":12,"r":{"id":"b","n":[1,2]}}',
    ]
    assert batch.longest == max(len(line) + 1 for line in text)
    assert bytes(batch_file.record(7)) == b'{"id":"b","n":[1,2]}'
    assert bytes(batch_file.record(3)) == b'{"id":"a"}'
    with pytest.raises(KeyError):
        batch_file.record(5)
    batch_file.remove()
    assert not Path(batch.path).exists()


def test_writer_runs_jobs_one_after_the_other() -> None:
    writer, order = Writer(), []
    started, release = threading.Event(), threading.Event()

    def first() -> None:
        started.set()
        release.wait(5)
        order.append("first")

    writer.submit(first)
    started.wait(5)
    threading.Timer(0.2, release.set).start()
    writer.submit(lambda: order.append("second"))  # waits for the first
    writer.wait()
    assert order == ["first", "second"]


def test_writer_raises_a_failed_job_once() -> None:
    writer = Writer()

    def fail() -> None:
        raise RuntimeError("disk full")

    writer.submit(fail)
    with pytest.raises(RuntimeError, match="disk full"):
        writer.wait()
    writer.wait()  # reported once
    writer.submit(fail)
    with pytest.raises(RuntimeError, match="disk full"):
        writer.submit(lambda: None)  # the next submit reports it and does not run


def test_writer_counts_its_busy_time_and_the_time_waited_for_it() -> None:
    writer = Writer()
    writer.submit(lambda: time.sleep(0.3))
    writer.wait()  # waits about 0.3 s
    writer.submit(lambda: time.sleep(0.1))
    time.sleep(0.3)
    writer.wait()  # the job had ended: no wait
    assert writer.jobs == 2
    assert 0.4 <= writer.busy < 0.6
    assert 0.25 <= writer.waited < 0.4
