"""``torch.optim``: optimizers and learning-rate schedulers.

Every optimizer takes the tensors to train (``model.parameters()``, or any leaf tensors that
require grad) or a list of parameter-group dicts, and updates them in place from their
``.grad`` at each ``step()``, with torch's arithmetic so that the numbers match::

    opt = tapegrad.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    for x, y in data:
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()

``optim.lr_scheduler`` changes the learning rate over epochs.
"""
from .optimizer import Optimizer
from .sgd import SGD
from .adam import Adam
from .adamw import AdamW
from .rmsprop import RMSprop
from .adagrad import Adagrad
from .adadelta import Adadelta
from .lbfgs import LBFGS
from .nadam import NAdam
from .radam import RAdam
from .adamax import Adamax
from .asgd import ASGD
from .rprop import Rprop
from . import lr_scheduler

# As in torch, the modules behind the classes are not attributes of the package.
del optimizer, sgd, adam, adamw, rmsprop, adagrad, adadelta, lbfgs  # noqa: F821
del nadam, radam, adamax, asgd, rprop  # noqa: F821

__all__ = ["ASGD", "Adadelta", "Adagrad", "Adam", "AdamW", "Adamax", "LBFGS", "NAdam", "Optimizer",
           "RAdam", "RMSprop", "Rprop", "SGD", "lr_scheduler"]
