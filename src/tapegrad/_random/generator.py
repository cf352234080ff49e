"""torch's CPU random number generator: a Mersenne Twister (MT19937) seeded and saved as torch does.

The 32-bit words come from NumPy's MT19937, which is the same algorithm; what makes the stream
torch's is the seeding (the low 32 bits of the seed through the classic ``init_genrand``), the order
in which words are consumed (``random64()`` is two words, the first one high) and the cached second
value of a Box-Muller pair, which ``normal_distribution<double>`` keeps in the generator between
calls. ``get_state()`` writes torch's 5056-byte ``CPUGeneratorImplState`` so that states move
between tapegrad and torch.
"""
from __future__ import annotations

import os
import struct
from typing import Any

import numpy as np

from .._tensor import Tensor, check_device, device as _device

# torch's default generator starts from this seed (c10's default_rng_seed_val).
DEFAULT_SEED = 67280421310721

_STATE_WORDS = 624
# CPUGeneratorImplState: the legacy POD (seed, left, seeded, next, 624 uint64 words, normal_x,
# normal_y, normal_rho, normal_is_valid + padding) then the float normal and its flag + padding.
_HEAD = struct.Struct("<qiiQ")
_TAIL = struct.Struct("<dddi4xf?3x")
STATE_SIZE = _HEAD.size + 8 * _STATE_WORDS + _TAIL.size            # 5056 bytes, as in torch


_NO_CUDA_GENERATOR = (
    "Cannot get CUDA generator without ATen_cuda library. PyTorch splits its backend into two "
    "shared libraries: a CPU library and a CUDA library; this error has occurred because you are "
    "trying to use some CUDA functionality, but the CUDA library has not been loaded by the "
    "dynamic linker for some reason.  The CUDA library MUST be loaded, EVEN IF you don't directly "
    "use any symbols from the CUDA library! One common culprit is a lack of -Wl,--no-as-needed in "
    "your link arguments; many dynamic linkers will delete dynamic library dependencies if you "
    "don't depend on any of their symbols.  You can check if this has occurred by using ldd on "
    "your binary to see if there is a dependency on *_cuda.so library.")


def _unsigned_seed(seed: Any) -> int:
    """torch's reading of a seed: any int in [-2**63, 2**64); negatives wrap as two's complement."""
    seed = int(seed)
    if not -2 ** 63 <= seed < 2 ** 64:
        raise ValueError("Overflow when unpacking long long")
    return seed % 2 ** 64


