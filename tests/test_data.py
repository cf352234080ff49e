"""tapegrad.utils.data against torch.utils.data: same batches, same random stream, same errors.

Each scenario is one function of the library (``torch`` or ``tapegrad``) that returns plain
Python data (tensors turned into (dtype, shape, values)); the test runs it under both libraries
and requires equal results.  Shuffling must reproduce torch's order of random calls exactly: a
scenario that draws once more after the loader catches a loader that took too many or too few
values from the stream.
"""
from __future__ import annotations

import collections
import warnings

import numpy as np
import pytest

import tapegrad as tg

torch = pytest.importorskip("torch")

Point = collections.namedtuple("Point", ["x", "y"])


# -- helpers ---------------------------------------------------------------------------------------
def plain(value):
    """A library's result as plain Python data, comparable across the two libraries."""
    if isinstance(value, (tg.Tensor, torch.Tensor)):
        return ("tensor", str(value.dtype).split(".")[-1], tuple(value.shape), value.tolist())
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return (type(value).__name__,) + tuple(plain(v) for v in value)
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, [plain(v) for v in value])
    if isinstance(value, dict):
        return (type(value).__name__, [(k, plain(v)) for k, v in value.items()])
    return value


def outcome(scenario, lib):
    """The scenario's plain result, or its error type and message."""
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = plain(scenario(lib))
        return ("ok", result, [str(w.message) for w in caught])
    except Exception as error:  # noqa: BLE001 (the error is the result being compared)
        return ("error", type(error).__name__, str(error))


def assert_same(scenario):
    theirs = outcome(scenario, torch)
    ours = outcome(scenario, tg)
    assert ours == theirs


def dataset(lib, n=10):
    return lib.utils.data.TensorDataset(lib.arange(n * 3.0).reshape(n, 3), lib.arange(n))


# -- shuffling: torch's batches for the same seed -------------------------------------------------
@pytest.mark.parametrize("seed", [0, 1, 42, 3407])
@pytest.mark.parametrize("n,batch_size,drop_last", [(10, 4, False), (10, 4, True), (7, 7, False),
                                                   (100, 32, False), (1, 3, False)])
def test_shuffled_batches_match_torch(seed, n, batch_size, drop_last):
    def scenario(lib):
        lib.manual_seed(seed)
        loader = lib.utils.data.DataLoader(dataset(lib, n), batch_size=batch_size, shuffle=True,
                                           drop_last=drop_last)
        epochs = [[y for _, y in loader] for _ in range(2)]  # reshuffled on every pass
        return len(loader), epochs, lib.rand(3)  # the stream continues where torch's does
    assert_same(scenario)


@pytest.mark.parametrize("seed", [0, 7])
def test_loader_generator_is_used_and_global_stream_untouched(seed):
    def scenario(lib):
        lib.manual_seed(123)
        g = lib.Generator().manual_seed(seed)
        loader = lib.utils.data.DataLoader(dataset(lib, 9), batch_size=2, shuffle=True,
                                           generator=g)
        return [y for _, y in loader], [y for _, y in loader], lib.rand(2), g.initial_seed()
    assert_same(scenario)


def test_d2l_load_array():
    def scenario(lib):
        lib.manual_seed(42)
        features, labels = lib.normal(0, 1, (100, 2)), lib.randn(100, 1)
        data = lib.utils.data
        loader = data.DataLoader(data.TensorDataset(*(features, labels)), 10, shuffle=True)
        first = next(iter(loader))
        shapes = [(x.shape, y.shape) for x, y in loader]
        plain_loader = data.DataLoader(data.TensorDataset(features, labels), 10, shuffle=False)
        return first, [tuple(s) for pair in shapes for s in pair], next(iter(plain_loader))
    assert_same(scenario)


def test_unshuffled_loader_draws_the_base_seed_per_pass():
    def scenario(lib):
        lib.manual_seed(5)
        loader = lib.utils.data.DataLoader(dataset(lib, 5), batch_size=2)
        batches = [b for b in loader]
        return batches, lib.randint(0, 1000, (4,))
    assert_same(scenario)


