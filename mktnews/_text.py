"""Old import path of the reader's text handling (kept for code that imports it).

The code lives in public modules by job: :mod:`mktnews.textnums` (printed numbers),
:mod:`mktnews.text` (decoding, cleaning), :mod:`mktnews.outlets`, :mod:`mktnews.boxes`
(ticker boxes and their layouts) and :mod:`mktnews.pages` (:func:`parse_article`).
Nothing is defined here.
"""

from mktnews.boxes import BOX_HEADINGS as BOX_HEADINGS
from mktnews.boxes import BoxRow as BoxRow
from mktnews.instruments import known_instrument_keys as known_instrument_keys
from mktnews.outlets import OUTLETS as OUTLETS
from mktnews.outlets import outlet_code as outlet_code
from mktnews.outlets import register_outlet as register_outlet
from mktnews.pages import ParsedArticle as ParsedArticle
from mktnews.pages import parse_article as parse_article
from mktnews.text import clean_text as clean_text
from mktnews.text import decode_bytes as decode_bytes
from mktnews.textnums import parse_number as parse_number
