"""Worker processes that never hang a build and never outlive it.

- A worker starts with the default action for SIGTERM and ignores SIGINT. It must not inherit the
  CLI's SIGTERM handler (`sys.exit(143)`): a Python handler runs only in the main thread, so a
  worker whose signal lands on a KaTeX or asyncio thread while its main thread waits for work
  would never exit. Ctrl-C is the main process's to handle: it stops the workers.
- Stopping is SIGTERM, then SIGKILL after STOP_SECONDS: no wait without a deadline.
- A worker dies with the main process, even from kill -9: PR_SET_PDEATHSIG covers a worker forked
  by the main process itself; one forked by a fork server (whose parent is that server) watches
  the main process with a pidfd.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import multiprocessing
import multiprocessing.connection
import os
import select
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

STOP_SECONDS = 2.0  # a stopped worker has this long to exit before it is killed
PR_SET_PDEATHSIG = 1


def pool_context():
    """Fork while this process runs one thread; a fork server otherwise (the dev server), since
    forking a process that runs other threads is unsafe."""
    if threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["paperdigest.parse", "paperdigest.render"])
    return context


def worker_started(main_pid: int) -> None:
    """The first thing every worker does: default signal actions, and death with the main process."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent()
    if os.getppid() != main_pid:  # forked by a fork server, or the main process is already gone
        threading.Thread(target=exit_with, args=(main_pid,), name="paperdigest-watchdog", daemon=True).start()


def libc_prctl() -> Callable | None:
    """libc's prctl (Linux), or None where there is none."""
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True).prctl
    except (OSError, AttributeError):
        return None


def die_with_parent() -> None:
    """The kernel kills this process when its parent ends (Linux; elsewhere a worker finishes its
    item and then finds its pipe closed)."""
    if (prctl := libc_prctl()) is not None:
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def dies_with_this_process() -> Callable[[], None] | None:
    """The preexec_fn of a command this process runs (Pagefind): the kernel kills the command when
    the thread that started it ends, with the build even from kill -9. Left running, it went on
    writing into a folder the next build had already cleaned up. libc is loaded here, before the
    fork: the child makes one system call before it runs the command. None where there is no prctl."""
    prctl = libc_prctl()
    if prctl is None:
        return None
    parent = os.getpid()

    def set_death_signal() -> None:
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:  # the build died before the call: no signal would come
            os._exit(137)

    return set_death_signal


def exit_with(main_pid: int) -> None:
    """Wait for the main process to end, then end this one as SIGKILL would."""
    try:
        pidfd = os.pidfd_open(main_pid)
    except ProcessLookupError:
        pass  # already gone
    except (OSError, AttributeError):
        return  # no pidfd (not Linux 5.3+): the worker ends when it finds its pipe closed
    else:
        select.select([pidfd], [], [])  # readable once the process has ended
    os.kill(os.getpid(), signal.SIGKILL)


class WorkerDied(RuntimeError):
    """A worker process ended without sending its result: killed (by the kernel short of memory,
    or by hand) or crashed. The build stops there; the previous output stays as it was."""

    def __init__(self, what: str, exitcode: int | None):
        super().__init__(f"{what} died ({how_it_ended(exitcode)})")


def how_it_ended(exitcode: int | None) -> str:
    """`killed by SIGKILL, e.g. for lack of memory`, `exit code 1`: a process's end, in words."""
    if exitcode is None or exitcode >= 0:
        return f"exit code {exitcode}"
    try:
        name = signal.Signals(-exitcode).name
    except ValueError:
        name = f"signal {-exitcode}"
    return f"killed by {name}" + (", e.g. for lack of memory" if exitcode == -signal.SIGKILL else "")


@dataclass
class Worker:
    process: BaseProcess
    conn: Connection  # the main process's end of the worker's pipe


def ordered_map(fn: Callable, items: list, jobs: int) -> Iterator:
    """fn(item) for every item, in order, computed by up to `jobs` worker processes (fn must pickle
    when a fork server starts them). The workers are stopped when the results have all been taken,
    or the caller fails, is interrupted or closes this generator."""
    context = pool_context()
    workers: list[Worker] = []
    try:
        for _ in range(min(jobs, len(items))):
            workers.append(start_worker(context, fn))
        yield from in_order(workers, items)
    finally:
        stop([worker.process for worker in workers])
        for worker in workers:
            worker.conn.close()


def start_worker(context, fn: Callable) -> Worker:
    mine, theirs = context.Pipe()
    process = context.Process(target=serve_items, args=(theirs, fn, os.getpid()), daemon=True)
    process.start()
    theirs.close()  # the worker's end lives in the worker only: its death reads as EOF here
    return Worker(process, mine)


def serve_items(conn: Connection, fn: Callable, main_pid: int) -> None:
    """A worker's life: fn(item) for each item received, (True, result) or (False, exception) back."""
    worker_started(main_pid)
    while True:
        try:
            item = conn.recv()
        except EOFError:
            return
        try:
            outcome = (True, fn(item))
        except Exception as exc:  # raised again in the main process
            outcome = (False, exc)
        conn.send(outcome)


def in_order(workers: list[Worker], items: list) -> Iterator:
    """Hands each idle worker the next item; yields results in the order of `items`."""
    idle = list(workers)
    busy: dict[Connection, tuple[int, Worker]] = {}
    done: dict[int, object] = {}
    sent = hand_out(idle, busy, items, 0)
    given = 0
    while given < len(items):
        for conn in multiprocessing.connection.wait(list(busy)):
            number, worker = busy.pop(conn)
            done[number] = result_of(worker)
            idle.append(worker)
        sent = hand_out(idle, busy, items, sent)  # before results are handed on: no worker waits
        while given in done:
            yield done.pop(given)
            given += 1


def hand_out(idle: list[Worker], busy: dict, items: list, sent: int) -> int:
    """The next items to the idle workers; returns how many items have been sent."""
    while idle and sent < len(items):
        worker = idle.pop()
        worker.conn.send(items[sent])
        busy[worker.conn] = (sent, worker)
        sent += 1
    return sent


def result_of(worker: Worker):
    try:
        ok, value = worker.conn.recv()
    except EOFError:
        reap(worker.process)
        raise WorkerDied("a worker process", worker.process.exitcode) from None
    if not ok:
        raise value
    return value


def reap(process: BaseProcess) -> None:
    """Wait for a worker that has sent its last result (or died) to exit; stop it if it does not."""
    process.join(STOP_SECONDS)
    stop([process])


def stop(processes: list[BaseProcess]) -> None:
    """SIGTERM to every worker, SIGKILL to those still alive after STOP_SECONDS."""
    for process in processes:
        if process.exitcode is None:
            process.terminate()
    deadline = time.monotonic() + STOP_SECONDS
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
        if process.exitcode is None:
            process.kill()
            process.join(STOP_SECONDS)  # a process stuck in the kernel is not waited on longer
