"""The private folder qnnc may write outside `-o`: one per user in the system temp directory.

qnnc writes nothing outside the output folder except caches that make a later process faster
(Verilator's compiled runtime, the code of the methods `dataclasses` generates). Both hold code
that is run, so such a folder is used only when it is this user's and nobody else can write it:
a file another user could have placed there must never be loaded.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path


def private_temp_dir(name: str) -> Path | None:
    """`<temp>/<name>-<uid>`, made if missing (mode 0700); None when it cannot be made or is
    not a directory of this user that only this user can write."""
    import tempfile  # only when a cache needs the folder (tempfile imports random, hashlib)

    uid = os.getuid() if hasattr(os, "getuid") else 0
    d = Path(tempfile.gettempdir()) / f"{name}-{uid}"
    try:
        d.mkdir(mode=0o700, exist_ok=True)
        st = d.lstat()
    except OSError:
        return None
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != uid or st.st_mode & 0o022:
        return None
    return d
