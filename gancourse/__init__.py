"""gancourse: the helper package behind the GAN course's notebooks.

Each module mirrors a notebook, so a reader of notebook NN finds the code in the module
named after its concept:

========================  ==================================================
notebook                  module
========================  ==================================================
00_welcome                :mod:`gancourse.runtime`, :mod:`gancourse.welcome`
01_cross_entropy          :mod:`gancourse.entropy`
02_distributions          :mod:`gancourse.distributions`, :mod:`gancourse.toydata`
03_gan_loop               :mod:`gancourse.gan`, :mod:`gancourse.models`,
                          :mod:`gancourse.metrics`, :mod:`gancourse.digits`,
                          :mod:`gancourse.live`
04_wgan                   :mod:`gancourse.wgan`, :mod:`gancourse.wgan_experiments`
05_denoising              :mod:`gancourse.denoising` (a subpackage: images, classical,
                          networks, train, api, cli, benchmark)
06_flows                  :mod:`gancourse.flows`, :mod:`gancourse.flow_experiments`
========================  ==================================================

Interactive explorers live in :mod:`gancourse.explorers`, exercise checkers in
:mod:`gancourse.exercises`.
"""

from .runtime import *  # noqa: F401,F403
from .runtime import __all__ as _runtime_all
from .entropy import *  # noqa: F401,F403
from .entropy import __all__ as _entropy_all
from .distributions import *  # noqa: F401,F403
from .distributions import __all__ as _distributions_all
from .models import *  # noqa: F401,F403
from .models import __all__ as _models_all
from .gan import *  # noqa: F401,F403
from .gan import __all__ as _gan_all
from .metrics import *  # noqa: F401,F403
from .metrics import __all__ as _metrics_all
from .wgan import *  # noqa: F401,F403
from .wgan import __all__ as _wgan_all
from . import denoising  # notebook 05: gancourse.denoising, with gancourse.denoise at the top
from .denoising import denoise

__version__ = "0.1.0"

__all__ = [
    *_runtime_all,
    *_entropy_all,
    *_distributions_all,
    *_models_all,
    *_gan_all,
    *_metrics_all,
    *_wgan_all,
    "denoising",
    "denoise",
]