# -- samplers -------------------------------------------------------------------------------------
SAMPLERS = {
    "random": lambda d: d.RandomSampler(range(7)),
    "random_num_samples": lambda d: d.RandomSampler(range(7), num_samples=17),
    "random_few": lambda d: d.RandomSampler(range(7), num_samples=3),
    "replacement": lambda d: d.RandomSampler(range(7), replacement=True),
    "replacement_70": lambda d: d.RandomSampler(range(7), replacement=True, num_samples=70),
    "subset": lambda d: d.SubsetRandomSampler([10, 20, 30, 40, 50]),
    "weighted": lambda d: d.WeightedRandomSampler([0.1, 0.9, 0.4, 0.7, 3.0, 0.6], 50),
    "weighted_no_replacement": lambda d: d.WeightedRandomSampler([0.9, 0.4, 0.05, 0.2, 0.3, 0.1],
                                                                 5, replacement=False),
    "sequential": lambda d: d.SequentialSampler(range(4)),
    "batch": lambda d: d.BatchSampler(d.SequentialSampler(range(10)), 3, drop_last=False),
    "batch_drop": lambda d: d.BatchSampler(range(10), 3, drop_last=True),
    "batch_of_random": lambda d: d.BatchSampler(d.RandomSampler(range(10)), 4, False),
}


@pytest.mark.parametrize("name", list(SAMPLERS))
@pytest.mark.parametrize("seed", [0, 99])
def test_samplers_match_torch(name, seed):
    def scenario(lib):
        lib.manual_seed(seed)
        sampler = SAMPLERS[name](lib.utils.data)
        return len(sampler), list(sampler), list(sampler), lib.rand(2)
    assert_same(scenario)


def test_sampler_with_generator_matches_torch():
    def scenario(lib):
        g = lib.Generator().manual_seed(11)
        d = lib.utils.data
        return (list(d.RandomSampler(range(9), generator=g)),
                list(d.RandomSampler(range(9), replacement=True, num_samples=40, generator=g)),
                list(d.SubsetRandomSampler([3, 1, 4, 1, 5], generator=g)),
                list(d.WeightedRandomSampler([1.0, 2.0, 3.0], 6, generator=g)))
    assert_same(scenario)


BAD_SAMPLERS = {
    "replacement_not_bool": lambda d: d.RandomSampler(range(3), replacement=1),
    "num_samples_zero": lambda d: d.RandomSampler(range(3), num_samples=0),
    "empty_source": lambda d: d.RandomSampler([]),
    "weighted_num_samples_bool": lambda d: d.WeightedRandomSampler([1.0], True),
    "weighted_replacement": lambda d: d.WeightedRandomSampler([1.0], 1, replacement=0),
    "weighted_2d": lambda d: d.WeightedRandomSampler([[1.0, 2.0]], 1),
    "batch_size_zero": lambda d: d.BatchSampler(range(3), 0, False),
    "batch_size_bool": lambda d: d.BatchSampler(range(3), True, False),
    "drop_last_not_bool": lambda d: d.BatchSampler(range(3), 2, None),
    "base_iter": lambda d: iter(d.Sampler()),
}


@pytest.mark.parametrize("name", list(BAD_SAMPLERS))
def test_sampler_errors_match_torch(name):
    result = outcome(lambda lib: BAD_SAMPLERS[name](lib.utils.data), torch)
    assert result[0] == "error"
    assert outcome(lambda lib: BAD_SAMPLERS[name](lib.utils.data), tg) == result


# -- random_split ---------------------------------------------------------------------------------
SPLITS = [[3, 7], [0.7, 0.3], [0.5, 0.2, 0.3], [0.34, 0.33, 0.33], [10], [1.0], [0.5, 0.4, 0.1],
          [0, 10], [3, 3], [0.6, 0.6], [1.5, -0.5]]


