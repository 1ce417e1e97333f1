"""Old import path of :mod:`mktnews.pubtime` (the publication-time parser).

``mktnews._pubtime`` is the module :mod:`mktnews.pubtime` itself (an alias in
``sys.modules``), so code that imports or patches the old name reaches the parser.
Nothing is defined here.
"""

import sys

from mktnews import pubtime
from mktnews.pubtime import ParsedTimes as ParsedTimes
from mktnews.pubtime import parse_times as parse_times
from mktnews.pubtime import parse_times_full as parse_times_full

sys.modules[__name__] = pubtime