class Generator:
    """A random number generator with torch's CPU stream (``torch.Generator``).

    ``Generator().manual_seed(42)`` draws exactly what ``torch.Generator().manual_seed(42)`` draws;
    pass it as ``generator=`` to any random function. A new ``Generator()`` starts from torch's
    default seed, 67280421310721; the default generator, as torch's, from a fresh random seed in
    each process.
    """

    __slots__ = ("_bits", "_numpy", "_seed", "_fresh", "_normal", "_float_normal", "__weakref__")

    def __init__(self, device: Any = "cpu") -> None:
        if device is not None and (device if isinstance(device, _device)
                                   else _device(device)).type == "cuda":
            raise RuntimeError(_NO_CUDA_GENERATOR)
        check_device(device)
        self._bits = np.random.MT19937(0)
        self._numpy = np.random.Generator(self._bits)  # for words32: same words, half the bytes
        self.manual_seed(DEFAULT_SEED)

    @property
    def device(self) -> _device:
        """Where the generator's state lives: always the CPU."""
        return _device("cpu")

    def __repr__(self) -> str:
        return f"<tapegrad.Generator object at {hex(id(self))}>"

    # -- seeding ------------------------------------------------------------------------------
    def manual_seed(self, seed: int) -> "Generator":
        """Seed the stream with ``seed`` (any int in [-2**63, 2**64)) and return this generator."""
        seed = _unsigned_seed(seed)
        # RandomState seeds MT19937 with init_genrand, torch's seeding of the low 32 bits.
        key = np.random.RandomState(seed & 0xFFFFFFFF).get_state()[1]
        self._bits.state = {"bit_generator": "MT19937", "state": {"key": key, "pos": _STATE_WORDS}}
        self._seed = seed
        self._fresh = True
        self._normal = None          # the cached second Box-Muller value (double)
        self._float_normal = None    # its float twin: kept for the saved state only
        return self

    def initial_seed(self) -> int:
        """The seed this generator was last seeded with (an unsigned 64-bit value)."""
        return self._seed

    def seed(self) -> int:
        """Reseed from the operating system's entropy (64 bits, as torch's CPU generator) and
        return the seed."""
        value = int.from_bytes(os.urandom(8), "little")
        self.manual_seed(value)
        return value

    # -- raw words ----------------------------------------------------------------------------
    def words(self, n: int) -> np.ndarray:
        """The next ``n`` 32-bit words (``random()`` in torch), as a uint64 array."""
        if n:
            self._fresh = False
        return self._bits.random_raw(n)

    def words32(self, n: int) -> np.ndarray:
        """The next ``n`` 32-bit words as a uint32 array (full-range integers are raw words)."""
        if n:
            self._fresh = False
        if n < 1 << 16:  # integers() costs ~7 us a call; raw words are cheaper until here
            return self._bits.random_raw(n).astype(np.uint32)
        return self._numpy.integers(0, 2 ** 32, n, dtype=np.uint32)

    def words64(self, n: int) -> np.ndarray:
        """The next ``n`` 64-bit words (``random64()``: two words, the first one the high half)."""
        raw = self.words(2 * n)
        return (raw[0::2] << np.uint64(32)) | raw[1::2]

    # -- state --------------------------------------------------------------------------------
    def get_state(self) -> Tensor:
        """The generator's state as torch's 5056-byte uint8 tensor (``torch.get_rng_state()``)."""
        state = self._bits.state["state"]
        pos = int(state["pos"])
        left, nxt = _STATE_WORDS + 1 - pos, (0 if self._fresh else pos)
        normal = self._normal
        flt = self._float_normal
        raw = b"".join((
            _HEAD.pack(self._seed - 2 ** 64 if self._seed >= 2 ** 63 else self._seed, left, 1, nxt),
            np.asarray(state["key"], dtype="<u8").tobytes(),
            _TAIL.pack(0.0, 0.0 if normal is None else normal, 0.0, normal is not None,
                       0.0 if flt is None else flt, flt is not None)))
        return Tensor._make(np.frombuffer(raw, dtype=np.uint8).copy())

    def set_state(self, new_state: Tensor) -> "Generator":
        """Restore a state from ``get_state()`` (tapegrad's or torch's bytes); returns self."""
        if not isinstance(new_state, Tensor):
            raise TypeError(f"expected a torch.ByteTensor, but got {type(new_state).__name__}")
        data = new_state._data
        if data.dtype != np.uint8:
            raise TypeError("RNG state must be a torch.ByteTensor")
        raw = np.ascontiguousarray(data).tobytes()
        if len(raw) != STATE_SIZE:
            raise RuntimeError(f"Expected a CPUGeneratorImplState of size {STATE_SIZE} but found "
                               f"the input RNG state size to be {len(raw)}")
        seed, left, seeded, nxt = _HEAD.unpack_from(raw, 0)
        if not (seeded and 0 < left <= _STATE_WORDS and nxt <= _STATE_WORDS):
            raise RuntimeError("Invalid mt19937 state")
        key = np.frombuffer(raw, dtype="<u8", count=_STATE_WORDS, offset=_HEAD.size)
        _, normal_y, _, valid, flt, flt_valid = _TAIL.unpack_from(raw, _HEAD.size + 8 * _STATE_WORDS)
        self._bits.state = {"bit_generator": "MT19937",
                            "state": {"key": (key & 0xFFFFFFFF).astype(np.uint32),
                                      "pos": _STATE_WORDS + 1 - left}}
        self._seed = seed % 2 ** 64
        self._fresh = nxt == 0 and left == 1
        self._normal = normal_y if valid else None
        self._float_normal = float(np.float32(flt)) if flt_valid else None
        return self


default_generator = Generator()
default_generator.seed()  # as torch: each process starts from a fresh seed until manual_seed


def resolve(generator: Generator | None) -> Generator:
    """The generator a random function draws from: ``generator=`` if given, else the default."""
    if generator is None:
        return default_generator
    if not isinstance(generator, Generator):
        raise TypeError(f"expected a Generator, but got {type(generator).__name__}")
    return generator


def manual_seed(seed: int) -> Generator:
    """Seed the default generator (``torch.manual_seed``); the same seed gives torch's draws."""
    return default_generator.manual_seed(seed)


def seed() -> int:
    """Reseed the default generator from OS entropy and return the new seed."""
    return default_generator.seed()


def initial_seed() -> int:
    """The seed the default generator was last seeded with."""
    return default_generator.initial_seed()


def get_rng_state() -> Tensor:
    """The default generator's state, torch's 5056-byte uint8 tensor."""
    return default_generator.get_state()


def set_rng_state(new_state: Tensor) -> None:
    """Restore the default generator's state from ``get_rng_state()``."""
    default_generator.set_state(new_state)
