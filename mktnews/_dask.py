"""Old import path of :mod:`mktnews.daskpath` (the Dask path of the study).

``mktnews._dask`` is the module :mod:`mktnews.daskpath` itself (an alias in
``sys.modules``), so code that imports the old name gets the same objects.
Nothing is defined here.
"""

import sys

from mktnews import daskpath
from mktnews.daskpath import DaskEventStudyResults as DaskEventStudyResults
from mktnews.daskpath import align_events as align_events
from mktnews.daskpath import event_study as event_study
from mktnews.daskpath import fit as fit
from mktnews.daskpath import is_dask_frame as is_dask_frame

sys.modules[__name__] = daskpath
