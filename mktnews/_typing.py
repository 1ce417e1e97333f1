"""Old import path of :mod:`mktnews.vocab` (the option vocabularies and the interval table).

``mktnews._typing`` is the module :mod:`mktnews.vocab` itself (an alias in
``sys.modules``), so code that imports the old name gets the same objects.
Nothing is defined here.
"""

import sys

from mktnews import vocab
from mktnews.vocab import BAR_NS as BAR_NS
from mktnews.vocab import INTRADAY_INTERVALS as INTRADAY_INTERVALS
from mktnews.vocab import BadOHLC as BadOHLC
from mktnews.vocab import CaptureStatus as CaptureStatus
from mktnews.vocab import InstrumentKind as InstrumentKind
from mktnews.vocab import Interval as Interval
from mktnews.vocab import MarketState as MarketState
from mktnews.vocab import ModelName as ModelName
from mktnews.vocab import RankPeriod as RankPeriod
from mktnews.vocab import ReturnType as ReturnType
from mktnews.vocab import SnapshotStatus as SnapshotStatus
from mktnews.vocab import TestName as TestName
from mktnews.vocab import check_option as check_option

sys.modules[__name__] = vocab