@pytest.mark.parametrize("lengths", SPLITS, ids=str)
@pytest.mark.parametrize("size", [2, 10, 11])
def test_random_split_matches_torch(lengths, size):
    def scenario(lib):
        lib.manual_seed(3)
        parts = lib.utils.data.random_split(range(size), lengths)
        seeded = lib.utils.data.random_split(range(size), lengths,
                                             generator=lib.Generator().manual_seed(1))
        return [list(p) for p in parts], [list(p) for p in seeded], lib.rand(1)
    assert_same(scenario)


# -- collation ------------------------------------------------------------------------------------
BATCHES = {
    "ints": lambda lib: [0, 1, 2],
    "bools": lambda lib: [True, False],
    "floats": lambda lib: [0.5, 1.0],
    "strings": lambda lib: ["a", "b"],
    "bytes": lambda lib: [b"a", b"b"],
    "tensors": lambda lib: [lib.ones(2, 3), lib.zeros(2, 3)],
    "int_tensors": lambda lib: [lib.tensor(1), lib.tensor(2)],
    "grad_tensors": lambda lib: [lib.ones(2, requires_grad=True), lib.zeros(2)],
    "tuples": lambda lib: [(0, "a"), (1, "b")],
    "lists": lambda lib: [[0, 1.5], [2, 3.5]],
    "dicts": lambda lib: [{"A": 0, "B": lib.ones(1)}, {"A": 100, "B": lib.zeros(1)}],
    "ordered": lambda lib: [collections.OrderedDict(b=1, a=2), collections.OrderedDict(b=3, a=4)],
    "named": lambda lib: [Point(0, 0.5), Point(1, 1.5)],
    "nested": lambda lib: [{"a": (1, [2.0, "x"])}, {"a": (3, [4.0, "y"])}],
    "numpy_arrays": lambda lib: [np.array([1, 2], dtype=np.int16), np.array([3, 4], np.int16)],
    "numpy_float": lambda lib: [np.array(1.5), np.array(2.5)],
    "numpy_scalars": lambda lib: [np.float32(1), np.float32(2)],
    "numpy_mixed_scalars": lambda lib: [np.uint8(3), np.int8(-2)],
    "numpy_int8": lambda lib: [np.int8(3)],
    "unequal_lists": lambda lib: [[1, 2], [3]],
    "unequal_tensors": lambda lib: [lib.ones(2), lib.ones(3)],
    "objects": lambda lib: [object()],
    "none": lambda lib: [None, None],
    "string_arrays": lambda lib: [np.array(["a"]), np.array(["b"])],
}


@pytest.mark.parametrize("name", list(BATCHES))
def test_default_collate_matches_torch(name):
    def scenario(lib):
        return lib.utils.data.default_collate(BATCHES[name](lib))
    if name == "objects":  # the message names the (shared) type, so compare it loosely
        assert outcome(scenario, tg)[:2] == outcome(scenario, torch)[:2] == ("error", "TypeError")
        return
    assert_same(scenario)


CONVERTS = {
    "number": lambda lib: 0,
    "array": lambda lib: np.array([0, 1]),
    "int8_scalar": lambda lib: np.int8(3),
    "float_scalar": lambda lib: np.float64(2.5),
    "string_array": lambda lib: np.array(["a"]),
    "tuple": lambda lib: (np.array(1), 2),
    "named": lambda lib: Point(np.array(0), 1),
    "list": lambda lib: [np.array([0, 1]), np.array([2, 3])],
    "dict": lambda lib: {"a": np.ones(2, dtype=np.float32), "b": "s"},
    "tensor": lambda lib: lib.arange(3),
}


@pytest.mark.parametrize("name", list(CONVERTS))
def test_default_convert_matches_torch(name):
    assert_same(lambda lib: lib.utils.data.default_convert(CONVERTS[name](lib)))


def test_loader_collates_tuples_of_strings_like_torch():
    assert_same(lambda lib: list(lib.utils.data.DataLoader([(1, "a"), (2, "b"), (3, "c")],
                                                           batch_size=2)))


