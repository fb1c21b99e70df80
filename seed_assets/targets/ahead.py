"""Tables generated and encoded ahead of the load, in forked worker processes.

A thread cannot overlap a driver that holds the GIL for each row it binds (sqlite3's
executemany): the generator thread and the loader take turns. So each table step of a run is
generated and encoded by a forked worker process, started while the tables before it load, and
its batches handed to the loading process as they come, ready for the driver: the loader only
unmarshals them. At most `workers` workers run at once, each at most `depth` batches ahead.

Rows are the same whatever the number of workers: a worker runs the same generator the loader
would (chunks are fixed by the spec, parents regenerated from it, never read from the target).

A batch travels in an anonymous memory file (``memfd``) whose descriptor is passed over a Unix
socket, with a small header; the loader answers each batch with a credit, so a worker blocks
rather than run more than `depth` batches ahead. Workers ignore Ctrl+C (the loader decides:
it cancels between batches and rolls back) and die with the loader.
"""

from __future__ import annotations

import gc
import marshal
import mmap
import os
import pickle
import signal
import socket
import warnings
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress

from seed_assets.engine.run import TableStep
from seed_assets.errors import TargetError
from seed_assets.targets.convert import Columns, EncodedRows
from seed_assets.targets.prefetch import threaded_ahead

HEADER_BYTES = 1 << 16


def available() -> bool:
    """Fork, memory files and descriptor passing exist here (Linux)."""
    return hasattr(os, "fork") and hasattr(os, "memfd_create") and hasattr(socket, "send_fds")


@contextmanager
def generated_ahead(target, steps: Iterable, *, workers: int | None = None) -> Iterator[Iterator]:
    """`steps` (``iter_plan``'s), with each ``TableStep``'s chunks made by a worker process as
    batches the target's ``_send`` takes, when the target asks for workers (``workers_ahead``)
    and the platform has them; otherwise `steps` with the next table made in a thread
    (``prefetch.threaded_ahead``). Workers still running when the
    block ends (an error, Ctrl+C) are stopped."""
    count = getattr(target, "workers_ahead", 0) if workers is None else workers
    if count < 1 or not available():
        # Drivers that release the GIL (COPY, INSERT) overlap a thread: the next table is made
        # in one while this one builds its keys and commits.
        threaded = threaded_ahead(iter(steps))
        try:
            yield threaded
        finally:
            threaded.close()
        return
    pool = _Pool(target, steps, count)
    try:
        yield iter(pool)
    finally:
        pool.close()


class EncodedStream:
    """A table's batches from its worker: ``EncodedRows`` in order, each already encoded."""

    def __init__(self, name: str, pid: int, sock: socket.socket, credits: int, on_batch) -> None:
        self.name = name
        self.pid = pid
        self.sock = sock
        self.credits = credits  # a pipe: closing it unread resets nothing (a socket would)
        self.on_batch = on_batch
        self.finished = False
        self.error: BaseException | None = None

    def __iter__(self) -> Iterator[EncodedRows]:
        while not self.finished:
            header, fds, _flags, _address = socket.recv_fds(self.sock, HEADER_BYTES, 1)
            if not header:
                self.finished = True
                raise TargetError(
                    f"table '{self.name}': its generation worker (process {self.pid}) stopped "
                    "without finishing; nothing of the table was committed"
                )
            kind, body, caught = pickle.loads(header)
            for message, category, filename, lineno in caught:
                warnings.warn_explicit(message, category, filename, lineno)
            if kind == "error":
                self.finished = True
                self.error = body
                raise body
            if kind == "done":
                self.finished = True
                return
            columns, size, form = body
            rows = _read(fds[0], size, form)
            with suppress(OSError):  # a worker that finished has exited: it wants no credit
                os.write(self.credits, b"c")  # one batch taken: the worker may make one more
            self.on_batch()
            yield EncodedRows(columns, rows)

    def outcome(self):
        """What the worker's `conclude` returned, after the last batch (the batches not taken
        yet are read and dropped first); its error raised again here."""
        for _ in self:
            pass
        if self.error is not None:
            raise self.error
        header, fds, _flags, _address = socket.recv_fds(self.sock, HEADER_BYTES, 1)
        if not header:
            raise TargetError(
                f"table '{self.name}': its generation worker (process {self.pid}) stopped "
                "before concluding"
            )
        kind, body, _caught = pickle.loads(header)
        if kind == "error":
            raise body
        return _read(fds[0], body, "pickle")


def worker_stream(
    target, frames: Iterable, table, name: str, conclude: Callable[[], object]
) -> EncodedStream:
    """`frames` made and encoded for `target` in a forked worker process, as the batches of
    one table; after the last, `conclude()` runs there and what it returns (pickled) is the
    stream's ``outcome()``. The worker dies with this process; ``close_worker`` ends it early.
    A Dagster step loads its table this way into SQLite: the step's process only binds rows
    while the worker makes them and runs the checks."""
    return _fork(target, _Frames(name, frames, table), _Pool.depth, (), conclude)


def close_worker(stream: EncodedStream) -> None:
    """Stop `stream`'s worker if it still runs, and release the stream's descriptors."""
    stream.sock.close()
    with suppress(OSError):
        os.close(stream.credits)
    with suppress(ProcessLookupError, ChildProcessError):
        os.kill(stream.pid, signal.SIGKILL)
    with suppress(ChildProcessError):
        os.waitpid(stream.pid, 0)


