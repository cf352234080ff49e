"""``torch.nn.functional``: the functional form of every layer, activation and loss."""
from ._functional.linear import *  # noqa: F401,F403
from ._functional.activation import *  # noqa: F401,F403
from ._functional.loss import *  # noqa: F401,F403
from ._functional.margin_loss import *  # noqa: F401,F403
from ._functional.normalization import *  # noqa: F401,F403
from ._functional.distance import *  # noqa: F401,F403
from ._functional.convolution import *  # noqa: F401,F403
from ._functional.pooling import *  # noqa: F401,F403
from ._functional.vision import *  # noqa: F401,F403