def test_custom_collate_fn_and_no_batching():
    def scenario(lib):
        d = lib.utils.data
        ds = dataset(lib, 5)
        return (list(d.DataLoader(ds, batch_size=None)),
                list(d.DataLoader(ds, batch_size=2, collate_fn=lambda batch: len(batch))),
                list(d.DataLoader(range(5), batch_sampler=[[0, 1], [4]])),
                list(d.DataLoader({"a": np.arange(3)}["a"], batch_size=None)))
    assert_same(scenario)


# -- datasets -------------------------------------------------------------------------------------
class Stream:
    """An iterable-style dataset for either library (its base class is set per library)."""

    @staticmethod
    def make(lib, n=7, length=None):
        class Numbers(lib.utils.data.IterableDataset):
            def __iter__(self):
                return iter(range(n))

            def __len__(self):
                return n if length is None else length
        return Numbers()


DATASET_SCENARIOS = {
    "tensor_dataset": lambda lib: [dataset(lib, 3)[1], len(dataset(lib, 3)),
                                   dataset(lib, 4)[[0, 2]]],
    "tensor_dataset_mismatch": lambda lib: lib.utils.data.TensorDataset(lib.ones(2), lib.ones(3)),
    "concat": lambda lib: (lambda c: [len(c), c[3], c[-1], c[0], c.cumulative_sizes])(
        lib.utils.data.ConcatDataset([range(3), range(10, 14)])),
    "concat_negative_out_of_range": lambda lib: lib.utils.data.ConcatDataset([range(3)])[-4],
    "concat_empty": lambda lib: lib.utils.data.ConcatDataset([]),
    "concat_iterable": lambda lib: lib.utils.data.ConcatDataset([Stream.make(lib)]),
    "add_datasets": lambda lib: list(lib.utils.data.DataLoader(dataset(lib, 2) + dataset(lib, 1),
                                                               batch_size=3)),
    "subset": lambda lib: (lambda s: [len(s), s[0], s[[0, 1]],
                                      list(lib.utils.data.DataLoader(s, batch_size=2))])(
        lib.utils.data.Subset(dataset(lib, 5), [3, 1, 2])),
    "stack_tuple": lambda lib: (lambda s: [len(s), s[1], list(lib.utils.data.DataLoader(s, 2))])(
        lib.utils.data.StackDataset(range(3), range(10, 13))),
    "stack_dict": lambda lib: (lambda s: [s[1], list(lib.utils.data.DataLoader(s, 2))])(
        lib.utils.data.StackDataset(a=range(3), b=dataset(lib, 3))),
    "stack_mismatch": lambda lib: lib.utils.data.StackDataset(range(3), range(4)),
    "stack_both": lambda lib: lib.utils.data.StackDataset(range(3), b=range(3)),
    "stack_none": lambda lib: lib.utils.data.StackDataset(),
    "chain": lambda lib: [list(Stream.make(lib, 3) + Stream.make(lib, 2)),
                          len(lib.utils.data.ChainDataset([Stream.make(lib, 3)]))],
    "iterable_loader": lambda lib: (lambda s: [len(lib.utils.data.DataLoader(s, batch_size=3)),
                                               list(lib.utils.data.DataLoader(s, batch_size=3)),
                                               list(lib.utils.data.DataLoader(s, batch_size=3,
                                                                              drop_last=True)),
                                               list(lib.utils.data.DataLoader(s, batch_size=None))])(
        Stream.make(lib)),
    "iterable_len_exceeded": lambda lib: (lambda loader: [len(loader), list(loader)])(
        lib.utils.data.DataLoader(Stream.make(lib, 5, length=2), batch_size=2)),
    "base_dataset_getitem": lambda lib: lib.utils.data.Dataset()[0],
    "worker_info": lambda lib: lib.utils.data.get_worker_info(),
}