class _Frames:
    """What a worker needs of a step: its name, its table's spec and its frames."""

    def __init__(self, name: str, chunks: Iterable, table) -> None:
        self.name, self.chunks, self.table = name, chunks, table


class _Pool:
    """Starts a worker per table step, at most `count` alive, in step order."""

    depth = 6

    def __init__(self, target, steps: Iterable, count: int) -> None:
        self.target = target
        self.steps = iter(steps)
        self.count = count
        self.live: dict[int, EncodedStream] = {}  # pid -> its stream, while generating
        self.streams: list[EncodedStream] = []
        self.queue: deque = deque()
        self.exhausted = False

    def __iter__(self) -> Iterator:
        while True:
            self._fill()
            if not self.queue:  # the loader waits for this one: start it whatever runs
                self._pull()
            if not self.queue:
                return
            yield self.queue.popleft()

    def _fill(self) -> None:
        """Pull steps and start their workers while fewer than `count` are generating."""
        self._reap()
        while len(self.live) < self.count and self._pull():
            pass

    def _pull(self) -> bool:
        step = next(self.steps, None) if not self.exhausted else None
        if step is None:
            self.exhausted = True
            return False
        if isinstance(step, TableStep):
            step.chunks = self._start(step)
        self.queue.append(step)
        return True

    def _reap(self) -> None:
        """Forget workers that exited (done generating; their batches wait in the socket)."""
        for pid in list(self.live):
            try:
                done, _status = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:  # reaped by someone else's wait
                done = pid
            if done:
                del self.live[pid]

    def _start(self, step: TableStep) -> EncodedStream:
        work = _Frames(step.name, step.chunks, step.generator.table)
        stream = _fork(self.target, work, self.depth, self.streams, None, self._fill)
        self.live[stream.pid] = stream
        self.streams.append(stream)
        return stream

    def close(self) -> None:
        for stream in self.streams:  # batches never taken go with their sockets
            stream.sock.close()
            os.close(stream.credits)
        for pid in self.live:
            with suppress(ProcessLookupError, ChildProcessError):
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
        self.live.clear()


def _fork(target, work: _Frames, depth: int, others, conclude, on_batch=None) -> EncodedStream:
    """A worker process making `work`'s batches (``_work``); `others`: the streams of the
    workers already started, whose descriptors the new one must not hold."""
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    taken, give = os.pipe()
    pid = os.fork()
    if pid == 0:  # the worker: never returns
        gc.freeze()  # what the loader held stays untouched: never finalised here
        for other in (ours, *(s.sock for s in others)):
            other.close()  # so a loader that exits closes every worker's socket
        for fd in (give, *(s.credits for s in others)):
            os.close(fd)
        _work(theirs, taken, target, work, depth, conclude)
    theirs.close()
    os.close(taken)
    return EncodedStream(work.name, pid, ours, give, on_batch or (lambda: None))


def _work(sock: socket.socket, credits: int, target, work: _Frames, depth: int, conclude) -> None:
    """In the worker: generate and encode the batches, send each, wait for credits; then
    what `conclude()` returns, if given."""
    status = 0
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the loader's to handle
        _die_with_parent()
        table = work.table
        outstanding = 0
        with warnings.catch_warnings(record=True) as caught:
            for frame, encoded in target.batches(work.chunks, table, work.name):
                form, payload = _dump(encoded)
                body = (list(frame.columns), len(payload), form)
                _send(sock, ("batch", body, _plain(caught)), payload)
                del caught[:]
                outstanding += 1
                while outstanding >= depth:
                    if not os.read(credits, 1):
                        os._exit(0)  # the loader is gone
                    outstanding -= 1
            _send(sock, ("done", None, _plain(caught)))
            if conclude is not None:
                payload = pickle.dumps(conclude(), protocol=5)
                _send(sock, ("outcome", len(payload), []), payload)
    except BaseException as exc:  # handed to the loader, raised there
        status = 1
        with suppress(OSError):
            _send(sock, ("error", _picklable(exc), []))
    finally:
        os._exit(status)  # never the loader's atexit hooks, finalizers or connections


def _die_with_parent() -> None:
    """Linux: the worker gets SIGKILL when the loader exits (even by a second Ctrl+C)."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _dump(encoded) -> tuple[str, bytes]:
    """marshal for plain rows and columns (the fastest to load), pickle for anything else."""
    if isinstance(encoded, Columns):
        return "columns", marshal.dumps(encoded.values)
    try:
        return "marshal", marshal.dumps(encoded)
    except ValueError:
        return "pickle", pickle.dumps(encoded, protocol=5)


def _send(sock: socket.socket, header: tuple, payload: bytes | None = None) -> None:
    data = pickle.dumps(header)
    if payload is None:
        sock.send(data)
        return
    fd = os.memfd_create("seed-assets-batch", os.MFD_CLOEXEC)
    try:
        view = memoryview(payload)
        while view:
            view = view[os.write(fd, view) :]
        socket.send_fds(sock, [data], [fd])
    finally:
        os.close(fd)


def _read(fd: int, size: int, form: str):
    try:
        with mmap.mmap(fd, size, prot=mmap.PROT_READ) as view:
            if form == "columns":
                return Columns(marshal.loads(view))
            return marshal.loads(view) if form == "marshal" else pickle.loads(view)
    finally:
        os.close(fd)


def _plain(caught) -> list[tuple]:
    return [(str(w.message), w.category, w.filename, w.lineno) for w in caught]


def _picklable(exc: BaseException) -> BaseException:
    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:
        return TargetError(str(exc) or type(exc).__name__)
