"""How a training run behaves inside the kernel's process: interrupts and BLAS threads.

Owns: `DeferredInterrupt` (the kernel's stop button ends a run between two whole steps; a
second press interrupts at once) and `OneBlasThread` (OpenBLAS on one thread while the
tensor engine trains tiny matrices). Both are context managers that restore what they
changed; `session` runs its training inside them.

Imports: nothing of ours.
"""
import signal
import threading


class DeferredInterrupt:
    """While active, a first Ctrl-C / press of the kernel's stop button only sets `.requested`.

    The training loop looks at the flag between steps (and validation between names), so a
    step's forward, backward and Adam update always complete together. A second interrupt
    is not swallowed: it raises KeyboardInterrupt at once, wherever the code is. Off the main
    thread (where signal handlers cannot be installed) it does nothing and an interrupt
    behaves as usual.
    """

    def __enter__(self):
        self.requested, self._previous = False, None
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handler)
        return self

    def _handler(self, signum, frame):
        if self.requested:                  # pressed again: the user means it
            raise KeyboardInterrupt
        self.requested = True

    def __exit__(self, *exc):
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
        return False


class OneBlasThread:
    """While active, OpenBLAS (NumPy's matrix library) uses one thread, where it can be found.

    The tensor engine's matrices are tiny: a second BLAS thread only waits for the first, and
    on a busy 2-core machine makes a step several times slower (4 ms → 30 ms). NumPy is
    usually loaded before the panel, too late for OPENBLAS_NUM_THREADS, so the library's
    own setter is called through ctypes; elsewhere (no OpenBLAS, not Linux) nothing changes.
    """

    def __enter__(self):
        self._lib = self._previous = None
        try:
            import ctypes
            with open("/proc/self/maps") as maps:
                paths = sorted({ln.split()[-1] for ln in maps if "openblas" in ln and ".so" in ln})
            for path in paths:
                lib = ctypes.CDLL(path)
                for prefix, suffix in (("scipy_openblas", "64_"), ("openblas", "64_"),
                                       ("openblas", "")):
                    get = getattr(lib, f"{prefix}_get_num_threads{suffix}", None)
                    put = getattr(lib, f"{prefix}_set_num_threads{suffix}", None)
                    if get and put:
                        self._previous, self._lib = get(), put
                        put(1)
                        return self
        except OSError:
            pass
        return self

    def __exit__(self, *exc):
        if self._lib is not None:
            self._lib(self._previous)
        return False