@pytest.mark.parametrize("name", list(DATASET_SCENARIOS))
def test_datasets_match_torch(name):
    def scenario(lib):
        return DATASET_SCENARIOS[name](lib)
    if name == "iterable_len_exceeded":  # torch's warning names the dataset object
        ours, theirs = outcome(scenario, tg), outcome(scenario, torch)
        assert ours[:2] == theirs[:2] and len(ours[2]) == len(theirs[2]) == 1
        assert ours[2][0].split(" was reported")[1] == theirs[2][0].split(" was reported")[1]
        return
    assert_same(scenario)


def test_subset_subclass_must_override_getitems():
    for lib in (torch, tg):
        class Doubled(lib.utils.data.Subset):
            def __getitem__(self, idx):
                return 2 * super().__getitem__(idx)
        with pytest.raises(NotImplementedError) as caught:
            Doubled(range(3), [0, 1])
        if lib is torch:
            expected = str(caught.value)
    assert str(caught.value) == expected


# -- DataLoader options ---------------------------------------------------------------------------
LOADER_OPTIONS = {
    "sampler_and_shuffle": dict(shuffle=True, sampler=[0]),
    "batch_sampler_and_batch_size": dict(batch_sampler=[[0]], batch_size=2),
    "batch_sampler_and_drop_last": dict(batch_sampler=[[0]], drop_last=True),
    "no_batch_drop_last": dict(batch_size=None, drop_last=True),
    "negative_workers": dict(num_workers=-1),
    "negative_timeout": dict(timeout=-1),
    "prefetch_without_workers": dict(prefetch_factor=2),
    "negative_prefetch": dict(num_workers=1, prefetch_factor=-1),
    "persistent_without_workers": dict(persistent_workers=True),
    "sampler_given": dict(sampler=[4, 0, 2], batch_size=2),
    "pin_memory": dict(pin_memory=True, batch_size=4),
    "timeout_without_workers": dict(timeout=5),
    "context_without_workers": dict(multiprocessing_context="spawn"),
}


@pytest.mark.parametrize("name", list(LOADER_OPTIONS))
def test_loader_options_match_torch(name):
    def scenario(lib):
        loader = lib.utils.data.DataLoader(dataset(lib, 5), **LOADER_OPTIONS[name])
        return len(loader), list(loader)
    assert_same(scenario)


def test_iterable_dataset_refuses_shuffle_and_samplers():
    for option in (dict(shuffle=True), dict(batch_sampler=[[0]])):
        ours = outcome(lambda lib: lib.utils.data.DataLoader(Stream.make(lib), **option), tg)
        theirs = outcome(lambda lib: lib.utils.data.DataLoader(Stream.make(lib), **option), torch)
        assert ours == theirs and ours[0] == "error"


def test_loader_attributes_frozen_after_init():
    assert_same(lambda lib: setattr(lib.utils.data.DataLoader(dataset(lib, 2)), "batch_size", 3))


@pytest.mark.parametrize("options", [dict(num_workers=2), dict(num_workers=2, prefetch_factor=1),
                                     dict(num_workers=2, persistent_workers=True)], ids=str)
def test_workers_give_torchs_batches_and_stream(monkeypatch, options):
    """torch's worker processes against tapegrad's main-process loading: the same batches over
    three passes and the same random stream afterwards (a persistent loader draws its base seed
    once; workers take indices ahead of the batches they return)."""
    from tapegrad.utils.data import dataloader
    monkeypatch.setattr(dataloader, "_warned_about_workers", False)

    def run(lib):
        lib.manual_seed(0)
        loader = lib.utils.data.DataLoader(dataset(lib, 9), batch_size=4, shuffle=True,
                                           **options)
        iterator = iter(loader)
        between = lib.rand(1)  # drawn after torch's workers took their first indices
        epochs = [[plain(y) for _, y in iterator]]
        epochs += [[plain(y) for _, y in loader] for _ in range(2)]
        return epochs, plain(between), plain(lib.rand(2))

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ours = run(tg)
        run(tg)
    assert ours == run(torch)
    messages = [str(w.message) for w in caught if "num_workers" in str(w.message)]
    assert len(messages) == 1 and "main process" in messages[0]
