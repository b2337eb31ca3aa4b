"""A sentinel process that names the first worker to die abruptly (killed by a signal, crashed).

A worker killed outright cannot say so, and its peers cannot either: mpich's launcher (hydra) kills
every other process of the machine with SIGKILL as soon as one dies by a signal, whatever
`-disable-auto-cleanup` says (its proxy does this when it reaps the dead process), and MPI's own
message then names a pid, sometimes not even the dead one's. So the chief starts one small process
in a session of its own (out of reach of the launcher's process-group kills), and every worker holds
a TCP connection to it. A worker that exits says so first (at the interpreter's exit); a connection
that closes without that is a worker that died. The kernel closes a dead process's sockets at once,
and the sentinel's epoll returns closed connections in the order they closed, so the first abrupt
close is the lost worker, not one the launcher killed after it, however late the sentinel gets a
CPU. It prints one line on the chief's stderr (which the launcher passes on), then waits for the
rest and exits. When a worker exits while the others still run (an error in the program), the
launcher kills the rest: the sentinel then names nobody (the error's traceback is the report).

Best effort: a worker that cannot reach the sentinel trains on without it; collectives' timeouts
still catch a lost worker whose connection never closes (a machine or network that fails).
"""
import atexit
import os
import socket
import subprocess
import sys

__all__ = ["join_sentinel"]

#: What a worker sends before it exits (at the interpreter's exit, an error's included)...
LEAVING = b"leaving\n"
#: ... and before it stops because it found other workers lost (it names them itself).
STOPPING = b"stopping\n"

_SENTINEL_PROGRAM = r"""
import select, signal, socket, sys, time
signal.signal(signal.SIGINT, signal.SIG_IGN)   # the launcher forwards ^C to the workers; they answer it
listener = socket.socket(fileno=0)
expected, accepted = int(sys.argv[1]), 0
stop_accepting, stop = time.monotonic() + 120.0, float("inf")
poller = select.epoll()
poller.register(listener, select.EPOLLIN)
workers, reported, someone_left = {}, False, False
while (listener is not None or workers) and time.monotonic() < stop:
    for fd, _ in poller.poll(1.0):   # in the order the connections became ready: deaths in the order they came
        if listener is not None and fd == listener.fileno():
            connection, _ = listener.accept()
            workers[connection.fileno()] = [connection, b""]
            poller.register(connection, select.EPOLLIN)
            accepted += 1
            continue
        connection, said = workers[fd]
        try:
            data = connection.recv(4096)
        except OSError:
            data = b""
        if data:
            said = workers[fd][1] = said + data
            # A worker that exits (with an error, say) while the others still run makes the launcher kill
            # them: those are not lost workers, and the one that left has its own output.
            someone_left = someone_left or b"\nleaving\n" in said
            continue
        poller.unregister(fd)
        connection.close()
        del workers[fd]
        if not (reported or someone_left or b"\nstopping\n" in said) and said.endswith(b"\n"):
            rank, size, pid, host = said.split(b"\n")[0].decode().split()
            sys.stderr.write(
                f"tracegraph.distribute: worker {rank} of {size} (pid {pid} on {host}) was lost: it died without "
                "finishing (killed by a signal or crashed). The other workers stop; restart the job from the "
                "last checkpoint.\n")
            sys.stderr.flush()
            reported, stop = True, time.monotonic() + 30.0
    if listener is not None and (accepted >= expected or time.monotonic() > stop_accepting):
        poller.unregister(listener)
        listener.close()
        listener = None
"""


#: This process's connection to its job's sentinel (one however many strategies the program makes), and
#: on the chief the sentinel process itself.
_joined = []
_started = []


def join_sentinel(comm):
    """This worker's connection to the job's sentinel, which worker 0 of MPI communicator `comm` starts the
    first time (a collective call: every worker makes it); None where it could not be started or reached.
    The connection's `leaving()` runs at the interpreter's exit; call `stopping()` when this worker stops
    because it found others lost."""
    if not _joined:
        rank, size = comm.Get_rank(), comm.Get_size()
        address = _start(size) if rank == 0 else None
        _joined.append(_connect(comm.bcast(address, root=0), rank, size))
    return _joined[0]


def _start(num_workers):
    """Start the sentinel; returns its (host, port) for every worker to connect to, or None."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("", 0))
    listener.listen(max(num_workers, 16))
    try:
        _started.append(subprocess.Popen([sys.executable, "-S", "-c", _SENTINEL_PROGRAM, str(num_workers)],
                                         stdin=listener.fileno(), stdout=subprocess.DEVNULL,
                                         start_new_session=True, close_fds=True))
        return socket.gethostname(), listener.getsockname()[1]
    except OSError:
        return None
    finally:
        listener.close()


class _Connection:
    """A worker's connection to the sentinel; it closes after the worker said why it goes."""

    def __init__(self, sock):
        self.sock = sock

    def leaving(self, message=LEAVING):
        """Tell the sentinel this worker exits on purpose (once; later calls do nothing)."""
        if self.sock is not None:
            try:
                self.sock.sendall(message)
            except OSError:
                pass
            self.sock = None

    def stopping(self):
        """Tell the sentinel this worker stops because it found others lost (and names them itself)."""
        self.leaving(STOPPING)


def _connect(address, rank, num_workers):
    """Connect to the sentinel at `address` and introduce this worker; None if it cannot be reached."""
    if address is None:
        return None
    try:
        sock = socket.create_connection(tuple(address), timeout=10)
        sock.sendall(f"{rank} {num_workers} {os.getpid()} {socket.gethostname()}\n".encode())
    except OSError:
        return None
    connection = _Connection(sock)
    atexit.register(connection.leaving)
    return connection
